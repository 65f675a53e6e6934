"""The index on disk: FAISS vectors, a BM25 index and a manifest, written atomically.

Layout under ``index_dir``::

    manifest.json          the only file that says which build is live; replaced atomically, last
    builds/<build_id>/     passages.jsonl, vectors.npy, sentence_vectors.npy, dense.faiss, bm25/

A build writes a new ``builds/<id>`` folder and then swaps the manifest, so a build killed at any point
leaves the previous index serving; unreferenced build folders are removed by the next build.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from qa.types import Passage

FORMAT_VERSION = 2
MANIFEST = "manifest.json"


class IndexError_(RuntimeError):
    """The index on disk cannot be used; the message says why and that a rebuild fixes it."""


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write to a temporary file beside ``path``, fsync, then rename over it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o644)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_json(path: Path, data: Any) -> None:
    atomic_write_bytes(path, json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8"))


def read_manifest(index_dir: Path) -> dict[str, Any] | None:
    """The live manifest, or None when there is no index yet. A broken one raises IndexError_."""
    path = index_dir / MANIFEST
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexError_(f"index manifest {path} is unreadable ({exc}); run `qa index` to rebuild") from None
    if not isinstance(data, dict) or data.get("format_version") != FORMAT_VERSION or "build_id" not in data:
        raise IndexError_(f"index manifest {path} is from another version; run `qa index` to rebuild")
    return data


@dataclass
class StoredIndex:
    """Everything retrieval needs, loaded from one build folder."""

    manifest: dict[str, Any]
    passages: list[Passage]
    vectors: np.ndarray  # passage vectors, float32, L2-normalised (memory-mapped)
    sentence_vectors: np.ndarray  # one row per sentence, in passage order
    sentence_offsets: np.ndarray  # passage i owns sentence rows [offsets[i], offsets[i+1])
    faiss_index: Any
    bm25: Any
    folder: Path


def build_folder(index_dir: Path, build_id: str) -> Path:
    return index_dir / "builds" / build_id


def new_build_id() -> str:
    return time.strftime("%Y%m%d-%H%M%S") + "-" + uuid.uuid4().hex[:8]


def write_build(
    index_dir: Path,
    manifest: dict[str, Any],
    passages: list[Passage],
    vectors: np.ndarray,
    sentence_vectors: np.ndarray,
    write_dense: Callable[[Path, np.ndarray], None],
    write_bm25: Callable[[Path, list[Passage]], None],
) -> Path:
    """Write a complete build folder, then make it live by replacing the manifest."""
    build_id = manifest["build_id"]
    staging = index_dir / "builds" / f".{build_id}.partial"
    final = build_folder(index_dir, build_id)
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    with (staging / "passages.jsonl").open("w", encoding="utf-8") as fh:
        for p in passages:
            fh.write(json.dumps(p.to_json(), ensure_ascii=False) + "\n")
    np.save(staging / "vectors.npy", vectors.astype(np.float32, copy=False), allow_pickle=False)
    np.save(staging / "sentence_vectors.npy", sentence_vectors.astype(np.float32, copy=False), allow_pickle=False)
    write_dense(staging / "dense.faiss", vectors)
    write_bm25(staging / "bm25", passages)
    for file in staging.rglob("*"):
        if file.is_file():
            with file.open("rb") as fh:
                os.fsync(fh.fileno())
    os.replace(staging, final)
    atomic_write_json(index_dir / MANIFEST, manifest)
    remove_stale_builds(index_dir, keep=build_id)
    return final


def remove_stale_builds(index_dir: Path, keep: str) -> None:
    """Folders of older or half-finished builds; only the live one stays."""
    builds = index_dir / "builds"
    if not builds.is_dir():
        return
    for child in builds.iterdir():
        if child.name != keep:
            shutil.rmtree(child, ignore_errors=True)


def read_passages(folder: Path) -> list[Passage]:
    path = folder / "passages.jsonl"
    with path.open(encoding="utf-8") as fh:
        return [Passage.from_json(json.loads(line)) for line in fh if line.strip()]


def load_build(
    index_dir: Path,
    manifest: dict[str, Any],
    read_dense: Callable[[Path], Any],
    read_bm25: Callable[[Path], Any],
) -> StoredIndex:
    """Open the live build; any damage becomes an IndexError_ that tells the user to rebuild."""
    folder = build_folder(index_dir, manifest["build_id"])
    try:
        passages = read_passages(folder)
        vectors = np.load(folder / "vectors.npy", mmap_mode="r", allow_pickle=False)
        sentence_vectors = np.load(folder / "sentence_vectors.npy", mmap_mode="r", allow_pickle=False)
        faiss_index = read_dense(folder / "dense.faiss")
        bm25 = read_bm25(folder / "bm25")
    except (OSError, ValueError, KeyError, RuntimeError, json.JSONDecodeError) as exc:
        raise IndexError_(f"index in {folder} is damaged ({type(exc).__name__}: {exc}); run `qa index`") from None
    counts = [len(p.sentences) for p in passages]
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    expected = manifest.get("counts", {})
    if (
        len(passages) != expected.get("passages")
        or vectors.shape[0] != len(passages)
        or sentence_vectors.shape[0] != int(offsets[-1])
        or getattr(faiss_index, "ntotal", len(passages)) != len(passages)
    ):
        raise IndexError_(f"index in {folder} is inconsistent with its manifest; run `qa index` to rebuild")
    return StoredIndex(manifest, passages, vectors, sentence_vectors, offsets, faiss_index, bm25, folder)
