"""The web chat. Thin on purpose: it renders what the ``qa`` library answers and holds no retrieval logic.

Run ``python app.py`` (or ``qa serve``); it binds to 127.0.0.1 unless told otherwise.
"""

from __future__ import annotations

import os
import sys
from typing import Any

# Set before gradio is imported: no usage statistics leave the machine.
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ.setdefault("GRADIO_SERVER_NAME", "127.0.0.1")

from qa.settings import Settings  # noqa: E402

EXAMPLES = [
    "Who presented on diaspora engagement?",
    "What are the three key issues that come up again and again in discussions around migration?",
    "How do remittances compare with development aid?",
    "What happened in Akwete?",
]

CSS = """
.excerpt { border-left: 3px solid #d4a72c; padding-left: .6rem; margin: .6rem 0; }
.excerpt blockquote { margin: .3rem 0; white-space: pre-wrap; }
.source { font-size: .9em; opacity: .85; }
.confidence, .muted { font-size: .85em; opacity: .75; }
.notfound { border-left: 3px solid #cf222e; padding-left: .6rem; }
mark { background: #ffd33d; color: inherit; padding: 0 1px; }
.doctext { white-space: pre-wrap; max-height: 70vh; overflow-y: auto; }
.passage { background: rgba(255, 211, 61, .25); outline: 2px solid #d4a72c; border-radius: 4px; }
a.cite { font-weight: 600; text-decoration: none; }
"""

LOCAL_FONTS = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif"]
LOCAL_MONO = ["ui-monospace", "SFMono-Regular", "Menlo", "monospace"]


def build_ui(assistant: Any) -> Any:
    """The Gradio Blocks: chat on the left, sources and the cited passage in context on the right."""
    import gradio as gr

    from qa.render import answer_html, document_html, sources_html

    def respond(message: str, history: list[dict], chat: Any, last: Any):
        if chat is None:
            chat = assistant.chat()
        answer = chat.ask(message or "")
        history = history + [
            {"role": "user", "content": message or ""},
            {"role": "assistant", "content": answer_html(answer)},
        ]
        choices = [f"[{e.rank}] {e.passage.title} — {e.passage.section}"[:140] for e in answer.excerpts]
        viewer = show_passage(answer, 0)
        return (
            "",
            history,
            chat,
            answer,
            sources_html(answer),
            gr.update(choices=choices, value=choices[0] if choices else None),
            viewer,
        )

    def show_passage(answer: Any, position: int) -> str:
        if answer is None or not answer.excerpts or position >= len(answer.excerpts):
            return ""
        e = answer.excerpts[position]
        p = e.passage
        try:
            title, text, unchanged = assistant.document(p.doc_id)
        except KeyError:
            return "<p>This document is no longer in the index.</p>"
        return document_html(title, text, p.start, p.end, e.highlights, stale=not unchanged)

    def pick(choice: str, last: Any) -> str:
        if not choice or last is None:
            return ""
        labels = [f"[{e.rank}] {e.passage.title} — {e.passage.section}"[:140] for e in last.excerpts]
        return show_passage(last, labels.index(choice)) if choice in labels else ""

    def new_chat():
        return [], None, None, sources_html(None), gr.update(choices=[], value=None), ""

    with gr.Blocks(title="Ask the documents", analytics_enabled=False) as demo:
        chat_state = gr.State(None)
        last_answer = gr.State(None)
        gr.Markdown(
            f"## Ask the documents\nAnswers are excerpts from the {len(assistant.documents())} documents "
            "of this collection, never generated text. Click a citation to read the passage in place."
        )
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(label="Conversation", height=560, elem_id="chat", buttons=["copy"])
                with gr.Row():
                    box = gr.Textbox(
                        placeholder="Ask a question about the documents…",
                        show_label=False,
                        scale=5,
                        max_lines=4,
                        elem_id="question",
                    )
                    send = gr.Button("Ask", variant="primary", scale=1, elem_id="ask")
                with gr.Row():
                    clear = gr.Button("New chat", size="sm", elem_id="new-chat")
                gr.Examples(EXAMPLES, inputs=box, label="Try one of these")
            with gr.Column(scale=2):
                gr.Markdown("### Sources")
                sources = gr.HTML(sources_html(None), elem_id="sources")
                picker = gr.Radio(choices=[], label="Read a source in its document", elem_id="source-picker")
                viewer = gr.HTML("", elem_id="viewer")

        outputs = [box, chatbot, chat_state, last_answer, sources, picker, viewer]
        scroll = "() => document.querySelector('#viewer .passage')?.scrollIntoView({block: 'center'})"
        for trigger in (box.submit, send.click):
            trigger(respond, [box, chatbot, chat_state, last_answer], outputs, concurrency_limit=8).then(
                None, None, None, js=scroll
            )
        picker.input(pick, [picker, last_answer], viewer).then(None, None, None, js=scroll)
        clear.click(new_chat, None, [chatbot, chat_state, last_answer, sources, picker, viewer])
    demo.queue(default_concurrency_limit=8, max_size=256)
    return demo


def create_app(assistant: Any, settings: Settings) -> Any:
    """FastAPI app: the chat at / and citation pages at /passage/<doc> (indexed documents only)."""
    import gradio as gr
    from fastapi import FastAPI, HTTPException, Query
    from fastapi.responses import HTMLResponse

    from qa.render import document_html, document_page

    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/passage/{doc_id:path}", response_class=HTMLResponse)
    def passage(doc_id: str, start: int = Query(0, ge=0), end: int = Query(0, ge=0), hl: str = "") -> str:
        try:
            title, text, unchanged = assistant.document(doc_id)
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
        app, build_ui(assistant), path="/", theme=theme, css=CSS, auth=auth, footer_links=[], ssr_mode=False
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
    print(f"Web chat on http://{settings.host}:{settings.port}/  (Ctrl-C to stop)")
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning")
    return 0


def main(argv: list[str] | None = None) -> int:
    from qa.cli import main as cli_main

    return cli_main(["serve", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
