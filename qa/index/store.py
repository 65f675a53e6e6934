"""The index on disk: FAISS vectors, a BM25 index and a manifest, written atomically.

Layout under ``index_dir``::

    manifest.json          the only file that says which build is live; replaced atomically, last
    builds/<build_id>/     passages.jsonl, vectors.npy, sentence_vectors.npy, dense.faiss, bm25/

A build writes a new ``builds/<id>`` folder and then swaps the manifest, so a build killed at any point
leaves the previous index serving; unreferenced build folders are removed by the next build.
"""

from __future__ import annotations

import contextlib
import errno
import json
import mmap
import os
import re
import shutil
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, overload

import numpy as np

from qa.atomic import atomic_write_json, fsync_dir
from qa.types import Passage

FORMAT_VERSION = 2
MANIFEST = "manifest.json"
LINE_OFFSETS = "passages.offsets.npy"  # byte offset of each passage row, and the file size
SENTENCE_OFFSETS = "sentence_offsets.npy"  # first sentence row of each passage, and the total
LOCK = ".build.lock"
ENGINE_FOLDER = "milvus.db"  # a build's own Milvus Lite data (qa.index.milvus_store), when it has one
OPTIONAL_FILES = (LINE_OFFSETS, SENTENCE_OFFSETS)  # speed-ups: what they hold can be read from the passages
_BUILD_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}")
# What reading a damaged file can raise: numpy, faiss, bm25s and json each have their own.
DAMAGE = (OSError, ValueError, KeyError, IndexError, TypeError, AttributeError, EOFError, RuntimeError)


class IndexError_(RuntimeError):
    """The index on disk cannot be used; the message says why and that a rebuild fixes it."""


