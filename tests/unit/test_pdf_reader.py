"""The PDF reader on a real multi-page PDF (made with reportlab) and on plain line records: what a user sees
in the passages and citations, without the model."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.answer.compose import citation_label
from qa.ingest.chunking import ChunkConfig, chunk_document
from qa.ingest.loading import load_file
from qa.ingest.pdf.furniture import is_listing_page, mark_running
from qa.ingest.pdf.lines import Line
from qa.ingest.pdf.paragraphs import address_continues, join_hyphen
from qa.settings import load_settings
from qa.types import Passage
from tests.manual_pdf import make_manual_pdf


@pytest.fixture(scope="module")
def passages(tmp_path_factory: pytest.TempPathFactory) -> list[Passage]:
    folder = tmp_path_factory.mktemp("pdf")
    path = make_manual_pdf(folder / "seabirds.pdf")
    settings = load_settings({"corpus_dir": folder, "index_dir": folder / "index"}, environ={})
    doc = load_file(path, "seabirds.pdf", settings, {})
    return chunk_document(doc, ChunkConfig(target_tokens=40, max_tokens=120))


def _holding(passages: list[Passage], words: str) -> Passage:
    found = [p for p in passages if words in p.text]
    assert len(found) == 1, f"{words!r} in {len(found)} passages"
    return found[0]


def test_running_headers_and_alternating_footers_are_in_no_passage(passages: list[Passage]) -> None:
    every = "\n".join(p.text for p in passages)
    assert "Release 2.1" not in every
    assert "Chapter 1. Nesting" not in every and "Chapter 2. Feeding" not in every
    assert not any(line.strip().isdigit() for p in passages for line in p.text.splitlines())


def test_line_end_hyphens_are_joined_unless_the_document_writes_the_compound(passages: list[Passage]) -> None:
    assert "The colony is monitored by volunteers every spring" in _holding(passages, "monitored").text
    assert "the e-mail must give the grid reference" in _holding(passages, "grid reference").text


def test_the_table_of_contents_page_is_not_a_passage(passages: list[Passage]) -> None:
    assert not any(". . ." in p.text for p in passages)
    assert "Contents" not in {p.text.strip() for p in passages}


def test_section_paths_come_from_the_outline_with_each_heading_once(passages: list[Passage]) -> None:
    assert _holding(passages, "Guillemots").section == "1 Nesting — 1.2 Ledges"
    assert _holding(passages, "Gannets dive").section == "2 Feeding — 2.1 Diving"
    assert _holding(passages, "Puffins dig").section == "1 Nesting — 1.1 Burrows"


def test_passages_cite_their_printed_page_and_a_paragraph_over_a_page_break_cites_both(
    passages: list[Passage],
) -> None:
    ledges = _holding(passages, "Guillemots")
    assert (ledges.page_start, ledges.page_end, ledges.page_label) == (4, 4, "2")  # index 4, printed "2"
    assert citation_label(ledges).endswith("1 Nesting — 1.2 Ledges, p. 2")
    survey = _holding(passages, "without disturbing the sitting bird")  # one sentence across the break
    assert (survey.page_start, survey.page_end) == (3, 4)
    assert citation_label(survey).endswith("pp. 1–2")
    assert survey.to_json()["page_label"] == "1"


def test_a_command_stays_with_the_sentence_that_introduces_it(passages: list[Passage]) -> None:
    ringing = _holding(passages, "ringlog upload")
    assert "run the following command:\nringlog upload --season 2024 records.csv" in ringing.text
    assert ringing.section == "2 Feeding — 2.2 Ringing"


def test_hyphens_are_judged_by_the_documents_own_words() -> None:
    words, hyphenated = {"reintroducing", "mail", "x86"}, {"e-mail", "x86-64", "non-"}
    assert join_hyphen("before reintroduc", "ing it", words, hyphenated) == "before reintroducing it"
    assert join_hyphen("send an e", "mail", words, hyphenated) == "send an e-mail"
    assert join_hyphen("on x86", "64 only", words, hyphenated) == "on x86-64 only"
    assert join_hyphen("the non", "porters", words, hyphenated) == "the non-porters"
    assert join_hyphen("a recom", "mendation", words, hyphenated) == "a recommendation"


def _page(number: int, footer: str, body: list[str]) -> list[Line]:
    lines = [Line("Field Guide, Release 2.1", number, 72, 300, 800, 9)]
    lines += [Line(text, number, 72, 520, 700 - 12 * i, 10) for i, text in enumerate(body)]
    return lines + [Line(footer, number, 72 if number % 2 else 300, 520, 40, 9)]


def test_footers_that_alternate_and_change_with_the_chapter_are_marked_by_place_and_shape() -> None:
    footers = ["1 Chapter 1. Nesting", "Chapter 1. Nesting 2", "3 Chapter 2. Feeding", "Chapter 2. Feeding 4"]
    birds = ["Puffins", "Gannets", "Terns", "Skuas"]
    bodies = [[f"{bird} line {i}: {'tells' if i % 2 else 'says'} {word}." for i in range(5)] for bird, word in
              zip(birds, ["more", "less", "all", "some"])]  # fmt: skip
    pages = [_page(n, footer, body) for n, (footer, body) in enumerate(zip(footers, bodies))]
    mark_running(pages, ["1", "2", "3", "4"])
    kept = [[ln.text for ln in page if ln.kind != "drop"] for page in pages]
    # The first page's top line is furniture too: the others print it in the same type (it names the document).
    assert kept == bodies


def test_a_table_of_contents_page_is_a_listing_but_a_page_of_prose_is_not() -> None:
    toc = [Line(f"{i}.1 Section {i} " + ". " * 20 + f"{i * 3}", 0, 72, 520, 700 - 12 * i, 10) for i in range(8)]
    prose = [Line(f"Sentence {i} of a paragraph that says something.", 0, 72, 520, 700 - 12 * i, 10) for i in range(8)]
    assert is_listing_page(toc)
    assert not is_listing_page(prose)
    # The ReportLab user guide's last contents page: four entries, their page numbers set apart (not read
    # on the same line), under the running header and over the footer that are left out already.
    tail = [Line(f"A.{i} Demo {i} " + ". " * 20, 0, 98, 520, 749 - 18 * i, 10) for i in range(2, 6)]
    assert is_listing_page(tail)
    assert not is_listing_page(prose[:3] + tail[:1])


def test_a_two_column_page_is_read_column_by_column() -> None:
    from qa.ingest.pdf.lines import column_order

    title = Line("A Study of Terns", 0, 150, 450, 780, 16)
    rows = range(10)
    left = [Line(f"left {i}", 0, 72, 290, 740 - 12 * i, 10) for i in rows]
    right = [Line(f"right {i}", 0, 310, 530, 740 - 12 * i, 10) for i in rows]
    interleaved = [title] + [ln for pair in zip(left, right) for ln in pair]  # printed row by row
    assert [ln.text for ln in column_order(interleaved, 600)] == ["A Study of Terns"] + [
        f"{side} {i}" for side in ("left", "right") for i in rows
    ]
    one_column = [Line(f"line {i}", 0, 72, 530, 740 - 12 * i, 10) for i in rows]
    assert column_order(one_column, 600) == one_column


def test_without_an_outline_headings_come_from_type_size_and_numbering() -> None:
    from qa.ingest.pdf.headings import mark_size_headings

    def ln(text: str, page: int, y: float, size: float = 10, bold: bool = False) -> Line:
        return Line(text, page, 72, 500, y, size, bold=bold)

    pages = [
        [ln("Seabird Field Guide", 0, 700, 24), ln("Release 2.1", 0, 660, 16)],  # the title page
        [ln("CHAPTER", 1, 760, 14, True), ln("NESTING ON", 1, 730, 18), ln("CLIFFS", 1, 710, 18),
         ln("Puffins dig burrows in soft turf.", 1, 680), ln("1.1 Burrows", 1, 650, 14, True),
         ln("A pair uses the same burrow for years.", 1, 630), ln("1.1.1 Lining", 1, 600, 14, True),
         ln("They line it with grass.", 1, 580)],
        [ln("2.1 Diving", 2, 760, 14, True), ln("Gannets dive from thirty metres.", 2, 740)],
    ]  # fmt: skip
    mark_size_headings(pages, 10)
    sections = [line.section for page in pages for line in page if line.kind == "heading"]
    assert sections == [
        "NESTING ON CLIFFS",
        "NESTING ON CLIFFS — 1.1 Burrows",
        "NESTING ON CLIFFS — 1.1 Burrows — 1.1.1 Lining",
        "NESTING ON CLIFFS — 2.1 Diving",
    ]
    assert pages[1][0].kind == "drop" and all(line.kind == "text" for line in pages[0])


@pytest.mark.parametrize(
    ("before", "after", "joined"),
    [
        ("simply send a mail to admin@rt.", "debian.org and put the hostname", True),
        ("a URL like https://tracker.", "debian.org/pkg/sourcepackage.", True),
        ("its password is available at master.debian.", "org:~debian/misc/rt-password).", True),
        ("the pseudo-package www.", "debian.org. Remember", True),
        ("More can be found in Mailing lists.", "debian-devel-announce@lists.debian.org is a", False),
        ("write to me@example.org.", "Then wait a day.", False),
        ("see e.g.", "debian.org for more", False),
        ("(https://CRAN.", "R-project.org/package=RODBC) is", True),  # R's manuals: hosts in capitals
        ("are shown in file /Library/Frameworks/R.framework/", "Resources/etc/Makeconf. At the", True),
        ("in /usr/", "share/doc/package/changelog.Debian.gz, and", True),
        ("(https://cran.r-project.org/bin/windows/base/", "howto-R-4.2.html) for", True),
        ("the source is under /usr/src/", "and the rest is built", False),
        ("the source is under /usr/src/", "e.g. in a chroot", False),
        ("either and/", "or both", False),
        ("MASS (https://CRAN.R-project.org/", "package=MASS) is", True),
        ("(https://www.actualtech.com/product_access.", "php) and", True),
        ("(https://www.clicketyclick.", "dk/databases/xbase/format/).", True),
        ("see https://example.org/faq.", "Php is a language", False),
        ("is available at https://", "github.com/fxcoudert/gfortran-for-macOS/releases/", True),
        ("releases/download/11.2-bigsur-intel/gfortran-Intel-11.", "2-BigSur.dmg and for", True),
        ("read it in/out.", "Then run it", False),
        ("please see https:", "//www.acm.org/publications/taps/describing-figures/.", True),  # ACM's sample paper
        ("the ratio is 2:", "// a comment", False),  # only a scheme ("https:") goes on with "//"
        ("a line ”include-binaries” to debian/-", "source/options since PNG", True),  # dblatex: a path's "/-"
        ("at https://wiki.debian.org/-", "SourceOnlyUpload as:", True),
        ("the error is %tD +/-", "days relative to time 0", False),
        ("you may decide to just remove myclass.sty.", "2.7.2 Make it robust", False),  # a heading after it
        ("to install files to /usr/lib64/.", "9.7.2 & 9.7.3 The text of these", False),
    ],
)
def test_an_address_broken_after_a_dot_is_joined_again(before: str, after: str, joined: bool) -> None:
    """LaTeX breaks "admin@rt.debian.org" after "rt."; the reader used to keep "admin@rt." as the end of a
    paragraph, so the highlighted answer stopped there."""
    assert address_continues(before, after) is joined


def test_a_url_line_that_stops_short_is_not_joined_to_the_next() -> None:
    """GLE's title page: "https://glx.sourceforge.io/" centred over the date "2022/11/08" is two lines."""
    assert address_continues("https://glx.sourceforge.io/", "2022/11/08") is True  # a full line would be
    assert address_continues("https://glx.sourceforge.io/", "2022/11/08", full=False) is False


