"""How sure the assistant is that its excerpts answer: a logistic score over retrieval evidence.

Features: the cosine of the best-matching sentence of the top passage; how much of the question's
IDF weight the best of the top passages covers; an answer-type check (a question asking for a quantity
whose best-matching sentences hold no number); and the share of the question's names and figures
("Nepal", "DFID", "2003") that none of the top passages mentions. The last two catch the commonest
wrong answer: a passage on the right topic that lacks the one thing asked about. Weights were fitted by
logistic regression on the dev half of ``eval/gold/default.jsonl`` (label: the question is answerable);
``qa eval --calibrate`` refits them on any gold file, and ``--save-calibration`` stores the fit with the
index (``<index_dir>/confidence.json``), so a corpus with its own gold questions gets its own abstention.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

from qa.types import Candidate

# A question asking for a quantity: the cue opens the question or a clause of it ("In Honduras, how many",
# "Roughly how many"), so "measure how much migration has increased" or "a population's health" inside a
# why/who question does not count.
_CLAUSE_START = (
    r"(?:^|[,;:]\s*|\b(?:and|so|roughly|approximately|about|exactly|precisely|then|but|after|before|within|for|in|by|"
    r"up\s+to|at\s+(?:most|least))\s+)"
)
_WHAT = (
    r"what(?:['’]s | (?:is |was |are |were )?)(?:the )?(?:[\w'’-]+['’]s )?"
    r"(?:(?:annual|average|total|minimum|statutory|typical|median|current|yearly|maximum|max|largest|smallest|"
    r"highest|lowest|biggest|longest|shortest|greatest) )*"
)
_MEASURE = (
    r"(?:percentages?|per ?cent|proportion|share|number|amount|fees?|rates?|population|budget|wages?|costs?|"
    r"prices?|size|salary|income|length|width|limit)\b"
)
QUANTITY_QUESTION = re.compile(
    _CLAUSE_START + r"(?:how (?:many|much|long|old|often|far)|" + _WHAT + r"(?:year\b|" + _MEASURE + "))",
    re.IGNORECASE,
)
# A figure asked for in other words: "Which TCP port does it listen on?", "the timeout, in seconds".
_FIGURE_QUESTION = re.compile(
    r"\b(?:what|which)\s+(?:(?:tcp|udp|default|network)\s+)?ports?(?:\s+numbers?)?\s+(?:does|do|is|are|should|will|must)\b"
    r"|\bin\s+(?:seconds|minutes|hours|days|weeks|degrees|bytes|kilobytes|megabytes|gigabytes|[kmg]i?b|pixels"
    r"|millimet(?:er|re)s|centimet(?:er|re)s|inches|percent)\b",
    re.IGNORECASE,
)
# Asking how many or how much: a year alone ("Founded in 1987") does not answer it.
COUNT_QUESTION = re.compile(_CLAUSE_START + r"(?:how (?:many|much)|" + _WHAT + _MEASURE + ")", re.IGNORECASE)
# A figure: not a digit glued to a word ("alphanumerics6", a footnote's mark; "mp3", "UTF-8"), which counts nothing.
_NUMBER = re.compile(
    r"(?<![A-Za-z])(?<![A-Za-z]-)\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|hundred|thousand|million|billion|half)\b",
    re.IGNORECASE,
)
# Asking for a sum of money: a figure without a currency or a money amount ("60 percent of doctors")
# does not answer it.
MONEY_QUESTION = re.compile(r"\b(?:money|fees?|budget|wages?|salar(?:y|ies)|spen[dt]|spending|costs?|prices?)\b", re.I)
_MONEY = re.compile(
    r"[$£€¥₹]|\b(?:US\$|USD|GBP|EUR|dollars?|pounds?|euros?|francs?|rupees?|pesos?|cedis?|nairas?|shillings?|"
    r"yuan|yen|million|billion|bn|mn|thousand)\b",
    re.IGNORECASE,
)
_YEAR = re.compile(r"(?<![\d,.])(?:1[5-9]|20)\d\d(?:s|['’]s)?(?![\d,.]\d)")
# Capitalised words and numbers: what a question names. The first word is capitalised anyway and skipped.
_NAME = re.compile(r"\b(?:[A-Z][\w'’-]*\w|\d[\d,.]*\d|\d)")
_POSSESSIVE = re.compile(r"['’]s?$")
_NOT_NAMES = frozenset(
    "what which who whom whose when where why how is are was were does do did has have had can could should "
    "would will the a an in of and if i".split()
)
_WORDS = re.compile(r"\w+")


def asks_quantity(question: str) -> bool:
    """The question asks for a figure: an amount, a year, a limit, a port, a time in seconds."""
    return bool(QUANTITY_QUESTION.search(question) or _FIGURE_QUESTION.search(question))


# Asking for a year: "In what year was the book published?" is not answered by its ISBN.
YEAR_QUESTION = re.compile(r"\b(?:what|which)\s+year\b", re.IGNORECASE)


def answer_type_mismatch(question: str, text: str) -> bool:
    """A question asking for a quantity, answered by text with no number in it (for "how many" and
    "how much", a year does not count as one; for a sum of money, a number needs a currency or an
    amount such as "million" beside it somewhere in the text; for a year, only a year does)."""
    if not asks_quantity(question):
        return False
    if YEAR_QUESTION.search(question):
        return not _YEAR.search(text)
    if COUNT_QUESTION.search(question):
        text = _YEAR.sub(" ", text)
    if MONEY_QUESTION.search(question) and not _MONEY.search(text):
        return True
    return not _NUMBER.search(text)


def question_names(question: str) -> list[str]:
    """The names and figures a question is about: capitalised words after its first, and numbers."""
    out = []
    for match in _NAME.finditer(question):
        name = _POSSESSIVE.sub("", match.group())
        if match.start() == 0 or len(name) < 2 or name.lower() in _NOT_NAMES:
            continue
        out.append(name)
    return out


def _mentions(name: str, text: str, words: set[str]) -> bool:
    """Numbers and acronyms must appear as they are; a word may differ in its ending (America/American,
    India/Indian), so it matches any word sharing its first letters. A hyphenated name ("Anti-slavery") is
    mentioned when each of its parts is: the text's words are split at hyphens too."""
    parts = [p for p in name.split("-") if p]
    if len(parts) > 1:
        return all(_mentions(p, text, words) for p in parts)
    if name[0].isdigit() or name.isupper():
        return re.search(rf"(?<!\w){re.escape(name.lower())}(?!\w)", text) is not None
    stem = name.lower()[: max(4, len(name) - 3)]
    return any(w.startswith(stem) for w in words)


