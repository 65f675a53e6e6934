"""Notes in the margin and headings under an outline's deepest level, on plain line records
(``qa.ingest.pdf.furniture.mark_margin_notes``, ``qa.ingest.pdf.headings.mark_sub_headings``), then the text the
paragraphs stage writes."""

from __future__ import annotations

from qa.ingest.pdf.furniture import mark_margin_notes
from qa.ingest.pdf.headings import mark_sub_headings
from qa.ingest.pdf.lines import Line
from qa.ingest.pdf.paragraphs import assemble, reflow

# The LaTeX team's class guide: a justified block from 125 to 468 points, notes set at 480 in the margin.
PROSE = [
    "The ⟨date⟩ should be given in the form yyyy/mm/dd and must be present",
    "if the optional argument is used (this is also true for the NeedsTeXFormat",
    "command). Any derivation from this syntax will result in low-level errors.",
]


def _line(text: str, y: float, x0: float = 125.0, x1: float = 468.0, page: int = 0) -> Line:
    return Line(text, page, x0, x1, y, 10.0)


def _page(page: int, notes: bool = True) -> list[Line]:
    """A page of justified prose; ``notes``: "New description" / "1998/06/19" beside its first two lines, the
    first read into the body line (as PDFium does when they share a baseline), the second a line of its own."""
    filler = "Filler line of the page, set full out to the right edge of the block."
    lines = [_line(filler, 700 - 12 * k, page=page) for k in range(30)]
    first = _line(PROSE[0] + " New description", 330, x1=540, page=page)
    if notes:
        first.cells, first.gap = ((125.0, PROSE[0]), (480.0, "New description")), 1.2
    else:
        first.text, first.x1 = PROSE[0], 468
    body = [first]
    if notes:
        body.append(_line("1998/06/19", 319, x0=480, x1=524, page=page))
    body += [_line(PROSE[1], 318, page=page), _line(PROSE[2], 306, x1=420, page=page)]
    return lines + body


def test_a_margin_note_is_not_read_into_the_sentence_it_stands_beside() -> None:
    pages = [_page(n) for n in range(4)]
    mark_margin_notes(pages)
    text, _ = assemble(reflow(pages), len(pages), [None] * len(pages))
    sentence = " ".join(PROSE)
    assert text.count(sentence) == 4  # whole, each page
    assert "present New" not in text and "1998/06/19 if" not in text
    assert text.count("New description 1998/06/19") == 4  # the note kept, as a note of its own


def test_a_word_running_past_the_edge_once_is_no_margin_note() -> None:
    """Bash's manual: an overfull synopsis ("[argument" … "...]") pokes into the margin on one page only."""
    pages = [_page(n, notes=False) for n in range(4)]
    long = pages[1][-1]
    long.text, long.x1 = long.text + " ...]", 540
    long.cells, long.gap = ((125.0, PROSE[2]), (520.0, "...]")), 1.0
    mark_margin_notes(pages)
    assert all(ln.kind == "text" for p in pages for ln in p)


def _heading(text: str, y: float, section: str) -> Line:
    line = Line(text, 0, 125, 300, y, 12.0, bold=True)
    line.kind, line.section = "heading", section
    return line


def test_a_numbered_heading_under_the_outline_is_a_heading_under_its_parent() -> None:
    """clsguide.pdf: hyperref's bookmarks stop at "2.7 General style"; "2.7.2 Make it robust", a bold line of
    its own, ran into the paragraph before it ("… just remove myclass.sty.2.7.2 Make it robust")."""
    parent = _heading("2.7 General style", 720, "2 Writing classes and packages — 2.7 General style")
    lines = [
        parent,
        _line("You may decide to just remove myclass.sty.", 700, x1=330),
        Line("2.7.2 Make it robust", 0, 125, 230, 680, 10.0, bold=True),
        _line("Thus, instead of using def we recommend using newcommand.", 660, x1=400),
        Line("2.8 Conclusion of the matter is reached here", 0, 125, 330, 640, 10.0, bold=True),  # not 2.7's child
        Line("3.1.4 Bold but no child of 2.7", 0, 125, 330, 620, 10.0, bold=True),
    ]
    assert mark_sub_headings([lines]) == 1
    text, layout = assemble(reflow([lines]), 1, [None])
    assert "myclass.sty.2.7.2" not in text
    sections = {section for _, _, _, section in layout.blocks}
    assert "2 Writing classes and packages — 2.7 General style — 2.7.2 Make it robust" in sections


def test_a_footnote_line_after_a_margin_note_is_not_added_to_the_note() -> None:
    """A footnote line without a mark goes on in the last footnote, never in a margin note read just before it."""
    pages = [_page(n) for n in range(4)]
    mark_margin_notes(pages)
    foot = Line("see the class guide for the details.", 0, 125.0, 300.0, 80.0, 8.0)
    foot.kind = "footnote"
    pages[0].append(foot)
    text, _ = assemble(reflow(pages), len(pages), [None] * len(pages))
    assert "1998/06/19 see the class" not in text
    assert "see the class guide for the details." in text
    assert text.count("New description 1998/06/19") == 4
