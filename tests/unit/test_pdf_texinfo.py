"""The PDF reader on a Texinfo manual: five pages cut from the LilyPond 2.24.1 Usage manual (tests/data,
GFDL, see eval/corpora/lilypond-usage/SOURCE.md; printed pages 1, 2, 5, 15 and 16, with the manual's own
outline and page labels). What a user sees in the passages and citations, without the model."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.answer.compose import citation_label
from qa.ingest.chunking import ChunkConfig, chunk_document
from qa.ingest.loading import load_file
from qa.ingest.pdf.headings import Bookmark, mark_outline_headings, mark_terms
from qa.ingest.pdf.lines import Line
from qa.settings import load_settings
from qa.types import Passage

PDF = Path(__file__).resolve().parents[1] / "data" / "lilypond-usage-5pages.pdf"
OPTIONS = "1 Running lilypond — 1.2 Command-line usage — Basic command line options for LilyPond"


@pytest.fixture(scope="module")
def passages(tmp_path_factory: pytest.TempPathFactory) -> list[Passage]:
    folder = tmp_path_factory.mktemp("texinfo")
    settings = load_settings({"corpus_dir": PDF.parent, "index_dir": folder / "index"}, environ={})
    doc = load_file(PDF, PDF.name, settings, {})
    return chunk_document(doc, ChunkConfig(target_tokens=60, max_tokens=160))


def _holding(passages: list[Passage], words: str) -> Passage:
    found = [p for p in passages if words in p.text]
    assert len(found) == 1, f"{words!r} in {len(found)} passages"
    return found[0]


def test_running_headers_and_the_boxed_notes_corners_are_in_no_passage(passages: list[Passage]) -> None:
    every = "\n".join(p.text for p in passages)
    assert "Chapter 1: Running lilypond" not in every
    assert not any(mark in every for mark in "☛✟✡✠")
    note = _holding(passages, "LilyPond cannot handle")
    assert "Note: On Windows prior to Windows 10 1903, LilyPond cannot handle Unicode file names." in note.text


def test_the_chapter_heading_is_found_and_not_glued_to_the_page_before(passages: list[Passage]) -> None:
    intro = _holding(passages, "This chapter details the technicalities of running LilyPond.")
    assert intro.section == "1 Running lilypond"
    assert intro.text.startswith("1 Running lilypond\n\nThis chapter details")  # the heading, then its text
    assert citation_label(intro).endswith("1 Running lilypond, p. 1")


def test_an_option_term_stays_with_its_description_and_cites_its_printed_page(passages: list[Passage]) -> None:
    silent = _holding(passages, "Show no progress, only error messages.")
    assert "-s, --silent Show no progress, only error messages." in silent.text
    assert silent.section == OPTIONS
    assert citation_label(silent).endswith("p. 5")
    evaluate = _holding(passages, "Evaluate the Scheme expr before parsing")
    assert "-e, --evaluate=expr Evaluate the Scheme expr" in evaluate.text
    assert "page 6.\n-e, --evaluate=expr" not in evaluate.text  # not left behind as code under the item above


def test_an_example_stays_with_the_sentence_that_introduces_it(passages: list[Passage]) -> None:
    fix = _holding(passages, "The correct code to color all note heads red is")
    assert "The correct code to color all note heads red is\n\\new Staff {" in fix.text
    assert "\\override Staff.NoteHead.color = #red" in fix.text
    assert fix.section == "1 Running lilypond — 1.4 Common errors — An extra staff appears"
    # the music example's noteheads, drawn in a music font, are not read as letters before the next sentence
    assert fix.text.startswith("This is because a Staff context does not exist") and "ª" not in fix.text
    assert citation_label(fix).endswith("p. 16")


def test_a_sentence_broken_inside_inline_code_keeps_its_hyphen(passages: list[Passage]) -> None:
    size = _holding(passages, "Generate a very small PS/EPS/PDF document.")
    assert "-dgs-never-embed-fonts='#f'" in size.text


def _heading(text: str, page: int, size: float = 14.0) -> Line:
    return Line(text, page, 72, 400, 700, size)


def test_outline_levels_follow_the_printed_numbers_when_the_outline_nests_them_wrongly() -> None:
    # Texinfo wrote this outline: 4.3 under "Other editors", chapter 5 under "4.2 …"; the pages say otherwise.
    printed = ["4 External programs", "4.2 Text editor support", "Other editors", "4.3 Converting from other formats",
               "4.3.1 Invoking midi2ly", "5 Suggestions for writing files", "5.1 General suggestions"]  # fmt: skip
    titles = ["4 External programs", "Text editor support", "Other editors", "Converting from other formats",
              "Invoking midi2ly", "5 Suggestions for writing files", "General suggestions"]  # fmt: skip
    levels = [0, 1, 2, 3, 4, 2, 3]
    pages = [[_heading(text, n, 17.0 if n in (0, 5) else 14.0)] for n, text in enumerate(printed)]
    marks = [Bookmark(level, title, n) for n, (level, title) in enumerate(zip(levels, titles))]
    assert mark_outline_headings(pages, marks, body_size=10.9) == len(marks)
    assert [page[0].section for page in pages] == [
        "4 External programs",
        "4 External programs — 4.2 Text editor support",
        "4 External programs — 4.2 Text editor support — Other editors",
        "4 External programs — 4.3 Converting from other formats",
        "4 External programs — 4.3 Converting from other formats — 4.3.1 Invoking midi2ly",
        "5 Suggestions for writing files",
        "5 Suggestions for writing files — 5.1 General suggestions",
    ]


def test_the_end_of_a_code_block_above_a_figure_label_is_no_term() -> None:
    code = [Line(text, 0, 71, 200, 650 - 11 * i, 9, mono=True) for i, text in enumerate(["begin graph", "end graph"])]
    label = Line("0 1 2 3 4 5", 0, 348, 500, 640, 8)  # an axis beside the code, smaller and far off
    prose = Line("A separate filesystem should be created", 0, 130, 520, 616, 10.9)
    term = Line("Setting up a separate filesystem", 0, 72, 300, 629, 10.9, mono=True)
    mark_terms([code + [label]], body_size=10)
    mark_terms([[term, prose]], body_size=10.9)
    assert not any(ln.term for ln in code) and code[-1].mono
    assert term.term and not term.mono


def test_a_footnote_whose_mark_is_the_page_number_is_kept_whole(passages: list[Passage]) -> None:
    note = _holding(passages, "The status of GUILE is not reset")
    assert "1 The status of GUILE is not reset after processing a .ly file, so be careful not to change" in note.text
    assert "system defaults from within Scheme." in note.text and note.page_label == "1"
