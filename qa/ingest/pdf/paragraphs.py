"""Lines into paragraphs: reflow, line-end hyphens, broken addresses, code blocks, footnotes after their
paragraph; then the document's text and layout."""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field

from qa.ingest.pdf.furniture import FOOTNOTE_MARK
from qa.ingest.pdf.lines import SENTENCE_END, Line
from qa.types import Layout, Shaped, cell_spans

# --- paragraphs ---------------------------------------------------------------------------------------------

_BULLET = re.compile(r"^(?:[•‣◦▪●○■□–—*-]\s|\(?\d{1,2}[.)]\s|\(?[a-z][.)]\s)")


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
    kind: str  # "heading", "text", "code", "table"
    section: str
    parts: list[tuple[str, int]] = field(default_factory=list)  # (text, page) as printed, to join
    rows: tuple[tuple[str, ...], ...] = ()  # a table's cells, row by row (its parts are the rows' text)
    head: bool = False  # a table's first row is a header row
    note: str = ""  # "footnote" or "margin" for a note held until its paragraph ends

    def last(self) -> str:
        return self.parts[-1][0] if self.parts else ""


def _starts_paragraph(prev: Line, line: Line, leading: float, right: float) -> bool:
    if _BULLET.match(line.text):
        return True
    if prev.page != line.page:
        return bool(SENTENCE_END.search(prev.text)) and not prev.hyphen and not line.text[:1].islower()
    gap = prev.y - line.y
    if gap > leading * 1.45 or gap < -leading:  # a blank line's space, or a jump up (a new column)
        return not (gap < 0 and not SENTENCE_END.search(prev.text))
    short = prev.x1 < right - 4 * prev.size  # the last line of a paragraph stops short of the margin
    indented = line.x0 > prev.x0 + prev.size * 0.8 and not _BULLET.match(prev.text)
    return bool(SENTENCE_END.search(prev.text)) and (short or indented)


_TLDS = frozenset("org net com edu gov int io info de uk fr eu jp ch nl".split())
_HOST_PART = re.compile(r"[a-z0-9-]{2,}(?:\.[a-z0-9-]{2,})+\.")  # "master.debian.", not "e.g."
_HOST_HEAD = re.compile(r"[a-z0-9-]+(?:\.[a-z0-9-]+)*", re.IGNORECASE)  # "CRAN.R-project.org": hosts have no case
_PATH_TAIL = re.compile(r"[(‘'\"]?(?:~?/|\./|[a-z][a-z0-9+.-]*:/)\S*/", re.IGNORECASE)  # "/usr/", "https://"
# dblatex breaks a path after a slash with a hyphen: "… to debian/-" | "source/options since …".
_BROKEN_PATH = re.compile(r"\S*\w/-")  # not "+/-"
_PATH_HEAD = re.compile(r"\S*(?:[/#=?&]|\w\.\w{2})")  # "share/doc/…", "howto-R-4.2.html)", "package=MASS)"
_SCHEME = re.compile(r"[(‘'\"]?(?:https?|ftp|file):", re.IGNORECASE)
_PAGE_ENDS = frozenset("php html htm cgi pdf txt xml".split())  # "https://www.actualtech.com/product_access." | "php)"


def address_continues(before: str, after: str, full: bool = True) -> bool:
    """Whether a line ending in "admin@rt.", "https://tracker." or "/usr/" goes on with "debian.org…" or
    "share/doc/…" on the next: TeX breaks mail addresses, URLs and paths after a dot or a slash, and joining
    with a space (or a paragraph) splits them, so the path a reader copies is wrong. ``full``: the line reaches
    the right margin, as one broken inside a path does; a title page's URL line over a date does not."""
    tail = before.rsplit(None, 1)[-1] if before.strip() else ""
    if _BROKEN_PATH.fullmatch(tail) and after[:1].isalnum():
        return True  # a hyphen after a slash ends no word
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
    # A host's next part has a letter: "remove myclass.sty." | "2.7.2 Make it robust" is a heading after a file.
    return addressy and ("." in word.strip(".") or word in _TLDS) and any(ch.isalpha() for ch in word)


