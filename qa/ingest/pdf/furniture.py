"""What a page prints that is not the text: running headers and footers, footnotes kept apart, repeated
drawings, navigation rows, contents and index pages, a slide's earlier steps."""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections import Counter
from dataclasses import replace

from qa.ingest.pdf.lines import CELL_GAP, Line, body_size

# --- running headers and footers --------------------------------------------------------------------------

RUNNING_EDGE = 2  # lines looked at at each page's top and bottom
RUNNING_SHARE = 0.3  # a place used by this share of the pages (alternating ones: each half) is furniture's
RUNNING_REPEAT = 3  # a line shape seen at the same edge on this many pages is furniture
_ROMAN = re.compile(r"^[ivxlcdm]+$", re.I)
RUNNING_WORDS = 12  # a running header or footer is a title and a number, not a sentence
RUNNING_APART = 2.5  # a running line stands this many line spacings away from the body
RUNNING_FULL_PAGE = 6  # lines on a page for its outermost line set apart to be judged (not a one-line page)


def _shape(text: str) -> str:
    """A line as running lines repeat it: numbers and roman numerals blanked, spacing and case ignored."""
    words = ["#" if w.isdigit() or _ROMAN.match(w) else w for w in re.sub(r"\d+", "#", text.casefold()).split()]
    return " ".join(words)


def _edges(lines: list[Line]) -> list[tuple[str, Line, float]]:
    """The lines at a page's top and bottom; the outermost of each edge with its gap to the next line
    towards the body, on a page full enough to have a body (else 0)."""
    ordered = sorted(lines, key=lambda ln: -ln.y)
    n = len(ordered)
    full = n >= RUNNING_FULL_PAGE
    top = [
        ("top", ordered[i], ordered[0].y - ordered[1].y if full and i == 0 else 0.0)
        for i in range(min(RUNNING_EDGE, n))
    ]
    low = range(max(0, n - RUNNING_EDGE), n)
    return top + [("bottom", ordered[j], ordered[-2].y - ordered[-1].y if full and j == n - 1 else 0.0) for j in low]


def _leading(pages: list[list[Line]]) -> float:
    """The usual distance between one line and the next (the median over all pages)."""
    gaps = []
    for lines in pages:
        ordered = sorted(lines, key=lambda ln: -ln.y)
        gaps += [a.y - b.y for a, b in zip(ordered, ordered[1:]) if 0 < a.y - b.y < 3 * a.size]
    return statistics.median(gaps) if gaps else 12.0


