"""A project's documentation sources in reStructuredText: Sphinx's own "Getting started" page (doc/usage/
quickstart.rst from sphinx-doc/sphinx, BSD-2-Clause; unmodified in tests/data). A folder of .rst files was
skipped as "unsupported file type"; now it is rendered by docutils, with Sphinx's roles read as their labels
or as code and its navigation directives left out."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.assistant import Assistant
from qa.encode.embedder import Embedder
from qa.ingest.loading import read_rst
from tests.conftest import assistant_over, quoted

PAGE = Path(__file__).resolve().parent.parent / "data" / "sphinx-quickstart.rst"


def test_titles_are_the_section_path_code_stays_code_and_no_markup_is_left() -> None:
    text, layout = read_rst(PAGE.read_bytes())
    sections = {section for *_, section in layout.blocks}
    assert "Getting started — Setting up the documentation sources" in sections
    assert any(s.kind == "code" and text[s.start : s.end] == "$ sphinx-quickstart" for s in layout.shaped)
    assert "Sphinx comes with a script called sphinx-quickstart that sets up a source directory" in text
    assert ":program:" not in text and ":file:" not in text and ".. code-block::" not in text
    assert text.count("Getting started") == 1  # the title once


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Assistant:
    return assistant_over({"quickstart.rst": PAGE}, tmp_path_factory, embedder, "rst")


def test_an_answer_from_rst_sources_highlights_the_command_under_its_title(assistant: Assistant) -> None:
    top = assistant.ask("Which script sets up a new Sphinx source directory?").excerpts[0]
    assert top.passage.section == "Getting started — Setting up the documentation sources"
    assert any("sphinx-quickstart" in s for s in quoted(top))


def test_an_include_or_raw_html_reads_nothing_from_outside_the_file(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("the launch code is 0000", encoding="utf-8")
    page = (
        f"Notes\n=====\n\nThe ferry leaves at seven.\n\n.. include:: {secret}\n\n"
        f".. literalinclude:: {secret}\n\n.. raw:: html\n\n   <script>alert(1)</script>\n"
    )
    text, _ = read_rst(page.encode("utf-8"))
    assert "The ferry leaves at seven." in text
    assert "launch code" not in text and "alert" not in text
