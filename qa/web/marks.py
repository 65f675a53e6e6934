"""The user's verdict on the latest answer: "This answered it", "Not this", and "The answer is in this excerpt"
for the excerpt open in the Sources column. Each is kept as a gold item with the corpus's index
(qa/evaluation/feedback.py), and the Settings tab refits the abstention on them once there are enough."""

from __future__ import annotations

from typing import Any

import gradio as gr

from qa.web.page import Page
from qa.web.render import esc, source_label
from qa.web.session import Session

__all__ = ["hidden", "layout_buttons", "layout_excerpt", "mark", "offered", "shown", "wire"]


def layout_buttons(page: Page) -> None:
    """Under the conversation: the two verdicts on the latest answer, and what became of the last one given."""
    with gr.Row(elem_id="marks"):
        page.mark_yes = gr.Button("✓ This answered it", size="sm", visible=False, elem_id="mark-answered")
        page.mark_no = gr.Button("✗ Not this", size="sm", visible=False, elem_id="mark-not-this")
    page.mark_status = gr.Markdown("", elem_id="mark-status")


def layout_excerpt(page: Page) -> None:
    """Under the source picker: the excerpt open there holds the answer."""
    page.mark_excerpt = gr.Button(
        "The answer is in this excerpt", size="sm", visible=False, elem_id="mark-excerpt", variant="secondary"
    )


def shown(page: Page, answer: Any) -> dict[Any, Any]:
    """After an answer: the verdicts offered (not for a question that could not be used), the last status gone."""
    can = not answer.message
    excerpts = can and bool(answer.excerpts)
    return {
        page.mark_yes: gr.update(visible=excerpts),
        page.mark_no: gr.update(visible=can),
        page.mark_excerpt: gr.update(visible=excerpts),
        page.mark_status: "",
    }


def offered(page: Page, state: Session | None) -> dict[Any, Any]:
    """The verdicts for the session's latest answer (none before the first)."""
    answers = page.session_of(state).answers
    return shown(page, answers[-1]) if answers else hidden(page)


def hidden(page: Page) -> dict[Any, Any]:
    return {page.mark_yes: gr.update(visible=False), page.mark_no: gr.update(visible=False),
            page.mark_excerpt: gr.update(visible=False), page.mark_status: ""}  # fmt: skip


def mark(page: Page, verdict: str, state: Session | None, excerpt: bool = False, choice: str | None = None) -> str:
    """Keep the verdict on the latest answer; the confirmation shown under the conversation. ``excerpt``: "the
    answer is in this excerpt", the one ``choice`` names in the source picker (none picked: the viewer shows
    the first, so the first)."""
    from qa.web.feedback import mark_answer, record_feedback

    state = page.session_of(state)
    assistant = page.workspace.assistant(state.corpus)
    answers = [a for a in state.answers if not a.message]
    if assistant is None or not answers:
        return "Ask a question first; a mark is about the latest answer."
    last = answers[-1]
    rank = None
    if excerpt:
        labels = [source_label(e) for e in last.excerpts]
        if not labels or (choice and choice not in labels):
            return "Pick the excerpt that holds the answer under *Read a source in its document* first."
        rank = last.excerpts[labels.index(choice) if choice else 0].rank
    history = [{"question": a.question, "answer": a.answer} for a in answers[:-1]]
    threshold = state.thresholds[-1] if state.thresholds else None
    try:
        item = mark_answer(
            assistant, last, verdict, rank, history, state.id, f"{state.id}:{len(answers)}", threshold=threshold
        )
        count = record_feedback(assistant.settings.index_dir, item)
    except (ValueError, OSError) as exc:
        return f"⚠️ The mark was not kept: {esc(str(exc))}"
    said = {"answered": "this answered it", "not_this": "not this"}[verdict]
    if rank is not None:
        said = f"the answer is in excerpt [{rank}]"
    need = assistant.settings.feedback_min_marks
    more = f"; the Settings tab can refit the abstention on them from {need}" if count < need else (
        "; the Settings tab can refit the abstention on them")  # fmt: skip
    return f"✓ Thanks, kept: *{esc(said)}* for “{esc(last.question[:80])}”. {count} marks for this corpus{more}."


def wire(page: Page) -> None:
    private = {"api_visibility": "private"}
    page.mark_yes.click(lambda s: mark(page, "answered", s), page.state, page.mark_status, **private)
    page.mark_no.click(lambda s: mark(page, "not_this", s), page.state, page.mark_status, **private)
    page.mark_excerpt.click(
        lambda c, s: mark(page, "answered", s, True, c), [page.picker, page.state], page.mark_status, **private
    )
