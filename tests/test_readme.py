"""Every `lrviz ...` command shown in README.md and docs/*.md runs and succeeds: docs that
cannot rot. (That a figure shown under its command is what the command draws is
tests/test_docs.py's.)"""

from __future__ import annotations

import shutil

import pytest
from docgen import ROOT, generate
from extras import skip_if_an_extra_was_missing
from pinned import GALLERY, REASON

from lrviz.cli import main

SHOWN = generate.shown_commands(ROOT)


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


def test_the_docs_show_commands():
    by_doc = {doc.name: sum(s.doc == doc for s in SHOWN) for doc in generate.doc_files(ROOT)}
    assert by_doc["README.md"] >= 10 and by_doc["guide.md"] >= 30, by_doc
    assert sum(s.image is not None for s in SHOWN) >= 4


@pytest.mark.parametrize("command", [_param(s.command) for s in SHOWN])
def test_readme_command_runs(command, tmp_path, monkeypatch, capsys):
    # as in a fresh clone: the docs' example files sit under docs/examples
    generate.scratch_copy(ROOT, tmp_path)
    if _whole_gallery(command):
        shutil.copytree(GALLERY, tmp_path / "gallery")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    code = main(generate.command_args(command))
    captured = capsys.readouterr()
    skip_if_an_extra_was_missing(code, captured.err)
    assert code == 0, captured.err
    assert "error" not in captured.err