def test_a_footnote_does_not_cut_the_paragraph_that_goes_on_over_its_page() -> None:
    """R's manuals (Texinfo): "… from ‘https://svn.r-project.org/R/branches/" ends page 5 over footnote 1, and
    "R-x-y-branch/’ (where …" opens page 6. The footnote used to sit inside the sentence; it now follows the
    paragraph, and a figure's small numbered labels at a page's foot are no footnote."""
    from qa.ingest.pdf.furniture import mark_footnotes
    from qa.ingest.pdf.paragraphs import reflow

    first = [
        Line(
            "A patched version is available from the repository, and you can check out the current", 0, 72, 520, 300, 10
        ),
        Line("branch from the server at the usual", 0, 72, 520, 288, 10),
        Line("1", 0, 72, 76, 62, 7),
        Line("e.g. GNU tar version 1.15 or later, or that from the", 0, 80, 520, 60, 8),
        Line("Heirloom Toolchest distributions.", 0, 72, 300, 50, 8),
    ]
    second = [
        Line("address (where x and y are the version numbers).", 1, 72, 400, 700, 10),
        Line("Another paragraph starts here and says more.", 1, 90, 520, 680, 10),
        Line("0", 1, 100, 104, 62, 7),
        Line("1", 1, 140, 144, 62, 7),
        Line("2", 1, 180, 184, 62, 7),
    ]
    pages = [first, second]
    mark_footnotes(pages, 10)
    assert [ln.kind for ln in second[2:]] == ["text"] * 3  # figure labels
    texts = [" ".join(t for t, _ in block.parts) for block in reflow(pages)]
    assert texts[0].endswith("at the usual address (where x and y are the version numbers).")
    assert texts[1] == "1 e.g. GNU tar version 1.15 or later, or that from the Heirloom Toolchest distributions."
    assert texts[2].startswith("Another paragraph")


