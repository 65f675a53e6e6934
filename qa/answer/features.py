"""What the learned answer models read: per-sentence features for the selector, per-answer ones for the
confidence. Everything here is computed from what retrieval already produced (sentence cosines, the
BM25 index's document frequencies, the passage's sentence spans), so the models add no encoding."""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Callable, Sequence

import numpy as np

from qa.answer.code import asked_code_tokens, bare_heading, block_roles, code_sentence, heading_like
from qa.answer.confidence import COUNT_QUESTION, answer_type_mismatch, asks_quantity, missing_names
from qa.index.bm25 import query_terms, tokenize
from qa.search.definitions import asked_terms, term_definitions
from qa.search.forms import (
    answer_form,
    asks_for_command,
    asks_for_default,
    asks_for_version,
    default_missing,
    default_statements,
    version_missing,
    version_statements,
)
from qa.types import Passage

# Question kinds: the answer's form follows from them (a date for "when", a figure for "how many").
_WHEN = re.compile(r"\b(?:when|what (?:year|date|decade|century|day|month|time|period)|in (?:what|which) year)\b", re.I)
_WHO = re.compile(r"\b(?:who|whom|whose)\b|\bwhat (?:person|people|group|company|organi[sz]ation)\b", re.I)
_WHERE = re.compile(r"\bwhere\b|\b(?:what|which) (?:country|city|place|region|state|town|continent)\b", re.I)
_WHY = re.compile(r"\bwhy\b|\bwhat (?:caused|causes|led to|was the reason|is the reason)\b", re.I)

_YEAR = re.compile(r"(?<![\d,.])(?:1[0-9]|20)\d\d(?:s|['’]s)?(?![\d,.]\d)|\b\d{1,2}(?:st|nd|rd|th) century\b", re.I)
_MONTHS = r"January|February|March|April|May|June|July|August|September|October|November|December"
_DATE = re.compile(rf"\b(?:{_MONTHS})\b|\b\d{{1,2}}/\d{{1,2}}/\d{{2,4}}\b", re.I)
_NUMBER = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|"
    r"thousand|million|billion|half|dozen|several)\b",
    re.I,
)
# A release or a calendar date names no count: "Beginning with version 3.37.0 (2021-11-27), the CLI can hold …"
# does not answer "how many connections can the CLI hold?"; "There can be at most 10 …" does.
_RELEASE = re.compile(r"\bversions?\s+\d+(?:\.\d+)*\b|\b\d+(?:\.\d+){2,}\b|\b\d{4}-\d\d-\d\d\b", re.I)
_NAME_INSIDE = re.compile(r"(?<=[\w,;:)] )[A-Z][a-z]+")  # a capitalised word that does not open the sentence
_REASON = re.compile(r"\b(?:because|due to|since|as a result|so that|in order to|owing to|led to|caused)\b", re.I)
# A bibliography entry: "Title (2004), Author, Publisher, www.example.org, 107 pp." Its title shares the
# question's words, yet it answers only who wrote, published or dated the work, or where to find it.
_CITED_YEAR = re.compile(r"\((?:[A-Z][a-z]+ )?(?:19|20)\d\d\)")
_SOURCE_MARK = re.compile(r"https?://\S+|\bwww\.\S+|\b\d+ pp\.|\bISBN\b|\b(?:University )?Press\b|\(eds?\.\)")
_ASKS_SOURCE = re.compile(
    r"^\s*(?:who|whose|when|where)\b|\b(?:wrote|written|authors?|edit(?:ed|or|ors)|publish(?:ed|es|er)|what year|"
    r"which year|website|web site|url|web address|how many pages)\b",
    re.I,
)

SENTENCE_FEATURES = (
    "cos",
    "cos_gap",
    "cos_best",
    "cos_prev",
    "cos_next",
    "lex",
    "lex_gap",
    "lex_best",
    "phrase",
    "novel",
    "position",
    "first",
    "log_sentences",
    "heading",
    "short",
    "log_chars",
    "lead_in",
    "after_lead_in",
    "answer_form",
    "when_date",
    "when_no_date",
    "count_number",
    "quantity_no_number",
    "who_name",
    "where_name",
    "why_reason",
    "form",
    "form_rel",
    "code",
    "code_line",
    "how_code",
    "asked_code",
    "lead_block",
    "in_block",
    "how_in_block",
    "number_in_block",
    "heading_like",
    "reference",
    "cross",
    "cross_gap",
)

