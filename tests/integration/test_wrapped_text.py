"""A plain-text manual wrapped at 70 columns: the start of the Debian FAQ's debian-faq.en.txt (debian-faq 11.1,
GPL-2+; tests/data/debian-faq-11.1-start.txt, its first 420 lines unmodified). Read line by line, every
highlight stopped at a line end ("… by Ian Murdock in 1993, initially"), the table of contents was a run of
passages, rules of dashes and indented commands were section names, and the FAQ's questions were no sections
(now nested under their chapter by their numbers)."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.assistant import Assistant
from qa.encode.embedder import Embedder
from tests.conftest import assistant_over, quoted

FAQ = Path(__file__).resolve().parent.parent / "data" / "debian-faq-11.1-start.txt"


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Assistant:
    return assistant_over({"debian-faq.txt": FAQ}, tmp_path_factory, embedder, "wrapped")


def test_the_answer_is_the_whole_sentence_under_its_question(assistant: Assistant) -> None:
    top = assistant.ask("Who created the Debian project, and when?").excerpts[0]
    assert top.passage.section == "Chapter 1. Definitions and overview — 1.2. What is Debian GNU/Linux?"
    shown = [" ".join(s.split()) for s in quoted(top)]
    assert (
        "The Debian Project was created by Ian Murdock in 1993, initially under the sponsorship of the Free "
        "Software Foundation's GNU project." in shown
    )


def test_no_passage_is_the_table_of_contents(assistant: Assistant) -> None:
    passages = assistant.retriever.index.passages
    assert not any("What is this FAQ?\n    1.2. What is Debian" in p.text for p in passages)  # its lines, in a row
    answer = assistant.ask("Does Debian just do GNU/Linux?")
    assert (
        answer.excerpts[0].passage.section
        == "Chapter 1. Definitions and overview — 1.4. Does Debian just do GNU/Linux?"
    )
