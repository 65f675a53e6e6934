"""BEIR-format benchmarks (SciFact, StackFAQ): nDCG@10, MRR@10, Recall@10/100 with ``ranx``.

Protocol (../shared/bench/README.md): each document is embedded as ``title + " " + text``; a document
is scored by its best passage (the index holds chunks); at least 100 documents are retrieved per query;
metrics are the pytrec_eval/BEIR ones over the queries of the chosen qrels split. Like BEIR's
``EvaluateRetrieval.evaluate`` (``ignore_identical_ids=True``) a document whose id equals the query id
is dropped from that query's ranking. Run scores are given by rank, so ranx sees exactly our order
and no tie can be broken differently from it.

The index of each benchmark is cached under ``eval/cache/<name>-<hash>/`` and reused while its
manifest's model, chunking and per-document hashes match, so a second run embeds nothing.
"""

from __future__ import annotations

import csv
import hashlib
import json
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qa.settings import PROJECT_ROOT, Settings
from qa.types import Document

CACHE_ROOT = PROJECT_ROOT / "eval" / "cache"
DEPTH = 100
METRICS = ("ndcg@10", "mrr@10", "recall@10", "recall@100")

# Published figures to print beside ours (../shared/bench/README.md, which names the sources).
REFERENCE: dict[str, list[dict[str, Any]]] = {
    "scifact": [
        {
            "system": "BM25 (Elasticsearch multifield), BEIR paper",
            "ndcg@10": 0.665,
            "recall@100": 0.908,
            "source": "Thakur et al. 2021, arXiv:2104.08663",
        },
        {
            "system": "BM25 flat title+text (Anserini)",
            "ndcg@10": 0.6789,
            "recall@100": 0.9253,
            "source": "castorini/anserini regressions",
        },
        {
            "system": "BM25 (bm25s, k1=1.5 b=0.75, stemmed), MTEB baseline",
            "ndcg@10": 0.6874,
            "recall@10": 0.8187,
            "recall@100": 0.9127,
            "source": "embeddings-benchmark/results",
        },
        {
            "system": "all-MiniLM-L6-v2, no query prefix",
            "ndcg@10": 0.6451,
            "recall@10": 0.7833,
            "recall@100": 0.9250,
            "source": "embeddings-benchmark/results",
        },
        {
            "system": "bge-small-en-v1.5, query prefix 'Represent this sentence for searching relevant passages: '",
            "ndcg@10": 0.7127,
            "recall@10": 0.8362,
            "recall@100": 0.9450,
            "source": "embeddings-benchmark/results",
        },
    ],
    "stackfaq": [
        {
            "system": "BM25, project check (../shared/bench/README.md)",
            "ndcg@10": 0.734,
            "recall@10": 0.752,
            "source": "../shared/bench/README.md (our own BM25 run)",
        },
    ],
}


class BenchmarkMissing(FileNotFoundError):
    """The benchmark folder or one of its files is not there; the message names it."""


@dataclass
class BeirData:
    name: str
    folder: Path
    split: str
    corpus: dict[str, tuple[str, str]]  # id -> (title, text)
    queries: dict[str, str]  # id -> text, only those judged in the split
    qrels: dict[str, dict[str, int]]  # query id -> {doc id: relevance > 0}


def resolve_folder(path: Path) -> Path:
    """The folder holding corpus.jsonl: the path itself or its ``beir_format`` child."""
    path = Path(path).expanduser().resolve()
    for candidate in (path, path / "beir_format"):
        if (candidate / "corpus.jsonl").is_file():
            return candidate
    raise BenchmarkMissing(f"no BEIR corpus.jsonl in {path} (nor in {path / 'beir_format'})")


def benchmark_name(folder: Path) -> str:
    return folder.parent.name if folder.name == "beir_format" else folder.name


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        raise BenchmarkMissing(f"missing {path}")
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def read_qrels(path: Path) -> dict[str, dict[str, int]]:
    """BEIR qrels TSV (query-id, corpus-id, score, with a header); scores <= 0 are not relevant."""
    if not path.is_file():
        raise BenchmarkMissing(f"missing qrels file {path}")
    qrels: dict[str, dict[str, int]] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh, delimiter="\t")
        for i, row in enumerate(reader):
            if not row or (i == 0 and row[0] == "query-id"):
                continue
            qid, did, score = row[0], row[1], int(float(row[2]))
            if score > 0:
                qrels.setdefault(qid, {})[did] = score
    return qrels


def load_beir(path: Path, split: str = "test") -> BeirData:
    folder = resolve_folder(path)
    qrels = read_qrels(folder / "qrels" / f"{split}.tsv")
    corpus = {str(d["_id"]): (d.get("title") or "", d.get("text") or "") for d in _read_jsonl(folder / "corpus.jsonl")}
    all_queries = {str(q["_id"]): q["text"] for q in _read_jsonl(folder / "queries.jsonl")}
    missing = [q for q in qrels if q not in all_queries]
    if missing:
        raise BenchmarkMissing(f"{len(missing)} judged queries are not in queries.jsonl (e.g. {missing[0]})")
    queries = {q: all_queries[q] for q in qrels}
    return BeirData(benchmark_name(folder), folder, split, corpus, queries, qrels)


def beir_documents(data: BeirData) -> list[Document]:
    docs = []
    for doc_id, (title, text) in data.corpus.items():
        body = f"{title} {text}".strip()  # the BEIR protocol: title + " " + text
        digest = hashlib.sha256(f"{title}\x00{text}".encode()).hexdigest()
        docs.append(Document(doc_id=doc_id, title=title or doc_id, text=body, sha256=digest, fmt="beir"))
    return docs


