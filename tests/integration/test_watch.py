"""Watching a corpus folder, with real file operations, the real model and the real build process.

Waiting is polling with a generous deadline: how long an update takes is the bench's business, not a test's.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from qa.assistant import Assistant
from qa.index.buildproc import BuildFailed, build_in_child
from qa.index.watch import FolderWatcher
from qa.web.workspace import Workspace
from tests.conftest import make_settings
from tests.webserver import serving

DEADLINE_S = 300  # the build process loads torch and the model: slow on a busy machine, never this slow
SETTLE_S = 1.0  # long enough that a burst written as fast as Python can is one batch, even on a busy machine


def wait_for(what: str, check: Callable[[], Any], deadline_s: float = DEADLINE_S) -> Any:
    """Poll ``check`` until it returns something true; that value."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        got = check()
        if got:
            return got
        time.sleep(0.2)
    raise AssertionError(f"gave up waiting for {what}")


def watch_threads() -> list[threading.Thread]:
    """The watchers' threads and watchdog's own (its observer and emitters)."""
    return [
        t
        for t in threading.enumerate()
        if t.is_alive() and (t.name.startswith("qa-watch") or type(t).__module__.startswith("watchdog"))
    ]


@pytest.fixture()
def watched(small_corpus: Path, embedder) -> Iterator[tuple[Workspace, str]]:
    """The small corpus indexed, served by a workspace that watches it; stopped (and checked stopped) after."""
    settings = make_settings(small_corpus, small_corpus.parent / "index", watch_settle_s=SETTLE_S)
    workspace = Workspace(settings, Assistant.load(settings, embedder=embedder))
    workspace.watch(workspace.default_key, True)
    try:
        yield workspace, workspace.default_key
    finally:
        workspace.close()
        assert not watch_threads(), "a watcher's thread outlived close()"


def documents(workspace: Workspace, key: str) -> set[str]:
    assistant = workspace.assistant(key)
    return {d["doc"] for d in assistant.documents()} if assistant else set()


def next_note(workspace: Workspace, key: str, after: Any) -> Any:
    """The next update's note (after the one given)."""
    entry = workspace.get(key)
    return wait_for("an update", lambda: entry.watch_note if entry.watch_note is not after else None)


def test_the_watcher_sees_real_changes_and_leaves_out_the_rest(tmp_path: Path) -> None:
    """No model: the events of real file operations, as the watcher hands them to its update."""
    folder, outside = tmp_path / "corpus", tmp_path / "outside"
    folder.mkdir(), outside.mkdir()
    (folder / "index").mkdir()
    batches: list[list[str]] = []
    watcher = FolderWatcher(folder, batches.append, 0.3, (".txt",), skip=[folder / "index"])
    watcher.debouncer.max_open_s = 3600  # a file taken for one still open would hold its batch back for an hour
    watcher.start()
    try:
        (outside / "moved.txt").write_text("moved in whole")
        (outside / "moved.txt").rename(folder / "moved.txt")
        wait_for("the moved-in file's batch", lambda: batches)
        assert batches == [[str(folder / "moved.txt")]]

        (folder / ".hidden.txt").write_text("x")
        (folder / "index" / "manifest.txt").write_text("x")
        (folder / "data.csv").write_text("x")
        (folder / "download.txt.part").write_text("x")
        (folder / "download.txt.part").rename(folder / "download.txt")
        wait_for("the download's batch", lambda: len(batches) == 2)
        assert batches[1] == [str(folder / "download.txt")]
    finally:
        watcher.stop()
    assert not watch_threads()


def test_added_changed_removed_and_renamed_files_reach_the_answers(watched, small_corpus: Path) -> None:
    workspace, key = watched
    (small_corpus / "lighthouses.txt").write_text(
        "Lighthouses\n\nThe Pharos of Alexandria was a lighthouse built by the Ptolemaic Kingdom.\n", encoding="utf-8"
    )
    note = next_note(workspace, key, None)
    assert note.ok and note.text.splitlines()[0].startswith("1 added (") and "added: lighthouses.txt" in note.text
    answer = workspace.assistant(key).ask("Who built the Pharos of Alexandria?")
    assert answer.excerpts[0].passage.doc_id == "lighthouses.txt"
    report = workspace.assistant(key).build_report
    assert report.embedded_documents == 1 and report.reused_documents == 3, "only the new file is read and embedded"

    (small_corpus / "tea.txt").write_text("Tea\n\nOolong tea is partly oxidised, between green and black.\n")
    (small_corpus / "bees.txt").unlink()
    (small_corpus / "volcanoes.md").rename(small_corpus / "mountains.md")
    outside = small_corpus.parent / "rivers.txt"  # written elsewhere, then moved in: no write is seen here
    outside.write_text("Rivers\n\nThe Danube flows through ten countries into the Black Sea.\n")
    outside.rename(small_corpus / "rivers.txt")
    note = next_note(workspace, key, note)
    assert note.text.splitlines()[0].startswith("1 added, 1 changed, 1 removed, 1 renamed ("), note.text
    assert "renamed: volcanoes.md → mountains.md" in note.text
    assert documents(workspace, key) == {"lighthouses.txt", "mountains.md", "rivers.txt", "tea.txt"}
    assert "partly oxidised" in workspace.assistant(key).ask("What is oolong tea?").excerpts[0].passage.text


