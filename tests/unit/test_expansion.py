"""WordNet query expansion without the model: which corpus terms a question's words bring, read from WordNet's
own file layout (tests/wordnet_sample.py writes real synsets in it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.search.expansion import (
    BUNDLED,
    WordNet,
    WordNetTable,
    WordNetUnavailable,
    content_words,
    expansion_terms,
    open_wordnet,
)
from qa.settings import SettingsError, load_settings
from tests.wordnet_sample import write_wordnet

QUESTION = "Why are city newcomers refused state help?"


@pytest.fixture()
def wordnet(tmp_path: Path) -> WordNet:
    return WordNet(write_wordnet(tmp_path / "wordnet"))


def test_a_question_brings_synonyms_and_hypernyms_the_corpus_holds(wordnet: WordNet) -> None:
    assert content_words(QUESTION) == ["city", "newcomers", "refused", "state", "help"]
    vocab = {"arriv", "assist", "aid", "novic", "help", "citi"}
    terms = expansion_terms(wordnet, QUESTION, vocab, neighbours=12, senses=5)
    # "newcomers" -> newcomer (plural undone) -> its hypernyms novice and arrival; "help" -> aid, assistance.
    assert terms == ["novic", "arriv", "aid", "assist"]
    assert "help" not in terms and "citi" not in terms  # the question's own words are not added again


def test_the_first_senses_and_neighbours_only(wordnet: WordNet) -> None:
    vocab = {"arriv", "assist", "aid", "novic"}
    assert expansion_terms(wordnet, QUESTION, vocab, neighbours=1, senses=5) == ["novic", "aid"]
    # newcomer's second sense (a recent arrival) lies past the first one
    assert expansion_terms(wordnet, "newcomers", vocab, neighbours=12, senses=1) == ["novic"]
    assert expansion_terms(wordnet, "Which volcano erupts?", vocab, 12, 5) == []  # not in this WordNet


def test_a_folder_without_wordnet_is_named_with_the_fix(tmp_path: Path) -> None:
    with pytest.raises(WordNetUnavailable, match="holds no WordNet database.*wordnet-base"):
        WordNet(tmp_path)


def test_the_bundled_table_reads_as_wordnet_itself(tmp_path: Path) -> None:
    """The shipped table (3 MB) gives what Debian's WordNet folder gives, for the words of the sample folder."""
    table, folder = WordNetTable(), WordNet(write_wordnet(tmp_path / "wordnet"))
    for word in ("newcomers", "help", "city", "refused"):
        assert set(folder.related(word, 5)) <= set(table.related(word, 5)), word  # the sample holds a subset
    assert {"part", "portion", "divide"} <= set(table.related("fraction", 5))  # senses and hypernyms
    assert open_wordnet(BUNDLED) is open_wordnet(BUNDLED)  # loaded once a process


def test_a_missing_table_says_how_to_rebuild_it(tmp_path: Path) -> None:
    with pytest.raises(WordNetUnavailable, match="build_wordnet_table.py"):
        WordNetTable(tmp_path / "wordnet-3.0.json.gz")


def test_expansion_is_on_by_default_and_checked() -> None:
    assert load_settings(environ={}).wordnet_dir == BUNDLED
    assert load_settings({"wordnet_dir": ""}, environ={}).wordnet_dir == ""
    with pytest.raises(SettingsError, match="wordnet"):
        load_settings({"wordnet_weight": -0.5}, environ={})
