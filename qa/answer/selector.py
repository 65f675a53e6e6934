"""The learned answer models: which sentences of a passage hold the answer, and how likely the top
answer is right. Both are logistic regressions over ``qa.answer.features``, fitted on SQuAD 2.0 tuning
articles by ``scripts/train_selector.py`` and stored as plain numbers in ``answer_model.json`` beside
this file (no pickle, no scikit-learn at run time). Why learned: the hand-set mix of cosine and lexical
signals and the hand-set confidence weights were chosen on the project's own questions; these are
fitted on public data and judged on articles nothing was fitted on (``eval/squad_split.json``)."""

from __future__ import annotations

import json
import math
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from qa.answer.cross import CrossEncoder, load_cross_encoder, passage_scores
from qa.answer.features import (
    CONFIDENCE_FEATURES,
    SENTENCE_FEATURES,
    confidence_features,
    quotes_table_default,
    sentence_features,
    stated_defaults,
    stated_definitions,
    stated_versions,
)
from qa.types import Candidate, Excerpt, Passage

MODEL_FILE = Path(__file__).with_name("answer_model.json")
# A sentence that goes on from the one before it: refers back to it ("This enables …", not "This is a …"), or
# resolves what it raises ("Sometimes it is desirable to forward mail …" | "For this purpose you can specify …";
# "In cmd1 && cmd2 &, only cmd2 is run in the background." | "Use { cmd1 && cmd2 } & as a workaround."; "dot can draw
# a diagram on overlapping layers." | "To activate this feature, one must set the graph's layers attribute …").
_GOES_ON = re.compile(
    r"(?:This|These|That|Those|It|Such|They)\b(?!\s+(?:is|are)\s+(?:a|an|the)\b)"
    r"|For\s+(?:this|that|these)\s+(?:purpose|reason)s?\b|To\s+do\s+(?:so|this|that)\b|In\s+(?:that|this|such\s+a|such)\s+cases?\b"
    r"|If\s+so\b|Instead\b|To\s+(?:fix|avoid|prevent|solve|work\s+around)\s+(?:this|that|it)\b"
    r"|The\s+(?:fix|solution|workaround|remedy)\b|(?:Use|Pass|Run|Set|Add|Type|Enter|Call|Specify|Configure|Put|Install|Edit)\s"
    r"|To\s+(?:activate|enable|use|turn\s+on|switch\s+on|get|obtain|achieve)\s+(?:this|that|it|these|those|such)\b"
)
# A sentence naming what the one before it gave: "Users who should not have a home directory should have their home
# directory set to this value." after "The canonical non-existent home directory is /nonexistent."
_REFERS_BACK = re.compile(
    r"\b(?:this|that|these|those|such)\s+(?:values?|director(?:y|ies)|files?|options?|settings?|variables?|commands?"
    r"|purposes?|names?|programs?|paths?|keys?|tools?|fields?|parameters?|macros?)\b",
    re.IGNORECASE,
)


class AnswerModelError(ValueError):
    """The stored answer model cannot be used; the message says why."""


@dataclass(frozen=True)
class LinearModel:
    """Standardised logistic regression: p = sigmoid(bias + coef · (x - mean) / scale)."""

    names: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    bias: float

    def logits(self, x: np.ndarray) -> np.ndarray:
        x = np.atleast_2d(np.asarray(x, dtype=np.float64))
        x = np.where(np.isnan(x), self.mean, x)  # a feature that could not be computed counts as its mean: no weight
        return self.bias + ((x - self.mean) / self.scale) @ self.coef

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-np.clip(self.logits(x), -50, 50)))

    def to_json(self) -> dict[str, Any]:
        return {
            "names": list(self.names),
            "mean": self.mean.tolist(),
            "scale": self.scale.tolist(),
            "coef": self.coef.tolist(),
            "bias": self.bias,
        }

    @staticmethod
    def from_json(data: dict[str, Any], names: Sequence[str]) -> LinearModel:
        """Only a model over exactly ``names`` (the features this code computes), all finite, is taken."""
        if list(data.get("names", [])) != list(names):
            raise AnswerModelError(f"stored features {data.get('names')} are not {list(names)}")
        arrays = [np.asarray(data[k], dtype=np.float64) for k in ("mean", "scale", "coef")]
        bias = float(data["bias"])
        if any(a.shape != (len(names),) or not np.isfinite(a).all() for a in arrays) or not math.isfinite(bias):
            raise AnswerModelError("stored weights are not finite numbers of the right length")
        if (arrays[1] <= 0).any():
            raise AnswerModelError("stored scales must be positive")
        return LinearModel(tuple(names), *arrays, bias=bias)


