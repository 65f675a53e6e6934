"""A second scorer for paraphrased questions: a larger sentence-transformers model (all-mpnet-base-v2,
assembled at set-up time by ``scripts/fetch_paraphrase_model.py``) re-scores the candidates retrieval brought.

Why: MiniLM misses questions that share few words with their answer. Held out, adding the larger model's passage
and best-sentence cosines lifts hard `test` hit@5 0.845 -> 0.888 and hit@1 0.578 -> 0.664
(docs/notes/2026-12-06-paraphrase-default.md). It costs a second question encoding (ONNX Runtime on the model's
exported graph, about 33 ms on one core; torch took 74 ms) and encoding every passage and sentence once, so "auto"
(the default) runs it on small corpora only; the vectors are computed at `qa index` or when the assistant loads
(by ONNX Runtime on every core, else torch) and kept in the index folder by each text's digest.
"""

from __future__ import annotations

import functools
import hashlib
import io
import sys
import threading
from pathlib import Path
from typing import Any

import numpy as np

from qa.atomic import atomic_write_bytes
from qa.encode.cache import text_digest
from qa.index.build import Progress  # the fraction done and what is happening: the web page's bar
from qa.settings import PROJECT_ROOT
from qa.types import Candidate, Passage

AUTO = "auto"
# Where scripts/setup.sh assembles all-mpnet-base-v2 (scripts/fetch_paraphrase_model.py).
INSTALLED_MODEL = PROJECT_ROOT / "models" / "all-mpnet-base-v2"
# The shipped corpus's passage and sentence vectors under that model (scripts/build_paraphrase_seed.py), so a
# first start does not spend a minute or more encoding them. Looked up by each text's digest, like a cache.
SEED_VECTORS = Path(__file__).with_name("paraphrase-seed.npz")
SEED_CHECKS = 2  # texts encoded afresh to check the seed was made by the model in use
SEED_MIN_COSINE = 0.999


def stage_model(setting: str, n_passages: int, auto_passages: int, installed: Path = INSTALLED_MODEL) -> Path | None:
    """The model folder the stage runs with, or None for no stage. "auto" takes the one set-up installs, for a
    corpus of at most ``auto_passages`` passages: every passage and sentence is encoded once with a model five
    times MiniLM's cost, minutes for a few hundred pages on two cores, so a larger corpus goes without."""
    if not setting:
        return None
    if setting != AUTO:
        return Path(setting).expanduser()
    if n_passages > auto_passages or not model_installed(installed):
        return None
    return installed


def model_installed(folder: Path = INSTALLED_MODEL) -> bool:
    """Whether a sentence-transformers model has been assembled into ``folder``."""
    return (folder / "modules.json").is_file()


def _read_vectors(path: Path | None) -> dict[bytes, np.ndarray]:
    """Digest -> vector from a kept file; a missing, unreadable or old-format file gives none (re-encoded)."""
    if path is None or not path.is_file():
        return {}
    try:
        with np.load(path, allow_pickle=False) as z:
            return dict(zip(map(bytes, z["digests"]), z["vectors"]))
    except (OSError, ValueError, KeyError) as exc:
        print(f"note: ignoring {path.name} ({exc}); the paraphrase vectors are computed again", file=sys.stderr)
        return {}


def _read_build_vectors(path: Path, digests: list[bytes], n_passages: int) -> dict[bytes, np.ndarray]:
    """The file an earlier version kept in the build folder (passage and sentence vectors in order), taken
    when it matches this build's counts."""
    try:
        with np.load(path, allow_pickle=False) as z:
            vectors = np.concatenate([z["passages"], z["sentences"]])
            if z["passages"].shape[0] != n_passages or vectors.shape[0] != len(digests):
                return {}
            return dict(zip(digests, vectors))
    except (OSError, ValueError, KeyError):
        return {}


def _write_vectors(path: Path, digests: list[bytes], vectors: np.ndarray) -> None:
    buffer = io.BytesIO()
    raw = np.frombuffer(b"".join(digests), dtype=np.uint8).reshape(-1, 32)
    np.savez(buffer, digests=raw, vectors=vectors)
    try:
        atomic_write_bytes(path, buffer.getvalue())
    except OSError as exc:  # a read-only index: keep the vectors in memory only
        print(f"note: paraphrase vectors not saved ({exc})", file=sys.stderr)


