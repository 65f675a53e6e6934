"""Gold evidence is found whatever way a reader lays the text out (no model): a whitespace run in the
evidence matches any whitespace run, a line break included, and a word broken by a soft hyphen or a
line-end hyphen still matches; the span returned is the real one in the loaded text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa.evaluation.gold import GoldError, load_gold
from qa.evaluation.metrics import find_spans, locate
from tests.conftest import make_settings

PDF_LIKE = (
    "4.2 Uploading\n\nThe package tracker has a web\ninterface at https://tracker.debian.org/ that puts\n"
    "together a lot of information. Please reintroduc-\ning the package is fine, and so is e-\nmail.\n"
    "A soft hyphen: docu\u00admentation here."
)


def test_exact_match_is_the_plain_find() -> None:
    assert locate(PDF_LIKE, "4.2 Uploading") == (0, len("4.2 Uploading"))


def test_whitespace_runs_match_line_breaks_and_real_span_is_returned() -> None:
    evidence = "The package tracker has a web interface at https://tracker.debian.org/ that puts together"
    start, end = locate(PDF_LIKE, evidence)
    assert PDF_LIKE[start:end] == (
        "The package tracker has a web\ninterface at https://tracker.debian.org/ that puts\ntogether"
    )
    assert find_spans(PDF_LIKE, "d.pdf", [evidence]) == [("d.pdf", start, end)]


def test_hyphenated_line_ends_and_soft_hyphens_inside_words() -> None:
    start, end = locate(PDF_LIKE, "Please reintroducing the package")
    assert PDF_LIKE[start:end] == "Please reintroduc-\ning the package"
    start, end = locate(PDF_LIKE, "so is e-mail.")
    assert PDF_LIKE[start:end] == "so is e-\nmail."
    start, end = locate(PDF_LIKE, "documentation here.")
    assert PDF_LIKE[start:end] == "docu\u00admentation here."


def test_space_a_reader_puts_beside_punctuation() -> None:
    text = "Functions: arg$ (i) returns the i-the argument; f (x, y) is drawn."
    start, end = locate(text, "arg$(i) returns the i-the argument;")
    assert text[start:end] == "arg$ (i) returns the i-the argument;"
    assert locate(text, "f(x, y) is drawn.") is not None
    assert locate(text, "argi returns") is None  # letters stay letters


def test_other_words_do_not_match() -> None:
    assert locate(PDF_LIKE, "The package tracker has no web interface") is None
    assert locate(PDF_LIKE, "reintroduced") is None
    assert locate(PDF_LIKE, "web-interface") is None  # a hyphen is not whitespace
    assert locate(PDF_LIKE, "   ") is None
    assert find_spans(PDF_LIKE, "d.pdf", ["nowhere in it", ""]) == []


def test_gold_loader_accepts_evidence_laid_out_differently(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "manual.txt").write_text("Intro.\n\nTo set the time zone, run\n  dpkg-reconfigure tzdata\nas root.\n")
    rows = [
        {
            "id": "a",
            "question": "How do I set the time zone?",
            "doc": "manual.txt",
            "evidence": "To set the time zone, run dpkg-reconfigure tzdata as root.",
            "answer": "dpkg-reconfigure tzdata",
        },
        {"id": "b", "question": "Which file?", "doc": "manual.txt", "evidence": "run dpkg-reconfigure timezone"},
    ]
    gold = tmp_path / "g.jsonl"
    gold.write_text("".join(json.dumps(r) + "\n" for r in rows))
    with pytest.raises(GoldError) as err:
        load_gold(gold, make_settings(corpus, tmp_path / "index"))
    assert len(err.value.problems) == 1 and "(b)" in err.value.problems[0]
    gold.write_text(json.dumps(rows[0]) + "\n")
    (item,) = load_gold(gold, make_settings(corpus, tmp_path / "index"))
    text = (corpus / "manual.txt").read_text()
    (_, start, end) = item.spans[0]
    assert text[start:end] == "To set the time zone, run\n  dpkg-reconfigure tzdata\nas root."
