"""A full disk and a read-only index folder: one clear line, the index in use keeps answering, nothing left
behind, and the next build (with room again) finishes. The index lives on its own small tmpfs mount, so
these tests need root (they are skipped elsewhere); bench/faults.py repeats them at random sizes."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from qa.assistant import Assistant
from qa.cli import main as cli_main
from qa.index import build as indexing
from qa.index import store
from qa.index.build import build_index
from tests.conftest import make_settings


@pytest.fixture()
def mount(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "index"
    folder.mkdir()
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("needs root to mount a tmpfs")
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(folder)], check=False).returncode:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def _remount(folder: Path, options: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{options}", str(folder)], check=True)


def _grow_corpus(corpus: Path) -> None:
    text = "".join(f"Paragraph {i} on owls: barn owls hunt mice at night near farm {i}.\n\n" for i in range(400))
    (corpus / "owls.txt").write_text("Owls\n\n" + text, encoding="utf-8")


def _qa_lines(capsys) -> list[str]:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return [line for line in err.splitlines() if line.startswith("qa: ")]


def test_a_full_disk_fails_in_one_line_and_keeps_the_index_answering(
    small_corpus: Path, mount: Path, embedder, capsys
) -> None:
    settings = make_settings(small_corpus, mount)
    build_index(settings, embedder)
    live = store.read_manifest(mount)["build_id"]
    _remount(
        mount, f"size={shutil.disk_usage(mount).used // 1024 + 32}k"
    )  # room for the embedding checkpoints, not a new build
    _grow_corpus(small_corpus)

    code = cli_main(["index", "--quiet", "--corpus", str(small_corpus), "--index-dir", str(mount)])
    lines = _qa_lines(capsys)
    assert code == 1 and len(lines) == 1 and "No space left on device" in lines[0], lines
    assert store.read_manifest(mount)["build_id"] == live
    assert [p.name for p in (mount / "builds").iterdir()] == [live]  # the half-written build is gone

    served = Assistant.load(settings, embedder=embedder)  # `qa ask`: cannot update, answers from the old index
    assert "could not be updated" in capsys.readouterr().err
    assert served.manifest["build_id"] == live and "queen" in served.ask("Who leads a bee colony?").answer

    _remount(mount, "size=64m")
    assert not build_index(settings, embedder).up_to_date
    assert "mice" in Assistant.load(settings, build=False, embedder=embedder).ask("What do barn owls hunt?").answer


def test_a_read_only_index_folder_keeps_answering(small_corpus: Path, mount: Path, embedder, capsys) -> None:
    settings = make_settings(small_corpus, mount)
    build_index(settings, embedder)
    _remount(mount, "ro")
    try:
        _grow_corpus(small_corpus)
        code = cli_main(["index", "--quiet", "--corpus", str(small_corpus), "--index-dir", str(mount)])
        lines = _qa_lines(capsys)
        assert code == 1 and len(lines) == 1 and "Read-only file system" in lines[0], lines
        served = Assistant.load(settings, embedder=embedder)
        assert "queen" in served.ask("Who leads a bee colony?").answer
    finally:
        _remount(mount, "rw")
    assert not build_index(settings, embedder).up_to_date


def test_a_full_disk_under_faiss_is_the_same_clear_line(
    small_corpus: Path, tmp_path: Path, embedder, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """FAISS reports a short write as a RuntimeError; found by bench/faults.py, where it escaped as a traceback."""
    settings = make_settings(small_corpus, tmp_path / "index")
    build_index(settings, embedder)
    live = store.read_manifest(settings.index_dir)["build_id"]

    def full(path: Path, *args: object, **kwargs: object) -> None:
        path.write_bytes(b"\0" * 4051)
        raise RuntimeError(
            "Error in void faiss::write_index(const Index*, IOWriter*, int) at index_write.cpp:499: Error: "
            f"'ret == (size * 4)' failed: write error in {path}: 4051 != 110592 (No space left on device)"
        )

    monkeypatch.setattr(indexing, "write_dense_index", full)
    _grow_corpus(small_corpus)
    code = cli_main(["index", "--quiet", "--corpus", str(small_corpus), "--index-dir", str(settings.index_dir)])
    lines = _qa_lines(capsys)
    assert code == 1 and lines == ["qa: No space left on device; the index in use is unchanged"], lines
    assert [p.name for p in (settings.index_dir / "builds").iterdir()] == [live]
    served = Assistant.load(settings, embedder=embedder)
    assert served.manifest["build_id"] == live and "queen" in served.ask("Who leads a bee colony?").answer
