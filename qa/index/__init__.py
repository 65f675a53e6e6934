"""The index on disk: building it (only what changed), its store, the FAISS side and the BM25 side."""

from __future__ import annotations

from qa.index.build import BuildReport, EmptyCorpus, build_index, open_index, staleness
from qa.index.store import IndexError_, StoredIndex, read_manifest

__all__ = [
    "BuildReport",
    "EmptyCorpus",
    "IndexError_",
    "StoredIndex",
    "build_index",
    "open_index",
    "read_manifest",
    "staleness",
]
