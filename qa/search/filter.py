"""Asking within chosen documents: which passage rows a question may search, and top-k among them only.

The filter is applied inside retrieval, not to its results: dropping other documents' passages after a
top-k search over the whole corpus leaves nothing when the chosen document ranks below the k-th hit.
Each document's passages are contiguous rows of the index, so a choice is a few row ranges; the dense
side scans the chosen rows' vectors exactly (memory-mapped, in chunks; an ANN index with a selector of the
rows when there are very many), BM25 keeps only their scores.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

CHUNK_ROWS = 65_536  # rows scored at once by a subset scan: bounded memory on any subset size
# Up to this many chosen rows the dense side scans them exactly (at 384 dimensions, 150 MB of vectors read);
# beyond it an ANN index searches with a selector of the rows (qa/index/dense.py), a flat index still scans.
SCAN_LIMIT = 100_000


class UnknownDocuments(ValueError):
    """A chosen name matches no indexed document nor folder; the message lists which."""


@dataclass(frozen=True)
class DocumentFilter:
    """The chosen documents and their passage rows, as sorted, non-overlapping ranges [a, b)."""

    docs: tuple[str, ...]
    ranges: tuple[tuple[int, int], ...]

    @property
    def size(self) -> int:
        return sum(b - a for a, b in self.ranges)

    def rows(self) -> np.ndarray:
        """Every allowed row, ascending."""
        if not self.ranges:
            return np.zeros(0, np.int64)
        return np.concatenate([np.arange(a, b, dtype=np.int64) for a, b in self.ranges])

    def contains(self, rows: np.ndarray) -> np.ndarray:
        """For each row, whether the filter allows it."""
        rows = np.asarray(rows, dtype=np.int64)
        keep = np.zeros(rows.shape, dtype=bool)
        for a, b in self.ranges:
            keep |= (rows >= a) & (rows < b)
        return keep


def matching_documents(names: Iterable[str], doc_ids: Iterable[str]) -> list[str]:
    """The indexed documents that ``names`` choose: a name is a document (``manuals/pump.pdf``) or a folder
    (``manuals/`` or ``manuals``), which chooses every document under it. Raises UnknownDocuments for
    names that choose nothing, so a typo is reported rather than answered from no documents at all."""
    known = sorted(set(doc_ids))
    chosen: dict[str, None] = {}
    missing = []
    for raw in names:
        name = str(raw).strip().replace("\\", "/").removeprefix("./").lstrip("/") if raw else ""
        if not name:
            continue
        if name in known:
            chosen[name] = None
            continue
        prefix = name.rstrip("/") + "/"
        under = [d for d in known if d.startswith(prefix)]
        if under:
            chosen.update(dict.fromkeys(under))
        else:
            missing.append(str(raw))
    if missing:
        raise UnknownDocuments(
            "No indexed document or folder is named " + ", ".join(repr(m) for m in missing) + "; "
            "see the Documents tab, GET /api/documents, or the index's manifest for the names."
        )
    return list(chosen)


def choice_names(doc_ids: Iterable[str]) -> list[str]:
    """What a picker offers: every folder that holds documents (``manuals/``, ``manuals/pumps/``), then every
    document, each sorted."""
    docs = sorted(set(doc_ids))
    folders = {d[: i + 1] for d in docs for i, ch in enumerate(d) if ch == "/"}
    return sorted(folders) + docs


def document_filter(names: Iterable[str] | None, spans: Mapping[str, tuple[int, int]]) -> DocumentFilter | None:
    """The filter for ``names`` over the index's document row spans; None when nothing is chosen (search
    everything)."""
    names = [n for n in (names or []) if n and str(n).strip()]
    if not names:
        return None
    docs = matching_documents(names, spans)
    ranges = sorted(spans[d] for d in docs if spans[d][1] > spans[d][0])
    merged: list[tuple[int, int]] = []
    for a, b in ranges:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return DocumentFilter(tuple(docs), tuple(merged))


def scan_top(
    matrix: np.ndarray, ranges: Iterable[tuple[int, int]], query: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Exact top-k (scores, rows) by inner product with ``query`` among ``matrix``'s rows in ``ranges``,
    best first (ties by row): the dense search of a subset, whatever index the whole corpus has."""
    best_s, best_r = np.zeros(0, np.float32), np.zeros(0, np.int64)
    if k <= 0:
        return best_s, best_r
    q = np.asarray(query, dtype=np.float32)
    for a, b in ranges:
        for lo in range(a, b, CHUNK_ROWS):
            hi = min(b, lo + CHUNK_ROWS)
            scores = np.asarray(matrix[lo:hi], dtype=np.float32) @ q
            best_s = np.concatenate([best_s, scores])
            best_r = np.concatenate([best_r, np.arange(lo, hi, dtype=np.int64)])
            if best_s.size > k:
                keep = np.argpartition(-best_s, k - 1)[:k]
                best_s, best_r = best_s[keep], best_r[keep]
    order = np.lexsort((best_r, -best_s))
    return best_s[order], best_r[order]


def restrict_scores(scores: np.ndarray, flt: DocumentFilter) -> np.ndarray:
    """``scores`` (one per passage row) with every row outside the filter set to zero, so a top-k over
    them picks only allowed rows (top_rows keeps positive scores only)."""
    out = np.zeros_like(scores)
    for a, b in flt.ranges:
        out[a:b] = scores[a:b]
    return out


def sentence_ranges(offsets: np.ndarray, flt: DocumentFilter) -> list[tuple[int, int]]:
    """The sentence rows owned by the filter's passage rows (passage i owns [offsets[i], offsets[i+1]))."""
    return [(int(offsets[a]), int(offsets[b])) for a, b in flt.ranges if offsets[b] > offsets[a]]
