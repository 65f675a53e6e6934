"""Two more real manuals nobody here wrote: SQLite's FAQ and a part of its PRAGMA page (sqlite3-doc 3.40.1,
public domain; the PRAGMA page cut to its head and six entries), where each FAQ question is a bold paragraph
and each PRAGMA is titled by a hidden <h> inside the paragraph before it, and five pages of the Bash Reference
Manual (bashref.pdf from bash-doc 5.2, GFDL: ulimit, and Readline's variables, "‘audible’ (the default)").
Read as a user sees them, then asked through the real model."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.assistant import Assistant
from qa.ingest.chunking import ChunkConfig, chunk_document
from qa.ingest.loading import load_file
from qa.settings import load_settings
from tests.conftest import assistant_over, quoted

DATA = Path(__file__).resolve().parent.parent / "data"
FAQ = DATA / "sqlite-3.40-faq.html"
PRAGMA = DATA / "sqlite-3.40-pragma-6-entries.html"
BASH = DATA / "bashref-5.2-pages71-72-126-128.pdf"


def _passages(path: Path) -> list:
    settings = load_settings({"corpus_dir": DATA, "index_dir": DATA / "nowhere"}, environ={})
    return chunk_document(load_file(path, path.name, settings, {}), ChunkConfig())


def test_a_faq_question_in_bold_heads_its_answer() -> None:
    holding = [p for p in _passages(FAQ) if "run the VACUUM command" in p.text]
    assert holding, "the answer is not in any passage"
    assert holding[0].section.endswith(
        "(12) I deleted a lot of data but the database file did not get any smaller. Is this a bug?"
    )


def test_each_pragma_is_a_section_of_its_own_and_no_paragraph_ends_with_its_name() -> None:
    passages = _passages(PRAGMA)
    holding = [p for p in passages if "The query_only pragma prevents data changes" in p.text]
    assert holding and holding[0].section.endswith("List Of PRAGMAs — PRAGMA query_only"), holding[0].section
    before = [p for p in passages if "returns a list of PRAGMA commands known to the database connection" in p.text]
    assert before and before[0].section.endswith("PRAGMA pragma_list")
    assert "connection. PRAGMA query_only" not in before[0].text


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory, embedder) -> Assistant:  # noqa: ANN001
    files = {FAQ.name: FAQ, PRAGMA.name: PRAGMA, BASH.name: BASH}
    return assistant_over(files, tmp_path_factory, embedder, "faq")


@pytest.mark.parametrize(
    ("question", "said"),
    [
        ("My database file did not get smaller after I deleted data. What should I do?", "run the VACUUM command"),
        ("How do I add a column to an existing table?", "SQLite has limited ALTER TABLE support"),
    ],
)
def test_the_faq_answer_is_highlighted_not_its_question(assistant: Assistant, question: str, said: str) -> None:
    shown = quoted(assistant.chat().ask(question).excerpts[0])
    assert any(said in s for s in shown), shown
    assert not any(s.startswith(("(11)", "(12)")) or s == "Is this a bug?" for s in shown), shown


def test_a_default_stated_in_brackets_is_answered_not_abstained(assistant: Assistant) -> None:
    answer = assistant.chat().ask("Which bell-style does Readline use by default?")
    assert not answer.abstained, answer.confidence
    assert any("‘audible’ (the default)" in s for s in quoted(answer.excerpts[0])), quoted(answer.excerpts[0])
    assert answer.excerpts[0].passage.page_start == 4  # the extract's fourth page: the manual's page 127
