"""The web chat's pieces that need no model: upload names, the Markdown transcript, the answer and documents HTML."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from qa.types import Answer, Excerpt, Passage
from qa.web.render import answer_html, documents_html
from qa.web.transcript import transcript_markdown
from qa.web.workspace import UploadRefused, safe_filename, save_upload
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
