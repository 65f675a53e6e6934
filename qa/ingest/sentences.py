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


def split_sentences(text: str, offset: int = 0, min_chars: int = 3) -> list[tuple[int, int]]:
    """Spans ``(start, end)`` of the sentences in ``text``, shifted by ``offset``.

    Line breaks always end a sentence: in these documents a line is a heading, a bullet or a paragraph.
    Spans exclude surrounding whitespace. A fragment shorter than ``min_chars`` joins the sentence before it on
    its line (a command's last option, "-s", is not lost from its highlight), or is dropped when alone.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _END.finditer(text):
        end = match.end()
        if match.group().startswith("\n"):
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


def _add_span(text: str, start: int, end: int, offset: int, min_chars: int, out: list[tuple[int, int]]) -> None:
    piece = text[start:end]
    stripped = piece.strip()
    lead = len(piece) - len(piece.lstrip())
    if len(stripped) < min_chars:
        if stripped and out and "\n" not in text[out[-1][1] - offset : start + lead]:
            out[-1] = (out[-1][0], offset + start + lead + len(stripped))
        return
    out.append((offset + start + lead, offset + start + lead + len(stripped)))