def test_a_footnote_stays_out_of_the_code_block_its_page_ends_in() -> None:
    """LilyPond's Usage manual, pages 23-25 (the unmodified PDF in eval/corpora): a convert-ly example broken by
    the page; its footnote used to sit between "should be converted to:" and the code it announces."""
    import pypdfium2 as pdfium

    from qa.ingest.pdf import read_pdf_layout

    source = Path(__file__).resolve().parents[2] / "eval" / "corpora" / "lilypond-usage" / "lilypond-usage.pdf"
    part = pdfium.PdfDocument.new()
    part.import_pages(pdfium.PdfDocument(source), [22, 23, 24])
    buffer = __import__("io").BytesIO()
    part.save(buffer)
    text, _ = read_pdf_layout(buffer.getvalue())
    assert "should be converted to:\n \\markup{ \\center-align {\\line { ... }} }" in text
    assert "\n\n1 At least, this is possible in any LilyPond file" in text


def test_a_short_papers_odd_page_header_seen_twice_is_furniture() -> None:
    """ACM's six-page sample paper prints "The Name of the Title Is Hope …" atop pages 3 and 5 only (the even
    pages carry the authors): it sat in a passage, since three sightings were needed."""
    heads = [None, "Conference ’XX, June 2018, Woodstock Trovato et al."]
    heads += ["The Name of the Title Is Hope Conference ’XX, June 2018, Woodstock", heads[1]] * 2
    pages = []
    for n, head in enumerate(heads):
        lines = (
            [Line(head, n, 54, 558, 725, 7)] if head else [Line("The Name of the Title Is Hope", n, 54, 558, 725, 14)]
        )
        words = ["terns", "gannets", "puffins", "skuas", "gulls", "auks"]
        lines += [Line(f"The {words[(n + i) % 6]} of page {n} nest on {words[i]}.", n, 54, 294, 700 - 11 * i, 9)
                  for i in range(6)]  # fmt: skip
        pages.append(lines)
    mark_running(pages, [None] * 6)
    assert [ln.kind for page in pages[1:] for ln in page if ln.y == 725] == ["drop"] * 5
    assert pages[0][0].kind == "text"  # the title on the first page stays
    assert all(ln.kind == "text" for page in pages for ln in page if ln.y < 725)


