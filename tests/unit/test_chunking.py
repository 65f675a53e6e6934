"""Passages follow the documents' structure; sentences keep abbreviations together."""

from __future__ import annotations

from qa.ingest.chunking import ChunkConfig, chunk_document
from qa.ingest.sentences import split_sentences
from qa.types import Document


def _doc(text: str) -> Document:
    return Document("d.txt", "D", text, "0", "txt")


def test_headings_become_sections_and_footnotes_stay_apart() -> None:
    text = (
        "REMITTANCES\n\nRemittances are money sent home by migrants. They exceed aid.\n\n"
        "¹ Smith (2003) on remittances\n\n"
        "Brain drain\n\nSkilled workers leave poorer countries.\n"
    )
    passages = chunk_document(_doc(text), ChunkConfig(120, 220, 1))
    by_text = {p.text: p.section for p in passages}
    # A section's heading opens its first passage, so a citation shows it and a search can match it.
    assert by_text["REMITTANCES\n\nRemittances are money sent home by migrants. They exceed aid."] == "REMITTANCES"
    assert by_text["¹ Smith (2003) on remittances"] == "REMITTANCES"
    assert by_text["Brain drain\n\nSkilled workers leave poorer countries."] == "Brain drain"


def test_a_citation_line_opens_the_passage_of_the_summary_after_it() -> None:
    citation = "'Remittances are beautiful'? (2008), Rahel Kunz, Third World Quarterly 29(7): 1389-409"
    summary = " ".join(f"Sentence {i} of the summary says what the article finds about remittances." for i in range(14))
    text = f"Remittances\n\n{citation}\n\n{summary}\n\nA short closing paragraph.\n"
    passages = chunk_document(_doc(text), ChunkConfig(120, 220, 1))
    # Alone, the line would be a passage that names the article and says nothing of it.
    assert passages[0].text.startswith(f"Remittances\n\n{citation}\n\nSentence 0 of the summary")
    assert all(p.text != f"Remittances\n\n{citation}" for p in passages)
    assert "".join(p.text for p in passages).count("Sentence 13") >= 1  # nothing lost


def test_a_lead_in_opens_the_passage_of_the_list_it_introduces() -> None:
    body = " ".join(f"Sentence {i} says how local authorities work with migrants in towns." for i in range(9))
    lead = "Three key considerations should guide the way forward as follows:"
    first = "First, local authorities should integrate migration into development planning."
    text = f"Local engagement\n\n{body}\n\n{lead}\n\n{first}\n\nSecond, they should foster links with diasporas.\n"
    passages = chunk_document(_doc(text), ChunkConfig(120, 220, 1))
    # At the end of the passage before, the line promises a list and the excerpt stops before it.
    assert not any(p.text.endswith(lead) for p in passages)
    opening = next(p for p in passages if lead in p.text)
    assert opening.text.startswith(lead) and first in opening.text
    assert passages[0].text.startswith("Local engagement") and "Sentence 8" in passages[0].text


def test_long_paragraph_is_split_at_sentences_with_overlap() -> None:
    sentences = [f"Sentence number {i} talks about topic {i} in some detail here." for i in range(60)]
    text = " ".join(sentences)
    passages = chunk_document(_doc(text), ChunkConfig(40, 80, 1))
    assert len(passages) > 3
    for a, b in zip(passages, passages[1:], strict=False):
        assert b.start < a.end  # one sentence of overlap
        assert a.text.strip().endswith(".")


def test_sentence_splitter_keeps_abbreviations_together() -> None:
    text = "Dr. Black spoke, e.g. on remittances. The U.K. listened! Did it act? Yes."
    spans = split_sentences(text)
    assert [text[a:b] for a, b in spans] == [
        "Dr. Black spoke, e.g. on remittances.",
        "The U.K. listened!",
        "Did it act?",
        "Yes.",
    ]


def test_a_command_line_stays_one_sentence_and_no_text_is_lost() -> None:
    """ "..." before an option does not end a sentence, and a fragment too short to stand alone ("-s", "12")
    joins the sentence before it on its line instead of vanishing from every highlight."""
    from qa.ingest.sentences import split_sentences

    text = "Compare two versions with\nconvert-ly --from=... --to=... -s\nCosts rose 5%. Ok. 12"
    assert [text[a:b] for a, b in split_sentences(text)] == [
        "Compare two versions with",
        "convert-ly --from=... --to=... -s",
        "Costs rose 5%.",
        "Ok. 12",
    ]
    prose = "He left. It rained."
    assert [prose[a:b] for a, b in split_sentences(prose)] == ["He left.", "It rained."]


