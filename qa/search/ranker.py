"""The passage ranker: a cross-encoder reading the question with each of the best few passages, whose logit
re-orders them.

Why: the passage that answers often ranks second, under one naming the asked subject without the asked fact;
cosines and shared words score the two alike, a model reading both texts together need not. It is MiniLM
fine-tuned here by ``scripts/train_passage_ranker.py`` (SQuAD 2.0's tuning articles: each question's own paragraph
against the article's paragraphs closest to it), 23 MB of int8 ONNX beside this file. None ships: it lowered hit@1
on every tuning split (docs/notes/2026-12-07-session29.md).
"""

from __future__ import annotations

from pathlib import Path

from qa.encode.cross_encoder import CrossEncoder, open_cross_encoder

MODEL_DIR = Path(__file__).with_name("passage-ranker")
MAX_TOKENS = 256  # as trained: a passage is at most 220 word pieces


def load_passage_ranker(folder: Path = MODEL_DIR) -> CrossEncoder | None:
    """The ranker in ``folder``, or None (with a note on stderr when it is there but cannot be opened)."""
    return open_cross_encoder(folder, MAX_TOKENS, "passage ranker")
