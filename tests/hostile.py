"""The hostile suite's machinery: a :class:`Case` is one command line (or one Python check)
an adversary would try, with what must hold afterwards, and two ways of running it.

Every command-line case runs ``python -m lrviz`` in a subprocess, in a folder of its own,
under an address-space cap (:data:`MEMORY_CAP`) and a time limit, with its standard streams
as the case says (closed, /dev/full); the cases that cannot hang also run in-process through
:func:`lrviz.cli.main` (fast: the default suite runs them all). What must hold:

- bad input (``refused``): exit code 2, exactly one line on stderr (``lrviz: error: ...``)
  naming what the case says, nothing on stdout, the folder exactly as it was;
- good input (``ok``): exit code 0 and every output file a valid PNG, SVG or PDF;
- always: no traceback, no "internal error" (that is for lrviz's own bugs), no temporary
  file left and none named in a message.
"""

from __future__ import annotations

import os
import re
import resource
import stat
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

MEMORY_CAP = 3 << 30
"""Every subprocess case runs with at most this much address space (RLIMIT_AS): a case
that would need more must be refused in one line, not die."""

TIMEOUT = 60.0
"""Seconds a subprocess case may take; a never-hang case sets its own, shorter bound."""


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str


@dataclass(frozen=True)
class Case:
    category: str
    name: str
    argv: tuple[str, ...] = ()
    expect: str = "refused"  # "refused", "ok", "clean" (either, but one line if refused), "custom" (its check)
    says: tuple[str, ...] = ()  # words the error line (refused) or stderr (ok) must hold
    setup: Callable[[Path], None] | None = None
    env: Mapping[str, str | None] = field(default_factory=dict)
    files: tuple[str, ...] = ()  # output files an ok case must write (valid PNG/SVG/PDF by extension)
    check: Callable[[Result, Path], None] | None = None  # more assertions on the result and the folder
    where: str = "both"  # "both": in-process by default, subprocess with -m slow; "subprocess", "inprocess", "python"
    default: bool = False  # a subprocess case that runs in the default suite too
    timeout: float = TIMEOUT
    memory: int = MEMORY_CAP
    stdout: str | None = None  # "closed" or "full" (/dev/full)
    stderr: str | None = None  # "closed"
    run: Callable[[Path], None] | None = None  # a "python" case's own check

    @property
    def id(self) -> str:
        return f"{self.category}:{self.name}"


# --------------------------------------------------------------------------------------
# Setting a folder up


def write(**contents: str | bytes) -> Callable[[Path], None]:
    """Files with these contents (a name's ``__`` is a ``/``, ``_dot_`` a ``.``)."""

    def setup(folder: Path) -> None:
        for name, data in contents.items():
            path = folder / name.replace("__", "/").replace("_dot_", ".")
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(data, bytes):
                path.write_bytes(data)
            else:
                path.write_text(data, encoding="utf-8")

    return setup


def files(contents: Mapping[str, str | bytes]) -> Callable[[Path], None]:
    """Files named as they are (``sub/x.csv``) with these contents."""

    def setup(folder: Path) -> None:
        for name, data in contents.items():
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(data, bytes):
                path.write_bytes(data)
            else:
                path.write_text(data, encoding="utf-8")

    return setup


def fifo(name: str) -> Callable[[Path], None]:
    return lambda folder: os.mkfifo(folder / name)


def link(name: str, target: str) -> Callable[[Path], None]:
    return lambda folder: os.symlink(target, folder / name)


def chmod(name: str, mode: int) -> Callable[[Path], None]:
    return lambda folder: os.chmod(folder / name, mode)


def sparse(name: str, size: int) -> Callable[[Path], None]:
    """A file of ``size`` bytes that takes no room on disk (its size is what lrviz sees)."""

    def setup(folder: Path) -> None:
        with open(folder / name, "wb") as fh:
            fh.truncate(size)

    return setup


def socket_file(name: str) -> Callable[[Path], None]:
    def setup(folder: Path) -> None:
        import socket

        sock = socket.socket(socket.AF_UNIX)
        sock.bind(str(folder / name))
        sock.close()

    return setup


def both(*setups: Callable[[Path], None]) -> Callable[[Path], None]:
    def setup(folder: Path) -> None:
        for step in setups:
            step(folder)

    return setup


# --------------------------------------------------------------------------------------
# Running


def snapshot(folder: Path) -> dict[str, tuple[Any, ...]]:
    """Every entry under ``folder`` (links not followed): what it is, its size, mode and
    time, or where a link points. Python's byte-code caches are not the case's business."""
    out: dict[str, tuple[Any, ...]] = {}
    for root, dirs, names in os.walk(folder):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for name in [*dirs, *names]:
            path = Path(root) / name
            st = os.lstat(path)
            rel = path.relative_to(folder).as_posix()
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ("link", os.readlink(path))
            else:
                out[rel] = (stat.S_IFMT(st.st_mode), st.st_size, stat.S_IMODE(st.st_mode), st.st_mtime_ns)
    return out


