"""Turning ranked passages into a reply: excerpts and highlights, confidence and abstention, related questions."""

from __future__ import annotations

from qa.answer.compose import answer_text, citation_label, make_excerpts
from qa.answer.confidence import ConfidenceModel, model_from_weights
from qa.answer.related import related_questions, starter_questions

__all__ = [
    "ConfidenceModel",
    "answer_text",
    "citation_label",
    "make_excerpts",
    "model_from_weights",
    "related_questions",
    "starter_questions",
]
