"""The second stage on real answers: phrases, and follow-ups' borrowed words counting less than their own."""

from __future__ import annotations

import numpy as np

from qa.assistant import Assistant


def test_a_passage_using_the_questions_phrase_answers_first(default_assistant: Assistant) -> None:
    """Judged without the paraphrase stage, as corpora above paraphrase_auto_passages are searched. With it, this
    question's first excerpt is Richard Black's overview ("Thinking on migration has come a long way"): mpnet's
    cosines outweigh the phrase bonus, one of the stage's known losses (docs/notes/2026-12-06-paraphrase-default.md)."""
    question = "How does IIED suggest we should think of migration?"
    evidence = "it is useful to think of migration as one of the many strategies"
    assert evidence in default_assistant.ask(question, paraphrase_model="").excerpts[0].passage.text
    # With WordNet expansion on (the default) it comes first even without the phrase term, so the phrase term
    # is judged with expansion off: with it the passage comes first; without it, a passage on "a progressive
    # approach to migration" does.
    plain = default_assistant.ask(question, wordnet_dir="", paraphrase_model="")
    assert evidence in plain.excerpts[0].passage.text
    without = default_assistant.ask(question, wordnet_dir="", phrase_weight=0.0, paraphrase_model="")
    assert evidence not in without.excerpts[0].passage.text


def test_a_follow_ups_context_words_make_no_phrases(default_assistant: Assistant) -> None:
    # What follow-up rewriting appends is a list of names and terms, not a phrase anyone wrote.
    query = "Where is it based? Organisations areas work IOM established"
    retriever = default_assistant.retriever
    assert any(c.phrases > 0 for c in retriever.search(query).candidates)
    assert all(c.phrases == 0 for c in retriever.search(query, asked="Where is it based?").candidates)


def test_a_follow_up_finds_the_principle_it_points_back_to(default_assistant: Assistant) -> None:
    chat = default_assistant.chat()
    chat.ask("Which of Heaven Crawley's progressive principles did all the discussion groups find unproblematic?")
    answer = chat.ask("What does that principle say?")
    assert "Seeking protection from persecution and human rights abuse is a fundamental right" in (
        answer.excerpts[0].passage.text
    )


def test_a_follow_ups_borrowed_words_count_less_than_its_own(default_assistant: Assistant) -> None:
    """The words borrowed from the last question ("discussion groups find unproblematic") are what the
    last answer's passage matched; at full weight that passage comes first again, not the list asked about."""
    first = "Which of Heaven Crawley's progressive principles did all the discussion groups find unproblematic?"
    listed = "Seeking protection from persecution and human rights abuse is a fundamental right"
    for weight, shown in ((0.25, True), (1.0, False)):
        chat = default_assistant.chat()
        chat.ask(first)
        answer = chat.ask("What does that principle say?", context_weight=weight)
        assert (listed in answer.excerpts[0].passage.text) is shown, weight


def test_follow_up_bm25_weighs_the_context_words(default_assistant: Assistant) -> None:
    from qa.index.bm25 import bm25_scores, follow_up_bm25

    bm25 = default_assistant.retriever.index.bm25
    asked, query = "Where is it based?", "Where is it based? IOM established"
    own, context = bm25_scores(bm25, asked), bm25_scores(bm25, " IOM established")
    np.testing.assert_allclose(follow_up_bm25(bm25, query, asked, 0.25), own + 0.25 * context, rtol=1e-6)
    np.testing.assert_array_equal(follow_up_bm25(bm25, asked, asked, 0.25), own)  # no context: as it is
