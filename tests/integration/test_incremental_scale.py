"""Incremental updates equal a full rebuild; an interrupted build resumes without redoing finished work.

The 100,000-passage timing lives in bench/incremental.py; its test here runs only with QA_SLOW_TESTS=1.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from qa.assistant import Assistant
from qa.encode.embedder import Embedder
from qa.index import build as indexing
from qa.index import store
from qa.index.build import build_index, open_index
from tests.conftest import make_settings

TOPICS = {
    "bees.txt": "Honey bees live in colonies led by a single queen. Worker bees collect nectar and pollen. "
    "The waggle dance tells other bees the direction of food. Drones do not sting.",
    "volcanoes.md": "# Volcanoes\n\nA volcano is an opening in the crust through which molten rock escapes. "
    "Mount Etna in Sicily is one of the most active volcanoes in Europe. Lava cools into basalt.",
    "tea.txt": "Green tea is made from leaves that are not oxidised. Black tea leaves are fully oxidised "
    "before drying. Oolong lies in between. Tea came to Europe in the seventeenth century.",
    "rivers.txt": "The Nile flows north into the Mediterranean. The Amazon carries more water than any other "
    "river. Rivers carve valleys over millions of years. Deltas form where rivers meet the sea.",
    "chess.txt": "Chess is played on a board of sixty-four squares. The queen is the strongest piece. "
    "Castling moves the king two squares. A stalemate ends the game in a draw.",
    "bread.txt": "Bread rises because yeast turns sugar into carbon dioxide. Sourdough uses wild yeast and "
    "lactic bacteria. Kneading develops gluten. Baking sets the crumb.",
}
QUESTIONS = [
    "Who leads a bee colony?",
    "Which volcano is active in Sicily?",
    "How is black tea made?",
    "Which river carries the most water?",
    "What is the strongest chess piece?",
    "Why does bread rise?",
]


def _write(corpus: Path, docs: dict[str, str]) -> None:
    corpus.mkdir(parents=True, exist_ok=True)
    for name, text in docs.items():
        (corpus / name).write_text(text, encoding="utf-8")


def _count_encodes(monkeypatch: pytest.MonkeyPatch, embedder: Embedder) -> list[int]:
    """Record how many texts each encode_passages call receives."""
    calls: list[int] = []
    original = Embedder.encode_passages

    def counting(texts, show_progress=False):  # type: ignore[no-untyped-def]
        calls.append(len(texts))
        return original(embedder, texts, show_progress)

    monkeypatch.setattr(embedder, "encode_passages", counting)
    return calls


def _snapshot(settings) -> tuple[list, np.ndarray, np.ndarray, list[list[tuple[str, int, int]]]]:  # type: ignore[no-untyped-def]
    index = open_index(settings)
    embedder = Embedder(settings)
    from qa.search.retriever import Retriever

    assistant = Assistant(settings, embedder, Retriever(index, embedder, settings))
    answers = []
    for q in QUESTIONS:
        found = assistant.ask(q)
        answers.append([(e.passage.doc_id, e.passage.start, e.passage.end) for e in found.excerpts])
    return index.passages, np.asarray(index.vectors), np.asarray(index.sentence_vectors), answers


def _assert_same_as_rebuild(settings, tmp_path: Path, embedder: Embedder) -> None:  # type: ignore[no-untyped-def]
    fresh = settings.replace(index_dir=tmp_path / "fresh-index")
    shutil.rmtree(fresh.index_dir, ignore_errors=True)
    build_index(fresh, embedder, force=True)
    p1, v1, s1, a1 = _snapshot(settings)
    p2, v2, s2, a2 = _snapshot(fresh)
    assert [p.to_json() for p in p1] == [p.to_json() for p in p2]
    np.testing.assert_allclose(v1, v2, atol=2e-6)
    np.testing.assert_allclose(s1, s2, atol=2e-6)
    assert a1 == a2


def test_add_change_remove_embeds_one_document_and_equals_rebuild(
    tmp_path: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = tmp_path / "corpus"
    _write(corpus, TOPICS)
    settings = make_settings(corpus, tmp_path / "index")
    first = build_index(settings, embedder)
    assert first.embedded_documents == len(TOPICS)
    calls = _count_encodes(monkeypatch, embedder)

    # Add one document.
    (corpus / "owls.txt").write_text("Owls hunt at night. Their feathers make flight almost silent.", "utf-8")
    report = build_index(settings, embedder)
    assert (report.embedded_documents, report.reused_documents) == (1, len(TOPICS))
    owl_texts = sum(calls)
    assert 0 < owl_texts <= 6  # its passage and its sentences, nothing else
    _assert_same_as_rebuild(settings, tmp_path, embedder)

    # Change one document.
    calls.clear()
    (corpus / "tea.txt").write_text(TOPICS["tea.txt"] + " Matcha is powdered green tea.", "utf-8")
    report = build_index(settings, embedder)
    assert report.embedded_documents == 1
    assert 0 < sum(calls) <= 8
    _assert_same_as_rebuild(settings, tmp_path, embedder)

    # Remove one document: nothing is embedded at all.
    calls.clear()
    (corpus / "chess.txt").unlink()
    report = build_index(settings, embedder)
    assert report.embedded_documents == 0 and sum(calls) == 0
    assert all(p.doc_id != "chess.txt" for p in open_index(settings).passages)
    _assert_same_as_rebuild(settings, tmp_path, embedder)


def test_interrupted_build_resumes_without_redoing_finished_work(
    tmp_path: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = tmp_path / "corpus"
    _write(corpus, TOPICS)
    settings = make_settings(corpus, tmp_path / "index", embed_batch_size=2)
    monkeypatch.setattr(embedder, "settings", settings)  # slices follow the embedder's batch size
    monkeypatch.setattr(indexing, "EMBED_SLICE", 8)  # checkpoint every 16 texts (batch 2 x 8)
    calls = _count_encodes(monkeypatch, embedder)

    slices = 0

    def stop_after_two_slices(fraction: float, message: str) -> None:
        nonlocal slices
        if message.startswith("embedding"):
            slices += 1
            if slices == 3:  # two slices finished and checkpointed, the third about to start
                raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        build_index(settings, embedder, progress=stop_after_two_slices)
    assert store.read_manifest(settings.index_dir) is None  # nothing half-built went live
    finished = sum(calls)
    assert 0 < finished and slices == 3
    assert list((settings.index_dir / "cache").rglob("part-*.npz"))

    calls.clear()
    report = build_index(settings, embedder)
    total = report.passages + report.sentences
    assert sum(calls) == total - finished  # only what the interrupted build had not finished
    assert not (settings.index_dir / "cache").exists()  # a completed build clears the checkpoints
    _assert_same_as_rebuild(settings, tmp_path, embedder)


@pytest.mark.skipif(not os.environ.get("QA_SLOW_TESTS"), reason="set QA_SLOW_TESTS=1 (builds a 100,000-passage index)")
def test_one_document_update_in_a_100k_passage_index_takes_seconds(tmp_path: Path, embedder: Embedder) -> None:
    from bench.incremental import run

    result = run(tmp_path, passages=100_000, embedder=embedder)
    assert result["passages"] >= 100_000
    for step in ("add", "change", "remove"):
        assert result[step]["embedded_documents"] == (0 if step == "remove" else 1)


def test_an_update_reuses_term_counts_and_ivf_lists_and_equals_a_fresh_index(
    tmp_path: Path, embedder: Embedder
) -> None:
    """The parts an update carries over instead of recomputing give what recomputing gives:
    BM25 weights (IDF and average length over the new corpus) and the IVF sentence index."""
    import faiss

    from qa.index.bm25 import bm25_scores, read_bm25, write_bm25
    from qa.index.dense import SENTENCE_INDEX, SENTENCE_LISTS

    corpus = tmp_path / "corpus"
    _write(corpus, TOPICS)
    settings = make_settings(
        corpus, tmp_path / "index", sentence_ann_threshold=1, sentence_ann_factory="IVF2,SQ8", ann_train_size=10
    )
    build_index(settings, embedder)
    (corpus / "tea.txt").write_text(TOPICS["tea.txt"] + " Matcha is powdered green tea.", "utf-8")
    (corpus / "chess.txt").unlink()
    (corpus / "owls.txt").write_text("Owls hunt at night. Their feathers make flight almost silent.", "utf-8")
    build_index(settings, embedder)
    index = open_index(settings)
    assert (index.folder / SENTENCE_LISTS).is_file()

    fresh = tmp_path / "bm25-fresh"
    write_bm25(fresh, [f"{p.section}\n{p.text}" if p.section else p.text for p in index.passages])
    for question in ["green tea matcha", "owls night flight", "queen", "chess board squares"]:
        ours, theirs = bm25_scores(index.bm25, question), bm25_scores(read_bm25(fresh), question)
        np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-6)

    # The sentence index equals its trained quantizer filled the plain way.
    updated = faiss.read_index(str(index.folder / SENTENCE_INDEX))
    plain = faiss.clone_index(updated)
    plain.reset()
    plain.add(np.ascontiguousarray(index.sentence_vectors))
    queries = np.ascontiguousarray(index.sentence_vectors[:5])
    assert updated.ntotal == plain.ntotal == len(index.sentence_vectors)
    for a, b in zip(updated.search(queries, 5), plain.search(queries, 5)):
        np.testing.assert_array_equal(a, b)


def test_an_index_built_before_row_ranges_were_recorded_updates_too(tmp_path: Path, embedder: Embedder) -> None:
    import json

    corpus = tmp_path / "corpus"
    _write(corpus, TOPICS)
    settings = make_settings(corpus, tmp_path / "index")
    build_index(settings, embedder)
    path = settings.index_dir / "manifest.json"
    manifest = json.loads(path.read_text())
    for entry in manifest["files"].values():
        del entry["rows"]  # as older builds wrote it
    path.write_text(json.dumps(manifest))
    (corpus / "tea.txt").write_text(TOPICS["tea.txt"] + " Matcha is powdered green tea.", "utf-8")
    report = build_index(settings, embedder)
    assert (report.embedded_documents, report.reused_documents) == (1, len(TOPICS) - 1)
    _assert_same_as_rebuild(settings, tmp_path, embedder)


def test_unchanged_files_are_not_read_again_and_a_changed_one_is(
    tmp_path: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Size and modification time stand in for reading a file the last build saw, as git does; a file
    touched within two seconds of that build's scan is read anyway (its clock tick may hide an edit)."""
    import json
    import time

    from qa.ingest import loading

    corpus = tmp_path / "corpus"
    _write(corpus, TOPICS)
    old = time.time() - 3600
    for f in corpus.iterdir():
        os.utime(f, (old, old))
    settings = make_settings(corpus, tmp_path / "index")
    build_index(settings, embedder)

    reads: list[str] = []
    real = loading.load_file
    monkeypatch.setattr(loading, "load_file", lambda path, *a, **k: reads.append(path.name) or real(path, *a, **k))
    assert build_index(settings, embedder).up_to_date and reads == []

    (corpus / "tea.txt").write_text(TOPICS["tea.txt"] + " Matcha is powdered green tea.", "utf-8")
    (corpus / "titles.json").write_text(json.dumps({"bees.txt": "All about bees"}), "utf-8")
    report = build_index(settings, embedder)
    assert reads == ["tea.txt"] and report.embedded_documents == 1
    index = open_index(settings)
    assert {p.title for p in index.passages if p.doc_id == "bees.txt"} == {"All about bees"}
    assert any("Matcha" in p.text for p in index.passages)

    reads.clear()
    assert build_index(settings, embedder).up_to_date  # tea.txt was written just now: read again, same hash
    assert reads == ["tea.txt"]
    _assert_same_as_rebuild(settings, tmp_path, embedder)
