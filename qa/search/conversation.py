"""Follow-up questions without a generative model: detect them, then expand them with context.

A follow-up ("What did he recommend?", "And brain drain?") borrows the content words of the previous
resolved query and the section of the last answer. A question that stands on its own (enough content
words, no pronoun or ellipsis) starts a new topic, so old context does not leak into it. "And the second
one?" points into a list: the last answer's excerpt and what follows it are read for an enumeration
("1.", "(ii)", "b)", "Second, …") and the item's own words lead the query.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before being
    below between both but by can could did do does doing down during each else few for from further had has
    have having here how i if in into is it its itself just me more most my no nor not now of off on once
    only or other our out over own same should so some such than that the their theirs them then there these
    they this those through to too under until up very was we were what when where which while who whom why
    will with would you your yours tell me please kind sort way thing things one ones much many say said
    said according document documents text""".split()
)
PRONOUNS = frozenset(
    "he she him his her hers they them their theirs it its this that these those there such latter former "
    "same one ones".split()
)
ELLIPSIS_STARTS = (
    "and ",
    "and,",
    "but ",
    "also ",
    "so ",
    "what about",
    "how about",
    "what else",
    "anything else",
    "why",
    "how so",
    "what of",
    "same for",
    "and what",
    "and who",
    "and how",
    "and why",
    "then ",
)
_WORD = re.compile(r"[\w'’-]+", re.UNICODE)
ORDINAL_WORDS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth")
_ROMAN = ("i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x")
_ORDINAL = "|".join(ORDINAL_WORDS) + "|last|1st|2nd|3rd|[4-9]th|10th"
# "the second one", "the third?", "the last point", "number 2", "item (iii)"; not "when was it first set up".
_ORDINAL_REF = re.compile(
    rf"\bthe\s+(?P<word>{_ORDINAL})\b(?!\s+(?:time|place|world|half|step|thing\s+(?:is|was)))"
    r"|\b(?:number|point|item|no\.?)\s*\(?(?P<num>\d{1,2}|[ivx]{1,4})\b\)?",
    re.IGNORECASE,
)
# List markers, one pattern per style; the number a marker stands for is read from its group.
_MARKERS = {
    "numbered line": re.compile(r"(?:^|\n)[ \t]*(?P<n>\d{1,2})[.)][ \t]+"),
    "bracketed roman": re.compile(r"(?:^|(?<=\s))\(?(?P<n>i{1,3}|iv|v|vi{1,3}|ix|x)\)[ \t]+"),
    "bracketed letter": re.compile(r"(?:^|(?<=\s))\(?(?P<n>[a-h])\)[ \t]+"),
    "ordinal word": re.compile(  # "First, …", "Secondly, …", "And third, …" at a sentence's start
        r"(?:^|(?<=[.!?:;]\s)|(?<=\n))(?:and\s+)?(?P<n>" + "|".join(ORDINAL_WORDS) + r")(?:ly)?,\s+",
        re.IGNORECASE,
    ),
}

_CLOSING = re.compile(r"(?:(?<=[.!?:;]\s)|(?<=\n))(?:and\s+)?(?P<n>finally|lastly),\s+", re.IGNORECASE)
# Lists without numbers, counted in reading order: bullets ("- a", "* b", "• c"), and short lines of one
# paragraph, each a capitalised title without closing punctuation ("Gender and migration\nGlobalisation\n…").
_BULLET = re.compile(r"^(?P<indent>[ \t]*)[-*•·–][ \t]+(?P<item>\S.*)$")
_TITLE_LINE = re.compile(r"^[A-Z0-9][^|]{0,58}[^\s.,;:!?|]$")
_ITEM_MARK = re.compile(r"^\(?(?:\d{1,2}|[a-h]|[ivx]{1,4})[.)]\s+")  # "- a) …": the letter is not the item


def content_words(text: str) -> list[str]:
    words = [w.strip("'’-") for w in _WORD.findall(text)]
    return [w for w in words if len(w) > 2 and w.lower() not in STOPWORDS and w.lower() not in PRONOUNS]


