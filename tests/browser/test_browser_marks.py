"""Marks on answers in a real headless Chromium: a person asks, clicks "This answered it", reads the
confirmation, and the mark is in the corpus's feedback file; "the answer is in this excerpt" replaces it;
"Not this" keeps another; the Settings tab says which calibration is in use and why it cannot refit yet."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa.assistant import Assistant
from qa.evaluation.feedback import FEEDBACK_FILE
from tests.browser.test_browser_chat import ask, open_chat
from tests.conftest import make_settings
from tests.webserver import CHROMIUM, serving

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install chromium)"),
]


@pytest.fixture(scope="module")
def marked_assistant(tmp_path_factory: pytest.TempPathFactory, embedder) -> Assistant:
    corpus = tmp_path_factory.mktemp("marks-corpus")
    (corpus / "bees.txt").write_text(
        "HONEY BEES\n\nHoney bees live in colonies led by a single queen. Worker bees collect nectar and pollen "
        "from flowers.\n\nThe waggle dance tells other bees the direction and distance of food.\n",
        encoding="utf-8",
    )
    (corpus / "tea.txt").write_text(
        "Tea\n\nGreen tea is made from leaves that are not oxidised. Black tea leaves are fully oxidised.\n",
        encoding="utf-8",
    )
    return Assistant.load(make_settings(corpus, tmp_path_factory.mktemp("marks-index")), embedder=embedder)


@pytest.fixture(scope="module")
def server(marked_assistant: Assistant):
    with serving(marked_assistant) as url:
        yield url


@pytest.fixture()
def context(browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    yield ctx
    ctx.close()


def marks_in(assistant: Assistant) -> list[dict]:
    path = Path(assistant.settings.index_dir) / FEEDBACK_FILE
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def test_a_mark_is_confirmed_on_the_page_and_kept_as_a_gold_item(
    context, server: str, marked_assistant: Assistant
) -> None:
    from playwright.sync_api import expect

    page = open_chat(context, server)
    expect(page.locator("#mark-answered")).to_be_hidden()  # nothing to mark before an answer
    ask(page, "What does the waggle dance tell other bees?")
    answered = page.get_by_role("button", name="This answered it")
    expect(answered).to_be_visible(timeout=90_000)  # shown in a step after the streamed answer: slow on a busy CPU
    answered.click()
    status = page.locator("#mark-status")
    expect(status).to_contain_text("Thanks, kept: this answered it", timeout=15_000)
    expect(status).to_contain_text("1 marks for this corpus")
    [kept] = marks_in(marked_assistant)
    assert kept["question"] == "What does the waggle dance tell other bees?"
    assert kept["verdict"] == "answered" and kept["doc"] == "bees.txt" and "waggle dance" in kept["evidence"]
    assert kept["history"] == [] and kept["shown"]["abstained"] is False

    page.get_by_role("button", name="The answer is in this excerpt").click()  # the excerpt open in Sources: [1]
    expect(status).to_contain_text("the answer is in excerpt [1]", timeout=15_000)
    [replaced] = marks_in(marked_assistant)  # the same answer: one verdict, the latest
    assert replaced["passage"]["rank"] == 1 and replaced["id"] != kept["id"]

    ask(page, "Who painted the Mona Lisa?")
    expect(status).to_have_text("")  # a new answer, no verdict yet
    page.get_by_role("button", name="Not this").click()
    expect(status).to_contain_text("2 marks for this corpus", timeout=15_000)
    rejected = marks_in(marked_assistant)[-1]
    assert rejected["doc"] is None and rejected["kind"] == "rejected"
    assert [h["question"] for h in rejected["history"]] == ["What does the waggle dance tell other bees?"]

    page.get_by_role("tab", name="Settings").click()
    expect(page.locator("#calibration-in-use")).to_contain_text("no refit from marks", timeout=15_000)
    page.get_by_role("button", name="Refit abstention from marks").click()
    expect(page.locator("#refit-report")).to_contain_text("2 marks", timeout=15_000)
    expect(page.locator("#refit-report")).to_contain_text("at least 30")
