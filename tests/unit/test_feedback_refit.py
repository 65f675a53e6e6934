"""Users' marks: stored as gold items without loss under concurrent writes, and the abstention refit on them
(moves the threshold when the marks say so, refuses below the minimum, judged on conversations it never saw)."""

from __future__ import annotations

import json
import random
import threading
from pathlib import Path

import pytest

from qa.answer.recalibration import Recalibration, RecalibrationError
from qa.evaluation.feedback import FEEDBACK_FILE, feedback_item, read_marks, record_feedback
from qa.evaluation.refit import RefitRefused, examples, refit, report_lines, split_by_session


def mark(session: str, confidence: float, good: bool, question: str = "q?") -> dict:
    verdict = "answered" if good else "not_this"
    shown = {"confidence": confidence, "raw_confidence": confidence, "abstained": confidence < 0.06}
    return feedback_item(question, "a.txt", 0, 10, "some text", verdict, session=session, shown=shown)


def synthetic(n_sessions: int = 20, per_session: int = 3, seed: int = 1) -> list[dict]:
    """Wrong answers come with confidences 0.05-0.40, right ones with 0.45-0.95: a corpus where the shipped
    threshold (0.06) lets most wrong answers through."""
    rnd = random.Random(seed)
    out = []
    for s in range(n_sessions):
        for _ in range(per_session):
            good = rnd.random() < 0.6
            c = rnd.uniform(0.45, 0.95) if good else rnd.uniform(0.05, 0.40)
            out.append(mark(f"s{s}", c, good))
    return out


def test_refit_moves_the_threshold_to_where_the_marks_put_it() -> None:
    report = refit(synthetic(), current_threshold=0.06, over="learned", min_marks=30)
    layer = report["calibration"]
    assert layer.threshold == report["threshold"] > 0.06  # on the shown (layered) scale
    assert 0.35 <= layer.invert(layer.threshold) <= 0.46  # on the model's: between the wrong and the right answers
    assert layer.apply(0.2) < 0.2 and layer.apply(0.9) > 0.5  # low confidences pushed down
    before, after = report["held_out_before"], report["held_out_after"]
    assert before["abstain_recall"] < 0.5 and after["abstain_recall"] > 0.9  # wrong answers now caught
    assert after["abstain_f1"] > before["abstain_f1"]
    assert report["adopt"] is True
    assert report["n_fit"] + report["n_held_out"] == 60
    text = "\n".join(report_lines(report, "shipped"))
    assert "held-out marks (before = shipped)" in text and "adopted" in text


def test_refit_refuses_below_the_minimum_and_with_one_verdict_only() -> None:
    with pytest.raises(RefitRefused, match="29 marks .* at least 30"):
        refit(synthetic()[:29], current_threshold=0.06, min_marks=30)
    every_one_good = [mark(f"s{i}", 0.5 + i / 100, True) for i in range(40)]
    with pytest.raises(RefitRefused, match="both verdicts"):
        refit(every_one_good, current_threshold=0.06, min_marks=30)


def test_refit_is_not_adopted_when_it_does_worse_held_out() -> None:
    """Marks whose fitted conversations say the opposite of the held-out ones: the refit must stay unused."""
    marks = synthetic()
    fit_rows, held = split_by_session(examples(marks))
    held_sessions = {r.session for r in held}
    flipped = []
    for m in marks:
        if m["session"] not in held_sessions:  # fitted part: confident answers are the wrong ones
            c = m["shown"]["raw_confidence"]
            good = c < 0.45
            flipped.append(mark(m["session"], c, good))
        else:
            flipped.append(m)
    report = refit(flipped, current_threshold=0.5, min_marks=30)
    assert report["adopt"] is False
    assert "not adopted" in "\n".join(report_lines(report, "shipped"))


def test_the_split_keeps_conversations_whole_and_is_fixed() -> None:
    rows = examples(synthetic())
    fit_a, held_a = split_by_session(rows)
    fit_b, held_b = split_by_session(rows)
    assert fit_a == fit_b and held_a == held_b
    assert not {r.session for r in fit_a} & {r.session for r in held_a}
    assert 0.2 < len(held_a) / len(rows) < 0.5


def test_marks_shown_under_a_layer_are_refitted_on_the_models_confidence() -> None:
    layer = Recalibration(2.0, -1.0, 0.4)
    old = {"session": "s", "doc": "a.txt", "shown": {"confidence": layer.apply(0.3)}, "verdict": "answered"}
    assert examples([old], layer)[0].confidence == pytest.approx(0.3, abs=1e-6)


def test_a_stored_calibration_is_checked() -> None:
    good = Recalibration(1.5, 0.2, 0.3, "learned", info={"n_fit": 40})
    assert Recalibration.from_json(json.loads(json.dumps(good.to_json()))) == good
    for bad in ({"a": -1, "b": 0, "threshold": 0.3}, {"a": 1, "b": "x", "threshold": 0.3}, {"a": 1, "b": 0}):
        with pytest.raises(RecalibrationError):
            Recalibration.from_json(bad)


