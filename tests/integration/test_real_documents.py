"""A real PDF manual and a real manual HTML chapter, indexed with the real model and asked as a user would:
the highlighted sentence, the cited page and the section path."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from qa.assistant import Assistant
from tests.conftest import make_settings
from tests.manual_pdf import make_manual_pdf

CHAPTER = Path(__file__).resolve().parent.parent / "data" / "debian-reference-ch05-network.en.html"


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    corpus = tmp_path_factory.mktemp("manuals")
    make_manual_pdf(corpus / "seabirds.pdf")
    shutil.copy(CHAPTER, corpus / CHAPTER.name)
    return Assistant.load(make_settings(corpus, tmp_path_factory.mktemp("index")))


def test_a_how_to_question_on_a_pdf_quotes_the_command_and_cites_its_printed_page(assistant: Assistant) -> None:
    answer = assistant.chat().ask("How do I upload the ringing records of a season?")
    top = answer["passages"][0]
    assert top["doc"] == "seabirds.pdf"
    assert top["section"] == "2 Feeding — 2.2 Ringing"
    assert (top["page_start"], top["page_end"], top["page_label"]) == (6, 6, "4")  # sixth sheet, printed "4"
    quoted = [top["text"][a - top["start"] : b - top["start"]] for a, b in top["highlights"]]
    assert "ringlog upload --season 2024 records.csv" in quoted
    assert "Seabird Field Guide, Release" not in top["text"] and "Chapter 2. Feeding" not in top["text"]


def test_a_which_file_question_on_a_manual_page_answers_from_its_section_not_its_navigation(
    assistant: Assistant,
) -> None:
    answer = assistant.chat().ask("Which file dictates the hostname resolution order?")
    top = answer.excerpts[0]
    assert top.passage.section.endswith("5.1. The basic network infrastructure — 5.1.1. The hostname resolution")
    quoted = " ".join(top.passage.text[a - top.passage.start : b - top.passage.start] for a, b in top.highlights)
    assert "/etc/nsswitch.conf" in quoted
    for e in answer.excerpts:
        assert "Table of Contents" not in e.passage.text and "Prev" not in e.passage.section
        assert "page_start" not in e.to_json()  # an HTML page has sections, not pages
