"""Watching a corpus folder: its changes, once the folder is quiet, become one incremental rebuild.

Why debounce: copying 100 files into the folder sends hundreds of events; one rebuild after the last of them
reads every new file once, where a rebuild per event would start a hundred build processes. Why wait for a
file to be closed: a document still being written (a download, a slow copy) would be indexed half-written,
and answered from, until the next rebuild. Where the platform reports closes (Linux's inotify), a file
written to and not yet closed holds the rebuild back; everywhere, a file whose size or modification time is
still changing does.

The decisions (``relevant``, ``Debouncer``, ``FolderChanges``) are plain code without threads, tested as such;
``FolderWatcher`` wires them to watchdog's observer and one thread that runs the rebuilds in turn.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    EventsLostEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer

from qa.ingest.loading import reader_suffix

# Editors' and browsers' files of a save or download in progress; the finished file arrives under its own name.
TEMP_SUFFIXES = ("~", ".swp", ".swo", ".swx", ".part", ".crdownload", ".download", ".tmp", ".partial")
TITLES_NAME = "titles.json"  # the corpus's titles file: a change renames documents
MAX_OPEN_S = 120.0  # a file kept open for writing this long after the folder fell quiet is read anyway
TICK_S = 0.25  # how often the watcher's thread asks whether the folder has settled

Stat = tuple[int, int] | None  # (size, modification time in ns); None: gone


def file_stat(path: str) -> Stat:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


def relevant(
    path: str | Path, root: Path, suffixes: Iterable[str], skip: Sequence[Path] = (), folder: bool = False
) -> bool:
    """Whether a change at ``path`` can change the index of the corpus at ``root``.

    Hidden files and folders (the quarantine, partial uploads), editors' temporary files, the index folder
    (``skip``) when it lies inside the corpus and files of types no reader takes are left out, as a build
    leaves them out."""
    path = Path(path)
    try:
        rel = path.relative_to(root)
    except ValueError:
        return False
    if not rel.parts or any(path == s or path.is_relative_to(s) for s in skip):
        return False
    if any(part.startswith(".") for part in rel.parts):
        return False
    name = rel.parts[-1]
    if name.lower().endswith(TEMP_SUFFIXES) or name.startswith("~$"):  # ~$report.docx: Office's lock file
        return False
    return folder or name == TITLES_NAME or reader_suffix(path) in set(suffixes)  # "faq.txt.gz" as ".txt"


@dataclass
class Debouncer:
    """Changed paths, held until the folder has been quiet for ``settle_s`` and none of them is still being
    written. Times are the caller's clock (seconds); sizes come through the ``stat`` the caller passes."""

    settle_s: float
    max_open_s: float = MAX_OPEN_S
    pending: dict[str, Stat] = field(default_factory=dict)  # path -> its size and time when last seen
    writing: set[str] = field(default_factory=set)  # written to and not closed yet (where closes are reported)
    last: float = 0.0  # when the latest change was seen

    def saw(self, path: str, now: float, stat: Stat, writing: bool | None = None) -> None:
        """A change at ``path``. ``writing``: True when it was written to (and a close will follow), False when
        it was closed or moved into place, None when unknown (a deletion, or a platform without close events)."""
        self.pending[path] = stat
        self.last = now
        if writing:
            self.writing.add(path)
        elif writing is False or stat is None:
            self.writing.discard(path)

    def ready(self, now: float, stat: Callable[[str], Stat]) -> bool:
        """Whether the rebuild may start: quiet long enough, nothing open for writing, sizes and times still
        as last seen (a writer that sends no events, on a network share say, is waited for too)."""
        if not self.pending or now - self.last < self.settle_s:
            return False
        if self.writing and now - self.last < self.max_open_s:
            return False
        moved = {p: s for p in self.pending if (s := stat(p)) != self.pending[p]}
        if moved:
            self.pending.update(moved)
            self.last = now
            return False
        return True

    def take(self) -> list[str]:
        """The paths the rebuild answers for; the debouncer starts afresh (a file still open past
        ``max_open_s`` is forgotten as being written: it was read as it stood)."""
        paths = sorted(self.pending)
        self.pending.clear()
        self.writing.clear()
        return paths


def _renamed(
    removed: set[str], added: set[str], before: Mapping[str, Any], after: Mapping[str, Any]
) -> list[tuple[str, str]]:
    """Pairs (old name, new name) of documents that left one name and arrived under another with the same bytes."""
    arriving: dict[str, list[str]] = {}
    for doc in sorted(added):
        arriving.setdefault(after[doc].get("sha256"), []).append(doc)
    pairs = []
    for doc in sorted(removed):
        same = arriving.get(before[doc].get("sha256"))
        if same:
            pairs.append((doc, same.pop(0)))
    return pairs


