"""Faults, bad documents and bad questions: a clear message or a reported reason, never a crash.

- a build SIGKILLed at any stage leaves the previous index serving, and the next build finishes the work;
- damaged index files, a manifest of another model, a missing model: IndexError_/ModelUnavailable with a
  way out, and the CLI prints one ``qa: ...`` line instead of a traceback;
- empty, binary, wrongly encoded, corrupt, password-protected, huge and linked-out files are skipped with
  a reason while the rest of the corpus is indexed;
- empty, huge, control-character, mixed-script and HTML questions get a clear reply (plus a property test).
"""

from __future__ import annotations

import io
import json
import os
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qa.assistant import Assistant
from qa.cli import main as cli_main
from qa.index import store
from qa.index.build import build_index, open_index
from qa.search.retriever import Retriever
from tests.conftest import kill_build_at, make_settings, one_clear_line


def _assistant(s, embedder) -> Assistant:
    """An Assistant on an existing index, reusing the session's model (Assistant.load would reload it)."""
    return Assistant(s, embedder, Retriever(open_index(s), embedder, s))


def _build_dirs(index_dir: Path) -> list[str]:
    return sorted(p.name for p in (index_dir / "builds").iterdir())


# --- a build killed at any point ----------------------------------------------------------------------

# Runs `qa index`; at the named stage it writes a marker file and sleeps, so the test can SIGKILL it there.
DRIVER = r"""
import os, sys, time
from pathlib import Path
point, marker = sys.argv[1], Path(sys.argv[2])

def pause(*args, **kwargs):
    marker.write_text(point)
    time.sleep(600)

from qa.index import build as indexing

from qa.index import store
if point == "embedding":        # while the model encodes: nothing of the new build on disk yet
    real_encode = indexing.Embedder.encode_passages
    indexing.Embedder.encode_passages = lambda self, texts, *a, **k: pause()
elif point == "writing":        # passages.jsonl and vectors.npy staged, the FAISS index not yet
    indexing.write_dense_index = pause
elif point == "swapping":       # build folder complete, the new manifest written to its temp file only
    real_replace = os.replace
    def replace(src, dst, *a, **k):
        if str(dst).endswith("manifest.json"):
            pause()
        return real_replace(src, dst, *a, **k)
    os.replace = replace
elif point == "cleanup":        # new manifest live, the previous build folder not yet removed
    store.remove_stale_builds = pause
from qa.cli import main
sys.exit(main(sys.argv[3:]))
"""


@pytest.mark.parametrize("point", ["embedding", "writing", "swapping", "cleanup"])
def test_killed_build_leaves_previous_index_serving_and_next_build_finishes(
    point: str, small_corpus: Path, tmp_path: Path, embedder
) -> None:
    settings = make_settings(small_corpus, tmp_path / "index")
    build_index(settings, embedder)
    old_id = store.read_manifest(settings.index_dir)["build_id"]
    (small_corpus / "rivers.txt").write_text("The Danube flows through ten countries.\n", encoding="utf-8")

    marker = tmp_path / "reached"
    args = ["index", "--force", "--quiet", "--corpus", str(small_corpus), "--index-dir", str(settings.index_dir)]
    kill_build_at(DRIVER, point, marker, args, wait_s=180)

    # What serves now: the previous build, or (killed after the swap) the complete new one.
    live = store.read_manifest(settings.index_dir)
    serving = Assistant.load(settings, build=False) if point == "cleanup" else _assistant(settings, embedder)
    assert serving.manifest["build_id"] == live["build_id"]
    if point == "cleanup":
        assert live["build_id"] != old_id and "rivers.txt" in live["files"]
        assert old_id in _build_dirs(settings.index_dir)  # left behind by the kill
    else:
        assert live["build_id"] == old_id and "rivers.txt" not in live["files"]
    assert "queen" in serving.ask("Who leads a bee colony?").excerpts[0].passage.text

    # The next build finishes the work and leaves only the live build behind.
    report = build_index(settings, embedder)
    live = store.read_manifest(settings.index_dir)
    assert "rivers.txt" in live["files"] and report.documents == 4
    assert _build_dirs(settings.index_dir) == [live["build_id"]]
    assert not list(settings.index_dir.glob(".manifest.json.*"))
    assert "Danube" in _assistant(settings, embedder).ask("Which river flows through ten countries?").answer


