"""The newest evaluation reports, picked for a corpus and summed up for the web chat's Evaluation tab.

``latest_evaluation(settings, manifest)`` looks through the report folders under ``settings.reports_dir``
(``<stamp>-<name>/report.json``, see ``qa.evaluation.report``) and returns an ``EvaluationPage``: the
newest report whose ``settings.corpus_dir`` is the corpus in use (paths resolved before comparing),
whether the index it ran against is still the live build, and the newest benchmark reports (BEIR,
SQuAD), which belong to no user corpus. Everything comes as plain tables of formatted strings and
checked PNG paths; how they are shown is the caller's business. Folders that cannot be read or do not
hold a report are skipped, never raised.
"""

from __future__ import annotations

import json
import shlex
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from qa.evaluation.report import REPORT_FILE, fmt
from qa.settings import PROJECT_ROOT, Settings

BENCHMARK_KINDS = ("beir", "squad")
PLOT_FILES = (  # (file, title) in the order they are shown; only these names are ever read
    ("hit_at_k.png", "Hits by rank"),
    ("confidence.png", "Confidence"),
    ("abstention_curve.png", "Abstention by threshold"),
    ("latency.png", "Latency"),
)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_PLOT_BYTES = 5 * 1024 * 1024
MAX_MISSES = 20
MAX_BENCHMARKS = 4
DEFAULT_GOLD = PROJECT_ROOT / "eval" / "gold" / "default.jsonl"
# Settings that change no figure of quality: left out when saying how a report's settings differ.
_NOT_QUALITY = {
    "corpus_dir",
    "index_dir",
    "reports_dir",
    "embed_batch_size",
    "query_encoder",
    "query_threads",
    "lazy_passages_from",
    "max_file_mb",
    "max_question_chars",
    "host",
    "port",
    "auth",
    "show_progress",
}
# What makes a benchmark run the assistant's own rather than an ablation (candidate depths differ by design).
_CONFIGURATION = (
    "model_path",
    "query_prefix",
    "passage_prefix",
    "fusion",
    "rerank",
    "dense_weight",
    "bm25_weight",
    "sentence_weight",
    "coverage_weight",
    "phrase_weight",
    "rrf_k",
    "chunk_target_tokens",
    "chunk_max_tokens",
    "chunk_overlap_sentences",
    "prepend_section",
)


@dataclass
class Table:
    """A table to show: ``rows`` are already formatted; columns from ``numeric_from`` on are figures."""

    id: str
    caption: str
    header: list[str]
    rows: list[list[str]]
    numeric_from: int = 1
    note: str = ""


@dataclass
class Plot:
    title: str
    path: Path  # a PNG inside ``root``
    root: Path  # the reports folder

    def read(self) -> bytes | None:
        """The PNG's bytes, or None unless it is still a plain PNG file inside the reports folder."""
        return read_png(self.path, self.root)


@dataclass
class ReportView:
    kind: str  # gold, beir or squad
    name: str
    folder: Path
    source: str  # the gold file, BEIR folder or SQuAD file it was run on
    created: str  # when it was run, for people
    corpus_dir: str
    index_dir: str
    index_build: str | None
    n: str  # how many questions, for people
    setup: str  # model, fusion, rerank, threshold: what the figures were measured with
    headline: Table
    tables: list[Table] = field(default_factory=list)  # references, breakdowns, misses
    plots: list[Plot] = field(default_factory=list)
    live_build: str | None = None
    stale: bool | None = None  # True: the index changed since; None: cannot tell
    freshness: str = ""  # one sentence about the index it ran against
    settings_changed: list[str] = field(default_factory=list)  # "name: in the report X, now Y"
    command: str = ""  # the command that runs it again


@dataclass
class EvaluationPage:
    corpus_dir: Path
    reports_dir: Path
    report: ReportView | None  # the newest for this corpus
    benchmarks: list[ReportView]  # the newest per benchmark data set, newest first
    command: str  # the command that writes a (new) report for this corpus
    skipped: list[str] = field(default_factory=list)  # report folders that could not be read, and why


# ---------------------------------------------------------------- finding reports


@dataclass
class Found:
    folder: Path
    data: dict[str, Any]  # report.json without its per-question items (misses kept apart)
    created: datetime
    misses: list[dict[str, Any]]


_cache: dict[Path, tuple[tuple[int, int], Found]] = {}
_cache_lock = threading.Lock()


def _resolved(path: Any) -> Path | None:
    try:
        return Path(str(path)).expanduser().resolve()
    except (OSError, RuntimeError, ValueError):
        return None


