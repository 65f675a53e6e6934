"""``qa eval``: gold questions (default), a BEIR folder, SQuAD 2.0, or a comparison of two reports.

``qa.cli`` adds the common flags and builds the settings; this module adds its own flags
(``add_arguments``) and runs the evaluation (``run``). ``--json`` prints one JSON object on stdout
and nothing else; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path
from typing import Any

from qa.evaluation import metrics
from qa.evaluation.report import fmt, table
from qa.settings import PROJECT_ROOT, Settings

DEFAULT_GOLD = PROJECT_ROOT / "eval" / "gold" / "default.jsonl"
DEFAULT_OUT = Settings().reports_dir  # the reports_dir setting's default; the setting itself decides
HEADLINE_KEYS = (
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
    "ndcg@10",
    "recall@10",
    "recall@100",
    "latency_ms_p50",
    "latency_ms_p95",
)
EXIT_USAGE = 2
EXIT_FAILURE = 1


def add_arguments(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("evaluation")
    g.add_argument(
        "--gold", type=Path, help=f"gold questions, JSON Lines (default: {DEFAULT_GOLD.relative_to(PROJECT_ROOT)})"
    )
    g.add_argument(
        "--beir", type=Path, metavar="DIR", help="a BEIR folder: corpus.jsonl, queries.jsonl, qrels/<split>.tsv"
    )
    g.add_argument("--split", default="test", help="qrels split of --beir (default: test)")
    g.add_argument("--squad", type=Path, metavar="FILE", help="official SQuAD 2.0 JSON (e.g. dev-v2.0.json)")
    g.add_argument("--limit", type=int, metavar="N", help="a deterministic sample of N questions (--beir, --squad)")
    g.add_argument(
        "--articles",
        choices=("all", "heldout", "tuning"),
        default="all",
        help="--squad: only the questions of eval/squad_split.json's held-out (never fitted on) or tuning articles",
    )
    g.add_argument("--json", action="store_true", help="print one JSON object of headline metrics on stdout")
    g.add_argument("--compare", nargs=2, type=Path, metavar=("A", "B"), help="what changed between two report folders")
    g.add_argument("--name", help="name of the report folder (default: from the data set)")
    g.add_argument(
        "--out",
        type=Path,
        help=f"where report folders go (default: the reports_dir setting, {DEFAULT_OUT.relative_to(PROJECT_ROOT)})",
    )
    g.add_argument("--calibrate", action="store_true", help="fit the confidence weights on the gold run and print them")
    g.add_argument(
        "--save-calibration",
        action="store_true",
        help="with --calibrate: store the fitted weights with the index, so answers on this corpus use them",
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.compare:
        return _run_compare(args)
    modes = [m for m in ("gold", "beir", "squad") if getattr(args, m, None) is not None]
    if len(modes) > 1:
        print("qa eval: give one of --gold, --beir, --squad", file=sys.stderr)
        return EXIT_USAGE
    if args.limit is not None and args.limit < 1:
        print("qa eval: --limit must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    mode = modes[0] if modes else "gold"
    if (args.calibrate or args.save_calibration) and mode == "beir":
        print("qa eval: --calibrate needs gold or SQuAD questions (BEIR has no unanswerable ones)", file=sys.stderr)
        return EXIT_USAGE
    if args.save_calibration and not args.calibrate:
        print("qa eval: --save-calibration needs --calibrate", file=sys.stderr)
        return EXIT_USAGE
    handler = {"gold": _run_gold, "beir": _run_beir, "squad": _run_squad}[mode]
    return handler(args, settings)


# ---------------------------------------------------------------- shared


def _settings_snapshot(settings: Settings, assistant: Any = None) -> dict[str, Any]:
    skip = {"host", "port", "auth", "show_progress"}
    out = {}
    for f in dataclasses.fields(settings):
        if f.name in skip:
            continue
        value = getattr(settings, f.name)
        out[f.name] = str(value) if isinstance(value, Path) else list(value) if isinstance(value, tuple) else value
    if assistant is not None:
        manifest = assistant.manifest
        out["model"] = manifest.get("model", {}).get("name")
        out["index_build"] = manifest.get("build_id")
        out["index_counts"] = manifest.get("counts")
        out["confidence_model"] = getattr(assistant, "confidence_source", None)
        # Which Platt scaling and threshold the shown confidences went through (eval/fit_threshold.py reads it).
        out["confidence_kind"] = getattr(assistant, "confidence_kind", None)
        out["threshold_in_use"] = getattr(assistant, "threshold_in_use", None)
    return out


def _headline(metrics_: dict[str, Any]) -> dict[str, Any]:
    return {k: metrics_[k] for k in HEADLINE_KEYS if k in metrics_}


def _out_dir(args: argparse.Namespace, settings: Settings) -> Path:
    return Path(args.out).expanduser().resolve() if args.out else settings.reports_dir


def _emit_json(obj: dict[str, Any]) -> None:
    print(json.dumps(obj, ensure_ascii=False, default=lambda v: v.item() if hasattr(v, "item") else str(v)))


def _metric_rows(m: dict[str, Any], keys: tuple[str, ...]) -> list[list[Any]]:
    return [[k, m[k]] for k in keys if k in m]


def _breakdown_table(groups: dict[str, Any], cols: tuple[str, ...]) -> str:
    rows = [[value, g["n"], *[g.get(c) for c in cols]] for value, g in groups.items()]
    return table(["group", "n", *cols], rows)


def _markdown(title: str, parts: list[str], plots: list[str]) -> str:
    body = [f"# {title}", ""] + parts
    if plots:
        body += ["## Plots", ""] + [f"![{p}]({p})" for p in plots]
    return "\n".join(body) + "\n"


# ---------------------------------------------------------------- gold


def _run_gold(args: argparse.Namespace, settings: Settings) -> int:
    from qa.assistant import Assistant
    from qa.evaluation import gold, report

    started = time.time()
    path = Path(args.gold) if args.gold is not None else DEFAULT_GOLD
    if not path.is_file():
        print(f"qa eval: no gold file {path}", file=sys.stderr)
        return EXIT_USAGE
    if args.limit is not None:
        print("qa eval: --limit is ignored for gold questions (conversations must stay whole)", file=sys.stderr)
    try:
        items = gold.load_gold(path, settings)
    except gold.GoldError as exc:
        print(f"qa eval: {exc}", file=sys.stderr)
        return EXIT_USAGE
    assistant = Assistant.load(settings)
    records = gold.run_gold(assistant, items, show_progress=settings.show_progress, features=args.calibrate)
    headline, groups, curves = gold.summarize_gold(records)
    calibration = gold.calibrate(records, settings.abstain_threshold, assistant.confidence) if args.calibrate else None

    name = args.name or f"gold-{path.stem}"
    folder = report.new_report_dir(_out_dir(args, settings), name)
    plots = report.standard_plots(folder, records, curves, assistant.threshold_in_use, name)
    wall = time.time() - started
    misses = [r for r in records if r["answerable"] and not metrics.hit_at(r["rank"], 3)]
    wrong_answers = [r for r in records if not r["answerable"] and not r["abstained"]]
    false_abstains = [r for r in records if r["answerable"] and r["abstained"]]
    data = {
        "kind": "gold",
        "name": name,
        "source": str(path.resolve()),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "wall_s": round(wall, 1),
        "eval_depth": max(gold.EVAL_DEPTH, settings.top_k),
        "settings": _settings_snapshot(settings, assistant),
        "metrics": headline,
        "breakdown": groups,
        "curves": curves,
        "calibration": calibration,
        "items": records,
    }
    text = _gold_text(path, headline, groups, misses, wrong_answers, false_abstains, calibration, settings, assistant)
    report.write_report(folder, data, _markdown(f"Gold evaluation: {name}", [text], plots))
    saved = None
    if args.save_calibration:
        saved = _save_calibration(calibration, path, settings)
        if saved is None:
            return 1
        text += f"\n\nSaved the fitted confidence weights to {saved}; answers on this index use them from now on."
    if args.json:
        out = {
            "name": name,
            "n": headline["n"],
            **_headline(headline),
            "right_behaviour": headline["right_behaviour"],
            "report_dir": str(folder),
            "breakdown": groups,
        }
        if calibration is not None:
            out["calibration"] = calibration
        if saved is not None:
            out["calibration_saved"] = str(saved)
        _emit_json(out)
    else:
        print(text)
        print(f"\nwall time {wall:.1f} s; report: {folder}")
    return 0


def _save_calibration(calibration: dict[str, Any] | None, questions: Path, settings: Settings) -> Path | None:
    """Store a fit beside the index's manifest (atomically); None, with the reason printed, if it failed."""
    from qa.answer.confidence import CALIBRATION_FILE, CalibrationError, model_from_weights
    from qa.atomic import atomic_write_json

    if not calibration or "weights" not in calibration:
        reason = (calibration or {}).get("error", "nothing was fitted")
        print(f"qa eval: not saving the calibration: {reason}", file=sys.stderr)
        return None
    try:
        model_from_weights(calibration["weights"])
    except CalibrationError as exc:
        print(f"qa eval: not saving the calibration: {exc}", file=sys.stderr)
        return None
    target = settings.index_dir / CALIBRATION_FILE
    keep = ("weights", "features", "trained_on", "n_train", "positives", "threshold", "train", "test")
    atomic_write_json(
        target,
        {
            **{k: calibration[k] for k in keep if k in calibration},
            "gold": str(questions.resolve()),  # the file the fit's questions came from (gold or SQuAD)
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        },
    )
    return target


