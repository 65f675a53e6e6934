"""Each supported format loads to readable text; files that cannot be used are skipped with a reason."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from qa.ingest.loading import load_corpus, read_html, read_pdf, without_running_lines
from tests.conftest import make_settings


def _pdf_bytes(text: str) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.drawString(72, 760, text)
    c.showPage()
    c.save()
    return buf.getvalue()


def _docx_bytes(heading: str, body: str) -> bytes:
    import docx

    d = docx.Document()
    d.add_heading(heading, level=1)
    d.add_paragraph(body)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def _load(corpus: Path, tmp_path: Path):
    report = load_corpus(make_settings(corpus, tmp_path / "index"))
    return {d.doc_id: d for d in report.documents}, {s.path: s.reason for s in report.skipped}


def test_each_format_yields_its_text(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Plain text about otters.\n", encoding="utf-8")
    (corpus / "b.md").write_text("# Notes\n\nMarkdown about *herons*.\n", encoding="utf-8")
    (corpus / "c.html").write_text(
        "<html><head><title>t</title><script>var hidden = 1;</script></head>"
        "<body><h1>Kestrels</h1><p>Kestrels hover &amp; hunt voles.</p></body></html>",
        encoding="utf-8",
    )
    (corpus / "d.pdf").write_bytes(_pdf_bytes("Puffins nest in burrows on cliffs."))
    (corpus / "e.docx").write_bytes(_docx_bytes("Badgers", "Badgers dig setts in woodland."))

    docs, skipped = _load(corpus, tmp_path)

    assert skipped == {}
    assert docs["a.txt"].text == "Plain text about otters.\n"
    assert docs["b.md"].text.strip() == "Notes\n\nMarkdown about herons."  # as rendered: no "#", no "*"
    assert "Kestrels hover & hunt voles." in docs["c.html"].text
    assert "hidden" not in docs["c.html"].text
    assert "Puffins nest in burrows" in docs["d.pdf"].text
    assert "Badgers dig setts in woodland." in docs["e.docx"].text
    assert docs["e.docx"].text.startswith("Badgers")


def test_unusable_files_are_skipped_with_reasons(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    outside = tmp_path / "secret.txt"
    outside.write_text("outside the corpus", encoding="utf-8")
    (corpus / "good.txt").write_text("Good text.\n", encoding="utf-8")
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    (corpus / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    (corpus / "broken.docx").write_bytes(b"not a zip")
    (corpus / "image.png").write_bytes(b"\x89PNG")
    os.symlink(outside, corpus / "link.txt")

    docs, skipped = _load(corpus, tmp_path)

    assert list(docs) == ["good.txt"]
    assert skipped["empty.txt"] == "empty file"
    assert "binary" in skipped["binary.txt"]
    assert "PDF" in skipped["broken.pdf"]
    assert "docx" in skipped["broken.docx"]
    assert "unsupported" in skipped["image.png"]
    assert "outside the corpus" in skipped["link.txt"]


def test_legacy_encoding_is_decoded(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "latin.txt").write_bytes("Café crème at the Genève station.\n".encode("cp1252"))
    docs, skipped = _load(corpus, tmp_path)
    assert skipped == {}
    assert docs["latin.txt"].text == "Café crème at the Genève station.\n"


def test_oversized_file_is_skipped(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "big.txt").write_text("word " * 300_000, encoding="utf-8")
    report = load_corpus(make_settings(corpus, tmp_path / "i", max_file_mb=1))
    assert report.documents == []
    assert "too large" in report.skipped[0].reason


@pytest.mark.parametrize("name", ["001_5f14862b3cd51082.txt", "004_c89f68d176e111dd.txt"])
def test_default_corpus_text_is_the_files_bytes(name: str, tmp_path: Path) -> None:
    from tests.conftest import DEFAULT_CORPUS

    docs, _ = _load(DEFAULT_CORPUS, tmp_path)
    assert docs[name].text == (DEFAULT_CORPUS / name).read_bytes().decode("utf-8")
    assert docs[name].title != name  # the human title from corpus/titles.json


def test_html_page_furniture_is_left_out_but_an_articles_own_footer_stays() -> None:
    page = (
        b"<html><body><header><h1>Field Notes</h1><nav><a href='/'>Home</a> <a href='/shop'>Shop our mugs</a></nav>"
        b"</header><main><article><h2>Kestrels</h2><p>Kestrels hover and hunt voles over verges.</p>"
        b"<footer>Posted by Ana Ruiz on 3 May</footer></article></main>"
        b"<aside><h3>Popular posts</h3><p>Ten facts about gulls</p></aside>"
        b"<div role='contentinfo'>Copyright Field Notes Ltd. Cookie settings</div>"
        b"<footer>Subscribe to our newsletter</footer></body></html>"
    )
    text, _ = read_html(page)
    assert "Kestrels hover and hunt voles over verges." in text
    assert "Posted by Ana Ruiz on 3 May" in text  # the article's by-line is its own text
    assert "Field Notes" in text  # the page header with its title stays; only its menu goes
    for furniture in ("Shop our mugs", "Popular posts", "Ten facts about gulls", "Cookie settings", "newsletter"):
        assert furniture not in text


def test_a_page_that_is_all_menu_keeps_its_text() -> None:
    page = b"<html><body><nav><p>Opening hours: 9 to 5, Monday to Friday.</p></nav><p>Hi.</p></body></html>"
    assert "Opening hours: 9 to 5" in read_html(page)[0]


def test_running_headers_footers_and_page_numbers_leave_pdf_pages() -> None:
    birds = ["Bitterns", "Cranes", "Harriers", "Godwits"]
    pages = [
        f"Annual Review of Fen Birds\n{bird}\n\n{bird} were counted on {n * 10} sites in 2023.\n\nPage {n} of 4"
        for n, bird in enumerate(birds, start=1)
    ]
    cleaned = without_running_lines(pages)
    assert cleaned[0].startswith("Annual Review of Fen Birds")  # the first page keeps its title
    for n, (bird, page) in enumerate(zip(birds, cleaned), start=1):
        assert f"{bird}\n\n{bird} were counted on {n * 10} sites in 2023." in page  # paragraphs keep their breaks
        assert f"Page {n} of 4" not in page
        assert n == 1 or "Annual Review" not in page


def test_two_pages_cannot_tell_a_running_header_from_a_title() -> None:
    pages = ["Otters\n\nOtters eat fish.", "Otters\n\nThey hold hands while sleeping."]
    assert without_running_lines(pages) == pages


def test_a_pdf_with_a_running_header_reads_without_it(tmp_path: Path) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    for n, body in enumerate(["Swifts sleep on the wing.", "Terns fly pole to pole.", "Gannets dive at speed."]):
        c.drawString(72, 800, "Seabird Survey 2024 - confidential")
        c.drawString(72, 700, body)
        c.drawString(280, 40, str(n + 1))
        c.showPage()
    c.save()
    text, layout = read_pdf(buf.getvalue())
    # On page 1 too it is the header the other pages print, in the body's type: it names the document
    # (reportlab's Title entry says "untitled") and is in no passage.
    assert "Seabird Survey 2024" not in text
    assert layout.title == "Seabird Survey 2024 - confidential"
    for body in ("Swifts sleep on the wing.", "Terns fly pole to pole.", "Gannets dive at speed."):
        assert body in text
    assert not any(line.strip() in {"2", "3"} for line in text.splitlines())


def test_a_sphinx_builds_source_copies_and_code_listings_are_skipped_with_their_reason(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    page = "<html><body><div role='main'><h1>Quickstart</h1><p>Call requests.get with a URL to fetch it.</p></div>"
    for rel, body in {
        "html/objects.inv": "# Sphinx inventory",
        "html/user/quickstart.html": page,
        "html/_sources/user/quickstart.rst.txt": "Quickstart\n==========\n\nCall ``requests.get`` with a URL.\n",
        "html/_modules/requests/api.html": page.replace("Quickstart", "Source code for requests.api"),
        "html/search.html": "<html><body><h1>Search</h1><p>Searching for multiple words only shows matches.</p>",
        "notes/_sources/mine.txt": "My own notes kept in a folder that happens to be called _sources.\n",
    }.items():
        (corpus / rel).parent.mkdir(parents=True, exist_ok=True)
        (corpus / rel).write_text(body, encoding="utf-8")
    docs, skipped = _load(corpus, tmp_path)
    assert set(docs) == {"html/user/quickstart.html", "notes/_sources/mine.txt"}
    assert skipped["html/_sources/user/quickstart.rst.txt"] == (
        "a Sphinx build's copy of a page's source (the page itself is read)"
    )
    assert skipped["html/_modules/requests/api.html"] == "a Sphinx build's listing of the project's source code"
    assert skipped["html/search.html"] == "a Sphinx build's search page"


def test_a_file_an_older_reader_refused_is_read_again_by_a_newer_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    import qa.ingest.loading as loading

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    links = "".join(f"<li><a href='ch{i}.html'>Chapter {i}. Topic number {i}</a></li>" for i in range(12))
    page = corpus / "contents.html"
    page.write_text(f"<html><body><ul>{links}</ul></body></html>", encoding="utf-8")
    stat = page.stat()
    os.utime(page, ns=(stat.st_atime_ns, stat.st_mtime_ns - 60 * 10**9))  # written well before the scan
    settings = make_settings(corpus, tmp_path / "index")
    first = load_corpus(settings)
    manifest = {
        "corpus_dir": str(corpus),
        "scanned_ns": time.time_ns(),
        "skipped": [loading.skip_record(settings, s) for s in first.skipped],
    }
    reads: list[str] = []
    real = loading.load_file
    monkeypatch.setattr(loading, "load_file", lambda path, *a: reads.append(path.name) or real(path, *a))
    again = load_corpus(settings, previous=manifest)
    assert reads == [] and [s.reason for s in again.skipped] == [first.skipped[0].reason]  # the same bytes: not read
    monkeypatch.setitem(loading.READER_VERSIONS, "html", loading.READER_VERSIONS["html"] + 1)
    newer = load_corpus(settings, previous=manifest)
    assert reads == ["contents.html"] and "contents or index page" in newer.skipped[0].reason


def test_many_files_skipped_for_one_reason_are_summed_up_in_one_line() -> None:
    from qa.index.build import skipped_lines
    from qa.types import Skipped

    images = [Skipped(f"_static/icon{i}.png", "unsupported file type .png") for i in range(40)]
    styles = [Skipped(f"_static/s{i}.css", "unsupported file type .css") for i in range(3)]
    copies = [Skipped(f"_sources/p{i}.rst.txt", "a Sphinx build's copy of a page's source") for i in range(14)]
    lines = skipped_lines([*images, *styles, *copies, Skipped("junk.pdf", "not a PDF (invalid header)")])
    assert lines == [
        "skipped 43 files of unsupported types: .png 40, .css 3",
        "skipped 14 files: a Sphinx build's copy of a page's source (first: _sources/p0.rst.txt)",
        "skipped junk.pdf: not a PDF (invalid header)",
    ]
    few = [Skipped("a.xyz", "unsupported file type .xyz"), Skipped("b.png", "unsupported file type .png")]
    assert skipped_lines(few) == [
        "skipped a.xyz: unsupported file type .xyz",
        "skipped b.png: unsupported file type .png",
    ]


def test_markdown_is_read_as_rendered_with_myst_navigation_left_out() -> None:
    from qa.ingest.markdown import read_markdown_layout

    source = (
        "---\ntitle: Guide\n---\n"
        "# Guide\n\n(labels/start)=\n\n## Install\n\nRun `pip install x`, see {doc}`the FAQ </faq>`.\n\n"
        "```{toctree}\n---\nhidden:\n---\nfaq\nusage\n```\n\n"
        "```{note}\nNeeds *Python* 3.8.\n```\n\n"
        "```bash\n# not a heading\npip install x\n```\n\n| key | value |\n|---|---|\n| a | 1 |\n"
    )
    text, layout = read_markdown_layout(source)
    assert "title:" not in text and "(labels/start)=" not in text and "usage" not in text  # front matter, toctree
    assert "Run pip install x, see the FAQ." in text  # a role reads as its label, inline code as its text
    assert "Needs Python 3.8." in text
    sections = [section for *_, kind, section in layout.blocks if kind == "heading"]
    assert sections == ["Guide", "Guide — Install"]
    assert [s.kind for s in layout.shaped] == ["code", "table"]


def test_half_characters_from_a_reader_become_replacement_marks_one_for_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reader that lets a lone UTF-16 half through (the PDF reader did, on a paper's math italic) must not
    stop the build: the tokenizer refuses such text. Each half becomes U+FFFD, so the layout's offsets hold."""
    from qa.ingest import loading

    (tmp_path / "pi.txt").write_text("placeholder", encoding="utf-8")
    monkeypatch.setitem(loading.READERS, ".txt", ("txt", lambda data: "The letter \ud835\udf0b is pi."))
    report = load_corpus(make_settings(tmp_path, tmp_path / "index"))
    assert [d.text for d in report.documents] == ["The letter \ufffd\ufffd is pi."]


