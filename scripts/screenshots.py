"""Take the README's screenshots of the web chat in headless Chromium (Debian's /usr/bin/chromium).

    .venv/bin/python scripts/screenshots.py [--out docs]

Serves the shipped corpus in-process on a free loopback port. The index is read from embeddings/ when it
is up to date; otherwise it is built in a temporary folder (embeddings/ is never written here).
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qa.assistant import Assistant  # noqa: E402
from qa.settings import load_settings  # noqa: E402

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
QUESTION = "How do remittances compare with development aid?"


def _assistant(scratch: Path) -> Assistant:
    settings = load_settings({"show_progress": False}, environ={})
    try:
        assistant = Assistant.load(settings, build=False)
        from qa.index.build import staleness

        if staleness(settings, assistant.embedder, assistant.manifest) is None:
            return assistant
    except Exception:  # noqa: BLE001 - any trouble with embeddings/: build a private index instead
        pass
    return Assistant.load(settings.replace(index_dir=scratch / "index"))


@contextlib.contextmanager
def _serve(assistant: Assistant) -> Iterator[str]:
    import uvicorn

    from qa.web import app as module

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = module.create_app(assistant, assistant.settings.replace(port=port))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.1)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _ask(page, question: str) -> None:
    page.locator("#question textarea").fill(question)
    page.locator("#question textarea").press("Enter")
    page.locator("#chat [data-testid='bot'] .excerpt").first.wait_for(timeout=60_000)
    page.wait_for_function("document.querySelector('#suggest-label')?.innerText.includes('Related')", timeout=60_000)
    page.wait_for_timeout(400)


def _documents(page, scratch: Path) -> None:
    """Open a small folder of one's own (with two files the loader skips), then upload a note into it."""
    folder = scratch / "my-documents"
    folder.mkdir()
    shutil.copy(ROOT / "corpus" / "004_c89f68d176e111dd.txt", folder / "overlooked-tool.txt")
    (folder / "scanned-report.pdf").write_bytes(b"%PDF-1.4 damaged in transit")
    (folder / "budget.xlsx").write_bytes(b"PK")
    note = scratch / "field-notes.md"
    note.write_text(
        "# Field notes\n\nIn the village, remittances paid for the new well and the school roof.\n", encoding="utf-8"
    )
    page.get_by_role("tab", name="Documents").click()
    page.locator("#corpus-path input").fill(str(folder))
    page.locator("#open-corpus").click()
    page.wait_for_function("document.querySelector('#doc-status').innerText.includes('Opened')", timeout=300_000)
    page.locator("#upload input[type=file]").set_input_files(note)
    page.wait_for_function("document.querySelector('#doc-status').innerText.includes('Added')", timeout=300_000)
    page.locator("#skipped-table").wait_for()
    page.wait_for_timeout(400)


def _marks(browser, assistant: Assistant, scratch: Path, out: Path) -> None:
    """A verdict on an answer and the refit it feeds, on a copy of the index (embeddings/ is never written):
    the shipped gold questions are marked first as a user who knew the gold would, so the refit has enough."""
    from qa.evaluation.feedback import simulated_marks
    from qa.evaluation.gold import load_gold

    index = scratch / "marks-index"
    shutil.copytree(assistant.settings.index_dir, index)
    marked = Assistant.load(assistant.settings.replace(index_dir=index), build=False, embedder=assistant.embedder)
    simulated_marks(marked, load_gold(ROOT / "eval" / "gold" / "default.jsonl", marked.settings))
    with _serve(marked) as url:
        page = browser.new_page(viewport={"width": 1360, "height": 960})
        page.goto(url, wait_until="load")
        _ask(page, "Who presented on diaspora engagement?")
        page.locator("#mark-answered").click()
        page.wait_for_function("document.querySelector('#mark-status').innerText.includes('Thanks')", timeout=60_000)
        page.screenshot(path=str(out / "screenshot-marks.png"))
        page.get_by_role("tab", name="Settings").click()
        page.locator("#refit").click()
        page.wait_for_function("document.querySelector('#refit-report').innerText.includes('held')", timeout=60_000)
        page.wait_for_timeout(400)
        page.screenshot(path=str(out / "screenshot-refit.png"), full_page=True)
        page.close()


def main() -> int:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    with tempfile.TemporaryDirectory() as scratch, sync_playwright() as p:
        assistant = _assistant(Path(scratch))
        browser = p.chromium.launch(executable_path=chromium, args=ARGS)
        _marks(browser, assistant, Path(scratch), args.out)
        _shots(browser, assistant, Path(scratch), args.out)
        browser.close()
    names = ["screenshot.png", "screenshot-documents.png", "screenshot-dark.png", "screenshot-mobile.png"]
    for name in [*names, "screenshot-marks.png", "screenshot-refit.png"]:
        print(args.out / name)
    return 0


def _shots(browser, assistant: Assistant, scratch: Path, out: Path) -> None:
    with _serve(assistant) as url:
        page = browser.new_page(viewport={"width": 1360, "height": 960})
        page.goto(url, wait_until="load")
        _ask(page, QUESTION)
        page.screenshot(path=str(out / "screenshot.png"))
        _documents(page, scratch)
        page.screenshot(path=str(out / "screenshot-documents.png"))
        page.close()

        page = browser.new_page(viewport={"width": 1360, "height": 960})
        page.goto(url + "/?__theme=dark", wait_until="load")
        _ask(page, "What happened in Akwete?")
        page.screenshot(path=str(out / "screenshot-dark.png"))
        page.close()

        context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
        page = context.new_page()
        page.goto(url, wait_until="load")
        _ask(page, "Who presented on diaspora engagement?")
        page.screenshot(path=str(out / "screenshot-mobile.png"))
        context.close()


if __name__ == "__main__":
    sys.exit(main())
