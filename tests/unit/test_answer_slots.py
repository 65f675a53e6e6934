"""The near-miss checks the confidence reads (qa/answer/slots.py): is the asked slot filled in the quoted
sentences? Examples are the kinds of question the hard gold set's tuning split turns away too seldom."""

from __future__ import annotations

import numpy as np

from qa.answer.features import CONFIDENCE_FEATURES, confidence_features
from qa.answer.selector import sentence_window
from qa.answer.slots import (
    SLOT_FEATURES,
    asks_value,
    figure_missing,
    near_miss_rare,
    slot_far_from_rare,
    time_values,
)
from qa.index.bm25 import query_terms
from qa.types import Candidate, Passage

GHANA = (
    "In the case of Ghana, for instance, 60 percent of Ghanaian doctors, and 25 percent of nurses, "
    "leave the country after having received their training there."
)
KALAYAAN = (
    "Founded in 1987, Kalayaan is an organisation which provides advice, advocacy, and support to migrant "
    "workers in the UK. For its clients it offers advice on immigration and employment, support in retrieving "
    "passports from employers, and English language classes."
)


def idf_for(question: str, rare: dict[str, float]) -> dict[str, float]:
    """IDF 1 for every term of the question except the rarer ones given (by stem)."""
    return {t: rare.get(t, 1.0) for t in query_terms(question)}


def test_a_figure_next_to_the_asked_group_fills_the_slot_and_one_for_another_group_does_not() -> None:
    asked = "What percentage of Ghanaian doctors leave the country after training?"
    near = "What percentage of Ghanaian pharmacists leave the country after training?"
    assert slot_far_from_rare(asked, GHANA, idf_for(asked, {"doctor": 4.0, "ghanaian": 3.0})) == -1.0
    assert slot_far_from_rare(near, GHANA, idf_for(near, {"pharmacist": 6.0, "ghanaian": 3.0})) == 1.0


def test_a_year_beside_the_founding_does_not_date_the_english_classes() -> None:
    founded = "When was Kalayaan founded?"
    classes = "In which year did Kalayaan start offering English language classes?"
    assert slot_far_from_rare(founded, KALAYAAN, idf_for(founded, {"kalayaan": 5.0})) == -1.0
    # The question's rarest term decides: in a folder about Kalayaan, "English" is the rarer word.
    assert slot_far_from_rare(classes, KALAYAAN, idf_for(classes, {"english": 5.0, "kalayaan": 4.0})) == 1.0
    assert slot_far_from_rare(classes, KALAYAAN, idf_for(classes, {"english": 4.0, "kalayaan": 5.0})) == -1.0


def test_only_questions_asking_for_a_time_or_a_figure_are_judged() -> None:
    why = "Why do Ghanaian doctors leave the country?"
    assert not asks_value(why)
    assert slot_far_from_rare(why, GHANA, idf_for(why, {"doctor": 4.0})) == 0.0
    # A "when" inside a clause does not ask for a time.
    assert not asks_value("How do you stop a rope moving when two people pull it?")
    assert asks_value("Which year did INSTRAW become part of UN Women?")


def test_a_year_the_question_names_or_a_phone_number_is_no_answer_to_when() -> None:
    question = "When did the 2005 workshop move to London?"
    window = "The 2005 workshop was held at 76 Portland Place, London, tel: 44 (0)20 7501 8920, B-1210 Brussels."
    assert time_values(window) == {"2005"}
    assert slot_far_from_rare(question, window, idf_for(question, {"workshop": 4.0})) == 1.0
    assert time_values("in the sixteenth century, from April 1606") == {"sixteenth century", "april", "1606"}


def test_a_year_asked_about_but_absent_from_the_quoted_sentences_is_counted() -> None:
    window = "In the US in 2004, 45 percent of students are funded by the universities, up from 10 percent in 1979."
    assert figure_missing("What percentage of US students were funded in 1990?", window) == 1.0
    assert figure_missing("What percentage of US students were funded in 2004?", window) == 0.0
    assert figure_missing("What percentage of US students are funded?", window) == 0.0


def test_a_near_miss_matches_well_except_for_its_rarest_term() -> None:
    near = "What percentage of Ghanaian pharmacists leave the country after training?"
    idf = idf_for(near, {"pharmacist": 3.0})
    assert near_miss_rare(near, GHANA, idf) > 0.5  # every term but "pharmacists" is there
    asked = "What percentage of Ghanaian doctors leave the country after training?"
    assert near_miss_rare(asked, GHANA, idf_for(asked, {"doctor": 6.0})) == 0.0  # the rarest term is there
    paraphrase = "What share of hospital carers schooled in Accra end up emigrating?"
    assert near_miss_rare(paraphrase, GHANA, idf_for(paraphrase, {"carer": 6.0})) == 0.0  # nothing matches


def test_the_window_is_the_picked_sentences_with_one_neighbour_each_side() -> None:
    text = "One. Two. Three. Four. Five."
    spans = tuple((i, i + len(s)) for i, s in zip((0, 5, 10, 17, 23), ("One.", "Two.", "Three.", "Four.", "Five.")))
    p = Passage("d.txt", "D", "", 0, len(text), text, spans)
    assert sentence_window(p, [2]) == "Two. Three. Four."
    assert sentence_window(p, [0]) == "One. Two."
    assert sentence_window(p, [3, 4]) == "Three. Four. Five."


def test_the_confidence_reads_the_slot_features_of_the_window() -> None:
    assert CONFIDENCE_FEATURES[-len(SLOT_FEATURES) :] == SLOT_FEATURES
    question = "What percentage of Ghanaian pharmacists leave the country after training?"
    top = [Candidate(index=0, score=1.0, dense=0.6, sentence_score=0.7, coverage=0.8)]
    feats = confidence_features(
        question, top, [GHANA], GHANA, 0.9, None, window=GHANA, idf=idf_for(question, {"pharmacist": 3.0})
    )
    assert set(CONFIDENCE_FEATURES) <= set(feats)
    assert feats["slot_far_from_rare"] == 1.0 and feats["near_miss_rare"] > 0.5
    assert np.isfinite([feats[n] for n in CONFIDENCE_FEATURES]).all()
