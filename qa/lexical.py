"""The BM25 side, with bm25s: stemmed English tokens, Lucene scoring, saved without pickle."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from qa.types import Passage


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


def tokenize(texts: Sequence[str]) -> list[list[str]]:
    import bm25s

    return bm25s.tokenize(list(texts), stemmer=_stemmer(), return_ids=False, show_progress=False)


def passage_search_text(p: Passage, prepend_section: bool) -> str:
    """What both retrievers see: the section title carries words the paragraph itself often lacks."""
    return f"{p.section}\n{p.text}" if prepend_section and p.section else p.text


def build_bm25(texts: Sequence[str]) -> Any:
    import bm25s

    retriever = bm25s.BM25(k1=1.2, b=0.75)
    retriever.index(tokenize(texts), show_progress=False)
    return retriever


def write_bm25(folder: Path, texts: Sequence[str]) -> None:
    build_bm25(texts).save(str(folder), show_progress=False)


def read_bm25(folder: Path) -> Any:
    import bm25s

    if not (folder / "params.index.json").is_file():
        raise OSError("missing BM25 index")
    return bm25s.BM25.load(str(folder), mmap=True, show_progress=False)


def bm25_scores(retriever: Any, query: str) -> np.ndarray | None:
    """BM25 score of every passage for the query; None when no query word is indexable."""
    tokens = tokenize([query])[0]
    if not tokens:
        return None
    return np.asarray(retriever.get_scores(tokens), dtype=np.float32)


def term_coverage(retriever: Any, query: str, rows: np.ndarray, n_docs: int) -> np.ndarray:
    """For each row, the IDF-weighted share of the query's distinct words that the passage contains.

    A question whose rare words appear in no retrieved passage is probably not answered there.
    """
    tokens = sorted(set(tokenize([query])[0]))
    if not tokens or rows.size == 0 or n_docs == 0:
        return np.zeros(rows.size, dtype=np.float32)
    covered = np.zeros(rows.size, dtype=np.float64)
    total = 0.0
    for t in tokens:
        scores = np.asarray(retriever.get_scores([t]), dtype=np.float32)
        df = int(np.count_nonzero(scores))
        idf = float(np.log(1 + (n_docs - df + 0.5) / (df + 0.5)))
        total += idf
        covered += idf * (scores[rows] > 0)
    return (covered / total).astype(np.float32) if total > 0 else np.zeros(rows.size, dtype=np.float32)


def top_rows(scores: np.ndarray, k: int) -> np.ndarray:
    """Rows of the k best positive scores, best first."""
    k = min(k, len(scores))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    rows = np.argpartition(-scores, k - 1)[:k]
    rows = rows[np.argsort(-scores[rows], kind="stable")]
    return rows[scores[rows] > 0].astype(np.int64)
