"""Reading against building: how long the readers take (parse, reflow, split) beside a whole index build.

    .venv/bin/python bench/reading.py FILE [FILE ...] [--runs 3] [--json] [--build]

Per file: reading (``load_file``: pypdfium2 or BeautifulSoup, reflow, blocks) and splitting
(``chunk_document``: passages and sentence spans), best of ``--runs``. With ``--build`` the files are also
indexed from scratch by ``build_index`` (the model encodes every passage and sentence), so the reading share
of the build and the build's passages/s and sentences/s can be put beside the model's raw encode rate.
The 1-minute load average is recorded with the figures: on a shared machine they move with it.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.run import load_avg  # noqa: E402


def read_and_split(path: Path, runs: int) -> dict[str, Any]:
    from qa.index.build import chunk_config
    from qa.ingest.chunking import approx_tokens, chunk_document
    from qa.ingest.loading import load_file
    from qa.settings import load_settings

    settings = load_settings({"corpus_dir": path.parent, "index_dir": path.parent / ".none"}, environ={})
    best_read = best_split = float("inf")
    passages: list[Any] = []
    for _ in range(runs):
        started = time.perf_counter()
        doc = load_file(path, path.name, settings, {})
        read = time.perf_counter() - started
        started = time.perf_counter()
        passages = chunk_document(doc, chunk_config(settings), approx_tokens)
        best_read, best_split = min(best_read, read), min(best_split, time.perf_counter() - started)
    return {
        "file": path.name,
        "read_s": round(best_read, 3),
        "split_s": round(best_split, 3),
        "passages": len(passages),
        "sentences": sum(len(p.sentences) for p in passages),
    }


def build(paths: list[Path]) -> dict[str, Any]:
    from qa.encode.embedder import Embedder
    from qa.index.build import build_index
    from qa.settings import load_settings

    work = Path(tempfile.mkdtemp(prefix="bench-reading-"))
    try:
        corpus = work / "corpus"
        corpus.mkdir()
        for p in paths:
            shutil.copy(p, corpus / p.name)
        settings = load_settings(
            {"corpus_dir": corpus, "index_dir": work / "index", "show_progress": False}, environ={}
        )
        embedder = Embedder(settings)
        _ = embedder.model
        sample = ["The package tracker has a web interface that puts together a lot of information."] * 256
        started = time.perf_counter()
        embedder.encode_passages(sample)
        raw_rate = len(sample) / (time.perf_counter() - started)
        report = build_index(settings, embedder, force=True)
        return {
            "build_s": round(report.seconds, 2),
            "passages": report.passages,
            "sentences": report.sentences,
            "passages_per_s": round(report.passages / report.seconds, 1),
            "sentences_per_s": round(report.sentences / report.seconds, 1),
            "raw_encode_texts_per_s": round(raw_rate, 1),
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--build", action="store_true", help="also index the files from scratch with the model")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    out: dict[str, Any] = {"load_avg_before": load_avg(), "files": [read_and_split(p, args.runs) for p in args.files]}
    if args.build:
        out["build"] = build(args.files)
        reading = sum(f["read_s"] + f["split_s"] for f in out["files"])
        out["reading_share_of_build"] = round(reading / out["build"]["build_s"], 4)
    out["load_avg_after"] = load_avg()
    if args.json:
        print(json.dumps(out, indent=1))
        return
    for f in out["files"]:
        print(
            f"{f['file']}: read {f['read_s']:.3f} s, split {f['split_s']:.3f} s, "
            f"{f['passages']} passages, {f['sentences']} sentences"
        )
    if "build" in out:
        b = out["build"]
        print(
            f"build {b['build_s']} s: {b['passages_per_s']} passages/s, {b['sentences_per_s']} sentences/s "
            f"(model alone {b['raw_encode_texts_per_s']} texts/s); reading is {out['reading_share_of_build']:.1%}"
        )
    print(f"load average {out['load_avg_before']} -> {out['load_avg_after']}")


if __name__ == "__main__":
    main()
