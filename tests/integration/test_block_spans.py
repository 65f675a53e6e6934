"""``qa ask --json`` and the REST API give a passage's code and table spans (``blocks``), so an API user can
show them as code and as a table; the real model over a real Debian Reference chapter."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from qa.assistant import Assistant
from qa.cli import main as cli_main
from tests.conftest import make_settings
from tests.integration.test_api import call
from tests.webserver import serving

CHAPTER = Path(__file__).resolve().parent.parent / "data" / "debian-reference-ch05-network.en.html"
QUESTION = "What does the /etc/hosts file look like?"


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory, embedder) -> Assistant:
    root = tmp_path_factory.mktemp("blocks")
    (root / "corpus").mkdir()
    shutil.copy(CHAPTER, root / "corpus" / "network.html")
    (root / "corpus" / "notes.txt").write_text("Plain notes\n\nThe hosts file maps names to addresses.\n")
    return Assistant.load(make_settings(root / "corpus", root / "index", top_k=3), embedder=embedder)


def test_qa_ask_json_and_the_rest_api_carry_the_code_span(assistant: Assistant, capsys) -> None:
    s = assistant.settings
    cli_main(["ask", "--corpus", str(s.corpus_dir), "--index-dir", str(s.index_dir), "--quiet", "--json", QUESTION])
    answer = json.loads(capsys.readouterr().out)
    hosts = next(p for p in answer["passages"] if "127.0.1.1 host_name" in p["text"])
    code = next(b for b in hosts["blocks"] if b["kind"] == "code")
    shown = hosts["text"][code["start"] - hosts["start"] : code["end"] - hosts["start"]]
    assert shown.startswith("127.0.0.1 localhost\n127.0.1.1 host_name")  # offsets into the document, as highlights
    assert all("blocks" not in p for p in answer["passages"] if p["doc"] == "notes.txt")

    with serving(assistant) as url:
        status, body = call(url, "/api/ask", {"question": QUESTION})
        assert status == 200
        assert [p.get("blocks") for p in body["passages"]] == [p.get("blocks") for p in answer["passages"]]
        status, span = call(url, f"/api/passage/network.html?start={hosts['start']}&end={hosts['end']}")
        assert status == 200 and span["blocks"] == hosts["blocks"]


def test_a_table_cut_between_two_joined_passages_shows_whole(assistant: Assistant) -> None:
    """Table 5.1 is cut between the chapter's second and third passages; shown as one excerpt, the table is one
    table with every row, not a table followed by its last rows as plain text."""
    from qa.answer.neighbours import join_passages
    from qa.types import Excerpt
    from qa.web.render import excerpt_html

    rows = assistant.retriever.index.passages
    at = next(i for i, p in enumerate(rows) if any(b.kind == "table" for b in p.blocks))
    first, second = rows[at], rows[at + 1]
    assert any(b.kind == "table" for b in second.blocks), "the table goes on in the next passage"
    joined = join_passages(first, second)
    assert [b.kind for b in joined.blocks].count("table") == 1
    shown = excerpt_html(Excerpt(rank=1, passage=joined, score=1.0, row=at))
    assert shown.count("<table") == 1 and "<td>wpasupplicant</td>" in shown and "&#124;" not in shown
