"""Gold questions: load and check a JSON Lines file, ask every question, score the answers.

The file format is the contract in ARCHITECTURE.md. Questions of one ``conversation`` are asked in
``turn`` order in one chat session, so follow-ups are resolved against the earlier turns as a user's
would be; every other question is asked on its own, without history, unless it carries a ``history`` (the
earlier questions of the chat it was asked in, as strings or ``{"question": …}`` objects, as a user's marks
keep them): those are asked first in its chat, unscored.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qa.evaluation import metrics
from qa.ingest.loading import UnreadableFile, load_file, load_titles
from qa.settings import Settings

# Excerpts requested per question: enough for hit@5 and MRR@10. Excerpt selection is greedy MMR with
# the best passage first, so the first ``top_k`` of these are exactly what a user with ``top_k`` sees.
EVAL_DEPTH = 10
GROUP_KEYS = ("kind", "doc", "turn", "split")
# Splits a calibration may fit on: "dev" (the shipped gold set) or "tune" (the real-manual gold sets, whose
# other split is "test"); every other split is held out.
FIT_SPLITS = ("dev", "tune")


class GoldError(ValueError):
    """The gold file cannot be used; ``problems`` lists every line that is wrong and why."""

    def __init__(self, path: Path, problems: list[str]):
        self.problems = problems
        shown = "\n  ".join(problems[:30]) + (f"\n  … and {len(problems) - 30} more" if len(problems) > 30 else "")
        super().__init__(f"gold file {path}: {len(problems)} problem(s):\n  {shown}")


@dataclass
class GoldItem:
    id: str
    question: str
    doc: str | None
    evidence: str | None
    answer: str | None
    kind: str
    split: str
    conversation: str | None
    turn: int | None
    evidence_alt: list[str] = field(default_factory=list)
    history: list[str] = field(default_factory=list)  # earlier questions, replayed unscored before this one
    line: int = 0
    spans: list[metrics.Span] = field(default_factory=list)  # evidence then evidence_alt, located

    @property
    def answerable(self) -> bool:
        return self.doc is not None

    @property
    def turn_type(self) -> str:
        return "follow-up" if (self.turn is not None and self.turn > 1) or self.history else "first"


def _text_field(row: dict[str, Any], key: str, problems: list[str], where: str, required: bool = False) -> str | None:
    value = row.get(key)
    if value is None:
        if required:
            problems.append(f"{where}: '{key}' is missing")
        return None
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{where}: '{key}' must be a non-empty string")
        return None
    return value


def load_gold(path: Path, settings: Settings) -> list[GoldItem]:
    """Read, check and locate every question; raises GoldError listing all problems at once."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise GoldError(Path(path), [f"cannot read: {exc}"]) from None
    problems: list[str] = []
    items: list[GoldItem] = []
    titles = load_titles(settings.corpus_dir)
    texts: dict[str, str | None] = {}
    seen: set[str] = set()
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"line {lineno}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"{where}: not JSON ({exc.msg})")
            continue
        if not isinstance(row, dict):
            problems.append(f"{where}: not a JSON object")
            continue
        qid = row.get("id")
        if not isinstance(qid, str) or not qid:
            problems.append(f"{where}: 'id' must be a non-empty string")
            continue
        where = f"line {lineno} ({qid})"
        if qid in seen:
            problems.append(f"{where}: duplicate id")
        seen.add(qid)
        question = _text_field(row, "question", problems, where, required=True)
        doc = _text_field(row, "doc", problems, where)
        evidence = _text_field(row, "evidence", problems, where)
        answer = _text_field(row, "answer", problems, where)
        alts = row.get("evidence_alt") or []
        if not isinstance(alts, list) or not all(isinstance(a, str) and a for a in alts):
            problems.append(f"{where}: 'evidence_alt' must be a list of non-empty strings")
            alts = []
        if (doc is None) != (evidence is None):
            problems.append(f"{where}: 'doc' and 'evidence' must both be set or both be null")
        if doc is None and (answer is not None or alts):
            problems.append(f"{where}: an unanswerable item (doc null) cannot have 'answer' or 'evidence_alt'")
        if answer is not None and evidence is not None and answer not in evidence:
            problems.append(f"{where}: 'answer' is not a substring of 'evidence'")
        conversation, turn = _conversation_turn(row, problems, where)
        history = _history(row, problems, where)
        kind = row.get("kind") or ("unanswerable" if doc is None else "answerable")
        split = row.get("split") or "all"
        item = GoldItem(
            id=qid,
            question=question or "",
            doc=doc,
            evidence=evidence,
            answer=answer,
            kind=str(kind),
            split=str(split),
            conversation=conversation,
            turn=turn,
            evidence_alt=list(alts),
            history=history,
            line=lineno,
        )
        if doc is not None and evidence is not None:
            if doc not in texts:
                texts[doc] = _document_text(doc, settings, titles, problems, where)
            _locate(item, texts[doc], problems, where)
        items.append(item)
    problems.extend(_conversation_problems(items))
    if not items and not problems:
        problems.append("no questions in the file")
    if problems:
        raise GoldError(Path(path), problems)
    return items


