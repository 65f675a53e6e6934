"""Code blocks and tables in the views. A passage's text stays plain (it is what is searched); the readers'
spans (``Passage.blocks``, ``Layout.shaped``) say which parts to show as ``<pre><code>`` and which as a
``<table>`` in the chat and the passage view, and as fenced code and pipe tables in the Markdown export.

The text is untrusted: every character of it goes through the caller's ``mark`` (``render.marked``, which
escapes), code and cells alike; nothing here writes document text unescaped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from qa.types import Shaped

Marker = Callable[[str, int, list[tuple[int, int]]], str]  # (text, its offset, highlights) -> escaped HTML


class Source:
    """A piece of a document's text (``text`` starts at document offset ``offset``), read by document
    offsets: the chat shows a passage's text, the passage view the whole document."""

    def __init__(self, text: str, offset: int = 0):
        self.text, self.offset = text, offset

    def __call__(self, a: int, b: int) -> str:
        return self.text[a - self.offset : b - self.offset]


def _code_html(src: Source, block: Shaped, spans: list[tuple[int, int]], mark: Marker, chat: bool) -> str:
    body = mark(src(block.start, block.end), block.start, spans)
    if chat:  # a chat bubble is also read as Markdown: a raw line break could end its HTML block
        body = body.replace("\n", "&#10;")
    return f'<pre class="code"><code>{body}</code></pre>'


def _table_html(src: Source, block: Shaped, spans: list[tuple[int, int]], mark: Marker) -> str:
    rows = []
    for i, row in enumerate(block.rows):
        tag = "th" if i == 0 and block.head else "td"
        rows.append("<tr>" + "".join(f"<{tag}>{mark(src(a, b), a, spans)}</{tag}>" for a, b in row) + "</tr>")
    head = f"<thead>{rows[0]}</thead>" if block.head and rows else ""
    body = "".join(rows[1:] if head else rows)
    return f'<div class="tablewrap"><table class="shaped">{head}<tbody>{body}</tbody></table></div>'


def shaped_html(
    src: Source,
    start: int,
    end: int,
    spans: list[tuple[int, int]],
    blocks: Sequence[Shaped],
    mark: Marker,
    plain: Callable[[str], str] = lambda html: html,
    chat: bool = False,
) -> str:
    """Document offsets [start, end) of ``src`` as HTML: the code and tables among ``blocks`` as such, the
    text between them through ``mark`` and then ``plain`` (which lays out its line breaks). ``spans``, the
    highlights, are marked inside code and cells too. The line break between a lead-in and its block, and
    the one after a block, are left out: the block's own margins show them."""
    out: list[str] = []
    at = start
    clipped = (b.clip(start, end) for b in blocks)
    for block in sorted((b for b in clipped if b is not None), key=lambda b: b.start):
        if block.start < at or (block.kind == "table" and not block.rows):
            continue  # overlapping spans (never written by the readers), or a table cut to no whole cell
        stop = block.start - 1 if block.start > at and src(block.start - 1, block.start) == "\n" else block.start
        out.append(plain(mark(src(at, stop), at, spans)))
        out.append(
            _code_html(src, block, spans, mark, chat) if block.kind == "code" else _table_html(src, block, spans, mark)
        )
        at = block.end + 1 if block.end < end and src(block.end, block.end + 1) == "\n" else block.end
    out.append(plain(mark(src(at, end), at, spans)))
    return "".join(out)


# --- Markdown -----------------------------------------------------------------------------------------------


def fenced(code: str) -> str:
    """A fenced code block whose fence no run of backticks in the code can close."""
    longest = max((len(m) for m in re.findall(r"`+", code)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}\n{code}\n{fence}"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("\\", "\\\\").replace("|", "\\|") or " "


def pipe_table(src: Source, block: Shaped) -> str:
    """A Markdown (GFM) table; pipes in cells escaped. Without a header row in the document, the header is
    left blank rather than a data row promoted to it."""
    rows = [[_cell(src(a, b)) for a, b in row] for row in block.rows]
    if not rows:
        return ""
    width = max(len(r) for r in rows)
    rows = [r + [" "] * (width - len(r)) for r in rows]
    head = rows.pop(0) if block.head else [" "] * width
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * width]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def block_markdown(src: Source, block: Shaped) -> str:
    return fenced(src(block.start, block.end)) if block.kind == "code" else pipe_table(src, block)


def introduced(src: Source, span: tuple[int, int], blocks: Sequence[Shaped]) -> Shaped | None:
    """The code or table that ``span`` (a highlighted sentence) introduces, overlaps or lies in."""
    a, b = span
    for block in blocks:
        if block.start < b and a < block.end:
            return block
        if block.start >= b and not src(b, block.start).strip():
            return block
    return None
