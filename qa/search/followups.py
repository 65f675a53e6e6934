"""Follow-ups that move on: a new subject, "And why?", "the second one".

``conversation.contextualise`` treats every follow-up alike: it appends up to a dozen words of the last turn,
so "What about brain drain?" after a question on remittances searches mostly for remittances and finds the
sentence that merely listed brain drain, and "And why?" re-quotes the sentence it asks about. Here a follow-up
is first classified (pure functions, no model) and each kind is searched its own way:

- ``subject``: "What about brain drain?", "And trafficking?": the typed subject leads; the conversation adds a
  few words of light context only;
- ``why``: "And why?", "How come?", "Why is that hard?": sentences that give a reason (because, due to, as a
  result, therefore …) near the last answer's quoted sentence are favoured for a bare "why", whose subject is
  that sentence; a "why" with words of its own is searched for them;
- ``ordinal``: "the second one", "the last": the item of the list in a recent answer (a numbered list, or an
  inline one: "three key issues -- remittances, brain drain and migrants' rights");
- ``reference``: "When was it founded?": the context words resolve the pronoun, as before.

The first three must not re-quote the sentence the last answer highlighted when another one answers:
``sentence_deltas`` lowers it (and raises reason sentences for ``why``) before passages are re-scored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from qa.search.conversation import (
    ORDINAL_WORDS,
    PRONOUNS,
    Turn,
    content_words,
    contextualise,
    enumerated_items,
    is_follow_up,
    is_list_entry,
    names_in,
    ordinal_in,
)
from qa.types import Candidate, Passage

Span = tuple[str, int, int]  # (doc, start, end) in the document's text

_WHY = re.compile(
    r"^(?:and|but|so|then|ok(?:ay)?|really)?[\s,]*(?:why\b|how\s+come\b|for\s+what\s+reason\b|what\s+for\b"
    r"|what(?:'s|\s+is|\s+was)\s+the\s+(?:reason|cause)\b)",
    re.IGNORECASE,
)
_SUBJECT = re.compile(r"^(?:and\s+)?(?:what|how)\s+about\s+|^what\s+of\s+|^same\s+for\s+|^and\s+(?:also\s+)?", re.I)
# Words that say a sentence gives a reason or a consequence. "as" and "since" only as conjunctions after a
# comma or at the start, so "as well as" and "since 1990" do not count.
_CAUSE = re.compile(
    r"\b(?:because|due\s+to|owing\s+to|as\s+a\s+result|result(?:s|ed)?\s+in|driven\s+by|leads?\s+to|led\s+to"
    r"|caused?\s+by|causes?|reasons?|so\s+that|given\s+that|making\s+it|which\s+means|in\s+order\s+to"
    r"|and\s+so|explains?|attributed\s+to|stems?\s+from)\b"
    r"|(?:^|[,;:]\s*)(?:as|since|for)\s+(?!well\b|long\b|such\b|example\b|instance\b|far\b|a\s+result\b|\d)"
    r"|\bas\s+(?:people|they|it|there|he|she|we|this|these|those|the\s+\w+\s+(?:is|are|was|were|will|have|has))\b",
    re.IGNORECASE,
)
# A sentence that draws a conclusion: the sentence before it gives the reason.
_CONCLUSION = re.compile(r"\b(?:therefore|thus|hence|consequently|for\s+this\s+reason|that\s+is\s+why)\b", re.I)
# An inline list after a lead ("three key issues -- a, b and c", "four areas: a; b; c; and d").
_ORDINALS = set(ORDINAL_WORDS) | {"last", "one"}
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
_LEAD = re.compile(r"(?:\s--\s|\s[–—]\s|:\s)")


@dataclass(frozen=True)
class FollowUp:
    """How to search one turn: the query, its kind, and the sentence steering the second stage applies."""

    query: str
    kind: str  # "first", "subject", "why", "ordinal" or "reference"
    avoid: tuple[Span, ...] = ()  # the last answer's quoted sentences: lowered when another sentence answers
    near: tuple[Span, ...] = ()  # for a bare "why": sentences near these are favoured, reason sentences too
    item: str = ""  # for "the second one": the list item it resolved to
    listed: tuple[str, ...] = ()  # a sentence that only lists one of these (in an inline list) is lowered too
    entries: tuple[str, ...] = ()  # the items of the list in play: a line that is one of them is lowered too

    def asked(self, question: str) -> str:
        """The words that count as the user's own (BM25 weight, phrases, highlights): the question, and the
        list item that "the second one" stands for."""
        whole = f"{question} {self.item}"
        return whole if self.item and self.query.startswith(whole) else question

    def said(self, question: str) -> str:
        """What the highlights are matched against as the user's own words: as ``asked``, but of a list
        item only its first sentence, which says what the item is (the rest elaborates on it)."""
        if not self.item:
            return question
        return f"{question} {_SENTENCE_END.split(self.item, maxsplit=1)[0]}"

    @property
    def steers(self) -> bool:
        return self.kind in {"subject", "why", "ordinal"}


def follow_up_kind(question: str, has_history: bool) -> str:
    """Which kind of turn ``question`` is (see the module docstring); "first" for one that stands alone."""
    q = " ".join(question.strip().split())
    why = _WHY.match(q)
    if has_history and why and not content_words(q[why.end() :]):
        return "why"  # "How come?" has a content word ("come") but asks about the last answer
    if not is_follow_up(q, has_history):
        return "first"
    if ordinal_in(q) is not None:
        return "ordinal"
    if _WHY.match(q):
        return "why"
    m = _SUBJECT.match(q)
    if m:
        rest = q[m.end() :]
        words = {w.lower() for w in re.findall(r"[\w'’-]+", rest)}
        pronoun_led = bool(words & (PRONOUNS - {"one", "ones", "same", "such"}))
        what_about = not m.group().lower().strip().startswith("and") or "about" in m.group().lower()
        if content_words(rest) and (what_about or not (pronoun_led or _asks_about_last(rest))):
            return "subject"
    return "reference"


def subject_of(question: str) -> str:
    """The subject a "What about …?" names, without its article: "What about the obstacles?" -> "obstacles"."""
    q = " ".join(question.strip().split())
    m = _SUBJECT.match(q)
    rest = q[m.end() :] if m else q
    return re.sub(r"^(?:the|a|an)\s+", "", rest.strip(" ?.!"), flags=re.I)


def is_bare_why(question: str) -> bool:
    """ "Why?", "And why?", "How come?": a why that names nothing, so it asks about the last answer."""
    q = " ".join(question.strip().split())
    why = _WHY.match(q)
    return bool(why) and not content_words(q[why.end() :])


def _asks_about_last(rest: str) -> bool:
    """ "And what did he recommend?", "and when was it built": a question about the last subject, not a new one."""
    return bool(re.match(r"(?:what|who|when|where|which|how|did|does|do|is|was|were|are|can|could)\b", rest, re.I))


def inline_items(text: str) -> list[str]:
    """The items of an inline list in ``text``: "… three key issues -- remittances, brain drain and migrants'
    rights." gives the three. After a lead (":", " -- "), at least two items split on ";" (up to 15 words
    each), or at least three short ones split on "," with the last "and"/"or" (up to 6 words each: a
    clause with commas is not a list). Empty when there is none."""
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        lead = list(_LEAD.finditer(sentence))
        if not lead:
            continue
        body = sentence[lead[-1].end() :].strip().rstrip(".!?")
        semi = ";" in body
        parts = [p.strip() for p in body.split(";" if semi else ",")]
        tail = re.split(r"\s+(?:and|or)\s+(?!.*\s(?:and|or)\s)", re.sub(r"^(?:and|or)\s+", "", parts[-1]))
        parts = [re.sub(r"^(?:and|or)\s+", "", p).strip() for p in parts[:-1] + (tail if not semi else [parts[-1]])]
        parts = [p for p in parts if p]
        longest = max((len(p.split()) for p in parts), default=0)
        if (semi and len(parts) >= 2 and longest <= 15) or (not semi and len(parts) >= 3 and longest <= 6):
            return parts
    return []


def lists_one_of(sentence: str, names: list[str]) -> bool:
    """Whether ``sentence`` holds an inline list naming one of ``names``: it only lists the subject."""
    items = [i.casefold() for i in inline_items(sentence)]
    return any(n.casefold() in i or i in n.casefold() for n in names if n for i in items)


def list_items(turn: Turn) -> list[str]:
    """The list a turn's answer showed: inline in its quoted sentences, else numbered in the text it came
    from (``turn.listing``), else inline in that text's first paragraph."""
    items = inline_items(turn.answer_text)
    if items:
        return items
    items = enumerated_items(turn.listing)
    if items:
        return items
    return inline_items(turn.listing.split("\n\n")[0]) if turn.listing else []


