"""The pure scoring of the second stage, and the answer forms: what each piece of evidence adds to a passage's rank."""

from __future__ import annotations

import numpy as np
import pytest

from qa.index.bm25 import is_question, phrase_coverage
from qa.search.fusion import rerank_with_phrases, rerank_with_sentences
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


@pytest.mark.parametrize("name", ["coverage_weight", "phrase_weight"])
def test_a_negative_second_stage_weight_is_refused(name: str) -> None:
    with pytest.raises(SettingsError, match=name):
        load_settings({name: -0.1}, environ={})


def test_coverage_reads_what_a_question_asks_about_not_how_it_is_framed() -> None:
    from qa.index.bm25 import query_terms, tokenize

    assert query_terms("How do remittances compare with development aid?") == ["remitt", "compar", "develop", "aid"]
    assert "do" in tokenize(["How do remittances compare?"])[0]  # BM25 itself keeps bm25s's tokens
    assert query_terms("Who did what, and when?") == []


def test_phrases_count_word_pairs_the_passage_holds_side_by_side() -> None:
    # Its pairs: vote-age, age-scottish, scottish-parliament.
    question = "What was the voting age for the Scottish Parliament?"
    shares = phrase_coverage(
        question,
        [
            "The Scottish Parliament lowered the voting age to 16.",  # vote-age, scottish-parliament
            "Age limits in Scottish clubs; the Parliament was voting on other matters.",  # the same words, apart
            "Bees dance.",
        ],
    )
    assert shares.tolist() == pytest.approx([2 / 3, 0.0, 0.0])
    assert phrase_coverage("Who?", ["Anyone at all."]).tolist() == [0.0]  # no pair to look for


def test_the_phrase_bonus_reorders_the_best_few_and_never_demotes_one() -> None:
    ranked = [_candidate(0, 0.6, 0.5, 0.5), _candidate(1, 0.58, 0.5, 0.5)]
    for c, score, share in zip(ranked, (1.2, 1.1), (0.0, 0.5)):
        c.score, c.phrases = score, share
    out = rerank_with_phrases(ranked, 0.4)
    assert [c.index for c in out] == [1, 0]
    assert [c.score for c in out] == pytest.approx([1.3, 1.2])
    # A passage holding the answer in the form asked for (an acronym spelt out) gets the whole bonus.
    spelt, other = _candidate(2, 0.5, 0.5, 0.5), _candidate(3, 0.5, 0.5, 0.5)
    spelt.score, other.score, other.phrases, spelt.answer_form = 1.0, 1.2, 0.25, True
    assert [c.index for c in rerank_with_phrases([other, spelt], 0.4)] == [2, 3]
    # ... and is lifted above the passages without it, however far behind it was; forms keep their order.
    far, near, plain = _candidate(4, 0.5, 0.5, 0.5), _candidate(5, 0.5, 0.5, 0.5), _candidate(6, 0.5, 0.5, 0.5)
    far.score, near.score, plain.score, plain.phrases = 0.2, 0.5, 1.5, 1.0
    far.answer_form = near.answer_form = True
    out = rerank_with_phrases([plain, near, far], 0.4)
    assert [c.index for c in out] == [5, 4, 6]
    assert out[0].score > out[1].score > out[2].score


def test_only_questions_get_the_phrase_term() -> None:
    assert is_question("Is it always good for every part of government to agree?")
    assert is_question("the voting age in Scotland?")
    assert is_question("Tell me about remittances")
    # SciFact's claims, on which phrases lowered nDCG@10 on the training queries
    assert not is_question("0-dimensional biomaterials show inductive properties.")
    assert not is_question("migration trap")


def test_an_acronym_question_is_recognised_and_its_definition_found() -> None:
    from qa.search.forms import acronym_definitions, asked_acronym

    assert asked_acronym("What does LRAs stand for?") == "LRA"
    assert asked_acronym("what does the acronym FIS mean?") == "FIS"
    assert asked_acronym("What is QED short for?") == "QED"
    assert asked_acronym("What is the IOM?") == "IOM"
    assert asked_acronym("What does it mean?") is None  # not an acronym
    assert asked_acronym("What does UNITAR do?") is None  # asks something else about it
    text = "Local and regional authorities (LRAs) matter. LRAs plan. The LRA (local regional authority) acts."
    assert [text[a:b] for a, b in acronym_definitions("LRA", text)] == ["(LRAs)", "LRA ("]
    assert acronym_definitions("LRA", "LRAs plan, and LRA-led (2019) schemes run.") == []