def test_two_builds_at_once_do_not_delete_each_others_files(tmp_path: Path) -> None:
    """A second `qa index` waits for the first to finish writing instead of removing its staging folder."""
    import threading

    from qa.types import Passage

    index_dir = tmp_path / "index"
    passages = [Passage("a.txt", "A", "", 0, 5, "hello", ((0, 5),))]
    vectors = np.ones((1, 4), np.float32)
    first_writing = threading.Event()
    errors: list[BaseException] = []

    def slow_dense(path: Path, v: np.ndarray) -> None:
        first_writing.set()
        time.sleep(1.0)  # the second build arrives while this one is mid-write
        path.write_bytes(b"dense")

    def build(build_id: str, dense) -> None:
        manifest = {"format_version": store.FORMAT_VERSION, "build_id": build_id}
        try:
            store.write_build(index_dir, manifest, passages, vectors, vectors, dense, lambda folder, ps: folder.mkdir())
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    first = threading.Thread(target=build, args=("first", slow_dense))
    first.start()
    assert first_writing.wait(10)
    second = threading.Thread(target=build, args=("second", lambda path, v: path.write_bytes(b"dense")))
    second.start()
    first.join(10)
    second.join(10)
    assert errors == []
    assert store.read_manifest(index_dir)["build_id"] == "second"
    assert _build_dirs(index_dir) == ["second"]


# --- a damaged index ----------------------------------------------------------------------------------


def _truncate(path: Path, keep: float) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])