def test_the_bold_end_of_a_sentence_above_a_heading_is_text_not_decoration() -> None:
    """ACM's sample paper: "Your document will be returned to you for revision if mod-" | "ifications are
    discovered." (bold) ends a column just above "4 TYPEFACES"; the second line was dropped as a chapter
    title's decoration, and the sentence read "if mod"."""
    from qa.ingest.pdf import layout_pages
    from qa.ingest.pdf.headings import Bookmark

    body = [Line(f"Line {i} of the paragraph about modifying the template goes on here.", 0, 54, 294, 700 - 11 * i, 9)
            for i in range(8)]  # fmt: skip
    page = [
        *body,
        Line("Your document will be returned to you for revision if mod", 0, 328, 557, 676, 9, bold=True, hyphen=True),
        Line("ifications are discovered.", 0, 318, 418, 665, 9, bold=True),
        Line("4 TYPEFACES", 0, 318, 394, 644, 10.9, bold=True),
        Line("The acmart class requires the Libertine typeface family, installed with TeX.", 0, 318, 559, 630, 9),
    ]
    text, _ = layout_pages([page], [None], [Bookmark(0, "4 Typefaces", 0, [])])
    assert "revision if modifications are discovered." in text
    assert "\n\n4 TYPEFACES\n\n" in text or "\n\n4 Typefaces\n\n" in text


