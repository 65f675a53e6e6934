"""Two chosen passages that follow each other in one section are shown as one excerpt."""

from __future__ import annotations

from qa.answer.neighbours import join_excerpts
from qa.types import Excerpt, Passage

DOC = (
    "Setting up the mirror.\n\n"
    "First install the package. Then edit the file.\n\n"
    "The file is /etc/mirror.conf. Restart the service after editing it.\n\n"
    "1. Other topic starts here. It has nothing to do with it."
)


def passage(start: int, end: int, section: str = "Mirrors", page: int | None = None) -> Passage:
    text = DOC[start:end]
    sentences, at = [], start
    for part in text.replace("\n\n", " ").split(". "):
        found = DOC.index(part.strip(), at)
        sentences.append((found, found + len(part.strip())))
        at = found + len(part.strip())
    return Passage("d.txt", "Mirror guide", section, start, end, text, tuple(sentences), page_start=page, page_end=page)


def spans(text: str, *parts: str) -> list[tuple[int, int]]:
    return [(DOC.index(p), DOC.index(p) + len(p)) for p in parts]


FIRST = passage(DOC.index("First"), DOC.index("The file is") - 2, page=3)
SECOND = passage(DOC.index("The file is"), DOC.index("1. Other") - 2, page=4)
OTHER = passage(DOC.index("Other topic"), len(DOC))  # "1. " between them is left out of both passages


def excerpt(rank: int, p: Passage, row: int, *hl: str) -> Excerpt:
    return Excerpt(rank=rank, passage=p, score=1.0 / rank, highlights=spans(DOC, *hl), row=row)


def test_second_half_joins_the_first_in_reading_order_with_both_halves_highlights() -> None:
    answer = excerpt(1, SECOND, 8, "The file is /etc/mirror.conf")
    shown = join_excerpts([answer, excerpt(2, FIRST, 7, "Then edit the file")], k=3, max_highlights=2)
    assert len(shown) == 1
    joined = shown[0]
    assert joined.passage.text == DOC[FIRST.start : SECOND.end]  # reads on, nothing printed twice
    assert (joined.rank, joined.row, joined.score) == (1, 7, 1.0)
    assert joined.highlights == spans(DOC, "Then edit the file", "The file is /etc/mirror.conf")
    assert (joined.passage.page_start, joined.passage.page_end) == (3, 4)
    assert set(FIRST.sentences) | set(SECOND.sentences) == set(joined.passage.sentences)
    # No room left: the better-ranked half keeps its highlights, the other half's give way.
    full = excerpt(1, SECOND, 8, "The file is /etc/mirror.conf", "Restart the service after editing it")
    (capped,) = join_excerpts([full, excerpt(2, FIRST, 7, "Then edit the file")], k=3, max_highlights=2)
    assert capped.highlights == full.highlights


def test_only_neighbours_in_one_section_join_and_k_excerpts_remain() -> None:
    elsewhere = passage(DOC.index("The file is"), DOC.index("1. Other") - 2, section="Services")
    apart = join_excerpts([excerpt(1, FIRST, 7, "Then edit the file"), excerpt(2, elsewhere, 8)], k=3, max_highlights=2)
    assert [e.passage for e in apart] == [FIRST, elsewhere]
    # Text left out between two passages (a list marker) would be lost by joining them.
    gap = join_excerpts([excerpt(1, SECOND, 8), excerpt(2, OTHER, 9)], k=3, max_highlights=2)
    assert [e.passage for e in gap] == [SECOND, OTHER]
    cut = join_excerpts([excerpt(1, FIRST, 7), excerpt(2, OTHER, 9), excerpt(3, SECOND, 8)], k=2, max_highlights=2)
    assert [e.rank for e in cut] == [1, 2]
    assert cut[0].passage.end == SECOND.end and cut[1].passage == OTHER


def test_overlapping_neighbours_print_their_shared_sentence_once() -> None:
    start = DOC.index("Then edit")
    overlapping = passage(start, DOC.index("1. Other") - 2)
    joined = join_excerpts([excerpt(1, FIRST, 7), excerpt(2, overlapping, 8)], k=3, max_highlights=2)[0].passage
    assert joined.text == DOC[FIRST.start : overlapping.end]
    assert joined.text.count("Then edit the file") == 1


def test_a_block_cut_between_sentences_joins_with_its_space() -> None:
    cut = DOC.index("Restart the service")
    one, two = passage(DOC.index("The file is"), cut - 1), passage(cut, DOC.index("1. Other") - 2)
    (joined,) = join_excerpts([excerpt(1, one, 8), excerpt(2, two, 9)], k=3, max_highlights=2)
    assert joined.passage.text == DOC[one.start : two.end]


def test_two_joins_leave_k_excerpts_when_enough_were_chosen() -> None:
    elsewhere = passage(DOC.index("First"), DOC.index("The file is") - 2, section="Other")
    later = passage(DOC.index("The file is"), DOC.index("1. Other") - 2, section="Other")
    chosen = [excerpt(1, FIRST, 7), excerpt(2, SECOND, 8), excerpt(3, elsewhere, 20), excerpt(4, later, 21)]
    chosen.append(excerpt(5, OTHER, 9))
    assert [e.rank for e in join_excerpts(chosen, k=3, max_highlights=2)] == [1, 2, 3]
    assert [e.row for e in join_excerpts(chosen, k=3, max_highlights=2)] == [7, 20, 9]


def test_the_better_ranked_neighbour_is_the_one_joined() -> None:
    before = passage(DOC.index("Setting up"), DOC.index("First") - 2)
    shown = join_excerpts([excerpt(1, FIRST, 7), excerpt(2, SECOND, 8), excerpt(3, before, 6)], k=3, max_highlights=2)
    assert [(e.passage.start, e.passage.end) for e in shown] == [(FIRST.start, SECOND.end), (before.start, before.end)]


def test_a_low_pick_is_not_joined_to_a_shown_excerpt() -> None:
    elsewhere = passage(DOC.index("First"), DOC.index("The file is") - 2, section="Other")
    later = passage(DOC.index("The file is"), DOC.index("1. Other") - 2, section="Other")
    chosen = [excerpt(1, FIRST, 7), excerpt(2, elsewhere, 20), excerpt(3, later, 22), excerpt(4, SECOND, 8)]
    shown = join_excerpts(chosen, k=2, max_highlights=2)  # SECOND is the fourth pick: beyond k + 1
    assert [(e.passage.start, e.passage.end) for e in shown] == [
        (FIRST.start, FIRST.end),
        (elsewhere.start, elsewhere.end),
    ]