@dataclass(frozen=True)
class StageCalibration:
    """The Platt scaling and abstain threshold for answers ranked with the paraphrase second stage on
    (``paraphrase_model``). Why a second one: that stage changes which passages come first, so the features the
    confidence reads shift (on the never-tuned Developer's Reference, false abstentions went 6.8% -> 28.8% under
    the stage-off scaling; with this one, and the ``score`` feature read before the stage's additions, 6.8%
    again: docs/notes/2026-12-06-paraphrase.md). Fitted by ``eval/fit_threshold.py --paraphrase`` on the gold
    tuning splits, over the same SQuAD logit; stored under "paraphrase" in answer_model.json. Fitted over this
    file's confidence weights: ``scripts/train_selector.py`` keeps it in a retrained model and says to refit it."""

    platt_a: float
    platt_b: float
    threshold: float

    @staticmethod
    def from_json(data: Any) -> StageCalibration:
        try:
            a, b = float(data["platt"]["a"]), float(data["platt"]["b"])
            threshold = float(data["abstain_threshold"])
        except (KeyError, TypeError, ValueError) as exc:
            raise AnswerModelError(f"not a stage calibration ({type(exc).__name__}: {exc})") from None
        if not (math.isfinite(a) and math.isfinite(b) and a > 0) or not 0.0 <= threshold <= 1.0:
            raise AnswerModelError(f"the Platt scaling {a}, {b} or threshold {threshold} is out of range")
        return StageCalibration(a, b, threshold)


