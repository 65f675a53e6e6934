"""Gold rows shared by the evaluation tests: a real question, a conversation and an unanswerable one."""

from __future__ import annotations

import json
from pathlib import Path

DOC = "001_5f14862b3cd51082.txt"


def gold_rows() -> list[dict]:
    return [
        {
            "id": "t1",
            "question": "How were the participants seated at the workshop?",
            "doc": DOC,
            "evidence": "The participants were seated cafe style around four tables to facilitate discussion.",
            "answer": "cafe style around four tables",
            "kind": "factoid",
            "split": "dev",
            "conversation": None,
            "turn": None,
        },
        {
            "id": "t2",
            "question": "When was the Migration DRC's workshop on migration and development held?",
            "doc": DOC,
            "evidence": "7 November 2006\n76 Portland Place, London",
            "answer": "7 November 2006",
            "kind": "factoid",
            "split": "dev",
            "conversation": "c1",
            "turn": 1,
        },
        {
            "id": "t3",
            "question": "Where was it held?",
            "doc": DOC,
            "evidence": "7 November 2006\n76 Portland Place, London",
            "answer": "76 Portland Place, London",
            "kind": "followup",
            "split": "dev",
            "conversation": "c1",
            "turn": 2,
        },
        {
            "id": "t4",
            "question": "What is the boiling point of liquid nitrogen in kelvin?",
            "doc": None,
            "evidence": None,
            "answer": None,
            "kind": "unanswerable",
            "split": "holdout",
            "conversation": None,
            "turn": None,
        },
    ]


def write_gold(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path
