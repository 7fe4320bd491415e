"""What `lrviz --help` and a fast-path plot import: nothing heavy that they do not use;
and how the `lrviz` command ends: without the interpreter's teardown, nothing else lost."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

HELP = (
    "import io, contextlib, sys\n"
    "from lrviz.cli import main\n"
    "out = io.StringIO()\n"
    "with contextlib.redirect_stdout(out):\n"
    "    code = main({args!r})\n"
    "assert 'Usage' in out.getvalue(), code\n"
    "heavy = ('torch', 'matplotlib', 'numpy', 'markdown_it', 'pygments', 'lrviz.registry')\n"
    "print(' '.join(sorted(m for m in heavy if m in sys.modules)))\n"
)


def _imported(args: list[str]) -> str:
    result = subprocess.run([sys.executable, "-c", HELP.format(args=args)], capture_output=True, text=True, check=True)
    return result.stdout.strip()


def test_help_imports_no_torch_matplotlib_numpy_or_markdown() -> None:
    assert _imported(["--help"]) == ""
    assert _imported([]) == ""
    # a schedule command's help loads the registry (its options depend on the schedule named)
    assert _imported(["plot", "--help"]) == "lrviz.registry"


def test_deferred_rich_modules_still_work_for_their_users() -> None:
    """Until something uses them, rich.markdown and rich.traceback are lrviz's stand-ins;
    the first use puts the real modules in sys.modules and gives objects of their real
    classes, which render as before."""
    code = (
        "import io, os, sys\n"
        "from lrviz.cli.process import _defer_help_extras\n"
        "_defer_help_extras()\n"
        "def deferred(name):\n"
        "    return getattr(sys.modules[name], '_lrviz_deferred', False)\n"
        "def real(name):\n"
        "    module = sys.modules[name]\n"
        "    assert not deferred(name), name\n"
        "    assert module.__file__.endswith(os.path.join(*name.split('.')) + '.py'), module\n"
        "    return module\n"
        "assert deferred('rich.markdown') and deferred('rich.traceback'), 'nothing was deferred'\n"
        "from rich.console import Console\n"
        "from rich.markdown import Heading, Markdown\n"
        "from rich.traceback import Traceback\n"
        "console = Console(file=io.StringIO(), width=40)\n"
        "md = Markdown('# Title\\n\\nsome **bold** text')\n"
        "assert type(md) is real('rich.markdown').Markdown, type(md)\n"
        "assert Heading is real('rich.markdown').Heading, Heading\n"
        "console.print(md)\n"
        "assert 'Title' in console.file.getvalue() and 'bold' in console.file.getvalue()\n"
        "try:\n"
        "    1 / 0\n"
        "except ZeroDivisionError:\n"
        "    tb = Traceback()\n"
        "assert type(tb) is real('rich.traceback').Traceback, type(tb)\n"
        "console.print(tb)\n"
        "assert 'ZeroDivisionError' in console.file.getvalue()\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def _buffered() -> dict[str, str]:
    """The environment without PYTHONUNBUFFERED: stdout into a pipe is block-buffered, so
    output that is not flushed before the process ends would be lost."""
    env = dict(os.environ)
    env.pop("PYTHONUNBUFFERED", None)
    return env


EXIT = """
import atexit, sys, threading, time
import matplotlib  # loaded: lrviz.cli.process._exit skips the teardown
from lrviz.cli.process import _exit
class Noisy:
    def __del__(self):
        sys.stdout.write(" teardown")
noisy = Noisy()  # a global: its __del__ runs in the interpreter's teardown, if at all
atexit.register(sys.stdout.write, " atexit")
if {thread}:
    threading.Thread(target=lambda: (time.sleep(0.2), sys.stdout.write(" thread"))).start()
