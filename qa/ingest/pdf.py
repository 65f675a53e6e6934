"""Reading a PDF the way a person reads it: paragraphs, sections and pages, without the page furniture.

Built on pypdfium2 (the PDFium engine in a wheel). pypdf's ``extract_text`` glues the words of justified
text together ("Thepackagetrackerhas"), which neither BM25 nor the encoder can use; pdfminer.six reads
them right but about 40 times slower (7.7 s against 0.2 s for a 114-page manual). PDFium gives each
character's box, baseline and font, which is what layout needs: lines are reflowed into paragraphs,
running headers and footers are found by their place and shape across pages, the outline (bookmarks)
gives the section paths, the page labels the printed page numbers, and tables of contents and index pages
(dot leaders, page-number columns) are left out.

The work is split so that the layout logic runs on plain ``Line`` records (tested without a PDF);
only ``_page_lines`` and ``_outline`` talk to PDFium.
"""

from __future__ import annotations

import ctypes
import dataclasses
import re
import statistics
import threading
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from qa.types import Layout, Shaped

# --- lines ------------------------------------------------------------------------------------------------


@dataclass
class Line:
    """One printed line: its text and where and how it is printed (PDF points, y grows upwards)."""

    text: str
    page: int  # 0-based
    x0: float
    x1: float
    y: float  # baseline
    size: float
    mono: bool = False
    bold: bool = False
    hyphen: bool = False  # ended in a hyphen PDFium marked as a line-end break (or a plain "-")
    kind: str = "text"  # "text", "heading", "footnote", "drop"
    section: str = ""  # for a heading: its full path
    weight: int = 0  # PDFium's font weight of the first character (0: unknown)
    named_bold: bool = False  # the font's name says bold ("Times-Bold", "CMBX12")
    term: bool = False  # a definition list's term: its description follows, indented, on the next line
    starts_mono: bool = False  # its first character is in a monospace font ("log-file string")
    code_hyphen: bool = False  # it ends in a hyphen after typewriter text: a real hyphen, kept when joining
    fonts: frozenset[str] = frozenset()  # the fonts it is printed in (all of them for a wordless line)
    wordless: bool = False  # no word of three letters in it ("h ª h h", "0 1 2 3", "}")


_MONO = re.compile(r"mono|courier|consol|cmtt|sftt|txtt|xtt|typewriter|fixed|code|menlo|inconsolata", re.I)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_WORD = re.compile(r"[^\W\d_]{3,}")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_LONE_ACCENT = re.compile(r"(?:(?<=\s)|^)[\u0300-\u036f]+")
_BOLD = re.compile(r"bold|black|heavy|demi|^cmbx?\d|^cmssbx|^sfbx", re.I)  # CMBX12, CMB10: TeX's bold fonts
_SOFT_HYPHEN = "\ufffe"  # PDFium's mark for a hyphen it saw at a line end; the next line follows directly


def _font(textpage: object, index: int, buf: ctypes.Array) -> tuple[bool, bool, int, str]:
    """(monospace, bold by name, weight, font name) of one character."""
    import pypdfium2.raw as raw

    flags = ctypes.c_int()
    raw.FPDFText_GetFontInfo(textpage, index, buf, len(buf), ctypes.byref(flags))
    name = buf.value.decode("latin-1", "replace").split("+")[-1]
    mono = bool(flags.value & 1) or bool(_MONO.search(name))
    return mono, bool(_BOLD.search(name)), raw.FPDFText_GetFontWeight(textpage, index), name


def _unit(textpage: Any, index: int) -> str:
    """One of PDFium's characters read alone, as its get_text_range gives it: the hyphen it saw at a line
    end is the soft-hyphen mark (read as its code alone, "sub-" | "mitted" ran together with the next line)."""
    import pypdfium2.raw as raw

    if raw.FPDFText_IsHyphen(textpage, index) == 1:
        return _SOFT_HYPHEN
    return chr(raw.FPDFText_GetUnicode(textpage, index) or 32)


# A gap this wide (in ems) between two characters' advance boxes is a word space the PDF drew by moving the
# pen, not with a space character: groff's PDFs do so ("anyremaining", "string.Ifthere"), and PDFium adds
# no space there. Inside a word the advance boxes touch (kerning makes them overlap); a space is 0.25 em.
WORD_GAP = 0.15


def word_gaps(boxes: list[tuple[float, float, float]], size: float) -> list[int]:
    """Offsets (into ``boxes``, each a character's advance box: left, right, baseline) where a space goes:
    the gap from the previous character exceeds WORD_GAP ems on the same baseline. Pure, for the tests."""
    gaps = []
    for i in range(1, len(boxes)):
        (_, right, base), (left, _, next_base) = boxes[i - 1], boxes[i]
        if left - right > WORD_GAP * size and abs(next_base - base) < size / 2:
            gaps.append(i)
    return gaps


SPACE_PROBE = 400  # characters of a page measured for missing spaces before the whole page is


