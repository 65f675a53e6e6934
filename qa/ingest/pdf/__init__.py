"""Reading a PDF the way a person reads it: paragraphs, sections and pages, without the page furniture.

Built on pypdfium2 (the PDFium engine in a wheel). pypdf's ``extract_text`` glues the words of justified
text together ("Thepackagetrackerhas"), which neither BM25 nor the encoder can use; pdfminer.six reads
them right but about 40 times slower (7.7 s against 0.2 s for a 114-page manual). PDFium gives each
character's box, baseline and font, which is what layout needs: lines are reflowed into paragraphs,
running headers and footers are found by their place and shape across pages, the outline (bookmarks)
gives the section paths, the page labels the printed page numbers, and tables of contents and index pages
(dot leaders, page-number columns) are left out.

The work is split so that the layout logic runs on plain ``Line`` records (tested without a PDF); only
``lines.page_lines`` and this module's ``_extract`` talk to PDFium. One module a stage:
``lines`` (characters to printed lines), ``furniture`` (what is not the text), ``headings`` (sections and
definition terms), ``tables`` (lines whose gaps line up), ``paragraphs`` (lines to blocks, then the text and
its layout); here, the order they run in.
"""

from __future__ import annotations

import dataclasses
import re
import threading
from typing import Any

from qa.ingest.pdf.furniture import (
    drop_overlay_steps,
    is_listing_page,
    mark_footnotes,
    mark_glyphs,
    mark_margin_notes,
    mark_navigation,
    mark_ornaments,
    mark_repeats,
    mark_running,
)
from qa.ingest.pdf.headings import (
    Bookmark,
    drop_contents,
    mark_outline_headings,
    mark_outline_pages,
    mark_size_headings,
    mark_sub_headings,
    mark_term_scopes,
    mark_terms,
)
from qa.ingest.pdf.lines import WORD, Line, body_size, column_order, page_lines, weigh_bold
from qa.ingest.pdf.paragraphs import assemble, reflow
from qa.ingest.pdf.tables import mark_tables
from qa.types import Layout


def layout_pages(
    pages: list[list[Line]], labels: list[str | None], bookmarks: list[Bookmark], slides: bool = False
) -> tuple[str, Layout]:
    """Everything after extraction, on plain lines: furniture and listing pages out, headings marked,
    paragraphs reflowed, the text and its layout assembled. ``slides``: the pages are landscape (a slide
    deck), whose steps shown one after another and whose outline in a navigation bar are read as slides."""
    for lines in pages:
        mark_repeats(lines)
        mark_ornaments(lines)
    mark_glyphs(pages)
    if slides:  # before running lines are judged: a step's lines repeat at the same place on the next page
        drop_overlay_steps(pages)
    mark_running(pages, labels)
    mark_navigation(pages)
    mark_margin_notes(pages)
    for lines in pages:
        if is_listing_page(lines):
            for ln in lines:
                ln.kind = "drop"
    size = body_size(pages)
    if not bookmarks or mark_outline_headings(pages, bookmarks, size) < max(1, len(bookmarks) // 4):
        for lines in pages:
            for ln in lines:
                ln.kind, ln.section = ("text", "") if ln.kind == "heading" else (ln.kind, ln.section)
        if slides and bookmarks:
            mark_outline_pages(pages, bookmarks)
        else:
            mark_size_headings(pages, size)
    else:
        mark_sub_headings(pages)
    drop_contents(pages)
    mark_tables(pages)
    mark_terms(pages, size)
    mark_term_scopes(pages, size)
    mark_footnotes(pages, size)
    return assemble(reflow(pages), len(pages), labels)


def _outline(pdf: object) -> list[Bookmark]:
    """The bookmarks in order, each with the titles of its ancestors."""
    marks: list[Bookmark] = []
    stack: list[str] = []
    for item in pdf.get_toc(max_depth=8):  # type: ignore[attr-defined]
        dest = item.get_dest()
        page = dest.get_index() if dest is not None else None
        title = " ".join((item.get_title() or "").split())
        del stack[item.level :]
        marks.append(Bookmark(item.level, title, page if page is not None else -1, list(stack)))
        stack.append(title)
    return [m for m in marks if m.page >= 0 and m.title]


def read_pdf_layout(data: bytes) -> tuple[str, Layout]:
    """A PDF's text as paragraphs under their sections, and its page map. Raises ValueError with a reason
    for a PDF that cannot be opened (``qa.ingest.loading`` turns it into UnreadableFile)."""
    import pypdfium2 as pdfium

    with _PDFIUM:
        pages, labels, bookmarks, named, slides = _extract(pdfium, data)
    text, layout = layout_pages(pages, labels, bookmarks, slides)
    return text, dataclasses.replace(layout, title=document_title(named, pages))


# Placeholders that office suites and TeX write when nobody named the document ("report.docx", "main.dvi").
_UNTITLED = re.compile(
    r"untitled|title|(?:document|presentation|slide|book)\s*\d*|powerpoint presentation|\S+\.\w{2,4}", re.I
)


def document_title(named: str, pages: list[list[Line]]) -> str:
    """The title a citation shows: the PDF's own Title entry unless it is a placeholder or a file name
    ("untitled", "Microsoft Word - report.docx"); else the running header the first page opens with, which
    the text leaves out with the other pages' ("BASH(1) General Commands Manual BASH(1)"); else ""."""
    named = " ".join(named.split())
    if named and not _UNTITLED.fullmatch(named.rsplit(" - ", 1)[-1]):
        return named
    first = next((p for p in pages if p), [])
    top = max(first, key=lambda ln: ln.y, default=None)
    if top is not None and top.kind == "drop" and 3 <= len(top.text.strip()) <= 120 and WORD.search(top.text):
        return " ".join(top.text.split())
    return ""


_PDFIUM = threading.Lock()  # PDFium is not thread-safe: a build and the passage view may read at once


def _extract(pdfium: Any, data: bytes) -> tuple[list[list[Line]], list[str | None], list[Bookmark], str, bool]:
    """Each page's lines (columns in reading order), the page labels, the outline, the Title entry, and
    whether most pages are landscape (slides)."""
    if b"%PDF-" not in data[:1024]:  # the header PDF readers look for; PDFium's own message says less
        raise ValueError("not a PDF (invalid header)")
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        message = str(exc).lower()
        raise ValueError("PDF is password-protected" if "password" in message else f"corrupt PDF ({exc})") from None
    try:
        pages: list[list[Line]] = []
        spacing = [False]  # set by the first page that misses word spaces
        wide = 0  # landscape pages
        for number in range(len(pdf)):
            lines, width, height = page_lines(pdf, number, spacing)
            pages.append(column_order(lines, width))
            wide += width > height * 1.1
        labels = [pdf.get_page_label(i) or None for i in range(len(pdf))]
        bookmarks = _outline(pdf)
        named = str(pdf.get_metadata_dict(skip_empty=True).get("Title", ""))
    finally:
        pdf.close()
    weigh_bold(pages)
    return pages, labels, bookmarks, named, 2 * wide > len(pages)
