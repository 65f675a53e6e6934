"""EPUB books: a real one made by pandoc 2.17 from the Debian FAQ's chapters 8 and 9 (debian-faq 11.1,
GPL-2+; tests/data/debian-faq-11.1-ch08-09-pandoc.epub, unmodified), read in reading order and asked
through the real model; and the books that cannot be read (DRM, a broken zip, a zip bomb) refused with
their reason while the rest of the folder is indexed."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import pytest

from qa.assistant import Assistant
from qa.encode.embedder import Embedder
from qa.ingest.chunking import ChunkConfig, chunk_document
from qa.ingest.epub import MAX_PAGE_BYTES
from qa.ingest.loading import UnreadableFile, load_corpus, load_file
from qa.settings import load_settings
from tests.conftest import assistant_over, make_settings, quoted

BOOK = Path(__file__).resolve().parent.parent / "data" / "debian-faq-11.1-ch08-09-pandoc.epub"


def test_a_book_reads_in_order_under_its_chapters_without_its_navigation() -> None:
    settings = load_settings({"corpus_dir": BOOK.parent, "index_dir": BOOK.parent / "nowhere"}, environ={})
    doc = load_file(BOOK, BOOK.name, settings, {})
    assert doc.title == "The Debian GNU/Linux FAQ, chapters 8 and 9"  # the book's dc:title
    passages = chunk_document(doc, ChunkConfig())
    sections = [p.section for p in passages]
    dpkg = sections.index(next(s for s in sections if s.endswith("8.1.1. dpkg")))
    later = sections.index(next(s for s in sections if s.startswith("Chapter 9. Keeping your Debian system")))
    assert dpkg < later  # the spine's order: chapter 8, then 9
    every = "\n".join(p.text for p in passages)
    assert "Prev" not in every and "Navigation header" not in every


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Assistant:
    return assistant_over({BOOK.name: BOOK}, tmp_path_factory, embedder, "epub")


def test_asked_on_a_book_the_answer_quotes_the_command_under_its_section(assistant: Assistant) -> None:
    top = assistant.ask("How do I remove a package together with its configuration files?").excerpts[0]
    assert top.passage.doc_id == BOOK.name and top.passage.section.endswith("8.1.1. dpkg")
    assert any("dpkg --purge foo" in s for s in quoted(top))


def _epub(pages: dict[str, bytes], encrypted: str | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("mimetype", "application/epub+zip")
        container = '<container><rootfiles><rootfile full-path="c.opf"/></rootfiles></container>'
        z.writestr("META-INF/container.xml", container)
        items = "".join(f'<item id="p{i}" href="{n}" media-type="application/xhtml+xml"/>' for i, n in enumerate(pages))
        refs = "".join(f'<itemref idref="p{i}"/>' for i in range(len(pages)))
        z.writestr("c.opf", f"<package><metadata><title>T</title></metadata><manifest>{items}</manifest>"
                            f"<spine>{refs}</spine></package>")  # fmt: skip
        for name, body in pages.items():
            z.writestr(name, body)
        if encrypted:
            z.writestr("META-INF/encryption.xml", f'<encryption><CipherReference URI="{encrypted}"/></encryption>')
    return buf.getvalue()


def test_books_that_cannot_be_read_are_skipped_with_their_reason_and_the_rest_is_indexed(tmp_path: Path) -> None:
    corpus = tmp_path / "books"
    corpus.mkdir()
    shutil.copy(BOOK, corpus / "faq.epub")
    page = b"<html><body><h1>Terns</h1><p>Terns fly from pole to pole every year.</p></body></html>"
    (corpus / "locked.epub").write_bytes(_epub({"a.xhtml": page}, encrypted="a.xhtml"))
    (corpus / "broken.epub").write_bytes(BOOK.read_bytes()[:4000])
    (corpus / "bomb.epub").write_bytes(_epub({"a.xhtml": b"<p>" + b" " * (MAX_PAGE_BYTES + 1)}))
    (corpus / "fonts.epub").write_bytes(_epub({"a.xhtml": page}, encrypted="fonts/serif.otf"))
    report = load_corpus(make_settings(corpus, tmp_path / "index"))
    reasons = {s.path: s.reason for s in report.skipped}
    assert "DRM-protected" in reasons["locked.epub"]
    assert "not an EPUB" in reasons["broken.epub"] or "corrupt EPUB" in reasons["broken.epub"]
    assert "too large unpacked" in reasons["bomb.epub"]
    assert {d.doc_id for d in report.documents} == {"faq.epub", "fonts.epub"}  # obfuscated fonts are no DRM


def test_an_epub_that_is_not_a_zip_says_so(tmp_path: Path) -> None:
    path = tmp_path / "notes.epub"
    path.write_text("just some notes, saved with the wrong name")
    settings = load_settings({"corpus_dir": tmp_path, "index_dir": tmp_path / "index"}, environ={})
    with pytest.raises(UnreadableFile, match="not an EPUB"):
        load_file(path, "notes.epub", settings, {})


def test_an_uploaded_book_enters_the_corpus_and_a_locked_one_is_moved_aside_with_its_reason(tmp_path: Path) -> None:
    from qa.web.workspace import UploadUnreadable, save_upload

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    settings = make_settings(corpus, tmp_path / "index")
    assert save_upload(settings, BOOK, "faq.epub") == ("faq.epub", False)
    locked = tmp_path / "locked.epub"
    page = b"<html><body><p>Terns fly from pole to pole every year.</p></body></html>"
    locked.write_bytes(_epub({"a.xhtml": page}, encrypted="a.xhtml"))
    with pytest.raises(UploadUnreadable, match="DRM-protected"):
        save_upload(settings, locked, "locked.epub")
    assert sorted(p.name for p in corpus.iterdir() if not p.name.startswith(".")) == ["faq.epub"]
