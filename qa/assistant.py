"""The Python API other tools drive: ``Assistant.load()``, ``assistant.chat()``, ``chat.ask(...)``."""

from __future__ import annotations

import json
import sys
import time
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from qa.answer.compose import (
    COPY_SCAN,
    answer_text,
    best_sentences_text,
    follow_lead_ins,
    make_excerpts,
    mix_scores,
    quoted_text,
    select_excerpts,
)
from qa.answer.confidence import CALIBRATION_FILE, ConfidenceModel, model_from_weights
from qa.answer.copies import copies_of, without_copies
from qa.answer.features import idf_weights
from qa.answer.neighbours import join_excerpts, with_introduced_next
from qa.answer.recalibration import FEEDBACK_CALIBRATION_FILE, Recalibration
from qa.answer.related import related_questions, starter_questions
from qa.answer.selector import AnswerModel, StageCalibration, load_answer_model
from qa.encode.embedder import Embedder
from qa.index import store
from qa.index.bm25 import query_terms
from qa.index.build import BuildReport, Progress, build_index, open_index, staleness
from qa.index.salvage import problem_of
from qa.ingest.loading import UnreadableFile, load_file, load_titles
from qa.search.conversation import Turn, kept_listing, ordinal_in
from qa.search.filter import DocumentFilter, UnknownDocuments, document_filter
from qa.search.followups import (
    FollowUp,
    entry_masks,
    plan,
    sentence_deltas,
    steer,
    with_deltas,
    without_entries,
    without_repeats,
)
from qa.search.retriever import Retrieval, Retriever
from qa.settings import Settings, load_settings
from qa.types import Answer, Candidate, Document, Excerpt, Passage


class QuestionError(ValueError):
    """The question cannot be searched as typed; the message tells the user what to do."""


def clean_question(question: Any, max_chars: int) -> str:
    """Strip control characters and surrounding space; refuse empty or oversized questions."""
    if not isinstance(question, str):
        raise QuestionError("Please type a question as text.")
    text = "".join(" " if unicodedata.category(ch) in {"Cc", "Cf", "Cs"} else ch for ch in question)
    text = " ".join(text.split())
    if not text:
        raise QuestionError("Please type a question.")
    if len(text) > max_chars:
        raise QuestionError(
            f"Your question is {len(text):,} characters long; the limit is {max_chars:,}. "
            "Please ask about one thing at a time."
        )
    return text


def _check_same_model(manifest: dict[str, Any], embedder: Embedder) -> None:
    """Vectors from another model cannot be searched with this one's queries (wrong answers, or a crash)."""
    built = manifest.get("model", {})
    info = embedder.info
    now = {"weights_sha256": info.weights_sha256, "dimension": info.dimension}
    now |= {"query_prefix": info.query_prefix, "passage_prefix": info.passage_prefix}
    if any(built.get(k) != v for k, v in now.items()):
        raise store.IndexError_(
            f"the index in {embedder.settings.index_dir} was built with another embedding model "
            f"({built.get('name', 'unknown')}, weights {str(built.get('weights_sha256'))[:12]}…) than "
            f"{info.name} (weights {info.weights_sha256[:12]}…); run `qa index` to rebuild it"
        )


# The confidence shown with the paraphrase second stage on and its own shipped calibration (a refit from the
# users' marks is fitted over one confidence kind and means nothing over another).
PARAPHRASE_KIND = "learned, paraphrase stage"
BUILT_IN_CALIBRATION = "built-in (fitted on the default corpus's dev questions)"


def load_calibration(index_dir: Path) -> tuple[ConfidenceModel, str]:
    """The confidence model saved with the index by ``qa eval --calibrate --save-calibration``, else the
    built-in one. A damaged file is reported and ignored: abstention falls back, answering goes on."""
    path = index_dir / CALIBRATION_FILE
    if not path.is_file():
        return ConfidenceModel(), BUILT_IN_CALIBRATION
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return model_from_weights(data.get("weights") if isinstance(data, dict) else data), str(path)
    except (OSError, ValueError) as exc:
        print(f"note: ignoring {path} ({exc}); using the built-in confidence model", file=sys.stderr)
        return ConfidenceModel(), BUILT_IN_CALIBRATION


