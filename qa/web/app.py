"""The web chat, put together: the tabs over one workspace, the citation pages beside them, and the server.

Thin on purpose: it renders what the ``qa`` library answers and holds no retrieval logic. Run ``qa serve`` (or
``python app.py`` in a checkout); it binds to 127.0.0.1 unless told otherwise.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import gradio as gr

from qa.settings import Settings
from qa.web import chat_tab, documents_tab, settings_eval_tabs
from qa.web.api import mount_api
from qa.web.assets import LOCAL_FONTS, LOCAL_MONO, static_text
from qa.web.auth import Credentials, RequireLogin
from qa.web.gradio_fixes import (
    forget_session,
    keep_session_copies_under_their_own_id,
    return_freed_memory_periodically,
)
from qa.web.limits import MAX_REQUEST_BYTES, LimitBody, log_in_one_line
from qa.web.page import Page
from qa.web.render import document_html, document_page
from qa.web.workspace import CorpusError, Workspace

__all__ = ["build_ui", "check_bind", "create_app", "serve"]

# A closed page's session (its conversation, Gradio's copy of its outputs) is freed this long after its
# connection ends; a page whose connection comes back and asks again within it keeps its conversation.
CLOSED_SESSION_GRACE_S = 60.0


def build_ui(workspace: Any) -> Any:
    """The Gradio Blocks: Chat, Documents, Settings and Evaluation tabs over one ``qa.web.workspace.Workspace``."""
    page = Page(workspace)
    with gr.Blocks(title="Ask the documents", analytics_enabled=False) as demo:
        page.state = gr.State(None)
        header_md, docs_initial = page.corpus_view(workspace.default_key)
        page.header = gr.Markdown(header_md, elem_id="title")
        with gr.Tabs(elem_id="tabs"):
            chat_tab.layout(page)
            documents_tab.layout(page, docs_initial)
            settings_eval_tabs.layout_settings(page)
            settings_eval_tabs.layout_evaluation(page)
        chat_tab.wire(page)
        documents_tab.wire(page)
        settings_eval_tabs.wire(page)

        def on_load(state: Any) -> dict[Any, Any]:
            state = page.session_of(state)
            return {
                page.state: state,
                **page.corpus_updates(state.corpus),
                page.folder: page.corpus_choices(state.corpus),
                **page.suggestions(state.corpus, state),
                **documents_tab.watch_updates(page, state.corpus),
                **page.calibration_view(state),  # a refit since the page was built moves the threshold
            }

        loaded = [page.state, page.header, page.documents, page.folder, *page.suggestion_buttons]
        loaded += [page.watch, page.watch_status, page.watch_timer, page.calibration, page.threshold]
        demo.load(on_load, page.state, loaded, api_visibility="private")

        async def on_close(request: gr.Request) -> None:  # the page closed, or an API client disconnected
            forget = (demo, request.session_hash, datetime.now(), page.state._id)
            asyncio.get_running_loop().call_later(CLOSED_SESSION_GRACE_S, forget_session, *forget)

        on_close.__annotations__["request"] = gr.Request  # a class, not the string the __future__ import makes
        demo.unload(on_close)
    # Per-session state is kept this many sessions at most (Gradio's default, 10,000, lets memory grow);
    # a closed page's is freed CLOSED_SESSION_GRACE_S after it closes (on_close above).
    demo.state_session_capacity = 256
    keep_session_copies_under_their_own_id()
    demo.queue(default_concurrency_limit=8, max_size=256)
    return demo


def create_app(assistant: Any, settings: Settings) -> Any:
    """FastAPI app: the chat at /, citation pages at /passage/<doc> (indexed documents only), the REST API at /api."""
    import gradio as gr
    from fastapi import FastAPI, HTTPException, Query
    from fastapi.responses import HTMLResponse

    workspace = Workspace(settings, assistant)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Any) -> AsyncIterator[None]:
        """``--watch`` starts watching with the server; its watchers stop with it (no thread outlives it)."""
        if settings.watch:
            try:
                workspace.watch(workspace.default_key, True)
            except CorpusError as exc:  # the chat still serves; the Documents tab's box stays unticked
                print(f"qa: not watching: {exc}", file=sys.stderr)
        try:
            yield
        finally:
            await asyncio.to_thread(workspace.close)

    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)

    @app.get("/passage/{doc_id:path}", response_class=HTMLResponse)
    def passage(
        doc_id: str,
        start: int = Query(0, ge=0),
        end: int = Query(0, ge=0),
        hl: str = "",
        corpus: str = "",
        page: str = Query("", max_length=40),
    ) -> str:
        if end and end < start:
            raise HTTPException(status_code=400, detail="the passage's end lies before its start")
        try:
            current = workspace.assistant(corpus or workspace.default_key)
            if current is None:
                raise KeyError(doc_id)
            doc, unchanged = current.read_indexed(doc_id)
        except KeyError:
            raise HTTPException(status_code=404, detail="no such document in the index") from None
        spans = []
        for part in hl.split(","):
            a, _, b = part.partition("-")
            if a.isdigit() and b.isdigit():
                spans.append((int(a), int(b)))
        shaped = doc.layout.shaped if doc.layout is not None else ()
        body = document_html(doc.title, doc.text, start, end, spans, stale=not unchanged, page=page, blocks=shaped)
        return document_page(doc.title, body)

    mount_api(app, workspace)
    theme = gr.themes.Soft(font=LOCAL_FONTS, font_mono=LOCAL_MONO)
    app = gr.mount_gradio_app(
        app,
        build_ui(workspace),
        path="/",
        theme=theme,
        css=static_text("style.css"),
        head=static_text("head.html"),
        footer_links=[],
        ssr_mode=False,
        max_file_size=int(settings.max_file_mb * 1024 * 1024),
    )
    app.add_middleware(LimitBody, max_bytes=MAX_REQUEST_BYTES)
    if settings.auth:  # one login in front of every route, Gradio's and ours alike (added last: outermost)
        app.add_middleware(RequireLogin, credentials=Credentials.parse(settings.auth))
    return app


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
    from qa.index.buildproc import build_in_child

    refusal = check_bind(settings)
    if refusal:
        print(f"qa: {refusal}", file=sys.stderr)
        return 2
    assistant = Assistant.load(settings, builder=build_in_child)  # torch stays out of the server's memory
    if assistant.build_report:
        for line in assistant.build_report.lines():
            print(line)
    assistant.warm()
    app = create_app(assistant, settings)
    return_freed_memory_periodically()
    print(f"Web chat on http://{settings.host}:{settings.port}/  (Ctrl-C to stop)")
    if settings.watch:
        print(f"Watching {settings.corpus_dir} for changes")
    log_in_one_line()
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning", log_config=None)
    return 0
