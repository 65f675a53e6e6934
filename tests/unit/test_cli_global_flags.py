"""`qa --corpus DIR --index-dir DIR eval ...` picks the corpus and index as the command's own flags do
(no model: only the parser and the settings it yields)."""

from __future__ import annotations

from pathlib import Path

from qa.cli import build_parser, settings_from_args


def test_corpus_and_index_given_before_the_command(tmp_path: Path) -> None:
    corpus, index = tmp_path / "manual", tmp_path / "idx"
    corpus.mkdir()
    args = build_parser().parse_args(["--corpus", str(corpus), "--index-dir", str(index), "eval", "--gold", "g.jsonl"])
    settings = settings_from_args(args)
    assert settings.corpus_dir.resolve() == corpus.resolve()
    assert settings.index_dir.resolve() == index.resolve()


def test_the_command_flag_wins_and_a_lone_corpus_gets_its_own_index(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    args = build_parser().parse_args(["--corpus", str(first), "eval", "--corpus", str(second)])
    settings = settings_from_args(args)
    assert settings.corpus_dir.resolve() == second.resolve()
    assert settings.index_dir.resolve() == (tmp_path / "b.index").resolve()