def test_marks_are_gold_items_kept_whole_under_concurrent_writes(tmp_path: Path) -> None:
    def write(worker: int) -> None:
        for i in range(15):
            record_feedback(tmp_path, mark(f"w{worker}", 0.5, i % 2 == 0, question=f"question {worker}-{i}"))

    threads = [threading.Thread(target=write, args=(w,)) for w in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rows = [json.loads(line) for line in (tmp_path / FEEDBACK_FILE).read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 90 and len({r["id"] for r in rows}) == 90
    answered = next(r for r in rows if r["verdict"] == "answered")
    rejected = next(r for r in rows if r["verdict"] == "not_this")
    assert answered["doc"] == "a.txt" and answered["evidence"] == "some text" and answered["kind"] == "answered"
    assert rejected["doc"] is None and rejected["evidence"] is None and rejected["kind"] == "rejected"
    assert rejected["passage"]["doc"] == "a.txt"  # what was rejected stays beside the verdict
    assert not list(tmp_path.glob(f".{FEEDBACK_FILE}.*"))  # no temporary file left behind


def test_a_second_mark_on_the_same_answer_replaces_the_first(tmp_path: Path) -> None:
    first = feedback_item("q?", "a.txt", 0, 10, "text", "not_this", session="s1", answer_key="s1:1")
    second = feedback_item("q?", "a.txt", 20, 30, "other", "answered", session="s1", answer_key="s1:1")
    other = feedback_item("q2?", "a.txt", 0, 10, "text", "answered", session="s1", answer_key="s1:2")
    for item in (first, other, second):
        count = record_feedback(tmp_path, item)
    assert count == 2
    kept = read_marks(tmp_path)
    assert [m["id"] for m in kept] == [other["id"], second["id"]]


def test_qa_eval_reads_marks_with_their_history_and_refuses_a_malformed_one(tmp_path: Path) -> None:
    from qa.evaluation.gold import GoldError, load_gold, schedule
    from tests.conftest import make_settings

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Bees dance. The waggle dance gives the distance to food.", encoding="utf-8")
    settings = make_settings(corpus, tmp_path / "index")
    history = [{"question": "What do bees do?", "answer": "“Bees dance.” [1]"}]
    rows = [
        feedback_item(
            "What does it give?",
            "a.txt",
            12,
            56,
            "The waggle dance gives the distance to food.",
            "answered",
            history=history,
            session="c1",
        ),  # fmt: skip
        feedback_item("Who painted it?", "a.txt", 0, 11, "Bees dance.", "not_this", session="c2"),
    ]
    marks = tmp_path / "feedback.jsonl"
    marks.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    followup, rejected = load_gold(marks, settings)
    assert followup.history == ["What do bees do?"] and followup.turn_type == "follow-up" and followup.answerable
    assert not rejected.answerable and rejected.kind == "rejected" and rejected.turn_type == "first"
    assert schedule([followup, rejected]) == [[followup], [rejected]]
    marks.write_text(json.dumps({**rows[0], "history": [{"answer": "no question"}]}) + "\n", encoding="utf-8")
    with pytest.raises(GoldError, match="'history' must be a list of questions"):
        load_gold(marks, settings)


def _write_marks(folder: str, worker: int) -> None:
    for i in range(10):
        record_feedback(Path(folder), mark(f"p{worker}", 0.5, True, question=f"process {worker} question {i}"))


def test_marks_from_several_processes_at_once_are_all_kept(tmp_path: Path) -> None:
    """The server and a `qa` command may mark at once: the file lock keeps every mark of each."""
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    workers = [ctx.Process(target=_write_marks, args=(str(tmp_path), w)) for w in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=60)
    assert all(w.exitcode == 0 for w in workers)
    assert sorted(m["question"] for m in read_marks(tmp_path)) == sorted(
        f"process {w} question {i}" for w in range(4) for i in range(10)
    )


def test_a_refit_sets_the_threshold_unless_one_was_set_by_hand(tmp_path: Path) -> None:
    from qa.assistant import Assistant
    from tests.conftest import make_settings

    refitted = Recalibration(1.2, 0.3, 0.4, "learned", info={"n_fit": 40})
    for hand, expected in ((None, 0.4), (0.35, 0.35)):  # 0.35: not the default
        extra = {"calibrated_abstain_threshold": hand} if hand is not None else {}
        assistant = Assistant(make_settings(tmp_path, tmp_path / "index", **extra), None, None)  # type: ignore[arg-type]
        assistant.answer_model = object()  # type: ignore[assignment]
        assistant.use_recalibration(refitted)
        assert assistant.threshold_in_use == expected
        shown = f"Calibration: refitted on 40 of this corpus's marks; abstain below {expected:.0%}"
        assert assistant.calibration_in_use().startswith(shown)
    assert assistant.calibration_in_use().endswith("(a threshold set by hand).")
    assistant.use_recalibration(Recalibration(1.0, 0.0, 0.5, "learned"))  # a second refit replaces the first
    assert assistant.threshold_in_use == 0.35  # ... but never a threshold set by hand
