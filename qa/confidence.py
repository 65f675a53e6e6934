"""How sure the assistant is that its excerpts answer: a logistic score over retrieval evidence.

Features: the cosine of the best-matching sentence of the top passage; how much of the question's
IDF weight the best of the top passages covers; and an answer-type check (a question asking for a
quantity whose top passage holds no number). Weights were fitted by logistic regression on the dev half
of ``eval/gold/default.jsonl`` (label: the question is answerable); ``qa eval --calibrate`` refits them.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from qa.types import Candidate

QUANTITY_QUESTION = re.compile(
    r"\b(how (many|much|long|old|often|far)|what (percentage|proportion|share|number|amount|fee|rate|year)|"
    r"population|budget|per ?cent)\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|hundred|thousand|million|billion|half)\b",
                     re.IGNORECASE)


def answer_type_mismatch(question: str, passage_text: str) -> bool:
    """A question asking for a quantity, answered by a passage with no number in it."""
    return bool(QUANTITY_QUESTION.search(question)) and not _NUMBER.search(passage_text)


@dataclass(frozen=True)
class ConfidenceModel:
    bias: float = -3.196
    w_sentence: float = 6.862
    w_coverage: float = 2.081
    w_type_mismatch: float = -5.062

    def features(self, question: str, top: list[Candidate], top_text: str) -> dict[str, float]:
        return {
            "sentence": top[0].sentence_score,
            "coverage": max(c.coverage for c in top[:3]),
            "type_mismatch": float(answer_type_mismatch(question, top_text)),
        }

    def score(self, question: str, top: list[Candidate], top_text: str) -> float:
        if not top:
            return 0.0
        f = self.features(question, top, top_text)
        z = (
            self.bias
            + self.w_sentence * f["sentence"]
            + self.w_coverage * f["coverage"]
            + self.w_type_mismatch * f["type_mismatch"]
        )
        return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))
