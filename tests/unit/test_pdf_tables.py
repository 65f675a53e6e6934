"""Tables in a PDF, on plain line records: which runs of lines are a table, how its rows and cells read, and that
prose and lists of terms stay prose (``qa.ingest.pdf.tables``, then the text the paragraphs stage writes)."""

from __future__ import annotations

from qa.ingest.pdf.lines import Line
from qa.ingest.pdf.paragraphs import assemble, reflow
from qa.ingest.pdf.tables import mark_tables


def _row(cells: list[tuple[float, str]], y: float, size: float = 10.9, gap: float = 4.0) -> Line:
    """A line as PDFium places it; ``gap``: its widest gap between pieces, in ems."""
    text = " ".join(t for _, t in cells)
    line = Line(text, 0, cells[0][0], cells[-1][0] + 6 * len(cells[-1][1]), y, size)
    line.cells = tuple(cells) if len(cells) > 1 else ()
    line.gap = gap if len(cells) > 1 else 0.0
    return line


# NEATO's Table 1, as PDFium places it: three columns at 132, 219 and 303 points, a centred group title, a
# description wrapped in its column, and one wide word space (0.9 em before "Helvetica") that is no column.
TABLE = [
    [(132, "Name"), (219, "Default"), (413, "Values")],
    [(308, "Node Attributes")],
    [(133, "shape"), (219, "ellipse"), (303, "ellipse, box, circle, doublecircle,")],
    [(302, "plaintext, record, polygon")],
    [(132, "height,width"), (221, ".5,.75"), (303, "height and width in inches")],
    [(133, "fontname"), (219, "Times-Roman"), (303, "font family name, e.g. Courier,"), (461, "Helvetica")],
    [(133, "style"), (303, "graphics options, e.g. bold, dotted, filled")],
    [(133, "len"), (220, "1.0"), (302, "preferred length of edge")],
]


def _table_page() -> list[Line]:
    lines = [_row(cells, 652 - 13.5 * i) for i, cells in enumerate(TABLE)]
    lines.append(_row([(245, "Table 1: Drawing attributes")], 652 - 13.5 * len(TABLE) - 10))
    return lines


def test_lines_whose_gaps_line_up_are_a_table_with_its_rows_and_columns() -> None:
    page = _table_page()
    found = mark_tables([page])
    assert len(found) == 1
    rows = found[0][2].rows
    assert rows[0] == ["Name", "Default", "Values"]  # "Values" is off its column's edge, but past it
    assert rows[1] == ["Node Attributes", "", ""]  # a centred title is a row of its own, not a continuation
    assert rows[2][2] == "ellipse, box, circle, doublecircle, plaintext, record, polygon"  # wrapped in its column
    assert rows[4] == ["fontname", "Times-Roman", "font family name, e.g. Courier, Helvetica"]
    assert rows[5] == ["style", "", "graphics options, e.g. bold, dotted, filled"]
    assert found[0][2].head
    assert page[0].kind == "table" and page[0].table is not None
    assert page[0].table.caption == "Table 1: Drawing attributes"
    assert all(ln.kind == "drop" for ln in page[1:])


def test_a_table_reads_one_row_a_line_with_its_caption_and_header_recorded() -> None:
    text, layout = assemble(reflow([_table_page_marked()]), 1, [None])
    assert "Table 1: Drawing attributes\nName | Default | Values\n" in text
    assert "\nlen | 1.0 | preferred length of edge\n" in text
    (table,) = [s for s in layout.shaped if s.kind == "table"]
    assert table.head and table.columns == ("Name", "Default", "Values")
    last = table.rows[-1]
    assert [text[a:b] for a, b in last] == ["len", "1.0", "preferred length of edge"]


def _table_page_marked() -> list[Line]:
    page = _table_page()
    mark_tables([page])
    return page


def test_a_table_set_inside_a_paragraph_comes_after_the_paragraph() -> None:
    """A float: the paragraph breaks off at the foot of one page ("(in terms of the") and goes on under the
    table at the top of the next; read in print order, the table's rows split its sentence."""
    before = Line("One way is to scale up the layout (in terms of the", 0, 72, 520, 100, 10.9)
    table = _table_page()
    for ln in table:
        ln.page = 1
    after = Line("center points of the nodes) as much as needed.", 1, 72, 400, 480, 10.9)
    pages = [[before], [*table, after]]
    mark_tables(pages)
    text, _ = assemble(reflow(pages), 2, [None, None])
    assert "(in terms of the center points of the nodes) as much as needed.\n" in text
    assert text.index("as much as needed") < text.index("Table 1: Drawing attributes")


