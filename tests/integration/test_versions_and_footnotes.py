"""Two more real manuals nobody here wrote, read and asked as a user would: three pages of the Asymptote manual
(asymptote-doc 2.85, GPL-3+: its copyright page, Windows installation, compiling from source) and three of the
Guide for Debian Maintainers (debmake-doc 1.17, Expat; a dblatex PDF whose footnote marks are set against the
note's first word, "1You do need …"). A version asked for is answered by the sentence naming one, and a version
the manual never gives is not answered; a footnote is a paragraph of its own, not part of a list item."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.assistant import Assistant
from tests.conftest import assistant_over, quoted

DATA = Path(__file__).resolve().parent.parent / "data"
ASY = DATA / "asymptote-2.85-pages2-8-11.pdf"
DEBMAKE = DATA / "debmake-doc-1.17-pages2-8-9.pdf"


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory, embedder) -> Assistant:  # noqa: ANN001
    return assistant_over({ASY.name: ASY, DEBMAKE.name: DEBMAKE}, tmp_path_factory, embedder, "versions")


def test_how_recent_a_program_must_be_is_answered_with_the_version(assistant: Assistant) -> None:
    answer = assistant.chat().ask("On a Windows PC, how recent does my Ghostscript have to be for Asymptote to work?")
    assert not answer.abstained, answer.confidence
    shown = quoted(answer.excerpts[0])
    assert any("Ghostscript version 9.56 or later" in s for s in shown), shown


def test_a_version_the_manual_never_gives_is_not_answered(assistant: Assistant) -> None:
    """The manual says "Be sure to use GNU make" and names no version of it (0.84 before the check)."""
    answer = assistant.chat().ask("What is the minimum version of GNU make required to compile Asymptote from source?")
    assert answer.abstained, (answer.confidence, quoted(answer.excerpts[0]))


def test_a_footnote_set_against_its_first_word_is_a_paragraph_of_its_own(assistant: Assistant) -> None:
    answer = assistant.chat().ask("Do I have to be a Unix wizard to make Debian packages?")
    shown = quoted(answer.excerpts[0])
    assert any(s.startswith("1 You do need to know a little about Unix programming") for s in shown), shown
    texts = [p.text for p in assistant.retriever.index.passages if p.doc_id == DEBMAKE.name]
    assert not any("1You" in t for t in texts)
    assert any("scenarios.\n\n1 You do need" in t or t.startswith("1 You do need") for t in texts)
