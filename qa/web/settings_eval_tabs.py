"""The Settings tab (excerpts per answer, reranking, abstention threshold: this browser tab's next questions
only; the calibration in use and its refit on the users' marks) and the Evaluation tab (the latest ``qa eval``
report for the corpus in use, and the latest benchmarks)."""

from __future__ import annotations

from typing import Any

import gradio as gr

from qa.web.page import Page

__all__ = ["layout_evaluation", "layout_settings", "wire"]


def layout_settings(page: Page) -> None:
    base = page.base
    first = page.workspace.assistant(page.workspace.default_key)
    with gr.Tab("Settings", id="settings-tab", elem_id="settings-tab") as page.settings_tab:
        gr.Markdown("These apply to your next question in this tab; the server's defaults stay as they are.")
        page.top_k = gr.Slider(1, 10, value=base.top_k, step=1, label="Excerpts per answer", elem_id="top-k")
        page.rerank = gr.Checkbox(
            value=base.rerank,
            label="Rerank candidates by their best-matching sentence (second stage)",
            elem_id="rerank",
        )
        page.threshold = gr.Slider(
            0.0,
            1.0,
            value=first.threshold_in_use if first else base.threshold_in_use,
            step=0.01,
            label="Abstention threshold: below this confidence the answer is 'not found'",
            elem_id="threshold",
        )
        page.reset = gr.Button("Restore defaults", size="sm", elem_id="reset-settings")
        _layout_refit(page, first)


def _layout_refit(page: Page, first: Any) -> None:
    """The calibration the corpus answers with, and the refit of its abstention on the users' marks."""
    gr.Markdown(
        "#### Learning from your marks\nThe marks you give answers (*This answered it*, *Not this*, *The answer is "
        "in this excerpt*) stay on this computer, beside the corpus's index. Once there are enough, a refit fits "
        "the confidence shown and the abstention threshold to them, judges it on a third of the conversations it "
        "did not fit on, and is used only if it does no worse there."
    )
    page.calibration = gr.Markdown(first.calibration_in_use() if first else "", elem_id="calibration-in-use")
    page.refit = gr.Button("Refit abstention from marks", size="sm", elem_id="refit")
    page.refit_report = gr.Markdown("", elem_id="refit-report")


def refit(page: Page, state: Any) -> dict[Any, Any]:
    """Refit the session's corpus on its marks; the report, and the calibration and threshold now in use."""
    from qa.web.feedback import refit_corpus

    assistant = page.workspace.assistant(page.session_of(state).corpus)
    if assistant is None:
        return {page.refit_report: "This corpus has no index yet."}
    report, lines = refit_corpus(assistant)
    shown = "\n".join(lines[:1]) if report is None else "```\n" + "\n".join(lines) + "\n```"
    return {page.refit_report: shown, **page.calibration_view(state)}


def layout_evaluation(page: Page) -> None:
    with gr.Tab("Evaluation", id="eval-tab", elem_id="eval-tab") as page.eval_tab:
        with gr.Row():
            gr.Markdown("The newest `qa eval` report for the corpus in use, and the newest benchmark runs.")
            page.refresh = gr.Button("Refresh", size="sm", scale=0, min_width=100, elem_id="eval-refresh")
        page.evaluation = gr.HTML("", elem_id="evaluation")


def wire(page: Page) -> None:
    private = {"api_visibility": "private"}
    # Read afresh when the tab is opened (not on page load: most visits never open it).
    gr.on([page.eval_tab.select, page.refresh.click], page.evaluation_view, page.state, page.evaluation, **private)
    base = page.base

    def defaults(state: Any) -> dict[Any, Any]:
        assistant = page.workspace.assistant(page.session_of(state).corpus)
        threshold = assistant.threshold_in_use if assistant else base.threshold_in_use
        return {page.top_k: base.top_k, page.rerank: base.rerank, page.threshold: threshold}

    page.reset.click(defaults, page.state, page.knobs, queue=False, **private)
    calibration = [page.calibration, page.threshold]
    page.settings_tab.select(lambda s: {page.calibration: page.calibration_view(s)[page.calibration]}, page.state,
                             page.calibration, **private)  # fmt: skip
    page.refit.click(lambda s: refit(page, s), page.state, [page.refit_report, *calibration], **private)
