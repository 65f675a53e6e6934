"""The FAISS side: exact inner-product search while small, an ANN index from the factory when large."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from qa.settings import Settings


def index_factory_string(n_vectors: int, settings: Settings) -> str:
    """Exact search is both fastest and exact below the threshold; past it the ANN factory string."""
    return "Flat" if n_vectors < settings.ann_threshold else settings.ann_factory


def build_dense_index(vectors: np.ndarray, settings: Settings) -> Any:
    import faiss

    dim = vectors.shape[1] if vectors.ndim == 2 and vectors.shape[0] else 1
    factory = index_factory_string(len(vectors), settings)
    index = faiss.index_factory(dim, factory, faiss.METRIC_INNER_PRODUCT)
    data = np.ascontiguousarray(vectors, dtype=np.float32)
    if not index.is_trained:
        index.train(data)
    if len(data):
        index.add(data)
    return index


def write_dense_index(path: Path, vectors: np.ndarray, settings: Settings) -> None:
    import faiss

    faiss.write_index(build_dense_index(vectors, settings), str(path))


def read_dense_index(path: Path, settings: Settings) -> Any:
    import faiss

    if not path.is_file():
        raise OSError(f"missing {path.name}")
    index = faiss.read_index(str(path), faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY)
    if hasattr(index, "hnsw"):
        index.hnsw.efSearch = settings.hnsw_ef_search
    return index


def dense_search(index: Any, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Top-k (scores, rows) for one L2-normalised query vector; rows of -1 are dropped."""
    k = min(k, index.ntotal)
    if k <= 0:
        return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
    scores, rows = index.search(np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32), k)
    keep = rows[0] >= 0
    return scores[0][keep], rows[0][keep]
