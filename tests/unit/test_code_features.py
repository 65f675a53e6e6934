"""The selector's manual-page features (qa/answer/code.py, qa/answer/features.py): a heading, a lead-in and its
block, a command line, the commands and files a question names; and the rule that brings a how-to's command
lines with the sentence that announces them."""

from __future__ import annotations

import numpy as np

from qa.answer.code import asked_code_tokens, block_roles, code_sentence, heading_like
from qa.answer.compose import follow_lead_ins
from qa.answer.features import SENTENCE_FEATURES, sentence_features
from qa.ingest.sentences import split_sentences
from qa.types import Passage, Shaped

TEXT = (
    "9.5.5. System and hardware time\n\n"
    "Times are normally displayed in the local time but the hardware clock usually keeps UTC.\n\n"
    "The following sets system and hardware time to MM/DD hh:mm, CCYY.\n"
    "# date MMDDhhmmCCYY\n# hwclock --utc --systohc\n\n"
    "Tip\n\n"
    "If the hardware time is set to UTC, change the setting in /etc/default/rcS.\n\n"
    "You can reconfigure the timezone from the command line.\n# dpkg-reconfigure tzdata"
)


def _passage() -> Passage:
    section = "Chapter 9. System tips — 9.5.5. System and hardware time"
    return Passage("ch09.en.html", "Ref", section, 0, len(TEXT), TEXT, tuple(split_sentences(TEXT)))


def _at(p: Passage, words: str) -> int:
    return next(i for i, (a, b) in enumerate(p.sentences) if words in p.text[a:b])


def _column(rows: np.ndarray, name: str) -> list[float]:
    return rows[:, SENTENCE_FEATURES.index(name)].tolist()


def test_a_lead_in_and_the_lines_of_its_block_are_told_apart_from_prose() -> None:
    p = _passage()
    roles = block_roles(p)
    lead = _at(p, "The following sets")
    assert roles[lead] == (True, False)
    assert roles[_at(p, "# date")] == (False, True) and roles[_at(p, "# hwclock")] == (False, True)
    assert roles[_at(p, "Times are normally")] == (False, False)
    assert roles[_at(p, "If the hardware")] == (False, False)  # after the blank line the block has ended
    assert not any(r[0] for r in roles[:lead])


def test_headings_and_captions_read_as_headings_and_commands_as_commands() -> None:
    p = _passage()
    assert heading_like(p, _at(p, "Tip")) and heading_like(p, 0)  # "9.5.5." alone
    assert not heading_like(p, _at(p, "Times are normally"))
    assert code_sentence(p, _at(p, "# hwclock")) == (True, True)
    assert code_sentence(p, _at(p, "/etc/default/rcS")) == (True, False)  # names a path, is prose
    assert code_sentence(p, _at(p, "Times are normally")) == (False, False)


def test_the_commands_and_files_a_question_names() -> None:
    assert asked_code_tokens("How do I edit /etc/hosts and sources.list for apt-get --purge?") >= {
        "/etc/hosts",
        "sources.list",
        "apt-get",
        "--purge",
    }
    assert asked_code_tokens("How do I stop bash from beeping at me?") == set()


def test_the_feature_rows_mark_the_heading_the_block_and_the_command_for_a_how_to_question() -> None:
    p = _passage()
    question = "How do I set the hardware clock with hwclock --systohc?"
    rows = sentence_features(question, p, np.zeros(len(p.sentences)), {})
    assert rows.shape == (len(p.sentences), len(SENTENCE_FEATURES))
    heading = _at(p, "System and hardware time")
    assert _column(rows, "heading")[heading] == 1.0  # the splitter cut "9.5.5." off; still the section's heading
    clock = _at(p, "# hwclock")
    assert _column(rows, "how_code")[clock] == 1.0 and _column(rows, "how_in_block")[clock] == 1.0
    assert _column(rows, "asked_code")[clock] > 0 and _column(rows, "asked_code")[_at(p, "# date")] == 0.0
    assert _column(rows, "lead_block")[_at(p, "The following sets")] == 1.0
    plain = sentence_features("Which clock keeps UTC?", p, np.zeros(len(p.sentences)), {})
    assert _column(plain, "how_code")[clock] == 0.0  # not a how-to question: a command is no answer form


def test_a_how_to_sentence_comes_with_the_command_lines_after_it() -> None:
    p = _passage()
    announce = p.sentences[_at(p, "You can reconfigure")]
    shown = follow_lead_ins(p, [announce], "How do I change the timezone?", max_highlights=2)
    assert [TEXT[a:b] for a, b in shown][-1] == "# dpkg-reconfigure tzdata"
    assert follow_lead_ins(p, [announce], "Is the timezone kept in UTC?", max_highlights=2) == [announce]
    lead = p.sentences[_at(p, "The following sets")]
    shown = [TEXT[a:b] for a, b in follow_lead_ins(p, [lead], "Which clock keeps UTC?", max_highlights=2)]
    assert shown[1:] == ["# date MMDDhhmmCCYY", "# hwclock --utc --systohc"]  # "… the following …." and its block
    line = p.sentences[_at(p, "# hwclock")]  # a line of the block chosen alone: its lead-in and block come too
    assert follow_lead_ins(p, [line], "Which clock keeps UTC?", max_highlights=2) == [
        lead,
        p.sentences[_at(p, "# date")],
        line,
    ]


