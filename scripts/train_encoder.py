"""Fine-tune the bundled MiniLM (all-MiniLM-L6-v2) on public question -> evidence pairs, for paraphrased questions.

    nice -n 10 python scripts/train_encoder.py --out models/minilm-qa          # ~25 min on two busy cores
    python scripts/train_encoder.py --out /tmp/m --max-pairs 200 --epochs 1    # a quick smoke run

Pairs come ONLY from tuning data (held-out discipline, docs/notes/2026-12-06-finetune.md):
- SQuAD 2.0 tuning articles (eval/squad_split.json ``tuning``): answerable question -> the sentence holding its
  first answer (sentences cut by the pipeline's own splitter, qa/ingest/sentences.py);
- SciFact train claims (qrels/train.tsv): claim -> the abstract's cited rationale sentences, else its title;
- StackFAQ tuning threads (eval/stackfaq_split.json, split by thread, seeded): user paraphrase -> the thread's
  first answer (and the thread's own question title -> that answer).
Never SQuAD held-out articles, SciFact test or any gold set.

Loss: MultipleNegativesRankingLoss (in-batch negatives); batches never hold the same text twice
(``BatchSamplers.NO_DUPLICATES``), so two questions on one SQuAD sentence or one StackFAQ thread are not each
other's false negatives. Seeds are fixed. Needs the ``train`` extra (``datasets``, ``accelerate``); nothing at
run time does.
"""

from __future__ import annotations

import argparse
import csv
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

from qa.evaluation.squad_split import article_split  # noqa: E402
from qa.ingest.sentences import split_sentences  # noqa: E402

BENCH = ROOT.parent / "shared" / "bench"
STACKFAQ_SPLIT = ROOT / "eval" / "stackfaq_split.json"
SEED = 20261206


def squad_pairs(path: Path) -> list[tuple[str, str]]:
    """Answerable questions of the tuning articles -> the sentence holding the first answer's start."""
    tuning, _ = article_split()
    out = []
    for article in json.loads(path.read_text())["data"]:
        if article["title"] not in tuning:
            continue
        for para in article["paragraphs"]:
            ctx = para["context"]
            spans = split_sentences(ctx)
            for qa in para["qas"]:
                if qa.get("is_impossible") or not qa["answers"]:
                    continue
                start = qa["answers"][0]["answer_start"]
                sent = next((ctx[a:b] for a, b in spans if a <= start < b), None)
                if sent:
                    out.append((qa["question"].strip(), sent.strip()))
    return out


def _read_jsonl(path: Path) -> dict[str, dict]:
    with path.open() as f:
        return {(row := json.loads(line))["_id"]: row for line in f}


def scifact_pairs(root: Path) -> list[tuple[str, str]]:
    """Train claims -> their cited abstract's rationale sentences (joined), else the abstract's title."""
    corpus, queries = _read_jsonl(root / "corpus.jsonl"), _read_jsonl(root / "queries.jsonl")
    out = []
    with (root / "qrels" / "train.tsv").open() as f:
        for row in csv.DictReader(f, delimiter="\t"):
            claim, doc = queries[row["query-id"]], corpus[row["corpus-id"]]
            text = doc["text"]
            spans = split_sentences(text)
            wanted = sorted({i for ev in claim.get("metadata", {}).get(row["corpus-id"], []) for i in ev["sentences"]})
            picked = [text[spans[i][0] : spans[i][1]] for i in wanted if i < len(spans)]
            out.append((claim["text"].strip(), " ".join(picked).strip() or doc["title"].strip()))
    return out


def stackfaq_threads(path: Path) -> list[dict]:
    return json.loads(path.read_text())["root"]["qapair"]


def make_stackfaq_split(n_threads: int, seed: int = SEED, held: float = 0.4) -> dict:
    """Threads are the unit (all paraphrases of one need share its answers): a seeded sample of 40% is held out."""
    ids = list(range(n_threads))
    heldout = sorted(random.Random(seed).sample(ids, round(held * n_threads)))
    return {
        "source": "../shared/bench/stackfaq/stackExchange-FAQ.json",
        "seed": seed,
        "how": "thread index i = position in root.qapair; random.Random(seed).sample(range(125), 50) are held out, "
        "the other 75 are tuning",
        "tuning": [i for i in ids if i not in set(heldout)],
        "heldout": heldout,
    }


