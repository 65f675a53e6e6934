"""The served app: no file beyond the indexed documents, and a document served as an escaped page."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from qa.assistant import Assistant
from qa.settings import PROJECT_ROOT
from tests.webserver import serving


@pytest.fixture(scope="module")
def server(default_assistant: Assistant):
    with serving(default_assistant) as url:
        yield url


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.mark.parametrize(
    "path",
    [
        "/passage/..%2Fpyproject.toml",
        "/passage/%2Fetc%2Fpasswd",
        "/passage/titles.json",
        "/gradio_api/file=/etc/passwd",
        "/gradio_api/file={root}/pyproject.toml",
        "/gradio_api/file={root}/corpus/001_5f14862b3cd51082.txt",
        "/file=/etc/passwd",
        "/gradio_api/file=..%2F..%2F..%2Fetc%2Fpasswd",
    ],
)
def test_the_app_serves_no_file_beyond_indexed_documents(server: str, path: str) -> None:
    assert _status(server + path.format(root=PROJECT_ROOT)) in {403, 404, 405}


def test_an_indexed_document_is_served_as_an_escaped_page(server: str, default_assistant: Assistant) -> None:
    doc = default_assistant.documents()[0]["doc"]
    with urllib.request.urlopen(f"{server}/passage/{doc}?start=0&end=40", timeout=10) as response:
        body = response.read().decode("utf-8")
        assert response.status == 200 and "<script" not in body
