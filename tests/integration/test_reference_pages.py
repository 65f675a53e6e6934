"""Two reference pages of the PostgreSQL 15 manual (postgresql-doc-15, PostgreSQL License), DocBook HTML: each
page is one refentry whose parts ("Description", "Options", "Notes") are div.refsect1 under the page's own h2
("pg_dump"), with notes set as div.note > h3.title inside the options list. Read as a user sees them, then asked
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
PG_DUMP = DATA / "postgresql-15-app-pgdump.html"
CREATE_INDEX = DATA / "postgresql-15-sql-createindex.html"


def test_a_reference_pages_parts_sit_under_its_name_and_a_note_titles_only_itself() -> None:
    settings = load_settings({"corpus_dir": DATA, "index_dir": DATA / "nowhere"}, environ={})
    passages = chunk_document(load_file(PG_DUMP, PG_DUMP.name, settings, {}), ChunkConfig())
    section = {p.text.split("\n")[0]: p.section for p in passages}
    holding = [p for p in passages if "Dump only the object definitions (schema), not data." in p.text]
    assert holding and holding[0].section == "pg_dump — Options", holding[0].section
    described = [p for p in passages if "pg_dump is a utility for backing up a PostgreSQL database" in p.text]
    assert described and described[0].section == "pg_dump — Description"
    # The note after -e is a box of its own: the options after it are not "— Note".
    assert not any(s.endswith("Options — Note") for t, s in section.items() if t.startswith("-s --schema-only"))


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory, embedder) -> Assistant:  # noqa: ANN001
    return assistant_over({PG_DUMP.name: PG_DUMP, CREATE_INDEX.name: CREATE_INDEX}, tmp_path_factory, embedder, "pg")


def test_a_definition_the_selector_is_sure_of_is_answered_not_abstained(assistant: Assistant) -> None:
    answer = assistant.chat().ask("What is a partial index?")
    assert not answer.abstained, answer.confidence
    assert any(s.startswith("A partial index is an index that contains entries") for s in quoted(answer.excerpts[0]))


def test_an_options_section_names_its_command(assistant: Assistant) -> None:
    answer = assistant.chat().ask("Which pg_dump option sends the output to a file?")
    assert answer.excerpts[0].passage.section == "pg_dump — Options", answer.excerpts[0].passage.section
    assert any("Send output to the specified file" in s for s in quoted(answer.excerpts[0])), quoted(answer.excerpts[0])