@dataclass
class FolderChanges:
    """What an update did to the index, from the manifests before and after it."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    renamed: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # newly unreadable files: (file, reason)

    @classmethod
    def between(cls, before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> FolderChanges:
        old, new = (before or {}).get("files", {}), (after or {}).get("files", {})
        added, removed = set(new) - set(old), set(old) - set(new)
        renamed = _renamed(removed, added, old, new)
        added -= {b for _, b in renamed}
        removed -= {a for a, _ in renamed}
        changed = sorted(d for d in set(old) & set(new) if old[d].get("sha256") != new[d].get("sha256"))
        was_skipped = {(s.get("file"), s.get("reason")) for s in (before or {}).get("skipped", [])}
        skipped = [(s.get("file"), s.get("reason")) for s in (after or {}).get("skipped", [])]
        return cls(sorted(added), changed, sorted(removed), renamed, [s for s in skipped if s not in was_skipped])

    def summary(self) -> str:
        """``3 added, 1 changed, 1 removed, 1 renamed``, or ``no change to the index``."""
        parts = [
            f"{len(items)} {what}"
            for items, what in [
                (self.added, "added"),
                (self.changed, "changed"),
                (self.removed, "removed"),
                (self.renamed, "renamed"),
                (self.skipped, "unreadable"),
            ]
            if items
        ]
        return ", ".join(parts) or "no change to the index"

    def details(self, limit: int = 5) -> list[str]:
        """A line per named change, the first ``limit`` of each kind (a burst of 100 stays readable)."""

        def named(items: list[str], what: str) -> list[str]:
            more = f" and {len(items) - limit} more" if len(items) > limit else ""
            return [f"{what}: " + ", ".join(items[:limit]) + more] if items else []

        return [
            *named(self.added, "added"),
            *named(self.changed, "changed"),
            *named(self.removed, "removed"),
            *named([f"{a} → {b}" for a, b in self.renamed], "renamed"),
            *[f"not indexed: {f}: {why}" for f, why in self.skipped[:limit]],
        ]


@dataclass
class WatchNote:
    """The latest update as the page shows it."""

    at: float  # time.time() when it finished
    text: str
    ok: bool = True


_EVENTS: list[type[FileSystemEvent]] = [
    FileCreatedEvent,
    FileModifiedEvent,
    FileClosedEvent,
    FileDeletedEvent,
    FileMovedEvent,
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    EventsLostEvent,
]  # not opens, nor closes without writing: a build reading the folder must not wake the watcher


class _Handler(FileSystemEventHandler):
    def __init__(self, watcher: FolderWatcher):
        self.watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        self.watcher.saw(event)


class FolderWatcher:
    """Watch ``folder`` (recursively); after each settled batch of changes call ``update(paths)`` on this
    watcher's own thread, one call at a time. Changes seen during an update make the next batch."""

    def __init__(
        self,
        folder: Path,
        update: Callable[[list[str]], None],
        settle_s: float,
        suffixes: Iterable[str],
        skip: Sequence[Path] = (),
    ):
        self.folder = Path(folder).resolve()
        self.update = update
        self.suffixes = tuple(suffixes)
        self.skip = tuple(Path(s).resolve() for s in skip)
        self.debouncer = Debouncer(settle_s)
        self.updates = 0  # how many batches were handed to ``update``
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._observer: Any = None
        self._thread: threading.Thread | None = None
        self._closes = False  # whether this platform's observer reports a file's close after writing

    def start(self) -> None:
        observer = Observer()
        observer.schedule(_Handler(self), str(self.folder), recursive=True, event_filter=_EVENTS)
        self._closes = type(observer).__name__.startswith("Inotify")
        observer.daemon = True
        observer.start()
        self._observer = observer
        self._thread = threading.Thread(target=self._run, name=f"qa-watch {self.folder.name}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 120.0) -> None:
        """Stop watching; an update under way finishes first (up to ``timeout``: its build is atomic anyway)."""
        self._stop.set()
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=10)
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=timeout)

    def saw(self, event: FileSystemEvent) -> None:
        now = time.monotonic()
        if isinstance(event, EventsLostEvent):  # the kernel's queue overflowed: changes unknown, rebuild
            with self._lock:
                self.debouncer.saw(str(self.folder), now, file_stat(str(self.folder)))
            return
        folder = event.is_directory
        paths = [os.fsdecode(event.src_path), *([os.fsdecode(event.dest_path)] if event.dest_path else [])]
        for i, path in enumerate(paths):
            if not relevant(path, self.folder, self.suffixes, self.skip, folder):
                continue
            if isinstance(event, FileClosedEvent) or (event.dest_path and i == 1):
                writing: bool | None = False  # closed, or moved into place whole
            elif isinstance(event, FileModifiedEvent):  # written to (a file moved in from outside is only created)
                writing = True if self._closes else None
            else:
                writing = None
            gone = isinstance(event, FileDeletedEvent | DirDeletedEvent) or (i == 0 and bool(event.dest_path))
            stat = None if gone else file_stat(path)
            with self._lock:
                self.debouncer.saw(path, now, stat, writing)

    def _run(self) -> None:
        while not self._stop.wait(TICK_S):
            with self._lock:
                if not self.debouncer.ready(time.monotonic(), file_stat):
                    continue
                paths = self.debouncer.take()
            self.updates += 1
            try:
                self.update(paths)
            except Exception as exc:  # noqa: BLE001 - the watcher outlives one failed update; the caller reports it
                print(f"qa: watching {self.folder}: update failed: {exc}", file=sys.stderr)
