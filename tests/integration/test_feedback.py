"""Marks from real answers, judged by the shipped gold questions, become gold items `qa eval` runs on; the
refit on them is reported on held-out conversations and, once adopted, decides the shown confidence and the
abstention of every later answer on that corpus."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from qa.answer.recalibration import FEEDBACK_CALIBRATION_FILE
from qa.assistant import Assistant
from qa.cli import main
from qa.evaluation.feedback import FEEDBACK_FILE, read_marks, refit_corpus, simulated_marks
from qa.evaluation.gold import load_gold
from qa.settings import PROJECT_ROOT
from tests.conftest import DEFAULT_CORPUS, make_settings

GOLD = PROJECT_ROOT / "eval" / "gold" / "default.jsonl"


@pytest.fixture(scope="module")
def marked(tmp_path_factory: pytest.TempPathFactory, default_assistant: Assistant) -> Assistant:
    """A copy of the shipped corpus's index, with one mark per gold question as a user who knew the gold would
    give it: the excerpt holding the evidence among the three shown ("This answered it" for the first, "the
    answer is in this excerpt" for the others), else "Not this". The marks are made under a confidence scaled
    off (slope halved, intercept lowered by 1: far too unsure), as on a corpus the shipped calibration does not
    fit, which is what a refit is for; the shipped one was fitted on these very questions' tuning half."""
    index = tmp_path_factory.mktemp("marked") / "index"
    shutil.copytree(default_assistant.settings.index_dir, index)
    assistant = Assistant.load(make_settings(DEFAULT_CORPUS, index), build=False)
    model = assistant.answer_model
    assert model is not None and model.paraphrase is not None
    off = lambda c: replace(c, platt_a=c.platt_a * 0.5, platt_b=c.platt_b - 1.0)  # noqa: E731
    assistant.answer_model = replace(off(model), paraphrase=off(model.paraphrase))
    assert simulated_marks(assistant, load_gold(GOLD, assistant.settings)) == 158
    return assistant


def test_marks_are_gold_items_with_their_conversation_and_qa_eval_runs_on_them(
    marked: Assistant, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = marked.settings.index_dir / FEEDBACK_FILE
    marks = read_marks(marked.settings.index_dir)
    assert len(marks) == 158
    follow_up = next(m for m in marks if m["question"] == "Where was it held?")
    assert [h["question"] for h in follow_up["history"]] == [
        "When was the Migration DRC's workshop on migration and development policy and practice held?"
    ]
    assert follow_up["verdict"] == "answered" and "Portland Place" in follow_up["evidence"]
    assert set(follow_up["shown"]) >= {"confidence", "raw_confidence", "abstained", "threshold", "calibration"}
    items = load_gold(path, marked.settings)  # every evidence is an exact span of its document
    assert {i.kind for i in items} == {"answered", "rejected"}
    args = ["eval", "--gold", str(path), "--quiet", "--index-dir", str(marked.settings.index_dir), "--json"]
    assert main([*args, "--out", str(tmp_path / "reports")]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n"] == 158
    # Asked again the same way, the assistant gives the answers that were marked: every "answered" one hits.
    assert out["breakdown"]["kind"]["answered"]["hit@3"] == 1.0
    assert out["breakdown"]["turn"]["follow-up"]["n"] > 0  # follow-ups replayed after their history


def test_the_refit_is_judged_held_out_and_once_adopted_decides_confidence_and_abstention(
    marked: Assistant, capsys: pytest.CaptureFixture[str]
) -> None:
    index = str(marked.settings.index_dir)
    assert main(["feedback", "refit", "--dry-run", "--json", "--index-dir", index]) == 0
    dry = json.loads(capsys.readouterr().out)
    assert dry["n_marks"] == 158 and dry["adopt"] and "dry run: nothing saved" in dry["lines"]
    assert not (marked.settings.index_dir / FEEDBACK_CALIBRATION_FILE).exists()
    report, lines = refit_corpus(marked)
    assert report["held_out_after"] == dry["held_out_after"]  # the same split and fit each time
    with capsys.disabled():
        print("\n" + "\n".join(lines))  # the figures, for the record (pytest -s)
    assert report is not None
    assert report["n_marks"] == 158 and report["n_fit"] + report["n_held_out"] == 158
    fit_sessions = {m["session"] for m in read_marks(marked.settings.index_dir)}
    assert report["sessions_fit"] + report["sessions_held_out"] == len(fit_sessions)
    before, after = report["held_out_before"], report["held_out_after"]
    assert before["n"] == after["n"] == report["n_held_out"]
    assert {"abstain_precision", "abstain_recall", "abstain_f1", "false_abstentions", "ece"} <= set(after)
    text = "\n".join(lines)
    assert "held-out marks (before = the shipped learned model" in text
    assert after["abstain_f1"] >= before["abstain_f1"] and report["adopt"] and "adopted" in text
    saved = marked.settings.index_dir / FEEDBACK_CALIBRATION_FILE
    stored = json.loads(saved.read_text(encoding="utf-8"))
    assert stored["threshold"] == report["threshold"] and stored["held_out_after"]["n"] == report["n_held_out"]

    fresh = Assistant.load(marked.settings, build=False)  # as the next `qa ask` or server start sees it
    assert fresh.recalibration is not None and fresh.recalibration.threshold == report["threshold"]
    assert fresh.threshold_in_use == report["threshold"]
    assert "refitted on" in fresh.calibration_in_use()
    plain = Assistant.load(make_settings(DEFAULT_CORPUS, marked.settings.index_dir), build=False)
    plain.use_recalibration(None)
    plain.settings = plain.settings.replace(calibrated_abstain_threshold=0.06)
    for question in ("Who presented on diaspora engagement?", "What is the capital of Peru?"):
        raw, now = plain.ask(question), fresh.ask(question)
        assert now.confidence == pytest.approx(fresh.recalibration.apply(raw.confidence))
        assert now.abstained == (now.confidence < report["threshold"])
    assert main(["feedback", "show", "--index-dir", index]) == 0
    shown = capsys.readouterr().out
    assert "158 marks" in shown and "refitted on" in shown
