"""Word documents as people write them: headings, lists, code and tables. tests/data/debian-faq-ch08-pkgtools.docx
is chapter 8 of the Debian FAQ (debian-faq 11.1, GPL-2+), converted by pandoc 2.17 from the package's HTML.
Read paragraph by paragraph (python-docx), it had no section path ("8.1.2. APT" was just a line), its list
items had no marks, and a code block's lines ran together; tables went to the end of the document."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from qa.assistant import Assistant
from qa.encode.embedder import Embedder
from qa.ingest.loading import read_docx
from tests.conftest import assistant_over, quoted

CHAPTER = Path(__file__).resolve().parent.parent / "data" / "debian-faq-ch08-pkgtools.docx"


def test_headings_are_the_section_path_and_a_command_stays_a_code_block() -> None:
    text, layout = read_docx(CHAPTER.read_bytes())
    sections = {section for *_, section in layout.blocks}
    assert any(
        s.endswith("8.1. What programs does Debian provide for managing its packages? — 8.1.2. APT") for s in sections
    )
    assert "- To install the foo package and all its dependencies, run:\napt install foo\n" in text
    assert any(s.kind == "code" and text[s.start : s.end] == "apt install foo" for s in layout.shaped)


def test_the_chapters_contents_written_as_paragraphs_of_one_link_are_no_text() -> None:
    """pandoc wrote the chapter's contents as 12 paragraphs, each one link, under "Table of Contents"."""
    text, _ = read_docx(CHAPTER.read_bytes())
    assert "Table of Contents" not in text
    assert text.count("8.1.2. APT") == 1  # the heading, not its contents entry too
    assert text.count("What programs does Debian provide for managing its packages?") == 1


def test_a_table_stays_where_the_document_puts_it() -> None:
    import docx

    d = docx.Document()
    d.add_heading("Prices", level=1)
    d.add_paragraph("The ferry's fares for this summer are listed below:")
    table = d.add_table(rows=2, cols=2)
    for row, cells in zip(table.rows, [("ticket", "fare"), ("adult return", "£12")]):
        row.cells[0].text, row.cells[1].text = cells
    d.add_heading("Timetable", level=1)
    d.add_paragraph("The first ferry leaves the harbour at seven in the morning.")
    buffer = io.BytesIO()
    d.save(buffer)
    text, layout = read_docx(buffer.getvalue())
    assert text.index("adult return") < text.index("Timetable")  # it came after the last paragraph
    table_span = next(s for s in layout.shaped if s.kind == "table")
    assert "adult return" in text[table_span.start : table_span.end]


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Assistant:
    return assistant_over({"pkgtools.docx": CHAPTER}, tmp_path_factory, embedder, "word")


def test_an_answer_from_a_word_document_highlights_the_command_and_cites_its_heading(assistant: Assistant) -> None:
    answer = assistant.ask("How do I install a package together with its dependencies?")
    top = answer.excerpts[0]
    assert top.passage.section.endswith("8.1.2. APT")
    assert "apt install foo" in quoted(top)


def test_footnotes_read_at_the_end_without_their_back_links() -> None:
    """A Word document's footnotes (tests/data/mammoth-footnotes.docx: made with Word, from mammoth's test data,
    BSD-2-Clause): their text comes after the body, without the "↑" link back to the mark."""
    text, _ = read_docx((CHAPTER.parent / "mammoth-footnotes.docx").read_bytes())
    assert text.index("Ouch") < text.index("A tachyon walks into a bar.")
    assert "↑" not in text
