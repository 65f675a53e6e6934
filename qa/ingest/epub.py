"""EPUB books: the pages of the spine in reading order, each read by the HTML reader, as one document.

An EPUB is a zip of XHTML pages; its package file (the OPF, found through META-INF/container.xml) lists
them in reading order (the spine) and names the book (dc:title). The navigation page and pages kept out of
the reading order (linear="no": a cover, pop-up notes) are left out, as are pages that are only links (a
contents or index page). A book whose pages are encrypted (DRM) cannot be read; fonts obfuscated by the
IDPF's scheme are no obstacle.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import unquote
from xml.etree import ElementTree

from qa.ingest.html import NavigationOnly, read_html_layout
from qa.types import Layout, Shaped

CONTAINER = "META-INF/container.xml"
ENCRYPTION = "META-INF/encryption.xml"
PAGE_TYPES = {"application/xhtml+xml", "text/html"}
MAX_PAGE_BYTES = 32 * 1024 * 1024  # one page unpacked; a zip bomb stops here, not in memory
MAX_BOOK_BYTES = 256 * 1024 * 1024  # all pages unpacked


class EpubError(ValueError):
    """The file is no EPUB that can be read: the message says why."""


@dataclass(frozen=True)
class Book:
    title: str
    pages: list[tuple[str, bytes]]  # (path in the zip, XHTML) in reading order


def _xml(archive: zipfile.ZipFile, name: str) -> ElementTree.Element:
    try:
        return ElementTree.fromstring(archive.read(name))
    except KeyError:
        raise EpubError(f"not an EPUB ({name} is missing)") from None
    except ElementTree.ParseError as exc:
        raise EpubError(f"corrupt EPUB ({name}: {exc})") from None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(root: ElementTree.Element, name: str) -> Iterator[ElementTree.Element]:
    return (el for el in root.iter() if _local(el.tag) == name)


def _encrypted_pages(archive: zipfile.ZipFile) -> bool:
    """Whether META-INF/encryption.xml encrypts a page (DRM), not only fonts (the IDPF's obfuscation)."""
    if ENCRYPTION not in archive.namelist():
        return False
    for ref in _children(_xml(archive, ENCRYPTION), "CipherReference"):
        if ref.get("URI", "").lower().endswith((".xhtml", ".html", ".htm", ".xml")):
            return True
    return False


def open_book(data: bytes) -> Book:
    """The book's title and its reading-order pages. Raises EpubError with the reason."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise EpubError("not an EPUB (not a zip archive)") from None
    with archive:
        if _encrypted_pages(archive):
            raise EpubError("EPUB is DRM-protected (its pages are encrypted)")
        rootfile = next(_children(_xml(archive, CONTAINER), "rootfile"), None)
        package = rootfile.get("full-path", "") if rootfile is not None else ""
        if not package:
            raise EpubError("not an EPUB (its container names no package file)")
        opf = _xml(archive, package)
        title = " ".join(next((el.text or "" for el in _children(opf, "title")), "").split())
        return Book(title, list(_spine_pages(archive, opf, posixpath.dirname(package))))


def _spine_pages(archive: zipfile.ZipFile, opf: ElementTree.Element, base: str) -> Iterator[tuple[str, bytes]]:
    items = {el.get("id"): el for el in _children(opf, "item")}
    total = 0
    for ref in _children(opf, "itemref"):
        item = items.get(ref.get("idref"))
        if item is None or ref.get("linear") == "no" or item.get("media-type") not in PAGE_TYPES:
            continue
        if "nav" in (item.get("properties") or "").split():
            continue
        name = posixpath.normpath(posixpath.join(base, unquote(item.get("href", ""))))
        try:
            info = archive.getinfo(name)
        except KeyError:
            continue  # a page the package lists but the zip lacks: the rest of the book still reads
        total += info.file_size
        if info.file_size > MAX_PAGE_BYTES or total > MAX_BOOK_BYTES:
            raise EpubError(f"EPUB too large unpacked ({name}: {info.file_size / 1e6:.0f} MB)")
        try:
            yield name, archive.read(info)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise EpubError(f"corrupt EPUB ({name}: {exc})") from None


def _decoded(markup: bytes) -> str:
    for bom, encoding in ((b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"), (b"\xef\xbb\xbf", "utf-8-sig")):
        if markup.startswith(bom):
            return markup.decode(encoding, "replace")
    return markup.decode("utf-8", "replace")  # EPUB pages are UTF-8 or UTF-16 (the spec allows no other)


def read_epub_layout(data: bytes) -> tuple[str, Layout]:
    """The book's pages as one text: each page's blocks under its own heading path, pages apart by a blank
    line, code and tables where they stand, the book's title as the document's."""
    book = open_book(data)
    parts: list[str] = []
    blocks: list[tuple[int, int, str, str]] = []
    shaped: list[Shaped] = []
    at = 0
    for _, markup in book.pages:
        try:
            text, layout = read_html_layout(_decoded(markup))
        except NavigationOnly:
            continue  # the book's contents or index page
        text = text.rstrip("\n")
        if not text.strip():
            continue
        if parts:
            parts.append("\n\n")
            at += 2
        blocks.extend((a + at, b + at, kind, section) for a, b, kind, section in layout.blocks)
        shaped.extend(s.moved(at) for s in layout.shaped)
        parts.append(text)
        at += len(text)
    if not parts:
        raise EpubError("EPUB has no readable pages")
    return "".join(parts) + "\n", Layout(blocks=tuple(blocks), shaped=tuple(shaped), title=book.title)