def _created(value: Any, fallback: float) -> datetime:
    if isinstance(value, str):
        try:
            return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")
        except ValueError:
            pass
    return datetime.fromtimestamp(fallback, tz=UTC)


def _misses(kind: str, items: Any) -> list[dict[str, Any]]:
    """Answerable gold questions with no hit in the top 3 excerpts (as the summary lists them)."""
    if kind != "gold" or not isinstance(items, list):
        return []
    out = []
    for r in items:
        if not isinstance(r, dict) or not r.get("answerable"):
            continue
        rank = r.get("rank")
        if not (isinstance(rank, int) and rank <= 3):
            out.append({k: r.get(k) for k in ("id", "kind", "question", "rank")})
    return out


def read_report(folder: Path) -> Found:
    """One report folder, parsed and checked; ValueError or OSError says why it cannot be used."""
    file = folder / REPORT_FILE
    stat = file.stat()
    key = (stat.st_mtime_ns, stat.st_size)
    with _cache_lock:
        hit = _cache.get(file)
    if hit is not None and hit[0] == key:
        return hit[1]
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 ({exc.reason})") from None
    if not isinstance(data, dict):
        raise ValueError("report.json is not an object")
    if not isinstance(data.get("kind"), str) or not isinstance(data.get("metrics"), dict):
        raise ValueError("report.json names no kind or has no metrics")
    if not isinstance(data.get("settings", {}), dict):
        raise ValueError("report.json settings are not a table")
    items = data.pop("items", None)
    data.pop("curves", None)
    found = Found(folder, data, _created(data.get("created"), stat.st_mtime), _misses(data["kind"], items))
    with _cache_lock:
        if len(_cache) > 512:
            _cache.clear()
        _cache[file] = (key, found)
    return found


def find_reports(reports_dir: Path) -> tuple[list[Found], list[str]]:
    """Every readable report under ``reports_dir``, newest first, and the folders skipped (with why)."""
    root = _resolved(reports_dir)
    if root is None or not root.is_dir():
        return [], []
    found: list[Found] = []
    skipped: list[str] = []
    try:
        entries = sorted(root.iterdir())
    except OSError as exc:
        return [], [f"{root}: {exc.strerror or exc}"]
    for entry in entries:
        try:
            if not entry.is_dir() or not (entry / REPORT_FILE).exists():
                continue
            if not entry.resolve().is_relative_to(root):
                raise ValueError("the folder lies outside the reports folder")
            found.append(read_report(entry))
        except (OSError, ValueError) as exc:
            skipped.append(f"{entry.name}: {getattr(exc, 'strerror', None) or exc}")
    found.sort(key=lambda f: (f.created, f.folder.name), reverse=True)
    return found, skipped


def latest_for_corpus(reports: list[Found], corpus_dir: Path) -> Found | None:
    """The newest report run on ``corpus_dir`` (benchmarks never are: they bring their own documents)."""
    corpus = _resolved(corpus_dir)
    for f in reports:
        if f.data["kind"] in BENCHMARK_KINDS:
            continue
        if _resolved(f.data.get("settings", {}).get("corpus_dir", "")) == corpus and corpus is not None:
            return f
    return None


def latest_benchmarks(
    reports: list[Found], settings: Settings | None = None, limit: int = MAX_BENCHMARKS
) -> list[Found]:
    """The newest report of each benchmark data set (kind, source, split), newest first. A run made with
    the configuration in use (``_CONFIGURATION``) wins over a newer one that is not, so an ablation such as
    ``--fusion bm25`` does not stand in for the assistant's own figure."""
    groups: dict[tuple[str, str, str], list[Found]] = {}
    for f in reports:  # newest first
        kind = f.data["kind"]
        if kind in BENCHMARK_KINDS:
            groups.setdefault((kind, str(f.data.get("source", "")), str(f.data.get("split", ""))), []).append(f)
    picked = [
        next((f for f in group if settings is None or _same_configuration(f.data.get("settings"), settings)), group[0])
        for group in groups.values()
    ]
    picked.sort(key=lambda f: f.created, reverse=True)
    return picked[:limit]


def _same_configuration(snapshot: Any, settings: Settings) -> bool:
    if not isinstance(snapshot, dict):
        return False
    changed = {line.split(":", 1)[0] for line in _settings_changed(snapshot, settings)}
    return not changed & set(_CONFIGURATION)


# ---------------------------------------------------------------- plots


