"""The confidence model's answer-type and name checks, and list ordinals, on hand-written text (no model)."""

from __future__ import annotations

from qa.answer.confidence import answer_type_mismatch, missing_names, question_names
from qa.answer.features import SELECTOR_LOGIT_CAP, confidence_features
from qa.types import Candidate


def test_quantity_questions_need_a_number_and_a_count_needs_more_than_a_year() -> None:
    assert answer_type_mismatch("How many staff does it employ?", "It was founded in 1987.")
    assert not answer_type_mismatch("How many staff does it employ?", "Since 1987 it has grown to 40 staff.")
    assert not answer_type_mismatch("When was it set up?", "It was founded in 1987.")  # not a quantity
    assert not answer_type_mismatch("How long has it existed?", "It has existed since 1987.")  # a year answers
    # "What's …" and "Exactly how many …" ask for a figure as "What is …" and "How many …" do
    assert answer_type_mismatch(
        "What's the largest number I'm allowed to pass to -C codegen-units?", "It splits crates."
    )
    assert answer_type_mismatch("Exactly how many months must a target spend at tier 2?", "A reasonable time.")
    assert not answer_type_mismatch(
        "What's the minimum number of maintainers a target needs?", "At least 2 developers."
    )
    assert answer_type_mismatch("What is the average fee for sending money?", "Fees are high.")
    assert answer_type_mismatch("In Honduras, how many women came alone?", "Many women came alone.")
    assert not answer_type_mismatch("Why is it hard to measure how much migration grew?", "Data are poor.")
    assert not answer_type_mismatch("What is China's 'floating' population?", "Rural migrants in cities.")


def test_a_year_asked_for_needs_a_year() -> None:
    """The zsh FAQ names the book and its ISBN, not the year it came out."""
    question = "In what year was the book 'From Bash to Z Shell' published?"
    assert answer_type_mismatch(question, "See the book by Kiddle, Peek and Stephenson, Apress, ISBN 1-59059-376-6.")
    assert not answer_type_mismatch(question, "It was published by Apress in 2004.")
    assert not answer_type_mismatch("How many pages does the book have?", "ISBN 1-59059-376-6, 450 pages.")


def test_a_digit_glued_to_a_word_is_no_figure() -> None:
    """Debian Policy prints a footnote's mark against its word ("alphanumerics6"): no length is stated there."""
    question = "What is the maximum number of characters allowed in a Debian package name?"
    assert answer_type_mismatch(question, "The upstream_version must contain only alphanumerics6 and the characters .")
    assert answer_type_mismatch(question, "Names are written in UTF-8.")
    assert not answer_type_mismatch(question, "Package names must be at least 2 characters long.")


def test_a_limit_asked_for_needs_a_number() -> None:
    # A manual names the job table without its size: a near miss, not an answer.
    question = "What is the maximum number of jobs the job table can hold?"
    assert answer_type_mismatch(question, "It keeps a table of currently executing jobs.")
    assert not answer_type_mismatch(question, "The table holds at most 256 jobs.")
    assert answer_type_mismatch("What is the longest user name allowed?", "Names are checked.") is False  # no measure
    assert answer_type_mismatch("What is the maximum length of a user name?", "User names are checked by adduser.")
    assert not answer_type_mismatch("What is the largest value of PS4?", "It is '+ '.")  # a value is no quantity
    assert answer_type_mismatch("After how many days are old files removed?", "Files must not be deleted at boot.")


def test_a_sum_of_money_needs_a_currency_or_an_amount() -> None:
    question = "How much money did Ghanaian migrants send home in 2005?"
    assert answer_type_mismatch(question, "60 percent of Ghanaian doctors leave the country.")
    assert not answer_type_mismatch(question, "Ghanaians abroad sent home US$ 400 in 2005.")
    assert not answer_type_mismatch(question, "Remittances reached 1.2 billion in 2005.")
    # Earning more is a ratio, not a sum: "ten times more" answers it.
    assert not answer_type_mismatch("How much more can they earn in the rainy season?", "as much as ten times more")


def test_question_names_are_its_capitalised_words_and_figures() -> None:
    assert question_names("How many Somali refugees lived in Kenya's camps in 2006?") == ["Somali", "Kenya", "2006"]
    assert question_names("What is UNHCR's budget?") == ["UNHCR"]
    assert question_names("Who wrote the report?") == []


