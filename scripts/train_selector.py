"""Fit the learned answer models (qa/answer/answer_model.json) on SQuAD 2.0 tuning articles and report
them, against today's rules, on the held-out articles (eval/squad_split.json).

    python scripts/train_selector.py                 # fit, write the model and eval/squad_selector.json
    python scripts/train_selector.py --no-write      # figures only
    python scripts/train_selector.py --gold-tune eval/gold/hard.jsonl,/tmp/ix/default \
        --gold-tune eval/gold/debian-reference.jsonl,/tmp/ix/dr,eval/corpora/debian-reference ...
                                                     # also fit on the gold sets' tuning splits

Each question is asked through the same steps as ``Assistant.ask`` over an index of every SQuAD
paragraph (cached in eval/cache). The selector learns from the sentences of each answerable question's
own paragraph (label: the sentence holds a gold answer string); the confidence learns whether the top
excerpt holds the answer (never, for an unanswerable question). With ``--gold-tune`` the gold sets' tuning
splits (``tune``/``dev``, asked over their ready indexes) join both fits and the Platt scaling and its
threshold are fitted on them pooled (``qa.evaluation.gold_tune``). Seeds are fixed; about 10 minutes on two
busy cores. Without ../shared/bench the script says so and stops: the committed model keeps working.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import sys
import time
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from qa.answer.cross import load_cross_encoder, passage_scores  # noqa: E402
from qa.answer.features import CONFIDENCE_FEATURES, SENTENCE_FEATURES, idf_weights, sentence_features  # noqa: E402
from qa.answer.selector import MODEL_FILE, AnswerModel, LinearModel  # noqa: E402
from qa.evaluation.metrics import expected_calibration_error  # noqa: E402
from qa.types import Candidate, Passage  # noqa: E402

DEFAULT_SQUAD = ROOT.parent / "shared" / "bench" / "squad2_cs224n" / "dev-v2.0.json"
REPORT_FILE = ROOT / "eval" / "squad_selector.json"
GOLD_FILE = ROOT / "eval" / "gold" / "default.jsonl"
SEED = 20261205
RATIOS = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.01)


@dataclass
class Asked:
    """What one question's run left for fitting and scoring."""

    article: str
    question: str
    answerable: bool
    answers: list[str]
    chosen: list[Candidate]
    scores: dict[int, np.ndarray]
    idf: dict[str, float]
    evidence: tuple[list[Candidate], list[str]]
    gold: dict[int, np.ndarray]  # the question's own paragraph's passage rows -> sentence cosines
    rules_quoted: str
    rules_highlights: int
    rules_confidence: float
    top_text: str  # the top excerpt's passage: the same whichever model highlights it
    extra: dict = field(default_factory=dict)


def ask_all(assistant, questions, paragraph_rows) -> list[Asked]:
    """Every question through the steps of ``Assistant.ask``, keeping what the fits need."""
    from tqdm.auto import tqdm

    from qa.answer.compose import make_excerpts, quoted_text, select_excerpts
    from qa.index.bm25 import query_terms

    s = assistant.settings
    index = assistant.retriever.index
    n_docs = len(index.passages)
    out = []
    for q in tqdm(questions, desc="squad questions", unit="q", file=sys.stderr, mininterval=10):
        found = assistant.retriever.search(q.question, s, asked=q.question)
        chosen = select_excerpts(found.candidates, index.passages, index.vectors, s.top_k, s.mmr_lambda)
        rules = make_excerpts(chosen, index.passages, found.sentence_scores, s.max_highlights)
        top, texts, best = assistant.confidence_evidence(found)
        rows = paragraph_rows.get(q.paragraph, [])
        out.append(
            Asked(
                q.article,
                q.question,
                q.answerable,
                q.answers,
                chosen,
                {c.index: found.sentence_scores.get(c.index, np.zeros(0)).copy() for c in chosen},
                idf_weights(index.bm25, query_terms(q.question), n_docs),
                (top, texts),
                assistant.retriever.sentence_cosines(rows, found.query_vector) if q.answerable else {},
                quoted_text(rules[0]) if rules else "",
                len(rules[0].highlights) if rules else 0,
                assistant.confidence.score(q.question, top, texts, best) if top else 0.0,
                rules[0].passage.text if rules else "",
            )
        )
    return out


