"""The web chat in a real headless Chromium: ask, see the highlighted excerpt and citation, open it."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import pytest

from qa.assistant import Assistant
from tests.webserver import CHROMIUM, serving

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install chromium)"),
]


@pytest.fixture(scope="module")
def server(default_assistant: Assistant):
    with serving(default_assistant) as url:
        yield url


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
