"""The web app served in-process on a free loopback port, for tests that drive it over HTTP."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load_app_module() -> ModuleType:
    import qa.web.app

    return qa.web.app


@contextmanager
def serving(assistant: Any, app_module: ModuleType | None = None, **changes: Any) -> Iterator[str]:
    """Yield the base URL of the app serving ``assistant`` on 127.0.0.1, stopped afterwards.

    ``changes`` are settings the server gets beyond the assistant's own (``reports_dir`` for instance);
    ``app_module`` is qa.web.app (perhaps adjusted by the caller, with monkeypatch).
    """
    app_module = app_module or load_app_module()
    port = free_port()
    settings = assistant.settings.replace(port=port, **changes)
    with serving_app(app_module.create_app(assistant, settings), port, settings.host) as url:
        yield url


@contextmanager
def serving_app(app: Any, port: int, host: str = "127.0.0.1", **config: Any) -> Iterator[str]:
    """Serve an ASGI app on ``host``:``port`` in a thread; yield its loopback URL. ``config``: more
    uvicorn settings (``log_config=None`` leaves logging as the caller set it, as ``qa serve`` does)."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", **config))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 60
    while not server.started and time.time() < deadline:
        time.sleep(0.1)
    assert server.started, "web app did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        server.force_exit = True  # do not wait for clients' open event streams
        thread.join(timeout=10)
