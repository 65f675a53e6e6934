"""Cutting documents into passages that follow their structure and fit the model's input.

Blocks are the blank-line separated pieces of a document. Headings become the ``section`` of the
passages after them; footnotes are kept apart from body text; small paragraphs of one section are
merged up to a target size and long ones are split at sentence boundaries.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from qa.ingest.sentences import RULE, split_sentences
from qa.types import Document, Passage

TokenCounter = Callable[[str], int]

# Bump when the chunker or sentence splitter changes its output: indexes built before then rebuild.
CHUNKER_VERSION = 7  # 7: a one-letter option alone on its line ("-e" over its description) is a sentence

_BLOCK_SEP = re.compile(r"\n[ \t\r\f\v]*\n")
_FOOTNOTE = re.compile(r"^(?:[¹²³⁴⁵⁶⁷⁸⁹⁰]+|\[\d+\]|\d+\s*\))\s")
_BULLET = re.compile(r"^\s*(?:--?\s|[*•‣◦▪]\s|\d+[.)]\s|[a-z][.)]\s)")
_NOT_HEADING = re.compile(r"www\.|https?:|\((?:19|20)\d\d\)|^sources?:", re.IGNORECASE)
_WORD = re.compile(r"\w+|[^\w\s]")


def approx_tokens(text: str) -> int:
    """Word-piece count estimate for when no tokenizer is at hand (about 1.25 pieces per word)."""
    return int(len(_WORD.findall(text)) * 1.25) + 1


@dataclass(frozen=True)
class ChunkConfig:
    target_tokens: int = 120
    max_tokens: int = 220
    overlap_sentences: int = 1


@dataclass(frozen=True)
class Block:
    start: int
    end: int
    kind: str  # "heading", "footnote" or "text"
    section: str | None = None  # the full section path, where the reader knew it (PDF, manual HTML)


# A numbered section title ("1.2. What is Debian GNU/Linux?"): a heading though it asks, as a FAQ's do.
_SECTION_NUMBER = r"\d+(?:\.\d+)+\.?\s+\S"  # "1.2. What", "7.12 How": a list's "21." is no section's
_NUMBERED_TITLE = re.compile(rf"^{_SECTION_NUMBER}")
_TOC_LINE = re.compile(rf"^\s*{_SECTION_NUMBER}")  # "    1.1. What is this FAQ?" in a contents list
# Sphinx's text builder lists its contents as bullets, one a block: "* 2.", "  * 2.1. The Debian Free …"
_TOC_ITEM = re.compile(r"^\s*[*•-]\s+\d+(?:\.\d+)*\.?\s+\S")
TOC_MIN_LINES = 8


def _underlined(text: str) -> bool:
    """One title line under an optional overline and over an underline of one repeated mark, as reST,
    Markdown and Sphinx's text builder write it: "Scope" over "====="."""
    lines = text.splitlines()
    if not 2 <= len(lines) <= 3 or not RULE.match(lines[-1]) or (len(lines) == 3 and not RULE.match(lines[0])):
        return False
    title = lines[-2].strip()
    return 0 < len(title) <= 150 and not RULE.match(title) and len(lines[-1].strip()) >= 0.6 * len(title)


def _is_heading(text: str) -> bool:
    if _underlined(text):
        return True
    if _NUMBERED_TITLE.match(text) and text.count("\n") <= 2 and len(text) <= 200 and not _NOT_HEADING.search(text):
        return True  # wrapped text breaks a long title too ("7.7. What is an Essential, … or Extra" | "package?")
    if "\n" in text or len(text) > 150 or _BULLET.match(text) or _FOOTNOTE.match(text) or _NOT_HEADING.search(text):
        return False
    if text.startswith("#"):
        return True
    letters = [c for c in text if c.isalpha()]
    if len(letters) >= 3 and sum(c.isupper() for c in letters) / len(letters) > 0.8:
        return True
    plain = text.strip("*_ ")
    return len(plain) <= 100 and not plain.endswith((".", ",", ";", "?", "!", ":", ")")) and len(plain.split()) <= 12


