"""Highlights that answer how-to questions: the block a lead-in introduces, the sentence naming a command or a
file, never a heading alone."""

from __future__ import annotations

import numpy as np

from qa.answer.compose import (
    favouring_commands,
    make_excerpts,
    with_definitions,
    with_lead_in_after,
    with_sentence_begun,
    with_sentence_going_on,
)
from qa.answer.features import stated_defaults, stated_definitions
from qa.ingest.sentences import split_sentences
from qa.search.forms import (
    asked_option,
    asks_for_default,
    default_missing,
    default_statements,
    option_command,
    option_definitions,
)
from qa.types import Candidate, Passage

TEXT = (
    "2.2 Ringing\n\nRecords are kept for ten years. To upload the ringing records of a season, run the following "
    "command:\nringlog upload --season 2024 records.csv\nringlog verify\n\nThe register answers within a day."
)


def _passage() -> Passage:
    return Passage("g.pdf", "Guide", "2 Feeding — 2.2 Ringing", 0, len(TEXT), TEXT, tuple(split_sentences(TEXT)))


def _sentence(p: Passage, words: str) -> int:
    return next(i for i, (a, b) in enumerate(p.sentences) if words in p.text[a:b])


def _highlighted(scores: list[float], question: str) -> list[str]:
    p = _passage()
    (excerpt,) = make_excerpts([Candidate(0)], [p], {0: np.array(scores)}, max_highlights=2, question=question)
    return [p.text[a:b] for a, b in excerpt.highlights]


def test_a_lead_in_is_highlighted_with_the_block_it_introduces() -> None:
    p = _passage()
    scores = [0.0] * len(p.sentences)
    scores[_sentence(p, "run the following command")] = 0.7
    shown = _highlighted(scores, "How are records uploaded?")
    assert shown[0].endswith("run the following command:")
    assert shown[1:] == ["ringlog upload --season 2024 records.csv", "ringlog verify"]  # not the next paragraph


def test_a_heading_alone_is_never_the_highlight() -> None:
    p = _passage()
    scores = [0.2] * len(p.sentences)
    scores[_sentence(p, "2.2 Ringing")] = 0.9  # the heading matches the question's words best
    assert "2.2 Ringing" not in _highlighted(scores, "What about ringing?")


def test_how_do_i_prefers_the_sentence_naming_the_command_among_near_equals() -> None:
    p = _passage()
    scores = np.full(len(p.sentences), 0.3)
    scores[_sentence(p, "kept for ten years")] = 0.62
    scores[_sentence(p, "ringlog verify")] = 0.60
    how = favouring_commands(p, scores, "How do I check my ringing records?")
    assert int(np.argmax(how)) == _sentence(p, "ringlog verify")
    plain = favouring_commands(p, scores, "How long are records kept?")  # not a how-do-I question
    assert int(np.argmax(plain)) == _sentence(p, "kept for ten years")
    scores[_sentence(p, "records.csv")] = 0.60
    named = favouring_commands(p, scores, "What does records.csv hold?")  # the file the question names
    assert int(np.argmax(named)) == _sentence(p, "records.csv")


def test_a_numbered_heading_split_by_the_sentence_splitter_is_still_a_heading() -> None:
    text = "5.5.1. Finding optimal MTU\n\nNM normally sets the optimal MTU automatically. Use tracepath to find it."
    p = Passage("c.html", "Ref", "Chapter 5. Network setup — 5.5.1. Finding optimal MTU", 0, len(text), text,
                tuple(split_sentences(text)))  # fmt: skip
    assert [text[a:b] for a, b in p.sentences][:2] == ["5.5.1.", "Finding optimal MTU"]
    scores = np.array([0.5, 0.9, 0.6, 0.55])
    (excerpt,) = make_excerpts([Candidate(0)], [p], {0: scores}, max_highlights=1, question="How do I find the MTU?")
    assert [text[a:b] for a, b in excerpt.highlights] == ["NM normally sets the optimal MTU automatically."]


