"""Two more real manuals nobody here wrote: a page of the Apache HTTP Server 2.4 manual (howto/auth.html from
Debian's apache2-doc 2.4.71, Apache License 2.0: a banner, a breadcrumb trail, its list of other languages
over and under the text, a footer known only by its id) and six pages of the R FAQ (R-FAQ.pdf from r-doc-pdf
4.2.2, GPL-2+: "What is S?", and a sentence a command line breaks in two), and three of R-admin.pdf (the same
package: a problem stated, then "Here are ways to avoid it:" over the steps). Read as a user sees them, then asked
through the real model."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.assistant import Assistant
from qa.ingest.chunking import ChunkConfig, chunk_document
from qa.ingest.loading import load_file
from qa.settings import load_settings
from tests.conftest import assistant_over, quoted

DATA = Path(__file__).resolve().parent.parent / "data"
APACHE = DATA / "apache-2.4-howto-auth.html"
R_FAQ = DATA / "r-faq-4.2.2-pages15-17-33-35.pdf"
R_ADMIN = DATA / "r-admin-4.2.2-pages25-27.pdf"  # R-admin.pdf's 4.1 Running R under macOS: App Nap


def test_a_manual_pages_trail_languages_banner_and_footer_are_no_text() -> None:
    settings = load_settings({"corpus_dir": DATA, "index_dir": DATA / "nowhere"}, environ={})
    passages = chunk_document(load_file(APACHE, APACHE.name, settings, {}), ChunkConfig())
    every = "\n".join(p.text for p in passages)
    for furniture in ("Available Languages", "Apache > HTTP Server", "Apache HTTP Server Version 2.4", "Copyright"):
        assert furniture not in every
    assert every.lstrip().startswith("Authentication and Authorization\n\nAuthentication is any process")


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory, embedder) -> Assistant:  # noqa: ANN001
    files = {APACHE.name: APACHE, R_FAQ.name: R_FAQ, R_ADMIN.name: R_ADMIN}
    return assistant_over(files, tmp_path_factory, embedder, "definitions")


@pytest.mark.parametrize(
    ("question", "said"),
    [
        ("In Apache's docs, what counts as authentication?", "Authentication is any process by which you verify"),
        ("R is said to be based on S. What is S?", "S is a very high level language and an environment"),
    ],
)
def test_a_definition_question_is_answered_with_the_sentence_defining_its_term(
    assistant: Assistant, question: str, said: str
) -> None:
    answer = assistant.chat().ask(question)
    assert any(s.startswith(said) for s in quoted(answer.excerpts[0])), quoted(answer.excerpts[0])


def test_the_command_inside_a_highlighted_sentence_is_highlighted_with_it(assistant: Assistant) -> None:
    answer = assistant.chat().ask("My numbers came in as a factor after reading a file. How do I get them back?")
    shown = quoted(answer.excerpts[0])
    assert "as.numeric(as.character(f))" in shown and "to get the numbers back." in shown, shown
    assert answer.excerpts[0].passage.page_start == 5  # the extract's fifth page: the FAQ's page 34


def test_a_default_the_manual_states_is_answered_and_one_it_does_not_is_not(assistant: Assistant) -> None:
    stated = assistant.chat().ask("What is the default value of AuthBasicProvider?")
    assert not stated.abstained
    assert any("file is the default value" in s for s in quoted(stated.excerpts[0]))
    # The page names AuthUserFile and what it sets, never a default path: a near miss, not an answer.
    assert assistant.chat().ask("What is the default path of the AuthUserFile?").abstained


def test_a_how_to_answer_comes_with_the_steps_its_paragraph_announces(assistant: Assistant) -> None:
    answer = assistant.chat().ask("R.app crawls in the background on my Mac. How do I turn off App Nap for it?")
    shown = quoted(answer.excerpts[0])
    assert "Here are ways to avoid it:" in shown, shown
    assert any("defaults write org.R-project.R NSAppSleepDisabled -bool YES" in s for s in shown), shown