def env_for(case: Case) -> dict[str, str]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "120", "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("LRVIZ_DEBUG", None)
    for key, value in case.env.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def run_subprocess(case: Case, folder: Path) -> Result:
    def limits() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (case.memory, case.memory))
        if case.stdout == "closed":
            os.close(1)
        if case.stderr == "closed":
            os.close(2)

    full = open("/dev/full", "w") if case.stdout == "full" else None  # noqa: SIM115 - closed below
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "lrviz", *case.argv],
            cwd=folder,
            env=env_for(case),
            stdin=subprocess.DEVNULL,
            stdout=full if full is not None else subprocess.PIPE,
            stderr=subprocess.PIPE,
            timeout=case.timeout,
            preexec_fn=limits,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"lrviz {' '.join(case.argv)} did not finish within {case.timeout:g} s (it hangs)")
    finally:
        if full is not None:
            full.close()
    out = proc.stdout.decode("utf-8", "replace") if proc.stdout is not None else ""
    return Result(proc.returncode, out, proc.stderr.decode("utf-8", "replace"))


def run_inprocess(case: Case, folder: Path, capsys: Any, monkeypatch: Any) -> Result:
    from lrviz.cli import main

    monkeypatch.chdir(folder)
    for key, value in case.env.items():
        if value is None:
            monkeypatch.delenv(key, raising=False)
        else:
            monkeypatch.setenv(key, value)
    capsys.readouterr()
    code = main(list(case.argv))
    out, err = capsys.readouterr()
    return Result(code, out, err)


# --------------------------------------------------------------------------------------
# What must hold


def valid_output(path: Path) -> None:
    """``path`` is a complete PNG, SVG or PDF, as its extension says."""
    assert path.is_file(), f"{path.name} was not written"
    data = path.read_bytes()
    suffix = path.suffix.lower()
    if suffix == ".png":
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR" and data[-8:-4] == b"IEND", path
    elif suffix == ".svg":
        assert ET.fromstring(data).tag.endswith("svg"), path
    elif suffix == ".pdf":
        assert data.startswith(b"%PDF") and data.rstrip().endswith(b"%%EOF"), path


def no_temporary_files(folder: Path) -> None:
    left = [p.name for p in folder.rglob(".lrviz-*")]
    assert not left, f"temporary files left behind: {left}"


def verify(case: Case, result: Result, folder: Path, before: Mapping[str, tuple[Any, ...]]) -> None:
    command = " ".join(case.argv)[:300]
    text = f"lrviz {command}\nexit {result.code}\nstdout: {result.out[:600]!r}\nstderr: {result.err[:900]!r}"
    for stream in (result.out, result.err):
        assert "Traceback" not in stream, text
        assert "internal error" not in stream, text
        assert ".lrviz-" not in stream, text  # lrviz's temporary name is never in a message
    no_temporary_files(folder)
    lines = result.err.splitlines()
    if case.expect == "custom" or case.stderr == "closed":  # the case's own check says what holds
        assert case.check is not None
    elif case.expect == "refused" or (case.expect == "clean" and result.code != 0):
        assert result.code == 2, text
        assert len(lines) == 1 and lines[0].startswith("lrviz: error: "), text
        assert result.out == "", text
        for word in case.says:
            assert word.lower() in lines[0].lower(), f"the error does not say {word!r}\n{text}"
        if case.expect == "refused":
            assert snapshot(folder) == before, f"the folder changed\n{text}"
    elif case.expect == "ok":
        assert result.code == 0, text
        for word in case.says:
            assert word.lower() in result.err.lower(), f"stderr does not say {word!r}\n{text}"
    else:
        assert case.expect in ("clean", "custom"), case.expect
    if case.expect != "refused" and result.code == 0:
        for name in case.files:
            valid_output(folder / name)
    if case.check is not None:
        case.check(result, folder)


# --------------------------------------------------------------------------------------
# Small checks shared by cases


def stdout_is_csv(result: Result, folder: Path) -> None:
    import csv
    import io

    rows = list(csv.reader(io.StringIO(result.out)))
    assert rows and rows[0][0] == "step", result.out[:200]
    for row in rows[1:]:
        assert len(row) == len(rows[0]) and all(_number(cell) for cell in row), row


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def stdout_is_json(result: Result, folder: Path) -> None:
    import json

    json.loads(result.out)


def no_escapes(result: Result, folder: Path) -> None:
    """Nothing printed holds a control character (an escape sequence, a bell, a carriage
    return) or a Unicode direction override."""
    for stream in (result.out, result.err):
        bad = re.findall("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", stream)
        assert not bad, f"control characters printed: {bad!r} in {stream[:300]!r}"


def all_of(*checks: Callable[[Result, Path], None]) -> Callable[[Result, Path], None]:
    def check(result: Result, folder: Path) -> None:
        for one in checks:
            one(result, folder)

    return check


def lines_at_most(width: int) -> Callable[[Result, Path], None]:
    def check(result: Result, folder: Path) -> None:
        longest = max((len(line) for line in result.out.splitlines()), default=0)
        assert longest <= width, f"a line of {longest} characters"

    return check


def unchanged(name: str, data: bytes, mode: int | None = None) -> Callable[[Result, Path], None]:
    def check(result: Result, folder: Path) -> None:
        path = folder / name
        assert path.read_bytes() == data, f"{name} changed"
        if mode is not None:
            assert stat.S_IMODE(os.stat(path).st_mode) == mode

    return check


def cases_by(cases: Sequence[Case], where: Sequence[str]) -> list[Case]:
    return [c for c in cases if c.where in where]
