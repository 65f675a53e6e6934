"""Printed lines as PDFium gives them: text (word spaces put back, characters composed), place, size, font."""

from __future__ import annotations

import ctypes
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

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
    kind: str = "text"  # "text", "heading", "footnote", "margin", "table", "drop"
    section: str = ""  # for a heading: its full path
    weight: int = 0  # PDFium's font weight of the first character (0: unknown)
    named_bold: bool = False  # the font's name says bold ("Times-Bold", "CMBX12")
    term: bool = False  # a definition list's term: its description follows, indented, on the next line
    starts_mono: bool = False  # its first character is in a monospace font ("log-file string")
    code_hyphen: bool = False  # it ends in a hyphen after typewriter text: a real hyphen, kept when joining
    fonts: frozenset[str] = frozenset()  # the fonts it is printed in (all of them for a wordless line)
    wordless: bool = False  # no word of three letters in it ("h ª h h", "0 1 2 3", "}")
    scope: str = ""  # the term whose description it is in, when that description lists items of its own ("set …")
    # Pieces set apart by a wide gap (a table's cells), each with its left edge; () when the line has none.
    cells: tuple[tuple[float, str], ...] = ()
    gap: float = 0.0  # its widest gap between two cells, in ems
    table: Table | None = None  # kind "table": the table it opens (``tables.mark_tables``; its other lines dropped)
    column_right: float = 0.0  # in a two-column page's left column: where its lines end (0: the page's margin)


@dataclass
class Table:
    """A table read from a run of lines: its rows, each a list of cell texts (one per column, "" where a row has
    none), and where it stands."""

    rows: list[list[str]]
    head: bool  # the first row is a header row
    columns: list[float] = field(default_factory=list)  # each column's left edge
    end: int = 0  # the index (on its page) of the line after it
    caption: str = ""  # "Table 1: Drawing attributes", set above or below it
    continues: bool = False  # it goes on from the table that closed the page before


_MONO = re.compile(r"mono|courier|consol|cmtt|sftt|txtt|xtt|typewriter|fixed|code|menlo|inconsolata", re.I)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
WORD = re.compile(r"[^\W\d_]{3,}")
SENTENCE_END = re.compile(r"[.!?:;”\")]$")
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


def page_lines(pdf: object, number: int, spacing: list[bool] | None = None) -> tuple[list[Line], float, float]:
    """The lines of one page in PDFium's reading order, and the page's width and height. ``spacing`` holds
    whether an earlier page missed word spaces: then every page is measured for them (else only one that
    shows some)."""
    import pypdfium2.raw as raw

    page = pdf[number]  # type: ignore[index]
    width, height = page.get_width(), page.get_height()
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
        line.cells, line.gap = _cells(textpage, text, first, last, size)
        if not WORD.search(body):  # no word in it: which fonts draw it, every character (see mark_glyphs)
            line.fonts = frozenset(_font(textpage.raw, i, buf)[3] for i in range(first, last + 1) if text[i] > " ")
            line.wordless = True
        lines.append(line)
    textpage.close()
    page.close()
    return lines, width, height


# A gap this wide (in ems) inside a line may part two cells of a table: word spaces are 0.25–0.6 em even in
# justified text. Whether it does is judged later, by the gaps lining up over several lines (``tables``).
CELL_GAP = 0.75


def _cells(textpage: Any, text: str, first: int, last: int, size: float) -> tuple[tuple[tuple[float, str], ...], float]:
    """The line's pieces between gaps of CELL_GAP ems or more, each with its left edge, and its widest gap in ems.
    PDFium's rectangles (a few a line) find the lines with such a gap; only those are measured space by space."""
    import pypdfium2.raw as raw

    count = raw.FPDFText_CountRects(textpage.raw, first, last - first + 1)
    if count < 2:
        return (), 0.0
    edges = [textpage.get_rect(i) for i in range(count)]  # (left, bottom, right, top)
    widest = max(b[0] - a[2] for a, b in zip(edges, edges[1:])) / max(size, 1.0)
    if widest < CELL_GAP:
        return (), 0.0
    cells, start = [], first
    for space in re.finditer(r"\s+", text[first : last + 1]):
        before, after = first + space.start() - 1, first + space.end()
        if textpage.get_charbox(after)[0] - textpage.get_charbox(before)[2] >= CELL_GAP * size:
            cells.append((start, before + 1))
            start = after
    cells.append((start, last + 1))
    out = []
    for a, b in cells:
        piece = composed(_CONTROL.sub("", text[a:b].replace(_SOFT_HYPHEN, ""))).strip()
        if piece:
            out.append((textpage.get_charbox(a)[0], piece))
    return (tuple(out), widest) if len(out) > 1 else ((), 0.0)


def _median_width(lines: list[Line]) -> float:
    widths = sorted(ln.x1 - ln.x0 for ln in lines)
    return widths[len(widths) // 2]


def column_order(lines: list[Line], width: float) -> list[Line]:
    """A two-column page read column by column: lines wholly in the left half, then the right half; lines
    across both (a title, a wide figure caption) keep their place above or below the columns. A paper's first
    page prints its title block and abstract across the page above the columns: lines that fit one half
    there ("for Use with AGUTEX", an author's name) belong to that block, not to the left column, which
    would read them after the whole column (and its title and abstract after both)."""
    mid = width / 2
    left = [ln for ln in lines if ln.x1 <= mid + 2]
    right = [ln for ln in lines if ln.x0 >= mid - 2]
    if len(left) < 8 or len(right) < 8 or len(left) + len(right) < 0.7 * len(lines):
        return lines
    if min(_median_width(left), _median_width(right)) < 0.25 * width:
        return lines  # a column of figure labels or code beside prose is not a second column of text
    sides = {id(ln) for ln in left + right}
    spanning = [ln for ln in lines if id(ln) not in sides]
    top = min(max(ln.y for ln in left), max(ln.y for ln in right))  # where both columns run side by side
    heads = [ln.y for ln in spanning if ln.y > top]
    cut = min(heads) if heads else max(ln.y for ln in left + right) + 1
    above = [ln for ln in lines if ln.y >= cut]
    below = [ln for ln in spanning if ln.y < cut]
    left, right = [ln for ln in left if ln.y < cut], [ln for ln in right if ln.y < cut]
    edge = max(ln.x1 for ln in left) if left else 0.0
    for ln in left:  # a left-column line ends short of the page's margin without ending its paragraph
        ln.column_right = edge
    key = lambda ln: -ln.y  # noqa: E731
    return sorted(above, key=key) + sorted(left, key=key) + sorted(right, key=key) + sorted(below, key=key)


def body_size(pages: list[list[Line]]) -> float:
    """The font size most of the text is printed in."""
    sizes: Counter[float] = Counter()
    for lines in pages:
        for ln in lines:
            sizes[ln.size] += len(ln.text)
    return sizes.most_common(1)[0][0] if sizes else 10.0


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
