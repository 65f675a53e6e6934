"""Pure scoring: no model, no files. Every function here takes plain values and is easy to test.

A *span* is ``(doc, start, end)`` with ``end`` exclusive, character offsets into the document text.
An excerpt *hits* an evidence span when both name the same document and they overlap by at least
half of the evidence's characters (the gold-file contract in ARCHITECTURE.md).

An *item record* (what ``summarize`` and ``breakdown`` read) is a dict with these keys:
``answerable`` (bool), ``rank`` (1-based rank of the first hitting excerpt, or None),
``answer_in_top`` (bool, answerable items), ``abstained`` (bool), ``confidence`` (float),
``latency_ms`` (float); optionally ``answer_quoted`` (bool: the top excerpt's highlighted sentences, which
the reply quotes, hold the answer); and any grouping keys (``kind``, ``doc``, ``turn``, ``split``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

Span = tuple[str, int, int]
HIT_KS = (1, 3, 5)
MRR_K = 10
CURVE_KS = tuple(range(1, 11))
DEFAULT_THRESHOLDS = tuple(round(0.05 * i, 2) for i in range(0, 21))


# ---------------------------------------------------------------- spans and ranks


def overlap(a_start: int, a_end: int, b_start: int, b_end: int) -> int:
    """Characters shared by the half-open spans [a_start, a_end) and [b_start, b_end)."""
    return max(0, min(a_end, b_end) - max(a_start, b_start))


# Between two letters of a word the text may hold a soft hyphen or a line-end hyphen (a PDF's "reintroduc-\ning"),
# or a line break where a reader left a word split (pypdfium2 marks a line-end hyphen with \x02): the evidence,
# copied from what a reader shows, has none.
_WORD_BREAK = r"(?:[\u00ad\x02]|-?[ \t]*\r?\n[ \t]*)?"


def _evidence_pattern(evidence: str) -> re.Pattern[str]:
    """A pattern for the evidence as a reader shows it: any whitespace run matches any whitespace run (a
    newline included) or a table's cell separator, a word may be broken as _WORD_BREAK allows, and
    whitespace may appear next to a punctuation mark where the evidence has none. Built per evidence string."""
    tokens = []
    for token in evidence.split():
        out = []
        for i, ch in enumerate(token):
            if i and ch.isalnum() and (token[i - 1].isalnum() or token[i - 1] == "-"):
                out.append(_WORD_BREAK)
            elif i and not (ch.isalnum() and token[i - 1].isalnum()):
                out.append(r"\s*")  # a reader may space out punctuation: pypdf's "arg$ (i)", "f (x, y)"
            out.append(re.escape(ch))
        tokens.append("".join(out))
    return re.compile(_CELL_OR_SPACE.join(tokens))


# Between two words of the evidence, a space, or the " | " a reader puts between a table's cells (the page shows a gap).
_CELL_OR_SPACE = r"\s+(?:\|\s+)?"


def locate(text: str, evidence: str) -> tuple[int, int] | None:
    """The real character span [start, end) of the evidence's first occurrence in the text, matched
    whitespace-insensitively (see _evidence_pattern) so a gold set survives a reader that joins or splits
    lines differently; None when it is not there. An exact occurrence is preferred when there is one."""
    if not evidence.strip():
        return None
    start = text.find(evidence)
    if start >= 0:
        return start, start + len(evidence)
    match = _evidence_pattern(evidence).search(text)
    return match.span() if match else None


def find_spans(text: str, doc: str, evidence: Sequence[str]) -> list[Span]:
    """Spans of each evidence string in the document (``locate``: first occurrence, whitespace-insensitive),
    as real offsets into the text. An evidence string that is not in the text yields no span; callers
    validate beforehand."""
    spans: list[Span] = []
    for ev in evidence:
        found = locate(text, ev) if ev else None
        if found is not None:
            spans.append((doc, *found))
    return spans


def excerpt_hits(excerpt: Span, evidence: Iterable[Span]) -> bool:
    """True when the excerpt covers at least half of the characters of one evidence span."""
    doc, start, end = excerpt
    for e_doc, e_start, e_end in evidence:
        length = e_end - e_start
        if doc == e_doc and length > 0 and 2 * overlap(start, end, e_start, e_end) >= length:
            return True
    return False


def first_hit_rank(excerpts: Sequence[Span], evidence: Sequence[Span]) -> int | None:
    """1-based rank of the first excerpt that hits any evidence span, or None."""
    for i, ex in enumerate(excerpts, start=1):
        if excerpt_hits(ex, evidence):
            return i
    return None


def quoted_hits(doc: str, highlights: Sequence[tuple[int, int]], evidence: Iterable[Span]) -> bool:
    """True when a highlighted sentence and an evidence span of the same document share at least half of
    the shorter one's characters: the reply quotes (part of) the evidence."""
    for e_doc, e_start, e_end in evidence:
        for start, end in highlights:
            shorter = min(end - start, e_end - e_start)
            if doc == e_doc and shorter > 0 and 2 * overlap(start, end, e_start, e_end) >= shorter:
                return True
    return False


