"""The pure scoring of the second stage: what each piece of evidence adds to a passage's rank."""

from __future__ import annotations

import pytest

from qa.fusion import rerank_with_sentences
from qa.settings import SettingsError, load_settings
from qa.types import Candidate


def _candidate(index: int, fused: float, sentence: float, coverage: float) -> Candidate:
    c = Candidate(index=index, dense=0.0, bm25=0.0)
    c.fused, c.sentence_score, c.coverage = fused, sentence, coverage
    return c


def test_a_passage_holding_all_the_questions_rare_words_moves_ahead() -> None:
    # Row 0 is a little ahead on the first stage but holds a third of the question's IDF weight; row 1 holds it all.
    ranked = rerank_with_sentences([_candidate(0, 0.62, 0.5, 0.33), _candidate(1, 0.55, 0.5, 1.0)], 0.75, 0.3)
    assert [c.index for c in ranked] == [1, 0]
    assert ranked[0].score == pytest.approx(0.55 + 0.75 * 0.5 + 0.3 * 1.0)


def test_without_coverage_weight_the_best_sentence_decides() -> None:
    ranked = rerank_with_sentences([_candidate(0, 0.62, 0.5, 0.33), _candidate(1, 0.55, 0.5, 1.0)], 0.75, 0.0)
    assert [c.index for c in ranked] == [0, 1]
    ranked = rerank_with_sentences([_candidate(0, 0.62, 0.4, 1.0), _candidate(1, 0.55, 0.6, 0.0)], 0.75, 0.0)
    assert [c.index for c in ranked] == [1, 0]


def test_a_negative_coverage_weight_is_refused() -> None:
    with pytest.raises(SettingsError, match="coverage_weight"):
        load_settings({"coverage_weight": -0.1}, environ={})


def test_coverage_reads_what_a_question_asks_about_not_how_it_is_framed() -> None:
    from qa.lexical import query_terms, tokenize

    assert query_terms("How do remittances compare with development aid?") == ["remitt", "compar", "develop", "aid"]
    assert "do" in tokenize(["How do remittances compare?"])[0]  # BM25 itself keeps bm25s's tokens
    assert query_terms("Who did what, and when?") == []
