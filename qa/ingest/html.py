"""Reading an HTML page, a manual's chapter above all, the way a person reads it.

A manual's page holds more than its text: a navigation header and footer (Prev, Up, Home, Next), breadcrumbs,
"download the ebook" links, a site's sidebar, the chapter's own table of contents, ¶ anchors beside headings.
None of that is text a question is answered from, and a navigation line taken for a heading would become the
section of every passage after it. A manual's own boxes inside its sections (DocBook sidebars: TIP, NOTE, BACK
TO BASICS) are text, their title a heading while the box lasts. What is left is walked in document order:
headings give the section path (their nesting in the page's sections, each heading once), paragraphs, list
items and a term with its definition are blocks, inline elements run together as a browser shows them, and a
``<pre>`` block or a table stays in the block of the sentence that introduces it. BeautifulSoup (html.parser)
reads the markup, as before, so any page that parsed still parses.
"""

from __future__ import annotations

import re
import warnings
from typing import Any

from bs4.element import NavigableString, PreformattedString

from qa.types import Layout, Shaped, cell_spans

FURNITURE_TAGS = {"nav", "footer", "aside"}
FURNITURE_ROLES = {"navigation", "contentinfo", "complementary", "search"}
CONTENT_TAGS = {"article", "main"}  # a footer or aside inside these is the text's own (a by-line, a box)
# Classes that DocBook, Sphinx, MkDocs, Doxygen and most site generators give their navigation and TOCs.
NAV_CLASS = re.compile(
    r"^(?:nav(?:header|footer|bar|igation)?|breadcrumbs?|related|sphinxsidebar\w*|(?:local-|section-|mini-)?toc|contents|sidebar"
    r"|list-of-\w+|menu|pager|prev-?next|headerlink|skip-?link|wy-nav-\w+|rst-versions|md-(?:header|footer|sidebar)\w*"
    r"|(?:short)?contents(?:_element|-heading))$",  # texi2any: div.Contents_element, h2.contents-heading
    re.I,
)
# A class-named box: a site's sidebar outside the text, but DocBook's <sidebar> (Publican's TIP, NOTE, "BACK TO
# BASICS" boxes) inside a chapter's sections is text, as an <aside> inside an article is.
BOX_CLASS = re.compile(r"^sidebar$", re.I)
# DocBook's admonitions (div.note > h3.title "Note"): in the text, titled boxes as sidebars are.
ADMONITION_CLASS = re.compile(r"^(?:note|tip|warning|caution|important)$", re.I)
# A site's footer as a class (Sphinx: div.footer, the copyright line): furniture outside the text only.
FURNITURE_IDS = {"titlearea"}  # Doxygen's banner: the project's name and logo over every page
# A page banner by its id ("page-header": Apache's product name and menu over every page), when it holds no heading.
BANNER_ID = re.compile(r"^(?:page-?header|masthead|banner)$", re.I)
PAGE_TITLE_CLASS = "headertitle"  # Doxygen's page title: a div, not a heading, above the page's own <h1>s
FOOTER_CLASS = re.compile(r"^(?:footer|copyright)$", re.I)
NAV_WORDS = re.compile(r"\b(?:prev(?:ious)?|next|up|home|top|index|contents|download|ebook|pdf|epub)\b", re.I)
SECTIONING = {"section", "article"}
SECTION_CLASS = re.compile(
    r"^(?:chapter|section|sect\d|appendix|preface|part|refentry|refsect\d|refsynopsisdiv|simplesect|article)$", re.I
)
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
BLOCKS = {"p", "li", "dt", "dd", "blockquote", "figcaption", "caption", "address", "summary"}
INLINE = {
    "a", "abbr", "acronym", "b", "bdi", "bdo", "big", "cite", "code", "data", "dfn", "em", "font", "i", "img", "kbd",
    "label", "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time", "tt", "u", "var", "wbr",
}  # fmt: skip
BOX_LEVEL = 99  # a box's title sits below every heading of the page
QUESTION_RANK = 7  # a FAQ's bold question, or SQLite's hidden <h>, sits below the page's h1-h6
QUESTION_CHARS = 300  # a bold paragraph longer than this is a sentence stressed, not a question heading
LAYOUT_INSIDE = ["p", "pre", "ul", "ol", "dl", "div", "table", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6"]
LINK_PAGE_SHARE = 0.6  # a page whose text is mostly link text is an index or a table of contents
KEEP_MENU_CHARS = 500  # a page left with less than this (and under a fifth) without its menus keeps them
SHORT_PAGE_CHARS = 200  # prose left beside a long menu that is a page of its own


class NavigationOnly(ValueError):
    """The page is a menu of links: nothing in it answers a question."""


def _classes(tag: Any) -> list[str]:
    value = tag.get("class") if tag.attrs else None
    return value if isinstance(value, list) else str(value or "").split()


def _is_nav_list(tag: Any) -> bool:
    """A short run of links whose words are navigation words: "Prev | Up | Next", "Download the ebook"."""
    text = tag.get_text(" ", strip=True)
    links = tag.find_all("a")
    if not links or len(text) > 200:
        return False
    link_text = sum(len(a.get_text(" ", strip=True)) for a in links)
    images = [img.get("alt", "") for a in links for img in a.find_all("img")]
    words = NAV_WORDS.findall(text + " " + " ".join(images))
    return bool(words) and (link_text >= 0.5 * len(text) or len(words) >= 2)


TRAIL_CHARS = 400  # a breadcrumb trail or a list of languages is short
LINK_BOX_CHARS = 3000  # a box of links beside the text (a page's contents and "See also"), not a chapter
# Between a trail's links: "Apache > HTTP Server > Documentation", "Home » Guides".
_TRAIL_SEPARATOR = re.compile(r"\s*[>»›]\s*")


def _words_besides(text: str, parts: list[Any]) -> str:
    """``text`` (a tag's) without the text of ``parts`` (its links, its headings): the words it holds of its own."""
    for part in parts:
        text = text.replace(part.get_text(" ", strip=True), " ", 1)
    return text


def _is_trail(tag: Any) -> bool:
    """A breadcrumb trail (three or more links joined by ">" or "»", the current page's name perhaps after them)
    or the page's list of its other languages (two or more links marked ``hreflang``): where the reader is,
    never the text."""
    if tag.name not in {"p", "div", "ul", "ol", "span"}:
        return False
    kids = list(tag.children)  # the separators and the language links stand right in the trail, so look there first
    joined = any(getattr(c, "name", None) is None and _TRAIL_SEPARATOR.search(str(c)) for c in kids)
    if not joined and not any(getattr(c, "name", None) == "a" and c.get("hreflang") for c in kids):
        return False
    rest = tag.get_text(" ", strip=True)
    links = tag.find_all("a") if len(rest) <= TRAIL_CHARS else []
    if len(links) < 2:
        return False
    rest = _words_besides(rest, links)
    if sum(1 for a in links if a.get("hreflang")) >= 2:
        return len(rest.replace("|", " ").split()) <= 4
    pieces = _TRAIL_SEPARATOR.split(rest)
    return (
        len(links) >= 3
        and len(pieces) >= 3
        and not any(x.strip() for x in pieces[:-1])
        and len(pieces[-1].split()) <= 6
    )


def _is_link_box(tag: Any) -> bool:
    """A box of five or more links, headed perhaps ("See also"), holding no text of its own beyond them: Apache's
    quick view (the page's contents and its "See also" links) beside the text. Its heading would otherwise head
    the page's sections after it."""
    if tag.find(["p", "pre", "table"]) is not None:
        return False
    rest = tag.get_text(" ", strip=True)
    links = tag.find_all("a") if len(rest) <= LINK_BOX_CHARS else []
    if len(links) < 5:
        return False
    return len(_words_besides(rest, [*links, *tag.find_all(HEADINGS)]).split()) <= 3


def _is_link_list(tag: Any) -> bool:
    """A list or table of five or more links and little else: a table of contents without its class."""
    links = tag.find_all("a")
    if len(links) < 5:
        return False
    text = len(tag.get_text(" ", strip=True))
    return sum(len(a.get_text(" ", strip=True)) for a in links) >= 0.7 * text


# "Skip to content": a link to the page's own text for keyboard and screen-reader users (MkDocs Material,
# javadoc's "Skip navigation links"), never the text itself.
SKIP_LINK = re.compile(r"skip (?:to|over|navigation)\b", re.IGNORECASE)


def _is_skip_link(tag: Any) -> bool:
    return (
        tag.name == "a"
        and str(tag.get("href") or "").startswith("#")
        and bool(SKIP_LINK.match(tag.get_text(" ", strip=True)))
    )


LINK_RUN = 5  # paragraphs in a row that are each one link: a contents list written as paragraphs
_CONTENTS_TITLE = re.compile(r"(?:table of )?contents", re.IGNORECASE)


def _one_link(tag: Any) -> bool:
    links = tag.find_all("a") if tag.name in {"p", "div"} else []
    text = tag.get_text(" ", strip=True)
    return len(links) == 1 and bool(text) and links[0].get_text(" ", strip=True) == text


def link_paragraph_runs(soup: Any) -> list[Any]:
    """Runs of LINK_RUN or more sibling paragraphs that are each a single link, with the "Table of Contents"
    paragraph over them: a contents list that a converter wrote as paragraphs (pandoc's Word output, read
    back by mammoth or pandoc), which no list or class marks."""
    found: list[Any] = []
    for parent in soup.find_all(True):
        run: list[Any] = []
        for child in [*(c for c in parent.children if getattr(c, "name", None)), None]:
            if child is not None and _one_link(child):
                run.append(child)
                continue
            if len(run) >= LINK_RUN:
                title = run[0].find_previous_sibling(True)
                heading = title is not None and _CONTENTS_TITLE.fullmatch(title.get_text(" ", strip=True))
                found += ([title] if heading else []) + run
            run = []
    return found


def anchor_link_runs(soup: Any) -> list[Any]:
    """Runs of LINK_RUN or more links to places on the same page ("#NAME", "#SYNOPSIS") standing one per line,
    with nothing but line breaks between them: the page's own contents as groff -Thtml writes it at the top of a
    man page, which no list or class marks."""
    found: list[Any] = []
    for parent in soup.find_all(True):
        run: list[Any] = []
        for child in [*parent.children, None]:
            name = getattr(child, "name", None)
            if child is not None and name is None and not str(child).strip():
                continue  # whitespace between the links
            if name == "br" and run:
                run.append(child)
                continue
            if name == "a" and str(child.get("href") or "").startswith("#") and child.get_text(strip=True):
                run.append(child)
                continue
            if sum(1 for t in run if t.name == "a") >= LINK_RUN:
                found += run
            run = []
    return found


def furniture(soup: Any) -> list[Any]:
    """The outermost furniture elements: navigation and per-page tables of contents anywhere, and site
    footers and sidebars outside the article."""
    found: list[Any] = []
    seen: set[int] = set()  # by identity: bs4 tags compare equal when their markup is
    for tag in soup.find_all(True):
        if any(id(a) in seen for a in tag.parents):
            continue  # inside furniture already found
        role = str(tag.get("role") or "").lower()
        classes = _classes(tag)
        by_class = any(NAV_CLASS.match(c) and not BOX_CLASS.match(c) for c in classes)
        # "contents" is a table of contents to texi2html but the page's text itself to Doxygen: prose is text.
        if by_class and {c.lower() for c in classes if NAV_CLASS.match(c)} == {"contents"}:
            by_class = link_share(tag) >= LINK_PAGE_SHARE
        ident = str(tag.get("id") or "")
        by_class = by_class or ident in FURNITURE_IDS or (bool(BANNER_ID.match(ident)) and not tag.find(HEADINGS))
        box = _is_box(tag)
        footer = any(FOOTER_CLASS.match(c) for c in classes) or bool(FOOTER_CLASS.match(ident))
        if _is_skip_link(tag):
            found.append(tag)
            seen.add(id(tag))
            continue
        if not (tag.name in FURNITURE_TAGS or role in FURNITURE_ROLES or by_class or box or footer):
            listing = tag.name in {"ul", "ol", "dl", "table"} and _is_link_list(tag)
            listing = listing or (tag.name == "table" and tag.find("a", class_="summary-letter") is not None)
            listing = listing or _is_trail(tag) or (tag.name == "div" and _is_link_box(tag))
            if listing or (tag.name in {"p", "div", "ul", "table", "td"} and _is_nav_list(tag)):
                found.append(tag)
                seen.add(id(tag))
            continue
        menu = tag.name == "nav" or role in {"navigation", "search"} or by_class
        if not menu and (any(_is_content(a) for a in tag.parents) or (box and _box_in_text(tag))):
            continue
        found.append(tag)
        seen.add(id(tag))
    runs = link_paragraph_runs(soup) + anchor_link_runs(soup)
    return found + [tag for tag in runs if not any(id(a) in seen for a in tag.parents)]


def _is_content(tag: Any) -> bool:
    """The page's text itself: an article or main element, or Sphinx's div role=main."""
    return tag.name in CONTENT_TAGS or str(tag.get("role") or "").lower() == "main"


def _is_box(tag: Any) -> bool:
    return tag.name == "aside" or any(BOX_CLASS.match(c) for c in _classes(tag))


def _is_admonition(tag: Any) -> bool:
    return tag.name == "div" and any(ADMONITION_CLASS.match(c) for c in _classes(tag))


def _box_title(box: Any) -> Any:
    """The box's own title element (Publican: div.titlepage > div > div > p.title), not an example's inside it."""
    for title in box.find_all(class_="title", limit=1):
        between = title.parents
        for a in between:
            if a is box:
                return title
            if a.name != "div" or any(c != "titlepage" for c in _classes(a)):
                return None
    return None


def _is_section(tag: Any) -> bool:
    return tag.name in SECTIONING or (tag.name == "div" and any(SECTION_CLASS.match(c) for c in _classes(tag)))


def _box_in_text(tag: Any) -> bool:
    """A box inside the document's sections that is prose, not a list of links: a manual's sidebar."""
    return any(_is_section(a) for a in tag.parents) and link_share(tag) < LINK_PAGE_SHARE


def _depth(tag: Any) -> int:
    """How deep a heading sits in the page's sections (DocBook and Sphinx nest a section per heading)."""
    return sum(1 for a in tag.parents if _is_section(a))


def _level(tag: Any) -> tuple[int, int]:
    """Where a heading sits: its depth in the sections, then its rank. Texinfo's "Footnotes" (an h4 that
    texi2any puts after the last index) is a chapter of its own, not a part of that index."""
    if "footnotes-heading" in _classes(tag):
        return (0, 2)
    if PAGE_TITLE_CLASS in _classes(tag):
        return (0, 0)  # over the page's <h1> sections
    return (_depth(tag), int(tag.name[1]) if tag.name in HEADINGS else QUESTION_RANK)


def bold_question(tag: Any) -> bool:
    """A paragraph that is one bold question ("(12) I deleted a lot of data but the database file did not get any
    smaller. Is this a bug?"): a FAQ's question, set as a heading over its answer. As a heading it names the
    answer's section and is never highlighted as the answer; as a paragraph it restated the user's question."""
    if tag.name != "p":
        return False
    parts = [c for c in tag.children if not (getattr(c, "name", None) is None and not str(c).strip())]
    if not parts or not all(getattr(c, "name", None) in {"b", "strong"} for c in parts):
        return False  # most paragraphs: no need to read their text
    text = tag.get_text(" ", strip=True)
    return text.endswith("?") and len(text) <= QUESTION_CHARS


def hidden_headings(soup: Any) -> None:
    """SQLite's pages title each entry of a long page (every PRAGMA) with a hidden ``<h _id=…>`` for their search
    engine, left inside the open paragraph before it. Each becomes a heading of its own, after that paragraph, so
    the entry's passages carry its name ("List Of PRAGMAs — PRAGMA query_only") and no paragraph ends with it."""
    for tag in soup.find_all("h"):
        if not 0 < len(tag.get_text(strip=True)) <= QUESTION_CHARS:
            continue
        outer = next((a for a in tag.parents if a.name in BLOCKS), None)
        if outer is not None:
            outer.insert_after(tag.extract())
        tag.name = "h7"


FORMULA_CLASSES = {"formulaInl", "formulaDsp"}  # Doxygen's formulas, drawn as images: "generate [LaTeX] output"
_TEX_WORD = re.compile(r"\\(?:mbox|text|mathrm|textrm)\{([^{}]*)\}")


def formula_text(alt: str) -> str:
    """A formula image's TeX source as words: "$\\mbox{\\LaTeX}$" reads "LaTeX"."""
    text = _TEX_WORD.sub(r"\1", alt.strip().strip("$").strip())
    text = re.sub(r"\\(La)?TeX\b", lambda m: (m.group(1) or "") + "TeX", text)
    text = text.replace("\\_", "_").strip()
    return text[1:-1] if text.startswith("{") and text.endswith("}") else text


def _formula(tag: Any) -> str | None:
    if tag.name == "img" and FORMULA_CLASSES & set(_classes(tag)):
        return formula_text(str(tag.get("alt") or ""))
    return None


def _flat(node: Any) -> str:
    """The node's text as a browser runs it together: inline elements add no space of their own (a
    ``<code>`` path, an ``<em>`` inside an address stay whole), a line break or a block inside one does; a
    formula drawn as an image reads as its TeX's words."""
    if (formula := _formula(node)) is not None:
        return formula
    parts: list[str] = []
    for d in node.descendants:
        if isinstance(d, NavigableString):
            if not isinstance(d, PreformattedString):  # comments, CDATA
                parts.append(str(d))
        elif (formula := _formula(d)) is not None:
            parts.append(formula)
        elif d.name not in INLINE:
            parts.append(" ")
    return "".join(parts)


def _text(tag: Any) -> str:
    return " ".join(_flat(tag).replace("¶", "").split())


Cells = tuple[tuple[tuple[int, int], ...], ...]


def _table_text(table: Any) -> tuple[str, Cells, tuple[str, ...]]:
    """The table as lines of " | "-joined cells (what is indexed), each cell's span in that text, and
    the cells of its header row (a first row all <th>), () when it has none."""
    rows: list[list[str]] = []
    head: tuple[str, ...] = ()
    for tr in table.find_all("tr"):
        tags = [c for c in tr.find_all(["td", "th"]) if not c.find("table")]
        cells = [_text(c) for c in tags]
        if not any(cells):
            continue
        if not rows and all(c.name == "th" for c in tags):
            head = tuple(cells)
        rows.append(cells)
    return "\n".join(" | ".join(row) for row in rows), cell_spans(rows), head


class _Walker:
    """Document order: headings update the section path; blocks become (kind, text, section, shaped), where
    ``shaped`` lists the code and tables inside the block's text (offsets relative to it)."""

    def __init__(self) -> None:
        self.path: list[tuple[tuple[int, int], str]] = []
        self.blocks: list[tuple[str, str, str, list[Shaped]]] = []
        self.lead = False  # the last block is a <dt> term: the next block joins it
        self.term_indent: tuple[float, str] | None = None  # the last block, short and indented so, may be a term
        self.marker = ""  # a list item's "- " or "2. ", put before the item's first paragraph

    @property
    def section(self) -> str:
        return " — ".join(t for _, t in self.path)

    def heading(self, tag: Any) -> None:
        title = _text(tag)
        if not title:
            return
        level = _level(tag)
        while self.path and self.path[-1][0] >= level:
            self.path.pop()
        if self.path and self.path[-1][1] == title:
            return  # the same title again (a page title above its chapter heading): each heading once
        self.path.append((level, title))
        self.blocks.append(("heading", title, self.section, []))
        self.lead, self.term_indent = False, None

    def box(self, tag: Any, title: Any) -> None:
        """A titled box in the text (DocBook's sidebar: "TIP Bypassing DNS"): its title is a heading below the
        current one while the box lasts, so its passages say where they come from, no passage ends on the title,
        and the highlighter passes over the title as it does over any heading."""
        saved = list(self.path)
        name = _text(title)
        title.extract()
        if name:
            self.path.append(((BOX_LEVEL, 0), name))
            self.blocks.append(("heading", name, self.section, []))
            self.lead = False
        self.walk(tag)
        self.path = saved

    def term(self, definition: Any, title: str) -> None:
        """A term whose definition holds a list of terms of its own (a man page's ``set`` over its options "-a",
        "-b", "-e"…): the term is a heading while its definition lasts, so that each option's passage says whose
        option it is ("SHELL BUILTIN COMMANDS — set [-abef…]"), as a reader knows from the indentation."""
        saved = list(self.path)
        self.path.append(((BOX_LEVEL, len(saved)), title))
        self.blocks.append(("heading", title, self.section, []))
        self.lead = False
        self.walk(definition)
        self.path = saved
        self.lead = False

    def text(self, text: str) -> None:
        """A paragraph; a definition is in the block of its term ("> 1000" / "will always be installed"), so
        that no passage ends on the term and the next opens without it."""
        text, self.marker = self.marker + text, ""
        if self.lead and self.blocks and self.blocks[-1][0] == "text" and self.blocks[-1][2] == self.section:
            _, before, section, shaped = self.blocks[-1]
            self.blocks[-1] = ("text", before + "\n" + text, section, shaped)
        else:
            self.blocks.append(("text", text, self.section, []))
        self.lead = False

    def attached(self, text: str, kind: str, rows: Cells = (), head: tuple[str, ...] = ()) -> None:
        """Code or a table: in the block of the sentence that introduces it, when one comes just before."""
        if self.blocks and self.blocks[-1][0] == "text" and self.blocks[-1][2] == self.section:
            _, before, section, shaped = self.blocks[-1]
            at = len(before) + 1
            self.blocks[-1] = ("text", before + "\n" + text, section, shaped)
        else:
            at, shaped = 0, []
            self.blocks.append(("text", text, self.section, shaped))
        shaped.append(Shaped(0, len(text), kind, rows, bool(head), head).moved(at))
        self.lead, self.term_indent = False, None

    def walk(self, node: Any) -> None:
        run: list[str] = []  # inline content (text, links, code, emphasis) read as one paragraph
        terms: dict[int, str] = {}  # a <dd> holding a list of terms of its own -> its term, a heading over it

        def flush() -> None:
            text = " ".join("".join(run).replace("¶", "").split())
            if text:
                self.text(text)
            run.clear()

        for child in node.children:
            name = getattr(child, "name", None)
            if isinstance(child, PreformattedString):
                continue  # comments, the doctype, <?xml …?>
            if name is None or name in INLINE:
                run.append(str(child) if name is None else _flat(child))
                continue
            flush()
            if name == "li":
                self.marker = _list_marker(child)
            if name == "tr" and (pair := _term_row(child)) is not None:
                self.text(pair[0])
                self.lead = True  # groff -Thtml sets a short option and its description as a table's row
                self.text(pair[1])
            elif name == "dt" and (definition := _lists_terms(child)) is not None and (title := _text(child)):
                terms[id(definition)] = title
            elif name == "dd" and id(child) in terms:
                self.term(child, terms.pop(id(child)))
            elif name in HEADINGS or name == "h7" or (name == "div" and PAGE_TITLE_CLASS in _classes(child)):
                self.heading(child)
            elif name == "pre":
                for br in child.find_all("br"):  # a line break inside code (mammoth's, from a Word code style)
                    br.replace_with("\n")
                code = "\n".join(line.rstrip() for line in child.get_text().splitlines() if line.strip())
                if code:
                    self.attached(code, "code")
            elif name == "table" and not child.find(LAYOUT_INSIDE):
                table, rows, head = _table_text(child)
                if table:
                    self.attached(table, "table", rows, head)
            elif bold_question(child):
                self.heading(child)
            elif name in BLOCKS and not child.find(LAYOUT_INSIDE):
                text = _text(child)
                if text:
                    indent = _indent(child)
                    self.lead = self.lead or _describes(self.term_indent, indent)
                    self.text(text)
                    self.lead = name == "dt"  # a term leads its definition
                    self.term_indent = indent if _short_term(text) else None
            elif (_is_box(child) or _is_admonition(child)) and (title := _box_title(child)) is not None:
                self.box(child, title)
            else:
                self.walk(child)
            self.marker = ""  # an item that opens with code or a table: its paragraphs are not the item's first
        flush()


TERM_LIST_MIN = 3  # a definition holding this many terms of its own makes its term a heading
TERM_LINE_WORDS = 8  # a paragraph this short, over one set in deeper, is that one's term
_MARGIN = re.compile(r"margin-left:\s*([\d.]+)\s*(%|em|px|pt)", re.IGNORECASE)


def _indent(tag: Any) -> tuple[float, str] | None:
    """A paragraph's left margin from its style attribute ("margin-left:22%"), as groff -Thtml indents a man
    page's option descriptions under their options; None when the style says none."""
    m = _MARGIN.search(str(tag.get("style") or ""))
    return (float(m.group(1)), m.group(2).lower()) if m else None


def _short_term(text: str) -> bool:
    """Short enough to be a term, and no sentence or lead-in ("-o, --output-file=FILE", "--tcl")."""
    return len(text.split()) <= TERM_LINE_WORDS and not text.rstrip().endswith((".", ":", ";"))


def _term_row(row: Any) -> tuple[str, str] | None:
    """(term, description) of a layout table's row that holds just the two, the first short ("--tcl" | "Tcl mode:
    generate a tcl/msgcat .msg file"); None for any other row, and for rows of a table with header cells (data)."""
    table = row.find_parent("table")
    if table is None or table.find("th") is not None or row.find("table") is not None:
        return None
    texts = [t for t in (_text(td) for td in row.find_all("td", recursive=False)) if t]
    if len(texts) != 2 or not _short_term(texts[0]):
        return None
    if len(texts[1].split()) < 3:  # two captions side by side ("alabaster" | "classic") describe nothing
        return None
    return texts[0], texts[1]


def _describes(term: tuple[float, str] | None, indent: tuple[float, str] | None) -> bool:
    """A paragraph set in deeper than the short one before it describes it ("-o, --output-file=FILE" at 11%,
    "write output to specified file" at 22%): they are one block, as a <dt> and its <dd> are."""
    return term is not None and indent is not None and term[1] == indent[1] and indent[0] > term[0]


def _lists_terms(term: Any) -> Any | None:
    """The <dd> after the <dt> ``term`` when it holds a list of at least ``TERM_LIST_MIN`` terms of its own, none
    of them a link (a DocBook table of contents nests its sections' links so)."""
    definition = term.find_next_sibling()
    if getattr(definition, "name", None) != "dd" or definition.find("dl") is None:
        return None
    inner = definition.find_all("dt", limit=2 * TERM_LIST_MIN)  # the first few tell a contents list
    if len(inner) < TERM_LIST_MIN or any(link_share(t) >= 0.5 for t in (term, *inner)):
        return None
    return definition


def _list_marker(item: Any) -> str:
    """How a browser marks a list item: "3. " in an ordered list (counting from its ``start``), "- " in any
    other. Kept in the text so that a reader, and "the second one", can see where each item begins."""
    parent = item.parent
    if getattr(parent, "name", None) != "ol":
        return "- "
    try:
        first = int(parent.get("start", 1))
    except (TypeError, ValueError):
        first = 1
    siblings = [c for c in parent.children if getattr(c, "name", None) == "li"]
    return f"{first + siblings.index(item)}. "


def _short_text_left(soup: Any, found: list[Any], left: int) -> bool:
    """A short page under a long menu (a Sphinx extension's page of two paragraphs beside a sidebar of every
    page): what the furniture leaves is prose, not links, so it is the page's text."""
    if left < SHORT_PAGE_CHARS:
        return False
    inside = {id(tag) for tag in found}
    links = sum(
        len(a.get_text(" ", strip=True))
        for a in soup.find_all("a")
        if id(a) not in inside and not any(id(p) in inside for p in a.parents)
    )
    return links / left < LINK_PAGE_SHARE


def link_share(soup: Any) -> float:
    total = len(soup.get_text(" ", strip=True))
    links = sum(len(a.get_text(" ", strip=True)) for a in soup.find_all("a"))
    return links / total if total else 0.0


_NOTE_MARK = re.compile(r"^\[?(?:\d{1,3}|[*†‡§¶])\]?$")


def footnote_marks(soup: Any) -> list[Any]:
    """Links to a footnote on the same page that show only its superscript mark ("a suitable<sup>1</sup> tar",
    DocBook's "source code<sup>[1]</sup>"). Read as text, the mark sticks to the word ("suitable1", "tunes69"),
    which then matches no question and reads as a figure. The footnote itself stays where the page has it."""
    marks = []
    for link in soup.find_all("a", href=True):
        sup = link.find("sup")
        text = link.get_text(strip=True)
        if str(link["href"]).startswith("#") and sup is not None and sup.get_text(strip=True) == text:
            if _NOTE_MARK.match(text):
                marks.append(link)
    return marks


# A page saved from a CGI (man2html) can open with its HTTP header: "Content-type: text/html".
_HTTP_HEADER = re.compile(r"\A\s*(?:content-type|content-length|status):[^\n]*\n(?:[\w-]+:[^\n]*\n)*", re.IGNORECASE)


def read_html_layout(markup: str) -> tuple[str, Layout]:
    """The page's text as blocks under their heading path, without navigation or tables of contents.

    Furniture stays when dropping it would leave under a fifth of the text: a page that is all menu is still
    its menu. A page that is mostly links once its furniture is gone (a manual's index or contents page)
    raises NavigationOnly, so it is listed among the skipped files rather than answering questions."""
    from bs4 import BeautifulSoup, NavigableString, XMLParsedAsHTMLWarning

    # lxml closes what HTML leaves open as a browser does (<dt>, <dd>, <p>, <li> without end tags, as
    # man2html writes them); html.parser would nest each item in the one before.
    with warnings.catch_warnings():  # an XHTML page read as HTML is what a browser does too
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        soup = BeautifulSoup(_HTTP_HEADER.sub("", markup), "lxml")
    for tag in soup(["script", "style", "noscript", "template", "head", "form", "button", "svg"]):
        tag.decompose()
    for tag in footnote_marks(soup):
        before, after = tag.previous_sibling, tag.next_sibling
        if isinstance(before, NavigableString) and isinstance(after, NavigableString) and after[:1] in ".,;:!?)":
            before.replace_with(before.rstrip())  # "a very simple example [2]:" reads "example:"
        tag.decompose()
    found = furniture(soup)
    total = len(soup.get_text(" ", strip=True))
    dropped = sum(len(tag.get_text(" ", strip=True)) for tag in found)
    keep = total - dropped < min(total / 5, KEEP_MENU_CHARS)  # all menu: the menu is the page's text
    keep = keep and not _short_text_left(soup, found, total - dropped)
    if keep and link_share(soup) >= LINK_PAGE_SHARE:
        raise NavigationOnly("only navigation links (a contents or index page)")
    if not keep:
        for tag in found:
            tag.decompose()
        if found and link_share(soup) >= LINK_PAGE_SHARE:
            raise NavigationOnly("only navigation links (a contents or index page)")
    hidden_headings(soup)
    walker = _Walker()
    walker.walk(soup)
    out: list[str] = []
    spans: list[tuple[int, int, str, str]] = []
    shaped: list[Shaped] = []
    at = 0
    for kind, text, section, inside in walker.blocks:
        if out:
            out.append("\n\n")
            at += 2
        spans.append((at, at + len(text), kind, section))
        shaped.extend(s.moved(at) for s in inside)
        out.append(text)
        at += len(text)
    return "".join(out) + ("\n" if out else ""), Layout(blocks=tuple(spans), shaped=tuple(shaped))