def read_png(path: Path, root: Path) -> bytes | None:
    """Bytes of a PNG file that lies inside ``root`` (links resolved), is small enough and looks like one."""
    try:
        real = Path(path).resolve()
        if not real.is_relative_to(Path(root).resolve()) or real.suffix.lower() != ".png" or not real.is_file():
            return None
        if real.stat().st_size > MAX_PLOT_BYTES:
            return None
        data = real.read_bytes()
    except (OSError, RuntimeError, ValueError):
        return None
    return data if data.startswith(PNG_SIGNATURE) else None


def _plots(folder: Path, root: Path) -> list[Plot]:
    plots = []
    for name, title in PLOT_FILES:
        path = folder / name
        if read_png(path, root) is not None:
            plots.append(Plot(title, path, root))
    return plots


# ---------------------------------------------------------------- tables


def _num(value: Any) -> Any:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _rate(value: Any) -> str:
    return fmt(_num(value))


def _ms(value: Any) -> str:
    v = _num(value)
    return "–" if v is None else f"{v:.1f} ms"


def _share(value: Any, count: Any, total: Any) -> str:
    v = _num(value)
    if v is None:
        return "–"
    if _num(count) is not None and _num(total):
        return f"{v:.3f} ({int(count)} of {int(total)})"
    return f"{v:.3f}"


GOLD_ROWS = (  # (label, metric)
    ("hit@1", "hit@1"),
    ("hit@3", "hit@3"),
    ("hit@5", "hit@5"),
    ("MRR@10", "mrr@10"),
    ("answer in top excerpt", "answer_in_top"),
    ("answer in its highlighted sentences", "answer_quoted"),
    ("abstention precision", "abstain_precision"),
    ("abstention recall (unanswerable)", "abstain_recall"),
    ("abstention F1", "abstain_f1"),
)
BREAKDOWN_COLS = (  # (header, metric) of a gold or SQuAD breakdown table
    ("hit@1", "hit@1"),
    ("hit@3", "hit@3"),
    ("hit@5", "hit@5"),
    ("MRR@10", "mrr@10"),
    ("answer in top", "answer_in_top"),
    ("answer quoted", "answer_quoted"),
    ("abstain recall", "abstain_recall"),
    ("false abstain", "false_abstain"),
)
BEIR_COLS = (("nDCG@10", "ndcg@10"), ("MRR@10", "mrr@10"), ("recall@10", "recall@10"), ("recall@100", "recall@100"))
BREAKDOWNS = {  # report kind -> (breakdown key, caption)
    "gold": (
        ("kind", "By kind of question"),
        ("turn", "First question vs follow-up turn"),
        ("split", "By split (dev: tuned on; holdout: not)"),
        ("doc", "By document"),
    ),
    "squad": (("kind", "Answerable vs unanswerable"),),
    "beir": (("relevant_docs", "By number of relevant documents"),),
}


def _gold_headline(m: dict[str, Any], caption: str = "Headline figures") -> Table:
    rows = [[label, _rate(m.get(key))] for label, key in GOLD_ROWS]
    rows.append(
        [
            "false abstentions (answerable)",
            _share(m.get("false_abstain"), m.get("false_abstentions"), m.get("answerable")),
        ]
    )
    rows.append(["right behaviour (all questions)", _rate(m.get("right_behaviour"))])
    rows.append(["latency p50", _ms(m.get("latency_ms_p50"))])
    rows.append(["latency p95", _ms(m.get("latency_ms_p95"))])
    return Table("eval-headline", caption, ["metric", "value"], rows)


def _squad_headline(m: dict[str, Any]) -> Table:
    table = _gold_headline(m, "Headline figures (paragraph retrieval; hits count answerable questions)")
    extra = [
        ["always abstain, this sample", _rate(m.get("always_abstain_sample"))],
        ["best threshold in sample", fmt(_num(m.get("best_threshold_in_sample")), 2)],
        ["right behaviour at that threshold", _rate(m.get("best_right_behaviour_in_sample"))],
    ]
    table.rows[-2:-2] = [r for r in extra if r[1] != "–"]
    return table


def _beir_headline(m: dict[str, Any]) -> Table:
    rows = [[label, _rate(m.get(key))] for label, key in BEIR_COLS]
    rows += [["latency p50", _ms(m.get("latency_ms_p50"))], ["latency p95", _ms(m.get("latency_ms_p95"))]]
    return Table("eval-headline", "Headline figures", ["metric", "value"], rows)


