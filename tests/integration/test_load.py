"""Concurrent chat sessions over loopback: every request answered, each session keeps its own history.

A small version of ``bench/load_test.py`` (which runs 50 sessions x 20 questions and reports timings);
here only correctness under concurrency is checked, never speed.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from bench.load_test import make_client, pick_endpoint, reply_text, run_sessions
from qa.assistant import Assistant
from tests.webserver import load_app_module, serving


@pytest.fixture(scope="module")
def server(default_assistant: Assistant):
    with serving(default_assistant) as url:
        yield url


def test_concurrent_sessions_all_get_answers(server: str) -> None:
    result = run_sessions(server, sessions=6, questions_per_session=3, deadline_s=240, hostile_every=3)
    assert result["errors"] == 0, result["error_samples"]
    assert result["unfinished"] == 0
    assert result["answered"] == 18


def test_follow_ups_resolve_against_their_own_session_only(server: str) -> None:
    """Two users at once: each follow-up is read against that user's first question, not the other's."""
    first = {"a": "How do remittances compare with development aid?", "b": "What happened in Akwete?"}

    def converse(who: str) -> list[str]:
        client = make_client(server)
        try:
            endpoint = pick_endpoint(client)
            out = client.predict(first[who], [], api_name=endpoint)
            follow = client.predict("Tell me more about that.", out[1], api_name=endpoint)
            return [reply_text(out), reply_text(follow)]
        finally:
            client.close()

    with ThreadPoolExecutor(2) as pool:
        a, b = pool.map(converse, ["a", "b"])
    assert "remittances" in a[0].lower() and "akwete" in b[0].lower()
    assert "akwete" not in a[1].lower()
    assert "remittance" not in b[1].lower()


def test_a_session_keeps_one_entry_per_component_and_is_freed_once_closed(
    default_assistant: Assistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Memory stays flat: answers do not pile up per-session copies, and a closed session is dropped.

    Gradio stores each session's components with their last values. Before the fix every answer added
    three more (the sources, the viewer with the cited document's HTML, the transcript), and nothing
    freed a session before 256 newer ones came.
    """
    app_module = load_app_module()
    monkeypatch.setattr(app_module, "CLOSED_SESSION_GRACE_S", 0.5)
    built: list[Any] = []
    build_ui = app_module.build_ui
    monkeypatch.setattr(app_module, "build_ui", lambda workspace: built.append(build_ui(workspace)) or built[-1])
    with serving(default_assistant, app_module=app_module) as url:
        demo = built[0]
        holder = demo.state_holder
        client = make_client(url)
        try:
            endpoint = pick_endpoint(client)
            history: list[Any] = []
            for question in ["What happened in Akwete?", "Tell me more about that.", "Who presented on diaspora?"]:
                history = client.predict(question, history, api_name=endpoint)[1]
            session = holder.session_data[client.session_hash]
            assert len(session.config_values) == len(demo.blocks)
            assert session.state_data, "the chat's Session is held while the page is open"
        finally:
            client.close()
        deadline = time.monotonic() + 30
        while client.session_hash in holder.session_data and time.monotonic() < deadline:
            time.sleep(0.2)
        assert client.session_hash not in holder.session_data
        assert client.session_hash not in demo._queue.pending_event_ids_session
