"""Pure scoring: how dense and BM25 evidence combine into one ranking. No I/O, easy to test."""

from __future__ import annotations

import numpy as np

from qa.types import Candidate


def ranks(rows: np.ndarray) -> dict[int, int]:
    """Row -> 1-based rank in a result list."""
    return {int(r): i + 1 for i, r in enumerate(rows)}


def minmax(values: np.ndarray) -> np.ndarray:
    if values.size == 0:
        return values
    lo, hi = float(values.min()), float(values.max())
    if hi - lo < 1e-9:
        return np.ones_like(values) if hi > 0 else np.zeros_like(values)
    return (values - lo) / (hi - lo)


def fuse(
    candidates: list[Candidate], method: str, dense_weight: float, bm25_weight: float, rrf_k: int = 60
) -> list[Candidate]:
    """Set ``fused`` and ``score`` on every candidate and return them best first.

    ``blend`` adds the cosine and the BM25 score divided by the query's best BM25 score, weighted; raw
    cosines keep their meaning across questions, which min-max scaling would lose. ``rrf`` is
    reciprocal-rank fusion; ``dense`` and ``bm25`` use one retriever alone (ablations).
    """
    if not candidates:
        return []
    dense = np.array([c.dense for c in candidates], dtype=np.float64)
    bm25 = np.array([c.bm25 for c in candidates], dtype=np.float64)
    if method == "dense":
        fused = dense
    elif method == "bm25":
        fused = bm25
    elif method == "rrf":
        big = 10**9
        fused = np.array([1 / (rrf_k + (c.dense_rank or big)) + 1 / (rrf_k + (c.bm25_rank or big)) for c in candidates])
    else:
        top = bm25.max()
        fused = dense_weight * dense + bm25_weight * (bm25 / top if top > 0 else np.zeros_like(bm25))
    for c, f in zip(candidates, fused):
        c.fused = float(f)
        c.score = float(f)
    return sorted(candidates, key=lambda c: (-c.score, c.index))


def rerank_with_sentences(candidates: list[Candidate], weight: float, coverage_weight: float = 0.0) -> list[Candidate]:
    """Second stage: add the cosine of each passage's best-matching sentence, so a passage holding
    one sentence that answers beats a passage that is only broadly on topic, and the share of the
    question's IDF weight the passage covers, so one that holds all of its rare words beats one that
    holds one of them many times (which is what BM25's term saturation still rewards)."""
    for c in candidates:
        c.score = c.fused + weight * c.sentence_score + coverage_weight * c.coverage
    return sorted(candidates, key=lambda c: (-c.score, c.index))


def rerank_with_phrases(candidates: list[Candidate], weight: float) -> list[Candidate]:
    """Last step of the second stage, on its best few: add the share of the question's word pairs
    each passage holds as phrases, so one that says "voting age" beats one that has "voting" and
    "age" in different sentences. It is never negative, so the few stay above the rest.

    Passages holding the answer in the form the question asks for (an acronym spelt out, a by-line, an
    address) get the whole bonus and are then lifted, in their order, above those that do not: among
    passages this close to the question, the one that says "By Cécile Riallant" answers "who wrote it?"
    however much better the blurb about the blog series matches its words."""
    for c in candidates:
        c.score += weight * (1.0 if c.answer_form else c.phrases)
    return lift_answer_forms(candidates)


def reorder_by_reader(head: list[Candidate], logits: np.ndarray, weight: float) -> list[Candidate]:
    """The passage ranker's step: ``head`` re-ordered by score + ``weight`` × the ranker's logit, each place
    keeping the score it had. Why keep the scores: the confidence was fitted on their spread, and a passage
    the ranker dislikes must not fall below ones it never read (a first try that added the term to the scores
    lost hit@5 on every tuning split). Passages holding an asked answer form stay first, as ``lift_answer_forms``
    put them."""
    scores = sorted((c.score for c in head), reverse=True)
    for c, logit in zip(head, logits):
        c.ranker = float(logit)
    order = sorted(head, key=lambda c: (not c.answer_form, -(c.score + weight * c.ranker)))
    for c, score in zip(order, scores):
        c.score = score
    return order


def lift_answer_forms(candidates: list[Candidate]) -> list[Candidate]:
    """Passages holding the answer in the form the question asks for, lifted in their order above the others
    (see ``rerank_with_phrases``, the last step of the second stage: no later score can undo the rule)."""
    forms = [c for c in candidates if c.answer_form]
    others = [c.score for c in candidates if not c.answer_form]
    if forms and others:
        lift = max(others) - min(c.score for c in forms)
        for c in forms:
            c.score += max(0.0, lift) + 1e-6
    return sorted(candidates, key=lambda c: (-c.score, c.index))


def mmr_select(order: list[int], similarity: np.ndarray, relevance: np.ndarray, k: int, lam: float) -> list[int]:
    """Maximal marginal relevance over positions in ``order``: the next pick trades relevance
    against similarity to what is already picked, so excerpts are not near-duplicates."""
    chosen: list[int] = []
    remaining = list(range(len(order)))
    while remaining and len(chosen) < k:
        best, best_val = remaining[0], -np.inf
        for i in remaining:
            redundancy = max((similarity[i, j] for j in chosen), default=0.0)
            val = lam * relevance[i] - (1 - lam) * redundancy
            if val > best_val:
                best, best_val = i, val
        chosen.append(best)
        remaining.remove(best)
    return [order[i] for i in chosen]
