"""Offline question answering over a document folder: answers are excerpts, never generated text."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Assistant", "Chat", "Settings", "load_settings"]

if TYPE_CHECKING:
    from qa.assistant import Assistant, Chat
    from qa.settings import Settings, load_settings


def __getattr__(name: str) -> Any:
    # Lazy, so `import qa` stays cheap for the CLI's fast paths.
    if name in {"Assistant", "Chat"}:
        from qa import assistant

        return getattr(assistant, name)
    if name in {"Settings", "load_settings"}:
        from qa import settings

        return getattr(settings, name)
    raise AttributeError(name)
