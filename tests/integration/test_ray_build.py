"""A build on Ray (build_engine = "ray") writes what the single-process build writes, honours the embedding
cache, re-encodes only what changed, and answers the same. Skipped where Ray is not installed."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("ray.data", reason="the Ray build is an optional extra: pip install .[scale]")

from qa.assistant import Assistant  # noqa: E402
from qa.encode.cache import EmbeddingCache, cache_key, text_digest  # noqa: E402
from qa.index.build import build_index, build_signature, open_index  # noqa: E402
from qa.index.raybuild import encode_on_ray, ray_session  # noqa: E402
from qa.settings import PROJECT_ROOT  # noqa: E402
from tests.conftest import DEFAULT_CORPUS, make_settings  # noqa: E402

GOLD = PROJECT_ROOT / "eval" / "gold" / "default.jsonl"


@pytest.fixture(scope="module")
def ray_running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """One local Ray for the module (starting one costs seconds); builds join it and leave it running."""
    settings = make_settings(DEFAULT_CORPUS, tmp_path_factory.mktemp("unused"), build_engine="ray")
    with ray_session(settings):
        yield


def _ray_settings(corpus: Path, index: Path, **extra: Any) -> Any:
    return make_settings(corpus, index, **{"build_engine": "ray", "ray_actors": 2, "ray_batch_size": 128, **extra})


@pytest.fixture(scope="module")
def ray_built(ray_running: None, tmp_path_factory: pytest.TempPathFactory, embedder) -> Any:
    """The shipped corpus built on Ray, into a temporary folder."""
    settings = _ray_settings(DEFAULT_CORPUS, tmp_path_factory.mktemp("ray-index"))
    report = build_index(settings, embedder)
    return settings, report


def test_ray_build_writes_the_local_builds_passages_and_vectors(ray_built, default_assistant) -> None:
    settings, report = ray_built
    assert report.embedded_documents == 4 and report.encoded > 0
    on_ray, local = open_index(settings), open_index(default_assistant.settings)
    assert [p.to_json() for p in on_ray.passages] == [p.to_json() for p in local.passages]
    np.testing.assert_allclose(np.asarray(on_ray.vectors), np.asarray(local.vectors), atol=2e-5, rtol=0)
    np.testing.assert_allclose(np.asarray(on_ray.sentence_vectors), np.asarray(local.sentence_vectors), atol=2e-5)


def test_ray_built_index_gives_the_same_answers(ray_built, default_assistant) -> None:
    settings, _ = ray_built
    questions = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    firsts = [q["question"] for q in questions if q.get("turn", 1) == 1][:6]
    assert len(firsts) == 6
    on_ray = Assistant.load(settings.replace(build_engine="local"))
    for question in firsts:
        a, b = on_ray.ask(question), default_assistant.ask(question)
        assert a.answer == b.answer, question
        assert [(p["doc"], p["start"], p["end"]) for p in a.to_json()["passages"]] == [
            (p["doc"], p["start"], p["end"]) for p in b.to_json()["passages"]
        ]
        assert a.confidence == pytest.approx(b.confidence, abs=1e-4)


def test_second_ray_build_reencodes_only_the_changed_file(ray_running, small_corpus: Path, tmp_path: Path, embedder):
    settings = _ray_settings(small_corpus, tmp_path / "index")
    first = build_index(settings, embedder)
    assert (first.embedded_documents, first.reused_documents) == (3, 0)
    (small_corpus / "tea.txt").write_text("Tea\n\nOolong tea is partly oxidised, between green and black.\n")

    second = build_index(settings, embedder)
    assert (second.embedded_documents, second.reused_documents) == (1, 2)
    tea = [p for p in open_index(settings).passages if p.doc_id == "tea.txt"]
    # Only tea.txt's texts were looked at; of them the heading "Tea" kept its old vector, the rest was encoded.
    assert second.encoded + second.reused_vectors == len(tea) + sum(len(p.sentences) for p in tea)
    assert (second.encoded, second.reused_vectors) == (2, 1)

    local = make_settings(small_corpus, tmp_path / "local")
    build_index(local, embedder)
    assert [p.to_json() for p in open_index(settings).passages] == [p.to_json() for p in open_index(local).passages]
    np.testing.assert_allclose(
        np.asarray(open_index(settings).vectors), np.asarray(open_index(local).vectors), atol=2e-5
    )


def test_ray_encoding_reads_and_fills_the_embedding_cache(ray_running, tmp_path: Path, embedder) -> None:
    settings = _ray_settings(DEFAULT_CORPUS, tmp_path / "index", ray_batch_size=2)
    key = cache_key(build_signature(settings, embedder))
    texts = ["Honey bees dance.", "Volcanoes erupt.", "Green tea is not oxidised.", "Rivers flow to the sea."]
    known = embedder.encode_passages(texts[:1])
    cache = EmbeddingCache(settings.index_dir, key, embedder.info.dimension)
    cache.adopt({text_digest(texts[0]): known[0] + 1.0})  # a marked vector: it must come from the cache

    vectors = encode_on_ray(settings, embedder.info, texts, cache)
    assert cache.encoded == 3 and cache.hits == 1
    np.testing.assert_allclose(vectors[0], known[0] + 1.0)
    np.testing.assert_allclose(vectors[1:], embedder.encode_passages(texts[1:]), atol=2e-5)

    again = EmbeddingCache(settings.index_dir, key, embedder.info.dimension)  # what a resumed build finds on disk
    assert all(v is not None for v in again.lookup([text_digest(t) for t in texts[1:]]))
    encode_on_ray(settings, embedder.info, texts[1:], again)
    assert again.encoded == 0


def test_workers_need_no_copy_of_the_corpus(ray_running, small_corpus: Path, tmp_path: Path, embedder) -> None:
    """Workers get the documents from the driver: a corpus folder gone after loading still builds."""
    from qa.ingest.loading import load_corpus

    settings = _ray_settings(small_corpus, tmp_path / "index")
    loaded = load_corpus(settings)
    shutil.rmtree(small_corpus)
    report = build_index(settings, embedder, loaded=loaded)
    assert report.documents == 3 and not report.skipped
    assert any("waggle dance" in p.text for p in open_index(settings).passages)
