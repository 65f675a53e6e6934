"""The manual HTML reader on a Publican page it was not written against: a trimmed copy of chapter 7 of The Debian
Administrator's Handbook (GPL-2.0+ or CC-BY-SA-3.0, see the comment atop the file). Every page of that manual
opens with a "Download the ebook" banner and Prev/Next links, a chapter page with the chapter's table of
contents, and a third of its text sits in DocBook sidebars (TIP, NOTE, BACK TO BASICS boxes) inside the
sections. What a user must see: no navigation in any passage or section path, the boxes' text answerable,
section paths that are the real heading path, a <pre> with the sentence that introduces it, and inline markup
(an address with an <em> part, a <code> command) read as the browser shows it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from qa.answer.compose import citation_label, passing_over_headings
from qa.ingest.chunking import ChunkConfig, chunk_document
from qa.ingest.loading import load_file, read_html
from qa.settings import load_settings
from qa.types import Passage

PAGE = Path(__file__).resolve().parent.parent / "data" / "debian-handbook-ch07-solving-problems.html"
CHAPTER = "Chapter 7. Solving Problems and Finding Relevant Information"


@pytest.fixture(scope="module")
def passages() -> list[Passage]:
    settings = load_settings({"corpus_dir": PAGE.parent, "index_dir": PAGE.parent / "none"}, environ={})
    doc = load_file(PAGE, PAGE.name, settings, {})
    return chunk_document(doc, ChunkConfig())


def test_the_banner_the_prev_next_links_and_the_chapters_contents_are_no_passage(passages: list[Passage]) -> None:
    every = "\n".join(p.text for p in passages)
    assert "Download the ebook" not in every
    assert "Prev" not in every and "Next" not in every and "Home" not in every
    assert "6.10. Searching for Packages" not in every  # the footer's "Prev" link names the previous page
    assert "7.2.4. Reporting a Bug" not in every  # a contents entry of a page this one is not
    assert not any("ebook" in p.section or "Prev" in p.section or "Next" in p.section for p in passages)


def test_section_paths_are_the_heading_path_with_each_heading_once(passages: list[Passage]) -> None:
    apropos = next(p for p in passages if "This is the purpose of the apropos command" in p.text)
    assert apropos.section == f"{CHAPTER} — 7.1. Documentation Sources — 7.1.1. Manual Pages"
    pinfo = next(p for p in passages if "use pinfo instead" in p.text)
    assert pinfo.section == f"{CHAPTER} — 7.1. Documentation Sources — 7.1.2. info Documents"
    assert all(p.section.count(CHAPTER) == 1 for p in passages)


def test_the_sidebar_boxes_are_text_to_answer_from(passages: list[Passage]) -> None:
    whatis = next(p for p in passages if "simply enter whatis command." in p.text)  # a TIP box
    assert whatis.text.startswith("TIP whatis\n\nIf you do not want to look at the full manual page")
    assert whatis.section == f"{CHAPTER} — 7.1. Documentation Sources — 7.1.1. Manual Pages — TIP whatis"
    scores = passing_over_headings(whatis, np.ones(len(whatis.sentences)))
    assert scores[0] < 1 and scores[1] == 1  # the box's title is a heading to the highlighter, not an answer
    apropos = next(p for p in passages if "This is the purpose of the apropos command" in p.text)
    assert "TIP whatis" not in apropos.section  # the text after the box is the section's again
    every = "\n".join(p.text for p in passages)
    assert "The default and most commonly used shell is bash (Bourne Again SHell)" in every  # BACK TO BASICS
    assert "Debian requires each program to have a manual page." in every  # DEBIAN POLICY
    titles = ["CULTURE RTFM", "BACK TO BASICS The shell, a command line interpreter", "TIP whatis",
              "TIP Browsing by following links", "DEBIAN POLICY Required man pages"]  # fmt: skip
    assert not any(p.text.rstrip().endswith(t) for p in passages for t in titles)  # no passage ends on a title


def test_a_pre_block_stays_with_the_sentence_that_introduces_it(passages: list[Passage]) -> None:
    whatis = next(p for p in passages if "$ whatis scp" in p.text)
    assert "simply enter whatis command.\n$ whatis scp\nscp (1)" in whatis.text
    apropos = next(p for p in passages if '$ apropos "copy file"' in p.text)
    assert 'Example 7.1. Finding cp with apropos\n$ apropos "copy file"' in apropos.text


def test_inline_markup_reads_as_the_browser_shows_it() -> None:
    text, _ = read_html(PAGE.read_bytes())
    assert "you would type the man cp command at the shell prompt" in text
    assert "simply enter whatis command." in text  # not "enter whatis command ."
    assert "man shadow returns shadow(5) because" in text  # <code>shadow</code>(5): no space before "(5)"


def test_a_sites_sidebar_outside_the_text_is_still_left_out() -> None:
    page = (
        b"<html><body><div class='sidebar'><h3>About this site</h3><p>Written by a volunteer who likes tea and "
        b"long walks along the river on Sundays.</p></div><div class='chapter'><h1>1. Setup</h1>"
        b"<div class='section'><h2>1.1. Install</h2><p>Run the installer and answer its questions.</p>"
        b"<div class='sidebar'><a href='a'>Home</a> <a href='b'>Blog</a> <a href='c'>Archive</a></div>"
        b"</div></div></body></html>"
    )
    text, layout = read_html(page)
    assert "Run the installer and answer its questions." in text
    assert "volunteer" not in text and "About this site" not in text  # a site's box beside the chapter
    assert "Archive" not in text  # a box of links inside a section is still navigation
    assert {s for _, _, _, s in layout.blocks} == {"1. Setup", "1. Setup — 1.1. Install"}


def test_a_term_and_its_definition_are_one_block() -> None:
    text, layout = read_html(PAGE.read_bytes())
    assert "\n8\nsystem administration commands;\n" in text  # the manual's sections, a <dl>
    eight = next(text[a:b] for a, b, _, _ in layout.blocks if text[a:b].startswith("8\n"))
    assert eight == "8\nsystem administration commands;"


def test_a_citation_names_each_heading_once(passages: list[Passage]) -> None:
    apropos = next(p for p in passages if "This is the purpose of the apropos command" in p.text)
    assert citation_label(apropos) == f"{CHAPTER} — 7.1. Documentation Sources — 7.1.1. Manual Pages"
    handbook = replace(apropos, title=f"The Debian Administrator's Handbook — {CHAPTER}")  # its titles.json name
    assert citation_label(handbook).count(CHAPTER) == 1
    assert citation_label(handbook).endswith(f"Handbook — {CHAPTER} — 7.1. Documentation Sources — 7.1.1. Manual Pages")
