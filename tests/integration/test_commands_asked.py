"""Debian 12's Installation Guide (installation-guide-amd64 20230508, GPL-2), its page "Shutting down the
system": asked "what do I type …?", the answer highlights the sentence naming the command, not only the one
that restates the question ("To shut down a running Debian GNU/Linux system, you must not reboot …")."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.assistant import Assistant
from tests.conftest import assistant_over, quoted

PAGE = Path(__file__).resolve().parent.parent / "data" / "debian-installation-guide-12-ch08s01.html"
QUESTION = "As root, what do I type to turn the computer off completely?"


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory, embedder) -> Assistant:  # noqa: ANN001
    return assistant_over({PAGE.name: PAGE}, tmp_path_factory, embedder, "shutdown")


def test_what_do_i_type_highlights_the_sentence_naming_the_command(assistant: Assistant) -> None:
    shown = quoted(assistant.chat().ask(QUESTION).excerpts[0])
    assert any("use poweroff or shutdown -h now" in s for s in shown), shown


def test_without_the_rule_the_command_is_not_highlighted(assistant: Assistant) -> None:
    """The same question with ``highlight_command_ratio`` 0: what the rule changes."""
    shown = quoted(assistant.chat().ask(QUESTION, highlight_command_ratio=0.0).excerpts[0])
    assert not any("poweroff" in s for s in shown), shown