CROSS_CLIP = 8.0  # the cross-encoder's logits beyond this are as sure as it gets (its training saw few)


def idf_weights(bm25: object, terms: Sequence[str], n_docs: int) -> dict[str, float]:
    """BM25's IDF of each question term, from the index's document frequencies; 1 each when the index
    cannot say (a bm25s object without ``doc_freq``)."""
    doc_freq: Callable[[str], int] | None = getattr(bm25, "doc_freq", None)
    out = {}
    for t in set(terms):
        df = doc_freq(t) if doc_freq is not None and n_docs else 0
        out[t] = float(math.log(1 + (n_docs - df + 0.5) / (df + 0.5))) if doc_freq is not None and n_docs else 1.0
    return out


def _headings(p: Passage) -> set[str]:
    """The passage's headings as the splitter may leave them (without "5.5.1.", case or spacing)."""
    return {bare_heading(part) for part in p.section.split(" — ")} - {""} if p.section else set()


def _in_heading(p: Passage, i: int, sentence: str, heads: set[str]) -> bool:
    """The sentence is a heading of the passage's path, or a part of one the splitter cut ("(12) I deleted a lot
    of data but the database file did not get any smaller." | "Is this a bug?"): its line is that heading."""
    if not any(c.isalpha() for c in sentence) or bare_heading(sentence) in heads:
        return True
    if not heads:
        return False
    a, b = p.sentences[i][0] - p.start, p.sentences[i][1] - p.start
    line = p.text[p.text.rfind("\n", 0, a) + 1 : len(p.text) if (end := p.text.find("\n", b)) < 0 else end]
    return line.strip() != sentence and bare_heading(line) in heads


def reference_entry(text: str) -> bool:
    """Whether a sentence is a bibliography entry: a year in brackets and a publisher, web address, ISBN
    or page count (two marks, so a sentence that merely cites "(2004)" is not one)."""
    return bool(_CITED_YEAR.search(text)) + len(_SOURCE_MARK.findall(text)) >= 2


def _kind_flags(question: str) -> dict[str, bool]:
    return {
        "when": bool(_WHEN.search(question)),
        "count": bool(COUNT_QUESTION.search(question)),
        "quantity": asks_quantity(question),
        "who": bool(_WHO.search(question)),
        "where": bool(_WHERE.search(question)),
        "why": bool(_WHY.search(question)),
    }