def gapped(textpage: Any, text: str) -> bool:
    """Whether the page's first SPACE_PROBE characters show a missing word space. A PDF that draws its
    spaces by moving the pen (groff's: one every 150 characters) shows one at once; one that writes them
    (TeX, browsers, office suites) is not measured character by character, a third of its reading time."""
    head = text[: SPACE_PROBE * 2]
    return _spaced(textpage, 0, head) != head


def _spaced(textpage: Any, start: int, segment: str) -> str:
    """``segment`` (PDFium's text from character ``start``) with the spaces PDFium left out put back: each run
    of non-space characters is measured by advance boxes (``word_gaps``)."""
    import pypdfium2.raw as raw

    rect = raw.FS_RECTF()
    out, at = [], 0
    for run in re.finditer(r"[^\s\ufffe]{2,}", segment):
        boxes = []
        for k in range(run.start(), run.end()):
            raw.FPDFText_GetLooseCharBox(textpage, start + k, ctypes.byref(rect))
            boxes.append((rect.left, rect.right, rect.bottom))
        size = raw.FPDFText_GetFontSize(textpage, start + run.start())
        for gap in word_gaps(boxes, size):
            out += [segment[at : run.start() + gap], " "]
            at = run.start() + gap
    return "".join(out) + segment[at:]


# groff prints a command's "-" as a minus sign and "~" as a spacing tilde: "−−rcfile", "˜/.bashrc". Read
# as the keys a user types, so a copied option works and a question's "--rcfile" matches it.
_TYPED = str.maketrans({"\u2212": "-", "\u02dc": "~"})


