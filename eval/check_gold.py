"""Check a gold file without any model: evidence found verbatim, and how much each question shares with it.

A paraphrase only tests paraphrase recall if the question does not repeat its evidence's words, so this
script measures that overlap the crude way a reviewer would: lower-case word tokens, English stopwords
removed, a crude stem (a few suffixes cut, then the first five letters). The prefix stem is deliberately
generous in calling words "the same" ("migrant" = "migration", "remit" = "remittances"), so an item it calls
low-overlap really does use other words. Follow-up turns ("And why?") are never counted as low-overlap:
they are short by nature, and counting them would inflate the share.

Usage: python eval/check_gold.py [eval/gold/hard.jsonl] [--corpus corpus] [--min-low 0.40] [--list]
Exit status 1 when an evidence is not an exact substring of its document or the low-overlap share is
below --min-low.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

LOW_OVERLAP_MAX = 1  # at most this many shared content words makes a question low-overlap

# A plain English stopword list plus the question words and auxiliaries every question carries.
STOPWORDS = frozenset(
    """a about above after again against all also am an and any are aren't as at be because been before being
    below between both but by can could did do does doing down during each else etc even ever every few first for
    from further get gets got had has have having he her here hers herself him himself his how however i if in into
    is it its itself just least less let like made make many may me might more most much must my myself never no
    nor not now of off often on once one only or other others ought our ours ourselves out over own per quite
    rather really said same say says see seen shall she should since so some still such than that the their theirs
    them themselves then there these they this those though through thus to too under until up upon us use used
    very via was we were what whatever when where whether which while who whom whose why will with within without
    would yet you your yours yourself yourselves according another back does e g i.e eg ie one's s t
    """.split()
)
_SUFFIXES = ("ations", "ation", "ings", "ing", "ies", "ied", "ed", "es", "s", "ly")
_TOKEN = re.compile(r"[a-z0-9]+")


def stem(word: str) -> str:
    """Crude stem: cut one common suffix (keeping at least three letters), then keep five letters."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    return word[:5]


def content_stems(text: str) -> set[str]:
    """The stems of the content words of ``text`` (stopwords and one-letter tokens dropped)."""
    words = _TOKEN.findall(text.lower().replace("’", "'"))
    return {stem(w) for w in words if w not in STOPWORDS and len(w) > 1}


def overlap(question: str, evidence: str) -> int:
    """How many content-word stems the question shares with its evidence."""
    return len(content_stems(question) & content_stems(evidence))


def is_low_overlap(row: dict[str, Any]) -> bool:
    """An answerable first-turn question sharing at most LOW_OVERLAP_MAX content words with its evidence."""
    if not row.get("evidence") or (row.get("turn") or 1) > 1:
        return False
    return overlap(row["question"], row["evidence"]) <= LOW_OVERLAP_MAX


def load_rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def low_overlap_share(rows: list[dict[str, Any]]) -> float:
    """Low-overlap items over all items (unanswerables and follow-ups count in the denominator)."""
    return sum(is_low_overlap(r) for r in rows) / len(rows) if rows else 0.0


def evidence_problems(rows: list[dict[str, Any]], corpus: Path) -> list[str]:
    """Every evidence, evidence_alt and answer that is not found where it must be."""
    texts: dict[str, str] = {}
    problems = []
    for row in rows:
        doc = row.get("doc")
        if doc is None:
            continue
        if doc not in texts:
            texts[doc] = (corpus / doc).read_text(encoding="utf-8")
        for i, ev in enumerate([row.get("evidence"), *(row.get("evidence_alt") or [])]):
            if not ev or ev not in texts[doc]:
                problems.append(f"{row['id']}: evidence{'' if i == 0 else f'_alt[{i - 1}]'} not in {doc}: {ev!r:.70}")
        if row.get("answer") and row["answer"] not in (row.get("evidence") or ""):
            problems.append(f"{row['id']}: answer {row['answer']!r} not in its evidence")
    return problems


def report(rows: list[dict[str, Any]]) -> str:
    """Counts per kind and split, conversations, and the low-overlap share overall and per split."""
    lines = [f"items: {len(rows)}"]
    for split in sorted({r["split"] for r in rows}):
        part = [r for r in rows if r["split"] == split]
        kinds = Counter(r["kind"] for r in part)
        convs = {r["conversation"] for r in part if r.get("conversation")}
        docs = sorted({r["doc"] for r in part if r.get("doc")})
        lines.append(
            f"split {split}: {len(part)} items, {len(convs)} conversations, docs {docs}, "
            f"low-overlap {low_overlap_share(part):.3f}; " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items()))
        )
    kinds = Counter(r["kind"] for r in rows)
    lines.append("kinds: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())))
    unans = sum(1 for r in rows if r.get("doc") is None)
    lines.append(f"unanswerable: {unans} ({unans / len(rows):.1%})")
    low = sum(is_low_overlap(r) for r in rows)
    lines.append(f"low-overlap (<= {LOW_OVERLAP_MAX} shared content word, first turns): {low} = {low / len(rows):.1%}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("gold", nargs="?", default="eval/gold/hard.jsonl")
    parser.add_argument("--corpus", default="corpus")
    parser.add_argument("--min-low", type=float, default=0.40, help="fail below this low-overlap share")
    parser.add_argument("--list", action="store_true", help="print every item's overlap and shared words")
    args = parser.parse_args(argv)
    rows = load_rows(Path(args.gold))
    if args.list:
        for r in rows:
            if r.get("evidence"):
                shared = sorted(content_stems(r["question"]) & content_stems(r["evidence"]))
                print(f"{r['id']:>6} {r['kind']:<20} {len(shared)} {shared} {r['question']}")
    print(report(rows))
    problems = evidence_problems(rows, Path(args.corpus))
    for p in problems:
        print("PROBLEM", p)
    share = low_overlap_share(rows)
    ok = not problems and share >= args.min_low
    print(
        f"evidence exact: {'all' if not problems else f'{len(problems)} problem(s)'}; "
        f"low-overlap share {share:.3f} (need >= {args.min_low:.2f}): {'PASS' if ok else 'FAIL'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
