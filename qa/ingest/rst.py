"""reStructuredText (.rst) read as a browser would show it: rendered by docutils, then read by the HTML reader,
so a Python project's documentation sources keep their titles as the section path, their code blocks as code
and their tables as tables. Before, a docs folder of .rst files was skipped as "unsupported file type".

Why docutils: the reference reST parser, pure Python and well kept. Sphinx's own markup is not docutils': its
roles (:doc:`…`, :func:`…`) are read before parsing, as their label or as code; its navigation directives
(toctree, index, autodoc's) are left out, and its content directives (code-block, note-like boxes, an object's
description) keep their content. Nothing is read from outside the file: includes and raw HTML are off.
"""

from __future__ import annotations

import functools
import re
from typing import Any, ClassVar

# Sphinx roles: :doc:`the label <target>` reads "the label", :func:`~pkg.mod.name` reads as code ("name").
_ROLE = re.compile(r":([a-z][\w+.-]*(?::[a-z][\w+.-]*)?):`((?:[^`\\]|\\.)+)`")
_PROSE_ROLES = {"doc", "ref", "any", "term", "numref", "abbr", "dfn", "guilabel", "menuselection", "title"}
_NAVIGATION = (
    "toctree", "index", "only", "tabularcolumns", "literalinclude", "include", "highlight", "todo", "todolist",
    "automodule", "autoclass", "autofunction", "automethod", "autoattribute", "autodata", "autoexception",
    "autosummary", "currentmodule", "module", "py:module", "py:currentmodule", "default-domain", "default-role",
    "rst:directive:option", "graphviz", "inheritance-diagram", "raw", "meta",
    "click:run",  # Pallets' docs: code run at build time, its output (not this code) is what a reader sees
)  # fmt: skip
_BOXES = (
    "seealso", "versionadded", "versionchanged", "deprecated", "glossary", "centered", "hlist", "productionlist",
    "tabs", "tab", "group-tab",  # sphinx-tabs: each tab's title, then its content
)  # fmt: skip
_DESCRIBED = (
    "function", "class", "method", "attribute", "data", "exception", "decorator", "staticmethod", "classmethod",
    "envvar", "option", "program", "describe", "object", "confval", "event", "directive", "role",
    "py:function", "py:class", "py:method", "py:attribute", "py:data", "py:exception", "py:decorator",
    "c:function", "c:macro", "c:type", "c:member", "cpp:function", "cpp:class", "js:function",
    "rst:directive", "rst:role", "std:option",
)  # fmt: skip
_CODE = ("code-block", "sourcecode", "code-tab", "click:example")  # click:example: Pallets' example code


def _role(match: re.Match[str]) -> str:
    name, body = match.group(1), match.group(2)
    label = re.sub(r"\s*<[^<>]*>\s*$", "", body) or body  # "the toctree directive <toctree-directive>"
    if name in _PROSE_ROLES:
        return label
    label = label.lstrip("~!").rsplit(".", 1)[-1] if body.startswith("~") else label.lstrip("!")
    return f"``{label}``"


@functools.cache
def _registered() -> bool:
    """Sphinx's directives, told to docutils once: left out, kept as a box, or kept as code."""
    from docutils import nodes
    from docutils.parsers.rst import Directive, directives
    from docutils.parsers.rst.directives.body import CodeBlock

    class AnyOption(dict):  # Sphinx's options are many and vary by directive: take every one as text
        def __contains__(self, key: object) -> bool:
            return True

        def __getitem__(self, key: str) -> Any:
            return directives.unchanged

    class Ignored(Directive):
        has_content, optional_arguments, final_argument_whitespace = True, 99, True
        option_spec: ClassVar[AnyOption] = AnyOption()

        def run(self) -> list[Any]:
            return []

    class Box(Ignored):
        head: ClassVar[Any] = nodes.paragraph  # the argument's node ("versionadded:: 5.1" reads "5.1")

        def run(self) -> list[Any]:
            box = nodes.container()
            if self.arguments:
                box += self.head(text=" ".join(self.arguments))
            self.state.nested_parse(self.content, self.content_offset, box)
            return [box]

    class Described(Box):  # ".. py:function:: enumerate(sequence[, start=0])": the signature as code, then its text
        head = nodes.literal_block

    class Code(CodeBlock):
        option_spec: ClassVar[AnyOption] = AnyOption()  # :linenos:, :emphasize-lines:, :caption: …

    for name in _NAVIGATION:
        directives.register_directive(name, Ignored)
    for name in _BOXES:
        directives.register_directive(name, Box)
    for name in _DESCRIBED:
        directives.register_directive(name, Described)
    for name in _CODE:
        directives.register_directive(name, Code)
    return True


def _parts(source: str, **extra: Any) -> dict[str, Any]:
    """docutils' HTML parts of ``source``, Sphinx's roles and directives read as ours. Its own complaints (an
    unknown role, a broken table) are not printed: what it could not read is left out, as a browser would show
    nothing for it; nothing is read from outside the text."""
    from docutils.core import publish_parts

    _registered()
    overrides = {
        "report_level": 5,  # none of docutils' messages in the text or on stderr
        "halt_level": 5,
        "file_insertion_enabled": False,  # .. include:: reads nothing outside the file
        "raw_enabled": False,
        "syntax_highlight": "none",
        "embed_stylesheet": False,
        "input_encoding": "unicode",
        "traceback": True,
    }
    return dict(publish_parts(_ROLE.sub(_role, source), writer_name="html5", settings_overrides=overrides | extra))


def rst_page(source: str) -> str:
    """The document as HTML, its title the body's first heading."""
    return f"<html><body>{_parts(source)['html_body']}</body></html>"


def rst_fragment(source: str) -> str:
    """A piece of reST inside another document (MyST's ``{eval-rst}`` fence) as HTML: its first heading
    is a heading like the rest, not promoted to a title, and no page is wrapped around it."""
    return str(_parts(source, doctitle_xform=False)["body"])
