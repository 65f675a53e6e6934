"""Sentence spans with exact offsets, so highlights point at the document text itself."""

from __future__ import annotations

import re

# Words after which a full stop does not end a sentence.
_ABBREVIATIONS = {
    "e.g",
    "i.e",
    "etc",
    "cf",
    "al",
    "vs",
    "mr",
    "mrs",
    "ms",
    "dr",
    "prof",
    "st",
    "no",
    "nos",
    "op",
    "cit",
    "fig",
    "figs",
    "vol",
    "pp",
    "p",
    "ed",
    "eds",
    "inc",
    "ltd",
    "co",
    "jr",
    "sr",
    "approx",
    "dept",
    "univ",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "u.s",
    "u.k",
}
_END = re.compile(r"[.!?…]+[\"'’”)\]*]*(?=\s)|\n+")
_OPTION = re.compile(r"--?[A-Za-z0-9]")  # a command-line option goes on after "...": "--from=... --to=..."
_WORD_BEFORE = re.compile(r"([\w.]+)[.!?…]*[\"'’”)\]*]*$")


def split_sentences(text: str, offset: int = 0, min_chars: int = 3, wrapped: bool = False) -> list[tuple[int, int]]:
    """Spans ``(start, end)`` of the sentences in ``text``, shifted by ``offset``.

    Line breaks end a sentence: a line is a heading, a bullet or a paragraph, except in ``wrapped`` text (a
    plain-text file broken at 72 columns), where a line that goes on at its paragraph's indent goes on the
    sentence. Spans exclude surrounding whitespace. A fragment shorter than ``min_chars`` joins the sentence
    before it on its line (a command's last option, "-s", is not lost from its highlight), or is dropped when
    alone, unless it is a one-letter option alone on its line (an option list's term).
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _END.finditer(text):
        end = match.end()
        if match.group().startswith("\n"):
            if wrapped and match.group() == "\n" and line_goes_on(text, match.start()):
                continue
            end = match.start()
        else:
            before = _WORD_BEFORE.search(text, 0, match.end())
            word = before.group(1).lower().rstrip(".") if before else ""
            following = text[match.end() : match.end() + 4].lstrip()
            if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
                continue
            if following[:1].islower() or _OPTION.match(following):
                continue  # "… and so on." / "--from=... --to=...": the line goes on
        _add_span(text, start, end, offset, min_chars, spans)
        start = match.end()
    _add_span(text, start, len(text), offset, min_chars, spans)
    return spans


# A line of one repeated mark: a title's underline or overline ("Scope" over "=====").
RULE = re.compile(r"^\s*([=\-*~^#+`'\".:_])\1{2,}\s*$")
_ITEM = re.compile(r"[ \t]*(?:[-*•‣◦▪+]|\(?(?:\d{1,3}|[a-z])[.)])[ \t]+")  # "  * ", "2. ", "(a) "


def line_goes_on(text: str, at: int) -> bool:
    """Whether the line after the line break at ``at`` carries on the same paragraph of wrapped text: it
    starts no list item, it is indented no deeper than the line before (as deep as a list item's text after
    its mark; less deep after a paragraph's indented first line, as the GPL's), and the line before does not
    announce a block with ":". A line indented deeper is a command or a definition."""
    before = text[text.rfind("\n", 0, at) + 1 : at]
    end = text.find("\n", at + 1)
    after = text[at + 1 : end if end >= 0 else len(text)]
    if not after.strip() or not before.strip() or before.rstrip().endswith(":") or _ITEM.match(after):
        return False
    if RULE.match(after) or RULE.match(before):  # a title's underline
        return False
    item = _ITEM.match(before)
    column = item.end() if item else len(before) - len(before.lstrip())
    indent = len(after) - len(after.lstrip())
    return indent == column if item else indent <= column


# A one-letter option on a line of its own: an option list's term ("-e" over "Exit immediately if …"), which a
# passage must keep, or the passage that opens with the option's description would not say which option it is.
_ALONE_OPTION = re.compile(r"[-+][A-Za-z]")


def _add_span(text: str, start: int, end: int, offset: int, min_chars: int, out: list[tuple[int, int]]) -> None:
    piece = text[start:end]
    stripped = piece.strip()
    lead = len(piece) - len(piece.lstrip())
    if len(stripped) < min_chars and not _ALONE_OPTION.fullmatch(stripped):
        if stripped and out and "\n" not in text[out[-1][1] - offset : start + lead]:
            out[-1] = (out[-1][0], offset + start + lead + len(stripped))
        return
    out.append((offset + start + lead, offset + start + lead + len(stripped)))
