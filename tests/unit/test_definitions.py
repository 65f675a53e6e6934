"""Definition questions and the sentences that define their term (qa.search.definitions)."""

from __future__ import annotations

from qa.search.definitions import asked_terms, term_definitions
from qa.search.forms import answer_form


def test_definition_questions_name_their_term() -> None:
    assert asked_terms("R is said to be based on S. What is S?") == ["S"]
    assert asked_terms("In Apache's docs, what counts as authentication?") == ["authentication"]
    assert asked_terms("What does the term 'feminization of migration' actually mean?") == ["feminization of migration"]
    assert asked_terms("What do the terms internationalization and localization mean for R?") == [
        "internationalization and localization",
        "internationalization",
        "localization",
    ]


def test_other_questions_ask_for_no_term() -> None:
    for question in (
        "What is it?",
        "What do you mean?",
        "What is the default port?",
        "How does it work?",
        "Who wrote the report?",
        "What is the difference between X and Y?",
    ):
        assert asked_terms(question) == [], question


def test_a_definition_is_the_term_as_subject_or_named() -> None:
    text = (
        "Authentication is any process by which you verify that someone is who they claim they are. "
        "Basic authentication sends the password unencrypted. This is called Digest authentication here.\n"
        "Authorization: any process by which someone is allowed in."
    )
    found = [text[a:b] for a, b in term_definitions(["authentication"], text)]
    assert found == ["Authentication is"]  # "Basic authentication sends" is a use, not a definition
    assert [text[a:b] for a, b in term_definitions(["authorization"], text)] == ["Authorization: "]


def test_a_term_named_after_called_and_an_article_is_defined_there() -> None:
    text = 'Moving the WAL file transactions back into the database is called a "checkpoint". A checkpoint can run.'
    assert [text[a:b] for a, b in term_definitions(["checkpoint"], text)] == ['called a "checkpoint"']
    assert term_definitions(["checkpoint"], "This is called a checkpointing run.") == []
    # A singular "is" defines where a determiner follows it; otherwise the sentence only uses the term.
    assert term_definitions(["checkpoint"], "A checkpoint is only able to run to completion if no reader waits.") == []
    assert term_definitions(["checkpoint"], "A checkpoint is a copy of the log into the database.") != []


def test_the_definition_form_leaves_acronyms_and_options_to_their_own_forms() -> None:
    text = "The Local and Regional Authorities (LRAs) meet. LRA is short."
    find = answer_form("What is LRA?")
    assert find is not None and [text[a:b] for a, b in find(text)] == ["(LRAs)"]