DAMAGE = {
    "vectors truncated": lambda f: _truncate(f / "vectors.npy", 0.5),
    "vectors empty": lambda f: (f / "vectors.npy").write_bytes(b""),
    "vectors of another width": lambda f: np.save(
        f / "vectors.npy", np.zeros((len(store.read_passages(f)), 10), np.float32)
    ),
    "sentence vectors truncated": lambda f: _truncate(f / "sentence_vectors.npy", 0.7),
    "passages not JSON": lambda f: (f / "passages.jsonl").write_bytes(b"\x00\xffnot json\n"),
    "passages of the wrong shape": lambda f: (f / "passages.jsonl").write_text("null\n[1, 2]\n"),
    "passages truncated": lambda f: _truncate(f / "passages.jsonl", 0.5),
    "bm25 vocabulary garbage": lambda f: (f / "bm25" / "vocab.index.json").write_bytes(b"\x00garbage"),
    "build folder gone": lambda f: __import__("shutil").rmtree(f),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_damaged_index_file_gives_clear_message_and_qa_index_repairs_it(
    damage: str, small_corpus: Path, tmp_path: Path, embedder
) -> None:
    settings = make_settings(small_corpus, tmp_path / "index")
    build_index(settings, embedder)
    DAMAGE[damage](store.build_folder(settings.index_dir, store.read_manifest(settings.index_dir)["build_id"]))

    with pytest.raises(store.IndexError_, match=r"run `qa index`"):
        open_index(settings)  # what Assistant.load(build=False) opens

    report = build_index(settings, embedder)  # plain `qa index`, no --force: it notices and rebuilds
    assert not report.up_to_date and report.embedded_documents == 3
    assert "Etna" in _assistant(settings, embedder).ask("Which volcano in Sicily is very active?").answer


def test_assistant_load_refuses_then_heals_a_damaged_index(small_corpus: Path, tmp_path: Path, embedder) -> None:
    settings = make_settings(small_corpus, tmp_path / "index")
    build_index(settings, embedder)
    folder = store.build_folder(settings.index_dir, store.read_manifest(settings.index_dir)["build_id"])
    (folder / "passages.jsonl").write_text("null\n")  # valid JSON, wrong shape: used to escape as TypeError

    with pytest.raises(store.IndexError_, match=r"damaged.*run `qa index`"):
        Assistant.load(settings, build=False)
    healed = Assistant.load(settings)  # the default: rebuild what is broken, then serve
    assert healed.build_report is not None and healed.build_report.passages >= 3
    assert "queen" in healed.ask("Who leads a bee colony?").answer


@pytest.mark.parametrize(
    "edit",
    [
        {"build_id": "../../../etc"},
        {"files": ["not", "a", "table"]},
        {"counts": 3},
    ],
    ids=["build id escapes the folder", "files not a table", "counts not a table"],
)
def test_tampered_manifest_is_refused(edit: dict, small_corpus: Path, tmp_path: Path, embedder) -> None:
    settings = make_settings(small_corpus, tmp_path / "index")
    build_index(settings, embedder)
    path = settings.index_dir / "manifest.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), **edit}))
    with pytest.raises(store.IndexError_, match="qa index"):
        store.read_manifest(settings.index_dir)
    assert not build_index(settings, embedder).up_to_date  # treated as no index: rebuilt


def test_index_of_another_model_is_refused_or_rebuilt(small_corpus: Path, tmp_path: Path, embedder) -> None:
    settings = make_settings(small_corpus, tmp_path / "index")
    build_index(settings, embedder)
    path = settings.index_dir / "manifest.json"
    data = json.loads(path.read_text())
    real_hash = data["model"]["weights_sha256"]
    data["model"]["weights_sha256"] = "0" * 64
    path.write_text(json.dumps(data))

    with pytest.raises(store.IndexError_, match=r"another embedding model.*run `qa index`"):
        Assistant.load(settings, build=False)

    healed = Assistant.load(settings)  # the default: a stale index is rebuilt with the current model
    assert healed.build_report is not None and healed.build_report.embedded_documents == 3
    assert healed.manifest["model"]["weights_sha256"] == real_hash


# --- the command line: one line, never a traceback ----------------------------------------------------


def test_cli_unwritable_index_folder(small_corpus: Path, tmp_path: Path, capsys) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    code = cli_main(["index", "--quiet", "--corpus", str(small_corpus), "--index-dir", str(blocker / "index")])
    assert "a-file" in one_clear_line(capsys, code)


# --- bad documents ------------------------------------------------------------------------------------


def _locked_pdf(text: str, password: str) -> bytes:
    from pypdf import PdfReader, PdfWriter
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    plain = io.BytesIO()
    c = canvas.Canvas(plain, pagesize=A4)
    c.drawString(72, 760, text)
    c.showPage()
    c.save()
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(plain.getvalue())))
    writer.encrypt(user_password=password, owner_password=password + "-owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_bad_documents_are_reported_and_the_rest_is_indexed(
    small_corpus: Path, tmp_path: Path, embedder, monkeypatch
) -> None:
    c = small_corpus
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("The vault code is 4711.\n", encoding="utf-8")
    (c / "empty.txt").write_bytes(b"")
    (c / "blank.md").write_text("   \n\n\t\n", encoding="utf-8")
    (c / "binary.txt").write_bytes(bytes(range(256)) * 64)
    (c / "garbled.txt").write_bytes(bytes(range(0x80, 0x100)) * 64)  # no encoding makes this text
    (c / "notepad.txt").write_bytes("Otters hold hands while they sleep.\n".encode("utf-16"))  # BOM + UTF-16
    (c / "broken.pdf").write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\n%%EOF")
    (c / "locked.pdf").write_bytes(_locked_pdf("Confidential salaries.", "s3cret"))
    (c / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    with (c / "huge.txt").open("wb") as fh:
        fh.truncate(200 * 1024 * 1024)  # sparse: 200 MB by size, no disk written
    os.symlink(outside / "secret.txt", c / "link.txt")
    os.symlink(outside, c / "linked-folder")

    real_read = Path.read_bytes

    def guarded_read(self: Path) -> bytes:
        assert self.name != "huge.txt", "the 200 MB file was read; its size alone should refuse it"
        return real_read(self)

    monkeypatch.setattr(Path, "read_bytes", guarded_read)
    settings = make_settings(c, tmp_path / "index")
    report = build_index(settings, embedder)

    skipped = {s.path: s.reason for s in report.skipped}
    assert report.documents == 4  # bees, tea, volcanoes, and the UTF-16 notepad file
    assert skipped["empty.txt"] == "empty file"
    assert "no text" in skipped["blank.md"]
    assert "binary" in skipped["binary.txt"]
    assert "does not look like text" in skipped["garbled.txt"]
    assert "corrupt" in skipped["broken.pdf"]
    assert skipped["locked.pdf"] == "PDF is password-protected"
    assert "docx" in skipped["broken.docx"]
    assert skipped["huge.txt"].startswith("too large (210 MB")
    assert skipped["link.txt"] == skipped["linked-folder"] == "link points outside the corpus folder"
    assert len(skipped) == 10
    assert all(f"skipped {path}: {reason}" in report.lines() for path, reason in skipped.items())

    assistant = _assistant(settings, embedder)
    assert "hands" in assistant.ask("What do otters hold while sleeping?").answer
    assert "4711" not in assistant.ask("What is the vault code?").answer
    manifest = assistant.manifest
    assert {s["file"] for s in manifest["skipped"]} == set(skipped)
    with pytest.raises(KeyError):
        assistant.document("link.txt")


def test_served_document_replaced_by_link_out_of_the_corpus_is_refused(
    small_corpus: Path, tmp_path: Path, embedder
) -> None:
    settings = make_settings(small_corpus, tmp_path / "index")
    build_index(settings, embedder)
    assistant = _assistant(settings, embedder)
    assert "queen" in assistant.document("bees.txt")[1]
    secret = tmp_path / "secret.txt"
    secret.write_text("private notes\n", encoding="utf-8")
    (small_corpus / "bees.txt").unlink()
    os.symlink(secret, small_corpus / "bees.txt")
    for doc_id in ("bees.txt", "../secret.txt", "/etc/passwd", "titles.json"):
        with pytest.raises(KeyError):
            assistant.document(doc_id)


# --- bad questions ------------------------------------------------------------------------------------

BAD_QUESTIONS = {
    "empty": ("", "type a question"),
    "whitespace": (" \t\n\u3000 \r\n", "type a question"),
    "control characters only": ("\x00\x01\x02\x1b\x7f\u200b", "type a question"),
    "100,000 characters": ("remittances " * 8334, "limit is 2,000"),
    "not text": (None, "as text"),
}


@pytest.mark.parametrize("name", list(BAD_QUESTIONS))
def test_unusable_question_gets_a_clear_message(name: str, default_assistant: Assistant) -> None:
    question, hint = BAD_QUESTIONS[name]
    answer = default_assistant.chat().ask(question)
    assert hint in answer.message and answer.abstained and answer.excerpts == []
    json.dumps(answer.to_json())


@pytest.mark.parametrize(
    "question",
    [
        "\x00Who\x07 presented\x1b[31m on diaspora\x7f engagement?\r\n",
        "ما هي التحويلات 移民汇款 🌍💸 remittances versus development aid?",
        "<script>alert(1)</script> How do remittances compare with development aid?",
        '<img src=x onerror="alert(1)"> <b>Akwete</b> &amp; &lt;',
        "Robert'); DROP TABLE passages;--",
        "\u202eevil\u202c right-to-left override and zero\u200bwidth",
    ],
    ids=["control", "mixed-scripts", "script-tag", "img-onerror", "sql", "bidi"],
)
def test_hostile_question_is_answered_plainly(question: str, default_assistant: Assistant) -> None:
    from qa.web.render import answer_html

    answer = default_assistant.chat().ask(question)
    assert not answer.message and answer.answer.strip()
    assert all(ord(ch) >= 32 for ch in answer.query)  # control characters never reach the search
    html = answer_html(answer)
    assert "<script" not in html and "<img" not in html
    json.dumps(answer.to_json())


_TEXTS: dict[str, str] = {}


def _document_text(assistant: Assistant, doc_id: str) -> str:
    if doc_id not in _TEXTS:
        _TEXTS[doc_id] = assistant.document(doc_id)[1]
    return _TEXTS[doc_id]


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(question=st.text())
def test_any_text_question_gives_a_well_formed_answer(question: str, default_assistant: Assistant) -> None:
    result = default_assistant.ask(question).to_json()
    json.loads(json.dumps(result))
    assert isinstance(result["abstained"], bool)
    assert 0.0 <= result["confidence"] <= 1.0
    assert isinstance(result["answer"], str) and result["answer"]
    for p in result["passages"]:
        text = _document_text(default_assistant, p["doc"])
        assert text[p["start"] : p["end"]] == p["text"]
        assert all(p["start"] <= a < b <= p["end"] for a, b in p["highlights"])
