"""The chat's document filter in a real headless Chromium: choosing a document makes every source come from it."""

from __future__ import annotations

import pytest

from qa.assistant import Assistant
from tests.browser.test_browser_chat import ask, open_chat
from tests.webserver import CHROMIUM, serving

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install chromium)"),
]

CHOSEN = "003_aae1ac168306b8ea.txt"  # "Migration Key Resources": not where the question's answer lies
QUESTION = "Who presented on diaspora engagement?"


@pytest.fixture(scope="module")
def server(default_assistant: Assistant):
    with serving(default_assistant) as url:
        yield url


def test_choosing_a_document_keeps_every_source_inside_it(browser, server: str) -> None:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = open_chat(ctx, server)
        ask(page, QUESTION)
        assert CHOSEN not in page.locator("#sources").inner_text()  # unfiltered, the answer lies elsewhere

        picker = page.locator("#doc-filter input")
        picker.click()
        picker.fill(CHOSEN[:8])
        page.locator("#doc-filter").get_by_role("option", name=CHOSEN).click()
        page.keyboard.press("Escape")
        page.locator("#doc-filter").get_by_text(CHOSEN).first.wait_for(timeout=10_000)

        ask(page, QUESTION)
        sources = page.locator("#sources li")
        assert sources.count() == 3
        for i in range(sources.count()):
            assert CHOSEN in sources.nth(i).inner_text()
    finally:
        ctx.close()
