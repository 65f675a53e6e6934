"""The Ray build's settings and flags, and the one line a user without Ray sees (no model, no Ray needed)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from qa.cli import build_parser, main, settings_from_args
from qa.settings import SettingsError, load_settings
from tests.conftest import one_clear_line


def test_ray_flags_set_the_build_engine() -> None:
    args = build_parser().parse_args(["index", "--ray", "--ray-actors", "3"])
    settings = settings_from_args(args)
    assert (settings.build_engine, settings.ray_actors, settings.ray_address) == ("ray", 3, "")
    cluster = settings_from_args(build_parser().parse_args(["index", "--ray-address", "ray://head:10001"]))
    assert (cluster.build_engine, cluster.ray_address) == ("ray", "ray://head:10001")
    assert settings_from_args(build_parser().parse_args(["index"])).build_engine == "local"


def test_bad_ray_settings_are_refused() -> None:
    with pytest.raises(SettingsError, match="build_engine"):
        load_settings({"build_engine": "spark"}, environ={})
    with pytest.raises(SettingsError, match="ray_actors"):
        load_settings({"ray_actors": 0}, environ={})
    assert load_settings(environ={"QA_BUILD_ENGINE": "ray", "QA_RAY_BATCH_SIZE": "64"}).ray_batch_size == 64


def test_without_ray_the_index_command_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys
) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # as if not installed: importing it raises ImportError
    code = main(["index", "--ray", "--index-dir", str(tmp_path / "index"), "--quiet"])
    line = one_clear_line(capsys, code)
    assert "pip install .[scale]" in line
    assert not (tmp_path / "index" / "manifest.json").exists()


def test_documents_reach_the_workers_unchanged() -> None:
    """Documents travel to Ray workers as JSON (never pickle): text, layout and page labels intact."""
    from qa.index.raybuild import _doc_from_json, _doc_json
    from qa.types import Document, Layout

    layout = Layout(blocks=((0, 7, "heading", "Intro"), (8, 20, "text", "Intro")), pages=((0, "i"), (12, None)))
    doc = Document("manuals/a.pdf", "A", "Intro\u2019s\n\nBody text. é", "ab" * 32, "pdf", 10, 5, "text", layout=layout)
    assert _doc_from_json(_doc_json(doc)) == doc
    plain = Document("b.txt", "B", "Only text.", "cd" * 32, "text")
    assert _doc_from_json(_doc_json(plain)) == plain


def test_an_unreachable_cluster_fails_in_one_line(tmp_path: Path, capsys) -> None:
    """Nothing listens on the address: one line naming it, at once (ray.init alone retries for minutes)."""
    pytest.importorskip("ray")
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # free once closed: nothing listens there
    code = main(["index", "--ray-address", f"127.0.0.1:{port}", "--index-dir", str(tmp_path / "i"), "--quiet"])
    assert f"cannot reach Ray at 127.0.0.1:{port}" in one_clear_line(capsys, code)
