"""Report folders: ``<out>/<timestamp>-<name>/`` with report.json, summary.md and PNG plots.

``report.json`` holds everything needed to compare two runs later: settings, headline metrics,
breakdowns, curves and one record per question (keyed by ``id``). ``compare`` reads two folders and
says what changed, metric by metric and question by question.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from qa.evaluation.metrics import is_number

REPORT_FILE = "report.json"
SUMMARY_FILE = "summary.md"

# Per-question fields whose change --compare reports, in order.
ITEM_FIELDS = ("rank", "answer_in_top", "answer_quoted", "abstained", "ndcg@10", "recall@100")


def new_report_dir(out: Path, name: str) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in name).strip("-") or "run"
    base = Path(out) / f"{stamp}-{safe}"
    folder, n = base, 2
    while folder.exists():
        folder = base.with_name(f"{base.name}-{n}")
        n += 1
    folder.mkdir(parents=True)
    return folder


def fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def table(header: list[str], rows: list[list[Any]]) -> str:
    """A plain text table with aligned columns (also valid Markdown)."""
    cells = [[str(h) for h in header]] + [[fmt(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(cells[0], widths)) + " |"]
    lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in cells[1:]:
        lines.append("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |")
    return "\n".join(lines)


# ---------------------------------------------------------------- plots


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_hit_curve(curve: dict[Any, float | None], path: Path, title: str, ylabel: str = "hit@k") -> Path:
    plt = _pyplot()
    ks = [int(k) for k in curve]
    vals = [curve[k] if curve[k] is not None else 0.0 for k in curve]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(ks, vals, marker="o")
    ax.set_xlabel("k")
    ax.set_ylabel(ylabel)
    ax.set_ylim(0, 1.02)
    ax.set_xticks(ks)
    ax.grid(alpha=0.3)
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def plot_confidence(
    answerable: list[float], unanswerable: list[float], threshold: float, path: Path, title: str
) -> Path:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    bins = [i / 20 for i in range(21)]
    if answerable:
        ax.hist(answerable, bins=bins, alpha=0.6, label=f"answerable ({len(answerable)})")
    if unanswerable:
        ax.hist(unanswerable, bins=bins, alpha=0.6, label=f"unanswerable ({len(unanswerable)})")
    ax.axvline(threshold, color="black", linestyle="--", label=f"threshold {threshold:g}")
    ax.set_xlabel("confidence")
    ax.set_ylabel("questions")
    ax.legend()
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def plot_latency(latencies: list[float], path: Path, title: str) -> Path:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.hist(latencies, bins=30)
    ax.set_xlabel("latency per question (ms)")
    ax.set_ylabel("questions")
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def plot_threshold_curve(curve: list[dict[str, Any]], path: Path, title: str) -> Path:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    xs = [c["threshold"] for c in curve]
    for key in ("right_behaviour", "abstain_recall", "abstain_precision", "false_abstain"):
        ys = [c[key] if c[key] is not None else float("nan") for c in curve]
        ax.plot(xs, ys, label=key)
    ax.set_xlabel("abstain threshold")
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def standard_plots(
    folder: Path,
    records: list[dict[str, Any]],
    curves: dict[str, Any],
    threshold: float | None,
    label: str,
    hit_label: str = "hit@k",
) -> list[str]:
    """The plots every run gets that applies to it; returns the file names written."""
    written = []
    if curves.get("hit_at_k"):
        plot_hit_curve(curves["hit_at_k"], folder / "hit_at_k.png", f"{label}: {hit_label}", hit_label)
        written.append("hit_at_k.png")
    if threshold is not None and any("confidence" in r for r in records):
        ans = [r["confidence"] for r in records if r.get("answerable")]
        unans = [r["confidence"] for r in records if not r.get("answerable")]
        plot_confidence(ans, unans, threshold, folder / "confidence.png", f"{label}: confidence")
        written.append("confidence.png")
    if curves.get("threshold"):
        plot_threshold_curve(curves["threshold"], folder / "abstention_curve.png", f"{label}: abstention")
        written.append("abstention_curve.png")
    lat = [r["latency_ms"] for r in records if r.get("latency_ms") is not None]
    if lat:
        plot_latency(lat, folder / "latency.png", f"{label}: latency")
        written.append("latency.png")
    return written


# ---------------------------------------------------------------- writing


def write_report(folder: Path, report: dict[str, Any], summary_md: str) -> None:
    (folder / REPORT_FILE).write_text(json.dumps(report, indent=1, ensure_ascii=False, default=_jsonable), "utf-8")
    (folder / SUMMARY_FILE).write_text(summary_md, encoding="utf-8")


def _jsonable(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


# ---------------------------------------------------------------- comparing two runs


def load_report(path: Path) -> dict[str, Any]:
    path = Path(path)
    file = path / REPORT_FILE if path.is_dir() else path
    if not file.is_file():
        raise FileNotFoundError(f"no {REPORT_FILE} in {path}")
    return json.loads(file.read_text(encoding="utf-8"))


def _worse(field: str, before: Any, after: Any) -> bool | None:
    """True when the change is for the worse, False for the better, None when it cannot be told."""
    if field == "rank":
        b = before if before is not None else 10**9
        a = after if after is not None else 10**9
        return None if a == b else a > b
    if field in ("answer_in_top", "answer_quoted", "ndcg@10", "recall@100"):
        if before == after or before is None or after is None:
            return None
        return after < before
    return None


def compare(a_path: Path, b_path: Path) -> dict[str, Any]:
    """What changed from report A to report B: metric deltas and the questions whose outcome moved."""
    a, b = load_report(a_path), load_report(b_path)
    metrics_a, metrics_b = a.get("metrics", {}), b.get("metrics", {})
    deltas = {}
    for key in metrics_a:
        va, vb = metrics_a.get(key), metrics_b.get(key)
        if is_number(va) and is_number(vb) and va != vb:
            deltas[key] = {"a": va, "b": vb, "delta": vb - va}
    items_a = {r["id"]: r for r in a.get("items", [])}
    items_b = {r["id"]: r for r in b.get("items", [])}
    changed = []
    better = worse = 0
    for qid in [q for q in items_a if q in items_b]:
        ra, rb = items_a[qid], items_b[qid]
        diffs = {}
        verdicts = []
        for field in ITEM_FIELDS:
            if field in ra or field in rb:
                va, vb = ra.get(field), rb.get(field)
                if va != vb and not (is_number(va) and is_number(vb) and abs(va - vb) < 1e-9):
                    diffs[field] = [va, vb]
                    verdicts.append(_worse(field, va, vb))
        if field_abstain := diffs.get("abstained"):
            verdicts.append(bool(field_abstain[1]) == bool(ra.get("answerable")))  # abstaining wrongly is worse
        if diffs:
            verdict = (
                "worse"
                if True in verdicts and False not in verdicts
                else ("better" if False in verdicts and True not in verdicts else "mixed")
            )
            better += verdict == "better"
            worse += verdict == "worse"
            changed.append(
                {
                    "id": qid,
                    "question": rb.get("question") or ra.get("question", ""),
                    "changes": diffs,
                    "verdict": verdict,
                    "confidence": [ra.get("confidence"), rb.get("confidence")],
                }
            )
    return {
        "a": str(a_path),
        "b": str(b_path),
        "a_name": a.get("name"),
        "b_name": b.get("name"),
        "settings_changed": {
            k: [a.get("settings", {}).get(k), b.get("settings", {}).get(k)]
            for k in sorted(set(a.get("settings", {})) | set(b.get("settings", {})))
            if a.get("settings", {}).get(k) != b.get("settings", {}).get(k)
        },
        "metric_deltas": deltas,
        "only_in_a": sorted(set(items_a) - set(items_b)),
        "only_in_b": sorted(set(items_b) - set(items_a)),
        "questions_changed": changed,
        "better": better,
        "worse": worse,
    }


def format_compare(diff: dict[str, Any], limit: int = 200) -> str:
    lines = [f"A: {diff['a']}", f"B: {diff['b']}", ""]
    if diff["settings_changed"]:
        lines.append("settings changed:")
        lines += [f"  {k}: {fmt(v[0])} -> {fmt(v[1])}" for k, v in diff["settings_changed"].items()]
        lines.append("")
    if diff["metric_deltas"]:
        rows = [[k, v["a"], v["b"], f"{v['delta']:+.3f}"] for k, v in diff["metric_deltas"].items()]
        lines += [table(["metric", "A", "B", "B - A"], rows), ""]
    else:
        lines += ["no headline metric changed", ""]
    changed = diff["questions_changed"]
    lines.append(
        f"{len(changed)} question(s) changed: {diff['better']} better, {diff['worse']} worse, "
        f"{len(changed) - diff['better'] - diff['worse']} mixed"
    )
    for c in changed[:limit]:
        parts = "; ".join(f"{k} {fmt(v[0])} -> {fmt(v[1])}" for k, v in c["changes"].items())
        lines.append(f"  [{c['verdict']}] {c['id']}: {parts}  ({c['question'][:70]})")
    if len(changed) > limit:
        lines.append(f"  … {len(changed) - limit} more in --json output")
    for key in ("only_in_a", "only_in_b"):
        if diff[key]:
            lines.append(f"{key.replace('_', ' ')}: {len(diff[key])} question(s), e.g. {', '.join(diff[key][:5])}")
    return "\n".join(lines)
