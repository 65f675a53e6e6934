"""The web chat in a real headless Chromium: ask, see the highlighted excerpt and citation, open it."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

from qa.assistant import Assistant
from qa.settings import PROJECT_ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install chromium)"),
]
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _load_app_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location("app_under_test", PROJECT_ROOT / "app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def server(default_assistant: Assistant):
    import uvicorn

    app_module = _load_app_module()
    port = _free_port()
    settings = default_assistant.settings.replace(port=port)
    app = app_module.create_app(default_assistant, settings)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not srv.started and time.time() < deadline:
        time.sleep(0.1)
    assert srv.started, "web app did not start"
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def test_question_shows_highlighted_excerpt_and_citation_opens_passage(server: str, browser, tmp_path: Path) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    foreign: list[str] = []
    page.on("request", lambda r: foreign.append(r.url) if urlparse(r.url).hostname not in {"127.0.0.1", None} else None)
    page.goto(server, wait_until="load")
    page.locator("#question textarea").wait_for(timeout=30_000)
    page.locator("#question textarea").fill("How do remittances compare with development aid?")
    page.locator("#ask").click()

    bot = page.locator("#chat [data-testid='bot']").last
    bot.locator("mark").first.wait_for(timeout=30_000)
    assert "almost twice development aid" in bot.inner_text()
    citation = bot.locator("a.cite").first
    assert citation.inner_text() == "[1]"
    assert page.locator("#sources").inner_text().count("Migration and Development: Policy and Practice") >= 1
    page.locator("#viewer .passage").wait_for(timeout=10_000)
    assert "almost twice development aid" in page.locator("#viewer .passage").inner_text()
    assert "&#" not in page.locator("#viewer").inner_text(), "entities must not show as text"
    page.screenshot(path=str(tmp_path / "chat.png"), full_page=True)

    with page.context.expect_page() as opened:
        citation.click()
    doc_page = opened.value
    doc_page.wait_for_load_state()
    framed = doc_page.locator("#passage")
    assert "almost twice development aid" in framed.inner_text()
    assert framed.locator("mark").count() >= 1
    assert doc_page.title().startswith("Migration and Development")
    assert foreign == [], f"the page reached beyond this machine: {foreign[:5]}"


def test_passage_route_serves_only_indexed_documents(server: str, browser) -> None:
    page = browser.new_page()
    response = page.goto(f"{server}/passage/..%2Fpyproject.toml?start=0&end=10")
    assert response is not None and response.status == 404
    response = page.goto(f"{server}/passage/titles.json?start=0&end=10")
    assert response is not None and response.status == 404
