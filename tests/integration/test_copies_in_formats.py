"""One manual kept in two formats: chapter 8 of the Debian FAQ (debian-faq 11.1, GPL-2+) as Word (pandoc's
conversion of the package's HTML) and as PDF (Chromium's print of the same page). Each question found the same
excerpt in both copies, and the copy took a place of the answer that another passage should have had."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.answer.copies import is_copy, word_triples
from qa.assistant import Assistant
from qa.encode.embedder import Embedder
from tests.conftest import assistant_over

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture(scope="module")
def both_copies(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Assistant:
    files = {
        "pkgtools.docx": DATA / "debian-faq-ch08-pkgtools.docx",
        "pkgtools.pdf": DATA / "debian-faq-11.1-ch08-chromium.pdf",
    }
    return assistant_over(files, tmp_path_factory, embedder, "copies")


@pytest.mark.parametrize(
    "question",
    [
        "How do I install a package and all its dependencies with APT?",
        "What does dpkg-reconfigure do?",
        "Which tool shows which package a file belongs to?",
    ],
)
def test_an_excerpt_is_shown_once_though_both_copies_hold_it(both_copies: Assistant, question: str) -> None:
    answer = both_copies.ask(question, top_k=5)
    assert len(answer.excerpts) >= 3
    texts = [(e.passage.doc_id, word_triples(e.passage.text)) for e in answer.excerpts]
    repeats = [
        (i + 1, j + 1)
        for i, (doc_a, a) in enumerate(texts)
        for j, (doc_b, b) in enumerate(texts[i + 1 :], start=i + 1)
        if doc_a != doc_b and is_copy(a, b)
    ]
    assert repeats == [], f"excerpts {repeats} repeat one another from the other copy"


def test_more_excerpts_do_not_repeat_one_already_shown_from_the_other_copy(both_copies: Assistant) -> None:
    answer = both_copies.ask("How do I install a package and all its dependencies with APT?", top_k=2)
    more = both_copies.more(answer, 4)
    assert more, "no further excerpts"
    shown = [(e.passage.doc_id, word_triples(e.passage.text)) for e in answer.excerpts]
    for extra in more:
        doc, triples = extra.passage.doc_id, word_triples(extra.passage.text)
        assert not any(d != doc and is_copy(triples, t) for d, t in shown), extra.passage.text[:80]


def test_the_confidence_does_not_take_the_other_copy_for_a_close_runner_up(both_copies: Assistant) -> None:
    question = "What does dpkg-reconfigure do?"
    found = both_copies.retriever.search(question, both_copies.settings, asked=question)
    top, texts, _ = both_copies.confidence_evidence(found)
    passages = both_copies.retriever.index.passages
    read = [(passages[c.index].doc_id, word_triples(passages[c.index].text)) for c in top]
    assert len(read) == 3
    assert not any(a[0] != b[0] and is_copy(a[1], b[1]) for i, a in enumerate(read) for b in read[i + 1 :])


def test_the_copy_left_out_is_named_with_its_page_in_the_reply_the_json_and_the_chat(both_copies: Assistant) -> None:
    from qa.web.render import esc, excerpt_html
    from qa.web.transcript import answer_markdown

    answer = both_copies.ask("How do I install a package and all its dependencies with APT?", top_k=5)
    named = [e for e in answer.excerpts if e.also_in]
    assert named, "no excerpt names the copy it stands for"
    e = named[0]
    other = e.also_in[0]
    assert other.doc_id != e.passage.doc_id
    assert is_copy(word_triples(other.text), word_triples(e.passage.text))
    pdf = next((q for q in e.also_in if q.doc_id == "pkgtools.pdf"), None)
    label = f"also in pkgtools.pdf, p. {pdf.page_label or pdf.page_start}" if pdf else f"also in {other.doc_id}"
    assert label in answer.answer  # the Sources line of the plain reply
    row = e.to_json()["also_in"][0]
    assert row["doc"] == other.doc_id and row["start"] == other.start
    assert esc(label) in excerpt_html(e)  # escaped as every label the chat shows
    assert label in answer_markdown(1, answer)


def test_the_sources_list_links_each_copy_to_its_passage(both_copies: Assistant) -> None:
    from urllib.parse import quote

    from qa.web.render import sources_html

    answer = both_copies.ask("How do I install a package and all its dependencies with APT?", top_k=5)
    e = next(e for e in answer.excerpts if e.also_in)
    other = e.also_in[0]
    listed = sources_html(answer)
    assert "also in" in listed
    assert f'href="/passage/{quote(other.doc_id)}?start={other.start}&amp;end={other.end}' in listed
