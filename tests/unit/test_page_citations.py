"""Pages in what a user reads: citations, the sources list, the passage view and the JSON answer."""

from __future__ import annotations

from html import unescape

from qa.answer.compose import citation_label
from qa.types import Answer, Excerpt, Passage
from qa.web.render import document_html, excerpt_html, sources_html


def _passage(**pages: object) -> Passage:
    return Passage("guide.pdf", "Seabird Guide", "2 Feeding — 2.1 Diving", 10, 40, "Gannets dive from thirty metres.",
                   ((10, 40),), **pages)  # type: ignore[arg-type]  # fmt: skip


def test_citations_name_the_printed_page_or_the_page_range() -> None:
    assert citation_label(_passage(page_start=14, page_end=14, page_label="12", page_end_label="12")).endswith(
        "2.1 Diving, p. 12"
    )
    both = _passage(page_start=14, page_end=15, page_label="12", page_end_label="13")
    assert citation_label(both).endswith(", pp. 12–13")
    unlabelled = _passage(page_start=3, page_end=3)
    assert citation_label(unlabelled).endswith(", p. 3")
    assert "p." not in citation_label(_passage())  # a text file has no pages


def test_the_json_answer_and_the_pages_shown_carry_the_pages() -> None:
    p = _passage(page_start=14, page_end=15, page_label="12", page_end_label="13")
    excerpt = Excerpt(1, p, 0.7, [(10, 40)])
    row = excerpt.to_json()
    assert (row["page_start"], row["page_end"], row["page_label"]) == (14, 15, "12")
    assert Passage.from_json(p.to_json()) == p
    assert "page_start" not in Excerpt(1, _passage(), 0.7).to_json()  # the contract only grows for PDFs
    answer = Answer("q", "q", False, 0.9, "a", [excerpt], {})
    assert "guide.pdf, pp. 12–13" in unescape(sources_html(answer))  # as the page shows it
    assert "2.1 Diving, pp. 12–13" in unescape(excerpt_html(excerpt))
    assert "<span class='page'>pp. 12–13</span>" in unescape(document_html("t", "x" * 50, 10, 40, [], page="pp. 12–13"))