def _top_line(r: dict[str, Any]) -> str:
    return "; ".join(
        f"{t['doc']} [{t['section'][:40] or '-'}] {t['start']}-{t['end']} ({t['score']:.3f})" for t in r["top"]
    )


def _calibration_text(calibration: dict[str, Any]) -> str:
    """The fit, beside the current weights, on the training and the held-out items."""
    out = ["calibration (logistic regression on the run's confidence features):"]
    if "error" in calibration:
        out.append(f"  {calibration['error']}")
        return "\n".join(out)
    w = calibration["weights"]
    out.append(
        f"  trained on {calibration['trained_on']} ({calibration['n_train']} items, "
        f"{calibration['positives']} positive); label: {calibration['label']}; L2 {calibration['l2']:g}"
    )
    out.append("  fitted:  ConfidenceModel(" + ", ".join(f"{k}={v:.3f}" for k, v in w.items()) + ")")
    cur = calibration["current_weights"]
    out.append("  current: ConfidenceModel(" + ", ".join(f"{k}={v:.3f}" for k, v in cur.items()) + ")")
    current = calibration["threshold"]
    parts = [(p, calibration[p], f"{current:g}:") for p in ("train", "test")]
    best = calibration.get("best_threshold_on_train")
    if best is not None and best != current:  # else it is the table above
        label = f"{best:g} (the best on train), current at {current:g}:"
        parts.append(("test", calibration.get("test_at_best_threshold"), label))
    for part, res, label in parts:
        if res:
            rows = [[k, res["current"][k], res["fitted"][k]] for k in res["fitted"]]
            out += [
                f"  on {part} ({res['n']} items), fitted model at threshold {label}",
                table(["metric", "current", "fitted"], rows),
            ]
    return "\n".join(out)


