"""Option values converted by lrviz itself (lrviz.cli.coercion), not through pydantic:
the same values accepted as typer accepted them, clearer messages, and no pydantic import."""

from __future__ import annotations

import subprocess
import sys
from enum import Enum
from pathlib import Path

import pytest
import typer
from clirun import run, run_ok

from lrviz.cli import app
from lrviz.cli.coercion import plain_kind

STEP = ("steplr", "--step-size", "3", "-n", "12")


def csv(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    out, _ = run_ok(capsys, "table", *STEP, "-f", "csv", *args)
    return out


def test_every_option_of_every_command_is_converted_by_lrviz():
    """An option of another kind would bring pydantic (about 75 ms) back into every command."""
    command = typer.main.get_command(app)
    others = []
    for name, sub in command.commands.items():  # type: ignore[attr-defined]
        for param in sub.params:
            descriptor = param.type_descriptor
            if (
                descriptor.file_annotation is not None
                or plain_kind(descriptor.annotation, descriptor.parameter_info) is None
            ):
                others.append(f"lrviz {name} {param.opts}: {descriptor.annotation}")
    assert not others, others


def test_no_pydantic_import_when_a_command_runs(tmp_path: Path):
    code = (
        "import sys\nfrom lrviz.cli import main\n"
        f"code = main(['table', *{STEP!r}, '--steps-per-epoch', '4', '-f', 'csv', '--every', '2'])\n"
        "print(code, 'pydantic' in sys.modules)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert proc.stdout.splitlines()[-1] == "0 False", proc.stdout + proc.stderr


@pytest.mark.parametrize("text", ["4", " 4 ", "4.0", "+4", "4e0"])
def test_whole_numbers_read_as_typer_read_them(capsys, text):
    assert csv(capsys, "--steps-per-epoch", text) == csv(capsys, "--steps-per-epoch", "4")


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--steps-per-epoch", "abc"), "'abc' is not a whole number"),
        (("--steps-per-epoch", "2.5"), "'2.5' is not a whole number"),
        (("--steps-per-epoch", "inf"), "'inf' is not a whole number"),
        (("--steps-per-epoch", "0"), "'0' is less than 1, the least it can be"),
        (("--steps-per-epoch", "9" * 5000), "is too large a number"),
        (("--lr", "fast"), "'fast' is not a number"),
        (("-f", "jsn"), "'jsn' is not one of 'rich', 'csv', 'json', 'markdown'; did you mean 'json'?"),
    ],
)
def test_a_wrong_value_is_one_line_naming_it(capsys, args, says):
    code, out, err = run(capsys, "table", *STEP, *args)
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and says in err, err
    assert len(err) < 300, err  # a long value is quoted in part


def test_bounds_and_choices_and_floats(capsys, tmp_path: Path):
    code, _, err = run(capsys, "plot", *STEP, "--dpi", "5000", "-o", str(tmp_path / "a.png"))
    assert code == 2 and "'5000' is more than 1200, the most it can be" in err
    code, _, err = run(capsys, "plot", *STEP, "--dpi", "nan", "-o", str(tmp_path / "a.png"))
    assert code == 2 and "'nan' is not a whole number" in err
    # a float option takes what Python's float() takes, as before
    assert csv(capsys, "--lr", " 0.5 ") == csv(capsys, "--lr", "5e-1")
    assert csv(capsys, "-f", "csv") == csv(capsys)


def test_plain_kind_leaves_the_rest_to_typer():
    class Color(str, Enum):
        red = "red"

    def info(**kwargs: object) -> object:
        return typer.models.OptionInfo(**kwargs)  # type: ignore[arg-type]

    assert plain_kind(int, info()) is int
    assert plain_kind(list[float], info()) is float
    assert plain_kind(Color, info()) is Color
    assert plain_kind(Path, info()) is Path
    assert plain_kind(Path, info(exists=True)) is None
    assert plain_kind(Path, info(dir_okay=False)) is None
    assert plain_kind(int, info(clamp=True)) is None
    assert plain_kind(int, info(parser=int)) is None
    assert plain_kind(complex, info()) is None
