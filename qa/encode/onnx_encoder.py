"""Questions encoded by ONNX Runtime, from a graph that torch exported once, with the model's own tokenizer.

Why not sentence-transformers for questions: importing torch, transformers and sentence-transformers takes
seconds, and the first answer after start-up needs one short text encoded. The model's forward pass is exported
by ``torch.onnx.export`` the first time it is needed (at index build, where torch is loaded anyway, or at the
first question) and kept on disk beside the index; every later start opens it with a plain
``onnxruntime.InferenceSession`` and tokenizes with the ``tokenizers`` library, then pools and normalises as
sentence-transformers does (mean over the tokens, L2). No forward pass is written by hand here: the graph is the
library's own. Tests check the vectors against sentence-transformers' (cosine >= 0.9999).

The weights are kept out of the graph's protobuf, in a safetensors file beside it, and handed to ONNX Runtime as
numpy arrays (``add_external_initializers``): a session then opens in about a tenth of the time it takes to parse
90 MB of protobuf.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from qa.atomic import atomic_write_bytes

__all__ = ["OnnxEncoder", "available", "export_graph", "graph_files", "shape", "supported"]

GRAPH_VERSION = 2  # bump when export_graph writes another graph: graphs cached by earlier versions are ignored
OPSET = 17  # LayerNormalization as one operator
INLINE_BYTES = 1024  # smaller constants (shapes, scalars) stay inside the graph
_TRANSFORMER = "sentence_transformers.models.Transformer"
_POOLING = "sentence_transformers.models.Pooling"
_NORMALIZE = "sentence_transformers.models.Normalize"
_WEIGHTS = ("model.safetensors", "pytorch_model.bin")
# Graphs exported by this process, by file name: one export per model and process however many index folders
# (the tests build dozens). The session uses these very arrays (no copy), so keeping them costs no memory.
_EXPORTED: dict[str, tuple[bytes, dict[str, np.ndarray]]] = {}


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def available() -> str | None:
    """None when onnxruntime imports; else the reason (questions then go through sentence-transformers)."""
    try:
        import onnxruntime  # noqa: F401
    except ImportError as exc:
        return f"onnxruntime is not installed ({exc})"
    return None


def supported(path: Path) -> str | None:
    """None when ``path`` is a model this encoder computes exactly (one transformer, mean pooling, optional
    normalisation); else why not, and sentence-transformers encodes questions too."""
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
    if "hidden_size" not in config:
        return "config.json gives no hidden_size"
    try:
        pooling = _read_json(path / modules[1].get("path", "1_Pooling") / "config.json")
    except (OSError, ValueError) as exc:
        return f"no pooling config ({exc})"
    modes = {k for k, v in pooling.items() if k.startswith("pooling_mode") and v}
    if modes != {"pooling_mode_mean_tokens"} or pooling.get("include_prompt", True) is not True:
        return f"pooling {sorted(modes)} is not mean pooling"
    if not (path / "tokenizer.json").is_file() or not any((path / w).is_file() for w in _WEIGHTS):
        return f"no tokenizer.json or weights ({', '.join(_WEIGHTS)})"
    return None


def shape(path: Path) -> tuple[int, int]:
    """(vector dimension, tokens read per text) of a supported model, from its config files alone."""
    config = _read_json(path / "config.json")
    limit = int(config.get("max_position_embeddings", 512))
    try:
        max_seq_length = int(_read_json(path / "sentence_bert_config.json")["max_seq_length"])
    except (OSError, ValueError, KeyError):
        max_seq_length = limit
    return int(config["hidden_size"]), min(max_seq_length, limit)


def graph_files(path: Path, folder: Path) -> tuple[Path, Path]:
    """(graph, weights) files for the model at ``path``: named by the model folder, its config and the size and
    time of its weights, so another model, or new weights in the same folder, get graphs of their own."""
    weights = [path / w for w in _WEIGHTS if (path / w).is_file()]
    stamp = [[w.name, w.stat().st_size, w.stat().st_mtime_ns] for w in weights]
    key = json.dumps(
        {
            "version": GRAPH_VERSION,
            "opset": OPSET,
            "model": str(path.resolve()),
            "config": (path / "config.json").read_text(encoding="utf-8"),
            "weights": stamp,
        }
    )
    name = f"question-encoder-{hashlib.sha256(key.encode()).hexdigest()[:16]}"
    return folder / f"{name}.onnx", folder / f"{name}.safetensors"


def export_graph(path: Path) -> tuple[bytes, dict[str, np.ndarray]]:
    """The model's forward pass (token ids in, last hidden state out) exported by torch, and its large
    constants taken out of it. Needs torch, transformers and onnx: seconds, once per model."""
    import os
    import warnings

    for flag in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_HUB_DISABLE_TELEMETRY"):
        os.environ[flag] = "1"  # before transformers is imported: nothing is ever downloaded
    import onnx
    import torch
    from onnx import numpy_helper
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()  # no "Loading weights" bar in the middle of a build's or an answer's output
    try:
        model = AutoModel.from_pretrained(str(path), local_files_only=True).eval()
    finally:
        if bars:
            hf_logging.enable_progress_bar()

    class LastHiddenState(torch.nn.Module):
        """Token ids in, the last hidden state out. No attention mask: texts go one at a time, unpadded, so
        every token counts; leaving the mask out spares the graph its ~110 mask operators (5 % of a question)."""

        def __init__(self, inner: Any):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, token_type_ids: Any) -> Any:
            return self.inner(input_ids=input_ids, token_type_ids=token_type_ids).last_hidden_state

    names = ["input_ids", "token_type_ids"]
    ids = torch.ones((1, 8), dtype=torch.long)
    buffer = io.BytesIO()
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tracer's notes on transformers' Python control flow
        torch.onnx.export(
            LastHiddenState(model),
            (ids, torch.zeros_like(ids)),
            buffer,
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes={k: {0: "batch", 1: "tokens"} for k in [*names, "last_hidden_state"]},
            opset_version=OPSET,
            dynamo=False,  # the TorchScript exporter: the dynamo one needs onnxscript, not a dependency
        )
    graph = onnx.load_from_string(buffer.getvalue())
    external: dict[str, np.ndarray] = {}
    for init in graph.graph.initializer:
        array = numpy_helper.to_array(init)
        if array.nbytes < INLINE_BYTES:
            continue
        external[init.name] = np.ascontiguousarray(array)
        # Left in the graph as a reference to data supplied at session creation (add_external_initializers).
        init.ClearField("raw_data")
        init.data_location = onnx.TensorProto.EXTERNAL
        for key, value in (("location", "in-memory"), ("offset", "0"), ("length", str(array.nbytes))):
            entry = init.external_data.add()
            entry.key, entry.value = key, value
    return graph.SerializeToString(), external


def _load_or_export(path: Path, folder: Path | None, reuse: bool) -> tuple[bytes, dict[str, np.ndarray], bool]:
    """(graph, its weights, whether they came from ``folder``). Exported when absent (or not ``reuse``), then
    saved in ``folder`` atomically, weights before graph, if the folder exists and can be written."""
    from safetensors.numpy import load_file, save

    files = graph_files(path, folder) if folder is not None else None
    if reuse and files is not None and files[0].is_file():
        try:
            return files[0].read_bytes(), load_file(str(files[1])), True
        except Exception:  # noqa: BLE001 - a damaged or half-removed cache: export again
            pass
    memo = graph_files(path, Path())[0].name
    if memo not in _EXPORTED:
        _EXPORTED[memo] = export_graph(path)
    graph, external = _EXPORTED[memo]
    if files is not None and folder is not None and folder.is_dir():
        try:
            atomic_write_bytes(files[1], save(external))
            atomic_write_bytes(files[0], graph)
        except OSError:
            pass  # a read-only index folder: the next start exports again
    return graph, external, False


def _session(threads: int, graph: bytes, external: dict[str, np.ndarray]) -> Any:
    """Spinning off, so idle ONNX Runtime threads do not hold a core another request or the web server needs."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = max(1, threads)
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.log_severity_level = 3
    values = [ort.OrtValue.ortvalue_from_numpy(a) for a in external.values()]
    options.add_external_initializers(list(external), values)
    return ort.InferenceSession(graph, options, providers=["CPUExecutionProvider"])


