"""The question encoder's forward pass as an ONNX graph, run by ONNX Runtime.

The numpy pass in qa/encode/numpy_bert.py spends a question's ~12 ms mostly between numpy calls (one
temporary array per step, 60 steps a layer); ONNX Runtime runs the same arithmetic as fused kernels
in about half that. The graph is written here from the very weights ``NumpyBert`` reads, step for
step as its ``_forward`` computes them, rather than exported through torch: building it needs no
torch import (so the first answer after start-up stays quick) and no tracing of transformers'
internals that a library upgrade could change. One unpadded text per run, so no attention mask.
The weights are not copied into the protobuf: the graph names them as external data and the numpy
arrays are handed to ONNX Runtime directly (``add_external_initializers``), which makes a session in
about 0.1 s instead of 0.6 s. The test suite checks its vectors against sentence-transformers'
(cosine > 0.99999).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from qa.encode.numpy_bert import NumpyBert

OPSET = 20  # Gelu and LayerNormalization as single operators
IR_VERSION = 10  # opset 20 needs IR 9+; onnx writes its newest, which an older onnxruntime may refuse
GRAPH_VERSION = 1  # bump when _trace or build_graph writes another graph: cached graphs are then ignored
INLINE_BYTES = 1024  # smaller constants (shapes, scalars) are inside the graph, larger ones external


def available() -> str | None:
    """None when onnxruntime imports and onnx is installed (looked up, not imported: only writing the
    graph needs it); else the reason (the numpy pass is used then)."""
    try:
        import onnxruntime  # noqa: F401
    except ImportError as exc:
        return f"onnxruntime/onnx not installed ({exc})"
    if importlib.util.find_spec("onnx") is None:
        return "onnxruntime/onnx not installed (no module named 'onnx')"
    return None


class _Arrays:
    """Records what the graph's external initializers name, and nothing else: with the graph read from
    its cache, this is all a session still needs, and it needs no ``onnx`` import (about 0.6 s here)."""

    def __init__(self) -> None:
        self.external: dict[str, np.ndarray] = {}

    def const(self, name: str, value: np.ndarray) -> str:
        array = np.asarray(value, order="C")
        if array.nbytes >= INLINE_BYTES:
            self.external[name] = array
        return name

    def op(self, kind: str, inputs: list[str], out: str, **attrs: Any) -> str:
        return out


class _Graph(_Arrays):
    """Records the graph itself as ``onnx`` protobuf nodes and initializers."""

    def __init__(self) -> None:
        super().__init__()
        from onnx import helper

        self.helper = helper
        self.nodes: list[Any] = []
        self.inits: list[Any] = []

    def const(self, name: str, value: np.ndarray) -> str:
        from onnx import TensorProto, numpy_helper

        array = np.asarray(value, order="C")
        if array.nbytes < INLINE_BYTES:  # shapes and scalars stay inline: ONNX shape inference reads them
            self.inits.append(numpy_helper.from_array(array, name))
            return name
        tensor = TensorProto(name=name, data_type=self.helper.np_dtype_to_tensor_dtype(array.dtype), dims=array.shape)
        tensor.data_location = TensorProto.EXTERNAL
        for key, value_ in (("location", "in-memory"), ("offset", "0"), ("length", str(array.nbytes))):
            entry = tensor.external_data.add()
            entry.key, entry.value = key, value_
        self.inits.append(tensor)
        self.external[name] = array
        return name

    def op(self, kind: str, inputs: list[str], out: str, **attrs: Any) -> str:
        self.nodes.append(self.helper.make_node(kind, inputs, [out], **attrs))
        return out


def _trace(bert: NumpyBert, g: _Arrays) -> None:
    """The forward pass, step for step as ``NumpyBert._forward``, told to a recorder."""
    op, const = g.op, g.const

    def layer_norm(x: str, prefix: str, out: str) -> str:
        w = const(prefix + ".weight", bert.w[prefix + ".weight"])
        b = const(prefix + ".bias", bert.w[prefix + ".bias"])
        return op("LayerNormalization", [x, w, b], out, axis=-1, epsilon=bert.eps)

    def linear(x: str, name: str, out: str) -> str:
        weight, bias = bert.lin[name]
        product = op("MatMul", [x, const(name + ".W", weight)], out + ".mm")
        return op("Add", [product, const(name + ".b", bias)], out)

    w = bert.w
    heads, dim = bert.heads, bert.dimension
    d = dim // heads
    words = op("Gather", [const("word", w["embeddings.word_embeddings.weight"]), "ids"], "e.word")
    places = op("Gather", [const("position", w["embeddings.position_embeddings.weight"]), "positions"], "e.pos")
    kinds = op("Gather", [const("type", w["embeddings.token_type_embeddings.weight"]), "type_ids"], "e.type")
    x = op("Add", [op("Add", [words, places], "e.wp"), kinds], "e.sum")
    x = layer_norm(x, "embeddings.LayerNorm", "x.0")
    split = const("shape.qkv", np.array([-1, 3, heads, d], dtype=np.int64))
    flat = const("shape.flat", np.array([-1, dim], dtype=np.int64))
    scale = const("scale", np.array(1.0 / np.sqrt(d), dtype=np.float32))
    picks = [const(f"pick.{j}", np.array(j, dtype=np.int64)) for j in range(3)]
    for i in range(bert.layers):
        p = f"encoder.layer.{i}."
        qkv = op("Reshape", [linear(x, p + "qkv", p + "qkv"), split], p + "qkv.4d")
        q, k, v = (op("Gather", [qkv, picks[j]], p + "qkv." + "qkv"[j], axis=1) for j in range(3))
        q = op("Transpose", [q], p + "q.t", perm=[1, 0, 2])
        k = op("Transpose", [k], p + "k.t", perm=[1, 2, 0])
        v = op("Transpose", [v], p + "v.t", perm=[1, 0, 2])
        att = op("Mul", [op("MatMul", [q, k], p + "qk"), scale], p + "qk.scaled")
        att = op("Softmax", [att], p + "att", axis=-1)
        ctx = op("Transpose", [op("MatMul", [att, v], p + "ctx.h")], p + "ctx.t", perm=[1, 0, 2])
        ctx = op("Reshape", [ctx, flat], p + "ctx")
        attended = op("Add", [linear(ctx, p + "attention.output.dense", p + "ao"), x], p + "ao.res")
        x = layer_norm(attended, p + "attention.output.LayerNorm", p + "x.att")
        h = op("Gelu", [linear(x, p + "intermediate.dense", p + "inter")], p + "gelu")
        out = op("Add", [linear(h, p + "output.dense", p + "out"), x], p + "out.res")
        x = layer_norm(out, p + "output.LayerNorm", f"x.{i + 1}")
    op("ReduceMean", [x, const("axis0", np.array([0], dtype=np.int64))], "pooled", keepdims=0)


def build_graph(bert: NumpyBert) -> tuple[Any, dict[str, np.ndarray]]:
    """An ``onnx.ModelProto`` computing ``bert._forward`` (mean-pooled, not yet normalised), and the
    arrays its external initializers name."""
    from onnx import TensorProto

    g = _Graph()
    _trace(bert, g)
    helper = g.helper
    ints = [helper.make_tensor_value_info(n, TensorProto.INT64, ["tokens"]) for n in ("ids", "positions", "type_ids")]
    pooled = helper.make_tensor_value_info("pooled", TensorProto.FLOAT, [bert.dimension])
    graph = helper.make_graph(g.nodes, "question_encoder", ints, [pooled], g.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="qa-offline")
    model.ir_version = IR_VERSION
    return model, g.external


def graph_file(bert: NumpyBert, external: dict[str, np.ndarray], folder: Path) -> Path:
    """Where the serialized graph for this model's shape is cached. The graph holds no weights, only
    their names, shapes and types, the model's layout and what this module writes, so those name it."""
    arrays = [[name, list(a.shape), str(a.dtype)] for name, a in external.items()]
    layout = {"layers": bert.layers, "heads": bert.heads, "dimension": bert.dimension, "eps": bert.eps}
    key = json.dumps({"version": GRAPH_VERSION, "opset": OPSET, "ir": IR_VERSION, **layout, "arrays": arrays})
    return folder / f"question-encoder-{hashlib.sha256(key.encode()).hexdigest()[:16]}.onnx"


