"""The BM25 reader against bm25s itself, and the query_encoder setting (no model; the encoder's checks are in
tests/integration/test_fast_paths.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qa.index.bm25 import (
    LexicalIndex,
    _bm25s_tokenize,
    bm25_scores,
    query_terms,
    read_bm25,
    term_coverage,
    tokenize,
    write_bm25,
)
from qa.settings import PROJECT_ROOT


def test_lexical_reader_equals_bm25s(tmp_path: Path) -> None:
    import bm25s

    corpus = PROJECT_ROOT / "corpus"
    texts = [p for f in sorted(corpus.glob("*.txt")) for p in f.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    assert tokenize(texts) == _bm25s_tokenize(texts)
    write_bm25(tmp_path / "ours", texts)
    ours = read_bm25(tmp_path / "ours")
    assert isinstance(ours, LexicalIndex)
    assert bm25s.BM25.load(str(tmp_path / "ours"), mmap=True).scores["num_docs"] == len(texts)  # bm25s opens it
    theirs = bm25s.BM25(k1=1.2, b=0.75, method="lucene")  # bm25s's own weights, computed by bm25s
    theirs.index(_bm25s_tokenize(texts), show_progress=False)
    for q in ["diaspora engagement", "remittances remittances migration", "zzzz unknownword", "the of and"]:
        a = bm25_scores(ours, q)
        b = bm25_scores(theirs, q)
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
            rows = np.argsort(-a)[:5]
            np.testing.assert_allclose(
                term_coverage(ours, q, rows, len(texts)), term_coverage(theirs, q, rows, len(texts)), atol=1e-6
            )


@pytest.mark.parametrize("value", ["fast", "", "numpy"])
def test_query_encoder_setting_is_checked(value: str) -> None:
    from qa.settings import SettingsError, load_settings

    with pytest.raises(SettingsError):
        load_settings({"query_encoder": value}, environ={})


def test_one_letter_options_are_keyword_terms_and_hyphenated_words_are_not() -> None:
    # bm25s's own tokens drop one-letter words: "set -e" would be "set" alone, "-D" and "-d" the same nothing
    assert tokenize(["What does set -e do?", "git branch -D topic; ls -l (-x)"]) == [
        ["what", "doe", "set", "-e", "do"],
        ["git", "branch", "-D", "topic", "ls", "-l", "-x"],
    ]
    assert "-e" not in tokenize(["re-enter a pre-existing x-ray --e -e- e-mail"])[0]
    assert query_terms("What does the -l option do?") == ["-l", "option"]