def missing_names(question: str, texts: Sequence[str]) -> float:
    """Share of the question's names and figures that none of ``texts`` mentions (0 when it names none)."""
    names = question_names(question)
    if not names:
        return 0.0
    text = " ".join(texts).lower()
    words = set(_WORDS.findall(text))
    return sum(not _mentions(n, text, words) for n in names) / len(names)


@dataclass(frozen=True)
class ConfidenceModel:
    bias: float = -1.490
    w_sentence: float = 4.183
    w_coverage: float = 3.646
    w_type_mismatch: float = -4.970
    w_missing_names: float = -1.576

    def features(
        self, question: str, top: list[Candidate], top_texts: Sequence[str], best_sentences: str
    ) -> dict[str, float]:
        """``top``: the best candidates, best first; ``top_texts``: their sections and texts;
        ``best_sentences``: the sentences of the top passage that match the question best."""
        return {
            "sentence": top[0].sentence_score,
            "coverage": max(c.coverage for c in top[:3]),
            "type_mismatch": float(answer_type_mismatch(question, best_sentences)),
            "missing_names": missing_names(question, top_texts),
        }

    def probability(self, f: dict[str, float]) -> float:
        z = self.bias + sum(getattr(self, f"w_{name}") * value for name, value in f.items())
        return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))

    def score(self, question: str, top: list[Candidate], top_texts: Sequence[str], best_sentences: str) -> float:
        if not top:
            return 0.0
        return self.probability(self.features(question, top, top_texts, best_sentences))


CALIBRATION_FILE = "confidence.json"


class CalibrationError(ValueError):
    """A stored calibration cannot be used; the message says why."""


def model_from_weights(weights: dict[str, Any]) -> ConfidenceModel:
    """A model from stored weights: exactly the model's own names, each a finite number."""
    names = {f.name for f in fields(ConfidenceModel)}
    if not isinstance(weights, dict) or set(weights) != names:
        got = sorted(weights) if isinstance(weights, dict) else type(weights).__name__
        raise CalibrationError(f"weights must be exactly {sorted(names)}, not {got}")
    values = {}
    for name, value in weights.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise CalibrationError(f"weight {name!r} is not a finite number: {value!r}")
        values[name] = float(value)
    return ConfidenceModel(**values)
