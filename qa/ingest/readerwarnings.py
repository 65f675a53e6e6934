"""What a document reader says while it reads, caught so that it is reported once, with the file's reason.

pypdf logs ("invalid pdf header", "incorrect startxref pointer") through ``logging``; left alone, Python
prints them on stderr each time the file is read, without its name, on every later command. Reading a file
runs inside :func:`reader_messages`: the messages of this thread are kept in a list (other threads'
messages pass as before) and the caller decides where they go.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator

READER_LOGGERS = ("pypdf", "PyPDF2", "docx")
MAX_MESSAGES = 3  # the first few distinct messages say enough; a broken file can log thousands
_listening: dict[int, list[str]] = {}  # thread id -> the messages caught for the read it is doing
_setup = threading.Lock()


class _Router(logging.Handler):
    """Sits on the readers' loggers (their modules log to child loggers, which propagate here): a record
    from a thread that is reading goes into its list; any other goes on as it would have."""

    def emit(self, record: logging.LogRecord) -> None:
        caught = _listening.get(record.thread or 0)
        if caught is None:
            root = logging.getLogger()
            if root.handlers:
                root.handle(record)
            elif logging.lastResort is not None and record.levelno >= logging.lastResort.level:
                logging.lastResort.handle(record)
            return
        message = record.getMessage().strip()
        if message and message not in caught:
            caught.append(message)


def _install() -> None:
    with _setup:
        for name in READER_LOGGERS:
            logger = logging.getLogger(name)
            if not any(isinstance(h, _Router) for h in logger.handlers):
                logger.addHandler(_Router())
                logger.propagate = False


class Said:
    """The messages caught so far in one read, each once, in order."""

    def __init__(self) -> None:
        self.logged: list[str] = []

    def messages(self) -> list[str]:
        return list(dict.fromkeys(m for m in self.logged if m))


@contextlib.contextmanager
def reader_messages() -> Iterator[Said]:
    """Collect the readers' log messages emitted by this thread inside the block.

    Only ``logging`` is caught (pypdf reports what it repairs or gives up on there): it can tell threads
    apart, while ``warnings.catch_warnings`` swaps process-wide state and is unsafe in a threaded server."""
    _install()
    said = Said()
    me = threading.get_ident()
    _listening[me] = said.logged
    try:
        yield said
    finally:
        _listening.pop(me, None)


def summary(said: Said) -> str:
    """The messages as one clause for a skip reason ("" when there were none)."""
    messages = said.messages()
    if not messages:
        return ""
    shown = "; ".join(m.splitlines()[0][:120] for m in messages[:MAX_MESSAGES])
    more = f" (+{len(messages) - MAX_MESSAGES} more)" if len(messages) > MAX_MESSAGES else ""
    return f"the reader said: {shown}{more}"
