"""Tables in a PDF: lines whose wide gaps line up over several lines are rows, and the gaps their columns.

A PDF has no table, only text placed in columns; read as prose, a LaTeX table of attributes runs on into one
paragraph ("… len 1.0 preferred length of edge dir none forward, back, both …"), so the row that answers
("len | 1.0 | preferred length of edge") is no sentence and never a highlight. A run of lines is a table
when at least MIN_ROWS of them are cut by wide gaps (``Line.cells``) at the same places; a gap elsewhere is
a wide word space and stays inside its cell. A line of one piece under a later column goes on in the row
above (a description wrapped in its column); a line of one piece elsewhere is a row of its own (a group's
title, "Edge Attributes"). Pure logic on ``Line`` records, tested without a PDF.
"""

from __future__ import annotations

import re

from qa.ingest.pdf.lines import WORD, Line, Table

MIN_ROWS = 3  # rows cut into cells at the same places; two could be a formula and its number
ALIGN = 3.0  # points: how far a cell's left edge may lie from its column's
MAX_LONE = 2  # lines of one piece in a row between rows before the table is over
CAPTION = re.compile(r"\s*(?:Table|Tab\.)\s+[\dA-Z][\d.]*[:.]?\s")
TABLE_GAP = 1.5  # ems: a table's columns stand this far apart on most of its rows (word spaces: under 1.4)
TERM_LIST = 40  # characters: two columns whose second is longer, as a rule, are a list of terms, not a table