def _is_lead_in(text: str, block: Block) -> bool:
    return block.kind == "text" and text[block.start : block.end].endswith(":")


def is_contents(block: str) -> bool:
    """A plain-text table of contents: many lines, most of them numbered section titles ("1.1. What is this
    FAQ?"; a numbered list's "1.", "2." are not). Not text to answer from."""
    lines = block.splitlines()
    return len(lines) >= TOC_MIN_LINES and sum(bool(_TOC_LINE.match(ln)) for ln in lines) >= 0.5 * len(lines)


def iter_blocks(text: str) -> Iterator[Block]:
    """Blank-line separated blocks with surrounding whitespace trimmed off their spans; a rule ("-----") is
    no block, a table of contents a block of its own kind that no passage holds."""
    pos = 0
    for match in [*_BLOCK_SEP.finditer(text), None]:
        end = match.start() if match else len(text)
        piece = text[pos:end]
        stripped = piece.strip()
        if stripped and any(c.isalnum() for c in stripped):
            start = pos + len(piece) - len(piece.lstrip())
            indented = piece.lstrip("\r\n")[:1] in (" ", "\t")  # a command under its lead-in, not a title
            heading = not indented and _is_heading(stripped)
            kind = "heading" if heading else "footnote" if _FOOTNOTE.match(stripped) else "text"
            kind = "contents" if kind == "text" and is_contents(stripped) else kind
            yield Block(start, start + len(stripped), kind)
        if match:
            pos = match.end()


def document_blocks(doc: Document) -> list[Block]:
    """The reader's own blocks where it saw the structure, else blocks found in the text."""
    if doc.layout is not None and doc.layout.blocks:
        return [Block(a, b, kind, section) for a, b, kind, section in doc.layout.blocks]
    blocks = _contents_runs(doc.text, _join_interrupted(doc.text, list(iter_blocks(doc.text))))
    return _page_furniture(doc.text, blocks)


PAGE_REPEAT = 3  # a numbered line printed this often, alone, is a page's header or footer


def _furniture_shape(line: str) -> str:
    return re.sub(r"\d+", "#", " ".join(line.split()).casefold())


_PAGE_NUMBER = re.compile(r"\bpage\s+\d+\b", re.IGNORECASE)


def _at_page_break(text: str, block: Block) -> bool:
    """Printed next to a form feed (the page break of a text file), or naming its page ("[Page 2]")."""
    near = text[max(0, block.start - 3) : block.start] + text[block.end : block.end + 3]
    return "\f" in near or bool(_PAGE_NUMBER.search(text, block.start, block.end))


def _page_furniture(text: str, blocks: list[Block]) -> list[Block]:
    """A paginated text file (an RFC: "Fielding, et al.   Standards Track   [Page 2]" over "RFC 2616
    HTTP/1.1   June 1999") prints its footer and header as one-line blocks at every page break: each would be
    a heading, the section name of what follows. A one-line block at a page break (``_at_page_break``) holding
    a number, printed so at least PAGE_REPEAT times with only its numbers changing, is left out as contents
    are. The sentence a page break cuts stays cut: the text keeps the file's offsets."""
    single = [b.kind != "contents" and "\n" not in text[b.start : b.end] and _at_page_break(text, b) for b in blocks]
    lines = [text[b.start : b.end] for b, one in zip(blocks, single) if one]
    shapes = Counter(_furniture_shape(line) for line in lines if any(c.isdigit() for c in line))
    repeated = {shape for shape, n in shapes.items() if n >= PAGE_REPEAT}
    if not repeated:
        return blocks
    return [
        Block(b.start, b.end, "contents") if one and _furniture_shape(text[b.start : b.end]) in repeated else b
        for b, one in zip(blocks, single)
    ]


