"""Every `lrviz ...` command shown in the README runs and succeeds: docs that cannot rot."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest

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


def test_the_readme_shows_commands():
    assert len(readme_commands()) >= 10


@pytest.mark.parametrize("command", readme_commands())
def test_readme_command_runs(command, tmp_path, monkeypatch, capsys):
    # as in a fresh clone: the README's example files sit under docs/examples
    shutil.copytree(README.parent / "docs" / "examples", tmp_path / "docs" / "examples")
    if command.startswith("lrviz gallery") and "--from" not in command:  # the committed gallery
        shutil.copytree(README.parent / "gallery", tmp_path / "gallery")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    args = shlex.split(command, comments=True)[1:]
    if ">" in args:
        args = args[: args.index(">")]
    code = main(args)
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "error" not in captured.err
