"""Markup in documents and questions shows as text in a real browser and never runs.

A document holds <script> and <img onerror> text (and a title made of them); a question carries an
<img onerror>. In headless Chromium: the chat, the sources, the viewer and the /passage page show the
literal characters, no injected element exists and no injected script ran.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.assistant import Assistant
from tests.browser.test_browser_chat import ask
from tests.conftest import make_settings
from tests.webserver import CHROMIUM, serving

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install chromium)"),
]

TITLE = "Lantern notes <script>window.__pwned=3</script>"
SCRIPT = "<script>window.__pwned=1</script>"
IMG = '<img src=x onerror="window.__pwned=2">'
DOCUMENT = (
    f"{TITLE}\n\n"
    f"The intruder typed {SCRIPT} into the wiki page about paper lanterns. "
    f"The lantern inventory also held {IMG} between two rows of candles.\n"
)
QUESTION_IMG = '<img src=x onerror="window.__pwned=4"> what did the intruder type into the lantern wiki page?'

NOTHING_RAN = """() => ({
    pwned: typeof window.__pwned,
    imgs: document.querySelectorAll('img[src="x"], img[onerror]').length,
    scripts: [...document.scripts].filter(s => s.textContent.includes('__pwned')).length,
})"""


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory: pytest.TempPathFactory, embedder):
    root = tmp_path_factory.mktemp("xss")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "lanterns.txt").write_text(DOCUMENT, encoding="utf-8")
    (corpus / "bees.txt").write_text(
        "Honey bees\n\nHoney bees live in colonies led by a single queen.\n", encoding="utf-8"
    )
    assistant = Assistant.load(make_settings(corpus, root / "index"), embedder=embedder)  # builds the index
    with serving(assistant) as url:
        yield url


def test_markup_in_a_document_shows_as_text_everywhere(hostile_server: str, browser, tmp_path: Path) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(hostile_server, wait_until="load")
    page.locator("#question textarea").wait_for(timeout=30_000)
    bot = ask(page, "What did the intruder type into the wiki page about paper lanterns?")

    chat_text = bot.inner_text()
    assert SCRIPT in chat_text and IMG in chat_text
    assert "Lantern notes" in page.locator("#sources").inner_text()
    assert TITLE in page.locator("#sources").inner_text()
    page.locator("#viewer .passage").wait_for(timeout=10_000)
    viewer = page.locator("#viewer").inner_text()
    assert SCRIPT in viewer and IMG in viewer and TITLE in viewer
    page.screenshot(path=str(tmp_path / "xss-chat.png"), full_page=True)
    assert page.evaluate(NOTHING_RAN) == {"pwned": "undefined", "imgs": 0, "scripts": 0}

    href = bot.locator("a.cite").first.get_attribute("href")
    assert href and href.startswith("/passage/lanterns.txt")
    doc_page = browser.new_page()
    response = doc_page.goto(hostile_server + href, wait_until="load")
    assert response is not None and response.status == 200
    assert doc_page.title() == TITLE
    body = doc_page.locator("body").inner_text()
    assert SCRIPT in body and IMG in body
    assert SCRIPT in doc_page.locator("#passage").inner_text()
    assert doc_page.evaluate(NOTHING_RAN) == {"pwned": "undefined", "imgs": 0, "scripts": 0}


def test_markup_in_a_question_shows_as_text(hostile_server: str, browser) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(hostile_server, wait_until="load")
    page.locator("#question textarea").wait_for(timeout=30_000)
    ask(page, QUESTION_IMG)
    user = page.locator("#chat [data-testid='user']").last
    assert '<img src=x onerror="window.__pwned=4">' in user.inner_text()
    page.wait_for_timeout(500)  # an injected onerror would have fired by now
    assert page.evaluate(NOTHING_RAN) == {"pwned": "undefined", "imgs": 0, "scripts": 0}
