"""The Evaluation tab's library side: which report is the latest for the corpus in use, whether its index is
still the live one, the benchmark reports beside it, and the HTML the tab shows (no browser needed).

Every report folder here is written into ``tmp_path`` with ``write_report``, as ``qa eval`` writes them.
"""

from __future__ import annotations

import html as htmllib
import re
from pathlib import Path
from typing import Any

from qa.evaluation.report import plot_hit_curve, write_report
from qa.settings import Settings, load_settings
from qa.web.eval_tab import DEFAULT_GOLD, eval_command, latest_evaluation
from qa.web.render import evaluation_html
from tests.conftest import make_settings


def gold_report(
    reports: Path,
    folder: str,
    corpus: Path | str,
    created: str,
    hit1: float,
    build: str = "20261123-100000-aaaaaaaa",
    index: Path | str | None = None,
    plot: bool = False,
    name: str | None = None,
) -> Path:
    out = reports / folder
    out.mkdir(parents=True)
    data: dict[str, Any] = {
        "kind": "gold",
        "name": name or folder,
        "source": "/data/gold.jsonl",
        "created": created,
        "settings": {
            "corpus_dir": str(corpus),
            "index_dir": str(index if index is not None else Path(str(corpus)).parent / "index"),
            "index_build": build,
            "index_counts": {"documents": 3, "passages": 9},
            "abstain_threshold": 0.7,
            "fusion": "blend",
            "rerank": True,
            "model": "all-MiniLM-L6-v2",
        },
        "metrics": {
            "n": 4,
            "answerable": 3,
            "hit@1": hit1,
            "hit@3": 1.0,
            "hit@5": 1.0,
            "mrr@10": 0.75,
            "answer_in_top": 0.5,
            "abstain_precision": 1.0,
            "abstain_recall": 1.0,
            "abstain_f1": 1.0,
            "false_abstain": 0.0,
            "false_abstentions": 0,
            "right_behaviour": 0.75,
            "latency_ms_p50": 12.34,
            "latency_ms_p95": 20.0,
        },
        "breakdown": {
            "kind": {"factoid": {"n": 3, "hit@1": hit1}, "unanswerable": {"n": 1, "abstain_recall": 1.0}},
            "turn": {"first": {"n": 3, "hit@1": 0.5}, "follow-up": {"n": 1, "hit@1": 1.0}},
        },
        "items": [
            {"id": "q1", "question": "Where do bees live?", "kind": "factoid", "answerable": True, "rank": 1},
            {"id": "q2", "question": "What is <b>Etna</b>?", "kind": "factoid", "answerable": True, "rank": 7},
            {"id": "q3", "question": "Why?", "kind": "followup", "answerable": True, "rank": None},
            {"id": "q4", "question": "Who won?", "kind": "unanswerable", "answerable": False, "rank": None},
        ],
    }
    write_report(out, data, "# summary\n")
    if plot:
        plot_hit_curve({1: hit1, 3: 1.0, 5: 1.0}, out / "hit_at_k.png", "hit@k")
    return out


def beir_report(
    folder: Path, created: str, settings: dict, metrics: dict, split: str = "test", **extra: object
) -> None:
    """A SciFact report folder as `qa eval --beir` writes one."""
    folder.mkdir(parents=True)
    data = {"kind": "beir", "name": folder.name, "source": "/bench/scifact", "split": split, "created": created}
    write_report(folder, {**data, "settings": settings, "metrics": metrics, **extra}, "")


def shown(markup: str) -> str:
    """The text a reader sees: tags dropped, entities decoded, white space collapsed."""
    blocks = re.sub(r"</?(p|div|section|table|caption|tr|td|th|h3|pre|figure|figcaption|summary)\b[^>]*>", " ", markup)
    return " ".join(htmllib.unescape(re.sub(r"<[^>]+>", "", blocks)).split())


def settings_for(tmp_path: Path, corpus: Path, reports: Path, index: Path | None = None) -> Settings:
    return make_settings(corpus, index or corpus.parent / "index", reports_dir=reports)


def test_the_newest_report_of_this_corpus_wins_and_another_corpus_is_ignored(tmp_path: Path) -> None:
    corpus, other, reports = tmp_path / "docs", tmp_path / "other", tmp_path / "reports"
    corpus.mkdir()
    other.mkdir()
    gold_report(reports, "20261101-090000-old", corpus, "2026-11-01T09:00:00+0000", 0.25)
    # Written with an unresolved path, and a folder name that sorts first: the created time decides.
    gold_report(reports, "20261001-000000-new", tmp_path / "x" / ".." / "docs", "2026-11-02T09:00:00+0000", 0.5)
    gold_report(reports, "20261103-090000-other", other, "2026-11-03T09:00:00+0000", 0.99)

    page = latest_evaluation(settings_for(tmp_path, corpus, reports), {"build_id": "20261123-100000-aaaaaaaa"})

    assert page.report is not None and page.report.name == "20261001-000000-new"
    assert ["hit@1", "0.500"] in page.report.headline.rows
    assert page.report.created == "2026-11-02 09:00:00 +0000"
    text = shown(evaluation_html(page))
    assert "hit@1 0.500" in text and "0.990" not in text and "0.250" not in text
    assert page.report.n == "4 questions (3 answerable, 1 unanswerable)"


