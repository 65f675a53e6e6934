"""The learned answer models (qa/answer/answer_model.json): which sentences are highlighted, and that
the percentage shown is the calibrated probability."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from qa.answer.features import CONFIDENCE_FEATURES, SENTENCE_FEATURES
from qa.answer.selector import MODEL_FILE, AnswerModel, AnswerModelError, load_answer_model
from qa.assistant import PARAPHRASE_KIND, Assistant
from qa.encode.embedder import Embedder
from qa.settings import Settings
from qa.types import Passage
from tests.conftest import DEFAULT_CORPUS, make_settings, passage_of

HEADING = "History of the Guild"
TEXT = (
    f"{HEADING}\n"
    "The Guild of Weavers is one of the oldest trade bodies in the region and has many members.\n"
    "It was founded in 1871 by a group of weavers.\n"
    "Members meet every spring to elect a council."
)


def passage() -> Passage:
    return passage_of(TEXT.split("\n"), "guild.txt", "Guild", HEADING, sep="\n")


@pytest.fixture(scope="module")
def model() -> AnswerModel:
    loaded = load_answer_model()
    assert loaded is not None, f"{MODEL_FILE} is missing or unusable"
    return loaded


def highlighted(model: AnswerModel, embedder: Embedder, question: str) -> tuple[list[int], np.ndarray]:
    """The sentences the selector highlights (at most two, as by default), from the real model's cosines."""
    p = passage()
    vectors = embedder.encode_passages([p.text[a:b] for a, b in p.sentences])
    cosines = vectors @ embedder.encode_queries([question])[0]
    idf = {"guild": 3.0, "weaver": 3.0, "found": 2.0, "member": 1.5, "spring": 3.0, "elect": 3.0}
    probs, _ = model.sentence_probabilities(question, p, cosines, idf)
    return model.pick(probs, max_highlights=Settings().max_highlights), probs


def test_a_heading_is_never_chosen_and_a_when_question_gets_the_sentence_with_the_date(
    model: AnswerModel, embedder: Embedder
) -> None:
    # The heading matches "When was the Guild founded?" best of all (cosine 0.85) and answers nothing.
    picked, probs = highlighted(model, embedder, "When was the Guild founded?")
    assert probs[0] == 0.0 and 0 not in picked
    assert 2 in picked, probs  # "It was founded in 1871 …"
    assert 3 not in picked, probs
    picked, probs = highlighted(model, embedder, "What do members of the Guild do every spring?")
    assert 0 not in picked and 2 not in picked, probs
    assert int(np.argmax(probs)) == 3, probs


def test_a_stored_model_with_other_features_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    data["selector"]["names"] = list(SENTENCE_FEATURES[:-1])
    with pytest.raises(AnswerModelError):
        AnswerModel.from_json(data)
    broken = tmp_path / "answer_model.json"
    broken.write_text(json.dumps(data), encoding="utf-8")
    assert load_answer_model(broken) is None
    assert "ignoring" in capsys.readouterr().err
    assert load_answer_model(tmp_path / "absent.json") is None
    assert len(CONFIDENCE_FEATURES) == len(data["confidence"]["names"])


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    return Assistant.load(make_settings(DEFAULT_CORPUS, tmp_path_factory.mktemp("selector-index")))


def test_the_confidence_shown_is_the_calibrated_probability(assistant: Assistant) -> None:
    assert assistant.answer_model is not None
    question = "When was the Global Forum on Migration and Development set up?"
    answer = assistant.ask(question)
    found = assistant.retriever.search(answer.query, assistant.settings, asked=answer.question)
    index = assistant.retriever.index
    from qa.answer.compose import follow_lead_ins, select_excerpts
    from qa.answer.features import idf_weights
    from qa.index.bm25 import query_terms

    s = assistant.settings
    chosen = select_excerpts(found.candidates, index.passages, index.vectors, s.top_k, s.mmr_lambda)
    idf = idf_weights(index.bm25, query_terms(answer.question), len(index.passages))
    evidence = assistant.confidence_evidence(found)[:2]
    excerpts, features = assistant.answer_model.excerpts(
        answer.question,
        chosen,
        index.passages,
        found.sentence_scores,
        s.max_highlights,
        idf,
        evidence,
        next_ratio=s.highlight_next_ratio,
    )
    assert features is not None
    # With the paraphrase stage on (the default here), its own Platt scaling turns the logit into the percentage.
    model = assistant.answer_model
    in_use = model.with_paraphrase() if assistant.confidence_kind == PARAPHRASE_KIND else model
    assert answer.confidence == pytest.approx(in_use.calibrated(features))
    assert answer.abstained == (answer.confidence < s.calibrated_abstain_threshold)
    assert [e.highlights for e in answer.excerpts] == [
        follow_lead_ins(e.passage, e.highlights, answer.question, s.max_highlights) for e in excerpts
    ]
    shown = answer.to_json()["confidence"]
    assert shown == round(in_use.calibrated(features), 4)
    # With the learned confidence off, the hand-set weights are back and the number differs.
    rules = assistant.ask(question, learned_confidence=False)
    assert rules.confidence == pytest.approx(
        assistant.confidence.score(answer.question, *assistant.confidence_evidence(found))
    )
    assert rules.confidence != pytest.approx(answer.confidence)


def test_without_the_stored_model_the_rules_answer(assistant: Assistant) -> None:
    kept = assistant.answer_model
    try:
        assistant.answer_model = None
        answer = assistant.chat().ask("When was the Global Forum on Migration and Development set up?")
        assert answer.excerpts and answer.excerpts[0].highlights
        assert 0.0 <= answer.confidence <= 1.0
    finally:
        assistant.answer_model = kept


def test_the_default_threshold_is_the_one_fitted_with_the_stored_model() -> None:
    """scripts/train_selector.py chooses the threshold with the Platt scaling; the setting must follow it."""
    stored = json.loads(MODEL_FILE.read_text(encoding="utf-8"))["abstain_threshold"]
    assert Settings().calibrated_abstain_threshold == pytest.approx(stored)
