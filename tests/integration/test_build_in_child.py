"""A server's rebuilds run in a child process: torch never enters the serving process, and a build that
dies leaves the previous index answering."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.assistant import Assistant
from qa.index import buildproc
from qa.index.build import build_index
from qa.web.workspace import Workspace
from tests.conftest import make_settings, upload_owls_in_child

SERVER = r"""
import json, sys
from pathlib import Path
from qa.assistant import Assistant
from qa.web.workspace import Workspace
from tests.conftest import make_settings

corpus, index, upload = map(Path, sys.argv[1:4])
settings = make_settings(corpus, index, query_encoder="onnx", paraphrase_model="")  # the stage needs torch
workspace = Workspace(settings, Assistant.load(settings, build=False))
result = workspace.add_files(workspace.default_key, [(upload, upload.name)])
answer = workspace.assistant(workspace.default_key).ask("What do barn owls hunt?").answer
print(json.dumps({"saved": result.saved, "torch": "torch" in sys.modules, "answer": answer}))
"""


def test_an_upload_is_indexed_without_torch_in_the_serving_process(
    small_corpus: Path, tmp_path: Path, embedder
) -> None:
    settings = make_settings(small_corpus, tmp_path / "index")
    build_index(settings, embedder)
    seen = upload_owls_in_child(SERVER, small_corpus, settings.index_dir, tmp_path)
    assert seen["saved"] == ["owls.txt"] and "mice" in seen["answer"]
    assert seen["torch"] is False


def test_a_build_process_that_dies_leaves_the_previous_index_answering(
    small_corpus: Path, tmp_path: Path, embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_settings(small_corpus, tmp_path / "index")
    workspace = Workspace(settings, Assistant.load(settings, embedder=embedder))
    before = workspace.assistant(workspace.default_key).manifest["build_id"]
    # The child runs a program that dies at once, as one killed by the kernel would (no result sent).
    monkeypatch.setattr(buildproc.sys, "executable", "/bin/false")
    (small_corpus / "owls.txt").write_text("Owls\n\nBarn owls hunt mice at night.\n", encoding="utf-8")

    with pytest.raises(buildproc.BuildFailed, match="previous index is kept"):
        workspace.rebuild(workspace.default_key)
    kept = workspace.assistant(workspace.default_key)
    assert kept.manifest["build_id"] == before and "queen" in kept.ask("Who leads a bee colony?").answer