def test_a_file_copied_under_another_name_is_indexed_once_until_the_first_copy_goes(tmp_path: Path) -> None:
    """The Debian FAQ ships each page twice (pkg-basics.html and pkg-basics.en.html, byte for byte): indexed
    twice, an answer showed the same excerpt as [1] and [2]. The copy is skipped with its reason, and read as
    soon as the file it copies is gone (the reason is never remembered as "unreadable")."""
    import time

    from qa.index.build import skipped_lines
    from qa.ingest.loading import skip_record

    corpus = tmp_path / "c"
    corpus.mkdir()
    page = "<html><body><h1>Virtual packages</h1><p>A virtual package names a group of packages.</p></body></html>"
    for name in ("faq.en.html", "faq.html", "other.html"):
        (corpus / name).write_text(page if name != "other.html" else page.replace("group", "set"), encoding="utf-8")
    settings = make_settings(corpus, tmp_path / "index")
    report = load_corpus(settings)
    assert [d.doc_id for d in report.documents] == ["faq.en.html", "other.html"]
    assert skipped_lines(report.skipped) == ["skipped faq.html: the same bytes as faq.en.html (indexed once)"]
    manifest = {
        "corpus_dir": str(settings.corpus_dir),
        "scanned_ns": time.time_ns() + 10**10,
        "skipped": [skip_record(settings, s) for s in report.skipped],
        "files": {},
    }
    (corpus / "faq.en.html").unlink()
    again = load_corpus(settings, manifest)
    assert [d.doc_id for d in again.documents] == ["faq.html", "other.html"] and again.skipped == []
