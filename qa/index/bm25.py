"""The BM25 side: bm25s's tokens and Lucene scoring, in bm25s's saved layout, without pickle.

Tokens are bm25s's (``tokenize`` is tested equal to ``bm25s.tokenize``) and the saved arrays are what
``bm25s.BM25.save`` writes (tested equal to bm25s's scores), so bm25s can open any index we write. The
weights are computed here, from per-passage term counts kept beside them (``TermCounts``): an update
then tokenizes only the changed documents and recomputes the weights over the whole corpus with a few
array operations, instead of tokenizing every passage again. Answering reads the saved arrays
directly (``LexicalIndex``): no bm25s import (numba, scipy: over a second at start-up), and one
``bincount`` over the query terms' postings instead of a pass over every passage per term.
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from qa.types import Passage

_TOKEN = re.compile(r"(?u)\b\w\w+\b")  # bm25s.tokenize's default pattern
# A one-letter option ("set -e", "ls -l", "-D"): bm25s's pattern drops one-letter words, so "What does set -e
# do?" would search for "set" alone. Kept as a term of its own, case and all ("-d" and "-D" differ).
_OPTION = re.compile(r"(?<![\w-])-[A-Za-z](?![\w-])")
_TERMS = re.compile(rf"{_TOKEN.pattern}|{_OPTION.pattern}")
TOKENS_VERSION = 2  # 2: one-letter options are terms; an index counted before is recounted, not extended
# Where the saved index says which tokens it counted: bm25s's own "version" entry (bm25s opens no other key).
_SAVED_VERSION = f"qa tokens {TOKENS_VERSION}"


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    """bm25s's English stop words, read from its stopwords module without importing the package."""
    spec = importlib.util.find_spec("bm25s")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for folder in locations:
        file = Path(folder) / "stopwords.py"
        if file.is_file():
            sub = importlib.util.spec_from_file_location("_qa_bm25s_stopwords", file)
            if sub and sub.loader:
                module = importlib.util.module_from_spec(sub)
                sub.loader.exec_module(module)
                return frozenset(module.STOPWORDS_EN)
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN)


def tokenize(texts: Sequence[str]) -> list[list[str]]:
    """``bm25s.tokenize(texts, stemmer=english, return_ids=False)`` token for token (lower-case, the
    scikit-learn word pattern, bm25s's English stop words dropped, Snowball-stemmed), with one addition:
    a one-letter option ("-e") is a term where it stands, as written."""
    stop = _stopwords()
    stem = _stemmer().stemWords
    out = []
    for t in texts:
        if "-" not in t:  # most passages: bm25s's tokens alone, at bm25s's speed
            out.append(stem([w for w in _TOKEN.findall(t.lower()) if w not in stop]))
            continue
        words = [w if w[0] == "-" else w.lower() for w in _TERMS.findall(t)]
        out.append(stem([w for w in words if w not in stop]))
    return out


# What frames a question rather than what it asks about: bm25s's 33 stop words keep "how", "what", "do",
# so "How do remittances compare…" would count a passage's "Do not focus…" as covering the question.
QUESTION_WORDS = frozenset(
    "how what which who whom whose when where why do does did doing can could would should shall may might must "
    "has have had having were been being am tell".split()
)


_QUESTION_OPENERS = QUESTION_WORDS | frozenset("is are was".split())


def is_question(query: str) -> bool:
    """Phrased as a question ("…?", or opening with a question word or auxiliary), not as a claim or
    keywords: the phrase term of the second stage serves questions only."""
    words = _TOKEN.findall(query.lower()[:40])
    return "?" in query or (bool(words) and words[0] in _QUESTION_OPENERS)


def query_terms(query: str) -> list[str]:
    """The query's tokens without the words that frame it as a question; the index side is unchanged."""
    words = " ".join(w for w in _TERMS.findall(query) if w.lower() not in QUESTION_WORDS)
    return tokenize([words])[0]


def _bm25s_tokenize(texts: Sequence[str]) -> list[list[str]]:
    import bm25s

    return bm25s.tokenize(list(texts), stemmer=_stemmer(), return_ids=False, show_progress=False)


def passage_search_text(p: Passage, prepend_section: bool) -> str:
    """What both retrievers see: the section title carries words the paragraph itself often lacks."""
    return f"{p.section}\n{p.text}" if prepend_section and p.section else p.text


K1, B = 1.2, 0.75  # bm25s's defaults, Lucene's too
_COUNTS = ("ptr.counts.npy", "terms.counts.npy", "tf.counts.npy")