def _gold_text(
    path: Path,
    m: dict[str, Any],
    groups: dict[str, Any],
    misses: list[dict[str, Any]],
    wrong: list[dict[str, Any]],
    false_abs: list[dict[str, Any]],
    calibration: dict[str, Any] | None,
    settings: Settings,
    assistant: Any,
) -> str:
    out = [
        f"gold file {path}: {m['n']} questions ({m['answerable']} answerable, {m['unanswerable']} unanswerable)",
        f"corpus {settings.corpus_dir}; model {assistant.manifest.get('model', {}).get('name')}; "
        f"fusion {settings.fusion}; "
        f"rerank {'on' if settings.rerank else 'off'}; abstain below {assistant.threshold_in_use:g}",
        "",
        table(
            ["metric", "value"],
            _metric_rows(
                m,
                (
                    *HEADLINE_KEYS[:10],
                    "right_behaviour",
                    "top_excerpt_chars_p50",
                    "top_excerpt_highlights",
                    "latency_ms_p50",
                    "latency_ms_p95",
                ),
            ),
        ),
        "",
    ]
    cols = ("hit@1", "hit@3", "hit@5", "mrr@10", "answer_in_top", "answer_quoted", "abstain_recall", "false_abstain")
    for key in ("kind", "split", "turn", "doc"):
        out += [f"by {key}:", _breakdown_table(groups[key], cols), ""]
    out.append(f"misses (answerable, no hit in the top 3 excerpts): {len(misses)}")
    for r in misses:
        out.append(f"  {r['id']} [{r['kind']}] {r['question']}")
        out.append(
            f"      expected {r['doc']} @ {r['evidence_start']} (+{r['evidence_len']}); hit rank {fmt(r['rank'])}"
        )
        if r["query"] != r["question"]:
            out.append(f"      searched: {r['query']}")
        out.append(f"      got: {_top_line(r)}")
    out.append(f"\nunanswerable questions answered instead of abstaining: {len(wrong)}")
    for r in wrong:
        out.append(f"  {r['id']} conf {r['confidence']:.2f}: {r['question']}  -> {_top_line(r)[:120]}")
    out.append(f"\nfalse abstentions (answerable): {len(false_abs)}")
    for r in false_abs:
        out.append(f"  {r['id']} conf {r['confidence']:.2f} hit rank {fmt(r['rank'])}: {r['question']}")
    if calibration is not None:
        out += ["", _calibration_text(calibration)]
    return "\n".join(out)


