"""Definition questions ("What is S?", "What counts as authentication?", "What does the term X mean?") and the
sentences that define their term ("S is a very high level language …", "Authentication is any process by which
…", "This technique is called reverse proxying because …").

Why a form of its own: the sentence that best matches "What is reverse proxying?" is often one that uses the term
("The simplest example proxies all requests …"), not the one that says what it is, and on manuals the selector,
fitted on SQuAD (which asks few such questions), prefers the sentence richest in the question's words.
"""

from __future__ import annotations

import re

__all__ = ["asked_terms", "term_definitions"]

_MAX_TERM_WORDS = 5
_Q = r"[\"'‘’“”]?"
# The question's last clause: "R is said to be based on S. What is S?" asks "What is S?".
_CLAUSE = re.compile(r"[^.?!;]+[.?!;]*\s*$")
_ASKS = re.compile(
    r"^(?:in\s+[^,]{1,60},\s*)?(?:"
    r"what(?:'s|\s+(?:is|are|was|were))\s+(?:meant\s+by\s+)?(?:the\s+(?:terms?|concept|notion)\s+(?:of\s+)?)?"
    r"|what\s+(?:does|do)\s+(?:the\s+)?(?:terms?\s+|words?\s+|phrase\s+)?(?=.+\s(?:mean|refer\s+to)\b)"
    r"|what\s+counts\s+as\s+|define\s+"
    r")(?P<term>.+?)(?:\s+(?:actually|exactly|really))?(?:\s+(?:mean|refer\s+to))?(?:\s+(?:for|in)\s+[^?]{1,40})?\s*[?.]?\s*$",
    re.IGNORECASE,
)
_NOT_TERM = re.compile(
    r"^(?:it|this|that|they|these|those|he|she|you|we|i|me|us|them|(?:the\s+)?(?:default|difference|name|number|way))\b"
    r"|\b(?:who|when|where|why|how|which)\b",
    re.IGNORECASE,
)
_ARTICLE = re.compile(r"^(?:an?|the)\s+", re.IGNORECASE)
# "A checkpoint is only able to run …" uses the term; "A checkpoint is a …" defines it: after a singular "is", a
# determiner (or "simply", "used to" …) opens the definition.
_IS_WHAT = (
    r"(?:an?|the|any|one|some|each|every|another|what|how|where|when|simply|basically|essentially|just|used|made"
    r"|short)\b"
)
_VERB = (
    rf"(?:(?:is|was)(?=\s+{_IS_WHAT})|are\b|were\b|refers?\s+to\b|means?\b|denotes?\b|stands?\s+for\b"
    rf"|is\s+defined\s+as\b)"
)
_NAMING = r"(?:called|known\s+as|termed|referred\s+to\s+as|defined\s+as)"


def asked_terms(question: str) -> list[str]:
    """The term(s) a definition question asks about, without quotes or an article ("internationalization and
    localization" gives both and each); [] for any other question."""
    clause = _CLAUSE.search(question.strip())
    m = _ASKS.match(clause.group().strip()) if clause else None
    if not m:
        return []
    term = _ARTICLE.sub("", m.group("term").strip().strip("\"'‘’“”").strip())
    term = term.strip("\"'‘’“”").strip()
    if not term or len(term.split()) > _MAX_TERM_WORDS or _NOT_TERM.search(term):
        return []
    parts = [p.strip() for p in re.split(r"\s+and\s+", term) if p.strip()]
    return [term] + (parts if len(parts) > 1 else [])


def term_definitions(terms: list[str], text: str) -> list[tuple[int, int]]:
    """Where ``text`` defines one of ``terms``: the term opening a sentence or line as the subject of "is",
    "refers to", "means" … (after "The term", an article, a bracketed aside or a comma-set aside), the term after
    "called"/"known as" (and an article: 'is called a "checkpoint"'), or a glossary line "term: …"."""
    out: list[tuple[int, int]] = []
    for term in terms:
        t = re.escape(term).replace(r"\ ", r"\s+") + r"s?"
        subject = re.compile(
            rf"(?:^|(?<=[.!?:]\s)|(?<=\n))[ \t]*(?:the\s+term\s+|the\s+|an?\s+)?{_Q}{t}{_Q}"
            rf"(?:\s*\([^)]{{1,80}}\))?(?:\s*,[^,\n]{{1,100}},)?\s+{_VERB}"
            rf"|\b{_NAMING}\s+(?:an?\s+|the\s+)?{_Q}{t}{_Q}(?!\w)"
            rf"|(?:^|(?<=\n))[ \t]*{_Q}{t}{_Q}[ \t]*[:—–][ \t]+(?=\w)",
            re.IGNORECASE,
        )
        out.extend(m.span() for m in subject.finditer(text))
    return sorted(set(out))