def composed(text: str) -> str:
    """Read alone, a character beyond the BMP (a paper's math italic 𝑥, 𝜋) comes as two UTF-16 halves:
    one character again, and a lone half as U+FFFD, since the tokenizer refuses half characters. An accent
    that follows a space accents nothing: dblatex's opening quote reads as one, after the word ("bullseye ̀").
    A minus sign and a spacing tilde read as "-" and "~" (``_TYPED``)."""
    text = _LONE_ACCENT.sub("", text).translate(_TYPED)
    if not _SURROGATE.search(text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def _page_lines(pdf: object, number: int, spacing: list[bool] | None = None) -> tuple[list[Line], float]:
    """The lines of one page in PDFium's reading order, and the page's width. ``spacing`` holds whether an
    earlier page missed word spaces: then every page is measured for them (else only one that shows some)."""
    import pypdfium2.raw as raw

    page = pdf[number]  # type: ignore[index]
    width = page.get_width()
    textpage = page.get_textpage()
    count = textpage.count_chars()
    text = textpage.get_text_range(0, count) if count else ""
    if len(text) != count:  # characters outside the BMP: read them one by one so indexes line up
        text = "".join(_unit(textpage.raw, i) for i in range(count))
    spacing = [False] if spacing is None else spacing
    spacing[0] = spacing[0] or gapped(textpage.raw, text)
    lines: list[Line] = []
    buf = ctypes.create_string_buffer(128)
    x, y = ctypes.c_double(), ctypes.c_double()
    for match in re.finditer(r"[^\r\n\ufffe]+\ufffe?", text):
        raw_line = match.group()
        spaced = _spaced(textpage.raw, match.start(), raw_line) if spacing[0] else raw_line
        # Control codes are glyphs no font maps to text (a music font's noteheads): nothing to read.
        body = composed(_CONTROL.sub("", spaced.rstrip(_SOFT_HYPHEN))).strip()
        if not body:
            continue
        first = match.start() + len(raw_line) - len(raw_line.lstrip())
        last = match.start() + len(raw_line.rstrip(_SOFT_HYPHEN).rstrip()) - 1
        left = textpage.get_charbox(first)[0]
        right = textpage.get_charbox(last)[2]
        raw.FPDFText_GetCharOrigin(textpage.raw, first, ctypes.byref(x), ctypes.byref(y))
        size = raw.FPDFText_GetFontSize(textpage.raw, first)
        # A dozen characters across the line: prose that quotes a path or an address at both ends is not code.
        probes = {first + (last - first) * k // 11 for k in range(12)}
        fonts = [_font(textpage.raw, i, buf) for i in probes if not text[i].isspace()]
        mono = bool(fonts) and sum(f[0] for f in fonts) >= 0.75 * len(fonts)
        starts_mono = _font(textpage.raw, first, buf)[0]
        # Bold as most of the line is, not as its first word: "**apt-get** program. It provides …" is prose.
        named_bold = bool(fonts) and 2 * sum(f[1] for f in fonts) > len(fonts)
        weight = int(statistics.median(f[2] for f in fonts)) if fonts else 0
        hyphen = raw_line.endswith(_SOFT_HYPHEN) or (body.endswith("-") and body[-2:-1].isalpha())
        body = body[:-1] if body.endswith("-") and hyphen else body
        bold = named_bold or weight >= 600
        line = Line(body, number, left, right, y.value, round(size, 1), mono, bold, hyphen)
        line.weight, line.named_bold, line.starts_mono = weight, named_bold, starts_mono
        # TeX never hyphenates typewriter type: a hyphen ending code ("-dgs-never-embed-") is the text's own.
        line.code_hyphen = hyphen and _font(textpage.raw, last - 1 if text[last] == "-" else last, buf)[0]
        line.fonts = frozenset(f[3] for f in fonts)
        if not _WORD.search(body):  # no word in it: which fonts draw it, every character (see mark_glyphs)
            line.fonts = frozenset(_font(textpage.raw, i, buf)[3] for i in range(first, last + 1) if text[i] > " ")
            line.wordless = True
        lines.append(line)
    textpage.close()
    page.close()
    return lines, width


def _median_width(lines: list[Line]) -> float:
    widths = sorted(ln.x1 - ln.x0 for ln in lines)
    return widths[len(widths) // 2]


def column_order(lines: list[Line], width: float) -> list[Line]:
    """A two-column page read column by column: lines wholly in the left half, then the right half; lines
    across both (a title, a wide figure caption) keep their place above or below the columns."""
    mid = width / 2
    left = [ln for ln in lines if ln.x1 <= mid + 2]
    right = [ln for ln in lines if ln.x0 >= mid - 2]
    if len(left) < 8 or len(right) < 8 or len(left) + len(right) < 0.7 * len(lines):
        return lines
    if min(_median_width(left), _median_width(right)) < 0.25 * width:
        return lines  # a column of figure labels or code beside prose is not a second column of text
    columns = left + right
    top = max(ln.y for ln in columns)
    above = [ln for ln in lines if ln not in left and ln not in right and ln.y > top]
    below = [ln for ln in lines if ln not in left and ln not in right and ln.y <= top]
    key = lambda ln: -ln.y  # noqa: E731
    return sorted(above, key=key) + sorted(left, key=key) + sorted(right, key=key) + sorted(below, key=key)


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
_FOOTNOTE_MARK = re.compile(r"^(?:\d{1,3}|[*†‡§¶])(?:\s|$)")
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
        while run and not _FOOTNOTE_MARK.match(run[0].text.strip()):
            run.pop(0)  # small lines above the first mark (a caption, a quote) stay text
        if _worded_notes(run):  # not a figure's small numbered labels ("0", "1", … "9")
            for ln in run:
                ln.kind = "footnote"


def _worded_notes(run: list[Line]) -> bool:
    """Whether each footnote of ``run`` (a mark and the lines up to the next) says something in words."""
    notes: list[str] = []
    for ln in run:
        text = ln.text.strip()
        if _FOOTNOTE_MARK.match(text) or not notes:
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


TERM_STACK = 3  # a definition's term printed on this many lines at most ("-o, --output=file" / "=folder")


def _term_like(ln: Line) -> bool:
    """Monospace, or starting so ("log-file string"), and short: a term, not a sentence that leads in."""
    return (ln.mono or ln.starts_mono) and len(ln.text.split()) <= 6 and not ln.text.rstrip().endswith((":", "."))


def _describes(term: Line, desc: Line, body_size: float) -> bool:
    """Whether ``desc`` reads as the start of ``term``'s description: body-size text set in a little under
    the term, on the next line at normal spacing (a figure's labels beside code are smaller and far off)."""
    indent, spacing = desc.x0 - term.x0, term.y - desc.y
    return (
        abs(desc.size - body_size) <= 0.6
        and desc.size * 0.8 < indent <= desc.size * 8
        and 0 < spacing <= desc.size * 1.6
        and len(desc.text.split()) >= 2
    )


def mark_terms(pages: list[list[Line]], body_size: float) -> None:
    """Find definition lists' terms printed in typewriter on a line of their own (Texinfo's @table, an option
    list: "-s, --silent" over an indented "Show no progress, only error messages."). Read as code, the term
    would join the previous item and leave its description without its name; marked, it opens the
    paragraph its description goes on in. A term: up to TERM_STACK lines at one margin, each monospace or
    starting so ("log-file string"), right above a non-monospace line that ``_describes`` them. The end of
    a code block followed by a new paragraph has more space between, or more lines at one margin."""
    for lines in pages:
        kept = [ln for ln in lines if ln.kind == "text"]
        for k, desc in enumerate(kept):
            if desc.mono or k == 0:
                continue
            stack: list[Line] = []
            m = k - 1
            while m >= 0 and _term_like(kept[m]) and abs(kept[m].x0 - kept[k - 1].x0) <= 1:
                stack.append(kept[m])
                m -= 1
                if len(stack) > TERM_STACK:
                    break
            if not stack or len(stack) > TERM_STACK:
                continue
            if _describes(stack[0], desc, body_size):
                for ln in stack:
                    ln.mono, ln.term = False, True


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
_CONTENTS = re.compile(r"(?:table of )?contents", re.IGNORECASE)


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


def drop_contents(pages: list[list[Line]]) -> None:
    """A section headed "Table of Contents" (a printed web page's own list of its sections, with no page
    numbers to tell it by) points elsewhere: it goes, up to the next heading."""
    dropping = False
    for lines in pages:
        for ln in lines:
            if ln.kind == "heading":
                dropping = bool(_CONTENTS.fullmatch(ln.section.split(" — ")[-1].strip()))
            if dropping and ln.kind in ("heading", "text"):
                ln.kind = "drop"


# --- headings -----------------------------------------------------------------------------------------------


@dataclass
class Bookmark:
    level: int
    title: str
    page: int  # 0-based; -1 when the bookmark points nowhere
    path: list[str] = field(default_factory=list)  # the titles of its ancestors


def _norm(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", text.casefold())


_NUMBERING = re.compile(
    r"^(?:(?:chapter|part|appendix|section)\s+)?(?:\d+(?:\.\d+)*\.?|[A-Z]\.(?:\d+\.?)*)\s+"
    r"|^(?:appendix|part)\s+[A-Z]\s+",  # Texinfo's "Appendix A GNU Free Documentation License"
    re.I,
)


def _find_heading(lines: list[Line], title: str, body_size: float) -> tuple[int, int] | None:
    """Lines [i, j) of a page that print ``title`` as a heading (bigger or bolder than body text)."""
    # Texinfo's bookmarks carry the number ("1 Running lilypond"), an appendix's a bare letter ("A GNU Free …")
    want = _norm(_NUMBERING.sub("", title))
    bare = _norm(re.sub(r"^[A-Z]\s+", "", title.strip()))
    if not want:
        return None
    for i, ln in enumerate(lines):
        if ln.kind != "text" or not (ln.size > body_size * 1.05 or ln.bold):
            continue
        got = ""
        for j in range(i, min(i + 3, len(lines))):
            got += _norm(_NUMBERING.sub("", lines[j].text) if j == i else lines[j].text)
            if (got.endswith(want) and len(got) <= len(want) + 6) or (bare and got == bare):
                return i, j + 1
            if not want.startswith(got) and not got.startswith(_norm(lines[i].text)[: len(got)]):
                break
    return None


def _depth(number: str) -> int | None:
    """How deep a printed heading number puts its heading: "4" 0, "4.3" 1, "A.2" 1; None if unnumbered."""
    found = re.search(r"(\d+(?:\.\d+)*|[A-Z](?:\.\d+)+)\.?\s*$", number.strip(), re.I)
    return found.group(1).count(".") if found else None


def _level(mark: Bookmark, depth: int | None, anchor: tuple[int, int, int] | None) -> int:
    """A bookmark's level, checked against the printed numbers: Texinfo's outlines can nest "4.3 Converting"
    under "Other editors" or chapter 5 under chapter 4. A numbered heading sits as deep as its number says
    relative to the last numbered one (so a part above the chapters keeps its level); an unnumbered one moves
    with that correction. ``anchor``: (level, depth, correction) of the last numbered heading."""
    if depth is not None:
        return max(0, anchor[0] + depth - anchor[1]) if anchor else mark.level
    return max(0, mark.level + (anchor[2] if anchor else 0))


def mark_outline_headings(pages: list[list[Line]], bookmarks: list[Bookmark], body_size: float) -> int:
    """Mark the lines that print each bookmark's title as that heading, with its path from the outline
    (the printed number kept: "4.6.5 Release code names"; levels checked against the printed numbers).
    Decoration just above a chapter title ("CHAPTER", "FOUR") goes. Returns how many bookmarks were found
    on their page."""
    found = 0
    path: list[tuple[int, str]] = []
    anchor: tuple[int, int, int] | None = None
    for mark in bookmarks:
        shown = " ".join(mark.title.split())
        number = _NUMBERING.match(shown + " ")
        span: tuple[int, int] | None = None
        page = -1
        for page in (mark.page, mark.page + 1):
            span = _find_heading(pages[page], mark.title, body_size) if 0 <= page < len(pages) else None
            if span is not None:
                break
        if span is not None:
            lines, (i, j) = pages[page], span
            printed = _NUMBERING.match(lines[i].text)
            if printed and not number:
                head, _, rest = shown.partition(" ")
                same = head == printed.group().split()[-1] and rest  # "A GNU …" printed "Appendix A GNU …"
                shown = printed.group().strip() + " " + (rest if same else shown)
                number = printed
        depth = _depth(number.group()) if number else None
        level = _level(mark, depth, anchor)
        if depth is not None:
            anchor = (level, depth, level - mark.level)
        path = [(lv, t) for lv, t in path if lv < level]
        if span is not None:
            for k in range(i, j):
                lines[k].kind = "drop"
            lines[i].kind, lines[i].section = "heading", " — ".join([*(t for _, t in path), shown])
            k = i - 1
            while k >= 0 and lines[k].kind == "text" and _decoration(lines[k], body_size):
                lines[k].kind = "drop"
                k -= 1
            found += 1
        path.append((level, shown))
    return found


TITLE_PAGE_LINES = 8  # a first page of this many lines or fewer is a title page (title, author, date, …)


def _title_page(pages: list[list[Line]], first: int) -> bool:
    """Whether the first page with text is a title page: a few lines, or under half the text of a usual page.
    A man page printed to PDF opens with its NAME and DESCRIPTION on a full page: those are headings."""
    sizes = sorted(sum(len(ln.text) for ln in p if ln.kind == "text") for p in pages)
    lines = [ln for ln in pages[first] if ln.kind == "text"]
    return len(lines) <= TITLE_PAGE_LINES or sum(len(ln.text) for ln in lines) < 0.5 * sizes[len(sizes) // 2]


def mark_bold_terms(pages: list[list[Line]], body_size: float) -> None:
    """A bold line in body type over a description indented well in under it is a definition list's term,
    not a heading, when it opens with no capital (a man page's "--rcfile file", "history -c") or stands two
    ems or more right of where bold titles start (its "HISTSIZE" under "Shell Variables"): marked a term, it
    opens its description's paragraph. Headings open with a capital or a number, at the titles' margin
    ("INVOCATION", "Arrays"); a paragraph's first-line indent is under two ems."""

    def plain(ln: Line) -> bool:
        return ln.bold and not ln.mono and ln.size <= body_size * 1.15

    def capital(ln: Line) -> bool:
        return ln.text.lstrip()[:1].isupper() or ln.text.lstrip()[:1].isdigit()

    titles = [ln.x0 for p in pages for ln in p if ln.kind == "text" and plain(ln) and capital(ln)]
    margin = min(titles, default=0.0)
    for lines in pages:
        kept = [ln for ln in lines if ln.kind == "text"]
        for term, desc in zip(kept, kept[1:]):
            inset = not capital(term) or term.x0 >= margin + 2 * term.size
            if plain(term) and inset and desc.x0 - term.x0 >= 2 * desc.size:
                term.term = _describes(term, desc, body_size)


def mark_size_headings(pages: list[list[Line]], body_size: float) -> None:
    """Without an outline: lines printed larger than the body text are headings, their sizes ranking them
    (the largest is a chapter); a short bold line is the smallest heading. The title page gives no section
    (its large type is the title), and a lone word above another heading ("CHAPTER", "ONE") is decoration."""

    def heading_like(ln: Line) -> bool:
        large = ln.size > body_size * 1.15
        words = len(ln.text.split())
        short = (words <= 14 or (large and words <= 24)) and not ln.text.rstrip().endswith((".", ",", ";"))
        worded = _WORD.search(ln.text) is not None or re.search(r"\d", ln.text) is not None
        # Bold in body type, a heading opens with a capital or a number: "history -c" is a term, "readline
        # line buffer and …" a bold run of a sentence.
        opening = ln.text.lstrip()[:1]
        capital = opening.isupper() or opening.isdigit()
        plain = ln.kind == "text" and not ln.mono and not ln.term
        return plain and short and worded and (large or (ln.bold and capital))

    mark_bold_terms(pages, body_size)
    first = next((i for i, p in enumerate(pages) if any(ln.kind == "text" for ln in p)), 0)
    body = [p for i, p in enumerate(pages) if i != first or len(pages) < 3 or not _title_page(pages, first)]
    sizes = sorted({ln.size for p in body for ln in p if heading_like(ln) and ln.size > body_size * 1.15}, reverse=True)
    rank = {size: i for i, size in enumerate(sizes)}
    path: list[tuple[int, str]] = []
    for lines in body:
        heading: Line | None = None  # the heading the line above is (or goes on)
        for i, ln in enumerate(lines):
            above = lines[i - 1] if i else None
            if not heading_like(ln):
                heading = None if ln.kind != "drop" else heading
                continue
            near = above is not None and above.y - ln.y <= 1.6 * ln.size
            if heading is not None and above is not None and near and heading.size == ln.size:
                joined = heading.section.split(" — ")[-1] + ("" if above.hyphen else " ") + " ".join(ln.text.split())
                path[-1] = (path[-1][0], joined)  # a heading wrapped over two lines or more
                heading.section, ln.kind = " — ".join(t for _, t in path), "drop"
                continue
            if len(ln.text.split()) == 1 and i + 1 < len(lines) and heading_like(lines[i + 1]):
                ln.kind = "drop"
                continue
            number = re.match(r"\d+(?:\.\d+)*", ln.text)  # "3.1.2 …" is two below a chapter, whatever its size
            level = max(rank.get(ln.size, len(sizes)), number.group().count(".") if number else 0)
            while path and path[-1][0] >= level:
                path.pop()
            path.append((level, " ".join(ln.text.split())))
            ln.kind, ln.section = "heading", " — ".join(t for _, t in path)
            heading = ln


# --- paragraphs ---------------------------------------------------------------------------------------------

_BULLET = re.compile(r"^(?:[•‣◦▪●○■□–—*-]\s|\(?\d{1,2}[.)]\s|\(?[a-z][.)]\s)")
_SENTENCE_END = re.compile(r"[.!?:;”\")]$")


def vocabulary(pages: list[list[Line]]) -> tuple[set[str], set[str]]:
    """The document's own words, and its hyphenated words, to judge line-end hyphens by."""
    words: set[str] = set()
    hyphenated: set[str] = set()
    for lines in pages:
        for ln in lines:
            for w in re.findall(r"\w+(?:-\w+)*", ln.text.casefold()):
                parts = w.split("-")
                words.update(parts)
                if len(parts) > 1:
                    hyphenated.add(w)
                    hyphenated.add(parts[0] + "-")  # a prefix the document hyphenates ("non-")
                    # each joint of a longer compound ("never-embed-fonts": "embed-fonts")
                    hyphenated.update(f"{a}-{b}" for a, b in zip(parts, parts[1:]))
    return words, hyphenated


def join_hyphen(before: str, after: str, words: set[str], hyphenated: set[str]) -> str:
    """Join a word broken at a line end: without the hyphen where the document writes the joined word,
    with it where it writes the hyphenated one or the parts look like a compound ("e-mail", "x86-64")."""
    a = re.search(r"[\w]+$", before)
    b = re.match(r"[\w]+", after)
    if not a or not b:
        return before + "-" + after
    head, tail = a.group(), b.group()
    joined = (head + tail).casefold()
    if joined in words:
        return before + after
    compound = f"{head}-{tail}".casefold() in hyphenated or f"{head}-".casefold() in hyphenated
    if compound or any(c.isdigit() for c in head + tail) or len(head) == 1 or tail[0].isupper():
        return before + "-" + after
    return before + after


@dataclass
class _Block:
    kind: str  # "heading", "text", "code"
    section: str
    parts: list[tuple[str, int]] = field(default_factory=list)  # (text, page) as printed, to join

    def last(self) -> str:
        return self.parts[-1][0] if self.parts else ""


def _starts_paragraph(prev: Line, line: Line, leading: float, right: float) -> bool:
    if _BULLET.match(line.text):
        return True
    if prev.page != line.page:
        return bool(_SENTENCE_END.search(prev.text)) and not prev.hyphen and not line.text[:1].islower()
    gap = prev.y - line.y
    if gap > leading * 1.45 or gap < -leading:  # a blank line's space, or a jump up (a new column)
        return not (gap < 0 and not _SENTENCE_END.search(prev.text))
    short = prev.x1 < right - 4 * prev.size  # the last line of a paragraph stops short of the margin
    indented = line.x0 > prev.x0 + prev.size * 0.8 and not _BULLET.match(prev.text)
    return bool(_SENTENCE_END.search(prev.text)) and (short or indented)


_TLDS = frozenset("org net com edu gov int io info de uk fr eu jp ch nl".split())
_HOST_PART = re.compile(r"[a-z0-9-]{2,}(?:\.[a-z0-9-]{2,})+\.")  # "master.debian.", not "e.g."
_HOST_HEAD = re.compile(r"[a-z0-9-]+(?:\.[a-z0-9-]+)*", re.IGNORECASE)  # "CRAN.R-project.org": hosts have no case
_PATH_TAIL = re.compile(r"[(‘'\"]?(?:~?/|\./|[a-z][a-z0-9+.-]*:/)\S*/", re.IGNORECASE)  # "/usr/", "https://"
_PATH_HEAD = re.compile(r"\S*(?:[/#=?&]|\w\.\w{2})")  # "share/doc/…", "howto-R-4.2.html)", "package=MASS)"
_SCHEME = re.compile(r"[(‘'\"]?(?:https?|ftp|file):", re.IGNORECASE)
_PAGE_ENDS = frozenset("php html htm cgi pdf txt xml".split())  # "https://www.actualtech.com/product_access." | "php)"


def address_continues(before: str, after: str, full: bool = True) -> bool:
    """Whether a line ending in "admin@rt.", "https://tracker." or "/usr/" goes on with "debian.org…" or
    "share/doc/…" on the next: TeX breaks mail addresses, URLs and paths after a dot or a slash, and joining
    with a space (or a paragraph) splits them, so the path a reader copies is wrong. ``full``: the line reaches
    the right margin, as one broken inside a path does; a title page's URL line over a date does not."""
    tail = before.rsplit(None, 1)[-1] if before.strip() else ""
    if _SCHEME.fullmatch(tail) and after.startswith("//"):
        return True  # "https:" | "//www.acm.org/…"
    if _PATH_TAIL.fullmatch(tail) and after[:1].isalnum():
        return full and bool(_PATH_HEAD.match(after.split(None, 1)[0]))
    head = _HOST_HEAD.match(after)
    if not tail.endswith(".") or head is None or len(tail) < 4:
        return False
    # "/" in the tail: the rest of a URL that began on an earlier line ("…/gfortran-Intel-11." | "2-BigSur.dmg")
    addressy = "@" in tail or "/" in tail or tail == "www." or bool(_HOST_PART.fullmatch(tail))
    word = head.group(0)
    if "/" in tail and (word in _PAGE_ENDS or "/" in after.split(None, 1)[0]):
        return True  # "https://www.clicketyclick." | "dk/databases/xbase/…"
    return addressy and ("." in word.strip(".") or word in _TLDS)


def reflow(pages: list[list[Line]]) -> list[_Block]:
    """Lines into blocks: prose lines joined into paragraphs (across pages too), monospace lines kept as
    a code block with their indentation, headings apart."""
    body = [ln for p in pages for ln in p if ln.kind == "text" and not ln.mono]
    leading = statistics.median([a.y - b.y for a, b in zip(body, body[1:]) if 0 < a.y - b.y < 3 * a.size] or [12.0])
    right = max((ln.x1 for ln in body), default=0.0)
    words, hyphenated = vocabulary(pages)
    blocks: list[_Block] = []
    notes: list[_Block] = []  # footnotes, shown after the paragraph that goes on over their page
    section = ""
    prev: Line | None = None
    for ln in (ln for p in pages for ln in p if ln.kind != "drop"):
        if ln.kind == "footnote":
            add_footnote_line(notes, ln, section)
            continue
        if notes and ln.kind == "heading":
            blocks.extend(notes)
            notes = []
        if ln.kind == "heading":
            section = ln.section
            blocks.append(_Block("heading", section, [(ln.section.split(" — ")[-1], ln.page)]))
            prev = None
            continue
        current = blocks[-1] if blocks else None
        full = prev is not None and prev.x1 >= right - 4 * prev.size
        glued = prev is not None and current is not None and address_continues(prev.text, ln.text, full)
        # A sentence broken at a hyphen inside inline code ("-dgs-never-embed-" / "fonts='#f'."): the rest
        # is typewriter too, but it is the sentence going on, not a code block.
        broken = prev is not None and current is not None and current.kind == "text" and prev.hyphen and ln.mono
        # A browser wraps inline code to the next line at the prose's own margin ("… onto the hard disk: dpkg
        # --" / "install foo.deb."): the sentence goes on in typewriter type, it is no code block.
        wrapped = (
            broken
            or (
                ln.mono
                and full
                and current is not None
                and current.kind == "text"
                and abs(ln.x0 - prev.x0) <= ln.size / 2
            )
            and not _SENTENCE_END.search(prev.text)
        )
        if glued and current is not None and current.kind == "code" and not ln.mono:
            current.kind = "text"  # a URL line set in typewriter type that the prose goes on from
        kind = current.kind if (glued or wrapped) and current is not None else "code" if ln.mono else "text"
        if current is None or current.kind != kind or current.section != section or prev is None:
            new = True
        elif glued or wrapped:
            new = False
        elif kind == "code":
            new = prev.y - ln.y > leading * 1.6 and prev.page == ln.page
        elif ln.term or prev.term:  # a term opens its item's paragraph; its description goes on in it
            new = ln.term and not (prev.term and prev.page == ln.page)
        else:
            new = _starts_paragraph(prev, ln, leading, right)
        if new:
            if notes and kind == "text" and notes[-1].parts[-1][1] < ln.page:  # after the paragraph their page ended
                blocks.extend(notes)
                notes = []
            current = _Block(kind, section)
            blocks.append(current)
        if current.parts and glued:
            text, page = current.parts.pop()
            current.parts.append((text + ln.text.strip(), page))
        elif kind == "code":
            indent = " " * max(0, round((ln.x0 - _code_margin(pages, ln)) / max(ln.size * 0.6, 1)))
            current.parts.append((indent + ln.text, ln.page))
        elif current.parts and prev is not None and prev.hyphen:
            text, page = current.parts.pop()
            joined = text + "-" + ln.text if prev.code_hyphen else join_hyphen(text, ln.text, words, hyphenated)
            current.parts.append((joined, page))
        elif current.parts and wrapped and re.search(r"(?:^|\s)--?$", current.parts[-1][0]):
            text, page = current.parts.pop()
            current.parts.append((text + ln.text.strip(), page))  # "dpkg --" | "install": one option
        else:
            current.parts.append((ln.text, ln.page))
        prev = ln
    return blocks + notes


def add_footnote_line(notes: list[_Block], ln: Line, section: str) -> None:
    """A footnote line: a mark opens a footnote, other lines go on in the last one (a URL broken over
    two lines joined again)."""
    text = ln.text.strip()
    if _FOOTNOTE_MARK.match(text) or not notes:
        notes.append(_Block("text", section))
    parts = notes[-1].parts
    if parts and address_continues(parts[-1][0], text):
        parts[-1] = (parts[-1][0] + text, parts[-1][1])
    else:
        parts.append((text, ln.page))


def _code_margin(pages: list[list[Line]], line: Line) -> float:
    return min((ln.x0 for ln in pages[line.page] if ln.mono and ln.kind == "text"), default=line.x0)


# --- the whole document -------------------------------------------------------------------------------------


def assemble(blocks: list[_Block], page_count: int, labels: list[str | None]) -> tuple[str, Layout]:
    """The document's text and its layout: blocks with section paths, and where each page starts. A code
    block joins the paragraph before it (one line apart), so the sentence that introduces it stays with it."""
    out: list[str] = []
    at = 0
    page_starts: list[int | None] = [None] * page_count
    spans: list[tuple[int, int, str, str]] = []
    shaped: list[Shaped] = []
    for block in blocks:
        glue = "\n" if block.kind == "code" and spans and spans[-1][2] == "text" else "\n\n"
        if out:
            out.append(glue)
            at += len(glue)
        start = at
        sep = "\n" if block.kind == "code" else " "
        if block.kind == "code":  # the block's own indentation, without the page's margin
            margin = min(len(text) - len(text.lstrip(" ")) for text, _ in block.parts)
            block.parts = [(text[margin:], page) for text, page in block.parts]
        for i, (text, page) in enumerate(block.parts):
            if i:
                out.append(sep)
                at += len(sep)
            if page_starts[page] is None:
                page_starts[page] = at
            out.append(text)
            at += len(text)
        if block.kind == "code":
            shaped.append(Shaped(start, at, "code"))
        if glue == "\n":
            spans[-1] = (spans[-1][0], at, "text", spans[-1][3])
        else:
            spans.append((start, at, "heading" if block.kind == "heading" else "text", block.section))
    text = "".join(out) + "\n"
    starts: list[int] = []
    following = len(text)
    for number in range(page_count - 1, -1, -1):  # an empty page starts where the next one does
        following = page_starts[number] if page_starts[number] is not None else following
        starts.append(following)
    starts.reverse()
    for i in range(1, len(starts)):
        starts[i] = max(starts[i], starts[i - 1])
    return text, Layout(blocks=tuple(spans), pages=tuple(zip(starts, labels)), shaped=tuple(shaped))


def body_size(pages: list[list[Line]]) -> float:
    """The font size most of the text is printed in."""
    sizes: Counter[float] = Counter()
    for lines in pages:
        for ln in lines:
            sizes[ln.size] += len(ln.text)
    return sizes.most_common(1)[0][0] if sizes else 10.0


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
    drop_contents(pages)
    mark_terms(pages, size)
    mark_footnotes(pages, size)
    return assemble(reflow(pages), len(pages), labels)


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


def mark_outline_pages(pages: list[list[Line]], bookmarks: list[Bookmark]) -> None:
    """Slides print their outline's sections in a navigation bar (left out as a running line), never as a
    heading: each bookmark's section opens at the top of the page it points to."""
    path: list[tuple[int, str]] = []
    opening: dict[int, str] = {}
    for mark in bookmarks:
        path = [(lv, t) for lv, t in path if lv < mark.level] + [(mark.level, mark.title)]
        if 0 <= mark.page < len(pages):
            opening[mark.page] = " — ".join(t for _, t in path)
    for first, section in opening.items():
        # a section opening on a step of a slide (its lines gone) opens on the page its text is read from
        number = next((n for n in range(first, len(pages)) if any(ln.kind == "text" for ln in pages[n])), first)
        top = max((ln.y for ln in pages[number]), default=0.0) + 1.0
        title = Line(section.split(" — ")[-1], number, 0.0, 0.0, top, 0.0, kind="heading", section=section)
        pages[number].insert(0, title)


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
    if top is not None and top.kind == "drop" and 3 <= len(top.text.strip()) <= 120 and _WORD.search(top.text):
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
        for number in range(len(pdf)):
            lines, width = _page_lines(pdf, number, spacing)
            pages.append(column_order(lines, width))
        labels = [pdf.get_page_label(i) or None for i in range(len(pdf))]
        bookmarks = _outline(pdf)
        named = str(pdf.get_metadata_dict(skip_empty=True).get("Title", ""))
        wide = sum(1 for i in range(len(pdf)) if pdf[i].get_width() > pdf[i].get_height() * 1.1)
    finally:
        pdf.close()
    weigh_bold(pages)
    return pages, labels, bookmarks, named, 2 * wide > len(pages)


BOLDER = 100  # a line this much heavier than the body text (in PDFium's weight) is bold


def weigh_bold(pages: list[list[Line]]) -> None:
    """Judge boldness against the body text: fonts re-embedded by Ghostscript can report a weight of 744
    for plain CMR10, which made every line of a Texinfo manual "bold" (and any line a heading candidate).
    When the body itself weighs as bold, only a font named bold or a clearly heavier one is."""
    weights: Counter[int] = Counter()
    for lines in pages:
        for ln in lines:
            weights[ln.weight] += len(ln.text)
    body = weights.most_common(1)[0][0] if weights else 0
    if body < 600:
        return
    for lines in pages:
        for ln in lines:
            ln.bold = ln.named_bold or ln.weight >= body + BOLDER


def _decoration(line: Line, body_size: float) -> bool:
    """A word or two printed large or bold just above a chapter title ("CHAPTER", "FOUR"); not the end of a
    bold sentence that runs on into the line ("ifications are discovered.")."""
    words = line.text.split()
    if len(words) > 3 or line.text[:1].islower() or _SENTENCE_END.search(line.text):
        return False
    return line.size > body_size * 1.05 or line.bold
