"""The paraphrase scorer's blend, without the model: only the best few move, by their weighted cosines."""

from __future__ import annotations

import pytest

from qa.search.paraphrase import blend
from qa.settings import SettingsError, load_settings
from qa.types import Candidate


def test_the_larger_models_cosines_reorder_the_best_few_only() -> None:
    cands = [Candidate(index=i, score=s) for i, s in enumerate([1.0, 0.95, 0.9, 0.2])]
    passage = {0: 0.1, 1: 0.3, 2: 0.6, 3: 0.9}
    sentence = {0: 0.2, 1: 0.2, 2: 0.5, 3: 0.9}
    order = blend(cands, passage, sentence, depth=3, passage_weight=1.0, sentence_weight=1.0)
    assert [c.index for c in order] == [2, 1, 0, 3]  # row 3 lies below the depth: not re-scored
    assert order[0].score == pytest.approx(0.9 + 0.6 + 0.5)
    assert order[-1].score == pytest.approx(0.2)


def test_zero_weights_keep_the_order() -> None:
    cands = [Candidate(index=i, score=s) for i, s in enumerate([1.0, 0.9])]
    assert [c.index for c in blend(cands, {0: 0.0, 1: 1.0}, {}, 2, 0.0, 0.0)] == [0, 1]


def test_the_scorer_is_off_by_default_and_weights_are_checked() -> None:
    assert load_settings(environ={}).paraphrase_model == ""
    with pytest.raises(SettingsError):
        load_settings({"paraphrase_weight": -1}, environ={})


def test_a_folder_that_is_not_a_model_is_named_with_the_fix(tmp_path) -> None:
    """A wrong ``paraphrase_model`` (the assembled zip's parent folder, say) used to end in a transformers
    traceback; it is one message saying which folder and what to do."""
    from qa.encode.embedder import ModelUnavailable
    from qa.search.paraphrase import ParaphraseScorer

    (tmp_path / "all-mpnet-base-v2").mkdir()  # the model is one level down
    with pytest.raises(ModelUnavailable, match="holds no sentence-transformers model.*fetch_paraphrase_model"):
        ParaphraseScorer(tmp_path, [], None, 10)


def test_the_confidence_reads_the_score_before_the_stage() -> None:
    """The learned confidence weighs the top score and never saw the stage's additions: it reads the stage-off
    score (what the stage added is kept on the candidate), while the margin is the ranking's own."""
    from qa.answer.features import confidence_features

    cands = [Candidate(index=i, score=s) for i, s in enumerate([1.0, 0.95])]
    order = blend(cands, {0: 0.2, 1: 0.7}, {0: 0.1, 1: 0.6}, depth=2, passage_weight=1.0, sentence_weight=1.0)
    assert [c.index for c in order] == [1, 0]
    assert order[0].paraphrase == pytest.approx(1.3)
    feats = confidence_features("What do bees eat?", order, ["a", "b"], "", 0.5, None)
    assert feats["score"] == pytest.approx(0.95)
    assert feats["margin"] == pytest.approx((0.95 + 1.3) - (1.0 + 0.3))
