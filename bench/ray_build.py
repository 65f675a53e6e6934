"""Index builds on Ray against the single-process build: encoding throughput, and the rest of a large build.

    .venv/bin/python bench/ray_build.py [--docs 300] [--configs "local;1x1;1x2;2x1"] [--passages 100000] [--json]

Needs the optional extra (`pip install .[scale]`) and SciFact in ../shared/bench/scifact.

Encoding (``--docs``): the first N SciFact abstracts (title + text, as the BEIR evaluation reads them) built
from scratch by ``build_index`` with each configuration: ``local`` (this process, torch on every core) and
``AxC`` (``build_engine = "ray"``, A actors of C cores each, on a Ray started here once, its start timed
apart). Per run: the whole build's seconds, the encoding phase's seconds (from the build's progress calls:
first "embedding" to "writing the index"; on Ray it includes starting the actors and loading their models),
texts encoded (passages + sentences), texts/s, and the largest difference from the local build's vectors.

The rest (``--passages``, 0 to skip): bench/incremental.py's corpus (files of ten SciFact abstracts) at that
many passages, with every passage and sentence vector put in the embedding cache beforehand (real vectors
from the encoding part, plus noise), so that the build encodes nothing: reading, chunking, assembling, the
FAISS and BM25 indexes and writing, timed for ``local`` and for Ray with the configurations given.

Results go to bench/results/ray-build-<docs>-<passages>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._common import RESULTS, SCIFACT, load_avg  # noqa: E402


def _settings(corpus: Path, index: Path, config: str) -> Any:
    from qa.settings import load_settings

    extra: dict[str, Any] = {}
    if config != "local":
        actors, cpus = (int(x) for x in config.split("x"))
        extra = {"build_engine": "ray", "ray_actors": actors, "ray_actor_cpus": cpus}
    return load_settings({"corpus_dir": corpus, "index_dir": index, "show_progress": False, **extra}, environ={})


class _Phases:
    """Times of the build's progress calls: when encoding began and when writing began."""

    def __init__(self) -> None:
        self.embed: float | None = None
        self.write: float | None = None

    def __call__(self, fraction: float, message: str) -> None:
        now = time.perf_counter()
        if message.startswith("embedding") and self.embed is None:
            self.embed = now
        if message.startswith("writing"):
            self.write = now


def _timed_build(settings: Any, embedder: Any, loaded: Any = None) -> tuple[Any, dict[str, Any]]:
    from qa.index.build import build_index

    phases = _Phases()
    before = load_avg()
    t = time.perf_counter()
    report = build_index(settings, embedder, force=loaded is not None, loaded=loaded, progress=phases)
    end = time.perf_counter()
    write = phases.write or end
    embed = phases.embed or write  # no "embedding" call: nothing was left to encode
    row = {
        "build_s": round(end - t, 1),
        "before_encoding_s": round(embed - t, 1),
        "encoding_s": round(write - embed, 1),
        "writing_s": round(end - write, 1),
        "documents": report.documents,
        "passages": report.passages,
        "sentences": report.sentences,
        "encoded": report.encoded,
        "load_avg_before": before,
        "load_avg_after": load_avg(),
    }
    if report.encoded and row["encoding_s"]:
        row["texts_per_s"] = round(report.encoded / row["encoding_s"], 1)
    print(f"ray_build: {json.dumps(row)}", file=sys.stderr, flush=True)  # kept should a later run fail
    return report, row


