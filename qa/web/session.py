"""What one browser tab holds between events: its corpus, its conversation and the answers given so far."""

from __future__ import annotations

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