@dataclass(frozen=True)
class AnswerModel:
    """The sentence selector, its highlight rule and the calibrated confidence."""

    selector: LinearModel
    confidence: LinearModel
    # A second sentence is highlighted when its probability reaches this share of the best one's.
    second_ratio: float = 0.5
    # The shown probability is sigmoid(platt_a x logit + platt_b): the logit's weights learn from SQuAD's
    # near-misses, but SQuAD's base rate (half unanswerable, written to fool) is not a user's, so these two
    # numbers are refitted on the shipped corpus's gold dev questions (Platt scaling). 1, 0: SQuAD's own.
    platt_a: float = 1.0
    platt_b: float = 0.0
    source: str = ""
    paraphrase: StageCalibration | None = None  # with the paraphrase second stage on; None: none fitted
    cross: CrossEncoder | None = field(default=None, compare=False, repr=False)  # None: its features read as mean

    def with_paraphrase(self) -> AnswerModel:
        """This model showing its paraphrase-stage Platt scaling (itself where it has none)."""
        if self.paraphrase is None:
            return self
        return replace(self, platt_a=self.paraphrase.platt_a, platt_b=self.paraphrase.platt_b)

    def sentence_probabilities(
        self,
        question: str,
        p: Passage,
        cosines: np.ndarray,
        idf: dict[str, float],
        barred: np.ndarray | None = None,
        cross: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """(probability that each sentence holds the answer, its feature rows). A heading names the topic
        and answers nothing, and a bibliography entry answers only who wrote or published a work or where
        it is, so each gets 0 (unless the question asks that, or the passage is nothing else). A heading in the
        form the question asks for (a speaker's name under a talk's title, for "who presented …?") keeps its own.
        ``barred``: sentences the conversation has already shown (the lines of a list asked about), 0 as well.
        ``cross``: the cross-encoder's scores of the sentences when the caller has them (else they are computed)."""
        if cross is None:
            cross = self.cross_scores(question, [p])[0]
        rows = sentence_features(question, p, cosines, idf, cross)
        if rows.shape[0] == 0:
            return np.zeros(0), rows
        probs = self.selector.probabilities(rows)
        topic = (rows[:, SENTENCE_FEATURES.index("heading")] > 0) | (rows[:, SENTENCE_FEATURES.index("reference")] > 0)
        topic &= rows[:, SENTENCE_FEATURES.index("answer_form")] == 0  # a speaker's name set as a heading answers
        if barred is not None and barred.shape == topic.shape:
            topic |= barred
        if not topic.all():
            probs = np.where(topic, 0.0, probs)
        return probs, rows

    def cross_scores(self, question: str, passages: Sequence[Passage]) -> list[np.ndarray | None]:
        """Each passage's sentences scored by the cross-encoder (``qa.answer.cross.passage_scores``)."""
        return passage_scores(self.cross, question, passages)

    def pick(
        self,
        probs: np.ndarray,
        max_highlights: int,
        next_ratio: float = 0.0,
        commands: np.ndarray | None = None,
        command_ratio: float = 0.0,
        follows: Callable[[int], bool] | None = None,
        refers_back: Callable[[int], bool] | None = None,
    ) -> list[int]:
        """The best sentence, and the next best ones whose probability reaches ``second_ratio`` of it. Where that
        leaves room, the sentence right after the best one joins it when its probability reaches ``next_ratio``
        of the best (0: never): the best match often restates the question, and the answer follows it.
        ``commands``: the sentences naming a command, path or option when the question asks for one; where none
        is picked, the likeliest of them joins first when it reaches ``command_ratio`` of the best (0: never),
        since "To shut down a running system, you must not …" restates "what do I type to turn it off?" and
        "To power off the machine, use poweroff" answers it. ``follows``: whether a sentence goes on from the one
        before ("This enables …"); such a sentence after the best joins it however low it scores, where the rule
        for the next sentence has room ("If the option -nosafe is given, Asymptote runs in unsafe mode." | "This
        enables the int system(…) calls …"); it joins even where the best two are picked already, the two read as one
        statement, and where the sentence right after the best is picked already it is the one after both that may
        go on ("Instead of cycling the logs …" | "The datestamp is in the form yyyymmdd." | "It is enabled by setting
        the log_file_path option …"). ``refers_back``: whether a sentence names a thing the one before it gave
        ("… set to this value"); the best one that does is joined by the sentence before it."""
        if probs.size == 0 or max_highlights <= 0:
            return []
        order = [int(i) for i in np.argsort(-probs, kind="stable")]
        best = float(probs[order[0]])
        picked = [order[0]] + [i for i in order[1:max_highlights] if probs[i] >= self.second_ratio * best]
        if 0 < command_ratio and commands is not None and commands.shape == probs.shape and not commands[picked].any():
            named = [i for i in order if commands[i] and probs[i] >= command_ratio * best]
            if named:
                picked = (picked[: max_highlights - 1] if len(picked) >= max_highlights else picked) + named[:1]
        if next_ratio <= 0:
            return sorted(set(picked))
        after, before = order[0] + 1, order[0] - 1
        while after in picked:  # the best two read on one another: what goes on from the second goes on from both
            after += 1
        if after < probs.size:
            goes_on = follows is not None and probs[after] > 0 and follows(after)
            nearby = after == order[0] + 1 and len(picked) < max_highlights and probs[after] >= next_ratio * best
            if goes_on or nearby:
                picked.append(after)
        if (
            before >= 0
            and before not in picked
            and probs[before] > 0
            and refers_back is not None
            and refers_back(order[0])
        ):
            picked.append(before)
        return sorted(set(picked))

    def logit(self, features: dict[str, float]) -> float:
        """The confidence's logit as fitted on SQuAD, before the corpus's Platt scaling."""
        return float(self.confidence.logits(np.array([[features[n] for n in CONFIDENCE_FEATURES]]))[0])

    def calibrated(self, features: dict[str, float]) -> float:
        z = self.platt_a * self.logit(features) + self.platt_b
        return float(1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0))))

    def answer(
        self,
        question: str,
        chosen: list[Candidate],
        passages: Sequence[Passage],
        sentence_scores: dict[int, np.ndarray],
        max_highlights: int,
        idf: dict[str, float],
        evidence: tuple[list[Candidate], list[str]],
        next_ratio: float = 0.0,
        barred: Mapping[int, np.ndarray] | None = None,
        command_ratio: float = 0.0,
    ) -> tuple[list[Excerpt], float]:
        """(the excerpts with the selector's highlights, the calibrated probability that the top one
        answers). ``evidence``: the top candidates and their texts, as the confidence reads them."""
        args = (question, chosen, passages, sentence_scores, max_highlights, idf, evidence)
        excerpts, feats = self.excerpts(*args, next_ratio=next_ratio, barred=barred, command_ratio=command_ratio)
        return excerpts, self.calibrated(feats) if feats is not None else 0.0

    def excerpts(
        self,
        question: str,
        chosen: list[Candidate],
        passages: Sequence[Passage],
        sentence_scores: dict[int, np.ndarray],
        max_highlights: int,
        idf: dict[str, float],
        evidence: tuple[list[Candidate], list[str]],
        next_ratio: float = 0.0,
        barred: Mapping[int, np.ndarray] | None = None,
        command_ratio: float = 0.0,
    ) -> tuple[list[Excerpt], dict[str, float] | None]:
        """(the excerpts with the selector's highlights, the confidence's features; None without any)."""
        excerpts = []
        best_p, best_row = 0.0, None
        crossed = self.cross_scores(question, [passages[c.index] for c in chosen])
        for rank, (c, cross) in enumerate(zip(chosen, crossed), start=1):
            p = passages[c.index]
            cos = sentence_scores.get(c.index, np.zeros(0))
            probs, rows = self.sentence_probabilities(question, p, cos, idf, (barred or {}).get(c.index), cross)
            stated = _either(
                _either(stated_defaults(question, p, idf), stated_versions(question, p, idf)),
                stated_definitions(question, p),
            )
            commands = rows[:, SENTENCE_FEATURES.index("how_code")] > 0 if rows.size else None
            lifted = _lift_stated(probs, stated)
            links = partial(_goes_on, p), partial(_refers_back, p)
            picked = self.pick(lifted, max_highlights, next_ratio, commands, command_ratio, *links)
            if rank == 1 and picked:
                top = max(picked, key=lambda i: probs[i])
                best_p, best_row = float(probs[top]), rows[top]
            spans = [p.sentences[i] for i in picked]
            excerpts.append(Excerpt(rank=rank, passage=p, score=c.score, highlights=spans, row=c.index))
        top, texts = evidence
        if not top or not excerpts:
            return excerpts, None
        lead = excerpts[0].passage
        quoted = " ".join(lead.text[a - lead.start : b - lead.start] for a, b in excerpts[0].highlights)
        tabled = quotes_table_default(lead, excerpts[0].highlights)
        return excerpts, confidence_features(question, top, texts, quoted or lead.text, best_p, best_row, tabled)

    def to_json(self) -> dict[str, Any]:
        return {
            "selector": self.selector.to_json(),
            "confidence": self.confidence.to_json(),
            "second_ratio": self.second_ratio,
            "platt": {"a": self.platt_a, "b": self.platt_b},
        }

    @staticmethod
    def from_json(data: dict[str, Any], source: str = "") -> AnswerModel:
        try:
            platt = data.get("platt") or {}
            a, b = float(platt.get("a", 1.0)), float(platt.get("b", 0.0))
            if not (math.isfinite(a) and math.isfinite(b) and a > 0):
                raise AnswerModelError(f"the Platt scaling must be finite with a positive slope, not {a}, {b}")
            return AnswerModel(
                LinearModel.from_json(data["selector"], SENTENCE_FEATURES),
                LinearModel.from_json(data["confidence"], CONFIDENCE_FEATURES),
                float(data.get("second_ratio", 0.5)),
                a,
                b,
                source,
                _stage_calibration(data.get("paraphrase"), source),
            )
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, AnswerModelError):
                raise
            raise AnswerModelError(f"not an answer model ({type(exc).__name__}: {exc})") from None


