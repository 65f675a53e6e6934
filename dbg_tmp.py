import tempfile, json
from pathlib import Path
from qa.assistant import Assistant
from tests.conftest import make_settings
from tests.webserver import serving, CHROMIUM, CHROMIUM_ARGS
from tests.browser.test_browser_chat import ask, open_chat
from playwright.sync_api import sync_playwright
d = Path(tempfile.mkdtemp()); c = d/"c"; c.mkdir()
(c/"bees.txt").write_text("HONEY BEES\n\nHoney bees live in colonies led by a single queen.\n\nThe waggle dance tells other bees the direction and distance of food.\n")
a = Assistant.load(make_settings(c, d/"i"))
with serving(a) as url, sync_playwright() as p:
    b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    page = b.new_page()
    page.on("console", lambda m: print("console:", m.text))
    page = open_chat(b.new_context(), url) if False else page
    page.goto(url); page.locator("#question textarea").wait_for(timeout=30000)
    ask(page, "What does the waggle dance tell other bees?")
    page.wait_for_timeout(2000)
    print(page.locator("#marks").inner_html()[:1500])
    print("status:", page.locator("#mark-status").inner_html()[:300])
    b.close()