def _references(data: dict[str, Any]) -> Table | None:
    refs = data.get("reference")
    if not isinstance(refs, list) or not refs:
        return None
    m = data["metrics"]
    cols = (("nDCG@10", "ndcg@10"), ("recall@10", "recall@10"), ("recall@100", "recall@100"))
    rows = [["this run", *[_rate(m.get(k)) for _, k in cols], ""]]
    for r in refs:
        if isinstance(r, dict):
            rows.append([str(r.get("system", "")), *[_rate(r.get(k)) for _, k in cols], str(r.get("source", ""))])
    return Table(
        "eval-reference",
        "Beside published figures",
        ["system", *[h for h, _ in cols], "source"],
        rows,
        note="Published figures rank whole documents with exact search; this run ranks documents by their best "
        "passage.",
    )


def _breakdown(data: dict[str, Any], key: str, caption: str) -> Table | None:
    groups = data.get("breakdown", {}).get(key) if isinstance(data.get("breakdown"), dict) else None
    if not isinstance(groups, dict) or not groups:
        return None
    cols = BEIR_COLS if data["kind"] == "beir" else BREAKDOWN_COLS
    rows = []
    for value, g in groups.items():
        if isinstance(g, dict):
            rows.append([str(value), fmt(_num(g.get("n"))), *[_rate(g.get(k)) for _, k in cols]])
    header = [{"turn": "turn", "doc": "document", "split": "split"}.get(key, key.replace("_", " ")), "n"]
    return Table(f"eval-by-{key.replace('_', '-')}", caption, header + [h for h, _ in cols], rows)


def _misses_table(misses: list[dict[str, Any]]) -> Table | None:
    if not misses:
        return None
    rows = [
        [str(r.get("id", "")), str(r.get("kind", "")), str(r.get("question", "")), fmt(_num(r.get("rank")))]
        for r in misses[:MAX_MISSES]
    ]
    more = len(misses) - len(rows)
    return Table(
        "eval-misses",
        f"Misses: {len(misses)} answerable question{'s' if len(misses) != 1 else ''} with no hit in the top 3",
        ["id", "kind", "question", "hit rank"],
        rows,
        numeric_from=3,
        note=f"… and {more} more in report.json." if more > 0 else "",
    )


# ---------------------------------------------------------------- freshness and commands


def _freshness(
    report_build: Any, report_index: Any, settings: Settings, live_build: str | None
) -> tuple[bool | None, str]:
    index_now = _resolved(settings.index_dir)
    ran_on = _resolved(report_index) if report_index else None
    if ran_on is not None and index_now is not None and ran_on != index_now:
        return True, (
            f"The index has changed since this report: it ran against another index folder ({ran_on}), "
            f"not the one in use ({index_now})."
        )
    if not isinstance(report_build, str) or not report_build:
        return None, "The report does not say which index build it ran against."
    if live_build is None:
        return None, f"It ran against index build {report_build}; this corpus has no index now to compare with."
    if report_build != live_build:
        return True, (
            f"The index has changed since this report: it ran against build {report_build}, "
            f"the live build is {live_build}."
        )
    return False, f"It ran against the live index (build {report_build})."


