"""Off loopback every route asks for the login: the chat, Gradio's file and API routes, the citation pages,
and any route added later. Corpus keys in URLs cannot be guessed and name only folders this server opened."""

from __future__ import annotations

import pytest

from qa.assistant import Assistant
from tests.conftest import make_settings
from tests.webserver import CHROMIUM, free_port, load_app_module, serving_app

USER, PASSWORD = "alice", "s3cret-pass"


@pytest.fixture(scope="module")
def small_assistant(tmp_path_factory: pytest.TempPathFactory, embedder) -> Assistant:
    corpus = tmp_path_factory.mktemp("login-corpus")
    (corpus / "bees.txt").write_text("HONEY BEES\n\nHoney bees live in colonies led by a queen.\n", encoding="utf-8")
    return Assistant.load(make_settings(corpus, tmp_path_factory.mktemp("login-index")))


@pytest.fixture(scope="module")
def guarded(small_assistant: Assistant):
    """The app on 0.0.0.0 with a password; yields (loopback URL, the app)."""
    port = free_port()
    settings = small_assistant.settings.replace(host="0.0.0.0", port=port, auth=f"{USER}:{PASSWORD}")
    app = load_app_module().create_app(small_assistant, settings)
    with serving_app(app, port, host="0.0.0.0") as url:
        yield url, app


def all_routes(routes, prefix: str = "") -> list[tuple[str, set[str]]]:
    """(path, methods) of every route, descending into mounted apps (Gradio is mounted at /)."""
    found = []
    for route in routes:
        path = prefix.rstrip("/") + getattr(route, "path", "")
        included = getattr(route, "original_router", None)  # FastAPI's lazily included router
        inner = getattr(route, "routes", None) or getattr(getattr(route, "app", None), "routes", None)
        if included is not None:
            found += all_routes(included.routes, prefix + route.include_context.prefix)
        elif inner is not None and not hasattr(route, "endpoint"):
            found += all_routes(inner, path)
        else:
            found.append((path or "/", set(getattr(route, "methods", None) or {"GET"})))
    return found


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
