"""The marks' store lives in the library (qa/evaluation/feedback.py), so ``qa feedback`` reads what the page
and the REST API write; re-exported here for the web layer."""

from qa.evaluation.feedback import (
    FEEDBACK_FILE,
    VERDICTS,
    feedback_item,
    mark_answer,
    read_marks,
    record_feedback,
    refit_corpus,
)

__all__ = ["FEEDBACK_FILE", "VERDICTS", "feedback_item", "mark_answer", "read_marks", "record_feedback", "refit_corpus"]
