"""Watching a folder, the decisions without threads: which changes count, when the rebuild may start, and what
the page says an update did. (tests/integration/test_watch.py runs the real thing on real files.)"""

from __future__ import annotations

from pathlib import Path

from qa.index.watch import Debouncer, FolderChanges, relevant

ROOT = Path("/data/corpus")
SUFFIXES = (".txt", ".md", ".pdf")


def test_changes_that_cannot_change_the_index_are_left_out() -> None:
    def counts(rel: str, folder: bool = False) -> bool:
        return relevant(ROOT / rel, ROOT, SUFFIXES, skip=[ROOT / "index"], folder=folder)

    assert counts("notes.txt") and counts("sub/report.PDF") and counts("titles.json")
    assert counts("doc/faq.txt.gz") and counts("doc/README.gz")  # read as what they hold
    assert counts("manuals", folder=True)  # a folder renamed or removed takes its documents with it
    for ignored in [
        ".hidden.txt",
        ".quarantine/bad.pdf",
        ".upload-abc.pdf",
        "notes.txt~",
        ".notes.txt.swp",
        "report.pdf.part",
        "report.pdf.crdownload",
        "~$report.docx",
        "index/manifest.json",  # the index folder, when it lies inside the corpus
        "index/passages.txt",
        "data.csv",  # no reader takes it
        "figures.ps.gz",
    ]:
        assert not counts(ignored), ignored
    assert not relevant(Path("/elsewhere/a.txt"), ROOT, SUFFIXES)
    assert not relevant(ROOT, ROOT, SUFFIXES, folder=True)


def test_a_burst_of_changes_waits_for_the_folder_to_be_quiet_then_is_one_batch() -> None:
    stats = {f"/c/{i}.txt": (10, i) for i in range(100)}
    d = Debouncer(settle_s=2.0)
    for i, path in enumerate(stats):
        d.saw(path, now=i * 0.01, stat=stats[path])  # 100 files within a second
        assert not d.ready(i * 0.01, stats.get)
    assert not d.ready(2.5, stats.get)  # 1.5 s after the last file
    assert d.ready(3.1, stats.get)
    assert d.take() == sorted(stats)
    assert not d.ready(10.0, stats.get), "nothing pending after the batch was taken"


def test_a_file_still_being_written_holds_the_update_back() -> None:
    stats = {"/c/big.pdf": (100, 1)}
    d = Debouncer(settle_s=1.0, max_open_s=60.0)
    d.saw("/c/big.pdf", 0.0, stats["/c/big.pdf"], writing=True)
    assert not d.ready(5.0, stats.get), "written to and not closed: wait, however quiet the folder is"
    stats["/c/big.pdf"] = (200, 2)
    d.saw("/c/big.pdf", 6.0, stats["/c/big.pdf"], writing=False)  # closed
    assert not d.ready(6.5, stats.get)
    assert d.ready(7.1, stats.get)

    d = Debouncer(settle_s=1.0, max_open_s=60.0)
    d.saw("/c/log.txt", 0.0, (5, 1), writing=True)
    assert not d.ready(59.0, {"/c/log.txt": (5, 1)}.get)
    assert d.ready(61.0, {"/c/log.txt": (5, 1)}.get), "a file kept open past max_open_s is read as it stands"


def test_a_file_that_keeps_growing_without_events_is_waited_for() -> None:
    """A network share, or a platform that reports no closes: the size and time are compared instead."""
    d = Debouncer(settle_s=1.0)
    d.saw("/c/copy.txt", 0.0, (100, 1))
    assert not d.ready(1.5, {"/c/copy.txt": (400, 2)}.get), "it grew since the event"
    assert not d.ready(2.0, {"/c/copy.txt": (400, 2)}.get), "quiet again only from the check that saw it grow"
    assert d.ready(2.6, {"/c/copy.txt": (400, 2)}.get)


def test_deletions_and_renames_are_ready_once_quiet() -> None:
    d = Debouncer(settle_s=1.0)
    d.saw("/c/old.txt", 0.0, None)  # removed, or renamed away
    d.saw("/c/new.txt", 0.0, (10, 1), writing=False)  # renamed into place
    d.saw("/c/gone.txt", 0.1, (10, 1), writing=True)
    d.saw("/c/gone.txt", 0.2, None)  # written, then deleted before it was closed: nothing left to wait for
    now = {"/c/new.txt": (10, 1)}
    assert d.ready(1.3, now.get)
    assert d.take() == ["/c/gone.txt", "/c/new.txt", "/c/old.txt"]


def _manifest(files: dict[str, str], skipped: list[tuple[str, str]] = ()) -> dict:
    return {
        "files": {name: {"sha256": sha} for name, sha in files.items()},
        "skipped": [{"file": f, "reason": why} for f, why in skipped],
    }


def test_what_an_update_did_is_read_from_the_manifests_before_and_after() -> None:
    before = _manifest({"a.txt": "1", "b.txt": "2", "c.txt": "3", "d.txt": "4"}, [("old.pdf", "no text in file")])
    after = _manifest(
        {"a.txt": "1", "b.txt": "22", "e.txt": "4", "f.txt": "5", "g.txt": "6"},
        [("old.pdf", "no text in file"), ("bad.pdf", "pdf reader failed")],
    )
    changes = FolderChanges.between(before, after)
    assert changes.added == ["f.txt", "g.txt"]
    assert changes.changed == ["b.txt"]
    assert changes.removed == ["c.txt"]
    assert changes.renamed == [("d.txt", "e.txt")]
    assert changes.skipped == [("bad.pdf", "pdf reader failed")]
    assert changes.summary() == "2 added, 1 changed, 1 removed, 1 renamed, 1 unreadable"
    assert changes.details() == [
        "added: f.txt, g.txt",
        "changed: b.txt",
        "removed: c.txt",
        "renamed: d.txt → e.txt",
        "not indexed: bad.pdf: pdf reader failed",
    ]
    assert FolderChanges.between(after, after).summary() == "no change to the index"
    assert FolderChanges.between(None, _manifest({"x.txt": "1"})).added == ["x.txt"]


def test_a_burst_is_summed_up_in_a_few_names() -> None:
    after = _manifest({f"n{i:03}.txt": str(i) for i in range(100)})
    changes = FolderChanges.between(_manifest({}), after)
    assert changes.summary() == "100 added"
    assert changes.details() == ["added: n000.txt, n001.txt, n002.txt, n003.txt, n004.txt and 95 more"]


def test_qa_serve_watch_turns_watching_on() -> None:
    from qa.cli import build_parser, settings_from_args

    assert settings_from_args(build_parser().parse_args(["serve", "--watch"])).watch is True
    assert settings_from_args(build_parser().parse_args(["serve"])).watch is False