def sentence_rows(items: list[Asked], passages: list[Passage], cross=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(features, labels, group) of the sentences of each answerable question's own paragraph, from
    passages holding a gold answer inside one sentence; group numbers the passage (for top-1 accuracy).
    ``cross``: the cross-encoder whose scores are features (None: those columns are NaN)."""
    from qa.evaluation.metrics import answer_in_text

    xs, ys, gs = [], [], []
    group = 0
    for it in items:
        for row, cos in it.gold.items():
            p = passages[row]
            labels = [answer_in_text(it.answers, p.text[a - p.start : b - p.start]) for a, b in p.sentences]
            if not any(labels):
                continue
            ce = passage_scores(cross and cross.for_article(it.article), it.question, [p])[0]
            xs.append(sentence_features(it.question, p, cos, it.idf, ce))
            ys.append(np.array(labels, dtype=float))
            gs.append(np.full(len(labels), group))
            group += 1
    return np.vstack(xs), np.concatenate(ys), np.concatenate(gs)


def fit_linear(x: np.ndarray, y: np.ndarray, names, c: float = 1.0, weights: np.ndarray | None = None) -> LinearModel:
    """Standardised L2 logistic regression (scikit-learn, deterministic lbfgs)."""
    from sklearn.linear_model import LogisticRegression

    x = np.nan_to_num(x, nan=0.0)  # a feature not computed (no cross-encoder) is constant: it gets no weight
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    lr = LogisticRegression(C=c, max_iter=2000, random_state=SEED).fit((x - mean) / scale, y, sample_weight=weights)
    return LinearModel(tuple(names), mean, scale, lr.coef_[0].astype(float), float(lr.intercept_[0]))


def top1_accuracy(scores: np.ndarray, y: np.ndarray, groups: np.ndarray) -> float:
    """Share of passages whose best-scored sentence holds the answer."""
    hits = []
    for g in np.unique(groups):
        at = np.flatnonzero(groups == g)
        hits.append(y[at[int(np.argmax(scores[at]))]] > 0)
    return float(np.mean(hits))


def apply(model: AnswerModel, items: list[Asked], passages: list[Passage], max_highlights: int) -> None:
    """The model's highlights and confidence features for each question, kept in ``extra``."""
    from qa.answer.compose import quoted_text

    for it in items:
        m = replace(model, cross=model.cross.for_article(it.article)) if model.cross is not None else model
        ex, feats = m.excerpts(it.question, it.chosen, passages, it.scores, max_highlights, it.idf, it.evidence)
        it.extra = {
            "quoted": quoted_text(ex[0]) if ex else "",
            "highlights": len(ex[0].highlights) if ex else 0,
            "features": feats,
        }


def highlight_figures(items: list[Asked], learned: bool) -> dict[str, float]:
    """The top excerpt's highlighted sentences hold a gold answer: over answerable questions whose top
    excerpt holds one (the selector's own job) and over all answerable questions."""
    from qa.evaluation.metrics import answer_in_text

    answerable = [it for it in items if it.answerable]
    found = [it for it in answerable if answer_in_text(it.answers, it.top_text)]

    def held(it: Asked) -> bool:
        return answer_in_text(it.answers, it.extra["quoted"] if learned else it.rules_quoted)

    def count(it: Asked) -> int:
        return it.extra["highlights"] if learned else it.rules_highlights

    return {
        "hold_when_top_excerpt_has_answer": round(float(np.mean([held(it) for it in found])), 4),
        "hold_all_answerable": round(float(np.mean([held(it) for it in answerable])), 4),
        "mean_highlighted_sentences": round(float(np.mean([count(it) for it in found])), 3),
        "n_top_excerpt_has_answer": len(found),
        "n_answerable": len(answerable),
    }


def right_labels(items: list[Asked]) -> np.ndarray:
    """The top answer is right: the question is answerable and the top excerpt holds a gold answer."""
    from qa.evaluation.metrics import answer_in_text

    return np.array([it.answerable and answer_in_text(it.answers, it.top_text) for it in items], dtype=float)


def outcome(items: list[Asked]) -> tuple[np.ndarray, np.ndarray]:
    """(unanswerable, right) per question: what abstention and calibration are judged against."""
    return np.array([not it.answerable for it in items]), right_labels(items) > 0


def abstention_figures(probs: np.ndarray, truth: tuple[np.ndarray, np.ndarray], threshold: float) -> dict[str, float]:
    """Abstention judged on unanswerable questions (positive class: abstained), plus false abstentions
    (answerable questions abstained on) and expected calibration error of the shown probability."""
    unans, right = truth
    abstain = probs < threshold
    tp = float((abstain & unans).sum())
    precision = tp / abstain.sum() if abstain.sum() else 0.0
    recall = tp / unans.sum() if unans.sum() else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "threshold": round(threshold, 3),
        "abstention_precision": round(precision, 4),
        "abstention_recall": round(recall, 4),
        "abstention_f1": round(f1, 4),
        "false_abstentions": round(float((abstain & ~unans).sum() / max(1, (~unans).sum())), 4),
        "ece_10_bins": round(expected_calibration_error(probs, right.astype(float)), 4),
        "right_behaviour": round(right_behaviour(probs, truth, threshold), 4),
        "mean_probability": round(float(probs.mean()), 4),
        "share_right": round(float(right.mean()), 4),
        "n": int(len(probs)),
    }


