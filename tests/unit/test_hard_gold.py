"""The harder gold set (eval/gold/hard.jsonl) stays usable and honest: no model needed.

It is the set nothing is tuned on first: split by document (tune = 001 and 003, test = 002 and 004),
with mostly low-overlap paraphrases, so these checks guard the properties the figures measured on it rely on.
"""

from __future__ import annotations

import importlib.util
from collections import defaultdict
from types import ModuleType

import pytest

from qa.evaluation.gold import GoldItem, load_gold
from qa.settings import PROJECT_ROOT, Settings

HARD = PROJECT_ROOT / "eval" / "gold" / "hard.jsonl"


def _check_gold() -> ModuleType:
    """eval/check_gold.py is a script, not a package module: load it from its path."""
    spec = importlib.util.spec_from_file_location("check_gold", PROJECT_ROOT / "eval" / "check_gold.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def items() -> list[GoldItem]:
    return load_gold(HARD, Settings())  # raises GoldError listing every bad line


def _row(item: GoldItem) -> dict[str, object]:
    return {"question": item.question, "evidence": item.evidence, "turn": item.turn}


def test_size_and_kinds(items: list[GoldItem]) -> None:
    assert len(items) >= 170, f"hard.jsonl has {len(items)} items, expected >= 170"
    kinds = {it.kind for it in items}
    expected = {"paraphrase", "factoid", "list", "why_how", "followup", "unanswerable", "number_after_leadin"}
    assert expected <= kinds, f"kinds missing: {sorted(expected - kinds)}"
    unanswerable = sum(not it.answerable for it in items) / len(items)
    assert 0.15 <= unanswerable <= 0.30, f"unanswerable share {unanswerable:.2f}, expected about 20%"


def test_low_overlap_share(items: list[GoldItem]) -> None:
    check = _check_gold()
    share = check.low_overlap_share([_row(it) for it in items])
    assert share >= 0.40, f"only {share:.1%} of items are low-overlap paraphrases, expected >= 40%"


def test_overlap_measure_tells_paraphrase_from_echo() -> None:
    check = _check_gold()
    evidence = "Remittances have been a steady and growing resource, and globally constitute almost twice "
    evidence += "development aid today."
    assert check.overlap("How does money sent home by workers abroad compare with aid?", evidence) <= 1
    assert check.overlap("How big are remittances compared with development aid?", evidence) >= 3


def test_splits_are_by_document(items: list[GoldItem]) -> None:
    docs_by_split: dict[str, set[str]] = defaultdict(set)
    for it in items:
        if it.doc is not None:
            docs_by_split[it.split].add(it.doc)
    assert set(docs_by_split) == {"tune", "test"}, f"splits: {sorted(docs_by_split)}"
    shared = docs_by_split["tune"] & docs_by_split["test"]
    assert not shared, f"documents in both splits: {sorted(shared)}"
    assert {it.split for it in items} == {"tune", "test"}, "an unanswerable item has another split"


def test_conversations_stay_in_one_split(items: list[GoldItem]) -> None:
    splits: dict[str, set[str]] = defaultdict(set)
    for it in items:
        if it.conversation is not None:
            splits[it.conversation].add(it.split)
    assert len(splits) >= 15, f"{len(splits)} conversations, expected >= 15"
    mixed = {c: s for c, s in splits.items() if len(s) > 1}
    assert not mixed, f"conversations spanning splits: {mixed}"
    followups = [it for it in items if it.turn is not None and it.turn > 1]
    assert all(it.kind == "followup" for it in followups), "a later turn is not of kind 'followup'"