@contextlib.contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """One writer per index folder: a second build waits instead of deleting the first one's files.

    ``flock`` is released by the kernel when the holder dies, so a killed build never leaves it stuck.
    """
    index_dir.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock, builds are still atomic one at a time
        yield
        return
    with open(index_dir / LOCK, "a+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def read_manifest(index_dir: Path) -> dict[str, Any] | None:
    """The live manifest, or None when there is no index yet. A broken one raises IndexError_."""
    path = index_dir / MANIFEST
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexError_(f"index manifest {path} is unreadable ({exc}); run `qa index` to rebuild") from None
    if not isinstance(data, dict) or data.get("format_version") != FORMAT_VERSION or "build_id" not in data:
        raise IndexError_(f"index manifest {path} is from another version; run `qa index` to rebuild")
    build_id = data["build_id"]
    if not isinstance(build_id, str) or not _BUILD_ID.fullmatch(build_id):
        raise IndexError_(f"index manifest {path} names no valid build; run `qa index` to rebuild")
    for key in ("counts", "files", "model"):
        if not isinstance(data.get(key, {}), dict):
            raise IndexError_(f"index manifest {path} is damaged ({key!r} is not a table); run `qa index`")
    return data


@dataclass
class StoredIndex:
    """Everything retrieval needs, loaded from one build folder."""

    manifest: dict[str, Any]
    passages: Sequence[Passage]  # a list, or a PassageTable for large builds
    vectors: np.ndarray  # passage vectors, float32, L2-normalised (memory-mapped)
    sentence_vectors: np.ndarray  # one row per sentence, in passage order
    sentence_offsets: np.ndarray  # passage i owns sentence rows [offsets[i], offsets[i+1])
    faiss_index: Any
    bm25: Any
    folder: Path

    @cached_property
    def _doc_spans(self) -> dict[str, tuple[int, int]]:
        """Each document's passage rows [a, b): they are contiguous in the table, in document order. Read
        from the manifest where it records them; older builds' tables are scanned once."""
        files = self.manifest.get("files", {})
        n = len(self.passages)
        kept = {d: f["rows"] for d, f in files.items() if isinstance(f.get("rows"), list) and len(f["rows"]) == 4}
        if files and len(kept) == len(files) and all(0 <= r[0] <= r[1] <= n for r in kept.values()):
            return {d: (int(r[0]), int(r[1])) for d, r in kept.items()}
        spans: dict[str, tuple[int, int]] = {}
        for i, p in enumerate(self.passages):
            a, _ = spans.get(p.doc_id, (i, i))
            spans[p.doc_id] = (a, i + 1)
        return spans

    @property
    def doc_spans(self) -> dict[str, tuple[int, int]]:
        """Each document's passage rows [a, b)."""
        return self._doc_spans

    def doc_passages(self, doc_id: str, limit: int | None = None) -> list[Passage]:
        """One document's passages in order (the first ``limit``), without scanning the others per call."""
        a, b = self._doc_spans.get(doc_id, (0, 0))
        return self.passages[a : b if limit is None else min(b, a + limit)]


def build_folder(index_dir: Path, build_id: str) -> Path:
    return index_dir / "builds" / build_id


def new_build_id() -> str:
    return time.strftime("%Y%m%d-%H%M%S") + "-" + uuid.uuid4().hex[:8]


def write_build(
    index_dir: Path,
    manifest: dict[str, Any],
    passages: Sequence[Passage | bytes],
    vectors: np.ndarray,
    sentence_vectors: np.ndarray,
    write_dense: Callable[[Path, np.ndarray], None],
    write_bm25: Callable[[Path, Any], None],
    sentence_offsets: np.ndarray | None = None,
) -> Path:
    """Write a complete build folder, then make it live by replacing the manifest (one writer at a time).

    Beside the passage table go its line offsets and (when given) each passage's first sentence row, so
    that a large table can be opened without parsing it (``PassageTable``)."""
    with build_lock(index_dir):
        build_id = manifest["build_id"]
        staging = index_dir / "builds" / f".{build_id}.partial"
        final = build_folder(index_dir, build_id)
        if staging.exists():
            shutil.rmtree(staging)
        staging.mkdir(parents=True)
        try:
            _write_staged(staging, passages, vectors, sentence_vectors, write_dense, write_bm25, sentence_offsets)
        except BaseException as exc:
            shutil.rmtree(staging, ignore_errors=True)  # a full disk, say: free what it took, keep the live build
            failed = _as_os_error(exc, index_dir)
            if failed is not None:
                raise failed from exc
            raise
        manifest["build_files"] = file_sizes(staging)
        os.replace(staging, final)
        fsync_dir(final.parent)
        atomic_write_json(index_dir / MANIFEST, manifest)
        remove_stale_builds(index_dir, keep=build_id)
        return final


def _as_os_error(exc: BaseException, folder: Path) -> OSError | None:
    """A failed write as one OSError saying the live index is unchanged; None for other failures. FAISS
    reports a full disk as a RuntimeError ("write error in …: 4051 != 110592 (No space left on device)")."""
    if isinstance(exc, OSError):
        return OSError(exc.errno, f"{_why(exc, folder)}; the index in use is unchanged", exc.filename)
    text = str(exc)
    if isinstance(exc, RuntimeError) and "write error" in text:
        full = "No space left on device" in text
        why = "No space left on device" if full else "the disk refused a write"
        return OSError(errno.ENOSPC if full else errno.EIO, f"{why}; the index in use is unchanged")
    return None


def _why(exc: OSError, folder: Path) -> str:
    """An OSError in words: numpy reports a short write on a full disk as "N requested and M written"."""
    if exc.strerror:
        return exc.strerror
    with contextlib.suppress(OSError):
        if shutil.disk_usage(folder).free < 1 << 20:
            return "No space left on device"
    return str(exc)


def _write_staged(
    staging: Path,
    passages: Sequence[Passage | bytes],
    vectors: np.ndarray,
    sentence_vectors: np.ndarray,
    write_dense: Callable[[Path, np.ndarray], None],
    write_bm25: Callable[[Path, Any], None],
    sentence_offsets: np.ndarray | None,
) -> None:
    """Every file of a build into its staging folder, each synced to disk."""
    line_offsets = np.zeros(len(passages) + 1, np.int64)
    with (staging / "passages.jsonl").open("wb") as fh:
        for i, p in enumerate(passages):
            line = p if isinstance(p, bytes) else json.dumps(p.to_json(), ensure_ascii=False).encode("utf-8")
            fh.write(line + b"\n")
            line_offsets[i + 1] = line_offsets[i] + len(line) + 1
    np.save(staging / LINE_OFFSETS, line_offsets, allow_pickle=False)
    if sentence_offsets is not None:
        np.save(staging / SENTENCE_OFFSETS, np.asarray(sentence_offsets, np.int64), allow_pickle=False)
    np.save(staging / "vectors.npy", vectors.astype(np.float32, copy=False), allow_pickle=False)
    np.save(staging / "sentence_vectors.npy", sentence_vectors.astype(np.float32, copy=False), allow_pickle=False)
    write_dense(staging / "dense.faiss", vectors)
    write_bm25(staging / "bm25", passages)
    for file in staging.rglob("*"):
        if file.is_file():
            with file.open("rb") as fh:
                os.fsync(fh.fileno())


def file_sizes(folder: Path) -> dict[str, int]:
    """Every file of a build folder and its size, as the manifest records them: a truncated or missing
    file then shows at start-up by a ``stat``, and the message can name it."""
    sizes = {f.relative_to(folder).as_posix(): f.stat().st_size for f in sorted(folder.rglob("*")) if f.is_file()}
    # A Milvus Lite folder is a database that changes when it is opened: Milvus checks its own collections.
    return {name: size for name, size in sizes.items() if not name.startswith(ENGINE_FOLDER + "/")}


def check_build_files(folder: Path, manifest: dict[str, Any]) -> str | None:
    """What is wrong with the build folder's files, in a few words naming the file; None when every file
    the build wrote is there with its size (older manifests record no sizes: only the folder is checked)."""
    if not folder.is_dir():
        return f"build folder {folder} is missing"
    recorded = manifest.get("build_files")
    if not isinstance(recorded, dict):
        return None
    for name, size in recorded.items():
        path = folder / name
        if not isinstance(name, str) or ".." in Path(name).parts or not isinstance(size, int):
            return f"manifest {folder.parent.parent / MANIFEST} lists a file badly ({name!r})"
        try:
            now = path.stat().st_size
        except OSError:
            if name in OPTIONAL_FILES:
                continue  # a build without them is read the slower way, as older builds are
            return f"index file {path} is missing"
        if now != size:
            how = "truncated" if now < size else "longer than written"
            return f"index file {path} is damaged ({how}: {now:,} bytes, the build wrote {size:,})"
    return None


def remove_stale_builds(index_dir: Path, keep: str) -> None:
    """Folders of older or half-finished builds, and manifest copies a killed write left; the live one stays."""
    for tmp in index_dir.glob(f".{MANIFEST}.*.tmp"):
        tmp.unlink(missing_ok=True)
    builds = index_dir / "builds"
    if not builds.is_dir():
        return
    for child in builds.iterdir():
        if child.name != keep:
            shutil.rmtree(child, ignore_errors=True)


def tidy(index_dir: Path) -> None:
    """Finish what a killed build left behind (its staging folder, or the old build it had not removed)."""
    builds = index_dir / "builds"
    if not any(index_dir.glob(f".{MANIFEST}.*.tmp")) and (not builds.is_dir() or len(list(builds.iterdir())) <= 1):
        return
    with build_lock(index_dir):
        try:
            manifest = read_manifest(index_dir)  # re-read under the lock: another build may have swapped it
        except IndexError_:
            return
        if manifest is not None:
            remove_stale_builds(index_dir, keep=manifest["build_id"])


def _matrix_ok(matrix: np.ndarray, rows: int, dim: Any) -> bool:
    """Float32 rows x dim, as every vector file of a build is written."""
    return matrix.ndim == 2 and matrix.shape == (rows, dim) and matrix.dtype == np.float32


def read_passage_lines(folder: Path) -> list[bytes]:
    """The passage table's rows as they are stored, for a build that passes them on unparsed."""
    return (folder / "passages.jsonl").read_bytes().splitlines()


def read_passages(folder: Path) -> list[Passage]:
    path = folder / "passages.jsonl"
    with path.open(encoding="utf-8") as fh:
        return [Passage.from_json(json.loads(line)) for line in fh if line.strip()]


def read_sentence_offsets(folder: Path, passages: Any) -> np.ndarray | None:
    """Each passage's first sentence row (and the total), as the build wrote it; None when absent or not
    consistent with the table (older builds), so the caller counts them from the passages."""
    try:
        offsets = np.load(folder / SENTENCE_OFFSETS, allow_pickle=False)
    except (OSError, ValueError):
        return None
    if not isinstance(passages, int) or not _offsets_ok(offsets, passages, least_step=0):
        return None
    return offsets


def _offsets_ok(offsets: np.ndarray, rows: int, least_step: int) -> bool:
    """One int64 offset per row and one past the end, from 0, each at least ``least_step`` past the last."""
    return (
        offsets.ndim == 1
        and offsets.dtype == np.int64
        and len(offsets) == rows + 1
        and offsets[0] == 0
        and not np.any(np.diff(offsets) < least_step)
    )


class PassageTable(Sequence[Passage]):
    """The passage table of a large build, read on demand from the memory-mapped ``passages.jsonl``.

    Parsing a million rows into objects takes about 10 s and 3 GB at start-up, while a question reads a few
    hundred of them. Rows are parsed when asked for; the most recent ``cache`` of them are kept. A damaged
    row raises ``IndexError_`` when it is read, with the same advice as a damaged build."""

    def __init__(self, path: Path, line_offsets: np.ndarray, cache: int = 4096):
        self.path = path
        self._offsets = line_offsets
        with path.open("rb") as fh:
            self._map = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) if line_offsets[-1] else b""
        self._cache: OrderedDict[int, Passage] = OrderedDict()
        self._size = cache
        self._lock = threading.Lock()

    @classmethod
    def open(cls, path: Path, rows: int) -> PassageTable | None:
        """The table when its line offsets match the file (else None: parse it the usual way)."""
        try:
            offsets = np.load(path.with_name(LINE_OFFSETS), allow_pickle=False)
            size = path.stat().st_size
        except (OSError, ValueError):
            return None
        if not _offsets_ok(offsets, rows, least_step=1) or offsets[-1] != size:  # every row ends in a newline
            return None
        table = cls(path, offsets)
        if rows:
            table[0], table[rows - 1]  # noqa: B018  (a damaged start or end shows at once)
        return table

    def __len__(self) -> int:
        return len(self._offsets) - 1

    @overload
    def __getitem__(self, i: int) -> Passage: ...

    @overload
    def __getitem__(self, i: slice) -> list[Passage]: ...

    def __getitem__(self, i: int | slice) -> Passage | list[Passage]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        n = len(self)
        row = int(i) + n if i < 0 else int(i)
        if not 0 <= row < n:
            raise IndexError(f"passage row {i} out of range ({n} rows)")
        with self._lock:
            hit = self._cache.get(row)
            if hit is not None:
                self._cache.move_to_end(row)
                return hit
        line = self._map[int(self._offsets[row]) : int(self._offsets[row + 1])]
        try:
            passage = Passage.from_json(json.loads(line))
        except (ValueError, KeyError, TypeError) as exc:
            raise IndexError_(f"passage row {row} of {self.path} is damaged ({exc}); run `qa index --force`") from None
        with self._lock:
            self._cache[row] = passage
            if len(self._cache) > self._size:
                self._cache.popitem(last=False)
        return passage