sys.stdout.write("output")
_exit(3)
"""


@pytest.mark.parametrize(
    ("thread", "expected"),
    [(False, "output atexit"), (True, "output thread atexit teardown")],
    ids=["skips the teardown", "a live thread: a normal exit"],
)
def test_exit_runs_atexit_flushes_and_keeps_the_code(thread: bool, expected: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", EXIT.format(thread=thread)], capture_output=True, text=True, env=_buffered()
    )
    assert (done.stdout, done.returncode) == (expected, 3), done.stderr


@pytest.mark.parametrize("exact", [True, False], ids=["torch stepped", "fast path"])
def test_the_command_ends_with_its_output_files_and_exit_code(tmp_path: Path, exact: bool) -> None:
    out = tmp_path / "steps.png"
    argv = [sys.executable, "-m", "lrviz", "plot", "StepLR(step_size=3)", "-n", "10", "-o", str(out)]
    done = subprocess.run(argv + ["--exact"] * exact, capture_output=True, text=True, env=_buffered())
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [str(out)]
    assert done.stderr.startswith("lrviz: StepLR")  # the summary line
    assert out.read_bytes().startswith(b"\x89PNG")
    assert [p.name for p in tmp_path.iterdir()] == ["steps.png"]  # no temporary file left


def test_an_error_after_torch_is_loaded_still_exits_2_with_one_line(tmp_path: Path) -> None:
    argv = [sys.executable, "-m", "lrviz", "plot", "LambdaLR(lr_lambda=lambda s: 1 / (s - 5))", "-n", "10"]
    done = subprocess.run(argv + ["-o", str(tmp_path / "f.png")], capture_output=True, text=True, env=_buffered())
    assert done.returncode == 2
    assert done.stdout == ""
    assert len(done.stderr.splitlines()) == 1 and done.stderr.startswith("lrviz: error:"), done.stderr
    assert not list(tmp_path.iterdir())


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (a device that is always full)")
@pytest.mark.parametrize("exact", [True, False], ids=["torch stepped", "fast path"])
def test_a_full_disk_is_one_line_and_exit_2_not_a_traceback(exact: bool) -> None:
    argv = [sys.executable, "-m", "lrviz", "table", "StepLR(step_size=3)", "-n", "2000", "--format", "csv"]
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            argv + ["--exact"] * exact, stdout=full, stderr=subprocess.PIPE, text=True, env=_buffered()
        )
    errors = [line for line in done.stderr.splitlines() if not line.startswith("lrviz: warning:")]
    assert (done.returncode, errors) == (2, [f"lrviz: error: {os.strerror(errno.ENOSPC)} (writing the output)"])


DRAW = (
    "import sys\n"
    "from lrviz.cli import process\n"
    "if sys.argv[1] == 'skip':\n"
    "    process._skip_property_docs()\n"
    "code = process.main(['plot', 'OneCycleLR(max_lr=0.1, total_steps=300)', '-n', '300', '-o', sys.argv[2]])\n"
    "import matplotlib.lines\n"
    "print(code, 'Properties:' in (matplotlib.lines.Line2D.set.__doc__ or ''))\n"
)


def test_the_command_skips_matplotlibs_property_docs_and_draws_the_same_bytes(tmp_path: Path) -> None:
    """The `lrviz` command does not write matplotlib's property lists into docstrings (about
    60 ms a figure); what it draws does not change by a byte."""
    said = {}
    for how in ("skip", "keep"):
        out = tmp_path / f"{how}.png"
        proc = subprocess.run(
            [sys.executable, "-c", DRAW, how, str(out)], capture_output=True, text=True, cwd=tmp_path, timeout=120
        )
        said[how] = proc.stdout.split()[-2:]
    assert said == {"skip": ["0", "False"], "keep": ["0", "True"]}
    assert (tmp_path / "skip.png").read_bytes() == (tmp_path / "keep.png").read_bytes()


def test_a_fast_path_figure_imports_none_of_what_it_does_not_use(tmp_path: Path) -> None:
    """No torch (the fast path), no pydantic (lrviz converts option values), no metric or
    log readers (no metric-driven schedule), no package metadata reader, no TOML reader."""
    code = (
        "import sys\nfrom lrviz.cli import main\n"
        "code = main(['plot', 'OneCycleLR(max_lr=0.1, total_steps=200)', '-n', '200', '-o', 'x.png'])\n"
        "unused = ('torch', 'pydantic', 'lrviz.metrics', 'importlib.metadata', 'tomllib', 'plotext')\n"
        "print(code, *sorted(m for m in unused if m in sys.modules))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert proc.stdout.splitlines()[-1] == "0", proc.stdout + proc.stderr
