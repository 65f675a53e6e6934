"""HTML for answers and documents. Every piece of document or question text is escaped here.

Chat bubbles are also read as Markdown, so Markdown's special characters are turned into entities as
well: a document's ``*stars*`` or ``<script>`` always show as the characters themselves.
"""

from __future__ import annotations

import html
from urllib.parse import quote, urlencode

from qa.compose import citation_label
from qa.types import Answer, Excerpt

_ENTITIES = {c: f"&#{ord(c)};" for c in "\\`*_{}[]()#+-.!|~>$<&\"'"}


def esc(text: str) -> str:
    """Escape for HTML and neutralise Markdown in one pass (so no entity is escaped twice)."""
    return "".join(_ENTITIES.get(ch, ch) for ch in text)


def passage_url(doc_id: str, start: int, end: int, highlights: list[tuple[int, int]] | None = None) -> str:
    query = {"start": start, "end": end}
    if highlights:
        query["hl"] = ",".join(f"{a}-{b}" for a, b in highlights)
    return f"/passage/{quote(doc_id)}?{urlencode(query)}#passage"


def marked(text: str, offset: int, spans: list[tuple[int, int]]) -> str:
    """``text`` (which starts at ``offset`` in its document) escaped, with ``spans`` in <mark>."""
    out: list[str] = []
    pos = 0
    for a, b in sorted(spans):
        a, b = max(a - offset, pos), min(b - offset, len(text))
        if a >= b:
            continue
        out.append(esc(text[pos:a]))
        out.append(f"<mark>{esc(text[a:b])}</mark>")
        pos = b
    out.append(esc(text[pos:]))
    return "".join(out)


def cite_link(e: Excerpt) -> str:
    p = e.passage
    url = passage_url(p.doc_id, p.start, p.end, e.highlights)
    return f'<a class="cite" href="{html.escape(url)}" target="_blank" rel="noopener">[{e.rank}]</a>'


def answer_html(answer: Answer) -> str:
    """The chat bubble: a plain statement of confidence, the answering sentences, then the excerpts."""
    if answer.message:
        return f"<p>{esc(answer.message)}</p>"
    parts: list[str] = []
    pct = round(answer.confidence * 100)
    if answer.abstained:
        parts.append(
            f'<p class="notfound"><strong>Not found in the documents.</strong> '
            f"(confidence {pct}%) The nearest passages are below; they may not answer the question.</p>"
        )
    else:
        parts.append(f'<p class="confidence">Confidence: {pct}%</p>')
        lead = answer.excerpts[0] if answer.excerpts else None
        if lead and lead.highlights:
            sentences = " ".join(
                esc(lead.passage.text[a - lead.passage.start : b - lead.passage.start]) for a, b in lead.highlights
            )
            parts.append(f'<p class="lead">{sentences} {cite_link(lead)}</p>')
    for e in answer.excerpts:
        p = e.passage
        label = esc(citation_label(p))
        parts.append(
            f'<div class="excerpt"><div class="source">{cite_link(e)} {label}</div>'
            f"<blockquote>{marked(p.text, p.start, e.highlights)}</blockquote></div>"
        )
    return "\n".join(parts)


def sources_html(answer: Answer | None) -> str:
    if answer is None or not answer.excerpts:
        return '<p class="muted">Sources of the latest answer appear here.</p>'
    items = []
    for e in answer.excerpts:
        p = e.passage
        items.append(
            f"<li>{cite_link(e)} <strong>{esc(p.title)}</strong>"
            + (f"<br><span class='muted'>{esc(p.section)}</span>" if p.section else "")
            + f"<br><span class='muted'>characters {p.start:,}–{p.end:,}</span></li>"
        )
    return "<ol class='sources'>" + "".join(items) + "</ol>"


def document_html(
    title: str, text: str, start: int, end: int, highlights: list[tuple[int, int]], stale: bool = False
) -> str:
    """The whole document with the cited passage framed and its answering sentences marked."""
    start, end = max(0, min(start, len(text))), max(0, min(end, len(text)))
    warning = (
        '<p class="warning">This document changed after it was indexed; rebuild the index to realign.</p>'
        if stale
        else ""
    )
    return (
        f"<article class='document'><h2>{esc(title)}</h2>{warning}"
        f"<div class='doctext'>{esc(text[:start])}"
        f"<div id='passage' class='passage'>{marked(text[start:end], start, highlights)}</div>"
        f"{esc(text[end:])}</div></article>"
    )


PAGE_CSS = """
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; max-width: 860px; margin: 2rem auto;
       padding: 0 1rem; line-height: 1.55; color: #1f2328; background: #fff; }
.doctext { white-space: pre-wrap; }
.passage { background: #fff8c5; outline: 2px solid #d4a72c; border-radius: 4px; padding: 2px 4px; }
mark { background: #ffd33d; }
.warning { color: #9a6700; }
@media (prefers-color-scheme: dark) { body { background: #0d1117; color: #e6edf3; }
  .passage { background: #3b2f00; } mark { background: #9e6a03; color: #fff; } }
"""


def document_page(title: str, body: str) -> str:
    """A standalone page for a citation link: no scripts, no external resources."""
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{html.escape(title)}</title><style>{PAGE_CSS}</style></head>"
        f"<body>{body}</body></html>"
    )
