"""Per-split figures of a `qa eval --gold` report: the held-out table the README quotes.

    python eval/split_table.py eval/reports/<run>/report.json [--index-dir DIR] [--gold FILE]

Why a separate script: the report's own breakdown lists one metric per group; the issue's targets need
hit@k, highlights, abstention P/R/F1, false abstentions, follow-ups, calibration (ECE, beside the ECE a perfectly
calibrated confidence would show on that many questions by chance) and, for PDFs, the cited page, split by
split, and how much the answers show (the top excerpt's median length, its mean highlighted sentences). With
--index-dir and --gold, a PDF answer's cited page is checked against the gold item's `page`.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

import numpy as np

from qa.evaluation import metrics


def pages_of(index_dir: Path) -> dict[tuple[str, int, int], tuple[int, int]]:
    """(doc, start, end) -> (page_start, page_end) from the live build's passage table."""
    manifest = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))
    build = index_dir / "builds" / manifest.get("build_id", "")
    table = build / "passages.jsonl" if (build / "passages.jsonl").exists() else index_dir / "passages.jsonl"
    out = {}
    for line in filter(None, table.read_text(encoding="utf-8").split("\n")):
        p = json.loads(line)
        if p.get("page_start") is not None:
            out[(p["doc"] if "doc" in p else p["doc_id"], p["start"], p["end"])] = (p["page_start"], p["page_end"])
    return out


def excerpt_pages(pages: dict, doc: str, start: int, end: int) -> tuple[int, int] | None:
    """The pages of an excerpt: of its passage, or of the passages it joins (two neighbours shown as one)."""
    inside = [span for (d, a, b), span in pages.items() if d == doc and start <= a and b <= end]
    return (min(s[0] for s in inside), max(s[1] for s in inside)) if inside else None


def figures(items: list[dict], gold_pages: dict[str, int], pages: dict) -> dict[str, float | int | str]:
    answerable = [i for i in items if i["answerable"]]
    first = [i for i in answerable if i["turn"] == "first"]
    follow = [i for i in answerable if i["turn"] != "first"]
    hit = lambda xs, k: sum(1 for i in xs if i["rank"] and i["rank"] <= k) / len(xs) if xs else float("nan")  # noqa: E731
    abstention = metrics.abstention_scores([i["abstained"] for i in items], [not i["answerable"] for i in items])
    confidence = np.array([i["confidence"] for i in items])
    right = np.array([float(i["answerable"] and i["rank"] == 1) for i in items])
    out: dict[str, float | int | str] = {
        "n": len(items),
        "hit@1": hit(first, 1),
        "hit@5": hit(first, 5),
        "quoted": sum(1 for i in answerable if i["answer_quoted"]) / len(answerable) if answerable else float("nan"),
        **{k: v if v is not None else float("nan") for k, v in metrics.shown_sizes(answerable).items()},
        "abst_P": abstention["abstain_precision"],
        "abst_R": abstention["abstain_recall"],
        "abst_F1": abstention["abstain_f1"],
        "false_abst": abstention["false_abstain"],
        "followup_hit@5": hit(follow, 5),
        "ECE": metrics.expected_calibration_error(confidence, right) if items else float("nan"),
        # what a calibrated confidence would show on this split by chance: median, 95th percentile
        "ECE_if_calibrated": "{:.3f} / {:.3f}".format(*metrics.calibrated_ece(confidence)) if items else "",
    }
    paged = [i for i in answerable if i["id"] in gold_pages and i["rank"] == 1 and i.get("top")]
    if paged and pages:
        ok = 0
        for i in paged:
            t = i["top"][0]
            span = excerpt_pages(pages, t["doc"], t["start"], t["end"])
            ok += bool(span and span[0] <= gold_pages[i["id"]] <= span[1])
        out["page_right"] = ok / len(paged)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("report", type=Path)
    ap.add_argument("--index-dir", type=Path)
    ap.add_argument("--gold", type=Path)
    args = ap.parse_args()
    report = json.loads(args.report.read_text(encoding="utf-8"))
    gold_pages = {}
    if args.gold:
        for line in args.gold.read_text(encoding="utf-8").splitlines():
            row = json.loads(line) if line.strip() else {}
            if row.get("page"):
                gold_pages[row["id"]] = row["page"]
    pages = pages_of(args.index_dir) if args.index_dir else {}
    by_split: dict[str, list[dict]] = defaultdict(list)
    for item in report["items"]:
        by_split[item["split"]].append(item)
    rows = {name: figures(items, gold_pages, pages) for name, items in sorted(by_split.items())}
    rows["all"] = figures(report["items"], gold_pages, pages)
    keys = list(next(iter(rows.values())).keys())
    print("| split | " + " | ".join(keys) + " |")
    print("|---" * (len(keys) + 1) + "|")
    for name, row in rows.items():
        cells = [f"{row.get(k):.3f}" if isinstance(row.get(k), float) else str(row.get(k, "")) for k in keys]
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
