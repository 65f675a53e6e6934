"""A slide deck as Beamer prints one (checked on beamer's own example talks, texlive-latex-recommended-doc
2022): landscape pages under a navigation bar that names the sections, an outline of sections and
subsections that no slide prints as a heading, and a slide shown in steps, each step a page holding the
step before. Made here with reportlab so that it is small; read as a user would see it in passages."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.ingest.chunking import ChunkConfig, chunk_document
from qa.ingest.loading import load_file
from qa.settings import load_settings
from qa.types import Passage

WIDE = (362.8, 272.1)  # Beamer's 128 mm x 96 mm
BAR = "Introduction   Results   Summary"


def _slide(c: object, title: str, lines: list[str], marks: tuple[str, ...] = ()) -> None:
    c.setFont("Helvetica", 6)  # type: ignore[attr-defined]
    c.drawString(9, 264, BAR)  # type: ignore[attr-defined]
    page = c.getPageNumber()  # type: ignore[attr-defined]
    c.drawString(9, 4, f"Seabird Group   Ringing seabirds   {page} / 5")  # type: ignore[attr-defined]
    c.setFont("Helvetica-Bold", 11)  # type: ignore[attr-defined]
    c.drawString(9, 235, title)  # type: ignore[attr-defined]
    c.setFont("Helvetica", 10)  # type: ignore[attr-defined]
    for i, line in enumerate(lines):
        c.drawString(28, 200 - 16 * i, line)  # type: ignore[attr-defined]
    for mark in marks:
        c.bookmarkPage(mark)  # type: ignore[attr-defined]
    c.showPage()  # type: ignore[attr-defined]


def make_deck(path: Path) -> Path:
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=WIDE)
    c.setTitle("Ringing seabirds")  # as Beamer's hyperref sets it from \title
    _slide(c, "Ringing seabirds", ["A talk on ringing and recovery", "Seabird Group, 2024"])
    steps = [
        "Rings are fitted to chicks in the nest.",
        "Each ring carries a unique serial number.",
        "Recoveries are reported to the ringing scheme.",
    ]
    _slide(c, "How ringing works", steps[:1], ("intro", "methods"))
    _slide(c, "How ringing works", steps[:2])
    _slide(c, "How ringing works", steps)
    _slide(
        c, "What recoveries showed", ["Puffins winter far out in the Atlantic.", "Terns reach Antarctica."], ("res",)
    )
    c.addOutlineEntry("Introduction", "intro", level=0)
    c.addOutlineEntry("Ringing methods", "methods", level=1)
    c.addOutlineEntry("Results", "res", level=0)
    c.save()
    return path


@pytest.fixture(scope="module")
def passages(tmp_path_factory: pytest.TempPathFactory) -> list[Passage]:
    folder = tmp_path_factory.mktemp("deck")
    path = make_deck(folder / "talk.pdf")
    settings = load_settings({"corpus_dir": folder, "index_dir": folder / "index"}, environ={})
    return chunk_document(load_file(path, "talk.pdf", settings, {}), ChunkConfig())


def test_a_slide_shown_in_steps_is_read_once_from_its_last_step(passages: list[Passage]) -> None:
    every = "\n".join(p.text for p in passages)
    assert every.count("Rings are fitted to chicks in the nest.") == 1
    assert every.count("How ringing works") == 1
    steps = next(p for p in passages if "Recoveries are reported" in p.text)
    assert "Rings are fitted to chicks" in steps.text and steps.page_start == 4  # the last step's page


def test_the_outline_names_the_sections_of_slides_that_print_it_only_in_their_navigation_bar(
    passages: list[Passage],
) -> None:
    assert not any(BAR.split()[0] + "   " in p.text for p in passages)
    assert next(p for p in passages if "unique serial number" in p.text).section == "Introduction — Ringing methods"
    assert next(p for p in passages if "Terns reach Antarctica." in p.text).section == "Results"
