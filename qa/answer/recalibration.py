"""A corpus's own abstention, refitted on its users' marks: a Platt layer over the confidence, and a threshold.

The confidence shown comes from a model fitted elsewhere (SQuAD tuning articles, the shipped gold set); on
another corpus its "60%" may be right far more or far less often than six times in ten, and its threshold may
turn away good answers or let wrong ones through. ``qa feedback refit`` (qa/evaluation/refit.py) fits
``sigmoid(a * logit(p) + b)`` and a threshold on the user's verdicts and stores them with the index
(``<index_dir>/feedback_calibration.json``); the assistant then shows the layered confidence and abstains
below that threshold. ``a > 0`` keeps the order of answers, so the layer never turns a better answer into a
worse one. Pure: reading and writing the file is the caller's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

FEEDBACK_CALIBRATION_FILE = "feedback_calibration.json"
_EPS = 1e-6


def logit(p: float) -> float:
    p = min(max(float(p), _EPS), 1.0 - _EPS)
    return math.log(p / (1.0 - p))


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))


class RecalibrationError(ValueError):
    """A stored refit cannot be used; the message says why."""


@dataclass(frozen=True)
class Recalibration:
    """``apply`` turns the model's confidence into the one shown; abstain below ``threshold`` (on the shown
    scale). ``over`` names the confidence it was fitted over: a layer fitted over one model means nothing
    over another."""

    a: float = 1.0
    b: float = 0.0
    threshold: float = 0.5
    over: str = ""
    info: dict[str, Any] = field(default_factory=dict, compare=False)  # when, on what, the held-out report

    def apply(self, p: float) -> float:
        if self.a == 1.0 and self.b == 0.0:
            return float(p)
        return sigmoid(self.a * logit(p) + self.b)

    def invert(self, shown: float) -> float:
        """The model's confidence behind a shown one (for marks made while this layer was in use)."""
        if self.a == 1.0 and self.b == 0.0:
            return float(shown)
        return sigmoid((logit(shown) - self.b) / self.a)

    def to_json(self) -> dict[str, Any]:
        return {"a": self.a, "b": self.b, "threshold": self.threshold, "over": self.over, **self.info}

    @classmethod
    def from_json(cls, data: Any) -> Recalibration:
        if not isinstance(data, dict):
            raise RecalibrationError("the file must hold a JSON object")
        values = {}
        for name in ("a", "b", "threshold"):
            v = data.get(name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise RecalibrationError(f"{name!r} must be a finite number, not {v!r}")
            values[name] = float(v)
        if values["a"] <= 0:
            raise RecalibrationError("'a' must be positive (the layer must keep the order of answers)")
        if not 0.0 <= values["threshold"] <= 1.0:
            raise RecalibrationError("'threshold' must lie between 0 and 1")
        info = {k: v for k, v in data.items() if k not in {"a", "b", "threshold", "over"}}
        return cls(**values, over=str(data.get("over", "")), info=info)

    def describe(self) -> str:
        """Where the refit came from, for the page and the CLI."""
        fitted = self.info.get("n_fit")
        where = f" on {fitted} of this corpus's marks" if fitted else " on this corpus's marks"
        when = f" ({self.info['created'][:10]})" if self.info.get("created") else ""
        return f"refitted{where}{when}"
