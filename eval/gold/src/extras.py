"""The extra fields of a hand-written gold row (build.py spreads them into the row), shared by the items files."""

from __future__ import annotations


def page_row(n: int, paraphrase: bool = False, alt: list[str] | None = None) -> dict:
    """A PDF row: the 1-based page index of its evidence, its wording, and any second evidence as good."""
    extra: dict = {"page": n, "wording": "paraphrase" if paraphrase else "plain"}
    if alt:
        extra["evidence_alt"] = alt
    return extra