def encode_part(docs_n: int, configs: list[str], work: Path, embedder: Any) -> tuple[dict[str, Any], Path]:
    from qa.evaluation.beir import beir_documents, load_beir
    from qa.index.build import open_index
    from qa.ingest.loading import LoadReport

    docs = beir_documents(load_beir(SCIFACT))[:docs_n]
    runs, reference = [], None
    for config in configs:
        settings = _settings(work / "unused-corpus", work / f"encode-{config}", config)
        print(f"ray_build: encoding {docs_n} SciFact abstracts, {config} …", file=sys.stderr, flush=True)
        _, row = _timed_build(settings, embedder, LoadReport(list(docs), []))
        index = open_index(settings)
        vectors = np.concatenate([np.asarray(index.vectors), np.asarray(index.sentence_vectors)])
        if reference is None:
            reference = (vectors, [p.to_json() for p in index.passages])
        else:
            row["max_abs_diff_vs_first"] = float(np.abs(vectors - reference[0]).max())
            row["same_passages_as_first"] = [p.to_json() for p in index.passages] == reference[1]
        runs.append({"config": config, **row})
    return {"docs": docs_n, "runs": runs}, work / f"encode-{configs[0]}"


def rest_part(passages: int, configs: list[str], work: Path, embedder: Any, source: Path) -> dict[str, Any]:
    from bench.incremental import make_corpus, prefill_cache
    from qa.encode.cache import CACHE_DIR
    from qa.index.store import read_manifest

    manifest = read_manifest(source)
    assert manifest is not None
    folder = source / "builds" / manifest["build_id"]
    real = np.concatenate([np.load(folder / "vectors.npy"), np.load(folder / "sentence_vectors.npy")])
    corpus = work / "corpus"
    t = time.perf_counter()
    make_corpus(corpus, max(1, passages // 24))  # ~24.6 passages per file of ten abstracts
    filled = work / "filled"
    prefilled = prefill_cache(_settings(corpus, filled, "local"), embedder, real)
    out: dict[str, Any] = {"target_passages": passages, "cached_texts": prefilled, "real_vectors": len(real)}
    out["prepare_s"] = round(time.perf_counter() - t, 1)
    out["runs"] = []
    for config in configs:
        settings = _settings(corpus, work / f"rest-{config}", config)
        shutil.copytree(filled / CACHE_DIR, settings.index_dir / CACHE_DIR)
        print(f"ray_build: {passages:,}-passage build from cached vectors, {config} …", file=sys.stderr, flush=True)
        report, row = _timed_build(settings, embedder)
        assert report.encoded == 0, "every vector should have come from the cache"
        out["runs"].append({"config": config, **row})
        shutil.rmtree(settings.index_dir)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=300, help="SciFact abstracts encoded per configuration")
    parser.add_argument("--configs", default="local;1x1;1x2;2x1", help="';'-separated: local, or ACTORSxCORES")
    parser.add_argument("--passages", type=int, default=0, help="passages of the cached-vector build (0: skip)")
    parser.add_argument("--rest-configs", default="local;2x1", help="configurations of the cached-vector build")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    from qa.encode.embedder import Embedder
    from qa.index.raybuild import ray_session

    configs = [c.strip() for c in args.configs.split(";") if c.strip()]
    out: dict[str, Any] = {"cpus": os.cpu_count(), "load_avg_start": load_avg()}
    with tempfile.TemporaryDirectory(prefix="qa-ray-build-") as tmp:
        settings = _settings(ROOT / "corpus", Path(tmp) / "model-only", "1x1")
        embedder = Embedder(settings)
        _ = embedder.model  # loaded once beforehand, as in a running app; actors load theirs inside the build
        _ = embedder.questions  # the question graph is exported once, not inside the first timed build
        t = time.perf_counter()
        with ray_session(settings):
            out["ray_start_s"] = round(time.perf_counter() - t, 1)
            out["encoding"], source = encode_part(args.docs, configs, Path(tmp), embedder)
            if args.passages:
                rest = [c.strip() for c in args.rest_configs.split(";") if c.strip()]
                out["rest"] = rest_part(args.passages, rest, Path(tmp), embedder, source)
    out["load_avg_end"] = load_avg()
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"ray-build-{args.docs}-{args.passages}.json"
    path.write_text(json.dumps(out, indent=2), encoding="utf-8")
    print(json.dumps(out) if args.json else json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