@dataclass
class _Floats:
    """Tables set inside a sentence that goes on after them (a LaTeX float at the top of the next page): held
    until that sentence ends, then shown. The lines read meanwhile count as the table's page, so the page map
    (offsets rising with pages) still cites the table on its own page."""

    held: list[_Block] = field(default_factory=list)
    block: _Block | None = None  # the paragraph the tables broke into
    since: int = 0  # how many of its parts it had then

    def hold(self, tables: list[_Block], block: _Block) -> None:
        if not self.held:
            self.block, self.since = block, len(block.parts)
        self.held.extend(tables)

    def release(self, blocks: list[_Block]) -> None:
        if not self.held:
            return
        page = min(b.parts[0][1] for b in self.held)
        if self.block is not None:
            parts = self.block.parts
            parts[self.since :] = [(text, min(at, page)) for text, at in parts[self.since :]]
        blocks.extend(self.held)
        self.held, self.block = [], None


def _goes_on(prev: Line | None, ln: Line, current: _Block | None, right: float) -> tuple[bool, bool]:
    """(glued, wrapped): the line goes on the word or the sentence of the line before it, as a broken address or
    inline code wrapped to the next line does, rather than opening a paragraph or a code block."""
    if prev is None or current is None:
        return False, False
    full = prev.x1 >= right - 4 * prev.size
    glued = address_continues(prev.text, ln.text, full)
    # A sentence broken at a hyphen inside inline code ("-dgs-never-embed-" / "fonts='#f'."): the rest
    # is typewriter too, but it is the sentence going on, not a code block.
    broken = current.kind == "text" and prev.hyphen and ln.mono
    # A browser wraps inline code to the next line at the prose's own margin ("… onto the hard disk: dpkg
    # --" / "install foo.deb."): the sentence goes on in typewriter type, it is no code block.
    beside = ln.mono and full and current.kind == "text" and abs(ln.x0 - prev.x0) <= ln.size / 2
    wrapped = broken or (beside and not SENTENCE_END.search(prev.text))
    return glued, wrapped


def reflow(pages: list[list[Line]]) -> list[_Block]:
    """Lines into blocks: prose lines joined into paragraphs (across pages too), monospace lines kept as
    a code block with their indentation, tables one row a part, headings apart."""
    body = [ln for p in pages for ln in p if ln.kind == "text" and not ln.mono]
    leading = statistics.median([a.y - b.y for a, b in zip(body, body[1:]) if 0 < a.y - b.y < 3 * a.size] or [12.0])
    # The widest line's end, margin notes included as before they were split off: the paragraph rules were
    # tuned on it (a justified edge instead moved Texinfo's paragraph breaks, docs/notes/2026-12-07-session28.md).
    right = max((ln.x1 for p in pages for ln in p if ln.kind in ("text", "margin") and not ln.mono), default=0.0)
    words, hyphenated = vocabulary(pages)
    blocks: list[_Block] = []
    notes: list[_Block] = []  # footnotes, shown after the paragraph that goes on over their page
    floats = _Floats()
    section = ""
    prev: Line | None = None
    margin: Line | None = None  # the last margin note's line
    for ln in (ln for p in pages for ln in p if ln.kind != "drop"):
        if ln.kind == "footnote":
            add_footnote_line(notes, ln, section)
            continue
        if ln.kind == "margin":  # a note beside the text, shown after the paragraph as a footnote is
            if margin is None or margin.page != ln.page or margin.y - ln.y > 2.5 * ln.size:
                notes.append(_Block("text", section, note="margin"))
            notes[-1].parts.append((ln.text.strip(), ln.page))
            margin = ln
            continue
        here = f"{section} — {ln.scope}" if ln.scope and section else ln.scope or section
        if ln.kind == "table":
            tables = _table_blocks(ln, here)
            target = floats.held or blocks
            if ln.table and ln.table.continues and target and target[-1].kind == "table":  # one table, two pages
                target[-1].parts.extend(tables[-1].parts)
                target[-1].rows += tables[-1].rows
                continue
            if blocks and blocks[-1].kind == "text" and prev is not None and not SENTENCE_END.search(prev.text):
                floats.hold(tables, blocks[-1])
            else:
                blocks.extend(tables)
            continue
        if ln.kind == "heading":
            floats.release(blocks)
            blocks.extend(notes)
            notes = []
            section = ln.section
            blocks.append(_Block("heading", section, [(ln.section.split(" — ")[-1], ln.page)]))
            prev = None
            continue
        current = blocks[-1] if blocks else None
        edge = (prev.column_right or right) if prev is not None else right
        glued, wrapped = _goes_on(prev, ln, current, edge)
        if glued and current is not None and current.kind == "code" and not ln.mono:
            current.kind = "text"  # a URL line set in typewriter type that the prose goes on from
        kind = current.kind if (glued or wrapped) and current is not None else "code" if ln.mono else "text"
        if current is None or current.kind != kind or current.section != here or prev is None:
            new = True
        elif glued or wrapped:
            new = False
        elif kind == "code":
            new = prev.y - ln.y > leading * 1.6 and prev.page == ln.page
        elif ln.term or prev.term:  # a term opens its item's paragraph; its description goes on in it
            new = ln.term and not (prev.term and prev.page == ln.page)
        else:
            new = _starts_paragraph(prev, ln, leading, edge)
        if new:
            floats.release(blocks)
            if notes and kind == "text" and notes[-1].parts[-1][1] < ln.page:  # after the paragraph their page ended
                blocks.extend(notes)
                notes = []
            current = _Block(kind, here)
            blocks.append(current)
        _add_line(current, ln, prev, glued, wrapped, pages, (words, hyphenated))
        prev = ln
        if kind == "text" and SENTENCE_END.search(ln.text) and not ln.hyphen:
            floats.release(blocks)  # the sentence the tables broke into is over; the paragraph goes on after them
    floats.release(blocks)
    return blocks + notes


