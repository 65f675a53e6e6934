"""Scale: the ANN index and BM25 at a million passages, against exact search.

    .venv/bin/python bench/scale.py [--n 1000000] [--factories "HNSW32,SQ8;IVF4096,SQ8"] [--json]

Vectors: real all-MiniLM-L6-v2 vectors of SciFact passages and sentences (``--source`` index folder,
else bench._common.real_vector_index(): eval/cache, the ``qa bench`` subset, embeddings/), each blended with a
second real vector (weight 0-0.5, ``--scheme mix``) or not (``noise``), given Gaussian noise (sigma 0.03 per
dimension) and re-normalised, up to ``--n``. Questions: ``--queries`` SciFact test claims encoded by the
model. For each FAISS factory string: build time, index size, median single-question search time and
recall@10 against exact inner-product search (``IndexFlatIP``) over the same vectors, raw and after the
exact re-scoring of the top ``dense_k`` that retrieval does from vectors.npy.

Text: synthetic passages of 2-5 real SciFact sentences drawn at random, indexed with bm25s as the
build does; median BM25 search time. Whole question: those passages, their vectors and the chosen
factory written as a real index and asked through ``Assistant.ask`` (hybrid, no rerank: the passages
carry no sentence vectors at this size), so embedding, both searches, fusion and composition are all in
the time. Results go to bench/results/scale-<n>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._common import SCIFACT, load_avg, real_vector_index, scifact_queries  # noqa: E402

RESULTS = ROOT / "bench" / "results"
DEFAULT_FACTORIES = "HNSW32,SQ8;IVF4096,SQ8"


def rss_mb(kind: str = "VmRSS") -> float:
    """Resident memory: all of it (VmRSS), or only the process's own (RssAnon) or mapped files' (RssFile),
    which the kernel can drop and read again."""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith(kind + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def source_index() -> Path:
    return real_vector_index()


def real_material(index_dir: Path) -> tuple[np.ndarray, list[str]]:
    """Passage and sentence vectors of a built index, and its sentence texts."""
    from qa.index.build import doc_text
    from qa.index.store import read_manifest, read_passages

    manifest = read_manifest(index_dir)
    if manifest is None:
        raise SystemExit(f"no index in {index_dir}: run `qa index` or `qa eval --beir ../shared/bench/scifact`")
    folder = index_dir / "builds" / manifest["build_id"]
    vectors = np.concatenate(
        [np.load(folder / "vectors.npy", mmap_mode="r"), np.load(folder / "sentence_vectors.npy", mmap_mode="r")]
    ).astype(np.float32)
    sentences = [doc_text(p, a, b) for p in read_passages(folder) for a, b in p.sentences]
    return vectors, [s for s in sentences if len(s) > 20]


def synthetic_vectors(real: np.ndarray, n: int, sigma: float, scheme: str = "mix", seed: int = 0) -> np.ndarray:
    """``noise``: a real vector plus Gaussian noise. ``mix``: a real vector blended with a second one
    (weight 0 to 0.5) plus noise, so that a few thousand real vectors do not become a few thousand
    tight clusters of near-copies (an ANN index finds those much harder to tell apart than real data)."""
    rng = np.random.default_rng(seed)
    out = np.empty((n, real.shape[1]), dtype=np.float32)
    for a in range(0, n, 100_000):
        b = min(n, a + 100_000)
        chunk = real[rng.integers(0, len(real), b - a)].copy()
        if scheme == "mix":
            w = rng.uniform(0.0, 0.5, (b - a, 1)).astype(np.float32)
            chunk = (1 - w) * chunk + w * real[rng.integers(0, len(real), b - a)]
        chunk += rng.normal(0, sigma, chunk.shape).astype(np.float32)
        chunk /= np.linalg.norm(chunk, axis=1, keepdims=True)
        out[a:b] = chunk
    return out


def exact_topk(vectors: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    import faiss

    flat = faiss.IndexFlatIP(vectors.shape[1])
    flat.add(vectors)
    return flat.search(queries, k)[1]


def recall_at(found: np.ndarray, truth: np.ndarray, k: int = 10) -> float:
    return float(np.mean([len(set(f[:k]) & set(t[:k])) / k for f, t in zip(found, truth)]))


def bench_factory(
    factory: str, vectors: np.ndarray, queries: np.ndarray, truth: np.ndarray, settings: Any, params: list[int]
) -> tuple[dict[str, Any], Any]:
    import faiss

    from qa.index.dense import build_dense_index, tune

    before = rss_mb()
    t = time.perf_counter()
    index = build_dense_index(vectors, settings, factory)
    build_s = time.perf_counter() - t
    size_mb = len(faiss.serialize_index(index)) / 2**20
    out: dict[str, Any] = {
        "factory": factory,
        "build_s": round(build_s, 1),
        "index_mb": round(size_mb, 1),
        "rss_growth_mb": round(rss_mb() - before, 1),
        "load_avg": load_avg(),
        "runs": [],
    }
    is_ivf = "IVF" in factory
    for p in params:
        s = settings.replace(ivf_nprobe=p) if is_ivf else settings.replace(hnsw_ef_search=p)
        tune(index, s)
        found, times = [], []
        k = settings.dense_k
        for q in queries:
            t = time.perf_counter()
            _, rows = index.search(q.reshape(1, -1), k)
            times.append((time.perf_counter() - t) * 1000)
            found.append(rows[0])
        found_arr = np.array(found)
        # What retrieval does next: exact cosine of the dense_k candidates from vectors.npy.
        refined = []
        for q, rows in zip(queries, found_arr):
            rows = rows[rows >= 0]
            refined.append(rows[np.argsort(-(vectors[rows] @ q))])
        out["runs"].append(
            {
                "nprobe" if is_ivf else "efSearch": p,
                "search_median_ms": round(statistics.median(times), 3),
                "search_p95_ms": round(float(np.percentile(times, 95)), 3),
                "recall@10": round(recall_at(found_arr, truth), 4),
                "recall@10_rescored": round(recall_at(refined, truth), 4),
            }
        )
    return out, index


def synthetic_passages(sentences: list[str], n: int, seed: int = 1) -> list[str]:
    rng = np.random.default_rng(seed)
    lengths = rng.integers(2, 6, n)
    picks = rng.integers(0, len(sentences), int(lengths.sum()))
    out, at = [], 0
    for m in lengths:
        out.append(" ".join(sentences[i] for i in picks[at : at + m]))
        at += m
    return out


def bench_bm25(texts: list[str], questions: list[str], folder: Path) -> dict[str, Any]:
    from qa.index.bm25 import bm25_scores, read_bm25, top_rows, write_bm25

    t = time.perf_counter()
    write_bm25(folder, texts)
    build_s = time.perf_counter() - t
    index = read_bm25(folder)
    times = []
    for q in questions:
        t = time.perf_counter()
        scores = bm25_scores(index, q)
        if scores is not None:
            top_rows(scores, 50)
        times.append((time.perf_counter() - t) * 1000)
    size = sum(f.stat().st_size for f in folder.iterdir()) / 2**20
    return {
        "passages": len(texts),
        "build_s": round(build_s, 1),
        "passages_per_s": round(len(texts) / build_s, 0),
        "index_mb": round(size, 1),
        "search_median_ms": round(statistics.median(times), 2),
        "search_p95_ms": round(float(np.percentile(times, 95)), 2),
        "load_avg": load_avg(),
    }


def whole_question(
    folder: Path,
    texts: list[str],
    vectors: np.ndarray,
    factory: str,
    param: int,
    questions: list[str],
    built: Any,
    bm25_folder: Path,
) -> dict[str, Any]:
    """A real index folder of the synthetic passages (with the FAISS index and BM25 built above),
    asked through the Assistant."""
    import shutil

    import faiss

    from qa.assistant import Assistant
    from qa.encode.embedder import Embedder
    from qa.index import store
    from qa.index.build import build_signature, open_index
    from qa.search.retriever import Retriever
    from qa.settings import load_settings
    from qa.types import Passage

    overrides: dict[str, Any] = {"index_dir": folder, "show_progress": False, "ann_factory": factory}
    overrides["ivf_nprobe" if "IVF" in factory else "hnsw_ef_search"] = param
    settings = load_settings(overrides, environ={})
    embedder = Embedder(settings)
    passages = []
    for i, text in enumerate(texts):
        passages.append(Passage(f"doc{i // 10:06d}.txt", f"Document {i // 10}", "", 0, len(text), text, ()))
    manifest = {
        "format_version": store.FORMAT_VERSION,
        "build_id": store.new_build_id(),
        "corpus_dir": str(folder / "corpus"),
        **build_signature(settings, embedder),
        "counts": {"documents": (len(texts) + 9) // 10, "passages": len(texts), "sentences": 0, "skipped": 0},
        "files": {},
    }
    t = time.perf_counter()
    store.write_build(
        folder,
        manifest,
        passages,
        vectors,
        np.zeros((0, vectors.shape[1]), np.float32),
        write_dense=lambda path, v: faiss.write_index(built, str(path)),
        write_bm25=lambda f, ps: shutil.copytree(bm25_folder, f),
        sentence_offsets=np.zeros(len(passages) + 1, np.int64),  # no sentences in this table
    )
    write_s = time.perf_counter() - t
    before = {k: rss_mb(k) for k in ("VmRSS", "RssAnon", "RssFile")}
    t = time.perf_counter()
    index = open_index(settings)
    open_s = time.perf_counter() - t
    assistant = Assistant(settings, embedder, Retriever(index, embedder, settings))
    for q in questions[:5]:
        assistant.ask(q, rerank=False)
    times, stages = [], {}
    for q in questions:
        t = time.perf_counter()
        answer = assistant.ask(q, rerank=False)
        times.append((time.perf_counter() - t) * 1000)
        for k, v in answer.timings_ms.items():
            stages.setdefault(k, []).append(v)
    return {
        "factory": factory,
        "param": param,
        "write_index_s": round(write_s, 1),
        "open_index_s": round(open_s, 2),
        "rss_after_open_mb": round(rss_mb(), 0),
        "rss_growth_open_and_ask_mb": round(rss_mb() - before["VmRSS"], 0),
        "anon_growth_open_and_ask_mb": round(rss_mb("RssAnon") - before["RssAnon"], 0),
        "file_growth_open_and_ask_mb": round(rss_mb("RssFile") - before["RssFile"], 0),
        "question_median_ms": round(statistics.median(times), 2),
        "question_p95_ms": round(float(np.percentile(times, 95)), 2),
        "stages_median_ms": {k: round(statistics.median(v), 2) for k, v in stages.items()},
        "load_avg": load_avg(),
    }


def _parser() -> argparse.ArgumentParser:
    """The flags; the defaults are the size and settings the ``qa bench`` run uses."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200_000, help="passages (1000000 for the README figure)")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--factories", default=DEFAULT_FACTORIES, help="';'-separated FAISS factory strings")
    parser.add_argument("--hnsw-ef", default="64,128,256")
    parser.add_argument("--nprobe", default="16,32,64")
    parser.add_argument("--sigma", type=float, default=0.03)
    parser.add_argument("--scheme", choices=["mix", "noise"], default="mix")
    parser.add_argument("--source", type=Path, help="index folder whose real vectors to use")
    parser.add_argument("--skip-text", action="store_true", help="vectors only (no BM25, no whole question)")
    parser.add_argument("--json", action="store_true")
    return parser


