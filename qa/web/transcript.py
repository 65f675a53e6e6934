"""A conversation as Markdown: each question, the answer text, and its citations (title — section, doc,
character range), so a saved chat can be checked against the documents later."""

from __future__ import annotations

import time
from collections.abc import Sequence

from qa.answer.compose import answer_text, citation_label
from qa.types import Answer


def _one_line(text: str) -> str:
    return " ".join(text.split())


def answer_markdown(number: int, answer: Answer) -> str:
    """One question and its answer; excerpts added later ("show more") are cited as well."""
    lines = [f"## {number}. {_one_line(answer.question) or '(empty question)'}", ""]
    if answer.message:
        lines += [answer.message, ""]
        return "\n".join(lines)
    reply = answer_text(answer.excerpts, answer.abstained).split("\n\nSources:\n", 1)[0]
    lines += [reply, ""]
    verdict = "not found, below the threshold" if answer.abstained else "answered"
    lines += [f"*Confidence {round(answer.confidence * 100)}% ({verdict}).*", ""]
    if answer.excerpts:
        lines += ["Citations:", ""]
        for e in answer.excerpts:
            p = e.passage
            lines.append(f"{e.rank}. {_one_line(citation_label(p))} — `{p.doc_id}`, characters {p.start:,}–{p.end:,}")
        lines.append("")
    return "\n".join(lines)


def transcript_markdown(answers: Sequence[Answer], corpus: str = "", when: float | None = None) -> str:
    """The whole conversation, oldest question first."""
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(time.time() if when is None else when))
    head = ["# Conversation with the documents", ""]
    head.append(f"Corpus `{corpus}`, saved {stamp}." if corpus else f"Saved {stamp}.")
    head += ["Answers are excerpts from the documents; [n] refers to the numbered citations.", ""]
    if not answers:
        head += ["(No questions yet.)", ""]
    body = [answer_markdown(i, a) for i, a in enumerate(answers, start=1)]
    return "\n".join(head + body).rstrip() + "\n"
