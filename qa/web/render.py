"""HTML for answers, sources, the document list and documents. Every piece of document or question text is
escaped here.

Chat bubbles are also read as Markdown, so Markdown's special characters are turned into entities as
well: a document's ``*stars*`` or ``<script>`` always show as the characters themselves.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote, urlencode

from qa.answer.compose import also_in_label, citation_label, copy_place, page_citation
from qa.types import Answer, Excerpt, Passage, Shaped
from qa.web.shaped import Source, shaped_html

_ENTITIES = {c: f"&#{ord(c)};" for c in "\\`*_{}[]()#+-.!|~>$<&\"'"}
HIGH_CONFIDENCE = 0.8


def esc(text: str) -> str:
    """Escape for HTML and neutralise Markdown in one pass (so no entity is escaped twice)."""
    return "".join(_ENTITIES.get(ch, ch) for ch in text)


def passage_url(
    doc_id: str,
    start: int,
    end: int,
    highlights: list[tuple[int, int]] | None = None,
    corpus: str = "",
    page: str = "",
) -> str:
    query: dict[str, Any] = {"start": start, "end": end}
    if highlights:
        query["hl"] = ",".join(f"{a}-{b}" for a, b in highlights)
    if corpus:
        query["corpus"] = corpus
    if page:
        query["page"] = page  # "p. 12": the passage view shows where the passage is printed
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


def cite_link(e: Excerpt, corpus: str = "") -> str:
    p = e.passage
    url = passage_url(p.doc_id, p.start, p.end, e.highlights, corpus, page_citation(p))
    where = esc(citation_label(p))
    return (
        f'<a class="cite" href="{html.escape(url)}" target="_blank" rel="noopener" '
        f'title="Open source {e.rank} in its document: {where}">[{e.rank}]</a>'
    )


def source_label(e: Excerpt) -> str:
    """Plain text naming an excerpt (for pickers and lists)."""
    return f"[{e.rank}] {citation_label(e.passage)}"[:160]


def confidence_html(answer: Answer) -> str:
    pct = round(answer.confidence * 100)
    if answer.abstained:
        return (
            '<p class="notfound"><strong>Not found in the documents.</strong> '
            f"Confidence {pct}%, too low to answer. The nearest passages are below; they may not answer "
            "the question.</p>"
        )
    level = "high" if answer.confidence >= HIGH_CONFIDENCE else "moderate"
    return f'<p class="confidence"><span class="level {level}">{level.capitalize()} confidence</span> ({pct}%)</p>'


def lead_html(answer: Answer, corpus: str = "", link: bool = True) -> str:
    """The answering sentences of the top excerpt, with their citation (a link once the excerpts are in)."""
    lead = answer.excerpts[0] if answer.excerpts and not answer.abstained else None
    if not lead or not lead.highlights:
        return ""
    sentences = _lead_sentences(lead.passage, lead.highlights)
    cite = cite_link(lead, corpus) if link else f'<span class="cite">[{lead.rank}]</span>'
    tag = "div" if "<pre" in sentences or "<table" in sentences else "p"  # a <p> cannot hold them
    return f'<{tag} class="lead">{sentences} {cite}</{tag}>'


def _lead_sentences(p: Passage, highlights: list[tuple[int, int]]) -> str:
    """The highlighted sentences as one line of text, except the lines of a code block (a command under its
    lead-in), which keep their shape, and a table, shown whole with its highlighted rows marked: its header
    row alone answers nothing."""
    src = Source(p.text, p.start)
    runs: list[tuple[Shaped | None, int, int]] = []
    for a, b in highlights:
        block = next((s for s in p.blocks if s.start <= a and b <= s.end), None)
        if block is not None and runs and runs[-1][0] is block:
            runs[-1] = (block, runs[-1][1], b)  # the next highlighted line of the same block
        elif block is not None and block.kind == "table":
            runs.append((block, block.start, block.end))
        else:
            runs.append((block, a, b))
    return " ".join(
        esc(" ".join(src(a, b).split()))
        if block is None
        else shaped_html(src, a, b, highlights if block.kind == "table" else [], [block], marked, chat=True)
        for block, a, b in runs
    )


def _lines(escaped: str) -> str:
    """Line breaks as <br>: a chat bubble is also read as Markdown, where a blank line would end the HTML."""
    paragraphs = [" <br>".join(part.split("\n")) for part in re.split(r"\n\s*\n", escaped.strip())]
    return "<br><br>".join(p for p in paragraphs if p.strip())


def excerpt_html(e: Excerpt, corpus: str = "") -> str:
    """One excerpt: its text with the answering sentences marked, code as code and tables as tables."""
    p = e.passage
    body = shaped_html(Source(p.text, p.start), p.start, p.end, e.highlights, p.blocks, marked, _lines, chat=True)
    also = f' <span class="also-in">({esc(also_in_label(e))})</span>' if e.also_in else ""
    return (
        f'<div class="excerpt"><div class="source">{cite_link(e, corpus)} {esc(citation_label(p))}{also}</div>'
        f"<blockquote>{body}</blockquote></div>"
    )


def answer_html(answer: Answer, corpus: str = "", shown: int | None = None, lead_only: bool = False) -> str:
    """The chat bubble: a plain statement of confidence, the answering sentences, then the excerpts.

    Excerpts after the first ``shown`` ones were added by "show more" and come under their own heading;
    ``lead_only`` renders the first part alone (the reply streams in two steps).
    """
    if answer.message:
        return f'<p class="message">{esc(answer.message)}</p>'
    parts = [confidence_html(answer), lead_html(answer, corpus, link=not lead_only)]
    if lead_only:
        parts.append('<p class="muted pending">Loading the excerpts…</p>')
        return "\n".join(p for p in parts if p)
    for i, e in enumerate(answer.excerpts):
        if shown is not None and i == shown:
            parts.append('<p class="more-head">More excerpts</p>')
        parts.append(excerpt_html(e, corpus))
    return "\n".join(p for p in parts if p)


SHOWN_QUESTION_CHARS = 280


def question_html(question: str) -> str:
    """The user's bubble: the characters typed, never markup or Markdown; a very long paste is shortened
    so the reply under it stays in view."""
    if len(question) <= SHOWN_QUESTION_CHARS:
        return f'<p class="question">{esc(question)}</p>'
    shown = esc(question[:SHOWN_QUESTION_CHARS].rstrip())
    return f'<p class="question">{shown}… <span class="muted">({len(question):,} characters in all)</span></p>'


def pending_html() -> str:
    return '<p class="muted pending">Searching the documents…</p>'


def sources_html(answer: Answer | None, corpus: str = "") -> str:
    if answer is None or not answer.excerpts:
        return '<p class="muted">Sources of the latest answer appear here.</p>'
    items = []
    for e in answer.excerpts:
        p = e.passage
        items.append(
            f"<li>{cite_link(e, corpus)} <strong>{esc(p.title)}</strong>"
            + (f"<br><span class='muted'>{esc(p.section)}</span>" if p.section and p.section != p.title else "")
            + f"<br><span class='muted'>{esc(p.doc_id)}, {esc(page_citation(p) or f'characters {p.start:,}–{p.end:,}')}"
            + "</span>"
            + copies_html(e, corpus)
            + "</li>"
        )
    return "<ol class='sources'>" + "".join(items) + "</ol>"


def copies_html(e: Excerpt, corpus: str = "") -> str:
    """The copies of an excerpt's text that the answer left out, each a link to its passage ("" for none)."""
    if not e.also_in:
        return ""
    links = []
    for q in e.also_in:
        url = passage_url(q.doc_id, q.start, q.end, None, corpus, page_citation(q))
        links.append(f'<a href="{html.escape(url)}" target="_blank" rel="noopener">{esc(copy_place(q))}</a>')
    return "<br><span class='muted also-in'>also in " + "; ".join(links) + "</span>"


