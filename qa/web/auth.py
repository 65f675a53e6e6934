"""One login in front of every route when the server has a password.

Gradio's own login guards its pages and API, but not routes mounted beside it (the citation pages were
readable by anyone), and each route added later would have to remember to ask. An ASGI middleware
around the whole app asks once, for every HTTP request and WebSocket, before any route sees it. HTTP
Basic is what browsers, curl (``-u``) and every HTTP client speak without extra code; a browser asks once
and then sends the credentials with every request of the page, Gradio's included.
"""

from __future__ import annotations

import base64
import binascii
import logging
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

log = logging.getLogger("qa.web")
REFUSAL = b"Login required: this server asks for its user name and password.\n"


@dataclass(frozen=True)
class Credentials:
    user: str
    password: str

    @classmethod
    def parse(cls, text: str) -> Credentials:
        """``user:password``; both parts must be non-empty (an empty password is no lock at all)."""
        user, sep, password = text.partition(":")
        if not sep or not user or not password:
            raise ValueError("auth must look like user:password, with neither part empty")
        return cls(user, password)

    def accepts(self, header: bytes | None) -> bool:
        """True when an ``Authorization: Basic …`` header carries these credentials (constant time)."""
        if not header or not header[:6].lower() == b"basic ":
            return False
        try:
            user, sep, password = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        same_user = secrets.compare_digest(user.encode(), self.user.encode())
        same_password = secrets.compare_digest(password.encode(), self.password.encode())
        return bool(sep) and same_user and same_password


class RequireLogin:
    """ASGI middleware: nothing reaches the app without the credentials (lifespan events pass)."""

    def __init__(self, app: ASGIApp, credentials: Credentials, realm: str = "qa"):
        self.app = app
        self.credentials = credentials
        self.challenge = f'Basic realm="{realm}", charset="UTF-8"'.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        header = dict(scope.get("headers") or []).get(b"authorization")
        if self.credentials.accepts(header):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":  # closing before accept answers the handshake with 403
            await send({"type": "websocket.close", "code": 1008})
            return
        await send(
            {
                "type": "http.response.start",
                "status": 401,
                "headers": [
                    (b"www-authenticate", self.challenge),
                    (b"content-type", b"text/plain; charset=utf-8"),
                    (b"content-length", str(len(REFUSAL)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": REFUSAL})
