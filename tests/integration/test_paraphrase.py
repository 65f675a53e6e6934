"""The optional paraphrase scorer with the real all-mpnet-base-v2, where `scripts/fetch_paraphrase_model.py` has
assembled it into models/ (skipped otherwise: the 438 MB model is not part of the checkout)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from qa.assistant import Assistant
from qa.index.build import build_index
from qa.search.paraphrase import ParaphraseScorer
from qa.settings import PROJECT_ROOT
from qa.web.workspace import Workspace
from tests.conftest import DEFAULT_CORPUS, make_settings

MODEL = PROJECT_ROOT / "models" / "all-mpnet-base-v2"
pytestmark = pytest.mark.skipif(not (MODEL / "modules.json").is_file(), reason="run scripts/fetch_paraphrase_model.py")


def test_the_scorer_answers_a_paraphrase_and_keeps_its_vectors(small_corpus: Path, tmp_path: Path, embedder) -> None:
    settings = make_settings(small_corpus, tmp_path / "index", paraphrase_model=str(MODEL), paraphrase_cache_dir="")
    assistant = Assistant.load(settings, embedder=embedder)
    answer = assistant.ask("How do hive insects tell each other where to find something to eat?")
    assert answer.excerpts[0].passage.doc_id == "bees.txt"
    assert "waggle dance" in answer.answer
    saved = list((tmp_path / "index").glob("paraphrase-*.npz"))
    assert len(saved) == 1  # computed once, kept in the index folder
    again = Assistant.load(settings, embedder=embedder)
    assert again.ask("Which fiery mountain in Sicily erupts often?").excerpts[0].passage.doc_id == "volcanoes.md"
    assert list((tmp_path / "index").glob("paraphrase-*.npz")) == saved


def test_auto_runs_it_and_a_new_document_is_all_it_encodes_again(
    small_corpus: Path, tmp_path: Path, embedder, capsys: pytest.CaptureFixture[str]
) -> None:
    own = {"show_progress": True, "paraphrase_cache_dir": "", "paraphrase_model": "auto"}  # vectors in the index
    settings = make_settings(small_corpus, tmp_path / "index", **own)
    assistant = Assistant.load(settings, embedder=embedder)
    assert assistant.retriever.paraphrase is not None, "the model is assembled: auto runs the stage"
    first = capsys.readouterr().err
    assert re.search(r"paraphrase stage: encoding [1-9][\d,]* new texts, 0 kept", first)
    (small_corpus / "tides.txt").write_text("The Moon's pull raises the tides twice a day.\n", encoding="utf-8")
    Assistant.load(settings, embedder=embedder)  # the corpus changed: a new build
    again = capsys.readouterr().err
    # the new passage (its one sentence is the same text) and nothing else
    assert re.search(r"paraphrase stage: encoding 1 new text, [1-9]\d* kept", again), again[-300:]
    answer = Assistant.load(settings, embedder=embedder).ask("Why does the sea rise and fall every day?")
    assert answer.excerpts[0].passage.doc_id == "tides.txt"


def test_corpus_texts_go_through_onnx_runtime_with_torchs_vectors(small_corpus: Path, tmp_path: Path, embedder) -> None:
    settings = make_settings(small_corpus, tmp_path / "index", paraphrase_model=str(MODEL), paraphrase_cache_dir="")
    scorer = Assistant.load(settings, embedder=embedder).retriever.paraphrase
    texts = [p.read_text(encoding="utf-8") for p in sorted(small_corpus.iterdir())] + ["Bees dance.", "Why?"]
    texts.append(" ".join(["Long text about volcanoes and bees."] * 80))  # past the model's 384 tokens
    ours = scorer.encode(texts)
    torch_vectors = scorer.model.encode(texts, normalize_embeddings=True)
    assert scorer.onnx is not None
    assert (ours * torch_vectors).sum(axis=1).min() >= 0.9999


def test_qa_index_prepares_the_stage_so_the_first_question_encodes_nothing(
    small_corpus: Path, tmp_path: Path, embedder, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from qa.cli import main as cli_main

    monkeypatch.setenv("QA_PARAPHRASE_MODEL", str(MODEL))
    monkeypatch.setenv("QA_PARAPHRASE_CACHE_DIR", "")
    index = tmp_path / "index"
    assert cli_main(["index", "--quiet", "--corpus", str(small_corpus), "--index-dir", str(index)]) == 0
    out = capsys.readouterr().out
    assert re.search(r"paraphrase stage: ready in [\d.]+ s", out), out
    assert len(list(index.glob("paraphrase-*.npz"))) == 1
    own = {"paraphrase_model": str(MODEL), "paraphrase_cache_dir": "", "show_progress": True}
    settings = make_settings(small_corpus, index, **own)
    answer = Assistant.load(settings, embedder=embedder).ask("How do hive insects tell each other where to find food?")
    assert "new text" not in capsys.readouterr().err  # nothing left to encode at the first question
    assert answer.excerpts[0].passage.doc_id == "bees.txt"


def test_a_corpus_is_encoded_under_a_bar_that_names_the_stage_and_counts_texts(
    small_corpus: Path, tmp_path: Path, embedder, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = make_settings(small_corpus, tmp_path / "index", paraphrase_model=str(MODEL), paraphrase_cache_dir="")
    scorer = Assistant.load(settings, embedder=embedder).retriever.paraphrase
    texts = [
        f"Sentence number {i} is about {'bees' if i % 2 else 'volcanoes'}." + " More words." * (i % 7)
        for i in range(150)
    ]
    capsys.readouterr()
    shown = scorer.encode(texts, show_progress=True)
    bar = capsys.readouterr().err
    assert "paraphrase stage vectors" in bar and "150/150" in bar and "Batches" not in bar
    quiet = scorer.encode(texts[:40] + texts[-40:])
    assert shown.shape == (150, quiet.shape[1])
    assert np.allclose(shown[:40], quiet[:40], atol=1e-4) and np.allclose(shown[-40:], quiet[40:], atol=1e-4)


def test_a_first_start_on_the_shipped_corpus_takes_its_vectors_from_the_package(
    tmp_path: Path, embedder, capsys: pytest.CaptureFixture[str]
) -> None:
    # No cache anywhere: before the seed, this start encoded about a thousand texts (a minute or more here).
    own = {"show_progress": True, "paraphrase_cache_dir": "", "paraphrase_model": "auto"}
    assistant = Assistant.load(make_settings(DEFAULT_CORPUS, tmp_path / "index", **own), embedder=embedder)
    err = capsys.readouterr().err
    assert assistant.retriever.paraphrase is not None
    assert re.search(r"paraphrase stage: [1-9][\d,]* texts from the shipped vectors", err), err[-500:]
    assert "new text" not in err, "the seed is stale: run scripts/build_paraphrase_seed.py"
    assert list((tmp_path / "index").glob("paraphrase-*.npz")), "kept in the index folder for the next start"
    answer = assistant.ask("Who gave the closing remarks?")
    assert not answer.abstained and "Richard Black" in answer.answer


def test_a_seed_made_by_another_model_is_ignored(
    small_corpus: Path, tmp_path: Path, embedder, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = make_settings(small_corpus, tmp_path / "index", paraphrase_model="")
    passages = Assistant.load(settings, embedder=embedder).retriever.index.passages
    right = ParaphraseScorer(MODEL, passages, tmp_path / "right", len(passages), seed=None)
    made = next((tmp_path / "right").glob("paraphrase-*.npz"))
    with np.load(made) as z:  # the same texts' digests, with vectors no model of ours made
        wrong = np.random.default_rng(0).normal(size=z["vectors"].shape).astype(np.float32)
        wrong /= np.linalg.norm(wrong, axis=1, keepdims=True)
        np.savez(tmp_path / "seed.npz", digests=z["digests"], vectors=wrong)
    capsys.readouterr()
    scorer = ParaphraseScorer(MODEL, passages, tmp_path / "fresh", len(passages), True, seed=tmp_path / "seed.npz")
    err = capsys.readouterr().err
    assert "seed.npz was not made by this model" in err and "new texts" in err
    assert np.allclose(scorer.passage_vectors, right.passage_vectors, atol=1e-4)
    good = ParaphraseScorer(MODEL, passages, tmp_path / "again", len(passages), True, seed=made)
    assert "from the shipped vectors" in capsys.readouterr().err
    assert np.array_equal(good.sentence_vectors, right.sentence_vectors)


def test_an_upload_shows_the_stage_encoding_on_the_pages_progress_bar(small_corpus: Path, embedder) -> None:
    own = {"paraphrase_model": "auto", "paraphrase_cache_dir": ""}  # vectors in this test's own index folder
    settings = make_settings(small_corpus, small_corpus.parent / "index", **own)
    workspace = Workspace(settings, Assistant.load(settings, embedder=embedder), builder=build_index)
    rivers = ["Nile", "Amazon", "Danube", "Mekong", "Volga", "Rhine", "Yukon", "Niger", "Indus", "Murray"]
    lines = [
        f"The {r} carries {n} boats of type {t} past town number {n * 7 + t}."
        for r in rivers
        for n in range(4)
        for t in range(2)
    ]
    incoming = small_corpus.parent / "rivers.txt"
    incoming.write_text(
        "Rivers\n\n" + "\n\n".join(" ".join(lines[i : i + 4]) for i in range(0, 80, 4)), encoding="utf-8"
    )
    seen: list[tuple[float, str]] = []
    workspace.add_files(workspace.default_key, [(incoming, "rivers.txt")], progress=lambda f, w: seen.append((f, w)))
    stage = [(f, what) for f, what in seen if what.startswith("Paraphrase stage")]
    assert len(stage) >= 3, seen[-5:]  # about 100 new texts, 64 to a step: told as it goes, after the build
    assert seen.index(stage[0]) > max(i for i, (_, what) in enumerate(seen) if "embedding" in what)
    assert [f for f, _ in stage] == sorted(f for f, _ in stage) and stage[-1][0] == 1.0
    assert re.fullmatch(r"Paraphrase stage: [\d,]+ texts encoded", stage[-1][1])
    answer = workspace.assistant(workspace.default_key).ask("Which waterway moves vessels past the 21st settlement?")
    assert answer.excerpts[0].passage.doc_id == "rivers.txt"


def test_its_questions_through_onnx_runtime_get_the_vectors_torch_gives(small_corpus: Path, tmp_path: Path) -> None:
    settings = make_settings(small_corpus, tmp_path / "index", paraphrase_model="")
    passages = Assistant.load(settings).retriever.index.passages
    scorer = ParaphraseScorer(MODEL, passages, tmp_path, len(passages))
    assert scorer.onnx is not None, "onnxruntime is a dependency: questions do not need torch"
    asked = ["Which fiery mountain in Sicily erupts often?", "How do bees share where food is?", "tea?"]
    fast = np.stack([scorer.encode_question(q, 1) for q in asked])
    assert np.all(np.sum(fast * scorer.encode(asked), axis=1) >= 0.9999)
