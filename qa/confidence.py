"""How sure the assistant is that its top excerpt answers: a logistic score over retrieval evidence.

The weights are fitted on gold questions (``qa eval --calibrate``) and can be stored beside the index;
the defaults below were fitted on the default corpus's dev questions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from qa.types import Candidate


@dataclass(frozen=True)
class ConfidenceModel:
    bias: float = -9.0
    w_dense: float = 6.0  # cosine of the top passage
    w_sentence: float = 10.0  # cosine of its best sentence
    w_bm25: float = 0.6  # BM25 of the top passage per query term
    w_agree: float = 0.8  # both retrievers rank it in their top 3

    def features(self, top: Candidate, query_terms: int) -> dict[str, float]:
        agree = float((top.dense_rank or 99) <= 3 and (top.bm25_rank or 99) <= 3)
        return {
            "dense": top.dense,
            "sentence": top.sentence_score,
            "bm25": top.bm25 / max(query_terms, 1),
            "agree": agree,
        }

    def score(self, top: Candidate | None, query_terms: int) -> float:
        if top is None:
            return 0.0
        f = self.features(top, query_terms)
        z = (
            self.bias
            + self.w_dense * f["dense"]
            + self.w_sentence * f["sentence"]
            + self.w_bm25 * f["bm25"]
            + self.w_agree * f["agree"]
        )
        return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))
