"""The one SQuAD 2.0 split by article that everything fitted on SQuAD uses: ``eval/squad_split.json``
names 10 tuning articles (fitted on) and 6 held-out ones (only ever measured). Split by article, not by
question: questions about one paragraph share its words, so a question-level split leaks."""

from __future__ import annotations

import json
from pathlib import Path

from qa.settings import PROJECT_ROOT

SPLIT_FILE = PROJECT_ROOT / "eval" / "squad_split.json"


def article_split(path: Path = SPLIT_FILE) -> tuple[frozenset[str], frozenset[str]]:
    """(tuning article titles, held-out article titles)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    tuning, heldout = frozenset(data["tuning"]), frozenset(data["heldout"])
    if tuning & heldout:
        raise ValueError(f"{path}: articles in both splits: {sorted(tuning & heldout)}")
    return tuning, heldout
