"""The paraphrase scorer's blend, without the model: only the best few move, by their weighted cosines."""

from __future__ import annotations

from pathlib import Path

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


def test_the_stage_is_on_where_installed_by_default_and_weights_are_checked() -> None:
    s = load_settings(environ={})
    assert s.paraphrase_model == "auto" and not s.paraphrase_followups
    with pytest.raises(SettingsError):
        load_settings({"paraphrase_phrase_weight": -0.1}, environ={})
    with pytest.raises(SettingsError):
        load_settings({"paraphrase_weight": -1}, environ={})
    with pytest.raises(SettingsError, match="between 0 and 1"):
        load_settings({"paraphrase_highlight_weight": 1.5}, environ={})


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


def _fit_script():
    import importlib.util

    from qa.settings import PROJECT_ROOT

    spec = importlib.util.spec_from_file_location("fit_threshold", PROJECT_ROOT / "eval" / "fit_threshold.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_stage_fit_reads_only_tuning_items_of_stage_on_runs(tmp_path) -> None:
    """``eval/fit_threshold.py --paraphrase``: each confidence is turned back into its logit through the scaling
    the run showed, test items are never read, and a stage-off run is refused."""
    import json

    import numpy as np

    from qa.answer.recalibration import sigmoid
    from qa.assistant import PARAPHRASE_KIND

    fit = _fit_script()
    assert fit.PARAPHRASE_KIND == PARAPHRASE_KIND
    model = json.loads(fit.MODEL.read_text(encoding="utf-8"))
    a0, b0 = model["platt"]["a"], model["platt"]["b"]
    rng = np.random.default_rng(0)
    z = rng.normal(0.0, 2.0, 400)
    right = rng.random(400) < 1.0 / (1.0 + np.exp(-(2.0 * z - 1.0)))
    items = [
        {
            "split": "tune" if i < 300 else "test",
            "answerable": bool(r) or i % 3 > 0,
            "rank": 1 if r else 4,
            "confidence": sigmoid(a0 * v + b0),
        }
        for i, (v, r) in enumerate(zip(z, right))
    ]
    settings = {"paraphrase_model": "m", "confidence_model": "built-in", "index_dir": str(tmp_path)}
    path = tmp_path / "run" / "report.json"
    path.parent.mkdir()
    path.write_text(json.dumps({"name": "run", "settings": settings, "items": items}), encoding="utf-8")
    entry, used = fit.fit_stage([path], 0.05)
    assert len(used) == 300  # the test items are not read
    assert entry["platt"]["a"] == pytest.approx(2.0, rel=0.25)  # the slope the labels were drawn with
    assert entry["platt"]["b"] == pytest.approx(-1.0, abs=0.4)
    assert entry["fitted_on"]["training_figures"]["false"] <= 0.05
    path.write_text(json.dumps({"name": "off", "settings": {**settings, "paraphrase_model": ""}, "items": items}))
    with pytest.raises(SystemExit, match="stage off"):
        fit.fit_stage([path], 0.05)


def test_auto_runs_the_stage_only_with_the_installed_model_and_a_small_corpus(tmp_path: Path) -> None:
    from qa.search.paraphrase import stage_model

    installed = tmp_path / "all-mpnet-base-v2"
    assert stage_model("auto", 100, 2000, installed) is None  # set-up did not assemble it: MiniLM alone
    installed.mkdir()
    (installed / "modules.json").write_text("[]")
    assert stage_model("auto", 100, 2000, installed) == installed
    assert stage_model("auto", 2001, 2000, installed) is None  # too many passages to encode with it
    assert stage_model("", 100, 2000, installed) is None
    assert stage_model(str(tmp_path / "mine"), 50_000, 2000, installed) == tmp_path / "mine"  # named by hand
