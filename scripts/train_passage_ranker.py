"""Fine-tune the bundled MiniLM as a passage ranker: a cross-encoder that reads a question with a whole passage
and says whether the passage states the asked fact, on SQuAD 2.0's tuning articles only (eval/squad_split.json).

    python scripts/train_passage_ranker.py                # train, export qa/search/passage-ranker/
    python scripts/train_passage_ranker.py --report-only  # held-out figures of the exported model
    python scripts/train_passage_ranker.py --gold-tune eval/gold/hard.jsonl,INDEX,corpus ...
        # also the gold sets' tuning splits (then fit its weight on other questions than those)

Why passages, not sentences: the answer's passage often ranks second, under one that names the asked subject but
not the asked fact (Bash's "The noclobber option is available to avoid overwriting …" above "If the redirection
operator is '>|' …"). Cosines and shared words score the two alike. Pairs here teach exactly that difference:
each answerable question is read with its own paragraph and with the article's three other paragraphs closest
to it by MiniLM's cosine (none holding a gold answer string), and the loss is the cross-entropy of the softmax over
those four logits (a listwise loss: the model learns to put the paragraph that answers first, which is what
re-ordering needs). A first try with pointwise BCE, unanswerable questions' own paragraphs as further negatives,
learned nothing (its loss stayed at the base rate's; held out, the own paragraph came first 0.16 of the time).
Each paragraph opens with its article's title, as an indexed passage opens with its section title. Weights start
from all-MiniLM-L6-v2 (the bundled package), seeds are fixed; the graph is exported to ONNX with int8 weights and
read at run time by ONNX Runtime, no torch. Without ../shared/bench the script says so and stops.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import numpy as np  # noqa: E402
from train_cross_encoder import DEFAULT_SQUAD, SEED, _model_dir, export, update, warm_then_decay  # noqa: E402

from qa.evaluation.squad_split import article_split  # noqa: E402

OUT_DIR = ROOT / "qa" / "search" / "passage-ranker"
REPORT_FILE = ROOT / "eval" / "passage_ranker.json"
MAX_LEN = 256
NEGATIVES = 3
HEAD_LR = 1e-3  # the new head's; the encoder's is --lr


def articles(path: Path, titles: frozenset[str]) -> list[dict]:
    """Each chosen article: its paragraphs (title first) and its questions with their own paragraph's index."""
    out = []
    for article in json.loads(path.read_text(encoding="utf-8"))["data"]:
        if article["title"] not in titles:
            continue
        head = article["title"].replace("_", " ")
        paras, questions = [], []
        for i, para in enumerate(article["paragraphs"]):
            paras.append(f"{head}\n{para['context']}")
            for qa in para["qas"]:
                answers = [a["text"] for a in qa.get("answers", []) if a["text"].strip()]
                questions.append({"question": qa["question"], "para": i, "answers": answers})
        out.append({"title": article["title"], "paragraphs": paras, "questions": questions})
    return out


def _encoder():
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(_model_dir()), device="cpu")


def cosines(model, article: dict) -> np.ndarray:
    """Questions × paragraphs cosine matrix of the bundled MiniLM."""
    p = model.encode(article["paragraphs"], normalize_embeddings=True, batch_size=32)
    q = model.encode([x["question"] for x in article["questions"]], normalize_embeddings=True, batch_size=64)
    return q @ p.T


def groups_of(article: dict, sims: np.ndarray) -> list[tuple[str, list[str]]]:
    """(question, [own paragraph, negatives...]) for each answerable question of one article."""
    out = []
    paras = article["paragraphs"]
    for qi, q in enumerate(article["questions"]):
        if not q["answers"]:
            continue
        negatives = []
        for j in np.argsort(-sims[qi]):
            if len(negatives) == NEGATIVES:
                break
            if j != q["para"] and not any(a in paras[j] for a in q["answers"]):
                negatives.append(paras[j])
        if len(negatives) == NEGATIVES:
            out.append((q["question"], [paras[q["para"]], *negatives]))
    return out