def pick(items: list[str], place: int) -> str:
    """Item ``place`` (1-based, -1 the last) of ``items``; "" when out of range."""
    at = place - 1 if place > 0 else place
    return items[at] if -len(items) <= at < len(items) else ""


def listed_item(history: list[Turn], place: int, lookback: int = 3) -> tuple[Turn | None, str]:
    """The turn and item that "the ``place``-th one" points at: the most recent of the last ``lookback``
    answered turns whose list has that many items (a two-item list does not hold "the third one")."""
    for turn in reversed(history[-lookback:]):
        item = pick(list_items(turn), place) if not turn.abstained else ""
        if item:
            return turn, item
    return None, ""


def _words(sources: list[str], own: set[str], limit: int) -> list[str]:
    out: list[str] = []
    for source in sources:
        for w in content_words(source):
            if w.lower() not in own and w.lower() not in {c.lower() for c in out}:
                out.append(w)
    return out[:limit]


def plan(question: str, history: list[Turn], subject_context_words: int = 4) -> FollowUp:
    """The query for this turn and how the second stage should steer it."""
    question = question.strip()
    kind = follow_up_kind(question, bool(history))
    if kind == "first":
        return FollowUp(question, kind)
    last = history[-1]
    avoid = tuple(last.quoted) if not last.abstained else ()
    own = {w.lower() for w in content_words(question)}
    if kind == "subject":
        # Light context: the speaker or sub-heading and names, not the last question's wording, which is
        # what pulled the search back to the sentence that only listed this subject.
        parts = last.section.split(" — ") if not last.abstained else []
        sources = [parts[-1] if parts else "", " ".join(names_in(last.answer_text)[:2]), last.query]
        context = _words(sources, own | _ORDINALS, subject_context_words)  # not "second" of "the second one"
        query = f"{question} {' '.join(context)}".strip()
        return FollowUp(query, kind, avoid, listed=(subject_of(question),))
    if kind == "ordinal":
        turn, item = listed_item(history, ordinal_in(question) or 0)
        if turn is not None:
            own |= _ORDINALS | {w.lower() for w in content_words(item)}
            context = _words([turn.section.split(" — ")[-1], turn.query], own, subject_context_words)
            query = f"{question} {item} {' '.join(context)}".strip()
            # The item may well be a sentence the list answer quoted ("First, …", "Secondly, …"): only the
            # sentence that lists it inline is lowered.
            return FollowUp(query, kind, item=item, listed=(item,), entries=tuple(list_items(turn)))
        query, _ = contextualise(question, history)
        return FollowUp(query, kind)
    if kind == "why" and is_bare_why(question) and not last.abstained and last.answer_text:
        # A bare "why?" asks about the last answer itself: its quoted words are the subject.
        context = _words([last.answer_text, last.section.split(" — ")[-1]], own, 12)
        return FollowUp(f"{question} {' '.join(context)}".strip(), kind, avoid, near=avoid)
    query, _ = contextualise(question, history)
    return FollowUp(query, kind, avoid if kind == "why" else ())


