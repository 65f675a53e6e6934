"""Off loopback every route asks for the login: the chat, Gradio's file and API routes, the citation pages,
and any route added later. Corpus keys in URLs cannot be guessed and name only folders this server opened."""

from __future__ import annotations

import pytest

from tests.conftest import LOGIN_PASSWORD as PASSWORD
from tests.conftest import LOGIN_USER as USER
from tests.webserver import CHROMIUM


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_a_browser_with_the_login_can_ask(guarded, browser) -> None:
    url, _ = guarded
    from playwright.sync_api import Error as PlaywrightError

    refused = browser.new_context()
    try:
        status = refused.new_page().goto(url).status
    except PlaywrightError as exc:  # headless Chromium has no login dialog: it gives up on the 401
        status = 401 if "AUTH" in str(exc) else 0
    assert status == 401
    refused.close()
    ctx = browser.new_context(http_credentials={"username": USER, "password": PASSWORD})
    from tests.browser.test_browser_chat import ask, open_chat

    bot = ask(open_chat(ctx, url), "Who leads a colony of honey bees?")
    assert "queen" in bot.locator(".excerpt").first.inner_text()
    ctx.close()