def test_a_papers_math_italic_is_read_whole_and_a_hyphen_at_a_line_end_joins_the_word() -> None:
    """Page 3 of ACM's sample-sigconf.pdf (texlive-publishers-doc 2022, LPPL): math italic letters (𝜋, 𝑥)
    lie beyond the BMP, so the page is read character by character. Read so, each came as two UTF-16
    halves (the index build then failed: the tokenizer refuses half characters) and PDFium's line-end
    hyphen came as a control code, so "sub-" | "mitted" read "sub mitted" and the paragraph broke there."""
    from qa.ingest.loading import read_pdf

    page = Path(__file__).resolve().parents[1] / "data" / "acmart-sample-sigconf-page3.pdf"
    text, _ = read_pdf(page.read_bytes())
    assert not any("\ud800" <= ch <= "\udfff" for ch in text)
    assert "For Swedish names 𝜋 1 in 5 Common in math" in text
    assert "rights form once it has been submitted. This form contains LATEX commands that must be copied into" in text
    assert "instructions on tabular material are found in the LATEX User’s Guide." in text
    # A left-column line ending a sentence short of the page's right margin does not end its paragraph there
    assert "the table caption. The contents of the table itself must go in the tabular environment" in text


def test_a_header_naming_the_chapter_and_section_is_furniture_though_it_never_repeats() -> None:
    """The Debian FAQ's PDF (dblatex, debian-faq 11.1) heads each page "CHAPTER 1. DEFINITIONS AND OVERVIEW
    1.3. OK, NOW I KNOW WHAT DEBIAN IS...…": no page number and a new text on nearly every page, so it sat inside
    sentences ("we are referring CHAPTER 1. … to freedom, not price"). It stands apart from the body, at a
    place where most pages set a line apart; the body's own first line and a chapter's big title stay."""
    sections = ["1.2. WHAT IS DEBIAN", "1.3. OK, NOW I KNOW", "1.5. WHO IS BEHIND", "2.1. WHERE CAN I GET IT"]
    sections += ["2.3. HOW DO I INSTALL", "3.1. WHICH DISTRIBUTION", "3.2. BUT WHAT ABOUT KNOPPIX"]
    pages = [[Line("The Debian GNU/Linux FAQ", 0, 86, 400, 700, 24.8)]]
    for n, section in enumerate(sections, start=1):
        lines = [Line(f"CHAPTER {n // 3 + 1}. SOME CHAPTER {section}…", n, 57, 509, 798, 10)]
        words = ["apt", "dpkg", "tasksel", "aptitude", "synaptic"]
        lines += [Line(f"Here {words[(n + i) % 5]} does {words[i]}'s work, line {i}.", n, 57, 510, 760 - 12 * i, 10)
                  for i in range(5)]  # fmt: skip
        pages.append(lines + [Line(str(n + 1), n, 300, 305, 35, 10)])
    chapter = [Line("Chapter 2", 8, 86, 178, 685, 20.7, bold=True), Line("Getting Debian", 8, 86, 382, 635, 24.8)]
    pages.append(chapter + [Line(f"The chapter opens, line {i}.", 8, 86, 538, 577 - 12 * i, 10) for i in range(5)])
    mark_running(pages, [str(n + 1) for n in range(len(pages))])
    assert [pages[n][0].kind for n in range(1, len(sections) + 1)] == ["drop"] * len(sections)
    assert all(ln.kind == "text" for page in pages for ln in page if 40 < ln.y < 790)
    assert [ln.kind for ln in chapter] == ["text", "text"]


def test_an_accent_on_nothing_is_left_out_and_a_characters_halves_are_one_again() -> None:
    """The Debian FAQ's PDF (dblatex) prints its opening quotes as a grave accent PDFium places after the
    word: "the stable’ distribution or bullseye ̀" (31 times). An accent on a letter stays."""
    from qa.ingest.pdf.lines import composed

    assert composed("the stable’ distribution or bullseye ̀") == "the stable’ distribution or bullseye "
    assert composed("café, e\u0301") == "café, e\u0301"
    assert composed("from \ud835\udefc to \ud835\udf14") == "from 𝛼 to 𝜔"


