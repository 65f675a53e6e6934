"""Retrieval: dense top-k and BM25 top-k, fused, then an optional sentence-level second stage."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from qa.encode.cross_encoder import CrossEncoder
from qa.encode.embedder import Embedder, ModelUnavailable, blas_threads, question_threads
from qa.index.bm25 import (
    follow_up_bm25,
    is_question,
    passage_search_text,
    phrase_coverage,
    term_coverage,
    top_rows,
)
from qa.index.build import Progress
from qa.index.dense import SENTENCE_INDEX, dense_search, dense_search_within, read_dense_index
from qa.index.store import StoredIndex
from qa.search.expansion import expansion_terms, open_wordnet
from qa.search.filter import SCAN_LIMIT, DocumentFilter, restrict_scores, scan_top, sentence_ranges
from qa.search.forms import answer_form, asks_for_definition, option_command, owns_option
from qa.search.fusion import fuse, ranks, reorder_by_reader, rerank_with_phrases, rerank_with_sentences
from qa.search.paraphrase import AUTO, ParaphraseScorer, model_installed, stage_model
from qa.search.ranker import load_passage_ranker
from qa.settings import Settings
from qa.types import Candidate, Passage


@dataclass
class Retrieval:
    """Ranked candidates with, for each, the cosine of every one of its sentences."""

    query: str
    query_vector: np.ndarray
    candidates: list[Candidate]
    sentence_scores: dict[int, np.ndarray]  # passage row -> cosine per sentence
    timings_ms: dict[str, float] = field(default_factory=dict)


# The second stage's best this many get the phrase term: on the training questions, giving it to all
# 50 it re-scores gave the same hit@1 and hit@5, at three times the cost (tokenizing the passages).
PHRASE_DEPTH = 15


class Retriever:
    def __init__(self, index: StoredIndex, embedder: Embedder, settings: Settings):
        self.index = index
        self.embedder = embedder
        self.settings = settings
        self.progress: Progress | None = None  # hears the paraphrase stage's encoding while Assistant.load runs

    @cached_property
    def sentence_index(self) -> Any:
        """The FAISS index of sentence vectors that large builds write beside the passage index; with Milvus,
        the build's sentence collection (searched by the engine at any size)."""
        engine_sentences = getattr(self.index.faiss_index, "sentences", None)
        if engine_sentences is not None:
            return engine_sentences
        path = self.index.folder / SENTENCE_INDEX
        if not path.is_file():
            return None
        index = read_dense_index(path, self.settings)
        return index if index.ntotal == self.index.sentence_vectors.shape[0] else None

    @cached_property
    def paraphrase(self) -> ParaphraseScorer | None:
        """The paraphrase scorer, loaded on first use (``Assistant.load`` asks for it) when ``paraphrase_model``
        names a folder, or is "auto" and set-up installed the model and the corpus is small enough. In "auto" a
        model that cannot be loaded leaves the stage off with a note; a folder named by hand is an error."""
        s = self.settings
        n = len(self.index.passages)
        model = stage_model(s.paraphrase_model, n, s.paraphrase_auto_passages)
        if model is None:
            if s.paraphrase_model == AUTO and not model_installed():
                print("note: no paraphrase stage: run scripts/fetch_paraphrase_model.py to install it", file=sys.stderr)
            elif s.paraphrase_model == AUTO and n > s.paraphrase_auto_passages:
                print(f"note: no paraphrase stage for {n:,} passages (paraphrase_auto_passages)", file=sys.stderr)
            return None
        try:
            limit = s.paraphrase_max_passages
            passages, folder = self.index.passages, self.index.folder
            keep = Path(s.paraphrase_cache_dir).expanduser() if s.paraphrase_cache_dir else s.index_dir
            onnx = s.query_encoder != "torch"
            args = (model, passages, keep, limit, s.show_progress, folder)
            return ParaphraseScorer(*args, progress=self.progress, use_onnx=onnx)
        except ModelUnavailable as exc:
            if s.paraphrase_model != AUTO:
                raise
            print(f"note: the paraphrase stage is off ({exc})", file=sys.stderr)
            return None

    def search(
        self,
        query: str,
        settings: Settings | None = None,
        asked: str | None = None,
        only: DocumentFilter | None = None,
    ) -> Retrieval:
        """``asked``: the words the user typed, when ``query`` adds a follow-up's context words to them;
        only the user's own words make phrases (the context is a list of names and terms). ``only``: search
        these documents' passages alone (each retriever's top-k is taken among them)."""
        s = settings or self.settings
        # One question is many small matrix products: BLAS threads cost more than they give.
        with blas_threads(question_threads(s.query_threads)):
            return self._search(query, s, query if asked is None else asked, only)

    def _search(self, query: str, s: Settings, asked: str, only: DocumentFilter | None = None) -> Retrieval:
        t0 = time.perf_counter()
        qvec = self.embedder.encode_queries([query])[0]
        t1 = time.perf_counter()
        use_sentences = s.rerank and s.fusion not in {"dense", "bm25"}
        candidates = self._candidates(query, qvec, s, use_sentences, asked, only)
        candidates = fuse(candidates, s.fusion, s.dense_weight, s.bm25_weight, s.rrf_k)
        t2 = time.perf_counter()
        # What the second stage re-scores, and at least the top 3 that the confidence model reads.
        self._coverage(query, candidates[: max(s.rerank_depth if use_sentences else 0, s.top_k, 3)])
        if use_sentences:
            head = candidates[: s.rerank_depth]
            sentence_scores = self._sentence_scores(head, qvec)
            rest = candidates[s.rerank_depth :]
            candidates = rerank_with_sentences(head, s.sentence_weight, s.coverage_weight) + rest
        else:
            sentence_scores = self._sentence_scores(candidates[: max(s.top_k, 1) * 3], qvec)
        staged = self._paraphrase_stage(query, asked, candidates, sentence_scores, s, qvec)
        phrase_weight = s.phrase_weight if staged is None else s.paraphrase_phrase_weight
        candidates = candidates if staged is None else staged
        if use_sentences and phrase_weight > 0 and is_question(asked):
            best, later = candidates[:PHRASE_DEPTH], candidates[PHRASE_DEPTH:]
            if asks_for_definition(asked):  # a definition further down joins the few (as "-x" in set's list)
                deeper = self._defining(asked, later[: max(s.rerank_depth - PHRASE_DEPTH, 0)])
                best, later = best + deeper, [c for c in later if c not in deeper]
            self._phrases(asked, best, s, sentence_scores)
            candidates = rerank_with_phrases(best, phrase_weight) + later
        ranked = s.passage_ranker_weight > 0 and s.passage_ranker_depth > 1 and own_words(query, asked)
        if ranked and self.passage_ranker is not None:
            candidates = self._ranker_stage(asked, candidates, s)
        t3 = time.perf_counter()
        return Retrieval(
            query=query,
            query_vector=qvec,
            candidates=candidates,
            sentence_scores=sentence_scores,
            timings_ms={
                "embed": (t1 - t0) * 1000,
                "search": (t2 - t1) * 1000,
                "rerank": (t3 - t2) * 1000,
            },
        )

    @cached_property
    def passage_ranker(self) -> CrossEncoder | None:
        """The passage ranker, opened on first use (only where its weight is set); None, with a note, where no
        model was trained into ``qa/search/`` (none ships: docs/notes/2026-12-07-session29.md)."""
        ranker = load_passage_ranker()
        if ranker is None:
            print("note: no passage ranker: run scripts/train_passage_ranker.py to train one", file=sys.stderr)
        return ranker

    def _ranker_stage(self, asked: str, candidates: list[Candidate], s: Settings) -> list[Candidate]:
        """The best few re-ordered by the ranker's reading of the user's own words with each passage."""
        head, rest = candidates[: s.passage_ranker_depth], candidates[s.passage_ranker_depth :]
        texts = [self.index.passages[c.index].text for c in head]
        logits = self.passage_ranker.scores(asked, texts)
        return reorder_by_reader(head, logits, s.passage_ranker_weight) + rest

    def _paraphrase_stage(
        self,
        query: str,
        asked: str,
        candidates: list[Candidate],
        sentence_scores: dict[int, np.ndarray],
        s: Settings,
        qvec: np.ndarray,
    ) -> list[Candidate] | None:
        """The larger model's cosines added to the candidates' scores, before the phrase step: that step's bonus
        and the answer forms it lifts then decide among the stage's best few, as they do without the stage.
        Passages it brings up from below the sentence stage's depth get their sentence cosines and term coverage
        here; the highlights read both models' sentence cosines. None where the stage does not run."""
        if not s.paraphrase_model or not (s.paraphrase_followups or own_words(query, asked)):
            return None
        if self.paraphrase is None:
            return None
        pq = self.paraphrase.encode_question(query, question_threads(s.query_threads))
        w = (s.paraphrase_weight, s.paraphrase_sentence_weight)
        candidates = self.paraphrase.rerank(pq, candidates, s.paraphrase_depth, w)
        unscored = [c for c in candidates[: max(s.rerank_depth, s.top_k)] if c.index not in sentence_scores]
        sentence_scores.update(self._sentence_scores(unscored, qvec))
        self._coverage(query, [c for c in unscored if not c.coverage])
        if s.paraphrase_highlight_weight > 0:
            hw = s.paraphrase_highlight_weight
            for row, cos in sentence_scores.items():
                sentence_scores[row] = (1 - hw) * cos + hw * self.paraphrase.sentence_cosines(pq, row)[: cos.size]
        return candidates

    def _candidates(
        self,
        query: str,
        qvec: np.ndarray,
        s: Settings,
        use_sentences: bool,
        asked: str,
        only: DocumentFilter | None = None,
    ) -> list[Candidate]:
        n = len(self.index.passages)
        if only is None:
            d_scores, d_rows = dense_search(self.index.faiss_index, qvec, s.dense_k)
        else:
            d_scores, d_rows = self._dense_within(qvec, s, only)
        full_bm25 = follow_up_bm25(self.index.bm25, query, asked, s.context_weight) if n else None
        if full_bm25 is not None and s.wordnet_dir and s.wordnet_weight and own_words(query, asked):
            full_bm25 = self._wordnet_bm25(full_bm25, asked, s)  # not for a follow-up: see _wordnet_bm25
        if full_bm25 is None:
            b_rows = np.zeros(0, np.int64)
        elif s.milvus_bm25 and hasattr(self.index.faiss_index, "bm25"):
            full_bm25, b_rows = self._engine_bm25(query, s, n, only)
        else:
            b_rows = top_rows(full_bm25 if only is None else restrict_scores(full_bm25, only), s.bm25_k)
        if s.fusion == "dense":
            b_rows = np.zeros(0, np.int64)
        elif s.fusion == "bm25":
            d_rows = np.zeros(0, np.int64)
        s_rows = self._sentence_candidates(qvec, s.sentence_k, only) if use_sentences else np.zeros(0, np.int64)
        d_rank, b_rank = ranks(d_rows), ranks(b_rows)
        rows = list(dict.fromkeys([*map(int, d_rows), *map(int, b_rows), *map(int, s_rows)]))
        if not rows:
            return []
        cos = np.asarray(self.index.vectors[np.array(rows)], dtype=np.float32) @ qvec
        out = []
        for row, c in zip(rows, cos):
            out.append(
                Candidate(
                    index=row,
                    dense=float(c),
                    bm25=float(full_bm25[row]) if full_bm25 is not None else 0.0,
                    dense_rank=d_rank.get(row),
                    bm25_rank=b_rank.get(row),
                )
            )
        return out

    def _wordnet_bm25(self, scores: np.ndarray, asked: str, s: Settings) -> np.ndarray:
        """+ ``wordnet_weight`` x the BM25 of the corpus terms WordNet relates to the user's own words: a bridge
        to a passage that says "proportion" for a question's "fraction" (qa/search/expansion.py). A follow-up
        searched with the conversation's words is left alone: its own words are the vague part ("When was it
        founded?"), and their relatives outweigh the borrowed subject ("Established in 1997, WIEGO …")."""
        bm25 = self.index.bm25
        vocab = getattr(bm25, "vocab", None) or getattr(bm25, "vocab_dict", None) or {}
        terms = expansion_terms(open_wordnet(s.wordnet_dir), asked, vocab, s.wordnet_neighbours, s.wordnet_senses)
        if not terms:
            return scores
        return scores + np.float32(s.wordnet_weight) * np.asarray(bm25.get_scores(terms), dtype=np.float32)

    def _engine_bm25(
        self, query: str, s: Settings, n: int, only: DocumentFilter | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Milvus full-text search's top ``bm25_k`` (scores as an array over all rows, 0 elsewhere; rows): the
        engine gives scores for its top-k alone, so a dense candidate outside it counts no BM25."""
        scores, rows = self.index.faiss_index.bm25(query, s.bm25_k, only.ranges if only is not None else ())
        full = np.zeros(n, np.float32)
        full[rows] = scores
        return full, rows

    def _dense_within(self, qvec: np.ndarray, s: Settings, only: DocumentFilter) -> tuple[np.ndarray, np.ndarray]:
        """Dense top-k among the chosen rows: an exact scan of their vectors (memory-mapped) up to SCAN_LIMIT
        rows; past it the ANN index searches with a selector of those rows, where its type takes one."""
        if only.size > SCAN_LIMIT and hasattr(self.index.faiss_index, "search_within"):  # Milvus filters rows itself
            return self.index.faiss_index.search_within(qvec, s.dense_k, only.ranges)
        if only.size > SCAN_LIMIT:
            found = dense_search_within(self.index.faiss_index, qvec, s.dense_k, only.ranges, s)
            if found is not None:
                return found
        return scan_top(self.index.vectors, only.ranges, qvec, s.dense_k)

    def _coverage(self, query: str, candidates: list[Candidate]) -> None:
        """Set ``coverage`` on each candidate: the second stage and the confidence model read it."""
        rows = np.array([c.index for c in candidates], dtype=np.int64)
        for c, cov in zip(candidates, term_coverage(self.index.bm25, query, rows, len(self.index.passages))):
            c.coverage = float(cov)

    def _phrases(
        self, asked: str, candidates: list[Candidate], s: Settings, sentence_scores: dict[int, np.ndarray]
    ) -> None:
        """Set ``phrases`` on each candidate. Only questions get this: on the training questions
        phrases lift SQuAD and the gold set, whose questions copy the answer's wording, and lower
        SciFact, whose claims restate theirs. ``answer_form`` marks a passage holding the answer in the
        form the question asks for (an acronym spelt out, a by-line, an address); that sentence becomes
        its best match."""
        passages = self.index.passages
        texts = [passage_search_text(passages[c.index], s.prepend_section) for c in candidates]
        find = answer_form(asked)
        # An option's definition ("-e Exit immediately …") says what the option does, not whose option it is: it
        # counts where the command the question puts before it ("set" in "set -e") owns it (``owns_option``).
        unfitted = asks_for_definition(asked)
        command = option_command(asked)
        best = max((float(v.max()) for v in sentence_scores.values() if v.size), default=0.0)
        for c, share in zip(candidates, phrase_coverage(asked, texts)):
            c.phrases = float(share)
            p = passages[c.index]
            spans = _owned_spans(find, command, p) if find else []
            if spans:
                c.answer_form, c.unfitted_form = True, unfitted
                _promote_sentence(c, p, p.start + spans[0][0], sentence_scores.get(c.index), best)

    def _defining(self, asked: str, candidates: list[Candidate]) -> list[Candidate]:
        """The candidates whose passage defines the option or term the question asks about (``qa.search.forms``)."""
        find, command = answer_form(asked), option_command(asked)
        if find is None:
            return []
        passages = self.index.passages
        return [c for c in candidates if _owned_spans(find, command, passages[c.index])]

    def _sentence_candidates(self, qvec: np.ndarray, k: int, only: DocumentFilter | None = None) -> np.ndarray:
        """Passages owning the k sentences closest to the query: an answer stated in one sentence of
        a long paragraph can be missed by the paragraph's own vector."""
        sv = self.index.sentence_vectors
        if k <= 0 or sv.shape[0] == 0:
            return np.zeros(0, np.int64)
        if only is not None:  # the chosen passages' sentences alone
            _, top = scan_top(sv, sentence_ranges(self.index.sentence_offsets, only), qvec, k)
        elif self.sentence_index is not None:  # large corpora: the sentences' own FAISS index
            _, top = dense_search(self.sentence_index, qvec, k)
        else:
            scores = np.asarray(sv, dtype=np.float32) @ qvec
            k = min(k, scores.size)
            top = np.argpartition(-scores, k - 1)[:k]
            top = top[np.argsort(-scores[top])]
        owners = np.searchsorted(self.index.sentence_offsets, top, side="right") - 1
        return np.array(list(dict.fromkeys(owners.tolist())), dtype=np.int64)

    def question_sentence_cosines(
        self, rows: list[int], question: str, settings: Settings | None = None
    ) -> dict[int, np.ndarray]:
        """Each sentence's cosine with ``question``, encoded here under the same thread limits as a search."""
        s = settings or self.settings
        with blas_threads(question_threads(s.query_threads)):
            return self.sentence_cosines(rows, self.embedder.encode_queries([question])[0])

    def sentence_cosines(self, rows: list[int], qvec: np.ndarray) -> dict[int, np.ndarray]:
        """The cosine of each sentence of each passage row with ``qvec``."""
        offsets, vectors = self.index.sentence_offsets, self.index.sentence_vectors
        out: dict[int, np.ndarray] = {}
        for row in rows:
            a, b = int(offsets[row]), int(offsets[row + 1])
            out[row] = np.asarray(vectors[a:b], dtype=np.float32) @ qvec if b > a else np.zeros(0)
        return out

    def _sentence_scores(self, candidates: list[Candidate], qvec: np.ndarray) -> dict[int, np.ndarray]:
        out = self.sentence_cosines([c.index for c in candidates], qvec)
        for c in candidates:
            scores = out[c.index]
            if scores.size:
                best = int(np.argmax(scores))
                c.best_sentence = best
                c.sentence_score = float(scores[best])
        return out


def own_words(query: str, asked: str) -> bool:
    """Whether the search is on the user's own words alone, not a follow-up's query that borrows the
    conversation's: WordNet expansion and the paraphrase stage are for the former only."""
    return query.strip() == asked.strip()


def _owned_spans(
    find: Callable[[str], list[tuple[int, int]]], command: str | None, p: Passage
) -> list[tuple[int, int]]:
    """Where ``p`` holds the asked-for form; for an option's definition, only where the asked command owns it."""
    return [span for span in find(p.text) if owns_option(command, p.section, p.title, p.text, span[0])]


def _promote_sentence(c: Candidate, p: Passage, at: int, scores: np.ndarray | None, best: float) -> None:
    """The sentence holding offset ``at`` scores as the best match of any passage (``best``), so it is
    highlighted: its own cosine can be low ("17 Route des Morillons, CH-1211 Geneva" for "where is it based?")."""
    if scores is None or not scores.size:
        return
    for i, (a, b) in enumerate(p.sentences):
        if a <= at < b:
            scores[i] = max(float(scores[i]), float(scores.max()), best)
            c.best_sentence = i
            return