def _lexical(question: str, texts: list[str], idf: dict[str, float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(IDF-weighted share of the question's terms in each sentence, share of its adjacent term pairs,
    share of each sentence's terms that the question lacks: an answer adds something to the question)."""
    terms = query_terms(question)
    asked = set(terms)
    pairs = set(zip(terms, terms[1:]))
    total = sum(idf.get(t, 1.0) for t in asked)
    lex, phrase, novel = (np.zeros(len(texts)) for _ in range(3))
    for i, tokens in enumerate(tokenize(texts)):
        have = set(tokens)
        if total > 0:
            lex[i] = sum(idf.get(t, 1.0) for t in asked & have) / total
        if pairs:
            phrase[i] = len(pairs.intersection(zip(tokens, tokens[1:]))) / len(pairs)
        novel[i] = len(have - asked) / len(have) if have else 0.0
    return lex, phrase, novel


def stated_defaults(question: str, p: Passage, idf: dict[str, float]) -> np.ndarray | None:
    """Per sentence of ``p``: it states a default, under the subject the question names; None when the question
    asks for no default or ``p`` states none. A manual's list of variables or options states a default under each
    ("The default is ‘‘> ’’." under PS2, "The default is ‘‘+ ’’." under PS4): the one that counts is in the
    paragraph that, with the one before it (where a term's name often stands alone), shares most of the question's
    words; where that paragraph states none, none is lifted. In a table, the row that counts is the one sharing
    most of the question's words ("charsize | dimen | | font size of field text"), and it states a default with
    a value under a "Default" column or in words; another row's "by default" answers nothing asked."""
    if not asks_for_default(question):
        return None
    rows = table_rows(p)
    inside = lambda at: any(a <= at < b for a, b, _ in rows)  # noqa: E731
    prose = _stated_in_best_paragraph(question, p, idf, [s for s in default_statements(p.text) if not inside(s[0])])
    if not rows:
        return prose
    share, _, _ = _lexical(question, [p.text[a:b] for a, b, _ in rows], idf)
    if share.max() <= 0:
        return prose
    best = [(a, b, column) for (a, b, column), s in zip(rows, share) if s == share.max()]
    stating = [a for a, b, column in best if column or default_statements(p.text[a:b])]
    if not stating:
        return prose
    tabled = _sentences_holding(p, stating)
    return tabled if prose is None else prose | tabled


# A table's column of defaults: "Default", "Default value", "Defaults".
_DEFAULT_COLUMN = re.compile(r"defaults?(?:\s+values?)?", re.IGNORECASE)


def table_rows(p: Passage) -> list[tuple[int, int, bool]]:
    """The rows of ``p``'s tables, header rows aside, as (start, end) in ``p.text`` and whether the row holds a
    value under a "Default" column: a table of attributes ("len | 1.0 | preferred length of edge" under "Name |
    Default | Values") states each row's default without the word, and the header may be in an earlier passage
    (a table's parts all keep its header)."""
    out = []
    for block in p.blocks:
        if block.kind != "table":
            continue
        column = next((k for k, c in enumerate(block.columns) if _DEFAULT_COLUMN.fullmatch(c.strip())), None)
        for n, row in enumerate(block.rows):
            if (block.head and n == 0) or not row or row[0][0] < p.start:
                continue
            value = column is not None and column < len(row) and row[column][1] > row[column][0]
            out.append((row[0][0] - p.start, row[-1][1] - p.start, value))
    return out


def table_default_rows(p: Passage) -> list[tuple[int, int]]:
    """Spans (in ``p.text``) of the table rows that hold a value under a "Default" column (``table_rows``)."""
    return [(a, b) for a, b, value in table_rows(p) if value]


def quotes_table_default(p: Passage, highlights: Sequence[tuple[int, int]]) -> bool:
    """A highlight lies in a table row that states a default (``table_default_rows``)."""
    rows = table_default_rows(p)
    return any(a <= h - p.start < b for h, _ in highlights for a, b in rows)


def stated_versions(question: str, p: Passage, idf: dict[str, float]) -> np.ndarray | None:
    """Per sentence of ``p``: it names a version, in the paragraph closest to the question (as for defaults); None
    when the question asks for no version ("Which Ghostscript version does GLE need?") or ``p`` names none."""
    return _stated_in_best_paragraph(question, p, idf, version_statements(p.text) if asks_for_version(question) else [])


# A paragraph sharing this share of the best paragraph's question words counts as the best: in a list of variables
# the asked one's paragraph holds its rare name and leads by more.
NEAR_BEST = 0.8


def _stated_in_best_paragraph(
    question: str, p: Passage, idf: dict[str, float], found: list[tuple[int, int]]
) -> np.ndarray | None:
    """The sentences holding one of ``found`` (spans in ``p.text``) inside the paragraph that, with the one before
    it, shares most of the question's words, or nearly as many (``NEAR_BEST``: an introduction that repeats the
    question's words, "This screen gives a description of the Payees and memos matching process …", comes before
    "The default GnuCash account used is called Unspecified."); None where no such paragraph holds one."""
    if not found:
        return None
    bounds = [0] + [m.end() for m in re.finditer(r"\n\s*\n", p.text)] + [len(p.text) + 1]
    windows = [p.text[bounds[max(i - 1, 0)] : bounds[i + 1]] for i in range(len(bounds) - 1)]
    share, _, _ = _lexical(question, windows, idf)
    best = share.max()
    starts = [a for a, _ in found if best > 0 and share[bisect.bisect_right(bounds, a) - 1] >= NEAR_BEST * best]
    return _sentences_holding(p, starts) if starts else None


def stated_definitions(question: str, p: Passage) -> np.ndarray | None:
    """Per sentence of ``p``: it defines the term a definition question asks about ("What is S?" / "S is a very
    high level language …"); None for other questions or where ``p`` defines nothing asked."""
    terms = asked_terms(question)
    found = term_definitions(terms, p.text) if terms else []
    if not found:
        return None
    return _sentences_holding(p, [a + len(p.text[a:b]) - len(p.text[a:b].lstrip()) for a, b in found])


def _sentences_holding(p: Passage, starts: list[int]) -> np.ndarray:
    """Per sentence of ``p``: it holds one of ``starts`` (offsets in ``p.text``)."""
    spans = [(a - p.start, b - p.start) for a, b in p.sentences]
    return np.array([any(a <= s < b for s in starts) for a, b in spans], dtype=bool)


def sentence_features(
    question: str, p: Passage, cosines: np.ndarray, idf: dict[str, float], cross: np.ndarray | None = None
) -> np.ndarray:
    """One row of ``SENTENCE_FEATURES`` per sentence of ``p``; ``cosines``: each sentence's cosine with
    the question (as the pipeline scored it); ``cross``: each sentence's cross-encoder logit (``qa.answer.cross``),
    None where there is no cross-encoder: those columns are then NaN, which the models read as their mean."""
    texts = p.sentence_texts()
    n = len(texts)
    if n == 0:
        return np.zeros((0, len(SENTENCE_FEATURES)))
    cos = np.asarray(cosines, dtype=np.float64)[:n]
    if cos.size < n:
        cos = np.pad(cos, (0, n - cos.size))
    lex, phrase, novel = _lexical(question, texts, idf)
    kind = _kind_flags(question)
    heads = _headings(p)
    find = answer_form(question)
    forms = [(p.start + a, p.start + b) for a, b in find(p.text)] if find else []
    how = asks_for_command(question)
    asked = asked_code_tokens(question)
    roles = block_roles(p)
    asks_source = _ASKS_SOURCE.search(question) is not None
    rows, forms_seen = [], []
    for i, text in enumerate(texts):
        a, b = p.sentences[i]
        stripped = text.strip()
        words = len(stripped.split())
        prev_text = texts[i - 1].rstrip() if i else ""
        has_date = bool(_YEAR.search(text) or _DATE.search(text))
        numbers = _NUMBER.search(_YEAR.sub(" ", _RELEASE.sub(" ", text))) is not None
        has_name = _NAME_INSIDE.search(text) is not None
        f = {
            "cos": cos[i],
            "cos_gap": cos[i] - cos.max(),
            "cos_best": float(i == int(np.argmax(cos))),
            "cos_prev": cos[i - 1] if i else 0.0,
            "cos_next": cos[i + 1] if i + 1 < n else 0.0,
            "lex": lex[i],
            "lex_gap": lex[i] - lex.max(),
            "lex_best": float(lex[i] == lex.max() and lex.max() > 0),
            "phrase": phrase[i],
            "novel": novel[i],
            "position": i / (n - 1) if n > 1 else 0.0,
            "first": float(i == 0),
            "log_sentences": math.log(n),
            "heading": float(_in_heading(p, i, stripped, heads)),
            "short": float(words < 5),
            "log_chars": math.log1p(len(stripped)),
            "lead_in": float(stripped.endswith((":", "?"))),
            "after_lead_in": float(prev_text.endswith(":")),
            "answer_form": float(any(a <= s < b for s, _ in forms)),
            "when_date": float(kind["when"] and has_date),
            "when_no_date": float(kind["when"] and not has_date),
            "count_number": float(kind["count"] and numbers),
            "quantity_no_number": float(kind["quantity"] and answer_type_mismatch(question, text)),
            "who_name": float(kind["who"] and has_name),
            "where_name": float(kind["where"] and has_name),
            "why_reason": float(kind["why"] and _REASON.search(text) is not None),
        }
        code, line = code_sentence(p, i)
        lead, block = roles[i]
        f["code"] = float(code)
        f["code_line"] = float(line)
        f["how_code"] = float(how and (code or line))
        lowered = stripped.casefold()
        f["asked_code"] = sum(t in lowered for t in asked) / len(asked) if asked else 0.0
        f["lead_block"] = float(lead)
        f["in_block"] = float(block)
        f["how_in_block"] = float(how and block)
        figure = kind["count"] or kind["quantity"] or kind["when"]
        f["number_in_block"] = float(block and figure and (numbers or has_date))
        f["heading_like"] = float(heading_like(p, i))
        f["reference"] = float(not asks_source and reference_entry(text))
        # The form the question's kind asks for (a date, a figure, a name, a reason), present here.
        f["form"] = max(f["when_date"], f["count_number"], f["who_name"], f["where_name"], f["why_reason"])
        forms_seen.append(f["form"])
        rows.append([f.get(name, 0.0) for name in SENTENCE_FEATURES])
    return _passage_columns(np.asarray(rows, dtype=np.float64), forms_seen, cross)


def _passage_columns(out: np.ndarray, forms_seen: list[float], cross: np.ndarray | None) -> np.ndarray:
    """The columns that read the passage's other sentences too; ``out`` is filled in place."""
    n = out.shape[0]
    ce = np.full(n, np.nan) if cross is None or len(cross) != n else np.clip(cross, -CROSS_CLIP, CROSS_CLIP)
    out[:, SENTENCE_FEATURES.index("cross")] = ce
    out[:, SENTENCE_FEATURES.index("cross_gap")] = ce - ce.max()
    # Against the passage's other sentences: a date singles a sentence out only where few others hold one.
    out[:, SENTENCE_FEATURES.index("form_rel")] = np.asarray(forms_seen) - np.mean(forms_seen)
    return out


SELECTOR_LOGIT_CAP = 4.6  # the logit of 0.99; on the four tuning splits 3.0 / 4.6 / 6.0 / none moved no abstention

CONFIDENCE_FEATURES = (
    "score",
    "margin",
    "dense",
    "sentence",
    "coverage",
    "coverage_top",
    "phrases",
    "answer_form",
    "selector_best",
    "selector_logit",
    "selector_lex",
    "type_mismatch",
    "missing_names",
    "asks_when_no_date",
    "cross_best",
)


def confidence_features(
    question: str,
    top: Sequence[object],
    top_texts: Sequence[str],
    quoted: str,
    best_probability: float,
    best_row: np.ndarray | None,
    states_default: bool = False,
) -> dict[str, float]:
    """What the calibrated confidence reads. ``top``: the best candidates (``qa.types.Candidate``), best
    first; ``top_texts``: their sections and texts; ``quoted``: the top excerpt's highlighted sentences;
    ``best_probability``: the selector's probability for its best sentence, whose features are
    ``best_row`` (in ``SENTENCE_FEATURES`` order); ``states_default``: a quoted sentence is a table's row under a
    "Default" column, which states a default without the word."""
    first = top[0]
    second = top[1].score if len(top) > 1 else 0.0
    p = min(max(best_probability, 1e-4), 1 - 1e-4)
    row = dict(zip(SENTENCE_FEATURES, best_row)) if best_row is not None else {}
    return {
        # The score as the stage-off ranking gave it: the stage's additions (up to 2.5) would put answers with the
        # stage on and off on different scales, and one model serves both.
        "score": float(first.score - getattr(first, "paraphrase", 0.0)),
        "margin": float(first.score - second),
        "dense": float(first.dense),
        "sentence": float(first.sentence_score),
        "coverage": float(max(c.coverage for c in top[:3])),
        "coverage_top": float(first.coverage),
        "phrases": float(first.phrases),
        # An option's or a term's definition is a form too, but one that the confidence was not fitted on: it says
        # what an option does, not that the passage is about the command asked (qa.search.forms.option_definitions).
        "answer_form": float(first.answer_form and not getattr(first, "unfitted_form", False)),
        "selector_best": float(best_probability),
        # Beyond 0.99 the logit is out of what the confidence was fitted on, and its weight, beside selector_best's,
        # is negative: "A partial index is an index that …" (selector 0.9999, logit 9.2) read as a doubtful answer.
        "selector_logit": float(min(math.log(p / (1 - p)), SELECTOR_LOGIT_CAP)),
        "selector_lex": float(row.get("lex", 0.0)),
        # Asked for a default value or a version, the quoted answer states none: the answer's type is missing, as a
        # number is.
        "type_mismatch": float(
            answer_type_mismatch(question, quoted)
            or (default_missing(question, quoted) and not states_default)
            or version_missing(question, quoted)
        ),
        "missing_names": float(missing_names(question, top_texts)),
        "asks_when_no_date": float(row.get("when_no_date", 0.0)),
        # Does the quoted sentence answer the question, read together with it (NaN without a cross-encoder)?
        "cross_best": float(row.get("cross", math.nan)),
    }