def mark_running(pages: list[list[Line]], labels: list[str | None]) -> None:
    """Mark running headers and footers as dropped: a line at a place (edge and height) that many pages
    print something at, which either repeats in shape at that edge across pages or carries the page's
    own number. Judged by place and shape, so footers that alternate between odd and even pages or change
    with the chapter ("28 Chapter 4. Resources") go too; a lone page number always goes."""
    filled = [p for p in pages if p]
    if len(filled) < 3:
        return
    places: Counter[tuple[str, int]] = Counter()
    shapes: Counter[tuple[str, str]] = Counter()
    apart: Counter[tuple[str, int]] = Counter()  # places where a line stands apart from the body below or above
    spaced = RUNNING_APART * _leading(filled)
    for lines in filled:
        edges = _edges(lines)
        places.update({(edge, round(ln.y / 3)) for edge, ln, _ in edges})
        shapes.update({(edge, _shape(ln.text)) for edge, ln, _ in edges})
        apart.update({(edge, round(ln.y / 3)) for edge, ln, gap in edges if gap > spaced})
    need = max(3, RUNNING_SHARE * len(filled) / 2)
    # A six-page paper prints its odd pages' header twice: in so short a document two pages are a pattern.
    repeat = min(RUNNING_REPEAT, max(2, len(filled) // 3))
    size = body_size(pages)
    for number, lines in enumerate(pages):
        own = {str(number + 1), (labels[number] or "").casefold()} - {""}
        for edge, ln, gap in _edges(lines):
            words = ln.text.casefold().split()
            # The page's number at either end; a heading printed large ("4 Resources" on page 4) is no footer,
            # nor a footnote whose mark happens to be the page's number ("1 The status of GUILE is not reset …").
            numbered = bool(words) and (words[0] in own or words[-1] in own) and ln.size <= size * 1.1
            numbered = numbered and len(words) <= RUNNING_WORDS
            alone = bool(
                re.fullmatch(r"(page\s+)?[\divxlcdm]+(\s+of\s+\d+)?|[-–—]\s*\d+\s*[-–—]", ln.text.strip(), re.I)
            )
            common = places[(edge, round(ln.y / 3))] >= need
            repeated = shapes[(edge, _shape(ln.text))] >= repeat
            # The first page's top line is the document's title more often than furniture; not when it is the
            # running header the other pages print, in body type ("BASH(1) General Commands Manual BASH(1)").
            header = common and repeated and ln.size <= size * 1.1
            if number == 0 and edge == "top" and not (alone or header):
                continue
            # dblatex's header names the chapter and the section ("CHAPTER 1. … 1.3. OK, NOW I KNOW…"): no
            # number, no repeat, but set apart from the body at a place where many pages set a line apart.
            slot = gap > spaced and apart[(edge, round(ln.y / 3))] >= need and ln.size <= size * 1.1
            if alone or (common and (numbered or slot or repeated)):
                ln.kind = "drop"


FOOTNOTE_SIZE = 0.92  # a footnote is set smaller than the body text (LaTeX: 8 on 10 pt, Texinfo: 9 on 11)
# "1 e.g. GNU tar …", "†", or a mark set against the note's first word ("1You do need …", dblatex).
FOOTNOTE_MARK = re.compile(r"^(?:\d{1,3}|[*†‡§¶])(?:\s|$|(?=[A-Z][a-z]))")
# Sphinx's LaTeX writer prints these under a code block cut by a page break: not the document's text.
_CONTINUED = re.compile(r"^\((?:continues on next page|continued from previous page)\)$", re.IGNORECASE)


def mark_footnotes(pages: list[list[Line]], body_size: float) -> None:
    """Mark each page's footnotes: the run of lines at its foot set smaller than the body text, opening with a
    footnote's mark ("1", "†"). Left in the flow, they sat inside the paragraph that goes on over the page
    ("… ‘https://svn.r-project.org/R/branches/" | "1 e.g. GNU tar …" | "R-x-y-branch/’ (where …)")."""
    for lines in pages:
        for ln in lines:
            if ln.kind == "text" and _CONTINUED.match(ln.text.strip()):
                ln.kind = "drop"
        # A footnote's lone mark ("5" over its text) looks like a page number to mark_running: taken back here.
        kept = [ln for i, ln in enumerate(lines) if ln.kind == "text" or _lone_mark(ln, lines[i + 1 :], body_size)]
        run: list[Line] = []
        for ln in reversed(kept):
            if ln.size > body_size * FOOTNOTE_SIZE:
                break
            run.insert(0, ln)
        while run and not FOOTNOTE_MARK.match(run[0].text.strip()):
            run.pop(0)  # small lines above the first mark (a caption, a quote) stay text
        if _worded_notes(run):  # not a figure's small numbered labels ("0", "1", … "9")
            for ln in run:
                ln.kind = "footnote"


def _worded_notes(run: list[Line]) -> bool:
    """Whether each footnote of ``run`` (a mark and the lines up to the next) says something in words."""
    notes: list[str] = []
    for ln in run:
        text = ln.text.strip()
        if FOOTNOTE_MARK.match(text) or not notes:
            notes.append("")
        notes[-1] += " " + text
    return bool(notes) and all(len(re.findall(r"[A-Za-z]{2,}", note)) >= 2 for note in notes)


def _lone_mark(ln: Line, below: list[Line], body_size: float) -> bool:
    small = ln.size <= body_size * FOOTNOTE_SIZE
    return ln.kind == "drop" and small and ln.text.strip().isdigit() and any(b.kind == "text" for b in below)


# --- text drawn more than once ---------------------------------------------------------------------------

REPEAT_RUN = 3  # the same line this many times in a row is a pattern, not something said three times


def _same_print(a: Line, b: Line) -> bool:
    return not (a.mono or b.mono) and abs(a.size - b.size) <= 0.5 and a.text.split() == b.text.split()


def mark_repeats(lines: list[Line]) -> None:
    """Keep one copy of text printed again and again in a row: a title drawn over itself for a shadow or
    an outline (when PDFium has not merged the copies), or a phrase repeated as a texture (the GLE manual's
    title page fills its logo's letters with "Professional Graphics Language" six times). Code is left
    alone (its lines repeat for real), and so are short runs of words-less lines (a table's "0 0 0")."""
    i = 0
    while i < len(lines):
        j = i + 1
        while j < len(lines) and lines[j].page == lines[i].page and _same_print(lines[i], lines[j]):
            j += 1
        run = lines[i:j]
        over = any(abs(a.y - b.y) < a.size / 2 and abs(a.x0 - b.x0) < a.size for a, b in zip(run, run[1:]))
        texture = len(run) >= REPEAT_RUN and re.search(r"[^\W\d_]{3}", run[0].text) is not None
        if over or texture:
            for ln in run[1:]:
                ln.kind = "drop"
        i = j


# --- ornaments and definition lists -------------------------------------------------------------------------


def mark_glyphs(pages: list[list[Line]]) -> None:
    """Drop wordless lines printed only in fonts that never print a word anywhere in the document: the
    glyphs of a music or symbol font inside a figure ("h ª h h" from a music example) come out as letters,
    and joined to the next paragraph they start it with noise. Axis numbers and code in text fonts stay."""
    text_fonts = {name for lines in pages for ln in lines if not ln.wordless for name in ln.fonts}
    for lines in pages:
        for ln in lines:
            if ln.wordless and not ln.mono and ln.fonts and not ln.fonts & text_fonts:
                ln.kind = "drop"


def mark_ornaments(lines: list[Line]) -> None:
    """Drop lines printed only in symbols (the corners of Texinfo's boxed notes, "☛ ✟" and "✡ ✠"; a row of
    dingbats between sections): they say nothing and, joined to the next paragraph, start it with noise."""
    for ln in lines:
        marks = [c for c in ln.text if not c.isspace()]
        if not ln.mono and marks and all(unicodedata.category(c) == "So" for c in marks):
            ln.kind = "drop"


# --- pages that list rather than say ----------------------------------------------------------------------

_LEADER = re.compile(r"(?:\.\s?){4,}\s*[\divxlcdm]*$", re.I)  # the number may sit apart, on a line of its own
_ENDS_NUMBER = re.compile(r"(?:^|[\s,])(?:\d+|[ivxlc]+)(?:[-–]\d+)?$", re.I)


def is_listing_page(lines: list[Line]) -> bool:
    """A table of contents, list of figures or back-of-book index: most lines end in a page number (or
    lead to one with dots). Such a page points elsewhere and answers nothing itself."""
    body = [ln for ln in lines if ln.kind != "drop"]
    leaders = sum(1 for ln in body if _LEADER.search(ln.text))
    if len(body) < 5:  # a contents' last page holding a few entries: every line a dot leader
        return len(body) >= 2 and leaders == len(body)
    numbered = sum(1 for ln in body if _ENDS_NUMBER.search(ln.text))
    return leaders >= 0.25 * len(body) or numbered >= 0.6 * len(body)


# A web page printed from a browser keeps its navigation: "Prev Up Next" rows at its top and foot.
_NAV_WORD = r"(?:prev(?:ious)?|next|up|home)"
_NAV_ROW = re.compile(rf"{_NAV_WORD}(?:\s+{_NAV_WORD})+\b", re.IGNORECASE)


def mark_navigation(pages: list[list[Line]]) -> None:
    """Drop a printed web page's navigation rows ("Prev Next", "Prev Up Next Chapter 8. …"); the row at the
    foot of the last page takes the rest of that page with it (the linked pages' titles, "Home")."""
    for number, lines in enumerate(pages):
        kept = [ln for ln in lines if ln.kind != "drop"]
        for i, ln in enumerate(kept):
            if not _NAV_ROW.match(ln.text.strip()):
                continue
            foot = number == len(pages) - 1 and i >= len(kept) - 4
            for later in kept[i:] if foot else [ln]:
                later.kind = "drop"


STEP_SHARE = 0.8


def drop_overlay_steps(pages: list[list[Line]]) -> None:
    """A slide shown in steps (Beamer's overlays, a build) prints each step as a page holding the lines of the
    step before (STEP_SHARE of its text: a diagram's label may change between steps): the last step stands
    for them all, and the text is read once."""
    for step, after in zip(pages, pages[1:]):
        mine = [_shape(ln.text) for ln in step if ln.kind == "text"]  # page numbers blanked: "2 / 31", "3 / 31"
        theirs = "\n".join(_shape(ln.text) for ln in after if ln.kind == "text")
        kept = sum(len(t) for t in mine if t in theirs)  # a line may gain a label the next step sets beside it
        if mine and kept >= STEP_SHARE * sum(len(t) for t in mine):
            step[:] = [ln for ln in step if ln.kind != "text"]  # gone, not dropped: no running line is judged by it


# --- notes in the margin --------------------------------------------------------------------------------------

MARGIN_GAP = 0.8  # ems beyond the text block's right edge where a margin note starts
MARGIN_CHARS = 40  # a margin note's line is narrow: a longer line out there is a column of text
MARGIN_COLUMN = 3  # notes starting at one place (2 points either way) on a side's pages, at least
MARGIN_EDGE = 0.1  # share of a page side's lines ending at one place for it to be the text block's edge
MARGIN_SHARE = 0.35  # a page with more such pieces than this share of its lines has a second column, not notes


def mark_margin_notes(pages: list[list[Line]]) -> None:
    """Notes set in the right margin beside the text block (LaTeX's marginpar: "New feature" / "1995/12/01"
    beside the paragraph it dates) become lines of kind "margin". PDFium reads such a note into the body line
    at its height ("LATEX provides these commands: New") or between two body lines, so it landed inside the
    sentence it stands beside. Judged per page parity (two-sided layouts move the block); the notes start at
    one place, so a word running past the edge (an overfull "…]") or a figure's label is no note."""
    for parity in (0, 1):
        side = pages[parity::2]
        ends = Counter(round(ln.x1) for p in side for ln in p if ln.kind == "text" and not ln.mono)
        if not ends:
            continue
        edge = ends.most_common(1)[0][0]  # justified text: a tenth of the lines or more end at the same place
        if sum(n for x, n in ends.items() if abs(x - edge) <= 1) < MARGIN_EDGE * sum(ends.values()):
            continue  # ragged right: no edge to stand beyond
        found = [_margin_pieces(lines, edge + 1) for lines in side]
        starts = [x for pieces in found for _, _, x in pieces]
        if len(starts) > MARGIN_SHARE * sum(ends.values()) / 3:
            continue  # a second column of text, not a few notes
        for lines, pieces in zip(side, found):
            pieces = [p for p in pieces if sum(abs(p[2] - x) <= 2 for x in starts) >= MARGIN_COLUMN]
            if pieces and len(pieces) <= MARGIN_SHARE * sum(ln.kind == "text" for ln in lines):
                _split_margin(lines, pieces)


def _margin_pieces(lines: list[Line], right: float) -> list[tuple[int, int, float]]:
    """(line index, first cell in the margin or -1 for the whole line, where it starts) of the pieces of one
    page's lines that start beyond ``right``."""
    if any(ln.column_right for ln in lines):
        return []  # a page read in two columns: what stands right of the left column is the right column
    found = []
    for i, ln in enumerate(lines):
        edge = right + MARGIN_GAP * ln.size
        if ln.kind != "text":
            continue
        if ln.x0 >= edge and len(ln.text) <= MARGIN_CHARS:
            found.append((i, -1, ln.x0))
        elif ln.cells:
            k = next((k for k, (x, _) in enumerate(ln.cells) if x >= edge), None)
            if k is not None and sum(len(t) + 1 for _, t in ln.cells[k:]) <= MARGIN_CHARS + 1:
                found.append((i, k or -1, ln.cells[k][0]))
    return found


def _split_margin(lines: list[Line], pieces: list[tuple[int, int, float]]) -> None:
    for i, k, _ in reversed(pieces):
        ln = lines[i]
        if k < 0:
            ln.kind = "margin"
            continue
        note = " ".join(t for _, t in ln.cells[k:])
        lines.insert(i + 1, replace(ln, text=note, x0=ln.cells[k][0], cells=(), gap=0.0, kind="margin"))
        kept = ln.cells[:k]
        text = " ".join(t for _, t in kept)
        ln.hyphen = text.endswith("-") and text[-2:-1].isalpha()  # "… part of the pream-" | "ble."
        ln.text = text[:-1] if ln.hyphen else text
        ln.x1 = kept[-1][0] + 0.5 * ln.size * len(kept[-1][1])  # about half an em a character
        ln.cells, ln.gap = (kept, CELL_GAP) if len(kept) > 1 else ((), 0.0)