def document_html(
    title: str,
    text: str,
    start: int,
    end: int,
    highlights: list[tuple[int, int]],
    stale: bool = False,
    page: str = "",
    blocks: Sequence[Shaped] = (),
) -> str:
    """The whole document with the cited passage framed and its answering sentences marked; ``page`` ("p. 12",
    from ``page_citation``) is shown atop the framed passage of a paged document; ``blocks`` (the reader's
    ``Layout.shaped``) are shown as code and tables."""
    start = max(0, min(start, len(text)))
    end = max(start, min(end, len(text)))  # an end before the start frames nothing, never the text twice
    warning = (
        '<p class="warning">This document changed after it was indexed; rebuild the index to realign.</p>'
        if stale
        else ""
    )
    src = Source(text)
    return (
        f"<article class='document'><h2>{esc(title)}</h2>{warning}"
        f"<div class='doctext'>{shaped_html(src, 0, start, [], blocks, marked)}"
        f"<div id='passage' class='passage' tabindex='-1'>"
        + (f"<span class='page'>{esc(page)}</span> " if page else "")
        + f"{shaped_html(src, start, end, highlights, blocks, marked)}</div>"
        f"{shaped_html(src, end, len(text), [], blocks, marked)}</div></article>"
    )


def corpus_summary(manifest: dict[str, Any] | None, corpus_dir: str, problem: str = "") -> str:
    """One line of Markdown-safe text for the page header."""
    name = esc(corpus_dir)
    if not manifest:
        return f"Corpus <code>{name}</code>: no documents yet. {esc(problem)}".strip()
    counts = manifest.get("counts", {})
    docs, passages = counts.get("documents", 0), counts.get("passages", 0)
    return f"Corpus <code>{name}</code> · {docs:,} document{'s' if docs != 1 else ''} · {passages:,} passages"


