"""The web chat. Thin on purpose: it renders what the ``qa`` library answers and holds no retrieval logic.

Four tabs: Chat (streamed answers with highlighted excerpts, numbered citations, "show more", related
questions, the conversation as Markdown), Documents (the corpus in use: its documents and skipped
files, uploads, rebuilds with a progress bar, switching folders), Settings (excerpts per answer,
reranking, abstention threshold) and Evaluation (the latest ``qa eval`` report for the corpus in use,
its tables and plots, and the latest benchmark reports). Run ``python app.py`` (or ``qa serve``); it
binds to 127.0.0.1 unless told otherwise.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

# Set before gradio is imported: no usage statistics leave the machine.
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ.setdefault("GRADIO_SERVER_NAME", "127.0.0.1")

from qa.settings import Settings  # noqa: E402

SHIPPED_CORPUS = Settings().corpus_dir
EXAMPLES = [  # good first questions for the shipped corpus; other corpora get suggestions from the library
    "Who presented on diaspora engagement?",
    "How do remittances compare with development aid?",
    "What happened in Akwete?",
    "What are the three key issues that come up again and again in discussions around migration?",
]
N_SUGGESTIONS = 4
MORE_STEP = 3
# A closed page's session (its conversation, Gradio's copy of its outputs) is freed this long after its
# connection ends; a page whose connection comes back and asks again within it keeps its conversation.
CLOSED_SESSION_GRACE_S = 60.0

CSS = """
.excerpt { border-left: 3px solid var(--qa-accent); padding-left: .6rem; margin: .6rem 0; }
#chat .excerpt blockquote { margin: .3rem 0; padding: 0; border: 0; overflow-wrap: anywhere; }
.source { font-size: .9em; }
.confidence, .muted { font-size: .9em; }
.muted { opacity: .8; }
.level { font-weight: 600; }
.level.high { color: var(--qa-good); }
.level.moderate { color: var(--qa-warn); }
.notfound { border-left: 3px solid var(--qa-bad); padding-left: .6rem; }
.more-head { font-weight: 600; margin-top: .8rem; padding-top: .4rem;
             border-top: 1px solid var(--border-color-primary); }
mark { background: var(--qa-mark-bg); color: var(--qa-mark-fg); padding: 0 1px; border-radius: 2px; }
.doctext { white-space: pre-wrap; overflow-wrap: anywhere; max-height: 70vh; overflow-y: auto; position: relative; }
.passage { background: var(--qa-passage-bg); outline: 2px solid var(--qa-accent); border-radius: 4px;
           scroll-margin: 2rem; }
a.cite { font-weight: 600; text-decoration: none; white-space: nowrap; color: var(--color-accent); }
a.cite:focus-visible, #chat a:focus-visible { outline: 2px solid var(--qa-accent); outline-offset: 2px; }
.doclist { border-collapse: collapse; width: 100%; margin: .6rem 0; font-size: .92em; }
.doclist caption { text-align: left; font-weight: 600; padding: .3rem 0; }
.doclist, .doclist th, .doclist td { border: 0; }
.doclist th, .doclist td { border-bottom: 1px solid var(--border-color-primary); padding: .25rem .4rem;
                           text-align: left; vertical-align: top; overflow-wrap: anywhere; }
