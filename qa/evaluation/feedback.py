"""Users' verdicts on answers, kept per corpus as gold items that ``qa eval --gold`` reads.

A mark is one gold item (ARCHITECTURE.md, "Gold file") with what the user saw beside it:

- "answered" ("This answered it", or "the answer is in this excerpt"): ``doc``/``evidence`` are the
  confirmed excerpt's answering sentences (the whole passage where it has none), ``kind`` "answered";
- "not_this" with no excerpt chosen: the shown answer is wrong. It is kept as an unanswerable item (``doc``
  and ``evidence`` null, ``kind`` "rejected"): as far as the marks know, saying "not found" was the right
  response. The rejected passage stays beside it, so a later look can tell a miss from a true gap.

Besides the gold fields: ``verdict``, ``passage`` (doc, start, end, rank, text), ``history`` (the earlier
turns' questions and answers, which ``qa eval`` replays in one chat before asking), ``session`` (the
conversation: refits split by it), ``shown`` (the confidence shown, the model's confidence under it, whether
the assistant abstained, the threshold and the calibration in use) and ``created``. A second mark on the same
answer (same ``answer_key``) replaces the first: changing one's mind leaves one verdict.

The file, ``<index_dir>/feedback.jsonl``, stays with the corpus and never leaves the machine. Each mark
rewrites it whole through a temporary file (qa.atomic), under a lock held across processes (the server and a
``qa`` command may write at once): a crash keeps the previous marks and two marks never overwrite each other.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from qa.atomic import atomic_write_bytes

try:
    import fcntl
except ImportError:  # Windows: the in-process lock alone
    fcntl = None  # type: ignore[assignment]

FEEDBACK_FILE = "feedback.jsonl"
VERDICTS = ("answered", "not_this")
_LOCK = threading.Lock()  # one writer at a time in this process: two marks never overwrite each other


def feedback_item(
    question: str,
    doc: str | None,
    start: int | None,
    end: int | None,
    evidence: str | None,
    verdict: str,
    *,
    passage_text: str | None = None,
    rank: int | None = None,
    history: list[dict[str, str]] | None = None,
    session: str | None = None,
    answer_key: str | None = None,
    shown: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One gold item in the evaluation format (id, question, doc, evidence, kind), with the verdict, the
    passage it was given on and the conversation before it."""
    if verdict not in VERDICTS:
        raise ValueError(f"verdict must be one of {', '.join(VERDICTS)}")
    answered = verdict == "answered"
    if answered and not (doc and evidence):
        raise ValueError("an 'answered' mark needs the passage that answered")
    passage: dict[str, Any] | None = None
    if doc is not None:  # a "not this" on an answer with no excerpts has none
        passage = {"doc": doc, "start": start, "end": end}
        if rank is not None:
            passage["rank"] = rank
        passage["text"] = passage_text if passage_text is not None else evidence
    item: dict[str, Any] = {
        "id": "fb-" + uuid.uuid4().hex[:12],
        "question": question,
        "doc": doc if answered else None,
        "evidence": evidence if answered else None,
        "kind": "answered" if answered else "rejected",
        "verdict": verdict,
        "passage": passage,
        "history": list(history or []),
        "session": session or "s-" + uuid.uuid4().hex[:12],
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    if answer_key:
        item["answer_key"] = answer_key
    if shown:
        item["shown"] = shown
    return item


def mark_answer(
    assistant: Any,
    answer: Any,
    verdict: str,
    rank: int | None = None,
    history: list[dict[str, str]] | None = None,
    session: str | None = None,
    answer_key: str | None = None,
    threshold: float | None = None,
) -> dict[str, Any]:
    """The mark for an ``answer`` the assistant gave: "answered" confirms excerpt ``rank`` (the top one when
    None), "not_this" rejects the answer as shown (its top excerpt kept beside the verdict). ``threshold``: the
    one the answer was judged by, where a caller overrode the assistant's."""
    excerpts = answer.excerpts
    chosen = next((e for e in excerpts if e.rank == rank), None) if rank is not None else None
    if rank is not None and chosen is None:
        raise ValueError(f"the answer has no excerpt [{rank}]")
    judged = chosen or (excerpts[0] if excerpts else None)
    if verdict == "answered" and judged is None:
        raise ValueError("an answer with no excerpts cannot have answered the question")
    layer = getattr(assistant, "recalibration", None)
    raw = layer.invert(answer.confidence) if layer is not None else None
    used = assistant.threshold_in_use if threshold is None else threshold
    shown = shown_fields(answer, used, assistant.calibration_in_use(), raw)
    doc = start = end = evidence = text = None
    if judged is not None:
        p = judged.passage
        doc, start, end, text = p.doc_id, p.start, p.end, p.text
        try:
            _, whole, unchanged = assistant.document(p.doc_id)
        except KeyError:
            whole, unchanged = "", False
        evidence = evidence_of(whole, p.start, p.end, judged.highlights) if unchanged else p.text
    return feedback_item(
        answer.question,
        doc,
        start,
        end,
        evidence,
        verdict,
        passage_text=text,
        rank=judged.rank if judged is not None else None,
        history=history,
        session=session,
        answer_key=answer_key,
        shown=shown,
    )


def evidence_of(text: str, start: int, end: int, highlights: list[tuple[int, int]]) -> str:
    """What a confirmed excerpt is evidence by: its answering sentences (first to last, as one exact span of the
    document), else the whole passage. ``text`` is the document's; offsets are into it."""
    inside = [(a, b) for a, b in highlights if start <= a < b <= end]
    if inside:
        a, b = min(a for a, _ in inside), max(b for _, b in inside)
        if text[a:b].strip():
            return text[a:b]
    return text[start:end]


def shown_fields(answer: Any, threshold: float, calibration: str, raw: float | None = None) -> dict[str, Any]:
    """What the user saw of an answer's confidence: the refit works on ``raw`` (the model's own figure)."""
    return {
        "answer": answer.answer,
        "confidence": round(float(answer.confidence), 4),
        "raw_confidence": round(float(answer.confidence if raw is None else raw), 4),
        "abstained": bool(answer.abstained),
        "threshold": round(float(threshold), 4),
        "calibration": calibration,
    }


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """This process's lock, then an advisory lock on ``<file>.lock`` that other processes respect."""
    with _LOCK:
        if fcntl is None:
            yield
            return
        with open(path.with_name(path.name + ".lock"), "a+b") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def record_feedback(index_dir: Path, item: dict[str, Any]) -> int:
    """Add ``item`` to the corpus's feedback file (replacing an earlier mark on the same answer); returns how
    many marks the file now holds."""
    path = Path(index_dir) / FEEDBACK_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    key = item.get("answer_key")
    with _locked(path):
        try:
            rows = path.read_bytes().splitlines()
        except FileNotFoundError:
            rows = []
        kept = [row for row in rows if row.strip() and not (key and _key_of(row) == key)]
        kept.append(json.dumps(item, ensure_ascii=False).encode("utf-8"))
        atomic_write_bytes(path, b"\n".join(kept) + b"\n")
    return len(kept)


def _key_of(row: bytes) -> str | None:
    try:
        data = json.loads(row)
    except ValueError:
        return None
    return data.get("answer_key") if isinstance(data, dict) else None


def read_marks(index_dir: Path) -> list[dict[str, Any]]:
    """Every mark stored for the corpus, oldest first; a damaged line is skipped (the file is the user's)."""
    path = Path(index_dir) / FEEDBACK_FILE
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    out = []
    for line in lines:
        try:
            row = json.loads(line)
        except ValueError:
            continue
        if isinstance(row, dict) and row.get("verdict") in VERDICTS and isinstance(row.get("question"), str):
            out.append(row)
    return out


def refit_corpus(assistant: Any, dry_run: bool = False) -> tuple[dict[str, Any] | None, list[str]]:
    """Refit the assistant's corpus on its marks (qa/evaluation/refit.py) and, when the refit is not worse held
    out, store it with the index (atomically) and use it at once. (report or None when refused, lines to show)."""
    from qa.answer.recalibration import FEEDBACK_CALIBRATION_FILE
    from qa.atomic import atomic_write_json
    from qa.evaluation.refit import RefitRefused, refit, report_lines

    settings = assistant.settings
    before = assistant.calibration_in_use()
    try:
        report = refit(
            read_marks(settings.index_dir),
            assistant.threshold_in_use,
            assistant.recalibration,
            over=assistant.confidence_kind,
            min_marks=settings.feedback_min_marks,
        )
    except RefitRefused as exc:
        return None, [f"No refit: {exc}.", before]
    lines = report_lines(report, before_name=before.removeprefix("Calibration: ").rstrip("."))
    if report["adopt"] and not dry_run:
        calibration = report["calibration"]
        stamped = type(calibration)(
            calibration.a,
            calibration.b,
            calibration.threshold,
            calibration.over,
            info={**calibration.info, "created": time.strftime("%Y-%m-%dT%H:%M:%S%z")},
        )
        target = settings.index_dir / FEEDBACK_CALIBRATION_FILE
        atomic_write_json(target, stamped.to_json())
        assistant.use_recalibration(stamped)
        report["saved"] = str(target)
        lines.append(f"saved to {target}; answers on this corpus use it from now on")
    elif report["adopt"]:
        lines.append("dry run: nothing saved")
    lines.append(assistant.calibration_in_use())
    return report, lines


def simulated_marks(assistant: Any, items: list[Any]) -> int:
    """Mark every gold item's answer as a user who knew the gold would: the excerpt holding the evidence among
    those shown ("This answered it" for the first, "the answer is in this excerpt" for another), else "Not
    this". Conversations are asked turn by turn in one chat, as ``qa eval`` does. Returns the marks kept: how
    the refit is measured without users (docs/evaluation.md), and what the screenshots show."""
    from qa.evaluation.gold import schedule
    from qa.evaluation.metrics import first_hit_rank

    count = 0
    for session in schedule(items):
        chat = assistant.chat()
        history: list[dict[str, str]] = []
        for turn, item in enumerate(session, start=1):
            answer = chat.ask(item.question)
            spans = [(e.passage.doc_id, e.passage.start, e.passage.end) for e in answer.excerpts]
            rank = first_hit_rank(spans, item.spans) if item.answerable else None
            conversation = item.conversation or item.id
            verdict = "answered" if rank is not None else "not_this"
            mark = mark_answer(assistant, answer, verdict, rank, history, conversation, f"{conversation}:{turn}")
            count = record_feedback(assistant.settings.index_dir, mark)
            history.append({"question": answer.question, "answer": answer.answer})
    return count
