"""Paths and URLs that TeX broke at a line end read whole: the Developer's Reference (the unmodified PDF in
eval/corpora, GPL-2) breaks "/usr/share/doc/ocaml/" | "ocaml_packaging_policy.gz" on its page 87. The reader used
to join the two lines with a space, so the highlighted answer gave a path that does not exist."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
import pytest

from qa.assistant import Assistant
from qa.encode.embedder import Embedder
from tests.conftest import make_settings, quoted

MANUAL = Path(__file__).resolve().parents[2] / "eval" / "corpora" / "developers-reference" / "developers-reference.pdf"
PAGES = [85, 86]  # 0-based: "Best practices for packaging" with the special sub-policies


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Assistant:
    corpus = tmp_path_factory.mktemp("devref-pages")
    part = pdfium.PdfDocument.new()
    part.import_pages(pdfium.PdfDocument(MANUAL), PAGES)
    part.save(corpus / "packaging.pdf")
    return Assistant.load(make_settings(corpus, tmp_path_factory.mktemp("devref-index")), embedder=embedder)


def test_a_path_broken_at_a_line_end_is_highlighted_whole(assistant: Assistant) -> None:
    answer = assistant.ask("Where do I find the policy for OCaml packages?")
    top = answer.excerpts[0]
    assert "/usr/share/doc/ocaml/ocaml_packaging_policy.gz" in " ".join(quoted(top))
    assert "/usr/share/doc/ocaml/ ocaml" not in assistant.document("packaging.pdf")[1]
    assert "/usr/share/doc/common-lisp-controller/README.packaging" in assistant.document("packaging.pdf")[1]