def _contents_runs(text: str, blocks: list[Block]) -> list[Block]:
    """A run of TOC_MIN_LINES or more short blocks, each a numbered contents item ("* 2.1. The Debian Free
    Software Guidelines", wrapped over three lines at most), is a table of contents written one entry a
    paragraph."""
    item = [b.kind == "text" and text.count("\n", b.start, b.end) <= 2 and bool(_TOC_ITEM.match(text[b.start : b.end]))
            for b in blocks]  # fmt: skip
    out = list(blocks)
    i = 0
    while i < len(blocks):
        j = i
        while j < len(blocks) and item[j]:
            j += 1
        if j - i >= TOC_MIN_LINES:
            out[i:j] = [Block(b.start, b.end, "contents") for b in blocks[i:j]]
        i = j + 1 if j == i else j
    return out


def _join_interrupted(text: str, blocks: list[Block]) -> list[Block]:
    """Re-join a paragraph that a page break's footnotes cut in two (it resumes in lower case)."""
    out: list[Block] = []
    for block in blocks:
        resumes = block.kind == "text" and text[block.start].islower()
        if resumes and out and out[-1].kind == "footnote":
            back = len(out) - 1
            while back > 0 and out[back].kind == "footnote":
                back -= 1
            if out[back].kind == "text":
                merged = Block(out[back].start, block.end, "text")
                del out[back:]
                out.append(merged)
                continue
        out.append(block)
    return out


WRAP_COLUMNS = 100  # a file broken into lines no longer than this…
WRAP_SHARE = 0.15  # …where this share of its lines go on from the line before, in lower case, is wrapped text
WRAP_MIN_LINES = 3  # (and at least this many)


def is_wrapped(text: str) -> bool:
    """A plain-text file broken at a fixed width (an RFC, a README, a text dump of a manual): its sentences
    run over line breaks. The shipped reports keep a paragraph on one line."""
    lines = text.splitlines()
    filled = [ln for ln in lines if ln.strip()]
    if len(filled) < 10 or sum(len(ln) > WRAP_COLUMNS for ln in filled) > 0.02 * len(filled):
        return False
    # Counted among lines that follow a line: a contents list of one-line paragraphs has no say.
    pairs = [(a, b) for a, b in zip(lines, lines[1:]) if a.strip() and b.strip()]
    goes_on = sum(1 for _, b in pairs if b.strip()[:1].islower())
    return goes_on >= WRAP_MIN_LINES and goes_on >= WRAP_SHARE * len(pairs)


_TITLE_NUMBER = re.compile(r"^(?:(?:chapter|appendix|part)\s+)?(\d+(?:\.\d+)*)\.?\s", re.IGNORECASE)


class NumberedTitles:
    """Plain text's numbered titles nested by their numbers, as a reader nests a manual's headings:
    "Chapter 7. Basics … — 7.12. How do I put a package on hold?"."""

    def __init__(self) -> None:
        self.open: list[tuple[tuple[int, ...], str]] = []

    def path(self, title: str) -> str | None:
        """The title's path under the numbered titles it belongs to; None for an unnumbered title."""
        found = _TITLE_NUMBER.match(title)
        if found is None:
            return None
        number = tuple(int(n) for n in found.group(1).split("."))
        self.open = [(n, t) for n, t in self.open if len(n) < len(number) and number[: len(n)] == n]
        self.open.append((number, title))
        return " — ".join(t for _, t in self.open)


def heading_text(raw: str) -> str:
    raw = "\n".join(line for line in raw.splitlines() if not RULE.match(line))  # a title's under- and overline
    return re.sub(r"\s+", " ", raw.strip().lstrip("#").strip().strip("*_").strip())


