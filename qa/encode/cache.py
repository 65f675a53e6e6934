"""Finished embeddings survive an interrupted build: vectors are checkpointed as they are computed.

``index_dir/cache/<key>/`` holds parts written atomically, each the SHA-256 of a text (with the model
and prefix folded into ``key``) and its vector. A build first takes every vector the cache already
has, encodes only the rest and checkpoints them part by part; a build killed midway (Ctrl-C, power
cut) therefore loses at most the part it was computing. A build that completes removes the cache: the
vectors then live in the build folder, where the next build reuses them per unchanged document.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

CACHE_DIR = "cache"


def cache_key(signature: dict[str, Any]) -> str:
    """What decides a text's vector besides the text: the model (weights hash) and the passage prefix."""
    model = signature.get("model", {})
    wanted = {k: model.get(k) for k in ("weights_sha256", "dimension", "passage_prefix")}
    return hashlib.sha256(json.dumps(wanted, sort_keys=True).encode()).hexdigest()[:16]


def text_digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


class EmbeddingCache:
    def __init__(self, index_dir: Path, key: str, dimension: int):
        self.root = index_dir / CACHE_DIR
        self.folder = self.root / key
        self.dimension = dimension
        self._known: dict[bytes, np.ndarray] | None = None
        self._parts = 0
        self.hits = 0  # texts that lookup found from an earlier build (not one this build just encoded)
        self._encoded_here: set[bytes] = set()
        self.encoded = 0  # texts encoded and saved by this build

    def load(self) -> dict[bytes, np.ndarray]:
        """Every checkpointed vector, by text digest; damaged parts are ignored (they are re-encoded)."""
        if self._known is not None:
            return self._known
        known: dict[bytes, np.ndarray] = {}
        if self.folder.is_dir():
            for part in sorted(self.folder.glob("part-*.npz")):
                try:
                    with np.load(part, allow_pickle=False) as data:
                        keys, vectors = data["keys"], data["vectors"]
                except (OSError, ValueError, KeyError, EOFError):
                    continue
                if keys.ndim != 2 or keys.shape[1] != 32 or vectors.shape != (len(keys), self.dimension):
                    continue
                for k, v in zip(keys, vectors.astype(np.float32, copy=False)):
                    known[k.tobytes()] = v
                self._parts += 1
        self._known = known
        return known

    def lookup(self, digests: Iterable[bytes]) -> list[np.ndarray | None]:
        known = self.load()
        digests = list(digests)
        found = [known.get(d) for d in digests]
        self.hits += sum(v is not None and d not in self._encoded_here for d, v in zip(digests, found))
        return found

    def adopt(self, vectors: dict[bytes, np.ndarray]) -> None:
        """Vectors from a finished build, held in memory only: they already live on disk there."""
        known = self.load()
        for d, v in vectors.items():
            known.setdefault(d, v)

    def save(self, digests: list[bytes], vectors: np.ndarray) -> None:
        """Checkpoint one part: written to a temporary file, then renamed into place."""
        if not digests:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        keys = np.frombuffer(b"".join(digests), dtype=np.uint8).reshape(len(digests), 32)
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".part-", suffix=".npz.tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                np.savez(fh, keys=keys, vectors=np.asarray(vectors, dtype=np.float32))
                fh.flush()
                os.fsync(fh.fileno())
            name = f"part-{os.getpid()}-{self._parts:06d}-{keys[0, :4].tobytes().hex()}.npz"
            os.replace(tmp, self.folder / name)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self._parts += 1
        known = self.load()
        self._encoded_here.update(digests)
        self.encoded += len(digests)
        for d, v in zip(digests, np.asarray(vectors, dtype=np.float32)):
            known[d] = v

    def clear(self) -> None:
        """After a completed build: its vectors are in the build folder now."""
        shutil.rmtree(self.root, ignore_errors=True)
        self._known = None


def fill_from_cache(
    cache: EmbeddingCache | None, texts: list[str], dim: int
) -> tuple[np.ndarray, list[str], list[int]]:
    """The vectors with the rows the cache holds filled in, each text's digest (empty without a cache), and
    the rows still to encode, longest text first: batches of like lengths pad little, locally and on Ray."""
    out = np.zeros((len(texts), dim), dtype=np.float32)
    digests = [text_digest(t) for t in texts] if cache is not None else []
    todo = list(range(len(texts)))
    if cache is not None:
        todo = []
        for i, v in enumerate(cache.lookup(digests)):
            if v is None:
                todo.append(i)
            else:
                out[i] = v
    todo.sort(key=lambda i: -len(texts[i]))
    return out, digests, todo