def load_build(
    index_dir: Path,
    manifest: dict[str, Any],
    read_dense: Callable[[Path], Any],
    read_bm25: Callable[[Path], Any],
    lazy_from: int | None = None,
) -> StoredIndex:
    """Open the live build; any damage becomes an IndexError_ that tells the user to rebuild.

    From ``lazy_from`` passages on, the passage table is read on demand (``PassageTable``) when the build
    holds its offsets; smaller or older builds are parsed into memory."""
    folder = build_folder(index_dir, manifest["build_id"])
    problem = check_build_files(folder, manifest)
    if problem:
        raise IndexError_(f"{problem}; run `qa index` to rebuild")
    n_expected = manifest.get("counts", {}).get("passages")
    reading = folder / "passages.jsonl"
    try:
        offsets = read_sentence_offsets(folder, n_expected)
        table = None
        if offsets is not None and lazy_from is not None and isinstance(n_expected, int) and n_expected >= lazy_from:
            table = PassageTable.open(folder / "passages.jsonl", n_expected)
        passages: Sequence[Passage] = table if table is not None else read_passages(folder)
        reading = folder / "vectors.npy"
        vectors = np.load(reading, mmap_mode="r", allow_pickle=False)
        reading = folder / "sentence_vectors.npy"
        sentence_vectors = np.load(reading, mmap_mode="r", allow_pickle=False)
        reading = folder / "dense.faiss"
        faiss_index = read_dense(reading)
        reading = folder / "bm25"
        bm25 = read_bm25(reading)
    except DAMAGE as exc:
        what = f"{type(exc).__name__}: {str(exc)[:160]}"
        raise IndexError_(f"index file {reading} is damaged ({what}); run `qa index` to rebuild") from None
    if offsets is None:
        counts = [len(p.sentences) for p in passages]
        offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    expected = manifest.get("counts", {})
    dim = manifest.get("model", {}).get("dimension")
    wrong = [
        (len(passages) != expected.get("passages"), "passages.jsonl", f"{len(passages)} passages"),
        (not _matrix_ok(vectors, len(passages), dim), "vectors.npy", f"shape {vectors.shape}"),
        (
            not _matrix_ok(sentence_vectors, int(offsets[-1]), dim),
            "sentence_vectors.npy",
            f"shape {sentence_vectors.shape}",
        ),
        (getattr(faiss_index, "ntotal", len(passages)) != len(passages), "dense.faiss", "another row count"),
        (getattr(faiss_index, "d", dim) != dim, "dense.faiss", "another width"),
    ]
    for bad, name, what in wrong:
        if bad:
            raise IndexError_(
                f"index file {folder / name} does not fit its manifest ({what}); run `qa index` to rebuild"
            )
    return StoredIndex(manifest, passages, vectors, sentence_vectors, offsets, faiss_index, bm25, folder)
