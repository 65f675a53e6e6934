"""Concurrent chat sessions over loopback: every request answered, each session keeps its own history.

A small version of ``bench/load_test.py`` (which runs 50 sessions x 20 questions and reports timings);
here only correctness under concurrency is checked, never speed.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from bench.load_test import make_client, pick_endpoint, reply_text, run_sessions
from qa.assistant import Assistant
from tests.webserver import serving


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
