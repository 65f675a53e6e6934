"""Write eval/gold/debian-reference.jsonl, gle-manual.jsonl, developers-reference.jsonl, lilypond-usage.jsonl,
debian-handbook.jsonl, gnuplot-manual.jsonl, sphinx-usage.jsonl and git-guides.jsonl from the hand-written rows in
this folder, checking every evidence against the document as a reader shows it (no model is run).

    python eval/gold/src/build.py          # check and write the files
    python eval/gold/src/build.py --check  # check only

Checks: the evidence (and any evidence_alt) is in the visible text (HTML: the page's text with markup and
navigation gone; PDF: pypdfium2's text of the page given, or of some page), whitespace-insensitively, never
across a hyphenated line break; it occurs once (so its span is the place meant); the answer is a substring of
the evidence; a row marked "wording": "paraphrase" shares at most one content word with its evidence.
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
DH_DIR = ROOT / "eval" / "corpora" / "debian-handbook"
GLE_PDF = ROOT / "eval" / "corpora" / "gle-manual" / "gle-manual.pdf"
DEVREF_PDF = ROOT / "eval" / "corpora" / "developers-reference" / "developers-reference.pdf"
LILY_PDF = ROOT / "eval" / "corpora" / "lilypond-usage" / "lilypond-usage.pdf"
GNUPLOT_PDF = ROOT / "eval" / "corpora" / "gnuplot-manual" / "gnuplot.pdf"
SX_DIR = ROOT / "eval" / "corpora" / "sphinx-usage"
GG_DIR = ROOT / "eval" / "corpora" / "git-guides"
PDFS = {
    "gle-manual.pdf": GLE_PDF,
    "developers-reference.pdf": DEVREF_PDF,
    "lilypond-usage.pdf": LILY_PDF,
    "gnuplot.pdf": GNUPLOT_PDF,
}
# Function words and question words that say nothing about the content (for the paraphrase check).
STOPWORDS = set(
    """a an the and or but if of to in on at by for from with without into onto over under about above after
    before between through during up down out off as is are was were be been being am do does did done have has
    had having can could may might must shall should will would i me my mine we our you your he she it its they
    them their this that these those there here what which who whom whose when where why how whether not no
    nor so than then too very just also only own same some any all each every both few more most other such
    s t don t ll ve re d m o y one it's i'm i've i'll""".split()
)


@cache
def html_text(page: Path) -> str:
    """What a browser shows of the page's body, whitespace collapsed."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    for tag in soup(["script", "style", "head"]):
        tag.decompose()
    return re.sub(r"\s+", " ", soup.get_text())


@cache
def pdf_pages(doc: str) -> list[str]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(PDFS[doc]))
    return [pdf[i].get_textpage().get_text_bounded() for i in range(len(pdf))]


def content_words(text: str) -> set[str]:
    """Crudely stemmed content words: enough to tell a low-overlap paraphrase from a reworded copy."""
    words = set()
    for w in re.findall(r"[a-z][a-z0-9']*", text.lower()):
        w = w.removesuffix("'s")
        if w in STOPWORDS or len(w) < 3:
            continue
        for suffix in ("ing", "ed", "es", "s", "e"):
            if len(w) - len(suffix) >= 3 and w.endswith(suffix):
                w = w[: -len(suffix)]
                break
        words.add(w)
    return words


def occurrences(text: str, evidence: str) -> int:
    count, offset = 0, 0
    while (found := locate(text[offset:], evidence)) is not None:
        count += 1
        offset += found[1]
    return count


def check_paraphrase(row: dict, problems: list[str]) -> None:
    if row.get("wording") == "paraphrase":
        shared = content_words(row["question"]) & content_words(row["evidence"])
        if len(shared) > 1:
            problems.append(f"{row['id']}: a paraphrase shares {sorted(shared)} with its evidence")


def check_html(row: dict, problems: list[str], folder: Path = DR_DIR) -> None:
    text = html_text(folder / row["doc"])
    n = occurrences(text, row["evidence"])
    if n != 1:
        problems.append(f"{row['id']}: evidence found {n} times in {row['doc']}: {row['evidence'][:70]!r}")
    check_paraphrase(row, problems)


def check_pdf(row: dict, problems: list[str]) -> None:
    pages = pdf_pages(row["doc"])
    for label, evidence in [("evidence", row["evidence"])] + [("evidence_alt", a) for a in row.get("evidence_alt", [])]:
        hits = [i + 1 for i, p in enumerate(pages) if locate(p, evidence) is not None]
        total = sum(occurrences(p, evidence) for p in pages)
        if not hits:
            problems.append(f"{row['id']}: {label} on no page: {evidence[:70]!r}")
        elif total != 1:
            problems.append(f"{row['id']}: {label} found {total} times (pages {hits}): {evidence[:70]!r}")
        for i in hits:
            start, end = locate(pages[i - 1], evidence)
            if "\x02" in pages[i - 1][start:end]:  # pypdfium2's mark of a hyphen at a line end
                problems.append(f"{row['id']}: {label} spans a hyphenated line break on page {i}")
        if label == "evidence" and row.get("page") is not None and hits and row["page"] not in hits:
            problems.append(f"{row['id']}: page {row['page']} but the evidence is on page(s) {hits}")
    check_paraphrase(row, problems)


def rows_for(items: list[tuple], doc_name, split_of, pdf: bool, folder: Path = DR_DIR) -> tuple[list[dict], list[str]]:
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
            if pdf:
                check_pdf(row, problems)
            else:
                check_html(row, problems, folder)
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
    import developers_reference_items as devref

    devref_rows, problems = rows_for(
        devref.ITEMS,
        lambda c: "developers-reference.pdf",
        lambda c: "test" if c in devref.TEST_CHAPTERS else "tune",
        pdf=True,
    )
    all_problems += problems
    out["developers-reference"] = devref_rows
    import lilypond_usage_items as lily

    lily_rows, problems = rows_for(
        lily.ITEMS, lambda c: "lilypond-usage.pdf", lambda c: "test" if c in lily.TEST_CHAPTERS else "tune", pdf=True
    )
    all_problems += problems
    out["lilypond-usage"] = lily_rows
    import debian_handbook_items as dh

    dh_rows, problems = rows_for(
        dh.ITEMS,
        lambda c: f"{c}.html",  # a row's extra names the section page holding its evidence
        lambda c: "test" if c in dh.TEST_CHAPTERS else "tune",
        pdf=False,
        folder=DH_DIR,
    )
    all_problems += problems
    out["debian-handbook"] = dh_rows
    import gnuplot_manual_items as gp
    import sphinx_usage_items as sx

    gp_rows, problems = rows_for(gp.ITEMS, lambda c: "gnuplot.pdf", lambda c: "test", pdf=True)
    all_problems += problems
    out["gnuplot-manual"] = gp_rows
    sx_rows, problems = rows_for(sx.ITEMS, lambda c: None, lambda c: "test", pdf=False, folder=SX_DIR)
    all_problems += problems
    out["sphinx-usage"] = sx_rows
    import git_guides_items as gg

    gg_rows, problems = rows_for(gg.ITEMS, lambda c: None, lambda c: "test", pdf=False, folder=GG_DIR)
    all_problems += problems
    out["git-guides"] = gg_rows
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
