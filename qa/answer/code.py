"""How a manual's sentences look on the page: a heading, a lead-in ("… run the following command:") and the
block of lines it introduces, a line that is a command. The selector reads these as features and the
highlight rules use them, because a manual answers "how do I …?" on the command line after the prose,
which shares few words with the question, while the section's heading shares the most."""

from __future__ import annotations

import re
from functools import lru_cache

from qa.search.forms import command_spans
from qa.types import Passage

_NUMBERED = re.compile(r"^(?:(?:chapter|section|appendix|part)\s+)?(?:\d+(?:\.\d+)*\.?|[A-Z]\.(?:\d+\.?)*)\s+", re.I)
# A lead-in: ends in ":" or announces what follows ("… by one of the following commands.", "… as follows.").
_LEAD_IN = re.compile(r":\s*$|\bthe following\b|\bas follows\b", re.IGNORECASE)
# A code-like token: a word with a dot, slash, underscore or inner hyphen (sources.list, dpkg-reconfigure,
# GRUB_CMDLINE_LINUX_DEFAULT), or one quoted on its own (“glerc”, " depmod -a ").
_CODE_TOKEN = re.compile(r"(?<![\w])[~.]?[A-Za-z0-9]+(?:[._/-][A-Za-z0-9]+)+|(?<![\w])\.[a-z]\w+")
_QUOTED = re.compile(r"[“\"]\s?[^\s“”\"]{2,40}(?:\s-{1,2}[\w-]+)*\s?[”\"]")
BLOCK_LINES = 8  # at most this many lines of a block belong to its lead-in
# A list item as the readers write it ("- ", "• ", "2. ", "b) "): what a lead-in announces, even past a blank line.
LIST_LINE = re.compile(r"^\s*(?:[-*•·–]{1,2}|\(?(?:\d{1,2}|[a-h])[.)])\s+\S")
# What every form of qa.search.forms.command_spans needs somewhere in the text (a path's "/", a file name's
# ".ext", an option's "-", a prompt's "$" or "#", a named command): most prose sentences lack all of them,
# and this check costs a tenth of the full search, which is what the answer step spends most on here.
_MAYBE_COMMAND = re.compile(
    r"[/$#-]|\.[a-z]|\b(?:sudo|apt|dpkg|systemctl|dch|debuild|dput|dcut|reportbug|bts|lintian|git|make|command)\b"
)


def bare_heading(text: str) -> str:
    """A heading as the sentence splitter may leave it: without its number ("5.5.1. Finding optimal MTU" is
    split after "5.5.1."), case and spacing."""
    return " ".join(_NUMBERED.sub("", text.strip()).split()).casefold()


def code_line(text: str, a: int, b: int) -> bool:
    """A line of its own that reads as a command ("ringlog verify", "# dmesg -n3"): a shell prompt, or lower
    case first with no sentence stop and short. The readers keep a code block's lines as lines."""
    line = text[a:b].strip()
    alone = (a == 0 or text[a - 1] == "\n") and (b >= len(text) or text[b] == "\n")
    if not alone or not line:
        return False
    if line[:2] in ("$ ", "# ", "% ", "> "):
        return True
    return line[:1].isascii() and line[:1].islower() and line[-1:] not in ".,;:!?" and len(line.split()) <= 12


def _span_text(p: Passage, i: int) -> tuple[int, int]:
    a, b = p.sentences[i]
    return a - p.start, b - p.start


def code_sentence(p: Passage, i: int) -> tuple[bool, bool]:
    """(sentence ``i`` names a command, option, path or file name; it is a command line of its own)."""
    a, b = _span_text(p, i)
    text = p.text[a:b]
    line = code_line(p.text, a, b)
    named = _MAYBE_COMMAND.search(text) is not None and bool(command_spans(text))
    quoted = ('"' in text or "“" in text) and _QUOTED.search(text) is not None
    return bool(line or named or quoted), line


@lru_cache(maxsize=256)
def asked_code_tokens(question: str) -> frozenset[str]:
    """The commands, paths, options and file names the question names, case-folded ("modules.dep",
    "/etc/hosts", "--purge"): a sentence naming them is about what was asked."""
    found = {question[a:b].strip(" -\t").casefold() for a, b in command_spans(question)}
    found |= {m.group().casefold() for m in _CODE_TOKEN.finditer(question)}
    found |= {m.group().casefold() for m in re.finditer(r"(?<![\w-])--?[A-Za-z][\w-]*", question)}
    return frozenset(t for t in found if len(t) > 2)


def _gap(p: Passage, i: int) -> str:
    """The text between sentence ``i - 1`` and sentence ``i``."""
    return p.text[_span_text(p, i - 1)[1] : _span_text(p, i)[0]]


def opens_code(p: Passage, i: int) -> bool:
    """Sentence ``i`` breaks off where the reader's code block starts: a lead-in without a colon, as Texinfo
    manuals write them ("To see the changes between two versions, use" over "convert-ly --from=… -s")."""
    if i + 1 >= len(p.sentences):
        return False
    a, b = _span_text(p, i)
    text = p.text[a:b].rstrip()
    if not text or not text[-1].isalpha() or not text[-1].islower():
        return False
    nxt = p.sentences[i + 1][0]
    return any(s.kind == "code" and s.start <= nxt < s.end for s in p.blocks)


def block_roles(p: Passage) -> list[tuple[bool, bool]]:
    """Per sentence: (it is a lead-in followed by a block, it is a line of a block a lead-in introduces).
    A block: the lines right after the lead-in, each on a line of its own, up to the next blank line."""
    n = len(p.sentences)
    roles = [(False, False)] * n
    i = 0
    while i < n:
        a, b = _span_text(p, i)
        nxt = i + 1 < n and "\n" in _gap(p, i + 1) and "\n\n" not in _gap(p, i + 1)
        if not (nxt and (_LEAD_IN.search(p.text[a:b].strip()) or opens_code(p, i))):
            i += 1
            continue
        roles[i] = (True, roles[i][1])
        j = i + 1
        while j < n and j <= i + BLOCK_LINES and "\n\n" not in _gap(p, j):
            roles[j] = (False, True)
            j += 1
        i = j
    return roles


def heading_like(p: Passage, i: int) -> bool:
    """Sentence ``i`` reads as a heading or caption ("Tip", "Table 3.4.", "List of kernel error levels"): a
    short line of its own, starting upper case, without a closing stop, or a number alone."""
    a, b = _span_text(p, i)
    text = p.text[a:b].strip()
    if not text or not any(c.isalpha() for c in text):
        return True
    before = p.text[:a]
    alone = (not before.strip() or before.endswith("\n")) and (b >= len(p.text) or p.text[b] == "\n")
    if not alone or len(text.split()) > 10 or not text[:1].isupper():
        return False
    return text[-1] not in ".?!:;," or bool(re.match(r"^(?:Table|Figure|Example|Listing)\s+[\d.]+\.?$", text))
