"""Highlights on a manual's page, with the real model and the stored answer model: a how-to question gets the
line with the command, not the section's heading, and a lead-in ending in ":" comes with the block it
introduces. The page is written like a Debian Reference chapter (DocBook HTML: numbered headings, the command
in a ``<pre>`` after the sentence that announces it)."""

from __future__ import annotations

import pytest

from qa.assistant import Assistant
from qa.encode.embedder import Embedder
from qa.types import Answer
from tests.conftest import make_settings

PAGE = """<!DOCTYPE html>
<html><head><title>Chapter 1. GNU/Linux tutorials</title></head><body>
<div class="chapter"><h1 class="title">Chapter 1. GNU/Linux tutorials</h1>
<div class="section"><h2 class="title">1.1. Console basics</h2>
<div class="section"><h3 class="title">1.1.8. How to shutdown the system</h3>
<p>Just like any other modern OS where the file operation involves caching data in memory for improved
performance, the Debian system needs the proper shutdown procedure before power can safely be turned off.
This is to maintain the integrity of files, by forcing all changes in memory to be written to disk.</p>
<p>You can shutdown the system under the normal multiuser mode from the commandline.</p>
<pre class="screen"># shutdown -h now</pre>
</div>
<div class="section"><h3 class="title">1.1.9. The system message</h3>
<p>Under systemd, both kernel and system messages are logged by the journal service systemd-journald.service
either into persistent binary data or into volatile binary data. These binary log data are accessed by the
journalctl(1) command. For example, you can display log from the last boot as:</p>
<pre class="screen">$ journalctl -b</pre>
</div>
<div class="section"><h3 class="title">1.1.10. Recovering a sane console</h3>
<p>When the screen goes berserk after doing some funny things such as cat some-binary-file, type reset at the
command prompt. You may not be able to see the command echoed as you type.</p>
</div>
<div class="section"><h3 class="title">1.1.11. Useful key bindings</h3>
<p>The Linux console offers key bindings that save typing. Ctrl-U erases the line before the cursor and Ctrl-W
erases the word before it. The key bindings of the shell are configured in the readline library.</p>
</div></div></div></body></html>
"""


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Assistant:
    corpus = tmp_path_factory.mktemp("manual")
    (corpus / "ch01.en.html").write_text(PAGE, encoding="utf-8")
    a = Assistant.load(make_settings(corpus, tmp_path_factory.mktemp("manual-index")), embedder=embedder)
    assert a.answer_model is not None, "the stored answer model must load"
    return a


def highlighted(answer: Answer) -> list[str]:
    top = answer.excerpts[0]
    p = top.passage
    return [p.text[a - p.start : b - p.start].strip() for a, b in top.highlights]


def test_a_how_to_question_gets_the_command_not_the_heading(assistant: Assistant) -> None:
    shown = highlighted(assistant.ask("How do I shut down the system from the command line?"))
    assert "# shutdown -h now" in shown, shown
    assert not any("How to shutdown the system" in s for s in shown), shown


def test_a_lead_in_ending_in_a_colon_is_highlighted_with_its_block(assistant: Assistant) -> None:
    shown = highlighted(assistant.ask("How can I display the log from the last boot?"))
    assert "$ journalctl -b" in shown, shown
    assert any(s.endswith("from the last boot as:") for s in shown), shown
    assert not any(s.endswith("The system message") for s in shown), shown
