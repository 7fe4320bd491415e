"""Shell completion: `lrviz --install-completion`, schedule names and each schedule's options.

Through the protocol the installed shell script uses (typer's: ``_LRVIZ_COMPLETE=complete_bash``
with ``COMP_WORDS`` and ``COMP_CWORD``), in a subprocess as the shell runs it; and once
through bash itself with the script `lrviz --show-completion` prints. Expected names and
options are read from the registry (``Entry.cli_name``, ``Entry.aliases``, ``Param.option``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lrviz import registry
from lrviz.schedule import Kind


def complete(*words: str) -> list[str]:
    """What lrviz offers for the last of ``words`` (after ``lrviz``); "" is an empty word,
    as after a space."""
    env = {
        **os.environ,
        "_LRVIZ_COMPLETE": "complete_bash",
        "COMP_WORDS": " ".join(["lrviz", *words]),  # as the bash script passes them
        "COMP_CWORD": str(len(words)),
    }
    done = subprocess.run(
        [sys.executable, "-m", "lrviz"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0 and done.stderr == "", done.stderr
    return done.stdout.split()


def names() -> list[str]:
    return [name for e in registry.entries() for name in (e.cli_name, *e.aliases)]


def options(name: str) -> list[str]:
    out = []
    for param in registry.get(name).user_params:
        out.append(param.option)
        if param.kind == Kind.BOOL:
            out.append("--no-" + param.option[2:])
    return out


def test_schedule_names():
    assert "cycliclr" in complete("plot", "cyc")
    assert complete("plot", "cyc") == [n for n in names() if n.startswith("cyc")]
    assert complete("describe", "one") == [n for n in names() if n.startswith("one")]


def test_aliases_are_offered_too():
    aliased = next(e for e in registry.entries() if e.aliases)
    alias = aliased.aliases[0]
    assert alias in complete("compare", alias[: len(alias) // 2 + 1])


def test_a_schedules_own_options_once_it_is_named():
    assert "--base-lr" in complete("plot", "cycliclr", "--ba")
    assert complete("plot", "cycliclr", "--ba") == [o for o in options("cycliclr") if o.startswith("--ba")]
    assert complete("plot", "steplr", "--gam") == ["--gamma"]
    assert complete("plot", "cycliclr", "--no-") == [o for o in options("cycliclr") if o.startswith("--no-")]
    assert complete("plot", "cycliclr", "--no-") == ["--no-cycle-momentum"]


def test_the_last_schedules_options_after_several_and_a_call():
    words = ["compare", "steplr", "--step-size", "3", "CyclicLR(base_lr=0.1)", "--max"]
    assert complete(*words) == [o for o in options("cycliclr") if o.startswith("--max")]


def test_options_already_given_are_not_offered_again():
    assert complete("plot", "cycliclr", "--base-lr", "0.1", "--ba") == ["--base-momentum"]


def test_the_common_options_still_complete():
    assert complete("plot", "steplr", "--exa") == ["--exact"]
    offered = complete("plot", "cycliclr", "--")
    assert set(options("cycliclr")) < set(offered)
    assert {"--steps", "--optimizer", "--lr", "--out", "--help"} < set(offered)
    assert complete("plot", "--be") == ["--betas"]
    assert complete("plot", "--ba") == []  # no schedule yet: only the command's own options


def test_the_choices_of_the_option_before():
    mode = registry.get("CyclicLR").param("mode")
    assert mode is not None and mode.choices
    assert complete("plot", "cycliclr", "--mode", "") == list(mode.choices)
    assert complete("compare", "--layout", "") == ["overlay", "grid"]
    assert complete("table", "steplr", "--format", "") == ["rich", "csv", "json", "markdown"]


def test_a_value_is_not_completed_as_a_schedule_name():
    assert complete("plot", "cycliclr", "--base-lr", "") == []


def test_plot_takes_one_schedule_compare_several():
    assert complete("plot", "steplr", "--step-size", "3", "exp") == []
    assert complete("compare", "steplr", "--step-size", "3", "exp") == [n for n in names() if n.startswith("exp")]


def test_commands():
    assert complete("pl") == ["plot"]


def test_help_lists_install_completion():
    done = subprocess.run([sys.executable, "-m", "lrviz", "--help"], capture_output=True, text=True, check=True)
    assert "--install-completion" in done.stdout and "--show-completion" in done.stdout


def test_completing_imports_nothing_heavy():
    code = (
        "import sys\n"
        "from lrviz.cli import main\n"
        "assert main(None) == 0\n"
        "print(' '.join(m for m in ('torch', 'matplotlib', 'numpy', 'transformers') if m in sys.modules))\n"
    )
    env = {
        **os.environ,
        "_LRVIZ_COMPLETE": "complete_bash",
        "COMP_WORDS": "lrviz plot cycliclr --ba",
        "COMP_CWORD": "3",
    }
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert done.stdout.splitlines() == ["--base-lr", "--base-momentum", ""]


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_the_bash_script_completes_through_bash(tmp_path: Path):
    """`lrviz --show-completion` in bash prints the script; sourced, its function fills
    COMPREPLY by running lrviz (the console script, found on PATH)."""
    exe = Path(sys.executable).with_name("lrviz")
    if not exe.exists():
        pytest.skip(f"the lrviz console script is not installed beside {sys.executable}")
    script = (
        "source <(lrviz --show-completion)\n"
        "COMP_WORDS=(lrviz plot cycliclr --ba); COMP_CWORD=3\n"
        "_lrviz_completion lrviz\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    env = {**os.environ, "PATH": f"{exe.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [o for o in options("cycliclr") if o.startswith("--ba")]
