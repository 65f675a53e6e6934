"""The evaluation harness: pure scoring on hand-made spans, and `qa eval --gold` end to end."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from qa.assistant import Assistant
from qa.cli import main
from qa.evaluation import metrics
from qa.evaluation.gold import GoldError, load_gold, schedule
from tests.conftest import DEFAULT_CORPUS, make_settings

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

DOC = "001_5f14862b3cd51082.txt"


def _gold_rows() -> list[dict]:
    return [
        {
            "id": "t1",
            "question": "How were the participants seated at the workshop?",
            "doc": DOC,
            "evidence": "The participants were seated cafe style around four tables to facilitate discussion.",
            "answer": "cafe style around four tables",
            "kind": "factoid",
            "split": "dev",
            "conversation": None,
            "turn": None,
        },
        {
            "id": "t2",
            "question": "When was the Migration DRC's workshop on migration and development held?",
            "doc": DOC,
            "evidence": "7 November 2006\n76 Portland Place, London",
            "answer": "7 November 2006",
            "kind": "factoid",
            "split": "dev",
            "conversation": "c1",
            "turn": 1,
        },
        {
            "id": "t3",
            "question": "Where was it held?",
            "doc": DOC,
            "evidence": "7 November 2006\n76 Portland Place, London",
            "answer": "76 Portland Place, London",
            "kind": "followup",
            "split": "dev",
            "conversation": "c1",
            "turn": 2,
        },
        {
            "id": "t4",
            "question": "What is the boiling point of liquid nitrogen in kelvin?",
            "doc": None,
            "evidence": None,
            "answer": None,
            "kind": "unanswerable",
            "split": "holdout",
            "conversation": None,
            "turn": None,
        },
    ]


def _write_gold(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_gold_loading_locates_evidence_and_orders_turns(tmp_path: Path) -> None:
    rows = _gold_rows()
    rows[1], rows[2] = rows[2], rows[1]  # turn 2 listed before turn 1
    items = load_gold(_write_gold(tmp_path / "g.jsonl", rows), make_settings(DEFAULT_CORPUS, tmp_path / "i"))
    text = (DEFAULT_CORPUS / DOC).read_text(encoding="utf-8")
    first = items[0]
    assert first.spans == [(DOC, text.find(first.evidence), text.find(first.evidence) + len(first.evidence))]
    assert [[i.id for i in s] for s in schedule(items)] == [["t1"], ["t2", "t3"], ["t4"]]


def test_gold_problems_are_all_reported(tmp_path: Path) -> None:
    rows = _gold_rows()
    rows[0]["evidence"] = "words that are nowhere in the document"
    rows[3]["answer"] = "something"
    rows[2]["turn"] = 3
    with pytest.raises(GoldError) as err:
        load_gold(_write_gold(tmp_path / "g.jsonl", rows), make_settings(DEFAULT_CORPUS, tmp_path / "i"))
    text = "\n".join(err.value.problems)
    assert "t1" in text and "is not in" in text
    assert "t4" in text and "unanswerable" in text
    assert "conversation c1" in text


# ---------------------------------------------------------------- end to end, real model and index


def test_qa_eval_gold_json_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    gold = _write_gold(tmp_path / "gold.jsonl", _gold_rows())
    code = main(
        [
            "eval",
            "--gold",
            str(gold),
            "--json",
            "--quiet",
            "--index-dir",
            str(tmp_path / "index"),
            "--out",
            str(tmp_path / "reports"),
            "--name",
            "e2e",
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    out = json.loads(captured.out)  # exactly one JSON object on stdout
    for key in (
        "hit@1",
        "hit@3",
        "hit@5",
        "mrr@10",
        "answer_in_top",
        "answer_quoted",
        "abstain_precision",
        "abstain_recall",
        "abstain_f1",
        "false_abstain",
        "latency_ms_p50",
        "latency_ms_p95",
        "report_dir",
        "breakdown",
    ):
        assert key in out, key
    assert set(out["breakdown"]) == {"kind", "doc", "turn", "split"}
    assert out["breakdown"]["turn"]["follow-up"]["n"] == 1
    assert out["breakdown"]["doc"]["(none)"]["n"] == 1

    folder = Path(out["report_dir"])
    assert folder.parent == tmp_path / "reports" and folder.name.endswith("-e2e")
    for name in ("report.json", "summary.md", "hit_at_k.png", "confidence.png", "latency.png"):
        assert (folder / name).is_file(), name
    report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    items = {r["id"]: r for r in report["items"]}
    assert set(items) == {"t1", "t2", "t3", "t4"}
    seated = items["t1"]
    assert seated["rank"] is not None and seated["rank"] <= 5, seated["top"]
    assert out["breakdown"]["doc"][DOC]["hit@5"] >= 0.25
    # The follow-up was asked in the same chat: its searched query carries the first turn's words.
    assert items["t3"]["query"] != items["t3"]["question"] and "workshop" in items["t3"]["query"].lower()
    assert items["t4"]["rank"] is None and not items["t4"]["answerable"]
    assert 0.0 <= out["latency_ms_p50"] <= out["latency_ms_p95"]


def test_calibration_saved_with_the_index_changes_confidence_and_a_damaged_one_is_ignored(
    tmp_path: Path, default_assistant: Assistant, capsys: pytest.CaptureFixture[str]
) -> None:
    import shutil

    from qa.assistant import BUILT_IN_CALIBRATION
    from qa.confidence import CALIBRATION_FILE, ConfidenceModel, model_from_weights

    index = tmp_path / "index"
    shutil.copytree(default_assistant.settings.index_dir, index)
    rows = _gold_rows()
    rows[3]["split"] = "dev"  # the fit needs an unanswerable question among the ones it learns from
    gold = _write_gold(tmp_path / "gold.jsonl", rows)
    args = ["eval", "--gold", str(gold), "--quiet", "--index-dir", str(index), "--out", str(tmp_path / "r")]

    assert main([*args, "--save-calibration"]) == 2  # needs --calibrate
    assert not (index / CALIBRATION_FILE).exists()
    assert main([*args, "--calibrate", "--save-calibration", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    saved = json.loads((index / CALIBRATION_FILE).read_text(encoding="utf-8"))
    assert out["calibration_saved"] == str(index / CALIBRATION_FILE)
    assert saved["weights"] == out["calibration"]["weights"] and saved["gold"] == str(gold.resolve())

    question = "How were the participants seated at the workshop?"
    calibrated = Assistant.load(make_settings(DEFAULT_CORPUS, index))
    assert calibrated.confidence == model_from_weights(saved["weights"]) != ConfidenceModel()
    assert calibrated.confidence_source == str(index / CALIBRATION_FILE)
    assert calibrated.ask(question).confidence != pytest.approx(default_assistant.ask(question).confidence)

    (index / CALIBRATION_FILE).write_text('{"weights": {"bias": "high"}}', encoding="utf-8")
    fallback = Assistant.load(make_settings(DEFAULT_CORPUS, index))
    assert "ignoring" in capsys.readouterr().err
    assert fallback.confidence_source == BUILT_IN_CALIBRATION
    assert fallback.ask(question).confidence == pytest.approx(default_assistant.ask(question).confidence)


def _squad_file(path: Path) -> Path:
    """A small SQuAD 2.0 file: four paragraphs, each with answerable and unanswerable questions."""
    paragraphs = [
        (
            "Honey bees live in colonies led by a single queen. Worker bees collect nectar and pollen. "
            "The waggle dance tells other bees the direction and distance of food.",
            [
                ("Who leads a honey bee colony?", "a single queen"),
                ("What does the waggle dance tell bees?", "the direction"),
            ],
            ["How many eggs does the queen lay in a day?", "Who discovered the waggle dance in 1927?"],
        ),
        (
            "Mount Etna in Sicily is one of the most active volcanoes in Europe. Its eruptions are frequent "
            "and its lava flows have reached the town of Catania.",
            [("Where is Mount Etna?", "Sicily"), ("Which town have Etna's lava flows reached?", "Catania")],
            ["How tall is Mount Etna in metres?", "When did Vesuvius last erupt?"],
        ),
        (
            "Green tea is made from leaves that are not oxidised. Black tea leaves are fully oxidised "
            "before drying, which darkens them.",
            [
                ("Which tea is made from leaves that are not oxidised?", "Green tea"),
                ("What darkens black tea leaves?", "oxidised"),
            ],
            ["What share of the world's tea is grown in Kenya?", "Who first brewed oolong tea?"],
        ),
        (
            "The Danube flows through ten countries, more than any other river in the world, and ends in "
            "the Black Sea after passing Vienna, Budapest and Belgrade.",
            [
                ("Where does the Danube end?", "the Black Sea"),
                ("How many countries does the Danube flow through?", "ten"),
            ],
            ["How deep is the Danube at Budapest?", "Which emperor built the first bridge over the Rhine?"],
        ),
    ]
    data = []
    for a, (context, answerable, unanswerable) in enumerate(paragraphs):
        qas = [
            {"id": f"a{a}q{i}", "question": q, "answers": [{"text": ans, "answer_start": context.find(ans)}]}
            for i, (q, ans) in enumerate(answerable)
        ]
        qas += [
            {"id": f"a{a}u{i}", "question": q, "answers": [], "is_impossible": True} for i, q in enumerate(unanswerable)
        ]
        data.append({"title": f"Topic_{a}", "paragraphs": [{"context": context, "qas": qas}]})
    path.write_text(json.dumps({"version": "v2.0", "data": data}), encoding="utf-8")
    return path


def test_squad_calibration_fits_on_other_questions_and_is_used_on_the_next_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from qa.confidence import CALIBRATION_FILE
    from qa.evaluation import beir

    monkeypatch.setattr(beir, "CACHE_ROOT", tmp_path / "cache")
    squad = _squad_file(tmp_path / "tiny-squad.json")
    args = ["eval", "--squad", str(squad), "--limit", "6", "--quiet", "--json", "--out", str(tmp_path / "r")]

    assert main([*args[:-2], "--beir", str(tmp_path), "--calibrate"]) == 2  # one data set at a time
    assert main([*args[:3], "--limit", "16", "--calibrate", "--quiet"]) == 2  # nothing left to fit on
    assert "give --limit below 16" in capsys.readouterr().err
    assert main([*args, "--calibrate", "--save-calibration"]) == 0
    first = json.loads(capsys.readouterr().out)
    fit = first["calibration"]
    assert fit["n_train"] == 16 - 6 and fit["test"]["n"] == 6  # fitted on the questions it does not score
    assert 0.0 <= fit["best_threshold_on_train"] <= 1.0
    saved = Path(first["index"]["index_dir"]) / CALIBRATION_FILE
    assert first["calibration_saved"] == str(saved) and saved.is_file()

    assert main(args) == 0
    second = json.loads(capsys.readouterr().out)
    report = json.loads((Path(second["report_dir"]) / "report.json").read_text(encoding="utf-8"))
    assert report["settings"]["confidence_model"] == str(saved)
    before = json.loads((Path(first["report_dir"]) / "report.json").read_text(encoding="utf-8"))["items"]
    after = report["items"]
    assert [r["id"] for r in before] == [r["id"] for r in after]
    assert [r["confidence"] for r in before] != pytest.approx([r["confidence"] for r in after])


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
