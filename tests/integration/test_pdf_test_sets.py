"""The PDF gold sets nothing is tuned on (eval/gold/developers-reference.jsonl: a LaTeX PDF;
eval/gold/lilypond-usage.jsonl: a Texinfo PDF) are usable as written and stay pure test sets: enough questions
of every kind, every row in the `test` split, a third of the answerable questions worded as low-overlap
paraphrases, and every evidence found on the page the row names (pypdfium2's text, never across a hyphenated line
break) and in the text today's reader loads. Each corpus folder holds the package's PDF unmodified (its checksum
is the one SOURCE.md records). No model is needed."""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from qa.evaluation.gold import load_gold
from qa.evaluation.metrics import locate
from qa.ingest.loading import list_corpus_files
from tests.conftest import make_settings

ROOT = Path(__file__).resolve().parents[2]
REQUIRED = ("id", "question", "doc", "evidence", "answer", "kind", "split", "conversation", "turn", "chapter")


@dataclass(frozen=True)
class PdfSet:
    name: str  # the gold file's and the corpus folder's name, and the PDF's stem
    unanswerable: int  # at least this many near-miss questions
    licence: str
    version: str

    @property
    def gold(self) -> Path:
        return ROOT / "eval" / "gold" / f"{self.name}.jsonl"

    @property
    def corpus(self) -> Path:
        return ROOT / "eval" / "corpora" / self.name

    @property
    def pdf(self) -> Path:
        return self.corpus / f"{self.name}.pdf"

    def least(self) -> dict[str, int]:
        kinds = {"howto": 12, "which_command": 6, "which_file": 5, "which_page": 4, "factoid": 5}
        return {**kinds, "unanswerable": self.unanswerable}


SETS = [PdfSet("developers-reference", 8, "GPL-2", "12.18"), PdfSet("lilypond-usage", 6, "GFDL-1.3+", "2.24.1-2")]
pytestmark = pytest.mark.parametrize("pdf_set", SETS, ids=[s.name for s in SETS])


@cache
def rows(pdf_set: PdfSet) -> tuple[dict, ...]:
    lines = pdf_set.gold.read_text(encoding="utf-8").splitlines()
    return tuple(json.loads(line) for line in lines if line.strip())


@cache
def pdf_pages(pdf_set: PdfSet) -> tuple[str, ...]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(pdf_set.pdf))
    try:
        return tuple(pdf[i].get_textpage().get_text_bounded() for i in range(len(pdf)))
    finally:
        pdf.close()


def test_counts_kinds_fields_and_only_the_test_split(pdf_set: PdfSet) -> None:
    data = rows(pdf_set)
    assert len(data) >= 40
    assert len({r["id"] for r in data}) == len(data), "duplicate ids"
    counts = Counter(r["kind"] for r in data)
    assert set(counts) == set(pdf_set.least())
    for kind, least in pdf_set.least().items():
        assert counts[kind] >= least, f"{kind}: {counts[kind]} < {least}"
    for r in data:
        assert all(k in r for k in REQUIRED), r["id"]
        # never tuned on: no row may be moved into a tuning split
        assert r["split"] == "test", r["id"]
        assert (r["kind"] == "unanswerable") == (r["doc"] is None) == (r["evidence"] is None), r["id"]
        assert r["answer"] is None or r["answer"] in r["evidence"], r["id"]
        if r["doc"] is not None:
            assert r["doc"] == pdf_set.pdf.name, r["id"]
            assert isinstance(r["page"], int) and 1 <= r["page"] <= len(pdf_pages(pdf_set)), r["id"]
    answerable = [r for r in data if r["doc"] is not None]
    paraphrases = [r for r in answerable if r.get("wording") == "paraphrase"]
    assert 3 * len(paraphrases) >= len(answerable), f"{len(paraphrases)} paraphrases of {len(answerable)}"


def test_paraphrases_share_at_most_one_content_word_with_their_evidence(pdf_set: PdfSet) -> None:
    sys.path.insert(0, str(ROOT / "eval" / "gold" / "src"))
    try:
        from build import content_words
    finally:
        sys.path.pop(0)
    for r in rows(pdf_set):
        if r.get("wording") == "paraphrase":
            shared = content_words(r["question"]) & content_words(r["evidence"])
            assert len(shared) <= 1, f"{r['id']} shares {sorted(shared)}"


def test_evidence_is_on_its_page_once_and_not_across_a_hyphenated_break(pdf_set: PdfSet) -> None:
    pages = pdf_pages(pdf_set)
    for r in rows(pdf_set):
        if r["doc"] is None:
            continue
        for evidence in [r["evidence"], *r.get("evidence_alt", [])]:
            on = [i + 1 for i, text in enumerate(pages) if locate(text, evidence) is not None]
            assert len(on) == 1, f"{r['id']}: {evidence[:50]!r} on pages {on}"
            start, end = locate(pages[on[0] - 1], evidence)
            assert "\x02" not in pages[on[0] - 1][start:end], f"{r['id']}: across a hyphenated line break"
        assert locate(pages[r["page"] - 1], r["evidence"]) is not None, f"{r['id']} not on page {r['page']}"


def test_the_loaded_text_holds_every_evidence(pdf_set: PdfSet, tmp_path: Path) -> None:
    items = load_gold(pdf_set.gold, make_settings(pdf_set.corpus, tmp_path / "index"))
    assert len(items) == len(rows(pdf_set))
    assert all(item.spans for item in items if item.answerable)


def test_corpus_folder_is_the_unmodified_pdf_and_its_notes(pdf_set: PdfSet, tmp_path: Path) -> None:
    name = pdf_set.pdf.name
    assert sorted(p.name for p in pdf_set.corpus.iterdir()) == sorted(["SOURCE.md", name, "titles.json"])
    titles = json.loads((pdf_set.corpus / "titles.json").read_text(encoding="utf-8"))
    assert set(titles) == {name}
    files, skipped = list_corpus_files(make_settings(pdf_set.corpus, tmp_path / "index"))
    assert [f.name for f in files] == [name] and not skipped
    source = (pdf_set.corpus / "SOURCE.md").read_text(encoding="utf-8")
    recorded = re.search(r"sha256\s+`([0-9a-f]{64})`", source)
    assert recorded and hashlib.sha256(pdf_set.pdf.read_bytes()).hexdigest() == recorded.group(1)
    assert pdf_set.licence in source and f"`{pdf_set.version}`" in source
