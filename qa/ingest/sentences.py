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
_WORD_BEFORE = re.compile(r"([\w.]+)[.!?…]*[\"'’”)\]*]*$")


def split_sentences(text: str, offset: int = 0, min_chars: int = 3) -> list[tuple[int, int]]:
    """Spans ``(start, end)`` of the sentences in ``text``, shifted by ``offset``.

    Line breaks always end a sentence: in these documents a line is a heading, a bullet or a paragraph.
    Spans exclude surrounding whitespace; fragments shorter than ``min_chars`` are dropped.
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
            following = text[match.end() : match.end() + 3].lstrip()
            if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
                continue
            if following[:1].islower():
                continue
        _add_span(text, start, end, offset, min_chars, spans)
        start = match.end()
    _add_span(text, start, len(text), offset, min_chars, spans)
    return spans


def _add_span(text: str, start: int, end: int, offset: int, min_chars: int, out: list[tuple[int, int]]) -> None:
    piece = text[start:end]
    stripped = piece.strip()
    if len(stripped) < min_chars:
        return
    lead = len(piece) - len(piece.lstrip())
    out.append((offset + start + lead, offset + start + lead + len(stripped)))