def test_the_answers_excerpt_quotes_its_best_sentence_when_a_later_excerpt_matches_better() -> None:
    p, other = _passage(), _passage()
    scores = np.full(len(p.sentences), 0.2)
    scores[_sentence(p, "2.2 Ringing")] = 0.9  # the heading: passed over
    scores[_sentence(p, "kept for ten years")] = 0.4
    best_elsewhere = np.full(len(other.sentences), 0.8)  # far above anything the top passage holds
    top, _ = make_excerpts([Candidate(0), Candidate(1)], [p, other], {0: scores, 1: best_elsewhere}, 2)
    assert [p.text[a:b] for a, b in top.highlights] == ["Records are kept for ten years."]


def test_a_speakers_name_under_a_talks_heading_answers_who_presented() -> None:
    from qa.search.forms import answer_form, speaker_lines

    text = (
        "CLOSING REMARKS\n\nRichard Black\n\nThe two presentations looked at migration broadly.\n\n"
        "DISCUSSION POINTS:\n\nManaging Skilled Migration\n\nIn Plain Prose\nA line in title case is no speaker."
    )
    assert [text[a:b] for a, b in speaker_lines(text)] == ["Richard Black"]  # not under a label, nor in prose
    assert answer_form("Who gave the closing remarks?") is speaker_lines
    assert answer_form("Who presented on diaspora engagement?") is speaker_lines
    assert answer_form("Who funds the programme?") is None


VARIABLES = (
    "PS2 The value of this parameter is used as the secondary prompt string. The default is '> '.\n\n"
    "PS3 The value of this parameter is used as the prompt for the select command.\n\n"
    "PS4\nThe value of this parameter is printed before each command during an execution trace. "
    "The default is '+ '.\n\nSHELL This variable expands to the full pathname to the shell."
)


def _stated(question: str) -> list[str]:
    p = Passage("bash.pdf", "BASH", "Shell Variables", 0, len(VARIABLES), VARIABLES, tuple(split_sentences(VARIABLES)))
    marks = stated_defaults(question, p, {})
    return [] if marks is None else [VARIABLES[a:b] for (a, b), m in zip(p.sentences, marks) if m]


def test_the_default_stated_under_the_variable_asked_about_is_the_one_marked() -> None:
    assert _stated("What is the default value of PS4?") == ["The default is '+ '."]
    assert _stated("What is PS2 by default?") == ["The default is '> '."]
    assert _stated("What does PS4 print?") == []  # no default asked for
    assert _stated("What is the default value of SHELL?") == []  # its paragraph states none: none is marked


def test_sentences_that_state_a_default_and_ones_that_only_name_one() -> None:
    stated = [
        "The default is 79 by 24.",
        "Set init file to file (default: init.ly).",
        "which defaults to ~/.x",
        "By default the key is placed in the upper right.",
        "The default size of the axes will be 70% of this",
    ]
    named = ["Default settings", "a default text editor", "restored to their default state by reset bind"]
    assert all(default_statements(t) for t in stated)
    assert not any(default_statements(t) for t in named)


def test_an_option_asked_about_and_the_lines_that_define_it() -> None:
    assert (asked_option("What does set -e do?"), option_command("What does set -e do?")) == ("-e", "set")
    assert (asked_option("What does the -l option do?"), option_command("What does the -l option do?")) == ("-l", None)
    assert asked_option("After converting with -e, under what name is the earlier version kept?") is None
    assert (asked_option("What does test -d check?"), option_command("What does test -d check?")) == ("-d", "test")
    text = "-d file True if file is a directory.\n-t timeout\nCause read to time out.\n-a, --all\nStage all.\nUse -e."
    defined = {o: [text[a:b] for a, b in option_definitions(o, text)] for o in ("-d", "-t", "--all", "-e")}
    # a term line that only names the option points at the line after it, the definition
    assert defined == {
        "-d": ["-d file True if file is a directory."],
        "-t": ["Cause read to time out."],
        "--all": ["Stage all."],
        "-e": [],  # mentioned, not defined
    }
    prose = "If -n is specified, the newline is suppressed. The -P option causes cd to resolve links. even if -e is set"
    assert [prose[a : a + 10] for a, _ in option_definitions("-n", prose)] == ["If -n is s"]
    assert [prose[a : a + 10] for a, _ in option_definitions("-P", prose)] == ["The -P opt"]
    assert option_definitions("-e", prose) == []  # "if -e is set" says nothing of what -e does
    grouped = "Operation mode: -j, --join-existing\njoin messages with existing file"  # groff: a group's label first
    assert [grouped[a:b] for a, b in option_definitions("-j", grouped)] == ["join messages with existing file"]


