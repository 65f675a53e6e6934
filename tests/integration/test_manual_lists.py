""" "The second one?" on a real manual page: Debian Reference's chapter 5 (the trimmed copy in tests/data,
GPL-2+) lists the steps of hostname resolution as an HTML ordered list. The reader keeps each item's "2." so the
follow-up can count the steps, as a person reading the page would."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from qa.assistant import Assistant
from qa.encode.embedder import Embedder
from tests.conftest import make_settings

CHAPTER = Path(__file__).resolve().parent.parent / "data" / "debian-reference-ch05-network.en.html"


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Assistant:
    corpus = tmp_path_factory.mktemp("chapter")
    shutil.copy(CHAPTER, corpus / CHAPTER.name)
    return Assistant.load(make_settings(corpus, tmp_path_factory.mktemp("chapter-index")), embedder=embedder)


def _highlighted(answer: object) -> str:
    top = answer.excerpts[0]  # type: ignore[attr-defined]
    return " ".join(top.passage.text[a - top.passage.start : b - top.passage.start] for a, b in top.highlights)


def test_the_second_and_third_steps_of_an_ordered_list(assistant: Assistant) -> None:
    chat = assistant.chat()
    first = chat.ask("How does hostname resolution work on Debian?")
    assert "nsswitch.conf" in _highlighted(first)
    second = chat.ask("The second one?")
    assert "The files method is invoked first." in _highlighted(second)
    third = chat.ask("And the third?")
    assert "The dns method is invoked." in _highlighted(third)