_NAME = re.compile(r"\b[A-Z][\w'’-]+(?:\s+(?:of|for|on|and|de|van|von|the)?\s*[A-Z][\w'’-]+)+")


def names_in(text: str) -> list[str]:
    """Multi-word capitalised names ("Chukwu-Emeka Chikezie", "Development Research Centre")."""
    return [m.group().strip() for m in _NAME.finditer(text) if not m.group().isupper()]


def _position(style: str, marker: str) -> int:
    """1-based place a list marker stands for ("iii" -> 3, "c" -> 3, "Third" -> 3)."""
    m = marker.lower()
    if style == "numbered line":
        return int(m)
    if style == "bracketed roman":
        return _ROMAN.index(m) + 1
    if style == "bracketed letter":
        return ord(m) - ord("a") + 1
    return ORDINAL_WORDS.index(m) + 1


def enumerated_items(text: str, max_item_chars: int = 400) -> list[str]:
    """The items of the first list in ``text`` that counts up from one: each item's text runs to the next
    marker (the last one to the end of its paragraph). Empty when ``text`` holds no such list."""
    best: tuple[int, list[str]] | None = None
    for style, pattern in _MARKERS.items():
        run: list[re.Match[str]] = []
        for m in pattern.finditer(text):
            place = _position(style, m.group("n"))
            if place == 1:
                if len(run) >= 2:
                    break  # a second list starts: keep the first
                run = [m]
            elif run and place == len(run) + 1:
                run.append(m)
        if len(run) < 2:
            continue
        if style == "ordinal word":  # "First, … Secondly, … Finally, …": the closing item counts too
            paragraph = text.find("\n\n", run[-1].end())
            close = _CLOSING.search(text, run[-1].end(), paragraph if paragraph != -1 else len(text))
            run = run + [close] if close else run
        items = []
        for i, m in enumerate(run):
            end = run[i + 1].start() if i + 1 < len(run) else len(text)
            if i + 1 == len(run):
                paragraph_end = text.find("\n\n", m.end())
                end = paragraph_end if paragraph_end != -1 else end
            items.append(text[m.end() : end].strip(" \t\n;,.")[:max_item_chars])
        if best is None or run[0].start() < best[0]:
            best = (run[0].start(), items)
    for found in (_bullet_list(text), _line_list(text)):
        if found is not None and (best is None or found[0] < best[0]):
            best = (found[0], [item[:max_item_chars] for item in found[1]])
    return best[1] if best else []


def is_list_entry(sentence: str, item: str) -> bool:
    """Whether ``sentence`` is nothing but the list item ``item`` set as a title or a question ("- **What are
    the obstacles?**", "Globalisation"): asked about it, the reader wants what the document says under it, not
    the list line again. An entry that is a statement ("- Lack of clarity in objectives.") is itself the answer."""
    line = sentence.strip()
    m = _BULLET.match(line)
    bare = _ITEM_MARK.sub("", m.group("item") if m else line).strip(" *_;,")
    return bool(item) and not bare.endswith(".") and bare.casefold() == item.strip(" *_;,.").casefold()


def _lines(text: str) -> list[tuple[int, str]]:
    """(offset, line) for each line of ``text``."""
    out, at = [], 0
    for line in text.split("\n"):
        out.append((at, line))
        at += len(line) + 1
    return out


def _bullet_list(text: str, max_gap_lines: int = 12) -> tuple[int, list[str]] | None:
    """(offset, items) of the first run of two or more bullets with one marker at one indent. What comes between
    two of them (a command, a paragraph on the step, a deeper bullet) belongs to the item above, as in a manual's
    numbered steps; more than ``max_gap_lines`` such lines end the run."""
    run: list[tuple[int, str]] = []
    mark, gap = "", 0
    for at, line in _lines(text):
        m = _BULLET.match(line)
        if m and (not run or m.group("indent") + line.lstrip()[0] == mark):
            run.append((at, _ITEM_MARK.sub("", m.group("item")).strip(" *_;,.")))
            mark, gap = m.group("indent") + line.lstrip()[0], 0
            continue
        gap += bool(line.strip())
        if run and gap > max_gap_lines:
            if len(run) >= 2:
                break
            run = []
    return (run[0][0], [item for _, item in run]) if len(run) >= 2 else None