@dataclass
class TermCounts:
    """Bag of words per passage, CSR: passage i has ``terms[ptr[i]:ptr[i+1]]`` with counts ``tf[...]``.

    Term ids index ``vocab``; a term no passage uses any more keeps its id (and no postings) until
    the next full build.
    """

    vocab: dict[str, int]
    ptr: np.ndarray  # int64, passages + 1
    terms: np.ndarray  # int32
    tf: np.ndarray  # int32

    @property
    def passages(self) -> int:
        return len(self.ptr) - 1


def count_terms(texts: Sequence[str], vocab: dict[str, int] | None = None) -> TermCounts:
    """Tokenize ``texts`` and count their terms; new terms extend ``vocab`` (a copy)."""
    vocab = dict(vocab or {})
    tokens = tokenize(texts)
    lengths = np.array([len(t) for t in tokens], dtype=np.int64)
    ids = np.fromiter((vocab.setdefault(w, len(vocab)) for ts in tokens for w in ts), np.int64, int(lengths.sum()))
    rows = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
    width = max(len(vocab), 1)
    keys, tf = np.unique(rows * width + ids, return_counts=True)  # sorted by passage, then term
    per_passage = np.bincount(keys // width, minlength=len(texts))
    ptr = np.concatenate([[0], np.cumsum(per_passage)]).astype(np.int64)
    return TermCounts(vocab, ptr, (keys % width).astype(np.int32), tf.astype(np.int32))


def take_passages(counts: TermCounts, rows: np.ndarray) -> TermCounts:
    """The passages ``rows`` of ``counts``, in that order (one gather, no Python loop over passages)."""
    rows = np.asarray(rows, dtype=np.int64)
    starts = counts.ptr[rows]
    lengths = counts.ptr[rows + 1] - starts
    ptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    at = np.repeat(starts - ptr[:-1], lengths) + np.arange(ptr[-1], dtype=np.int64)
    return TermCounts(counts.vocab, ptr, counts.terms[at], counts.tf[at])


def join_counts(first: TermCounts, second: TermCounts) -> TermCounts:
    """``second``'s passages after ``first``'s; ``second.vocab`` must extend ``first.vocab``."""
    ptr = np.concatenate([first.ptr, second.ptr[1:] + first.ptr[-1]])
    return TermCounts(
        second.vocab, ptr, np.concatenate([first.terms, second.terms]), np.concatenate([first.tf, second.tf])
    )


def bm25_arrays(counts: TermCounts, k1: float = K1, b: float = B) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(data, indices, indptr): bm25s's Lucene weights as a CSC matrix over (passage, term).

    idf = log(1 + (N - df + 0.5) / (df + 0.5)); tf part = tf / (k1 (1 - b + b dl / avgdl) + tf), dl the
    passage's token count, as in ``bm25s.scoring``. Postings of each term are in passage order.
    """
    n, n_vocab = counts.passages, len(counts.vocab)
    row = np.repeat(np.arange(n, dtype=np.int32), np.diff(counts.ptr))
    lengths = np.bincount(row, weights=counts.tf, minlength=n) if n else np.zeros(0)
    avg = float(lengths.sum()) / n if n else 1.0
    df = np.bincount(counts.terms, minlength=n_vocab)
    idf = np.log(1 + (n - df + 0.5) / (df + 0.5)).astype(np.float32)
    tf = counts.tf.astype(np.float32)
    norm = (k1 * ((1 - b) + b * lengths / (avg or 1.0))).astype(np.float32)
    data = idf[counts.terms] * (tf / (norm[row] + tf))
    order = np.argsort(counts.terms, kind="stable")  # by term, passages ascending within each term
    indptr = np.concatenate([[0], np.cumsum(df)]).astype(np.int64)
    return data[order].astype(np.float32), row[order].astype(np.int32), indptr


def save_bm25(folder: Path, counts: TermCounts) -> None:
    """bm25s's saved layout (params, vocab, CSC weights) plus the term counts the next update starts from."""
    folder.mkdir(parents=True, exist_ok=True)
    data, indices, indptr = bm25_arrays(counts)
    for name, array in [
        ("data.csc.index.npy", data),
        ("indices.csc.index.npy", indices),
        ("indptr.csc.index.npy", indptr),
        *zip(_COUNTS, (counts.ptr, counts.terms, counts.tf)),
    ]:
        np.save(folder / name, array, allow_pickle=False)
    (folder / "vocab.index.json").write_text(json.dumps(counts.vocab, ensure_ascii=False), encoding="utf-8")
    params = {
        "k1": K1, "b": B, "delta": 0.5, "method": "lucene", "idf_method": "lucene", "dtype": "float32",
        "int_dtype": "int32", "num_docs": counts.passages, "version": _SAVED_VERSION, "backend": "numpy",
    }  # fmt: skip
    (folder / "params.index.json").write_text(json.dumps(params, indent=4), encoding="utf-8")


def read_counts(folder: Path) -> TermCounts:
    """The term counts a build saved beside its BM25 index (OSError/ValueError when absent, damaged or counted
    with other tokens: an update would mix two tokenizations)."""
    params = json.loads((folder / "params.index.json").read_text(encoding="utf-8"))
    if not isinstance(params, dict) or params.get("version") != _SAVED_VERSION:
        raise ValueError("BM25 term counts were made with other tokens")
    vocab = json.loads((folder / "vocab.index.json").read_text(encoding="utf-8"))
    ptr, terms, tf = (np.load(folder / name, allow_pickle=False) for name in _COUNTS)
    if not isinstance(vocab, dict) or ptr.ndim != 1 or len(terms) != len(tf) or int(ptr[-1]) != len(terms):
        raise ValueError("BM25 term counts do not fit together")
    if terms.size and int(terms.max()) >= len(vocab):
        raise ValueError("BM25 term counts name terms outside the vocabulary")
    return TermCounts(vocab, ptr.astype(np.int64), terms.astype(np.int32), tf.astype(np.int32))


def write_bm25(folder: Path, texts: Sequence[str]) -> None:
    save_bm25(folder, count_terms(texts))


def update_bm25(folder: Path, previous: Path, keep: np.ndarray, texts: Sequence[str], order: np.ndarray) -> None:
    """A new BM25 index from a previous build's: its passages ``keep`` (rows there), then ``texts``
    tokenized afresh, arranged so that new passage i is ``order[i]`` of [kept..., new...]."""
    kept = take_passages(read_counts(previous), keep)
    both = join_counts(kept, count_terms(texts, kept.vocab))
    save_bm25(folder, take_passages(both, order))


# Scoring methods whose saved index is complete without a non-occurrence array (BM25L/BM25+ need one).
_PLAIN_METHODS = {"robertson", "lucene", "atire"}


class LexicalIndex:
    """A saved bm25s index, memory-mapped: per-term postings (CSC: ``indptr``, ``indices``, ``data``)
    of precomputed BM25 weights. Scores equal ``bm25s.BM25.get_scores`` for the same tokens."""

    def __init__(self, folder: Path):
        params = json.loads((folder / "params.index.json").read_text(encoding="utf-8"))
        if params.get("method", "lucene") not in _PLAIN_METHODS:
            raise ValueError(f"BM25 method {params.get('method')!r} needs bm25s itself")
        self.params = params
        self.num_docs = int(params["num_docs"])
        self.vocab: dict[str, int] = json.loads((folder / "vocab.index.json").read_text(encoding="utf-8"))
        self.data = np.load(folder / "data.csc.index.npy", mmap_mode="r", allow_pickle=False)
        self.indices = np.load(folder / "indices.csc.index.npy", mmap_mode="r", allow_pickle=False)
        self.indptr = np.load(folder / "indptr.csc.index.npy", mmap_mode="r", allow_pickle=False)
        if len(self.indptr) < len(self.vocab) or len(self.data) != len(self.indices):
            raise ValueError("BM25 arrays do not match the vocabulary")

    def postings(self, token: str) -> tuple[np.ndarray, np.ndarray]:
        """(passage rows, BM25 weights) of one token; empty when it is not in the vocabulary."""
        t = self.vocab.get(token)
        if t is None or t + 1 >= len(self.indptr):
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        a, b = int(self.indptr[t]), int(self.indptr[t + 1])
        return np.asarray(self.indices[a:b]), np.asarray(self.data[a:b])

    def get_scores(self, tokens: list[str]) -> np.ndarray:
        """BM25 score of every passage; a token repeated in the query counts each time, as in bm25s."""
        parts = [self.postings(t) for t in tokens]
        parts = [p for p in parts if p[0].size]
        if not parts:
            return np.zeros(self.num_docs, dtype=np.float32)
        if len(parts) == 1:
            scores = np.zeros(self.num_docs, dtype=np.float32)
            scores[parts[0][0]] = parts[0][1]
            return scores
        rows = np.concatenate([p[0] for p in parts])
        weights = np.concatenate([p[1] for p in parts])
        return np.bincount(rows, weights=weights, minlength=self.num_docs).astype(np.float32)

    @cached_property
    def sorted_postings(self) -> bool:
        """Whether each term's passage rows are ascending (scipy's CSC layout), checked once."""
        indices = np.asarray(self.indices)
        if indices.size < 2:
            return True
        steps = np.diff(indices.astype(np.int64))
        starts = np.asarray(self.indptr[1:-1], dtype=np.int64) - 1  # a new term may start lower
        starts = starts[(starts >= 0) & (starts < steps.size)]
        steps[starts] = 1
        return bool((steps > 0).all())

    def contains(self, token: str, rows: np.ndarray) -> tuple[np.ndarray, int]:
        """(for each row, whether its passage has ``token``; the token's document frequency)."""
        posted = self.postings(token)[0]
        if posted.size == 0:
            return np.zeros(rows.size, dtype=bool), 0
        if self.sorted_postings:  # binary search: O(rows x log df), not O(df)
            at = np.minimum(np.searchsorted(posted, rows), posted.size - 1)
            return posted[at] == rows, posted.size
        return np.isin(rows, posted, kind="table"), posted.size

    def doc_freq(self, token: str) -> int:
        t = self.vocab.get(token)
        return 0 if t is None or t + 1 >= len(self.indptr) else int(self.indptr[t + 1] - self.indptr[t])


def read_bm25(folder: Path) -> Any:
    if not (folder / "params.index.json").is_file():
        raise OSError("missing BM25 index")
    try:
        return LexicalIndex(folder)
    except ValueError:
        import bm25s

        return bm25s.BM25.load(str(folder), mmap=True, show_progress=False)


def bm25_scores(retriever: Any, query: str) -> np.ndarray | None:
    """BM25 score of every passage for the query; None when no query word is indexable."""
    tokens = tokenize([query])[0]
    if not tokens:
        return None
    return np.asarray(retriever.get_scores(tokens), dtype=np.float32)


def follow_up_bm25(retriever: Any, query: str, asked: str, context_weight: float) -> np.ndarray | None:
    """BM25 of a follow-up: the words the user typed (``asked``) count once, the context words that
    follow them in ``query`` count ``context_weight``. Why: the context is the last question's words,
    which the last answer's passage matches best, while the answer to the new question is often the
    passage beside it. A query that is the user's own words alone is scored as it is."""
    if query == asked or not query.startswith(asked):
        return bm25_scores(retriever, query)
    own, context = bm25_scores(retriever, asked), bm25_scores(retriever, query[len(asked) :])
    if own is None or context is None:
        return own if context is None else context * np.float32(context_weight)
    return own + np.float32(context_weight) * context


def term_coverage(retriever: Any, query: str, rows: np.ndarray, n_docs: int) -> np.ndarray:
    """For each row, the IDF-weighted share of the query's distinct words that the passage contains.

    A question whose rare words appear in no retrieved passage is probably not answered there.
    """
    tokens = sorted(set(query_terms(query)))
    if not tokens or rows.size == 0 or n_docs == 0:
        return np.zeros(rows.size, dtype=np.float32)
    covered = np.zeros(rows.size, dtype=np.float64)
    total = 0.0
    for t in tokens:
        if isinstance(retriever, LexicalIndex):  # the postings say it directly, no pass over every passage
            present, df = retriever.contains(t, rows)
        else:
            scores = np.asarray(retriever.get_scores([t]), dtype=np.float32)
            df = int(np.count_nonzero(scores))
            present = scores[rows] > 0
        idf = float(np.log(1 + (n_docs - df + 0.5) / (df + 0.5)))
        total += idf
        covered += idf * present
    return (covered / total).astype(np.float32) if total > 0 else np.zeros(rows.size, dtype=np.float32)


def phrase_coverage(query: str, texts: Sequence[str]) -> np.ndarray:
    """For each text, the share of the query's adjacent word pairs that it holds adjacent too.

    Both sides are tokenized as BM25 is (stop words dropped, stemmed) and the question words are left
    out, so "what was the Scottish Parliament's voting age" asks for "scottish parliament",
    "parliament vote", "vote age". A question copies such phrases from the sentence that answers it,
    and a passage holding the phrase beats one holding its words apart, which neither BM25 nor the
    term coverage can tell apart; within one Wikipedia article that is most of what separates
    paragraphs.
    """
    terms = query_terms(query)
    pairs = set(zip(terms, terms[1:]))
    if not pairs or not texts:
        return np.zeros(len(texts), dtype=np.float32)
    counts = [len(pairs.intersection(zip(tokens, tokens[1:]))) for tokens in tokenize(texts)]
    return np.asarray(counts, dtype=np.float32) / len(pairs)


def top_rows(scores: np.ndarray, k: int) -> np.ndarray:
    """Rows of the k best positive scores, best first."""
    positive = np.flatnonzero(scores > 0)  # usually a small part of a large corpus: select among those
    k = min(k, positive.size)
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    rows = positive[np.argpartition(-scores[positive], k - 1)[:k]]
    return rows[np.lexsort((rows, -scores[rows]))].astype(np.int64)
