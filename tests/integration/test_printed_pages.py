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
from tests.conftest import assistant_over, quoted

DATA = Path(__file__).resolve().parent.parent / "data"
GROFF = DATA / "bash-5.2-man-pages1-4-11.pdf"
VARIABLES = DATA / "bash-5.2-man-pages18-19.pdf"  # its shell variables, each stating its default
GROFF_BUILTINS = DATA / "bash-5.2-man-pages72-75.pdf"  # `read` and `set`, each over its options
PRINTED = DATA / "debian-faq-11.1-ch08-chromium.pdf"
MAN2HTML = DATA / "bash-5.2-man2html-start.html"
BUILTINS = DATA / "bash-5.2-man2html-builtins.html"  # `read` and `set`, each over a list of its options
GROFF_HTML = DATA / "gettext-0.21-msgfmt.1.html"  # groff -Thtml: options in indented paragraphs and layout tables


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


def test_a_builtin_over_its_own_list_of_options_is_the_section_of_each_option() -> None:
    _, passages = _read(BUILTINS)
    exits = _holding(passages, "Exit immediately if a pipeline")
    assert (
        exits.section
        == "BASH — SHELL BUILTIN COMMANDS — set [+abefhkmnptuvxBCEHPT] [+o option-name] [--] [-] [arg ...]"
    )
    assert exits.text.startswith("-e\nExit immediately")  # the option's name stays with its description
    nounset = _holding(passages, "Same as -u.")
    assert nounset.section.endswith("[arg ...] — -o option-name")  # a list inside a list: both names
    assert _holding(passages, "Cause read to time out").section.startswith(
        "BASH — SHELL BUILTIN COMMANDS — read [-ers]"
    )


def test_a_groff_builtin_over_its_hanging_options_is_the_section_of_each_option() -> None:
    _, passages = _read(GROFF_BUILTINS)
    exits = _holding(passages, "Exit immediately if a pipeline")
    assert exits.section == "set [+abefhkmnptuvxBCEHPT] [+o option-name] [--] [-] [arg ...]"
    assert " ".join(exits.text.split()).startswith("-e Exit immediately")
    assert _holding(passages, "Same as -H.").section.endswith("[arg ...] — -o option-name")  # a list in a list
    assert _holding(passages, "Cause read to time out").section.startswith("read [-ers]")
    assert _holding(passages, "Causes a function to stop executing").section == ""  # return lists no options


def test_groffs_html_man_page_keeps_each_option_with_its_description_and_drops_its_contents_links() -> None:
    _, passages = _read(GROFF_HTML)
    assert not any(p.text.startswith("MSGFMT\n\nNAME\n\nSYNOPSIS") for p in passages)  # the "#NAME" link list
    every = "\n".join(p.text for p in passages)
    assert "-D, --directory=DIRECTORY\nadd DIRECTORY to list for input files search" in every  # indented <p>
    assert "--tcl\nTcl mode: generate a tcl/msgcat .msg file" in every  # a layout table's row


def test_word_gaps_are_wider_than_kerning_on_the_same_baseline() -> None:
    # advance boxes (left, right, baseline) of "ay" + a 3 pt gap + "re", then a subscript-like drop
    boxes = [(0, 4.0, 100), (4.0, 8.6, 100), (11.6, 14.9, 100), (14.8, 18.8, 100), (19.0, 22.0, 96)]
    assert word_gaps(boxes, 10.0) == [2]


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory, embedder) -> Assistant:  # noqa: ANN001
    files = {GROFF.name: GROFF, PRINTED.name: PRINTED, VARIABLES.name: VARIABLES, BUILTINS.name: BUILTINS}
    files |= {MAN2HTML.name: MAN2HTML, GROFF_BUILTINS.name: GROFF_BUILTINS, GROFF_HTML.name: GROFF_HTML}
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


@pytest.mark.parametrize(
    ("question", "said"),
    [
        ("What does the -l option do?", "act as if it had been invoked as a login shell"),
        ("What does bash -r do?", "the shell becomes restricted"),
    ],
)
def test_a_one_letter_option_asked_about_is_found(assistant: Assistant, question: str, said: str) -> None:
    # "-l" is no word to bm25s's tokens: the question searched for "option" alone, and quoted the man page's
    # DESCRIPTION ("Bash is an sh-compatible command language interpreter …")
    answer = assistant.chat().ask(question, documents=[GROFF.name])
    assert said in " ".join(" ".join(quoted(answer.excerpts[0])).split())


@pytest.mark.parametrize(
    ("question", "said"),
    [
        ("What does set -e do?", "Exit immediately if a pipeline"),
        ("What does set -x do?", "display the expanded value of PS4"),
        ("What does read -t do?", "Cause read to time out"),
    ],
)
@pytest.mark.parametrize("document", [BUILTINS.name, GROFF_BUILTINS.name])
def test_an_option_of_a_builtin_is_answered_from_its_own_definition(
    assistant: Assistant, question: str, said: str, document: str
) -> None:
    # set's passages mention -e, -x and -t everywhere ("If a compound command … executes in a context where -e is
    # being ignored …"); the answer is the definition that opens a line under the builtin's own heading (HTML) or
    # its own synopsis, the options hanging under it (groff's PDF)
    answer = assistant.chat().ask(question, documents=[document])
    assert said in " ".join(" ".join(quoted(answer.excerpts[0])).split())


@pytest.mark.parametrize(
    ("question", "said", "not_said"),
    [
        ("What is the default value of PS4?", "The default is ‘‘+ ’’.", "‘‘> ’’"),
        ("What is the default value of PS2?", "The default is ‘‘> ’’.", "‘‘+ ’’"),
        ("How often does bash check for mail by default?", "The default is 60 seconds.", "PS1"),
    ],
)
def test_a_default_asked_for_is_quoted_from_its_own_variables_description(
    assistant: Assistant, question: str, said: str, not_said: str
) -> None:
    # a variable's default follows the sentence that names it, which shares more of the question's words
    answer = assistant.chat().ask(question, documents=[VARIABLES.name])
    said_now = " ".join(quoted(answer.excerpts[0]))
    assert said in said_now and not_said not in said_now


def test_a_term_alone_on_its_line_is_quoted_with_its_definition(assistant: Assistant) -> None:
    # set's "-o option-name" list: "pipefail" on its line, "If set, the return value of a pipeline is …" under it;
    # the term matched the question best and was quoted alone, which answers nothing
    answer = assistant.chat().ask("What is pipefail?", documents=[BUILTINS.name])
    said = quoted(answer.excerpts[0])
    assert any("the return value of a pipeline is the value of the last" in s for s in said), said


@pytest.mark.parametrize(
    ("question", "said"),
    [
        ("What does msgfmt -o do?", "write output to specified file"),
        ("What does msgfmt -c do?", "perform all the checks implied by"),  # after its group's label
    ],
)
def test_an_option_of_a_groff_html_man_page_is_answered_from_its_description(
    assistant: Assistant, question: str, said: str
) -> None:
    # the page's contents links ("NAME SYNOPSIS DESCRIPTION …") were the answer, "NAME | DESCRIPTION" highlighted
    answer = assistant.chat().ask(question, documents=[GROFF_HTML.name])
    assert said in " ".join(quoted(answer.excerpts[0]))
