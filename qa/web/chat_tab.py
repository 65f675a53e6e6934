"""The Chat tab: streamed answers with highlighted excerpts, citations, "show more", related questions, the
sources beside them, and the conversation as Markdown."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import gradio as gr

from qa.web import marks
from qa.web.assets import static_text
from qa.web.page import N_SUGGESTIONS, Page
from qa.web.render import answer_html, pending_html, question_html, source_label, sources_html
from qa.web.session import Session

__all__ = ["layout", "wire"]

MORE_STEP = 3


def overrides(top_k: Any, rerank: Any, threshold: Any) -> dict[str, Any]:
    """The Settings tab's knobs, for this tab's next question only."""
    t = float(threshold)  # the threshold of whichever confidence is in use
    return {"top_k": int(top_k), "rerank": bool(rerank), "abstain_threshold": t, "calibrated_abstain_threshold": t}


def respond(page: Page, message: str, history: list[dict], state: Session | None, *knobs: Any):
    """Stream one answer: the question with a pending mark, the lead sentence, the whole answer with its
    sources, then the related questions."""
    state = page.session_of(state)
    message = message or ""
    if not message.strip():  # nothing typed: say so rather than do nothing
        hint = {"role": "assistant", "content": "<p class='message'>Please type a question first.</p>"}
        yield {page.box: "", page.chatbot: [*history, hint], page.state: state}
        return
    asked = [*history, {"role": "user", "content": question_html(message)}]

    def reply(content: str) -> dict[Any, Any]:  # a new list each time: Gradio diffs what it streamed
        return {page.chatbot: [*asked, {"role": "assistant", "content": content}], page.state: state}

    # The box is emptied once, here: a later step that emptied it again wiped a follow-up being typed.
    yield {**reply(pending_html()), page.box: "", **marks.hidden(page)}
    assistant = page.workspace.assistant(state.corpus)
    if assistant is None:
        yield reply("<p class='message'>This corpus has no documents yet: add some in the Documents tab.</p>")
        return
    if state.chat is None:
        state.chat = assistant.chat()
    state.chat.assistant = assistant  # the live one: a rebuild may have swapped it
    answer = state.chat.ask(message, documents=state.documents, **overrides(*knobs))
    yield reply(answer_html(answer, state.corpus, lead_only=True))  # the lead first

    state.answers.append(answer)
    state.thresholds.append(float(knobs[2]) if len(knobs) > 2 else state.chat.assistant.threshold_in_use)
    state.shown = len(answer.excerpts)
    whole = reply(answer_html(answer, state.corpus))
    yield {
        **whole,
        page.sources: sources_html(answer, state.corpus),
        page.picker: page.picker_update(answer),
        page.viewer: page.show_passage(answer, 0, state.corpus),
        page.more: gr.update(visible=bool(answer.excerpts), interactive=True, value="Show more excerpts"),
    }
    # Follow-ups and the transcript last, the download button in one update only: enabled in one update and
    # updated again in the next, it stayed disabled or lost a click (CI rehearsals, 3 of about 9 browser runs).
    yield {**whole, **page.transcript(state), **page.suggestions(state.corpus, state)}


def show_more(page: Page, history: list[dict], state: Session | None, *knobs: Any) -> dict[Any, Any]:
    state = page.session_of(state)
    assistant = page.workspace.assistant(state.corpus)
    if assistant is None or not state.answers or not history:
        return {page.more: gr.skip()}
    last = state.answers[-1]
    extra = assistant.more(last, MORE_STEP, documents=state.documents, **overrides(*knobs))
    if not extra:
        gr.Info("No further excerpts for this question.")
        return {page.more: gr.update(interactive=False, value="No more excerpts")}
    last = replace(last, excerpts=[*last.excerpts, *extra])
    state.answers[-1] = last
    history = [*history]
    history[-1] = {"role": "assistant", "content": answer_html(last, state.corpus, shown=state.shown)}
    return {
        page.chatbot: history,
        page.state: state,
        page.sources: sources_html(last, state.corpus),
        page.picker: page.picker_update(last),
        **page.transcript(state),
    }


def pick(page: Page, choice: str, state: Session | None) -> str:
    state = page.session_of(state)
    last = state.answers[-1] if state.answers else None
    labels = [source_label(e) for e in last.excerpts] if last else []
    return page.show_passage(last, labels.index(choice), state.corpus) if choice in labels else ""


def new_chat(page: Page, state: Session | None) -> dict[Any, Any]:
    state = page.session_of(state)
    return {page.state: state, **page.cleared(state)}


def layout(page: Page) -> None:
    """The conversation on the left, the sources and the cited document on the right."""
    with gr.Tab("Chat", id="chat-tab", elem_id="chat-tab"), gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=300):
            page.chatbot = gr.Chatbot(
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
            marks.layout_buttons(page)
            with gr.Row(equal_height=True):
                page.box = gr.Textbox(
                    placeholder="Ask a question about the documents…",
                    show_label=False,
                    scale=5,
                    min_width=160,
                    max_lines=4,
                    elem_id="question",
                    autofocus=True,
                )
                page.send = gr.Button("Ask", variant="primary", scale=1, min_width=70, elem_id="ask")
            page.doc_filter = gr.Dropdown(
                choices=page.document_choices(page.workspace.default_key),
                value=[],
                multiselect=True,
                label="Search only in (empty: every document)",
                elem_id="doc-filter",
            )
            page.suggest_label = gr.Markdown("", visible=False, elem_id="suggest-label")
            with gr.Row(elem_id="suggest-row"):
                page.suggest = [
                    gr.Button("", visible=False, size="sm", elem_id=f"related-{i}", min_width=140)
                    for i in range(N_SUGGESTIONS)
                ]
            _buttons(page)
        with gr.Column(scale=2, min_width=300):
            gr.Markdown("### Sources")
            page.sources = gr.HTML(sources_html(None), elem_id="sources")
            page.picker = gr.Radio(choices=[], label="Read a source in its document", elem_id="source-picker")
            marks.layout_excerpt(page)
            page.viewer = gr.HTML("", elem_id="viewer")


def _buttons(page: Page) -> None:
    with gr.Row():
        page.more = gr.Button("Show more excerpts", size="sm", visible=False, elem_id="show-more")
        page.clear = gr.Button("New chat", size="sm", elem_id="new-chat")
        page.copy = gr.Button("Copy as Markdown", size="sm", elem_id="copy-md")
        page.download = gr.DownloadButton("Download Markdown", size="sm", interactive=False, elem_id="download-md")
    with gr.Accordion("Conversation as Markdown", open=False, elem_id="transcript-box"):
        page.transcript_box = gr.Textbox(
            show_label=False, lines=8, max_lines=20, interactive=False, elem_id="transcript"
        )


def wire(page: Page) -> None:
    """One public endpoint, /ask (question, history -> "", history, ...), for the page and for clients; /more."""

    def ask(message: str, history: list[dict], state: Session | None, top_k: Any, rerank: Any, threshold: Any):
        yield from respond(page, message, history, state, top_k, rerank, threshold)

    def more(history: list[dict], state: Session | None, top_k: Any, rerank: Any, threshold: Any):
        return show_more(page, history, state, top_k, rerank, threshold)

    after_answer = static_text("scroll_after_answer.js")
    outputs = [page.box, page.chatbot, page.state, page.sources, page.picker, page.viewer, page.more]
    outputs += [page.transcript_box, page.download, *page.suggestion_buttons, *page.marks]
    inputs = [page.chatbot, page.state, *page.knobs]
    # The verdicts appear once the answer is complete, in a step of their own: toggled inside the stream, the
    # last toggle was sometimes lost on a busy machine and the buttons stayed hidden.
    offer_marks = (lambda state: marks.offered(page, state), page.state, page.marks)
    # "always_last": a question sent while the last answer is still coming runs after it; Gradio's default
    # ("once") dropped it without a word.
    asking = {"concurrency_limit": 8, "trigger_mode": "always_last"}
    gr.on([page.box.submit, page.send.click], ask, [page.box, *inputs], outputs, api_name="ask", **asking).then(
        None, None, None, js=after_answer
    ).then(*offer_marks, api_visibility="private")
    for button in page.suggest:
        button.click(ask, [button, *inputs], outputs, api_visibility="private", **asking).then(
            None, None, None, js=after_answer
        ).then(*offer_marks, api_visibility="private")
    more_outputs = [page.chatbot, page.state, page.sources, page.picker, page.transcript_box, page.download, page.more]
    page.more.click(more, inputs, more_outputs, api_name="more", concurrency_limit=8)
    private = {"api_visibility": "private"}
    page.picker.input(
        lambda choice, state: pick(page, choice, state), [page.picker, page.state], page.viewer, **private
    ).then(None, None, None, js=static_text("scroll_to_passage.js"))
    reset_outputs = [page.state, *page.conversation, *page.suggestion_buttons]
    page.clear.click(lambda state: new_chat(page, state), page.state, reset_outputs, **private)
    page.chatbot.clear(lambda state: new_chat(page, state), page.state, reset_outputs, **private)  # the bin icon too
    page.copy.click(None, page.transcript_box, None, js=static_text("copy_markdown.js"))
    _wire_filter(page)
    marks.wire(page)


def _wire_filter(page: Page) -> None:
    """The chosen documents live in the session, so /ask keeps its inputs; choices follow rebuilds and switches."""

    def chosen(value: list[str] | None, state: Session | None) -> dict[Any, Any]:
        state = page.session_of(state)
        state.documents = [v for v in value or [] if v]
        return {page.state: state}

    def refresh(state: Session | None) -> Any:
        return gr.update(choices=page.document_choices(page.session_of(state).corpus))

    private = {"api_visibility": "private"}
    page.doc_filter.change(chosen, [page.doc_filter, page.state], [page.state], **private)
    page.doc_filter.focus(refresh, [page.state], [page.doc_filter], **private)