def _columns(xs: list[float], need: int) -> list[float]:
    """Left edges that at least ``need`` of the rows have a cell at, each the median of its cluster."""
    xs = sorted(xs)
    groups: list[list[float]] = []
    for x in xs:
        if groups and x - groups[-1][-1] <= ALIGN:
            groups[-1].append(x)
        else:
            groups.append([x])
    return [g[len(g) // 2] for g in groups if len(g) >= need]


def _column_of(x: float, columns: list[float]) -> int | None:
    """The last column whose left edge lies at or before ``x``; None before the first."""
    at = None
    for i, c in enumerate(columns):
        if c - ALIGN <= x:
            at = i
    return at


def _candidates(lines: list[Line], start: int) -> int:
    """The end (exclusive) of the run of lines from ``start`` that could be one table: lines of several pieces,
    with at most MAX_LONE lines of one piece between them, close together on one page."""
    end, lone, at = start + 1, 0, start + 1
    while at < len(lines):
        ln, prev = lines[at], lines[at - 1]
        if ln.kind != "text" or prev.y - ln.y > 2.5 * ln.size or ln.y > prev.y:
            break
        if ln.cells:
            lone, end = 0, at + 1
        else:
            lone += 1
            # prose after the table, at its left edge: a row's title ("Edge Attributes") is a few words
            prose = ln.x0 <= lines[start].x0 + ALIGN and len(ln.text.split()) > 4
            if lone > MAX_LONE or prose:
                break
        at += 1
    return end


def _split(ln: Line, columns: list[float]) -> list[str] | None:
    """The line's text per column, a piece off every column joined to the one before; None when no piece
    after the first starts a column (the gaps are word spaces, not a row)."""
    row = [""] * len(columns)
    first = _column_of(ln.cells[0][0], columns)
    at = first if first is not None else 0
    aligned = 0
    for k, (x, text) in enumerate(ln.cells):
        col = _column_of(x, columns) if k else at
        if k and col is not None and col > at:
            at, aligned = col, aligned + 1
        row[at] = f"{row[at]} {text}".strip()
    return row if aligned else None


def _joined(cell: str, more: str, above: Line) -> str:
    """A cell going on from the line above: a word broken at its end ("low-" | "ercase") is joined again."""
    if above.hyphen:
        return cell.removesuffix("-") + more
    return f"{cell} {more}".strip()


def find_table(lines: list[Line], start: int) -> tuple[int, Table] | None:
    """The table that starts at ``lines[start]`` and the index after it, or None."""
    if not lines[start].cells or lines[start].kind != "text":
        return None
    end = _candidates(lines, start)
    cut = [ln for ln in lines[start:end] if ln.cells]
    if len(cut) < MIN_ROWS:
        return None
    columns = _columns([x for ln in cut for x, _ in ln.cells], max(2, (len(cut) + 2) // 3))
    if len(columns) < 2:
        return None
    rows: list[list[str]] = []
    split = 0
    prev = lines[start]
    for ln in lines[start:end]:
        row = _split(ln, columns) if ln.cells else None
        if row is not None:
            rows.append(row)
            split += 1
            prev = ln
            continue
        col = _column_of(ln.x0, columns)
        if rows and col and abs(ln.x0 - columns[col]) <= ALIGN:  # a description wrapped in its column
            rows[-1][col] = _joined(rows[-1][col], ln.text.strip(), prev)
        else:
            rows.append([ln.text.strip()] + [""] * (len(columns) - 1))
        prev = ln
    if split < MIN_ROWS or sum(not ln.mono for ln in cut) < MIN_ROWS:  # aligned code is code
        return None
    if sorted(ln.gap for ln in cut)[len(cut) // 2] < TABLE_GAP:
        return None  # a bulleted list ("•  FDF"), or wide word spaces that happen to line up in justified prose
    if 2 * sum(bool(WORD.search(" ".join(r))) for r in rows) < len(rows):
        return None  # a font's character chart, an axis's ticks: no words to read
    if len(columns) == 2 and sorted(len(r[1]) for r in rows)[len(rows) // 2] > TERM_LIST:
        return None  # terms and their paragraphs ("-e  Exit immediately if …"): reflowed, each reads as prose
    bold_head = lines[start].bold and 2 * sum(ln.bold for ln in cut) <= len(cut)  # not a bold first column
    return end, Table(rows, len(rows) > 2 and (bold_head or all(map(_title, rows[0]))), columns, end)


def _title(cell: str) -> bool:
    """A header cell: a short capitalised name ("Name", "Default", "Values"), no figure."""
    return bool(cell) and cell[0].isupper() and len(cell.split()) <= 3 and not any(ch.isdigit() for ch in cell)


def mark_tables(pages: list[list[Line]]) -> list[tuple[int, int, Table]]:
    """Each table as (page, first line index, table). Its first line becomes kind "table" and carries it; the
    others are dropped."""
    found = []
    for number, lines in enumerate(pages):
        at = 0
        while at < len(lines):
            hit = find_table(lines, at)
            if hit is None:
                at += 1
                continue
            end, table = hit
            found.append((number, at, table))
            for ln in lines[at + 1 : end]:
                ln.kind = "drop"
            lines[at].kind, lines[at].table = "table", table
            for k in (at - 1, end):  # "Table 1: Drawing attributes", above or below: shown with the table
                if 0 <= k < len(lines) and lines[k].kind == "text" and CAPTION.match(lines[k].text):
                    table.caption, lines[k].kind = lines[k].text.strip(), "drop"
                    break
            at = end
    _link_pages(pages, found)
    return found


def _link_pages(pages: list[list[Line]], found: list[tuple[int, int, Table]]) -> None:
    """A table that opens a page, with the columns of the one that closed the page before, goes on from it
    (``Table.continues``); a header row repeated on the new page is left out, on every page after the first:
    the header is the chain's, since a continued part has lost its own."""
    header: dict[int, list[str]] = {}
    for (a, _, first), (b, bt, then) in zip(found, found[1:]):
        if b != a + 1 or len(first.columns) != len(then.columns):
            continue
        after = any(ln.kind not in ("drop", "footnote") for ln in pages[a][first.end :])
        before = any(ln.kind != "drop" for ln in pages[b][:bt])
        shift = then.columns[0] - first.columns[0]  # a two-sided layout moves the text block
        if after or before or any(abs(y - x - shift) > ALIGN for x, y in zip(first.columns, then.columns)):
            continue
        then.continues, then.head = True, False
        lead = header.get(id(first)) or (first.rows[0] if first.head and first.rows else None)
        if lead is None:
            continue
        header[id(then)] = lead
        if then.rows and then.rows[0] == lead:
            then.rows = then.rows[1:]
