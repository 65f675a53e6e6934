"""Vim help files, as Vim and its plugins ship them: chapter 4 of the Vim 9.0 user manual (usr_04.txt from
Debian's vim-runtime 9.0, Copyright 1988-2003 Bram Moolenaar, Open Publication License v1.0; unmodified in
tests/data). Read as plain text, its passages opened with "*usr_04.txt* For Vim version 9.0" (the section of
every passage up to the first capitalised subheading), the chapter's list of its own sections and its
"Next chapter: |usr_05.txt|" lines were passages, and "*04.5*", "|usr_toc.txt|" and "~" were quoted as written."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.assistant import Assistant
from qa.encode.embedder import Embedder
from qa.ingest.loading import read_text
from tests.conftest import assistant_over, quoted

PAGE = Path(__file__).resolve().parent.parent / "data" / "vim-9.0-usr_04.txt"


def test_a_help_file_reads_as_vim_shows_it() -> None:
    text, layout = read_text(PAGE.read_bytes())
    sections = {section for *_, section in layout.blocks}
    assert "Making small changes — 04.5 Moving text — SWAPPING TWO CHARACTERS" in sections
    assert "Making small changes — 04.1 Operators and motions" in sections
    assert "*04." not in text and "|usr_" not in text and "Next chapter" not in text and " ~\n" not in text
    assert "vim:tw=78" not in text and "Operators and motions\n\n04.2" not in text  # the chapter's own contents
    code = [text[s.start : s.end] for s in layout.shaped if s.kind == "code"]
    assert any("teh     th     the" in c for c in code)  # a screen shown, as code
    assert any('"*p' in c for c in code)  # an example after " >": "To put text from the clipboard …: >"


def test_an_indented_note_is_prose_and_an_example_ends_at_its_closing_mark() -> None:
    """usr_25.txt's "Note:" box is indented like an example; as code its sentences were split line by line."""
    help_text = (
        "*usr_25.txt*\tFor Vim version 9.0.\n\n\t\t\t  Editing formatted text\n\n"
        "You do not have to type newlines; Vim puts them in automatically.\n\n"
        "\tNote:\n\tThe 'wrap' option makes Vim display lines with a line break, but this\n"
        "\tdoesn't insert a line break in the file.\n\n"
        "To format the current paragraph use: >\n\tgqap\n<The text is formatted.\n"
    )
    text, layout = read_text(help_text.encode())
    assert "Vim display lines with a line break, but this doesn't insert a line break in the file." in text
    code = [text[s.start : s.end] for s in layout.shaped if s.kind == "code"]
    assert code == ["gqap"] and "To format the current paragraph use:\n" in text and "The text is formatted." in text


def test_plain_text_that_is_not_vim_help_is_read_exactly() -> None:
    data = b"Notes\n\nThe *important* part is |here|.\n"
    assert read_text(data) == data.decode()


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Assistant:
    return assistant_over({"usr_04.txt": PAGE}, tmp_path_factory, embedder, "vimhelp")


def test_an_answer_quotes_the_manual_under_its_section(assistant: Assistant) -> None:
    answer = assistant.ask("How do I fix a typo where two letters are swapped, like teh for the?")
    top = answer.excerpts[0]
    assert top.passage.section == "Making small changes — 04.5 Moving text — SWAPPING TWO CHARACTERS"
    assert 'Just put the cursor on the e of "teh" and execute the command "xp".' in top.passage.text
    assert any("teh" in s for s in quoted(top)) and "*04." not in top.passage.text
    assert top.passage.title == "Making small changes"
