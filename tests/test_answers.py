"""Answers on the shipped corpus: the right document cited, highlights inside it, abstention, follow-ups."""

from __future__ import annotations

import json

import pytest

from qa.assistant import Assistant
from qa.cli import main

WORKSHOP = "001_5f14862b3cd51082.txt"
IIED = "002_b0c56a5c7ba201fe.txt"
BLOG = "004_c89f68d176e111dd.txt"


@pytest.mark.parametrize(
    ("question", "doc", "needle"),
    [
        ("Who presented on diaspora engagement?", WORKSHOP, "diaspora"),
        ("How do remittances compare with development aid?", WORKSHOP, "almost twice development aid"),
        ("What happened to farming land around Akwete?", IIED, "encroached on farming land"),
        ("Which city coordinates the migration and development council in the Philippines?", BLOG, "Naga City"),
    ],
)
def test_known_questions_cite_the_right_passage(
    default_assistant: Assistant, question: str, doc: str, needle: str
) -> None:
    answer = default_assistant.ask(question)
    assert not answer.abstained, answer.confidence
    top3 = answer.excerpts[:3]
    assert any(e.passage.doc_id == doc and needle in e.passage.text for e in top3), [
        (e.passage.doc_id, e.passage.text[:80]) for e in top3
    ]
    lead = answer.excerpts[0]
    assert lead.highlights, "the answering sentence is highlighted"
    for a, b in lead.highlights:
        assert lead.passage.start <= a < b <= lead.passage.end
    assert "[1]" in answer.answer and lead.passage.title in answer.answer


@pytest.mark.parametrize("question", ["How do I bake sourdough bread?", "What is the boiling point of mercury?"])
def test_off_topic_question_abstains_but_lists_nearest(default_assistant: Assistant, question: str) -> None:
    answer = default_assistant.ask(question)
    assert answer.abstained
    assert answer.answer.startswith("I could not find an answer")
    assert answer.excerpts, "nearest passages are still offered"


def test_follow_up_is_resolved_against_the_conversation(default_assistant: Assistant) -> None:
    chat = default_assistant.chat()
    first = chat.ask("Where was the migration and development workshop held?")
    assert first.excerpts[0].passage.doc_id == WORKSHOP
    follow = chat.ask("Who organised it?")
    assert follow.query != "Who organised it?"
    assert "workshop" in follow.query.lower()
    assert any("Development Research Centre" in e.passage.text for e in follow.excerpts[:2])

    fresh = default_assistant.chat().ask("Who organised it?")
    assert fresh.query == "Who organised it?"  # no history, nothing borrowed


def test_new_topic_does_not_inherit_context(default_assistant: Assistant) -> None:
    chat = default_assistant.chat()
    chat.ask("Who presented on diaspora engagement?")
    answer = chat.ask("What happened to farming land around Akwete in Nigeria?")
    assert answer.query == "What happened to farming land around Akwete in Nigeria?"
    assert answer.excerpts[0].passage.doc_id == IIED


@pytest.mark.parametrize(
    ("question", "needle"),
    [("", "type a question"), ("   \n\t ", "type a question"), ("x" * 100_000, "limit is")],
)
def test_unusable_questions_get_a_clear_message(default_assistant: Assistant, question: str, needle: str) -> None:
    answer = default_assistant.ask(question)
    assert needle in answer.message
    assert answer.excerpts == []


def test_json_contract_from_the_cli(default_assistant: Assistant, capsys: pytest.CaptureFixture[str]) -> None:
    s = default_assistant.settings
    code = main(
        [
            "ask",
            "--json",
            "--quiet",
            "--corpus",
            str(s.corpus_dir),
            "--index-dir",
            str(s.index_dir),
            "How do remittances compare with development aid?",
        ]
    )
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) >= {"question", "query", "abstained", "confidence", "answer", "passages", "timings_ms"}
    assert set(data["timings_ms"]) >= {"embed", "search", "rerank", "compose", "total"}
    assert 0.0 <= data["confidence"] <= 1.0
    text = (s.corpus_dir / data["passages"][0]["doc"]).read_text(encoding="utf-8")
    for p in data["passages"]:
        assert set(p) >= {"rank", "doc", "title", "section", "start", "end", "text", "score", "highlights"}
        doc_text = (s.corpus_dir / p["doc"]).read_text(encoding="utf-8")
        assert doc_text[p["start"] : p["end"]] == p["text"]
        for a, b in p["highlights"]:
            assert p["start"] <= a < b <= p["end"]
    assert [p["rank"] for p in data["passages"]] == list(range(1, len(data["passages"]) + 1))
    assert "almost twice development aid" in text[data["passages"][0]["start"] : data["passages"][0]["end"]]


def test_python_api_answer_reads_like_the_json(default_assistant: Assistant) -> None:
    result = default_assistant.chat().ask("Who presented on diaspora engagement?")
    assert result["passages"][0]["doc"] == WORKSHOP
    assert result["abstained"] is False
