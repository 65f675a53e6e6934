"""What one browser tab holds between events: its corpus, its conversation and the answers given so far."""

from __future__ import annotations

import uuid
from typing import Any

__all__ = ["Session"]


class Session:
    """One tab's state, kept by Gradio per session (``gr.State``); a plain class, cheap to create per tab."""

    def __init__(self, corpus: str):
        self.corpus = corpus
        self.chat: Any = None
        self.answers: list[Any] = []
        self.shown = 0  # excerpts of the latest answer before "show more"
        self.folder = ""  # made on first use, for this tab's conversation.md
        self.documents: list[str] = []  # the chat searches only these documents and folders (empty: all)
        self.id = new_conversation_id()  # marks on answers name their conversation (refits split by it)
        self.thresholds: list[float] = []  # the abstention threshold each answer was given under


def new_conversation_id() -> str:
    return "c-" + uuid.uuid4().hex[:12]
