"""Sections: headings from the outline, from type size and weight, or from the outline page by page (slides);
definition lists' terms, which look like headings and are not."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from qa.ingest.pdf.lines import SENTENCE_END, WORD, Line

_CONTENTS = re.compile(r"(?:table of )?contents", re.IGNORECASE)

TERM_STACK = 3  # a definition's term printed on this many lines at most ("-o, --output=file" / "=folder")


def _term_like(ln: Line) -> bool:
    """Monospace, or starting so ("log-file string"), and short: a term, not a sentence that leads in."""
    return (ln.mono or ln.starts_mono) and len(ln.text.split()) <= 6 and not ln.text.rstrip().endswith((":", "."))


def _describes(term: Line, desc: Line, body_size: float) -> bool:
    """Whether ``desc`` reads as the start of ``term``'s description: body-size text set in a little under
    the term, on the next line at normal spacing (a figure's labels beside code are smaller and far off)."""
    indent, spacing = desc.x0 - term.x0, term.y - desc.y
    return (
        abs(desc.size - body_size) <= 0.6
        and desc.size * 0.8 < indent <= desc.size * 8
        and 0 < spacing <= desc.size * 1.6
        and len(desc.text.split()) >= 2
    )


def mark_terms(pages: list[list[Line]], body_size: float) -> None:
    """Find definition lists' terms printed in typewriter on a line of their own (Texinfo's @table, an option
    list: "-s, --silent" over an indented "Show no progress, only error messages."). Read as code, the term
    would join the previous item and leave its description without its name; marked, it opens the
    paragraph its description goes on in. A term: up to TERM_STACK lines at one margin, each monospace or
    starting so ("log-file string"), right above a non-monospace line that ``_describes`` them. The end of
    a code block followed by a new paragraph has more space between, or more lines at one margin."""
    for lines in pages:
        kept = [ln for ln in lines if ln.kind == "text"]
        for k, desc in enumerate(kept):
            if desc.mono or k == 0:
                continue
            stack: list[Line] = []
            m = k - 1
            while m >= 0 and _term_like(kept[m]) and abs(kept[m].x0 - kept[k - 1].x0) <= 1:
                stack.append(kept[m])
                m -= 1
                if len(stack) > TERM_STACK:
                    break
            if not stack or len(stack) > TERM_STACK:
                continue
            if _describes(stack[0], desc, body_size):
                for ln in stack:
                    ln.mono, ln.term = False, True


SCOPE_ITEMS = 3  # a description that lists this many hanging items of its own makes its term a scope


def mark_term_scopes(pages: list[list[Line]], body_size: float) -> None:
    """A term over a description that lists items of its own (a man page's "set [-abef…]" over "-a Each variable
    …", "-b Report …", "-e Exit immediately …", each item's lines hanging under its first): every line of that
    description, and the term itself, gets the term as its ``scope``, which the reflow adds to the section path,
    so that each option's passage says whose option it is, as the indentation tells a reader. A term: a text line
    in body type, not closing a sentence, whose next line is set in two ems or more; its description: the lines
    set in deeper than the term, up to the next line that is not (or a heading); an item: a line at the
    description's margin whose next line is set in deeper still, in prose type (an indented code block is no
    list). A figure's labels or a caption are no term."""
    lines = [ln for p in pages for ln in p if ln.kind in ("text", "heading")]
    for i, term in enumerate(lines[:-1]):
        em = term.size or 10.0
        if term.kind != "text" or lines[i + 1].kind != "text" or lines[i + 1].x0 - term.x0 < 2 * em:
            continue
        if abs(term.size - body_size) > 0.6 or SENTENCE_END.search(term.text.rstrip()):
            continue
        j = i + 1
        while j < len(lines) and lines[j].kind == "text" and lines[j].x0 >= term.x0 + em:
            j += 1
        region = lines[i + 1 : j]
        margin = min(ln.x0 for ln in region)
        items = sum(
            1
            for a, b in zip(region, region[1:])
            if a.x0 - margin <= 0.3 * em and b.x0 >= a.x0 + em and not (a.mono or SENTENCE_END.search(a.text))
        )
        if items >= SCOPE_ITEMS:
            title = _term_title(lines, i)
            for ln in [term, *region]:  # inside an outer term's description: below its scope
                ln.scope = f"{ln.scope} — {title}" if ln.scope else title


def _term_title(lines: list[Line], i: int) -> str:
    """The term at ``lines[i]`` as a section name: with the line(s) above it that it goes on (a synopsis wrapped
    as "read [-ers] … [-u fd]" over "[name ...]"), without the description a short term shares its line with
    ("[ expr ] Return a status of 0 …": up to the first word that opens a sentence)."""
    words = lines[i].text.split()
    k = i
    while k > 0 and words and not words[0][:1].isalnum() and lines[k - 1].kind == "text":
        above = lines[k - 1]
        if abs(above.x0 - lines[k].x0) > 1 or SENTENCE_END.search(above.text):
            break
        words = above.text.split() + words
        k -= 1
    cut = next((n for n, w in enumerate(words) if n and re.match(r"[A-Z][a-z]", w)), len(words))
    return " ".join(words[:cut])


def drop_contents(pages: list[list[Line]]) -> None:
    """A section headed "Table of Contents" (a printed web page's own list of its sections, with no page
    numbers to tell it by) points elsewhere: it goes, up to the next heading."""
    dropping = False
    for lines in pages:
        for ln in lines:
            if ln.kind == "heading":
                dropping = bool(_CONTENTS.fullmatch(ln.section.split(" — ")[-1].strip()))
            if dropping and ln.kind in ("heading", "text"):
                ln.kind = "drop"


# --- headings -----------------------------------------------------------------------------------------------


@dataclass
class Bookmark:
    level: int
    title: str
    page: int  # 0-based; -1 when the bookmark points nowhere
    path: list[str] = field(default_factory=list)  # the titles of its ancestors


def _norm(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", text.casefold())


_NUMBERING = re.compile(
    r"^(?:(?:chapter|part|appendix|section)\s+)?(?:\d+(?:\.\d+)*\.?|[A-Z]\.(?:\d+\.?)*)\s+"
    r"|^(?:appendix|part)\s+[A-Z](?:\s*[:.—–])?\s+",  # Texinfo's "Appendix A GNU Free …", MNRAS's "APPENDIX A: …"
    re.I,
)


def _find_heading(lines: list[Line], title: str, body_size: float) -> tuple[int, int] | None:
    """Lines [i, j) of a page that print ``title`` as a heading (bigger or bolder than body text)."""
    # Texinfo's bookmarks carry the number ("1 Running lilypond"), an appendix's a bare letter ("A GNU Free …")
    want = _norm(_NUMBERING.sub("", title))
    bare = _norm(re.sub(r"^[A-Z]\s+", "", title.strip()))
    if not want:
        return None
    for i, ln in enumerate(lines):
        if ln.kind != "text" or not (ln.size > body_size * 1.05 or ln.bold):
            continue
        got = ""
        for j in range(i, min(i + 3, len(lines))):
            got += _norm(_NUMBERING.sub("", lines[j].text) if j == i else lines[j].text)
            if (got.endswith(want) and len(got) <= len(want) + 6) or (bare and got == bare):
                return i, j + 1
            if not want.startswith(got) and not got.startswith(_norm(lines[i].text)[: len(got)]):
                break
    return None


def _depth(number: str) -> int | None:
    """How deep a printed heading number puts its heading: "4" 0, "4.3" 1, "A.2" 1; None if unnumbered."""
    found = re.search(r"(\d+(?:\.\d+)*|[A-Z](?:\.\d+)+)\.?\s*$", number.strip(), re.I)
    return found.group(1).count(".") if found else None


def _level(mark: Bookmark, depth: int | None, anchor: tuple[int, int, int] | None) -> int:
    """A bookmark's level, checked against the printed numbers: Texinfo's outlines can nest "4.3 Converting"
    under "Other editors" or chapter 5 under chapter 4. A numbered heading sits as deep as its number says
    relative to the last numbered one (so a part above the chapters keeps its level); an unnumbered one moves
    with that correction. ``anchor``: (level, depth, correction) of the last numbered heading."""
    if depth is not None:
        return max(0, anchor[0] + depth - anchor[1]) if anchor else mark.level
    return max(0, mark.level + (anchor[2] if anchor else 0))


def mark_outline_headings(pages: list[list[Line]], bookmarks: list[Bookmark], body_size: float) -> int:
    """Mark the lines that print each bookmark's title as that heading, with its path from the outline
    (the printed number kept: "4.6.5 Release code names"; levels checked against the printed numbers).
    Decoration just above a chapter title ("CHAPTER", "FOUR") goes. Returns how many bookmarks were found
    on their page."""
    found = 0
    path: list[tuple[int, str]] = []
    anchor: tuple[int, int, int] | None = None
    for mark in bookmarks:
        shown = " ".join(mark.title.split())
        number = _NUMBERING.match(shown + " ")
        span: tuple[int, int] | None = None
        page = -1
        for page in (mark.page, mark.page + 1):
            span = _find_heading(pages[page], mark.title, body_size) if 0 <= page < len(pages) else None
            if span is not None:
                break
        if span is not None:
            lines, (i, j) = pages[page], span
            printed = _NUMBERING.match(lines[i].text)
            if printed and not number:
                head, _, rest = shown.partition(" ")
                same = head == printed.group().split()[-1] and rest  # "A GNU …" printed "Appendix A GNU …"
                shown = printed.group().strip() + " " + (rest if same else shown)
                number = printed
        depth = _depth(number.group()) if number else None
        level = _level(mark, depth, anchor)
        if depth is not None:
            anchor = (level, depth, level - mark.level)
        path = [(lv, t) for lv, t in path if lv < level]
        if span is not None:
            for k in range(i, j):
                lines[k].kind = "drop"
            lines[i].kind, lines[i].section = "heading", " — ".join([*(t for _, t in path), shown])
            k = i - 1
            while k >= 0 and lines[k].kind == "text" and _decoration(lines[k], body_size):
                lines[k].kind = "drop"
                k -= 1
            found += 1
        path.append((level, shown))
    return found


_SUB_NUMBER = re.compile(r"^((?:\d+|[A-Z])(?:\.\d+)+)\s+[A-Z(]")
SUB_HEADING_CHARS = 80  # a heading's length at most: a bold sentence opening with a number is no heading


def mark_sub_headings(pages: list[list[Line]]) -> int:
    """Numbered headings one level under an outline's deepest (LaTeX's subsubsections, which hyperref leaves
    out of the bookmarks at its default depth): a bold line of its own whose number goes on from the outline
    heading above it ("2.7.2 Make it robust" under "2.7 General style") is a heading under that one. Left as
    text, each ran into the paragraph before it. Returns how many were marked."""
    marks: list[tuple[Line, str]] = []
    parent: tuple[str, str] | None = None  # (number, path) of the last outline heading
    for ln in (ln for p in pages for ln in p):
        if ln.kind == "heading":
            number = _NUMBERING.match(ln.section.split(" — ")[-1] + " ")
            parent = (number.group().strip().rstrip("."), ln.section) if number else None
            continue
        sub = _SUB_NUMBER.match(ln.text) if parent and ln.kind == "text" and ln.bold and not ln.mono else None
        if sub and sub.group(1).rpartition(".")[0] == parent[0] and len(ln.text) <= SUB_HEADING_CHARS:
            if not SENTENCE_END.search(ln.text.rstrip()):
                marks.append((ln, f"{parent[1]} — {ln.text.strip()}"))
    for ln, path in marks:
        ln.kind, ln.section = "heading", path
    return len(marks)


TITLE_PAGE_LINES = 8  # a first page of this many lines or fewer is a title page (title, author, date, …)


def _title_page(pages: list[list[Line]], first: int) -> bool:
    """Whether the first page with text is a title page: a few lines, or under half the text of a usual page.
    A man page printed to PDF opens with its NAME and DESCRIPTION on a full page: those are headings."""
    sizes = sorted(sum(len(ln.text) for ln in p if ln.kind == "text") for p in pages)
    lines = [ln for ln in pages[first] if ln.kind == "text"]
    return len(lines) <= TITLE_PAGE_LINES or sum(len(ln.text) for ln in lines) < 0.5 * sizes[len(sizes) // 2]


def mark_bold_terms(pages: list[list[Line]], body_size: float) -> None:
    """A bold line in body type over a description indented well in under it is a definition list's term,
    not a heading, when it opens with no capital (a man page's "--rcfile file", "history -c") or stands two
    ems or more right of where bold titles start (its "HISTSIZE" under "Shell Variables"): marked a term, it
    opens its description's paragraph. Headings open with a capital or a number, at the titles' margin
    ("INVOCATION", "Arrays"); a paragraph's first-line indent is under two ems."""

    def plain(ln: Line) -> bool:
        return ln.bold and not ln.mono and ln.size <= body_size * 1.15

    def capital(ln: Line) -> bool:
        return ln.text.lstrip()[:1].isupper() or ln.text.lstrip()[:1].isdigit()

    titles = [ln.x0 for p in pages for ln in p if ln.kind == "text" and plain(ln) and capital(ln)]
    margin = min(titles, default=0.0)
    for lines in pages:
        kept = [ln for ln in lines if ln.kind == "text"]
        for term, desc in zip(kept, kept[1:]):
            inset = not capital(term) or term.x0 >= margin + 2 * term.size
            if plain(term) and inset and desc.x0 - term.x0 >= 2 * desc.size:
                term.term = _describes(term, desc, body_size)


def mark_size_headings(pages: list[list[Line]], body_size: float) -> None:
    """Without an outline: lines printed larger than the body text are headings, their sizes ranking them
    (the largest is a chapter); a short bold line is the smallest heading. The title page gives no section
    (its large type is the title), and a lone word above another heading ("CHAPTER", "ONE") is decoration."""

    def heading_like(ln: Line) -> bool:
        large = ln.size > body_size * 1.15
        words = len(ln.text.split())
        short = (words <= 14 or (large and words <= 24)) and not ln.text.rstrip().endswith((".", ",", ";"))
        worded = WORD.search(ln.text) is not None or re.search(r"\d", ln.text) is not None
        # Bold in body type, a heading opens with a capital or a number: "history -c" is a term, "readline
        # line buffer and …" a bold run of a sentence.
        opening = ln.text.lstrip()[:1]
        capital = opening.isupper() or opening.isdigit()
        plain = ln.kind == "text" and not ln.mono and not ln.term and id(ln) not in prose
        return plain and short and worded and (large or (ln.bold and capital))

    mark_bold_terms(pages, body_size)
    prose = {id(ln) for lines in pages for ln in _large_prose(lines, body_size)}
    first = next((i for i, p in enumerate(pages) if any(ln.kind == "text" for ln in p)), 0)
    body = [p for i, p in enumerate(pages) if i != first or len(pages) < 3 or not _title_page(pages, first)]
    sizes = sorted({ln.size for p in body for ln in p if heading_like(ln) and ln.size > body_size * 1.15}, reverse=True)
    rank = {size: i for i, size in enumerate(sizes)}
    path: list[tuple[int, str]] = []
    for lines in body:
        heading: Line | None = None  # the heading the line above is (or goes on)
        for i, ln in enumerate(lines):
            above = lines[i - 1] if i else None
            near = above is not None and above.y - ln.y <= 1.6 * ln.size
            if not heading_like(ln) and not (near and _heading_ends(heading, ln)):
                heading = None if ln.kind != "drop" else heading
                continue
            if heading is not None and above is not None and near and heading.size == ln.size:
                joined = heading.section.split(" — ")[-1] + ("" if above.hyphen else " ") + " ".join(ln.text.split())
                path[-1] = (path[-1][0], joined)  # a heading wrapped over two lines or more
                heading.section, ln.kind = " — ".join(t for _, t in path), "drop"
                continue
            if len(ln.text.split()) == 1 and i + 1 < len(lines) and heading_like(lines[i + 1]):
                ln.kind = "drop"
                continue
            number = re.match(r"\d+(?:\.\d+)*", ln.text)  # "3.1.2 …" is two below a chapter, whatever its size
            level = max(rank.get(ln.size, len(sizes)), number.group().count(".") if number else 0)
            while path and path[-1][0] >= level:
                path.pop()
            path.append((level, " ".join(ln.text.split())))
            ln.kind, ln.section = "heading", " — ".join(t for _, t in path)
            heading = ln


HEADING_LINES = 3  # a heading wraps over this many lines at most


def _large_prose(lines: list[Line], body_size: float) -> list[Line]:
    """Runs of more than HEADING_LINES lines set close together in the same type larger than the body: a
    paragraph printed large (a paper's abstract, AGU's "Abstract. This paper describes …"), not a heading."""
    found: list[Line] = []
    run: list[Line] = []
    for ln in lines:
        large = ln.kind == "text" and ln.size > body_size * 1.15
        near = bool(run) and run[-1].size == ln.size and 0 < run[-1].y - ln.y <= 1.6 * ln.size
        if not (large and near):  # the run ends here
            found += run if len(run) > HEADING_LINES else []
            run = []
        if large:
            run.append(ln)
    return found + (run if len(run) > HEADING_LINES else [])


def _heading_ends(heading: Line | None, ln: Line) -> bool:
    """A wrapped heading's last line, which may end with a stop: "4.5. /usr/include : Directory for standard" over
    "include files." (FHS 3.0, Apache FOP), in the heading's type, short, and going on in lower case."""
    if heading is None or ln.kind != "text" or ln.mono or ln.term:
        return False
    same = heading.size == ln.size and heading.bold == ln.bold
    return same and len(ln.text.split()) <= 8 and ln.text.lstrip()[:1].islower()


def mark_outline_pages(pages: list[list[Line]], bookmarks: list[Bookmark]) -> None:
    """Slides print their outline's sections in a navigation bar (left out as a running line), never as a
    heading: each bookmark's section opens at the top of the page it points to."""
    path: list[tuple[int, str]] = []
    opening: dict[int, str] = {}
    for mark in bookmarks:
        path = [(lv, t) for lv, t in path if lv < mark.level] + [(mark.level, mark.title)]
        if 0 <= mark.page < len(pages):
            opening[mark.page] = " — ".join(t for _, t in path)
    for first, section in opening.items():
        # a section opening on a step of a slide (its lines gone) opens on the page its text is read from
        number = next((n for n in range(first, len(pages)) if any(ln.kind == "text" for ln in pages[n])), first)
        top = max((ln.y for ln in pages[number]), default=0.0) + 1.0
        title = Line(section.split(" — ")[-1], number, 0.0, 0.0, top, 0.0, kind="heading", section=section)
        pages[number].insert(0, title)


def _decoration(line: Line, body_size: float) -> bool:
    """A word or two printed large or bold just above a chapter title ("CHAPTER", "FOUR"); not the end of a
    bold sentence that runs on into the line ("ifications are discovered.")."""
    words = line.text.split()
    if len(words) > 3 or line.text[:1].islower() or SENTENCE_END.search(line.text):
        return False
    return line.size > body_size * 1.05 or line.bold
