"""Markdown read as a browser shows it: rendered by markdown-it-py (CommonMark with tables), then read by the HTML
reader. Read as plain text, a docs folder of Markdown gave passages that open with "## PyCharm", quote
"_Black_" and "[use `-`](https://…)" as written, take a code block's "out:" line for a section name, and
index a Sphinx/MyST ``{toctree}`` as if it answered something. Rendered, headings nest into a section path,
fenced code stays a code block with the sentence that introduces it, lists keep their marks and tables stay
tables, as in an HTML manual.

Why markdown-it-py: a CommonMark parser that already ships with the web layer's dependencies (rich, gradio), so
nothing new is installed, and its fence rule can be replaced to read MyST directives.
"""

from __future__ import annotations

import functools
import html
import re
from typing import Any

from qa.ingest.html import read_html_layout
from qa.types import Layout

# YAML or TOML front matter: metadata for a site generator, not text.
_FRONT_MATTER = re.compile(r"\A(?:---\n.*?\n(?:---|\.\.\.)|\+\+\+\n.*?\n\+\+\+)\n", re.DOTALL)
# MyST targets ("(labels/why-no-backslashes)=") on a line of their own: anchors, not text.
_TARGET = re.compile(r"^\([\w./:-]+\)=[ \t]*$", re.MULTILINE)
# MyST/Sphinx roles: {doc}`the label <target>` reads "the label"; {func}`len` reads as code.
_ROLE = re.compile(r"\{([a-z][\w:-]*)\}`([^`]+)`")
_PROSE_ROLES = {"doc", "ref", "any", "term", "numref", "download", "abbr"}
# MyST directives written as fences: navigation, prose boxes, reST ({eval-rst}), everything else code.
_NAVIGATION = {"toctree", "contents", "include", "index", "only"}
_BOXES = {
    "note", "warning", "tip", "important", "caution", "attention", "danger", "error", "hint", "seealso",
    "admonition", "versionadded", "versionchanged", "deprecated", "topic", "sidebar",
}  # fmt: skip
_OPTIONS = re.compile(r"\A(?:---\n.*?\n---\n|(?::[\w-]+:.*\n)+)", re.DOTALL)  # a directive's options


def _role(match: re.Match[str]) -> str:
    name, body = match.group(1), match.group(2)
    label = re.sub(r"\s*<[^<>]*>\s*$", "", body) or body  # "Black's HTTP server </usage/…>" -> the label
    label = label.lstrip("~!")
    return label if name in _PROSE_ROLES else f"`{label}`"


@functools.cache
def _renderer() -> Any:
    """One parser for every file: its rules are fixed once set, and each render keeps its own state."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": True}).enable("table")
    default_fence = md.renderer.rules["fence"]

    def fence(_renderer: Any, tokens: list[Any], idx: int, options: Any, env: Any) -> str:
        token = tokens[idx]
        directive = re.fullmatch(r"\{([\w-]+)\}\s*(.*)", token.info.strip())
        if directive is None:
            return default_fence(tokens, idx, options, env)
        name, argument = directive.group(1), directive.group(2)
        if name in _NAVIGATION:
            return ""
        if name == "eval-rst":  # reST inside Markdown, read as Sphinx would (qa.ingest.rst)
            from qa.ingest.rst import rst_fragment

            return rst_fragment(token.content)
        if name in _BOXES:
            body = _OPTIONS.sub("", token.content)
            title = html.escape(argument if name == "admonition" and argument else name.capitalize())
            return f"<aside class='admonition'><p>{title}</p>{md.render(body)}</aside>"
        return default_fence(tokens, idx, options, env)

    md.add_render_rule("fence", fence)
    return md


def render_markdown(text: str) -> str:
    """The HTML a Markdown file renders to, front matter left out and MyST roles read as their labels."""
    text = _FRONT_MATTER.sub("", text.replace("\r\n", "\n"), count=1)
    return _renderer().render(_ROLE.sub(_role, _TARGET.sub("", text)))


def markdown_page(text: str) -> str:
    """The HTML page a Markdown file renders to, its text inside <main> (an <aside> there is the text's own)."""
    return f"<html><body><main>{render_markdown(text)}</main></body></html>"


def read_markdown_layout(text: str) -> tuple[str, Layout]:
    """The file's text as a browser shows it, in blocks under their heading path (qa.ingest.html)."""
    return read_html_layout(markdown_page(text))
