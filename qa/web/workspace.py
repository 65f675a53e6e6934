"""The corpora a long-running server switches between, uploads into them, and rebuilds that swap the live
assistant.

One ``Assistant`` per corpus folder, all sharing one embedding model. A rebuild writes beside the serving
index (see ``qa.index.store``); the fresh assistant then replaces the old one under a lock, so questions in
flight finish on the old one and the next question sees the new documents. A corpus other than the
configured one keeps its index beside it in ``<corpus>.index/``, as ``qa --corpus DIR`` does.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import re
import secrets
import shutil
import tempfile
import threading
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from qa.assistant import Assistant
from qa.encode.embedder import Embedder
from qa.index.build import BuildReport, EmptyCorpus, Progress, staleness
from qa.index.buildproc import build_in_child
from qa.index.watch import FolderChanges, FolderWatcher, WatchNote
from qa.ingest.loading import GZIP, READERS, TITLES_FILE, UnreadableFile, load_file, reader_suffix
from qa.settings import Settings

MAX_FOLDER_ENTRIES = 20_000  # a folder with more entries is refused: pick a narrower one
_UNSAFE = re.compile(r"[^\w.\- ()+,&'@]+", re.UNICODE)


class CorpusError(ValueError):
    """A folder cannot be used as a corpus; the message says why."""


class UploadRefused(ValueError):
    """A file was not added to the corpus; the message says why."""


class UploadUnreadable(UploadRefused):
    """An upload of a supported type that its reader cannot read: kept aside in the quarantine folder."""


STALE_UPLOAD_S = 3600  # a partial upload this old belongs to no copy still running
QUARANTINE = ".quarantine"  # inside the corpus folder; hidden, so the index never reads it


def supported_suffixes(settings: Settings) -> list[str]:
    return [s for s in settings.extensions if s in READERS]


def safe_filename(name: str) -> str:
    """A plain file name from whatever a browser sent: no folders, no hidden or control characters."""
    base = unicodedata.normalize("NFC", str(name)).replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    base = _UNSAFE.sub("_", base).strip(" .")
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    stem = stem.strip(" ._") or "upload"
    stem = stem[: 120 - len(suffix)]
    return f"{stem}.{suffix}" if suffix else stem


def save_upload(settings: Settings, source: Path, name: str) -> tuple[str, bool]:
    """Copy one uploaded file into the corpus folder atomically; (document id, replaced an older one).

    Refuses types the loader cannot read, empty and oversized files, and anything that would land
    outside the corpus folder.
    """
    shown = str(name).replace("\\", "/").rsplit("/", 1)[-1] or "(unnamed)"
    filename = safe_filename(name)
    suffix = reader_suffix(filename)  # "faq.txt.gz" is read as the text it holds
    allowed = supported_suffixes(settings)
    if suffix not in allowed:
        raise UploadRefused(
            f"{shown}: {suffix or 'files without an extension'} cannot be read; use {', '.join(allowed)}"
        )
    if filename.lower() == TITLES_FILE:
        raise UploadRefused(f"{shown}: this name is reserved for the titles file")
    try:
        size = Path(source).stat().st_size
    except OSError as exc:
        raise UploadRefused(f"{shown}: the upload could not be read ({exc.strerror})") from None
    if size == 0:
        raise UploadRefused(f"{shown}: the file is empty")
    if size > settings.max_file_mb * 1024 * 1024:
        raise UploadRefused(f"{shown}: {size / 1e6:.0f} MB is over the {settings.max_file_mb:g} MB limit")
    corpus = settings.corpus_dir.resolve()
    if not corpus.is_dir():
        raise UploadRefused(f"{shown}: the corpus folder {corpus} does not exist")
    target = corpus / filename
    if target.parent != corpus or (target.exists() and not target.is_file()) or target.is_symlink():
        raise UploadRefused(f"{shown}: cannot be written as {filename} in the corpus folder")
    replaced = target.exists()
    _remove_stale_uploads(corpus)
    # Hidden, with the file's own suffix: the index ignores it, its reader can try it before it is placed.
    ending = "".join(Path(filename).suffixes[-2:]) if filename.lower().endswith(GZIP) else Path(filename).suffix
    fd, tmp = tempfile.mkstemp(dir=corpus, prefix=".upload-", suffix=ending)
    try:
        with os.fdopen(fd, "wb") as out, open(source, "rb") as src:
            shutil.copyfileobj(src, out, 1024 * 1024)
            out.flush()
            os.fsync(out.fileno())
        _readable_or_quarantined(settings, Path(tmp), filename, shown)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return filename, replaced


def _remove_stale_uploads(corpus: Path) -> None:
    """Partial uploads a killed server left (hidden, so never indexed): removed once surely abandoned."""
    cutoff = time.time() - STALE_UPLOAD_S
    for leftover in corpus.glob(".upload-*"):
        with contextlib.suppress(OSError):
            if leftover.is_file() and leftover.stat().st_mtime < cutoff:
                leftover.unlink()


def _readable_or_quarantined(settings: Settings, tmp: Path, filename: str, shown: str) -> None:
    """Read the upload as the build will: one that cannot be read never enters the corpus (where it would be
    skipped, and its reader's complaints printed, on every build); it is kept in ``.quarantine/``."""
    try:
        load_file(tmp, filename, settings, {})
    except UnreadableFile as exc:
        aside = settings.corpus_dir / QUARANTINE
        aside.mkdir(exist_ok=True)
        os.replace(tmp, aside / filename)
        raise UploadUnreadable(f"{shown}: {exc} (moved to {QUARANTINE}/ in the corpus folder)") from None


@dataclass
class UploadResult:
    saved: list[str] = field(default_factory=list)  # document ids, as written into the corpus
    replaced: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # one reason per refused file
    skipped: list[str] = field(default_factory=list)  # "Skipped NAME: why", per upload that cannot be read
    report: BuildReport | None = None


@dataclass
class Corpus:
    key: str
    settings: Settings
    assistant: Assistant | None = None  # None while the folder holds no readable document
    problem: str = ""  # why there is no assistant yet
    build_lock: threading.Lock = field(default_factory=threading.Lock)
    watcher: FolderWatcher | None = None  # while the folder is watched for changes
    watch_note: WatchNote | None = None  # what the latest update from the watched folder did
    updating: bool = False  # a watched folder's update is under way

    @property
    def path(self) -> Path:
        return self.settings.corpus_dir


def corpus_key(corpus_dir: Path, secret: bytes) -> str:
    """The folder's name in URLs: keyed by this server's random secret, so it cannot be guessed from the
    path, and a key names only a folder this server opened."""
    path = str(Path(corpus_dir).resolve()).encode()
    return hmac.new(secret, path, hashlib.sha256).hexdigest()[:24]


def _check_folder(path: Path) -> None:
    if not path.is_dir():
        raise CorpusError(f"{path} is not a folder")
    if path == path.parent or path == Path.home().resolve():
        raise CorpusError(f"{path} is too broad to index; choose the folder that holds the documents")
    count = 0
    for _root, dirs, files in os.walk(path):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        count += len(files) + len(dirs)
        if count > MAX_FOLDER_ENTRIES:
            raise CorpusError(
                f"{path} holds more than {MAX_FOLDER_ENTRIES:,} files and folders; choose a narrower folder"
            )


class Workspace:
    """Every corpus opened by this server, by key; thread-safe."""

    def __init__(
        self,
        settings: Settings,
        assistant: Assistant | None = None,
        builder: Callable[..., BuildReport] = build_in_child,
    ):
        self._lock = threading.Lock()
        self.builder = builder  # a child process by default: the server's memory stays that of answering
        self._corpora: dict[str, Corpus] = {}
        self._base = settings
        self._secret = secrets.token_bytes(32)
        self._embedder = assistant.embedder if assistant else None
        first = Corpus(corpus_key(settings.corpus_dir, self._secret), settings, assistant)
        self._corpora[first.key] = first
        self.default_key = first.key

    @property
    def embedder(self) -> Embedder:
        with self._lock:
            if self._embedder is None:
                self._embedder = Embedder(self._base)
            return self._embedder

    def settings_for(self, corpus_dir: Path) -> Settings:
        corpus = Path(corpus_dir).expanduser().resolve()
        if corpus == self._base.corpus_dir:
            return self._base
        return self._base.replace(corpus_dir=corpus, index_dir=corpus.parent / (corpus.name + ".index"))

    def get(self, key: str) -> Corpus:
        """The corpus with this key (KeyError when this server never opened it)."""
        with self._lock:
            return self._corpora[key]

    def assistant(self, key: str) -> Assistant | None:
        return self.get(key).assistant

    def corpora(self) -> list[Corpus]:
        with self._lock:
            return list(self._corpora.values())

    def open(self, corpus_dir: str | Path, progress: Progress | None = None) -> Corpus:
        """Switch to a folder: index it when needed (an empty folder opens, waiting for uploads)."""
        text = str(corpus_dir).strip()
        if not text:
            raise CorpusError("type the path of a folder of documents")
        path = Path(text).expanduser().resolve()
        key = corpus_key(path, self._secret)
        with self._lock:
            entry = self._corpora.get(key)
        if entry is not None and entry.assistant is not None:
            return entry
        _check_folder(path)
        if entry is None:
            entry = Corpus(key, self.settings_for(path))
            with self._lock:
                entry = self._corpora.setdefault(key, entry)
        with entry.build_lock:
            if entry.assistant is None:
                self._load(entry, progress)
        return entry

    def _load(self, entry: Corpus, progress: Progress | None) -> None:
        try:
            assistant = Assistant.load(entry.settings, embedder=self.embedder, progress=progress, builder=self.builder)
        except EmptyCorpus as exc:
            entry.problem = str(exc)
            return
        except OSError as exc:
            raise CorpusError(f"cannot index {entry.path}: {exc.strerror or exc}") from None
        with self._lock:
            entry.assistant, entry.problem = assistant, ""

    def rebuild(self, key: str, force: bool = False, progress: Progress | None = None) -> BuildReport | None:
        """Bring the corpus's index up to date (only changed files re-embed), then swap the assistant in."""
        entry = self.get(key)
        with entry.build_lock:
            try:
                report = self.builder(entry.settings, self.embedder, force=force, progress=progress)
            except EmptyCorpus as exc:
                with self._lock:
                    entry.assistant, entry.problem = None, str(exc)
                return None
            fresh = Assistant.load(entry.settings, build=False, embedder=self.embedder, progress=progress)
            fresh.build_report = report
            with self._lock:
                entry.assistant, entry.problem = fresh, ""
        return report

    def add_files(self, key: str, files: Sequence[tuple[Path, str]], progress: Progress | None = None) -> UploadResult:
        """Save uploads (path of the upload, name the user gave it) into the corpus, then rebuild."""
        entry = self.get(key)
        result = UploadResult()
        for source, name in files:
            try:
                doc_id, replaced = save_upload(entry.settings, Path(source), name)
            except UploadUnreadable as exc:
                result.skipped.append(f"Skipped {exc}")
                continue
            except UploadRefused as exc:
                result.refused.append(str(exc))
                continue
            (result.replaced if replaced else result.saved).append(doc_id)
        if result.saved or result.replaced:
            result.report = self.rebuild(key, progress=progress)
        return result

    def watch(self, key: str, on: bool) -> None:
        """Start or stop watching the corpus folder: each settled batch of changes becomes one ``rebuild``."""
        entry = self.get(key)
        with self._lock:
            if on == (entry.watcher is not None):
                return
            if on:
                if not entry.path.is_dir():
                    raise CorpusError(f"{entry.path} is not a folder")
                watcher = FolderWatcher(
                    entry.path,
                    lambda _paths: self._folder_changed(key),
                    entry.settings.watch_settle_s,
                    supported_suffixes(entry.settings),
                    skip=[entry.settings.index_dir],
                )
                try:
                    watcher.start()
                except OSError as exc:  # inotify's limit on watches, say
                    watcher.stop(timeout=0)
                    raise CorpusError(f"cannot watch {entry.path}: {exc.strerror or exc}") from None
                entry.watcher = watcher
                return
            watcher, entry.watcher = entry.watcher, None
        if watcher is not None:
            watcher.stop()

    def watching(self, key: str) -> bool:
        return self.get(key).watcher is not None

    def close(self) -> None:
        """Stop every watcher (the server is shutting down); an update under way finishes first."""
        for entry in self.corpora():
            self.watch(entry.key, False)

    def _folder_changed(self, key: str) -> None:
        """One update of a watched folder: rebuild (the previous index answers meanwhile), then note what changed."""
        entry = self.get(key)
        entry.updating = True
        try:
            entry.watch_note = self._update(entry)
        finally:
            entry.updating = False

    def _update(self, entry: Corpus) -> WatchNote:
        started = time.monotonic()
        try:
            with entry.build_lock:  # after an upload's own rebuild, when one is under way
                before = entry.assistant.manifest if entry.assistant else None
                current = before is not None and staleness(entry.settings, self.embedder, before) is None
            if current:  # the change left the index as it is (a file touched, an upload already indexed)
                return WatchNote(time.time(), f"no change to the index ({time.monotonic() - started:.1f} s)")
            self.rebuild(entry.key)
        except Exception as exc:  # noqa: BLE001 - whatever stopped the build, the previous index keeps serving
            why = str(exc) or type(exc).__name__
            return WatchNote(time.time(), f"{why}; answering from the previous index", ok=False)
        took = f"({time.monotonic() - started:.1f} s)"
        if entry.assistant is None:
            return WatchNote(time.time(), f"{entry.problem} {took}")
        changes = FolderChanges.between(before, entry.assistant.manifest)
        return WatchNote(time.time(), "\n".join([f"{changes.summary()} {took}", *changes.details()]))