def _goes_on(p: Passage, i: int) -> bool:
    """Sentence ``i`` of ``p`` goes on from the one before it (``_GOES_ON``); asked of one sentence per excerpt."""
    a, b = p.sentences[i]
    return _GOES_ON.match(p.text[a - p.start : b - p.start].lstrip()) is not None


def _refers_back(p: Passage, i: int) -> bool:
    """Sentence ``i`` of ``p`` names a thing the one before gave (``_REFERS_BACK``)."""
    a, b = p.sentences[i]
    return _REFERS_BACK.search(p.text[a - p.start : b - p.start]) is not None


def _either(a: np.ndarray | None, b: np.ndarray | None) -> np.ndarray | None:
    return b if a is None else a if b is None or b.shape != a.shape else a | b


def _lift_stated(probs: np.ndarray, stated: np.ndarray | None) -> np.ndarray:
    """The sentences that state the asked-for default or define the asked-for term (``stated``) first, the others
    as the selector ranked them. A rule over the learned ranking, not a feature of it: SQuAD asks for no defaults
    and few definitions, and the confidence keeps reading the selector's own probabilities (a lifted 1.0 would
    read as a certain answer)."""
    if stated is None or stated.shape != probs.shape:
        return probs
    lifted = stated & (probs > 0)  # a heading zeroed as a topic stays zero
    return np.where(lifted, 1.0, probs) if lifted.any() else probs


def _stage_calibration(data: Any, source: str) -> StageCalibration | None:
    """The paraphrase stage's calibration; a damaged one is reported and left out (the stage then shows the
    stage-off scaling), since the rest of the model is still good."""
    if data is None:
        return None
    try:
        return StageCalibration.from_json(data)
    except AnswerModelError as exc:
        print(f"note: ignoring the paraphrase calibration in {source or 'the answer model'} ({exc})", file=sys.stderr)
        return None


def load_answer_model(path: Path = MODEL_FILE, cross: bool = True) -> AnswerModel | None:
    """The stored model, or None (with a note on stderr when the file exists but cannot be used): the
    assistant then falls back to the hand-set highlight rules and confidence weights. ``cross``: open the
    cross-encoder whose scores it reads (off, or where it cannot be opened, they count as their mean)."""
    if not path.is_file():
        return None
    try:
        model = AnswerModel.from_json(json.loads(path.read_text(encoding="utf-8")), str(path))
    except (OSError, ValueError) as exc:
        print(f"note: ignoring {path} ({exc}); using the rule-based highlights and confidence", file=sys.stderr)
        return None
    return replace(model, cross=load_cross_encoder()) if cross else model