class OnnxEncoder:
    """Mean-pooled, L2-normalised vectors of a sentence-transformers model, computed by ONNX Runtime."""

    def __init__(self, path: Path, threads: int = 1, graph_folder: Path | None = None):
        """``graph_folder``: where the exported graph is kept between starts (the index folder)."""
        from tokenizers import Tokenizer

        reason = supported(path)
        if reason:
            raise ValueError(f"{path}: {reason}")
        self.path, self.threads = path, max(1, threads)
        self.dimension, self.max_seq_length = shape(path)
        self.tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=self.max_seq_length)
        graph, external, cached = _load_or_export(path, graph_folder, reuse=True)
        self.graph_folder, self.saved = graph_folder, cached
        try:
            self.session = _session(threads, graph, external)
        except Exception:
            if not cached:
                raise
            graph, external, _ = _load_or_export(path, graph_folder, reuse=False)  # a damaged cached graph
            self.session = _session(threads, graph, external)
        self.inputs = {i.name for i in self.session.get_inputs()}

    def keep(self) -> None:
        """Save the graph in its folder now if it was exported before that folder existed (a new index's first
        build encodes its texts with it), so the next start does not export it again at its first question."""
        if self.saved or self.graph_folder is None or graph_files(self.path, self.graph_folder)[0].is_file():
            return
        _load_or_export(self.path, self.graph_folder, reuse=False)  # this process's export, written out
        self.saved = True

    def encode_many(self, texts: Sequence[str], most: int = 4) -> np.ndarray:
        """A corpus's texts: the same session run from one thread per free core (ONNX Runtime lets go of the
        GIL and a session may be run from several threads), so no second copy of the weights is loaded. On 2
        cores, all-mpnet-base-v2 over a manual's passages: 3.9 texts/s, against 1.8 for sentence-transformers'
        batches of the same texts."""
        workers = max(1, min((os.cpu_count() or 1) // self.threads, most, len(texts)))
        if workers == 1:
            return self.encode(texts)
        parts = [list(texts[i::workers]) for i in range(workers)]
        with ThreadPoolExecutor(workers) as pool:
            done = list(pool.map(self.encode, parts))
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for i, part in enumerate(done):
            out[i::workers] = part
        return out

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One vector per text. Texts go one by one, unpadded: questions come one at a time, and padding a
        batch would only add work; every token then counts in the mean, as sentence-transformers' mask says
        for an unpadded text."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for i, enc in enumerate(self.tokenizer.encode_batch(list(texts))):
            ids = np.asarray([enc.ids], dtype=np.int64)
            feeds = {"input_ids": ids, "token_type_ids": np.asarray([enc.type_ids], dtype=np.int64)}
            feeds = {k: v for k, v in feeds.items() if k in self.inputs}  # MPNet's graph reads no token types
            out[i] = self.session.run(None, feeds)[0][0].mean(axis=0)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-12)