# ---------------------------------------------------------------- BEIR


def _beir_items(
    data: Any, query_ids: list[str], rankings: dict[str, Any], latency: dict[str, float], per_query: dict[str, Any]
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """One record per query (its whole ranking kept, so the run can be re-scored later), and the metrics by
    how many relevant documents a query has."""
    from qa.evaluation import beir

    items = []
    for q in query_ids:
        rel = data.qrels[q]
        rank = metrics.first_doc_rank(rankings[q], rel)
        items.append(
            {
                "id": q,
                "question": data.queries[q],
                "relevant": sorted(rel),
                "rank": rank,
                "top": rankings[q][:3],
                "ranking": rankings[q],  # all of it, so the run can be re-scored later
                "latency_ms": latency[q],
                **per_query[q],
            }
        )
    groups: dict[str, Any] = {"relevant_docs": {}}
    for label, pick in (("1", lambda n: n == 1), ("2+", lambda n: n >= 2)):
        chosen = [it for it in items if pick(len(it["relevant"]))]
        if chosen:
            groups["relevant_docs"][label] = {
                "n": len(chosen),
                **{m: sum(it[m] for it in chosen) / len(chosen) for m in beir.METRICS},
            }
    return items, groups


def _beir_text(
    data: Any,
    split: str,
    n_queries: int,
    n_docs: int,
    info: dict[str, Any],
    mode: str,
    snapshot: dict[str, Any],
    means: dict[str, Any],
    headline: dict[str, Any],
    refs: list[dict[str, Any]],
) -> str:
    built = f"built in {info['build_seconds']} s" if info["rebuilt"] else "reused"
    text_lines = [
        f"BEIR {data.name} ({split}): {n_queries} queries, {n_docs:,} documents, "
        f"{info['passages']:,} passages; {mode}; model {snapshot.get('model')}",
        f"index {info['index_dir']} ({built})",
        "",
    ]
    ref_cols = ("ndcg@10", "recall@10", "recall@100")
    rows = [["this run (" + mode + ")", *[means.get(c) for c in ref_cols], ""]]
    rows += [[r["system"], *[r.get(c) for c in ref_cols], r["source"]] for r in refs]
    text_lines.append(table(["system", *ref_cols, "source"], rows))
    text_lines += [
        "",
        table(
            ["metric", "value"],
            _metric_rows(headline, ("mrr@10", "latency_ms_p50", "latency_ms_p95", "min_docs_retrieved")),
        ),
    ]
    if refs:
        text_lines.append(
            "\nReference figures are for whole documents with exact search; ours rank documents by "
            "their best passage (chunked) and use the settings above."
        )
    return "\n".join(text_lines)


def _run_beir(args: argparse.Namespace, settings: Settings) -> int:
    from qa.evaluation import beir, report

    started = time.time()
    try:
        data = beir.load_beir(args.beir, args.split)
    except beir.BenchmarkMissing as exc:
        print(f"qa eval: skipped: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    query_ids = sorted(data.queries)
    if args.limit:
        import random

        query_ids = sorted(random.Random(20240521).sample(query_ids, min(args.limit, len(query_ids))))
    docs = beir.beir_documents(data)
    assistant, info = beir.cached_index(settings, data.name, data.folder, docs)
    t_queries = time.time()
    rankings, latency = beir.run_beir(assistant, data, query_ids, show_progress=settings.show_progress)
    query_seconds = time.time() - t_queries
    means, per_query = beir.score_rankings(data.qrels, rankings)
    lat = list(latency.values())
    headline: dict[str, Any] = {
        "n": len(query_ids),
        **means,
        "latency_ms_p50": metrics.percentile(lat, 50),
        "latency_ms_p95": metrics.percentile(lat, 95),
        "min_docs_retrieved": min((len(v) for v in rankings.values()), default=0),
    }
    items, groups = _beir_items(data, query_ids, rankings, latency, per_query)
    curves = {"hit_at_k": metrics.hit_curve([it["rank"] for it in items])}
    refs = beir.reference_rows(data.name)
    name = args.name or f"beir-{data.name}-{args.split}" + (f"-n{args.limit}" if args.limit else "")
    folder = report.new_report_dir(_out_dir(args, settings), name)
    plots = report.standard_plots(folder, items, curves, None, name, "success@k (any relevant doc in top k)")
    wall = time.time() - started
    snapshot = _settings_snapshot(beir.retrieval_settings(assistant.settings), assistant)
    reranked = settings.rerank and settings.fusion in ("blend", "rrf")
    mode = f"fusion {settings.fusion}, rerank {'on' if reranked else 'off'}"
    text = _beir_text(data, args.split, len(query_ids), len(docs), info, mode, snapshot, means, headline, refs)
    data_out = {
        "kind": "beir",
        "name": name,
        "source": str(data.folder),
        "split": args.split,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "wall_s": round(wall, 1),
        "query_seconds": round(query_seconds, 1),
        "index": info,
        "settings": snapshot,
        "metrics": headline,
        "breakdown": groups,
        "reference": refs,
        "curves": curves,
        "items": items,
    }
    report.write_report(folder, data_out, _markdown(f"BEIR evaluation: {name}", [text], plots))
    if args.json:
        _emit_json(
            {
                "name": name,
                "n": len(query_ids),
                **_headline(headline),
                "report_dir": str(folder),
                "breakdown": groups,
                "reference": refs,
                "index": info,
                "wall_s": round(wall, 1),
            }
        )
    else:
        print(text)
        print(f"\nwall time {wall:.1f} s (queries {query_seconds:.1f} s); report: {folder}")
    return 0


# ---------------------------------------------------------------- SQuAD


# SQuAD's figures beyond the common headline, in its --json line.
_SQUAD_EXTRA = (
    "right_behaviour",
    "always_abstain_baseline",
    "always_abstain_sample",
    "unanswerable_source_paragraph_top1",
    "best_threshold_in_sample",
    "best_right_behaviour_in_sample",
)


def _squad_lines(
    path: Path,
    n_picked: int,
    n_questions: int,
    n_docs: int,
    info: dict[str, Any],
    settings: Settings,
    headline: dict[str, Any],
    curves: dict[str, Any],
) -> list[str]:
    from qa.evaluation import squad

    n_ans = headline["answerable"]
    lines = [
        f"SQuAD 2.0 {path.name}: {n_picked} of {n_questions} questions "
        f"({n_ans} answerable, {n_picked - n_ans} unanswerable; sample seed {squad.SAMPLE_SEED}), "
        f"{n_docs} paragraphs indexed ({info['passages']} passages)",
        f"fusion {settings.fusion}; rerank {'on' if settings.rerank else 'off'}; abstain below "
        f"{settings.threshold_in_use:g}; index {'built' if info['rebuilt'] else 'reused'} at {info['index_dir']}",
        "",
        table(
            ["metric", "value"],
            [
                ["paragraph hit@1 (answerable)", headline["hit@1"]],
                ["paragraph hit@5 (answerable)", headline["hit@5"]],
                ["paragraph mrr@10 (answerable)", headline["mrr@10"]],
                ["answer in top excerpt (answerable)", headline["answer_in_top"]],
                ["answer in its highlighted sentences (answerable)", headline["answer_quoted"]],
                ["abstain recall (unanswerable)", headline["abstain_recall"]],
                ["abstain precision", headline["abstain_precision"]],
                ["abstain F1", headline["abstain_f1"]],
                ["false abstain (answerable)", headline["false_abstain"]],
                ["right behaviour (all)", headline["right_behaviour"]],
                ["always abstain, full labelled half", headline["always_abstain_baseline"]],
                ["always abstain, this sample", headline["always_abstain_sample"]],
                ["unanswerable: own paragraph ranked 1st", headline["unanswerable_source_paragraph_top1"]],
                ["latency p50 (ms)", headline["latency_ms_p50"]],
                ["latency p95 (ms)", headline["latency_ms_p95"]],
            ],
        ),
        "",
        "abstention curve (in-sample; abstain when confidence < threshold):",
        table(
            ["threshold", "abstain rate", "abstain P", "abstain R", "false abstain", "right behaviour"],
            [
                [
                    c["threshold"],
                    c["abstain_rate"],
                    c["abstain_precision"],
                    c["abstain_recall"],
                    c["false_abstain"],
                    c["right_behaviour"],
                ]
                for c in curves["threshold"][::2]
            ],
        ),
        f"best in-sample threshold {headline['best_threshold_in_sample']:g}: right behaviour "
        f"{fmt(headline['best_right_behaviour_in_sample'])} (always abstain: {fmt(headline['always_abstain_sample'])})",
    ]
    return lines


def _squad_articles(questions: list[Any], which: str) -> list[Any]:
    """The questions of eval/squad_split.json's held-out or tuning articles ("all": every one). The answer models
    are fitted on the tuning articles, so only the held-out ones give a held-out figure."""
    if which == "all":
        return questions
    from qa.evaluation.squad_split import article_split

    tuning, heldout = article_split()
    keep = heldout if which == "heldout" else tuning
    return [q for q in questions if q.article in keep]


def _squad_name(path: Path, limit: int | None, articles: str) -> str:
    """The report folder's name: the file, the sample size and which articles ("squad-dev-v2.0-n600-heldout")."""
    return f"squad-{path.stem}" + (f"-n{limit}" if limit else "") + ("" if articles == "all" else f"-{articles}")


def _run_squad(args: argparse.Namespace, settings: Settings) -> int:
    from qa.evaluation import report, squad
    from qa.evaluation.beir import cached_index

    started = time.time()
    path = Path(args.squad).expanduser().resolve()
    try:
        docs, questions = squad.load_squad(path)
    except squad.SquadError as exc:
        print(f"qa eval: skipped: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    questions = _squad_articles(questions, args.articles)
    picked = squad.sample(questions, args.limit)
    fit_on = squad.calibration_sample(questions, picked) if args.calibrate else []
    if args.calibrate and not fit_on:
        why = f"--calibrate fits on questions outside the scored ones; give --limit below {len(questions):,}"
        print(f"qa eval: {why}", file=sys.stderr)
        return EXIT_USAGE
    assistant, info = cached_index(settings, f"squad-{path.stem}", path, docs)
    records = squad.run_squad(assistant, picked, show_progress=settings.show_progress, features=args.calibrate)
    headline, groups, curves = squad.summarize_squad(records)
    calibration = None
    if args.calibrate:
        from qa.evaluation import gold

        fit_records = squad.run_squad(assistant, fit_on, settings.show_progress, features=True, split="dev")
        calibration = gold.calibrate(fit_records + records, settings.abstain_threshold, assistant.confidence)
        calibration["trained_on"] = f"{len(fit_on)} questions outside the evaluated ones"
    name = args.name or _squad_name(path, args.limit, args.articles)
    folder = report.new_report_dir(_out_dir(args, settings), name)
    plots = report.standard_plots(folder, records, curves, settings.abstain_threshold, name, "paragraph hit@k")
    wall = time.time() - started
    lines = _squad_lines(path, len(picked), len(questions), len(docs), info, settings, headline, curves)
    if calibration is not None:
        lines += ["", _calibration_text(calibration)]
    text = "\n".join(lines)
    data_out = {
        "kind": "squad",
        "name": name,
        "source": str(path),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "wall_s": round(wall, 1),
        "limit": args.limit,
        "articles": args.articles,
        "sample_seed": squad.SAMPLE_SEED,
        "index": info,
        "settings": _settings_snapshot(assistant.settings, assistant),
        "metrics": headline,
        "breakdown": groups,
        "curves": curves,
        "calibration": calibration,
        "items": records,
    }
    report.write_report(folder, data_out, _markdown(f"SQuAD 2.0 evaluation: {name}", [text], plots))
    saved = None
    if args.save_calibration:
        saved = _save_calibration(calibration, path, settings.replace(index_dir=Path(info["index_dir"])))
        if saved is None:
            return 1
        text += f"\n\nSaved the fitted confidence weights to {saved}; answers on this index use them from now on."
    if args.json:
        _emit_json(
            {
                "name": name,
                "n": len(picked),
                **_headline(headline),
                **{k: headline[k] for k in _SQUAD_EXTRA},
                "report_dir": str(folder),
                "breakdown": groups,
                "abstention_curve": curves["threshold"],
                "index": info,
                "wall_s": round(wall, 1),
                **({"calibration": calibration} if calibration is not None else {}),
                **({"calibration_saved": str(saved)} if saved is not None else {}),
            }
        )
    else:
        print(text)
        print(f"\nwall time {wall:.1f} s; report: {folder}")
    return 0


# ---------------------------------------------------------------- compare


def _run_compare(args: argparse.Namespace) -> int:
    from qa.evaluation import report

    a, b = args.compare
    try:
        diff = report.compare(a, b)
    except (FileNotFoundError, ValueError) as exc:
        print(f"qa eval: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        _emit_json(diff)
    else:
        print(report.format_compare(diff))
    return 0