def _exact_single_ms(vectors: np.ndarray, queries: np.ndarray) -> float:
    """Median ms of one exact search at a time: the baseline each ANN index's single-question time is read
    against (the batch time above says nothing about one question)."""
    import faiss

    flat = faiss.IndexFlatIP(vectors.shape[1])
    flat.add(vectors)
    times = []
    for q in queries[:50]:
        t = time.perf_counter()
        flat.search(q.reshape(1, -1), 10)
        times.append((time.perf_counter() - t) * 1000)
    return round(statistics.median(times), 2)


def _choose(factories: list[dict[str, Any]]) -> tuple[str, int, dict[str, Any]] | None:
    """The cheapest setting that reaches recall@10 >= 0.95 (as retrieval sees it) within 1 GB:
    ``(factory, param, run)``, or None when none does."""
    best = None
    for f in factories:
        if f["index_mb"] > 1024:
            continue
        for r in f["runs"]:
            faster = best is None or r["search_median_ms"] < best[2]["search_median_ms"]
            if r["recall@10_rescored"] >= 0.95 and faster:
                best = (f["factory"], r.get("nprobe", r.get("efSearch")), r)
    return best


def _bench_text(
    args: argparse.Namespace,
    sentences: list[str],
    questions: list[str],
    vectors: np.ndarray,
    best: tuple[str, int, dict[str, Any]] | None,
    built: dict[str, Any],
    out: dict[str, Any],
) -> None:
    """BM25 over synthetic passages, then whole questions through a real index of them with the chosen
    factory (only when one was chosen: a whole question over an index that misses is not worth timing)."""
    print(f"scale: BM25 over {args.n:,} passages …", file=sys.stderr, flush=True)
    texts = synthetic_passages(sentences, args.n)
    with tempfile.TemporaryDirectory(prefix="qa-scale-") as tmp:
        out["bm25"] = bench_bm25(texts, questions, Path(tmp) / "bm25")
        if best:
            print("scale: whole questions …", file=sys.stderr, flush=True)
            out["whole_question"] = whole_question(
                Path(tmp) / "index", texts, vectors, best[0], best[1], questions, built[best[0]], Path(tmp) / "bm25"
            )


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)

    from qa.encode.embedder import Embedder
    from qa.settings import load_settings

    settings = load_settings({"show_progress": False}, environ={})
    src = args.source or source_index()
    real, sentences = real_material(src)
    questions = scifact_queries(SCIFACT, args.queries) if (SCIFACT / "queries.jsonl").is_file() else sentences[:200]
    queries = Embedder(settings).encode_queries(questions)
    out: dict[str, Any] = {
        "n": args.n,
        "source": str(src),
        "real_vectors": len(real),
        "sigma": args.sigma,
        "scheme": args.scheme,
        "questions": len(questions),
        "cpus": os.cpu_count(),
        "load_avg_start": load_avg(),
    }
    t = time.perf_counter()
    vectors = synthetic_vectors(real, args.n, args.sigma, args.scheme)
    out["generate_s"] = round(time.perf_counter() - t, 1)
    out["vectors_mb"] = round(vectors.nbytes / 2**20, 0)
    t = time.perf_counter()
    truth = exact_topk(vectors, queries, 10)
    out["exact_batch_s"] = round(time.perf_counter() - t, 2)
    out["exact_single_median_ms"] = _exact_single_ms(vectors, queries)
    out["factories"] = []
    built: dict[str, Any] = {}
    for factory in [f.strip() for f in args.factories.split(";") if f.strip()]:
        params = [int(x) for x in (args.nprobe if "IVF" in factory else args.hnsw_ef).split(",")]
        print(f"scale: {factory} over {args.n:,} vectors …", file=sys.stderr, flush=True)
        row, built[factory] = bench_factory(factory, vectors, queries, truth, settings, params)
        out["factories"].append(row)
    best = _choose(out["factories"])
    out["chosen"] = {"factory": best[0], "param": best[1], **best[2]} if best else None

    if not args.skip_text:
        _bench_text(args, sentences, questions, vectors, best, built, out)
    out["peak_rss_mb"] = round(peak_mb(), 0)
    out["load_avg_end"] = load_avg()
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"scale-{args.n}.json").write_text(json.dumps(out, indent=2), encoding="utf-8")
    print(json.dumps(out) if args.json else json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
