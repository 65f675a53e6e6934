"""A manual made by Texinfo's texi2any, as GNU and R ship them: "R Installation and Administration" from Debian's
r-doc-html 4.2.2 (tests/data/r-admin-texinfo-trimmed.html: chapter 1, the environment variable index and the
footnotes it cites, the rest cut; its copyright and permission notice kept). The page opens with a "Table of
Contents" heading over a list of every section, each chapter with a list of its sections, an index with a
"Jump to: B C D" bar, and footnotes that texi2any prints after the last index."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.assistant import Assistant
from qa.encode.embedder import Embedder
from qa.ingest.html import read_html_layout
from tests.conftest import assistant_over, quoted

PAGE = Path(__file__).resolve().parent.parent / "data" / "r-admin-texinfo-trimmed.html"
TITLE = "R Installation and Administration"


@pytest.fixture(scope="module")
def read() -> tuple[str, list[tuple[int, int, str, str]]]:
    text, layout = read_html_layout(PAGE.read_text(encoding="utf-8"))
    return text, list(layout.blocks)


def test_the_contents_and_the_index_bar_are_not_text_and_no_section_path_names_them(read: tuple) -> None:
    text, blocks = read
    sections = {section for *_, section in blocks}
    assert not any("Table of Contents" in s for s in sections)
    assert "Jump to" not in text
    assert "1.2.1 Using Subversion and rsync" not in text.split("1.2.1 Using Subversion and rsync", 1)[0]  # once
    assert "- Getting and unpacking the sources" not in text  # the chapter's own list of its sections


def test_footnotes_are_a_section_of_their_own_not_part_of_the_last_index(read: tuple) -> None:
    text, blocks = read
    notes = [(text[a:b], section) for a, b, kind, section in blocks if kind == "text" and "Footnotes" in section]
    assert notes and all(section.startswith(f"{TITLE} — Footnotes — (") for _, section in notes)
    assert any("GNU tar version 1.15" in t for t, _ in notes)


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Assistant:
    return assistant_over({"R-admin.html": PAGE}, tmp_path_factory, embedder, "texinfo")


def test_an_answer_cites_its_section_path_and_highlights_the_address(assistant: Assistant) -> None:
    answer = assistant.ask("Where are the daily tarballs available from?")
    top = answer.excerpts[0]
    assert top.passage.section == f"{TITLE} — 1 Obtaining R — 1.2 Getting patched and development versions"
    assert "https://stat.ethz.ch/R/daily/" in " ".join(quoted(top))
