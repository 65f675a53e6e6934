"""Index builds in a child process, for a long-running server.

Why: encoding passages needs torch and the sentence-transformers model, about 800 MB that a process keeps
once loaded, while answering questions needs neither (the question encoder is ONNX Runtime or numpy). A
server that built in its own process after an upload grew from ~400 MB to 1.2 GB and stayed there. The
child builds, writes the index atomically (see ``qa.index.store``) and exits, giving its memory back; a child
killed midway leaves the previous index serving, as a killed ``qa index`` does.

The parent sends the settings as JSON on the child's stdin; the child answers with JSON lines on stdout,
each behind a marker (libraries may print there too): progress, then the report or the error.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from qa.encode.embedder import Embedder, ModelUnavailable
from qa.index.build import BuildReport, EmptyCorpus, Progress, build_index
from qa.index.milvus_store import MilvusUnavailable
from qa.index.raybuild import RayUnavailable
from qa.index.store import IndexError_
from qa.settings import Settings, load_settings
from qa.types import Skipped

MARK = "\x1eqa-build "
ERRORS: dict[str, type[Exception]] = {
    "EmptyCorpus": EmptyCorpus,
    "ModelUnavailable": ModelUnavailable,
    "IndexError_": IndexError_,
    "OSError": OSError,
    "MilvusUnavailable": MilvusUnavailable,
    "RayUnavailable": RayUnavailable,
}


class BuildFailed(RuntimeError):
    """The build process failed or was killed; the previous index, if any, is unchanged."""


def settings_json(settings: Settings) -> dict[str, Any]:
    return {
        f.name: (str(v) if isinstance(v, Path) else list(v) if isinstance(v, tuple) else v)
        for f in dataclasses.fields(settings)
        for v in [getattr(settings, f.name)]
    }


def build_in_child(
    settings: Settings,
    embedder: Embedder | None = None,
    force: bool = False,
    progress: Progress | None = None,
    repair: str = "",
) -> BuildReport:
    """``build_index`` run by ``python -m qa.index.buildproc`` (same arguments; ``embedder`` is not passed on:
    the child loads its own model and exits with it)."""
    package_root = str(Path(__file__).resolve().parents[2])  # the folder that holds the qa package
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))}
    job = json.dumps({"settings": settings_json(settings), "force": force, "repair": repair})
    proc = subprocess.Popen(
        [sys.executable, "-m", "qa.index.buildproc"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=env,
        text=True,
        encoding="utf-8",
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        proc.stdin.write(job)
        proc.stdin.close()
    except BrokenPipeError:  # the child is already gone: its exit status says so below
        with contextlib.suppress(OSError):
            proc.stdin.close()
    outcome: dict[str, Any] = {}
    for line in proc.stdout:
        if not line.startswith(MARK):
            sys.stderr.write(line)  # a library's print: not ours to parse
            continue
        message = json.loads(line[len(MARK) :])
        if "progress" in message and progress is not None:
            progress(*message["progress"])
        outcome = message if "progress" not in message else outcome
    code = proc.wait()
    if "report" in outcome:
        return _report(outcome["report"])
    if "error" in outcome:
        raise ERRORS.get(outcome["error"], BuildFailed)(outcome["message"])
    raise BuildFailed(f"the build process ended without a result (exit status {code}); the previous index is kept")


def _report(data: dict[str, Any]) -> BuildReport:
    data = dict(data)
    data["skipped"] = [Skipped(**s) for s in data.get("skipped", [])]
    return BuildReport(**data)


def _send(message: dict[str, Any]) -> None:
    sys.stdout.write(MARK + json.dumps(message, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def main() -> int:
    job = json.loads(sys.stdin.read())
    settings = load_settings(job["settings"], environ={})
    try:
        report = build_index(
            settings,
            Embedder(settings),
            force=job["force"],
            progress=lambda fraction, what: _send({"progress": [fraction, what]}),
            repair=job["repair"],
        )
    except Exception as exc:  # noqa: BLE001 - passed to the parent, which raises it as its own type
        _send({"error": type(exc).__name__, "message": str(exc)})
        return 1
    _send({"report": dataclasses.asdict(report)})
    return 0


if __name__ == "__main__":
    sys.exit(main())
