"""What a damaged build still holds: the vectors that can be trusted, by the text they encode.

A truncated ``vectors.npy`` keeps its first rows; a garbled ``passages.jsonl`` leaves every vector intact;
a lost manifest leaves the whole build folder. Encoding is the one slow step of a build (minutes to hours on
a large corpus), so a repair reuses every vector it can tie to its text and encodes only the rest:

- by the passage table's rows that still parse (row i of the table is row i of ``vectors.npy``);
- by the manifest's record of each document (its hash, reader and rows): an unchanged document chunks
  into the same passages again, so its old rows belong to its new passages in order, even when the
  passage table itself is lost.

A row is trusted only when it is complete, finite and of unit length (every stored vector is L2-normalised).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from qa.encode.cache import cache_key, text_digest
from qa.index import store
from qa.index.bm25 import passage_search_text
from qa.types import Document, Passage

UNIT_TOLERANCE = 1e-3
SPOT_CHECKS = 3  # texts re-encoded to check vectors whose model no manifest vouches for


def read_rows(path: Path, dim: int | None) -> np.ndarray:
    """The complete rows of a float32 ``.npy`` matrix, however much of its end is missing; rows that are
    not unit vectors are NaN. Empty when the header is unreadable or of another shape or type."""
    empty = np.zeros((0, dim or 0), np.float32)
    try:
        with path.open("rb") as fh:
            version = np.lib.format.read_magic(fh)
            fmt = np.lib.format
            read_header = fmt.read_array_header_1_0 if version[0] == 1 else fmt.read_array_header_2_0
            shape, fortran, dtype = read_header(fh)
            data = fh.read()
    except (OSError, ValueError, EOFError):
        return empty
    if fortran or dtype != np.dtype("<f4") or len(shape) != 2 or (dim is not None and shape[1] != dim) or not shape[1]:
        return empty
    width = shape[1]
    n = min(shape[0], len(data) // (4 * width))
    rows = np.frombuffer(data[: n * 4 * width], np.float32).reshape(n, width).copy()
    with np.errstate(all="ignore"):
        norms = np.linalg.norm(rows, axis=1)
    rows[~(np.isfinite(norms) & (np.abs(norms - 1) < UNIT_TOLERANCE))] = np.nan
    return rows


def _valid(matrix: np.ndarray, row: int) -> bool:
    return 0 <= row < len(matrix) and not np.isnan(matrix[row, 0])


def _parse(line: bytes) -> Passage | None:
    try:
        return Passage.from_json(json.loads(line))
    except store.DAMAGE:
        return None


@dataclass
class Salvage:
    """A damaged build's readable parts, and what the repair got from them."""

    folder: Path
    vectors: np.ndarray  # passage rows (NaN: not to be trusted)
    sentence_vectors: np.ndarray
    lines: list[bytes]
    files: dict[str, Any]  # the manifest's record per document (empty when the manifest is lost)
    prepend: bool
    sentence_offsets: np.ndarray | None  # first sentence row per passage, when the build's record is sound
    verified: bool  # a manifest of the same model vouches for these vectors
    samples: list[tuple[str, np.ndarray]] = field(default_factory=list)

    def by_text(self) -> dict[bytes, np.ndarray]:
        """Vectors of the passage table's readable rows, by the digest of their text."""
        out: dict[bytes, np.ndarray] = {}
        starts = {tuple(f["rows"])[0]: tuple(f["rows"])[2] for f in self.files.values() if _rows(f)}
        s_row: int | None = 0  # the first passage's sentences are the first rows
        for i, line in enumerate(self.lines):
            s_row = starts.get(i, s_row)
            if self.sentence_offsets is not None and i < len(self.sentence_offsets):
                s_row = int(self.sentence_offsets[i])
            p = _parse(line)
            if p is None:
                s_row = None  # where the next passage's sentences start is unknown until a document starts
                continue
            self._take(out, passage_search_text(p, self.prepend), i)
            self._take_sentences(out, p, s_row)
            s_row = None if s_row is None else s_row + len(p.sentences)
        return out

    def for_document(self, doc: Document, passages: Sequence[Passage], reader: int) -> dict[bytes, np.ndarray]:
        """An unchanged document's old rows, tied to its passages as chunked again (same text, same
        chunking settings, so the same passages in the same order)."""
        entry = self.files.get(doc.doc_id)
        if not entry or not _rows(entry) or (entry.get("sha256"), entry.get("reader", 1)) != (doc.sha256, reader):
            return {}
        a, b, c, d = entry["rows"]
        if b - a != len(passages) or d - c != sum(len(p.sentences) for p in passages):
            return {}
        out: dict[bytes, np.ndarray] = {}
        s_row = c
        for i, p in enumerate(passages):
            self._take(out, passage_search_text(p, self.prepend), a + i)
            self._take_sentences(out, p, s_row)
            s_row += len(p.sentences)
        return out

    def _take(self, out: dict[bytes, np.ndarray], text: str, row: int, sentence: bool = False) -> None:
        matrix = self.sentence_vectors if sentence else self.vectors
        if _valid(matrix, row):
            out[text_digest(text)] = matrix[row]
            if not self.verified and len(self.samples) < SPOT_CHECKS:
                self.samples.append((text, matrix[row]))

    def _take_sentences(self, out: dict[bytes, np.ndarray], p: Passage, s_row: int | None) -> None:
        if s_row is None:
            return
        for k, (start, end) in enumerate(p.sentences):
            self._take(out, p.text[start - p.start : end - p.start], s_row + k, sentence=True)