# ---------------------------------------------------------------- the cached index


def cached_index(settings: Settings, name: str, source: Path, docs: list[Document]) -> tuple[Any, dict[str, Any]]:
    """An Assistant over ``docs``, from the cache folder when it matches, else built there.

    Returns (assistant, info) where info says where the index is and whether it was rebuilt.
    """
    from qa.assistant import Assistant
    from qa.encode.embedder import Embedder
    from qa.index import store
    from qa.index.build import build_index, build_signature
    from qa.ingest.loading import LoadReport

    embedder = Embedder(settings)
    signature = build_signature(settings, embedder)
    key = json.dumps({"name": name, "source": str(source), **signature}, sort_keys=True)
    index_dir = CACHE_ROOT / f"{name}-{hashlib.sha256(key.encode()).hexdigest()[:12]}"
    s = settings.replace(index_dir=index_dir, corpus_dir=source)
    wanted = {d.doc_id: d.sha256 for d in docs}
    try:
        manifest = store.read_manifest(index_dir)
    except store.IndexError_:
        manifest = None
    fresh = (
        manifest is not None
        and all(manifest.get(k) == v for k, v in signature.items())
        and {k: v.get("sha256") for k, v in manifest.get("files", {}).items()} == wanted
    )
    started = time.time()
    built = None
    if not fresh:
        print(f"building the {name} index in {index_dir} ({len(docs):,} documents)", file=sys.stderr)
        # Caches of the same benchmark under other chunking settings lend the vectors of unchanged texts.
        donors = sorted(p for p in CACHE_ROOT.glob(f"{name}-*") if p.is_dir() and p != index_dir)
        built = build_index(s, embedder, force=True, loaded=LoadReport(docs, []), donors=donors)
    try:
        assistant = Assistant.load(s, build=False, embedder=embedder)
    except store.IndexError_:  # damaged cache: build it again
        built = build_index(s, embedder, force=True, loaded=LoadReport(docs, []))
        assistant = Assistant.load(s, build=False, embedder=embedder)
    index = assistant.retriever.index
    info = {
        "index_dir": str(index_dir),
        "rebuilt": built is not None,
        "build_seconds": round(time.time() - started, 1) if built is not None else 0.0,
        "documents": len(docs),
        "passages": len(index.passages),
    }
    return assistant, info


# ---------------------------------------------------------------- ranking and scoring


def rank_documents(
    assistant: Any, query: str, settings: Settings, depth: int, query_id: str | None = None
) -> list[str]:
    """Document ids best first, each scored by its best passage; the query's own id left out."""
    found = assistant.retriever.search(query, settings)
    passages = assistant.retriever.index.passages
    seen: dict[str, None] = {}
    for c in found.candidates:
        doc = passages[c.index].doc_id
        if doc == query_id or doc in seen:
            continue
        seen[doc] = None
        if len(seen) >= depth:
            break
    return list(seen)


def retrieval_settings(settings: Settings, depth: int = DEPTH) -> Settings:
    """Deep enough candidate lists that ``depth`` distinct documents survive passage de-duplication."""
    k = max(200, 4 * depth)
    return settings.replace(dense_k=max(settings.dense_k, k), bm25_k=max(settings.bm25_k, k))


def run_beir(
    assistant: Any, data: BeirData, query_ids: list[str], depth: int = DEPTH, show_progress: bool = True
) -> tuple[dict[str, list[str]], dict[str, float]]:
    """Ranked document ids and latency (ms) per query."""
    from tqdm.auto import tqdm

    s = retrieval_settings(assistant.settings, depth)
    assistant.retriever.search("warm-up query", s)
    rankings: dict[str, list[str]] = {}
    latency: dict[str, float] = {}
    for qid in tqdm(query_ids, desc=f"{data.name} queries", unit="q", disable=not show_progress, file=sys.stderr):
        t0 = time.perf_counter()
        rankings[qid] = rank_documents(assistant, data.queries[qid], s, depth, query_id=qid)
        latency[qid] = (time.perf_counter() - t0) * 1000
    return rankings, latency


def score_rankings(
    qrels: dict[str, dict[str, int]], rankings: dict[str, list[str]], metric_names: tuple[str, ...] = METRICS
) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """(mean metrics, per-query metrics) computed by ranx over the queries of ``rankings``.

    Every judged query gets an entry (an empty ranking scores 0), as BEIR averages over all of them.
    """
    from ranx import Qrels, Run, evaluate

    qids = sorted(rankings)
    run_dict = {}
    for q in qids:
        docs = rankings[q]
        # Scores from rank; a query with no result gets one unjudged placeholder (ranx needs one doc).
        run_dict[q] = {d: float(len(docs) - i) for i, d in enumerate(docs)} or {"__none__": 0.0}
    qrels_dict = {q: dict(qrels[q]) for q in qids}
    run = Run(run_dict)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numba's type-safety chatter
        evaluate(Qrels(qrels_dict), run, list(metric_names), save_results_in_run=True)
    per_query = {q: {m: float(run.scores[m][q]) for m in metric_names} for q in qids}
    means = {m: float(sum(v[m] for v in per_query.values()) / len(qids)) if qids else 0.0 for m in metric_names}
    return means, per_query


def reference_rows(name: str) -> list[dict[str, Any]]:
    return REFERENCE.get(name, [])