def first_doc_rank(docs: Sequence[str], wanted: str | Iterable[str]) -> int | None:
    """1-based rank of the first entry naming a wanted document (paragraph-level retrieval)."""
    targets = {wanted} if isinstance(wanted, str) else set(wanted)
    for i, d in enumerate(docs, start=1):
        if d in targets:
            return i
    return None


def hit_at(rank: int | None, k: int) -> bool:
    return rank is not None and rank <= k


def reciprocal_rank(rank: int | None, k: int = MRR_K) -> float:
    """1/rank when the first hit lies within the cut-off, else 0 (MRR@k contribution)."""
    return 1.0 / rank if rank is not None and rank <= k else 0.0


_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Case-folded with runs of whitespace collapsed (answers may span a line break)."""
    return _SPACE.sub(" ", text).strip().casefold()


def answer_in_text(answers: str | Sequence[str], text: str) -> bool:
    """True when any answer string occurs in the text, ignoring case and whitespace runs."""
    items = [answers] if isinstance(answers, str) else list(answers)
    hay = normalise(text)
    return any(normalise(a) and normalise(a) in hay for a in items)


# ---------------------------------------------------------------- aggregates


def mean(values: Iterable[float | bool]) -> float | None:
    vals = [float(v) for v in values]
    return sum(vals) / len(vals) if vals else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (numpy's default), None for no values."""
    if not values:
        return None
    return float(np.percentile(np.asarray(values, dtype=np.float64), q))


def abstention_scores(abstained: Sequence[bool], unanswerable: Sequence[bool]) -> dict[str, Any]:
    """Precision/recall/F1 of abstaining, treating the unanswerable items as the positive class.

    ``false_abstain`` is the share of answerable items the assistant abstained on. Precision is 0 when
    it never abstained; the three scores are None where there is no unanswerable item at all.
    """
    if len(abstained) != len(unanswerable):
        raise ValueError("abstained and unanswerable differ in length")
    tp = sum(1 for a, u in zip(abstained, unanswerable) if a and u)
    fp = sum(1 for a, u in zip(abstained, unanswerable) if a and not u)
    fn = sum(1 for a, u in zip(abstained, unanswerable) if not a and u)
    n_unans = tp + fn
    n_ans = len(abstained) - n_unans
    out: dict[str, Any] = {
        "abstain_precision": None,
        "abstain_recall": None,
        "abstain_f1": None,
        "false_abstain": fp / n_ans if n_ans else None,
        "abstained": tp + fp,
        "false_abstentions": fp,
        "unanswerable": n_unans,
    }
    if n_unans:
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / n_unans
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        out.update(abstain_precision=precision, abstain_recall=recall, abstain_f1=f1)
    return out


def expected_calibration_error(probs: np.ndarray, labels: np.ndarray, bins: int = 10) -> float:
    """Does "90%" mean right nine times in ten? Mean |share right - mean probability| over equal-width bins,
    weighted by their sizes."""
    at = np.minimum((probs * bins).astype(int), bins - 1)
    return float(sum(abs(labels[at == b].mean() - probs[at == b].mean()) * (at == b).mean() for b in np.unique(at)))


def calibrated_ece(probs: np.ndarray, bins: int = 10, draws: int = 1000, seed: int = 0) -> tuple[float, float]:
    """The ECE a perfectly calibrated confidence would show on this many questions at these probabilities
    (median and 95th percentile over ``draws`` simulated outcomes, each right with its own probability). On
    50-80 questions it is about 0.10 from sampling alone, so an observed ECE means something only against it."""
    if probs.size == 0:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    outcomes = (rng.random((draws, probs.size)) < probs).astype(float)
    sims = [expected_calibration_error(probs, y, bins) for y in outcomes]
    return float(np.median(sims)), float(np.percentile(sims, 95))


def right_behaviour(record: Mapping[str, Any]) -> bool:
    """Answered with the answer in the top excerpt when answerable; abstained when not."""
    if record["answerable"]:
        return (not record["abstained"]) and bool(record["answer_in_top"])
    return bool(record["abstained"])


