"""Answers on the shipped corpus: the right document cited, highlights inside it, abstention, follow-ups."""

from __future__ import annotations

import json

import pytest

from qa.assistant import Assistant
from qa.cli import main
from qa.search.conversation import is_follow_up

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


@pytest.mark.parametrize(
    "question",
    [
        "What share of households in Nepal receive remittances from abroad?",  # Nepal is in no document
        "How many people live in Naga City?",  # Naga City is, but no sentence about it gives a number
        "How many migrant domestic workers does Kalayaan help each year?",  # only its founding year, 1987
        "What is the statutory minimum wage for foreign domestic helpers in Hong Kong?",  # no figure given
    ],
)
def test_on_topic_question_the_documents_cannot_answer_abstains(default_assistant: Assistant, question: str) -> None:
    answer = default_assistant.ask(question)
    assert answer.abstained, (answer.confidence, answer.excerpts[0].passage.text[:120])


def test_names_and_figures_found_in_the_passages_keep_the_answer(default_assistant: Assistant) -> None:
    answer = default_assistant.ask("What share of Côte d'Ivoire's population are migrants from Mali and Burkina Faso?")
    assert not answer.abstained, answer.confidence
    assert "30 percent" in answer.excerpts[0].passage.text


def test_a_who_question_mentioning_a_population_is_not_taken_for_a_quantity(default_assistant: Assistant) -> None:
    answer = default_assistant.ask("Who described the medical establishment as a threat to a population's health?")
    assert not answer.abstained, answer.confidence
    assert "Ivan Illich" in _highlighted(answer)


def test_an_unanswerable_sum_of_money_abstains(default_assistant: Assistant) -> None:
    # The corpus has Ghana's share of doctors who leave ("60 percent"), not what Ghanaians sent home.
    answer = default_assistant.ask("How much money did Ghanaian migrants send home in 2005?")
    assert answer.abstained


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


def test_a_noun_phrase_pointing_back_is_a_follow_up(default_assistant: Assistant) -> None:
    chat = default_assistant.chat()
    chat.ask("When did Ghana introduce the Aliens Compliance Order?")
    follow = chat.ask("Where had most of the migrants affected come from?")
    assert follow.query != "Where had most of the migrants affected come from?"
    assert "Burkina Faso" in follow.excerpts[0].passage.text
    assert not is_follow_up("Where do most migrants come from?", has_history=True)
    assert is_follow_up("What did the aforementioned report find?", has_history=True)


def _highlighted(answer: object) -> str:
    top = answer.excerpts[0]  # type: ignore[attr-defined]
    return " ".join(top.passage.text[a - top.passage.start : b - top.passage.start] for a, b in top.highlights)


def test_the_second_one_points_into_the_list_of_the_last_answer(default_assistant: Assistant) -> None:
    chat = default_assistant.chat()
    chat.ask("What three considerations does Riallant say should guide local engagement with migrants?")
    second = chat.ask("And the second one?")
    assert second.excerpts[0].passage.doc_id == BLOG
    assert _highlighted(second).startswith("Second, local authorities should foster links")
    third = chat.ask("What about the third?")  # the same list stays in play
    assert _highlighted(third).startswith("And third, local and national authorities should work together")

    numbered = default_assistant.chat()  # "1." "2." lines, whose markers the passages leave out
    numbered.ask("What are some of the contentious issues around skilled migration today?")
    item = numbered.ask("And the second one?")
    assert "There are also movements from the sector but not from the country" in _highlighted(item)


def test_the_second_one_reads_a_bulleted_list_and_does_not_quote_it_again(default_assistant: Assistant) -> None:
    """The diaspora session's three questions are "- **…?**" bullets. "The second one?" used to miss the list
    (only numbered ones were read) and answer "And the third?" the same way."""
    chat = default_assistant.chat()
    first = chat.ask("Which questions were put to the groups about working with diasporas?")
    assert "What concrete development outcomes" in _highlighted(first)
    second = chat.ask("The second one?")
    third = chat.ask("And the third?")
    assert "obstacles you need to overcome" in second.query
    assert "practical support is needed" in third.query
    for answer in (second, third):  # the list is on screen already: its lines are not the answer again
        assert "- **What" not in _highlighted(answer)
        assert _highlighted(answer)


def test_who_presented_highlights_the_speakers_name_under_the_talks_heading(default_assistant: Assistant) -> None:
    """The report gives each talk an ALL-CAPS heading and its speaker's name on the next line; that line is the
    answer, though headings are otherwise never highlighted."""
    top = default_assistant.ask("Who gave the closing remarks?").excerpts[0]
    text, start = top.passage.text, top.passage.start
    assert "Richard Black" in [text[a - start : b - start] for a, b in top.highlights]


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


