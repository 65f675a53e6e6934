"""The cross-encoder (qa/answer/cross-encoder/, made by scripts/train_cross_encoder.py; not shipped, since it did not
win on the tuning splits): trained, it ranks the sentence that answers above those that only name the subject;
without it, or with a damaged one, the selector still ranks and answers still come."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from qa.answer.cross import MODEL_DIR, load_cross_encoder
from qa.answer.features import CONFIDENCE_FEATURES, SENTENCE_FEATURES
from qa.answer.selector import load_answer_model
from tests.conftest import passage_of

trained = pytest.mark.skipif(
    not (MODEL_DIR / "model.onnx").is_file(), reason="no cross-encoder trained (scripts/train_cross_encoder.py)"
)

QUESTION = "In which year was the Tay Road Bridge opened to traffic?"
SENTENCES = [
    "The Tay Road Bridge crosses the Firth of Tay from Newport-on-Tay to Dundee.",
    "It is one of the longest road bridges in Europe and carries four lanes.",
    "The bridge was opened to traffic in August 1966, replacing a ferry service.",
]


@trained
def test_the_answering_sentence_scores_highest() -> None:
    ce = load_cross_encoder()
    assert ce is not None
    scores = ce.scores(QUESTION, SENTENCES)
    assert scores.shape == (3,)
    assert int(np.argmax(scores)) == 2


@trained
def test_a_sentence_on_the_subject_without_the_fact_scores_below_one_with_it() -> None:
    ce = load_cross_encoder()
    near_miss = ce.scores("How many people died when the Tay Road Bridge was built?", SENTENCES).max()
    answered = ce.scores(QUESTION, SENTENCES).max()
    assert near_miss < answered


def test_without_the_cross_encoder_its_features_are_nan_and_read_as_their_mean() -> None:
    model = replace(load_answer_model(), cross=None)
    p = passage_of(SENTENCES, "tay.txt", "Tay Road Bridge")
    cos = np.array([0.3, 0.2, 0.45])
    probs, rows = model.sentence_probabilities(QUESTION, p, cos, {})
    assert np.isnan(rows[:, SENTENCE_FEATURES.index("cross")]).all()
    assert np.isfinite(probs).all() and int(np.argmax(probs)) == 2
    feats = dict.fromkeys(CONFIDENCE_FEATURES, 0.0) | {"cross_best": float("nan")}
    assert 0.0 < model.calibrated(feats) < 1.0


def test_a_damaged_cross_encoder_is_left_out_with_a_note(tmp_path: Path, capsys) -> None:
    from qa.encode.embedder import resolve_model_path
    from qa.settings import load_settings

    folder = tmp_path / "cross-encoder"
    folder.mkdir()
    shutil.copy(resolve_model_path(load_settings()) / "tokenizer.json", folder / "tokenizer.json")
    (folder / "model.onnx").write_bytes(b"not a graph")
    assert load_cross_encoder(folder) is None
    assert "ignoring the cross-encoder" in capsys.readouterr().err
    assert load_cross_encoder(tmp_path / "absent") is None


def test_the_setting_off_leaves_the_cross_encoder_closed() -> None:
    assert load_answer_model(cross=False).cross is None
