"""Neighbouring excerpts shown as one: two chosen passages that follow each other in one section.

Passages are cut at about 120 tokens, so a section's answer often straddles two of them, and the second half
ranks just under the first. Shown apart, the reader gets the same section twice, split mid-thought, with the
shared sentence printed twice; shown as one, the excerpt reads on. Its highlights are those each half had
(on the tuning splits, choosing them afresh over the joined text lost more questions than it gained).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from qa.answer.code import BLOCK_LINES, LIST_LINE
from qa.answer.compose import LEAD_IN
from qa.types import Excerpt, Passage, Shaped

MAX_GAP = 2  # characters between two passages that may be joined: a paragraph break, never left-out text


def joinable(first: Passage, second: Passage) -> bool:
    """Whether ``second`` reads on from ``first`` in the same section (overlapping or a paragraph break apart)."""
    return first.section == second.section and reads_on(first, second)


def reads_on(first: Passage, second: Passage) -> bool:
    """Whether ``second`` comes straight after ``first`` in one document (overlapping or a paragraph break apart)."""
    return (
        first.doc_id == second.doc_id and first.start < second.start <= first.end + MAX_GAP and second.end > first.end
    )


def join_passages(first: Passage, second: Passage) -> Passage:
    """One passage from ``first`` through ``second``. The break between them is not stored; readers separate
    blocks by a blank line and the chunker cuts a block between sentences (checked on five indexed corpora:
    every 2-character break was "\\n\\n" and every 1-character one a space)."""
    gap = second.start - first.end
    if gap >= 0:
        text = first.text + ("\n\n" if gap == 2 else " " * gap) + second.text
    else:
        text = first.text + second.text[first.end - second.start :]
    return replace(
        first,
        end=second.end,
        text=text,
        sentences=tuple(sorted(set(first.sentences) | set(second.sentences))),
        page_end=second.page_end if second.page_end is not None else first.page_end,
        page_end_label=second.page_end_label if second.page_end is not None else first.page_end_label,
        blocks=joined_blocks(first.blocks, second.blocks),
    )


def joined_blocks(first: tuple[Shaped, ...], second: tuple[Shaped, ...]) -> tuple[Shaped, ...]:
    """The code and tables of two joined passages. A block the cut went through comes as two pieces, each cut to
    its passage (overlapping where the passages do): they become one block again, or a table would show as
    a table and then as plain text."""
    out: list[Shaped] = []
    for block in sorted(dict.fromkeys(first + second), key=lambda b: (b.start, b.end)):
        last = out[-1] if out else None
        if last is not None and last.kind == block.kind and block.start <= last.end + MAX_GAP:
            rows = _joined_rows(last.rows + block.rows) if block.kind == "table" else ()
            out[-1] = Shaped(last.start, max(last.end, block.end), block.kind, rows, last.head, last.columns)
        else:
            out.append(block)
    return tuple(out)


def _joined_rows(rows: tuple[tuple[tuple[int, int], ...], ...]) -> tuple[tuple[tuple[int, int], ...], ...]:
    """A table's rows from two pieces: a row in both (whole, or cut at the passage's edge) appears once."""
    out: list[tuple[tuple[int, int], ...]] = []
    for row in sorted(rows, key=lambda r: min((x for x, y in r if x < y), default=0)):
        cells = [(x, y) for x, y in row if x < y]
        last = out[-1] if out else None
        if last is not None and cells and len(last) == len(row) and min(x for x, _ in cells) < _row_end(last):
            out[-1] = tuple(_cell(a, b) for a, b in zip(last, row))
        else:
            out.append(row)
    return tuple(out)


def _row_end(row: tuple[tuple[int, int], ...]) -> int:
    return max((y for x, y in row if x < y), default=0)


def _cell(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int]:
    if a[0] >= a[1]:
        return b
    if b[0] >= b[1]:
        return a
    return (min(a[0], b[0]), max(a[1], b[1]))


def join_excerpts(excerpts: list[Excerpt], k: int, max_highlights: int, keep: int | None = None) -> list[Excerpt]:
    """The first ``k`` excerpts once each is joined with a neighbour among the first ``k + 1`` (the ones that
    would be shown, and the one a join brings in); the rest fill the places joins free. Lower picks are not
    joined: an excerpt grows only by text that ranked near it. A pair takes the better-ranked
    excerpt's place and score, and the earlier one's row. Its highlights are the better-ranked half's, then
    the other half's first ones (the best sentence leads its follower) up to ``max_highlights``: the ranker
    chose the first half, and what was highlighted in the second is still shown where there is room.
    ``keep``: how many to return (default ``k``), for a later step that may drop one."""
    out: list[Excerpt] = []
    used: set[int] = set()
    near = excerpts[: k + 1]
    for at, e in enumerate(excerpts):
        if e.row in used:
            continue
        used.add(e.row)
        # the better-ranked neighbour: the other one may be a lower pick that merely sits beside it
        mates = (x for x in near if x.row in (e.row - 1, e.row + 1) and x.row not in used)
        mate = next(mates, None) if at <= k and e.row >= 0 else None
        first, second = sorted((e, mate), key=lambda x: x.passage.start) if mate is not None else (e, e)
        if mate is None or not joinable(first.passage, second.passage):
            out.append(replace(e, rank=len(out) + 1))
            continue
        used.add(mate.row)
        whole = join_passages(first.passage, second.passage)
        room = max(0, max_highlights - len(e.highlights))
        more = [h for h in mate.highlights if h not in e.highlights][:room]
        highlights = sorted(set(e.highlights) | set(more))
        out.append(replace(e, rank=len(out) + 1, passage=whole, row=first.row, highlights=highlights))
    return out[: k if keep is None else keep]


# A short title line ("Potential") is part of what a lead-in announces, as a list item is (LIST_LINE).
_TITLE_LINE = re.compile(r"^[A-Z0-9][^.!?]{0,58}$")


def with_introduced_next(excerpts: list[Excerpt], passages: Sequence[Passage], k: int) -> list[Excerpt]:
    """The first ``k`` excerpts, each whose highlighted last sentence is a lead-in ("… the following:",
    "Main Discussion Points Emerging:") joined with the passage after it, where the list, table or command it
    announces was cut off. The chunker cuts between sentences, so the lead-in can end one passage and its
    block start the next; shown alone, the answer only points at what it should show. The block's first lines
    are highlighted with the lead-in, as within a passage; an excerpt the join now holds is not shown again."""
    out = list(excerpts)
    at = 0
    while at < min(k, len(out)):  # a join can take in the excerpts after it: the list shrinks as it goes
        e = out[at]
        row = introduced_row(e, passages)
        if row is not None:
            whole = join_passages(e.passage, passages[row])
            block = introduced_block(whole, e.passage.end)
            out[at] = replace(e, passage=whole, highlights=sorted(set(e.highlights) | set(block)))
            out = [x for i, x in enumerate(out) if i == at or not _inside(x.passage, whole)]
        at += 1
    return [replace(x, rank=i + 1) for i, x in enumerate(out)]


def introduced_row(excerpt: Excerpt, passages: Sequence[Passage]) -> int | None:
    """The row of the passage that reads on from ``excerpt``, when the excerpt ends with a highlighted lead-in."""
    p = excerpt.passage
    if excerpt.row < 0 or not p.sentences:
        return None
    a, b = p.sentences[-1]
    if (a, b) not in {tuple(h) for h in excerpt.highlights} or p.text[b - p.start :].strip():
        return None
    if not LEAD_IN.search(p.text[a - p.start : b - p.start]):
        return None
    # a joined excerpt keeps its first half's row: the passage after it is one further on. What a lead-in
    # announces may open with a heading of its own ("Potential"), so the section may change.
    for row in (excerpt.row + 1, excerpt.row + 2):
        if row < len(passages) and reads_on(p, passages[row]):
            return row
    return None


def introduced_block(passage: Passage, after: int, max_lines: int = BLOCK_LINES) -> list[tuple[int, int]]:
    """The sentences of ``passage`` from ``after`` that a lead-in just before announces: up to a blank line, or
    on past it to the next list item, or to whatever follows a short title ("Potential", then its bullets)."""
    text, base = passage.text, passage.start
    out: list[tuple[int, int]] = []
    for a, b in (tuple(s) for s in passage.sentences if s[0] >= after):
        if len(out) >= max_lines:
            break
        if out:
            pa, pb = out[-1]
            last, line = text[pa - base : pb - base].strip(), text[a - base : b - base]
            if "\n\n" in text[pb - base : a - base] and not (LIST_LINE.match(line) or _TITLE_LINE.match(last)):
                break
        out.append((a, b))
    return out


def _inside(p: Passage, whole: Passage) -> bool:
    return p.doc_id == whole.doc_id and whole.start <= p.start and p.end <= whole.end
