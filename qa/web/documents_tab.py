"""The Documents tab: the corpus in use (its documents and skipped files), uploads, rebuilds with a progress bar,
and switching to another folder."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import gradio as gr

from qa.web.page import Page
from qa.web.render import esc
from qa.web.session import Session
from qa.web.workspace import CorpusError, supported_suffixes

__all__ = ["layout", "watch_updates", "wire"]

WATCH_POLL_S = 2.0  # how often a page whose folder is watched asks whether an update ran


def _bar(progress: Any):
    return lambda fraction, what: progress(fraction, desc=what)


def open_corpus(page: Page, path: str, state: Session | None, progress: Any) -> dict[Any, Any]:
    state = page.session_of(state)
    try:
        entry = page.workspace.open(path, progress=_bar(progress))
    except CorpusError as exc:
        return {page.status: f"⚠️ {esc(str(exc))}", **page.corpus_updates(state.corpus)}
    state = Session(entry.key)
    where = esc(str(entry.path))
    status = f"Opened **{where}**." if entry.assistant else f"Opened **{where}**: no documents yet; add some below."
    return {
        page.state: state,
        page.folder: page.corpus_choices(entry.key),
        page.status: status,
        **page.corpus_updates(entry.key),
        **page.cleared(state),
        **watch_updates(page, entry.key),
    }


def upload(page: Page, files: list[str] | None, state: Session | None, progress: Any) -> dict[Any, Any]:
    state = page.session_of(state)
    if not files:
        return {page.status: gr.skip()}
    named = [(Path(f), Path(f).name) for f in files]
    result = page.workspace.add_files(state.corpus, named, progress=_bar(progress))
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
    return {page.status: "\n\n".join(lines), **page.corpus_updates(state.corpus), page.files: None}


def watch_line(page: Page, key: str) -> str:
    """The watched folder's status line: the latest update (when, what it did), or that one is under way."""
    entry = page.workspace.get(key)
    if entry.watcher is None:
        return ""
    note = entry.watch_note
    if entry.updating:
        head = "Updating the index from the folder's changes…"
    elif note is None:
        head = "Watching the folder: changes are indexed a few seconds after they stop."
    else:
        first, *rest = note.text.splitlines()
        at = time.strftime("%H:%M:%S", time.localtime(note.at))
        head = f"Updated {at}: {esc(first)}" if note.ok else f"⚠️ Update failed {at}: {esc(first)}"
        return "\n\n".join([head, *(f"<small>{esc(line)}</small>" for line in rest)])
    return head


def watch_updates(page: Page, key: str) -> dict[Any, Any]:
    """The checkbox, status line and timer as they stand for this corpus (on load, after switching folder)."""
    on = page.workspace.watching(key)
    return {page.watch: on, page.watch_status: watch_line(page, key), page.watch_timer: gr.Timer(active=on)}


def toggle_watch(page: Page, on: bool, state: Session | None) -> dict[Any, Any]:
    state = page.session_of(state)
    try:
        page.workspace.watch(state.corpus, on)
    except CorpusError as exc:
        return {page.watch: False, page.watch_status: f"⚠️ {esc(str(exc))}", page.watch_timer: gr.Timer(active=False)}
    return watch_updates(page, state.corpus)


def watch_tick(page: Page, state: Session | None, seen: str | None) -> dict[Any, Any]:
    """Refresh the status line, and the documents list after an update, only when something new happened."""
    key = page.session_of(state).corpus
    entry = page.workspace.get(key)
    now = f"{key} {entry.updating} {entry.watch_note.at if entry.watch_note else ''}"
    if now == seen:
        return {
            page.watch_status: gr.skip(),
            page.watch_seen: gr.skip(),
            page.header: gr.skip(),
            page.documents: gr.skip(),
        }
    return {page.watch_status: watch_line(page, key), page.watch_seen: now, **page.corpus_updates(key)}