@functools.lru_cache(maxsize=2)
def _load_model(folder: str, key: str) -> Any:
    """The model, loaded once per process (``key`` changes when its weights do): a server with several corpora
    open, or the tests' many assistants, would otherwise each hold a 440 MB copy."""
    from sentence_transformers import SentenceTransformer  # heavy: only to encode texts no cache holds

    return SentenceTransformer(folder, device="cpu")


@functools.lru_cache(maxsize=8)
def _model_lock(folder: str) -> threading.Lock:
    """Serialises the model's encodings from the server's threads and corpora."""
    return threading.Lock()


def export_question_graph(model_dir: Path = INSTALLED_MODEL) -> bool:
    """Export the model's graph for ONNX Runtime into its folder now (set-up calls this, so that no start pays
    the export's 10-15 s); whether questions will go through ONNX Runtime."""
    return _onnx_encoder(str(model_dir.resolve()), _model_key(model_dir)) is not None


@functools.lru_cache(maxsize=2)
def _onnx_encoder(folder: str, key: str) -> Any:
    """ONNX Runtime on the model's exported graph (qa.encode.onnx_encoder), once per process, for questions and
    for the corpus's texts; None where it cannot run (then torch encodes both). Measured on 80 questions, one
    thread: 33 ms a question against torch's 74 ms, the same vectors (cosine >= 0.9999). The graph is exported
    once, by torch, into the model's folder (its own copy of the weights, 440 MB), or per process where that
    folder is read-only."""
    from qa.encode.onnx_encoder import OnnxEncoder, available, supported

    path = Path(folder)
    if available() or supported(path):
        return None
    try:
        return OnnxEncoder(path, threads=1, graph_folder=path)
    except Exception as exc:  # noqa: BLE001 - an onnxruntime too old for the graph, a broken install: torch then
        print(f"note: the paraphrase stage encodes with torch (ONNX Runtime: {exc})", file=sys.stderr)
        return None


ENCODE_CHUNK = 64  # texts per progress step when encoding a corpus
TEXT_WORKERS = 4  # threads that run the ONNX session on a corpus's texts (at most one per core)


class ParaphraseTooLarge(ValueError):
    """The corpus has more passages than the paraphrase scorer is set to encode."""


def blend(
    candidates: list[Candidate],
    passage_cos: dict[int, float],
    sentence_cos: dict[int, float],
    depth: int,
    passage_weight: float,
    sentence_weight: float,
) -> list[Candidate]:
    """Add the weighted cosines to the scores of the best ``depth`` candidates and re-sort them; the rest
    keep their place below (they were not re-scored)."""
    head, rest = candidates[:depth], candidates[depth:]
    for c in head:
        c.paraphrase = passage_weight * passage_cos.get(c.index, 0.0) + sentence_weight * sentence_cos.get(c.index, 0.0)
        c.score += c.paraphrase
    return sorted(head, key=lambda c: (-c.score, c.index)) + rest


def _model_key(folder: Path) -> str:
    """Which model a cache was computed with: its folder and weights file's size and time (cheap, no hashing
    of 400 MB)."""
    weights = next((folder / n for n in ("model.safetensors", "pytorch_model.bin") if (folder / n).is_file()), None)
    stat = weights.stat() if weights else None
    raw = f"{folder.resolve()}|{stat.st_size if stat else 0}|{stat.st_mtime_ns if stat else 0}"
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


