"""The REST API beside the page: ask, list documents, read a passage, mark an answer.

Headless clients (scripts, other tools) get the same answers as the chat and ``qa ask --json``, through
routes the login middleware guards like every other (qa/web/auth.py). Errors are JSON objects with an
``error`` message a person can act on. Every route takes an optional ``corpus`` key (as /passage does);
without it, the corpus the server started with.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from qa.assistant import Assistant, QuestionError, clean_question
from qa.search.filter import UnknownDocuments
from qa.web.feedback import mark_answer, record_feedback
from qa.web.workspace import Workspace

# Earlier questions replayed to resolve a follow-up: the conversation's recent turns carry its context.
MAX_HISTORY = 8


class Turn(BaseModel):
    role: str = "user"
    content: str = ""


class AskRequest(BaseModel):
    question: Any = Field(description="the question, as a user types it")
    history: list[str | Turn] = Field(default_factory=list, description="earlier questions, oldest first")
    top_k: int | None = Field(None, ge=1, le=50, description="excerpts in the answer")
    documents: list[str] | None = Field(None, description="search only these documents or folders (manuals/)")


class FeedbackRequest(BaseModel):
    question: str = Field(min_length=1, max_length=10_000)
    doc: str | None = Field(None, description="the passage that answered (or was rejected); 'not_this' may omit it")
    start: int | None = Field(None, ge=0)
    end: int | None = Field(None, ge=0)
    verdict: Literal["answered", "not_this"]
    history: list[str | Turn] = Field(default_factory=list, description="earlier questions of the chat, oldest first")
    session: str | None = Field(None, max_length=200, description="the conversation's id (refits split by it)")


class ApiError(Exception):
    """A request the API refuses: its status and the message the client shows."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def mount_api(app: FastAPI, workspace: Workspace) -> None:
    """Add the /api routes to ``app`` (before Gradio is mounted at /, which would shadow them)."""

    async def refused(_: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"error": str(exc)}, status_code=getattr(exc, "status", 400))

    app.include_router(api_router(workspace))
    app.add_exception_handler(ApiError, refused)


def earlier_questions(history: list[str | Turn]) -> list[str]:
    """The user's side of a conversation: plain strings, or {role, content} turns whose role is "user"."""
    out = [h if isinstance(h, str) else h.content for h in history if isinstance(h, str) or h.role == "user"]
    return [q for q in out if q.strip()][-MAX_HISTORY:]


def checked_question(question: Any, max_chars: int) -> str:
    """The question as the library cleans it; 400 when empty, 413 when over the limit."""
    try:
        return clean_question(question, max_chars)
    except QuestionError as exc:
        too_long = isinstance(question, str) and len(" ".join(question.split())) > max_chars
        raise ApiError(413 if too_long else 400, str(exc)) from None


def passage_json(assistant: Assistant, doc: str, start: int, end: int | None) -> dict[str, Any]:
    """The text of ``doc`` from ``start`` to ``end`` (or to the end of the passage holding ``start``),
    with the title and the section it lies in; ``stale`` when the file changed after indexing (offsets may
    be off until the next build); ``blocks``, as in an answer's passages, where the span holds code or a table."""
    try:
        document, unchanged = assistant.read_indexed(doc)
    except KeyError:
        raise ApiError(404, f"no document {doc!r} in the index") from None
    title, text = document.title, document.text
    if start < 0 or start >= max(len(text), 1) or (end is not None and not start < end <= len(text)):
        raise ApiError(400, f"the range must satisfy 0 <= start < end <= {len(text)} (the document's length)")
    holding = [p for p in assistant.retriever.index.doc_passages(doc) if p.start <= start]
    section = holding[-1].section if holding else ""
    if end is None:
        end = holding[-1].end if holding and holding[-1].end > start else len(text)
    span = {"doc": doc, "title": title, "section": section, "start": start, "end": end, "text": text[start:end]}
    shaped = document.layout.shaped_in(start, end) if document.layout is not None else ()
    blocks = {"blocks": [b.to_json() for b in shaped]} if shaped else {}
    return {**span, **blocks, "stale": not unchanged}


def api_router(workspace: Workspace) -> APIRouter:
    """The /api routes over ``workspace``'s corpora."""
    router = APIRouter(prefix="/api")

    def assistant_for(corpus: str) -> Assistant:
        try:
            found = workspace.assistant(corpus or workspace.default_key)
        except KeyError:
            found = None
        if found is None:
            raise ApiError(404, "no such corpus on this server, or it has no index yet")
        return found

    @router.post("/ask")
    def ask(body: AskRequest, corpus: str = "") -> dict[str, Any]:
        """The JSON answer of ``qa ask --json``; earlier questions in ``history`` make this one a follow-up."""
        assistant = assistant_for(corpus)
        checked_question(body.question, assistant.settings.max_question_chars)
        try:
            assistant.document_filter(body.documents)
        except UnknownDocuments as exc:
            raise ApiError(400, str(exc)) from None
        overrides = {"top_k": body.top_k} if body.top_k else {}
        chat = assistant.chat()
        for earlier in earlier_questions(body.history):
            chat.ask(earlier, documents=body.documents, **overrides)
        return chat.ask(body.question, documents=body.documents, **overrides).to_json()

    @router.get("/documents")
    def documents(corpus: str = "") -> dict[str, Any]:
        """Every indexed document: its name (what ``documents`` filters take), title, format and passages."""
        files = assistant_for(corpus).manifest.get("files", {})
        listed = [
            {"doc": d, "title": f.get("title", d), "format": f.get("format", ""), "passages": f.get("passages", 0)}
            for d, f in sorted(files.items())
        ]
        return {"documents": listed}

    @router.get("/passage/{doc:path}")
    def passage(doc: str, start: int = 0, end: int | None = Query(None), corpus: str = "") -> dict[str, Any]:
        """A cited span of a document, with its title and section."""
        return passage_json(assistant_for(corpus), doc, start, end)

    @router.post("/feedback")
    def feedback(body: FeedbackRequest, corpus: str = "") -> dict[str, Any]:
        """Mark an answer: ``answered`` with the passage that answered it, or ``not_this``. The question is asked
        again (after its ``history``) so the mark keeps the confidence and abstention the assistant gives it."""
        assistant = assistant_for(corpus)
        question = checked_question(body.question, assistant.settings.max_question_chars)
        if body.doc is None and body.verdict == "answered":
            raise ApiError(400, "an 'answered' mark needs the passage that answered: doc, start and end")
        span = passage_json(assistant, body.doc, body.start or 0, body.end) if body.doc is not None else None
        chat = assistant.chat()
        history = []
        for earlier in earlier_questions(body.history):
            history.append({"question": earlier, "answer": chat.ask(earlier).answer})
        answer = chat.ask(question)
        where = (body.doc, body.start or 0, span["end"]) if span is not None else None
        rank = next(
            (e.rank for e in answer.excerpts if (e.passage.doc_id, e.passage.start, e.passage.end) == where), None
        )
        try:
            item = mark_answer(assistant, answer, "not_this", rank, history, body.session)  # the range below
        except ValueError as exc:
            raise ApiError(400, str(exc)) from None
        if span is not None:  # the client's own range: the mark is about it, whatever the answer showed first
            item["passage"] = {"doc": span["doc"], "start": span["start"], "end": span["end"], "text": span["text"]}
            item["passage"] |= {"rank": rank} if rank is not None else {}
            if body.verdict == "answered":
                item.update(doc=span["doc"], evidence=span["text"], kind="answered", verdict="answered")
        count = record_feedback(assistant.settings.index_dir, item)
        return {"id": item["id"], "stored": count}

    return router
