"""The same text in another copy of a document: shown once.

People keep a manual in more than one format (Debian's FAQ ships as HTML pages, as one text file and as a PDF), and
a folder of them answers each question with the same excerpt from each copy, taking every place of the answer. Byte
copies are indexed once already (``qa.ingest.loading.without_copies``); these differ in bytes, cut and layout, so
they are found by their words: a passage most of whose word triples a better one of another document holds.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from qa.types import Candidate, Passage

# Share of the shorter passage's word triples the other holds: the same text cut elsewhere (the PDF's passage starts
# at a page's top, the HTML's at a heading) still shares well over half; two passages on one subject share few.
COPY_SHARE = 0.6
MIN_TRIPLES = 8  # a passage of a heading and a line or two is too short to call a copy
_WORD = re.compile(r"\w+")


@lru_cache(maxsize=256)  # an answer reads the same few dozen passages three times (excerpts, confidence, copies named)
def word_triples(text: str) -> frozenset[tuple[str, str, str]]:
    words = _WORD.findall(text.casefold())
    return frozenset(zip(words, words[1:], words[2:]))


def is_copy(a: frozenset[tuple[str, str, str]], b: frozenset[tuple[str, str, str]]) -> bool:
    """Whether two passages' word triples say the same text: most of the shorter one's are in the other."""
    shorter = min(len(a), len(b))
    return shorter >= MIN_TRIPLES and len(a & b) >= COPY_SHARE * shorter


def without_copies(
    candidates: Sequence[Candidate], passages: Sequence[Passage], limit: int, shown: Sequence[Passage] = ()
) -> list[Candidate]:
    """The first ``limit`` candidates, in order, leaving out each that repeats a better one of another document, or
    one already ``shown`` (an answer asked for more). Passages of one document never count as copies: overlapping
    windows of a section are joined elsewhere (``qa.answer.neighbours``), and a manual repeating its own sentence is
    still two places."""
    seen_before = [(p.doc_id, word_triples(p.text)) for p in shown]
    kept: list[tuple[Candidate, str, frozenset[tuple[str, str, str]]]] = []
    for c in candidates:
        p = passages[c.index]
        triples = word_triples(p.text)
        earlier = seen_before + [(doc, seen) for _, doc, seen in kept]
        if not any(doc != p.doc_id and is_copy(triples, seen) for doc, seen in earlier):
            kept.append((c, p.doc_id, triples))
            if len(kept) >= limit:
                break
    return [c for c, _, _ in kept]


def copies_of(
    p: Passage,
    candidates: Sequence[Candidate],
    passages: Sequence[Passage],
    most: int = 3,
) -> tuple[Passage, ...]:
    """The passages among ``candidates`` that say ``p``'s text in other documents, one a document, best first: the
    answer names them ("also in faq.pdf, p. 38"), so that leaving a copy out loses no place to read it."""
    mine = word_triples(p.text)
    found: dict[str, Passage] = {}
    for c in candidates:
        q = passages[c.index]
        if q.doc_id == p.doc_id or q.doc_id in found:
            continue
        if is_copy(mine, word_triples(q.text)):
            found[q.doc_id] = q
            if len(found) >= most:
                break
    return tuple(found.values())
