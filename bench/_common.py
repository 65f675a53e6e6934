"""What the benchmarks share: where SciFact and the results live, the load average, timing passes, child
processes and the real vectors the larger benchmarks borrow. Its own module so that bench/run.py and the
benchmarks it runs (bench/incremental.py, bench/scale.py, ...) import it, and not each other."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SCIFACT = ROOT.parent / "shared" / "bench" / "scifact"
RESULTS = ROOT / "bench" / "results"
SUBSET = RESULTS / "work" / "scifact-subset"


def load_avg() -> float:
    return round(os.getloadavg()[0], 2)


def settle(below: float = 0.5, limit_s: float = 180.0) -> float:
    """Wait (at most ``limit_s``) for the 1-minute load average to fall below ``below``; seconds waited.

    The build just before the latency passes leaves the load average near the core count for a minute
    or two, and the default ``query_threads`` gives a question only the cores it leaves free: latency
    measured then is that of a busy machine, not of a question asked on an idle one.
    """
    started = time.monotonic()
    while os.getloadavg()[0] >= below and time.monotonic() - started < limit_s:
        time.sleep(5)
    return round(time.monotonic() - started, 1)


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def scifact_queries(folder: Path, n: int) -> list[str]:
    """The first ``n`` test claims (the judged ones; the order of qrels/test.tsv)."""
    wanted: list[str] = []
    with (folder / "qrels" / "test.tsv").open(encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            qid = line.split("\t")[0]
            if i and qid not in wanted:
                wanted.append(qid)
    text = {str(q["_id"]): q["text"] for q in _read_jsonl(folder / "queries.jsonl")}
    return [text[q] for q in wanted if q in text][:n]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def summarise(passes: list[list[float]]) -> dict[str, float]:
    """Median and p95 of each pass, then the median over passes (ms)."""
    return {
        "median_ms": round(statistics.median(statistics.median(p) for p in passes), 2),
        "p95_ms": round(statistics.median(pct(p, 0.95) for p in passes), 2),
    }


def time_passes(ask: Callable[[str], Any], queries: list[str], repeat: int) -> dict[str, Any]:
    """Every query through ``ask``, ``repeat`` passes, summarised; with the median of each stage's time
    when ``ask`` returns an answer that records them (the plain way returns bare rankings)."""
    passes: list[list[float]] = []
    stages: dict[str, list[float]] = {}
    for _ in range(repeat):
        times = []
        for q in queries:
            t = time.perf_counter()
            result = ask(q)
            times.append((time.perf_counter() - t) * 1000)
            for k, v in (getattr(result, "timings_ms", None) or {}).items():
                stages.setdefault(k, []).append(v)
        passes.append(times)
    out: dict[str, Any] = summarise(passes)
    if stages:
        out["stages_median_ms"] = {k: round(statistics.median(v), 2) for k, v in stages.items()}
    return out


def run_child(args: list[str], env: dict[str, str] | None = None, timeout: float = 7200) -> tuple[float, str]:
    """(wall seconds from spawn to exit, stdout) of a child Python process; children print their own
    peak memory (``ru_maxrss``) in their JSON, since RUSAGE_CHILDREN only keeps the largest of all."""
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, *args], capture_output=True, env=env, cwd=ROOT, text=True, timeout=timeout)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:3])} failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")
    return wall, proc.stdout


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss it does not carry the parent's
    peak across fork and exec)."""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def real_vector_index() -> Path:
    """Where the larger benchmarks take real vectors from: the evaluation's SciFact index, else the
    SciFact subset that ``qa bench`` indexed, else the default corpus's index."""
    subset = SUBSET.with_name(SUBSET.name + ".index")
    for candidate in (find_scifact_index(), subset, ROOT / "embeddings"):
        if candidate is not None and (candidate / "manifest.json").is_file():
            return candidate
    raise SystemExit("no built index to take real vectors from: run `qa bench` or `qa index` first")


def find_scifact_index() -> Path | None:
    """A complete SciFact index that the evaluation cached (``qa eval --beir .../scifact``)."""
    cache = ROOT / "eval" / "cache"
    for manifest in sorted(cache.glob("scifact-*/manifest.json")):
        try:
            data = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if data.get("counts", {}).get("documents") == 5183:
            return manifest.parent
    return None
