"""The library behind the web chat's flows: uploads, corpora, rebuild progress, "show more", related
questions, the Markdown transcript and the HTML of the documents list (no browser needed)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from qa.answer.related import question_for, related_questions, topics_of
from qa.assistant import Assistant
from qa.render import answer_html, documents_html
from qa.transcript import transcript_markdown
from qa.types import Answer, Excerpt, Passage
from qa.workspace import CorpusError, UploadRefused, Workspace, safe_filename, save_upload
from tests.conftest import make_settings


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("..\\..\\Windows\\evil.md", "evil.md"),
        (".hidden.txt", "hidden.txt"),
        ("report <final>.pdf", "report _final.pdf"),
        ("tab\there\x00.txt", "tabhere.txt"),
        ("", "upload"),
        ("Été à Paris.docx", "Été à Paris.docx"),
    ],
)
def test_upload_names_are_plain_file_names(raw: str, safe: str) -> None:
    assert safe_filename(raw) == safe


def test_save_upload_refuses_what_the_loader_cannot_read_and_writes_only_inside(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    settings = make_settings(corpus, tmp_path / "index")
    src = tmp_path / "incoming"
    src.mkdir()
    (src / "tool.exe").write_bytes(b"MZ")
    (src / "empty.txt").write_bytes(b"")
    (src / "notes.txt").write_text("Notes about lanterns.\n", encoding="utf-8")

    with pytest.raises(UploadRefused, match=r"tool\.exe: \.exe cannot be read; use \.txt"):
        save_upload(settings, src / "tool.exe", "tool.exe")
    with pytest.raises(UploadRefused, match="empty"):
        save_upload(settings, src / "empty.txt", "empty.txt")
    with pytest.raises(UploadRefused, match="cannot be read"):
        save_upload(settings, src / "notes.txt", "titles.json")

    assert save_upload(settings, src / "notes.txt", "../../outside/notes.txt") == ("notes.txt", False)
    assert save_upload(settings, src / "notes.txt", "notes.txt") == ("notes.txt", True)
    assert sorted(os.listdir(corpus)) == ["notes.txt"]  # no temporary file left behind
    assert not (tmp_path / "outside").exists()

    (tmp_path / "secret.txt").write_text("secret", encoding="utf-8")
    (corpus / "link.txt").symlink_to(tmp_path / "secret.txt")
    with pytest.raises(UploadRefused, match="cannot be written"):
        save_upload(settings, src / "notes.txt", "link.txt")
    assert (tmp_path / "secret.txt").read_text(encoding="utf-8") == "secret"


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


def _answer() -> Answer:
    text = "Intro line.\n\nThe <b>answer</b> sits here. More text."
    p = Passage("notes/a.txt", "Notes", "Findings", 100, 100 + len(text), text, ((100, 111), (113, 141), (142, 152)))
    extra = Passage("b.txt", "Other", "", 0, 20, "Second passage text.", ((0, 20),))
    excerpts = [Excerpt(1, p, 0.9, [(113, 141)]), Excerpt(2, extra, 0.5, [])]
    return Answer("What sits here?", "sits here", False, 0.91, "", excerpts, {})


def test_transcript_has_questions_answers_and_citations() -> None:
    md = transcript_markdown([_answer()], "/data/corpus", when=0)
    assert "## 1. What sits here?" in md
    assert "“The <b>answer</b> sits here.” [1]" in md
    assert "1. Notes — Findings — `notes/a.txt`, characters 100–152" in md
    assert "2. Other — `b.txt`, characters 0–20" in md
    assert "Corpus `/data/corpus`, saved 1970-01-01 00:00 UTC." in md


def test_answer_html_is_one_markdown_safe_block_and_marks_shown_more() -> None:
    html = answer_html(_answer(), corpus="abc", shown=1)
    assert "\n\n" not in html  # a blank line would let the chat's Markdown renderer split the HTML
    assert html.index("More excerpts") > html.index("[1]") and html.index("More excerpts") < html.index("[2]")
    assert "corpus=abc" in html and "&lt;b&gt;" not in html and "<b>" not in html


def test_documents_html_escapes_names_and_lists_skipped_reasons() -> None:
    manifest = {
        "counts": {"documents": 1, "passages": 2, "sentences": 5},
        "files": {"<img src=x>.txt": {"title": "<script>t</script>", "format": "txt", "passages": 2, "chars": 10}},
        "skipped": [{"file": "a<b>.xyz", "reason": "unsupported file type .xyz"}],
        "built_at": "2026-01-01T00:00:00Z",
    }
    html = documents_html(manifest, "/c")
    assert "<img" not in html and "<script>" not in html and "<b>" not in html
    assert "unsupported file type &#46;xyz" in html or "unsupported file type .xyz" in html
    assert "id='skipped-table'" in html