def test_a_highlighted_term_comes_with_its_definition_and_a_command_line_does_not() -> None:
    text = (
        "CDPATH\nThe search path for the cd command. Directories are separated by colons.\n\n"
        "$ git add file.txt\nThe file is staged.\n\nSee also the manual."
    )
    p = Passage("bash.html", "BASH", "Shell Variables", 0, len(text), text, tuple(split_sentences(text)))
    term, definition, _, command, staged, _ = p.sentences
    assert with_definitions(p, [term]) == [term, definition]  # "CDPATH" alone answers nothing
    assert with_definitions(p, [command]) == [command]  # a command's next line is no definition of it
    assert with_definitions(p, [staged]) == [staged]


def test_a_command_line_inside_a_sentence_comes_with_the_rest_of_the_sentence() -> None:
    # Git's user manual: "As a special shortcut," / "$ git commit -a" / "will update the index …"
    text = (
        "As a special shortcut,\n$ git commit -a\n\nwill update the index with any files that you've modified or "
        "removed and create a commit, all in one step.\n\nA number of commands are useful:\n$ git status"
    )
    p = Passage("user-manual.html", "Git", "How to make a commit", 0, len(text), text, tuple(split_sentences(text)))
    spans = [tuple(s) for s in p.sentences]
    command = next(s for s in spans if text[s[0] : s[1]] == "$ git commit -a")
    said = [text[a:b] for a, b in with_sentence_going_on(p, [command])]
    assert said[-1].startswith("will update the index")
    status = next(s for s in spans if text[s[0] : s[1]] == "$ git status")
    assert with_sentence_going_on(p, [status]) == [status]  # nothing goes on after it


def test_a_term_line_naming_the_command_and_option_is_over_the_definition() -> None:
    text = (
        "git branch <branch>\ncreate a new branch\ngit branch -d <branch>\ndelete the branch <branch>\n\n"
        "$ git branch -d old\nThen push."
    )
    assert [text[a:b] for a, b in option_definitions("-d", text)] == ["delete the branch <branch>"]  # not the prompt's


def test_the_tail_of_a_sentence_a_command_line_breaks_comes_with_its_start_and_the_command() -> None:
    # The R FAQ, 7.10: the answer is the command between the sentence's two halves.
    text = (
        "They come in as factors. If f is such a factor object, you can use\nas.numeric(as.character(f))\n\n"
        "to get the numbers back. More efficient is\nas.numeric(levels(f))[as.integer(f)]\n\nThat is all."
    )
    p = Passage(
        "R-FAQ.pdf", "R FAQ", "7.10 How do I convert factors?", 0, len(text), text, tuple(split_sentences(text))
    )
    spans = [tuple(s) for s in p.sentences]
    tail = next(s for s in spans if text[s[0] : s[1]] == "to get the numbers back.")
    said = [text[a:b] for a, b in with_sentence_begun(p, [tail])]
    assert said == [
        "If f is such a factor object, you can use",
        "as.numeric(as.character(f))",
        "to get the numbers back.",
    ]
    last = next(s for s in spans if text[s[0] : s[1]] == "That is all.")
    assert with_sentence_begun(p, [last]) == [last]  # a sentence of its own after a command takes nothing


def test_a_definition_question_highlights_the_sentence_defining_its_term() -> None:
    text = (
        "3.1 What is S?\n\nThe name is partly a play on the name of the Bell Labs language ‘S’. "
        "S is a very high level language and an environment for data analysis and graphics. "
        "This technique is called reverse proxying because the server fetches the documents."
    )
    p = Passage("R-FAQ.pdf", "R FAQ", "3 R and S", 0, len(text), text, tuple(split_sentences(text)))
    texts = p.sentence_texts()
    shown = stated_definitions("R is said to be based on S. What is S?", p)
    assert [t for t, on in zip(texts, shown) if on] == [texts[2]]
    shown = stated_definitions("What is reverse proxying?", p)
    assert [t for t, on in zip(texts, shown) if on] == [texts[3]]
    assert stated_definitions("Who designed S?", p) is None  # not a definition question
    assert stated_definitions("What is Python?", p) is None  # nothing here defines it


