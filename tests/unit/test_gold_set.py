"""Sanity checks for the gold evaluation sets under eval/gold/ (no model needed)."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from functools import cache
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOLD_DIR = ROOT / "eval" / "gold"
CORPUS_DIR = ROOT / "corpus"

REQUIRED_KEYS = ("id", "question", "doc", "evidence", "answer", "kind", "split", "conversation", "turn")
KINDS = {"factoid", "definition", "list", "why_how", "paraphrase", "unanswerable", "followup", "number_after_leadin"}
SPLITS = {"dev", "holdout", "tune", "test"}  # hard.jsonl splits by document: tune / test

# The gold sets of the shipped corpus; those of the real manuals (over eval/corpora/) are checked by
# tests/integration/test_manual_gold.py (the handbook too) and tests/integration/test_pdf_test_sets.py (the
# Developer's Reference and LilyPond Usage).
MANUAL_GOLD = {
    "debian-reference.jsonl",
    "git-guides.jsonl",
    "gle-manual.jsonl",
    "developers-reference.jsonl",
    "lilypond-usage.jsonl",
    "debian-handbook.jsonl",
    "gnuplot-manual.jsonl",  # these two: tests/integration/test_blind_sets.py
    "sphinx-usage.jsonl",
}
GOLD_FILES = sorted(p for p in GOLD_DIR.glob("*.jsonl") if p.name not in MANUAL_GOLD)


def load_rows(path: Path) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            pytest.fail(f"{path.name}:{lineno}: invalid JSON: {exc}")
        assert isinstance(row, dict), f"{path.name}:{lineno}: line is not a JSON object"
        rows.append(row)
    return rows


@cache
def doc_text(name: str) -> str:
    return (CORPUS_DIR / name).read_text(encoding="utf-8")


def test_gold_files_exist() -> None:
    assert GOLD_FILES, f"no .jsonl files under {GOLD_DIR}"
    assert (GOLD_DIR / "default.jsonl").is_file(), "eval/gold/default.jsonl is missing"


@pytest.mark.parametrize("path", GOLD_FILES, ids=lambda p: p.name)
def test_rows_are_well_formed(path: Path) -> None:
    rows = load_rows(path)
    assert rows, f"{path.name} is empty"
    seen: set[str] = set()
    for row in rows:
        qid = row.get("id", "<missing id>")
        missing = [k for k in REQUIRED_KEYS if k not in row]
        assert not missing, f"{path.name} {qid}: missing keys {missing}"
        assert isinstance(qid, str) and qid, f"{path.name}: bad id {qid!r}"
        assert qid not in seen, f"{path.name} {qid}: duplicate id"
        seen.add(qid)
        assert isinstance(row["question"], str) and row["question"].strip(), f"{qid}: empty question"
        assert row["kind"] in KINDS, f"{path.name} {qid}: unknown kind {row['kind']!r}"
        assert row["split"] in SPLITS, f"{path.name} {qid}: unknown split {row['split']!r}"
        alts = row.get("evidence_alt") or []
        assert isinstance(alts, list), f"{path.name} {qid}: evidence_alt must be a list"

        doc = row["doc"]
        if doc is None:
            assert row["evidence"] is None, f"{path.name} {qid}: doc is null but evidence is not"
            assert row["answer"] is None, f"{path.name} {qid}: doc is null but answer is not"
            assert not alts, f"{path.name} {qid}: doc is null but evidence_alt is not empty"
            continue

        assert (CORPUS_DIR / doc).is_file(), f"{path.name} {qid}: doc {doc!r} not found in corpus/"
        text = doc_text(doc)
        evidence = row["evidence"]
        assert isinstance(evidence, str) and evidence, f"{path.name} {qid}: evidence missing"
        assert evidence in text, f"{path.name} {qid}: evidence is not an exact substring of {doc}"
        answer = row["answer"]
        if answer is not None:
            assert isinstance(answer, str) and answer, f"{path.name} {qid}: answer must be a non-empty string"
            assert answer in evidence, f"{path.name} {qid}: answer {answer!r} is not a substring of evidence"
        for i, alt in enumerate(alts):
            assert isinstance(alt, str) and alt, f"{path.name} {qid}: evidence_alt[{i}] is empty"
            assert alt in text, f"{path.name} {qid}: evidence_alt[{i}] is not an exact substring of {doc}"


@pytest.mark.parametrize("path", GOLD_FILES, ids=lambda p: p.name)
def test_conversation_turns(path: Path) -> None:
    turns: dict[str, list[tuple[int, str]]] = defaultdict(list)
    splits: dict[str, set[str]] = defaultdict(set)
    for row in load_rows(path):
        qid = row["id"]
        conv, turn = row["conversation"], row["turn"]
        if conv is None:
            assert turn is None, f"{path.name} {qid}: turn set without a conversation"
            continue
        assert isinstance(turn, int) and not isinstance(turn, bool), f"{path.name} {qid}: turn must be an int"
        turns[conv].append((turn, qid))
        splits[conv].add(row["split"])
        if turn > 1:
            assert row["kind"] == "followup", f"{path.name} {qid}: later turns must have kind 'followup'"
    for conv, items in turns.items():
        numbers = sorted(t for t, _ in items)
        ids = ", ".join(q for _, q in sorted(items))
        assert numbers == list(range(1, len(numbers) + 1)), (
            f"{path.name} conversation {conv} ({ids}): turns {numbers} are not 1..n"
        )
        assert len(splits[conv]) == 1, f"{path.name} conversation {conv} ({ids}): turns span splits"


def test_default_set_counts() -> None:
    rows = load_rows(GOLD_DIR / "default.jsonl")
    kinds = Counter(row["kind"] for row in rows)
    conv_sizes = Counter(row["conversation"] for row in rows if row["conversation"] is not None)
    multi_turn = [c for c, n in conv_sizes.items() if n >= 2]
    assert len(rows) >= 90, f"default.jsonl has {len(rows)} questions, expected >= 90"
    assert kinds["paraphrase"] >= 25, f"default.jsonl has {kinds['paraphrase']} paraphrases, expected >= 25"
    assert kinds["unanswerable"] >= 15, (
        f"default.jsonl has {kinds['unanswerable']} unanswerable questions, expected >= 15"
    )
    assert len(multi_turn) >= 8, f"default.jsonl has {len(multi_turn)} multi-turn conversations, need >= 8"