class ParaphraseScorer:
    """The larger model and the corpus's passage and sentence vectors under it."""

    def __init__(
        self,
        model_dir: Path,
        passages: list[Passage],
        cache_dir: Path | None,
        max_passages: int,
        show_progress: bool = False,
        build_dir: Path | None = None,
        seed: Path | None = SEED_VECTORS,
        progress: Progress | None = None,
        use_onnx: bool = True,
    ):
        """``use_onnx``: questions and texts through ONNX Runtime where it runs (``query_encoder`` not "torch");
        the torch model is loaded only where it does not."""
        if len(passages) > max_passages:
            raise ParaphraseTooLarge(
                f"the paraphrase scorer encodes every passage; {len(passages):,} is more than "
                f"paraphrase_max_passages ({max_passages:,})"
            )
        from qa.encode.embedder import ModelUnavailable

        fix = "set paraphrase_model to the folder scripts/fetch_paraphrase_model.py assembles, or to empty"
        if not (model_dir / "modules.json").is_file():
            raise ModelUnavailable(f"paraphrase_model {model_dir} holds no sentence-transformers model; {fix}")
        self.folder, self.key, self.fix = str(model_dir.resolve()), _model_key(model_dir), fix
        self.lock = _model_lock(self.folder)
        self.onnx = _onnx_encoder(self.folder, self.key) if use_onnx else None
        if self.onnx is None:
            _ = self.model  # torch encodes: a model that cannot load says so here
        self.show_progress = show_progress
        self.seed = seed
        vectors = self._vectors(model_dir, passages, cache_dir, build_dir, progress)
        self.passage_vectors, self.sentence_vectors, self.offsets = vectors
        self.encode_question("warm up", 1)  # the first encoding pays one-off costs: here, not in the first answer

    @property
    def dimension(self) -> int:
        if self.onnx is not None:
            return int(self.onnx.dimension)
        found = getattr(self.model, "get_embedding_dimension", self.model.get_sentence_embedding_dimension)()
        return int(found or 768)

    @functools.cached_property
    def model(self) -> Any:
        """sentence-transformers' model, loaded on first need: only where ONNX Runtime does not run."""
        from qa.encode.embedder import ModelUnavailable

        try:
            return _load_model(self.folder, self.key)
        except (OSError, ValueError) as exc:
            raise ModelUnavailable(f"paraphrase_model {self.folder} cannot be loaded ({exc}); {self.fix}") from None

    def _vectors(
        self,
        model_dir: Path,
        passages: list[Passage],
        cache_dir: Path | None,
        build_dir: Path | None,
        progress: Progress | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every passage's and sentence's vector. They are kept in ``cache_dir`` (the index folder) by each text's
        digest, so a rebuild after one document changed encodes that document's texts only."""
        texts = [f"{p.section}\n{p.text}" if p.section else p.text for p in passages]
        sentences, offsets = [], [0]
        for p in passages:
            sentences += p.sentence_texts()
            offsets.append(len(sentences))
        every = texts + sentences
        digests = [text_digest(t) for t in every]
        path = cache_dir / f"paraphrase-{_model_key(model_dir)}.npz" if cache_dir else None
        known = _read_vectors(path)
        older = build_dir / path.name if build_dir and path else None
        carried = not known and older is not None and older.is_file()
        if carried:
            known = _read_build_vectors(older, digests, len(texts))
        at = {d: i for i, d in reversed(list(enumerate(digests)))}
        missing = list(dict.fromkeys(d for d in digests if d not in known))
        seeded = self._seeded({d: every[at[d]] for d in missing}) if missing else {}
        known.update(seeded)
        missing = [d for d in missing if d not in seeded]
        if missing:
            if self.show_progress:
                reused = len(every) - sum(d not in known for d in digests)
                n = len(missing)
                print(f"paraphrase stage: encoding {n:,} new text{'s' * (n != 1)}, {reused:,} kept", file=sys.stderr)
            fresh = self.encode([every[at[d]] for d in missing], self.show_progress, progress)
            known.update(zip(missing, fresh))
        dim = next(iter(known.values())).shape[0] if known else 768
        vectors = np.stack([known[d] for d in digests]) if digests else np.zeros((0, dim), np.float32)
        if path is not None and (missing or carried or seeded):
            _write_vectors(path, digests, vectors)
        return vectors[: len(texts)], vectors[len(texts) :], np.asarray(offsets, dtype=np.int64)

    def _seeded(self, wanted: dict[bytes, str]) -> dict[bytes, np.ndarray]:
        """The vectors the shipped seed file holds for ``wanted`` (digest -> text). A few of them are encoded
        afresh first: a seed made by another model (or a damaged one) is ignored with a note, not trusted."""
        if self.seed is None:
            return {}
        seed = _read_vectors(self.seed)
        hits = {d: seed[d] for d in wanted if d in seed}
        if not hits:
            return {}
        checks = sorted(hits, key=lambda d: (len(wanted[d]), d))[:SEED_CHECKS]
        fresh = [self.encode_question(wanted[d], 1) for d in checks]
        same = all(v.shape == hits[d].shape and float(v @ hits[d]) >= SEED_MIN_COSINE for v, d in zip(fresh, checks))
        if not same:
            print(f"note: {self.seed.name} was not made by this model; encoding the corpus instead", file=sys.stderr)
            return {}
        if self.show_progress:
            n = len(hits)
            print(f"paraphrase stage: {n:,} text{'s' * (n != 1)} from the shipped vectors", file=sys.stderr)
        return {d: np.asarray(v, dtype=np.float32) for d, v in hits.items()}

    def encode(self, texts: list[str], show_progress: bool = False, progress: Progress | None = None) -> np.ndarray:
        with self.lock:  # one model shared by the server's threads and corpora
            return self._encode(texts, show_progress, progress)

    def _encode_chunk(self, texts: list[str]) -> np.ndarray:
        """ONNX Runtime where it runs (the one session on every core, each text unpadded: twice torch's rate
        here, the same vectors), else torch."""
        if self.onnx is None:
            vectors = self.model.encode(texts, batch_size=16, normalize_embeddings=True, show_progress_bar=False)
            return np.asarray(vectors, dtype=np.float32)
        return self.onnx.encode_many(texts, TEXT_WORKERS)

    def _encode(self, texts: list[str], show_progress: bool = False, progress: Progress | None = None) -> np.ndarray:
        """With progress, in chunks under one bar that says what it is and counts texts (the library's own
        bar reads "Batches" and counts batches), and told to ``progress`` (the web page's bar) chunk by chunk.
        Longest first, as the library orders them, so chunks pad little."""
        if not (show_progress or progress) or len(texts) <= ENCODE_CHUNK:
            return self._encode_chunk(texts)
        from tqdm.auto import tqdm

        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        n = len(texts)
        shown = {"desc": "paraphrase stage vectors", "unit": "text", "file": sys.stderr, "disable": not show_progress}
        with tqdm(total=n, **shown) as bar:
            for at in range(0, len(order), ENCODE_CHUNK):
                if progress is not None:
                    progress(at / n, f"Paraphrase stage: encoding texts, {at:,} of {n:,}")
                rows = order[at : at + ENCODE_CHUNK]
                out[rows] = self._encode_chunk([texts[i] for i in rows])
                bar.update(len(rows))
        if progress is not None:
            progress(1.0, f"Paraphrase stage: {n:,} texts encoded")
        return out

    def encode_question(self, text: str, threads: int) -> np.ndarray:
        """One question: by ONNX Runtime where it runs (one thread), else on ``threads`` torch threads: on a
        loaded machine, threads waiting for a busy core cost more than they give (the same finding as
        ``qa.encode.embedder.question_threads``). Torch's thread count is process-wide, so it is set and
        restored under the model's lock."""
        if self.onnx is not None:
            return self.onnx.encode([text])[0]
        import torch

        with self.lock:
            before = torch.get_num_threads()
            torch.set_num_threads(max(1, threads))
            try:
                return self._encode([text])[0]
            finally:
                torch.set_num_threads(before)

    def rerank(
        self, q: np.ndarray, candidates: list[Candidate], depth: int, weights: tuple[float, float]
    ) -> list[Candidate]:
        """``candidates`` with the best ``depth`` re-scored by this model's cosines with the question ``q``
        (encoded by ``encode_question``); ``weights``: (passage, best sentence)."""
        if not candidates or depth <= 0:
            return candidates
        rows = [c.index for c in candidates[:depth]]
        passage_cos = {r: float(self.passage_vectors[r] @ q) for r in rows}
        sentence_cos = {}
        for r in rows:
            scores = self.sentence_cosines(q, r)
            sentence_cos[r] = float(scores.max()) if scores.size else 0.0
        return blend(candidates, passage_cos, sentence_cos, depth, *weights)

    def sentence_cosines(self, q: np.ndarray, row: int) -> np.ndarray:
        """This model's cosine of each sentence of passage ``row`` with the encoded question."""
        return self.sentence_vectors[self.offsets[row] : self.offsets[row + 1]] @ q
