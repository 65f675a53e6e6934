"""The FAISS side: exact inner-product search while small, an ANN index from the factory when large."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from qa.settings import Settings

SENTENCE_INDEX = "sentences.faiss"
FACTORIES = "faiss.json"  # which factory string built each FAISS file of a build


def index_factory_string(n_vectors: int, settings: Settings) -> str:
    """Exact search is both fastest and exact below the threshold; past it the ANN factory string."""
    return "Flat" if n_vectors < settings.ann_threshold else settings.ann_factory


def sentence_factory_string(n_sentences: int, settings: Settings) -> str | None:
    """The sentence vectors get a FAISS index of their own once a scan over them would be slow; below
    ``sentence_ann_threshold`` retrieval scans them with one matrix product (None: no index file)."""
    if n_sentences < settings.sentence_ann_threshold:
        return None
    return settings.sentence_ann_factory or settings.ann_factory


def build_dense_index(vectors: np.ndarray, settings: Settings, factory: str | None = None) -> Any:
    data = np.ascontiguousarray(vectors, dtype=np.float32)
    index = _trained_empty(data, settings, factory or index_factory_string(len(vectors), settings))
    for i in range(0, len(data), 100_000):  # bounded extra memory while adding
        index.add(data[i : i + 100_000])
    return index


def _trained_empty(data: np.ndarray, settings: Settings, factory: str) -> Any:
    import faiss

    dim = data.shape[1] if data.ndim == 2 and data.shape[1] else 1  # an empty build keeps the model's width
    index = faiss.index_factory(dim, factory, faiss.METRIC_INNER_PRODUCT)
    if not index.is_trained:
        # k-means time grows with the sample; FAISS wants at least 39 points per IVF list.
        match = re.search(r"IVF(\d+)", factory)
        want = max(settings.ann_train_size, 40 * int(match.group(1)) if match else 0)
        sample = data
        if len(data) > want:
            rng = np.random.default_rng(0)
            sample = data[np.sort(rng.choice(len(data), want, replace=False))]
        index.train(sample)
    return index


SENTENCE_LISTS = "sentences.lists.npy"  # the IVF list of every sentence row, for the next update


def write_dense_index(
    path: Path,
    vectors: np.ndarray,
    settings: Settings,
    sentence_vectors: np.ndarray | None = None,
    previous: Path | None = None,
    sentence_lists: np.ndarray | None = None,
) -> None:
    """The passage index at ``path``; with ``sentence_vectors`` past the threshold, their index beside it.

    ``faiss.json`` beside them names each file's factory string, so that the next build can reuse a
    trained IVF/PQ index (its centroids) and only add the vectors again: an update then costs no k-means.
    An IVF sentence index also keeps each row's list: given ``previous`` (the build folder it came from)
    and ``sentence_lists`` (those lists carried over to this build's rows, -1 for new rows), only new rows
    are compared with the centroids, which is most of the cost of adding vectors to an IVF index.
    """
    import faiss

    written = {}
    factory = index_factory_string(len(vectors), settings)
    faiss.write_index(_build_reusing(path, vectors, settings, factory)[0], str(path))
    written[path.name] = factory
    if sentence_vectors is not None:
        s_factory = sentence_factory_string(len(sentence_vectors), settings)
        if s_factory is not None:
            target = path.parent / SENTENCE_INDEX
            index, lists = _build_reusing(target, sentence_vectors, settings, s_factory, previous, sentence_lists)
            faiss.write_index(index, str(target))
            if lists is not None:
                np.save(path.parent / SENTENCE_LISTS, lists, allow_pickle=False)
            written[SENTENCE_INDEX] = s_factory
    (path.parent / FACTORIES).write_text(json.dumps(written), encoding="utf-8")


def read_sentence_lists(folder: Path, rows: int) -> np.ndarray | None:
    """The IVF list of each sentence row of a build, when it kept them (None otherwise)."""
    try:
        lists = np.load(folder / SENTENCE_LISTS, allow_pickle=False)
    except (OSError, ValueError):
        return None
    return lists if lists.shape == (rows,) and lists.dtype.kind == "i" else None


def _build_reusing(
    target: Path,
    vectors: np.ndarray,
    settings: Settings,
    factory: str,
    previous: Path | None = None,
    lists: np.ndarray | None = None,
) -> tuple[Any, np.ndarray | None]:
    """(index, IVF list of every row or None)."""
    import faiss

    data = np.ascontiguousarray(vectors, dtype=np.float32)
    if "IVF" not in factory and "PQ" not in factory:
        return build_dense_index(data, settings, factory), None
    found = _previous_trained(target, factory, data.shape[1] if data.ndim == 2 else 0, previous)
    if found is not None:
        index, source = found
        index.reset()
    else:
        index, source = _trained_empty(data, settings, factory), None
    ivf = index if isinstance(index, faiss.IndexIVF) else None
    if ivf is None or not len(data):  # e.g. a transform in front: add the plain way
        for i in range(0, len(data), 100_000):
            index.add(data[i : i + 100_000])
        return index, None
    usable = lists is not None and source is not None and source == previous and lists.shape == (len(data),)
    assign = lists.astype(np.int64) if usable else np.full(len(data), -1, np.int64)
    if assign.size and (assign.min() < -1 or assign.max() >= ivf.nlist):  # a damaged file: assign them all
        assign[:] = -1
    todo = np.flatnonzero(assign < 0)
    for i in range(0, len(todo), 100_000):
        rows = todo[i : i + 100_000]
        assign[rows] = ivf.quantizer.search(data[rows], 1)[1][:, 0]
    for i in range(0, len(data), 100_000):
        part, at = data[i : i + 100_000], np.ascontiguousarray(assign[i : i + 100_000])
        index.add_core(len(part), faiss.swig_ptr(part), None, faiss.swig_ptr(at))
    return index, assign.astype(np.int32)


def _previous_trained(target: Path, factory: str, dim: int, prefer: Path | None = None) -> tuple[Any, Path] | None:
    """The same-factory index of another build folder (the live one, during a build), trained already,
    and the folder it came from; ``prefer`` is tried first."""
    import faiss

    builds = target.parent.parent
    if not builds.is_dir():
        return None
    folders = sorted(builds.iterdir(), key=lambda f: f.stat().st_mtime, reverse=True)
    if prefer is not None:
        folders = [prefer, *(f for f in folders if f != prefer)]
    for folder in folders:
        if folder == target.parent or folder.name.startswith(".") or not (folder / target.name).is_file():
            continue
        try:
            if json.loads((folder / FACTORIES).read_text(encoding="utf-8")).get(target.name) != factory:
                continue
            index = faiss.read_index(str(folder / target.name))
        except (OSError, ValueError, RuntimeError):
            continue
        if index.d == dim and index.is_trained:
            return index, folder
    return None


def tune(index: Any, settings: Settings) -> Any:
    """Search-time parameters from the settings (HNSW efSearch, IVF nprobe), wherever they sit."""
    import faiss

    inner = index
    if isinstance(index, faiss.IndexPreTransform):
        inner = faiss.downcast_index(index.index)
    if hasattr(inner, "hnsw"):
        inner.hnsw.efSearch = settings.hnsw_ef_search
    ivf = faiss.try_extract_index_ivf(inner) if hasattr(faiss, "try_extract_index_ivf") else None
    if ivf is not None:
        ivf.nprobe = settings.ivf_nprobe
        quantizer = faiss.downcast_index(ivf.quantizer)
        if hasattr(quantizer, "hnsw"):
            quantizer.hnsw.efSearch = max(settings.hnsw_ef_search, settings.ivf_nprobe)
    return index


class FlatScan:
    """Exact inner-product search as one matrix-vector product over the build's memory-mapped
    vectors.npy: what FAISS's flat index computes, without importing FAISS (~0.5 s of start-up)."""

    def __init__(self, vectors: np.ndarray):
        self.vectors = vectors
        self.ntotal, self.d = int(vectors.shape[0]), int(vectors.shape[1])

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        scores = np.asarray(queries, dtype=np.float32) @ np.asarray(self.vectors).T
        k = min(k, self.ntotal)
        top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        picked = np.take_along_axis(scores, top, axis=1)
        order = np.argsort(-picked, axis=1, kind="stable")
        return np.take_along_axis(picked, order, axis=1), np.take_along_axis(top, order, axis=1).astype(np.int64)


_FLAT_IP = b"IxFI"  # FAISS's tag for a flat inner-product index


def read_dense_index(path: Path, settings: Settings) -> Any:
    if not path.is_file():
        raise OSError(f"missing {path.name}")
    beside = path.parent / "vectors.npy"
    if path.name != SENTENCE_INDEX and beside.is_file():
        with path.open("rb") as fh:
            if fh.read(4) == _FLAT_IP:
                vectors = np.load(beside, mmap_mode="r", allow_pickle=False)
                if vectors.ndim == 2 and vectors.dtype == np.float32 and vectors.shape[0]:
                    return FlatScan(vectors)
    import faiss

    try:
        index = faiss.read_index(str(path), faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY)
    except RuntimeError:  # index types FAISS cannot memory-map are read into memory
        index = faiss.read_index(str(path))
    return tune(index, settings)


def dense_search(index: Any, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Top-k (scores, rows) for one L2-normalised query vector; rows of -1 are dropped."""
    k = min(k, index.ntotal)
    if k <= 0:
        return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
    scores, rows = index.search(np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32), k)
    keep = rows[0] >= 0
    return scores[0][keep], rows[0][keep]


def dense_search_within(
    index: Any, query: np.ndarray, k: int, ranges: Sequence[tuple[int, int]], settings: Settings
) -> tuple[np.ndarray, np.ndarray] | None:
    """Top-k among the rows in ``ranges`` by the ANN index itself (a FAISS IDSelector); None when the index
    takes no selector (the flat scan, a transform in front), and the caller scans the rows exactly instead."""
    import faiss

    if isinstance(index, FlatScan) or not ranges or k <= 0:
        return None
    kept = [faiss.IDSelectorRange(int(a), int(b)) for a, b in ranges]  # referenced until the search is done
    selector = kept[0]
    for other in kept[1:]:
        selector = faiss.IDSelectorOr(selector, other)
        kept.append(selector)
    if isinstance(index, faiss.IndexHNSW):
        params: Any = faiss.SearchParametersHNSW(sel=selector, efSearch=settings.hnsw_ef_search)
    elif isinstance(index, faiss.IndexIVF):
        params = faiss.SearchParametersIVF(sel=selector, nprobe=settings.ivf_nprobe)
    else:
        return None
    k = min(k, sum(b - a for a, b in ranges))
    scores, rows = index.search(np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32), k, params=params)
    keep = rows[0] >= 0
    return scores[0][keep], rows[0][keep]
