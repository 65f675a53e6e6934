"""Finding passages for a question: dense + BM25 retrieval, fusion, follow-ups and answer forms."""

from __future__ import annotations

from qa.search.conversation import Turn, contextualise, is_follow_up
from qa.search.forms import answer_form
from qa.search.fusion import fuse
from qa.search.retriever import Retrieval, Retriever

__all__ = [
    "Retrieval",
    "Retriever",
    "Turn",
    "answer_form",
    "contextualise",
    "fuse",
    "is_follow_up",
]
