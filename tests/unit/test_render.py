"""Document and question text is always shown as text: never markup, never Markdown."""

from __future__ import annotations

import html

from qa.types import Answer, Excerpt, Passage
from qa.web.render import answer_html, document_html, esc


def test_escape_neutralises_html_and_markdown_once() -> None:
    raw = "<script>alert(1)</script> <img src=x onerror=alert(2)> *bold* [link](http://x) it's & more"
    out = esc(raw)
    assert "<" not in out and ">" not in out and "*" not in out and "[" not in out
    assert html.unescape(out) == raw  # a browser shows exactly the original characters


def test_answer_and_document_html_escape_hostile_text() -> None:
    text = "Intro. <img src=x onerror=alert(1)> is hostile. End."
    p = Passage("evil.txt", "<b>Title</b>", "Sec <i>", 0, len(text), text, ((0, 6), (7, 45), (46, 50)))
    answer = Answer("q", "q", False, 0.9, "", [Excerpt(1, p, 1.0, [(7, 45)])], {})
    rendered = answer_html(answer) + document_html(p.title, text, 0, len(text), [(7, 45)])
    assert "<img" not in rendered and "<b>Title" not in rendered and "<i>" not in rendered
    assert "<mark>" in rendered
