"""Users' verdicts on answers, kept per corpus as gold items that ``qa eval --gold`` reads.

"answered" records the passage the user confirmed as the evidence; "not_this" records that the question
went unanswered by what was shown: a null ``doc``/``evidence`` (the gold format's unanswerable item), with
the rejected passage beside it. The file lives in the corpus's index folder, so it stays with the corpus and
never leaves the machine; each write replaces the whole file atomically (a crash keeps the previous marks).
"""

from __future__ import annotations

import json
import threading
import uuid
from pathlib import Path
from typing import Any

from qa.atomic import atomic_write_bytes

FEEDBACK_FILE = "feedback.jsonl"
VERDICTS = ("answered", "not_this")
_LOCK = threading.Lock()  # one writer at a time in this process: two marks never overwrite each other


def feedback_item(question: str, doc: str, start: int, end: int, evidence: str, verdict: str) -> dict[str, Any]:
    """One gold item in the evaluation format (id, question, doc, evidence), plus the verdict and the passage."""
    if verdict not in VERDICTS:
        raise ValueError(f"verdict must be one of {', '.join(VERDICTS)}")
    answered = verdict == "answered"
    return {
        "id": "fb-" + uuid.uuid4().hex[:12],
        "question": question,
        "doc": doc if answered else None,
        "evidence": evidence if answered else None,
        "verdict": verdict,
        "passage": {"doc": doc, "start": start, "end": end},
    }


def record_feedback(index_dir: Path, item: dict[str, Any]) -> int:
    """Append ``item`` to the corpus's feedback file; returns how many items it now holds."""
    path = Path(index_dir) / FEEDBACK_FILE
    line = json.dumps(item, ensure_ascii=False).encode("utf-8") + b"\n"
    with _LOCK:
        try:
            before = path.read_bytes()
        except FileNotFoundError:
            before = b""
        if before and not before.endswith(b"\n"):
            before += b"\n"
        atomic_write_bytes(path, before + line)
    return sum(1 for row in (before + line).splitlines() if row.strip())
