"""The extra fields of a hand-written gold row (build.py spreads them into the row), shared by the items files."""

from __future__ import annotations


def page_row(n: int, paraphrase: bool = False, alt: list[str] | None = None) -> dict:
    """A PDF row: the 1-based page index of its evidence, its wording, and any second evidence as good."""
    extra: dict = {"page": n, "wording": "paraphrase" if paraphrase else "plain"}
    if alt:
        extra["evidence_alt"] = alt
    return extra


def doc_row(doc: str, paraphrase: bool = False, alt: list[str] | None = None) -> dict:
    """An HTML row: the page holding its evidence (relative to the corpus folder), its wording, and any second
    evidence as good."""
    extra: dict = {"doc": doc, "wording": "paraphrase" if paraphrase else "plain"}
    if alt:
        extra["evidence_alt"] = alt
    return extra
