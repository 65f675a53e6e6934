"""A file that cannot be read is named with its reason, kept out of the corpus, and its reader's complaints
are reported once (in the build report or the upload's status), never printed again on later runs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from qa.assistant import Assistant
from qa.index.build import build_index
from qa.ingest import loading
from qa.web.workspace import QUARANTINE, Workspace
from tests.conftest import make_settings

BROKEN_PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\n%EOF"  # PDFium: "Data format error"


def test_an_unreadable_upload_is_named_with_its_reason_and_kept_out_of_the_corpus(
    small_corpus: Path, tmp_path: Path, embedder
) -> None:
    settings = make_settings(small_corpus, tmp_path / "index")
    workspace = Workspace(settings, Assistant.load(settings, embedder=embedder))
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    (uploads / "junk.pdf").write_bytes(b"this is not a PDF at all")
    (uploads / "broken.pdf").write_bytes(BROKEN_PDF)
    (uploads / "owls.txt").write_text("Owls\n\nBarn owls hunt mice at night.\n", encoding="utf-8")

    result = workspace.add_files(
        workspace.default_key, [(uploads / n, n) for n in ("junk.pdf", "broken.pdf", "owls.txt")]
    )

    assert result.saved == ["owls.txt"]
    assert result.skipped[0].startswith("Skipped junk.pdf: not a PDF (invalid header)")
    assert result.skipped[1].startswith("Skipped broken.pdf: corrupt PDF")
    assert "Data format error" in result.skipped[1]  # the reader's own words, once, with the file's name
    assert not (small_corpus / "junk.pdf").exists() and not (small_corpus / "broken.pdf").exists()
    assert sorted(p.name for p in (small_corpus / QUARANTINE).iterdir()) == ["broken.pdf", "junk.pdf"]
    assert not any(p.name.startswith(".upload-") for p in small_corpus.iterdir())  # no temporary left
    manifest = workspace.assistant(workspace.default_key).manifest
    assert "junk.pdf" not in manifest["files"] and manifest["skipped"] == []  # the index never saw them
    assert "mice" in workspace.assistant(workspace.default_key).ask("What do barn owls hunt?").answer


def test_a_broken_file_in_the_corpus_is_reported_once_and_not_read_again(
    small_corpus: Path, tmp_path: Path, embedder, capfd, monkeypatch: pytest.MonkeyPatch
) -> None:
    (small_corpus / "broken.pdf").write_bytes(BROKEN_PDF)
    (small_corpus / "junk.pdf").write_bytes(b"junk")
    settings = make_settings(small_corpus, tmp_path / "index")
    old = 1_000_000_000_000_000_000  # 2001: written long before the build's scan, as most files are
    for name in ("broken.pdf", "junk.pdf"):
        os.utime(small_corpus / name, ns=(old, old))

    report = build_index(settings, embedder)
    lines = report.lines()
    assert "skipped junk.pdf: not a PDF (invalid header)" in lines
    assert any(line.startswith("skipped broken.pdf: corrupt") and "Data format error" in line for line in lines)
    assert "Data format error" not in capfd.readouterr().err  # in the report, not printed by the reader

    reads: list[str] = []
    real = loading.load_file
    monkeypatch.setattr(loading, "load_file", lambda path, *a: reads.append(path.name) or real(path, *a))
    again = build_index(settings, embedder)
    assert again.up_to_date and not [r for r in reads if r.endswith(".pdf")]
    assert Assistant.load(settings, embedder=embedder).build_report is None  # `qa ask`: no rebuild, no reading
    assert not [r for r in reads if r.endswith(".pdf")] and "Data format error" not in capfd.readouterr().err

    (small_corpus / "junk.pdf").write_bytes(b"still junk")  # changed: read again, reason reported again
    assert "skipped junk.pdf: not a PDF (invalid header)" in build_index(settings, embedder).lines()
    assert [r for r in reads if r.endswith(".pdf")] == ["junk.pdf"]