def rebuild(page: Page, state: Session | None, progress: Any) -> dict[Any, Any]:
    state = page.session_of(state)
    report = page.workspace.rebuild(state.corpus, progress=_bar(progress))
    entry = page.workspace.get(state.corpus)
    status = esc(report.lines()[0]) if report else f"⚠️ {esc(entry.problem)}"
    return {page.status: status, **page.corpus_updates(state.corpus)}


def layout(page: Page, documents: str) -> None:
    """``documents``: the documents list of the corpus the page opens with."""
    suffixes = supported_suffixes(page.base)
    with gr.Tab("Documents", id="docs-tab", elem_id="docs-tab"):
        with gr.Row(equal_height=False):
            page.folder = gr.Dropdown(
                choices=[str(c.path) for c in page.workspace.corpora()],
                value=str(page.base.corpus_dir),
                allow_custom_value=True,
                label="Corpus folder (type a path on this computer, or pick one opened before)",
                scale=4,
                min_width=280,
                elem_id="corpus-path",
            )
            page.open_btn = gr.Button("Open folder", scale=1, min_width=120, elem_id="open-corpus")
        page.files = gr.File(
            label=f"Add documents ({', '.join(suffixes)}, or gzipped): copied into the corpus folder and indexed",
            file_count="multiple",
            type="filepath",
            elem_id="upload",
        )
        with gr.Row():
            page.rebuild_btn = gr.Button("Rebuild index", elem_id="rebuild", scale=0, min_width=160)
            watching = page.workspace.watching(page.workspace.default_key)
            page.watch = gr.Checkbox(
                watching, label="Watch the folder for changes", elem_id="watch", scale=0, min_width=260
            )
        page.status = gr.Markdown("", elem_id="doc-status")
        page.watch_status = gr.Markdown("", elem_id="watch-status")
        page.watch_timer = gr.Timer(WATCH_POLL_S, active=watching)
        page.watch_seen = gr.State(None)
        page.documents = gr.HTML(documents, elem_id="documents")


def wire(page: Page) -> None:
    """Each change of corpus re-reads the Evaluation tab, whose report belongs to the corpus in use."""

    def opened(path: str, state: Session | None, progress=gr.Progress()):
        return open_corpus(page, path, state, progress)

    def uploaded(files: list[str] | None, state: Session | None, progress=gr.Progress()):
        return upload(page, files, state, progress)

    def rebuilt(state: Session | None, progress=gr.Progress()):
        return rebuild(page, state, progress)

    def toggled(on: bool, state: Session | None):
        return toggle_watch(page, on, state)

    def ticked(state: Session | None, seen: str | None):
        return watch_tick(page, state, seen)

    private = {"api_visibility": "private"}
    corpus = [page.header, page.documents]
    watch = [page.watch, page.watch_status, page.watch_timer]
    open_outputs = [page.state, page.folder, page.status, *corpus, *page.conversation, *page.suggestion_buttons, *watch]
    build_events: dict[str, Any] = {"concurrency_limit": 2, "show_progress_on": page.documents, **private}
    reread = (page.evaluation_view, page.state, page.evaluation)
    gr.on(
        [page.open_btn.click, page.folder.select], opened, [page.folder, page.state], open_outputs, **build_events
    ).then(*reread, **private).then(page.calibration_view, page.state, [page.calibration, page.threshold], **private)
    page.files.upload(uploaded, [page.files, page.state], [page.status, *corpus, page.files], **build_events).then(
        *reread, **private
    )
    page.rebuild_btn.click(rebuilt, page.state, [page.status, *corpus], **build_events).then(*reread, **private)
    page.watch.input(toggled, [page.watch, page.state], watch, **private)
    page.watch_timer.tick(
        ticked,
        [page.state, page.watch_seen],
        [page.watch_status, page.watch_seen, *corpus],
        show_progress="hidden",
        **private,
    )
