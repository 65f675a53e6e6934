"""Follow-ups that move on, with the real model on the shipped corpus (issue 19, item 5): the conversation
the issue reported, where "What about brain drain?" and "And why?" both re-quoted the first answer's list."""

from __future__ import annotations

from qa.answer.compose import quoted_text
from qa.assistant import Assistant

LISTING = "three key issues that come up again and again"
BRAIN_DRAIN = "The solution to 'brain drain', therefore, cannot be in stanching all such migration flows."


def test_a_new_subject_is_answered_by_its_own_paragraph(default_assistant: Assistant) -> None:
    chat = default_assistant.chat()
    chat.ask("How do remittances compare with development aid?", top_k=5)
    follow = chat.ask("What about brain drain?", top_k=5)
    top = follow.excerpts[0]
    assert BRAIN_DRAIN in top.passage.text  # the brain-drain paragraph, not the one listing it
    assert LISTING not in quoted_text(top)
    assert LISTING not in follow.answer
    assert "brain drain" in follow.query and len(follow.query.split()) <= 8  # the subject leads, light context


def test_and_why_quotes_a_reason_not_the_sentence_it_asks_about(default_assistant: Assistant) -> None:
    chat = default_assistant.chat()
    chat.ask("How do remittances compare with development aid?", top_k=5)
    before = chat.ask("What about brain drain?", top_k=5)
    why = chat.ask("And why?", top_k=5)
    shown = set(before.excerpts[0].highlights)
    top = why.excerpts[0]
    assert top.highlights and not shown & set(top.highlights)  # a different sentence is highlighted
    assert "legitimate aspirations of people to move be recognised" in quoted_text(top)  # the "therefore"'s reason
    assert LISTING not in quoted_text(top)


def test_the_third_one_is_the_third_item_of_the_listed_issues(default_assistant: Assistant) -> None:
    chat = default_assistant.chat()
    first = chat.ask("Which recurring topics did Richard Black say come up whenever people talk about migration today?")
    assert LISTING in quoted_text(first.excerpts[0])
    chat.ask("What about brain drain?")
    third = chat.ask("And the third one?")
    assert "migrants' rights" in third.query
    assert "Migrant Rights: The Convention on the Rights of Migrant Workers" in third.excerpts[0].passage.text


def test_a_follow_up_about_the_same_thing_may_quote_the_same_sentence(default_assistant: Assistant) -> None:
    """ "When was it founded?" asks about what the last answer said: it is not steered away from it."""
    chat = default_assistant.chat()
    chat.ask("In which broad fields does the Geneva-based inter-governmental agency for migrants work?")
    when = chat.ask("When was it founded?")
    assert "1951" in quoted_text(when.excerpts[0])
