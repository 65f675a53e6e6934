"""Incremental updates at 100,000 passages: add, change and remove one document, timed.

    .venv/bin/python bench/incremental.py [--passages 100000] [--json] [--work DIR]

With ``--work DIR`` the corpus and index stay in DIR, and a later run with the same DIR skips the
preparation and the first build (about 10 minutes at 100,000 passages) and times the updates again.

The corpus is real text repeated with variations: files of ten SciFact abstracts each (a different
draw per file, and a numbered line that makes every file unique). Embedding 100,000 passages and their
~800,000 sentences would take hours on two cores, so the first build takes its vectors from the
resumable embedding cache (qa/encode/cache.py), filled beforehand with real all-MiniLM-L6-v2 vectors of
SciFact text plus small noise: the build itself is the ordinary ``build_index`` and the model runs for
real on each updated document. Timings are of ``build_index`` bringing the index up to date.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._common import RESULTS, SCIFACT, load_avg  # noqa: E402


def _abstracts() -> list[tuple[str, str]]:
    path = SCIFACT / "corpus.jsonl"
    if path.is_file():
        with path.open(encoding="utf-8") as fh:
            rows = [json.loads(line) for line in fh if line.strip()]
        return [(r.get("title") or "", r.get("text") or "") for r in rows if r.get("text")]
    corpus = ROOT / "corpus"
    return [(p.stem, para) for p in sorted(corpus.glob("*.txt")) for para in p.read_text().split("\n\n") if para]


def _real_vectors() -> np.ndarray:
    """Vectors of real text from a built index (see bench._common.real_vector_index)."""
    from bench._common import real_vector_index
    from qa.index.store import read_manifest

    index_dir = real_vector_index()
    manifest = read_manifest(index_dir)
    assert manifest is not None
    folder = index_dir / "builds" / manifest["build_id"]
    return np.concatenate([np.load(folder / "vectors.npy"), np.load(folder / "sentence_vectors.npy")])


def make_corpus(folder: Path, files: int, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    abstracts = _abstracts()
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(files):
        picks = rng.integers(0, len(abstracts), 10)
        parts = [f"Collection {i}\n"]
        for j in picks:
            title, text = abstracts[j]
            parts.append(f"## {title}\n\n{text}\n")
        parts.append(f"This is file number {i} of the benchmark collection.\n")
        (folder / f"file{i:06d}.md").write_text("\n".join(parts), encoding="utf-8")


def prefill_cache(settings: Any, embedder: Any, real: np.ndarray) -> int:
    """Put a vector for every text the build will embed into the resumable cache."""
    from qa.encode.cache import EmbeddingCache, cache_key, text_digest
    from qa.index.bm25 import passage_search_text
    from qa.index.build import build_signature, chunk_config, doc_text
    from qa.ingest.chunking import chunk_document
    from qa.ingest.loading import load_corpus

    cache = EmbeddingCache(settings.index_dir, cache_key(build_signature(settings, embedder)), real.shape[1])
    rng = np.random.default_rng(1)
    config = chunk_config(settings)
    digests: list[bytes] = []
    total = 0
    for doc in load_corpus(settings).documents:
        for p in chunk_document(doc, config, embedder.count_tokens):
            digests.append(text_digest(passage_search_text(p, settings.prepend_section)))
            digests.extend(text_digest(doc_text(p, a, b)) for a, b in p.sentences)
        if len(digests) >= 50_000:
            total += _save(cache, digests, real, rng)
            digests = []
    total += _save(cache, digests, real, rng)
    return total


def _save(cache: Any, digests: list[bytes], real: np.ndarray, rng: np.random.Generator) -> int:
    if not digests:
        return 0
    picks = np.array([int.from_bytes(hashlib.blake2b(d, digest_size=4).digest(), "little") for d in digests])
    v = real[picks % len(real)] + rng.normal(0, 0.01, (len(digests), real.shape[1])).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    cache.save(digests, v)
    return len(digests)


def run(tmp: Path, passages: int = 100_000, embedder: Any = None) -> dict[str, Any]:
    from qa.encode.embedder import Embedder
    from qa.index.build import build_index
    from qa.settings import load_settings

    corpus, index = tmp / "corpus", tmp / "index"
    settings = load_settings({"corpus_dir": corpus, "index_dir": index, "show_progress": False}, environ={})
    embedder = embedder or Embedder(settings)
    files = max(1, passages // 24)  # ~24.6 passages per file of ten abstracts (measured on SciFact)
    out: dict[str, Any] = {"load_avg_start": load_avg()}
    t = time.perf_counter()
    _ = embedder.model  # loaded once, as in a running app; `qa index` in a new process adds this
    embedder.encode_passages(["a first call, as a running app has made long before an update"])
    out["model_load_s"] = round(time.perf_counter() - t, 1)
    if (index / "manifest.json").is_file():  # a --work folder prepared by an earlier run
        first = build_index(settings, embedder)
        out.update(reused_work_folder=True, files=first.documents, passages=first.passages, sentences=first.sentences)
    else:
        t = time.perf_counter()
        make_corpus(corpus, files)
        prefilled = prefill_cache(settings, embedder, _real_vectors())
        out["prepare_s"] = round(time.perf_counter() - t, 1)
        t = time.perf_counter()
        first = build_index(settings, embedder)
        out["first_build_s"] = round(time.perf_counter() - t, 1)
        out.update(files=first.documents, passages=first.passages, sentences=first.sentences, cached_texts=prefilled)
        assert first.passages + first.sentences <= prefilled

    stamp = time.strftime("%H:%M:%S")  # every run adds, changes and removes something new
    spare = sorted(corpus.glob("file*.md"))[-2:]
    steps = {
        "add": lambda: (
            make_corpus(tmp / "extra", 1, seed=int(time.time()))
            or (tmp / "extra" / "file000000.md").rename(corpus / f"added-{stamp.replace(':', '')}.md")
        ),
        "change": lambda: spare[0].write_text(
            spare[0].read_text(encoding="utf-8") + f"\nOne more sentence, changed at {stamp}.\n", encoding="utf-8"
        ),
        "remove": lambda: spare[1].unlink(),
    }
    for name, edit in steps.items():
        edit()
        t = time.perf_counter()
        report = build_index(settings, embedder)
        out[name] = {
            "seconds": round(time.perf_counter() - t, 2),
            "embedded_documents": report.embedded_documents,
            "passages": report.passages,
            "load_avg": load_avg(),
        }
    return out


def main(argv: list[str] | None = None) -> int:
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--work", type=Path, help="keep the corpus and index here; a second run reuses them")
    args = parser.parse_args(argv)
    if args.work:
        result = run(args.work, args.passages)
    else:
        with tempfile.TemporaryDirectory(prefix="qa-incremental-") as tmp:
            result = run(Path(tmp), args.passages)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"incremental-{args.passages}.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(json.dumps(result) if args.json else json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