@pytest.mark.parametrize(
    ("named", "title"),
    [
        ("The Debian GNU/Linux FAQ", "The Debian GNU/Linux FAQ"),
        ("Chapter\xa08.\xa0The Debian package management tools", "Chapter 8. The Debian package management tools"),
        ("Microsoft Word - survey-2024.docx", "Seabird Survey 2024"),  # placeholders give way to the header
        ("untitled", "Seabird Survey 2024"),
        ("PowerPoint Presentation", "Seabird Survey 2024"),
        ("Document1", "Seabird Survey 2024"),
        ("", "Seabird Survey 2024"),
    ],
)
def test_a_pdfs_title_is_its_own_unless_a_placeholder_then_its_first_running_header(named: str, title: str) -> None:
    from qa.ingest.pdf import document_title

    header = Line("Seabird Survey 2024", 0, 72, 300, 800, 9, kind="drop")
    assert document_title(named, [[header, Line("Swifts sleep on the wing.", 0, 72, 500, 700, 10)]]) == title
    assert document_title("", [[Line("Swifts sleep on the wing.", 0, 72, 500, 700, 10)]]) == ""


def test_a_papers_title_block_and_abstract_are_read_before_its_columns_and_the_abstract_is_no_heading() -> None:
    """Page 1 of the AGU++ guide (texlive-publishers-doc 2022, aguplus.pdf, LPPL): the title's second line
    ("for Use with AGUTEX") and the author fit in the left half, so they were read as the left column's top
    and the title and abstract, printed across the page, came after both columns. The abstract, set larger
    than the body, was one seven-line heading (the section of every passage after it), and the right
    column's short lines ("by Kopka and Daly [1999].", "The Official Package") were taken for margin notes."""
    from qa.ingest.loading import read_pdf

    page = Path(__file__).resolve().parents[1] / "data" / "aguplus-1.6b-page1.pdf"
    text, layout = read_pdf(page.read_bytes())
    order = ["The LATEX Extension Package AGU++ for Use with AGUTEX", "Patrick W. Daly", "Abstract. This paper",
             "Introduction", "At the beginning of 1994", "Version 4.0 of AGUTEX"]  # fmt: skip
    assert [text.index(s) for s in order] == sorted(text.index(s) for s in order)
    sections = {section for *_, section in layout.blocks}
    assert "The LATEX Extension Package AGU++ for Use with AGUTEX — Introduction" in sections
    assert "The LATEX Extension Package AGU++ for Use with AGUTEX — The Official Package" in sections
    assert not any("Abstract" in s for s in sections)
    assert "a more recent and more extensive work is by Kopka and Daly [1999]." in text


def test_an_appendix_printed_with_its_letter_and_a_colon_is_its_bookmarks_heading() -> None:
    """The MNRAS guide's bookmark "Journal abbreviations" is printed "APPENDIX A: JOURNAL ABBREVIATIONS": not
    found, the appendices' passages all stayed under "Acknowledgements"."""
    from qa.ingest.pdf import layout_pages
    from qa.ingest.pdf.headings import Bookmark

    body = [Line(f"Line {i} thanks the people who helped with this guide over the years.", 0, 54, 294, 700 - 11 * i, 9)
            for i in range(6)]  # fmt: skip
    page = [
        Line("ACKNOWLEDGEMENTS", 0, 54, 160, 720, 9, bold=True),
        *body,
        Line("APPENDIX A: JOURNAL ABBREVIATIONS", 0, 54, 230, 620, 9, bold=True),
        Line("Abbreviations for cited journals can be accessed using the commands listed here.", 0, 54, 294, 606, 9),
    ]
    marks = [Bookmark(0, "Acknowledgements", 0, []), Bookmark(0, "Journal abbreviations", 0, [])]
    text, layout = layout_pages([page], [None], marks)
    start = text.index("Abbreviations for cited journals")
    assert [b[3] for b in layout.blocks if b[0] <= start < b[1]] == ["APPENDIX A: Journal abbreviations"]