def test_justified_prose_with_a_wide_word_space_is_no_table() -> None:
    words = ["The solver stops", "when the energy", "falls below the", "threshold given", "by epsilon here"]
    split = [w.split(None, 1) for w in words]  # the wide space falls in a new place on each line
    lines = [_row([(72, first), (112 + 13 * i, rest)], 700 - 12 * i) for i, (first, rest) in enumerate(split)]
    assert mark_tables([lines]) == []
    assert all(ln.kind == "text" for ln in lines)


def test_a_list_of_terms_with_long_descriptions_stays_prose() -> None:
    """Texinfo sets a short option on its description's first line ("-e   Exit immediately if …"): each reads
    as a paragraph already, and as one table row each it would lose its sentences' breaks."""
    items = [
        ("-a", "Each variable or function that is created or modified is given the export attribute."),
        ("-b", "Cause the status of terminated background jobs to be reported immediately."),
        ("-e", "Exit immediately if a pipeline returns a non-zero status, unless it is tested."),
        ("-f", "Disable filename expansion (globbing) for every command that follows."),
    ]
    lines = [_row([(110, term), (160, what)], 700 - 12 * i) for i, (term, what) in enumerate(items)]
    assert mark_tables([lines]) == []


def test_a_chart_of_glyphs_is_no_table() -> None:
    """A font's character chart lines up perfectly and says nothing: no words, no table."""
    lines = [_row([(100 + 20 * k, chr(65 + k + 5 * i)) for k in range(5)], 700 - 12 * i) for i in range(4)]
    assert mark_tables([lines]) == []


def test_a_bulleted_list_is_no_table() -> None:
    """hyperref's "•  FDF", "•  HTML", "•  XFDF": the mark stands 0.77 em from its item, a list's indent."""
    lines = [_row([(110, "•"), (122, item)], 700 - 12 * i, gap=0.77) for i, item in enumerate(["FDF", "HTML", "XFDF"])]
    assert mark_tables([lines]) == []
    wide = [_row([(110, "•"), (122, item)], 700 - 12 * i) for i, item in enumerate(["FDF", "HTML", "XFDF"])]
    assert mark_tables([wide]) != []  # the same items set 4 em apart read as a table


def test_a_table_going_on_over_the_page_is_one_table_without_its_header_again() -> None:
    """hyperref's alphabetical list of options runs over three pages; each repeats nothing but its columns."""
    first = [_row(cells, 652 - 13.5 * i) for i, cells in enumerate(TABLE)]
    second = [
        _row([(140, "Name"), (227, "Default"), (421, "Values")], 700),  # the header again, the text block moved 8 pt
        _row([(141, "weight"), (227, "1.0"), (311, "strength of edge spring")], 686.5),
        _row([(141, "dir"), (227, "none"), (311, "forward, back, both, or none")], 673),
        _row([(141, "id"), (311, "optional value to distinguish multiple edges")], 659.5),
    ]
    for ln in second:
        ln.page = 1
    found = mark_tables([first, second])
    assert len(found) == 2 and second[0].table is not None and second[0].table.continues
    text, layout = assemble(reflow([first, second]), 2, [None, None])
    (table,) = [s for s in layout.shaped if s.kind == "table"]
    rows = text[table.start : table.end].split("\n")
    assert rows[0] == "Name | Default | Values" and rows.count("Name | Default | Values") == 1
    assert rows[-1] == "id |  | optional value to distinguish multiple edges"
    assert table.columns == ("Name", "Default", "Values")
    assert layout.pages[1][0] <= text.index("weight | 1.0")  # the rows of page 2 are cited on page 2


def test_a_table_over_three_pages_repeats_its_header_on_no_page() -> None:
    """The header repeated on the third page is the first page's, though the second page's part lost its own."""
    first = [_row(cells, 652 - 13.5 * i) for i, cells in enumerate(TABLE)]
    pages = [first]
    for page, name in ((1, "weight"), (2, "dir")):
        later = [
            _row([(132, "Name"), (219, "Default"), (413, "Values")], 700),
            _row([(133, name), (219, "1.0"), (303, "strength of edge spring")], 686.5),
            _row([(133, name + "2"), (219, "none"), (303, "forward, back, both, or none")], 673),
            _row([(133, name + "3"), (303, "optional value to distinguish multiple edges")], 659.5),
        ]
        for ln in later:
            ln.page = page
        pages.append(later)
    found = mark_tables(pages)
    assert [t.continues for _, _, t in found] == [False, True, True]
    text, layout = assemble(reflow(pages), 3, [None, None, None])
    (table,) = [s for s in layout.shaped if s.kind == "table"]
    rows = text[table.start : table.end].split("\n")
    assert rows.count("Name | Default | Values") == 1
    assert rows[-1] == "dir3 |  | optional value to distinguish multiple edges"