def test_malformed_and_unreadable_report_folders_are_skipped(tmp_path: Path) -> None:
    corpus, reports = tmp_path / "docs", tmp_path / "reports"
    corpus.mkdir()
    gold_report(reports, "20261101-090000-good", corpus, "2026-11-01T09:00:00+0000", 0.5)
    for name, content in {
        "20261201-000000-broken-json": b'{"kind": "gold", "metrics": {',
        "20261201-000001-a-list": b"[1, 2, 3]",
        "20261201-000002-no-metrics": b'{"kind": "gold", "settings": {"corpus_dir": "' + str(corpus).encode() + b'"}}',
        "20261201-000003-not-utf8": b'{"kind": "\xff\xfe"}',
        "20261201-000004-bad-settings": b'{"kind": "gold", "metrics": {}, "settings": [1]}',
    }.items():
        (reports / name).mkdir()
        (reports / name / "report.json").write_bytes(content)
    (reports / "20261201-000005-empty-folder").mkdir()  # no report.json: not a report, not a problem
    (reports / "stray-file.txt").write_text("not a folder", encoding="utf-8")
    (reports / "20261201-000006-dir-json").mkdir()
    (reports / "20261201-000006-dir-json" / "report.json").mkdir()  # a folder where the file should be

    page = latest_evaluation(settings_for(tmp_path, corpus, reports), {})

    assert page.report is not None and page.report.name == "20261101-090000-good"
    skipped = " ".join(page.skipped)
    for name in ("broken-json", "a-list", "no-metrics", "not-utf8", "bad-settings", "dir-json"):
        assert name in skipped, (name, page.skipped)
    assert "empty-folder" not in skipped and "stray-file" not in skipped
    assert "Skipped 6 report folders that could not be read" in shown(evaluation_html(page))


def test_a_report_on_an_older_index_build_is_called_stale(tmp_path: Path) -> None:
    corpus, reports = tmp_path / "docs", tmp_path / "reports"
    corpus.mkdir()
    gold_report(reports, "20261101-090000-run", corpus, "2026-11-01T09:00:00+0000", 0.5, build="20261101-080000-aaaa")
    settings = settings_for(tmp_path, corpus, reports)

    live = latest_evaluation(settings, {"build_id": "20261101-080000-aaaa"})
    assert live.report is not None and live.report.stale is False
    assert "It ran against the live index (build 20261101-080000-aaaa)." in shown(evaluation_html(live))

    changed = latest_evaluation(settings, {"build_id": "20261120-120000-bbbb"})
    assert changed.report is not None and changed.report.stale is True
    text = shown(evaluation_html(changed))
    assert "The index has changed since this report: it ran against build 20261101-080000-aaaa" in text
    assert "the live build is 20261120-120000-bbbb." in text
    assert "Run it again for current figures: qa eval --corpus" in text

    elsewhere = latest_evaluation(settings_for(tmp_path, corpus, reports, index=tmp_path / "idx2"), {})
    assert elsewhere.report is not None and elsewhere.report.stale is True
    assert "another index folder" in elsewhere.report.freshness

    no_index = latest_evaluation(settings, {})
    assert no_index.report is not None and no_index.report.stale is None


def test_settings_that_changed_since_the_report_are_named(tmp_path: Path) -> None:
    corpus, reports = tmp_path / "docs", tmp_path / "reports"
    corpus.mkdir()
    gold_report(reports, "20261101-090000-run", corpus, "2026-11-01T09:00:00+0000", 0.5)
    settings = settings_for(tmp_path, corpus, reports).replace(abstain_threshold=0.5)
    page = latest_evaluation(settings, {})
    assert page.report is not None
    assert page.report.settings_changed == ["abstain_threshold: 0.7 in the report, 0.5 now"]


def test_benchmarks_are_shown_beside_and_never_taken_for_the_corpus(tmp_path: Path) -> None:
    corpus, reports = tmp_path / "docs", tmp_path / "reports"
    corpus.mkdir()
    for folder, created, ndcg in (
        ("20261101-000000-beir-old", "2026-11-01T00:00:00+0000", 0.6),
        ("20261102-000000-beir-new", "2026-11-02T00:00:00+0000", 0.728),
    ):
        beir_report(
            reports / folder,
            created,
            {"corpus_dir": str(corpus), "fusion": "blend"},  # even on the same folder
            {"n": 300, "ndcg@10": ndcg, "mrr@10": 0.69, "recall@10": 0.85, "recall@100": 0.95},
            reference=[{"system": "BM25 <Anserini>", "ndcg@10": 0.6789, "source": "anserini"}],
            breakdown={"relevant_docs": {"1": {"n": 277, "ndcg@10": 0.73}}},
        )
    (reports / "20261103-000000-squad").mkdir()
    write_report(
        reports / "20261103-000000-squad",
        {
            "kind": "squad",
            "name": "squad-dev-n50",
            "source": "/bench/dev-v2.0.json",
            "created": "2026-11-03T00:00:00+0000",
            "settings": {},
            "metrics": {"n": 50, "answerable": 22, "hit@1": 0.727, "always_abstain_sample": 0.56},
        },
        "",
    )

    page = latest_evaluation(settings_for(tmp_path, corpus, reports), {})

    assert page.report is None
    assert [b.name for b in page.benchmarks] == ["squad-dev-n50", "20261102-000000-beir-new"]
    beir = page.benchmarks[1]
    assert ["nDCG@10", "0.728"] in beir.headline.rows
    reference = next(t for t in beir.tables if t.id == "eval-reference")
    assert reference.rows[0][:2] == ["this run", "0.728"] and reference.rows[1][:2] == ["BM25 <Anserini>", "0.679"]
    markup = evaluation_html(page)
    assert "BM25 &#60;Anserini&#62;" in markup and "<Anserini>" not in markup
    assert "No evaluation report for this corpus yet" in shown(markup)


