"""Vim help files (Vim's own manuals and every Vim plugin's ``doc/*.txt``) read as Vim shows them: rendered to
HTML here, then read by the HTML reader, as Markdown and reST are. Read as plain text, the Vim 9.0 user manual's
passages opened with "*usr_04.txt* For Vim version 9.0" (the section of every passage up to the first capitalised
subheading), "To put text from the clipboard back into the text: >" was a heading, the chapter's list of its own
sections and its "Next chapter: |usr_05.txt|" lines were passages, and "*04.1*", "|usr_toc.txt|" and the "~" that
marks a heading were quoted as written.

The format (Vim's ``:help help-writing``): a first line "*name.txt*  description", sections after a rule of "="
(or "-"), a heading line ending in " ~", ``*tags*`` (link targets) and ``|links|`` around names, an example block
after a line ending in " >" that runs while lines are indented and stops at a line starting "<", and a modeline
("vim:tw=78:ts=8:ft=help:norl:") at the end.
"""

from __future__ import annotations

import html
import re
import textwrap

_FIRST_LINE = re.compile(r"\A\s*\*[\w.+-]+\.txt\*\s")  # "*usr_04.txt*\tFor Vim version 9.0."
_MODELINE = re.compile(r"\bvim:(?:[^\n]*:)?\s*(?:ft|filetype)=help\b")
_RULE = re.compile(r"^(?:={20,}|-{20,})\s*$")
_TAG = re.compile(r"(?<![\w*])\*[^\s*|]+\*(?![\w*])")  # "*04.1*", "*'autoindent'*": a link's target, not text
_LINK = re.compile(r"(?<![\w|])\|([^\s|]+)\|(?![\w|])")  # "|usr_05.txt|" reads "usr_05.txt"
_NAVIGATION = re.compile(r"^\s*(?:Next chapter|Previous chapter|Table of contents|Copyright):", re.IGNORECASE)
_CONTENTS_LINE = re.compile(r"^\s*\|[^\s|]+\|\s+\S")  # "|04.1|\tOperators and motions": a chapter's own contents
_CAPS_HEADING = re.compile(r"^[A-Z][A-Z0-9 ,'/&()-]{2,60}$")  # "MORE CHANGES", "REPLACING WITH ONE CHARACTER"
_EXAMPLE_INDENT = re.compile(r"^ {5,}")  # an example or a screen; a 3-space indent opens a paragraph
_PARAGRAPH_INDENT = re.compile(r"^ {1,4}\S")  # "   The "dw" command …": Vim's manual opens a paragraph so
_NOTE = re.compile(r"^\s+(?:Note|NOTE|Warning|WARNING|Remark):\s*$")  # an indented aside: prose, not an example


def is_vim_help(text: str) -> bool:
    """A Vim help file: its first line names it between stars, or its modeline says ``ft=help``."""
    return bool(_FIRST_LINE.match(text)) or bool(_MODELINE.search(text[-300:]))


def _inline(line: str) -> str:
    """A line's text as Vim shows it: tags out, links by their name, escaped for HTML."""
    return html.escape(_LINK.sub(r"\1", _TAG.sub("", line)).rstrip())


def _header(lines: list[str]) -> tuple[str, int]:
    """The file's title (the last centred line of its header: "Making small changes") and where the body starts."""
    i = 1 if lines and _FIRST_LINE.match(lines[0]) else 0
    title = ""
    while i < len(lines) and (not lines[i].strip() or lines[i].startswith(" " * 10)):  # tabs expanded
        if lines[i].strip():
            title = lines[i].strip()
        i += 1
    return title, i