def test_a_sentence_that_breaks_off_over_a_code_block_is_its_lead_in() -> None:
    """The LilyPond manual's (Texinfo) lead-ins end without a colon; the PDF reader marks the command as code."""
    text = "To see the changes in the LilyPond syntax between two versions, use\nconvert-ly --from=... --to=... -s"
    code = Shaped(text.index("convert-ly"), len(text), "code")
    p = Passage("usage.pdf", "Usage", "2.3 Command line options", 0, len(text), text, tuple(split_sentences(text)))
    assert block_roles(p)[0] == (False, False)  # without the reader's code block it is an unfinished sentence
    shaped = Passage(p.doc_id, p.title, p.section, 0, len(text), text, p.sentences, blocks=(code,))
    roles = block_roles(shaped)
    assert roles[0] == (True, False) and all(r == (False, True) for r in roles[1:])
    lead = shaped.sentences[0]
    shown = follow_lead_ins(shaped, [lead], "How do I see the syntax changes?", max_highlights=2)
    assert shown[-1][1] == len(text)  # "use" is highlighted with the whole command under it, its "-s" too


def test_a_bibliography_entry_is_told_apart_from_prose_that_cites_a_year() -> None:
    from qa.answer.features import reference_entry

    assert reference_entry(
        "Empowering Woman Migrant Workers in Asia: A Briefing Kit (2004), Jean D’Cunha, UNIFEM East and South East"
        " Asia Regional Office, www.unifem-eseasia.org/ projects/migrant/Briefing kit files.htm"
    )
    assert reference_entry("UNFPA State of world population 2006, http://www.unfpa.org/publications, 107 pp.")
    assert not reference_entry("In 2004 (the year of the survey) migrants sent home more than aid gave.")
    assert not reference_entry("This report is also available at http://www.migrationdrc.org/news/drc_reports.html")


def test_a_bibliography_entry_is_flagged_unless_the_question_asks_who_or_where_to_find_it() -> None:
    text = (
        "Left Behind, Left Out (2006), Save the Children in Sri Lanka, http://www.crin.org/docs/save_sl.pdf, 11 pp.\n"
        "The research set out to profile migrant Sri Lankan mothers and their families."
    )
    p = Passage("003.txt", "Resources", "Families", 0, len(text), text, tuple(split_sentences(text)))
    cos = np.zeros(len(p.sentences))
    what = "What did the Save the Children research aim to establish?"
    assert _column(sentence_features(what, p, cos, {}), "reference") == [1.0, 0.0]
    who = _column(sentence_features("Who published Left Behind, Left Out?", p, cos, {}), "reference")
    assert who == [0.0, 0.0]


def test_a_list_items_lead_in_brings_its_command_not_the_items_after_it() -> None:
    """The Debian FAQ (debian-faq 11.1, HTML), 8.1.2 APT: asked "How do I install a package together with its
    dependencies?", the item "To install the foo package and all its dependencies, run:" came highlighted with
    every item after it (remove, purge, upgrade): a list going on past a blank line was taken for its block."""
    text = (
        "Some common ways to use apt-get are:\n\n"
        "- To install the foo package and all its dependencies, run:\napt install foo\n\n"
        "- To remove the foo package from your system, run:\napt remove foo\n\n"
        "- To upgrade all the packages on your system, run:\napt upgrade"
    )
    p = Passage("pkgtools.en.html", "FAQ", "8.1.2. APT", 0, len(text), text, tuple(split_sentences(text)))
    lead = p.sentences[_at(p, "To install the foo")]
    shown = [text[a:b] for a, b in follow_lead_ins(p, [lead], "How do I install a package?", max_highlights=2)]
    assert shown == ["- To install the foo package and all its dependencies, run:", "apt install foo"]
    intro = p.sentences[_at(p, "Some common ways")]  # a lead-in that is no item brings its whole list
    shown = [text[a:b] for a, b in follow_lead_ins(p, [intro], "How can apt-get be used?", max_highlights=2)]
    assert shown[-1] == "apt upgrade"


def test_a_release_or_a_date_is_no_count_and_a_split_heading_is_still_a_heading() -> None:
    heading = "(12) I deleted a lot of data but the file did not get any smaller. Is this a bug?"
    text = (
        f"{heading}\n\nBeginning with version 3.37.0 (2021-11-27), the CLI can hold multiple connections at once. "
        "There can be at most 10 open connections."
    )
    p = Passage("faq.html", "FAQ", f"FAQ — {heading}", 0, len(text), text, tuple(split_sentences(text)))
    rows = sentence_features("How many connections can the CLI keep open?", p, np.zeros(len(p.sentences)), {})
    assert _column(rows, "heading")[_at(p, "(12) I deleted")] == 1.0
    assert _column(rows, "heading")[_at(p, "Is this a bug?")] == 1.0  # the splitter's second half of the heading
    assert _column(rows, "count_number")[_at(p, "Beginning with version")] == 0.0
    assert _column(rows, "count_number")[_at(p, "at most 10")] == 1.0
