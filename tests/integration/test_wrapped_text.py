"""A plain-text manual wrapped at 70 columns: the start of the Debian FAQ's debian-faq.en.txt (debian-faq 11.1,
GPL-2+; tests/data/debian-faq-11.1-start.txt, its first 420 lines unmodified). Read line by line, every
highlight stopped at a line end ("… by Ian Murdock in 1993, initially"), the table of contents was a run of
passages, rules of dashes and indented commands were section names, and the FAQ's questions were no sections
(now nested under their chapter by their numbers)."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.assistant import Assistant
from qa.encode.embedder import Embedder
from tests.conftest import assistant_over, quoted

FAQ = Path(__file__).resolve().parent.parent / "data" / "debian-faq-11.1-start.txt"


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Assistant:
    return assistant_over({"debian-faq.txt": FAQ}, tmp_path_factory, embedder, "wrapped")


def test_the_answer_is_the_whole_sentence_under_its_question(assistant: Assistant) -> None:
    top = assistant.ask("Who created the Debian project, and when?").excerpts[0]
    assert top.passage.section == "Chapter 1. Definitions and overview — 1.2. What is Debian GNU/Linux?"
    shown = [" ".join(s.split()) for s in quoted(top)]
    assert (
        "The Debian Project was created by Ian Murdock in 1993, initially under the sponsorship of the Free "
        "Software Foundation's GNU project." in shown
    )


def test_no_passage_is_the_table_of_contents(assistant: Assistant) -> None:
    passages = assistant.retriever.index.passages
    assert not any("What is this FAQ?\n    1.2. What is Debian" in p.text for p in passages)  # its lines, in a row
    answer = assistant.ask("Does Debian just do GNU/Linux?")
    assert (
        answer.excerpts[0].passage.section
        == "Chapter 1. Definitions and overview — 1.4. Does Debian just do GNU/Linux?"
    )


POLICY = Path(__file__).resolve().parent.parent / "data" / "debian-policy-4.6.2.0-start.txt"


@pytest.fixture(scope="module")
def policy(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Assistant:
    """The Debian Policy Manual as Sphinx's text builder writes it (debian-policy 4.6.2.0, GPL-2+; its
    first 825 lines unmodified): titles underlined with "****" and "====", and a contents list of 690
    lines, one bulleted entry a paragraph. Before, "1.1. Scope ==========" was a section name (the rule in
    it) and each contents entry a passage."""
    return assistant_over({"policy.txt": POLICY}, tmp_path_factory, embedder, "policy")


def test_underlined_titles_are_sections_without_their_rules_and_the_contents_list_is_no_passage(
    policy: Assistant,
) -> None:
    passages = policy.retriever.index.passages
    assert {p.section for p in passages} == {
        "Debian Policy Manual",
        "1. About this manual — 1.1. Scope",
        "1. About this manual — 1.2. New versions of this document",
    }
    assert not any("* 2.1. The Debian Free Software Guidelines" in p.text for p in passages)
    top = policy.ask("In which formats is the policy manual available?").excerpts[0]
    assert top.passage.section == "1. About this manual — 1.2. New versions of this document"
    shown = [" ".join(s.split()) for s in quoted(top)]
    assert "policy.epub, policy.txt and policy.pdf." in shown
    assert not any("=====" in s for s in shown)  # a title's rule is no part of any sentence


RFC = Path(__file__).resolve().parent.parent / "data" / "rfc6455-pages1-9.txt"


def test_a_paginated_rfcs_page_footers_and_headers_are_no_passage_and_no_section_name() -> None:
    """RFC 6455 as the RFC Editor publishes it (its first 480 lines unmodified; IETF Trust): a footer
    "Fette & Melnikov   Standards Track   [Page 2]", a form feed and a header "RFC 6455   The WebSocket
    Protocol   December 2011" at every page break. Before, each header was a heading: 174 of the whole
    RFC's 314 passages carried "Fette & Melnikov … [Page 32] — RFC 6455 …" as their section."""
    from qa.ingest.chunking import ChunkConfig, chunk_document
    from qa.types import Document

    text = RFC.read_text(encoding="utf-8")
    doc = Document(doc_id="rfc6455.txt", title="RFC 6455", text=text, sha256="", fmt="txt")
    passages = chunk_document(doc, ChunkConfig())
    assert not any("Fette & Melnikov" in p.text or "[Page" in p.section for p in passages)
    assert not any(p.section.startswith("RFC 6455") for p in passages)
    overview = next(p for p in passages if "The protocol has two parts: a handshake and the data transfer." in p.text)
    assert overview.section == "1.2. Protocol Overview"
