"""The evaluation harness's pure scoring on hand-made spans, gold-file checks and the calibration report."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qa.evaluation import metrics
from qa.evaluation.gold import GoldError, load_gold, schedule
from tests.conftest import DEFAULT_CORPUS, make_settings
from tests.gold_rows import DOC, gold_rows, write_gold

# ---------------------------------------------------------------- the hit rule


def test_hit_at_exactly_half_of_the_evidence() -> None:
    evidence = [("a.txt", 100, 110)]  # ten characters
    assert metrics.excerpt_hits(("a.txt", 105, 200), evidence)  # covers 105..110: five = half
    assert not metrics.excerpt_hits(("a.txt", 106, 200), evidence)  # four: less than half
    assert metrics.excerpt_hits(("a.txt", 0, 105), evidence)  # 100..105 from the other side
    assert not metrics.excerpt_hits(("a.txt", 0, 104), evidence)


def test_a_quoted_sentence_must_share_half_of_the_shorter_span_with_the_evidence() -> None:
    evidence = [("a.txt", 100, 200)]  # a long evidence paragraph
    assert metrics.quoted_hits("a.txt", [(0, 40), (150, 170)], evidence)  # one of its sentences is quoted
    assert metrics.quoted_hits("a.txt", [(90, 110)], evidence)  # half of a 20-character sentence lies in it
    assert not metrics.quoted_hits("a.txt", [(89, 109)], evidence)  # 9 of 20: the sentence before it
    assert not metrics.quoted_hits("b.txt", [(150, 170)], evidence)  # another document
    assert not metrics.quoted_hits("a.txt", [], evidence)  # nothing highlighted quotes nothing


def test_odd_length_evidence_needs_more_than_half_rounded_down() -> None:
    evidence = [("a.txt", 0, 9)]  # nine characters: 4 is below half, 5 is enough
    assert not metrics.excerpt_hits(("a.txt", 5, 50), evidence)
    assert metrics.excerpt_hits(("a.txt", 4, 50), evidence)


def test_other_document_or_touching_span_never_hits() -> None:
    evidence = [("a.txt", 100, 110)]
    assert not metrics.excerpt_hits(("b.txt", 100, 110), evidence)
    assert not metrics.excerpt_hits(("a.txt", 110, 300), evidence)  # end is exclusive: no overlap
    assert metrics.overlap(0, 10, 10, 20) == 0
    assert metrics.overlap(0, 50, 10, 20) == 10


def test_evidence_alt_is_an_alternative_place() -> None:
    text = "alpha beta gamma. The answer lives here. Later: the answer lives here too."
    spans = metrics.find_spans(text, "d.txt", ["The answer lives here", "the answer lives here too"])
    assert spans == [("d.txt", 18, 39), ("d.txt", 48, 73)]
    assert metrics.excerpt_hits(("d.txt", 45, len(text)), spans)  # only the alternative is covered
    assert not metrics.excerpt_hits(("d.txt", 0, 17), spans)


def test_first_hit_rank_and_mrr() -> None:
    evidence = [("a.txt", 100, 110)]
    excerpts = [("b.txt", 100, 110), ("a.txt", 0, 50), ("a.txt", 90, 120), ("a.txt", 100, 110)]
    rank = metrics.first_hit_rank(excerpts, evidence)
    assert rank == 3
    assert metrics.reciprocal_rank(rank) == pytest.approx(1 / 3)
    assert metrics.reciprocal_rank(None) == 0.0
    assert metrics.reciprocal_rank(11, k=10) == 0.0
    records = [
        {
            "answerable": True,
            "rank": r,
            "answer_in_top": r == 1,
            "abstained": False,
            "confidence": 0.9,
            "latency_ms": 10.0,
        }
        for r in (1, 2, None, 4)
    ]
    m = metrics.summarize(records)
    assert m["mrr@10"] == pytest.approx((1 + 1 / 2 + 0 + 1 / 4) / 4)
    assert (m["hit@1"], m["hit@3"], m["hit@5"]) == (0.25, 0.5, 0.75)
    assert m["answer_in_top"] == 0.25


def test_abstention_precision_recall_f1() -> None:
    # Four unanswerable (two caught), four answerable (one wrongly abstained on).
    unanswerable = [True, True, True, True, False, False, False, False]
    abstained = [True, True, False, False, True, False, False, False]
    s = metrics.abstention_scores(abstained, unanswerable)
    assert s["abstain_precision"] == pytest.approx(2 / 3)
    assert s["abstain_recall"] == pytest.approx(0.5)
    assert s["abstain_f1"] == pytest.approx(2 * (2 / 3) * 0.5 / (2 / 3 + 0.5))
    assert s["false_abstain"] == pytest.approx(0.25)
    never = metrics.abstention_scores([False] * 4, [True, False, False, False])
    assert never["abstain_precision"] == 0.0 and never["abstain_f1"] == 0.0
    assert metrics.abstention_scores([False], [False])["abstain_f1"] is None  # nothing unanswerable


def test_answer_match_ignores_case_and_line_breaks() -> None:
    assert metrics.answer_in_text("76 Portland Place", "held on 7 November 2006\n76 portland  place, London")
    assert metrics.answer_in_text(["nope", "FRANCE"], "a region in France.")
    assert not metrics.answer_in_text("Paris", "a region in France.")


def test_threshold_curve_matches_a_run_at_that_threshold() -> None:
    records = [
        {"answerable": True, "answer_in_top": True, "confidence": 0.8, "rank": 1},
        {"answerable": True, "answer_in_top": False, "confidence": 0.3, "rank": None},
        {"answerable": False, "answer_in_top": False, "confidence": 0.2, "rank": None},
        {"answerable": False, "answer_in_top": False, "confidence": 0.6, "rank": None},
    ]
    curve = {c["threshold"]: c for c in metrics.threshold_curve(records, [0.0, 0.5, 1.0])}
    assert curve[0.0]["abstain_rate"] == 0.0 and curve[0.0]["right_behaviour"] == 0.25
    assert curve[0.5]["abstain_recall"] == 0.5 and curve[0.5]["false_abstain"] == 0.5
    assert curve[0.5]["right_behaviour"] == 0.5
    assert curve[1.0]["right_behaviour"] == 0.5  # always abstaining: both unanswerable right


def test_percentiles_and_logistic_fit() -> None:
    assert metrics.percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert metrics.percentile([], 95) is None
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 2))
    y = (rng.random(400) < 1 / (1 + np.exp(-(0.5 + 2.0 * x[:, 0] - 1.0 * x[:, 1])))).astype(float)
    bias, w = metrics.fit_logistic(x, y)
    assert w[0] > 1.0 and w[1] < -0.4 and abs(bias - 0.5) < 0.5


# ---------------------------------------------------------------- gold files


def test_gold_loading_locates_evidence_and_orders_turns(tmp_path: Path) -> None:
    rows = gold_rows()
    rows[1], rows[2] = rows[2], rows[1]  # turn 2 listed before turn 1
    items = load_gold(write_gold(tmp_path / "g.jsonl", rows), make_settings(DEFAULT_CORPUS, tmp_path / "i"))
    text = (DEFAULT_CORPUS / DOC).read_text(encoding="utf-8")
    first = items[0]
    assert first.spans == [(DOC, text.find(first.evidence), text.find(first.evidence) + len(first.evidence))]
    assert [[i.id for i in s] for s in schedule(items)] == [["t1"], ["t2", "t3"], ["t4"]]


def test_gold_problems_are_all_reported(tmp_path: Path) -> None:
    rows = gold_rows()
    rows[0]["evidence"] = "words that are nowhere in the document"
    rows[3]["answer"] = "something"
    rows[2]["turn"] = 3
    with pytest.raises(GoldError) as err:
        load_gold(write_gold(tmp_path / "g.jsonl", rows), make_settings(DEFAULT_CORPUS, tmp_path / "i"))
    text = "\n".join(err.value.problems)
    assert "t1" in text and "is not in" in text
    assert "t4" in text and "unanswerable" in text
    assert "conversation c1" in text


# ---------------------------------------------------------------- end to end, real model and index


def test_calibration_report_shows_the_best_threshold_only_when_it_differs() -> None:
    from qa.evaluation.cli import _calibration_text

    result = {"n": 4, "current": {"abstain_f1": 0.5}, "fitted": {"abstain_f1": 0.6}}
    fit = {
        "weights": {"bias": 0.0}, "current_weights": {"bias": 0.0}, "trained_on": "dev", "n_train": 8,
        "positives": 5, "label": "answerable", "l2": 0.001, "threshold": 0.6, "train": result, "test": result,
        "best_threshold_on_train": 0.6, "test_at_best_threshold": result,
    }  # fmt: skip
    assert _calibration_text(fit).count("on test (4 items)") == 1
    text = _calibration_text({**fit, "best_threshold_on_train": 0.55})
    assert text.count("on test (4 items)") == 2
    assert "fitted model at threshold 0.55 (the best on train), current at 0.6:" in text


def test_squad_held_out_articles_keep_only_questions_no_answer_model_was_fitted_on() -> None:
    from qa.evaluation.cli import _squad_articles
    from qa.evaluation.squad import SquadQuestion
    from qa.evaluation.squad_split import article_split

    tuning, heldout = article_split()
    asked = [SquadQuestion(f"q{i}", "?", "p", a, True, ["x"]) for i, a in enumerate(sorted(tuning | heldout))]
    kept = _squad_articles(asked, "heldout")
    assert kept and {q.article for q in kept} == set(heldout)
    assert {q.article for q in _squad_articles(asked, "tuning")} == set(tuning)
    assert _squad_articles(asked, "all") == asked


def test_the_ece_a_calibrated_confidence_shows_by_chance_shrinks_with_more_questions() -> None:
    from qa.evaluation.metrics import calibrated_ece, expected_calibration_error

    few = np.linspace(0.3, 0.9, 60)
    median, top = calibrated_ece(few)
    assert 0.05 < median < top < 0.25  # sixty questions: about a tenth from sampling alone
    assert calibrated_ece(np.tile(few, 20))[0] < median / 3  # 1,200 questions: far less
    overconfident = expected_calibration_error(few, (np.arange(60) % 4 == 0).astype(float))  # right 1 in 4
    assert overconfident > top


def test_reports_say_how_much_the_answers_show() -> None:
    """A hit@1 gain from longer excerpts must show: the summary gives the top excerpt's length and highlights."""
    top = [{"doc": "a", "section": "", "start": 0, "end": 9, "score": 1.0}]
    records = [
        {"answerable": True, "rank": 1, "answer_in_top": True, "abstained": False, "top": [{**top[0], **size}]}
        for size in ({"chars": 400, "highlights": 1}, {"chars": 900, "highlights": 2}, {"chars": 1200, "highlights": 2})
    ]
    records.append({"answerable": True, "rank": None, "answer_in_top": False, "abstained": True, "top": top})
    m = metrics.summarize(records)
    assert m["top_excerpt_chars_p50"] == 900
    assert m["top_excerpt_highlights"] == pytest.approx(5 / 3)