def test_missing_names_counts_what_no_passage_mentions() -> None:
    passages = ["Refugees from Somalia live in camps in Kenya.", "American universities fund 45 percent of students."]
    assert missing_names("How many Somali refugees live in Kenya?", passages) == 0.0  # Somali ~ Somalia
    assert missing_names("Do universities in America fund students?", passages) == 0.0  # America ~ American
    assert missing_names("How many Somali refugees live in Uganda?", passages) == 0.5
    assert missing_names("What did the UK fund in 2004?", ["The UKIP party funded it in 2005."]) == 1.0
    assert missing_names("why do people move?", passages) == 0.0
    # A hyphenated name is mentioned when each part is; it used to count as missing from any text.
    assert missing_names("What did the Anti-slavery Society do?", ["The Anti-slavery Society campaigned."]) == 0.0
    assert missing_names("Who funds Anti-Slavery International?", ["Pro-slavery International is funded."]) == 0.5


def test_list_items_and_ordinals_are_read_as_a_reader_would() -> None:
    from qa.search.conversation import enumerated_items, ordinal_in

    inline = "The 4 Cs: (i) control the outflow; (ii) compensation policies; (iii) connect.\n\nNext paragraph."
    assert enumerated_items(inline) == ["control the outflow", "compensation policies", "connect"]
    paragraphs = "As follows:\n\nFirst, integrate it. More.\n\nSecondly, foster links.\n\nAnd third, work together."
    assert enumerated_items(paragraphs) == ["integrate it. More", "foster links", "work together"]
    assert enumerated_items("2. starts at two\n3. and goes on") == []  # not a list counting from one
    assert enumerated_items("Plain text with 3-4 percent (a figure) in it.") == []
    assert [ordinal_in(q) for q in ("And the second one?", "the last one", "Tell me about point 3", "item (ii)")] == [
        2,
        -1,
        3,
        2,
    ]
    assert ordinal_in("When was it first set up?") is None  # an adverb, not a list item
    assert ordinal_in("What happened the second time?") is None
    assert ordinal_in("And number 0?") is None


def test_bullets_and_lines_of_titles_are_lists_too() -> None:
    """Lists without numbers are counted in reading order, so "the second one" can point into them."""
    from qa.search.conversation import enumerated_items, is_list_entry

    bullets = "Asked:\n\n- **What outcomes?**\n- **What obstacles?**\n  - a sub-point\n\n- **What support?**\n\nOn."
    assert enumerated_items(bullets) == ["What outcomes?", "What obstacles?", "What support?"]
    assert enumerated_items("- a) Restrictions\n- b) More aid\n- c) Quotas") == ["Restrictions", "More aid", "Quotas"]
    themes = "Key Resources\n\nGender and migration\nGlobalisation\nRemittances\n\nGender and migration\n\nText."
    assert enumerated_items(themes) == ["Gender and migration", "Globalisation", "Remittances"]
    assert enumerated_items("Prose that is wrapped\nat a column and runs\non in lower case.") == []
    assert enumerated_items("Table\na | b\nc | d\ne | f") == []
    assert enumerated_items("- only one bullet\n\nThen prose.") == []
    steps = "• Install it.\n\n• Add a user:\nadduser lily\n\nThis makes a group too.\n\n• Make a file:\ndd if=/dev/zero"
    assert enumerated_items(steps) == ["Install it", "Add a user:", "Make a file:"]  # a manual's steps, with commands
    # A list line set as a title or question is only the list again; a statement is itself an answer.
    assert is_list_entry("- **What obstacles?**", "What obstacles?")
    assert is_list_entry("Globalisation", "Globalisation")
    assert not is_list_entry("- Lack of clarity in objectives.", "Lack of clarity in objectives")
    assert not is_list_entry("- **What outcomes?**", "What obstacles?")


def test_a_selector_surer_than_the_fit_ever_saw_reads_as_the_surest_it_saw() -> None:
    top = [Candidate(0, score=2.0, coverage=1.0), Candidate(1, score=1.0)]
    sure = confidence_features("What is a partial index?", top, ["a", "b"], "A partial index is …", 0.99999, None)
    assert sure["selector_logit"] == SELECTOR_LOGIT_CAP
    unsure = confidence_features("What is a partial index?", top, ["a", "b"], "A partial index is …", 0.5, None)
    assert unsure["selector_logit"] == 0.0


def test_a_confidence_only_fit_keeps_the_stored_selector_and_its_share() -> None:
    """``scripts/train_selector.py --keep-selector`` fits the confidence over the stored model's selector, so a new
    confidence feature moves no highlight; without the flag the selector is fitted afresh."""
    import importlib.util
    import json
    import sys

    from qa.answer.selector import MODEL_FILE
    from qa.settings import PROJECT_ROOT

    spec = importlib.util.spec_from_file_location("train_selector", PROJECT_ROOT / "scripts" / "train_selector.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    stored = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    kept = module.kept_selector(True)
    assert kept is not None and kept.second_ratio == stored["second_ratio"]
    assert kept.selector.coef.tolist() == stored["selector"]["coef"]
    assert module.kept_selector(False) is None
