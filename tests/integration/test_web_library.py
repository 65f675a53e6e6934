"""The library behind the web chat's flows on the real model: uploads, corpora, rebuild progress, "show more",
related questions."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.answer.related import question_for, related_questions, topics_of
from qa.assistant import Assistant
from qa.web.workspace import CorpusError, Workspace
from tests.conftest import make_settings


def test_workspace_uploads_rebuild_with_progress_and_swap_the_assistant(small_corpus: Path, embedder) -> None:
    settings = make_settings(small_corpus, small_corpus.parent / "index")
    first = Assistant.load(settings, embedder=embedder)
    workspace = Workspace(settings, first)
    key = workspace.default_key
    incoming = small_corpus.parent / "lighthouses.txt"
    incoming.write_text(
        "Lighthouses\n\nThe Pharos of Alexandria was a lighthouse built by the Ptolemaic Kingdom.\n", encoding="utf-8"
    )
    seen: list[tuple[float, str]] = []
    result = workspace.add_files(key, [(incoming, "lighthouses.txt")], progress=lambda f, what: seen.append((f, what)))
    assert result.saved == ["lighthouses.txt"] and result.report is not None
    assert result.report.embedded_documents == 1 and result.report.reused_documents == 3
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0
    assert any("embedding" in what for _, what in seen)

    live = workspace.assistant(key)
    assert live is not first and "lighthouses.txt" in {d["doc"] for d in live.documents()}
    answer = live.ask("Who built the Pharos of Alexandria?")
    assert answer.excerpts[0].passage.doc_id == "lighthouses.txt"
    assert "lighthouses.txt" not in {d["doc"] for d in first.documents()}  # the old one kept its index


def test_workspace_opens_other_folders_beside_their_own_index(tmp_path: Path, small_corpus: Path, embedder) -> None:
    settings = make_settings(small_corpus, tmp_path / "index")
    workspace = Workspace(settings, Assistant.load(settings, embedder=embedder))
    with pytest.raises(CorpusError, match="not a folder"):
        workspace.open(tmp_path / "missing")
    with pytest.raises(CorpusError, match="too broad"):
        workspace.open("/")

    empty = tmp_path / "fresh"
    empty.mkdir()
    entry = workspace.open(empty)
    assert entry.assistant is None and "no readable documents" in entry.problem
    (tmp_path / "bees.txt").write_text("Bees\n\nHoney bees live in colonies led by a queen.\n", encoding="utf-8")
    result = workspace.add_files(entry.key, [(tmp_path / "bees.txt", "bees.txt")])
    assert result.saved == ["bees.txt"]
    assert workspace.assistant(entry.key) is not None
    assert entry.settings.index_dir == tmp_path / "fresh.index" and (tmp_path / "fresh.index").is_dir()
    assert workspace.open(small_corpus).key == workspace.default_key
    assert {c.path for c in workspace.corpora()} == {small_corpus.resolve(), empty.resolve()}


def test_show_more_gives_the_next_excerpts_numbered_on(default_assistant: Assistant) -> None:
    answer = default_assistant.ask("How do remittances compare with development aid?", top_k=3)
    extra = default_assistant.more(answer, 3)
    assert [e.rank for e in extra] == [4, 5, 6]
    shown = {(e.passage.doc_id, e.passage.start) for e in answer.excerpts}
    assert not shown & {(e.passage.doc_id, e.passage.start) for e in extra}


def test_related_questions_come_from_cited_sections_and_skip_what_was_asked(default_assistant: Assistant) -> None:
    assert topics_of("MANAGING MIGRATION FOR WHOSE BENEFIT? — Danny Sriskandarajah") == [
        "Danny Sriskandarajah",
        "Managing Migration for Whose Benefit?",
    ]
    assert topics_of("Box 2. Migrants' mixed influence on home areas") == ["Migrants' mixed influence on home areas"]
    assert question_for("Remittances") == "What do the documents say about Remittances?"
    assert question_for("Managing Migration for Whose Benefit?") == "Managing Migration for Whose Benefit?"

    answer = default_assistant.ask("What happened in Akwete?")
    passages = default_assistant.retriever.index.passages
    plain = related_questions(answer, passages)
    assert plain == related_questions(answer, passages)  # deterministic
    # The assistant hands over only the lead document's passages (no scan of the table per answer): same result.
    index = default_assistant.retriever.index
    for doc in default_assistant.manifest["files"]:
        assert index.doc_passages(doc) == [p for p in passages if p.doc_id == doc]
        assert index.doc_passages(doc, limit=2) == index.doc_passages(doc)[:2]
    lead = answer.excerpts[0].passage.doc_id
    assert related_questions(answer, index.doc_passages(lead)) == plain
    assert len(plain) == 3 and all(q.endswith("?") for q in plain)
    vetted = default_assistant.related(answer, asked=["What do the documents say about Gender and migration?"])
    assert vetted and not any("Gender and migration" in q for q in vetted)
    for question in vetted:
        assert not default_assistant.ask(question).abstained