def _line_list(text: str) -> tuple[int, list[str]] | None:
    """(offset, items) of the first paragraph of three or more short title lines. Hard-wrapped prose does not
    qualify: its lines run long and carry on in lower case."""
    at = 0
    for paragraph in text.split("\n\n"):
        lines = paragraph.split("\n")
        if len(lines) >= 3 and all(_TITLE_LINE.match(line.strip()) for line in lines):
            return at + len(paragraph) - len(paragraph.lstrip()), [line.strip() for line in lines]
        at += len(paragraph) + 2
    return None


def ordinal_in(question: str) -> int | None:
    """Which item a question points at: 2 for "and the second one?", -1 for "the last one"; else None."""
    m = _ORDINAL_REF.search(question)
    if not m:
        return None
    if m.group("num"):
        raw = m.group("num").lower()
        place = int(raw) if raw.isdigit() else _ROMAN.index(raw) + 1 if raw in _ROMAN else 0
        return place or None  # "number 0" points at nothing
    word = m.group("word").lower()
    if word == "last":
        return -1
    if word in ORDINAL_WORDS:
        return ORDINAL_WORDS.index(word) + 1
    return int(re.sub(r"\D", "", word))


@dataclass
class Turn:
    question: str
    query: str
    section: str = ""  # section of the top excerpt, when the assistant answered
    abstained: bool = False
    answer_text: str = ""  # the highlighted sentences of the top excerpt
    row: int = -1  # index row of the top excerpt
    listing: str = ""  # the text from the top excerpt on, read when a later question says "the second one"
    quoted: list[tuple[str, int, int]] = field(default_factory=list)  # (doc, start, end) of each highlight


def kept_listing(question: str, last: Turn | None) -> str:
    """After "and the second one?" the list stays the one in play, so "what about the third?" finds it."""
    if last is None or ordinal_in(question) is None or not enumerated_items(last.listing):
        return ""
    return last.listing


# A noun phrase that points back without a pronoun: "the migrants affected", "the people involved",
# "the scheme mentioned", "the aforementioned report".
_BACK_REFERENCE = re.compile(
    r"\bthe\s+[\w'’-]+\s+(?:affected|involved|concerned|mentioned|in question|described|named|listed)\b"
    r"|\b(?:aforementioned|above-mentioned|abovementioned)\b",
    re.IGNORECASE,
)


def is_follow_up(question: str, has_history: bool) -> bool:
    if not has_history:
        return False
    q = question.strip().lower()
    words = [w.lower() for w in _WORD.findall(q)]
    if any(q.startswith(s) for s in ELLIPSIS_STARTS):
        return True
    if any(w in PRONOUNS for w in words) or _BACK_REFERENCE.search(q):
        return True
    return not content_words(question)


def contextualise(question: str, history: list[Turn], max_context_words: int = 12) -> tuple[str, bool]:
    """The query to search for this turn, and whether it was treated as a follow-up."""
    question = question.strip()
    if not is_follow_up(question, bool(history)):
        return question, False
    last = history[-1]
    own = {w.lower() for w in content_words(question)} | set(ORDINAL_WORDS) | {"last"}
    context: list[str] = []
    sources = [last.query]
    if not last.abstained:
        # The sub-heading (often a speaker's name) and names in the answer resolve "he", "it", "they".
        parts = last.section.split(" — ")
        sources = [parts[-1], " ".join(names_in(last.answer_text)[:2]), last.query, " ".join(parts[:-1])]
        place = ordinal_in(question)
        items = enumerated_items(last.listing) if place is not None else []
        if items and -len(items) <= (place - 1 if place > 0 else place) < len(items):
            sources.insert(0, items[place - 1 if place > 0 else place])
    for source in sources:
        for w in content_words(source):
            if w.lower() not in own and w.lower() not in {c.lower() for c in context}:
                context.append(w)
    context = context[:max_context_words]
    if not context:
        return question, False
    return f"{question} {' '.join(context)}", True
