#!/usr/bin/env bash
# Rebuild eval/corpora/debian-reference, eval/corpora/gle-manual, eval/corpora/developers-reference and
# eval/corpora/lilypond-usage, eval/corpora/debian-handbook, eval/corpora/gnuplot-manual,
# eval/corpora/sphinx-usage and eval/corpora/git-guides from the
# Debian packages they come from, so anyone can check where the evaluation documents came from (compare with the
# committed files: `git diff --stat eval/corpora` after running this should show nothing when the same versions
# are fetched).
#
# Usage: scripts/fetch_manuals.sh [DEB_DIR]
#   DEB_DIR: a folder already holding the .deb files (skips the download); default: a temporary folder
#   filled with `apt-get download` (needs a Debian/Ubuntu apt source carrying these versions).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DR_PKG="debian-reference-en"
DR_VERSION="2.100"
GLE_PKG="gle-graphics-manual"
GLE_VERSION="0~20221108-3"
DEVREF_PKG="developers-reference"
DEVREF_VERSION="12.18"
LILY_PKG="lilypond-doc-pdf"
LILY_VERSION="2.24.1-2"
DH_PKG="debian-handbook"
DH_VERSION="11.20220922"
GP_PKG="gnuplot-doc"
GP_VERSION="5.4.4+dfsg1-2"
SX_PKG="sphinx-doc"
SX_VERSION="5.3.0-4"
GG_PKG="git-doc"
GG_VERSION="1:2.39.5-0+deb12u3"
# The chapters that are the manual's text; index.en.html is only the book's table of contents.
DR_PAGES="pr01 ch01 ch02 ch03 ch04 ch05 ch06 ch07 ch08 ch09 ch10 ch11 ch12 apa"
# The handbook's chapters 6, 7, 8 and 9: each chapter page and its section pages.
DH_PAGES="apt sect.apt-get sect.apt-cache sect.apt-file sect.apt-frontends sect.package-authentication
sect.dist-upgrade sect.regular-upgrades sect.automatic-upgrades sect.searching-packages
solving-problems sect.common-procedures
basic-configuration sect.network-config sect.hostname-name-service sect.user-group-databases sect.creating-accounts
sect.shell-environment sect.config-printing sect.config-bootloader sect.config-misc sect.kernel-compilation
sect.kernel-installation
unix-services sect.remote-login sect.rights-management sect.administration-interfaces sect.syslog sect.inetd
sect.task-scheduling-cron-atd sect.asynchronous-task-scheduling-anacron sect.quotas sect.backup sect.hotplug
sect.power-management"
# Git's user manual and four guide man pages (of the package's 242 HTML pages).
GG_PAGES="user-manual gittutorial gittutorial-2 giteveryday gitfaq"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
DEBS="${1:-$WORK/debs}"
mkdir -p "$DEBS"

fetch() {  # fetch PACKAGE VERSION: the .deb into $DEBS unless one is there already
    local pkg="$1" version="$2"
    if ! ls "$DEBS/${pkg}_"*.deb >/dev/null 2>&1; then
        (cd "$DEBS" && apt-get download "${pkg}=${version}")
    fi
    local deb
    deb="$(ls "$DEBS/${pkg}_"*.deb | head -n 1)"
    local got
    got="$(dpkg-deb -f "$deb" Version)"
    if [ "$got" != "$version" ]; then
        echo "warning: $deb is version $got, the committed corpus is $version" >&2
    fi
    dpkg -x "$deb" "$WORK/x"
}

fetch "$DR_PKG" "$DR_VERSION"
fetch "$GLE_PKG" "$GLE_VERSION"
fetch "$DEVREF_PKG" "$DEVREF_VERSION"
fetch "$LILY_PKG" "$LILY_VERSION"
fetch "$DH_PKG" "$DH_VERSION"
fetch "$GP_PKG" "$GP_VERSION"
fetch "$SX_PKG" "$SX_VERSION"
fetch "$GG_PKG" "$GG_VERSION"

DR_OUT="$ROOT/eval/corpora/debian-reference"
GLE_OUT="$ROOT/eval/corpora/gle-manual"
DEVREF_OUT="$ROOT/eval/corpora/developers-reference"
LILY_OUT="$ROOT/eval/corpora/lilypond-usage"
DH_OUT="$ROOT/eval/corpora/debian-handbook"
mkdir -p "$DR_OUT" "$GLE_OUT" "$DEVREF_OUT" "$LILY_OUT" "$DH_OUT"
for page in $DR_PAGES; do
    cp "$WORK/x/usr/share/debian-reference/$page.en.html" "$DR_OUT/"
done
cp "$WORK/x/usr/share/gle-graphics/doc/gle-manual.pdf" "$GLE_OUT/"
cp "$WORK/x/usr/share/developers-reference/developers-reference.pdf" "$DEVREF_OUT/"
cp "$WORK/x/usr/share/doc/lilypond/html/Documentation/usage.pdf" "$LILY_OUT/lilypond-usage.pdf"
for page in $DH_PAGES; do
    cp "$WORK/x/usr/share/doc/debian-handbook/html/en-US/$page.html" "$DH_OUT/"
done
GP_OUT="$ROOT/eval/corpora/gnuplot-manual"
SX_OUT="$ROOT/eval/corpora/sphinx-usage"
mkdir -p "$GP_OUT" "$SX_OUT"
cp "$WORK/x/usr/share/doc/gnuplot/gnuplot.pdf" "$GP_OUT/"
# Sphinx's own manual, its usage/ pages only (41 pages; the package's build also holds images and sources).
(cd "$WORK/x/usr/share/doc/sphinx-doc/html" && find usage -name '*.html' | while read -r page; do
    mkdir -p "$SX_OUT/$(dirname "$page")"
    cp -L "$page" "$SX_OUT/$page"
done)
GG_OUT="$ROOT/eval/corpora/git-guides"
mkdir -p "$GG_OUT"
for page in $GG_PAGES; do
    cp "$WORK/x/usr/share/doc/git-doc/$page.html" "$GG_OUT/"
done
echo "rebuilt $GP_OUT from $GP_PKG $GP_VERSION, $SX_OUT from $SX_PKG $SX_VERSION and $GG_OUT from $GG_PKG $GG_VERSION"
echo "rebuilt $DR_OUT ($(echo $DR_PAGES | wc -w) pages), $GLE_OUT, $DEVREF_OUT, $LILY_OUT and $DH_OUT" \
    "($(echo $DH_PAGES | wc -w) pages) from $DR_PKG $DR_VERSION, $GLE_PKG $GLE_VERSION, $DEVREF_PKG $DEVREF_VERSION," \
    "$LILY_PKG $LILY_VERSION and $DH_PKG $DH_VERSION"
sha256sum "$DR_OUT"/*.html "$GLE_OUT"/gle-manual.pdf "$DEVREF_OUT"/developers-reference.pdf \
    "$LILY_OUT"/lilypond-usage.pdf "$DH_OUT"/*.html "$GP_OUT"/gnuplot.pdf "$GG_OUT"/*.html