def right_behaviour(probs: np.ndarray, truth: tuple[np.ndarray, np.ndarray], threshold: float) -> float:
    """Share of questions handled rightly: answered with the answer in the top excerpt, or abstained on
    when unanswerable (an answerable question abstained on counts as wrong)."""
    unans, right = truth
    answered = probs >= threshold
    return float(np.mean((answered & right) | (~answered & unans)))


def best_threshold(
    probs: np.ndarray, truth: tuple[np.ndarray, np.ndarray], by: str = "right_behaviour", max_false: float = 1.0
) -> float:
    """The threshold with the best right behaviour (or abstention F1, with at most ``max_false`` false
    abstentions) on the questions given; ties: the lower one. On SQuAD right behaviour, because the best
    abstention F1 there is near always abstaining."""
    grid = [round(t, 2) for t in np.arange(0.1, 0.91, 0.02)]
    if by == "f1":
        figs = {t: abstention_figures(probs, truth, t) for t in grid}
        ok = [t for t in grid if figs[t]["false_abstentions"] <= max_false] or grid[:1]
        return max(ok, key=lambda t: (figs[t]["abstention_f1"], -t))
    return max(grid, key=lambda t: (right_behaviour(probs, truth, t), -t))


def choose_ratio(model: AnswerModel, items: list[Asked], passages, max_highlights: int) -> float:
    """The second-sentence share that quotes the answer most often on the tuning questions without
    highlighting more sentences on average than today's rules do there."""
    budget = highlight_figures(items, learned=False)["mean_highlighted_sentences"]
    best = (-1.0, RATIOS[-1])
    for ratio in RATIOS:
        m = AnswerModel(model.selector, model.confidence, ratio, cross=model.cross)
        apply(m, items, passages, max_highlights)
        fig = highlight_figures(items, learned=True)
        print(f"  ratio {ratio}: {fig}", file=sys.stderr)
        if fig["mean_highlighted_sentences"] <= budget + 1e-9 and fig["hold_when_top_excerpt_has_answer"] > best[0]:
            best = (fig["hold_when_top_excerpt_has_answer"], ratio)
    return best[1]


def fit_selector(
    tune: list[Asked], held: list[Asked], passages, extra, cross, kept: LinearModel | None = None
) -> tuple[LinearModel, dict]:
    """The selector fitted on the tuning articles' own paragraphs (and ``extra``, the gold tuning sentences), or
    the ``kept`` one, and its top-1 sentence accuracy there and on the held-out articles."""
    x, y, g = sentence_rows(tune, passages, cross)
    if kept is not None:
        selector = kept
    elif extra is not None and len(extra[1]):
        w = np.concatenate([np.ones(len(y)), np.full(len(extra[1]), extra[2])])
        selector = fit_linear(np.vstack([x, extra[0]]), np.concatenate([y, extra[1]]), SENTENCE_FEATURES, weights=w)
    else:
        selector = fit_linear(x, y, SENTENCE_FEATURES)
    hx, hy, hg = sentence_rows(held, passages, cross)
    heading = SENTENCE_FEATURES.index("heading")
    own_paragraph = {
        "training (tuning articles)": {
            "rules_cosine": top1_accuracy(x[:, 0] - x[:, heading], y, g),
            "selector": top1_accuracy(selector.logits(x), y, g),
            "passages": int(g.max() + 1),
        },
        "held-out articles": {
            "rules_cosine": top1_accuracy(hx[:, 0] - hx[:, heading], hy, hg),
            "selector": top1_accuracy(selector.logits(hx), hy, hg),
            "passages": int(hg.max() + 1),
        },
    }
    print(f"top-1 sentence in the question's own paragraph: {own_paragraph}", file=sys.stderr)
    return selector, own_paragraph


