"""Code and tables from a real manual chapter, as a person sees them in headless Chromium: the chat's
excerpt shows the command in a monospace ``<pre>`` with its lines and the table as a table, the viewer and
the /passage page likewise, and a ``<script>`` inside a document's code block or table cell stays text.

Screenshots go to the test's tmp folder (``blocks-chat.png``, ``blocks-passage.png``).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from qa.assistant import Assistant
from tests.browser.test_browser_chat import ask
from tests.browser.test_browser_xss import NOTHING_RAN
from tests.conftest import make_settings
from tests.webserver import CHROMIUM, serving

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install chromium)"),
]

CHAPTER = Path(__file__).resolve().parent.parent / "data" / "debian-reference-ch05-network.en.html"
HOSTILE = (
    "<html><body><h1>Lantern wiki</h1><p>To light every lantern in the wiki, the intruder ran this:</p>"
    "<pre>&lt;script&gt;window.__pwned=1&lt;/script&gt;\n  light --all lanterns</pre>"
    "<p>The lantern wiki's inventory of candles is:</p><table><tr><th>candle</th><th>count</th></tr>"
    '<tr><td>&lt;img src=x onerror="window.__pwned=2"&gt;</td><td>12</td></tr></table></body></html>'
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, embedder):
    root = tmp_path_factory.mktemp("blocks")
    corpus = root / "corpus"
    corpus.mkdir()
    shutil.copy(CHAPTER, corpus / "network.html")
    (corpus / "lanterns.html").write_text(HOSTILE, encoding="utf-8")
    assistant = Assistant.load(make_settings(corpus, root / "index"), embedder=embedder)  # builds the index
    with serving(assistant) as url:
        yield url


def test_code_and_tables_show_as_code_and_tables(server: str, browser, tmp_path: Path) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(server, wait_until="load")
    page.locator("#question textarea").wait_for(timeout=30_000)
    bot = ask(page, "What does the /etc/hosts file look like?")
    pre = bot.locator("pre.code", has_text="127.0.1.1").first
    pre.wait_for(timeout=30_000)  # once, on a loaded CI machine, 10 s was not enough
    lines = pre.inner_text().splitlines()
    assert lines[:2] == ["127.0.0.1 localhost", "127.0.1.1 host_name"]  # its lines kept, one per line
    assert (
        "mono" in pre.evaluate("e => getComputedStyle(e).fontFamily").lower()
        or "courier" in pre.evaluate("e => getComputedStyle(e).fontFamily").lower()
    )
    bot = ask(page, "Which packages are network configuration tools?")
    table = bot.locator("table.shaped").first
    table.wait_for(timeout=30_000)
    assert table.locator("th").first.inner_text() == "packages"
    assert table.locator("td", has_text="network-manager").count() >= 1
    page.screenshot(path=str(tmp_path / "blocks-chat.png"), full_page=True)

    href = bot.locator("a.cite").first.get_attribute("href")
    doc_page = browser.new_page(viewport={"width": 1100, "height": 900})
    doc_page.goto(server + href, wait_until="load")
    assert doc_page.locator("#passage table.shaped th").first.inner_text() == "packages"
    assert doc_page.locator("pre.code", has_text="127.0.1.1 host_name").count() == 1  # the rest of the document
    doc_page.screenshot(path=str(tmp_path / "blocks-passage.png"), full_page=False)


def test_markup_in_code_and_cells_stays_text(server: str, browser) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(server, wait_until="load")
    page.locator("#question textarea").wait_for(timeout=30_000)
    bot = ask(page, "What did the intruder run to light every lantern in the wiki?")
    bot.locator("pre.code").first.wait_for(timeout=10_000)
    assert "<script>window.__pwned=1</script>" in bot.locator("pre.code").first.inner_text()
    bot = ask(page, "What is the lantern wiki's inventory of candles?")
    bot.locator("table.shaped").first.wait_for(timeout=10_000)
    assert '<img src=x onerror="window.__pwned=2">' in bot.locator("table.shaped").first.inner_text()
    page.wait_for_timeout(500)  # an injected onerror would have fired by now
    assert page.evaluate(NOTHING_RAN) == {"pwned": "undefined", "imgs": 0, "scripts": 0}
