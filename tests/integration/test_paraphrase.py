"""The optional paraphrase scorer with the real all-mpnet-base-v2, where `scripts/fetch_paraphrase_model.py` has
assembled it into models/ (skipped otherwise: the 438 MB model is not part of the checkout)."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.assistant import Assistant
from qa.settings import PROJECT_ROOT
from tests.conftest import make_settings

MODEL = PROJECT_ROOT / "models" / "all-mpnet-base-v2"
pytestmark = pytest.mark.skipif(not (MODEL / "modules.json").is_file(), reason="run scripts/fetch_paraphrase_model.py")


def test_the_scorer_answers_a_paraphrase_and_keeps_its_vectors(small_corpus: Path, tmp_path: Path, embedder) -> None:
    settings = make_settings(small_corpus, tmp_path / "index", paraphrase_model=str(MODEL))
    assistant = Assistant.load(settings, embedder=embedder)
    answer = assistant.ask("How do hive insects tell each other where to find something to eat?")
    assert answer.excerpts[0].passage.doc_id == "bees.txt"
    assert "waggle dance" in answer.answer
    saved = list(assistant.retriever.index.folder.glob("paraphrase-*.npz"))
    assert len(saved) == 1  # computed once, beside the build it belongs to
    again = Assistant.load(settings, embedder=embedder)
    assert again.ask("Which fiery mountain in Sicily erupts often?").excerpts[0].passage.doc_id == "volcanoes.md"
    assert list(again.retriever.index.folder.glob("paraphrase-*.npz")) == saved
