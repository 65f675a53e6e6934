"""Same answers from two vector stores: the top passages each gives for every gold question, side by side.

Why: a second backend (Milvus) behind the same retriever must not change what users read. With exact
search on both sides the candidates are the same up to float rounding, so the top 5 excerpts should match
for nearly every question; the questions where they differ are listed with both lists.
"""

from __future__ import annotations

from typing import Any

from qa.evaluation.gold import GoldItem, schedule

Span = tuple[str, int, int]


def top_spans(answer: Any, depth: int) -> list[Span]:
    return [(e.passage.doc_id, e.passage.start, e.passage.end) for e in answer.excerpts[:depth]]


def compare_assistants(a: Any, b: Any, items: list[GoldItem], depth: int = 5) -> dict[str, Any]:
    """Ask every item of both assistants (conversations turn by turn, each in its own chat on each side) and
    count the questions whose top ``depth`` excerpts are the same passages in the same order, and as a set."""
    same = same_set = 0
    differ: list[dict[str, Any]] = []
    for session in schedule(items):
        chat_a, chat_b = a.chat(), b.chat()
        for item in session:
            top_a = top_spans(chat_a.ask(item.question, top_k=depth), depth)
            top_b = top_spans(chat_b.ask(item.question, top_k=depth), depth)
            same += top_a == top_b
            same_set += set(top_a) == set(top_b)
            if top_a != top_b:
                differ.append({"id": item.id, "question": item.question, "a": top_a, "b": top_b})
    n = len(items)
    return {
        "questions": n,
        "depth": depth,
        "same_order": same,
        "same_set": same_set,
        "same_order_rate": round(same / n, 4) if n else 0.0,
        "same_set_rate": round(same_set / n, 4) if n else 0.0,
        "differ": differ,
    }
