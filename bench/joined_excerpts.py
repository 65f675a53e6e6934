"""What showing neighbouring passages as one excerpt costs: per-question time with ``join_neighbours`` off and on.

    .venv/bin/python bench/joined_excerpts.py [--index-dir DIR] [--corpus DIR] [--gold FILE] [--top-k 3] [--json]

Each gold question (first turns) is asked with joining off and then on, in turn, in one process, so both see
the same machine load; the medians and their ratio are printed. Joining chooses ``top_k`` more excerpts than it
shows, so the selector reads more passages. Also: how long the top excerpt is, and how many sentences it
highlights, off and on. The 1-minute load average is recorded with the figures.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._common import load_avg  # noqa: E402


def questions(gold: Path) -> list[str]:
    rows = [json.loads(line) for line in gold.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r["question"] for r in rows if (r.get("turn") or 1) == 1]


def measure(assistant: Any, asked: list[str], top_k: int) -> dict[str, Any]:
    timings: dict[bool, list[float]] = {False: [], True: []}
    lengths: dict[bool, list[int]] = {False: [], True: []}
    marks: dict[bool, list[int]] = {False: [], True: []}
    for question in asked[:3]:  # warm the encoders
        assistant.ask(question, top_k=top_k)
    for question in asked:
        for join in (False, True):
            started = time.perf_counter()
            answer = assistant.ask(question, top_k=top_k, join_neighbours=join)
            timings[join].append((time.perf_counter() - started) * 1000)
            if answer.excerpts and not answer.abstained:
                lengths[join].append(len(answer.excerpts[0].passage.text))
                marks[join].append(len(answer.excerpts[0].highlights))
    off, on = statistics.median(timings[False]), statistics.median(timings[True])
    return {
        "questions": len(asked),
        "top_k": top_k,
        "median_ms": {"off": round(off, 1), "on": round(on, 1)},
        "ratio": round(on / off, 3),
        "top_excerpt_median_chars": {k: statistics.median(lengths[v]) for k, v in (("off", False), ("on", True))},
        "top_excerpt_mean_highlights": {
            k: round(statistics.mean(marks[v]), 2) for k, v in (("off", False), ("on", True))
        },
        "load_avg_1m": load_avg(),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index-dir", type=Path, default=None)
    ap.add_argument("--corpus", type=Path, default=None)
    ap.add_argument("--gold", type=Path, default=ROOT / "eval" / "gold" / "default.jsonl")
    ap.add_argument("--top-k", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    from qa.assistant import Assistant
    from qa.settings import load_settings

    given = {"index_dir": args.index_dir, "corpus_dir": args.corpus}
    assistant = Assistant.load(load_settings({k: v for k, v in given.items() if v is not None}))
    figures = measure(assistant, questions(args.gold), args.top_k)
    if args.json:
        print(json.dumps(figures))
        return
    ms = figures["median_ms"]
    print(f"{figures['questions']} questions, top_k {args.top_k}: median {ms['off']} ms off, {ms['on']} ms on")
    print(f"ratio {figures['ratio']}; top excerpt median chars {figures['top_excerpt_median_chars']}")
    print(f"highlights per top excerpt {figures['top_excerpt_mean_highlights']}; load {figures['load_avg_1m']}")


if __name__ == "__main__":
    main()
