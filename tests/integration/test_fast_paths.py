"""The fast paths compute what the libraries they stand in for compute.

* qa/encode/onnx_encoder.py (the model's graph, exported by torch, run by ONNX Runtime) against
  sentence-transformers on the bundled model, and the fallback to sentence-transformers;
* qa/index/bm25.py's tokenizer and memory-mapped BM25 reader against bm25s itself;
* answering a question imports neither torch nor bm25s (the start-up budget);
* the sentence FAISS index of large builds is written and used.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from qa.encode import onnx_encoder
from qa.encode.embedder import Embedder
from qa.encode.onnx_encoder import OnnxEncoder, supported
from qa.settings import PROJECT_ROOT
from tests.conftest import make_settings

TEXTS = [
    "Who presented on diaspora engagement?",
    "What did he recommend?",
    "",
    "x",
    "Remittances to low-income countries rose by 7% in 2005 — über-fast, naïve café résumé.",
    "word " * 400,  # truncated at the model's max_seq_length, as sentence-transformers does
    "中文 text with CJK characters and emoji 🙂",
]


def test_onnx_encoder_equals_sentence_transformers(embedder: Embedder) -> None:
    assert supported(embedder.path) is None
    reference = embedder.model.encode(TEXTS, normalize_embeddings=True, convert_to_numpy=True)
    onnx = OnnxEncoder(embedder.path, threads=1)
    cosine = (onnx.encode(TEXTS) * reference).sum(1)
    assert cosine.min() >= 0.9999
    assert onnx.dimension == embedder.model.get_embedding_dimension()
    assert onnx.max_seq_length == embedder.model.max_seq_length
    # The default settings pick it, so questions are compared with passages in the same space.
    assert isinstance(embedder.questions, OnnxEncoder)
    assert (embedder.encode_queries(TEXTS) * reference).sum(1).min() >= 0.9999


def test_a_saved_question_graph_starts_the_encoder_without_torch(
    embedder: Embedder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = OnnxEncoder(embedder.path, threads=1, graph_folder=tmp_path).encode(TEXTS)
    (graph,) = tmp_path.glob("question-encoder-*.onnx")
    (weights,) = tmp_path.glob("question-encoder-*.safetensors")
    monkeypatch.setattr(onnx_encoder, "_EXPORTED", {})  # nothing exported in this process any more ...
    for name in ("torch", "onnx", "transformers"):
        monkeypatch.setitem(sys.modules, name, None)  # ... and no export possible: the saved graph must do
    assert np.array_equal(OnnxEncoder(embedder.path, threads=1, graph_folder=tmp_path).encode(TEXTS), first)
    monkeypatch.undo()
    graph.write_bytes(b"not a graph")  # damaged: exported again, and the vectors stay the same
    assert np.array_equal(OnnxEncoder(embedder.path, threads=1, graph_folder=tmp_path).encode(TEXTS), first)
    assert graph.read_bytes() != b"not a graph" and weights.is_file()
    # A folder that does not exist is not created for it.
    OnnxEncoder(embedder.path, threads=1, graph_folder=tmp_path / "absent")
    assert not (tmp_path / "absent").exists()


def test_a_new_index_keeps_the_graph_its_first_build_encoded_with(
    small_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The build encodes its texts with the graph before the index folder exists; the first question after it
    # must find the graph there, not export it again (6 s and a torch import).
    from qa.cli import main as cli_main

    monkeypatch.setenv("QA_PARAPHRASE_MODEL", "")
    index = tmp_path / "new" / "index"
    assert cli_main(["index", "--quiet", "--corpus", str(small_corpus), "--index-dir", str(index)]) == 0
    assert len(list(index.glob("question-encoder-*.onnx"))) == 1
    assert len(list(index.glob("question-encoder-*.safetensors"))) == 1


def test_a_model_of_another_shape_uses_sentence_transformers_and_a_forced_onnx_says_why(
    tmp_path: Path, embedder: Embedder
) -> None:
    import shutil

    from qa.encode.embedder import ModelUnavailable

    copy = tmp_path / "model"
    shutil.copytree(embedder.path, copy)
    pooling = copy / "1_Pooling" / "config.json"
    data = json.loads(pooling.read_text())
    data.update(pooling_mode_mean_tokens=False, pooling_mode_cls_token=True)
    pooling.write_text(json.dumps(data))
    assert supported(copy) is not None
    other = Embedder(make_settings(tmp_path, tmp_path / "i", model_path=str(copy)))
    assert other.questions is None
    cls = other.model.encode(["Who presented?"], normalize_embeddings=True)
    assert np.allclose(other.encode_queries(["Who presented?"]), cls, atol=1e-6)  # sentence-transformers' CLS
    forced = Embedder(make_settings(tmp_path, tmp_path / "i", model_path=str(copy), query_encoder="onnx"))
    with pytest.raises(ModelUnavailable, match="not mean pooling"):
        forced.encode_queries(["Who presented?"])


def test_a_failing_or_missing_onnx_runtime_falls_back_to_sentence_transformers(
    tmp_path: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from qa.encode.embedder import ModelUnavailable

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("Unsupported model IR version: 10")

    monkeypatch.setattr(onnx_encoder, "OnnxEncoder", broken)
    auto = Embedder(make_settings(tmp_path, tmp_path / "i"))
    vectors = auto.encode_queries(["Who presented?"])
    assert auto.questions is None
    assert "Unsupported model IR version" in capsys.readouterr().err
    assert float(vectors[0] @ embedder.encode_queries(["Who presented?"])[0]) >= 0.9999
    with pytest.raises(ModelUnavailable, match="could not load"):
        Embedder(make_settings(tmp_path, tmp_path / "i", query_encoder="onnx")).encode_queries(["Who?"])
    monkeypatch.undo()
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    assert Embedder(make_settings(tmp_path, tmp_path / "i")).questions is None
    assert "onnxruntime is not installed" in capsys.readouterr().err


def test_token_counts_equal_the_transformers_tokenizer(embedder: Embedder) -> None:
    for text in TEXTS:
        expected = len(embedder.model.tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"])
        assert embedder.count_tokens(text) == expected


@pytest.mark.parametrize("stage", ["", "auto"])
def test_answering_imports_neither_torch_nor_bm25s(default_assistant, stage: str) -> None:  # type: ignore[no-untyped-def]
    """With the paraphrase stage off, and on once its vectors are kept (the fixture's start encoded or seeded
    them, and exported all-mpnet-base-v2's graph): its questions then go through ONNX Runtime too."""
    if stage and default_assistant.retriever.paraphrase is None:
        pytest.skip("the paraphrase model is not installed (scripts/fetch_paraphrase_model.py)")
    index_dir = default_assistant.settings.index_dir
    code = (
        "import sys, json\n"
        "from qa.cli import main\n"
        f"main(['ask', '--json', '--index-dir', {str(index_dir)!r}, 'Who presented on diaspora engagement?'])\n"
        "heavy = [m for m in ('torch', 'transformers', 'sentence_transformers', 'bm25s', 'numba', 'scipy')"
        " if m in sys.modules]\n"
        "print(json.dumps(heavy))\n"
        "from qa.search.paraphrase import _onnx_encoder, export_question_graph\n"  # loaded: cached, no export
        "print(json.dumps(bool(_onnx_encoder.cache_info().currsize and export_question_graph())))\n"
    )
    env = {**os.environ, "QA_PARAPHRASE_MODEL": stage}
    run = [sys.executable, "-c", code]
    out = subprocess.run(run, capture_output=True, text=True, check=True, cwd=PROJECT_ROOT, env=env)
    lines = out.stdout.strip().splitlines()
    assert json.loads(lines[0])["passages"], "an answer came back"
    assert json.loads(lines[-2]) == []
    assert json.loads(lines[-1]) == bool(stage), "the stage ran, its questions through ONNX Runtime"


def test_large_builds_index_their_sentences(tmp_path: Path, small_corpus: Path, embedder: Embedder) -> None:
    from qa.assistant import Assistant
    from qa.index.build import build_index, open_index
    from qa.index.dense import SENTENCE_INDEX
    from qa.search.retriever import Retriever

    settings = make_settings(small_corpus, tmp_path / "index", sentence_ann_threshold=1, sentence_ann_factory="Flat")
    build_index(settings, embedder)
    index = open_index(settings)
    assert (index.folder / SENTENCE_INDEX).is_file()
    retriever = Retriever(index, embedder, settings)
    assert retriever.sentence_index is not None
    answer = Assistant(settings, embedder, retriever).ask("Who leads a bee colony?")
    assert answer.excerpts[0].passage.doc_id == "bees.txt"
    # The same candidates as the exact scan (a Flat index is exact).
    plain = make_settings(small_corpus, tmp_path / "index2")
    build_index(plain, embedder)
    other = Assistant(plain, embedder, Retriever(open_index(plain), embedder, plain)).ask("Who leads a bee colony?")
    assert [e.passage.start for e in answer.excerpts] == [e.passage.start for e in other.excerpts]


def test_ann_index_from_the_factory_serves_questions(tmp_path: Path, small_corpus: Path, embedder: Embedder) -> None:
    import faiss

    from qa.assistant import Assistant
    from qa.index.build import build_index, open_index
    from qa.search.retriever import Retriever

    settings = make_settings(small_corpus, tmp_path / "index", ann_threshold=1, ann_factory="HNSW32,SQ8")
    build_index(settings, embedder)
    index = open_index(settings)
    assert isinstance(index.faiss_index, faiss.Index) and index.faiss_index.hnsw.efSearch == settings.hnsw_ef_search
    answer = Assistant(settings, embedder, Retriever(index, embedder, settings)).ask("Which volcano is in Sicily?")
    assert answer.excerpts[0].passage.doc_id == "volcanoes.md"


def test_updates_reuse_trained_ivf_centroids(tmp_path: Path, small_corpus: Path, embedder: Embedder) -> None:
    import faiss

    from qa.index.build import build_index, open_index
    from qa.index.dense import SENTENCE_INDEX

    settings = make_settings(
        small_corpus, tmp_path / "index", sentence_ann_threshold=1, sentence_ann_factory="IVF2,Flat"
    )

    def centroids() -> tuple[np.ndarray, int]:
        whole = faiss.read_index(str(open_index(settings).folder / SENTENCE_INDEX))  # kept alive while read
        ivf = faiss.extract_index_ivf(whole)
        return ivf.quantizer.reconstruct_n(0, ivf.nlist), ivf.ntotal

    build_index(settings, embedder)
    before, _ = centroids()
    (small_corpus / "tea.txt").write_text("Tea\n\nOolong is partly oxidised. Matcha is powdered green tea.\n", "utf-8")
    report = build_index(settings, embedder)
    after, total = centroids()
    np.testing.assert_array_equal(before, after)  # no new k-means: the trained quantizer was reused
    assert total == report.sentences
