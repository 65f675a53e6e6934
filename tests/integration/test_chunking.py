"""Passages fit the model (its own token count) and their offsets slice back to the exact text."""

from __future__ import annotations

from qa.ingest.chunking import ChunkConfig, chunk_document
from qa.ingest.loading import load_corpus
from tests.conftest import DEFAULT_CORPUS, make_settings


def test_offsets_slice_back_and_fit_the_model(embedder, tmp_path) -> None:
    report = load_corpus(make_settings(DEFAULT_CORPUS, tmp_path))
    config = ChunkConfig(120, 220, 1)
    for doc in report.documents:
        passages = chunk_document(doc, config, embedder.count_tokens)
        assert passages, doc.doc_id
        for p in passages:
            assert doc.text[p.start : p.end] == p.text
            assert embedder.count_tokens(p.text) <= 220, (doc.doc_id, p.start)
            for a, b in p.sentences:
                assert p.start <= a < b <= p.end


def test_a_one_line_note_is_answerable(tmp_path) -> None:
    """A line with no full stop reads as a heading; a file holding only that line used to index as nothing."""
    from qa.assistant import Assistant

    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "note.txt").write_text("Wifi password for the guest network is hunter42", encoding="utf-8")
    assistant = Assistant.load(make_settings(tmp_path / "c", tmp_path / "i"))
    answer = assistant.chat().ask("What is the guest wifi password?")
    assert answer.excerpts and "hunter42" in answer.excerpts[0].passage.text
