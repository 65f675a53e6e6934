"""Shared fixtures: the real model and real indexes, built once per session in temporary folders."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from qa.assistant import Assistant
from qa.encode.embedder import Embedder
from qa.settings import PROJECT_ROOT, Settings, load_settings
from qa.types import Passage

DEFAULT_CORPUS = PROJECT_ROOT / "corpus"
# The paraphrase stage's vectors, kept by each text's digest across the tests' many indexes of the same documents.
PARAPHRASE_VECTORS = Path(tempfile.gettempdir()) / "qa-tests-paraphrase-vectors"
# The same for the tests that drive `qa` through its command line, which reads the environment.
os.environ.setdefault("QA_PARAPHRASE_CACHE_DIR", str(PARAPHRASE_VECTORS))


def passage_of(parts: list[str], doc_id: str, title: str = "", section: str = "", sep: str = " ") -> Passage:
    """A passage that is a whole document: ``parts`` joined by ``sep``, each part one sentence."""
    text = sep.join(parts)
    spans, at = [], 0
    for part in parts:
        spans.append((at, at + len(part)))
        at += len(part) + len(sep)
    return Passage(doc_id, title, section, 0, len(text), text, tuple(spans))


def make_settings(corpus: Path, index: Path, **extra: object) -> Settings:
    """Settings that ignore the developer's environment and config file."""
    shared = {"paraphrase_cache_dir": str(PARAPHRASE_VECTORS)}  # the shipped corpus is encoded once, not per test
    base = {"corpus_dir": corpus, "index_dir": index, "show_progress": False, **shared}
    return load_settings({**base, **extra}, environ={})


def assistant_over(
    files: dict[str, Path], tmp_path_factory: pytest.TempPathFactory, embedder: Embedder, name: str
) -> Assistant:
    """An assistant over copies of ``files`` (name in the corpus: source file), indexed in fresh folders."""
    corpus = tmp_path_factory.mktemp(name)
    for target, source in files.items():
        shutil.copy(source, corpus / target)
    return Assistant.load(make_settings(corpus, tmp_path_factory.mktemp(f"{name}-index")), embedder=embedder)


def quoted(excerpt: object) -> list[str]:
    """The sentences an excerpt highlights, as the user reads them."""
    p = excerpt.passage  # type: ignore[attr-defined]
    return [p.text[a - p.start : b - p.start] for a, b in excerpt.highlights]  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    e = Embedder(make_settings(DEFAULT_CORPUS, Path("/nonexistent")))
    _ = e.model  # load once for the session
    return e


@pytest.fixture(scope="session")
def default_assistant(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    """The shipped corpus, indexed into a temporary folder (the repo's embeddings/ stays untouched)."""
    index = tmp_path_factory.mktemp("default-index")
    return Assistant.load(make_settings(DEFAULT_CORPUS, index))


@pytest.fixture()
def small_corpus(tmp_path: Path) -> Path:
    """Three short documents of distinct topics, written fresh for each test."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "bees.txt").write_text(
        "HONEY BEES\n\nHoney bees live in colonies led by a single queen. Worker bees collect nectar "
        "and pollen from flowers.\n\nThe waggle dance tells other bees the direction and distance of food.\n",
        encoding="utf-8",
    )
    (corpus / "volcanoes.md").write_text(
        "# Volcanoes\n\nA volcano is an opening in the crust through which molten rock escapes. "
        "Mount Etna in Sicily is one of the most active volcanoes in Europe.\n",
        encoding="utf-8",
    )
    (corpus / "tea.txt").write_text(
        "Tea\n\nGreen tea is made from leaves that are not oxidised. Black tea leaves are fully oxidised "
        "before drying.\n",
        encoding="utf-8",
    )
    return corpus


def one_clear_line(capsys, code: int, expected_code: int = 1) -> str:
    """A failing command's stderr holds exactly one ``qa: …`` line and no traceback; that line."""
    err = capsys.readouterr().err
    assert code == expected_code
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.startswith("qa: ")]
    assert len(lines) == 1, err
    return lines[0]


LOGIN_USER, LOGIN_PASSWORD = "alice", "s3cret-pass"


@pytest.fixture(scope="module")
def login_assistant(tmp_path_factory: pytest.TempPathFactory, embedder) -> Assistant:
    corpus = tmp_path_factory.mktemp("login-corpus")
    (corpus / "bees.txt").write_text("HONEY BEES\n\nHoney bees live in colonies led by a queen.\n", encoding="utf-8")
    return Assistant.load(make_settings(corpus, tmp_path_factory.mktemp("login-index")))


@pytest.fixture(scope="module")
def guarded(login_assistant: Assistant):
    """For the login tests (HTTP and browser): the app on 0.0.0.0 with a password; yields (loopback URL, the app)."""
    from tests.webserver import free_port, load_app_module, serving_app

    port = free_port()
    settings = login_assistant.settings.replace(host="0.0.0.0", port=port, auth=f"{LOGIN_USER}:{LOGIN_PASSWORD}")
    app = load_app_module().create_app(login_assistant, settings)
    with serving_app(app, port, host="0.0.0.0") as url:
        yield url, app


def copy_corpus(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium driven by Playwright, one per test module."""
    from playwright.sync_api import sync_playwright

    from tests.webserver import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def kill_build_at(driver: str, point: str, marker: Path, args: list[str], wait_s: float) -> None:
    """Run ``qa ARGS`` under ``driver`` (a script that pauses the build at ``point`` and writes ``marker``)
    and SIGKILL it there, as a power cut or an OOM kill would: the index tests then check what serves."""
    import os
    import signal
    import subprocess
    import sys
    import time

    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}  # the developer's settings stay out
    proc = subprocess.Popen(
        [sys.executable, "-c", driver, point, str(marker), *args],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.time() + wait_s
        while not marker.exists() and proc.poll() is None and time.time() < deadline:
            time.sleep(0.05)
        assert marker.exists(), f"the build never reached {point}: {proc.stderr.read().decode()[-2000:]}"
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL


def upload_owls_in_child(script: str, corpus: Path, index_dir: Path, tmp_path: Path) -> dict:
    """Run ``script`` (a server process that uploads one file) with an owl note to upload; return the JSON
    object it printed last. The two upload-in-a-child tests (FAISS and Milvus) share this."""
    import json
    import subprocess
    import sys

    upload = tmp_path / "owls.txt"
    upload.write_text("Owls\n\nBarn owls hunt mice at night.\n", encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-c", script, str(corpus), str(index_dir), str(upload)],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])
