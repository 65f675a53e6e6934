"""Fit the abstention threshold on the tuning splits of every gold set, and store it with the answer model.

    python eval/fit_threshold.py REPORT.json [REPORT.json ...] [--max-false 0.05] [--write]

Each report is a `qa eval --gold` run (learned confidence on). Only items whose split is a tuning split
(`tune`, `dev`) are used; the test splits are only measured (eval/split_table.py). The threshold is the one
with the best abstention F1 on the pooled tuning items among those that wrongly abstain on at most
``--max-false`` of the answerable ones: a user asking what the documents do answer must not be turned away.
With --write the threshold goes into qa/answer/answer_model.json ("abstain_threshold"), which the
`calibrated_abstain_threshold` setting must equal (a test checks it).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from qa.atomic import atomic_write_bytes
from qa.evaluation import metrics

TUNING = {"tune", "dev"}
MODEL = Path(__file__).resolve().parents[1] / "qa" / "answer" / "answer_model.json"


def abstention(items: list[dict], threshold: float) -> tuple[float, float]:
    """(F1 on the unanswerable items, share of answerable items wrongly abstained on) at ``threshold``."""
    scores = metrics.abstention_scores(
        [i["confidence"] < threshold for i in items], [not i["answerable"] for i in items]
    )
    return scores["abstain_f1"] or 0.0, scores["false_abstain"] or 0.0


def fit(items: list[dict], max_false: float) -> tuple[float, float, float]:
    best = (0.0, -1.0, 0.0)
    for step in range(1, 100):
        threshold = step / 100
        f1, false = abstention(items, threshold)
        if false <= max_false and f1 > best[1]:
            best = (threshold, f1, false)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("reports", nargs="+", type=Path)
    ap.add_argument("--max-false", type=float, default=0.05)
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()
    items = []
    for path in args.reports:
        items += [i for i in json.loads(path.read_text(encoding="utf-8"))["items"] if i["split"] in TUNING]
    threshold, f1, false = fit(items, args.max_false)
    print(f"{len(items)} tuning items: threshold {threshold:.2f}, abstention F1 {f1:.3f}, false {false:.3f}")
    if args.write:
        model = json.loads(MODEL.read_text(encoding="utf-8"))
        model["abstain_threshold"] = threshold
        model["trained"]["abstain_threshold_fitted_on"] = {
            "reports": [p.parent.name for p in args.reports],
            "splits": sorted(TUNING),
            "max_false_abstentions": args.max_false,
        }
        atomic_write_bytes(MODEL, (json.dumps(model, indent=2) + "\n").encode("utf-8"))


if __name__ == "__main__":
    main()
