"""Compressed manuals as /usr/share/doc keeps them ("debian-faq.en.txt.gz", "README.gz"): read as what they
hold, cited under their own name. Before, every one was skipped as "unsupported file type .gz". A gzip file
that is damaged, or that unpacks past max_file_mb (a few kilobytes can hold gigabytes of zeros), is skipped
with its reason and the rest of the folder is indexed."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from qa.assistant import Assistant
from qa.encode.embedder import Embedder
from qa.index.build import build_index
from tests.conftest import make_settings, quoted

FAQ = Path(__file__).resolve().parent.parent / "data" / "debian-faq-11.1-start.txt"  # Debian FAQ 11.1, its start


def test_a_compressed_manual_is_read_and_cited_and_a_bad_one_is_named(tmp_path: Path, embedder: Embedder) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "debian-faq.en.txt.gz").write_bytes(gzip.compress(FAQ.read_bytes()))
    (corpus / "NEWS.gz").write_bytes(gzip.compress(b"News\n\nVersion 2 reads compressed manuals.\n"))
    (corpus / "broken.txt.gz").write_bytes(b"this was never compressed")
    (corpus / "zeros.txt.gz").write_bytes(gzip.compress(b"0" * (2 * 1024 * 1024)))
    (corpus / "figures.ps.gz").write_bytes(gzip.compress(b"%!PS-Adobe-3.0\n"))
    settings = make_settings(corpus, tmp_path / "index", max_file_mb=1)

    lines = build_index(settings, embedder).lines()
    assert "skipped broken.txt.gz: not a readable gzip file (BadGzipFile)" in lines
    assert "skipped zeros.txt.gz: too large once uncompressed (over max_file_mb=1)" in lines
    assert "skipped figures.ps.gz: unsupported file type .ps.gz" in lines

    assistant = Assistant.load(settings, embedder=embedder)
    answer = assistant.ask("Who created the Debian Project, and when?")
    top = answer.excerpts[0]
    assert top.passage.doc_id == "debian-faq.en.txt.gz"
    assert any("created by Ian Murdock in 1993" in " ".join(s.split()) for s in quoted(top))
    assert {d["doc"] for d in assistant.documents()} == {"debian-faq.en.txt.gz", "NEWS.gz"}


def test_a_compressed_upload_is_kept_and_a_damaged_one_is_quarantined(tmp_path: Path) -> None:
    from qa.web.workspace import QUARANTINE, UploadUnreadable, save_upload

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    settings = make_settings(corpus, tmp_path / "index")
    good, bad = tmp_path / "faq.txt.gz", tmp_path / "broken.txt.gz"
    good.write_bytes(gzip.compress(FAQ.read_bytes()))
    bad.write_bytes(b"this was never compressed")
    assert save_upload(settings, good, "faq.txt.gz") == ("faq.txt.gz", False)
    assert (corpus / "faq.txt.gz").read_bytes() == good.read_bytes()
    with pytest.raises(UploadUnreadable, match="not a readable gzip file"):
        save_upload(settings, bad, "broken.txt.gz")
    assert (corpus / QUARANTINE / "broken.txt.gz").exists() and not (corpus / "broken.txt.gz").exists()
