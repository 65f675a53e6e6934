"""Safe by default: loopback only unless a password is set, no share links or telemetry, no file
serving beyond the indexed corpus, no pickle of anything a user can replace."""

from __future__ import annotations

import ast
import inspect
import os
import re
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from qa.assistant import Assistant
from qa.cli import main as cli_main
from qa.settings import PROJECT_ROOT
from tests.webserver import load_app_module, serving

SOURCES = sorted((PROJECT_ROOT / "qa").rglob("*.py")) + [PROJECT_ROOT / "app.py"]


class Reached(Exception):
    """Raised in place of loading the assistant: the command got past its checks."""


@pytest.fixture()
def no_loading(monkeypatch):
    def refuse(*args, **kwargs):
        raise Reached

    monkeypatch.setattr(Assistant, "load", classmethod(lambda cls, *a, **k: refuse()))


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "example.org"])
def test_serving_beyond_loopback_without_auth_is_refused_before_loading(
    host: str, no_loading, small_corpus: Path, capsys
) -> None:
    code = cli_main(["serve", "--host", host, "--corpus", str(small_corpus)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("qa: refusing") and "--auth" in err and "Traceback" not in err


@pytest.mark.parametrize(
    "args",
    [[], ["--host", "127.0.0.1"], ["--host", "localhost"], ["--host", "0.0.0.0", "--auth", "reader:long-secret"]],
    ids=["default", "loopback", "localhost", "any-with-auth"],
)
def test_loopback_or_auth_gets_past_the_check(args: list[str], no_loading, small_corpus: Path) -> None:
    with pytest.raises(Reached):
        cli_main(["serve", *args, "--corpus", str(small_corpus)])


def test_malformed_auth_is_a_usage_error(small_corpus: Path, capsys) -> None:
    assert cli_main(["serve", "--host", "0.0.0.0", "--auth", "nocolon", "--corpus", str(small_corpus)]) == 2
    assert "user:password" in capsys.readouterr().err


def test_default_settings_bind_loopback_without_share_or_telemetry() -> None:
    from qa.settings import Settings

    assert Settings().host == "127.0.0.1"
    app_source = (PROJECT_ROOT / "app.py").read_text(encoding="utf-8")
    assert not re.search(r"share\s*=\s*True", app_source)
    assert ".launch(" not in app_source  # served by uvicorn on the checked address, never gradio's launcher
    # Analytics are switched off before gradio is first imported.
    assert app_source.index('os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"') < app_source.index("import gradio")
    load_app_module()
    assert os.environ["GRADIO_ANALYTICS_ENABLED"] == "False"


def test_no_pickle_of_anything_a_user_can_replace() -> None:
    """Index files, model folders and corpora are user-replaceable: nothing loads them with pickle."""
    banned = re.compile(r"\b(c?pickle|dill|joblib|shelve|marshal)\b|allow_pickle\s*=\s*True|torch\.load\(")
    offenders = []
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom, ast.Call)):
                text = ast.unparse(node)
                if banned.search(text):
                    offenders.append(f"{path.relative_to(PROJECT_ROOT)}:{node.lineno}: {text[:80]}")
                # every numpy load says allow_pickle=False explicitly
                if isinstance(node, ast.Call) and text.startswith(("np.load(", "numpy.load(")):
                    if "allow_pickle=False" not in text:
                        offenders.append(f"{path.relative_to(PROJECT_ROOT)}:{node.lineno}: {text[:80]}")
    assert offenders == []

    import bm25s

    # qa.index.bm25.read_bm25 relies on bm25s' default; make sure that default stays pickle-free.
    assert inspect.signature(bm25s.BM25.load).parameters["allow_pickle"].default is False


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
