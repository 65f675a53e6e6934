"""The LilyPond Usage gold set (eval/gold/lilypond-usage.jsonl, a Texinfo-made PDF) is usable as written and
stays a pure test set: enough questions of every kind, every row in the `test` split, a third of the answerable
questions worded as low-overlap paraphrases, and every evidence found on the page the row names (pypdfium2's
text, never across a hyphenated line break) and in the text today's reader loads. The corpus folder holds the
package's PDF unmodified (its checksum is the one SOURCE.md records). No model is needed."""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections import Counter
from functools import cache
from pathlib import Path

from qa.evaluation.gold import load_gold
from qa.evaluation.metrics import locate
from qa.ingest.loading import list_corpus_files
from tests.conftest import make_settings

ROOT = Path(__file__).resolve().parents[2]
GOLD = ROOT / "eval" / "gold" / "lilypond-usage.jsonl"
CORPUS = ROOT / "eval" / "corpora" / "lilypond-usage"
PDF = CORPUS / "lilypond-usage.pdf"
LEAST = {"howto": 12, "which_command": 6, "which_file": 5, "which_page": 4, "factoid": 5, "unanswerable": 6}
REQUIRED = ("id", "question", "doc", "evidence", "answer", "kind", "split", "conversation", "turn", "chapter")


@cache
def rows() -> tuple[dict, ...]:
    lines = GOLD.read_text(encoding="utf-8").splitlines()
    return tuple(json.loads(line) for line in lines if line.strip())


@cache
def pdf_pages() -> tuple[str, ...]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(PDF))
    try:
        return tuple(pdf[i].get_textpage().get_text_bounded() for i in range(len(pdf)))
    finally:
        pdf.close()


def test_counts_kinds_fields_and_only_the_test_split() -> None:
    data = rows()
    assert len(data) >= 40
    assert len({r["id"] for r in data}) == len(data), "duplicate ids"
    counts = Counter(r["kind"] for r in data)
    assert set(counts) == set(LEAST)
    for kind, least in LEAST.items():
        assert counts[kind] >= least, f"{kind}: {counts[kind]} < {least}"
    for r in data:
        assert all(k in r for k in REQUIRED), r["id"]
        # never tuned on: no row may be moved into a tuning split
        assert r["split"] == "test", r["id"]
        assert (r["kind"] == "unanswerable") == (r["doc"] is None) == (r["evidence"] is None), r["id"]
        assert r["answer"] is None or r["answer"] in r["evidence"], r["id"]
        if r["doc"] is not None:
            assert r["doc"] == "lilypond-usage.pdf", r["id"]
            assert isinstance(r["page"], int) and 1 <= r["page"] <= len(pdf_pages()), r["id"]
    answerable = [r for r in data if r["doc"] is not None]
    paraphrases = [r for r in answerable if r.get("wording") == "paraphrase"]
    assert 3 * len(paraphrases) >= len(answerable), f"{len(paraphrases)} paraphrases of {len(answerable)}"


def test_paraphrases_share_at_most_one_content_word_with_their_evidence() -> None:
    sys.path.insert(0, str(ROOT / "eval" / "gold" / "src"))
    try:
        from build import content_words
    finally:
        sys.path.pop(0)
    for r in rows():
        if r.get("wording") == "paraphrase":
            shared = content_words(r["question"]) & content_words(r["evidence"])
            assert len(shared) <= 1, f"{r['id']} shares {sorted(shared)}"


def test_evidence_is_on_its_page_once_and_not_across_a_hyphenated_break() -> None:
    pages = pdf_pages()
    for r in rows():
        if r["doc"] is None:
            continue
        for evidence in [r["evidence"], *r.get("evidence_alt", [])]:
            on = [i + 1 for i, text in enumerate(pages) if locate(text, evidence) is not None]
            assert len(on) == 1, f"{r['id']}: {evidence[:50]!r} on pages {on}"
            start, end = locate(pages[on[0] - 1], evidence)
            assert "\x02" not in pages[on[0] - 1][start:end], f"{r['id']}: across a hyphenated line break"
        assert locate(pages[r["page"] - 1], r["evidence"]) is not None, f"{r['id']} not on page {r['page']}"


def test_the_loaded_text_holds_every_evidence(tmp_path: Path) -> None:
    items = load_gold(GOLD, make_settings(CORPUS, tmp_path / "index"))
    assert len(items) == len(rows())
    assert all(item.spans for item in items if item.answerable)


def test_corpus_folder_is_the_unmodified_pdf_and_its_notes(tmp_path: Path) -> None:
    assert sorted(p.name for p in CORPUS.iterdir()) == ["SOURCE.md", "lilypond-usage.pdf", "titles.json"]
    titles = json.loads((CORPUS / "titles.json").read_text(encoding="utf-8"))
    assert set(titles) == {"lilypond-usage.pdf"}
    files, skipped = list_corpus_files(make_settings(CORPUS, tmp_path / "index"))
    assert [f.name for f in files] == ["lilypond-usage.pdf"] and not skipped
    source = (CORPUS / "SOURCE.md").read_text(encoding="utf-8")
    recorded = re.search(r"sha256\s+`([0-9a-f]{64})`", source)
    assert recorded and hashlib.sha256(PDF.read_bytes()).hexdigest() == recorded.group(1)
    assert "GFDL-1.3+" in source and "`2.24.1-2`" in source
