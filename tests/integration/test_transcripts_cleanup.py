"""The page's exported conversations are temporary files: a server that exits leaves none behind."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from qa.settings import PROJECT_ROOT

SCRIPT = textwrap.dedent(
    """
    import sys
    from pathlib import Path

    from qa.assistant import Assistant
    from qa.web.page import Page
    from qa.web.session import Session
    from qa.web.workspace import Workspace
    from tests.conftest import make_settings

    root = Path(sys.argv[1])
    assistant = Assistant.load(make_settings(root / "c", root / "i"))
    page = Page(Workspace(assistant.settings, assistant))
    page.transcript_box, page.download = "box", "download"  # the components the export fills
    state = Session(page.workspace.default_key)
    state.answers = [assistant.chat().ask("Where do honey bees live?")]
    page.transcript(state)
    print(state.folder)
    """
)


def test_a_server_that_exits_leaves_no_transcript_folder(tmp_path) -> None:
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "bees.txt").write_text("Honey bees live in colonies led by a queen.", encoding="utf-8")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path)], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    folder = done.stdout.strip().splitlines()[-1]
    assert folder.startswith(str(scratch)), folder  # the export was written under the scratch temp dir
    assert not [p.name for p in scratch.iterdir() if p.name.startswith("qa-transcripts-")]
