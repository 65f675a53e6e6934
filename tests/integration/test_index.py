"""The index persists, updates only what changed, equals a full rebuild, and survives damage."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from qa.assistant import Assistant
from qa.encode.cache import cache_key
from qa.index import store
from qa.index.bm25 import TOKENS_VERSION
from qa.index.build import build_index, earlier_vectors, open_index, staleness
from qa.ingest.loading import reader_version
from tests.conftest import make_settings


def test_build_then_reopen_without_embedding(small_corpus: Path, tmp_path: Path, embedder) -> None:
    settings = make_settings(small_corpus, tmp_path / "index")
    first = build_index(settings, embedder)
    assert (first.documents, first.embedded_documents) == (3, 3)
    manifest = json.loads((tmp_path / "index" / "manifest.json").read_text())
    assert manifest["model"]["dimension"] == 384
    assert len(manifest["model"]["weights_sha256"]) == 64
    assert set(manifest["files"]) == {"bees.txt", "tea.txt", "volcanoes.md"}
    assert manifest["counts"]["passages"] == first.passages

    again = build_index(settings, embedder)
    assert again.up_to_date and again.embedded_documents == 0


def test_changing_one_file_reembeds_only_it_and_equals_full_rebuild(
    small_corpus: Path, tmp_path: Path, embedder
) -> None:
    settings = make_settings(small_corpus, tmp_path / "index")
    build_index(settings, embedder)
    (small_corpus / "tea.txt").write_text("Tea\n\nOolong tea is partly oxidised.\n", encoding="utf-8")
    (small_corpus / "volcanoes.md").unlink()
    (small_corpus / "rivers.txt").write_text("The Danube flows through ten countries.\n", encoding="utf-8")

    update = build_index(settings, embedder)
    assert update.embedded_documents == 2  # tea.txt changed, rivers.txt new
    assert update.reused_documents == 1  # bees.txt
    incremental = open_index(settings)

    full_settings = make_settings(small_corpus, tmp_path / "full")
    build_index(full_settings, embedder, force=True)
    full = open_index(full_settings)

    assert [p.to_json() for p in incremental.passages] == [p.to_json() for p in full.passages]
    np.testing.assert_allclose(np.asarray(incremental.vectors), np.asarray(full.vectors), atol=1e-5)
    assert not any("volcano" in p.text.lower() for p in incremental.passages)


def test_half_finished_build_leaves_previous_index_serving(small_corpus: Path, tmp_path: Path, embedder) -> None:
    settings = make_settings(small_corpus, tmp_path / "index")
    build_index(settings, embedder)
    live = store.read_manifest(settings.index_dir)["build_id"]
    # A build killed after writing some files: a partial folder that no manifest points to.
    partial = settings.index_dir / "builds" / ".20990101-000000-dead.partial"
    partial.mkdir()
    (partial / "vectors.npy").write_bytes(b"garbage")

    assistant = Assistant.load(settings, build=False)
    assert assistant.manifest["build_id"] == live
    assert "queen" in assistant.ask("Who leads a bee colony?").excerpts[0].passage.text

    (small_corpus / "tea.txt").write_text("Tea\n\nMatcha is powdered green tea.\n", encoding="utf-8")
    build_index(settings, embedder)
    assert not partial.exists()  # the next build cleans up what the killed one left


def test_corrupt_index_gives_clear_message_and_rebuilds(small_corpus: Path, tmp_path: Path, embedder) -> None:
    settings = make_settings(small_corpus, tmp_path / "index")
    build_index(settings, embedder)
    folder = store.build_folder(settings.index_dir, store.read_manifest(settings.index_dir)["build_id"])
    (folder / "dense.faiss").write_bytes(b"\x00" * 10)

    with pytest.raises(store.IndexError_, match="qa index"):
        Assistant.load(settings, build=False)

    healed = Assistant.load(settings)  # default: rebuild when broken
    assert "Etna" in healed.ask("Which volcano in Sicily is very active?").excerpts[0].passage.text


def test_manifest_from_another_version_is_refused(small_corpus: Path, tmp_path: Path, embedder) -> None:
    settings = make_settings(small_corpus, tmp_path / "index")
    build_index(settings, embedder)
    path = settings.index_dir / "manifest.json"
    data = json.loads(path.read_text())
    data["format_version"] = 1
    path.write_text(json.dumps(data))
    with pytest.raises(store.IndexError_, match="another version"):
        store.read_manifest(settings.index_dir)
    assert Assistant.load(settings).manifest["format_version"] == store.FORMAT_VERSION


def test_files_read_by_an_older_reader_are_read_again(small_corpus: Path, tmp_path: Path, embedder) -> None:
    """A reader that now extracts other text from the same bytes (HTML page menus left out) must not
    leave the index holding the old text, though no file changed; the other files are reused."""
    (small_corpus / "owls.html").write_text(
        "<html><body><nav>Home | Shop our mugs</nav><p>Barn owls hunt voles by sound at night.</p></body></html>",
        encoding="utf-8",
    )
    settings = make_settings(small_corpus, tmp_path / "index")
    build_index(settings, embedder)
    path = settings.index_dir / "manifest.json"
    data = json.loads(path.read_text())
    assert data["files"]["owls.html"]["reader"] == reader_version("html")
    data["files"]["owls.html"]["reader"] = 1  # as a build before the HTML reader left menus out recorded it
    path.write_text(json.dumps(data))

    assert (
        staleness(settings, embedder, store.read_manifest(settings.index_dir))
        == "1 document(s) added, changed or removed"
    )
    update = build_index(settings, embedder)
    assert (update.embedded_documents, update.reused_documents) == (1, 3)
    assert store.read_manifest(settings.index_dir)["files"]["owls.html"]["reader"] == reader_version("html")
    assert build_index(settings, embedder).up_to_date


def test_a_chunking_change_encodes_only_the_texts_it_changed(small_corpus: Path, tmp_path: Path, embedder) -> None:
    """After new chunk sizes (or a new chunker version) every document is cut again, but a passage or a
    sentence whose text did not change keeps its vector: the same vector a full rebuild computes."""
    long_doc = "\n\n".join(f"Paragraph {i}. Honey bees visit flower {i} and carry pollen home." for i in range(12))
    (small_corpus / "meadow.txt").write_text(f"Meadow\n\n{long_doc}\n", encoding="utf-8")
    settings = make_settings(small_corpus, tmp_path / "index")
    first = build_index(settings, embedder)
    assert first.reused_vectors == 0

    smaller = make_settings(small_corpus, tmp_path / "index", chunk_target_tokens=30, chunk_max_tokens=60)
    assert staleness(smaller, embedder, store.read_manifest(smaller.index_dir)) is not None
    update = build_index(smaller, embedder)
    assert update.embedded_documents == 4  # every file is cut again
    assert update.reused_vectors > 0 and update.encoded > 0  # sentences kept theirs; new passages encoded
    assert update.encoded < update.passages  # at most the passages are new: every sentence is old text
    assert "(4 read again, 0 reused); of their texts" in update.lines()[0]

    full = make_settings(small_corpus, tmp_path / "full", chunk_target_tokens=30, chunk_max_tokens=60)
    build_index(full, embedder, force=True)
    a, b = open_index(smaller), open_index(full)
    assert [p.to_json() for p in a.passages] == [p.to_json() for p in b.passages]
    np.testing.assert_allclose(np.asarray(a.vectors), np.asarray(b.vectors), atol=1e-5)
    np.testing.assert_allclose(np.asarray(a.sentence_vectors), np.asarray(b.sentence_vectors), atol=1e-5)


def test_vectors_of_another_model_are_not_borrowed(small_corpus: Path, tmp_path: Path, embedder) -> None:
    settings = make_settings(small_corpus, tmp_path / "index")
    build_index(settings, embedder)
    manifest = store.read_manifest(settings.index_dir)
    key = cache_key(manifest)
    assert earlier_vectors(settings.index_dir, key)  # the same model: every text is there
    manifest["model"]["weights_sha256"] = "0" * 64  # as if another model had made them
    (settings.index_dir / "manifest.json").write_text(json.dumps(manifest))
    assert earlier_vectors(settings.index_dir, key) == {}
    update = build_index(settings, embedder)
    assert update.reused_vectors == 0 and update.encoded == update.passages + update.sentences


def test_a_large_passage_table_is_read_on_demand_and_answers_the_same(
    small_corpus: Path, tmp_path: Path, embedder
) -> None:
    eager_settings = make_settings(small_corpus, tmp_path / "index")
    lazy_settings = eager_settings.replace(lazy_passages_from=1)  # "large" from one passage on
    build_index(eager_settings, embedder)
    eager = Assistant.load(eager_settings, build=False, embedder=embedder)
    lazy = Assistant.load(lazy_settings, build=False, embedder=embedder)
    table = lazy.retriever.index.passages
    assert isinstance(table, store.PassageTable) and isinstance(eager.retriever.index.passages, list)
    assert list(table) == eager.retriever.index.passages and table[-1] == eager.retriever.index.passages[-1]
    np.testing.assert_array_equal(lazy.retriever.index.sentence_offsets, eager.retriever.index.sentence_offsets)
    for question in ("Who leads a bee colony?", "Which volcano is active in Sicily?", "How is black tea made?"):
        a, b = eager.ask(question), lazy.ask(question)
        assert [(e.passage, e.highlights) for e in a.excerpts] == [(e.passage, e.highlights) for e in b.excerpts]
        assert a.confidence == b.confidence

    # An update passes unchanged rows on unparsed: the offsets it writes still match a fresh build's.
    (small_corpus / "owls.txt").write_text("Owls\n\nOwls hunt at night. Barn owls eat mice.\n", encoding="utf-8")
    build_index(lazy_settings, embedder)
    updated = open_index(lazy_settings)
    fresh_settings = make_settings(small_corpus, tmp_path / "fresh")
    build_index(fresh_settings, embedder)
    fresh = open_index(fresh_settings)
    assert list(updated.passages) == fresh.passages
    np.testing.assert_array_equal(updated.sentence_offsets, fresh.sentence_offsets)

    # A damaged row says so when it is read; a build without the offsets files is parsed as before.
    folder = updated.folder
    text = (folder / "passages.jsonl").read_bytes()
    second = int(np.load(folder / store.LINE_OFFSETS)[1])
    (folder / "passages.jsonl").write_bytes(text[:second] + b"#" + text[second + 1 :])
    damaged = open_index(lazy_settings)
    with pytest.raises(store.IndexError_, match="qa index"):
        damaged.passages[1]
    (folder / "passages.jsonl").write_bytes(text)
    (folder / store.LINE_OFFSETS).unlink()
    (folder / store.SENTENCE_OFFSETS).unlink()
    older = open_index(lazy_settings)
    assert isinstance(older.passages, list) and older.passages == fresh.passages


def test_a_first_build_reports_every_text_as_encoded(small_corpus: Path, tmp_path: Path, embedder) -> None:
    """A one-sentence passage's text is also its sentence's: encoded once, but not 'kept from before'."""
    report = build_index(make_settings(small_corpus, tmp_path / "index"), embedder)
    assert report.reused_vectors == 0
    assert 0 < report.encoded <= report.passages + report.sentences
    assert "embedded" in report.lines()[0] and "kept their vectors" not in report.lines()[0]


def test_an_index_counted_with_older_keyword_tokens_is_counted_again(
    small_corpus: Path, tmp_path: Path, embedder
) -> None:
    """One-letter options ("-e") became keyword terms: an index from before holds none, so "What does set -e
    do?" would search for "set" alone until the files changed. It is recounted at once, its vectors kept."""
    (small_corpus / "shell.txt").write_text(
        "Shell options\n\n-e Exit immediately if a command exits with a non-zero status.\n\n"
        "-x Print commands and their arguments as they are executed.\n",
        encoding="utf-8",
    )
    settings = make_settings(small_corpus, tmp_path / "index")
    build_index(settings, embedder)
    manifest = store.read_manifest(settings.index_dir)
    bm25 = settings.index_dir / "builds" / manifest["build_id"] / "bm25"
    params = json.loads((bm25 / "params.index.json").read_text())
    assert params["version"] == f"qa tokens {TOKENS_VERSION}"
    assert "-e" in json.loads((bm25 / "vocab.index.json").read_text())
    del manifest["bm25_tokens"]  # as a build before options were terms recorded it
    params["version"] = "qa"
    (settings.index_dir / "manifest.json").write_text(json.dumps(manifest))
    (bm25 / "params.index.json").write_text(json.dumps(params))

    assert staleness(settings, embedder, store.read_manifest(settings.index_dir)) == (
        "the keyword index reads words differently now"
    )
    update = build_index(settings, embedder)
    assert update.embedded_documents == 0 and update.encoded == 0  # only the words are counted again
    index = open_index(settings)
    assert index.bm25.params["version"] == f"qa tokens {TOKENS_VERSION}" and "-e" in index.bm25.vocab
    assert build_index(settings, embedder).up_to_date
