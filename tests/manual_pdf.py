"""A small real PDF manual made with reportlab: what LaTeX and Sphinx manuals print, in six pages.

Two front-matter pages labelled i and ii (a title page and a table of contents with dot leaders), then four
body pages labelled 1-4; a running header on every body page; running footers that alternate between odd
and even pages and change with the chapter ("2 Chapter 1. Nesting", "Chapter 2. Feeding 3"); an outline
(bookmarks) of two chapters with sections; justified lines broken with hyphens, one of them a real compound
("e-mail", written so elsewhere); a paragraph running over a page break; and a command in a monospace font
under the sentence that introduces it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

BODY = 10
LEADING = 12


def _lines(c: object, x: float, y: float, lines: list[str], font: str = "Helvetica") -> float:
    c.setFont(font, BODY)  # type: ignore[attr-defined]
    for line in lines:
        c.drawString(x, y, line)  # type: ignore[attr-defined]
        y -= LEADING
    return y - 8  # the space between paragraphs


def _furniture(c: object, label: int, chapter: str) -> None:
    c.setFont("Helvetica", 9)  # type: ignore[attr-defined]
    c.drawString(72, 800, "Seabird Field Guide, Release 2.1")  # type: ignore[attr-defined]
    if label % 2:  # odd pages: chapter left, number right; even pages the other way round
        c.drawString(72, 40, chapter)  # type: ignore[attr-defined]
        c.drawRightString(523, 40, str(label))  # type: ignore[attr-defined]
    else:
        c.drawString(72, 40, f"{label} {chapter}")  # type: ignore[attr-defined]


def _heading(c: object, y: float, text: str, key: str, level: int, size: int = 14) -> float:
    c.setFont("Helvetica-Bold", size)  # type: ignore[attr-defined]
    c.drawString(72, y, text)  # type: ignore[attr-defined]
    c.bookmarkHorizontal(key, 0, y + size)  # type: ignore[attr-defined]
    c.addOutlineEntry(text.split(" ", 1)[1], key, level)  # type: ignore[attr-defined]
    return y - size - 10


def _front_matter(c: Any) -> None:
    """A title page and a contents page with dot leaders (pages i and ii)."""
    c.setFont("Helvetica-Bold", 20)
    c.drawString(72, 700, "Seabird Field Guide")
    c.showPage()
    c.setFont("Helvetica-Bold", 14)
    c.drawString(72, 760, "Contents")
    c.setFont("Helvetica", BODY)
    for i, entry in enumerate(["1 Nesting", "1.1 Burrows", "1.2 Ledges", "2 Feeding", "2.1 Diving", "2.2 Ringing"]):
        c.drawString(72, 740 - i * LEADING, f"{entry} " + ". " * 30 + f" {1 + i // 3}")
    c.showPage()


def _chapter_one(c: Any) -> None:
    """Pages 1 and 2: a paragraph with hyphenated line ends runs across the page break."""
    # Body page 1 (label 1, odd)
    _furniture(c, 1, "Chapter 1. Nesting")
    y = _heading(c, 740, "1 Nesting", "ch1", 0, size=18)
    y = _heading(c, y, "1.1 Burrows", "s11", 1)
    y = _lines(
        c,
        72,
        y,
        [
            "Puffins dig burrows in soft turf on steep slopes above the sea. A pair uses the same",
            "burrow for many years and lines it with grass and feathers. The colony is moni-",
            "tored by volunteers every spring, who count the occupied burrows one by one.",
        ],
    )
    y = _lines(
        c,
        72,
        y,
        [
            "Report a new colony by e-mail to the wardens; the e-",
            "mail must give the grid reference and the date of the visit.",
        ],
    )
    _lines(
        c,
        72,
        y,
        [
            "Burrows are surveyed with a small camera on a flexible rod, which shows whether an egg",
            "or a chick is inside without disturbing the",
        ],
    )
    c.showPage()
    # Body page 2 (label 2, even): the paragraph goes on from page 1
    _furniture(c, 2, "Chapter 1. Nesting")
    y = _lines(c, 72, 760, ["sitting bird. Each survey takes about ten minutes per burrow."])
    y = _heading(c, y, "1.2 Ledges", "s12", 1)
    _lines(
        c,
        72,
        y,
        [
            "Guillemots lay a single pointed egg on bare rock ledges. The shape of the egg makes it roll",
            "in a tight circle, so it does not fall from the narrow ledge when the parent leaves.",
        ],
    )
    c.showPage()


def make_manual_pdf(path: Path) -> Path:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4)
    _front_matter(c)
    _chapter_one(c)
    # Body page 3 (label 3, odd): a new chapter
    _furniture(c, 3, "Chapter 2. Feeding")
    y = _heading(c, 740, "2 Feeding", "ch2", 0, size=18)
    y = _heading(c, y, "2.1 Diving", "s21", 1)
    _lines(
        c,
        72,
        y,
        [
            "Gannets dive from thirty metres and reach the water at about eighty kilometres an hour.",
            "Air sacs under the skin of the face and chest cushion the impact of each dive.",
        ],
    )
    c.showPage()
    # Body page 4 (label 4, even)
    _furniture(c, 4, "Chapter 2. Feeding")
    y = _heading(c, 760, "2.2 Ringing", "s22", 1)
    y = _lines(c, 72, y, ["To upload the ringing records of a season, run the following command:"])
    y = _lines(c, 90, y, ["ringlog upload --season 2024 records.csv"], font="Courier")
    _lines(c, 72, y, ["The command checks every ring number against the national register before it sends them."])
    c.showPage()

    c.addPageLabel(0, style="ROMAN_LOWER", start=1)
    c.addPageLabel(2, style="ARABIC", start=1)
    c.save()
    return path