def _conversation_turn(row: dict[str, Any], problems: list[str], where: str) -> tuple[str | None, int | None]:
    conversation = row.get("conversation")
    turn = row.get("turn")
    if conversation is not None and not isinstance(conversation, str):
        conversation = str(conversation)
    if conversation is None and turn is not None:
        problems.append(f"{where}: 'turn' is set without a 'conversation'")
    if conversation is not None and (not isinstance(turn, int) or isinstance(turn, bool) or turn < 1):
        problems.append(f"{where}: 'turn' must be a whole number >= 1 in a conversation")
        turn = None
    return conversation, turn


def _history(row: dict[str, Any], problems: list[str], where: str) -> list[str]:
    """Earlier questions: strings, or objects whose ``question`` is one (a mark keeps the answers too)."""
    raw = row.get("history") or []
    questions = [h.get("question") if isinstance(h, dict) else h for h in raw] if isinstance(raw, list) else None
    if questions is None or not all(isinstance(q, str) and q.strip() for q in questions):
        problems.append(f"{where}: 'history' must be a list of questions (strings or {{\"question\": …}})")
        return []
    if questions and row.get("conversation") is not None:
        problems.append(f"{where}: an item in a 'conversation' has its history there; drop 'history'")
    return questions


def _locate(item: GoldItem, text: str | None, problems: list[str], where: str) -> None:
    """The spans of the item's evidence (and its alternatives) in its document's text, which must hold them."""
    if text is None or item.doc is None or item.evidence is None:
        return
    alts = item.evidence_alt
    for label, ev in [("evidence", item.evidence)] + [(f"evidence_alt[{i}]", a) for i, a in enumerate(alts)]:
        if metrics.locate(text, ev) is None:
            problems.append(f"{where}: {label} is not in {item.doc} (whitespace aside): {ev[:60]!r}")
    item.spans = metrics.find_spans(text, item.doc, [item.evidence, *alts])


def _document_text(doc: str, settings: Settings, titles: dict[str, str], problems: list[str], where: str) -> str | None:
    path = settings.corpus_dir / doc
    if not path.resolve().is_relative_to(settings.corpus_dir.resolve()) or not path.is_file():
        problems.append(f"{where}: document {doc!r} is not in the corpus folder {settings.corpus_dir}")
        return None
    try:
        return load_file(path, doc, settings, titles).text
    except (UnreadableFile, OSError, KeyError) as exc:
        problems.append(f"{where}: document {doc!r} cannot be loaded ({exc})")
        return None


