"""Safe by default: loopback only unless a password is set, no share links or telemetry, no pickle of anything a
user can replace (the served app's checks are in tests/integration)."""

from __future__ import annotations

import ast
import inspect
import os
import re
from pathlib import Path

import pytest

from qa.assistant import Assistant
from qa.cli import main as cli_main
from qa.settings import PROJECT_ROOT
from tests.webserver import load_app_module

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
    web = sorted((PROJECT_ROOT / "qa" / "web").glob("*.py"))
    app_source = "\n".join(path.read_text(encoding="utf-8") for path in web)
    assert not re.search(r"share\s*=\s*True", app_source)
    assert ".launch(" not in app_source  # served by uvicorn on the checked address, never gradio's launcher
    # Analytics are switched off before gradio is first imported.
    # (qa/web/__init__.py runs before any module of the package, and imports no gradio itself.)
    package = (PROJECT_ROOT / "qa" / "web" / "__init__.py").read_text(encoding="utf-8")
    assert 'os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"' in package and "import gradio" not in package
    load_app_module()
    assert os.environ["GRADIO_ANALYTICS_ENABLED"] == "False"
    assert os.environ["OTEL_SDK_DISABLED"] == "true"  # nor traces or metrics, whatever OTEL_* a user has set


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