def documents_html(manifest: dict[str, Any] | None, corpus_dir: str, problem: str = "") -> str:
    """The indexed documents with their counts, and every skipped file with its reason."""
    head = f"<p class='corpus-path'>Folder <code>{esc(corpus_dir)}</code></p>"
    if not manifest:
        note = esc(problem) if problem else "No index yet."
        return head + f"<p class='notfound'>{note} Add documents below.</p>"
    counts = manifest.get("counts", {})
    files: dict[str, Any] = manifest.get("files", {})
    skipped: Sequence[dict[str, Any]] = manifest.get("skipped", [])
    summary = (
        f"<p class='counts'><strong>{counts.get('documents', len(files)):,}</strong> documents · "
        f"<strong>{counts.get('passages', 0):,}</strong> passages · "
        f"<strong>{counts.get('sentences', 0):,}</strong> sentences · "
        f"<strong>{len(skipped):,}</strong> skipped · built {esc(str(manifest.get('built_at', '?')))}</p>"
    )
    rows = "".join(
        f"<tr><td>{esc(str(meta.get('title', doc)))}</td><td><code>{esc(doc)}</code></td>"
        f"<td class='opt'>{esc(str(meta.get('format', '')))}</td><td class='num'>{int(meta.get('passages', 0)):,}</td>"
        f"<td class='num opt'>{int(meta.get('chars', 0)):,}</td></tr>"
        for doc, meta in sorted(files.items())
    )
    table = (
        "<table class='doclist' id='doc-table'><caption>Indexed documents</caption><thead><tr><th>Title</th>"
        "<th>File</th><th class='opt'>Format</th><th class='num'>Passages</th><th class='num opt'>Characters</th>"
        "</tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )
    if skipped:
        skipped_rows = "".join(
            f"<tr><td><code>{esc(str(s.get('file', '')))}</code></td><td>{esc(str(s.get('reason', '')))}</td></tr>"
            for s in skipped
        )
        table += (
            "<table class='doclist skipped' id='skipped-table'><caption>Skipped files</caption>"
            f"<thead><tr><th>File</th><th>Reason</th></tr></thead><tbody>{skipped_rows}</tbody></table>"
        )
    else:
        table += "<p class='muted'>No file was skipped.</p>"
    return head + summary + "<div class='tablewrap'>" + table + "</div>"


PAGE_CSS = """
:root { color-scheme: light dark; }
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; max-width: 860px; margin: 2rem auto;
       padding: 0 1rem; line-height: 1.55; color: #1f2328; background: #fff; }
.doctext { white-space: pre-wrap; overflow-wrap: anywhere; }
pre.code { white-space: pre; overflow-x: auto; margin: .3rem 0; padding: .4rem .6rem; background: #f6f8fa;
           border-radius: 4px; font-family: ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace; }
table.shaped { border-collapse: collapse; margin: .3rem 0; white-space: normal; overflow-wrap: normal; }
table.shaped th, table.shaped td { border: 1px solid #d0d7de; padding: .2rem .4rem; text-align: left;
                                   vertical-align: top; }
.tablewrap { overflow-x: auto; }
.passage { background: #fff8c5; outline: 2px solid #9a6700; border-radius: 4px; padding: 2px 4px;
           scroll-margin-top: 30vh; }
mark { background: #ffd33d; color: #1f2328; }
.warning { color: #9a6700; }
@media (prefers-color-scheme: dark) { body { background: #0d1117; color: #e6edf3; }
  .passage { background: #3b2f00; outline-color: #d4a72c; } mark { background: #9e6a03; color: #fff; }
  pre.code { background: #161b22; } table.shaped th, table.shaped td { border-color: #30363d; }
  .warning { color: #e3b341; } }
"""


def document_page(title: str, body: str) -> str:
    """A standalone page for a citation link: no scripts, no external resources."""
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{html.escape(title)}</title><style>{PAGE_CSS}</style></head>"
        f"<body>{body}</body></html>"
    )


# ---------------------------------------------------------------- the Evaluation tab


