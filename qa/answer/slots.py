"""Is the asked slot filled where the answer is quoted? Cheap checks for near-miss questions.

A near-miss question names its subject (so retrieval finds it) but asks for a fact the documents never give:
another year ("What percentage ... in 1990?" over a sentence about 2004), another group ("Ghanaian pharmacists"
over "60 percent of Ghanaian doctors"), a founding year never stated. The confidence's other features look at
the top passages as a whole, where the subject is present. These look at the quoted sentences and their
neighbours (the "window"): whether the question's figures and rarest term are there, and whether a value of
the kind asked for (a year for "when", a figure for "how many") stands next to the question's rarest term.
Everything is computed from the question, the window's text and the BM25 IDF the pipeline already has.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Mapping

from qa.answer.confidence import COUNT_QUESTION, QUANTITY_QUESTION, question_names
from qa.index.bm25 import query_terms, tokenize

# Asking for a time: "When" opening the question or a clause of it (not "... when they exercise"), or
# "in which year", "what century" anywhere.
ASKS_TIME = re.compile(
    r"(?:^|[,;:]\s*|\b(?:and|so|then|but)\s+)when\b|\b(?:what|which) (?:year|date|decade|century|month|day)\b"
    r"|\bhow long ago\b|\bsince when\b",
    re.I,
)
# A time that can answer: a year 1500-2099 standing alone (not "B-1210", "7501 8920", "1,987"), a century
# ("16th century", "sixteenth century") or a month.
_MONTHS = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
_ORDINAL = (
    r"\d{1,2}(?:st|nd|rd|th)|\w+(?:teenth|tieth)|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth"
)
TIME_VALUE = re.compile(
    rf"(?<![\w,.+/-])(?:1[5-9]|20)\d\d(?:s|['’]s)?(?![\w,./-]?\d)|\b(?:{_ORDINAL})[ -]century\b|\b{_MONTHS}\b",
    re.I,
)
_FIGURE = re.compile(
    r"\d[\d,.]*|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|"
    r"hundred|thousand|million|billion|half|third|quarter|dozen)\b",
    re.I,
)
# What frames the asked slot rather than narrows it ("how many", "what percentage", "which year").
_SLOT_WORDS = frozenset(tokenize(["many much year percentage percent proportion share number amount date rate"])[0])
_WORD = re.compile(r"\S+")
NEAR_WORDS = 8  # how close a value must stand to the rarest term to be about it (set a priori, not tuned)

SLOT_FEATURES = ("window_figure_missing", "near_miss_rare", "slot_far_from_rare")


def time_values(text: str) -> set[str]:
    """The years, centuries and months in ``text``, lower-cased."""
    return {m.group().lower() for m in TIME_VALUE.finditer(text)}


def figures(text: str) -> set[str]:
    """The numbers in ``text`` (digits or number words), lower-cased, without trailing punctuation."""
    return {m.group().lower().rstrip(".,") for m in _FIGURE.finditer(text)}


def asks_value(question: str) -> bool:
    """The question asks for a time or a quantity: the slots these checks know how to see filled."""
    return bool(ASKS_TIME.search(question) or QUANTITY_QUESTION.search(question))


def rarest_terms(question: str, idf: Mapping[str, float], n: int = 1) -> list[str]:
    """The question's ``n`` terms of highest IDF, leaving out the words that frame the slot ("how many")."""
    return sorted(set(query_terms(question)) - _SLOT_WORDS, key=lambda t: (-idf.get(t, 1.0), t))[:n]


def near_miss_rare(question: str, window: str, idf: Mapping[str, float]) -> float:
    """IDF-weighted share of the question's terms the window holds, when the window lacks the question's
    rarest term (else 0). A near miss matches well except for the one term that narrows the question
    ("pharmacists" beside "Ghanaian doctors"); a paraphrased right answer matches few terms at all."""
    terms = set(query_terms(question))
    total = sum(idf.get(t, 1.0) for t in terms)
    rarest = rarest_terms(question, idf)
    if not rarest or total <= 0:
        return 0.0
    have = set(tokenize([window])[0])
    if rarest[0] in have:
        return 0.0
    return sum(idf.get(t, 1.0) for t in terms & have) / total


def _value_words(question: str, window: str, starts: list[int]) -> list[int]:
    """The word positions (indexes into ``starts``) of the values that could fill the question's slot: times
    for a time question, figures (not years, for "how many") for a quantity one; none the question names."""
    asked = time_values(question) | figures(question)
    if ASKS_TIME.search(question):
        found = [m for m in TIME_VALUE.finditer(window) if m.group().lower() not in asked]
    else:
        years = {m.start() for m in TIME_VALUE.finditer(window)} if COUNT_QUESTION.search(question) else set()
        found = [m for m in _FIGURE.finditer(window) if m.group().lower().rstrip(".,") not in asked]
        found = [m for m in found if m.start() not in years]
    return [bisect.bisect_right(starts, m.start()) - 1 for m in found]


def slot_far_from_rare(question: str, window: str, idf: Mapping[str, float]) -> float:
    """For a question asking for a time or a figure: 1 when no such value (beyond those the question names)
    stands within ``NEAR_WORDS`` words of the question's rarest term in ``window``, -1 when one does; 0 for
    other questions. "60 percent of Ghanaian doctors" fills the slot for doctors, not for "Ghanaian
    pharmacists"; "Founded in 1987" dates the founding, not the English classes. Signed, so that the
    feature carries the evidence and not the question's kind (how often figure questions go unanswered
    differs between question sets)."""
    if not asks_value(question):
        return 0.0
    rarest = rarest_terms(question, idf)
    spans = list(_WORD.finditer(window))
    at_value = _value_words(question, window, [m.start() for m in spans])
    if not rarest or not at_value:
        return 1.0
    stems = tokenize([m.group() for m in spans])
    at_term = [i for i, st in enumerate(stems) if rarest[0] in st]
    return -1.0 if any(abs(i - j) <= NEAR_WORDS for i in at_term for j in at_value) else 1.0


def figure_missing(question: str, window: str) -> float:
    """Share of the numbers and years the question gives ("in 1990", "by 2012") that the window lacks."""
    asked = [n for n in question_names(question) if n[0].isdigit()]
    if not asked:
        return 0.0
    text = window.lower()
    return sum(re.search(rf"(?<![\w.,]){re.escape(n)}(?!\w|[.,]\d)", text) is None for n in asked) / len(asked)


def slot_features(question: str, window: str, idf: Mapping[str, float]) -> dict[str, float]:
    """The ``SLOT_FEATURES`` of a question against the quoted sentences and their neighbours."""
    return {
        "window_figure_missing": figure_missing(question, window),
        "near_miss_rare": near_miss_rare(question, window, idf),
        "slot_far_from_rare": slot_far_from_rare(question, window, idf),
    }
