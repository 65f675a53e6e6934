"""SQuAD 2.0 (official JSON): paragraph retrieval, answer in the top excerpt, and abstention.

Every paragraph is indexed as one document (id ``<article>__<n>`` as in the bench's beir_format,
title the article's, text the paragraph exactly). Each question is asked on its own through the
assistant, as a user would ask it. Scored:

- paragraph hit@1/3/5 and MRR@10 on answerable questions (an excerpt of the question's paragraph);
- answer in top excerpt: any gold answer string, case-insensitive, inside the top excerpt's text;
- abstention on unanswerable questions against always abstaining (52.1% of the full labelled half);
- right behaviour: the answer in the top excerpt when answerable (and not abstained), abstained when not;
- an abstention curve over thresholds, from the confidences of the one run.
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qa.answer.compose import quoted_text
from qa.evaluation import metrics
from qa.types import Document

ALWAYS_ABSTAIN_BASELINE = 0.521  # 3,168 unanswerable of 6,078 questions (../shared/bench/README.md)
SAMPLE_SEED = 20240521
CALIBRATION_QUESTIONS = 1200  # questions outside the evaluated sample that --calibrate fits on
EVAL_DEPTH = 10


class SquadError(ValueError):
    """The file is not SQuAD 2.0 JSON."""


@dataclass
class SquadQuestion:
    id: str
    question: str
    paragraph: str  # doc id of its paragraph
    article: str
    answerable: bool
    answers: list[str]


def load_squad(path: Path) -> tuple[list[Document], list[SquadQuestion]]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        articles = data["data"]
    except FileNotFoundError:
        raise SquadError(f"no such file: {path}") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SquadError(f"{path} is not SQuAD JSON ({type(exc).__name__}: {exc})") from None
    docs: list[Document] = []
    questions: list[SquadQuestion] = []
    for article in articles:
        title = str(article.get("title", ""))
        for i, para in enumerate(article.get("paragraphs", [])):
            doc_id = f"{title}__{i}"
            context = para["context"]
            digest = hashlib.sha256(context.encode("utf-8")).hexdigest()
            docs.append(Document(doc_id, title.replace("_", " "), context, digest, "squad"))
            for qa in para.get("qas", []):
                impossible = bool(qa.get("is_impossible", False))
                answers = [] if impossible else sorted({a["text"] for a in qa.get("answers", []) if a.get("text")})
                questions.append(
                    SquadQuestion(
                        str(qa["id"]), qa["question"], doc_id, title, not impossible and bool(answers), answers
                    )
                )
    if not docs:
        raise SquadError(f"{path} holds no paragraphs")
    return docs, questions


def sample(questions: list[SquadQuestion], limit: int | None, seed: int = SAMPLE_SEED) -> list[SquadQuestion]:
    """A deterministic random sample of ``limit`` questions, kept in file order."""
    if not limit or limit >= len(questions):
        return list(questions)
    picked = sorted(random.Random(seed).sample(range(len(questions)), limit))
    return [questions[i] for i in picked]


def calibration_sample(
    questions: list[SquadQuestion], evaluated: list[SquadQuestion], limit: int = CALIBRATION_QUESTIONS
) -> list[SquadQuestion]:
    """Questions to fit the confidence model on: a deterministic sample of those not being evaluated, so
    the held-out figure is measured on questions the fit never saw."""
    taken = {q.id for q in evaluated}
    return sample([q for q in questions if q.id not in taken], limit, seed=SAMPLE_SEED + 1)


def run_squad(
    assistant: Any,
    questions: list[SquadQuestion],
    show_progress: bool = True,
    features: bool = False,
    split: str = "evaluated",
) -> list[dict[str, Any]]:
    """One record per question; ``features`` adds the confidence model's inputs (for ``--calibrate``) and
    ``split`` says which part of a calibration the questions are ("dev": fitted on)."""
    from tqdm.auto import tqdm

    from qa.evaluation.gold import confidence_features

    depth = max(EVAL_DEPTH, assistant.settings.top_k)
    eval_settings = assistant.settings.replace(top_k=depth)
    assistant.ask("warm-up question", top_k=depth)
    records = []
    desc = "squad calibration questions" if split == "dev" else "squad questions"
    for q in tqdm(questions, desc=desc, unit="q", disable=not show_progress, file=sys.stderr):
        ans = assistant.ask(q.question, top_k=depth)
        docs = [e.passage.doc_id for e in ans.excerpts]
        rank = metrics.first_doc_rank(docs, q.paragraph) if q.answerable else None
        in_top = bool(q.answerable and ans.excerpts and metrics.answer_in_text(q.answers, ans.excerpts[0].passage.text))
        top = ans.excerpts[0] if ans.excerpts else None
        quoted = bool(q.answerable and top and metrics.answer_in_text(q.answers, quoted_text(top)))
        records.append(
            {
                "id": q.id,
                "question": q.question,
                "article": q.article,
                "paragraph": q.paragraph,
                "answerable": q.answerable,
                "kind": "answerable" if q.answerable else "unanswerable",
                "answers": q.answers[:3],
                "rank": rank,
                "paragraph_in_top_docs": q.paragraph in docs,
                "answer_in_top": in_top,
                "answer_quoted": quoted,
                "abstained": bool(ans.abstained),
                "confidence": float(ans.confidence),
                "latency_ms": float(ans.timings_ms.get("total", 0.0)),
                "top": metrics.top_excerpts(ans.excerpts),
                "split": split,
            }
        )
        if features:
            records[-1]["features"] = confidence_features(assistant, ans.question, ans.query, eval_settings)
    return records


def summarize_squad(records: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """(headline, breakdown by answerable/article, curves)."""
    headline = metrics.summarize(records)
    n_unans = sum(1 for r in records if not r["answerable"])
    headline["always_abstain_baseline"] = ALWAYS_ABSTAIN_BASELINE
    headline["always_abstain_sample"] = n_unans / len(records) if records else None
    # For unanswerable questions, how often the question's own paragraph still comes first.
    unans = [r for r in records if not r["answerable"]]
    headline["unanswerable_source_paragraph_top1"] = (
        metrics.mean(bool(r["top"]) and r["top"][0]["doc"] == r["paragraph"] for r in unans) if unans else None
    )
    curve = metrics.threshold_curve(records)
    best = max(curve, key=lambda c: c["right_behaviour"] or 0.0)
    headline["best_threshold_in_sample"] = best["threshold"]
    headline["best_right_behaviour_in_sample"] = best["right_behaviour"]
    groups = metrics.breakdown(records, ("kind", "article"))
    curves = {"hit_at_k": metrics.hit_curve([r["rank"] for r in records if r["answerable"]]), "threshold": curve}
    return headline, groups, curves