def cause_marks(sentences: list[str]) -> list[bool]:
    """Which sentences give a reason: they say so (because, due to …), or the next one concludes from them
    ("The solution, therefore, …")."""
    marks = [bool(_CAUSE.search(s)) for s in sentences]
    for i in range(len(sentences) - 1):
        if _CONCLUSION.search(sentences[i + 1]):
            marks[i] = True
    return marks


def without_repeats(doc: str, highlights: list[tuple[int, int]], avoid: tuple[Span, ...]) -> list[tuple[int, int]]:
    """An excerpt's highlights less the sentences the last answer quoted, unless nothing else is highlighted."""
    kept = [h for h in highlights if not _overlaps(doc, h[0], h[1], avoid)]
    return kept or highlights


def _overlaps(doc: str, a: int, b: int, spans: tuple[Span, ...]) -> bool:
    return any(d == doc and a < e and s < b for d, s, e in spans)


def _distance(doc: str, a: int, b: int, spans: tuple[Span, ...]) -> int | None:
    """Characters between [a, b) and the nearest span of the same document; None in another document."""
    gaps = [max(s - b, a - e, 0) for d, s, e in spans if d == doc]
    return min(gaps) if gaps else None


def sentence_deltas(
    follow: FollowUp,
    rows: list[int],
    passages: list[Passage],
    repeat_penalty: float,
    cause_bonus: float,
    near_bonus: float,
    near_chars: int = 1500,
) -> dict[int, np.ndarray]:
    """What to add to each sentence's score in ``rows``: minus ``repeat_penalty`` for a sentence the last
    answer quoted (or that only lists the subject asked about, or is a line of the list "the second one" points
    into), and for a bare "why" (one that asks about the last answer itself) plus ``cause_bonus`` for a reason
    sentence and up to ``near_bonus`` for one close before or after the last answer's quote. A "why" with words
    of its own ("Why is that hard?") is left to them: on the hard tune split the cue words moved its highlight off
    the answer. Empty when nothing applies."""
    if not follow.steers:
        return {}
    out: dict[int, np.ndarray] = {}
    for row in rows:
        p = passages[row]
        if not p.sentences:
            continue
        delta = np.zeros(len(p.sentences))
        texts = p.sentence_texts()
        causes = cause_marks(texts) if follow.near else [False] * len(texts)
        for i, (a, b) in enumerate(p.sentences):
            if (
                _overlaps(p.doc_id, a, b, follow.avoid)
                or (follow.listed and lists_one_of(texts[i], list(follow.listed)))
                or any(is_list_entry(texts[i], entry) for entry in follow.entries)
            ):
                delta[i] -= repeat_penalty
                continue
            if causes[i]:
                delta[i] += cause_bonus
            gap = _distance(p.doc_id, a, b, follow.near) if follow.near else None
            if gap is not None and gap < near_chars:
                delta[i] += near_bonus * (1 - gap / near_chars)
        if delta.any():
            out[row] = delta
    return out


