"""Speed, side by side with the plain way, in one run on this machine: ``qa bench [--json]``.

    .venv/bin/qa bench [--json] [--quick] [--skip-scale] [--docs N] [--queries N] [--repeat R]

Measures on BEIR SciFact (``../shared/bench/scifact``; skipped with a message where it is missing):

* build: a folder of ``--docs`` SciFact abstracts indexed by ``build_index`` (load, chunk, embed passages
  and their sentences, FAISS + BM25, write) against ``SentenceTransformer.encode`` of exactly the texts
  the build embedded (the plain way, which does nothing else); texts/s and passages/s, and the ratio.
  Then one document edited and the index updated (only that document is embedded again).
* question latency: median and p95 over ``--queries`` SciFact test claims, ``--repeat`` passes (median of
  the passes), for dense, BM25, hybrid and hybrid + sentence rerank: whole questions through
  ``Assistant.ask`` against the plain way on the same vectors and tokens (sentence-transformers
  ``util.semantic_search`` over a torch tensor, ``rank_bm25.BM25Okapi``, a score blend, and a torch
  product over the candidates' sentence vectors). Uses the full SciFact index from ``eval/cache`` when
  the evaluation has built one (5,183 documents), else the index built above (and says so).
* cold start: ``qa ask --json`` in a new process against the built index, median of 3, against a plain
  script (import sentence-transformers, load the model and the vectors, encode, semantic_search), and
  against ``qa ask`` with ``QA_QUERY_ENCODER=torch`` (the previous start-up path).
* peak memory: the maximum resident set of each child process (``wait4``'s rusage).
* scale: ``bench/scale.py`` (ANN index and BM25 at ``--scale-n`` passages), unless ``--skip-scale``.

Every figure is written to ``bench/results/bench-<time>.json`` with the load average beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._common import (  # noqa: E402
    RESULTS,
    SCIFACT,
    SUBSET,
    _read_jsonl,
    find_scifact_index,
    load_avg,
    peak_rss_mb,
    run_child,
    scifact_queries,
    settle,
    time_passes,
)

MODES: dict[str, dict[str, Any]] = {
    "dense": {"fusion": "dense", "rerank": False},
    "bm25": {"fusion": "bm25", "rerank": False},
    "hybrid": {"rerank": False},
    "hybrid_rerank": {"rerank": True},
}


def write_corpus(folder: Path, source: Path, n: int) -> int:
    """The first ``n`` SciFact abstracts as .txt files (title line, blank line, abstract)."""
    folder.mkdir(parents=True, exist_ok=True)
    titles = {}
    count = 0
    for doc in _read_jsonl(source / "corpus.jsonl")[:n]:
        name = f"{doc['_id']}.txt"
        (folder / name).write_text(f"{doc.get('title', '')}\n\n{doc.get('text', '')}\n", encoding="utf-8")
        titles[name] = doc.get("title") or name
        count += 1
    (folder / "titles.json").write_text(json.dumps(titles), encoding="utf-8")
    return count


# ---------------------------------------------------------------------------------------------- build


def bench_build(corpus: Path, index: Path) -> dict[str, Any]:
    from qa.encode.embedder import Embedder
    from qa.index.bm25 import passage_search_text
    from qa.index.build import build_index, doc_text
    from qa.index.store import read_manifest, read_passages
    from qa.settings import load_settings

    settings = load_settings({"corpus_dir": corpus, "index_dir": index, "show_progress": False}, environ={})
    embedder = Embedder(settings)
    t = time.perf_counter()
    model = embedder.model
    model_load = time.perf_counter() - t
    import torch

    out: dict[str, Any] = {"torch_threads": torch.get_num_threads(), "model_load_s": round(model_load, 2)}
    out["load_avg_before"] = load_avg()
    t = time.perf_counter()
    report = build_index(settings, embedder, force=True)
    build_s = time.perf_counter() - t
    manifest = read_manifest(index)
    assert manifest is not None
    passages = read_passages(index / "builds" / manifest["build_id"])
    p_texts = [passage_search_text(p, settings.prepend_section) for p in passages]
    s_texts = [doc_text(p, a, b) for p in passages for a, b in p.sentences]
    n_texts = len(p_texts) + len(s_texts)
    # The plain way: one encode call per list, nothing else.
    t = time.perf_counter()
    model.encode(p_texts, batch_size=settings.embed_batch_size, normalize_embeddings=True)
    raw_p = time.perf_counter() - t
    t = time.perf_counter()
    model.encode(s_texts, batch_size=settings.embed_batch_size, normalize_embeddings=True)
    raw_s = time.perf_counter() - t
    raw_s_total = raw_p + raw_s
    out.update(
        {
            "documents": report.documents,
            "passages": report.passages,
            "sentences": report.sentences,
            "texts_embedded": n_texts,
            "build_s": round(build_s, 2),
            "build_passages_per_s": round(report.passages / build_s, 1),
            "build_texts_per_s": round(n_texts / build_s, 1),
            "plain_encode_s": round(raw_s_total, 2),
            "plain_passages_per_s": round(report.passages / raw_s_total, 1),
            "plain_texts_per_s": round(n_texts / raw_s_total, 1),
            "plain_passages_only_per_s": round(len(p_texts) / raw_p, 1),
            "ratio_build_to_plain": round(raw_s_total / build_s, 3),
            "load_avg_after": load_avg(),
        }
    )
    # Incremental: one document edited, the index brought up to date.
    first = sorted(p for p in corpus.glob("*.txt"))[0]
    first.write_text(first.read_text(encoding="utf-8") + "\nAn added closing sentence for the benchmark.\n")
    t = time.perf_counter()
    update = build_index(settings, embedder)
    out["update_one_doc_s"] = round(time.perf_counter() - t, 2)
    out["update_embedded_documents"] = update.embedded_documents
    return out


# -------------------------------------------------------------------------------------------- latency


def _ours_latency(index_dir: Path, queries: list[str], repeat: int) -> dict[str, Any]:
    from qa.assistant import Assistant
    from qa.encode.embedder import Embedder
    from qa.index.build import open_index
    from qa.search.retriever import Retriever
    from qa.settings import load_settings

    settings = load_settings({"index_dir": index_dir, "show_progress": False}, environ={})
    embedder = Embedder(settings)
    index = open_index(settings)
    assistant = Assistant(settings, embedder, Retriever(index, embedder, settings))
    for q in queries[:5]:
        for overrides in MODES.values():
            assistant.ask(q, **overrides)
    out: dict[str, Any] = {"passages": len(index.passages), "sentences": int(index.sentence_offsets[-1])}
    # Each mode's stage medians say where the time goes: embed (the question's vector), search (dense +
    # BM25 + fusion), rerank (sentence stage and term coverage), compose (excerpts, highlights, confidence).
    for mode, overrides in MODES.items():
        out[mode] = time_passes(lambda q, o=overrides: assistant.ask(q, **o), queries, repeat)
    # Claims are not questions, so the second stage's phrase term never runs above; asked as questions
    # ("…?"), they time it too.
    out["hybrid_rerank_as_questions"] = time_passes(lambda q: assistant.ask(q.rstrip(". ") + "?"), queries, repeat)
    out["peak_rss_mb"] = peak_rss_mb()
    return out


def _plain_load(index_dir: Path) -> tuple[Any, Path, list[Any], Any, Any]:
    """What the plain way loads: the settings, the build folder, its passages, the model by sentence-transformers and
    the passage vectors as a torch tensor."""
    import numpy as np
    import torch
    from sentence_transformers import SentenceTransformer

    from qa.encode.embedder import resolve_model_path
    from qa.index.store import read_manifest, read_passages
    from qa.settings import load_settings

    settings = load_settings({"index_dir": index_dir}, environ={})
    manifest = read_manifest(index_dir)
    assert manifest is not None
    folder = index_dir / "builds" / manifest["build_id"]
    model = SentenceTransformer(str(resolve_model_path(settings)), device="cpu", local_files_only=True)
    return settings, folder, read_passages(folder), model, torch.from_numpy(np.load(folder / "vectors.npy"))


def _plain_latency(index_dir: Path, queries: list[str], repeat: int) -> dict[str, Any]:
    """The same retrieval written the plain way, over the same vectors and tokens."""
    import numpy as np
    import torch
    from rank_bm25 import BM25Okapi
    from sentence_transformers import util

    from qa.index.bm25 import passage_search_text, tokenize

    settings, folder, passages, model, corpus = _plain_load(index_dir)
    sentences = torch.from_numpy(np.load(folder / "sentence_vectors.npy"))
    owner = np.repeat(np.arange(len(passages)), [len(p.sentences) for p in passages])
    offsets = np.concatenate([[0], np.cumsum([len(p.sentences) for p in passages])])
    bm25 = BM25Okapi([tokenize([passage_search_text(p, settings.prepend_section)])[0] for p in passages])
    k = 50

    def dense(q: str) -> tuple[dict[int, float], torch.Tensor]:
        emb = model.encode(q, convert_to_tensor=True, normalize_embeddings=True)
        hits = util.semantic_search(emb, corpus, top_k=k)[0]
        return {h["corpus_id"]: h["score"] for h in hits}, emb

    def lexical(q: str) -> dict[int, float]:
        scores = bm25.get_scores(tokenize([q])[0])
        top = np.argsort(-scores)[:k]
        return {int(i): float(scores[i]) for i in top if scores[i] > 0}

    def hybrid(q: str, rerank: bool) -> list[int]:
        d, emb = dense(q)
        b = lexical(q)
        if rerank:  # passages of the 30 best sentences join the candidates
            for h in util.semantic_search(emb, sentences, top_k=30)[0]:
                d.setdefault(int(owner[h["corpus_id"]]), 0.0)
        top_b = max(b.values(), default=1.0) or 1.0
        fused = {i: 0.5 * d.get(i, 0.0) + 0.3 * b.get(i, 0.0) / top_b for i in set(d) | set(b)}
        ranked = sorted(fused, key=fused.get, reverse=True)
        if rerank:
            head = ranked[:50]
            best = {}
            for i in head:
                sv = sentences[offsets[i] : offsets[i + 1]]
                best[i] = float((sv @ emb).max()) if len(sv) else 0.0
            ranked = sorted(head, key=lambda i: fused[i] + 0.75 * best[i], reverse=True) + ranked[50:]
        return ranked[:10]

    ways = {
        "dense": lambda q: dense(q),
        "bm25": lexical,
        "hybrid": lambda q: hybrid(q, False),
        "hybrid_rerank": lambda q: hybrid(q, True),
    }
    for q in queries[:5]:
        for fn in ways.values():
            fn(q)
    out: dict[str, Any] = {"torch_threads": torch.get_num_threads()}
    for mode, fn in ways.items():
        out[mode] = time_passes(fn, queries, repeat)
    out["peak_rss_mb"] = peak_rss_mb()
    return out


def _plain_cold(index_dir: Path, question: str, spawned: float) -> dict[str, Any]:
    """The plain first answer: import sentence-transformers, load the model and vectors, search."""
    from sentence_transformers import util

    _, _, passages, model, corpus = _plain_load(index_dir)
    hit = util.semantic_search(model.encode(question, convert_to_tensor=True), corpus, top_k=3)[0][0]
    print(
        json.dumps(
            {
                "top": passages[hit["corpus_id"]].doc_id,
                "first_answer_s": time.time() - spawned,
                "peak_rss_mb": peak_rss_mb(),
            }
        )
    )
    return {}


def _ours_cold_api(index_dir: Path, question: str, spawned: float) -> None:
    """A new process's first answer from an existing index through the Python API (no corpus check)."""
    from qa.assistant import Assistant
    from qa.settings import load_settings

    settings = load_settings({"index_dir": index_dir, "show_progress": False}, environ={})
    answer = Assistant.load(settings, build=False).ask(question)
    print(
        json.dumps(
            {"first_answer_s": time.time() - spawned, "peak_rss_mb": peak_rss_mb(), "passages": len(answer.excerpts)}
        )
    )


