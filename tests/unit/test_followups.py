"""Follow-ups that move on, without a model: which kind a turn is, what it searches, which sentences it lowers."""

from __future__ import annotations

import numpy as np
import pytest

from qa.search.conversation import Turn
from qa.search.followups import (
    cause_marks,
    follow_up_kind,
    inline_items,
    is_bare_why,
    list_items,
    plan,
    sentence_deltas,
    steer,
    subject_of,
    without_repeats,
)
from qa.types import Candidate, Passage
from tests.conftest import passage_of

LIST_SENTENCE = (
    "Richard then went on to highlight three key issues that come up again and again in discussions around "
    "migration today -- remittances, brain drain and migrants' rights."
)


def turn(answer: str = LIST_SENTENCE, **extra: object) -> Turn:
    fields = {
        "question": "Which recurring topics did Richard Black say come up?",
        "query": "Which recurring topics did Richard Black say come up?",
        "section": "MIGRATION AND DEVELOPMENT — Richard Black",
        "answer_text": answer,
        "row": 3,
        "quoted": [("001.txt", 100, 100 + len(answer))],
    } | extra
    return Turn(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("What about brain drain?", "subject"),
        ("And trafficking?", "subject"),
        ("How about the Philippines?", "subject"),
        ("What about where they come from?", "subject"),
        ("And why?", "why"),
        ("Why?", "why"),
        ("How come?", "why"),
        ("And why is that hard?", "why"),
        ("The second one?", "ordinal"),
        ("And what about the last?", "ordinal"),
        ("When was it founded?", "reference"),
        ("And what did he recommend?", "reference"),
        ("Who wrote the report on Ghana's 1969 order?", "first"),
    ],
)
def test_each_kind_of_turn_is_told_apart(question: str, kind: str) -> None:
    assert follow_up_kind(question, has_history=True) == kind


def test_without_history_nothing_is_a_follow_up() -> None:
    assert follow_up_kind("What about brain drain?", has_history=False) == "first"
    assert follow_up_kind("Why?", has_history=False) == "first"


def test_a_bare_why_names_nothing() -> None:
    assert is_bare_why("And why?") and is_bare_why("How come?") and is_bare_why("Why so?")
    assert not is_bare_why("And why is that hard?")


def test_the_subject_is_what_follows_what_about() -> None:
    assert subject_of("What about brain drain?") == "brain drain"
    assert subject_of("And the obstacles?") == "obstacles"


def test_inline_lists_are_read_and_clauses_are_not() -> None:
    assert inline_items(LIST_SENTENCE) == ["remittances", "brain drain", "migrants' rights"]
    four = "IOM works in four broad areas: migration and development; facilitation of migration; and forced migration."
    assert inline_items(four) == ["migration and development", "facilitation of migration", "forced migration"]
    clause = "Remittances: Remittances have been a steady and growing resource, and globally constitute twice aid."
    assert inline_items(clause) == []
    assert inline_items("No lead here, just commas, and words.") == []


def test_a_new_subject_leads_its_query_with_light_context() -> None:
    follow = plan("What about brain drain?", [turn()], subject_context_words=4)
    assert follow.kind == "subject"
    assert follow.query.startswith("What about brain drain?")
    assert len(follow.query.split()) <= len("What about brain drain?".split()) + 4
    assert "Black" in follow.query  # the speaker is the context kept
    assert follow.avoid == (("001.txt", 100, 100 + len(LIST_SENTENCE)),)
    assert follow.listed == ("brain drain",)


def test_a_bare_why_asks_about_the_last_answer() -> None:
    said = "The solution to brain drain, therefore, cannot be in stanching all such migration flows."
    follow = plan("And why?", [turn(said, quoted=[("001.txt", 500, 580)])])
    assert follow.kind == "why"
    assert "stanching" in follow.query and "recurring" not in follow.query
    assert follow.near == follow.avoid == (("001.txt", 500, 580),)


def test_the_third_one_is_the_third_item_of_an_earlier_inline_list() -> None:
    why = turn("It is critical that aspirations be recognised.", quoted=[("001.txt", 900, 950)])
    follow = plan("And the third one?", [turn(), why])
    assert follow.kind == "ordinal"
    assert follow.item == "migrants' rights"
    assert follow.query.startswith("And the third one? migrants' rights")
    assert follow.asked("And the third one?") == "And the third one? migrants' rights"
    assert follow.avoid == ()  # the item may be a sentence the list answer quoted
    assert list_items(turn(listing="1. One thing.\n2. Another thing.\n")) == [
        "remittances",
        "brain drain",
        "migrants' rights",
    ]


def test_reason_sentences_are_marked() -> None:
    sentences = [
        "It is critical that the aspirations of people to move be recognised.",
        "The solution, therefore, cannot be in stopping migration.",
        "This is because the need for services is higher.",
        "Remittances have grown as well as aid.",
        "Stopping people moving is not the solution as people will always find ways to come.",
        "Figures have been collected since 1990.",
    ]
    assert cause_marks(sentences) == [True, False, True, False, True, False]


def passage() -> Passage:
    parts = ["Brain drain is critical.", "The solution, therefore, is training.", LIST_SENTENCE, "Other news."]
    return passage_of(parts, "001.txt", "T", "S")


def test_the_quoted_sentence_and_the_list_sentence_are_lowered() -> None:
    p = passage()
    shown = p.sentences[1]
    follow = plan("What about brain drain?", [turn("x", quoted=[("001.txt", *shown)])])
    delta = sentence_deltas(follow, [0], [p], repeat_penalty=0.3, cause_bonus=0.1, near_bonus=0.1)[0]
    assert delta.tolist() == [0.0, -0.3, -0.3, 0.0]  # the one shown and the listing sentence; no cue bonus


def test_a_bare_why_favours_a_reason_near_the_last_quote() -> None:
    p = passage()
    shown = p.sentences[1]
    follow = plan("And why?", [turn(p.text[shown[0] : shown[1]], quoted=[("001.txt", *shown)])])
    delta = sentence_deltas(follow, [0], [p], repeat_penalty=0.3, cause_bonus=0.1, near_bonus=0.1)[0]
    assert delta[1] < 0  # the sentence asked about is not its own reason
    assert delta[0] > delta[3] > 0 and delta[0] > 0.1  # before "therefore" and near the quote; near only
    other = plan("When was it founded?", [turn()])
    assert sentence_deltas(other, [0], [p], 0.3, 0.1, 0.1) == {}  # a plain reference is left alone


def test_steering_moves_passages_by_their_new_best_sentence() -> None:
    a, b = Candidate(index=0, score=2.0), Candidate(index=1, score=1.9)
    a.sentence_score, b.sentence_score = 0.8, 0.7
    scores = {0: np.array([0.8, 0.1]), 1: np.array([0.7, 0.2])}
    order = steer([a, b], scores, {0: np.array([-0.5, 0.0])}, weight=1.0)
    assert [c.index for c in order] == [1, 0]
    assert a.best_sentence == 0 and a.sentence_score == pytest.approx(0.3)


def test_repeated_highlights_are_dropped_unless_nothing_else_is_highlighted() -> None:
    avoid = (("d", 10, 20),)
    assert without_repeats("d", [(10, 20), (30, 40)], avoid) == [(30, 40)]
    assert without_repeats("d", [(10, 20)], avoid) == [(10, 20)]
    assert without_repeats("e", [(10, 20), (30, 40)], avoid) == [(10, 20), (30, 40)]
