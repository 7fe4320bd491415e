"""Every `lrviz ...` command shown in the README runs and succeeds: docs that cannot rot."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest
from extras import skip_if_an_extra_was_missing
from pinned import GALLERY, REASON

from lrviz.cli import main

README = Path(__file__).resolve().parent.parent / "README.md"


def readme_commands() -> list[str]:
    text = README.read_text(encoding="utf-8")
    commands: list[str] = []
    seen: list[list[str]] = []  # a command shown twice runs once
    for block in re.findall(r"```console\n(.*?)```", text, flags=re.S):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.strip().removeprefix("$ ")
            for part in line.split("&&"):
                part = part.strip()
                if part.startswith("lrviz ") and shlex.split(part, comments=True) not in seen:
                    seen.append(shlex.split(part, comments=True))
                    commands.append(part)
    return commands


def _whole_gallery(command: str) -> bool:
    """A command that draws or checks the committed gallery: every figure, some 30 s."""
    return command.startswith("lrviz gallery") and "--from" not in command


def _param(command: str):
    if not _whole_gallery(command):
        return command
    marks = [pytest.mark.slow]
    if "--check" in command and REASON:
        marks.append(pytest.mark.skip(reason=REASON))
    elif not GALLERY.is_dir():
        marks.append(pytest.mark.skip(reason="needs the repository's committed gallery/"))
    return pytest.param(command, marks=marks)


def test_the_readme_shows_commands():
    assert len(readme_commands()) >= 10


@pytest.mark.parametrize("command", [_param(c) for c in readme_commands()])
def test_readme_command_runs(command, tmp_path, monkeypatch, capsys):
    # as in a fresh clone: the README's example files sit under docs/examples
    shutil.copytree(README.parent / "docs" / "examples", tmp_path / "docs" / "examples")
    if _whole_gallery(command):
        shutil.copytree(GALLERY, tmp_path / "gallery")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    args = shlex.split(command, comments=True)[1:]
    if ">" in args:
        args = args[: args.index(">")]
    code = main(args)
    captured = capsys.readouterr()
    skip_if_an_extra_was_missing(code, captured.err)
    assert code == 0, captured.err
    assert "error" not in captured.err
