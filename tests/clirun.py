"""Running the command line in-process, for the CLI tests."""

from __future__ import annotations

import shlex

import pytest

from lrviz.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """main(args) in-process: (exit code, stdout, stderr)."""
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def run_ok(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[str, str]:
    """A command that must succeed, with no traceback and no internal error: (stdout, stderr)."""
    code, out, err = run(capsys, *args)
    assert code == 0, f"lrviz {shlex.join(args)} exited {code}: {err}"
    assert "Traceback" not in err and "internal error" not in err, err
    return out, err
