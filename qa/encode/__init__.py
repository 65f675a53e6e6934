"""Texts to vectors: the sentence-transformers model, its fast question path and the embedding cache."""

from __future__ import annotations

from qa.encode.cache import EmbeddingCache, cache_key
from qa.encode.embedder import Embedder, ModelUnavailable, resolve_model_path
from qa.encode.onnx_encoder import OnnxEncoder

__all__ = [
    "Embedder",
    "EmbeddingCache",
    "ModelUnavailable",
    "OnnxEncoder",
    "cache_key",
    "resolve_model_path",
]
