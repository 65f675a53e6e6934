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
