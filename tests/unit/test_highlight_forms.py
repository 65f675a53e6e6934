"""Highlights that answer how-to questions: the block a lead-in introduces, the sentence naming a command or a
file, never a heading alone."""

from __future__ import annotations

import numpy as np

from qa.answer.compose import favouring_commands, make_excerpts
from qa.ingest.sentences import split_sentences
from qa.types import Candidate, Passage

TEXT = (
    "2.2 Ringing\n\nRecords are kept for ten years. To upload the ringing records of a season, run the following "
    "command:\nringlog upload --season 2024 records.csv\nringlog verify\n\nThe register answers within a day."
)


def _passage() -> Passage:
    return Passage("g.pdf", "Guide", "2 Feeding — 2.2 Ringing", 0, len(TEXT), TEXT, tuple(split_sentences(TEXT)))


def _sentence(p: Passage, words: str) -> int:
    return next(i for i, (a, b) in enumerate(p.sentences) if words in p.text[a:b])


def _highlighted(scores: list[float], question: str) -> list[str]:
    p = _passage()
    (excerpt,) = make_excerpts([Candidate(0)], [p], {0: np.array(scores)}, max_highlights=2, question=question)
    return [p.text[a:b] for a, b in excerpt.highlights]


def test_a_lead_in_is_highlighted_with_the_block_it_introduces() -> None:
    p = _passage()
    scores = [0.0] * len(p.sentences)
    scores[_sentence(p, "run the following command")] = 0.7
    shown = _highlighted(scores, "How are records uploaded?")
    assert shown[0].endswith("run the following command:")
    assert shown[1:] == ["ringlog upload --season 2024 records.csv", "ringlog verify"]  # not the next paragraph


def test_a_heading_alone_is_never_the_highlight() -> None:
    p = _passage()
    scores = [0.2] * len(p.sentences)
    scores[_sentence(p, "2.2 Ringing")] = 0.9  # the heading matches the question's words best
    assert "2.2 Ringing" not in _highlighted(scores, "What about ringing?")


def test_how_do_i_prefers_the_sentence_naming_the_command_among_near_equals() -> None:
    p = _passage()
    scores = np.full(len(p.sentences), 0.3)
    scores[_sentence(p, "kept for ten years")] = 0.62
    scores[_sentence(p, "ringlog verify")] = 0.60
    how = favouring_commands(p, scores, "How do I check my ringing records?")
    assert int(np.argmax(how)) == _sentence(p, "ringlog verify")
    plain = favouring_commands(p, scores, "How long are records kept?")  # not a how-do-I question
    assert int(np.argmax(plain)) == _sentence(p, "kept for ten years")
    scores[_sentence(p, "records.csv")] = 0.60
    named = favouring_commands(p, scores, "What does records.csv hold?")  # the file the question names
    assert int(np.argmax(named)) == _sentence(p, "records.csv")


def test_a_numbered_heading_split_by_the_sentence_splitter_is_still_a_heading() -> None:
    text = "5.5.1. Finding optimal MTU\n\nNM normally sets the optimal MTU automatically. Use tracepath to find it."
    p = Passage("c.html", "Ref", "Chapter 5. Network setup — 5.5.1. Finding optimal MTU", 0, len(text), text,
                tuple(split_sentences(text)))  # fmt: skip
    assert [text[a:b] for a, b in p.sentences][:2] == ["5.5.1.", "Finding optimal MTU"]
    scores = np.array([0.5, 0.9, 0.6, 0.55])
    (excerpt,) = make_excerpts([Candidate(0)], [p], {0: scores}, max_highlights=1, question="How do I find the MTU?")
    assert [text[a:b] for a, b in excerpt.highlights] == ["NM normally sets the optimal MTU automatically."]


def test_the_answers_excerpt_quotes_its_best_sentence_when_a_later_excerpt_matches_better() -> None:
    p, other = _passage(), _passage()
    scores = np.full(len(p.sentences), 0.2)
    scores[_sentence(p, "2.2 Ringing")] = 0.9  # the heading: passed over
    scores[_sentence(p, "kept for ten years")] = 0.4
    best_elsewhere = np.full(len(other.sentences), 0.8)  # far above anything the top passage holds
    top, _ = make_excerpts([Candidate(0), Candidate(1)], [p, other], {0: scores, 1: best_elsewhere}, 2)
    assert [p.text[a:b] for a, b in top.highlights] == ["Records are kept for ten years."]


def test_a_speakers_name_under_a_talks_heading_answers_who_presented() -> None:
    from qa.search.forms import answer_form, speaker_lines

    text = (
        "CLOSING REMARKS\n\nRichard Black\n\nThe two presentations looked at migration broadly.\n\n"
        "DISCUSSION POINTS:\n\nManaging Skilled Migration\n\nIn Plain Prose\nA line in title case is no speaker."
    )
    assert [text[a:b] for a, b in speaker_lines(text)] == ["Richard Black"]  # not under a label, nor in prose
    assert answer_form("Who gave the closing remarks?") is speaker_lines
    assert answer_form("Who presented on diaspora engagement?") is speaker_lines
    assert answer_form("Who funds the programme?") is None