def test_a_lone_lead_in_brings_the_sentence_after_it() -> None:
    from qa.answer.compose import with_what_follows
    from qa.types import Passage

    text = "Aid helps, provided they: - Do not focus on farms. - Do plan. Done."
    spans = ((0, 25), (26, 48), (49, 61), (62, 67))
    p = Passage("d", "T", "", 0, len(text), text, spans)
    assert with_what_follows(p, [(0, 25)], 2) == [(0, 25), (26, 48)]
    assert with_what_follows(p, [(0, 25)], 1) == [(0, 25)]  # one highlight allowed: one shown
    assert with_what_follows(p, [(26, 48)], 2) == [(26, 48)]  # not a lead-in
    assert with_what_follows(p, [(0, 25), (49, 61)], 2) == [(0, 25), (49, 61)]  # already two
    last = Passage("d", "T", "", 0, 25, text[:25], ((0, 25),))
    assert with_what_follows(last, [(0, 25)], 2) == [(0, 25)]  # nothing follows in the passage


def test_a_follow_ups_own_words_weigh_in_its_highlights() -> None:
    from qa.answer.compose import mix_scores

    context = {1: np.array([0.8, 0.2]), 2: np.array([0.5])}
    own = {1: np.array([0.2, 0.9]), 3: np.array([0.4])}
    mixed = mix_scores(context, own, 0.5)
    assert np.allclose(mixed[1], [0.5, 0.55]) and int(np.argmax(mixed[1])) == 1
    assert mixed[2] is context[2] and 3 not in mixed  # only passages scored both ways change


def _form_spans(question: str, text: str) -> list[tuple[int, int]]:
    """Where ``text`` holds the answer in the form ``question`` asks for, as the second stage finds it."""
    from qa.search.forms import answer_form

    find = answer_form(question)
    return find(text) if find else []


def test_an_author_question_looks_for_a_by_line() -> None:
    from qa.search.forms import asks_for_author

    assert asks_for_author("Who wrote the blog post 'Migration: An overlooked tool'?")
    assert asks_for_author("Who is the author of the report?")
    assert not asks_for_author("Who writes to the minister?")
    text = (
        "Migration\n\nBy Cécile Riallant, Programme Manager\n\nRemittances were sent by a bank.\nby the way\n"
        "By January 2020 the scheme had closed.\nBy The end"
    )
    assert [text[a:b] for a, b in _form_spans("Who wrote it?", text)] == ["By Cécile Riallant, Programme Manager"]
    assert _form_spans("Where was it held?", text) == []  # most questions ask for no set form


def test_a_question_about_where_an_organisation_is_based_looks_for_an_address() -> None:
    from qa.search.forms import addresses, asks_for_place

    assert asks_for_place("Where is it based?") and asks_for_place("What is their address?")
    assert not asks_for_place("Where do most migrants go?")  # a place, but not an address
    text = (
        "International Organization for Migration (IOM), 17 Route des Morillons, CH-1211 Geneva 19. "
        "European Network of Migrant Women, 18 rue Hydraulique, B-1210 Brussels. The venue: 76 Portland Place, "
        "London WC1B 4AL. In 2005, 3 Ways Forward was published; 50 Places in Ghana took part."
    )
    found = [text[a:b] for a, b in addresses(text)]
    assert found[:2] == ["17 Route", "CH-1211 Ge"]
    assert "18 rue H" in found and "76 Portland Place" in found and "WC1B 4AL" in found
    assert not any("Ways" in f or "Places" in f for f in found)
    assert _form_spans("Where was the workshop held?", text) and not _form_spans("Why?", text)


def _scored(index: int, score: float) -> Candidate:
    c = Candidate(index=index)
    c.score = score
    return c


def test_the_passage_ranker_moves_the_order_and_each_place_keeps_its_score() -> None:
    from qa.search.fusion import reorder_by_reader

    head = [_scored(0, 3.0), _scored(1, 2.9), _scored(2, 2.5)]
    # The ranker reads row 1 as the answer (logit 4) and row 0 as a near miss (-3): 2.9 + 0.1*4 > 3.0 - 0.1*3.
    out = reorder_by_reader(head, np.array([-3.0, 4.0, 0.0]), 0.1)
    assert [c.index for c in out] == [1, 0, 2]
    assert [c.score for c in out] == [3.0, 2.9, 2.5]
    assert [c.ranker for c in out] == [4.0, -3.0, 0.0]


def test_a_small_ranker_weight_leaves_a_clear_lead_alone() -> None:
    from qa.search.fusion import reorder_by_reader

    out = reorder_by_reader([_scored(0, 3.0), _scored(1, 2.0)], np.array([-3.0, 4.0]), 0.1)
    assert [c.index for c in out] == [0, 1]


