"""Refit a corpus's abstention on its users' marks, judged on marks the fit never saw. Pure: no I/O.

Each mark is one example: the model's confidence when the answer was shown, and whether what was shown
answered the question ("answered", or an excerpt chosen as the answer: 1; "not this" with none chosen: 0).
Marks are split by conversation (``session``), never by question, so follow-ups of one chat never sit on
both sides: a hash of each conversation's id with a fixed seed holds out a third of them, nearly the
same third at every refit. On the rest a Platt layer
(``sigmoid(a * logit(p) + b)``, logistic regression on the logit) fits the confidence to the verdicts, and the
threshold is the best abstention F1 among those that turn away at most ``max_false`` of the answered marks
(the criterion eval/fit_threshold.py uses on the gold sets; the middle of a tie). Both the calibration in use
and the refit are then scored on the held-out marks: abstention precision/recall/F1 (wrong answers are the
positive class), false abstentions and the expected calibration error. The refit is adopted only when it is
not worse there: F1 not lower and calibration error not higher (beyond ``ECE_TOLERANCE``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from qa.answer.recalibration import Recalibration, logit
from qa.evaluation import metrics

HOLD_OUT_SHARE = 1 / 3
SEED = 13
MAX_FALSE = 0.05
# Held-out calibration error the refit may add and still count as not worse: a few dozen marks put equal-width
# bins' error a few hundredths apart from one random draw to the next.
ECE_TOLERANCE = 0.01
_GRID = [i / 100 for i in range(1, 100)]


class RefitRefused(ValueError):
    """Too few marks, or marks that cannot be fitted; the message says what is missing."""


@dataclass(frozen=True)
class Example:
    session: str
    confidence: float  # the model's own, before any layer
    good: bool  # what was shown answered the question


def examples(marks: Sequence[dict[str, Any]], in_use: Recalibration | None = None) -> list[Example]:
    """The marks as examples. A mark's model confidence is ``shown.raw_confidence``; a mark from before it was
    kept has only the shown one, which ``in_use`` (the layer it was shown under) turns back."""
    out = []
    for m in marks:
        shown = m.get("shown") or {}
        raw = shown.get("raw_confidence")
        if raw is None and shown.get("confidence") is not None:
            raw = in_use.invert(shown["confidence"]) if in_use else shown["confidence"]
        if raw is None:
            continue
        out.append(Example(str(m.get("session") or m.get("id")), float(raw), m.get("doc") is not None))
    return out


def split_by_session(rows: Sequence[Example], share: float = HOLD_OUT_SHARE, seed: int = SEED):
    """(fit, held out): whole conversations on each side. Each conversation draws a number from a hash of its id
    and the seed; the lowest third are held out. A conversation keeps its draw as marks come in, so a later
    refit holds out nearly the same conversations (only those near the cut may cross)."""

    def draw(session: str) -> int:
        return int.from_bytes(hashlib.sha256(f"{seed}:{session}".encode()).digest()[:8], "big")

    sessions = sorted({r.session for r in rows}, key=draw)
    n_out = max(1, round(len(sessions) * share)) if len(sessions) > 1 else 0
    held = set(sessions[:n_out])
    return [r for r in rows if r.session not in held], [r for r in rows if r.session in held]


def fit_layer(rows: Sequence[Example]) -> tuple[float, float]:
    """(a, b) of the Platt layer; the identity when the fit would reverse the order of answers."""
    x = np.array([[logit(r.confidence)] for r in rows])
    y = np.array([float(r.good) for r in rows])
    b, w = metrics.fit_logistic(x, y, l2=1e-2)
    a = float(w[0])
    return (a, float(b)) if a > 0 else (1.0, 0.0)


def choose_threshold(probs: Sequence[float], good: Sequence[bool], max_false: float = MAX_FALSE) -> float:
    """The best abstention F1 with at most ``max_false`` of the good answers turned away; where a range of
    thresholds ties (marks leave gaps), its middle, as far from the fitted marks on both sides as it can be."""
    scored = []
    for t in _GRID:
        s = metrics.abstention_scores([p < t for p in probs], [not g for g in good])
        if (s["false_abstain"] or 0.0) <= max_false:
            scored.append((s["abstain_f1"] or 0.0, t))
    if not scored:
        return 0.0
    best = max(f1 for f1, _ in scored)
    tied = [t for f1, t in scored if f1 >= best - 1e-12]
    return tied[len(tied) // 2]


def score(rows: Sequence[Example], layer: Recalibration | None, threshold: float) -> dict[str, Any]:
    """How a calibration does on ``rows``: abstention scores at ``threshold`` and the calibration error."""
    probs = np.array([layer.apply(r.confidence) if layer else r.confidence for r in rows])
    good = np.array([r.good for r in rows], dtype=float)
    out = metrics.abstention_scores([bool(p < threshold) for p in probs], [not g for g in good])
    out.update(n=len(rows), wrong_answers=int((good == 0).sum()), threshold=threshold)
    out["ece"] = metrics.expected_calibration_error(probs, good) if len(rows) else None
    out["right_decisions"] = float(np.mean((probs >= threshold) == (good == 1))) if len(rows) else None
    return out


def not_worse(after: dict[str, Any], before: dict[str, Any]) -> bool:
    """Adopt only what does no harm held out: F1 not lower (false abstentions not more where held out has no
    wrong answers) and the calibration error not higher, beyond the noise of a few dozen marks."""
    if after["abstain_f1"] is not None and before["abstain_f1"] is not None:
        decided = after["abstain_f1"] >= before["abstain_f1"] - 1e-9
    else:
        decided = (after["false_abstain"] or 0.0) <= (before["false_abstain"] or 0.0) + 1e-9
    return decided and after["ece"] <= before["ece"] + ECE_TOLERANCE


def refit(
    marks: Sequence[dict[str, Any]],
    current_threshold: float,
    in_use: Recalibration | None = None,
    over: str = "",
    min_marks: int = 30,
    max_false: float = MAX_FALSE,
    seed: int = SEED,
) -> dict[str, Any]:
    """The report of a refit: split sizes, the fitted layer and threshold, before/after on the held-out marks,
    and ``adopt`` with the ``calibration`` to store. Raises RefitRefused below ``min_marks`` marks or when a
    side of the split lacks a kind of verdict. ``in_use``/``current_threshold``: the calibration in use now."""
    rows = examples(marks, in_use)
    if len(rows) < min_marks:
        raise RefitRefused(f"{len(rows)} marks with a confidence so far; a refit needs at least {min_marks}")
    fit_rows, held = split_by_session(rows, seed=seed)
    for name, part in (("fitted", fit_rows), ("held-out", held)):
        if len({r.good for r in part}) < 2:
            raise RefitRefused(
                f"the {name} marks ({len(part)}) are all '{'answered' if part and part[0].good else 'not this'}'; "
                "a refit needs both verdicts on each side of the split"
            )
    a, b = fit_layer(fit_rows)
    layer = Recalibration(a, b, 0.5, over)
    threshold = choose_threshold([layer.apply(r.confidence) for r in fit_rows], [r.good for r in fit_rows], max_false)
    before = score(held, in_use, current_threshold)
    after = score(held, layer, threshold)
    info = {
        "n_marks": len(rows),
        "n_fit": len(fit_rows),
        "n_held_out": len(held),
        "sessions_fit": len({r.session for r in fit_rows}),
        "sessions_held_out": len({r.session for r in held}),
        "seed": seed,
        "max_false": max_false,
        "fit": score(fit_rows, layer, threshold),  # training figures: for reference, not for judging
        "held_out_before": before,
        "held_out_after": after,
    }
    adopt = not_worse(after, before)
    calibration = Recalibration(a, b, threshold, over, info=info)
    return {**info, "a": a, "b": b, "threshold": threshold, "adopt": adopt, "calibration": calibration}


def report_lines(report: dict[str, Any], before_name: str) -> list[str]:
    """The refit as a person reads it: before and after on the held-out marks, and what was decided."""

    def pct(v: Any) -> str:
        return "–" if v is None else f"{v:.1%}"

    def row(name: str, s: dict[str, Any]) -> str:
        return (
            f"  {name:<8} threshold {s['threshold']:.2f}: abstention P {pct(s['abstain_precision'])}, "
            f"R {pct(s['abstain_recall'])}, F1 {pct(s['abstain_f1'])}; false abstentions {s['false_abstentions']}"
            f" ({pct(s['false_abstain'])}); ECE {s['ece']:.3f}; right decisions {pct(s['right_decisions'])}"
        )

    held = report["held_out_before"]
    lines = [
        f"{report['n_marks']} marks: fitted on {report['n_fit']} ({report['sessions_fit']} conversations), "
        f"judged on {report['n_held_out']} held out ({report['sessions_held_out']} conversations, "
        f"{held['wrong_answers']} wrong answers)",
        f"  layer: sigmoid({report['a']:.3f} * logit(p) + {report['b']:.3f}); threshold {report['threshold']:.2f}",
        f"held-out marks (before = {before_name}):",
        row("before", held),
        row("after", report["held_out_after"]),
        "adopted: the refit is not worse on the held-out marks"
        if report["adopt"]
        else "not adopted: the refit is worse on the held-out marks; the calibration in use stays",
    ]
    return lines
