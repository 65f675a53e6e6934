"""Follow-up turns of a `qa eval --gold` report, split by split: hit@1, hit@5 and answer_quoted.

    python eval/followup_table.py eval/reports/<run>/report.json [--items]

Why: split_table.py gives follow-ups one column (hit@5); issue 19 item 5 (follow-ups that move on) is judged on
whether the top excerpt is right and quotes the evidence, which that column cannot show.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("report", type=Path)
    ap.add_argument("--items", action="store_true", help="list each follow-up with its rank and query")
    args = ap.parse_args()
    items = json.loads(args.report.read_text(encoding="utf-8"))["items"]
    by_split: dict[str, list[dict]] = defaultdict(list)
    for item in items:
        if item["answerable"] and item["turn"] != "first":
            by_split[item["split"]].append(item)
    print("| split | n | followup hit@1 | followup hit@5 | followup quoted |")
    print("|---|---|---|---|---|")
    for split, rows in sorted(by_split.items()):
        n = len(rows)
        hit1 = sum(1 for i in rows if i["rank"] == 1) / n
        hit5 = sum(1 for i in rows if i["rank"] and i["rank"] <= 5) / n
        quoted = sum(1 for i in rows if i["answer_quoted"]) / n
        print(f"| {split} | {n} | {hit1:.3f} | {hit5:.3f} | {quoted:.3f} |")
    if args.items:
        for split, rows in sorted(by_split.items()):
            for i in rows:
                quoted = int(i["answer_quoted"])
                print(f"{split} {i['id']} rank {i['rank']} quoted {quoted}: {i['question']} | {i['query']}")


if __name__ == "__main__":
    main()