# Plain text wrapped at 70 columns, as the Debian FAQ's debian-faq.en.txt (w3m's rendering) and RFCs and READMEs
# are: a sentence goes on over line breaks, a command under its lead-in is indented deeper.
WRAPPED = """The Debian GNU/Linux FAQ

---------------------------------------------------------------------

Table of Contents

1. Definitions and overview
    1.1. What is this FAQ?
    1.2. What is Debian GNU/Linux?
    1.3. OK, now I know what Debian is... what is Linux?!
    1.4. Does Debian just do GNU/Linux?
    1.5. What is the difference between Debian GNU/Linux and other
    Linux distributions?
2. Getting and installing Debian GNU/Linux
    2.1. What is the latest version of Debian?

1.2. What is Debian GNU/Linux?

    The Debian Project was created by Ian Murdock in 1993, initially
    under the sponsorship of the Free Software Foundation's GNU
    project. Today, its developers think of it as a descendent.

      * full featured: Debian includes more than 59100 software
        packages at present.

      * dynamic: With about 1012 volunteers, Debian is evolving.

1.5. What is the difference between Debian GNU/Linux and other Linux
distributions?

    To install the foo package and all its dependencies, run:

        apt install foo

    The package is then ready to be used by everyone on the system.
"""


def test_wrapped_text_keeps_sentences_whole_and_its_titles_contents_and_commands_apart() -> None:
    passages = chunk_document(_doc(WRAPPED), ChunkConfig(120, 220, 1))
    every = [" ".join(p.text[a - p.start : b - p.start].split()) for p in passages for a, b in p.sentences]
    assert (
        "The Debian Project was created by Ian Murdock in 1993, initially under the sponsorship of the Free "
        "Software Foundation's GNU project." in every
    )
    assert "* full featured: Debian includes more than 59100 software packages at present." in every
    assert "* dynamic: With about 1012 volunteers, Debian is evolving." in every  # an item is not the last one's
    assert "apt install foo" in every and "To install the foo package and all its dependencies, run:" in every
    sections = {p.section for p in passages}
    assert "1.2. What is Debian GNU/Linux?" in sections  # a title that asks is a title
    assert any(s.endswith("1.5. What is the difference between Debian GNU/Linux and other Linux distributions?")
               for s in sections)  # fmt: skip
    assert not any("-----" in s or "apt install" in s for s in sections)
    assert not any("1.1. What is this FAQ?" in p.text for p in passages)  # the contents


def test_text_with_a_paragraph_on_each_line_is_not_taken_for_wrapped() -> None:
    from qa.ingest.chunking import is_wrapped

    lines = [f"Paragraph {i} says that remittances grew, and aid fell, in year {2000 + i}." for i in range(12)]
    assert not is_wrapped("\n\n".join(lines))
    assert is_wrapped(WRAPPED * 2)
    assert split_sentences("first line\nsecond line", wrapped=False) == [(0, 10), (11, 22)]


def test_a_numbered_list_is_neither_contents_nor_titles() -> None:
    """The shipped report's recommendations ("21. Aid initiatives can support …, provided they:") are a
    numbered list: its items stay text, in the passages, as they were before contents were left out."""
    items = "\n".join(f"{n}. The report recommends measure {n} for migrants and their families." for n in range(1, 11))
    text = f"Recommendations\n\n{items}\n\n21. Aid initiatives can support remittances, provided they:\n"
    passages = chunk_document(_doc(text), ChunkConfig(120, 220, 1))
    assert "7. The report recommends measure 7" in " ".join(p.text for p in passages)
    assert {p.section for p in passages} == {"Recommendations"}


def test_numbered_titles_nest_by_their_numbers() -> None:
    from qa.ingest.chunking import NumberedTitles

    titles = NumberedTitles()
    assert titles.path("Chapter 7. Basics of the Debian package management system") == (
        "Chapter 7. Basics of the Debian package management system"
    )
    assert titles.path("7.12. How do I put a package on hold?") == (
        "Chapter 7. Basics of the Debian package management system — 7.12. How do I put a package on hold?"
    )
    assert titles.path("7.12.1. With dpkg").endswith("7.12. How do I put a package on hold? — 7.12.1. With dpkg")
    assert titles.path("8.1. What programs does Debian provide?") == "8.1. What programs does Debian provide?"
    assert titles.path("Acknowledgements") is None


def test_a_paragraph_with_an_indented_first_line_reads_as_one_sentence() -> None:
    """The GPL's text (/usr/share/common-licenses/GPL-3): a paragraph's first line is indented two spaces, the
    lines after it start at the margin."""
    text = (
        "  You may charge any price or no price for each copy that you convey,\n"
        "and you may offer support or warranty protection for a fee.\n"
        "        a deeper line is a command"
    )
    shown = [text[a:b] for a, b in split_sentences(text, wrapped=True)]
    assert shown[0] == (
        "You may charge any price or no price for each copy that you convey,\n"
        "and you may offer support or warranty protection for a fee."
    )
    assert shown[1] == "a deeper line is a command"


def test_a_one_letter_option_alone_on_its_line_is_kept_as_the_name_of_what_follows() -> None:
    # an option list as HTML writes it (<dt>-e</dt><dd>Exit …</dd>): dropped as a fragment, a passage that opened
    # with "Exit immediately …" would not say it is -e's description
    text = "enabled.\n\n-e\nExit immediately if a command fails.\n\n-x\nPrint commands.\n-\nab"
    assert [text[a:b] for a, b in split_sentences(text)] == [
        "enabled.",
        "-e",
        "Exit immediately if a command fails.",
        "-x",
        "Print commands.",
    ]  # a lone dash or two letters stay fragments, dropped