def test_no_report_says_so_and_gives_the_exact_command(tmp_path: Path) -> None:
    corpus, reports = tmp_path / "my docs", tmp_path / "reports"
    corpus.mkdir()
    settings = make_settings(corpus, tmp_path / "my docs.index", reports_dir=reports)
    page = latest_evaluation(settings, {})
    assert page.report is None and page.benchmarks == [] and page.skipped == []
    assert page.command == f"qa eval --corpus '{corpus}' --out {reports} --gold FILE"
    markup = evaluation_html(page)
    assert "id='eval-command'" in markup
    text = shown(markup)
    assert f"No evaluation report for this corpus yet (looked in {reports})" in text
    assert page.command in text and "No benchmark report yet" in text

    shipped = Settings()
    assert eval_command(shipped) == f"qa eval --gold {DEFAULT_GOLD}"
    moved = shipped.replace(index_dir=tmp_path / "elsewhere")
    assert eval_command(moved) == f"qa eval --index-dir {tmp_path / 'elsewhere'} --gold {DEFAULT_GOLD}"


def test_only_real_pngs_inside_the_reports_folder_are_shown_and_text_is_escaped(tmp_path: Path) -> None:
    corpus, reports = tmp_path / "docs", tmp_path / "reports"
    corpus.mkdir()
    folder = gold_report(
        reports, "20261101-090000-run", corpus, "2026-11-01T09:00:00+0000", 0.5, plot=True, name="<script>x</script>"
    )
    (folder / "latency.png").write_text("not a png", encoding="utf-8")
    outside = tmp_path / "outside.png"
    outside.write_bytes((folder / "hit_at_k.png").read_bytes())
    (folder / "confidence.png").symlink_to(outside)

    page = latest_evaluation(settings_for(tmp_path, corpus, reports), {})
    assert page.report is not None
    assert [p.path.name for p in page.report.plots] == ["hit_at_k.png"]
    html = evaluation_html(page)
    assert len(re.findall(r"<img src='data:image/png;base64,[A-Za-z0-9+/=]+'", html)) == 1
    assert "<script>" not in html and "&#60;script&#62;x" in html
    assert "&#60;b&#62;Etna" in html  # a miss's question, escaped
    misses = next(t for t in page.report.tables if t.id == "eval-misses")
    assert [r[0] for r in misses.rows] == ["q2", "q3"]  # answerable, no hit in the top 3


def test_reports_dir_is_a_setting_like_the_others(tmp_path: Path) -> None:
    assert Settings().reports_dir.parts[-2:] == ("eval", "reports")
    loaded = load_settings(environ={"QA_REPORTS_DIR": str(tmp_path / "a" / ".." / "runs")})
    assert loaded.reports_dir == tmp_path / "runs"


def test_an_ablation_does_not_stand_in_for_the_benchmark_figure(tmp_path: Path) -> None:
    corpus, reports = tmp_path / "docs", tmp_path / "reports"
    corpus.mkdir()
    for folder, created, fusion, split, ndcg in (
        ("20261101-000000-beir-blend", "2026-11-01T00:00:00+0000", "blend", "test", 0.728),
        ("20261102-000000-beir-bm25", "2026-11-02T00:00:00+0000", "bm25", "test", 0.664),
        ("20261103-000000-beir-train", "2026-11-03T00:00:00+0000", "blend", "train", 0.745),
    ):
        # Benchmark runs ask for deeper candidate lists (dense_k) than the chat: not an ablation.
        beir_report(reports / folder, created, {"fusion": fusion, "dense_k": 400}, {"n": 300, "ndcg@10": ndcg}, split)
    shown_now = latest_evaluation(settings_for(tmp_path, corpus, reports), {}).benchmarks
    assert [b.name for b in shown_now] == ["20261103-000000-beir-train", "20261101-000000-beir-blend"]
    bm25_user = settings_for(tmp_path, corpus, reports).replace(fusion="bm25")
    assert [b.name for b in latest_evaluation(bm25_user, {}).benchmarks][1] == "20261102-000000-beir-bm25"