def graph_and_arrays(
    bert: NumpyBert, folder: Path | None, reuse: bool = True
) -> tuple[bytes, dict[str, np.ndarray], bool]:
    """The serialized graph, its external arrays, and whether the graph came from ``folder``. The graph
    is read from there when an earlier start saved it (and ``reuse``); else ``onnx`` writes it and it is
    saved there atomically, if the folder exists and can be written (else the next start writes it
    again)."""
    arrays = _Arrays()
    _trace(bert, arrays)
    cache = graph_file(bert, arrays.external, folder) if folder is not None else None
    if reuse and cache is not None and cache.is_file():
        try:
            return cache.read_bytes(), arrays.external, True
        except OSError:
            pass
    model, external = build_graph(bert)
    data = model.SerializeToString()
    if cache is not None and cache.parent.is_dir():
        from qa.atomic import atomic_write_bytes

        try:
            atomic_write_bytes(cache, data)
        except OSError:
            pass
    return data, external, False


def _session(ort: Any, threads: int, graph: bytes, external: dict[str, np.ndarray]) -> Any:
    options = ort.SessionOptions()
    options.intra_op_num_threads = max(1, threads)
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.log_severity_level = 3
    values = [ort.OrtValue.ortvalue_from_numpy(a) for a in external.values()]
    options.add_external_initializers(list(external), values)
    return ort.InferenceSession(graph, options, providers=["CPUExecutionProvider"])


class OnnxBert:
    """Same vectors as ``NumpyBert`` (and sentence-transformers), computed by ONNX Runtime.

    ``threads`` fixes the session's intra-op threads; spinning is off so that idle worker threads do not
    hold a core that another request (or the web server) needs.
    """

    def __init__(self, bert: NumpyBert, threads: int = 1, graph_folder: Path | None = None):
        """``graph_folder``: where the serialized graph is kept between starts (``graph_and_arrays``)."""
        import onnxruntime as ort

        self.tokenizer = bert.tokenizer  # the weights stay with ``bert``; the session has its own copy
        self.dimension = bert.dimension
        self.max_seq_length = bert.max_seq_length
        graph, external, cached = graph_and_arrays(bert, graph_folder)
        try:
            self.session = _session(ort, threads, graph, external)
        except Exception:
            if not cached:
                raise
            graph, external, _ = graph_and_arrays(bert, graph_folder, reuse=False)  # a damaged cached graph
            self.session = _session(ort, threads, graph, external)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One normalised vector per text, encoded one by one as ``NumpyBert.encode`` does."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for i, enc in enumerate(self.tokenizer.encode_batch(list(texts))):
            ids = np.asarray(enc.ids, dtype=np.int64)
            feeds = {
                "ids": ids,
                "positions": np.arange(ids.size, dtype=np.int64),
                "type_ids": np.asarray(enc.type_ids, dtype=np.int64),
            }
            out[i] = self.session.run(None, feeds)[0]
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-12)