.doclist .num { text-align: right; white-space: nowrap; }
.tablewrap { overflow-x: auto; }
#evaluation .doclist { width: auto; min-width: 50%; }
#evaluation pre { white-space: pre-wrap; overflow-wrap: anywhere; }
.evalplots { display: flex; flex-wrap: wrap; gap: .8rem; margin: .6rem 0; }
.evalplots figure { margin: 0; flex: 1 1 260px; max-width: 440px; }
.evalplots img { width: 100%; height: auto; background: #fff; border-radius: 4px; }
.evalplots figcaption { font-size: .9em; opacity: .8; }
.benchmark { margin: .6rem 0; }
.benchmark summary { cursor: pointer; font-weight: 600; }
#suggest-row button { text-align: left; white-space: normal; }
:root, .light {
  --qa-accent: #9a6700; --qa-mark-bg: #ffe36e; --qa-mark-fg: #1f2328; --qa-passage-bg: rgba(255, 211, 61, .22);
  --qa-good: #1a7f37; --qa-warn: #9a6700; --qa-bad: #cf222e;
}
.dark {
  --qa-accent: #d4a72c; --qa-mark-bg: #7d5a00; --qa-mark-fg: #fffbe6; --qa-passage-bg: rgba(187, 128, 9, .2);
  --qa-good: #3fb950; --qa-warn: #e3b341; --qa-bad: #f85149;
}
@media (max-width: 640px) {
  #chat { height: 52vh !important; max-height: 52vh !important; }
  .gradio-container .main.app { padding-left: 8px !important; padding-right: 8px !important; }
  .doclist .opt { display: none; }
  #title h2 { font-size: 1.2rem; margin: .2rem 0; }
}
"""

# Outside the app's own container (Gradio scopes the css above to it): slimmer margins on a phone.
HEAD = "<style>@media (max-width: 640px) { .gradio-container .main.app { padding: 8px !important; } }</style>"
LOCAL_FONTS = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif"]
LOCAL_MONO = ["ui-monospace", "SFMono-Regular", "Menlo", "monospace"]
# Scroll the document viewer (not the page) so the cited passage sits near its top.
SCROLL_TO_PASSAGE = """() => {
  const p = document.querySelector('#viewer .passage'); const box = p && p.closest('.doctext');
  if (box) { box.scrollTop = Math.max(0, p.offsetTop - box.clientHeight / 5); }
}"""
# After an answer: the passage in the viewer, and the chat scrolled to the question's start (the
# confidence and the answering sentence come first; the excerpts follow below).
SCROLL_AFTER_ANSWER = (
    """() => setTimeout(() => {
  const wrap = document.querySelector('#chat .bubble-wrap');
  const asked = wrap ? wrap.querySelectorAll('.message-row.user-row') : [];
  const last = asked[asked.length - 1];
  if (last) { wrap.scrollTop += last.getBoundingClientRect().top - wrap.getBoundingClientRect().top - 8; }
  ("""
    + SCROLL_TO_PASSAGE
    + """)();
}, 60)"""
)
COPY_MARKDOWN = """(md) => {
  const done = () => { const b = document.querySelector('#copy-md'); if (b) { b.dataset.copied = '1'; } };
  if (navigator.clipboard && window.isSecureContext) { navigator.clipboard.writeText(md).then(done); }
  else { const t = document.createElement('textarea'); t.value = md; document.body.appendChild(t); t.select();
         document.execCommand('copy'); t.remove(); done(); }
  return [];
}"""


class Session:
    """What one browser tab holds: its corpus, its conversation and the answers given so far.

    (A plain class: app.py is loaded by file path, where dataclasses cannot resolve their module.)
    """

    def __init__(self, corpus: str):
        self.corpus = corpus
        self.chat: Any = None
        self.answers: list[Any] = []
        self.shown = 0  # excerpts of the latest answer before "show more"
        self.folder = ""  # made on first use, for this tab's conversation.md


def build_ui(workspace: Any) -> Any:
    """The Gradio Blocks: Chat, Documents, Settings and Evaluation tabs over one ``qa.workspace.Workspace``."""
    import gradio as gr

    from qa.evaluation.latest import latest_evaluation
    from qa.render import (
        answer_html,
        corpus_summary,
        document_html,
        documents_html,
        esc,
        evaluation_html,
        pending_html,
        question_html,
        source_label,
        sources_html,
    )
    from qa.transcript import transcript_markdown
    from qa.workspace import CorpusError, supported_suffixes

    base = workspace.get(workspace.default_key).settings
    suffixes = supported_suffixes(base)
    transcripts = tempfile.mkdtemp(prefix="qa-transcripts-")  # one folder per tab inside, made when needed

    # ---- small helpers: state in, rendered pieces out ------------------------------------------------
    def session_of(state: Session | None) -> Session:
        if state is None or state.corpus not in {c.key for c in workspace.corpora()}:
            return Session(workspace.default_key)
        return state

    def corpus_view(key: str) -> tuple[str, str]:
        entry = workspace.get(key)
        manifest = entry.assistant.manifest if entry.assistant else None
        return (
            f"## Ask the documents\n{corpus_summary(manifest, str(entry.path), entry.problem)}",
            documents_html(manifest, str(entry.path), entry.problem),
        )

    def suggestions(key: str, state: Session | None = None) -> list[Any]:
        """Buttons: starter questions before the first answer, then related questions."""
        entry = workspace.get(key)
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
        updates = [gr.update(value=label, visible=bool(label))]
        for i in range(N_SUGGESTIONS):
            q = questions[i] if i < len(questions) else ""
            updates.append(gr.update(value=q, visible=bool(q)))
        return updates

    def transcript(state: Session) -> tuple[str, Any]:
        md = transcript_markdown(state.answers, str(workspace.get(state.corpus).path))
        if not state.folder:
            state.folder = tempfile.mkdtemp(prefix="chat-", dir=transcripts)
        path = Path(state.folder) / "conversation.md"
        tmp = path.with_suffix(".part")
        tmp.write_text(md, encoding="utf-8")
        tmp.replace(path)
        return md, gr.update(value=str(path), interactive=bool(state.answers))

    def show_passage(answer: Any, position: int, key: str) -> str:
        if answer is None or not answer.excerpts or position >= len(answer.excerpts):
            return ""
        e = answer.excerpts[position]
        assistant = workspace.assistant(key)
        try:
            title, text, unchanged = assistant.document(e.passage.doc_id)
        except (KeyError, AttributeError):
            return "<p>This document is no longer in the index.</p>"
        return document_html(title, text, e.passage.start, e.passage.end, e.highlights, stale=not unchanged)

    def picker_update(answer: Any) -> Any:
        choices = [source_label(e) for e in answer.excerpts] if answer is not None else []
        return gr.update(choices=choices, value=choices[0] if choices else None)

    def overrides(top_k: Any, rerank: Any, threshold: Any) -> dict[str, Any]:
        return {"top_k": int(top_k), "rerank": bool(rerank), "abstain_threshold": float(threshold)}

    # ---- chat ------------------------------------------------------------------------------------------
    def respond(message: str, history: list[dict], state: Session | None, top_k, rerank, threshold):
        state = session_of(state)
        message = message or ""
        skip = gr.skip()
        n_rest = 7 + N_SUGGESTIONS  # the outputs after (box, chatbot, state), as wired below
        if not message.strip():
            yield (skip,) * (3 + n_rest)  # nothing typed: nothing to do
            return
        asked = [*history, {"role": "user", "content": question_html(message)}]

        def reply(content: str) -> list[dict]:  # a new list each time: Gradio diffs what it streamed
            return [*asked, {"role": "assistant", "content": content}]

        yield ("", reply(pending_html()), state, *[skip] * n_rest)

        assistant = workspace.assistant(state.corpus)
        if assistant is None:
            empty = "<p class='message'>This corpus has no documents yet: add some in the Documents tab.</p>"
            yield ("", reply(empty), state, *[skip] * n_rest)
            return
        if state.chat is None:
            state.chat = assistant.chat()
        state.chat.assistant = assistant  # the live one: a rebuild may have swapped it
        answer = state.chat.ask(message, **overrides(top_k, rerank, threshold))
        yield ("", reply(answer_html(answer, state.corpus, lead_only=True)), state, *[skip] * n_rest)  # lead first

        state.answers.append(answer)
        state.shown = len(answer.excerpts)
        history = reply(answer_html(answer, state.corpus))
        more = gr.update(visible=bool(answer.excerpts), interactive=True, value="Show more excerpts")
        yield (
            "",
            history,
            state,
            sources_html(answer, state.corpus),
            picker_update(answer),
            show_passage(answer, 0, state.corpus),
            more,
            *transcript(state),
            *[skip] * (1 + N_SUGGESTIONS),
        )
        yield ("", history, state, *[skip] * 6, *suggestions(state.corpus, state))  # follow-ups last

    def show_more(history: list[dict], state: Session | None, top_k, rerank, threshold):
        state = session_of(state)
        assistant = workspace.assistant(state.corpus)
        if assistant is None or not state.answers or not history:
            return (gr.skip(),) * 7
        last = state.answers[-1]
        extra = assistant.more(last, MORE_STEP, **overrides(top_k, rerank, threshold))
        if not extra:
            gr.Info("No further excerpts for this question.")
            return (gr.skip(),) * 6 + (gr.update(interactive=False, value="No more excerpts"),)
        last = replace(last, excerpts=[*last.excerpts, *extra])
        state.answers[-1] = last
        history = [*history]
        history[-1] = {"role": "assistant", "content": answer_html(last, state.corpus, shown=state.shown)}
        md, download = transcript(state)
        return history, state, sources_html(last, state.corpus), picker_update(last), md, download, gr.skip()

    def pick(choice: str, state: Session | None) -> str:
        state = session_of(state)
        last = state.answers[-1] if state.answers else None
        labels = [source_label(e) for e in last.excerpts] if last else []
        return show_passage(last, labels.index(choice), state.corpus) if choice in labels else ""

    def cleared(state: Session) -> tuple[Any, ...]:
        """An empty conversation: chat, sources, picker, viewer, show-more, transcript, download, suggestions."""
        if state.chat is not None:
            state.chat.reset()
        state.answers.clear()
        state.shown = 0
        empty = gr.update(choices=[], value=None)
        hidden = gr.update(visible=False)
        return ([], sources_html(None), empty, "", hidden, *transcript(state), *suggestions(state.corpus))

    def new_chat(state: Session | None):
        state = session_of(state)
        return (state, *cleared(state))

    # ---- documents -------------------------------------------------------------------------------------
    def bar(progress: Any):
        return lambda fraction, what: progress(fraction, desc=what)

    def corpus_choices(key: str) -> Any:
        paths = [str(c.path) for c in workspace.corpora()]
        return gr.update(choices=paths, value=str(workspace.get(key).path))

    def open_corpus(path: str, state: Session | None, progress=gr.Progress()):
        state = session_of(state)
        try:
            entry = workspace.open(path, progress=bar(progress))
        except CorpusError as exc:
            header, docs = corpus_view(state.corpus)
            return (gr.skip(),) * 2 + (f"⚠️ {esc(str(exc))}", header, docs) + (gr.skip(),) * (8 + N_SUGGESTIONS)
        state = Session(entry.key)
        header, docs = corpus_view(entry.key)
        where = esc(str(entry.path))
        status = f"Opened **{where}**." if entry.assistant else f"Opened **{where}**: no documents yet; add some below."
        return (state, corpus_choices(entry.key), status, header, docs, *cleared(state))

    def upload(files: list[str] | None, state: Session | None, progress=gr.Progress()):
        state = session_of(state)
        if not files:
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        named = [(Path(f), Path(f).name) for f in files]
        result = workspace.add_files(state.corpus, named, progress=bar(progress))
        lines = []
        if result.saved:
            lines.append("Added " + ", ".join(f"<code>{esc(d)}</code>" for d in result.saved) + ".")
        if result.replaced:
            replaced = ", ".join(f"<code>{esc(d)}</code>" for d in result.replaced)
            lines.append(f"Replaced {replaced} with the new version.")
        lines += [f"⚠️ Not added: {esc(reason)}" for reason in result.refused]
        lines += [f"⚠️ {esc(line)}" for line in result.skipped]
        if result.report is not None:
            lines += [f"Index: {esc(line)}" for line in result.report.lines()[:1]]
        header, docs = corpus_view(state.corpus)
        return "\n\n".join(lines), header, docs, None

    def rebuild(state: Session | None, progress=gr.Progress()):
        state = session_of(state)
        report = workspace.rebuild(state.corpus, progress=bar(progress))
        header, docs = corpus_view(state.corpus)
        entry = workspace.get(state.corpus)
        status = esc(report.lines()[0]) if report else f"⚠️ {esc(entry.problem)}"
        return status, header, docs

    # ---- evaluation ------------------------------------------------------------------------------------
    def evaluation_view(state: Session | None) -> str:
        """The latest report for this tab's corpus (read afresh: a run or a rebuild may have happened)."""
        entry = workspace.get(session_of(state).corpus)
        manifest = entry.assistant.manifest if entry.assistant else {}
        return evaluation_html(latest_evaluation(entry.settings, manifest))

    def on_load(state: Session | None):
        state = session_of(state)
        header, docs = corpus_view(state.corpus)
        return (state, header, docs, corpus_choices(state.corpus), *suggestions(state.corpus, state))

    # ---- layout ----------------------------------------------------------------------------------------
    with gr.Blocks(title="Ask the documents", analytics_enabled=False) as demo:
        state = gr.State(None)
        header_md, docs_initial = corpus_view(workspace.default_key)
        header = gr.Markdown(header_md, elem_id="title")
        with gr.Tabs(elem_id="tabs"):
            with gr.Tab("Chat", id="chat-tab", elem_id="chat-tab"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3, min_width=300):
                        chatbot = gr.Chatbot(
                            label="Conversation",
                            height=540,
                            autoscroll=False,
                            show_label=False,
                            elem_id="chat",
                            buttons=["copy"],
                            feedback_options=None,
                            placeholder="Answers are excerpts from your documents, never generated text. "
                            "Citations [1] open the passage in its document.",
                        )
                        with gr.Row(equal_height=True):
                            box = gr.Textbox(
                                placeholder="Ask a question about the documents…",
                                show_label=False,
                                scale=5,
                                min_width=160,
                                max_lines=4,
                                elem_id="question",
                                autofocus=True,
                            )
                            send = gr.Button("Ask", variant="primary", scale=1, min_width=70, elem_id="ask")
                        suggest_label = gr.Markdown("", visible=False, elem_id="suggest-label")
                        with gr.Row(elem_id="suggest-row"):
                            suggest = [
                                gr.Button("", visible=False, size="sm", elem_id=f"related-{i}", min_width=140)
                                for i in range(N_SUGGESTIONS)
                            ]
                        with gr.Row():
                            more = gr.Button("Show more excerpts", size="sm", visible=False, elem_id="show-more")
                            clear = gr.Button("New chat", size="sm", elem_id="new-chat")
                            copy = gr.Button("Copy as Markdown", size="sm", elem_id="copy-md")
                            download = gr.DownloadButton(
                                "Download Markdown", size="sm", interactive=False, elem_id="download-md"
                            )
                        with gr.Accordion("Conversation as Markdown", open=False, elem_id="transcript-box"):
                            transcript_box = gr.Textbox(
                                show_label=False, lines=8, max_lines=20, interactive=False, elem_id="transcript"
                            )
                    with gr.Column(scale=2, min_width=300):
                        gr.Markdown("### Sources")
                        sources = gr.HTML(sources_html(None), elem_id="sources")
                        picker = gr.Radio(choices=[], label="Read a source in its document", elem_id="source-picker")
                        viewer = gr.HTML("", elem_id="viewer")
            with gr.Tab("Documents", id="docs-tab", elem_id="docs-tab"):
                with gr.Row(equal_height=False):
                    folder = gr.Dropdown(
                        choices=[str(c.path) for c in workspace.corpora()],
                        value=str(base.corpus_dir),
                        allow_custom_value=True,
                        label="Corpus folder (type a path on this computer, or pick one opened before)",
                        scale=4,
                        min_width=280,
                        elem_id="corpus-path",
                    )
                    open_btn = gr.Button("Open folder", scale=1, min_width=120, elem_id="open-corpus")
                files = gr.File(
                    label=f"Add documents ({', '.join(suffixes)}): they are copied into the corpus folder and indexed",
                    file_count="multiple",
                    type="filepath",
                    elem_id="upload",
                )
                with gr.Row():
                    rebuild_btn = gr.Button("Rebuild index", elem_id="rebuild", scale=0, min_width=160)
                status = gr.Markdown("", elem_id="doc-status")
                documents = gr.HTML(docs_initial, elem_id="documents")
            with gr.Tab("Settings", id="settings-tab", elem_id="settings-tab"):
                gr.Markdown("These apply to your next question in this tab; the server's defaults stay as they are.")
                top_k = gr.Slider(1, 10, value=base.top_k, step=1, label="Excerpts per answer", elem_id="top-k")
                rerank = gr.Checkbox(
                    value=base.rerank,
                    label="Rerank candidates by their best-matching sentence (second stage)",
                    elem_id="rerank",
                )
                threshold = gr.Slider(
                    0.0,
                    1.0,
                    value=base.abstain_threshold,
                    step=0.05,
                    label="Abstention threshold: below this confidence the answer is 'not found'",
                    elem_id="threshold",
                )
                reset = gr.Button("Restore defaults", size="sm", elem_id="reset-settings")
            with gr.Tab("Evaluation", id="eval-tab", elem_id="eval-tab") as eval_tab:
                with gr.Row():
                    gr.Markdown("The newest `qa eval` report for the corpus in use, and the newest benchmark runs.")
                    refresh = gr.Button("Refresh", size="sm", scale=0, min_width=100, elem_id="eval-refresh")
                evaluation = gr.HTML("", elem_id="evaluation")

        knobs = [top_k, rerank, threshold]
        chat_outputs = [box, chatbot, state, sources, picker, viewer, more, transcript_box, download]
        chat_outputs += [suggest_label, *suggest]
        # One public endpoint, /ask (question, history -> "", history, ...), for the page and for clients.
        gr.on(
            [box.submit, send.click],
            respond,
            [box, chatbot, state, *knobs],
            chat_outputs,
            api_name="ask",
            concurrency_limit=8,
        ).then(None, None, None, js=SCROLL_AFTER_ANSWER)
        for button in suggest:
            button.click(
                respond,
                [button, chatbot, state, *knobs],
                chat_outputs,
                api_visibility="private",
                concurrency_limit=8,
            ).then(None, None, None, js=SCROLL_AFTER_ANSWER)
        more.click(
            show_more,
            [chatbot, state, *knobs],
            [chatbot, state, sources, picker, transcript_box, download, more],
            api_name="more",
            concurrency_limit=8,
        )
        private = {"api_visibility": "private"}
        picker.input(pick, [picker, state], viewer, **private).then(None, None, None, js=SCROLL_TO_PASSAGE)
        reset_outputs = [state, chatbot, sources, picker, viewer, more, transcript_box, download]
        reset_outputs += [suggest_label, *suggest]
        clear.click(new_chat, state, reset_outputs, **private)
        chatbot.clear(new_chat, state, reset_outputs, **private)  # the chat's own bin icon starts over too
        copy.click(None, transcript_box, None, js=COPY_MARKDOWN)

        open_outputs = [state, folder, status, header, documents, *reset_outputs[1:]]
        build_events: dict[str, Any] = {"concurrency_limit": 2, "show_progress_on": documents, **private}
        gr.on([open_btn.click, folder.select], open_corpus, [folder, state], open_outputs, **build_events).then(
            evaluation_view, state, evaluation, **private
        )
        files.upload(upload, [files, state], [status, header, documents, files], **build_events).then(
            evaluation_view, state, evaluation, **private
        )
        rebuild_btn.click(rebuild, state, [status, header, documents], **build_events).then(
            evaluation_view, state, evaluation, **private
        )
        # Read afresh when the tab is opened (not on page load: most visits never open it).
        gr.on([eval_tab.select, refresh.click], evaluation_view, state, evaluation, **private)
        reset.click(lambda: (base.top_k, base.rerank, base.abstain_threshold), None, knobs, queue=False, **private)
        demo.load(on_load, state, [state, header, documents, folder, suggest_label, *suggest], **private)

        async def on_close(request: gr.Request) -> None:  # the page closed, or an API client disconnected
            closed_at = datetime.now()
            forget = (demo, request.session_hash, closed_at, state._id)
            asyncio.get_running_loop().call_later(CLOSED_SESSION_GRACE_S, _forget_session, *forget)

        on_close.__annotations__["request"] = gr.Request  # resolved: gradio is not a module-level name here
        demo.unload(on_close)
    # Per-session state is kept this many sessions at most (Gradio's default, 10,000, lets memory grow);
    # a closed page's is freed CLOSED_SESSION_GRACE_S after it closes (on_close above).
    demo.state_session_capacity = 256
    _keep_session_copies_under_their_own_id()
    demo.queue(default_concurrency_limit=8, max_size=256)
    return demo


def create_app(assistant: Any, settings: Settings) -> Any:
    """FastAPI app: the chat at / and citation pages at /passage/<doc> (indexed documents only)."""
    import gradio as gr
    from fastapi import FastAPI, HTTPException, Query
    from fastapi.responses import HTMLResponse

    from qa.render import document_html, document_page
    from qa.workspace import Workspace

    workspace = Workspace(settings, assistant)
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/passage/{doc_id:path}", response_class=HTMLResponse)
    def passage(
        doc_id: str, start: int = Query(0, ge=0), end: int = Query(0, ge=0), hl: str = "", corpus: str = ""
    ) -> str:
        try:
            current = workspace.assistant(corpus or workspace.default_key)
            if current is None:
                raise KeyError(doc_id)
            title, text, unchanged = current.document(doc_id)
        except KeyError:
            raise HTTPException(status_code=404, detail="no such document in the index") from None
        spans = []
        for part in hl.split(","):
            a, _, b = part.partition("-")
            if a.isdigit() and b.isdigit():
                spans.append((int(a), int(b)))
        return document_page(title, document_html(title, text, start, end, spans, stale=not unchanged))

    theme = gr.themes.Soft(font=LOCAL_FONTS, font_mono=LOCAL_MONO)
    auth = tuple(settings.auth.split(":", 1)) if settings.auth else None
    return gr.mount_gradio_app(
        app,
        build_ui(workspace),
        path="/",
        theme=theme,
        css=CSS,
        head=HEAD,
        auth=auth,
        footer_links=[],
        ssr_mode=False,
        max_file_size=int(settings.max_file_mb * 1024 * 1024),
    )


def check_bind(settings: Settings) -> str | None:
    """Refusal message when binding beyond loopback without a password, else None."""
    loopback = settings.host in {"127.0.0.1", "localhost", "::1"}
    if not loopback and not settings.auth:
        return (
            f"refusing to serve on {settings.host} without a password: anyone on the network could read "
            "the documents. Add --auth user:password, or keep the default 127.0.0.1."
        )
    return None


def _forget_session(demo: Any, session_hash: str, closed_at: datetime, state_id: int) -> None:
    """Drop what Gradio keeps for a closed session, unless the session was used again after it closed.

    Gradio itself frees only ``gr.State`` values, an hour after the page closes; the session's copy of
    every component with its last value (the whole chat among them) stays until 256 newer sessions push
    it out, and the queue keeps an entry per session. The tab's transcript folder goes too. Runs on the
    server's event loop.
    """
    holder = demo.state_holder
    with holder.lock:
        if holder.time_last_used.get(session_hash, closed_at) > closed_at:
            return  # the page reconnected and asked again: it is in use
        gone = holder.session_data.pop(session_hash, None)
        holder.time_last_used.pop(session_hash, None)
    session = gone.state_data.get(state_id) if gone is not None else None
    if isinstance(session, Session) and session.folder:
        shutil.rmtree(session.folder, ignore_errors=True)
    queue = getattr(demo, "_queue", None)  # and the queue's per-session entries, when nothing is pending
    if queue is not None and not queue.pending_event_ids_session.get(session_hash):
        queue.pending_event_ids_session.pop(session_hash, None)
        queue.pending_messages_per_session.pop(session_hash, None)


def _keep_session_copies_under_their_own_id() -> None:
    """Work around a Gradio leak: without this, a session's stored config grows with every answer.

    An update (``gr.skip()``, ``gr.update(...)``) to a component makes Gradio store a copy of it for
    that session, under the component's id but carrying a fresh ``_id`` of its own. When a plain value
    reaches that component afterwards (the sources, viewer and transcript get ``gr.skip()`` while an
    answer streams, then their content), Gradio files the copy under the fresh id as a new component,
    with the value in it: three more entries per question (the cited document's whole HTML among them)
    kept as long as the session is. Giving the copy the id it is stored under makes the value land
    where it belongs (tests/test_load.py checks the count stays one entry per component). Idempotent.
    """
    from gradio.blocks import Block
    from gradio.state_holder import SessionState

    original = SessionState.__setitem__
    if getattr(original, "_keeps_ids", False):
        return

    def setitem(self: Any, key: int, value: Any) -> None:
        if isinstance(value, Block) and value._id != key and key in self.blocks_config.blocks:
            value._id = key
        original(self, key, value)

    setitem._keeps_ids = True  # type: ignore[attr-defined]
    SessionState.__setitem__ = setitem  # type: ignore[method-assign]


def _return_freed_memory_periodically(every_s: float = 60.0) -> None:
    """glibc keeps freed heap; handing it back keeps a long-running server's memory flat."""
    import ctypes
    import threading
    import time

    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return

    def loop() -> None:
        while True:
            time.sleep(every_s)
            libc.malloc_trim(0)

    threading.Thread(target=loop, name="malloc-trim", daemon=True).start()


def serve(settings: Settings) -> int:
    import uvicorn

    from qa.assistant import Assistant

    refusal = check_bind(settings)
    if refusal:
        print(f"qa: {refusal}", file=sys.stderr)
        return 2
    assistant = Assistant.load(settings)
    if assistant.build_report:
        for line in assistant.build_report.lines():
            print(line)
    app = create_app(assistant, settings)
    _return_freed_memory_periodically()
    print(f"Web chat on http://{settings.host}:{settings.port}/  (Ctrl-C to stop)")
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning")
    return 0


def main(argv: list[str] | None = None) -> int:
    from qa.cli import main as cli_main

    return cli_main(["serve", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
