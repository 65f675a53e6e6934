"""The web chat: a Gradio page over the ``qa`` library, which never imports it.

Tabs: Chat (qa/web/chat_tab.py), Documents (documents_tab.py), Settings and Evaluation (settings_eval_tabs.py),
over what they share (page.py: the workspace, the components, the views several tabs show). app.py puts them
together and serves them with the citation pages; static/ holds the CSS and scripts.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

# Set before any module of this package imports gradio: no usage statistics leave the machine.
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
# FastAPI (under gradio) exports OpenTelemetry data where OTEL_* variables ask for it: never from this server.
os.environ["OTEL_SDK_DISABLED"] = "true"
os.environ["FASTAPI_OTEL_AUTO_CONFIGURE"] = "false"
os.environ.setdefault("GRADIO_SERVER_NAME", "127.0.0.1")

__all__ = ["build_ui", "check_bind", "create_app", "serve"]

if TYPE_CHECKING:
    from qa.web.app import build_ui, check_bind, create_app, serve


def __getattr__(name: str) -> Any:
    # Lazy: the HTML rendering and the workspace need no gradio import.
    if name in __all__:
        from qa.web import app

        return getattr(app, name)
    raise AttributeError(name)
