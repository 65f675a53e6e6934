"""Plain dataclasses passed between the stages of the flow."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any


def cell_spans(rows: Sequence[Sequence[str]], start: int = 0) -> tuple[tuple[tuple[int, int], ...], ...]:
    """Each cell's (start, end) in a table's text as the readers write it from ``start``: rows one a line, " | "
    between cells (``Shaped.rows``)."""
    out, at = [], start
    for row in rows:
        cells = []
        for k, cell in enumerate(row):
            at += 3 if k else 0
            cells.append((at, at + len(cell)))
            at += len(cell)
        out.append(tuple(cells))
        at += 1
    return tuple(out)


@dataclass(frozen=True)
class Shaped:
    """Code or a table inside the text: the text stays plain (BM25 and the encoder read it), and this says
    how to show the span. Offsets are absolute in the document's text, as highlights are; a table's
    ``rows`` hold each cell's span, so a renderer never splits the text on its separators."""

    start: int
    end: int
    kind: str  # "code" or "table"
    rows: tuple[tuple[tuple[int, int], ...], ...] = ()  # tables: per row, each cell's (start, end)
    head: bool = False  # tables: the first row is a header row
    # tables with a header row: its cells' texts, kept by every part of the table ("Name", "Default", "Values"),
    # so a passage holding rows without the header still knows which column states a default
    columns: tuple[str, ...] = ()

    def clip(self, start: int, end: int) -> Shaped | None:
        """The part inside [start, end): a table keeps the rows with a cell there, cut to the range."""
        a, b = max(self.start, start), min(self.end, end)
        if a >= b:
            return None
        kept = []
        for i, row in enumerate(self.rows):
            cells = tuple((min(max(x, a), b), max(min(y, b), a)) for x, y in row)  # each cell cut to [a, b]
            if any(x < y for x, y in cells):
                kept.append((i, cells))
        rows = [cells for _, cells in kept]
        head = self.head and bool(kept) and kept[0][0] == 0
        return Shaped(a, b, self.kind, tuple(rows), head, self.columns)

    def moved(self, by: int) -> Shaped:
        rows = tuple(tuple((a + by, b + by) for a, b in row) for row in self.rows)
        return Shaped(self.start + by, self.end + by, self.kind, rows, self.head, self.columns)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "start": self.start, "end": self.end}
        if self.kind == "table":
            out["rows"] = [[list(cell) for cell in row] for row in self.rows]
            out["head"] = self.head
            if self.columns:
                out["columns"] = list(self.columns)
        return out

    @staticmethod
    def from_json(row: dict[str, Any]) -> Shaped:
        rows = tuple(tuple((int(a), int(b)) for a, b in r) for r in row.get("rows", ()))
        columns = tuple(str(c) for c in row.get("columns", ()))
        return Shaped(int(row["start"]), int(row["end"]), str(row["kind"]), rows, bool(row.get("head", False)), columns)


@dataclass(frozen=True)
class Layout:
    """What a reader that sees a file's structure knows beyond its text (PDF, manual HTML): the chunker then
    follows the reader's blocks and section paths instead of guessing headings from the text."""

    # (start, end, kind, section path): kind "heading" or "text"; a text block holds an introducing
    # sentence with the code or table after it, so the two never part.
    blocks: tuple[tuple[int, int, str, str], ...] = ()
    # Per page (1-based index = position + 1): the offset where its text starts, and its printed label.
    pages: tuple[tuple[int, str | None], ...] = ()
    # Code blocks and tables, in text order, so the views can show them as code and as tables.
    shaped: tuple[Shaped, ...] = ()
    # The title the file gives itself (a PDF's Title entry, or the running header its first page opens
    # with), for citations; "" to take the text's first line.
    title: str = ""

    @cached_property
    def _shaped_ends(self) -> list[int]:
        return [s.end for s in self.shaped]

    def shaped_in(self, start: int, end: int) -> tuple[Shaped, ...]:
        """The code and tables inside [start, end), cut to it (the readers write them in text order, apart,
        so a bisection finds the first: a long manual's thousands of passages each ask)."""
        out = []
        for s in self.shaped[bisect_right(self._shaped_ends, start) :]:
            if s.start >= end:
                break
            cut = s.clip(start, end)
            if cut is not None:
                out.append(cut)
        return tuple(out)

    def page_at(self, offset: int) -> int:
        """The 1-based page that holds ``offset`` (0 when the document has no pages)."""
        return bisect_right([start for start, _ in self.pages], offset) if self.pages else 0

    def label(self, page: int) -> str | None:
        return self.pages[page - 1][1] if 0 < page <= len(self.pages) else None


@dataclass(frozen=True)
class Document:
    """A file's text as loaded; every offset in the system points into ``text``."""

    doc_id: str  # path relative to the corpus folder, with forward slashes
    title: str
    text: str
    sha256: str
    fmt: str
    # The file as stat saw it before reading, and whether the title came from titles.json or the text.
    size: int | None = None
    mtime_ns: int | None = None
    title_source: str = "text"
    # Known unchanged from the last build by size and time alone: ``text`` was not read (it is "").
    unread: bool = False
    chars: int = -1  # len(text), kept when the text was not read
    layout: Layout | None = None  # blocks and pages, from the readers that see them

    @property
    def length(self) -> int:
        return self.chars if self.unread else len(self.text)


