"""A cross-encoder that reads the question together with one sentence and scores whether the sentence answers it.

Why: the selector's other signals compare the question and a sentence apart (cosines of two vectors, shared
words), so a sentence that names the asked subject but not the asked fact scores as well as the answer. Read
together, the two texts' tokens attend to each other. The model is the bundled all-MiniLM-L6-v2 fine-tuned here
on SQuAD 2.0's tuning articles by ``scripts/train_cross_encoder.py`` (an unanswerable question's sentences are
its negatives), exported to ONNX with int8 weights (23 MB, written beside this file), and read with ONNX Runtime
and the ``tokenizers`` library: no torch at run time. None ships: refitted with it, the answer models abstained
worse on the gold tuning splits (docs/notes/2026-12-07-session25.md), so the shipped ones give its features no
weight; this module is how a trained one is read when the fits are run again with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from qa.encode.cross_encoder import CrossEncoder, open_cross_encoder
from qa.types import Passage

__all__ = ["MODEL_DIR", "CrossEncoder", "load_cross_encoder", "passage_scores"]

MODEL_DIR = Path(__file__).with_name("cross-encoder")
MAX_TOKENS = 128  # as trained


def passage_scores(cross: CrossEncoder | None, question: str, passages: Sequence[Passage]) -> list[np.ndarray | None]:
    """Each passage's sentences scored by ``cross`` in one run (a run per passage costs thrice the time); a None
    per passage without one. ``cross`` may be anything with ``scores`` (the fits pass a remembering wrapper)."""
    if cross is None:
        return [None] * len(passages)
    texts = [p.sentence_texts() for p in passages]
    flat = cross.scores(question, [t for each in texts for t in each])
    out, at = [], 0
    for each in texts:
        out.append(flat[at : at + len(each)])
        at += len(each)
    return out


def load_cross_encoder(folder: Path = MODEL_DIR) -> CrossEncoder | None:
    """The cross-encoder in ``folder``, or None (with a note on stderr when it is there but cannot be opened): the
    selector and the confidence then read its features as their means."""
    return open_cross_encoder(folder, MAX_TOKENS, "cross-encoder")
