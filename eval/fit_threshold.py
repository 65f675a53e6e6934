"""Fit the abstention threshold on the tuning splits of every gold set, and store it with the answer model.

    python eval/fit_threshold.py REPORT.json [REPORT.json ...] [--max-false 0.05] [--write]

Each report is a `qa eval --gold` run (learned confidence on). Only items whose split is a tuning split
(`tune`, `dev`) are used; the test splits are only measured (eval/split_table.py). The threshold is the one
with the best abstention F1 on the pooled tuning items among those that wrongly abstain on at most
``--max-false`` of the answerable ones: a user asking what the documents do answer must not be turned away.
With --write the threshold goes into qa/answer/answer_model.json ("abstain_threshold"), which the
`calibrated_abstain_threshold` setting must equal (a test checks it).

    python eval/fit_threshold.py --paraphrase REPORT.json [REPORT.json ...] [--write]

With --paraphrase the reports are runs with the paraphrase second stage on (QA_PARAPHRASE_MODEL=...): first a
Platt scaling is fitted on their tuning items (label: the top excerpt is the evidence, as eval/split_table.py's
ECE counts it), over the SQuAD logit that each shown confidence came from, then the threshold on the rescaled
confidences. --write stores both under "paraphrase" in answer_model.json; the stage-off entries stay as they are.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from qa.answer.recalibration import logit, sigmoid
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


PARAPHRASE_KIND = "learned, paraphrase stage"  # qa.assistant.PARAPHRASE_KIND (not imported: torch)


def squad_logits(report: dict, model: dict) -> list[float]:
    """Each item's SQuAD logit, recovered from its shown confidence through the Platt scaling it was shown
    under: the stage's own where the run used it (its settings snapshot says so), else the stage-off one."""
    settings = report.get("settings", {})
    if not settings.get("paraphrase_model"):
        raise SystemExit(f"{report.get('name')}: the run had the paraphrase stage off")
    if not str(settings.get("confidence_model") or "built-in").startswith("built-in"):
        raise SystemExit(f"{report.get('name')}: the run used a corpus's own confidence model, not the learned one")
    if (Path(settings.get("index_dir", "")) / "feedback_calibration.json").is_file():
        raise SystemExit(f"{report.get('name')}: its index holds a refit from users' marks over the confidence")
    platt = model["paraphrase"]["platt"] if settings.get("confidence_kind") == PARAPHRASE_KIND else model["platt"]
    return [(logit(i["confidence"]) - platt["b"]) / platt["a"] for i in report["items"]]


def fit_stage(reports: list[Path], max_false: float) -> tuple[dict, list[dict]]:
    """(the "paraphrase" entry, the tuning items with their rescaled confidences)."""
    model = json.loads(MODEL.read_text(encoding="utf-8"))
    z, items = [], []
    for path in reports:
        report = json.loads(path.read_text(encoding="utf-8"))
        for item, value in zip(report["items"], squad_logits(report, model)):
            if item["split"] in TUNING:
                z.append(value)
                items.append(item)
    right = np.array([bool(i["answerable"] and i["rank"] == 1) for i in items], dtype=float)
    b, w = metrics.fit_logistic(np.array(z)[:, None], right)
    a = max(float(w[0]), 1e-3)  # a positive slope keeps the order of answers
    rescaled = [{**i, "confidence": sigmoid(a * v + b)} for i, v in zip(items, z)]
    threshold, f1, false = fit(rescaled, max_false)
    ece = metrics.expected_calibration_error(np.array([i["confidence"] for i in rescaled]), right)
    entry = {
        "platt": {"a": round(a, 4), "b": round(b, 4)},
        "abstain_threshold": threshold,
        "fitted_on": {
            "reports": [p.parent.name for p in reports],
            "splits": sorted(TUNING),
            "max_false_abstentions": max_false,
            "tuning_items": len(items),
            "training_figures": {"abstention_f1": round(f1, 4), "false": round(false, 4), "ece": round(ece, 4)},
        },
    }
    return entry, rescaled


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("reports", nargs="+", type=Path)
    ap.add_argument("--max-false", type=float, default=0.05)
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--paraphrase", action="store_true", help="fit the paraphrase stage's Platt scaling and threshold")
    args = ap.parse_args()
    if args.paraphrase:
        entry, items = fit_stage(args.reports, args.max_false)
        print(f"{len(items)} tuning items (training figures): {json.dumps(entry)}")
        if args.write:
            model = json.loads(MODEL.read_text(encoding="utf-8"))
            model["paraphrase"] = entry
            atomic_write_bytes(MODEL, (json.dumps(model, indent=2) + "\n").encode("utf-8"))
        return
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
