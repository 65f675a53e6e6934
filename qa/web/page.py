"""What the tabs of the web page share: the workspace it serves, its components, and the views several tabs show.

Handlers return ``{component: value}``: a component left out keeps its value, so no output is wired by position.
"""

from __future__ import annotations

import shutil
import tempfile
import weakref
from pathlib import Path
from typing import Any

import gradio as gr

from qa.answer.compose import page_citation
from qa.settings import Settings
from qa.web.eval_tab import latest_evaluation
from qa.web.render import corpus_summary, document_html, documents_html, evaluation_html, source_label, sources_html
from qa.web.session import Session, new_conversation_id
from qa.web.transcript import transcript_markdown
from qa.web.workspace import Workspace

__all__ = ["EXAMPLES", "N_SUGGESTIONS", "Page"]

SHIPPED_CORPUS = Settings().corpus_dir
EXAMPLES = [  # good first questions for the shipped corpus; other corpora get suggestions from the library
    "Who presented on diaspora engagement?",
    "How do remittances compare with development aid?",
    "What happened in Akwete?",
    "What are the three key issues that come up again and again in discussions around migration?",
]
N_SUGGESTIONS = 4


class Page:
    """One page over one workspace. The tabs' ``layout`` functions set the components below; the views return
    dictionaries of updates keyed by them."""

    state: Any
    header: Any
    # Chat tab
    chatbot: Any
    box: Any
    send: Any
    suggest_label: Any
    suggest: list[Any]
    more: Any
    clear: Any
    copy: Any
    download: Any
    transcript_box: Any
    sources: Any
    picker: Any
    viewer: Any
    doc_filter: Any
    mark_yes: Any
    mark_no: Any
    mark_excerpt: Any
    mark_status: Any
    # Documents tab
    folder: Any
    open_btn: Any
    files: Any
    rebuild_btn: Any
    status: Any
    documents: Any
    watch: Any  # the "Watch the folder" checkbox, its status line, the timer that refreshes it, what was shown
    watch_status: Any
    watch_timer: Any
    watch_seen: Any
    # Settings and Evaluation tabs
    top_k: Any
    rerank: Any
    threshold: Any
    reset: Any
    settings_tab: Any
    calibration: Any
    refit: Any
    refit_report: Any
    eval_tab: Any
    refresh: Any
    evaluation: Any

    def __init__(self, workspace: Workspace):
        self.workspace = workspace
        self.base = workspace.get(workspace.default_key).settings
        self.transcripts = tempfile.mkdtemp(prefix="qa-transcripts-")  # one folder per tab inside, made when needed
        # Exported conversations live as long as the page: removed when it is collected or the server exits.
        weakref.finalize(self, shutil.rmtree, self.transcripts, ignore_errors=True)

    @property
    def knobs(self) -> list[Any]:
        return [self.top_k, self.rerank, self.threshold]

    @property
    def conversation(self) -> list[Any]:
        """What a new conversation empties (``cleared``)."""
        return [self.chatbot, self.sources, self.picker, self.viewer, self.more, self.transcript_box, self.download,
                *self.marks]  # fmt: skip

    @property
    def marks(self) -> list[Any]:
        return [self.mark_yes, self.mark_no, self.mark_excerpt, self.mark_status]

    @property
    def suggestion_buttons(self) -> list[Any]:
        return [self.suggest_label, *self.suggest]

    def session_of(self, state: Session | None) -> Session:
        if state is None or state.corpus not in {c.key for c in self.workspace.corpora()}:
            return Session(self.workspace.default_key)
        return state

    def corpus_view(self, key: str) -> tuple[str, str]:
        """(the page's header, the documents list) for a corpus."""
        entry = self.workspace.get(key)
        manifest = entry.assistant.manifest if entry.assistant else None
        return (
            f"## Ask the documents\n{corpus_summary(manifest, str(entry.path), entry.problem)}",
            documents_html(manifest, str(entry.path), entry.problem),
        )

    def corpus_updates(self, key: str) -> dict[Any, Any]:
        header, docs = self.corpus_view(key)
        return {self.header: header, self.documents: docs}

    def document_choices(self, key: str) -> list[str]:
        """The chat's document filter offers the corpus's folders and documents."""
        from qa.search.filter import choice_names

        assistant = self.workspace.assistant(key)
        return choice_names(assistant.manifest.get("files", {})) if assistant else []

    def corpus_choices(self, key: str) -> Any:
        paths = [str(c.path) for c in self.workspace.corpora()]
        return gr.update(choices=paths, value=str(self.workspace.get(key).path))

    def suggestions(self, key: str, state: Session | None = None) -> dict[Any, Any]:
        """Buttons: starter questions before the first answer, then related questions."""
        entry = self.workspace.get(key)
        assistant = entry.assistant
        if assistant is None:
            questions: list[str] = []
            label = ""
        elif state is not None and state.answers:
            last = state.answers[-1]
            asked = [a.question for a in state.answers]
            questions = assistant.related(last, asked, limit=N_SUGGESTIONS - 1) if not last.message else []
            label = "**Related questions**" if questions else ""
        else:
            questions = EXAMPLES if entry.path == SHIPPED_CORPUS else assistant.suggestions(N_SUGGESTIONS)
            label = "**Try one of these**" if questions else ""
        updates = {self.suggest_label: gr.update(value=label, visible=bool(label))}
        for i, button in enumerate(self.suggest):
            q = questions[i] if i < len(questions) else ""
            updates[button] = gr.update(value=q, visible=bool(q))
        return updates

    def transcript(self, state: Session) -> dict[Any, Any]:
        """The conversation as Markdown, in the tab's box and as a file to download (written atomically)."""
        md = transcript_markdown(state.answers, str(self.workspace.get(state.corpus).path))
        if not state.folder:
            state.folder = tempfile.mkdtemp(prefix="chat-", dir=self.transcripts)
        path = Path(state.folder) / "conversation.md"
        tmp = path.with_suffix(".part")
        tmp.write_text(md, encoding="utf-8")
        tmp.replace(path)
        return {self.transcript_box: md, self.download: gr.update(value=str(path), interactive=bool(state.answers))}

    def show_passage(self, answer: Any, position: int, key: str) -> str:
        if answer is None or not answer.excerpts or position >= len(answer.excerpts):
            return ""
        e = answer.excerpts[position]
        assistant = self.workspace.assistant(key)
        try:
            doc, unchanged = assistant.read_indexed(e.passage.doc_id)
        except (KeyError, AttributeError):
            return "<p>This document is no longer in the index.</p>"
        page = page_citation(e.passage)
        shaped = doc.layout.shaped if doc.layout is not None else ()
        p = e.passage
        return document_html(doc.title, doc.text, p.start, p.end, e.highlights, not unchanged, page, shaped)

    @staticmethod
    def picker_update(answer: Any) -> Any:
        choices = [source_label(e) for e in answer.excerpts] if answer is not None else []
        return gr.update(choices=choices, value=choices[0] if choices else None)

    def cleared(self, state: Session) -> dict[Any, Any]:
        """An empty conversation: chat, sources, picker, viewer, show-more, transcript, download, suggestions."""
        if state.chat is not None:
            state.chat.reset()
        state.answers.clear()
        state.thresholds.clear()
        state.id = new_conversation_id()  # marks from here on belong to another conversation
        state.shown = 0
        return {
            self.chatbot: [],
            self.sources: sources_html(None),
            self.picker: gr.update(choices=[], value=None),
            self.viewer: "",
            self.more: gr.update(visible=False),
            **{b: gr.update(visible=False) for b in self.marks[:3]},
            self.mark_status: "",
            **self.transcript(state),
            **self.suggestions(state.corpus),
        }

    def calibration_view(self, state: Session | None) -> dict[Any, Any]:
        """Which calibration the corpus in use answers with, and its threshold on the Settings tab's slider."""
        assistant = self.workspace.assistant(self.session_of(state).corpus)
        if assistant is None:
            return {self.calibration: ""}
        return {self.calibration: assistant.calibration_in_use(), self.threshold: assistant.threshold_in_use}

    def evaluation_view(self, state: Session | None) -> str:
        """The latest report for this tab's corpus (read afresh: a run or a rebuild may have happened)."""
        entry = self.workspace.get(self.session_of(state).corpus)
        manifest = entry.assistant.manifest if entry.assistant else {}
        return evaluation_html(latest_evaluation(entry.settings, manifest))
