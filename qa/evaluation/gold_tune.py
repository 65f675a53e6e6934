"""The gold sets' tuning questions as training rows for the learned answer models.

SQuAD teaches the selector what an answering sentence of an encyclopaedia looks like; it never shows a
manual's "run the following command:" with the command on the next line, a heading, or a question naming
``/etc/hosts``. So ``scripts/train_selector.py --gold-tune`` also asks the gold sets' tuning questions
(split ``tune`` or ``dev``; ``test`` and ``holdout`` are never read here) and keeps, per question, what the
answer model was given. The rows are then rebuilt for any model without asking again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np

from qa.answer.cross import passage_scores
from qa.answer.features import sentence_features
from qa.answer.selector import AnswerModel
from qa.evaluation import metrics
from qa.evaluation.gold import EVAL_DEPTH, FIT_SPLITS, GoldItem, load_gold, schedule, score_answer
from qa.types import Passage


@dataclass
class GoldAsked:
    """One tuning question's run: the answer model's inputs and the eval's verdict on the passages."""

    source: str  # the gold file's stem
    item: GoldItem
    record: dict[str, Any]  # score_answer's record: rank (1 = the top excerpt holds the evidence) etc.
    passages: Sequence[Passage]
    # (question, chosen, sentence_scores, max_highlights, idf, evidence, next_ratio, command_ratio): the model's inputs
    call: tuple
    extra: dict = field(default_factory=dict)

    @property
    def right(self) -> bool:
        return bool(self.item.answerable and self.record["rank"] == 1)

    @property
    def next_ratio(self) -> float:
        """The ``highlight_next_ratio`` the question was asked with (0 in runs recorded before it existed)."""
        return float(self.call[6]) if len(self.call) > 6 else 0.0

    @property
    def command_ratio(self) -> float:
        """The ``highlight_command_ratio`` the question was asked with (0 in runs recorded before it existed)."""
        return float(self.call[7]) if len(self.call) > 7 else 0.0

    def replay(self, model: AnswerModel, top_only: bool = False) -> tuple[list, dict[str, float] | None]:
        """``model.excerpts`` on the recorded inputs (only the top candidate with ``top_only``)."""
        question, chosen, scores, max_highlights, idf, evidence = self.call[:6]
        return model.excerpts(
            question,
            chosen[:1] if top_only else chosen,
            self.passages,
            scores,
            max_highlights,
            idf,
            evidence,
            next_ratio=self.next_ratio,
            command_ratio=self.command_ratio,
        )


@dataclass(frozen=True)
class _Recorder(AnswerModel):
    """The model, keeping the arguments of its last ``excerpts`` call (one per question asked)."""

    def excerpts(
        self,
        question,
        chosen,
        passages,
        sentence_scores,
        max_highlights,
        idf,
        evidence,
        next_ratio=0.0,
        barred=None,
        command_ratio=0.0,
    ):
        kept = (question, list(chosen), dict(sentence_scores), max_highlights, dict(idf), evidence)
        _LAST[:] = [(*kept, next_ratio, command_ratio)]
        args = (question, chosen, passages, sentence_scores, max_highlights, idf, evidence)
        return super().excerpts(*args, next_ratio=next_ratio, barred=barred, command_ratio=command_ratio)


_LAST: list[tuple] = []


def ask_tuning(
    gold_file: Path, corpus_dir: Path | None, index_dir: Path, model: AnswerModel, settings: Any
) -> list[GoldAsked]:
    """Every tuning item of ``gold_file`` asked as ``qa eval --gold`` asks it (conversations in one chat),
    over the index in ``index_dir`` (built beforehand; never rebuilt here)."""
    from qa.assistant import Assistant

    s = settings.replace(index_dir=index_dir, show_progress=False, **({"corpus_dir": corpus_dir} if corpus_dir else {}))
    assistant = Assistant.load(s)
    assistant.answer_model = _Recorder(**{f.name: getattr(model, f.name) for f in fields(model)})
    passages = assistant.retriever.index.passages
    items = [it for it in load_gold(gold_file, s) if it.split in FIT_SPLITS]
    out = []
    for session in schedule(items):
        chat = assistant.chat()
        for item in session:
            _LAST.clear()
            answer = chat.ask(item.question, top_k=max(EVAL_DEPTH, s.top_k))
            if _LAST:
                out.append(GoldAsked(gold_file.stem, item, score_answer(item, answer), passages, _LAST[0]))
    return out


def sentence_rows(asked: list[GoldAsked], cross: Any = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(features, labels, group) of the sentences of every shown passage (of the first ``top_k``) that holds
    an answerable question's evidence; label: the sentence quotes the evidence (as ``answer_quoted`` judges)."""
    xs, ys, gs = [], [], []
    for a in asked:
        if not a.item.answerable:
            continue
        question, chosen, scores, max_highlights, idf = a.call[:5]
        for c in chosen[:5]:
            p = a.passages[c.index]
            labels = [metrics.quoted_hits(p.doc_id, [tuple(span)], a.item.spans) for span in p.sentences]
            if not any(labels):
                continue
            ce = passage_scores(cross, question, [p])[0]
            xs.append(sentence_features(question, p, scores.get(c.index, np.zeros(0)), idf, ce))
            ys.append(np.array(labels, dtype=float))
            gs.append(np.full(len(labels), len(gs)))
    if not xs:
        return np.zeros((0, 0)), np.zeros(0), np.zeros(0)
    return np.vstack(xs), np.concatenate(ys), np.concatenate(gs)


def confidence_rows(model: AnswerModel, asked: list[GoldAsked], names: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(the confidence's features under ``model``, right: the top excerpt holds the evidence) per question."""
    xs, ys = [], []
    for a in asked:
        _, feats = a.replay(model)
        a.extra["features"] = feats
        if feats is None:
            continue
        xs.append([feats[n] for n in names])
        ys.append(float(a.right))
    return np.asarray(xs, dtype=np.float64), np.asarray(ys)


def selector_quoted(model: AnswerModel, asked: list[GoldAsked]) -> float:
    """Share of the answerable tuning questions whose top excerpt's highlights (the model's, then the lead-in
    rules the assistant applies) quote the evidence: ``answer_quoted`` as ``qa eval`` reports it."""
    from qa.answer.compose import follow_lead_ins

    hits = []
    for a in asked:
        if not a.item.answerable:
            continue
        question, max_highlights = a.call[0], a.call[3]
        ex, _ = a.replay(model, top_only=True)
        if not ex:
            hits.append(False)
            continue
        p = ex[0].passage
        spans = follow_lead_ins(p, ex[0].highlights, question, max_highlights)
        hits.append(metrics.quoted_hits(p.doc_id, spans, a.item.spans))
    return float(np.mean(hits)) if hits else float("nan")