def load_recalibration(index_dir: Path, over: str) -> Recalibration | None:
    """The refit from the corpus's marks (``qa feedback refit``), if one is stored and was fitted over the
    confidence in use now; a damaged or mismatched file is reported and ignored."""
    path = index_dir / FEEDBACK_CALIBRATION_FILE
    if not path.is_file():
        return None
    try:
        found = Recalibration.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:
        print(f"note: ignoring {path} ({exc}); using the calibration without the marks' refit", file=sys.stderr)
        return None
    if found.over != over:
        print(f"note: ignoring {path}: it was fitted over the {found.over!r} confidence, not {over!r}", file=sys.stderr)
        return None
    return found


@dataclass
class Assistant:
    settings: Settings
    embedder: Embedder
    retriever: Retriever
    confidence: ConfidenceModel = field(default_factory=ConfidenceModel)
    build_report: BuildReport | None = None
    confidence_source: str = BUILT_IN_CALIBRATION
    answer_model: AnswerModel | None = None  # the learned selector and confidence; None: the rules
    recalibration: Recalibration | None = None  # refitted on this corpus's marks (qa feedback refit)

    @classmethod
    def load(
        cls,
        settings: Settings | None = None,
        build: bool = True,
        embedder: Embedder | None = None,
        progress: Progress | None = None,
        builder: Callable[..., BuildReport] = build_index,
    ) -> Assistant:
        """Open the index, building or updating it first when it is missing or stale.

        ``embedder`` shares an already loaded model (several corpora, one model); ``progress`` hears how
        far a build has come; ``builder`` does the build (``qa.index.buildproc.build_in_child`` for a server,
        which keeps torch out of its own memory).
        """
        settings = settings or load_settings()
        embedder = embedder or Embedder(settings)
        report = None
        manifest = None
        try:
            manifest = store.read_manifest(settings.index_dir)
        except store.IndexError_:
            if not build:
                raise
        if build and (manifest is None or staleness(settings, embedder, manifest)):
            try:
                report = builder(settings, embedder, progress=progress)
            except OSError as exc:  # a full disk, a read-only folder: answer from the index there is
                if manifest is None:
                    raise
                why = exc.strerror or str(exc)
                print(f"note: the index could not be updated ({why}); answering from the existing one", file=sys.stderr)
        elif not build and manifest is not None:
            _check_same_model(manifest, embedder)
        try:
            index = open_index(settings)
        except store.IndexError_ as exc:
            if not build:
                raise
            report = builder(settings, embedder, progress=progress, repair=problem_of(str(exc)))
            index = open_index(settings)
        confidence, source = load_calibration(settings.index_dir)
        retriever = Retriever(index, embedder, settings)
        retriever.progress = progress  # the paraphrase stage encodes the corpus next, in use_stage_threshold
        assistant = cls(settings, embedder, retriever, confidence, build_report=report)
        assistant.confidence_source = source
        assistant.answer_model = load_answer_model(cross=settings.cross_encoder)
        assistant.use_stage_threshold()
        retriever.progress = None
        assistant.use_recalibration(load_recalibration(settings.index_dir, assistant.confidence_kind))
        return assistant

    @property
    def confidence_kind(self) -> str:
        """Which confidence the answers show (a refit over one means nothing over another)."""
        learned = self.settings.learned_confidence and self.confidence_source == BUILT_IN_CALIBRATION
        if not learned or self.answer_model is None:
            return f"rules: {self.confidence_source}"
        return PARAPHRASE_KIND if self.stage_calibration(self.settings) is not None else "learned"

    @property
    def threshold_field(self) -> str:
        learned = self.confidence_kind in {"learned", PARAPHRASE_KIND}
        return "calibrated_abstain_threshold" if learned else "abstain_threshold"

    def stage_calibration(self, settings: Settings) -> StageCalibration | None:
        """The shipped calibration for the paraphrase second stage, when ``settings`` turn that stage on and the
        answer model has one: the stage moves the features the confidence reads, so the stage-off Platt
        scaling and threshold turn good answers away (docs/notes/2026-12-06-paraphrase.md)."""
        if not settings.paraphrase_model or not self.retriever_stage_on():
            return None
        return getattr(self.answer_model, "paraphrase", None)

    def retriever_stage_on(self) -> bool:
        """Whether the retriever runs the paraphrase stage: its own settings name a model, or "auto" found the
        installed one for a corpus this size. Asking loads the scorer (and encodes the corpus once, with a
        progress bar), so ``load`` pays that cost rather than the first question."""
        if not getattr(getattr(self.retriever, "settings", None), "paraphrase_model", ""):
            return False
        return getattr(self.retriever, "paraphrase", None) is not None

    def use_stage_threshold(self) -> None:
        """With the paraphrase stage on, abstain below its own shipped threshold, unless one was set by hand."""
        found = self.stage_calibration(self.settings)
        if found is not None and self.settings.calibrated_abstain_threshold == Settings().calibrated_abstain_threshold:
            self.settings = self.settings.replace(calibrated_abstain_threshold=found.threshold)

    @property
    def threshold_in_use(self) -> float:
        return float(getattr(self.settings, self.threshold_field))

    def use_recalibration(self, found: Recalibration | None) -> None:
        """Show confidences through ``found``'s layer and abstain below its threshold from now on. A threshold
        set by hand (config file, environment, --threshold) wins over the refitted one."""
        name = self.threshold_field
        now = getattr(self.settings, name)
        own = {getattr(Settings(), name)} | ({self.recalibration.threshold} if self.recalibration else set())
        stage = self.stage_calibration(self.settings)
        own |= {stage.threshold} if stage is not None and name == "calibrated_abstain_threshold" else set()
        self.recalibration = found
        if found is not None and now in own:
            self.settings = self.settings.replace(**{name: found.threshold})

    def calibration_in_use(self) -> str:
        """One line for the page and the CLI: which calibration decides the percentage shown and abstention."""
        if self.recalibration is not None:
            own = "" if self.threshold_in_use == self.recalibration.threshold else " (a threshold set by hand)"
            return f"Calibration: {self.recalibration.describe()}; abstain below {self.threshold_in_use:.0%}{own}."
        kind = self.confidence_kind
        base = "the shipped learned model" if kind == "learned" else self.confidence_source
        base = "the shipped learned model, calibrated for the paraphrase stage" if kind == PARAPHRASE_KIND else base
        return f"Calibration: {base}; abstain below {self.threshold_in_use:.0%} (no refit from marks)."

    @property
    def manifest(self) -> dict[str, Any]:
        return self.retriever.index.manifest

    def text_from(self, row: int, passages: int = 4) -> str:
        """The document text from passage ``row`` through up to ``passages`` passages of its section: where
        a list that the answer introduced goes on. Read from the document itself, since passages leave out
        list markers ("1.") that fall between them; stitched from the passages if the file has changed."""
        rows = self.retriever.index.passages
        if not 0 <= row < len(rows):
            return ""
        first = rows[row]
        span = [p for p in rows[row : row + passages] if p.doc_id == first.doc_id and p.section == first.section]
        end = max(p.end for p in span)
        try:
            _, text, unchanged = self.document(first.doc_id)
        except KeyError:
            unchanged = False
        if unchanged:
            return text[first.start : end]
        return "\n\n".join(p.text for p in span)

    def chat(self) -> Chat:
        return Chat(self)

    def warm(self) -> None:
        """Ask one throwaway question so the first user's does not pay for opening the encoder's session,
        the thread pools and the index pages (about 240 ms on a laptop, against 7-9 ms afterwards)."""
        self.ask("What are these documents about?")

    def document_filter(self, documents: Iterable[str] | None) -> DocumentFilter | None:
        """The passage rows that ``documents`` (names, or folders such as ``manuals/``) choose; None for all.
        Raises UnknownDocuments when a name chooses nothing."""
        return document_filter(documents, self.retriever.index.doc_spans)

    def ask(
        self,
        question: str,
        history: list[Turn] | None = None,
        documents: Iterable[str] | None = None,
        **overrides: Any,
    ) -> Answer:
        """Answer one question; ``history`` turns it into a follow-up; ``documents`` (names or folders)
        restricts the search to those documents; ``overrides`` change settings."""
        started = time.perf_counter()
        settings = self.settings.replace(**overrides) if overrides else self.settings
        try:
            text = clean_question(question, settings.max_question_chars)
            only = self.document_filter(documents)
        except (QuestionError, UnknownDocuments) as exc:
            shown = question if isinstance(question, str) else ""
            return Answer(shown[:200], "", True, 0.0, str(exc), [], {"total": 0.0}, message=str(exc))
        follow = plan(text, history or [], settings.followup_subject_words)
        query, asked = follow.query, follow.asked(text)
        found = self.retriever.search(query, settings, asked=asked, only=only)
        t_compose = time.perf_counter()
        index = self.retriever.index
        deltas = self.steer_follow_up(found, follow, settings)
        extra = settings.top_k if settings.join_neighbours else 0  # each join frees a place
        want = settings.top_k + extra
        chosen = select_excerpts(
            found.candidates, index.passages, index.vectors, want, settings.mmr_lambda, pool=max(10, want)
        )
        own = follow.said(text)
        scores = with_deltas(self.highlight_scores(found, [c.index for c in chosen], own, settings), deltas)
        evidence = self.confidence_evidence(found)
        barred = entry_masks(follow, [c.index for c in chosen], index.passages)
        learned, calibrated = self.learned_answer(text, chosen, scores, evidence[:2], settings, barred)
        excerpts = learned or make_excerpts(chosen, index.passages, scores, settings.max_highlights, question=text)
        if extra:
            excerpts = join_excerpts(excerpts, settings.top_k, settings.max_highlights, keep=settings.top_k + 1)
            excerpts = with_introduced_next(excerpts, index.passages, settings.top_k)[: settings.top_k]
        if follow.steers and follow.avoid:  # a follow-up that moves on does not re-quote the last answer
            excerpts = [
                replace(e, highlights=without_repeats(e.passage.doc_id, e.highlights, follow.avoid)) for e in excerpts
            ]
        excerpts = self.with_copies_named(excerpts, found)
        if calibrated is None:
            confidence, threshold = self.confidence.score(text, *evidence), settings.abstain_threshold
        else:
            confidence, threshold = calibrated, settings.calibrated_abstain_threshold
        if self.recalibration is not None:  # the corpus's refit from its marks
            confidence = self.recalibration.apply(confidence)
        abstained = confidence < threshold
        timings = dict(found.timings_ms)
        timings["compose"] = (time.perf_counter() - t_compose) * 1000
        timings["total"] = (time.perf_counter() - started) * 1000
        return Answer(
            question=text,
            query=query,
            abstained=abstained,
            confidence=confidence,
            answer=answer_text(excerpts, abstained),
            excerpts=excerpts,
            timings_ms=timings,
        )

    def steer_follow_up(self, found: Retrieval, follow: FollowUp, settings: Settings) -> dict[int, np.ndarray]:
        """For a follow-up that moves on (a new subject, "why", "the second one"): lower the sentence the last
        answer quoted, raise reason sentences for "why", and re-rank the passages the second stage scored by
        sentence. Returns the sentence score changes, which the highlights get too."""
        if not follow.steers or not found.sentence_scores:
            return {}
        rows = list(found.sentence_scores)
        deltas = sentence_deltas(
            follow,
            rows,
            self.retriever.index.passages,
            settings.followup_repeat_penalty,
            settings.followup_cause_bonus,
            settings.followup_near_bonus,
        )
        if deltas:
            found.candidates = steer(found.candidates, found.sentence_scores, deltas, settings.sentence_weight)
        return deltas

    def learned_answer(
        self,
        question: str,
        chosen: list[Candidate],
        scores: dict[int, np.ndarray],
        evidence: tuple[list[Candidate], list[str]],
        settings: Settings,
        barred: dict[int, np.ndarray] | None = None,
    ) -> tuple[list[Excerpt] | None, float | None]:
        """(the selector's excerpts, the calibrated confidence), each None where its setting is off or no
        model loaded. A confidence model fitted on this corpus's own questions and saved with its index
        (``qa eval --calibrate --save-calibration``) wins over the shipped calibrated one."""
        model = self.answer_model
        if model is not None and self.stage_calibration(settings) is not None:
            model = model.with_paraphrase()
        use_confidence = settings.learned_confidence and self.confidence_source == BUILT_IN_CALIBRATION
        if model is None or not chosen or not (settings.learned_highlights or use_confidence):
            return None, None
        index = self.retriever.index
        idf = idf_weights(index.bm25, query_terms(question), len(index.passages))
        args = (question, chosen, index.passages, scores, settings.max_highlights, idf, evidence)
        excerpts, p = model.answer(
            *args,
            next_ratio=settings.highlight_next_ratio,
            barred=barred,
            command_ratio=settings.highlight_command_ratio,
        )
        # SQuAD has no lead-ins ending in ":", so the rules that bring what a lead-in announces stay.
        most = settings.max_highlights
        excerpts = [replace(e, highlights=follow_lead_ins(e.passage, e.highlights, question, most)) for e in excerpts]
        if barred:  # a lead-in's block may be the list asked about
            excerpts = [
                replace(e, highlights=without_entries(e.passage, e.highlights, barred.get(e.row))) for e in excerpts
            ]
        return (excerpts if settings.learned_highlights else None), (p if use_confidence else None)

    def highlight_scores(
        self, found: Retrieval, rows: list[int], asked: str, settings: Settings
    ) -> dict[int, np.ndarray]:
        """Sentence scores that choose the highlights. For a follow-up they also weigh the question as
        typed (``own_words_highlight_weight``): its context words found the passage, its own words say which
        sentence answers. That costs one more question encoding, for follow-ups only."""
        weight = settings.own_words_highlight_weight
        if found.query == asked or weight <= 0 or not rows:
            return found.sentence_scores
        own = self.retriever.question_sentence_cosines(rows, asked, settings)
        return mix_scores(found.sentence_scores, own, weight)

    def confidence_evidence(self, found: Retrieval) -> tuple[list[Candidate], list[str], str]:
        """What the confidence model reads: the top three candidates, their sections and texts, and the
        sentences of the top passage that match the query best. A copy of a better one in another document (the
        same manual as HTML and PDF) is not a runner-up: it would read as a near tie, a doubtful answer."""
        passages = self.retriever.index.passages
        top = without_copies(found.candidates[: 3 * COPY_SCAN], passages, 3)
        texts = [f"{passages[c.index].section}\n{passages[c.index].text}" for c in top]
        if not top:
            return top, texts, ""
        lead = top[0].index
        return top, texts, best_sentences_text(passages[lead], found.sentence_scores.get(lead, np.zeros(0)))

    def more(
        self, answer: Answer, count: int = 3, documents: Iterable[str] | None = None, **overrides: Any
    ) -> list[Excerpt]:
        """The next-best excerpts for ``answer``, beyond the ones it shows, numbered on from them.

        Its resolved query is searched again (same ``documents`` and ``overrides`` as the first time);
        passages already shown are skipped and highlights are chosen against the same best sentence as before.
        """
        if answer.message or not answer.query or count <= 0:
            return []
        settings = self.settings.replace(**overrides) if overrides else self.settings
        want = len(answer.excerpts) + count
        settings = settings.replace(top_k=max(settings.top_k, want))
        only = self.document_filter(documents)
        found = self.retriever.search(answer.query, settings, asked=answer.question, only=only)
        index = self.retriever.index

        def was_shown(p: Passage) -> bool:  # an excerpt may join two passages
            return any(
                e.passage.doc_id == p.doc_id and e.passage.start <= p.start and p.end <= e.passage.end
                for e in answer.excerpts
            )

        shown = [was_shown(index.passages[c.index]) for c in found.candidates]
        old = [c for c, seen in zip(found.candidates, shown) if seen]
        rest = [c for c, seen in zip(found.candidates, shown) if not seen]
        pool, before = max(10, 3 * count), [e.passage for e in answer.excerpts]
        new = select_excerpts(rest, index.passages, index.vectors, count, settings.mmr_lambda, pool=pool, shown=before)
        chosen = old + new
        scores = self.highlight_scores(found, [c.index for c in chosen], answer.question, settings)
        learned, _ = self.learned_answer(answer.question, chosen, scores, ([], []), settings)
        excerpts = learned or make_excerpts(
            chosen, index.passages, scores, settings.max_highlights, question=answer.question
        )
        first = len(answer.excerpts) + 1
        return self.with_copies_named([replace(e, rank=first + i) for i, e in enumerate(excerpts[len(old) :])], found)

    def with_copies_named(self, excerpts: list[Excerpt], found: Retrieval) -> list[Excerpt]:
        """Each excerpt with the copies of its text in other documents that the answer left out (``also_in``)."""
        passages = self.retriever.index.passages
        scan = found.candidates[: COPY_SCAN * 10]
        return [replace(e, also_in=copies_of(e.passage, scan, passages)) for e in excerpts]

    def related(self, answer: Answer, asked: Iterable[str] = (), limit: int = 3, **overrides: Any) -> list[str]:
        """Follow-up questions about the sections around ``answer``'s citations that the documents answer. The
        check skips the paraphrase stage: a few suggestions each asked with it kept the chat busy for seconds after
        the answer, and a question typed then was dropped."""
        overrides = {"paraphrase_model": "", **overrides}

        def answered(question: str) -> bool:
            found = self.ask(question, **overrides)
            return not found.abstained and not found.message

        lead = answer.excerpts[0].passage.doc_id if answer.excerpts else ""
        return related_questions(answer, self.retriever.index.doc_passages(lead), asked, limit, accept=answered)

    def suggestions(self, limit: int = 4) -> list[str]:
        """Questions to start with on this corpus (section headings its documents answer); computed once."""
        cached = self.__dict__.get("_suggestions")
        if cached is None or len(cached) < limit:
            index = self.retriever.index
            # Headings come from each document's opening passages: enough for the few questions offered.
            heads = [p for doc in self.manifest.get("files", {}) for p in index.doc_passages(doc, limit=40)]
            cached = starter_questions(heads, limit, accept=lambda q: not self.ask(q).abstained)
            self.__dict__["_suggestions"] = cached
        return cached[:limit]

    def document(self, doc_id: str) -> tuple[str, str, bool]:
        """(title, text, unchanged) of an indexed document, read from the corpus folder.

        Only documents named in the manifest are served; ``unchanged`` is False when the file was edited
        after indexing, so offsets may be off until the next rebuild.
        """
        doc, unchanged = self.read_indexed(doc_id)
        return doc.title, doc.text, unchanged

    def read_indexed(self, doc_id: str) -> tuple[Document, bool]:
        """An indexed document as its reader gives it (with its layout: code and tables for the passage
        view), and whether it is unchanged since indexing; KeyError for any other name."""
        files = self.manifest.get("files", {})
        if doc_id not in files:
            raise KeyError(doc_id)
        path = self.settings.corpus_dir / doc_id
        if not path.resolve().is_relative_to(self.settings.corpus_dir.resolve()):
            raise KeyError(doc_id)
        try:
            doc = load_file(path, doc_id, self.settings, load_titles(self.settings.corpus_dir))
        except (UnreadableFile, OSError) as exc:
            raise KeyError(f"{doc_id}: {exc}") from None
        return doc, doc.sha256 == files[doc_id]["sha256"]

    def documents(self) -> list[dict[str, Any]]:
        return [{"doc": k, **v} for k, v in self.manifest.get("files", {}).items()]


class Chat:
    """One conversation; follow-ups are resolved against its earlier turns."""

    def __init__(self, assistant: Assistant):
        self.assistant = assistant
        self.history: list[Turn] = []

    def ask(self, question: str, documents: Iterable[str] | None = None, **overrides: Any) -> Answer:
        """``documents``: search only these documents (names, or folders such as ``manuals/``)."""
        last = self.history[-1] if self.history else None
        if isinstance(question, str) and ordinal_in(question) is not None:  # a list item asked for: read the list
            for turn in self.history[-3:]:
                if not turn.listing and turn.row >= 0:
                    turn.listing = self.assistant.text_from(turn.row)
        answer = self.assistant.ask(question, self.history, documents, **overrides)
        if not answer.message:
            top = answer.excerpts[0] if answer.excerpts else None
            section = top.passage.section if top else ""
            said = quoted_text(top) if top else ""
            turn = Turn(answer.question, answer.query, section, answer.abstained, said, row=top.row if top else -1)
            turn.listing = kept_listing(answer.question, last)
            if top is not None:
                turn.quoted = [(top.passage.doc_id, a, b) for a, b in top.highlights]
            self.history.append(turn)
        return answer

    def reset(self) -> None:
        self.history.clear()
