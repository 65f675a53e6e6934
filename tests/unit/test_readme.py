"""The README and docs/ stay true to the code: short, every link lands on a file in the repository,
every ``qa <command>`` they name exists, and every setting they name is a real one.

No model and no index: these read text files and build the CLI's parser, so they run in well under a second.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from qa.cli import build_parser
from qa.settings import setting_names


def _repo_root() -> Path:
    """Walk up to pyproject.toml, so the test keeps working if it moves into a subfolder of tests/."""
    here = Path(__file__).resolve()
    for folder in here.parents:
        if (folder / "pyproject.toml").is_file():
            return folder
    raise RuntimeError("no pyproject.toml above this test")


ROOT = _repo_root()
README = ROOT / "README.md"
README_MAX_LINES = 250
MARKDOWN_FILES = [README, *sorted((ROOT / "docs").rglob("*.md"))]

FENCE = re.compile(r"^(```|~~~).*?^\1", re.M | re.S)
INLINE_CODE = re.compile(r"`[^`\n]*`")
INLINE_LINK = re.compile(r"\[[^\]]*\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_LINK = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)", re.M)
SCHEME = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|//)")
# `qa ask`, `.venv/bin/qa eval`: "qa", a space, then a lowercase word. "qa.toml", "qa/cli.py" and Python's
# "from qa import …" do not match.
QA_COMMAND = re.compile(r"(?<![\w.\-])(?<!from )(?<!import )qa +([a-z][a-z\-]*)")


def link_targets(text: str) -> list[str]:
    """Targets of Markdown links and images, outside code (a link inside backticks is not a link)."""
    prose = INLINE_CODE.sub("", FENCE.sub("", text))
    return INLINE_LINK.findall(prose) + REFERENCE_LINK.findall(prose)


def subcommands(parser: argparse.ArgumentParser) -> set[str]:
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]  # noqa: SLF001
    return {name for action in actions for name in action.choices}


def settings_table_names(readme: str) -> list[str]:
    """The names in the first column of the README's settings table (under its "## Settings" heading)."""
    section = readme.split("\n## Settings", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    cells = [row.split("|")[1] for row in rows]
    return [name for cell in cells for name in re.findall(r"`([^`]+)`", cell)]


def test_readme_is_short() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES, f"README.md has {len(lines)} lines; move detail into docs/"


def test_docs_exist() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in MARKDOWN_FILES}
    for doc in ("architecture", "configuration", "evaluation", "performance", "reliability"):
        assert f"docs/{doc}.md" in names


@pytest.mark.parametrize("md", MARKDOWN_FILES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_links_stay_in_the_repository_and_land(md: Path) -> None:
    targets = link_targets(md.read_text(encoding="utf-8"))
    problems = []
    for target in targets:
        if SCHEME.match(target):
            problems.append(f"{target}: leaves the repository (write an outside address as plain text)")
            continue
        path = target.split("#", 1)[0].split("?", 1)[0]
        if not path:  # an anchor in the same file
            continue
        resolved = (md.parent / path).resolve()
        if not resolved.is_relative_to(ROOT):
            problems.append(f"{target}: points outside the repository")
        elif not resolved.exists():
            problems.append(f"{target}: no such file")
    assert not problems, f"{md.relative_to(ROOT)}: " + "; ".join(problems)


def test_link_finder_sees_links() -> None:
    """Guards the check above against a pattern that silently finds nothing."""
    text = '![shot](docs/a.png) see [the docs](docs/b.md#top "t") `[not](code.md)`\n```\n[no](fence.md)\n```\n'
    assert link_targets(text) == ["docs/a.png", "docs/b.md#top"]
    assert link_targets(README.read_text(encoding="utf-8")), "README.md should link its screenshot and docs/"


def test_every_qa_command_in_the_readme_exists() -> None:
    named = set(QA_COMMAND.findall(README.read_text(encoding="utf-8")))
    real = subcommands(build_parser())
    assert {"ask", "serve"} <= named, "the README should show at least `qa ask` and `qa serve`"
    assert named <= real, f"README.md names qa commands that qa/cli.py lacks: {sorted(named - real)}"


def test_readme_settings_are_real_settings() -> None:
    names = settings_table_names(README.read_text(encoding="utf-8"))
    assert len(names) >= 10, "the README's settings table was not found"
    unknown = sorted(set(names) - set(setting_names()))
    assert not unknown, f"README.md's settings table names settings that qa/settings.py lacks: {unknown}"


def test_configuration_doc_lists_every_setting() -> None:
    text = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    missing = [name for name in setting_names() if f"`{name}`" not in text]
    assert not missing, f"docs/configuration.md does not list: {missing}"


def test_the_readme_example_config_takes_effect(tmp_path: Path) -> None:
    """Each setting of the README's example qa.toml is what a user then gets, the abstention threshold included
    (a threshold that the learned confidence ignores would be a promise the program does not keep)."""
    import tomllib

    from qa.settings import load_settings

    block = README.read_text(encoding="utf-8").split("Example `qa.toml`", 1)[1].split("```toml", 1)[1]
    config = tmp_path / "qa.toml"
    config.write_text(block.split("```", 1)[0], encoding="utf-8")
    wanted = tomllib.loads(config.read_text(encoding="utf-8"))
    settings = load_settings(config_file=config, environ={})
    assert len(wanted) >= 3
    for name, value in wanted.items():
        got = getattr(settings, name)
        assert (str(got) if isinstance(got, Path) else got) == value, name
    threshold = [v for k, v in wanted.items() if "threshold" in k]
    assert threshold and settings.threshold_in_use == threshold[0]
