"""Compare sets of confidence features by cross-validation on tuning data only (docs/notes/2026-12-06-answerable.md).

    python eval/confidence_cv.py ask RUNS.pkl --gold-tune FILE,INDEX_DIR[,CORPUS_DIR] ...
    python eval/confidence_cv.py cv RUNS.pkl SQUAD_ITEMS.pkl VARIANT ...

``ask`` asks the gold sets' tuning splits once (as ``scripts/train_selector.py --gold-tune`` does) and keeps the
runs. ``cv`` computes every confidence feature of ``CONFIDENCE_FEATURES`` for those runs and for SQuAD's tuning
articles (``SQUAD_ITEMS.pkl``: the file ``train_selector.py --items`` writes), with the stored selector, then for
each VARIANT ("base": the first 14 features, "all": every one, "base+name+name", "all+-name") fits the
confidence as train_selector.py does (SQuAD tuning rows weight 1, gold tuning rows weight 10, then Platt scaling
and the threshold with the best abstention F1 at most 5% false abstentions on the gold rows) on four fifths and
scores the fifth: gold folds by conversation (10 seeded fold assignments, averaged), SQuAD folds by article.
Held-out splits and held-out SQuAD articles are never read.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

import train_selector as ts  # noqa: E402

from qa.answer.features import CONFIDENCE_FEATURES  # noqa: E402
from qa.evaluation.metrics import expected_calibration_error  # noqa: E402

BASE = CONFIDENCE_FEATURES[:14]  # the features before the near-miss slot checks
GOLD_WEIGHT = 10.0  # train_selector.py's default --gold-weight
Asked = ts.Asked  # the SQuAD items pickle names its class as train_selector's __main__ did


def rows(runs_file: Path, items_file: Path) -> dict:
    """Every feature of every tuning question (gold and SQuAD), with labels and fold groups."""
    from qa.answer.selector import AnswerModel, LinearModel, load_answer_model
    from qa.evaluation import squad
    from qa.evaluation.beir import cached_index
    from qa.evaluation.gold_tune import confidence_rows
    from qa.evaluation.squad_split import article_split
    from qa.settings import load_settings

    shipped = load_answer_model() or ts.blank_model()
    n = len(CONFIDENCE_FEATURES)
    blank = LinearModel(CONFIDENCE_FEATURES, np.zeros(n), np.ones(n), np.zeros(n), 0.0)
    model = AnswerModel(shipped.selector, blank, shipped.second_ratio)
    s = load_settings().replace(show_progress=False)
    path = ts.DEFAULT_SQUAD.resolve()
    docs, _ = squad.load_squad(path)
    assistant, _ = cached_index(s, f"squad-{path.stem}", path, docs)
    tuning, _ = article_split()
    items = [it for it in pickle.loads(items_file.read_bytes()) if it.article in tuning]
    ts.apply(model, items, assistant.retriever.index.passages, s.max_highlights)
    asked = pickle.loads(runs_file.read_bytes())
    gx, gy = confidence_rows(model, asked, CONFIDENCE_FEATURES)
    used = [a for a in asked if a.extra.get("features")]
    return {
        "sq": np.array([[it.extra["features"][k] for k in CONFIDENCE_FEATURES] for it in items]),
        "sqy": ts.right_labels(items),
        "squn": np.array([not it.answerable for it in items]),
        "sqfold": np.array([sorted(tuning).index(it.article) % 5 for it in items]),
        "gx": gx,
        "gy": gy,
        "gun": np.array([not a.item.answerable for a in used]),
        "gsrc": np.array([a.source for a in used]),
        "group": [f"{a.source}/{a.item.conversation or a.item.id}" for a in used],
    }


def fit(x: dict, cols: list[int], sq: np.ndarray, g: np.ndarray):
    """(confidence, Platt a, b, threshold) fitted on the SQuAD rows ``sq`` and gold rows ``g`` as train_selector.py
    fits them."""
    from sklearn.linear_model import LogisticRegression

    w = np.concatenate([np.ones(sq.sum()), np.full(g.sum(), GOLD_WEIGHT)])
    xs = np.vstack([x["sq"][sq][:, cols], x["gx"][g][:, cols]])
    m = ts.fit_linear(xs, np.concatenate([x["sqy"][sq], x["gy"][g]]), [CONFIDENCE_FEATURES[c] for c in cols], weights=w)
    z = m.logits(x["gx"][g][:, cols])
    lr = LogisticRegression(C=100.0, random_state=ts.SEED).fit(z.reshape(-1, 1), x["gy"][g])
    a, b = max(float(lr.coef_[0][0]), 1e-3), float(lr.intercept_[0])
    p = 1 / (1 + np.exp(-(a * z + b)))
    return m, a, b, ts.best_threshold(p, (x["gun"][g], x["gy"][g] > 0), by="f1", max_false=0.05)


def columns(variant: str) -> list[int]:
    parts = variant.split("+")
    names = list(BASE if parts[0] == "base" else CONFIDENCE_FEATURES)
    for p in parts[1:]:
        names.remove(p[1:]) if p.startswith("-") else names.append(p)
    return [CONFIDENCE_FEATURES.index(n) for n in names]


def out_of_fold(x: dict, cols: list[int], salt: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(gold shown probability, gold abstained, SQuAD logit), each scored by the fit that did not see it."""
    gfold = np.array([int(hashlib.md5((salt + g).encode()).hexdigest(), 16) % 5 for g in x["group"]])
    gp, ab, sz = np.zeros(len(x["gy"])), np.zeros(len(x["gy"]), bool), np.zeros(len(x["sqy"]))
    for k in range(5):
        m, a, b, t = fit(x, cols, x["sqfold"] != k, gfold != k)
        te = gfold == k
        gp[te] = 1 / (1 + np.exp(-(a * m.logits(x["gx"][te][:, cols]) + b)))
        ab[te] = gp[te] < t
        sz[x["sqfold"] == k] = m.logits(x["sq"][x["sqfold"] == k][:, cols])
    return gp, ab, sz


