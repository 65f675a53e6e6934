"""The manual HTML reader on a real DocBook chapter (a trimmed copy of Debian Reference's chapter 5, GPL-2+,
see the comment atop the file) and on a Sphinx-shaped page: navigation and tables of contents are no
passage, section paths are the real heading path, code and tables stay with their lead-in."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.ingest.chunking import ChunkConfig, chunk_document
from qa.ingest.html import read_html_layout
from qa.ingest.loading import UnreadableFile, load_file, read_html
from qa.settings import load_settings
from qa.types import Passage

CHAPTER = Path(__file__).resolve().parent.parent / "data" / "debian-reference-ch05-network.en.html"


@pytest.fixture(scope="module")
def passages() -> list[Passage]:
    settings = load_settings({"corpus_dir": CHAPTER.parent, "index_dir": CHAPTER.parent / "none"}, environ={})
    doc = load_file(CHAPTER, CHAPTER.name, settings, {})
    return chunk_document(doc, ChunkConfig())


def test_navigation_and_the_chapters_table_of_contents_are_no_passage(passages: list[Passage]) -> None:
    every = "\n".join(p.text for p in passages)
    assert "Table of Contents" not in every
    assert "5.5.1. Finding optimal MTU" not in every  # a TOC entry of a section this copy does not hold
    assert "Chapter 4. Authentication and access controls" not in every  # the navigation footer's "Prev"
    assert "Prev" not in every and "Next" not in every
    assert not any("Table of Contents" in p.section or "Prev" in p.section for p in passages)


def test_section_paths_are_the_heading_path_with_each_heading_once(passages: list[Passage]) -> None:
    hosts = next(p for p in passages if "/etc/nsswitch.conf" in p.text)
    assert hosts.section == (
        "Chapter 5. Network setup — 5.1. The basic network infrastructure — 5.1.1. The hostname resolution"
    )
    systemd = next(p for p in passages if "DHCP=yes" in p.text)
    assert systemd.section == "Chapter 5. Network setup — 5.3. The modern network configuration without GUI"
    assert all(p.section.count("Chapter 5. Network setup") == 1 for p in passages)


def test_a_pre_block_stays_with_the_sentence_that_introduces_it(passages: list[Passage]) -> None:
    hosts = next(p for p in passages if "127.0.1.1 host_name" in p.text)
    # as a browser shows it: no space inside the quotes around the <code> element
    assert 'For example, "/etc/hosts" looks like the following.\n127.0.0.1 localhost' in hosts.text
    dhcp = next(p for p in passages if "DHCP=yes" in p.text)
    assert "/etc/systemd/network/dhcp.network" in dhcp.text.split("[Match]")[0]


def test_a_table_stays_with_its_title() -> None:
    text, _ = read_html(CHAPTER.read_bytes())
    assert "Table 5.1. List of network configuration tools\npackages | popcon | size | type | description" in text


def test_list_items_keep_their_marks_so_the_steps_can_be_counted() -> None:
    """A browser shows "1." or a bullet before each item; without them the steps read as loose paragraphs and
    "the second one" finds no list."""
    from qa.search.conversation import enumerated_items

    text, _ = read_html(CHAPTER.read_bytes())
    steps = text[text.index("1. Make desktop user") :]
    assert '\n\n2. Keep configuration of "/etc/network/interfaces" as simple' in steps
    assert enumerated_items(steps)[1].startswith('Keep configuration of "/etc/network/interfaces"')
    assert "\n\n- It is equivalent of Apple Bonjour / Apple Rendezvous." in text
    assert "- \n" not in text and "\n- -" not in text  # an item that opens with code gets no stray mark


def test_sphinx_navigation_sidebar_and_anchors_are_left_out() -> None:
    page = (
        b"<html><body><div class='related' role='navigation'><ul><li><a href='genindex.html'>index</a></li>"
        b"<li><a href='next.html'>next</a> |</li><li><a href='prev.html'>previous</a> |</li></ul></div>"
        b"<div class='body' role='main'><section id='s'><h1>5. Managing Packages<a class='headerlink' href='#s'>"
        b"\xc2\xb6</a></h1><p>This chapter is about packages.</p><section id='t'><h2>5.1. New packages"
        b"<a class='headerlink' href='#t'>\xc2\xb6</a></h2><p>File an ITP bug first:</p>"
        b"<div class='highlight'><pre>reportbug wnpp</pre></div></section></section></div>"
        b"<div class='sphinxsidebar' role='navigation'><h3>Table of Contents</h3><ul><li><a href='#s'>5.</a></li>"
        b"</ul></div></body></html>"
    )
    text, layout = read_html(page)
    assert "index" not in text and "previous" not in text and "¶" not in text and "Table of Contents" not in text
    assert "File an ITP bug first:\nreportbug wnpp" in text
    sections = {section for _, _, kind, section in layout.blocks if kind == "text"}
    assert "5. Managing Packages — 5.1. New packages" in sections


def test_a_sphinx_footer_is_left_out_but_a_footer_class_in_the_text_stays() -> None:
    page = (
        b"<html><body><div class='body' role='main'><section id='s'><h1>Timeouts</h1>"
        b"<p>Pass the timeout parameter to stop waiting for a response.</p>"
        b"<p class='footer'>Added in version 2.1 of the library.</p></section></div>"
        b"<div class='footer'>&copy;2022. A Kenneth Reitz Project.</div></body></html>"
    )
    text, _ = read_html(page)
    assert "Kenneth Reitz" not in text
    assert "Pass the timeout parameter" in text and "Added in version 2.1" in text


def test_a_short_page_beside_a_long_sidebar_is_read_not_taken_for_a_contents_page() -> None:
    menu = "".join(f"<li><a href='p{i}.html'>Chapter {i}: a page about topic number {i}</a></li>" for i in range(40))
    page = (
        "<html><body><div class='body' role='main'><section id='g'><h1>githubpages: publish on GitHub Pages</h1>"
        "<p>This extension creates a .nojekyll file in the generated HTML folder so that GitHub Pages publishes "
        "the documents as they are.</p><p>It also writes a CNAME file for a custom domain when html_baseurl is "
        "set.</p></section></div>"
        f"<div class='sphinxsidebar' role='navigation'><h3>Navigation</h3><ul>{menu}</ul></div></body></html>"
    )
    text, layout = read_html(page.encode())
    assert "creates a .nojekyll file" in text and "Chapter 3" not in text
    assert {section for *_, section in layout.blocks} == {"githubpages: publish on GitHub Pages"}


def test_a_manuals_contents_page_is_skipped_with_its_reason() -> None:
    links = "".join(f"<li><a href='ch{i}.html'>Chapter {i}. Topic number {i}</a></li>" for i in range(12))
    page = f"<html><body><div class='navheader'><a href='x'>Next</a></div><ul>{links}</ul></body></html>"
    with pytest.raises(UnreadableFile, match="contents or index page"):
        read_html(page.encode())


def test_a_term_over_its_own_list_of_terms_heads_them_but_a_nested_contents_list_heads_nothing() -> None:
    from bs4 import BeautifulSoup

    from qa.ingest.html import _lists_terms

    page = (
        "<html><body><h1>Builtins</h1><dl>"
        "<dt>read [-r] [-t timeout]</dt><dd>One line is read.<dl>"
        "<dt>-r</dt><dd>Backslash does not act as an escape character.</dd>"
        "<dt>-t timeout</dt><dd>Cause read to time out.</dd><dt>-u fd</dt><dd>Read from fd.</dd></dl></dd>"
        "<dt>shift [n]</dt><dd>The positional parameters are renamed.</dd></dl></body></html>"
    )
    text, layout = read_html(page.encode())
    section = {text[a:b].split("\n")[0]: s for a, b, kind, s in layout.blocks if kind == "text"}
    assert section["-r"] == "Builtins — read [-r] [-t timeout]"  # whose option -r is
    assert section["shift [n]"] == "Builtins"  # after the list, its term's heading is over
    contents = BeautifulSoup(
        '<dl><dt><a href="#a">1. Basics</a></dt><dd><dl><dt><a href="#b">1.1. One</a></dt>'
        '<dt><a href="#c">1.2. Two</a></dt><dt><a href="#d">1.3. Three</a></dt></dl></dd></dl>',
        "lxml",
    )
    assert _lists_terms(contents.find("dt")) is None  # a DocBook contents list nests its links so


def test_a_trail_and_a_language_list_are_left_out_but_arrows_in_the_text_stay() -> None:
    page = (
        b"<html><body><div class='crumbs'><a href='/'>Home</a> &raquo; <a href='/g/'>Guides</a> &raquo; "
        b"<a href='/g/i/'>Install</a> &raquo; Proxies</div>"
        b"<p><span>Languages:</span> <a href='de.html' hreflang='de'>de</a> | "
        b"<a href='fr.html' hreflang='fr'>fr</a></p>"
        b"<h1>Proxies</h1><p>Compare <a href='a'>a</a> &gt; <a href='b'>b</a> &gt; <a href='c'>c</a> by their "
        b"latency before you choose one.</p><div id='footer'>Last updated 2024-05-31</div></body></html>"
    )
    text, _ = read_html(page)
    assert "Home" not in text and "Languages" not in text and "Last updated" not in text
    assert "Compare a > b > c by their latency before you choose one." in text


def test_a_box_of_links_with_its_heading_heads_no_section_after_it() -> None:
    # Apache's quick view: the page's contents and an h3 "See also" over more links, before the sections' h2s.
    links = "".join(f"<li><a href='#s{i}'>Part {i}</a></li>" for i in range(4))
    page = (
        f"<html><body><h1>Stopping</h1><p>How to stop the server.</p><div id='quickview'><ul>{links}</ul>"
        "<h3>See also</h3><ul><li><a href='httpd.html'>httpd</a></li><li><a href='ctl.html'>ctl</a></li></ul></div>"
        "<div class='section'><h2>Graceful Restart</h2><p>Send the USR1 signal to restart gracefully.</p></div>"
        "</body></html>"
    ).encode()
    text, layout = read_html(page)
    assert "See also" not in text and "Part 1" not in text
    sections = {section for _, _, kind, section in layout.blocks if kind == "text"}
    assert "Stopping — Graceful Restart" in sections


def test_a_bold_question_heads_its_answer_and_a_bold_sentence_stays_text() -> None:
    markup = (
        "<h1>FAQ</h1><p><b>(3) Can I share a database between machines?</b></p><p>Yes, with care.</p>"
        "<p><b>Back up the file before you start.</b></p><p>It takes a minute.</p>"
    )
    text, layout = read_html_layout(markup)
    kinds = {text[a:b]: (kind, section) for a, b, kind, section in layout.blocks}
    assert kinds["(3) Can I share a database between machines?"][0] == "heading"
    assert kinds["Yes, with care."][1] == "FAQ — (3) Can I share a database between machines?"
    assert kinds["Back up the file before you start."] == ("text", "FAQ — (3) Can I share a database between machines?")


def test_a_footnote_mark_is_not_glued_to_the_word_before_it() -> None:
    """R's Texinfo manuals ("a suitable<sup>1</sup> tar") and DocBook pages ("example <sup>[2]</sup>:"): the
    mark read as text made "suitable1", which no question's "suitable" matches; the footnote itself stays."""
    page = (
        "<html><body><h1>Getting R</h1>"
        '<p>Unpack it on systems that have a suitable<a id="DOCF1" href="#FOOT1"><sup>1</sup></a> tar installed.</p>'
        '<p>Here is a very simple example <a href="#ftn.id2" class="footnote"><sup class="footnote">[2]</sup></a>:</p>'
        '<p>See <a href="#sec3"><sup>Section 3</sup></a> and x<sup>2</sup> for the rest.</p>'
        '<div class="footnotes"><h4>Footnotes</h4><p><a id="FOOT1" href="#DOCF1">(1)</a> GNU tar will do.</p></div>'
        "</body></html>"
    )
    text, _ = read_html_layout(page)
    assert "a suitable tar installed." in text
    assert "a very simple example:" in text
    assert "See Section 3 and x2 for the rest." in text  # a link that is no footnote mark, and a power, stay
    assert "(1) GNU tar will do." in text