def fit_and_report(
    items: list[Asked],
    tuning: frozenset[str],
    passages,
    max_highlights: int,
    threshold: float,
    extra=None,
    cross=None,
    cross_in_selector: bool = True,
    kept: AnswerModel | None = None,
):
    """(the fitted model, its tuned abstention threshold, the report's figures). ``extra``: more sentence
    rows (features, labels, weight each) for the selector, from the gold sets' tuning splits. ``cross``: the
    cross-encoder (read by the selector too unless ``cross_in_selector`` is off). ``kept``: a model whose selector
    and second-sentence share stay; only the confidence is fitted."""
    tune = [it for it in items if it.article in tuning]
    held = [it for it in items if it.article not in tuning]
    selector, own_paragraph = fit_selector(
        tune, held, passages, extra, cross if cross_in_selector else None, kept.selector if kept else None
    )
    n = len(CONFIDENCE_FEATURES)
    blank = LinearModel(CONFIDENCE_FEATURES, np.zeros(n), np.ones(n), np.zeros(n), 0.0)
    if kept is not None:
        ratio = kept.second_ratio
    else:
        ratio = choose_ratio(AnswerModel(selector, blank, cross=cross), tune, passages, max_highlights)
    model = AnswerModel(selector, blank, ratio, cross=cross)
    apply(model, items, passages, max_highlights)
    fx = np.array(
        [[it.extra["features"][n] if it.extra["features"] else 0.0 for n in CONFIDENCE_FEATURES] for it in tune]
    )
    confidence = fit_linear(fx, right_labels(tune), CONFIDENCE_FEATURES)
    model = AnswerModel(selector, confidence, ratio, cross=cross)

    def probs(group: list[Asked]) -> np.ndarray:
        return np.array([model.calibrated(it.extra["features"]) if it.extra["features"] else 0.0 for it in group])

    tuned = best_threshold(probs(tune), outcome(tune))
    rules_tune = np.array([it.rules_confidence for it in tune])
    rules_held = np.array([it.rules_confidence for it in held])
    figures = {
        "top1_sentence_in_own_paragraph": own_paragraph,
        "second_ratio_chosen_on_tuning": ratio,
        "highlights": {
            "training (tuning articles)": {
                "rules": highlight_figures(tune, False),
                "selector": highlight_figures(tune, True),
            },
            "held-out articles": {"rules": highlight_figures(held, False), "selector": highlight_figures(held, True)},
        },
        "confidence": {
            "training (tuning articles)": {
                f"rules (hand-set weights, threshold {threshold:g})": abstention_figures(
                    rules_tune, outcome(tune), threshold
                ),
                "calibrated": abstention_figures(probs(tune), outcome(tune), tuned),
            },
            "held-out articles": {
                f"rules (hand-set weights, threshold {threshold:g})": abstention_figures(
                    rules_held, outcome(held), threshold
                ),
                "rules at the threshold best on tuning": abstention_figures(
                    rules_held, outcome(held), best_threshold(rules_tune, outcome(tune))
                ),
                "calibrated": abstention_figures(probs(held), outcome(held), tuned),
                "calibrated at the threshold with the best abstention F1 on tuning": abstention_figures(
                    probs(held), outcome(held), best_threshold(probs(tune), outcome(tune), by="f1")
                ),
                "always abstain": abstention_figures(np.zeros(len(held)), outcome(held), 0.5),
            },
        },
        "confidence_weights": dict(zip(CONFIDENCE_FEATURES, np.round(confidence.coef, 3).tolist())),
        "selector_weights": dict(zip(SENTENCE_FEATURES, np.round(selector.coef, 3).tolist())),
    }
    return model, tuned, figures, (fx, right_labels(tune))


