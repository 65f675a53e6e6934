"""What one bad request may cost the server: a bounded body, and one log line however it fails.

A 20 MB malformed request used to write 60,000 lines to the log: Gradio prints whole tracebacks,
with the offending input inside, straight to stderr. Requests beyond a size are refused before any
route reads them, and every error is logged as a single line.
"""

from __future__ import annotations

import logging
import sys
import traceback
from typing import Any

from qa.web.auth import ASGIApp, Receive, Scope, Send

log = logging.getLogger("qa.web")
MAX_LINE = 300
MAX_REQUEST_BYTES = 4 * 1024 * 1024  # a question with a long chat history is well under this
UPLOAD_PATH = "/gradio_api/upload"  # Gradio checks each uploaded file against max_file_size itself


class OneLineFormatter(logging.Formatter):
    """A record, its exception included, on one line of at most MAX_LINE characters."""

    def format(self, record: logging.LogRecord) -> str:
        text = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            text += f" ({type(exc).__name__}: {exc})"
        text = " ".join(text.split())
        if len(text) > MAX_LINE:
            text = text[: MAX_LINE - 1] + "…"
        return f"{self.formatTime(record, '%Y-%m-%d %H:%M:%S')} {record.levelname} {record.name}: {text}"


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is when a record comes, not when the server started."""

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _: Any) -> None:
        pass


def log_in_one_line(level: int = logging.WARNING) -> None:
    """The server's log: one line a record; Gradio's printed tracebacks become records too."""
    handler = _StderrHandler()
    handler.setFormatter(OneLineFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    _route_gradio_tracebacks_to_the_log()


class _TracebackAsLog:
    """Stands in for the ``traceback`` module inside Gradio: ``print_exc`` logs one line instead."""

    def __getattr__(self, name: str) -> Any:
        return getattr(traceback, name)

    @staticmethod
    def print_exc(*_: Any, **__: Any) -> None:
        log.error("a request failed", exc_info=sys.exc_info())


def _route_gradio_tracebacks_to_the_log() -> None:
    from gradio import queueing, route_utils, routes

    for module in (queueing, route_utils, routes):
        module.traceback = _TracebackAsLog()  # type: ignore[attr-defined]


class LimitBody:
    """ASGI middleware: a request body over ``max_bytes`` gets 413 and one log line, unread."""

    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path", "").startswith(UPLOAD_PATH):
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length", b"0")
        if declared.isdigit() and int(declared) > self.max_bytes:
            self._refused(scope, int(declared))
            body = b"Request too large.\n"
            headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]
            await send({"type": "http.response.start", "status": 413, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        received = 0

        async def counted() -> Any:  # a chunked body declares no length: count it as it comes
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    self._refused(scope, received)
                    return {"type": "http.disconnect"}
            return message

        await self.app(scope, counted, send)

    def _refused(self, scope: Scope, size: int) -> None:
        limit = self.max_bytes
        log.warning("refused a request of %s bytes or more to %s (limit %s)", f"{size:,}", scope["path"], limit)
