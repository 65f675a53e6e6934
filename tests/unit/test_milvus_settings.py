"""The Milvus store's settings, names and messages, without a model or a Milvus."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from qa.cli import main as cli_main
from qa.index import milvus_store
from qa.index.build import store_built, store_wanted
from qa.settings import SettingsError, load_settings
from tests.conftest import one_clear_line


def _settings(**extra: object):
    return load_settings({"show_progress": False, **extra}, environ={})


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"vector_store": "chroma"}, "must be faiss or milvus"),
        ({"milvus_index_params": "{M: 32"}, "must be a JSON object"),
        ({"milvus_index_params": "[1]"}, "must be a JSON object"),
        ({"milvus_collection": "9lives"}, "must be letters, digits and _"),
        ({"milvus_collection": "a-b"}, "must be letters, digits and _"),
        ({"milvus_replicas": "0"}, "must be at least 1"),
    ],
)
def test_bad_milvus_settings_are_refused(change: dict[str, str], words: str) -> None:
    with pytest.raises(SettingsError, match=words):
        _settings(**change)


def test_the_environment_selects_the_store() -> None:
    s = load_settings(environ={"QA_VECTOR_STORE": "milvus", "QA_MILVUS_URI": "http://db:19530", "QA_MILVUS_BM25": "1"})
    assert (s.vector_store, s.milvus_uri, s.milvus_bm25) == ("milvus", "http://db:19530", True)


def test_a_store_change_makes_the_index_stale_but_index_params_of_faiss_do_not() -> None:
    faiss, milvus = _settings(), _settings(vector_store="milvus")
    assert store_wanted(faiss) == store_built({}) == {"kind": "faiss"}
    assert store_wanted(milvus) != store_built({})
    built = {
        "vector_store": {
            "kind": "milvus",
            "uri": "",
            "collection": "qa",
            "asked": {"index_type": "HNSW", "index_params": {"M": 32, "efConstruction": 200}, "shards": 1},
        }
    }
    assert store_wanted(milvus) == store_built(built)
    assert store_wanted(milvus.replace(milvus_index_type="IVF_FLAT")) != store_built(built)
    assert store_wanted(milvus.replace(milvus_uri="http://db:19530")) != store_built(built)
    assert store_wanted(milvus.replace(milvus_shards=4)) != store_built(built)
    assert store_wanted(milvus.replace(milvus_replicas=3)) == store_built(built)  # applied when opened


def test_collection_names_and_what_a_build_drops() -> None:
    assert milvus_store.collection_names("qa", "20261206-001228-abcdef01") == (
        "qa_20261206_001228_abcdef01_passages",
        "qa_20261206_001228_abcdef01_sentences",
    )
    names = [
        "qa_20261206_001228_abcdef01_passages",
        "qa_20261206_001228_abcdef01_sentences",
        "qa_20261207_001228_abcdef02_passages",
        "qa_passages",  # an alias's name, never a build's collection
        "other_20261206_001228_abcdef01_passages",  # another index's prefix
        "qa_notes",
    ]
    keep = {"qa_20261207_001228_abcdef02_passages"}
    assert milvus_store.stale_collections(names, "qa", keep) == names[:2]


def test_exact_below_the_threshold_and_the_search_parameters() -> None:
    s = _settings(milvus_index_type="hnsw", ann_threshold=1000)
    assert milvus_store.index_spec(s, 999, s.ann_threshold) == ("FLAT", {})
    assert milvus_store.index_spec(s, 1000, s.ann_threshold) == ("HNSW", {"M": 32, "efConstruction": 200})
    assert milvus_store.search_params("HNSW", s, 10) == {"ef": s.hnsw_ef_search}
    assert milvus_store.search_params("IVF_SQ8", s, 10) == {"nprobe": s.ivf_nprobe}
    assert milvus_store.range_filter([(0, 5), (9, 12)]) == "(row >= 0 and row < 5) or (row >= 9 and row < 12)"
    assert milvus_store.is_lite("/data/qa.db") and not milvus_store.is_lite("https://x.zillizcloud.com")


def test_without_pymilvus_a_milvus_build_stops_at_once_with_the_install_line(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pymilvus", None)  # import pymilvus now raises ImportError
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("A document.\n", encoding="utf-8")
    code = cli_main(["index", "--quiet", "--corpus", str(corpus), "--vector-store", "milvus"])
    line = one_clear_line(capsys, code)
    assert "pip install '.[scale]'" in line
    assert not (tmp_path / "corpus.index" / "manifest.json").exists()


def test_a_relative_lite_folder_is_recorded_as_an_absolute_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The manifest must name the same folder whichever folder `qa` runs from, and stay fresh there."""
    monkeypatch.chdir(tmp_path)
    wanted = store_wanted(_settings(vector_store="milvus", milvus_uri="qa.db"))
    assert wanted["uri"] == str(tmp_path / "qa.db")
    assert store_wanted(_settings(vector_store="milvus", milvus_uri="http://db:19530"))["uri"] == "http://db:19530"