@dataclass
class Remembered:
    """A cross-encoder that scores each (question, sentences) once: the fits ask the same passages many times."""

    inner: object
    seen: dict = field(default_factory=dict)
    # Out-of-fold models by SQuAD article (--cross-folds): the fits read, for a tuning article, the scores of a
    # cross-encoder not trained on it, as a user's question gets them; else the fits learn to trust it too much.
    folds: dict = field(default_factory=dict)

    @staticmethod
    def wrap(inner):
        return None if inner is None else Remembered(inner)

    def for_article(self, article: str):
        return self.folds.get(article, self)

    def scores(self, question: str, sentences) -> np.ndarray:
        key = (question, tuple(sentences))
        if key not in self.seen:
            self.seen[key] = self.inner.scores(question, sentences)
        return self.seen[key]


def fold_models(spec: str, tuning: frozenset[str]) -> dict[str, Remembered]:
    """Article -> the fold model that never saw it: fold K was trained without the sorted tuning articles
    whose position is K modulo the number of folds."""
    from qa.answer.cross import CrossEncoder

    models = [Remembered(CrossEncoder.load(Path(d))) for d in spec.split(",")]
    return {a: models[i % len(models)] for i, a in enumerate(sorted(tuning))}


SEEN: dict[str, dict[str, float] | None] = {}


@dataclass(frozen=True)
class Recording(AnswerModel):
    """The model, keeping the confidence features of each question it answers (by question text)."""

    def excerpts(self, question, *args, **kwargs):
        out = super().excerpts(question, *args, **kwargs)
        SEEN[question] = out[1]
        return out


def _fields(model: AnswerModel) -> dict:
    return {f.name: getattr(model, f.name) for f in fields(model)}


def gold_stage(
    model: AnswerModel, gold_file: Path, squad_rows: tuple[np.ndarray, np.ndarray], gold_weight: float
) -> tuple[AnswerModel, float, dict]:
    """Platt scaling of the SQuAD logit on the shipped corpus's gold dev questions, and the threshold with
    the best abstention F1 there (at most 5% false abstentions); figures on its holdout split (never
    fitted on). Right: the top excerpt holds the evidence. With ``gold_weight`` > 0 the confidence's
    weights are refitted on SQuAD's tuning questions and gold dev together, each gold question counting
    that many times (SQuAD's near-misses rarely lack a name the question gives; the corpus's often do)."""
    from qa.assistant import Assistant
    from qa.evaluation import gold
    from qa.settings import load_settings

    settings = load_settings().replace(show_progress=False)
    assistant = Assistant.load(settings)
    assistant.answer_model = Recording(**_fields(model))
    items = gold.load_gold(gold_file, settings)
    records = [r for r in gold.run_gold(assistant, items, show_progress=False) if SEEN.get(r["question"])]
    split = np.array([r["split"] for r in records])
    truth = (
        np.array([not r["answerable"] for r in records]),
        np.array([r["answerable"] and r["rank"] == 1 for r in records]),
    )
    dev = split == "dev"
    if gold_weight > 0:
        gx = np.array([[SEEN[r["question"]][n] for n in CONFIDENCE_FEATURES] for r in records])
        x = np.vstack([squad_rows[0], gx[dev]])
        y = np.concatenate([squad_rows[1], truth[1][dev].astype(float)])
        w = np.concatenate([np.ones(len(squad_rows[1])), np.full(int(dev.sum()), gold_weight)])
        model = AnswerModel(**{**_fields(model), "confidence": fit_linear(x, y, CONFIDENCE_FEATURES, weights=w)})
    z = np.array([model.logit(SEEN[r["question"]]) for r in records])
    from sklearn.linear_model import LogisticRegression

    lr = LogisticRegression(C=100.0, random_state=SEED).fit(z[dev].reshape(-1, 1), truth[1][dev])
    a, b = max(float(lr.coef_[0][0]), 1e-3), float(lr.intercept_[0])
    shipped = AnswerModel(**{**_fields(model), "platt_a": a, "platt_b": b})
    p_squad = 1 / (1 + np.exp(-z))
    p_corpus = 1 / (1 + np.exp(-(a * z + b)))
    # As abstain_threshold was: the best abstention F1 on gold dev, here with at most 5% false abstentions.
    threshold = best_threshold(p_corpus[dev], (truth[0][dev], truth[1][dev]), by="f1", max_false=0.05)
    squad_threshold = best_threshold(p_squad[dev], (truth[0][dev], truth[1][dev]), by="f1", max_false=0.05)
    figures = {
        "platt": {"a": round(a, 4), "b": round(b, 4)},
        "gold_weight": gold_weight,
        "shipped_confidence_weights": dict(zip(CONFIDENCE_FEATURES, np.round(model.confidence.coef, 3).tolist())),
    }
    for name, part in (("gold dev (Platt and threshold fitted here)", dev), ("gold holdout", split == "holdout")):
        t = (truth[0][part], truth[1][part])
        figures[name] = {
            f"SQuAD calibration, threshold {squad_threshold:g} (best on gold dev)": abstention_figures(
                p_squad[part], t, squad_threshold
            ),
            f"shipped: corpus Platt, threshold {threshold:g}": abstention_figures(p_corpus[part], t, threshold),
        }
    return shipped, threshold, figures


