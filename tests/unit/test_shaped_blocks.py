"""Code blocks and tables from a real Debian Reference chapter and a reportlab PDF: shown as ``<pre><code>``
and ``<table>`` in the chat excerpt and the passage view, as fenced code and pipe tables in the Markdown
export, kept with their lead-in by the chunker, and escaped wherever the text holds markup."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from qa.ingest.chunking import ChunkConfig, approx_tokens, chunk_document, document_blocks
from qa.ingest.loading import load_file
from qa.settings import load_settings
from qa.types import Answer, Document, Excerpt, Passage, Shaped
from qa.web.render import answer_html, document_html, excerpt_html
from qa.web.transcript import transcript_markdown

CHAPTER = Path(__file__).resolve().parent.parent / "data" / "debian-reference-ch05-network.en.html"
HOSTS_LEAD = 'For example, "/etc/hosts" looks like the following.'  # as a browser shows it
HOSTS_CODE = "127.0.0.1 localhost\n127.0.1.1 host_name"
MANUAL = Path(__file__).resolve().parents[2] / "eval" / "corpora" / "debian-reference"
TABLE_TITLE = "Table 5.1. List of network configuration tools"


def _load(path: Path) -> Document:
    settings = load_settings({"corpus_dir": path.parent, "index_dir": path.parent / "none"}, environ={})
    return load_file(path, path.name, settings, {})


@pytest.fixture(scope="module")
def chapter() -> Document:
    return _load(CHAPTER)


@pytest.fixture(scope="module")
def passages(chapter: Document) -> list[Passage]:
    return chunk_document(chapter, ChunkConfig())


def _holding(passages: list[Passage], words: str) -> Passage:
    return next(p for p in passages if words in p.text)


def _sentence(p: Passage, words: str) -> tuple[int, int]:
    return next((a, b) for a, b in p.sentences if words in p.text[a - p.start : b - p.start])


def _answer(*excerpts: Excerpt) -> Answer:
    return Answer("How is the hosts file laid out?", "hosts file", False, 0.9, "", list(excerpts), {})


def test_the_reader_records_the_pre_block_and_the_table_with_its_cells(chapter: Document) -> None:
    text, shaped = chapter.text, chapter.layout.shaped  # type: ignore[union-attr]
    code = next(s for s in shaped if s.kind == "code" and text[s.start :].startswith("127.0.0.1 localhost"))
    assert text[code.start : code.end].startswith(HOSTS_CODE)
    assert text[: code.start].endswith(HOSTS_LEAD + "\n")  # right after its lead-in, in the same block
    table = next(s for s in shaped if s.kind == "table" and text[: s.start].endswith(TABLE_TITLE + "\n"))
    assert table.head and [text[a:b] for a, b in table.rows[0]] == ["packages", "popcon", "size", "type", "description"]
    assert all(len(row) == 5 for row in table.rows)


def test_excerpt_shows_the_command_in_pre_and_the_table_as_a_table(passages: list[Passage]) -> None:
    hosts = _holding(passages, "127.0.1.1 host_name")
    tools = _holding(passages, TABLE_TITLE)
    html = answer_html(_answer(Excerpt(1, hosts, 1.0, [_sentence(hosts, "127.0.1.1")]), Excerpt(2, tools, 0.9, [])))
    # The bubble is also read as Markdown: one HTML block (no blank line), the code's lines as &#10;.
    assert "\n\n" not in html and "\n" not in html[html.index("<pre") : html.index("</pre>")]
    soup = BeautifulSoup(html, "html.parser")
    pre = next(p for p in soup.select("pre.code code") if "localhost" in p.get_text())
    assert pre.get_text().startswith(HOSTS_CODE)
    assert pre.find("mark").get_text() == "127.0.1.1 host_name"  # the highlighted line, marked inside the code
    table = soup.select_one("table.shaped")
    assert [th.get_text() for th in table.select("thead th")] == ["packages", "popcon", "size", "type", "description"]
    assert any(td.get_text() == "network-manager" for td in table.select("tbody td"))
    assert "packages | popcon" not in soup.get_text()  # not the flat text the index holds


def test_the_lead_keeps_highlighted_code_lines_as_code(passages: list[Passage]) -> None:
    hosts = _holding(passages, "127.0.1.1 host_name")
    lines = [_sentence(hosts, HOSTS_LEAD), _sentence(hosts, "127.0.0.1"), _sentence(hosts, "127.0.1.1")]
    soup = BeautifulSoup(answer_html(_answer(Excerpt(1, hosts, 1.0, lines))), "html.parser")
    lead = soup.select_one(".lead")
    assert lead.name == "div" and lead.get_text().startswith(HOSTS_LEAD)
    assert lead.select_one("pre.code code").get_text() == HOSTS_CODE  # one line each, not run into the sentence


def test_passage_view_shows_code_and_tables_inside_and_around_the_passage(
    chapter: Document, passages: list[Passage]
) -> None:
    hosts = _holding(passages, "127.0.1.1 host_name")
    shaped = chapter.layout.shaped  # type: ignore[union-attr]
    html = document_html(
        "Network", chapter.text, hosts.start, hosts.end, [_sentence(hosts, "/etc/hosts")], False, "", shaped
    )
    soup = BeautifulSoup(html, "html.parser")
    framed = soup.select_one("#passage")
    assert framed.select_one("pre.code code").get_text().startswith(HOSTS_CODE)
    assert soup.select_one("table.shaped th").get_text() == "packages"  # a table elsewhere in the document
    assert soup.get_text().count("127.0.1.1 host_name") == 1  # the document once, never a block twice


def test_markdown_export_fences_the_code_and_pipes_the_table(passages: list[Passage]) -> None:
    hosts = _holding(passages, "127.0.1.1 host_name")
    tools = _holding(passages, TABLE_TITLE)
    answer = _answer(
        Excerpt(1, hosts, 1.0, [_sentence(hosts, HOSTS_LEAD)]),
        Excerpt(2, tools, 0.9, [_sentence(tools, "List of network")]),
    )
    md = transcript_markdown([answer], "/c", when=0)
    assert f"“{HOSTS_LEAD}” [1]\n\n```\n{HOSTS_CODE}" in md
    assert "| packages | popcon | size | type | description |\n|---|---|---|---|---|\n" in md


def test_markup_and_pipes_in_code_and_cells_are_escaped(tmp_path: Path) -> None:
    page = tmp_path / "evil.html"
    page.write_text(
        "<html><body><h1>Evil</h1><p>Run this:</p><pre>&lt;script&gt;alert(1)&lt;/script&gt;\n  echo ok</pre>"
        "<p>The options are:</p><table><tr><th>name</th><th>value</th></tr>"
        "<tr><td>&lt;img src=x onerror=alert(2)&gt;</td><td>a|b &lt;script&gt;x()&lt;/script&gt;</td></tr></table>"
        "</body></html>",
        encoding="utf-8",
    )
    doc = _load(page)
    [p] = chunk_document(doc, ChunkConfig())
    e = Excerpt(1, p, 1.0, [_sentence(p, "Run this"), _sentence(p, "<script>alert")])
    shaped = doc.layout.shaped  # type: ignore[union-attr]
    html = excerpt_html(e) + document_html("Evil", doc.text, p.start, p.end, e.highlights, False, "", shaped)
    assert "<script" not in html and "<img" not in html
    soup = BeautifulSoup(html, "html.parser")
    assert soup.select_one("pre.code code").get_text() == "<script>alert(1)</script>\n  echo ok"  # shown as text
    assert soup.select("table.shaped td")[1].get_text() == "a|b <script>x()</script>"
    md = transcript_markdown([_answer(e)], "/c", when=0)
    assert "```\n<script>alert(1)</script>\n  echo ok\n```" in md
    e2 = Excerpt(1, p, 1.0, [_sentence(p, "The options are")])
    md2 = transcript_markdown([_answer(e2)], "/c", when=0)
    assert "| <img src=x onerror=alert(2)> | a\\|b <script>x()</script> |" in md2  # the pipe cannot split the cell


def test_a_fence_is_longer_than_any_backtick_run_in_the_code(tmp_path: Path) -> None:
    page = tmp_path / "ticks.html"
    page.write_text("<p>Quote it so:</p><pre>echo ```hi```</pre>", encoding="utf-8")
    doc = _load(page)
    [p] = chunk_document(doc, ChunkConfig())
    md = transcript_markdown([_answer(Excerpt(1, p, 1.0, [_sentence(p, "Quote it")]))], "/c", when=0)
    assert "````\necho ```hi```\n````" in md


def test_the_chunker_never_parts_a_lead_in_from_its_block_where_they_fit() -> None:
    # Chapter 2 of the evaluation corpus: without the rule, sentence windows parted three of its lead-ins
    # from their code or table (a small group before them pushing the pair past the passage's size).
    doc = _load(MANUAL / "ch02.en.html")
    config = ChunkConfig()
    passages = chunk_document(doc, config)
    blocks = document_blocks(doc)
    checked = 0
    for s in doc.layout.shaped:  # type: ignore[union-attr]
        block = next(b for b in blocks if b.start <= s.start and s.end <= b.end)
        if approx_tokens(doc.text[block.start : block.end]) <= config.max_tokens:
            checked += 1
            assert any(p.start <= block.start and block.end <= p.end for p in passages), doc.text[block.start : s.end]
    assert checked >= 40


def test_json_answer_and_passage_table_carry_the_block_spans(passages: list[Passage]) -> None:
    tools = _holding(passages, TABLE_TITLE)
    row = json.loads(json.dumps(Excerpt(1, tools, 1.0, []).to_json()))
    [table] = [b for b in row["blocks"] if b["kind"] == "table"]
    a, b = table["rows"][0][0]
    assert tools.text[a - tools.start : b - tools.start] == "packages" and table["head"] is True
    assert Passage.from_json(tools.to_json()) == tools
    plain = Passage("a.txt", "A", "", 0, 5, "Hello", ((0, 5),))
    assert "blocks" not in Excerpt(1, plain, 1.0, []).to_json()  # plain text: the contract as before


def test_a_table_cut_by_a_passage_keeps_its_whole_rows_and_loses_its_header() -> None:
    table = Shaped(10, 40, "table", (((10, 14), (17, 20)), ((21, 25), (28, 30)), ((31, 35), (38, 40))), head=True)
    cut = table.clip(21, 40)
    assert cut is not None and cut.rows == (((21, 25), (28, 30)), ((31, 35), (38, 40))) and not cut.head
    assert table.clip(0, 10) is None
