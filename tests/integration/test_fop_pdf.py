"""The Filesystem Hierarchy Standard 3.0 (fhs-3.0.pdf from Debian's debian-policy 4.6.2.0, made by Apache FOP;
verbatim copies permitted): a PDF with no outline, whose section headings are bold lines, one of them wrapped
onto a second line that ends with a stop. Read as a user sees it, then asked through the real model."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.assistant import Assistant
from qa.ingest.chunking import ChunkConfig, chunk_document
from qa.ingest.loading import load_file
from qa.settings import load_settings
from tests.conftest import assistant_over

DATA = Path(__file__).resolve().parent.parent / "data"
FHS = DATA / "fhs-3.0.pdf"


def test_a_heading_wrapped_onto_a_line_that_ends_with_a_stop_is_one_heading() -> None:
    settings = load_settings({"corpus_dir": DATA, "index_dir": DATA / "nowhere"}, environ={})
    passages = chunk_document(load_file(FHS, FHS.name, settings, {}), ChunkConfig())
    purpose = [p for p in passages if "general-use include files for the C programming language" in p.text]
    heading = "4.5. /usr/include : Directory for standard include files. — 4.5.1. Purpose"
    assert purpose and heading in purpose[0].section, purpose[0].section
    assert not any(p.text.strip().endswith("Directory for standard\n\ninclude files.") for p in passages)


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory, embedder) -> Assistant:  # noqa: ANN001
    return assistant_over({FHS.name: FHS}, tmp_path_factory, embedder, "fhs")


def test_a_count_asked_after_a_preposition_and_not_given_is_abstained(assistant: Assistant) -> None:
    answer = assistant.chat().ask("After how many days may the files in /var/tmp be deleted?")
    assert answer.abstained, (answer.confidence, answer.excerpts[0].passage.text[:200])