def test_terminal_chat_follows_up_starts_over_and_leaves(
    default_assistant: Assistant, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`qa chat`: a follow-up is read with the turn before it; after /new it is not; a blank line ends."""
    import io

    s = default_assistant.settings
    lines = ["Who presented on diaspora engagement?", "What did he recommend?", "/new", "What did he recommend?", ""]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(lines) + "\n"))
    code = main(["chat", "--quiet", "--corpus", str(s.corpus_dir), "--index-dir", str(s.index_dir)])
    assert code == 0
    out = capsys.readouterr().out
    first, after_new = out.split("(new conversation)")
    turns = first.split("you>")[1:]
    assert len(turns) == 3 and all("Sources:" in t for t in turns[:2])
    # "he" is the presenter of the first answer: the follow-up stays in his section
    assert "Chikezie" in turns[0].split("Sources:")[1].splitlines()[1]
    assert "Chikezie" in turns[1].split("Sources:")[1].splitlines()[1]
    # Asked fresh it has no one to point back to: answered or abstained on, its first source is not his.
    cited = after_new.split("Sources:")[1] if "Sources:" in after_new else after_new.split("nearest passages are:")[1]
    assert "Chikezie" not in cited.split("[2]")[0]


def test_a_follow_up_highlights_the_sentence_its_own_words_ask_for(default_assistant: Assistant) -> None:
    """The context words ("IIED International Institute Environment …") find the passage; "set up" says which
    of its sentences answers."""
    chat = default_assistant.chat()
    chat.ask("What is IIED?")
    answer = chat.ask("When was it set up?")
    assert answer.query != answer.question  # searched with the conversation's words
    assert answer.excerpts[0].passage.doc_id == IIED
    assert "Set up in 1971" in _highlighted(answer)


def test_a_lead_in_is_highlighted_with_what_it_announces(default_assistant: Assistant) -> None:
    """The sentence that restates the question ends in "provided they:"; the conditions follow it."""
    question = "Under what conditions can aid initiatives support the positive role of remittances?"
    answer = default_assistant.ask(question)
    shown = _highlighted(answer)
    assert "provided they:" in shown
    assert "Do not focus narrowly on agricultural production alone" in shown
    assert "Do not focus narrowly" in answer.answer  # the reply quotes it too


def test_a_heading_is_not_highlighted_as_the_answer(default_assistant: Assistant) -> None:
    """The talk's title heading matches "who gave the talk on X" best, but what says who is below it: the
    speaker's name line under the title (an answer form) and the sentence naming the presenter."""
    answer = default_assistant.ask("Who gave the talk on maximising diasporas' development potential?")
    top = answer.excerpts[0]
    titles = {h.strip() for h in top.passage.section.split(" — ") if h.strip().isupper()}
    shown = [top.passage.text[a - top.passage.start : b - top.passage.start].strip() for a, b in top.highlights]
    assert titles and shown and not set(shown) & titles
    assert "Chukwu-Emeka" in " ".join(shown)


def test_what_an_acronym_stands_for_is_answered_by_the_sentence_that_spells_it_out(
    default_assistant: Assistant,
) -> None:
    """Every passage of the blog post says "LRAs"; the answer is the one sentence that spells it out."""
    answer = default_assistant.ask("What does LRAs stand for?")
    top = answer.excerpts[0]
    shown = " ".join(top.passage.text[a - top.passage.start : b - top.passage.start] for a, b in top.highlights)
    assert "local and regional agents/authorities (LRAs)" in shown
    assert not answer.abstained


def test_who_wrote_a_post_is_answered_by_its_by_line(default_assistant: Assistant) -> None:
    """The comment header "2 thoughts on “Migration: …" repeats the title; the by-line names the author."""
    answer = default_assistant.ask("Who wrote the blog post 'Migration: An overlooked tool for local development'?")
    top = answer.excerpts[0]
    shown = " ".join(top.passage.text[a - top.passage.start : b - top.passage.start] for a, b in top.highlights)
    assert "By Cécile Riallant" in shown


def test_a_section_split_between_two_passages_is_one_excerpt(default_assistant: Assistant) -> None:
    """WIEGO's entry is cut into two passages: its address, then "Established in 1997, ...". Both rank in the
    top three; the answer shows them as one excerpt, reading on, with the founding year highlighted."""
    question = "When was the network for women in informal employment set up?"
    answer = default_assistant.ask(question)
    lead = answer.excerpts[0]
    assert "WIEGO Secretariat" in lead.passage.text and "Established in 1997" in lead.passage.text
    quoted = [lead.passage.text[a - lead.passage.start : b - lead.passage.start] for a, b in lead.highlights]
    assert any("Established in 1997" in q for q in quoted), quoted
    document = default_assistant.document(lead.passage.doc_id)[1]
    assert lead.passage.text == document[lead.passage.start : lead.passage.end]
    # Neither half comes back on its own: not among the answer's other excerpts, nor under "more".
    others = answer.excerpts[1:] + default_assistant.more(answer, 3)
    assert not any("Established in 1997, WIEGO" in e.passage.text for e in others)
    for k in (3, 5, 8):  # joins free places that the next passages fill
        assert len(default_assistant.ask(question, top_k=k).excerpts) == k
    apart = default_assistant.ask(question, join_neighbours=False)
    assert "Established in 1997" not in apart.excerpts[0].passage.text  # what joining changed


def test_a_lead_in_that_ends_its_passage_brings_the_list_it_announces(default_assistant: Assistant) -> None:
    """ "Main Discussion Points Emerging:" is the last line of its passage and the points open the next one;
    the answer used to show the lead-in alone. Now the two passages are one excerpt, the points highlighted."""
    answer = default_assistant.ask("What main discussion points emerged on working with diaspora groups?")
    top = answer.excerpts[0]
    quoted = [top.passage.text[a - top.passage.start : b - top.passage.start] for a, b in top.highlights]
    assert "Main Discussion Points Emerging:" in quoted
    assert "-- Work with diaspora can inform policy making" in quoted
    assert any("practical support/information to migrants" in q for q in quoted)
    document = default_assistant.document(top.passage.doc_id)[1]
    assert top.passage.text == document[top.passage.start : top.passage.end]  # reads on, nothing left out
    others = answer.excerpts[1:] + default_assistant.more(answer, 3)
    assert not any("Work with diaspora can inform policy making" in e.passage.text for e in others)
    apart = default_assistant.ask(answer.question, join_neighbours=False)
    assert "Work with diaspora can inform" not in apart.excerpts[0].passage.text  # what the join changed