def test_a_default_asked_for_and_not_stated_is_a_missing_answer() -> None:
    # Apache's stopping.html names GracefulShutdownTimeout but never says its default.
    near_miss = "The GracefulShutdownTimeout directive specifies how long the server waits for children to exit."
    assert default_missing("What is the default value of GracefulShutdownTimeout?", near_miss)
    assert default_missing("How many old log files does rotatelogs keep by default?", near_miss)
    assert not default_missing("What is the default history size?", "Default settings: set history size 500.")
    assert not default_missing("How long by default?", "Reduce the OCSP responder timeout from the default 10s:")
    assert not default_missing("Which file sets the default locale?", near_miss)  # "default" names the thing asked


def test_a_lead_in_after_the_highlight_joins_it_for_a_how_to_question_only() -> None:
    text = (
        "Users need to be aware of App Nap, which can make R run slowly. Here are ways to avoid it:\n\n"
        "- Keep the console visible.\n- In a Terminal, run\ndefaults write org.R-project.R NSAppSleepDisabled -bool YES"
    )
    p = Passage("R-admin.pdf", "R", "4.1 Running R under macOS", 0, len(text), text, tuple(split_sentences(text)))
    problem = tuple(p.sentences[0])
    lead = [text[a:b] for a, b in with_lead_in_after(p, [problem], "How do I turn off App Nap?")]
    assert lead[-1] == "Here are ways to avoid it:"
    assert with_lead_in_after(p, [problem], "What is App Nap?") == [problem]  # not asked how: the problem answers


def test_a_default_asked_in_other_words_and_one_stated_in_brackets_or_as_assumed() -> None:
    text = "TERM Names the terminal. If no option is given, then -f is assumed.\n\nWIDTH The screen width."
    p = Passage("b.pdf", "Bash", "ulimit", 0, len(text), text, tuple(split_sentences(text)))
    lifted = stated_defaults("Which limit does ulimit set if I don't give it an option?", p, {"option": 1.0})
    assert lifted is not None and [p.text[a:b] for (a, b), on in zip(p.sentences, lifted) if on] == [
        "If no option is given, then -f is assumed."
    ]
    assert stated_defaults("Which limit does ulimit set for a file?", p, {"option": 1.0}) is None  # none asked
    for stated in ("If set to ‘audible’ (the default), Readline rings the bell.", "or vi if neither is set."):
        assert default_statements(stated), stated
    assert not default_statements("The option is given on the command line.")
    assert stated_defaults("What is INDEX_CLEANUP set to when I run VACUUM without specifying it?", p, {}) is None
    assert asks_for_default("What is INDEX_CLEANUP set to when I run VACUUM without specifying it?")
    assert not asks_for_default("How do I run VACUUM without changing the configuration?")
    # The answer check stays with questions that say "default": other words only choose the highlight.
    assert not default_missing("What output format does the shell use if I never change it?", "It prints lists.")


def test_a_version_asked_for_and_the_sentences_that_name_one() -> None:
    from qa.search.forms import asks_for_version, version_missing, version_statements

    assert asks_for_version("On a Windows PC, how recent does my Ghostscript have to be?")
    assert asks_for_version("In which gnuplot version was the stats command first introduced?")
    assert not asks_for_version("Which version parts is |version| meant to consist of?")
    assert not asks_for_version("Does the version store keep track of renames?")
    assert not asks_for_version("What is the statically linked version of sync called on Linux systems?")
    text = "Install it from x.xx-setup.exe. You will also need Ghostscript version 9.56 or later. Set width 0.5 cm."
    assert [text[a:b] for a, b in version_statements(text)] == ["version 9.56"]
    assert version_missing("What is the minimum version of GNU make required?", "Be sure to use GNU make.")
    assert not version_missing("Which Python versions does Sphinx support?", "Sphinx supports Python 3.9 and later.")
    assert version_missing("Which Python version is needed?", "pip3 install PyQt5")  # digits inside names
    # "UTF-8" and "SHA-512" are names too: the zsh FAQ's "the latest version of Cygwin supports UTF-8" gives none
    question = "Starting with which version of Cygwin is UTF-8 supported well enough?"
    assert version_missing(question, "The latest version of the Cygwin environment for Windows supports UTF-8.")
    assert not version_missing(question, "Cygwin 1.7 supports UTF-8.")
    # A release is a version: the rustc book names the level but never the release that added it
    added = "In which rustc release was the force-warn lint level first added?"
    assert version_missing(added, "force-warn cannot be overridden.")
    assert asks_for_version("Which Graphviz release first added support for HTML-like labels in dot?")
    assert not asks_for_version("Which bug severities count as release-critical?")
    assert not asks_for_version("Which tool tells me what's holding my upload back from the next release candidate?")
    assert not asks_for_version("Which command tells me what release of the MTA I'm running?")  # the command is asked


