"""`qa eval --gold` end to end, and calibrations saved with an index (gold and SQuAD)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa.assistant import Assistant
from qa.cli import main
from tests.conftest import DEFAULT_CORPUS, make_settings
from tests.gold_rows import DOC, gold_rows, write_gold

# ---------------------------------------------------------------- the hit rule


# ---------------------------------------------------------------- gold files


# ---------------------------------------------------------------- end to end, real model and index


def test_qa_eval_gold_json_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    gold = write_gold(tmp_path / "gold.jsonl", gold_rows())
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

    from qa.answer.confidence import CALIBRATION_FILE, ConfidenceModel, model_from_weights
    from qa.assistant import BUILT_IN_CALIBRATION

    index = tmp_path / "index"
    shutil.copytree(default_assistant.settings.index_dir, index)
    rows = gold_rows()
    rows[3]["split"] = "dev"  # the fit needs an unanswerable question among the ones it learns from
    gold = write_gold(tmp_path / "gold.jsonl", rows)
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
    from qa.answer.confidence import CALIBRATION_FILE
    from qa.evaluation import beir
    from qa.settings import load_settings

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
    summary = (Path(second["report_dir"]) / "summary.md").read_text(encoding="utf-8")
    assert f"abstain below {load_settings(environ={}).threshold_in_use:g};" in summary  # the one answers use
    assert report["settings"]["confidence_model"] == str(saved)
    before = json.loads((Path(first["report_dir"]) / "report.json").read_text(encoding="utf-8"))["items"]
    after = report["items"]
    assert [r["id"] for r in before] == [r["id"] for r in after]
    assert [r["confidence"] for r in before] != pytest.approx([r["confidence"] for r in after])