def test_a_burst_of_100_files_is_indexed_in_a_few_updates(watched, small_corpus: Path) -> None:
    workspace, key = watched
    inbox = small_corpus / "inbox"
    inbox.mkdir()
    for i in range(100):
        (inbox / f"note{i:03}.txt").write_text(f"Note {i}\n\nThe code word of note {i} is lantern-{i}.\n")
    wanted = {f"inbox/note{i:03}.txt" for i in range(100)}
    wait_for("the 100 notes in the index", lambda: wanted <= documents(workspace, key))
    watcher = workspace.get(key).watcher
    assert 1 <= watcher.updates <= 3, f"{watcher.updates} updates for one burst"
    top = workspace.assistant(key).ask("What is the code word of note 57?").excerpts[0].passage
    assert top.doc_id == "inbox/note057.txt"


def test_a_file_still_being_written_is_not_read_until_it_is_closed(watched, small_corpus: Path) -> None:
    workspace, key = watched
    watcher = workspace.get(key).watcher
    chunks = [
        "Comets\n\nA comet is an icy body that releases gas when it passes close to the Sun.\n\n",
        "The tail of a comet always points away from the Sun, pushed by the solar wind.\n\n",
        "Halley's Comet returns every 75 to 76 years and was last seen from Earth in 1986.\n",
    ]
    with open(small_corpus / "comets.txt", "w", encoding="utf-8") as out:
        for chunk in chunks:
            out.write(chunk)
            out.flush()
            time.sleep(SETTLE_S * 3)  # the folder is quiet longer than the settle time, the file still open
            assert watcher.updates == 0, "an update started while the file was still being written"
            assert "comets.txt" not in documents(workspace, key)
    wait_for("comets.txt in the index", lambda: "comets.txt" in documents(workspace, key))
    note = workspace.get(key).watch_note
    assert note.ok and note.text.startswith("1 added (") and watcher.updates == 1
    top = workspace.assistant(key).ask("When was Halley's Comet last seen?").excerpts[0].passage
    assert top.doc_id == "comets.txt" and "1986" in top.text, "the file as finally written is what is answered"


def test_the_chat_answers_from_the_previous_index_while_an_update_runs(watched, small_corpus: Path) -> None:
    workspace, key = watched
    release = threading.Event()

    def held_build(*args: Any, **kwargs: Any) -> Any:
        release.wait(DEADLINE_S)
        return build_in_child(*args, **kwargs)

    workspace.builder = held_build
    previous = workspace.assistant(key)
    (small_corpus / "bees.txt").write_text("Bees\n\nBumble bees nest in the ground in small colonies.\n")
    wait_for("the update to start", lambda: workspace.get(key).updating)
    answer = workspace.assistant(key).ask("Who leads a honey bee colony?")
    assert workspace.assistant(key) is previous and "single queen" in answer.excerpts[0].passage.text
    release.set()
    note = next_note(workspace, key, None)
    assert note.ok and note.text.startswith("1 changed")
    assert "Bumble bees" in workspace.assistant(key).ask("Where do bumble bees nest?").excerpts[0].passage.text


def test_a_failed_update_keeps_the_previous_index_and_says_why(watched, small_corpus: Path) -> None:
    workspace, key = watched
    previous = workspace.assistant(key)

    def killed(*_: Any, **__: Any) -> Any:
        raise BuildFailed("the build process ended without a result (exit status -9); the previous index is kept")

    workspace.builder = killed
    (small_corpus / "comets.txt").write_text("Comets\n\nA comet is an icy body with a tail.\n")
    note = next_note(workspace, key, None)
    assert not note.ok and "exit status -9" in note.text and "answering from the previous index" in note.text
    assert workspace.assistant(key) is previous

    workspace.builder = build_in_child
    (small_corpus / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a PDF")
    note = next_note(workspace, key, note)
    assert note.ok and "1 added" in note.text and "1 unreadable" in note.text, note.text
    assert "not indexed: broken.pdf:" in note.text
    assert documents(workspace, key) == {"bees.txt", "comets.txt", "tea.txt", "volcanoes.md"}


def test_qa_serve_watch_updates_the_running_server_and_stops_with_it(small_corpus: Path, embedder) -> None:
    settings = make_settings(small_corpus, small_corpus.parent / "index", watch_settle_s=SETTLE_S)
    assistant = Assistant.load(settings, embedder=embedder)

    def top_doc(url: str) -> str:
        body = json.dumps({"question": "Who built the Pharos of Alexandria?"}).encode()
        request = urllib.request.Request(f"{url}/api/ask", body, {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            passages = json.loads(response.read())["passages"]
        return passages[0]["doc"] if passages else ""

    with serving(assistant, watch=True) as url:
        assert watch_threads(), "--watch starts watching with the server"
        (small_corpus / "lighthouses.txt").write_text(
            "Lighthouses\n\nThe Pharos of Alexandria was a lighthouse built by the Ptolemaic Kingdom.\n"
        )
        wait_for("the new file's answer", lambda: top_doc(url) == "lighthouses.txt")
    assert not watch_threads(), "the watcher stops with the server"
