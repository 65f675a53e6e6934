"""Which sentences of the top excerpt are highlighted, from the selector's probabilities (no model needed)."""

from __future__ import annotations

import numpy as np
import pytest

from qa.answer.selector import load_answer_model
from qa.settings import Settings, SettingsError, load_settings


def pick(probs: list[float], next_ratio: float) -> list[int]:
    model = load_answer_model()
    assert model is not None
    return model.pick(np.array(probs), max_highlights=2, next_ratio=next_ratio)


def test_the_sentence_after_a_restatement_joins_it_when_it_scores_enough() -> None:
    # "modules.dep was not generated properly ..." (restates the question), then "Execute depmod -a to fix it."
    assert pick([0.05, 0.8, 0.12, 0.3], next_ratio=0.1) == [1, 2]
    assert pick([0.05, 0.8, 0.12, 0.3], next_ratio=0.0) == [1]  # 0: off, the best alone
    assert pick([0.05, 0.8, 0.05, 0.3], next_ratio=0.1) == [1]  # too weak to be the answer


def test_it_never_displaces_a_strong_second_sentence_or_runs_past_the_end() -> None:
    assert pick([0.5, 0.8, 0.2], next_ratio=0.1) == [0, 1]  # the second best reached second_ratio: no room
    assert pick([0.1, 0.2, 0.9], next_ratio=0.1) == [2]  # the best is the last sentence
    assert pick([0.9], next_ratio=0.1) == [0]


def test_the_default_is_on_and_the_setting_is_checked() -> None:
    assert Settings().highlight_next_ratio > 0
    with pytest.raises(SettingsError, match="highlight_next_ratio"):
        load_settings(environ={"QA_HIGHLIGHT_NEXT_RATIO": "1.5"})


def test_a_sentence_going_on_from_the_best_joins_it_however_low_it_scores() -> None:
    """ "If the option -nosafe is given, Asymptote runs in unsafe mode." | "This enables the int system(…) calls …"."""
    model = load_answer_model()
    assert model is not None
    probs = np.array([0.05, 0.8, 0.02, 0.3])
    follows = [False, False, True, False].__getitem__  # "This enables …" is sentence 2
    assert model.pick(probs, 2, next_ratio=0.1, follows=follows) == [1, 2]
    assert model.pick(probs, 2, next_ratio=0.1) == [1]  # without it, too weak to join
    assert model.pick(probs, 2, next_ratio=0.0, follows=follows) == [1]  # the next-sentence rule off: off too


def test_a_command_sentence_joins_a_command_question_whose_highlights_name_none() -> None:
    model = load_answer_model()
    assert model is not None
    probs = np.array([0.5, 0.04, 0.08, 0.16])
    commands = np.array([False, False, False, True])  # "To power off the machine, use poweroff …"
    assert model.pick(probs, 2, next_ratio=0.1, commands=commands, command_ratio=0.3) == [0, 3]
    assert model.pick(probs, 2, next_ratio=0.1, commands=commands, command_ratio=0.0) == [0]