def _conversation_problems(items: list[GoldItem]) -> list[str]:
    turns: dict[str, list[int]] = {}
    for it in items:
        if it.conversation is not None and it.turn is not None:
            turns.setdefault(it.conversation, []).append(it.turn)
    out = []
    for conv, numbers in turns.items():
        if sorted(numbers) != list(range(1, len(numbers) + 1)):
            out.append(f"conversation {conv}: turns {sorted(numbers)} are not 1..{len(numbers)}")
    return out


def schedule(items: list[GoldItem]) -> list[list[GoldItem]]:
    """Sessions to run: each conversation in turn order as one session, other items alone; file order."""
    sessions: list[list[GoldItem]] = []
    by_conv: dict[str, list[GoldItem]] = {}
    for it in items:
        if it.conversation is None:
            sessions.append([it])
        elif it.conversation not in by_conv:
            by_conv[it.conversation] = [it]
            sessions.append(by_conv[it.conversation])
        else:
            by_conv[it.conversation].append(it)
    for conv_items in by_conv.values():
        conv_items.sort(key=lambda i: i.turn or 0)
    return sessions


def score_answer(item: GoldItem, answer: Any) -> dict[str, Any]:
    """One item's record: first-hit rank, answer in the top excerpt, abstention, latency, top three."""
    excerpts = answer.excerpts
    spans = [(e.passage.doc_id, e.passage.start, e.passage.end) for e in excerpts]
    rank = metrics.first_hit_rank(spans, item.spans) if item.answerable else None
    if not item.answerable or not excerpts:
        in_top = False
    elif item.answer is not None:
        in_top = metrics.answer_in_text(item.answer, excerpts[0].passage.text)
    else:  # no short answer given: the top excerpt must hit the evidence
        in_top = rank == 1
    top = excerpts[0] if excerpts else None
    quoted = bool(item.answerable and top and metrics.quoted_hits(top.passage.doc_id, top.highlights, item.spans))
    return {
        "id": item.id,
        "question": item.question,
        "query": answer.query,
        "kind": item.kind,
        "split": item.split,
        "doc": item.doc,
        "turn": item.turn_type,
        "conversation": item.conversation,
        "answerable": item.answerable,
        "evidence_start": item.spans[0][1] if item.spans else None,
        "evidence_len": item.spans[0][2] - item.spans[0][1] if item.spans else None,
        "answer": item.answer,
        "rank": rank,
        "answer_in_top": in_top,
        "answer_quoted": quoted,
        "abstained": bool(answer.abstained),
        "confidence": float(answer.confidence),
        "latency_ms": float(answer.timings_ms.get("total", 0.0)),
        "timings_ms": {k: round(float(v), 3) for k, v in answer.timings_ms.items()},
        "message": answer.message,
        "top": metrics.top_excerpts(excerpts),
    }


def confidence_features(assistant: Any, question: str, query: str, settings: Settings) -> dict[str, float] | None:
    """The confidence model's features for ``query`` as ``Assistant.ask`` computes them."""
    if not query:
        return None
    found = assistant.retriever.search(query, settings, asked=question)
    if not found.candidates:
        return None
    values = assistant.confidence.features(question, *assistant.confidence_evidence(found))
    return {k: float(v) for k, v in values.items()}


def run_gold(
    assistant: Any, items: list[GoldItem], show_progress: bool = True, features: bool = False
) -> list[dict[str, Any]]:
    """Ask every item (conversations turn by turn in one chat) and return records in file order."""
    from tqdm.auto import tqdm

    depth = max(EVAL_DEPTH, assistant.settings.top_k)
    eval_settings = assistant.settings.replace(top_k=depth)
    assistant.ask("warm-up question", top_k=depth)  # first-call costs stay out of the latency figures
    records: dict[str, dict[str, Any]] = {}
    with tqdm(total=len(items), desc="gold questions", unit="q", disable=not show_progress, file=sys.stderr) as bar:
        for session in schedule(items):
            chat = assistant.chat()
            for earlier in session[0].history:  # a marked follow-up: its conversation first, unscored
                chat.ask(earlier, top_k=depth)
            for item in session:
                answer = chat.ask(item.question, top_k=depth)
                record = score_answer(item, answer)
                if features:
                    record["features"] = confidence_features(assistant, answer.question, answer.query, eval_settings)
                records[item.id] = record
                bar.update(1)
    return [records[it.id] for it in items]