def test_a_negative_passage_ranker_setting_is_refused() -> None:
    with pytest.raises(SettingsError, match="passage_ranker"):
        load_settings({"passage_ranker_weight": -0.1}, environ={})
    with pytest.raises(SettingsError, match="passage_ranker"):
        load_settings({"passage_ranker_depth": -1}, environ={})


def test_a_damaged_passage_ranker_is_left_out_with_a_note(tmp_path, capsys) -> None:
    from qa.search.ranker import load_passage_ranker

    (tmp_path / "model.onnx").write_bytes(b"not a graph")
    (tmp_path / "tokenizer.json").write_text("{}", encoding="utf-8")
    assert load_passage_ranker(tmp_path) is None
    assert "ignoring the passage ranker" in capsys.readouterr().err
    assert load_passage_ranker(tmp_path / "absent") is None


def test_the_passage_ranker_leaves_a_passage_in_the_asked_answer_form_first() -> None:
    from qa.search.fusion import reorder_by_reader

    form = _scored(0, 3.0)
    form.answer_form = True
    out = reorder_by_reader([form, _scored(1, 2.9)], np.array([-5.0, 5.0]), 0.5)
    assert [c.index for c in out] == [0, 1]


def test_a_passage_repeating_a_better_one_of_another_document_is_left_out() -> None:
    from qa.answer.copies import is_copy, without_copies, word_triples
    from qa.types import Candidate, Passage

    text = "To install the foo package and all its dependencies, run apt install foo as root on the machine."
    html = Passage("faq.html", "FAQ", "8.1.2. APT", 0, len(text), text, ((0, len(text)),))
    pdf_text = "8.1.2 APT\n\n" + text.replace("run ", "run:\n")  # cut and laid out otherwise in the PDF
    pdf = Passage("faq.pdf", "FAQ", "APT", 0, len(pdf_text), pdf_text, ((0, len(pdf_text)),))
    other_text = "dpkg-reconfigure asks the configuration questions of an installed package again, as at its install."
    other = Passage("faq.html", "FAQ", "8.1.3", 200, 200 + len(other_text), other_text, ((200, 200 + len(other_text)),))
    again = Passage("faq.html", "FAQ", "8.1.2. APT", 90, 90 + len(text), text, ((90, 90 + len(text)),))
    passages = [html, pdf, other, again]
    assert is_copy(word_triples(html.text), word_triples(pdf.text))
    assert not is_copy(word_triples(html.text), word_triples(other.text))
    chosen = without_copies([Candidate(index=i, score=1.0 - i / 10) for i in range(4)], passages, limit=3)
    assert [c.index for c in chosen] == [0, 2, 3]  # the PDF's copy goes; the same document's own repeat stays
    assert not is_copy(word_triples("Use apt."), word_triples("Use apt."))  # too short to call a copy


def test_an_excerpt_names_the_copies_left_out_of_its_answer() -> None:
    from dataclasses import replace

    from qa.answer.compose import also_in_label, answer_text
    from qa.answer.copies import copies_of
    from qa.types import Candidate, Excerpt, Passage

    text = "To install the foo package and all its dependencies, run apt install foo as root on the machine."
    html = Passage("faq.html", "FAQ", "8.1.2. APT", 0, len(text), text, ((0, len(text)),))
    pdf = Passage("faq.pdf", "FAQ", "APT", 50, 50 + len(text), text, ((50, 50 + len(text)),))
    pdf = replace(pdf, page_start=41, page_end=41, page_label="33", page_end_label="33")
    other = "dpkg-reconfigure asks the configuration questions of an installed package again, as at its install."
    far = Passage("faq.txt", "FAQ", "8.1.3", 0, len(other), other, ((0, len(other)),))
    passages = [html, pdf, far]
    found = copies_of(html, [Candidate(index=i) for i in range(3)], passages)
    assert found == (pdf,)
    e = Excerpt(1, html, 1.0, [(0, len(text))], also_in=found)
    assert also_in_label(e) == "also in faq.pdf, p. 33"
    assert "[1] FAQ — 8.1.2. APT (also in faq.pdf, p. 33)" in answer_text([e], abstained=False)
    assert e.to_json()["also_in"] == [
        {"doc": "faq.pdf", "section": "APT", "start": 50, "end": 50 + len(text), **pdf.page_fields()}
    ]
    assert "also_in" not in Excerpt(1, far, 1.0).to_json()  # the contract only grows where a copy was left out
