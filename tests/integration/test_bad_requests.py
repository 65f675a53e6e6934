"""One bad request costs one log line: an oversized body is refused unread, a malformed one is logged
in a single line however deep Gradio's traceback (it used to print the whole input, 60,000 lines)."""

from __future__ import annotations

import http.client
import json
import logging
import time
from urllib.parse import urlparse

import pytest

from qa.assistant import Assistant
from tests.conftest import make_settings
from tests.webserver import free_port, load_app_module, serving_app


@pytest.fixture()
def one_line_log(capfd):
    """The server's logging as `qa serve` sets it up (writing to the captured stderr), put back afterwards."""
    from qa.web.limits import log_in_one_line

    root = logging.getLogger()
    saved = root.handlers[:], root.level
    log_in_one_line()
    yield
    root.handlers[:], level = saved
    root.setLevel(level)


def post(url: str, path: str, body: bytes) -> int:
    """Status of a POST, or 0 when the server closed the connection before reading it all."""
    where = urlparse(url)
    conn = http.client.HTTPConnection(where.hostname, where.port, timeout=60)
    try:
        conn.request("POST", path, body=body, headers={"Content-Type": "application/json"})
        return conn.getresponse().status
    except (BrokenPipeError, ConnectionResetError):
        return 0
    finally:
        conn.close()


def test_an_oversized_or_malformed_request_writes_one_log_line(tmp_path, embedder, one_line_log, capfd) -> None:
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "bees.txt").write_text("Honey bees live in colonies led by a queen.\n", encoding="utf-8")
    assistant = Assistant.load(make_settings(tmp_path / "c", tmp_path / "i"))
    port = free_port()
    app = load_app_module().create_app(assistant, assistant.settings.replace(port=port))
    lines = "x\n" * 10_000_000  # 20 MB of lines
    with serving_app(app, port, log_config=None) as url:
        capfd.readouterr()
        huge = post(url, "/gradio_api/queue/join", json.dumps({"data": [lines], "fn_index": 0}).encode())
        small = json.dumps({"data": [lines[:4000]], "fn_index": 0, "session_hash": "s1", "trigger_id": 0})
        accepted = post(url, "/gradio_api/queue/join", small.encode())  # queued, then fails in the handler
        failed = post(url, "/gradio_api/run/predict", json.dumps({"data": [lines[:4000]]}).encode())
        time.sleep(2)  # the queued event fails on the server's worker
        err = capfd.readouterr().err
    logged = [line for line in err.splitlines() if line.strip()]
    assert huge in {0, 413} and accepted == 200 and failed == 500
    assert len(logged) == 3, "\n".join(line[:200] for line in logged[:20])
    assert "refused a request" in logged[0] and all(len(line) < 400 for line in logged)