class _Page:
    """The HTML of a help file's body, built line by line: one paragraph, example or note open at a time."""

    def __init__(self) -> None:
        self.out: list[str] = []
        self.para: list[str] = []
        self.code: list[str] = []
        self.note: list[str] | None = None
        self.in_example = self.after_rule = False

    def flush(self) -> None:
        if self.para:
            self.out.append(f"<p>{' '.join(self.para)}</p>")
            self.para.clear()
        if self.code:
            while self.code and not self.code[-1].strip():
                self.code.pop()
            self.out.append(f"<pre>{textwrap.dedent(chr(10).join(self.code))}</pre>")  # common indent out
            self.code.clear()
        if self.note is not None:
            self.out.append(f"<aside class='admonition'><p>Note</p><p>{' '.join(self.note)}</p></aside>")
            self.note = None

    def example_line(self, line: str) -> str | None:
        """A line of an example opened by " >", kept as code (None); where the example has ended, the line
        without the "<" that may end it ("<The text is formatted.")."""
        if line.startswith("<") or (line.strip() and not _EXAMPLE_INDENT.match(line)):
            self.in_example = False
            self.flush()
            return line[1:] if line.startswith("<") else line
        self.code.append(_inline(line.removesuffix(" ~")))
        return None

    def note_line(self, line: str) -> bool:
        """A line of an indented "Note:" box: its prose; False where the box has ended."""
        if line.strip() and _EXAMPLE_INDENT.match(line) and self.note is not None:
            self.note.append(_inline(line).strip())
            return True
        self.flush()
        return not line.strip()

    def add(self, line: str) -> None:
        if self.in_example:
            rest = self.example_line(line)
            if rest is None:
                return
            line = rest
        if self.note is not None and self.note_line(line):
            return
        if _MODELINE.search(line) or _NAVIGATION.match(line) or _CONTENTS_LINE.match(line) or _RULE.match(line):
            self.flush()
            self.after_rule = self.after_rule or bool(_RULE.match(line))
        elif not line.strip():
            self.flush() if not self.code else self.code.append("")
        elif self.after_rule:  # "*04.1*\tOperators and motions": the section's number kept, its other tags not
            shown = _inline(re.sub(r"^\*([\w.-]+)\*", r"\1", line).removesuffix(" ~"))
            self.out.append(f"<h2>{' '.join(shown.split())}</h2>")
            self.after_rule = False
        elif not line[0].isspace() and (line.endswith(" ~") or _CAPS_HEADING.match(_TAG.sub("", line).strip())):
            self.flush()
            self.out.append(f"<h3>{_inline(line.removesuffix(' ~')).strip()}</h3>")
        elif _NOTE.match(line) and not self.para:
            self.flush()
            self.note = []
        elif _EXAMPLE_INDENT.match(line) and not self.para:  # a screen shown: "To err is human ~" ("~": Vim's mark)
            self.code.append(_inline(line.removesuffix(" ~")))
        else:
            self.prose(line)

    def prose(self, line: str) -> None:
        # A hanging line opening a sentence after a line without a stop is an item's description: "- click with
        # the mouse in the space after the last label" over "The next tab page will be selected, …".
        hanging = bool(self.para) and _EXAMPLE_INDENT.match(line) and line.lstrip()[:1].isupper()
        if self.code or (self.para and _PARAGRAPH_INDENT.match(line)) or (hanging and self.para[-1][-1:] not in ".,;:"):
            self.flush()
        opens = line.endswith(" >") or line == ">"
        self.para.append(_inline(line.removesuffix(">") if opens else line).strip())
        if opens:
            self.flush()
            self.in_example = True


def vim_help_page(text: str) -> str:
    """The help file as an HTML page: its title an <h1>, the line after each rule an <h2>, capitalised lines and
    lines ending in " ~" <h3>, paragraphs <p>, examples <pre>, "Note:" boxes as asides; navigation, contents
    lists and the modeline out."""
    lines = [line.expandtabs(8).rstrip() for line in text.replace("\r\n", "\n").split("\n")]  # indents as shown
    title, start = _header(lines)
    page = _Page()
    for line in lines[start:]:
        page.add(line)
    page.flush()
    head = f"<h1>{_inline(title)}</h1>" if title else ""
    return f"<html><body><main>{head}{''.join(page.out)}</main></body></html>"
