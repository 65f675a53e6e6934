"""Watching the corpus folder from the Documents tab, in a real headless Chromium: tick the box, drop a file into
the folder as a person would (no upload), see the status line say what the update did, and ask about the file."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from qa.assistant import Assistant
from tests.conftest import make_settings
from tests.webserver import CHROMIUM, serving

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install chromium)"),
]

UPDATE_TIMEOUT_MS = 300_000  # the build process loads the model: slow on a busy machine


def test_ticking_watch_indexes_a_file_dropped_into_the_folder(
    small_corpus: Path, embedder, browser, tmp_path: Path
) -> None:
    settings = make_settings(small_corpus, small_corpus.parent / "index", watch_settle_s=0.5)
    with serving(Assistant.load(settings, embedder=embedder)) as url:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(url, wait_until="load")
        page.locator("#question textarea").wait_for(timeout=30_000)
        page.get_by_role("tab", name="Documents").click()
        checkbox = page.get_by_label("Watch the folder for changes")
        assert not checkbox.is_checked()
        checkbox.check()
        page.wait_for_function("document.querySelector('#watch-status').innerText.includes('Watching the folder')")

        (small_corpus / "lighthouses.txt").write_text(
            "Lighthouses\n\nThe Pharos of Alexandria was a lighthouse built by the Ptolemaic Kingdom.\n",
            encoding="utf-8",
        )
        page.wait_for_function(
            "document.querySelector('#watch-status').innerText.match(/Updated \\d\\d:\\d\\d:\\d\\d: 1 added/)",
            timeout=UPDATE_TIMEOUT_MS,
        )
        assert "added: lighthouses.txt" in page.locator("#watch-status").inner_text()
        page.wait_for_function("document.querySelector('#documents').innerText.includes('lighthouses.txt')")
        page.screenshot(path=str(tmp_path / "watch.png"), full_page=True)

        page.get_by_role("tab", name="Chat").click()
        page.locator("#question textarea").fill("Who built the Pharos of Alexandria?")
        page.locator("#ask").click()
        bot = page.locator("#chat [data-testid='bot']").last
        bot.locator(".excerpt").first.wait_for(timeout=60_000)
        assert "Ptolemaic Kingdom" in bot.locator(".excerpt").first.inner_text()

        page.get_by_role("tab", name="Documents").click()
        checkbox.uncheck()
        page.wait_for_function("document.querySelector('#watch-status').innerText.trim() === ''")
        assert not [t for t in threading.enumerate() if t.name.startswith("qa-watch")], "unticking stops the watcher"
        page.close()
