"""The Settings tab (excerpts per answer, reranking, abstention threshold: this browser tab's next questions
only) and the Evaluation tab (the latest ``qa eval`` report for the corpus in use, and the latest benchmarks)."""

from __future__ import annotations

import gradio as gr

from qa.web.page import Page

__all__ = ["layout_evaluation", "layout_settings", "wire"]


def layout_settings(page: Page) -> None:
    base = page.base
    with gr.Tab("Settings", id="settings-tab", elem_id="settings-tab"):
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
            value=base.threshold_in_use,
            step=0.05,
            label="Abstention threshold: below this confidence the answer is 'not found'",
            elem_id="threshold",
        )
        page.reset = gr.Button("Restore defaults", size="sm", elem_id="reset-settings")


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
    defaults = {page.top_k: base.top_k, page.rerank: base.rerank, page.threshold: base.threshold_in_use}
    page.reset.click(lambda: defaults, None, page.knobs, queue=False, **private)
