"""Related questions name a section's heading; a man page's builtin heads its options with its synopsis."""

from __future__ import annotations

from qa.answer.related import question_for, topics_of


def test_a_commands_synopsis_is_named_by_the_command_alone() -> None:
    section = "BASH — SHELL BUILTIN COMMANDS — set [+abefhkmnptuvxBCEHPT] [+o option-name] [--] [-] [arg ...]"
    assert topics_of(section)[0] == "set"  # not "set [+abefhkmnptuvxBCEHPT] [+o option-name] …"
    assert question_for(topics_of(section)[1]) == "What do the documents say about Shell Builtin Commands?"
    assert topics_of("Chapter 1 [draft]") == ["Chapter 1"]
    assert topics_of("[expr]") == ["[expr]"]  # nothing left without the brackets: kept