def summarize(records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Headline metrics of a list of item records (see the module docstring)."""
    answerable = [r for r in records if r["answerable"]]
    out: dict[str, Any] = {"n": len(records), "answerable": len(answerable)}
    for k in HIT_KS:
        out[f"hit@{k}"] = mean(hit_at(r["rank"], k) for r in answerable)
    out[f"mrr@{MRR_K}"] = mean(reciprocal_rank(r["rank"], MRR_K) for r in answerable)
    out["answer_in_top"] = mean(bool(r["answer_in_top"]) for r in answerable)
    out["answer_quoted"] = mean(bool(r["answer_quoted"]) for r in answerable if "answer_quoted" in r)
    out.update(abstention_scores([bool(r["abstained"]) for r in records], [not r["answerable"] for r in records]))
    out["right_behaviour"] = mean(right_behaviour(r) for r in records)
    out.update(shown_sizes(answerable))
    latencies = [float(r["latency_ms"]) for r in records if r.get("latency_ms") is not None]
    out["latency_ms_p50"] = percentile(latencies, 50)
    out["latency_ms_p95"] = percentile(latencies, 95)
    return out


def shown_sizes(answerable: Sequence[Mapping[str, Any]]) -> dict[str, float | None]:
    """How much the answers show: the top excerpt's median length in characters and its mean number of
    highlighted sentences, over the answered questions. Beside hit@1: a longer excerpt holds the evidence more
    often without pointing at it, so a hit@1 gain means little if these grew with it."""
    tops = [r["top"][0] for r in answerable if not r["abstained"] and r.get("top") and "chars" in r["top"][0]]
    return {
        "top_excerpt_chars_p50": percentile([float(t["chars"]) for t in tops], 50),
        "top_excerpt_highlights": mean(t["highlights"] for t in tops),
    }


def breakdown(records: Sequence[Mapping[str, Any]], keys: Sequence[str]) -> dict[str, dict[str, Any]]:
    """``summarize`` per value of each grouping key: {key: {value: metrics}}; values sorted."""
    out: dict[str, dict[str, Any]] = {}
    for key in keys:
        groups: dict[str, list[Mapping[str, Any]]] = {}
        for r in records:
            value = r.get(key)
            groups.setdefault("(none)" if value is None else str(value), []).append(r)
        out[key] = {value: summarize(groups[value]) for value in sorted(groups)}
    return out


def hit_curve(ranks: Sequence[int | None], ks: Sequence[int] = CURVE_KS) -> dict[int, float | None]:
    """Share of items whose first hit lies within k, for each k."""
    return {k: mean(hit_at(r, k) for r in ranks) for k in ks}


def threshold_curve(
    records: Sequence[Mapping[str, Any]], thresholds: Sequence[float] = DEFAULT_THRESHOLDS
) -> list[dict[str, Any]]:
    """What each abstention threshold would give: abstain when confidence < threshold.

    Uses only ``answerable``, ``answer_in_top`` and ``confidence``; the threshold of the run itself
    does not matter, so one run draws the whole curve.
    """
    curve = []
    for t in thresholds:
        simulated = [{**r, "abstained": float(r["confidence"]) < t} for r in records]
        scores = abstention_scores([r["abstained"] for r in simulated], [not r["answerable"] for r in simulated])
        curve.append(
            {
                "threshold": float(t),
                "abstain_rate": mean(r["abstained"] for r in simulated),
                "abstain_precision": scores["abstain_precision"],
                "abstain_recall": scores["abstain_recall"],
                "abstain_f1": scores["abstain_f1"],
                "false_abstain": scores["false_abstain"],
                "right_behaviour": mean(right_behaviour(r) for r in simulated),
            }
        )
    return curve


# ---------------------------------------------------------------- calibration


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1e-3, iterations: int = 100) -> tuple[float, np.ndarray]:
    """Logistic regression by Newton's method (IRLS) with a small L2 penalty on the weights.

    Returns ``(bias, weights)`` on the features as given (not standardised), so they can be copied
    into a model that computes ``sigmoid(bias + x @ weights)``.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.ndim != 2 or len(x) != len(y) or not len(y):
        raise ValueError("need a 2-D feature matrix and one label per row")
    design = np.hstack([np.ones((len(x), 1)), x])
    theta = np.zeros(design.shape[1])
    penalty = np.full(design.shape[1], l2 * len(y))
    penalty[0] = 0.0  # the bias is not shrunk
    for _ in range(iterations):
        z = np.clip(design @ theta, -50, 50)
        p = 1.0 / (1.0 + np.exp(-z))
        grad = design.T @ (p - y) + penalty * theta
        hess = design.T @ (design * (p * (1 - p))[:, None]) + np.diag(penalty) + 1e-9 * np.eye(len(theta))
        step = np.linalg.solve(hess, grad)
        theta -= step
        if float(np.max(np.abs(step))) < 1e-8:
            break
    return float(theta[0]), theta[1:]


def sigmoid(z: np.ndarray | float) -> np.ndarray | float:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -50, 50)))


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def top_excerpts(excerpts: Sequence[Any], n: int = 3) -> list[dict[str, Any]]:
    """What a report shows of the first excerpts of an answer: where each came from and its score."""
    return [
        {
            "doc": e.passage.doc_id,
            "section": e.passage.section,
            "start": e.passage.start,
            "end": e.passage.end,
            "score": round(float(e.score), 4),
            "chars": len(e.passage.text),
            "highlights": len(e.highlights),
        }
        for e in excerpts[:n]
    ]