def ranker_module():
    """MiniLM with a linear head over its mean-pooled tokens. Why mean pooling: all-MiniLM-L6-v2 was trained to
    pool that way, and its [CLS] token says little; a head on [CLS] (the usual sequence classifier) learned
    nothing in the first 450 steps here, this one learns in ten."""
    import torch
    from transformers import AutoModel

    class MeanPoolRanker(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = AutoModel.from_pretrained(_model_dir())
            self.head = torch.nn.Linear(self.bert.config.hidden_size, 1)

        def forward(self, input_ids, attention_mask, token_type_ids):
            hidden = self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            return self.head((hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0))

    return MeanPoolRanker()


def gold_groups(spec: str, depth: int = 8) -> list[tuple[str, list[str]]]:
    """Groups from a gold set's tuning split (``GOLD.jsonl,INDEX_DIR,CORPUS_DIR``): each first-turn answerable
    question with the passage holding its evidence and the best-ranked passages of today's pipeline that do not
    (the confusions the ranker is for). The index must be built."""
    from qa.assistant import Assistant
    from qa.evaluation.gold import load_gold
    from qa.evaluation.metrics import excerpt_hits
    from qa.settings import load_settings

    gold, index, corpus = spec.split(",")
    settings = load_settings({"corpus_dir": Path(corpus), "index_dir": Path(index), "show_progress": False})
    assistant = Assistant.load(settings)
    passages = assistant.retriever.index.passages
    groups = []
    for item in load_gold(Path(gold), settings):
        if item.split not in ("tune", "dev") or not item.answerable or item.history or not item.spans:
            continue
        found = assistant.retriever.search(item.question).candidates[:depth]
        ranked = [passages[c.index] for c in found]
        hits = [p for p in passages if excerpt_hits((p.doc_id, p.start, p.end), item.spans)]
        negatives = [p.text for p in ranked if p not in hits][:NEGATIVES]
        if hits and len(negatives) == NEGATIVES:
            groups.append((item.question, [hits[0].text, *negatives]))
    print(f"{gold}: {len(groups)} questions", flush=True)
    return groups


def train_groups(groups: list[tuple[str, list[str]]], epochs: int, per_batch: int, lr: float, log_every: int = 25):
    """MiniLM with a one-logit head; listwise softmax cross-entropy, the positive first in each group."""
    import math
    import random
    import time

    import torch
    from transformers import AutoTokenizer

    random.seed(SEED)
    torch.manual_seed(SEED)
    tok = AutoTokenizer.from_pretrained(_model_dir())
    model = ranker_module()
    steps = epochs * math.ceil(len(groups) / per_batch)
    parts = [{"params": model.bert.parameters(), "lr": lr}, {"params": model.head.parameters(), "lr": HEAD_LR}]
    opt = torch.optim.AdamW(parts, weight_decay=0.01)
    sched = warm_then_decay(opt, steps)
    model.train()
    step, t0, size = 0, time.time(), NEGATIVES + 1
    for epoch in range(epochs):
        order = random.Random(SEED + epoch).sample(range(len(groups)), len(groups))
        for at in range(0, len(order), per_batch):
            chunk = [groups[i] for i in order[at : at + per_batch]]
            enc = tok(
                [q for q, texts in chunk for _ in texts],
                [t for _, texts in chunk for t in texts],
                truncation="only_second",
                max_length=MAX_LEN,
                padding=True,
                return_tensors="pt",
            )
            logits = model(**enc).view(len(chunk), size)
            loss = torch.nn.functional.cross_entropy(logits, torch.zeros(len(chunk), dtype=torch.long))
            update(loss, model, opt, sched)
            step += 1
            if step % log_every == 0:
                rate = step * per_batch * size / (time.time() - t0)
                print(f"step {step}/{steps} loss {loss.item():.3f} ({rate:.0f} passages/s)", flush=True)
    model.eval()
    return model, tok


def report(folder: Path, held: list[dict], model) -> dict:
    """Held-out articles: the own paragraph's rank among its article's paragraphs, answerable questions only, by
    the ranker and by MiniLM's cosine; and how the ranker's score of the own paragraph tells answerable from not."""
    from qa.search.ranker import load_passage_ranker

    ranker = load_passage_ranker(folder)
    first = {"ranker": 0, "cosine": 0}
    n = 0
    pos, neg = [], []
    for article in held:
        sims = cosines(model, article)
        for qi, q in enumerate(article["questions"]):
            if not q["answers"]:
                neg.append(float(ranker.scores(q["question"], [article["paragraphs"][q["para"]]])[0]))
                continue
            top = np.argsort(-sims[qi])[:10]
            s = ranker.scores(q["question"], [article["paragraphs"][j] for j in top])
            n += 1
            first["cosine"] += int(top[0] == q["para"])
            first["ranker"] += int(top[int(np.argmax(s))] == q["para"])
            own = np.where(top == q["para"])[0]
            if own.size:
                pos.append(float(s[own[0]]))
    from train_cross_encoder import auroc

    return {
        "answerable_questions": n,
        "own_paragraph_first_of_cosine_top10": {k: v / max(n, 1) for k, v in first.items()},
        "own_paragraph_score_auroc_answerable": auroc(pos, neg),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--squad", type=Path, default=DEFAULT_SQUAD)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--batch", type=int, default=4, help="questions per step (each with its group)")
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--out", type=Path, default=OUT_DIR)
    ap.add_argument("--report-only", action="store_true")
    ap.add_argument(
        "--gold-tune",
        action="append",
        default=[],
        help="GOLD.jsonl,INDEX_DIR,CORPUS_DIR: also learn from a gold set's tuning split, its negatives the "
        "pipeline's own best passages that miss the evidence",
    )
    ap.add_argument("--gold-repeat", type=int, default=2, help="how many times each gold group is seen")
    args = ap.parse_args()
    if not args.squad.is_file():
        print(f"train_passage_ranker: {args.squad} is absent (SQuAD 2.0 is in ../shared/bench); nothing trained")
        return
    tuning, heldout = article_split()
    model = _encoder()
    if not args.report_only:
        groups = []
        for article in articles(args.squad, tuning):
            groups += groups_of(article, cosines(model, article))
        for spec in args.gold_tune:
            groups += gold_groups(spec) * args.gold_repeat
        print(f"{len(groups)} questions, each with {NEGATIVES} negatives", flush=True)
        ranker, tok = train_groups(groups, args.epochs, args.batch, args.lr)
        export(ranker, tok, args.out)
    figures = {
        "heldout": report(args.out, articles(args.squad, heldout), model),
        "seed": SEED,
        "epochs": args.epochs,
        "batch": args.batch,
        "lr": args.lr,
        "max_len": MAX_LEN,
        "negatives": NEGATIVES,
    }
    print(json.dumps(figures, indent=1))
    from qa.atomic import atomic_write_json

    atomic_write_json(REPORT_FILE, figures)


if __name__ == "__main__":
    main()
