"""Write eval/gold/debian-reference.jsonl and eval/gold/gle-manual.jsonl from the hand-written rows in this
folder, checking every evidence against the document as a reader shows it (no model is run).

    python eval/gold/src/build.py          # check and write both files
    python eval/gold/src/build.py --check  # check only

Checks: the evidence is in the visible text (HTML: the page's text with markup and navigation gone; PDF:
pypdfium2's text of the page given, or of some page), whitespace-insensitively; it occurs once (so its span
is the place meant); the answer is a substring of the evidence.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from qa.evaluation.metrics import locate  # noqa: E402

DR_DIR = ROOT / "eval" / "corpora" / "debian-reference"
GLE_PDF = ROOT / "eval" / "corpora" / "gle-manual" / "gle-manual.pdf"


@cache
def html_text(stem: str) -> str:
    """What a browser shows of the page's body, whitespace collapsed."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup((DR_DIR / f"{stem}.en.html").read_text(encoding="utf-8"), "html.parser")
    for tag in soup(["script", "style", "head"]):
        tag.decompose()
    return re.sub(r"\s+", " ", soup.get_text())


@cache
def pdf_pages() -> list[str]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(GLE_PDF))
    return [pdf[i].get_textpage().get_text_bounded() for i in range(len(pdf))]


def occurrences(text: str, evidence: str) -> int:
    count, offset = 0, 0
    while (found := locate(text[offset:], evidence)) is not None:
        count += 1
        offset += found[1]
    return count


def check_html(row: dict, problems: list[str]) -> None:
    text = html_text(row["doc"].removesuffix(".en.html"))
    n = occurrences(text, row["evidence"])
    if n != 1:
        problems.append(f"{row['id']}: evidence found {n} times in {row['doc']}: {row['evidence'][:70]!r}")


def check_pdf(row: dict, problems: list[str]) -> None:
    pages = pdf_pages()
    hits = [i + 1 for i, p in enumerate(pages) if locate(p, row["evidence"]) is not None]
    total = sum(occurrences(p, row["evidence"]) for p in pages)
    if not hits:
        problems.append(f"{row['id']}: evidence on no page: {row['evidence'][:70]!r}")
    elif total != 1:
        problems.append(f"{row['id']}: evidence found {total} times (pages {hits}): {row['evidence'][:70]!r}")
    for i in hits:
        start, end = locate(pages[i - 1], row["evidence"])
        if "\x02" in pages[i - 1][start:end]:  # pypdfium2's mark of a hyphen at a line end
            problems.append(f"{row['id']}: evidence spans a hyphenated line break on page {i}")
    if row.get("page") is not None and hits and row["page"] not in hits:
        problems.append(f"{row['id']}: page {row['page']} but the evidence is on page(s) {hits}")


def rows_for(items: list[tuple], doc_name, split_of, pdf: bool) -> tuple[list[dict], list[str]]:
    rows, problems = [], []
    for item in items:
        qid, question, chapter, evidence, answer, kind, *rest = item
        extra = rest[-1] if rest and isinstance(rest[-1], dict) else {}
        conv = rest[0] if rest and not isinstance(rest[0], dict) else None
        turn = rest[1] if len(rest) > 1 and not isinstance(rest[1], dict) else None
        row = {
            "id": qid,
            "question": question,
            "doc": doc_name(chapter) if evidence is not None else None,
            "evidence": evidence,
            "answer": answer,
            "kind": kind,
            "split": split_of(chapter),
            "conversation": conv,
            "turn": turn,
            "chapter": chapter,
            **extra,
        }
        if evidence is None and kind != "unanswerable":
            problems.append(f"{qid}: no evidence but kind {kind}")
        if answer is not None and (evidence is None or answer not in evidence):
            problems.append(f"{qid}: answer {answer!r} is not in the evidence")
        if evidence is not None:
            (check_pdf if pdf else check_html)(row, problems)
        rows.append(row)
    return rows, problems


def write_jsonl(path: Path, rows: list[dict]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    tmp.replace(path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="check only, write nothing")
    args = parser.parse_args()
    import debian_reference_items as dr

    all_problems = []
    dr_rows, problems = rows_for(
        dr.ITEMS, lambda c: f"{c}.en.html", lambda c: "test" if c in dr.TEST_CHAPTERS else "tune", pdf=False
    )
    all_problems += problems
    out = {"debian-reference": dr_rows}
    try:
        import gle_manual_items as gle
    except ImportError:
        gle = None
    if gle is not None:
        gle_rows, problems = rows_for(
            gle.ITEMS, lambda c: "gle-manual.pdf", lambda c: "test" if c in gle.TEST_CHAPTERS else "tune", pdf=True
        )
        all_problems += problems
        out["gle-manual"] = gle_rows
    for line in all_problems:
        print(line)
    for name, rows in out.items():
        kinds = {}
        for r in rows:
            kinds[r["kind"]] = kinds.get(r["kind"], 0) + 1
        print(name, len(rows), kinds, {s: sum(r["split"] == s for r in rows) for s in ("tune", "test")})
        if not args.check and not all_problems:
            write_jsonl(ROOT / "eval" / "gold" / f"{name}.jsonl", rows)
    return 1 if all_problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