def blank_model() -> AnswerModel:
    """A model of the right shape whose weights are all zero: enough to record what the real one is given."""
    blanks = [
        LinearModel(tuple(n), np.zeros(len(n)), np.ones(len(n)), np.zeros(len(n)), 0.0)
        for n in (SENTENCE_FEATURES, CONFIDENCE_FEATURES)
    ]
    return AnswerModel(*blanks)


def ask_gold_tune(specs: list[str]) -> list:
    """Every tuning question of each ``FILE,INDEX_DIR[,CORPUS_DIR]`` (the index built beforehand)."""
    from qa.evaluation.gold_tune import ask_tuning
    from qa.settings import load_settings

    asked = []
    for spec in specs:
        parts = spec.split(",")
        gold_file, index_dir = Path(parts[0]), Path(parts[1])
        corpus = Path(parts[2]) if len(parts) > 2 else None
        got = ask_tuning(gold_file, corpus, index_dir, blank_model(), load_settings())
        print(f"{gold_file.name}: {len(got)} tuning questions", file=sys.stderr)
        asked += got
    return asked


def gold_tune_stage(
    model: AnswerModel, asked: list, squad_rows: tuple[np.ndarray, np.ndarray], gold_weight: float
) -> tuple[AnswerModel, float, dict]:
    """The confidence refitted on SQuAD's tuning questions and the gold sets' pooled tuning splits (each gold
    question counting ``gold_weight`` times), then Platt-scaled and its threshold chosen (best abstention F1
    with at most 5% false abstentions) on those gold tuning questions. Figures: training figures, labelled
    so; the gold test splits are measured by ``qa eval`` and eval/split_table.py, never here."""
    from sklearn.linear_model import LogisticRegression

    from qa.evaluation.gold_tune import confidence_rows, selector_quoted

    gx, gy = confidence_rows(model, asked, CONFIDENCE_FEATURES)
    x = np.vstack([squad_rows[0], gx])
    y = np.concatenate([squad_rows[1], gy])
    w = np.concatenate([np.ones(len(squad_rows[1])), np.full(len(gy), gold_weight)])
    model = AnswerModel(**{**_fields(model), "confidence": fit_linear(x, y, CONFIDENCE_FEATURES, weights=w)})
    usable = [a for a in asked if a.extra.get("features")]
    z = np.array([model.logit(a.extra["features"]) for a in usable])
    truth = (np.array([not a.item.answerable for a in usable]), np.array([a.right for a in usable]))
    lr = LogisticRegression(C=100.0, random_state=SEED).fit(z.reshape(-1, 1), truth[1])
    a, b = max(float(lr.coef_[0][0]), 1e-3), float(lr.intercept_[0])
    shipped = AnswerModel(**{**_fields(model), "platt_a": a, "platt_b": b})
    p_corpus = 1 / (1 + np.exp(-(a * z + b)))
    threshold = best_threshold(p_corpus, truth, by="f1", max_false=0.05)
    sources = sorted({x.source for x in asked})
    figures = {
        "platt": {"a": round(a, 4), "b": round(b, 4)},
        "gold_weight": gold_weight,
        "shipped_confidence_weights": dict(zip(CONFIDENCE_FEATURES, np.round(model.confidence.coef, 3).tolist())),
        "gold tuning splits (fitted here: training figures)": {
            "confidence": abstention_figures(p_corpus, truth, threshold),
            "selector_quoted": {
                s: round(selector_quoted(shipped, [x for x in asked if x.source == s]), 4) for s in sources
            },
            "questions": {s: sum(x.source == s for x in asked) for s in sources},
        },
    }
    return shipped, threshold, figures


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--squad", type=Path, default=DEFAULT_SQUAD)
    ap.add_argument("--items", type=Path, help="keep the questions' runs in this file and reuse them")
    ap.add_argument(
        "--gold-weight",
        type=float,
        default=10.0,
        help="each gold dev (with --gold-tune: tuning) question's weight in the confidence's refit (0: SQuAD only)",
    )
    ap.add_argument(
        "--gold-tune",
        action="append",
        metavar="FILE,INDEX_DIR[,CORPUS_DIR]",
        help="also fit on this gold set's tuning split (tune/dev), asked over this ready index; repeatable",
    )
    ap.add_argument(
        "--gold-selector-weight",
        type=float,
        default=1.0,
        help="each gold tuning sentence's weight in the selector's fit (with --gold-tune; 1: as a SQuAD one; 3 and "
        "10 held out worse on SQuAD's held-out articles, top-1 sentence 0.852 and 0.848 against 0.862)",
    )
    ap.add_argument("--no-write", action="store_true", help="print the figures; keep the stored model")
    ap.add_argument("--write-to", type=Path, help="write the model and its report into this folder instead")
    ap.add_argument(
        "--cross-in",
        choices=("both", "confidence"),
        default="both",
        help="which model reads the cross-encoder's scores (confidence: the selector gives them no weight)",
    )
    ap.add_argument(
        "--cross-folds",
        metavar="DIR,DIR",
        help="the cross-encoder's fold models (train_cross_encoder.py --fold K/N): the K-th scores the tuning "
        "articles it was not trained on",
    )
    ap.add_argument(
        "--no-cross", action="store_true", help="fit without the cross-encoder's scores (they get no weight)"
    )
    ap.add_argument(
        "--keep-selector",
        action="store_true",
        help="fit the confidence only, over the stored model's selector and second-sentence share (a new confidence "
        "feature then moves no highlight)",
    )
    return ap