def figures(x: dict, variant: str) -> dict[str, float]:
    """Out-of-fold figures, the gold ones averaged over 10 fold assignments."""
    from sklearn.metrics import roc_auc_score

    cols, un, right = columns(variant), x["gun"], x["gy"] > 0
    runs = []
    for salt in "abcdefghij":
        gp, ab, sz = out_of_fold(x, cols, salt)
        f = ts.abstention_figures(np.where(ab, 0.0, 1.0), (un, right), 0.5)
        hard = x["gsrc"] == "hard"
        fh = ts.abstention_figures(np.where(ab[hard], 0.0, 1.0), (un[hard], right[hard]), 0.5)
        runs.append(
            {
                "gold_abstention_f1": f["abstention_f1"],
                "gold_false_abstentions": f["false_abstentions"],
                "gold_ece": expected_calibration_error(gp, right.astype(float)),
                "gold_brier": float(np.mean((gp - right) ** 2)),
                "gold_auroc_unanswerable": roc_auc_score(un, -gp),
                "hard_tune_abstention_f1": fh["abstention_f1"],
            }
        )
    out = {k: round(float(np.mean([r[k] for r in runs])), 4) for k in runs[0]}
    sp = 1 / (1 + np.exp(-sz))
    out["squad_auroc_unanswerable"] = round(roc_auc_score(x["squn"], -sz), 4)
    out["squad_ece"] = round(expected_calibration_error(sp, x["sqy"]), 4)
    return out


def main(argv: list[str]) -> int:
    if len(argv) > 2 and argv[0] == "ask":
        asked = ts.ask_gold_tune([a for a in argv[2:] if a != "--gold-tune"])
        Path(argv[1]).write_bytes(pickle.dumps(asked))
        return 0
    if len(argv) > 3 and argv[0] == "cv":
        x = rows(Path(argv[1]), Path(argv[2]))
        for variant in argv[3:]:
            print(json.dumps({"variant": variant, **figures(x, variant)}))
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
