"""A numpy forward pass of a BERT sentence-transformers model, for encoding questions fast.

Importing torch, transformers and sentence-transformers takes seconds; answering the first question
after start-up needs only one short text encoded. For the common model shape (a BERT encoder, mean
pooling, optional normalisation: all-MiniLM-L6-v2 and its kin) this module reads the same
``model.safetensors`` and ``tokenizer.json`` with ``safetensors`` and ``tokenizers`` (both already
dependencies of sentence-transformers, each imported in milliseconds) and computes the same vectors in
float32 numpy. ``supported`` says whether a model folder has that shape; anything else (another
architecture, CLS pooling, a dense head) keeps using sentence-transformers. The test suite checks that
both give the same vectors (cosine > 0.99999) on the bundled model.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

_TRANSFORMER = "sentence_transformers.models.Transformer"
_POOLING = "sentence_transformers.models.Pooling"
_NORMALIZE = "sentence_transformers.models.Normalize"


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def supported(path: Path) -> str | None:
    """None when ``path`` holds a model this module computes exactly; else the reason it does not."""
    try:
        modules = _read_json(path / "modules.json")
        config = _read_json(path / "config.json")
    except (OSError, ValueError) as exc:
        return f"no modules.json/config.json ({exc})"
    types = [m.get("type") for m in modules]
    if not (types[:2] == [_TRANSFORMER, _POOLING] and types[2:] in ([], [_NORMALIZE])):
        return f"modules {types} are not Transformer, Pooling[, Normalize]"
    if modules[0].get("path", "") != "":
        return "the transformer is not at the model folder's top level"
    if config.get("model_type") != "bert" or config.get("hidden_act") != "gelu":
        return f"model type {config.get('model_type')!r} / activation {config.get('hidden_act')!r} is not bert/gelu"
    if config.get("position_embedding_type", "absolute") != "absolute":
        return "position embeddings are not absolute"
    try:
        pooling = _read_json(path / modules[1].get("path", "1_Pooling") / "config.json")
    except (OSError, ValueError) as exc:
        return f"no pooling config ({exc})"
    modes = {k for k, v in pooling.items() if k.startswith("pooling_mode") and v}
    if modes != {"pooling_mode_mean_tokens"} or pooling.get("include_prompt", True) is not True:
        return f"pooling {sorted(modes)} is not mean pooling"
    if not (path / "model.safetensors").is_file() or not (path / "tokenizer.json").is_file():
        return "no model.safetensors or tokenizer.json"
    return None


def shape(path: Path, max_seq_length: int | None = None) -> tuple[int, int]:
    """(vector dimension, tokens read per text) of a supported model, from its config files alone."""
    config = _read_json(path / "config.json")
    limit = int(config.get("max_position_embeddings", 512))
    if max_seq_length is None:
        try:
            max_seq_length = int(_read_json(path / "sentence_bert_config.json")["max_seq_length"])
        except (OSError, ValueError, KeyError):
            max_seq_length = limit
    return int(config["hidden_size"]), min(max_seq_length, limit)


def _erf(x: np.ndarray) -> np.ndarray:
    """Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7, below float32 resolution of GELU's output)."""
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return sign * (1.0 - poly * np.exp(-a * a))


def _gelu(x: np.ndarray) -> np.ndarray:
    return (0.5 * x * (1.0 + _erf(x * np.float32(0.7071067811865476)))).astype(np.float32, copy=False)


def _layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w + b


class NumpyBert:
    """Mean-pooled, L2-normalised sentence vectors of a BERT model, in float32 numpy."""

    def __init__(self, path: Path, max_seq_length: int | None = None):
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        reason = supported(path)
        if reason:
            raise ValueError(f"{path}: {reason}")
        self.path = path
        config = _read_json(path / "config.json")
        self.heads = int(config["num_attention_heads"])
        self.layers = int(config["num_hidden_layers"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        self.dimension, self.max_seq_length = shape(path, max_seq_length)
        raw = load_file(str(path / "model.safetensors"))
        prefix = "bert." if any(k.startswith("bert.") for k in raw) else ""
        self.w = {k[len(prefix) :]: v.astype(np.float32, copy=False) for k, v in raw.items() if k.startswith(prefix)}
        # Linear weights are (out, in): stored here as contiguous (in, out) so that x @ W is one BLAS call on
        # a plain matrix (a transposed view costs ~1.5x as much at these sizes); query, key and value are
        # fused into one (in, 3 * out) product.
        self.lin: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for i in range(self.layers):
            p = f"encoder.layer.{i}."
            qkv = [p + f"attention.self.{n}" for n in ("query", "key", "value")]
            self.lin[p + "qkv"] = (
                np.ascontiguousarray(np.concatenate([self.w[n + ".weight"] for n in qkv]).T),
                np.concatenate([self.w[n + ".bias"] for n in qkv]),
            )
            for n in ("attention.output.dense", "intermediate.dense", "output.dense"):
                self.lin[p + n] = (np.ascontiguousarray(self.w[p + n + ".weight"].T), self.w[p + n + ".bias"])
        self.w = {
            k: v
            for k, v in self.w.items()
            if not (k.startswith("encoder.") and k.endswith(".weight")) or "LayerNorm" in k
        }
        self.tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=self.max_seq_length)

    def _linear(self, x: np.ndarray, name: str) -> np.ndarray:
        weight, bias = self.lin[name]
        out = x @ weight
        out += bias
        return out

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One vector per text; texts are encoded one by one (no padding, so no wasted work)."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for i, enc in enumerate(self.tokenizer.encode_batch(list(texts))):
            out[i] = self._forward(np.asarray(enc.ids, dtype=np.int64), np.asarray(enc.type_ids, dtype=np.int64))
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-12)

    def _forward(self, ids: np.ndarray, type_ids: np.ndarray) -> np.ndarray:
        w = self.w
        n = ids.size
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:n]
            + w["embeddings.token_type_embeddings.weight"][type_ids]
        )
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], self.eps)
        d = x.shape[1] // self.heads
        scale = np.float32(1.0 / np.sqrt(d))
        for i in range(self.layers):
            p = f"encoder.layer.{i}."
            qkv = self._linear(x, p + "qkv").reshape(n, 3, self.heads, d)
            q = qkv[:, 0].transpose(1, 0, 2)
            k = qkv[:, 1].transpose(1, 2, 0)
            v = qkv[:, 2].transpose(1, 0, 2)
            att = (q @ k) * scale
            att = np.exp(att - att.max(-1, keepdims=True))
            att /= att.sum(-1, keepdims=True)
            ctx = (att @ v).transpose(1, 0, 2).reshape(n, -1)
            x = _layer_norm(
                self._linear(ctx, p + "attention.output.dense") + x,
                w[p + "attention.output.LayerNorm.weight"],
                w[p + "attention.output.LayerNorm.bias"],
                self.eps,
            )
            h = _gelu(self._linear(x, p + "intermediate.dense"))
            x = _layer_norm(
                self._linear(h, p + "output.dense") + x,
                w[p + "output.LayerNorm.weight"],
                w[p + "output.LayerNorm.bias"],
                self.eps,
            )
        return x.mean(0)
