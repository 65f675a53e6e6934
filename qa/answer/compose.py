"""Answer composition: choose excerpts, highlight the sentences that answer, write the reply."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np

from qa.answer.code import BLOCK_LINES, LIST_LINE, bare_heading, block_roles, code_line
from qa.answer.copies import without_copies
from qa.search.forms import asks_for_command, command_spans
from qa.search.fusion import mmr_select
from qa.types import Candidate, Excerpt, Passage

NOT_FOUND = "I could not find an answer to this in the documents."
COPY_SCAN = 3  # candidates read per place of the pool, so that copies left out leave it full


def select_excerpts(
    candidates: list[Candidate],
    passages: list[Passage],
    vectors: np.ndarray,
    k: int,
    mmr_lambda: float,
    pool: int = 10,
    shown: Sequence[Passage] = (),
) -> list[Candidate]:
    """The k best candidates, skipping near-duplicates of a better one (MMR over passage vectors) and copies of it,
    or of a passage already ``shown``, in another document (one manual as HTML and as PDF: ``qa.answer.copies``)."""
    head = without_copies(candidates[: COPY_SCAN * pool], passages, pool, shown)
    if len(head) <= 1:
        return head
    rows = np.array([c.index for c in head])
    vecs = np.asarray(vectors[rows], dtype=np.float32)
    sim = vecs @ vecs.T
    rel = np.array([c.score for c in head], dtype=np.float64)
    if rel.max() > rel.min():
        rel = (rel - rel.min()) / (rel.max() - rel.min())
    picked = mmr_select(list(range(len(head))), sim, rel, k, mmr_lambda)
    first = head[0]
    chosen = [head[i] for i in picked]
    if chosen[0] is not first:  # the best passage always leads
        chosen = [first] + [c for c in chosen if c is not first][: k - 1]
    return chosen


def pick_highlights(
    passage: Passage,
    scores: np.ndarray,
    best_overall: float,
    max_highlights: int,
    margin: float = 0.08,
) -> list[tuple[int, int]]:
    """Sentences close to the best match of this passage and of the whole answer, in reading order."""
    if scores.size == 0 or max_highlights <= 0:
        return []
    order = np.argsort(-scores)
    best = float(scores[order[0]])
    floor = max(best - margin, best_overall - 2 * margin)
    picked = [int(i) for i in order[:max_highlights] if scores[i] >= floor]
    if not picked:
        return []
    return sorted(passage.sentences[i] for i in picked)


def best_sentences_text(passage: Passage, scores: np.ndarray, n: int = 2) -> str:
    """The ``n`` sentences of the passage closest to the query, in reading order (the whole passage when
    it has no sentence scores): what the answer-type check reads, since the answer should be in them."""
    if scores.size == 0 or not passage.sentences:
        return passage.text
    picked = sorted(int(i) for i in np.argsort(-scores)[:n])
    spans = [passage.sentences[i] for i in picked]
    return " ".join(passage.text[a - passage.start : b - passage.start] for a, b in spans)


def passing_over_headings(passage: Passage, scores: np.ndarray, penalty: float = 1.0) -> np.ndarray:
    """Sentence scores for highlighting: a passage's heading names the topic and so often matches the
    question best, but it answers nothing. On the gold dev split this puts the short answer inside the
    highlighted sentences for 28 of 40 questions instead of 26 (holdout 12 of 20 either way)."""
    if scores.size == 0 or not passage.section:
        return scores
    headings = {bare_heading(part) for part in passage.section.split(" — ")} - {""}  # headings join with " — "
    out = np.asarray(scores, dtype=np.float64).copy()
    for i, (a, b) in enumerate(passage.sentences):
        sentence = passage.text[a - passage.start : b - passage.start]
        if bare_heading(sentence) in headings or not any(c.isalpha() for c in sentence):
            out[i] -= penalty
    return out


def with_what_follows(
    passage: Passage, highlights: list[tuple[int, int]], max_highlights: int
) -> list[tuple[int, int]]:
    """A lone highlighted sentence that ends in ":" or "?" announces its answer ("… provided they:",
    "So what are the contentious issues?"), so the sentence after it is highlighted too. On the gold dev
    split, with the follow-up mix below, the quoted sentences hold the evidence for 69 of 95 answers
    instead of 67."""
    if len(highlights) != 1 or max_highlights < 2:
        return highlights
    a, b = highlights[0]
    if not passage.text[a - passage.start : b - passage.start].rstrip().endswith((":", "?")):
        return highlights
    at = next((i for i, span in enumerate(passage.sentences) if tuple(span) == (a, b)), -1)
    if at < 0 or at + 1 >= len(passage.sentences):
        return highlights
    return [passage.sentences[at], passage.sentences[at + 1]]


COMMAND_BONUS = 0.05  # within the highlight margin (0.08): it decides between near-equal sentences only
LEAD_IN = re.compile(r"(?::|\bthe following\.?|\bas follows\.?)\s*$", re.IGNORECASE)


def favouring_commands(passage: Passage, scores: np.ndarray, question: str) -> np.ndarray:
    """Sentence scores for "how do I …?" and "which file …?": a sentence naming a command, option, path or file
    name answers in the form asked for, and one naming what the question names (``/etc/hosts``) more so.
    Highlights only; the ranking of passages is left alone, since most passages of a manual name some path."""
    if scores.size == 0 or not question:
        return scores
    asked = {question[a:b].casefold() for a, b in command_spans(question)}
    how = asks_for_command(question)
    if not how and not asked:
        return scores
    out = np.asarray(scores, dtype=np.float64).copy()
    for i, (a, b) in enumerate(passage.sentences):
        sentence = passage.text[a - passage.start : b - passage.start]
        if how and (command_spans(sentence) or code_line(passage.text, a - passage.start, b - passage.start)):
            out[i] += COMMAND_BONUS
        if asked and any(name in sentence.casefold() for name in asked):
            out[i] += COMMAND_BONUS
    return out


HOW_TO = re.compile(r"\bhow\s+(?:do|can|should|would|could|must)\s+(?:i|you|we|one)\b|\bhow\s+to\b", re.I)


def _lead_in_after(text: str, a: int, b: int, s0: int, s1: int) -> bool:
    lead, between = text[s0:s1].rstrip(), text[b:s0]
    sibling = "\n" in between and LIST_LINE.match(lead)  # the list's next item ("- To remove foo, run:")
    return not between.strip() and not sibling and lead.endswith(":") and text[s1 : s1 + 1] == "\n"


def with_lead_in_after(passage: Passage, highlights: list[tuple[int, int]], question: str) -> list[tuple[int, int]]:
    """For a how-to question, a lead-in closing its paragraph right after a highlighted sentence ("… to run very
    slowly. Here are ways to avoid it:", or the paragraph after a command: "Which will add the following to a file
    named .gitconfig …:") comes with it, and so with the block it introduces: the highlight states the problem
    the question restates, or the step before; what the lead-in announces answers. Not a list's next item."""
    if not highlights or not (asks_for_command(question) or HOW_TO.search(question)):
        return highlights
    return _with_next(passage, highlights, _lead_in_after, alone=False)


def with_introduced_block(
    passage: Passage, highlights: list[tuple[int, int]], max_lines: int = BLOCK_LINES
) -> list[tuple[int, int]]:
    """A lead-in ("… run the following command:", "… looks like the following.", "… by one of the following
    commands." with the block on the next line) and the block it introduces are highlighted together,
    whichever of them was chosen: the lines after it up to the next blank line (a code block, a table, a list
    the readers keep in the lead-in's block), at most ``max_lines`` of them."""
    if not highlights:
        return highlights
    text, base = passage.text, passage.start
    spans = [tuple(s) for s in passage.sentences]
    roles = block_roles(passage)
    at = {span: i for i, span in enumerate(spans)}
    leads = set()
    for a, b in highlights:
        i = at.get((a, b), -1)
        if i >= 0 and roles[i][1]:  # a line of a block: its lead-in comes with it
            i = next(j for j in range(i - 1, -1, -1) if roles[j][0])
        if i >= 0 and (roles[i][0] or LEAD_IN.search(text[spans[i][0] - base : spans[i][1] - base])):
            leads.add(i)
    out = set(highlights)
    for i in leads:
        out.add(spans[i])
        end = spans[i][1]
        item = _item_indent(text, spans[i][0] - base)
        for span in spans[i + 1 : i + 1 + max_lines]:
            listed = LIST_LINE.match(text[span[0] - base : span[1] - base])
            if "\n\n" in text[end - base : span[0] - base] and not listed:
                break  # a blank line ends the block, unless a list goes on past it
            if listed and item is not None and (_item_indent(text, span[0] - base) or 0) <= item:
                break  # a list item's lead-in ("- To install foo, run:") ends at the next item, its sibling
            out.add(span)
            end = span[1]
    return sorted(out)


def _item_indent(text: str, at: int) -> int | None:
    """The indent of the list item whose line holds ``at``; None when that line is no list item."""
    line = text[text.rfind("\n", 0, at) + 1 :].split("\n", 1)[0]
    return len(line) - len(line.lstrip()) if LIST_LINE.match(line) else None


def with_command_after(
    passage: Passage, highlights: list[tuple[int, int]], question: str, max_lines: int = BLOCK_LINES
) -> list[tuple[int, int]]:
    """For "how do I …?" and "which command …?": a highlighted sentence whose next lines are commands of their
    own ("You can shut the system down from the command line." then "# shutdown -h now") comes with them, as
    the command is the answer the sentence only announces."""
    if not highlights or not asks_for_command(question):
        return highlights
    out = list(highlights)
    text, base = passage.text, passage.start
    spans = [tuple(s) for s in passage.sentences]
    for a, b in highlights:
        at = spans.index((a, b)) if (a, b) in spans else -1
        end = b
        for s0, s1 in spans[at + 1 : at + 1 + max_lines] if at >= 0 else ():
            gap = text[end - base : s0 - base]
            if "\n" not in gap or "\n\n" in gap or not code_line(text, s0 - base, s1 - base):
                break
            out.append((s0, s1))
            end = s1
    return sorted(set(out))


TERM_WORDS = 4  # a definition list's term line ("CDPATH", "-t timeout", "globstar") is at most this long


def _with_next(
    passage: Passage,
    highlights: list[tuple[int, int]],
    takes: Callable[[str, int, int, int, int], bool],
    alone: bool = True,
) -> list[tuple[int, int]]:
    """The highlights, each followed by the sentence after it where ``takes(text, a, b, s0, s1)`` (the passage's
    text, the highlighted sentence's span in it, the next sentence's span) says so; with ``alone``, only a
    highlight that opens its line."""
    text, base = passage.text, passage.start
    spans = [tuple(s) for s in passage.sentences]
    out = list(highlights)
    for a, b in highlights:
        at = spans.index((a, b)) if (a, b) in spans else -1
        if at < 0 or at + 1 >= len(spans):
            continue
        s0, s1 = spans[at + 1]
        opens_line = a == base or text[a - base - 1] == "\n"
        if (opens_line or not alone) and takes(text, a - base, b - base, s0 - base, s1 - base):
            out.append((s0, s1))
    return sorted(set(out))


def _term_over_definition(text: str, a: int, b: int, s0: int, s1: int) -> bool:
    term = text[a:b].strip()
    short = 0 < len(term.split()) <= TERM_WORDS and term[-1] not in ".!?:;," and term[:2] not in ("$ ", "# ")
    return short and text[b:s0] == "\n" and text[s0:s1][:1].isupper()


def with_definitions(passage: Passage, highlights: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """A highlighted term of a definition list, on a line of its own over its definition ("CDPATH" over "The
    search path for the cd command."), comes with the definition's first sentence: the term alone names what was
    asked and answers nothing, as a heading does."""
    return _with_next(passage, highlights, _term_over_definition)


def _command_in_sentence(text: str, a: int, b: int, s0: int, s1: int) -> bool:
    rest = text[s0:s1].strip()
    command = text[a:b].strip()[:2] in ("$ ", "# ") or code_line(text, a, b)
    return command and rest[:1].islower() and rest[-1:] in (".", "!", "?") and len(rest.split()) >= 4


def with_sentence_going_on(passage: Passage, highlights: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """A highlighted command line inside a sentence ("As a special shortcut," / "$ git commit -a" / "will update
    the index with any files that you've modified …") comes with the rest of that sentence, after the command:
    the command alone does not say what it does."""
    return _with_next(passage, highlights, _command_in_sentence)


def with_sentence_begun(passage: Passage, highlights: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """A highlighted sentence's tail after a command line ("If f is such a factor object, you can use" /
    "as.numeric(as.character(f))" / "to get the numbers back.") comes with the command line and the words before
    it: the tail alone says what it does, not how."""
    text, base = passage.text, passage.start
    spans = [tuple(s) for s in passage.sentences]
    out = list(highlights)
    for a, b in highlights:
        at = spans.index((a, b)) if (a, b) in spans else -1
        if at < 1 or not text[a - base : b - base][:1].islower() or text[a - base - 1 : a - base] != "\n":
            continue
        c0, c1 = spans[at - 1]
        if not code_line(text, c0 - base, c1 - base):
            continue
        out.append((c0, c1))
        if at >= 2:
            s0, s1 = spans[at - 2]
            if text[s0 - base : s1 - base].rstrip()[-1:] not in ".!?:;" and text[s1 - base : c0 - base] == "\n":
                out.append((s0, s1))
    return sorted(set(out))


def follow_lead_ins(
    passage: Passage, highlights: list[tuple[int, int]], question: str, max_highlights: int
) -> list[tuple[int, int]]:
    """The highlights with what their lead-ins announce: the sentence after a lone one ending in ":" or "?",
    the block after "… the following:", the command lines after a how-to's sentence, a term's definition, the
    rest of a sentence a command line breaks, and its start where its tail is highlighted."""
    out = with_lead_in_after(passage, with_what_follows(passage, highlights, max_highlights), question)
    out = with_introduced_block(passage, out)
    out = with_sentence_going_on(passage, with_definitions(passage, with_command_after(passage, out, question)))
    return with_sentence_begun(passage, out)


def mix_scores(context: dict[int, np.ndarray], own: dict[int, np.ndarray], own_weight: float) -> dict[int, np.ndarray]:
    """Sentence scores for a follow-up's highlights: ``own`` (cosines with the question as typed) weighs
    ``own_weight``, ``context`` (with its context words, as searched) the rest. The context finds the
    passage; the words typed say which of its sentences answers ("When was it set up?" → "Set up in 1971")."""
    out = dict(context)
    for row, mine in own.items():
        theirs = context.get(row)
        if theirs is not None and theirs.shape == mine.shape:
            out[row] = (1 - own_weight) * np.asarray(theirs, dtype=np.float64) + own_weight * mine
    return out


def make_excerpts(
    chosen: list[Candidate],
    passages: Sequence[Passage],
    sentence_scores: dict[int, np.ndarray],
    max_highlights: int,
    question: str = "",
) -> list[Excerpt]:
    empty = np.zeros(0)
    adjusted = {
        c.index: favouring_commands(
            passages[c.index], passing_over_headings(passages[c.index], sentence_scores.get(c.index, empty)), question
        )
        for c in chosen
    }
    best_overall = max((float(a.max()) for a in adjusted.values() if a.size), default=0.0)
    out = []
    for rank, c in enumerate(chosen, start=1):
        p = passages[c.index]
        scores = adjusted[c.index]
        highlights = pick_highlights(p, scores, best_overall, max_highlights) if rank == 1 or scores.size else []
        raw = sentence_scores.get(c.index, empty)
        plain = [i for i in range(scores.size) if raw.size == scores.size and scores[i] > raw[i] - 0.5]
        if rank == 1 and not highlights and plain:
            # The answer's excerpt always quotes something: its best sentence that is not a heading.
            highlights = [p.sentences[max(plain, key=lambda i: scores[i])]]
        highlights = follow_lead_ins(p, highlights, question, max_highlights)
        out.append(Excerpt(rank=rank, passage=p, score=c.score, highlights=highlights, row=c.index))
    return out


def quoted_text(excerpt: Excerpt) -> str:
    """The excerpt's highlighted sentences, joined: what the reply quotes of it."""
    p = excerpt.passage
    return " ".join(p.text[a - p.start : b - p.start] for a, b in excerpt.highlights)


def page_citation(p: Passage) -> str:
    """ "p. 12" or "pp. 12–13" for a passage of a paged document: the printed labels where the PDF defines
    them (what the reader sees on the page), else the page indexes; "" for other documents."""
    if p.page_start is None:
        return ""
    first = p.page_label or str(p.page_start)
    last = (p.page_end_label or str(p.page_end)) if p.page_label else str(p.page_end)
    if p.page_end == p.page_start or last == first:
        return f"p. {first}"
    return f"pp. {first}–{last}"


def _title_and_section(title: str, section: str) -> str:
    """The title, then the section path without the headings the title already ends with: a manual's page
    titled "Handbook — 9.7. Cron" whose path opens with its own heading is cited "Handbook — 9.7. Cron —
    9.7.1. Format", not "… 9.7. Cron — 9.7. Cron — …"."""
    head, tail = title.split(" — "), section.split(" — ") if section else []
    for n in range(min(len(head), len(tail)), 0, -1):
        if head[-n:] == tail[:n]:
            tail = tail[n:]
            break
    return " — ".join([title, *tail])


def citation_label(p: Passage) -> str:
    where = _title_and_section(p.title, p.section)
    page = page_citation(p)
    return f"{where}, {page}" if page else where


def _with_copies(label: str, e: Excerpt) -> str:
    also = also_in_label(e)
    return f"{label} ({also})" if also else label


def also_in_label(e: Excerpt) -> str:
    """ "also in faq.pdf, p. 38; faq.txt" for the copies of an excerpt's text left out of the answer; "" for none."""
    if not e.also_in:
        return ""
    return "also in " + "; ".join(copy_place(q) for q in e.also_in)


def copy_place(q: Passage) -> str:
    """Where a copy left out stands: its document, and its page where it has one ("faq.pdf, p. 38")."""
    page = page_citation(q)
    return f"{q.doc_id}, {page}" if page else q.doc_id


def answer_text(excerpts: list[Excerpt], abstained: bool) -> str:
    """The reply as plain text: the answering sentences quoted with their citation numbers."""
    if not excerpts:
        return NOT_FOUND
    if abstained:
        nearest = "; ".join(f"[{e.rank}] {citation_label(e.passage)}" for e in excerpts)
        return f"{NOT_FOUND} The nearest passages are: {nearest}."
    lines = []
    for e in excerpts[:2]:
        for a, b in e.highlights:
            sentence = e.passage.text[a - e.passage.start : b - e.passage.start].strip()
            lines.append(f"“{sentence}” [{e.rank}]")
        if lines and e.rank == 1 and len(lines) >= 2:
            break
    if not lines:
        first = excerpts[0]
        lines.append(f"“{first.passage.text.strip()[:300]}” [1]")
    sources = "\n".join(f"[{e.rank}] {_with_copies(citation_label(e.passage), e)}" for e in excerpts)
    return "\n".join(lines) + "\n\nSources:\n" + sources
