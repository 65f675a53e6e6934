"""Follow-up questions without a generative model: detect them, then expand them with context.

A follow-up ("What did he recommend?", "And brain drain?") borrows the content words of the previous
resolved query and the section of the last answer. A question that stands on its own (enough content
words, no pronoun or ellipsis) starts a new topic, so old context does not leak into it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before being
    below between both but by can could did do does doing down during each else few for from further had has
    have having here how i if in into is it its itself just me more most my no nor not now of off on once
    only or other our out over own same should so some such than that the their theirs them then there these
    they this those through to too under until up very was we were what when where which while who whom why
    will with would you your yours tell me please kind sort way thing things one ones much many say said
    said according document documents text""".split()
)
PRONOUNS = frozenset(
    "he she him his her hers they them their theirs it its this that these those there such latter former "
    "same one ones".split()
)
ELLIPSIS_STARTS = (
    "and ",
    "and,",
    "but ",
    "also ",
    "so ",
    "what about",
    "how about",
    "what else",
    "anything else",
    "why",
    "how so",
    "what of",
    "same for",
    "and what",
    "and who",
    "and how",
    "and why",
    "then ",
)
_WORD = re.compile(r"[\w'’-]+", re.UNICODE)


def content_words(text: str) -> list[str]:
    words = [w.strip("'’-") for w in _WORD.findall(text)]
    return [w for w in words if len(w) > 2 and w.lower() not in STOPWORDS and w.lower() not in PRONOUNS]


_NAME = re.compile(r"\b[A-Z][\w'’-]+(?:\s+(?:of|for|on|and|de|van|von|the)?\s*[A-Z][\w'’-]+)+")


def names_in(text: str) -> list[str]:
    """Multi-word capitalised names ("Chukwu-Emeka Chikezie", "Development Research Centre")."""
    return [m.group().strip() for m in _NAME.finditer(text) if not m.group().isupper()]


@dataclass
class Turn:
    question: str
    query: str
    section: str = ""  # section of the top excerpt, when the assistant answered
    abstained: bool = False
    answer_text: str = ""  # the highlighted sentences of the top excerpt


def is_follow_up(question: str, has_history: bool) -> bool:
    if not has_history:
        return False
    q = question.strip().lower()
    words = [w.lower() for w in _WORD.findall(q)]
    if any(q.startswith(s) for s in ELLIPSIS_STARTS):
        return True
    if any(w in PRONOUNS for w in words):
        return True
    return not content_words(question)


def contextualise(question: str, history: list[Turn], max_context_words: int = 12) -> tuple[str, bool]:
    """The query to search for this turn, and whether it was treated as a follow-up."""
    question = question.strip()
    if not is_follow_up(question, bool(history)):
        return question, False
    last = history[-1]
    own = {w.lower() for w in content_words(question)}
    context: list[str] = []
    sources = [last.query]
    if not last.abstained:
        # The sub-heading (often a speaker's name) and names in the answer resolve "he", "it", "they".
        parts = last.section.split(" — ")
        sources = [parts[-1], " ".join(names_in(last.answer_text)[:2]), last.query, " ".join(parts[:-1])]
    for source in sources:
        for w in content_words(source):
            if w.lower() not in own and w.lower() not in {c.lower() for c in context}:
                context.append(w)
    context = context[:max_context_words]
    if not context:
        return question, False
    return f"{question} {' '.join(context)}", True
