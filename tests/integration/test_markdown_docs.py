"""A docs folder of Markdown, as projects ship it: Black 23.1.0's "The basics" (docs/usage_and_configuration/
the_basics.md from its sdist, MIT, Copyright (c) 2018 Łukasz Langa; unmodified in tests/data). Read as plain
text, its passages opened with "## Usage", quoted "_Black_" and "[text](url)" as written, and the comment line
of a TOML example ("# 'extend-exclude' excludes …") became a section name."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.assistant import Assistant
from qa.encode.embedder import Embedder
from qa.ingest.markdown import read_markdown_layout
from tests.conftest import assistant_over, quoted

PAGE = Path(__file__).resolve().parent.parent / "data" / "black-23.1.0-the_basics.md"
# Click 8.5.1's docs/prompts.md (its sdist, BSD-3-Clause, Copyright 2014 Pallets; unmodified): MyST Markdown
# whose examples are reST inside ```{eval-rst} fences (Pallets' click:example and click:run directives).
CLICK = Path(__file__).resolve().parent.parent / "data" / "click-8.5.1-prompts.md"


def test_headings_nest_into_the_section_path_and_code_fences_are_not_headings() -> None:
    text, layout = read_markdown_layout(PAGE.read_text(encoding="utf-8"))
    sections = {section for *_, section in layout.blocks}
    assert "The basics — Configuration via a file — Where Black looks for the file" in sections
    assert "The basics — Usage — Writeback and reporting — Exit code" in sections
    assert not any("extend-exclude" in s for s in sections)  # a comment inside a ```toml fence
    assert "# 'extend-exclude' excludes files" in text  # kept, as code
    assert any(s.kind == "code" and "extend-exclude" in text[s.start : s.end] for s in layout.shaped)
    assert "## " not in text and "_Black_" not in text and "](" not in text


def test_rest_inside_myst_reads_as_sphinx_shows_it() -> None:
    """The fences were shown as code with their reST markup (".. click:example::", "invoke(hello, …)") in
    every excerpt of an example; read as reST, the example is code and the build-time run is left out."""
    text, layout = read_markdown_layout(CLICK.read_text(encoding="utf-8"))
    assert ".. click" not in text and "eval-rst" not in text and "invoke(" not in text
    code = [text[s.start : s.end] for s in layout.shaped if s.kind == "code"]
    assert any("@click.option('--name', prompt=True)" in c for c in code)
    assert "User Input Prompts — Option Prompts" in {section for *_, section in layout.blocks}


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Assistant:
    return assistant_over({"the_basics.md": PAGE}, tmp_path_factory, embedder, "markdown")


def test_an_answer_reads_as_rendered_and_cites_the_heading_path(assistant: Assistant) -> None:
    answer = assistant.ask("Where does Black look for the pyproject.toml file?")
    top = answer.excerpts[0]
    assert top.passage.section == "The basics — Configuration via a file — Where Black looks for the file"
    assert "looks for pyproject.toml starting from the common base directory" in " ".join(quoted(top))
    assert answer.excerpts[0].passage.title == "The basics"


def test_a_lead_in_brings_its_whole_list_past_the_blank_lines_between_items(assistant: Assistant) -> None:
    """ "Passing --check will make Black exit with:" and three items, each a paragraph of its own once rendered:
    the lead-in used to come with the first item only, and the code the question asks for is in the second."""
    answer = assistant.ask("What exit code does Black return when files would be reformatted with --check?")
    shown = quoted(answer.excerpts[0])
    assert "Passing --check will make Black exit with:" in shown
    assert "- code 1 if some files would be reformatted; or" in shown
    assert "- code 123 if there was an internal error" in shown