def _setting(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(map(str, value))
    if isinstance(value, float):
        return f"{value:g}"
    return fmt(value)


def _settings_changed(snapshot: Any, settings: Settings) -> list[str]:
    if not isinstance(snapshot, dict):
        return []
    out = []
    for name, then in snapshot.items():
        if name in _NOT_QUALITY or not hasattr(settings, name):
            continue
        now = getattr(settings, name)
        now = str(now) if isinstance(now, Path) else list(now) if isinstance(now, tuple) else now
        if then != now and not (_num(then) is not None and _num(now) is not None and abs(then - now) < 1e-12):
            out.append(f"{name}: {_setting(then)} in the report, {_setting(now)} now")
    return out


def eval_command(settings: Settings, gold: str | Path | None = None) -> str:
    """The ``qa eval`` command line that writes a gold report for ``settings``' corpus where this page looks."""
    defaults = Settings()
    corpus = _resolved(settings.corpus_dir) or settings.corpus_dir
    parts = ["qa", "eval"]
    if corpus == defaults.corpus_dir:
        index = defaults.index_dir
    else:
        parts += ["--corpus", str(corpus)]
        index = corpus.parent / (corpus.name + ".index")  # what `qa --corpus DIR` picks by itself
    if (_resolved(settings.index_dir) or settings.index_dir) != index:
        parts += ["--index-dir", str(settings.index_dir)]
    if (_resolved(settings.reports_dir) or settings.reports_dir) != defaults.reports_dir:
        parts += ["--out", str(settings.reports_dir)]
    if gold is None and corpus == defaults.corpus_dir and DEFAULT_GOLD.is_file():
        gold = DEFAULT_GOLD
    quoted = [shlex.quote(p) for p in parts]
    return " ".join([*quoted, "--gold", shlex.quote(str(gold)) if gold else "FILE"])


# ---------------------------------------------------------------- the page


def _setup(snapshot: dict[str, Any], kind: str) -> str:
    parts = []
    if snapshot.get("model"):
        parts.append(f"model {snapshot['model']}")
    if snapshot.get("fusion"):
        parts.append(f"fusion {snapshot['fusion']}")
    if isinstance(snapshot.get("rerank"), bool):
        parts.append(f"rerank {'on' if snapshot['rerank'] else 'off'}")
    if kind != "beir" and _num(snapshot.get("abstain_threshold")) is not None:
        parts.append(f"abstain below {snapshot['abstain_threshold']:g}")
    return "; ".join(parts)


def _view(found: Found, root: Path, settings: Settings | None = None, live_build: str | None = None) -> ReportView:
    data = found.data
    kind = data["kind"]
    m = data["metrics"]
    snapshot = data.get("settings", {})
    if kind == "beir":
        headline = _beir_headline(m)
        n = f"{fmt(_num(m.get('n')))} queries" + (
            f" ({data['split']} split)" if isinstance(data.get("split"), str) else ""
        )
    else:
        headline = _squad_headline(m) if kind == "squad" else _gold_headline(m)
        answerable, total = _num(m.get("answerable")), _num(m.get("n"))
        n = f"{fmt(total)} questions"
        if answerable is not None and total is not None:
            n += f" ({int(answerable)} answerable, {int(total - answerable)} unanswerable)"
    tables = [t for t in [_references(data)] if t]
    tables += [t for key, caption in BREAKDOWNS.get(kind, ()) if (t := _breakdown(data, key, caption))]
    if misses := _misses_table(found.misses):
        tables.append(misses)
    view = ReportView(
        kind=kind,
        name=str(data.get("name") or found.folder.name),
        folder=found.folder,
        source=str(data.get("source", "")),
        created=found.created.strftime("%Y-%m-%d %H:%M:%S %z").strip(),
        corpus_dir=str(snapshot.get("corpus_dir", "")),
        index_dir=str(snapshot.get("index_dir", "")),
        index_build=snapshot.get("index_build") if isinstance(snapshot.get("index_build"), str) else None,
        n=n,
        setup=_setup(snapshot, kind),
        headline=headline,
        tables=tables,
        plots=_plots(found.folder, root),
    )
    if settings is not None:
        view.live_build = live_build
        view.stale, view.freshness = _freshness(view.index_build, snapshot.get("index_dir"), settings, live_build)
        view.settings_changed = _settings_changed(snapshot, settings)
        gold = data.get("source") if kind == "gold" and data.get("source") else None
        view.command = eval_command(settings, gold)
    return view


def _live_build(settings: Settings, manifest: Mapping[str, Any] | None) -> str | None:
    if manifest is None:
        from qa.index import store

        try:
            manifest = store.read_manifest(settings.index_dir)
        except Exception:  # noqa: BLE001 - a broken index only means the build cannot be compared
            manifest = None
    build = manifest.get("build_id") if manifest else None
    return build if isinstance(build, str) else None


def latest_evaluation(settings: Settings, manifest: Mapping[str, Any] | None = None) -> EvaluationPage:
    """What the Evaluation page shows for the corpus of ``settings``.

    ``manifest`` is the live index manifest of that corpus (read from ``settings.index_dir`` when not
    given); its ``build_id`` tells whether the report still describes the index in use.
    """
    root = _resolved(settings.reports_dir) or Path(settings.reports_dir)
    reports, skipped = find_reports(root)
    mine = latest_for_corpus(reports, settings.corpus_dir)
    view = _view(mine, root, settings, _live_build(settings, manifest)) if mine else None
    return EvaluationPage(
        corpus_dir=_resolved(settings.corpus_dir) or settings.corpus_dir,
        reports_dir=root,
        report=view,
        benchmarks=[_view(f, root) for f in latest_benchmarks(reports, settings)],
        command=view.command if view else eval_command(settings),
        skipped=skipped,
    )