def _ours_cold_rss(args: list[str], spawned: float) -> None:
    """``qa`` in this process, then its wall time since spawn and peak memory on stderr's last line."""
    import contextlib
    import io

    from qa.cli import main as qa_main

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = qa_main(args)
    print(
        json.dumps(
            {
                "rc": code,
                "first_answer_s": time.time() - spawned,
                "peak_rss_mb": peak_rss_mb(),
                "answer": json.loads(buf.getvalue() or "{}").get("passages", [{}])[:1],
            }
        )
    )


def bench_cold(corpus: Path, index: Path, question: str, runs: int = 3) -> dict[str, Any]:
    out: dict[str, Any] = {"load_avg_before": load_avg()}
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
    ask = ["ask", "--json", "--corpus", str(corpus), "--index-dir", str(index), question]
    variants = {
        "ours": (["-m", "qa.cli", *ask], base_env),
        "ours_torch_query_encoder": (["-m", "qa.cli", *ask], {**base_env, "QA_QUERY_ENCODER": "torch"}),
    }
    for name, (args, env) in variants.items():
        walls = [run_child(args, env)[0] for _ in range(runs)]
        out[f"{name}_s"] = round(statistics.median(walls), 2)
        spawned = time.time()
        _, text = run_child([str(Path(__file__)), "_ours_cold", str(spawned), *ask], env)
        out[f"{name}_peak_rss_mb"] = json.loads(text.strip().splitlines()[-1])["peak_rss_mb"]
    plain = []
    rss = 0.0
    for _ in range(runs):
        spawned = time.time()
        wall, text = run_child([str(Path(__file__)), "_plain_cold", str(index), question, str(spawned)], base_env)
        plain.append(wall)
        rss = json.loads(text.strip().splitlines()[-1])["peak_rss_mb"]
    out["plain_s"] = round(statistics.median(plain), 2)
    out["plain_peak_rss_mb"] = rss
    out["ratio_plain_to_ours"] = round(out["plain_s"] / out["ours_s"], 2)
    out["load_avg_after"] = load_avg()
    return out