def kept_selector(keep: bool) -> AnswerModel | None:
    """The stored model, whose selector a confidence-only fit keeps (``--keep-selector``): its own selector features
    must be the ones this code computes."""
    if not keep:
        return None
    data = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    selector = LinearModel.from_json(data["selector"], SENTENCE_FEATURES)
    n = len(CONFIDENCE_FEATURES)
    blank = LinearModel(CONFIDENCE_FEATURES, np.zeros(n), np.ones(n), np.zeros(n), 0.0)
    return AnswerModel(selector, blank, float(data.get("second_ratio", 0.5)))


def write_models(model: dict, corpus_threshold: float, info: dict, figures: dict, folder: Path | None = None) -> None:
    """Write the answer model and its report (into ``folder`` instead, to compare fits). The paraphrase stage's
    calibration entry is kept, with a note: it was fitted over the previous model's scores and must be refitted
    (eval/fit_threshold.py --paraphrase)."""
    from qa.index.store import atomic_write_json

    model_file, report_file = (
        (folder / MODEL_FILE.name, folder / REPORT_FILE.name) if folder else (MODEL_FILE, REPORT_FILE)
    )
    stored = json.loads(MODEL_FILE.read_text(encoding="utf-8")) if MODEL_FILE.is_file() else {}
    stage = {"paraphrase": stored["paraphrase"]} if "paraphrase" in stored else {}
    atomic_write_json(model_file, {**model, "abstain_threshold": corpus_threshold, "trained": info, **stage})
    atomic_write_json(report_file, {**info, **figures})
    print(f"wrote {model_file} and {report_file}", file=sys.stderr)
    if stage:
        print(
            "note: refit the paraphrase stage's calibration, fitted over the previous model's scores: "
            "python eval/fit_threshold.py --paraphrase REPORTS --write",
            file=sys.stderr,
        )


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if not args.squad.is_file():
        print(f"train_selector: {args.squad} is absent (../shared/bench); nothing to fit, the committed model stays")
        return 0
    from qa.evaluation import squad
    from qa.evaluation.beir import cached_index
    from qa.evaluation.squad_split import SPLIT_FILE, article_split
    from qa.settings import load_settings

    started = time.time()
    np.random.seed(SEED)
    tuning, heldout = article_split()
    path = args.squad.resolve()
    docs, questions = squad.load_squad(path)
    questions = [q for q in questions if q.article in tuning | heldout]
    settings = load_settings().replace(show_progress=False)
    assistant, _ = cached_index(settings, f"squad-{path.stem}", path, docs)
    passages = assistant.retriever.index.passages
    rows: dict[str, list[int]] = {}
    for i, p in enumerate(passages):
        rows.setdefault(p.doc_id, []).append(i)
    if args.items and args.items.is_file():  # a developer's shortcut: the runs of an earlier call
        items = pickle.loads(args.items.read_bytes())
    else:
        items = ask_all(assistant, questions, rows)
        if args.items:
            args.items.write_bytes(pickle.dumps(items))
    cross = None if args.no_cross else Remembered.wrap(load_cross_encoder())
    if cross is not None and args.cross_folds:
        cross.folds = fold_models(args.cross_folds, tuning)
    print(f"cross-encoder: {'none' if cross is None else 'qa/answer/cross-encoder'}", file=sys.stderr)
    gold_asked = ask_gold_tune(args.gold_tune) if args.gold_tune else []
    extra = None
    if gold_asked:
        from qa.evaluation.gold_tune import sentence_rows as gold_sentence_rows

        gx, gy, _ = gold_sentence_rows(gold_asked, cross if args.cross_in != "confidence" else None)
        extra = (gx, gy, args.gold_selector_weight)
    model, threshold, figures, squad_rows = fit_and_report(
        items,
        tuning,
        passages,
        settings.max_highlights,
        settings.abstain_threshold,
        extra,
        cross,
        args.cross_in != "confidence",
        kept_selector(args.keep_selector),
    )
    held_items = [it for it in items if it.article in heldout]
    if gold_asked:
        shipped, corpus_threshold, figures["gold"] = gold_tune_stage(model, gold_asked, squad_rows, args.gold_weight)
        figures["gold"]["selector_sentences"] = {"rows": int(len(extra[1])), "weight": args.gold_selector_weight}
        figures["gold"]["fitted_on"] = args.gold_tune
    else:
        shipped, corpus_threshold, figures["gold"] = gold_stage(model, GOLD_FILE, squad_rows, args.gold_weight)
    figures["confidence"]["held-out articles"][f"shipped: corpus Platt, threshold {corpus_threshold:g}"] = (
        abstention_figures(
            np.array([shipped.calibrated(it.extra["features"]) if it.extra["features"] else 0.0 for it in held_items]),
            outcome(held_items),
            corpus_threshold,
        )
    )
    info = {
        "data": str(path.relative_to(ROOT.parent)) if path.is_relative_to(ROOT.parent) else str(path),
        "split": str(SPLIT_FILE.relative_to(ROOT)),
        "tuning_questions": sum(it.article in tuning for it in items),
        "heldout_questions": sum(it.article in heldout for it in items),
        "squad_abstain_threshold_chosen_on_tuning": threshold,
        "calibrated_abstain_threshold_chosen_on_gold_" + ("tune_splits" if gold_asked else "dev"): corpus_threshold,
        "seed": SEED,
        "selector": "kept from the stored model (--keep-selector)" if args.keep_selector else "fitted here",
        "wall_s": round(time.time() - started, 1),
    }
    print(json.dumps({**info, **figures}, indent=1))
    if not args.no_write:
        write_models(shipped.to_json(), corpus_threshold, info, figures, args.write_to)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