def _rows(entry: Any) -> bool:
    rows = entry.get("rows") if isinstance(entry, dict) else None
    return isinstance(rows, list) and len(rows) == 4 and all(isinstance(r, int) for r in rows)


def _sentence_offsets(folder: Path, manifest: dict[str, Any]) -> np.ndarray | None:
    counts = manifest.get("counts", {})
    try:
        offsets = np.load(folder / store.SENTENCE_OFFSETS, allow_pickle=False)
    except store.DAMAGE:
        return None
    n, total = counts.get("passages"), counts.get("sentences")
    if not isinstance(n, int) or offsets.ndim != 1 or offsets.dtype != np.int64 or len(offsets) != n + 1:
        return None
    if offsets[0] != 0 or offsets[-1] != total or np.any(np.diff(offsets) < 0):
        return None
    return offsets[:-1]


def _newest_build(index_dir: Path) -> Path | None:
    builds = index_dir / "builds"
    try:
        done = sorted(p for p in builds.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError:
        return None
    return done[-1] if done else None


def salvage_build(
    index_dir: Path, manifest: dict[str, Any] | None, signature: dict[str, Any], prepend: bool
) -> Salvage | None:
    """The damaged live build (or, when the manifest is lost, the newest build folder), read as far as
    it can be; None when there is none or another model made it."""
    dim = signature.get("model", {}).get("dimension")
    if manifest is not None:
        if cache_key(manifest) != cache_key(signature):
            return None
        folder = store.build_folder(index_dir, manifest["build_id"])
        prepend = bool(manifest.get("chunking", {}).get("prepend_section", prepend))
    else:
        found = _newest_build(index_dir)
        if found is None:
            return None
        folder = found
    if not folder.is_dir():
        return None
    try:
        lines = store.read_passage_lines(folder)
    except OSError:
        lines = []
    return Salvage(
        folder=folder,
        vectors=read_rows(folder / "vectors.npy", dim),
        sentence_vectors=read_rows(folder / "sentence_vectors.npy", dim),
        lines=lines,
        files=manifest.get("files", {}) if manifest else {},
        prepend=prepend,
        sentence_offsets=_sentence_offsets(folder, manifest) if manifest else None,
        verified=manifest is not None,
    )


def spot_check(salvage: Salvage, encode: Any) -> bool:
    """Whether a few salvaged vectors are what the model makes of their texts now (for a build no manifest
    vouches for: it may be another model's)."""
    if salvage.verified or not salvage.samples:
        return True
    fresh = encode([t for t, _ in salvage.samples])
    return all(float(np.dot(v, f)) > 0.999 for (_, v), f in zip(salvage.samples, fresh))


def problem_of(message: str) -> str:
    """The damage itself, without the advice to run `qa index` that a rebuild makes moot."""
    return message.split("; run `qa index`")[0]