def surrogate_full_index(corpus: Path, index: Path, real_index: Path) -> dict[str, Any]:
    """Index ``corpus`` without encoding: the resumable cache is filled with the real vectors of
    ``real_index`` (plus noise) for every text the build will embed (see bench/incremental.py)."""
    import numpy as np

    from bench.incremental import prefill_cache
    from qa.encode.embedder import Embedder
    from qa.index.build import build_index
    from qa.index.store import read_manifest
    from qa.settings import load_settings

    settings = load_settings({"corpus_dir": corpus, "index_dir": index, "show_progress": False}, environ={})
    manifest = read_manifest(real_index)
    assert manifest is not None
    folder = real_index / "builds" / manifest["build_id"]
    real = np.concatenate([np.load(folder / "vectors.npy"), np.load(folder / "sentence_vectors.npy")])
    embedder = Embedder(settings)
    t = time.perf_counter()
    prefill_cache(settings, embedder, real)
    prefill = time.perf_counter() - t
    t = time.perf_counter()
    report = build_index(settings, embedder)
    return {
        "documents": report.documents,
        "passages": report.passages,
        "sentences": report.sentences,
        "embedded_texts": 0,
        "chunk_and_prefill_s": round(prefill, 1),
        "build_without_encoding_s": round(time.perf_counter() - t, 1),
    }


