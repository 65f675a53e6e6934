"""The page's CSS, head and scripts, shipped as files in qa/web/static (package data) and read once."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

__all__ = ["LOCAL_FONTS", "LOCAL_MONO", "static_text"]

# Fonts the machine already has: the page never fetches one.
LOCAL_FONTS = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif"]
LOCAL_MONO = ["ui-monospace", "SFMono-Regular", "Menlo", "monospace"]


@cache
def static_text(name: str) -> str:
    """A file of qa/web/static: style.css (Gradio scopes it to the app's container), head.html (outside it:
    slimmer margins on a phone), and the scripts the page runs after an event (scroll_to_passage.js,
    scroll_after_answer.js, copy_markdown.js)."""
    return (files("qa.web") / "static" / name).read_text(encoding="utf-8").strip() + (
        "\n" if name.endswith(".css") else ""
    )