def _add_line(
    current: _Block,
    ln: Line,
    prev: Line | None,
    glued: bool,
    wrapped: bool,
    pages: list[list[Line]],
    vocab: tuple[set[str], set[str]],
) -> None:
    """The line into its block: joined to the line before where it goes on its word, else a part of its own."""
    if current.parts and glued:
        text, page = current.parts.pop()
        text = text[:-1] if _BROKEN_PATH.search(text.rsplit(None, 1)[-1]) else text  # "debian/-": no hyphen
        current.parts.append((text + ln.text.strip(), page))
    elif current.kind == "code":
        indent = " " * max(0, round((ln.x0 - _code_margin(pages, ln)) / max(ln.size * 0.6, 1)))
        current.parts.append((indent + ln.text, ln.page))
    elif current.parts and prev is not None and prev.hyphen:
        text, page = current.parts.pop()
        joined = text + "-" + ln.text if prev.code_hyphen else join_hyphen(text, ln.text, *vocab)
        current.parts.append((joined, page))
    elif current.parts and wrapped and re.search(r"(?:^|\s)--?$", current.parts[-1][0]):
        text, page = current.parts.pop()
        current.parts.append((text + ln.text.strip(), page))  # "dpkg --" | "install": one option
    else:
        current.parts.append((ln.text, ln.page))


def _table_blocks(ln: Line, section: str) -> list[_Block]:
    """A table read by ``tables.mark_tables``, after its caption if it has one: one part per row, its cells
    joined by " | " (as the HTML reader writes a table), each row a sentence of its own."""
    table = ln.table
    if table is None:
        return []
    rows = tuple(tuple(row) for row in table.rows)
    parts = [(" | ".join(row), ln.page) for row in rows]
    caption = [_Block("text", section, [(table.caption, ln.page)])] if table.caption else []
    return [*caption, _Block("table", section, parts, rows, table.head)]


def add_footnote_line(notes: list[_Block], ln: Line, section: str) -> None:
    """A footnote line: a mark opens a footnote, other lines go on in the last one (a URL broken over
    two lines joined again)."""
    text = ln.text.strip()
    mark = FOOTNOTE_MARK.match(text)
    last = next((n for n in reversed(notes) if n.note == "footnote"), None)  # never a margin note
    if mark or last is None:
        last = _Block("text", section, note="footnote")
        notes.append(last)
    if mark and mark.end() < len(text) and not text[mark.end() - 1].isspace():
        text = f"{text[: mark.end()]} {text[mark.end() :]}"  # "1You do need" reads "1 You do need"
    parts = last.parts
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
        glue = "\n" if block.kind in ("code", "table") and spans and spans[-1][2] == "text" else "\n\n"
        if out:
            out.append(glue)
            at += len(glue)
        start = at
        sep = "\n" if block.kind in ("code", "table") else " "
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
        elif block.kind == "table":
            columns = block.rows[0] if block.head else ()
            shaped.append(Shaped(start, at, "table", cell_spans(block.rows, start), block.head, columns))
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
