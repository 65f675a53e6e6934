"""Speed on the shipped corpus: index build, cold start to first answer, per-question latency.

    .venv/bin/python -m bench.default_corpus [--json]

Timed work lives here, never in tests. Figures are medians of one run on the machine at hand.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench._common import time_passes
from qa.settings import PROJECT_ROOT, load_settings

GOLD = PROJECT_ROOT / "eval" / "gold" / "default.jsonl"


def _questions() -> list[str]:
    rows = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r["question"] for r in rows]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from qa.assistant import Assistant
    from qa.encode.embedder import Embedder
    from qa.index.build import build_index

    out: dict[str, float | int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings({"index_dir": Path(tmp) / "index", "show_progress": False}, environ={})
        embedder = Embedder(settings)
        t = time.perf_counter()
        _ = embedder.model
        out["model_load_s"] = round(time.perf_counter() - t, 2)
        t = time.perf_counter()
        report = build_index(settings, embedder)
        out["build_s"] = round(time.perf_counter() - t, 2)
        out["passages"] = report.passages
        out["sentences"] = report.sentences

        cold = []  # the first start also encodes the corpus for the paraphrase stage (on by default): kept apart
        for _ in range(4):
            t = time.perf_counter()
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "qa.cli",
                    "ask",
                    "--json",
                    "--index-dir",
                    str(settings.index_dir),
                    "Who presented on diaspora engagement?",
                ],
                check=True,
                capture_output=True,
            )
            cold.append(time.perf_counter() - t)
        out["first_start_to_first_answer_s"] = round(cold[0], 2)
        out["cold_start_to_first_answer_s_median"] = round(statistics.median(cold[1:]), 2)

        assistant = Assistant.load(settings, build=False)
        questions = _questions()
        assistant.ask(questions[0])  # warm-up
        for label, overrides in (
            ("hybrid_rerank", {}),
            ("hybrid_rerank_no_paraphrase", {"paraphrase_model": ""}),
            ("hybrid_rerank_no_phrases", {"phrase_weight": 0.0}),
            ("hybrid_no_rerank", {"rerank": False}),
            ("dense_only", {"fusion": "dense"}),
            ("bm25_only", {"fusion": "bm25"}),
        ):
            timed = time_passes(lambda q, o=overrides: assistant.ask(q, **o), questions, repeat=1)
            out[f"latency_ms_p50_{label}"] = timed["median_ms"]
            out[f"latency_ms_p95_{label}"] = timed["p95_ms"]
        out["questions"] = len(questions)
    if args.json:
        print(json.dumps(out))
    else:
        for k, v in out.items():
            print(f"{k:40s} {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
