"""What the WordNet query expansion (on by default) adds to a question's latency, measured interleaved with the plain
pipeline so both see the same machine load.

    python -m bench.wordnet_latency --index-dir DIR [--wordnet bundled|/usr/share/wordnet] [--gold FILE] [--n 100]

Prints the first use's cost (the shipped table or WordNet's index files, loaded once per process), then the
median and 90th percentile of the whole answer without and with the expansion, and of the expansion step alone
(the terms looked up and their BM25 added).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from qa.assistant import Assistant
from qa.search.expansion import expansion_terms, open_wordnet
from qa.settings import load_settings


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index-dir", type=Path, required=True)
    ap.add_argument("--wordnet", default="bundled", help='"bundled" (the shipped table) or a WordNet folder')
    ap.add_argument("--gold", type=Path, default=Path("eval/gold/hard.jsonl"))
    ap.add_argument("--n", type=int, default=100)
    args = ap.parse_args()
    rows = [json.loads(line) for line in args.gold.read_text(encoding="utf-8").splitlines() if line.strip()]
    questions = [r["question"] for r in rows if r.get("turn") in (None, 1)][: args.n]
    overrides = {"index_dir": args.index_dir, "show_progress": False, "query_threads": 1, "wordnet_dir": ""}
    settings = load_settings(overrides)
    assistant = Assistant.load(settings, build=False)
    assistant.ask("warm-up question")
    t = time.perf_counter()
    wordnet = open_wordnet(args.wordnet)
    print(f"first use (WordNet loaded): {(time.perf_counter() - t) * 1000:.0f} ms")
    bm25 = assistant.retriever.index.bm25
    off, on, step = [], [], []
    for q in questions:
        t = time.perf_counter()
        assistant.ask(q)
        off.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        assistant.ask(q, wordnet_dir=args.wordnet)
        on.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        terms = expansion_terms(wordnet, q, bm25.vocab, settings.wordnet_neighbours, settings.wordnet_senses)
        bm25.get_scores(terms)
        step.append((time.perf_counter() - t) * 1000)
    for name, xs in (("without the expansion", off), ("with it", on), ("the expansion step", step)):
        print(f"{name}: median {np.median(xs):.2f} ms, p90 {np.percentile(xs, 90):.2f} ms (n {len(xs)})")


if __name__ == "__main__":
    main()