def test_a_default_asked_as_preselected_or_before_customizing_and_stated_after_an_introduction() -> None:
    assert asks_for_default("Which columns does the account tree show before I customize anything?")
    assert asks_for_default("What cheque layout is preselected when I open the check printing dialog?")
    assert not asks_for_default("Which columns can the account tree show?")
    text = (
        "Payees and memos\n\nThis screen gives a description of the Payees and memos matching process on the "
        "following Match payees/memos to GnuCash accounts screen.\n\nThe next screen lets you Match payees/memos "
        "to GnuCash accounts. The default GnuCash account used is called Unspecified."
    )
    p = Passage("gnucash.pdf", "GnuCash", "Import QIF Files", 0, len(text), text, tuple(split_sentences(text)))
    question = "Which GnuCash account do payees and memos land in if I don't pick one?"
    lifted = stated_defaults(question, p, {})
    assert lifted is not None
    assert [text[a:b] for (a, b), on in zip(p.sentences, lifted) if on] == [
        "The default GnuCash account used is called Unspecified."
    ]


def test_a_port_or_a_time_in_seconds_asks_for_a_figure() -> None:
    from qa.answer.confidence import answer_type_mismatch

    assert answer_type_mismatch("Which TCP port does the language server listen on?", "It speaks LSP over stdio.")
    assert not answer_type_mismatch("Which port does approx run on by default?", "approx listens on port 9999.")
    assert answer_type_mismatch("What is the DHCP timeout, in seconds?", "The installer waits for an answer.")
    assert not answer_type_mismatch("How do I make sshd listen on port 2222?", "Edit sshd_config.")


def test_a_default_given_in_brackets_is_stated_and_an_aside_in_brackets_is_not() -> None:
    assert default_statements("The default (.1) is low enough that the layout is usually close to a minimum.")
    assert not default_statements("This places a key in the default (first) coordinate system:")
    assert default_statements("Postfix/TLS does not use the OpenSSL default of 300s, but a longer time of 3600sec.")
    assert not default_statements("It uses the default of the system.")


def test_is_there_a_setting_or_which_parameter_asks_for_a_command() -> None:
    from qa.search.forms import asks_for_command

    assert asks_for_command("Is there a single setting for that?")
    assert asks_for_command("Which parameter limits the mailbox size?")
    assert not asks_for_command("Is there a reason for this?")


def test_a_default_asked_as_what_holds_when_nothing_is_said_or_something_is_left_out() -> None:
    """Click's docs and NRC's LaTeX guide, asked in everyday words: the sentence stating the default ("By
    default, both bounds are closed, …") is the answer form only once the question reads as asking for one."""
    assert asks_for_default("With a range type like IntRange(1, 10), is 10 itself allowed unless I say otherwise?")
    assert asks_for_default("If I leave out the optional adjustment factor, what value is assumed?")
    assert asks_for_default("With a -v flag that counts, what does my function receive when the user leaves it off?")
    assert asks_for_default("If I don't name a command explicitly, what will users have to type to run it?")
    assert not asks_for_default("Which sections can I leave out of the abstract?")
    assert not asks_for_default("How do I name a command explicitly?")
    assert not asks_for_default("Why does the user leave the program?")