def summarize_gold(records: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """(headline metrics, breakdown by kind/doc/turn/split, curves for the plots and the report)."""
    headline = metrics.summarize(records)
    groups = metrics.breakdown(records, GROUP_KEYS)
    curves = {
        "hit_at_k": metrics.hit_curve([r["rank"] for r in records if r["answerable"]]),
        "threshold": metrics.threshold_curve(records),
    }
    return headline, groups, curves


def calibrate(
    records: list[dict[str, Any]], current_threshold: float, model: Any = None, l2: float = 1e-3
) -> dict[str, Any]:
    """Fit the confidence model's weights on the run's features by logistic regression (numpy, IRLS).

    Label: the question is answerable (what abstention should predict; the confidence module's own
    docstring fits on the same label). Fitted on the ``dev`` or ``tune`` split when the file has one and
    scored on the rest (``holdout``, ``test``), so the reported effect is not in-sample. Weights are named
    ``bias`` and ``w_<feature>``.
    """
    import numpy as np

    usable = [r for r in records if r.get("features")]
    if not usable:
        return {"error": "no features recorded (the confidence model's features() signature is not known)"}
    names = list(usable[0]["features"])
    has_dev = any(r["split"] in FIT_SPLITS for r in usable)
    train = [r for r in usable if r["split"] in FIT_SPLITS] if has_dev else usable
    test = [r for r in usable if r["split"] not in FIT_SPLITS] if has_dev else []
    labels = [float(r["answerable"]) for r in train]
    if len(set(labels)) < 2:
        return {"error": "the labels of the training items are all the same; cannot fit"}
    x = np.array([[r["features"][n] for n in names] for r in train])
    bias, weights = metrics.fit_logistic(x, np.array(labels), l2=l2)
    fitted = {"bias": bias, **{f"w_{n}": float(w) for n, w in zip(names, weights)}}
    current = {k: float(getattr(model, k)) for k in fitted if model is not None and hasattr(model, k)}

    def fitted_confidence(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        xs = np.array([[r["features"][n] for n in names] for r in rows])
        return [{**r, "confidence": float(c)} for r, c in zip(rows, metrics.sigmoid(bias + xs @ weights))]

    def evaluate(rows: list[dict[str, Any]], threshold: float = current_threshold) -> dict[str, Any]:
        if not rows:
            return {}
        simulated = [{**r, "abstained": r["confidence"] < threshold} for r in fitted_confidence(rows)]
        s = metrics.summarize(simulated)
        before = metrics.summarize(rows)
        keys = ["abstain_precision", "abstain_recall", "abstain_f1", "false_abstain", "right_behaviour"]
        return {"n": len(rows), "fitted": {k: s[k] for k in keys}, "current": {k: before[k] for k in keys}}

    # The threshold that the fitted model does best with on the training items (right behaviour): a corpus
    # whose questions differ from the default gold set may want its own `abstain_threshold`.
    curve = metrics.threshold_curve(fitted_confidence(train))
    best = max(curve, key=lambda c: (c["right_behaviour"] or 0.0, -abs(c["threshold"] - current_threshold)))
    return {
        "best_threshold_on_train": best["threshold"],
        "test_at_best_threshold": evaluate(test, best["threshold"]),
        "label": "the question is answerable",
        "l2": l2,  # times the number of items, on the weights (not the bias); separable features need it
        "features": names,
        "trained_on": "/".join(sorted({r["split"] for r in train})) if has_dev else "all",
        "n_train": len(train),
        "positives": int(sum(labels)),
        "weights": fitted,
        "current_weights": current,
        "threshold": current_threshold,
        "train": evaluate(train),
        "test": evaluate(test),
    }
