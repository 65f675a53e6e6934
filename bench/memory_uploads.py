"""Serving memory across uploads: RSS of the serving process before and after 10 upload + rebuild cycles.

The process that runs this script plays the server: it holds a ``Workspace`` as app.py does, opened on an
index built beforehand (by a child, so torch is not loaded here), answers a few questions to warm up, then
uploads a new document 10 times; each upload rebuilds the index (as the web page's upload does) and a few
questions are asked on the fresh index. RSS is read from /proc after each cycle.

    .venv/bin/python -m bench.memory_uploads                 # builds in a child process (the server's way)
    .venv/bin/python -m bench.memory_uploads --in-process    # the old way, for comparison

Promise (issue 18): RSS after the 10 cycles within 100 MB of RSS before them.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from qa.assistant import Assistant  # noqa: E402
from qa.index.build import build_index  # noqa: E402
from qa.index.buildproc import build_in_child  # noqa: E402
from qa.settings import PROJECT_ROOT, load_settings  # noqa: E402
from qa.web.workspace import Workspace  # noqa: E402

QUESTIONS = [
    "Who presented on diaspora engagement?",
    "What are remittances?",
    "What did the closing remarks say?",
]
LIMIT_MB = 100.0


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def uploads(folder: Path, count: int) -> list[Path]:
    """``count`` distinct documents cut from a shipped one the corpus does not hold."""
    text = (PROJECT_ROOT / "corpus" / "003_aae1ac168306b8ea.txt").read_text(encoding="utf-8")
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    size = max(1, len(paragraphs) // count)
    out = []
    for i in range(count):
        part = paragraphs[i * size : (i + 1) * size] or paragraphs[-size:]
        path = folder / f"upload_{i:02d}.txt"
        path.write_text(f"Upload {i}\n\n" + "\n\n".join(part) + "\n", encoding="utf-8")
        out.append(path)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cycles", type=int, default=10)
    parser.add_argument("--in-process", action="store_true", help="build in the serving process (the old way)")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="qa-memory-"))
    try:
        corpus = work / "corpus"
        corpus.mkdir()
        for name in ("001_5f14862b3cd51082.txt", "004_c89f68d176e111dd.txt"):
            shutil.copy(PROJECT_ROOT / "corpus" / name, corpus / name)
        settings = load_settings(
            {"corpus_dir": corpus, "index_dir": work / "index", "show_progress": False}, environ={}
        )
        build_in_child(settings)  # the index the server starts on, built before it starts
        builder = build_index if args.in_process else build_in_child
        workspace = Workspace(settings, Assistant.load(settings, build=False), builder=builder)
        key = workspace.default_key
        for q in QUESTIONS * 3:
            workspace.assistant(key).ask(q)
        gc.collect()
        before = rss_mb()
        print(f"builder: {'in the serving process' if args.in_process else 'child process'}")
        print(f"RSS before the uploads: {before:.1f} MB")
        started = time.perf_counter()
        (work / "incoming").mkdir()
        for i, path in enumerate(uploads(work / "incoming", args.cycles)):
            t = time.perf_counter()
            result = workspace.add_files(key, [(path, path.name)])
            assert result.saved == [path.name] and result.report is not None, result
            for q in QUESTIONS:
                workspace.assistant(key).ask(q)
            gc.collect()
            print(f"  cycle {i + 1:2d}: {time.perf_counter() - t:5.1f} s, RSS {rss_mb():7.1f} MB")
        after = rss_mb()
        grew = after - before
        print(
            f"RSS after {args.cycles} upload + rebuild cycles: {after:.1f} MB ({grew:+.1f} MB; limit +{LIMIT_MB:.0f})"
        )
        print(f"total {time.perf_counter() - started:.0f} s; torch loaded in this process: {'torch' in sys.modules}")
        summary = {"in_process": args.in_process, "before_mb": round(before, 1), "after_mb": round(after, 1)}
        print(json.dumps(summary | {"grew_mb": round(grew, 1), "cycles": args.cycles}))
        return 0 if grew <= LIMIT_MB else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
