"""WordNet query expansion with the real model and index: a question that shares no word with the passage that
answers it reaches that passage through BM25 once WordNet bridges its words."""

from __future__ import annotations

from pathlib import Path

from qa.assistant import Assistant
from qa.cli import main as cli_main
from tests.conftest import make_settings, one_clear_line
from tests.wordnet_sample import write_wordnet

QUESTION = "Why are city newcomers refused state help?"


def test_wordnet_bridges_a_question_to_a_passage_in_other_words(tmp_path: Path, embedder) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "towns.txt").write_text(
        "Recent arrivals\n\nRecent arrivals in towns are excluded from public assistance because they lack "
        "a registered address.\n",
        encoding="utf-8",
    )
    (corpus / "budgets.txt").write_text("Budgets\n\nCity budgets grew in the eighties.\n", encoding="utf-8")
    (corpus / "tea.txt").write_text("Tea\n\nGreen tea is made from leaves that are not oxidised.\n", encoding="utf-8")
    wordnet = write_wordnet(tmp_path / "wordnet")
    plain = Assistant.load(make_settings(corpus, tmp_path / "index", wordnet_dir=""), embedder=embedder)
    bridged = Assistant.load(make_settings(corpus, tmp_path / "index", wordnet_dir=str(wordnet)), embedder=embedder)

    def bm25_of_answer(assistant: Assistant) -> float:
        found = assistant.retriever.search(QUESTION)
        passages = assistant.retriever.index.passages
        return next(c.bm25 for c in found.candidates if "public assistance" in passages[c.index].text)

    assert bm25_of_answer(plain) == 0.0  # none of the question's words is in it
    assert bm25_of_answer(bridged) > 0.0  # newcomer -> arrival, help -> assistance
    answer = bridged.ask(QUESTION)  # without the bridge, today's pipeline answers with the budgets passage
    assert "excluded from public assistance" in answer.excerpts[0].passage.text
    shipped = Assistant.load(make_settings(corpus, tmp_path / "index"), embedder=embedder)  # the default: bundled
    assert bm25_of_answer(shipped) > 0.0
    assert "excluded from public assistance" in shipped.ask(QUESTION).excerpts[0].passage.text


def test_a_wordnet_dir_without_wordnet_is_one_clear_line(
    small_corpus: Path, tmp_path: Path, capsys, monkeypatch
) -> None:
    monkeypatch.setenv("QA_WORDNET_DIR", str(tmp_path))  # a folder, but no WordNet in it
    code = cli_main(["--corpus", str(small_corpus), "--index-dir", str(tmp_path / "i"), "ask", "What do bees eat?"])
    line = one_clear_line(capsys, code)
    assert "holds no WordNet database" in line and "apt-get install wordnet-base" in line
