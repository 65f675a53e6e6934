"""A lead-in that ends a passage ("… Emerging:") brings the passage after it, where its list was cut off."""

from __future__ import annotations

from qa.answer.neighbours import introduced_block, with_introduced_next
from qa.types import Excerpt, Passage

DOC = (
    "The session met twice. Main Discussion Points Emerging:\n\n"
    "Potential\n\n"
    "- Work with diaspora can inform policy making\n\n"
    "- Can provide practical support. It helps migrants.\n\n"
    "The chair thanked the speakers. Lunch followed.\n\n"
    "Limitations came later."
)
LEAD = "Main Discussion Points Emerging:"
BLOCK = [
    "Potential",
    "- Work with diaspora can inform policy making",
    "- Can provide practical support.",
    "It helps migrants.",
]


def span(part: str) -> tuple[int, int]:
    return (DOC.index(part), DOC.index(part) + len(part))


def passage(first: str, last: str, section: str, parts: list[str]) -> Passage:
    start, end = DOC.index(first), span(last)[1]
    return Passage("r.txt", "Report", section, start, end, DOC[start:end], tuple(span(p) for p in parts))


HEAD = passage("The session", LEAD, "Session", ["The session met twice.", LEAD])
LIST = passage(
    "Potential",
    "Lunch followed.",
    "Session — Potential",
    [*BLOCK, "The chair thanked the speakers.", "Lunch followed."],
)
LATER = passage("Limitations", "Limitations came later.", "Limitations", ["Limitations came later."])
ROWS = [HEAD, LIST, LATER]


def excerpt(rank: int, p: Passage, *highlights: str) -> Excerpt:
    return Excerpt(rank=rank, passage=p, score=1.0 / rank, highlights=[span(h) for h in highlights], row=ROWS.index(p))


def test_a_highlighted_lead_in_at_a_passage_end_shows_the_list_it_announces() -> None:
    shown = with_introduced_next([excerpt(1, HEAD, LEAD), excerpt(2, LATER), excerpt(3, LIST)], ROWS, k=2)
    top = shown[0]
    assert top.passage.text == DOC[HEAD.start : LIST.end]
    assert top.passage.section == "Session"  # the lead-in's own section, not the heading its list opens with
    quoted = [DOC[a:b] for a, b in top.highlights]
    assert quoted == [LEAD, *BLOCK]  # on past the blank lines to each item, not into the prose after the list
    # The list's own passage is inside the first excerpt now: not shown twice, and the ranks read on.
    assert [(e.rank, e.passage) for e in shown] == [(1, top.passage), (2, LATER)]


def test_a_join_that_takes_in_the_excerpts_after_it_leaves_fewer_to_show_and_does_not_fail() -> None:
    """Asked for three with only two left once the list's passage joins the first: an answer crashed here
    (IndexError) on a PostgreSQL manual question before."""
    shown = with_introduced_next([excerpt(1, HEAD, LEAD), excerpt(2, LIST)], ROWS, k=3)
    assert [e.rank for e in shown] == [1] and shown[0].passage.text == DOC[HEAD.start : LIST.end]


def test_nothing_is_joined_when_the_lead_in_is_not_highlighted_or_is_not_last() -> None:
    plain = [excerpt(1, HEAD, "The session met twice."), excerpt(2, LATER)]
    assert with_introduced_next(plain, ROWS, k=2) == plain
    not_lead = passage("The session", "The session met twice.", "Session", ["The session met twice."])
    rows = [not_lead, LIST]
    only = Excerpt(1, not_lead, 1.0, [span("The session met twice.")], row=0)
    assert with_introduced_next([only], rows, k=1) == [only]


def test_a_passage_that_does_not_read_on_is_not_joined() -> None:
    # text left out between the two (a dropped line) would be lost by showing them as one
    gapped = passage(
        "- Work", "Lunch followed.", "Session", BLOCK[1:] + ["The chair thanked the speakers.", "Lunch followed."]
    )
    rows = [HEAD, gapped]
    lone = Excerpt(1, HEAD, 1.0, [span(LEAD)], row=0)
    assert with_introduced_next([lone], rows, k=1) == [lone]


def test_the_block_stops_at_a_blank_line_before_prose() -> None:
    whole = Passage(
        "r.txt", "Report", "Session", HEAD.start, LIST.end, DOC[HEAD.start : LIST.end], HEAD.sentences + LIST.sentences
    )
    block = [DOC[a:b] for a, b in introduced_block(whole, HEAD.end)]
    assert block == BLOCK
    assert [DOC[a:b] for a, b in introduced_block(whole, HEAD.end, max_lines=2)] == BLOCK[:2]
