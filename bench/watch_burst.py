"""Watching a folder: how long after a change the answers see it, and how many updates a burst costs.

A ``Workspace`` (as the server holds one) watches a corpus of two shipped documents, building in a child
process as ``qa serve`` does. Then: one file added; a burst of ``--burst`` small files written as fast as
Python can; a file written in ``--chunks`` pieces a second apart (kept open). For each, the seconds from the
last write to the update's note, the updates it took and what the note said.

    .venv/bin/python -m bench.watch_burst [--burst 100] [--settle 2.0]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from bench._common import load_avg  # noqa: E402
from qa.assistant import Assistant  # noqa: E402
from qa.index.buildproc import build_in_child  # noqa: E402
from qa.settings import PROJECT_ROOT, load_settings  # noqa: E402
from qa.web.workspace import Workspace  # noqa: E402


def measure(workspace: Workspace, key: str, change: Callable[[], None]) -> dict[str, object]:
    """Make the change; wait for the note of the update it causes (the watcher may run more than one)."""
    entry = workspace.get(key)
    assert entry.watcher is not None
    before_note, before_updates = entry.watch_note, entry.watcher.updates
    change()
    written = time.perf_counter()
    while entry.watch_note is before_note or entry.updating or entry.watcher.debouncer.pending:
        time.sleep(0.05)
    return {
        "seconds_after_last_write": round(time.perf_counter() - written, 1),
        "updates": entry.watcher.updates - before_updates,
        "note": entry.watch_note.text.splitlines()[0],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--burst", type=int, default=100)
    parser.add_argument("--chunks", type=int, default=5)
    parser.add_argument("--settle", type=float, default=2.0)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="qa-watch-"))
    try:
        corpus = work / "corpus"
        corpus.mkdir()
        for name in ("001_5f14862b3cd51082.txt", "004_c89f68d176e111dd.txt"):
            shutil.copy(PROJECT_ROOT / "corpus" / name, corpus / name)
        overrides = {"corpus_dir": corpus, "index_dir": work / "index", "show_progress": False}
        settings = load_settings(overrides | {"watch_settle_s": args.settle}, environ={})
        build_in_child(settings)
        workspace = Workspace(settings, Assistant.load(settings, build=False))
        key = workspace.default_key
        workspace.watch(key, True)

        def one() -> None:
            (corpus / "one.txt").write_text("One\n\nA single new note about lighthouses.\n", encoding="utf-8")

        def burst() -> None:
            for i in range(args.burst):
                (corpus / f"burst{i:03d}.txt").write_text(f"Note {i}\n\nThe code word is lantern-{i}.\n")

        def slow() -> None:
            with open(corpus / "slow.txt", "w", encoding="utf-8") as out:
                for i in range(args.chunks):
                    out.write(f"Part {i} of a file written slowly, a second per part.\n\n")
                    out.flush()
                    time.sleep(1.0)

        results = {"load_avg_before": load_avg(), "settle_s": args.settle}
        for name, change in [("one_file", one), (f"burst_{args.burst}", burst), ("slow_writer", slow)]:
            results[name] = measure(workspace, key, change)
            print(name, results[name], flush=True)
        results["load_avg_after"] = load_avg()
        workspace.close()
        print(json.dumps(results))
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
