"""Every flow of the web chat in a real headless Chromium, against one server for the module.

Asking (streamed, highlighted, cited, with a plain confidence), citations that open the passage in view,
"show more", related questions, settings, the Markdown transcript (download and copy), a new chat,
uploads into a temporary corpus with the documents list and a skipped file, switching corpora, a
phone-sized screen, the keyboard alone, and the dark theme. Anything that writes uses temporary folders.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

from qa.assistant import Assistant
from tests.webserver import CHROMIUM, serving

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install chromium)"),
]

BOT = "#chat [data-testid='bot']"
USER = "#chat [data-testid='user']"
DEEP_QUESTION = "What happened in Akwete?"  # cited passage lies deep inside its document
PASSAGE_IN_VIEW = """() => {
  const r = document.querySelector('#passage').getBoundingClientRect();
  return r.top >= 0 && r.top < window.innerHeight && r.bottom > 0;
}"""
CONTRAST = """(sel) => {
  const el = document.querySelector(sel); const cs = getComputedStyle(el);
  const rgb = (s) => s.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
  const lum = ([r, g, b]) => 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  const a = lum(rgb(cs.color)), b = lum(rgb(cs.backgroundColor));
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""


@pytest.fixture(scope="module")
def server(default_assistant: Assistant):
    with serving(default_assistant) as url:
        yield url


@pytest.fixture()
def context(browser, request: pytest.FixtureRequest):
    """A fresh browser profile per test (options from ``@pytest.mark.context``); fails the test if the
    page reaches beyond this machine."""
    marker = request.node.get_closest_marker("context")
    options = {"viewport": {"width": 1280, "height": 900}, "accept_downloads": True}
    options |= marker.kwargs if marker else {}
    ctx = browser.new_context(**options)
    foreign: list[str] = []
    ctx.on("request", lambda r: foreign.append(r.url) if urlparse(r.url).hostname not in {"127.0.0.1", None} else None)
    yield ctx
    ctx.close()
    assert foreign == [], f"the page reached beyond this machine: {foreign[:5]}"


def open_new_page(page, link):
    """Click a link that opens a tab; one retry, since a streamed re-render can swallow the first click."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in range(2):
        try:
            with page.context.expect_page(timeout=30_000) as opened:
                link.click()
            return opened.value
        except PlaywrightTimeout:
            if attempt:
                raise
    raise AssertionError("unreachable")


def open_chat(ctx, server: str, path: str = "/"):
    page = ctx.new_page()
    page.goto(server + path, wait_until="load")
    page.locator("#question textarea").wait_for(timeout=30_000)
    return page


def ask(page, question: str, submit: str = "Enter"):
    """Ask as a person would (Enter, or a click on Ask) and wait for the complete answer."""
    from playwright.sync_api import expect

    before = page.locator(BOT).count()
    box = page.locator("#question textarea")
    box.fill(question)
    if submit == "Enter":
        box.press("Enter")
    else:
        page.locator("#ask").click()
    page.wait_for_function(f"document.querySelectorAll({BOT!r}).length > {before}", timeout=30_000)
    bot = page.locator(BOT).nth(before)
    bot.locator(".excerpt, .message").first.wait_for(timeout=30_000)
    expect(bot.locator(".pending")).to_have_count(0, timeout=30_000)
    return bot


def test_answer_streams_highlighted_and_its_citation_opens_the_passage_in_view(context, server: str) -> None:
    page = open_chat(context, server)
    bot = ask(page, DEEP_QUESTION)
    confidence = bot.locator(".confidence").inner_text()
    assert re.search(r"(High|Moderate) confidence \(\d+%\)", confidence), confidence
    assert "Akwete" in bot.locator(".excerpt").first.inner_text()
    assert bot.locator(".excerpt mark").count() >= 1  # the answering sentence, highlighted in its excerpt
    assert bot.locator(".lead a.cite").inner_text() == "[1]"
    assert page.evaluate(CONTRAST, "#chat mark") >= 4.5
    assert "Akwete" in page.locator("#sources").inner_text() or page.locator("#sources li").count() >= 1
    page.locator("#viewer .passage").wait_for(timeout=10_000)
    assert "&#" not in page.locator("#viewer").inner_text(), "entities must not show as text"
    assert page.evaluate("window.scrollY") == 0, "answering must not scroll the page away from the chat"

    doc = open_new_page(page, bot.locator(".excerpt a.cite").first)
    doc.wait_for_load_state()
    doc.wait_for_function(PASSAGE_IN_VIEW, timeout=10_000)
    assert doc.evaluate("window.scrollY") > 0, "the document opens scrolled to the passage"
    assert "Akwete" in doc.locator("#passage").inner_text()
    assert doc.locator("#passage mark").count() >= 1


def _text(content) -> str:
    """A chat message's content as the client sees it: a string, or a list of typed parts."""
    if isinstance(content, list):
        return " ".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return str(content)


def test_the_reply_streams_placeholder_then_answering_sentence_then_excerpts(server: str) -> None:
    """Every step the page receives, as recorded by a client of the same /ask endpoint."""
    from gradio_client import Client

    client = Client(server, verbose=False, download_files=False, analytics_enabled=False)
    try:
        job = client.submit(DEEP_QUESTION, [], api_name="/ask")
        job.result(timeout=120)
        replies = [_text(out[1][-1]["content"]) for out in job.outputs() if out[1]]
    finally:
        client.close()
    assert "Searching the documents" in replies[0]
    lead = next(i for i, r in enumerate(replies) if 'class="lead"' in r)
    assert "Akwete" in replies[lead] and 'class="excerpt"' not in replies[lead]
    assert 'class="excerpt"' in replies[-1] and lead < len(replies) - 1


def test_show_more_adds_excerpts_and_a_related_question_asks_it(context, server: str) -> None:
    page = open_chat(context, server)
    starters = page.locator("#related-0")
    starters.wait_for(timeout=10_000)
    assert page.locator("#suggest-label").inner_text().startswith("Try one of these")

    bot = ask(page, "How do remittances compare with development aid?", submit="click")
    assert bot.locator(".excerpt").count() == 3
    page.locator("#show-more").click()
    page.locator(f"{BOT} .more-head").wait_for(timeout=30_000)
    bot = page.locator(BOT).last
    assert bot.locator(".excerpt").count() == 6
    assert [c.inner_text() for c in bot.locator(".excerpt a.cite").all()] == [f"[{i}]" for i in range(1, 7)]
    assert page.locator("#sources li").count() == 6

    page.wait_for_function(
        "document.querySelector('#suggest-label')?.innerText.includes('Related questions')", timeout=30_000
    )
    related = page.locator("#related-0")
    question = related.inner_text().strip()
    assert question.endswith("?") and question != "How do remittances compare with development aid?"
    related.click()
    page.wait_for_function(f"document.querySelectorAll({USER!r}).length == 2", timeout=30_000)
    assert page.locator(USER).last.inner_text().strip() == question
    page.locator(BOT).nth(1).locator(".excerpt").first.wait_for(timeout=30_000)
    assert page.locator(BOT).nth(1).locator(".notfound").count() == 0  # suggestions are questions it answers


def test_settings_change_excerpts_and_threshold_and_not_found_still_shows_passages(context, server: str) -> None:
    page = open_chat(context, server)
    page.get_by_role("tab", name="Settings").click()
    top_k = page.locator("#top-k input[type=number]")
    top_k.fill("5")
    top_k.press("Enter")
    # the slider takes the typed value asynchronously; on a loaded machine the question could overtake it
    page.wait_for_function("document.querySelector('#top-k input[type=range]').value == '5'", timeout=10_000)
    page.get_by_role("tab", name="Chat").click()
    bot = ask(page, "Who presented on diaspora engagement?")
    assert bot.locator(".excerpt").count() == 5

    page.get_by_role("tab", name="Settings").click()
    page.locator("#rerank input[type=checkbox]").uncheck()
    threshold = page.locator("#threshold input[type=number]")
    threshold.fill("1")
    threshold.press("Enter")
    page.get_by_role("tab", name="Chat").click()
    bot = ask(page, "How do remittances compare with development aid?")
    assert "Not found in the documents" in bot.locator(".notfound").inner_text()
    assert bot.locator(".excerpt").count() == 5  # the nearest passages are still offered

    page.get_by_role("tab", name="Settings").click()
    page.locator("#reset-settings").click()
    page.wait_for_function("document.querySelector('#top-k input[type=number]').value == '3'", timeout=10_000)
    assert page.locator("#rerank input[type=checkbox]").is_checked()


def test_transcript_downloads_and_copies_as_markdown_and_new_chat_clears(context, server: str) -> None:
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
    page = open_chat(context, server)
    question = "How do remittances compare with development aid?"
    ask(page, question)
    from playwright.sync_api import expect

    expect(page.locator("#download-md")).to_be_enabled(timeout=60_000)  # the transcript follows the answer

    with page.expect_download() as download:
        page.locator("#download-md").click()
    assert download.value.suggested_filename.endswith(".md")
    markdown = Path(download.value.path()).read_text(encoding="utf-8")
    assert f"## 1. {question}" in markdown
    assert "almost twice development aid" in markdown
    assert re.search(r"^1\. .+ — `\S+\.txt`, characters [\d,]+–[\d,]+$", markdown, re.M), markdown

    page.locator("#copy-md").click()
    page.wait_for_function("document.querySelector('#copy-md').dataset.copied === '1'", timeout=10_000)
    assert page.evaluate("navigator.clipboard.readText()") == markdown

    page.locator("#new-chat").click()
    page.wait_for_function(f"document.querySelectorAll({BOT!r}).length === 0", timeout=10_000)
    assert "appear here" in page.locator("#sources").inner_text()
    assert not page.locator("#show-more").is_visible()
    ask(page, "What did he recommend?")  # a fresh conversation: no earlier turn to lean on
    assert page.locator(USER).count() == 1


def test_upload_into_a_temporary_corpus_then_ask_and_switch_back(
    context, server: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    root = tmp_path_factory.mktemp("upload")
    corpus = root / "my docs"
    corpus.mkdir()
    (corpus / "bees.txt").write_text(
        "Honey bees\n\nHoney bees live in colonies led by a single queen. Worker bees collect nectar.\n",
        encoding="utf-8",
    )
    (corpus / "tea.txt").write_text("Tea\n\nGreen tea is made from leaves that are not oxidised.\n", encoding="utf-8")
    (corpus / "notes.xyz").write_text("not a document", encoding="utf-8")
    uploads = root / "uploads"
    uploads.mkdir()
    (uploads / "volcanoes.txt").write_text(
        "Volcanoes\n\nMount Etna in Sicily is one of the most active volcanoes in Europe.\n", encoding="utf-8"
    )
    (uploads / "tool.exe").write_bytes(b"MZ\x00\x00")
    (uploads / "junk.pdf").write_bytes(b"not a PDF at all")

    page = open_chat(context, server)
    page.get_by_role("tab", name="Documents").click()
    page.evaluate(  # remember every progress message the documents panel shows while indexing
        """() => { window.__progress = []; new MutationObserver(() => {
             const bars = document.querySelectorAll('#documents .progress-level');
             for (const bar of bars) window.__progress.push(bar.innerText);
           }).observe(document.body, {subtree: true, childList: true, characterData: true}); }"""
    )
    page.locator("#corpus-path input").fill(str(corpus))
    page.locator("#open-corpus").click()
    page.wait_for_function("document.querySelector('#doc-status').innerText.includes('Opened')", timeout=60_000)
    progress = page.evaluate("window.__progress")
    assert any(re.search(r"\d+(\.\d+)?%", text) for text in progress), progress  # a progress bar while indexing
    documents = page.locator("#documents")
    assert "2 documents" in documents.inner_text()
    skipped = page.locator("#skipped-table").inner_text()
    assert "notes.xyz" in skipped and "unsupported file type .xyz" in skipped
    assert str(corpus) in page.locator("#title").inner_text()

    files = [uploads / "volcanoes.txt", uploads / "tool.exe", uploads / "junk.pdf"]
    page.locator("#upload input[type=file]").set_input_files(files)
    page.wait_for_function("document.querySelector('#doc-status').innerText.includes('Added')", timeout=60_000)
    status = page.locator("#doc-status").inner_text()
    assert "volcanoes.txt" in status and "Not added: tool.exe" in status
    assert "Skipped junk.pdf: not a PDF (invalid header)" in status and "Added junk.pdf" not in status
    page.wait_for_function("document.querySelector('#documents').innerText.includes('3 documents')")
    assert "volcanoes.txt" in page.locator("#doc-table").inner_text()
    assert sorted(p.name for p in corpus.iterdir()) == [
        ".quarantine",
        "bees.txt",
        "notes.xyz",
        "tea.txt",
        "volcanoes.txt",
    ]
    assert [p.name for p in (corpus / ".quarantine").iterdir()] == ["junk.pdf"]
    assert sorted(p.name for p in root.iterdir()) == ["my docs", "my docs.index", "uploads"]

    page.locator("#rebuild").click()
    page.wait_for_function("document.querySelector('#doc-status').innerText.includes('up to date')", timeout=60_000)

    page.get_by_role("tab", name="Chat").click()
    bot = ask(page, "Which volcano in Sicily is one of the most active in Europe?")
    assert "Etna" in bot.locator(".excerpt").first.inner_text()
    href = bot.locator(".excerpt a.cite").first.get_attribute("href")
    assert "volcanoes.txt" in href and "corpus=" in href
    opened = open_new_page(page, bot.locator(".excerpt a.cite").first)
    opened.wait_for_load_state()
    assert "Etna" in opened.locator("#passage").inner_text()

    page.get_by_role("tab", name="Documents").click()
    page.locator("#corpus-path input").fill("/nonexistent/folder")
    page.locator("#open-corpus").click()
    page.wait_for_function("document.querySelector('#doc-status').innerText.includes('not a folder')")
    from qa.settings import PROJECT_ROOT

    page.locator("#corpus-path input").fill(str(PROJECT_ROOT / "corpus"))
    page.locator("#open-corpus").click()
    page.wait_for_function("document.querySelector('#title').innerText.includes('4 documents')", timeout=30_000)
    assert page.locator(BOT).count() == 0  # a new corpus starts a new conversation


@pytest.mark.context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
def test_phone_sized_screen_keeps_the_question_box_and_answer_in_view(context, server: str) -> None:
    page = open_chat(context, server)
    bot = ask(page, "Who presented on diaspora engagement?")
    in_view = """(sel) => { const r = document.querySelector(sel).getBoundingClientRect();
                            return r.top >= 0 && r.bottom <= window.innerHeight && r.width > 200; }"""
    assert page.evaluate(in_view, "#question textarea"), "the question box is on screen"
    box = bot.bounding_box()
    assert box is not None and box["y"] < 844 and box["y"] + box["height"] > 0, "the answer is on screen"
    assert bot.locator(".confidence").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 391, "no sideways scrolling"


def test_keyboard_alone_reaches_the_question_box_submits_and_opens_a_citation(context, server: str) -> None:
    page = open_chat(context, server)
    focused = "(sel) => !!document.activeElement && !!document.activeElement.closest(sel)"
    for _ in range(40):
        if page.evaluate(focused, "#question"):
            break
        page.keyboard.press("Tab")
    assert page.evaluate(focused, "#question"), "Tab reaches the question box"
    page.keyboard.type(DEEP_QUESTION)
    page.keyboard.press("Enter")
    bot = page.locator(BOT).first
    bot.locator(".excerpt").first.wait_for(timeout=30_000)
    page.locator("#question textarea").focus()
    page.keyboard.press("Tab")
    assert page.evaluate(focused, "#ask"), "Tab goes on from the question box to the Ask button"
    for _ in range(60):
        page.keyboard.press("Shift+Tab")
        if page.evaluate("document.activeElement.matches('a.cite')"):
            break
    assert page.evaluate("document.activeElement.matches('a.cite')"), "citations are reachable with the keyboard"
    with page.context.expect_page() as opened:
        page.keyboard.press("Enter")
    opened.value.wait_for_load_state()
    opened.value.wait_for_function(PASSAGE_IN_VIEW, timeout=10_000)


def test_dark_theme_renders_readable_highlights(context, server: str) -> None:
    page = open_chat(context, server, path="/?__theme=dark")
    assert "dark" in page.evaluate("document.body.className")
    ask(page, "How do remittances compare with development aid?")
    page.locator("#viewer .passage mark").first.wait_for(timeout=10_000)
    background = page.evaluate("getComputedStyle(document.querySelector('gradio-app')).backgroundColor")
    channels = [int(c) for c in re.findall(r"\d+", background)[:3]]
    assert max(channels) < 80, f"dark theme background expected, got {background}"
    assert page.evaluate(CONTRAST, "#chat mark") >= 4.5
    assert page.evaluate(CONTRAST, "#viewer mark") >= 4.5


@pytest.fixture(scope="module")
def evaluated(default_assistant: Assistant, tmp_path_factory: pytest.TempPathFactory):
    """A real `qa eval` run of a few gold questions on the shipped corpus's test index, written into a
    temporary reports folder, and the app serving that corpus with that folder: (url, reports, report)."""
    import json

    from qa.cli import main
    from qa.evaluation.report import load_report
    from qa.settings import PROJECT_ROOT

    rows = [json.loads(line) for line in (PROJECT_ROOT / "eval" / "gold" / "default.jsonl").open(encoding="utf-8")]
    alone = [r for r in rows if not r.get("conversation")]
    picked = [r for r in rows if r.get("conversation") == "c1"]  # a first turn and its follow-ups
    picked += [r for r in alone if r["doc"]][:5] + [r for r in alone if r["doc"] is None][:2]
    root = tmp_path_factory.mktemp("evaluation")
    gold_file, reports = root / "gold.jsonl", root / "reports"
    gold_file.write_text("".join(json.dumps(r) + "\n" for r in picked), encoding="utf-8")
    index = default_assistant.settings.index_dir
    argv = ["eval", "--gold", str(gold_file), "--index-dir", str(index), "--out", str(reports), "--quiet"]
    assert main(argv) == 0
    (folder,) = list(reports.iterdir())
    with serving(default_assistant, reports_dir=reports) as url:
        yield url, reports, load_report(folder)


def test_evaluation_tab_shows_the_latest_report_with_plots_and_follows_a_corpus_switch(
    context, evaluated, tmp_path_factory: pytest.TempPathFactory
) -> None:
    url, reports, report = evaluated
    page = open_chat(context, url)
    page.get_by_role("tab", name="Evaluation").click()
    headline = page.locator("#evaluation #eval-headline")
    headline.wait_for(timeout=30_000)
    cells = {
        row.locator("td").nth(0).inner_text(): row.locator("td").nth(1).inner_text()
        for row in headline.locator("tbody tr").all()
    }
    assert cells["hit@1"] == f"{report['metrics']['hit@1']:.3f}"
    assert cells["MRR@10"] == f"{report['metrics']['mrr@10']:.3f}"
    assert cells["latency p50"].endswith(" ms")
    assert "It ran against the live index" in page.locator("#eval-freshness").inner_text()
    assert "follow-up" in page.locator("#eval-by-turn").inner_text()
    page.wait_for_function(
        """() => { const imgs = [...document.querySelectorAll('#evaluation img')];
                   return imgs.length > 0 && imgs.every(i => i.complete && i.naturalWidth > 0); }""",
        timeout=10_000,
    )
    sources = page.eval_on_selector_all("#evaluation img", "imgs => imgs.map(i => i.src.slice(0, 22))")
    assert len(sources) == 4 and set(sources) == {"data:image/png;base64,"}, sources

    corpus = tmp_path_factory.mktemp("switch") / "eval notes"
    corpus.mkdir()
    (corpus / "tea.txt").write_text("Tea\n\nGreen tea is made from leaves that are not oxidised.\n", encoding="utf-8")
    page.get_by_role("tab", name="Documents").click()
    page.locator("#corpus-path input").fill(str(corpus))
    page.locator("#open-corpus").click()
    page.wait_for_function("document.querySelector('#doc-status').innerText.includes('Opened')", timeout=60_000)
    # The switch refreshes the Evaluation tab by itself (before the tab is opened again).
    page.wait_for_function("!!document.querySelector('#evaluation #eval-none')", timeout=30_000)
    page.get_by_role("tab", name="Evaluation").click()
    assert "No evaluation report for this corpus yet" in page.locator("#eval-none").inner_text()
    command = page.locator("#eval-command").inner_text()
    assert command == f"qa eval --corpus '{corpus}' --out {reports} --gold FILE"
    assert page.locator("#evaluation #eval-headline").count() == 0


def test_a_pasted_essay_is_shortened_and_its_refusal_stays_in_view(context, server: str) -> None:
    page = open_chat(context, server)
    essay = "Why do migrants send money home to their families? " * 400  # about 20,000 characters
    bot = ask(page, essay)
    assert "characters long" in bot.inner_text()
    asked = page.locator("#chat [data-testid='user']").last.inner_text()
    assert "characters in all" in asked and len(asked) < 400
    top = bot.evaluate("e => e.getBoundingClientRect().top")
    assert 0 <= top < page.viewport_size["height"], "the refusal is scrolled out of view"


def test_a_blank_question_gets_a_message(context, server: str) -> None:
    page = open_chat(context, server)
    box = page.locator("#question textarea")
    box.fill("   ")
    box.press("Enter")
    page.locator(BOT).filter(has_text="Please type a question first").wait_for(timeout=30_000)


def test_a_question_sent_while_the_last_answer_is_coming_is_answered_after_it(
    context, server: str, default_assistant: Assistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A person who types the next question before the last answer has finished loses neither: Gradio's
    default dropped the second Enter, and a late step of the first answer emptied the box under them."""
    answer = default_assistant.ask

    def slow(*args, **kwargs):  # a large corpus on a busy laptop: the answer takes a while
        time.sleep(2)
        return answer(*args, **kwargs)

    monkeypatch.setattr(default_assistant, "ask", slow)
    page = open_chat(context, server)
    box = page.locator("#question textarea")
    box.fill(DEEP_QUESTION)
    box.press("Enter")
    page.locator(f"{BOT} .pending").first.wait_for(timeout=30_000)  # the first answer is on its way
    box.fill("Who presented on diaspora engagement?")
    box.press("Enter")
    page.wait_for_function(f"document.querySelectorAll({BOT!r}).length >= 2", timeout=60_000)
    second = page.locator(BOT).nth(1)
    second.locator(".excerpt").first.wait_for(timeout=30_000)
    assert "Akwete" in page.locator(BOT).nth(0).inner_text()
    assert "diaspora" in second.inner_text().lower()
    asked = [u.inner_text() for u in page.locator(USER).all()]
    assert asked == [DEEP_QUESTION, "Who presented on diaspora engagement?"]
    assert box.input_value() == ""
