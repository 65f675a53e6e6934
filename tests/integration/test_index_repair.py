"""A damaged index is named in one line and rebuilt from the vectors it still holds; a copied one is used as is.

The README's *Reliability* table promises "one line saying what is wrong" and a rebuild; a rebuild that
re-encodes everything costs hours on a large corpus, so these tests also check how much was reused.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from qa.assistant import Assistant
from qa.cli import main as cli_main
from qa.index import store
from qa.index.build import build_index
from tests.conftest import make_settings


def _live(index_dir: Path) -> Path:
    return store.build_folder(index_dir, store.read_manifest(index_dir)["build_id"])


def _truncate(path: Path, keep: float) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])


# damage -> (the file the one line must name, whether every vector is still there to reuse)
DAMAGE = {
    "vectors truncated": (lambda i: _truncate(_live(i) / "vectors.npy", 0.6), "vectors.npy", False),
    "sentence vectors truncated": (
        lambda i: _truncate(_live(i) / "sentence_vectors.npy", 0.6),
        "sentence_vectors.npy",
        False,
    ),
    "passages truncated": (lambda i: _truncate(_live(i) / "passages.jsonl", 0.5), "passages.jsonl", True),
    "passages not JSON": (lambda i: (_live(i) / "passages.jsonl").write_bytes(b"\x00\xffnot json\n"), "passages", True),
    "manifest not JSON": (lambda i: (i / "manifest.json").write_text("{bad"), "manifest.json", True),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_index_is_named_in_one_line_and_rebuilt_from_its_valid_vectors(
    damage: str, small_corpus: Path, tmp_path: Path, embedder, capsys
) -> None:
    settings = make_settings(small_corpus, tmp_path / "index")
    first = build_index(settings, embedder)
    total = first.passages + first.sentences
    spoil, named, all_kept = DAMAGE[damage]
    spoil(settings.index_dir)

    code = cli_main(["index", "--corpus", str(small_corpus), "--index-dir", str(settings.index_dir)])
    out = capsys.readouterr().out
    assert code == 0
    lines = [line for line in out.splitlines() if line.startswith("repaired a damaged index")]
    assert len(lines) == 1 and named in lines[0] and "Traceback" not in out, out
    reused = int(lines[0].split("reusing the ")[1].split(" vectors")[0].replace(",", ""))
    encoded = int(lines[0].split("(")[-1].split(" texts")[0].replace(",", ""))
    assert reused + encoded == total
    assert (encoded == 0) if all_kept else (0 < reused < total), lines[0]

    again = build_index(settings, embedder)
    assert again.up_to_date and not again.repaired
    answer = Assistant.load(settings, build=False, embedder=embedder).ask("Which volcano in Sicily is very active?")
    assert "Etna" in answer.answer


def test_qa_ask_on_a_damaged_index_says_so_in_one_line_then_answers(
    small_corpus: Path, tmp_path: Path, embedder, capsys
) -> None:
    settings = make_settings(small_corpus, tmp_path / "index")
    build_index(settings, embedder)
    _truncate(_live(settings.index_dir) / "vectors.npy", 0.5)

    code = cli_main(
        ["ask", "--corpus", str(small_corpus), "--index-dir", str(settings.index_dir), "Who leads a bee colony?"]
    )
    captured = capsys.readouterr()
    assert code == 0 and "queen" in captured.out
    damaged = [line for line in captured.err.splitlines() if line.startswith("repaired a damaged index")]
    assert len(damaged) == 1 and "vectors.npy is damaged (truncated" in damaged[0], captured.err


def test_a_copied_index_folder_is_used_as_it_is(small_corpus: Path, tmp_path: Path, embedder) -> None:
    settings = make_settings(small_corpus, tmp_path / "index")
    build_index(settings, embedder)
    copy = tmp_path / "copy-of-index"
    shutil.copytree(settings.index_dir, copy)
    build_id = store.read_manifest(copy)["build_id"]

    moved_settings = make_settings(small_corpus, copy)
    assert build_index(moved_settings, embedder).up_to_date
    loaded = Assistant.load(moved_settings, embedder=embedder)
    assert loaded.build_report is None and loaded.manifest["build_id"] == build_id
    assert "queen" in loaded.ask("Who leads a bee colony?").answer


def test_a_corpus_copied_with_its_index_is_not_rebuilt(small_corpus: Path, tmp_path: Path, embedder) -> None:
    settings = make_settings(small_corpus, tmp_path / "index")
    build_index(settings, embedder)
    corpus2 = shutil.copytree(small_corpus, tmp_path / "elsewhere" / "corpus")
    index2 = shutil.copytree(settings.index_dir, tmp_path / "elsewhere" / "index")
    build_id = json.loads((index2 / "manifest.json").read_text())["build_id"]

    loaded = Assistant.load(make_settings(corpus2, index2), embedder=embedder)
    assert loaded.build_report is None and loaded.manifest["build_id"] == build_id
    (corpus2 / "tea.txt").write_text("Tea\n\nOolong tea is partly oxidised.\n", encoding="utf-8")
    changed = Assistant.load(make_settings(corpus2, index2), embedder=embedder)  # a real change still counts
    assert changed.build_report is not None and changed.build_report.embedded_documents == 1
