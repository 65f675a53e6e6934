"""The other selector tried for issue 19: a cross-encoder fine-tuned here from the bundled MiniLM weights,
scored against the logistic selector on held-out SQuAD articles. Figures only; nothing is written into
the package (the model is 90 MB and is kept only if it wins, which it must do held out).

    nice -n 10 python scripts/train_cross_encoder.py [--pairs 4000] [--out eval/cross_encoder.json]

Training pairs: (question, sentence) from the own paragraph of answerable questions of the tuning
articles, the sentence holding a gold answer as positive and up to two others of the same passage as
negatives; one epoch, batch 16, lr 5e-5, fixed seed. Judged on the held-out articles' own paragraphs:
the share of passages whose best-scored sentence holds the answer (the logistic selector's figure from
scripts/train_selector.py is the same measure on the same passages).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_SQUAD = ROOT.parent / "shared" / "bench" / "squad2_cs224n" / "dev-v2.0.json"
SEED = 20261205


def own_passages(questions, passages, rows):
    """(question, [sentences], [labels], answerable) for each question's own passages: for an answerable
    question those holding a gold answer inside one sentence, for an unanswerable one every passage of
    its paragraph (written to look answerable from it: the near-misses the confidence must catch)."""
    from qa.evaluation.metrics import answer_in_text

    out = []
    for q in questions:
        for row in rows.get(q.paragraph, []):
            p = passages[row]
            texts = [p.text[a - p.start : b - p.start] for a, b in p.sentences]
            labels = [q.answerable and answer_in_text(q.answers, t) for t in texts]
            if any(labels) or not q.answerable:
                out.append((q.question, texts, labels, q.answerable))
    return out


def training_pairs(groups, limit: int, rng: random.Random) -> list[tuple[str, str, float]]:
    """The answer sentence against two other sentences of its passage; for an unanswerable question,
    two sentences of its paragraph."""
    pairs = []
    for question, texts, labels, _ in groups:
        pos = [t for t, y in zip(texts, labels) if y]
        neg = [t for t, y in zip(texts, labels) if not y]
        pairs += [(question, pos[0], 1.0)] if pos else []
        pairs += [(question, t, 0.0) for t in rng.sample(neg, min(2, len(neg)))]
    rng.shuffle(pairs)
    return pairs[:limit]


def train(model_dir: str, pairs, batch: int = 16, lr: float = 5e-5):
    import torch
    from sentence_transformers import CrossEncoder

    torch.manual_seed(SEED)
    ce = CrossEncoder(model_dir, num_labels=1, max_length=128, device="cpu")
    model, tok = ce.model, ce.tokenizer
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=lr)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    steps = (len(pairs) + batch - 1) // batch
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / (0.1 * steps)))
    for i in range(steps):
        part = pairs[i * batch : (i + 1) * batch]
        enc = tok(
            [p[0] for p in part],
            [p[1] for p in part],
            padding=True,
            truncation=True,
            max_length=128,
            return_tensors="pt",
        )
        logits = model(**enc).logits.squeeze(-1)
        loss = loss_fn(logits, torch.tensor([p[2] for p in part]))
        loss.backward()
        opt.step()
        sched.step()
        opt.zero_grad()
        if i % 25 == 0:
            print(f"  step {i}/{steps} loss {loss.item():.3f}", file=sys.stderr, flush=True)
    model.eval()
    return ce


def judge(ce, groups) -> dict[str, float]:
    """Top-1 sentence on answerable questions' passages, and how well the best sentence score tells
    answerable from unanswerable questions on their own paragraphs (ROC AUC)."""
    from sklearn.metrics import roc_auc_score

    hits, best, answerable = [], [], []
    for question, texts, labels, ok in groups:
        scores = ce.predict([(question, t) for t in texts], batch_size=64, show_progress_bar=False)
        if ok:
            hits.append(bool(labels[int(max(range(len(texts)), key=lambda i: scores[i]))]))
        best.append(float(max(scores)))
        answerable.append(ok)
    return {"top1": sum(hits) / len(hits), "answerable_auc": float(roc_auc_score(answerable, best))}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--squad", type=Path, default=DEFAULT_SQUAD)
    ap.add_argument("--pairs", type=int, default=4000)
    ap.add_argument("--judge", type=int, default=0, help="score a fixed random sample of this many held-out passages")
    ap.add_argument("--out", type=Path, default=ROOT / "eval" / "cross_encoder.json")
    args = ap.parse_args(argv)
    if not args.squad.is_file():
        print(f"train_cross_encoder: {args.squad} is absent (../shared/bench); nothing to train")
        return 0
    import torch

    from qa.encode.embedder import resolve_model_path
    from qa.evaluation import squad
    from qa.evaluation.beir import cached_index
    from qa.evaluation.squad_split import article_split
    from qa.index.store import atomic_write_json
    from qa.settings import load_settings

    torch.set_num_threads(2)
    started = time.time()
    tuning, heldout = article_split()
    path = args.squad.resolve()
    docs, questions = squad.load_squad(path)
    settings = load_settings().replace(show_progress=False)
    assistant, _ = cached_index(settings, f"squad-{path.stem}", path, docs)
    passages = assistant.retriever.index.passages
    rows: dict[str, list[int]] = {}
    for i, p in enumerate(passages):
        rows.setdefault(p.doc_id, []).append(i)
    tune = own_passages([q for q in questions if q.article in tuning], passages, rows)
    held = own_passages([q for q in questions if q.article in heldout], passages, rows)
    pairs = training_pairs(tune, args.pairs, random.Random(SEED))
    if args.judge and args.judge < len(held):
        held = random.Random(SEED + 1).sample(held, args.judge)
    model_dir = str(resolve_model_path(settings))
    t0 = time.time()
    ce = train(model_dir, pairs)
    train_s = time.time() - t0
    t0 = time.time()
    figure = judge(ce, held)
    result = {
        "what": "question's own paragraph, held-out SQuAD articles: top-1 sentence holds the answer "
        "(answerable questions); ROC AUC of the best sentence score, answerable against unanswerable",
        "cross_encoder_heldout": {k: round(v, 4) for k, v in figure.items()},
        "heldout_passages": len(held),
        "training_pairs": len(pairs),
        "train_s": round(train_s, 1),
        "score_s": round(time.time() - t0, 1),
        "wall_s": round(time.time() - started, 1),
        "seed": SEED,
    }
    print(json.dumps(result, indent=1))
    atomic_write_json(args.out, result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