def chunk_document(doc: Document, config: ChunkConfig, count_tokens: TokenCounter = approx_tokens) -> list[Passage]:
    """Passages covering the document's body text, each with its section and exact offsets."""
    text = doc.text
    passages: list[Passage] = []
    section = ""
    last_kind = ""
    group: list[Block] = []
    group_tokens = 0
    heading_start: int | None = None  # a section's headings open its first passage
    group_start = 0
    wrapped = doc.layout is None and is_wrapped(text)  # a reader's layout has its paragraphs on one line
    numbered = NumberedTitles()

    def flush() -> None:
        nonlocal group, group_tokens
        if group:
            whole = _kept_whole(doc, group, config, count_tokens)
            passages.extend(
                _make_passages(doc, section, (group_start, group[-1].end), config, count_tokens, whole, wrapped)
            )
        group, group_tokens = [], 0

    for block in document_blocks(doc):
        if block.kind == "contents":  # left out, as the HTML and PDF readers leave contents out
            flush()
            heading_start, last_kind = None, "contents"
            continue
        raw = text[block.start : block.end]
        if block.section is not None and block.section != section and block.kind != "heading":
            flush()  # the reader's section changed without a heading in the text (its heading was furniture)
            section, heading_start = block.section, None
        if block.kind == "heading":
            flush()
            title = heading_text(raw)
            if block.section is not None:  # the reader's path: each heading once, nested as the document is
                section, heading_start = block.section, block.start
            elif (path := numbered.path(title)) is not None:
                section = path
                heading_start = heading_start if last_kind == "heading" and heading_start is not None else block.start
            elif last_kind == "heading" and section:
                section = f"{section} — {title}"
            else:
                section, heading_start = title, block.start
            last_kind = "heading"
            continue
        tokens = count_tokens(raw)
        kind_changed = group and (block.kind == "footnote") != (group[-1].kind == "footnote")
        # A group under half the target (a citation line, a by-line) does not stand alone: it opens the
        # next block's first passage, which is cut into sentence windows if the two are too long.
        too_big = group and (
            group_tokens >= config.target_tokens
            or (group_tokens + tokens > config.max_tokens and group_tokens >= config.target_tokens // 2)
        )
        # A lead-in ("…as follows:") opens the passage of what it introduces, not closes the one before.
        lead = group.pop() if too_big and not kind_changed and len(group) > 1 and _is_lead_in(text, group[-1]) else None
        if kind_changed or too_big:
            flush()
        if lead is not None:
            group, group_start, group_tokens = [lead], lead.start, count_tokens(text[lead.start : lead.end])
        if not group:
            group_start = heading_start if heading_start is not None and block.kind == "text" else block.start
            if group_start != block.start:
                tokens += count_tokens(text[group_start : block.start])
            heading_start = None
        group.append(block)
        group_tokens += tokens
        last_kind = block.kind
    flush()
    if not passages and text.strip():  # only headings (a one-line note): the text is its own content
        passages = _make_passages(doc, "", (0, len(text)), config, count_tokens, wrapped=wrapped)
    return passages


def _kept_whole(
    doc: Document, group: list[Block], config: ChunkConfig, count_tokens: TokenCounter
) -> list[tuple[int, int]]:
    """The blocks of ``group`` that hold code or a table (with the sentence that introduces it) and fit in
    one passage: a window never parts them."""
    if doc.layout is None or not doc.layout.shaped:
        return []
    return [
        (b.start, b.end)
        for b in group
        if doc.layout.shaped_in(b.start, b.end) and count_tokens(doc.text[b.start : b.end]) <= config.max_tokens
    ]


def _indent_start(text: str, at: int) -> int:
    """The start of the line ``at`` is on when only its indent lies before ``at``; else ``at``."""
    begin = text.rfind("\n", 0, at) + 1
    return begin if not text[begin:at].strip() else at


def _make_passages(
    doc: Document,
    section: str,
    span: tuple[int, int],
    config: ChunkConfig,
    count_tokens: TokenCounter,
    whole: Sequence[tuple[int, int]] = (),
    wrapped: bool = False,
) -> list[Passage]:
    """One passage for the span, or sentence windows of it when it is longer than the model takes. The
    ``whole`` spans (a lead-in with its code or table) are never cut between windows."""
    text, (start, end) = doc.text, span
    # Wrapped text is read from its line's start: a paragraph's indent tells its lines from a command's.
    line = _indent_start(text, start) if wrapped else start
    sentences = split_sentences(text[line:end], offset=line, wrapped=wrapped)
    if not sentences:
        return []
    if count_tokens(text[start:end]) <= config.max_tokens:
        return [_passage(doc, section, start, end, sentences)]
    units = _units(_fit_sentences(text, sentences, config.max_tokens, count_tokens), whole)
    windows: list[list[list[tuple[int, int]]]] = []
    current: list[list[tuple[int, int]]] = []
    for unit in units:
        # Counted as the window's whole text: what lies between sentences (a list's "2.") counts too.
        if current and count_tokens(text[current[0][0][0] : unit[-1][1]]) > config.max_tokens:
            windows.append(current)
            last = current[-1]  # the overlap: the last sentence again, unless it is part of a whole
            keep = [last] if config.overlap_sentences and len(last) <= config.overlap_sentences else []
            current = keep if keep and count_tokens(text[keep[0][0][0] : unit[-1][1]]) <= config.max_tokens else []
        current.append(unit)
    if current:
        windows.append(current)
    spans = [[s for unit in w for s in unit] for w in windows]
    return [_passage(doc, section, w[0][0], w[-1][1], tuple(w)) for w in spans]


def _units(pieces: list[tuple[int, int]], whole: Sequence[tuple[int, int]]) -> list[list[tuple[int, int]]]:
    """Sentences grouped so that those inside one ``whole`` span go into a window together."""
    units: list[list[tuple[int, int]]] = []
    inside_before: tuple[int, int] | None = None
    for a, b in pieces:
        inside = next((w for w in whole if w[0] <= a and b <= w[1]), None)
        if inside is not None and inside == inside_before:
            units[-1].append((a, b))
        else:
            units.append([(a, b)])
        inside_before = inside
    return units


def _fit_sentences(
    text: str, sentences: list[tuple[int, int]], max_tokens: int, count_tokens: TokenCounter
) -> list[tuple[int, int]]:
    """Sentences too long for the model are cut at word boundaries."""
    out: list[tuple[int, int]] = []
    for start, end in sentences:
        if count_tokens(text[start:end]) <= max_tokens:
            out.append((start, end))
            continue
        words = [(m.start() + start, m.end() + start) for m in re.finditer(r"\S+", text[start:end])]
        chunk_start = words[0][0]
        chunk_tokens = 0
        prev_end = words[0][1]
        for ws, we in words:
            n = count_tokens(text[ws:we])
            if chunk_tokens and chunk_tokens + n > max_tokens:
                out.append((chunk_start, prev_end))
                chunk_start, chunk_tokens = ws, 0
            chunk_tokens += n
            prev_end = we
        out.append((chunk_start, prev_end))
    return out


def _passage(doc: Document, section: str, start: int, end: int, sentences: tuple | list) -> Passage:
    pages: dict[str, object] = {}
    if doc.layout is not None and doc.layout.pages:
        first, last = doc.layout.page_at(start), doc.layout.page_at(max(start, end - 1))
        pages = {
            "page_start": first,
            "page_end": last,
            "page_label": doc.layout.label(first),
            "page_end_label": doc.layout.label(last),
        }
    return Passage(
        doc_id=doc.doc_id,
        title=doc.title,
        section=section,
        start=start,
        end=end,
        text=doc.text[start:end],
        sentences=tuple(sentences),
        blocks=doc.layout.shaped_in(start, end) if doc.layout is not None else (),
        **pages,  # type: ignore[arg-type]
    )
