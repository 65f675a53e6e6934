"""Related questions for one-click follow-ups, drawn from the sections around an answer's citations.

Deterministic and retrieval-only: each suggestion names a section heading of a cited passage (or of the
section that follows the top one in its document) and asks what the documents say about it. Topics the
question already covers are left out, so a suggestion always leads somewhere new.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

from qa.search.conversation import content_words
from qa.types import Answer, Passage

_SMALL_WORDS = frozenset("a an and as at but by for from in into nor of on or the to vs via with".split())
_BOX = re.compile(r"^(?:box|figure|fig\.|table|annex|appendix)\s+\w+[.:]?\s+", re.IGNORECASE)
_NUMBERING = re.compile(r"^(?:\d+(?:\.\d+)*|[ivxlc]+|[a-z])[.)]\s+", re.IGNORECASE)
_TRAILING_ASIDE = re.compile(r"\s*\([^()]*\)\s*$")
_COMMENTS = re.compile(r"^\d+\s+(?:thoughts?|comments?|responses?|replies|reactions?)\b", re.IGNORECASE)
_JUNK = re.compile(r"[*_#`“”\"«»]+")
_SYNOPSIS = re.compile(r"\s*\[[^\[\]]*\]")  # a command's optional arguments: "set [-abef…] [-o option-name]"


def _smart_title(text: str) -> str:
    """An ALL-CAPS heading in title case (proper nouns survive better than in lower case)."""
    words = text.lower().split()
    out = []
    for i, word in enumerate(words):
        if i and word in _SMALL_WORDS:
            out.append(word)
        else:
            out.append(word[:1].upper() + word[1:])
    return " ".join(out)


def _tidy(part: str, title: str) -> str:
    topic = _JUNK.sub(" ", part)
    topic = _BOX.sub("", topic.strip())
    topic = _NUMBERING.sub("", topic)
    topic = _TRAILING_ASIDE.sub("", topic)
    while (bare := _SYNOPSIS.sub("", topic)) != topic and bare.strip():
        topic = bare  # "What do the documents say about set?", not about its synopsis
    topic = " ".join(topic.split()).strip(" :;,.-–—")
    if sum(ch.isalpha() for ch in topic) < 3 or len(topic) > 90 or _COMMENTS.match(topic):
        return ""
    if title and topic.casefold() == " ".join(_JUNK.sub(" ", title).split()).casefold():
        return ""
    letters = [ch for ch in topic if ch.isalpha()]
    if len(letters) > 4 and all(ch.isupper() for ch in letters):
        topic = _smart_title(topic)
    return topic


def topics_of(section: str, title: str = "") -> list[str]:
    """The headings of a section path, most specific first ("PARENT — Child" -> ["Child", "Parent"])."""
    parts = [p.strip() for p in section.split(" — ") if p.strip()]
    topics = [_tidy(p, title) for p in reversed(parts)]
    return [t for t in topics if t]


def question_for(topic: str) -> str:
    if topic.endswith("?"):
        return topic[0].upper() + topic[1:]
    return f"What do the documents say about {topic}?"


def _covered(topic: str, asked_words: set[str]) -> bool:
    words = {w.casefold() for w in content_words(topic)}
    return not words or words <= asked_words


def _neighbours(lead: Passage, passages: Sequence[Passage]) -> Iterable[Passage]:
    """Passages of the lead's document that come after it (the next sections), then before it.
    ``passages`` may be the whole table or (as the assistant passes it) that document's own passages."""
    same = [p for p in passages if p.doc_id == lead.doc_id]
    after = [p for p in same if p.start >= lead.end]
    before = [p for p in reversed(same) if p.end <= lead.start]
    return [*after, *before]


def related_questions(
    answer: Answer,
    passages: Sequence[Passage],
    asked: Iterable[str] = (),
    limit: int = 3,
    accept: Callable[[str], bool] | None = None,
    max_checks: int = 9,
) -> list[str]:
    """Up to ``limit`` short questions about sections near the answer's citations, best first.

    ``passages``: the top excerpt's document's passages (the sections around it; the whole table also
    works, at the cost of a scan); ``asked`` are
    the questions of the conversation so far (their topics are not suggested again); ``accept``, when
    given, vets each candidate (the assistant keeps only questions its documents answer), at most
    ``max_checks`` times.
    """
    if answer.message or not answer.excerpts or limit <= 0:
        return []
    asked_words = {w.casefold() for q in [answer.question, answer.query, *asked] for w in content_words(q)}
    sources: list[Passage] = [e.passage for e in answer.excerpts]
    sources += list(_neighbours(answer.excerpts[0].passage, passages))
    out: list[str] = []
    seen: set[str] = set()
    checked = _budgeted(accept, max_checks)
    for p in sources:
        for topic in topics_of(p.section, p.title):
            key = topic.casefold()
            if key in seen or _covered(topic, asked_words):
                continue
            seen.add(key)
            question = question_for(topic)
            verdict = checked(question)
            if verdict is None:
                return out
            if verdict:
                out.append(question)
                break  # one question per passage; the parent heading is only a fallback
        if len(out) >= limit:
            break
    return out


def _budgeted(accept: Callable[[str], bool] | None, max_checks: int) -> Callable[[str], bool | None]:
    """``accept`` allowed ``max_checks`` calls (each one answers a question); None once they are spent.
    Without ``accept`` every question is taken."""
    calls = 0

    def checked(question: str) -> bool | None:
        nonlocal calls
        if accept is None:
            return True
        if calls >= max_checks:
            return None
        calls += 1
        return accept(question)

    return checked


def starter_questions(
    passages: Sequence[Passage],
    limit: int = 4,
    accept: Callable[[str], bool] | None = None,
    max_checks: int = 12,
) -> list[str]:
    """Questions to begin with on a corpus: section headings taken in turn from each document."""
    per_doc: dict[str, list[str]] = {}
    seen: set[str] = set()
    for p in passages:
        for topic in topics_of(p.section, p.title)[:1]:
            if topic.casefold() not in seen:
                seen.add(topic.casefold())
                per_doc.setdefault(p.doc_id, []).append(topic)
    queues = list(per_doc.values())
    out: list[str] = []
    checked = _budgeted(accept, max_checks)
    while queues and len(out) < limit:
        for queue in list(queues):
            if not queue:
                queues.remove(queue)
                continue
            question = question_for(queue.pop(0))
            verdict = checked(question)
            if verdict is None:
                return out
            if verdict:
                out.append(question)
                queues.remove(queue)  # one per document in this round; the rest wait for the next
                queues.append(queue)
                if len(out) >= limit:
                    break
    return out
