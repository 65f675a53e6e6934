"""Documents made by tools nobody here had tried: a man page typeset by groff into PDF (bash 5.2's bash.pdf,
pages 1-4 and 11, GPL-3+), a web page printed to PDF by Chromium (the Debian FAQ's chapter 8, GPL-2+, with the
browser's date header, file:// footer, Prev/Next rows and the page's own table of contents), and the same
man page as man2html writes it (its CGI header first, <DT>/<DD> never closed). Read as a user sees them,
then asked through the real model."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.assistant import Assistant
from qa.ingest.chunking import ChunkConfig, chunk_document
from qa.ingest.loading import load_file
from qa.ingest.pdf.lines import word_gaps
from qa.settings import load_settings
from qa.types import Passage
from tests.conftest import assistant_over

DATA = Path(__file__).resolve().parent.parent / "data"
GROFF = DATA / "bash-5.2-man-pages1-4-11.pdf"
PRINTED = DATA / "debian-faq-11.1-ch08-chromium.pdf"
MAN2HTML = DATA / "bash-5.2-man2html-start.html"


def _read(path: Path) -> tuple[str, list[Passage]]:
    settings = load_settings({"corpus_dir": path.parent, "index_dir": path.parent / "nowhere"}, environ={})
    doc = load_file(path, path.name, settings, {})
    return doc.title, chunk_document(doc, ChunkConfig())


def _holding(passages: list[Passage], words: str) -> Passage:
    found = [p for p in passages if words in p.text]
    assert found, f"{words!r} in no passage"
    return found[0]


def test_groffs_word_spaces_drawn_by_moving_the_pen_are_read_as_spaces() -> None:
    _, passages = _read(GROFF)
    every = " ".join(" ".join(p.text.split()) for p in passages)
    for glued in ("anyremaining", "theyare", "Ifthere", "Alist", "invokedas"):
        assert glued not in every
    assert "any remaining arguments are assigned to the positional parameters" in every
    assert "Print shell input lines as they are read." in every


def test_a_man_pages_headings_are_its_sections_and_its_option_terms_open_their_descriptions() -> None:
    title, passages = _read(GROFF)
    assert title == "BASH(1) General Commands Manual BASH(1)"  # the running header names it; no passage holds it
    assert not any("General Commands Manual" in p.text for p in passages)
    assert _holding(passages, "Bash is an sh-compatible command language").section == "DESCRIPTION"
    rcfile = _holding(passages, "Execute commands from file instead of the system wide")
    assert rcfile.section == "OPTIONS"  # the bold term "--rcfile file" is no heading
    assert "--rcfile file Execute commands from file" in " ".join(rcfile.text.split())
    assert "~/.bashrc" in rcfile.text  # typed keys: groff's minus sign and spacing tilde read as "-" and "~"
    assert _holding(passages, "~/.bash_logout").section == "INVOCATION"
    # page 11's variables: bold terms in capitals, set in from the titles' margin, under "Shell Variables"
    bashopts = _holding(passages, "A colon-separated list of enabled shell options")
    assert bashopts.section == "Shell Variables"
    assert "BASHOPTS A colon-separated list" in " ".join(bashopts.text.split())


def test_a_printed_web_page_loses_the_browsers_furniture_and_its_own_contents_list() -> None:
    title, passages = _read(PRINTED)
    assert title == "Chapter 8. The Debian package management tools"  # the PDF's Title entry
    every = "\n".join(p.text for p in passages)
    assert "file://" not in every and " AM " not in every and "/7" not in every
    assert "Prev" not in every and "Next" not in every and "Table of Contents" not in every
    contents = "What programs does Debian provide for managing its packages?"
    assert len([p for p in passages if contents in p.text]) == 1  # its section, not the contents list too
    assert _holding(passages, "This is the main package management program").section.endswith("8.1.1. dpkg")


def test_a_printed_page_keeps_inline_code_a_browser_wrapped_in_its_sentence() -> None:
    _, passages = _read(PRINTED)
    install = " ".join(_holding(passages, "onto the file system of the hard disk").text.split())
    assert "onto the file system of the hard disk: dpkg --install foo_VVV-RRR.deb." in install
    apt = _holding(passages, "an advanced interface to the Debian packaging system")
    assert apt.section.endswith("8.1.2. APT")  # a line opening with a bold command is prose, not a heading


def test_man2html_options_are_items_each_with_its_description_and_its_cgi_header_is_not_text() -> None:
    title, passages = _read(MAN2HTML)
    assert "Content-type" not in title and not any("Content-type" in p.text for p in passages)
    login = _holding(passages, "Make bash act as if it had been invoked as a login shell")
    assert "-l\nMake bash act as if" in login.text
    assert "error messages. -i If the" not in " ".join(login.text.split())  # each item apart


def test_word_gaps_are_wider_than_kerning_on_the_same_baseline() -> None:
    # advance boxes (left, right, baseline) of "ay" + a 3 pt gap + "re", then a subscript-like drop
    boxes = [(0, 4.0, 100), (4.0, 8.6, 100), (11.6, 14.9, 100), (14.8, 18.8, 100), (19.0, 22.0, 96)]
    assert word_gaps(boxes, 10.0) == [2]


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory, embedder) -> Assistant:  # noqa: ANN001
    files = {GROFF.name: GROFF, PRINTED.name: PRINTED}
    return assistant_over(files, tmp_path_factory, embedder, "printed")


def test_asked_on_the_man_page_pdf_the_answer_quotes_the_file_and_cites_its_page(assistant: Assistant) -> None:
    answer = assistant.chat().ask("Which file does a login shell read when it exits?", documents=[GROFF.name])
    top = answer.excerpts[0]
    quoted = " ".join(top.passage.text[a - top.passage.start : b - top.passage.start] for a, b in top.highlights)
    assert "~/.bash_logout" in quoted
    assert top.passage.section == "INVOCATION" and top.to_json()["page_start"] == 2


def test_asked_on_the_printed_page_the_answer_quotes_the_command(assistant: Assistant) -> None:
    answer = assistant.chat().ask("How do I purge a package together with its configuration files?")
    top = answer.excerpts[0]
    quoted = " ".join(top.passage.text[a - top.passage.start : b - top.passage.start] for a, b in top.highlights)
    assert top.passage.doc_id == PRINTED.name and "dpkg --purge foo" in quoted
    assert "Prev" not in top.passage.text and "AM" not in top.passage.text.split()