@dataclass(frozen=True)
class Skipped:
    """A file the build could not use, with a reason a person can act on."""

    path: str
    reason: str


@dataclass(frozen=True)
class Passage:
    """A span of one document; ``text == document.text[start:end]``."""

    doc_id: str
    title: str
    section: str
    start: int
    end: int
    text: str
    # Sentence spans as absolute offsets into the document text.
    sentences: tuple[tuple[int, int], ...] = ()
    # Pages of a paged document (PDF): 1-based indexes and the printed labels, where the PDF defines them.
    page_start: int | None = None
    page_end: int | None = None
    page_label: str | None = None
    page_end_label: str | None = None
    # Code and tables in the passage (absolute offsets, cut to the passage), from readers that see them.
    blocks: tuple[Shaped, ...] = ()

    def sentence_texts(self) -> list[str]:
        """Each sentence's text, in order (``sentences`` holds document offsets)."""
        return [self.text[a - self.start : b - self.start] for a, b in self.sentences]

    def page_fields(self) -> dict[str, Any]:
        """The page fields of the JSON contract, present only for paged documents."""
        if self.page_start is None:
            return {}
        out: dict[str, Any] = {"page_start": self.page_start, "page_end": self.page_end, "page_label": self.page_label}
        if self.page_end_label != self.page_label:
            out["page_end_label"] = self.page_end_label
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "doc": self.doc_id,
            "title": self.title,
            "section": self.section,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "sentences": [list(s) for s in self.sentences],
            **self.page_fields(),
            **self.block_fields(),
        }

    def block_fields(self) -> dict[str, Any]:
        """``blocks`` of the JSON contract, present only when the passage holds code or a table."""
        return {"blocks": [b.to_json() for b in self.blocks]} if self.blocks else {}

    @staticmethod
    def from_json(row: dict[str, Any]) -> Passage:
        return Passage(
            doc_id=row["doc"],
            title=row["title"],
            section=row["section"],
            start=int(row["start"]),
            end=int(row["end"]),
            text=row["text"],
            sentences=tuple((int(a), int(b)) for a, b in row.get("sentences", [])),
            page_start=row.get("page_start"),
            page_end=row.get("page_end"),
            page_label=row.get("page_label"),
            page_end_label=row.get("page_end_label", row.get("page_label")),
            blocks=tuple(Shaped.from_json(b) for b in row.get("blocks", ())),
        )


@dataclass
class Candidate:
    """A passage found by retrieval, with the evidence each retriever gave for it."""

    index: int  # row in the passage table
    dense: float = 0.0  # cosine similarity, -1..1
    bm25: float = 0.0  # raw BM25 score
    dense_rank: int | None = None
    bm25_rank: int | None = None
    fused: float = 0.0
    score: float = 0.0  # final ranking score after the optional second stage
    best_sentence: int | None = None  # position of the best sentence within the passage
    sentence_score: float = 0.0
    coverage: float = 0.0  # share of the query's BM25 weight (IDF) whose words the passage contains
    phrases: float = 0.0  # share of the query's adjacent word pairs the passage holds adjacent
    answer_form: bool = False  # holds the answer in the form the question asks for (an acronym spelt out, …)
    unfitted_form: bool = False  # that form is one the confidence was not fitted on (an option's or term's definition)
    paraphrase: float = 0.0  # what the optional paraphrase second stage added to score
    ranker: float = 0.0  # the passage ranker's logit, where it read this passage


@dataclass
class Excerpt:
    """One passage as shown to the user, with the sentences that answer highlighted."""

    rank: int
    passage: Passage
    score: float
    highlights: list[tuple[int, int]] = field(default_factory=list)
    row: int = -1  # the passage's row in the index, so what follows it can be read
    # The same text in other documents (the manual's PDF beside its HTML), left out of the answer but named with it.
    also_in: tuple[Passage, ...] = ()

    def to_json(self) -> dict[str, Any]:
        p = self.passage
        also = [
            {"doc": q.doc_id, "section": q.section, "start": q.start, "end": q.end, **q.page_fields()}
            for q in self.also_in
        ]
        return {
            "rank": self.rank,
            "doc": p.doc_id,
            "title": p.title,
            "section": p.section,
            "start": p.start,
            "end": p.end,
            "text": p.text,
            "score": round(float(self.score), 4),
            "highlights": [[a, b] for a, b in self.highlights],
            **p.page_fields(),
            **p.block_fields(),
            **({"also_in": also} if also else {}),  # the contract only grows where a copy was left out
        }


@dataclass
class Answer:
    """What one question gets back; ``to_json`` is the contract of ``qa ask --json``."""

    question: str
    query: str
    abstained: bool
    confidence: float
    answer: str
    excerpts: list[Excerpt]
    timings_ms: dict[str, float]
    message: str = ""  # set when the question itself could not be used

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "question": self.question,
            "query": self.query,
            "abstained": self.abstained,
            "confidence": round(float(self.confidence), 4),
            "answer": self.answer,
            "passages": [e.to_json() for e in self.excerpts],
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
        }
        if self.message:
            out["message"] = self.message
        return out

    def __getitem__(self, key: str) -> Any:
        """Dict-style access to the JSON fields, as the Python API contract promises."""
        return self.to_json()[key]