def _table_html(table: Any, prefix: str = "") -> str:
    """A ``qa.web.eval_tab.Table`` as a ``doclist`` table; every cell escaped."""

    def cell(tag: str, i: int, text: str) -> str:
        cls = " class='num'" if i >= table.numeric_from else ""
        return f"<{tag}{cls}>{esc(str(text))}</{tag}>"

    head = "".join(cell("th", i, h) for i, h in enumerate(table.header))
    rows = "".join("<tr>" + "".join(cell("td", i, c) for i, c in enumerate(row)) + "</tr>" for row in table.rows)
    note = f"<p class='muted'>{esc(table.note)}</p>" if table.note else ""
    return (
        f"<div class='tablewrap'><table class='doclist' id='{html.escape(prefix + table.id)}'>"
        f"<caption>{esc(table.caption)}</caption><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>"
        + note
    )


def _plots_html(plots: list[Any]) -> str:
    """The report's PNGs inline (data: URIs): nothing is served from disk, and only checked PNGs are read."""
    import base64

    figures = []
    for plot in plots:
        data = plot.read()
        if data is None:
            continue
        src = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
        figures.append(
            f"<figure><img src='{src}' alt='{esc(plot.title)}'><figcaption>{esc(plot.title)}</figcaption></figure>"
        )
    return f"<div class='evalplots'>{''.join(figures)}</div>" if figures else ""


def _report_html(view: Any, prefix: str = "") -> str:
    facts = [f"run {esc(view.created)}", esc(view.n)]
    if view.setup:
        facts.append(esc(view.setup))
    parts = [
        f"<p class='evalfacts'><strong>{esc(view.name)}</strong> · {' · '.join(facts)}</p>",
        f"<p class='muted'>On <code>{esc(view.source)}</code>; report folder <code>{esc(str(view.folder))}</code></p>",
    ]
    if view.freshness:
        cls = "stale notfound" if view.stale else "fresh muted"
        parts.append(f"<p class='{cls}' id='{html.escape(prefix)}eval-freshness'>{esc(view.freshness)}</p>")
    if view.settings_changed:
        changed = "; ".join(view.settings_changed)
        parts.append(f"<p class='muted'>Settings have changed since: {esc(changed)}.</p>")
    if view.stale and view.command:
        parts.append(f"<p>Run it again for current figures:</p><pre><code>{esc(view.command)}</code></pre>")
    parts.append(_table_html(view.headline, prefix))
    parts.append(_plots_html(view.plots))
    parts += [_table_html(t, prefix) for t in view.tables]
    return "".join(parts)


def evaluation_html(page: Any) -> str:
    """The Evaluation tab for a ``qa.web.eval_tab.EvaluationPage``: the corpus's newest report, then
    the newest benchmark reports, or a plain note with the command that makes one."""
    out = ["<section id='eval-corpus'><h3>Latest report for this corpus</h3>"]
    out.append(f"<p class='corpus-path'>Corpus <code>{esc(str(page.corpus_dir))}</code></p>")
    if page.report is None:
        out.append(
            "<p class='notfound' id='eval-none'>No evaluation report for this corpus yet (looked in "
            f"<code>{esc(str(page.reports_dir))}</code>). Make one on the command line:</p>"
            f"<pre><code id='eval-command'>{esc(page.command)}</code></pre>"
        )
        if page.command.endswith("FILE"):
            out.append(
                "<p class='muted'>FILE holds your questions, one JSON object a line: "
                '<code>{"id": "q1", "question": "…", "doc": "file.txt", "evidence": "…"}</code>, with '
                "<code>doc</code> and <code>evidence</code> null for a question the documents do not answer "
                "(see the gold file format in the README).</p>"
            )
    else:
        out.append(_report_html(page.report))
    out.append("</section><section id='eval-benchmarks'><h3>Benchmarks</h3>")
    out.append(
        "<p class='muted'>Public data sets with their own documents and index: they measure the method, "
        "not your corpus.</p>"
    )
    if not page.benchmarks:
        out.append(
            "<p class='muted'>No benchmark report yet: <code>qa eval --beir DIR</code> or "
            "<code>qa eval --squad FILE</code>.</p>"
        )
    for i, view in enumerate(page.benchmarks):
        label = {"beir": "BEIR", "squad": "SQuAD 2.0"}.get(view.kind, view.kind)
        out.append(
            f"<details class='benchmark' {'open' if i == 0 else ''}><summary>{esc(label)}: {esc(view.name)} "
            f"({esc(view.created)})</summary>{_report_html(view, f'bench-{i}-')}</details>"
        )
    out.append("</section>")
    if page.skipped:
        out.append(
            f"<p class='muted'>Skipped {len(page.skipped)} report folder{'s' if len(page.skipped) != 1 else ''} "
            f"that could not be read: {esc('; '.join(page.skipped[:5]))}</p>"
        )
    return "".join(out)