def stackfaq_pairs(path: Path) -> list[tuple[str, str]]:
    """Paraphrases (and the original title) of tuning threads -> the thread's first answer."""
    threads = stackfaq_threads(path)
    if not STACKFAQ_SPLIT.exists():
        STACKFAQ_SPLIT.write_text(json.dumps(make_stackfaq_split(len(threads)), indent=1) + "\n")
    tuning = json.loads(STACKFAQ_SPLIT.read_text())["tuning"]
    out = []
    for i in tuning:
        t = threads[i]
        answers = t["answer"] if isinstance(t["answer"], list) else [t["answer"]]
        rephr = t["rephr"] if isinstance(t["rephr"], list) else [t["rephr"]]
        answer = " ".join(str(answers[0]).split())
        for q in [t["question"], *rephr]:
            q = " ".join(str(q).split())
            if len(q) > 8 and answer:
                out.append((q, answer))
    return out


def load_pairs(max_pairs: int | None) -> list[tuple[str, str]]:
    """All sources, deduplicated and shuffled with the fixed seed."""
    sources = {
        "squad": squad_pairs(BENCH / "squad2_cs224n" / "dev-v2.0.json"),
        "scifact": scifact_pairs(BENCH / "scifact"),
        "stackfaq": stackfaq_pairs(BENCH / "stackfaq" / "stackExchange-FAQ.json"),
    }
    for name, pairs in sources.items():
        print(f"{name}: {len(pairs)} pairs", file=sys.stderr)
    pairs = sorted(set(p for ps in sources.values() for p in ps))
    random.Random(SEED).shuffle(pairs)
    return pairs[:max_pairs] if max_pairs else pairs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=ROOT / "models" / "minilm-qa")
    ap.add_argument("--epochs", type=float, default=1.0)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--lr", type=float, default=3e-5)
    ap.add_argument("--max-seq-length", type=int, default=128)
    ap.add_argument("--max-pairs", type=int, help="use only the first N shuffled pairs (smoke runs)")
    args = ap.parse_args()
    if not BENCH.is_dir():
        sys.exit(f"{BENCH} is missing: the public pairs live there; the bundled model keeps working")

    import torch
    from datasets import Dataset
    from sentence_transformers import (
        SentenceTransformer,
        SentenceTransformerTrainer,
        SentenceTransformerTrainingArguments,
        losses,
    )
    from sentence_transformers.training_args import BatchSamplers
    from transformers import set_seed

    from qa.encode.embedder import resolve_model_path
    from qa.settings import Settings

    set_seed(SEED)
    torch.manual_seed(SEED)
    pairs = load_pairs(args.max_pairs)
    print(f"training on {len(pairs)} pairs", file=sys.stderr)
    model = SentenceTransformer(str(resolve_model_path(Settings(model_path=""))), device="cpu")
    model.max_seq_length = args.max_seq_length
    data = Dataset.from_dict({"anchor": [a for a, _ in pairs], "positive": [p for _, p in pairs]})
    targs = SentenceTransformerTrainingArguments(
        output_dir=str(args.out) + ".tmp",
        num_train_epochs=args.epochs,
        per_device_train_batch_size=args.batch_size,
        learning_rate=args.lr,
        warmup_ratio=0.1,
        seed=SEED,
        data_seed=SEED,
        batch_sampler=BatchSamplers.NO_DUPLICATES,
        save_strategy="no",
        logging_steps=10,
        report_to=[],
        use_cpu=True,
        disable_tqdm=False,
    )
    started = time.time()
    trainer = SentenceTransformerTrainer(
        model=model, args=targs, train_dataset=data, loss=losses.MultipleNegativesRankingLoss(model)
    )
    trainer.train()
    model.max_seq_length = 256  # the bundled model's, so passages are cut where they were before
    model.save(str(args.out))
    print(f"saved {args.out} after {time.time() - started:.0f} s of training", file=sys.stderr)


if __name__ == "__main__":
    main()
