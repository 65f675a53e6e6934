"""FAISS and Milvus Lite side by side at scale: recall@10 against exact search, question latency, memory, disk.

    .venv/bin/python bench/scale_milvus.py [--n 100000] [--backends "faiss:Flat;milvus:FLAT;..."] [--queries 200]

Vectors as bench/scale.py makes them: real all-MiniLM-L6-v2 vectors of SciFact passages and sentences (the
``--source`` index folder, else bench._common.real_vector_index()), blended with a second real vector and
given Gaussian noise, up to ``--n``; the questions are SciFact test claims encoded by the model; the truth is
exact inner-product search (FAISS IndexFlatIP) over the same vectors. Passage texts are synthetic (2-5 real
SciFact sentences), so the Milvus collection holds what a real build writes: text, metadata, vector, BM25.

Each backend is built in one child process and served from disk in another, so each figure is that
backend's alone:
- build: wall time to index the vectors (for Milvus: insert through the project's MilvusWriter, then index),
  peak RSS of the process, size on disk of what it wrote (FAISS: the index file; Milvus Lite: its folder);
- serve: a fresh process opens the index from disk and asks every question as retrieval does (top
  ``dense_k`` = 50, recall@10 over its first 10): latency p50/p95 of that search call alone, RSS growth from
  before opening to after the questions (anonymous and file-backed), recall@10 against exact. FAISS runs
  one OpenMP thread (on this shared 2-core machine more threads cost more than they give), which also holds
  for Milvus Lite's FAISS indexes in the same process.

Both stores also keep the build folder's vectors.npy (n x 384 float32: 1.5 GB at 1M) for the exact re-scoring
of candidates; it is the same for both and not counted here. Milvus Lite runs inside the serving process
(Python threads over segment-level FAISS indexes), so its memory is in the serving process's RSS; a Milvus
server's would be on the server. ``build_s`` is one process; ``build_s_ray`` is left for the Ray build's bench.
Results: bench/results/scale-milvus-<n>.json, and a Markdown table on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._common import SCIFACT, load_avg, scifact_queries  # noqa: E402
from bench.scale import (  # noqa: E402
    exact_topk,
    peak_mb,
    real_material,
    recall_at,
    rss_mb,
    source_index,
    synthetic_passages,
    synthetic_vectors,
)

RESULTS = ROOT / "bench" / "results"
# FAISS's default ANN (HNSW32,SQ8) and its Milvus twin (HNSW_SQ, 8-bit), both M=32 and efConstruction 40
# (FAISS's default; Milvus's own default is 200), both searched at efSearch = hnsw_ef_search = 256.
DEFAULT_BACKENDS = "faiss:Flat;milvus:FLAT;faiss:HNSW32;milvus:HNSW;faiss:HNSW32,SQ8;milvus:HNSW_SQ"
HNSW_PARAMS = {"M": 32, "efConstruction": 40}
DENSE_K = 50


def _settings(backend: str, work: Path) -> Any:
    from qa.settings import load_settings

    kind, index = backend.split(":", 1)
    overrides: dict[str, Any] = {"show_progress": False, "index_dir": work / "index", "ann_threshold": 1}
    if kind == "milvus":
        overrides |= {"vector_store": "milvus", "milvus_uri": str(work / "milvus.db"), "milvus_index_type": index}
        overrides["milvus_index_params"] = json.dumps(HNSW_PARAMS if index.startswith("HNSW") else {})
    else:
        overrides["ann_factory"] = index
    return load_settings(overrides, environ={})


def child_build(backend: str, data: Path, work: Path) -> dict[str, Any]:
    """Index the vectors (and, for Milvus, the passages) and write them to ``work``; time, peak RSS, disk."""
    vectors = np.load(data / "vectors.npy", mmap_mode="r")
    settings = _settings(backend, work)
    kind = backend.split(":", 1)[0]
    t = time.perf_counter()
    if kind == "faiss":
        import faiss

        from qa.index.dense import build_dense_index

        index = build_dense_index(vectors, settings, backend.split(":", 1)[1])
        faiss.write_index(index, str(work / "dense.faiss"))
        disk = (work / "dense.faiss").stat().st_size
    else:
        from qa.index.milvus_store import MilvusWriter, release
        from qa.types import Passage

        texts = json.loads((data / "texts.json").read_text(encoding="utf-8"))
        writer = MilvusWriter(settings, "20000101-000000-00000000", int(vectors.shape[1]), work)
        step = 20_000
        for a in range(0, len(texts), step):  # batches, as a streaming build would hand them over
            part = [
                Passage(f"doc{i // 10:06d}.txt", "", "", 0, len(x), x) for i, x in enumerate(texts[a : a + step], a)
            ]
            writer.add_passages(a, part, vectors[a : a + step])
        writer.add_sentences(0, np.zeros(0, np.int64), np.zeros((0, vectors.shape[1]), np.float32))
        entry = writer.finish()
        (work / "entry.json").write_text(json.dumps(entry), encoding="utf-8")
        release(settings.milvus_uri)
        disk = sum(f.stat().st_size for f in (work / "milvus.db").rglob("*") if f.is_file())
    return {
        "build_s": round(time.perf_counter() - t, 1),
        "build_peak_rss_mb": round(peak_mb(), 0),
        "disk_mb": round(disk / 2**20, 1),
    }


def child_serve(backend: str, data: Path, work: Path) -> dict[str, Any]:
    """Open the index from disk in this fresh process and ask every question; latency, memory, recall@10."""
    import faiss

    from qa.index.dense import dense_search, read_dense_index

    # One thread per question, as on a loaded 2-core machine; Milvus Lite searches with FAISS in this process too.
    faiss.omp_set_num_threads(1)
    queries = np.load(data / "queries.npy")
    truth = np.load(data / "truth.npy")
    settings = _settings(backend, work)
    kind = backend.split(":", 1)[0]
    if kind == "milvus":
        import pymilvus  # noqa: F401 - imported before the memory baseline, as FAISS is
    before = {k: rss_mb(k) for k in ("VmRSS", "RssAnon", "RssFile")}
    t = time.perf_counter()
    if kind == "faiss":
        index = read_dense_index(work / "dense.faiss", settings)
    else:
        from qa.index.milvus_store import MilvusIndex

        index = MilvusIndex(settings, json.loads((work / "entry.json").read_text(encoding="utf-8")), work)
    open_s = time.perf_counter() - t
    for q in queries[:5]:  # first-call costs stay out of the figures
        dense_search(index, q, DENSE_K)
    found, times = [], []
    for q in queries:
        t = time.perf_counter()
        _, rows = dense_search(index, q, DENSE_K)
        times.append((time.perf_counter() - t) * 1000)
        found.append(np.pad(rows[:10], (0, max(0, 10 - len(rows[:10]))), constant_values=-1))
    return {
        "open_s": round(open_s, 2),
        "recall@10": round(recall_at(np.array(found), truth), 4),
        "search_p50_ms": round(statistics.median(times), 2),
        "search_p95_ms": round(float(np.percentile(times, 95)), 2),
        "serve_rss_growth_mb": round(rss_mb() - before["VmRSS"], 0),
        "serve_anon_growth_mb": round(rss_mb("RssAnon") - before["RssAnon"], 0),
        "serve_file_growth_mb": round(rss_mb("RssFile") - before["RssFile"], 0),
    }


def _rss_of(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            return next((int(line.split()[1]) / 1024 for line in fh if line.startswith("VmRSS:")), 0.0)
    except OSError:
        return 0.0


def run_child(stage: str, backend: str, data: Path, work: Path, timeout: int, max_rss_mb: float) -> dict[str, Any]:
    """One stage in a child process, stopped past ``timeout`` seconds or ``max_rss_mb`` (a shared machine)."""
    cmd = [sys.executable, __file__, "--child", stage, "--backend", backend, "--data", str(data), "--work", str(work)]
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, text=True, cwd=ROOT)
        started, peak, why = time.time(), 0.0, ""
        while proc.poll() is None:
            peak = max(peak, _rss_of(proc.pid))
            if peak > max_rss_mb or time.time() - started > timeout:
                why = f"stopped after {time.time() - started:.0f} s at {peak:.0f} MB resident"
                proc.kill()
            time.sleep(1)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if proc.returncode != 0:
        last = stderr.strip().splitlines()[-1][:300] if stderr.strip() else "failed"
        return {f"{stage}_error": why or last}
    return json.loads(stdout.strip().splitlines()[-1])


def prepare(args: argparse.Namespace, data: Path) -> dict[str, Any]:
    """Vectors, texts, questions and the exact truth, written for the child processes."""
    from qa.encode.embedder import Embedder
    from qa.settings import load_settings

    src = args.source or source_index()
    real, sentences = real_material(src)
    questions = scifact_queries(SCIFACT, args.queries) if (SCIFACT / "queries.jsonl").is_file() else sentences[:200]
    queries = Embedder(load_settings({"show_progress": False}, environ={})).encode_queries(questions)
    vectors = synthetic_vectors(real, args.n, args.sigma)
    np.save(data / "vectors.npy", vectors)
    np.save(data / "queries.npy", queries.astype(np.float32))
    np.save(data / "truth.npy", exact_topk(vectors, queries.astype(np.float32), 10))
    (data / "texts.json").write_text(json.dumps(synthetic_passages(sentences, args.n)), encoding="utf-8")
    return {"source": str(src), "real_vectors": len(real), "questions": len(questions)}


def _save(out: dict[str, Any], n: int) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"scale-milvus-{n}.json").write_text(json.dumps(out, indent=2), encoding="utf-8")


def table(rows: list[dict[str, Any]]) -> str:
    cols = ["backend", "build_s", "build_s_ray", "disk_mb", "build_peak_rss_mb", "open_s", "recall@10"]
    cols += ["search_p50_ms", "search_p95_ms", "serve_rss_growth_mb", "serve_anon_growth_mb"]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in rows:
        lines.append(
            "| "
            + " | ".join(
                str(r.get(c, r.get("build_error", r.get("serve_error", "")) if c == "build_s" else "")) for c in cols
            )
            + " |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--backends", default=DEFAULT_BACKENDS, help="';'-separated faiss:<factory> / milvus:<index>")
    parser.add_argument("--sigma", type=float, default=0.03)
    parser.add_argument("--source", type=Path, help="index folder whose real vectors to use")
    parser.add_argument("--timeout", type=int, default=3600, help="seconds per child process")
    parser.add_argument("--max-rss-mb", type=float, default=8000, help="stop a child process past this memory")
    parser.add_argument("--child", choices=["build", "serve"], help=argparse.SUPPRESS)
    parser.add_argument("--backend", help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        run = child_build if args.child == "build" else child_serve
        print(json.dumps(run(args.backend, args.data, args.work)))
        return 0

    out: dict[str, Any] = {"n": args.n, "cpus": os.cpu_count(), "load_avg_start": load_avg(), "backends": []}
    with tempfile.TemporaryDirectory(prefix="qa-scale-milvus-") as tmp:
        data = Path(tmp) / "data"
        data.mkdir()
        t = time.perf_counter()
        out |= prepare(args, data)
        out["prepare_s"] = round(time.perf_counter() - t, 1)
        for backend in [b.strip() for b in args.backends.split(";") if b.strip()]:
            print(f"scale-milvus: {backend} over {args.n:,} passages …", file=sys.stderr, flush=True)
            work = Path(tmp) / "work"
            shutil.rmtree(work, ignore_errors=True)
            work.mkdir()
            row: dict[str, Any] = {"backend": backend, "build_s_ray": None}
            row |= run_child("build", backend, data, work, args.timeout, args.max_rss_mb)
            if "build_error" not in row:
                row |= run_child("serve", backend, data, work, args.timeout, args.max_rss_mb)
            row["load_avg"] = load_avg()
            out["backends"].append(row)
            print(json.dumps(row), file=sys.stderr, flush=True)
            _save(out, args.n)  # what is measured so far survives a stopped run
    out["load_avg_end"] = load_avg()
    _save(out, args.n)
    print(table(out["backends"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