def _child_mode(argv: list[str]) -> int | None:
    """The measurements that must run in a fresh process (so start-up and peak memory are their own): ``main``
    re-launches this file with a leading ``_name`` argument. None when ``argv`` is not such a child call."""
    if argv and argv[0] == "_latency":  # child: python bench/run.py _latency ours|plain INDEX QFILE REPEAT
        way, index, qfile, repeat = argv[1], Path(argv[2]), Path(argv[3]), int(argv[4])
        queries = json.loads(qfile.read_text(encoding="utf-8"))
        fn = _ours_latency if way == "ours" else _plain_latency
        print(json.dumps(fn(index, queries, repeat)))
        return 0
    if argv and argv[0] == "_plain_cold":
        _plain_cold(Path(argv[1]), argv[2], float(argv[3]))
        return 0
    if argv and argv[0] == "_ours_cold_api":
        _ours_cold_api(Path(argv[1]), argv[2], float(argv[3]))
        return 0
    if argv and argv[0] == "_ours_cold":
        _ours_cold_rss(argv[2:], float(argv[1]))
        return 0
    return None


def _parser() -> argparse.ArgumentParser:
    """The flags of ``qa bench`` (``qa.cli`` passes its arguments through unchanged)."""
    parser = argparse.ArgumentParser(prog="qa bench", description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--quick", action="store_true", help="small sizes, one pass: a smoke test")
    parser.add_argument("--skip-scale", action="store_true", help="leave out the large-corpus benchmark")
    parser.add_argument("--docs", type=int, default=500, help="SciFact abstracts to index for the build figures")
    parser.add_argument("--queries", type=int, default=200, help="SciFact test claims for latency")
    parser.add_argument("--repeat", type=int, default=3, help="passes over the questions (median of passes)")
    parser.add_argument("--scale-n", type=int, default=200_000, help="passages for the scale benchmark")
    parser.add_argument("--scifact", type=Path, default=SCIFACT)
    return parser


def _full_size_index(
    args: argparse.Namespace, tmp: Path, index: Path, result: dict[str, Any], say: Callable[[str], None]
) -> tuple[Path | None, Path | None]:
    """The index latency is also measured at SciFact's full size: ``(full index, its corpus)``.

    The evaluation's cached index when there is one; else all 5,183 abstracts indexed with vectors taken from
    the subset's real ones (a build that embeds nothing, through the resumable cache): the text, BM25 and index
    sizes are SciFact's, the dense hits are not meaningful, their cost is the same. The corpus is None unless
    built here (only then can a cold start run against it)."""
    full = find_scifact_index()
    full_corpus = None
    if full is None and not args.quick:
        say("latency: indexing all SciFact abstracts with substitute vectors …")
        full_corpus, full = tmp / "scifact-full", tmp / "scifact-full.index"
        write_corpus(full_corpus, args.scifact, 10**9)
        result["full_size_index"] = surrogate_full_index(full_corpus, full, index)
    return full, full_corpus


def _measure_latency(
    args: argparse.Namespace,
    qfile: Path,
    questions: int,
    index: Path,
    full: Path | None,
    full_corpus: Path | None,
    say: Callable[[str], None],
) -> dict[str, Any]:
    """Question latency, ours and plain, each in its own child process once the build's load has settled (a
    build still running in the background would be timed as the questions' cost)."""
    targets = {"subset": index} | ({"full": full} if full else {})
    say("latency: waiting for the build's load to settle …")
    waited = settle(limit_s=0 if args.quick else 180)
    latency: dict[str, Any] = {
        "settle_wait_s": waited,
        "questions": questions,
        "repeat": args.repeat,
        "indexes": {
            "subset": f"{args.docs} SciFact abstracts, real vectors",
            "full": "full SciFact from eval/cache"
            if full_corpus is None
            else "all 5,183 SciFact abstracts, real text, substitute vectors (no eval/cache index yet)",
        },
        "load_avg_before": load_avg(),
    }
    for name, target in targets.items():
        row: dict[str, Any] = {}
        for way in ("ours", "plain"):
            say(f"latency ({name}): {way} …")
            _, text = run_child([str(Path(__file__)), "_latency", way, str(target), str(qfile), str(args.repeat)])
            row[way] = json.loads(text.strip().splitlines()[-1])
        row["ratio_plain_to_ours"] = {
            m: round(row["plain"][m]["median_ms"] / row["ours"][m]["median_ms"], 2) for m in MODES
        }
        latency[name] = row
    latency["load_avg_after"] = load_avg()
    return latency


def _measure_cold_start(
    corpus: Path, index: Path, full_corpus: Path | None, full: Path | None, question: str, index_passages: int
) -> dict[str, Any]:
    """Cold start on the subset, on the full index when its corpus was built here (``qa ask`` checks the
    corpus), and through the Python API on any full index (no corpus needed)."""
    cold: dict[str, Any] = {"subset": bench_cold(corpus, index, question)}
    cold["subset"]["index_passages"] = index_passages
    if full_corpus is not None:
        assert full is not None
        cold["full"] = bench_cold(full_corpus, full, question)
    if full is not None:  # process start to first answer on the full index, Python API
        firsts, rss = [], 0.0
        for _ in range(3):
            _, text = run_child([str(Path(__file__)), "_ours_cold_api", str(full), question, str(time.time())])
            row = json.loads(text.strip().splitlines()[-1])
            firsts.append(row["first_answer_s"])
            rss = row["peak_rss_mb"]
        cold["full_api"] = {
            "first_answer_s": round(statistics.median(firsts), 2),
            "peak_rss_mb": rss,
            "load_avg": load_avg(),
        }
    return cold


def _write_result(result: dict[str, Any], as_json: bool) -> None:
    """Every run is kept under bench/results/ (timestamped, so runs can be compared later), then printed."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (RESULTS / f"bench-{stamp}.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    if as_json:
        print(json.dumps(result))
    else:
        print(json.dumps(result, indent=2))


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    child = _child_mode(argv)
    if child is not None:
        return child
    args = _parser().parse_args(argv)
    if args.quick:
        args.docs, args.queries, args.repeat, args.scale_n = min(args.docs, 100), min(args.queries, 30), 1, 20_000

    if not (args.scifact / "corpus.jsonl").is_file():
        print(
            f"qa bench: SciFact not found at {args.scifact} (see ../shared/bench/README.md); nothing measured",
            file=sys.stderr,
        )
        return 1
    result: dict[str, Any] = {"machine": {"cpus": os.cpu_count(), "load_avg_start": load_avg()}}

    def say(msg: str) -> None:
        if not args.json:
            print(msg, file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory(prefix="qa-bench-") as tmp:
        # The subset and its index are kept in bench/results/ (git-ignored): their real vectors are the
        # source that bench/scale.py and bench/incremental.py build larger collections from.
        corpus, index = SUBSET, SUBSET.with_name(SUBSET.name + ".index")
        shutil.rmtree(corpus, ignore_errors=True)
        shutil.rmtree(index, ignore_errors=True)
        write_corpus(corpus, args.scifact, args.docs)
        say(f"build: indexing {args.docs} SciFact abstracts …")
        result["build"] = bench_build(corpus, index)

        queries = scifact_queries(args.scifact, args.queries)
        qfile = Path(tmp) / "queries.json"
        qfile.write_text(json.dumps(queries), encoding="utf-8")
        full, full_corpus = _full_size_index(args, Path(tmp), index, result, say)
        result["latency"] = _measure_latency(args, qfile, len(queries), index, full, full_corpus, say)
        say("cold start …")
        result["cold_start"] = _measure_cold_start(
            corpus, index, full_corpus, full, queries[0], result["build"]["passages"]
        )

    if not args.skip_scale:
        say(f"scale: {args.scale_n:,} passages …")
        _, text = run_child([str(ROOT / "bench" / "scale.py"), "--n", str(args.scale_n), "--json"])
        result["scale"] = json.loads(text.strip().splitlines()[-1])
    result["machine"]["load_avg_end"] = load_avg()
    _write_result(result, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
