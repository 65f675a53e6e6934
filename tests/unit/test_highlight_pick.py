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


def test_a_sentence_going_on_from_the_best_joins_it_even_where_two_are_picked() -> None:
    """Postfix: "When the local(8) delivery agent finds that a message recipient does not exist, …" and "Sometimes it
    is desirable to forward mail for non-existing recipients to another machine." both echo the question; "For this
    purpose you can specify an alternative destination with the luser_relay configuration parameter." answers it."""
    model = load_answer_model()
    assert model is not None
    probs = np.array([0.6, 0.8, 0.05, 0.1])
    follows = [False, False, True, False].__getitem__
    assert model.pick(probs, 2, next_ratio=0.1, follows=follows) == [0, 1, 2]
    assert model.pick(probs, 2, next_ratio=0.1) == [0, 1]  # a sentence that does not go on waits for room


def test_a_sentence_going_on_from_the_best_two_in_a_row_joins_them() -> None:
    """Exim: "Instead of cycling the main and reject log files by renaming them periodically, some sites like to use
    files whose names contain a datestamp, …" and "The datestamp is in the form yyyymmdd or yyyymm." echo the
    question; "It is enabled by setting the log_file_path option …" answers it. Postfix, the other way round:
    "When the local(8) delivery agent finds …" scores best, "Sometimes it is desirable to forward mail …" second."""
    model = load_answer_model()
    assert model is not None
    probs = np.array([0.8, 0.6, 0.05, 0.1])
    follows = [False, False, True, False].__getitem__
    assert model.pick(probs, 2, next_ratio=0.1, follows=follows) == [0, 1, 2]
    assert model.pick(probs, 2, next_ratio=0.1) == [0, 1]
    apart = np.array([0.8, 0.1, 0.5, 0.05])  # the second best not next to the best: what goes on from it waits
    assert model.pick(apart, 2, next_ratio=0.1, follows=[False, False, False, True].__getitem__) == [0, 2]


def test_the_best_sentence_naming_what_the_one_before_gave_is_joined_by_it() -> None:
    """Debian Policy: "The canonical non-existent home directory is /nonexistent." | "Users who should not have a
    home directory should have their home directory set to this value." (the best match)."""
    model = load_answer_model()
    assert model is not None
    probs = np.array([0.05, 0.06, 0.9])
    refers = [False, False, True].__getitem__
    assert model.pick(probs, 2, next_ratio=0.1, refers_back=refers) == [1, 2]
    assert model.pick(probs, 2, next_ratio=0.1) == [2]


@pytest.mark.parametrize(
    ("sentence", "goes_on"),
    [
        ("For this purpose you can specify an alternative destination with luser_relay.", True),
        ("In that case, use the +really convention.", True),
        ("Use { cmd1 && cmd2 } & as a workaround.", True),
        ("This enables the int system(string s) calls.", True),
        ("This is a list of the options.", False),  # a new statement, not the one before going on
        ("Users of emacs can edit Asymptote code.", False),
        ("Useful key bindings are C-c C-c.", False),  # "Useful", not the imperative "Use"
        ("To activate this feature, one must set the top-level graph's layers attribute.", True),
        ("To activate the pager, set PAGER.", False),  # names its own subject
    ],
)
def test_which_sentences_go_on_from_the_one_before(sentence: str, goes_on: bool) -> None:
    from qa.answer.selector import _GOES_ON

    assert (_GOES_ON.match(sentence) is not None) is goes_on


@pytest.mark.parametrize(
    ("sentence", "refers"),
    [
        ("Users who should not have a home directory should have their home directory set to this value.", True),
        ("All these files are read at start-up.", True),
        ("This means the shell exits.", False),  # "This" going on, not naming a thing given before
    ],
)
def test_which_sentences_name_what_the_one_before_gave(sentence: str, refers: bool) -> None:
    from qa.answer.selector import _REFERS_BACK

    assert (_REFERS_BACK.search(sentence) is not None) is refers
