"""A conversation as Markdown: each question, the answer text, and its citations (title — section, doc,
character range), so a saved chat can be checked against the documents later. A quoted sentence that
introduces code or a table is followed by it, as a fenced code block or a pipe table."""

from __future__ import annotations

import re
import time
from collections.abc import Sequence

from qa.answer.compose import also_in_label, answer_text, citation_label
from qa.types import Answer, Excerpt, Shaped
from qa.web.shaped import Source, block_markdown, introduced

_QUOTE = re.compile(r"^“(?P<sentence>.*)” \[(?P<rank>\d+)\]$", re.S)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def answer_markdown(number: int, answer: Answer) -> str:
    """One question and its answer; excerpts added later ("show more") are cited as well."""
    lines = [f"## {number}. {_one_line(answer.question) or '(empty question)'}", ""]
    if answer.message:
        lines += [answer.message, ""]
        return "\n".join(lines)
    reply = answer_text(answer.excerpts, answer.abstained).split("\n\nSources:\n", 1)[0]
    lines += [with_blocks(reply, answer.excerpts), ""]
    verdict = "not found, below the threshold" if answer.abstained else "answered"
    lines += [f"*Confidence {round(answer.confidence * 100)}% ({verdict}).*", ""]
    if answer.excerpts:
        lines += ["Citations:", ""]
        for e in answer.excerpts:
            p = e.passage
            also = f" ({also_in_label(e)})" if e.also_in else ""
            lines.append(
                f"{e.rank}. {_one_line(citation_label(p))} — `{p.doc_id}`, characters {p.start:,}–{p.end:,}{also}"
            )
        lines.append("")
    return "\n".join(lines)


def _quoted_block(line: str, excerpts: list[Excerpt]) -> tuple[Excerpt, tuple[int, int], Shaped] | None:
    """The code or table that a reply line's quoted sentence introduces (or lies in), with its excerpt and
    the sentence's span."""
    match = _QUOTE.match(line)
    e = next((x for x in excerpts if x.rank == int(match["rank"])), None) if match else None
    if match is None or e is None or not e.passage.blocks:
        return None
    src = Source(e.passage.text, e.passage.start)
    span = next((h for h in e.highlights if src(*h).strip() == match["sentence"]), None)
    block = introduced(src, span, e.passage.blocks) if span is not None else None
    return (e, span, block) if span is not None and block is not None else None


def with_blocks(reply: str, excerpts: list[Excerpt]) -> str:
    """The reply's quoted lines, each followed by the code or table it introduces. A block is shown once:
    its own quoted lines (the highlighted lines of a command) are in it, so they are not repeated."""
    out: list[str] = []
    shown: set[tuple[int, int]] = set()
    for line in reply.split("\n"):
        found = _quoted_block(line, excerpts)
        if found is None:
            out.append(line)
            continue
        e, span, block = found
        if (e.rank, block.start) in shown:
            continue
        shown.add((e.rank, block.start))
        lead = f"From [{e.rank}]:" if span[0] >= block.start else line  # a line of the block itself
        out += [lead, "", block_markdown(Source(e.passage.text, e.passage.start), block), ""]
    return "\n".join(out).strip("\n")


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
