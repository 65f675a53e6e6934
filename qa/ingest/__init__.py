"""Reading a corpus folder into documents, and documents into passages with sentence spans."""

from __future__ import annotations

from qa.ingest.chunking import ChunkConfig, chunk_document
from qa.ingest.loading import LoadReport, UnreadableFile, load_corpus, load_file, load_titles, read_document
from qa.ingest.sentences import split_sentences

__all__ = [
    "ChunkConfig",
    "LoadReport",
    "UnreadableFile",
    "chunk_document",
    "load_corpus",
    "load_file",
    "load_titles",
    "read_document",
    "split_sentences",
]
