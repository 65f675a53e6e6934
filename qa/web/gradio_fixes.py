"""Work-arounds for Gradio's memory per session and glibc's freed heap, kept apart from the page itself.

Each says which Gradio internals it touches; tests/integration/test_load.py checks the effect (one stored entry per
component and session, a closed session freed).
"""

from __future__ import annotations

import shutil
from datetime import datetime
from typing import Any

from qa.web.session import Session

__all__ = ["forget_session", "keep_session_copies_under_their_own_id", "return_freed_memory_periodically"]


def forget_session(demo: Any, session_hash: str, closed_at: datetime, state_id: int) -> None:
    """Drop what Gradio keeps for a closed session, unless the session was used again after it closed.

    Gradio itself frees only ``gr.State`` values, an hour after the page closes; the session's copy of
    every component with its last value (the whole chat among them) stays until 256 newer sessions push
    it out, and the queue keeps an entry per session. The tab's transcript folder goes too. Runs on the
    server's event loop.
    """
    holder = demo.state_holder
    with holder.lock:
        if holder.time_last_used.get(session_hash, closed_at) > closed_at:
            return  # the page reconnected and asked again: it is in use
        gone = holder.session_data.pop(session_hash, None)
        holder.time_last_used.pop(session_hash, None)
    session = gone.state_data.get(state_id) if gone is not None else None
    if isinstance(session, Session) and session.folder:
        shutil.rmtree(session.folder, ignore_errors=True)
    queue = getattr(demo, "_queue", None)  # and the queue's per-session entries, when nothing is pending
    if queue is not None and not queue.pending_event_ids_session.get(session_hash):
        queue.pending_event_ids_session.pop(session_hash, None)
        queue.pending_messages_per_session.pop(session_hash, None)


def keep_session_copies_under_their_own_id() -> None:
    """Work around a Gradio leak: without this, a session's stored config grows with every answer.

    An update (``gr.skip()``, ``gr.update(...)``) to a component makes Gradio store a copy of it for
    that session, under the component's id but carrying a fresh ``_id`` of its own. When a plain value
    reaches that component afterwards (the sources, viewer and transcript get ``gr.skip()`` while an
    answer streams, then their content), Gradio files the copy under the fresh id as a new component,
    with the value in it: three more entries per question (the cited document's whole HTML among them)
    kept as long as the session is. Giving the copy the id it is stored under makes the value land
    where it belongs (tests/integration/test_load.py checks the count stays one entry per component). Idempotent.
    """
    from gradio.blocks import Block
    from gradio.state_holder import SessionState

    original = SessionState.__setitem__
    if getattr(original, "_keeps_ids", False):
        return

    def setitem(self: Any, key: int, value: Any) -> None:
        if isinstance(value, Block) and value._id != key and key in self.blocks_config.blocks:
            value._id = key
        original(self, key, value)

    setitem._keeps_ids = True  # type: ignore[attr-defined]
    SessionState.__setitem__ = setitem  # type: ignore[method-assign]


def return_freed_memory_periodically(every_s: float = 60.0) -> None:
    """glibc keeps freed heap; handing it back keeps a long-running server's memory flat."""
    import ctypes
    import threading
    import time

    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return

    def loop() -> None:
        while True:
            time.sleep(every_s)
            libc.malloc_trim(0)

    threading.Thread(target=loop, name="malloc-trim", daemon=True).start()
