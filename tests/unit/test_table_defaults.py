"""Which row of a table states the default a question asks for (``qa.answer.features.stated_defaults``): the row
of the thing asked about, by a value under a "Default" column or in words, and no other row."""

from __future__ import annotations

from qa.answer.features import quotes_table_default, stated_defaults
from qa.types import Passage, Shaped, cell_spans


def _table(rows: list[list[str]], columns: tuple[str, ...] = ()) -> Passage:
    """A passage that is one table, its rows one a line with " | " between cells, as the readers write it."""
    body = "\n".join(" | ".join(row) for row in rows)
    spans = cell_spans(rows)
    lines = tuple((s[0][0], s[-1][1]) for s in spans)
    block = Shaped(0, len(body), "table", spans, bool(columns) and rows[0] == list(columns), columns)
    return Passage("d", "t", "s", 0, len(body), body, lines, blocks=(block,))


# hyperref's form field options (no "Default" header here): a row that says "by default" about something else.
FIELDS = [
    ["charsize", "dimen", "", "font size of field text"],
    ["checked", "boolean", "false", "whether option selected by default"],
    ["color", "", "", "color of text in box"],
]


def test_another_rows_by_default_states_no_default_for_the_thing_asked() -> None:
    p = _table(FIELDS)
    assert stated_defaults("What is the default font size (charsize) of the text in a form field?", p, {}) is None


def test_the_row_of_the_thing_asked_states_its_default_in_words() -> None:
    p = _table(FIELDS)
    stated = stated_defaults("Is a checkbox selected by default?", p, {})
    assert stated is not None and stated.tolist() == [False, True, False]


def test_a_value_under_a_default_column_states_the_default_even_without_the_header_row() -> None:
    columns = ("Name", "Default", "Values")
    p = _table([["weight", "1.0", "strength of edge spring"], ["len", "1.0", "preferred length of edge"]], columns)
    stated = stated_defaults("What is the default preferred length of an edge?", p, {})
    assert stated is not None and stated.tolist() == [False, True]
    assert quotes_table_default(p, [p.sentences[1]])
    assert not quotes_table_default(_table(FIELDS), [_table(FIELDS).sentences[1]])  # no "Default" column there
