"""What the paraphrase scorer (on by default for small corpora) adds to a question's latency, measured
interleaved with the plain pipeline so both see the same machine load.

    python bench/paraphrase_latency.py --index-dir DIR --model models/all-mpnet-base-v2 [--gold FILE] [--n 100]

Prints the median and 90th percentile of: the whole answer without the scorer, the whole answer with it, and
the scorer's own step (the question through the larger model on one thread, plus the blend).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from qa.assistant import Assistant
from qa.settings import load_settings


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index-dir", type=Path, required=True)
    ap.add_argument("--model", type=Path, required=True)
    ap.add_argument("--gold", type=Path, default=Path("eval/gold/hard.jsonl"))
    ap.add_argument("--n", type=int, default=100)
    args = ap.parse_args()
    rows = [json.loads(line) for line in args.gold.read_text(encoding="utf-8").splitlines() if line.strip()]
    questions = [r["question"] for r in rows if r.get("turn") in (None, 1)][: args.n]
    base = {"index_dir": args.index_dir, "show_progress": False, "query_threads": 1, "paraphrase_model": ""}
    settings = load_settings(base)  # the stage off: on by default ("auto") since 2026-12-06
    plain = Assistant.load(settings, build=False)
    para = Assistant.load(settings.replace(paraphrase_model=str(args.model)), build=False, embedder=plain.embedder)
    for a in (plain, para):
        a.ask("warm-up question")
    off, on, step, plain_step = [], [], [], []
    for q in questions:
        t = time.perf_counter()
        plain_step.append(plain.ask(q).timings_ms.get("rerank", 0.0))
        off.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        answer = para.ask(q)
        on.append((time.perf_counter() - t) * 1000)
        step.append(answer.timings_ms.get("rerank", 0.0) - 0.0)
    named = [("without the scorer", off), ("with it", on), ("second stage without it (rerank ms)", plain_step)]
    for name, xs in (*named, ("second stage with it (rerank ms)", step)):
        print(f"{name}: median {np.median(xs):.1f} ms, p90 {np.percentile(xs, 90):.1f} ms (n {len(xs)})")


if __name__ == "__main__":
    main()
