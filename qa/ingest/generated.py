"""Files a documentation generator writes beside a manual's pages that are not the manual's text.

A Sphinx HTML build, dropped into the corpus as it is, also holds ``_sources/`` (every page again as reST
source, so each passage would be found twice and cited in its raw form), ``_modules/`` (the project's source
code as highlighted pages), the search page and the module index. A build is known by the files Sphinx puts
at its root (``objects.inv``, ``searchindex.js``); outside such a build nothing here applies, so a user's
own ``_sources`` folder is read as usual.

An mdBook build (the Rust books, many projects' guides) writes ``print.html`` beside its chapters: the whole
book again on one page, so every excerpt was found twice and the copy cited by a page of 10,000 lines. A build
is known by ``book.js`` in the same folder; a ``print.html`` anywhere else is read.
"""

from __future__ import annotations

from pathlib import Path

SPHINX_MARKERS = ("objects.inv", "searchindex.js")
SPHINX_FOLDERS = {
    "_sources": "a Sphinx build's copy of a page's source (the page itself is read)",
    "_modules": "a Sphinx build's listing of the project's source code",
}
SPHINX_PAGES = {
    "search.html": "a Sphinx build's search page",
    "py-modindex.html": "a Sphinx build's module index",
    "genindex.html": "a Sphinx build's general index",
}


MDBOOK_MARKER = "book.js"
MDBOOK_PRINT = "print.html"
MDBOOK_PRINT_REASON = "an mdBook build's print page: every chapter again on one page (the chapters are read)"

# Every static site generator (MkDocs, Hugo, Jekyll, Sphinx themes) writes one: its site's menus and "404 -
# Not found", nothing a question is answered from.
NOT_FOUND_PAGES = {"404.html", "404.htm"}


class GeneratedFiles:
    """Says which files under ``root`` a generator added; remembers each folder's answer (one build, many files)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._build_root: dict[Path, Path | None] = {}

    def sphinx_root(self, folder: Path) -> Path | None:
        """The Sphinx build folder holding ``folder``, if any, up to the corpus root."""
        if folder not in self._build_root:
            found = None
            if any((folder / m).is_file() for m in SPHINX_MARKERS):
                found = folder
            elif folder != self.root and self.root in folder.parents:
                found = self.sphinx_root(folder.parent)
            self._build_root[folder] = found
        return self._build_root[folder]

    def reason(self, path: Path) -> str | None:
        """Why ``path`` is not part of the manual's text, or None when it is."""
        if path.name.lower() in NOT_FOUND_PAGES:
            return "a web site's page-not-found page"
        if path.name.lower() == MDBOOK_PRINT and (path.parent / MDBOOK_MARKER).is_file():
            return MDBOOK_PRINT_REASON
        build = self.sphinx_root(path.parent)
        if build is None:
            return None
        parts = path.relative_to(build).parts
        if len(parts) > 1 and parts[0] in SPHINX_FOLDERS:
            return SPHINX_FOLDERS[parts[0]]
        if len(parts) == 1 and (parts[0] in SPHINX_PAGES or parts[0].startswith("genindex-")):
            return SPHINX_PAGES.get(parts[0], SPHINX_PAGES["genindex.html"])
        return None