def entry_masks(follow: FollowUp, rows: list[int], passages: list[Passage]) -> dict[int, np.ndarray]:
    """For "the second one": which sentences of each row are lines of the list in play, or the lead-in that
    announces it. They are not highlighted again; the reader has the list and asks what the document says about
    one item of it."""
    if not follow.entries:
        return {}
    out = {}
    for row in rows:
        p = passages[row]
        texts = p.sentence_texts()
        mask = np.array([any(is_list_entry(t, e) for e in follow.entries) for t in texts], dtype=bool)
        lead_ins = [i for i in range(len(texts) - 1) if mask[i + 1] and texts[i].rstrip().endswith(":")]
        mask[lead_ins] = True  # "Three questions were posed:" announces the list, and says no more
        if mask.any():
            out[row] = mask
    return out


def without_entries(p: Passage, highlights: list[tuple[int, int]], mask: np.ndarray | None) -> list[tuple[int, int]]:
    """``highlights`` less those on a list line ``mask`` marks (a lead-in's rule may bring one back), unless
    nothing else is highlighted."""
    if mask is None or mask.shape != (len(p.sentences),):
        return highlights
    lines = tuple((p.doc_id, a, b) for (a, b), marked in zip(p.sentences, mask) if marked)
    return without_repeats(p.doc_id, highlights, lines)


def steer(
    candidates: list[Candidate], sentence_scores: dict[int, np.ndarray], deltas: dict[int, np.ndarray], weight: float
) -> list[Candidate]:
    """Apply ``deltas`` to the sentence scores (in place) and move each passage's score by ``weight`` times the
    change of its best sentence's score, as the second stage would have scored it; best first again."""
    for c in candidates:
        delta = deltas.get(c.index)
        scores = sentence_scores.get(c.index)
        if delta is None or scores is None or scores.shape != delta.shape:
            continue
        adjusted = np.asarray(scores, dtype=np.float64) + delta
        sentence_scores[c.index] = adjusted
        best = int(np.argmax(adjusted))
        c.score += weight * (float(adjusted[best]) - c.sentence_score)
        c.best_sentence, c.sentence_score = best, float(adjusted[best])
    return sorted(candidates, key=lambda c: (-c.score, c.index))


def with_deltas(scores: dict[int, np.ndarray], deltas: dict[int, np.ndarray]) -> dict[int, np.ndarray]:
    """``scores`` with ``deltas`` added where the shapes agree (highlight scores mixed after the search)."""
    out = dict(scores)
    for row, delta in deltas.items():
        mine = out.get(row)
        if mine is not None and mine.shape == delta.shape:
            out[row] = np.asarray(mine, dtype=np.float64) + delta
    return out
