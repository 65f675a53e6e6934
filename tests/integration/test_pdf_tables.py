"""A real PDF table, read and asked as a user would: Graphviz's NEATO guide (11 pages, graphviz-doc 2.42,
EPL-1.0), whose Table 1 ("Name | Default | Values", 37 rows) is a LaTeX float set inside a paragraph that
breaks off at the foot of page 9 and goes on on page 11, after the table that fills page 10. Read as prose, the
table ran on as one paragraph ("… len 1.0 preferred length of edge dir none …") and split the sentence around
it; the default an attribute has was in no sentence, and an answer quoting it was turned away for stating no
default."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.assistant import Assistant
from tests.conftest import assistant_over, quoted

NEATO = Path(__file__).resolve().parent.parent / "data" / "graphviz-2.42-neatoguide.pdf"


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory, embedder) -> Assistant:  # noqa: ANN001
    return assistant_over({NEATO.name: NEATO}, tmp_path_factory, embedder, "tables")


def test_the_paragraph_around_a_table_reads_whole(assistant: Assistant) -> None:
    texts = [p.text for p in assistant.retriever.index.passages]
    whole = "scale up the layout (in terms of the center points of the nodes) as much as needed."
    assert any(whole in t for t in texts)
    assert not any("in terms of the Table 1" in t or "in terms of the Name" in t for t in texts)


def test_each_row_of_the_table_is_a_line_of_its_own_shown_as_a_table(assistant: Assistant) -> None:
    passages = [p for p in assistant.retriever.index.passages if "len | 1.0 | preferred length of edge" in p.text]
    assert passages
    p = passages[-1]
    rows = [p.text[s - p.start : e - p.start] for s, e in p.sentences]
    assert "len | 1.0 | preferred length of edge" in rows
    (table,) = [b for b in p.blocks if b.kind == "table"]
    assert table.columns == ("Name", "Default", "Values")  # though this part of the table has no header row
    assert any("Table 1: Drawing attributes" in q.text for q in assistant.retriever.index.passages)


def test_a_default_given_in_a_tables_default_column_is_answered(assistant: Assistant) -> None:
    answer = assistant.chat().ask("What is the default preferred length of an edge in NEATO?")
    assert not answer.abstained, (answer.confidence, quoted(answer.excerpts[0]))
    top = answer.excerpts[0]
    assert "len | 1.0 | preferred length of edge" in quoted(top)
    assert top.passage.page_start == 10  # the table's page, though the sentence it broke into ends on page 11


def test_a_default_the_table_leaves_empty_is_not_answered_from_it(assistant: Assistant) -> None:
    """ "decorate" has no default in the table; the row names it, but states none."""
    answer = assistant.chat().ask("What is the default value of the decorate attribute?")
    if not answer.abstained:
        assert not any(s.startswith("decorate |") for s in quoted(answer.excerpts[0])), quoted(answer.excerpts[0])


def test_the_chat_and_the_markdown_export_show_the_table_with_its_header_and_the_row_marked(
    assistant: Assistant,
) -> None:
    from qa.web.render import answer_html
    from qa.web.transcript import answer_markdown

    answer = assistant.chat().ask("What is the default preferred length of an edge in NEATO?")
    shown = answer_html(answer)
    assert "<th>Name</th><th>Default</th><th>Values</th>" in shown
    assert "<td><mark>len</mark></td><td><mark>1&#46;0</mark></td>" in shown
    assert "| len | 1.0 | preferred length of edge |" in answer_markdown(1, answer)
