"""Asking within chosen documents, the pure part: which rows a choice allows and top-k among them only."""

from __future__ import annotations

import numpy as np
import pytest

from qa.index.bm25 import top_rows
from qa.search.filter import (
    UnknownDocuments,
    choice_names,
    document_filter,
    matching_documents,
    restrict_scores,
    scan_top,
    sentence_ranges,
)

SPANS = {"a.txt": (0, 3), "manuals/pump.txt": (3, 7), "manuals/valve.txt": (7, 9), "manualsX.txt": (9, 10)}


def test_a_name_chooses_a_document_and_a_folder_every_document_under_it() -> None:
    assert matching_documents(["a.txt"], SPANS) == ["a.txt"]
    assert matching_documents(["manuals/"], SPANS) == ["manuals/pump.txt", "manuals/valve.txt"]
    assert matching_documents(["manuals"], SPANS) == ["manuals/pump.txt", "manuals/valve.txt"]  # not manualsX
    assert matching_documents(["./a.txt", "a.txt", "manuals/valve.txt"], SPANS) == ["a.txt", "manuals/valve.txt"]


def test_a_name_that_chooses_nothing_is_reported_not_answered_from_no_documents() -> None:
    with pytest.raises(UnknownDocuments, match="'nope.txt'"):
        document_filter(["a.txt", "nope.txt"], SPANS)
    with pytest.raises(UnknownDocuments):
        document_filter(["manual"], SPANS)  # a prefix of a name is not a folder


def test_no_choice_means_the_whole_corpus() -> None:
    assert document_filter(None, SPANS) is None
    assert document_filter([], SPANS) is None
    assert document_filter(["", "  "], SPANS) is None


def test_neighbouring_documents_merge_into_one_row_range() -> None:
    flt = document_filter(["manuals/valve.txt", "a.txt", "manuals/pump.txt"], SPANS)
    assert flt is not None and flt.ranges == ((0, 9),) and flt.size == 9
    flt = document_filter(["a.txt", "manualsX.txt"], SPANS)
    assert flt.ranges == ((0, 3), (9, 10)) and flt.rows().tolist() == [0, 1, 2, 9]
    assert flt.contains(np.array([0, 3, 9, 10])).tolist() == [True, False, True, False]


def test_the_subset_scan_finds_top_k_inside_the_choice_even_when_the_best_rows_lie_outside() -> None:
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(200, 8)).astype(np.float32)
    query = rng.normal(size=8).astype(np.float32)
    vectors[:150] += 5 * query  # the first 150 rows beat every chosen one
    scores, rows = scan_top(vectors, [(150, 160), (180, 200)], query, 5)
    allowed = np.r_[150:160, 180:200]
    expected = allowed[np.argsort(-(vectors[allowed] @ query))][:5]
    assert rows.tolist() == expected.tolist() and len(rows) == 5
    assert np.all(np.diff(scores) <= 0)
    # Whereas the top 5 of the whole matrix, filtered afterwards, holds none of them:
    everything = np.argsort(-(vectors @ query))[:5]
    assert not set(everything.tolist()) & set(allowed.tolist())


def test_the_subset_scan_works_across_chunks_and_with_k_beyond_the_subset(monkeypatch) -> None:
    import qa.search.filter as filt

    monkeypatch.setattr(filt, "CHUNK_ROWS", 7)
    vectors = np.eye(40, dtype=np.float32)
    query = np.arange(40, dtype=np.float32)
    _, rows = filt.scan_top(vectors, [(3, 30)], query, 4)
    assert rows.tolist() == [29, 28, 27, 26]
    _, rows = filt.scan_top(vectors, [(0, 2)], query, 10)
    assert rows.tolist() == [1, 0]
    assert filt.scan_top(vectors, [], query, 3)[1].size == 0


def test_bm25_keeps_only_the_chosen_rows_scores() -> None:
    scores = np.array([9.0, 8.0, 7.0, 0.0, 1.0, 0.5, 0.0, 0.2, 0.0, 6.0], dtype=np.float32)
    flt = document_filter(["manuals/"], SPANS)
    kept = restrict_scores(scores, flt)
    assert top_rows(kept, 3).tolist() == [4, 5, 7]  # rows 0-2 and 9 score higher but are not chosen
    assert top_rows(scores, 3).tolist() == [0, 1, 2]


def test_the_chosen_passages_own_their_sentences_rows() -> None:
    offsets = np.array([0, 2, 5, 5, 6, 9, 10, 12, 13, 15, 16])
    flt = document_filter(["manuals/pump.txt"], SPANS)  # passages 3..6
    assert sentence_ranges(offsets, flt) == [(5, 12)]


def test_the_picker_offers_folders_then_documents() -> None:
    names = choice_names(["b.txt", "manuals/pumps/p1.md", "manuals/valve.md", "a.txt"])
    assert names == ["manuals/", "manuals/pumps/", "a.txt", "b.txt", "manuals/pumps/p1.md", "manuals/valve.md"]
    assert all(document_filter([n], {d: (i, i + 1) for i, d in enumerate(names[2:])}) for n in names)


@pytest.mark.parametrize("factory", ["HNSW32,SQ8", "IVF16,Flat"])
def test_an_ann_index_searches_only_the_chosen_rows_with_a_selector(factory: str) -> None:
    from qa.index.dense import FlatScan, build_dense_index, dense_search_within
    from qa.settings import Settings

    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(3000, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    query = vectors[5]  # its nearest rows (itself first) lie outside the choice
    settings = Settings()
    ranges = [(1000, 1200), (2500, 2600)]
    scores, rows = dense_search_within(build_dense_index(vectors, settings, factory), query, 10, ranges, settings)
    exact = scan_top(vectors, ranges, query, 10)[1]
    assert len(rows) == 10 and all(1000 <= r < 1200 or 2500 <= r < 2600 for r in rows)
    assert len(set(rows.tolist()) & set(exact.tolist())) >= 9  # an ANN index: near-exact among the chosen
    assert dense_search_within(FlatScan(vectors), query, 10, ranges, settings) is None  # flat: scan instead
