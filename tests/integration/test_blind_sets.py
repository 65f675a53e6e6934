"""The gold sets written blind (eval/gold/gnuplot-manual.jsonl over a LaTeX PDF, eval/gold/sphinx-usage.jsonl
over Sphinx-built HTML, eval/gold/git-guides.jsonl over DocBook and AsciiDoc HTML) stay usable as written and pure
test sets: every kind asked, every row `test`, at least two fifths of the answerable questions low-overlap
paraphrases, every evidence found once in the text today's readers load, and each corpus folder the package's
unmodified files and a provenance note. No model is needed."""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections import Counter
from pathlib import Path

import pytest

from qa.evaluation.gold import load_gold
from qa.ingest.loading import list_corpus_files
from tests.conftest import make_settings

ROOT = Path(__file__).resolve().parents[2]
KINDS = {
    "gnuplot-manual": {"howto", "which_command", "which_file", "which_page", "factoid", "unanswerable"},
    "sphinx-usage": {"howto", "which_command", "which_file", "factoid", "unanswerable"},
    "git-guides": {"howto", "which_command", "which_file", "factoid", "unanswerable"},
}


def rows(name: str) -> list[dict]:
    lines = (ROOT / "eval" / "gold" / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.mark.parametrize("name", sorted(KINDS))
def test_every_kind_every_row_test_and_paraphrases(name: str) -> None:
    data = rows(name)
    counts = Counter(r["kind"] for r in data)
    assert len(data) >= 70 and set(counts) == KINDS[name] and counts["unanswerable"] >= 10
    assert {r["split"] for r in data} == {"test"}  # written blind: nothing may be fitted on them
    sys.path.insert(0, str(ROOT / "eval" / "gold" / "src"))
    try:
        from build import content_words
    finally:
        sys.path.pop(0)
    answerable = [r for r in data if r["evidence"] is not None]
    paraphrases = [r for r in answerable if r.get("wording") == "paraphrase"]
    assert 5 * len(paraphrases) >= 2 * len(answerable)
    for r in paraphrases:
        assert len(content_words(r["question"]) & content_words(r["evidence"])) <= 1, r["id"]


@pytest.mark.parametrize("name", sorted(KINDS))
def test_the_loaded_text_holds_every_evidence(name: str, tmp_path: Path) -> None:
    corpus = ROOT / "eval" / "corpora" / name
    items = load_gold(ROOT / "eval" / "gold" / f"{name}.jsonl", make_settings(corpus, tmp_path / "index"))
    assert len(items) == len(rows(name))
    assert all(item.spans for item in items if item.answerable)


def test_the_gnuplot_folder_is_the_packages_pdf_and_its_note(tmp_path: Path) -> None:
    corpus = ROOT / "eval" / "corpora" / "gnuplot-manual"
    assert sorted(p.name for p in corpus.iterdir()) == ["SOURCE.md", "gnuplot.pdf"]
    files, skipped = list_corpus_files(make_settings(corpus, tmp_path / "index"))
    assert [f.name for f in files] == ["gnuplot.pdf"] and not skipped
    recorded = re.search(r"sha256 `([0-9a-f]{64})`\), unmodified", (corpus / "SOURCE.md").read_text(encoding="utf-8"))
    assert recorded and hashlib.sha256((corpus / "gnuplot.pdf").read_bytes()).hexdigest() == recorded.group(1)


def test_the_sphinx_folder_is_the_usage_pages_only(tmp_path: Path) -> None:
    corpus = ROOT / "eval" / "corpora" / "sphinx-usage"
    files, skipped = list_corpus_files(make_settings(corpus, tmp_path / "index"))
    assert len(files) == 41 and not skipped
    assert all(f.suffix == ".html" and f.relative_to(corpus).parts[0] == "usage" for f in files)


def test_the_git_folder_is_the_packages_five_guides_unmodified(tmp_path: Path) -> None:
    corpus = ROOT / "eval" / "corpora" / "git-guides"
    files, skipped = list_corpus_files(make_settings(corpus, tmp_path / "index"))
    names = ["giteveryday.html", "gitfaq.html", "gittutorial-2.html", "gittutorial.html", "user-manual.html"]
    assert sorted(f.name for f in files) == names and not skipped
    note = (corpus / "SOURCE.md").read_text(encoding="utf-8")
    for name in names:
        recorded = re.search(rf"`{re.escape(name)}` \| `[^`]+` \| [\d,]+ \| `([0-9a-f]{{64}})`", note)
        assert recorded and hashlib.sha256((corpus / name).read_bytes()).hexdigest() == recorded.group(1), name
