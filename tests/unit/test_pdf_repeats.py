"""A PDF (made with reportlab) whose title page prints its title again and again, as the GLE manual's does,
and whose body holds a command in Courier: the title is read once, the command is a code block shown as
``<pre>`` with the sentence that introduces it."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from qa.ingest.chunking import ChunkConfig, chunk_document
from qa.ingest.loading import load_file
from qa.ingest.pdf.furniture import mark_repeats
from qa.ingest.pdf.lines import Line
from qa.settings import load_settings
from qa.types import Answer, Document, Excerpt, Passage
from qa.web.render import answer_html

TITLE = "Professional Graphics Language"
LEAD = "To draw the plot, run the following command:"
COMMAND = "gle -device pdf plot.gle"


def _make_pdf(path: Path) -> Path:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4)
    c.setFont("Helvetica-Bold", 20)
    for i in range(6):  # a texture: the title six times, stepped down and to the left (GLE's title page)
        c.drawString(150 - 16 * i, 740 - 23 * i, TITLE)
    c.setFont("Helvetica-Bold", 28)
    for i in range(4):  # a shadow: the subtitle over itself, a fraction of a point apart
        c.setFillGray(0.6 - 0.2 * i)
        c.drawString(120 + 0.4 * i, 560 - 0.4 * i, "Graphics Layout Engine")
    c.setFillGray(0)
    c.setFont("Helvetica", 11)
    c.drawString(72, 480, "Echo echo echo: the user manual.")  # said once, whatever its words
    c.showPage()
    c.setFont("Helvetica", 11)
    c.drawString(72, 760, "GLE draws graphs from a script written in its own language.")
    c.drawString(72, 746, LEAD)
    c.setFont("Courier", 10)
    c.drawString(90, 730, COMMAND)
    c.drawString(90, 718, "end")
    c.drawString(90, 706, "end")
    c.drawString(90, 694, "end")
    c.setFont("Helvetica", 11)
    c.drawString(72, 670, "The output file is written next to the script.")
    c.showPage()
    c.save()
    return path


@pytest.fixture(scope="module")
def doc(tmp_path_factory: pytest.TempPathFactory) -> Document:
    folder = tmp_path_factory.mktemp("pdf")
    path = _make_pdf(folder / "title.pdf")
    settings = load_settings({"corpus_dir": folder, "index_dir": folder / "index"}, environ={})
    return load_file(path, "title.pdf", settings, {})


@pytest.fixture(scope="module")
def passages(doc: Document) -> list[Passage]:
    return chunk_document(doc, ChunkConfig())


def test_a_title_printed_again_and_again_is_read_once(doc: Document) -> None:
    assert doc.text.count(TITLE) == 1
    assert doc.text.count("Graphics Layout Engine") == 1  # the shadow's copies too
    assert "Echo echo echo: the user manual." in doc.text


def test_a_command_in_courier_is_a_code_block_under_its_lead_in(doc: Document, passages: list[Passage]) -> None:
    [code] = [s for s in doc.layout.shaped if s.kind == "code"]  # type: ignore[union-attr]
    assert doc.text[code.start : code.end] == f"{COMMAND}\nend\nend\nend"  # code's own repeated lines stay
    assert doc.text[: code.start].endswith(LEAD + "\n")
    p = next(p for p in passages if COMMAND in p.text)
    lead = next(s for s in p.sentences if p.text[s[0] - p.start : s[1] - p.start] == LEAD)
    html = answer_html(Answer("How do I draw?", "draw", False, 0.9, "", [Excerpt(1, p, 1.0, [lead])], {}))
    pre = BeautifulSoup(html, "html.parser").select_one("pre.code code")
    assert pre is not None and pre.get_text() == f"{COMMAND}\nend\nend\nend"


def _line(text: str, y: float, x0: float = 72, mono: bool = False) -> Line:
    return Line(text, 0, x0, x0 + 200, y, 11.0, mono)


def test_only_repeats_in_a_row_or_over_one_another_are_dropped() -> None:
    lines = [
        _line("Yes it is.", 700),
        _line("Yes it is.", 686),  # twice in a row, a line apart: said twice, kept
        _line("Other words here.", 672),
        _line("Over itself", 658),
        _line("Over itself", 657.8, 72.3),  # drawn over itself: one copy
        _line("0 0 0", 640),
        _line("0 0 0", 626),
        _line("0 0 0", 612),  # a table's rows of numbers: kept
    ]
    mark_repeats(lines)
    assert [ln.text for ln in lines if ln.kind != "drop"] == [
        "Yes it is.",
        "Yes it is.",
        "Other words here.",
        "Over itself",
        "0 0 0",
        "0 0 0",
        "0 0 0",
    ]
