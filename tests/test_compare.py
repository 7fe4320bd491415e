"""Several schedules at once: `lrviz compare`, `lrviz table A B`, config files, --print-code
and ReduceLROnPlateau driven by a metric.

Most tests call :func:`lrviz.cli.main` in-process; a few run ``python -m lrviz``. Expected
values come from torch (a plain training loop, tests/oracles.py) or from :func:`lrviz.trace`,
never from pasted numbers.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shlex
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
import torch
from clirun import run, run_ok
from extras import skip_if_an_extra_was_missing
from layout import legend_of
from oracles import training_loop
from torch.optim import lr_scheduler

import lrviz
import lrviz.config
import lrviz.metrics
import lrviz.render.figure
from lrviz import analysis
from lrviz.cli import main

ROOT = Path(__file__).resolve().parent.parent
# README.md and docs/*.md: every file whose commands and examples the tests run
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
WARMUPS = ROOT / "docs" / "examples" / "warmups.toml"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

ONE_CYCLE = "OneCycleLR(max_lr=0.1, total_steps=100)"
CYCLIC = "CyclicLR(base_lr=0.01, max_lr=0.1, step_size_up=25)"
WARMUP_COSINE = (
    "SequentialLR(schedulers=[LinearLR(start_factor=0.01, total_iters=10), CosineAnnealingLR(T_max=90)], "
    "milestones=[10])"
)
THREE = (ONE_CYCLE, CYCLIC, WARMUP_COSINE)
THREE_LABELS = ["OneCycleLR", "CyclicLR", "SequentialLR(LinearLR, CosineAnnealingLR)"]
THREE_TORCH: dict[str, Callable[[torch.optim.Optimizer], object]] = {
    ONE_CYCLE: lambda o: lr_scheduler.OneCycleLR(o, max_lr=0.1, total_steps=100),
    CYCLIC: lambda o: lr_scheduler.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=25),
    WARMUP_COSINE: lambda o: lr_scheduler.SequentialLR(
        o,
        [lr_scheduler.LinearLR(o, start_factor=0.01, total_iters=10), lr_scheduler.CosineAnnealingLR(o, T_max=90)],
        milestones=[10],
    ),
}


# --------------------------------------------------------------------------------------
# Helpers


def run_error(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """Run a command that must fail: exit 2, nothing on stdout, one error line; returns it."""
    code, out, err = run(capsys, *args)
    assert code == 2, f"lrviz {shlex.join(args)} exited {code}: {err}"
    assert out == ""
    assert_one_error_line(err)
    return err.strip()


def assert_one_error_line(err: str) -> None:
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}:\n{err}"
    assert lines[0].startswith("lrviz: error: "), err


def subprocess_lrviz(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lrviz", *args], capture_output=True, text=True, cwd=cwd, timeout=120, check=False
    )


def parse_many_csv(text: str) -> tuple[list[str], list[list[float | None]]]:
    """Header and rows of a side-by-side CSV; an empty cell is None, any other is a number."""
    lines = list(csv.reader(io.StringIO(text)))
    assert lines, "no CSV output"
    header, rows = lines[0], []
    for cells in lines[1:]:
        assert len(cells) == len(header), f"ragged CSV row {cells} for header {header}"
        rows.append([float(c) if c != "" else None for c in cells])
    return header, rows


def col(header: list[str], rows: list[list[float | None]], name: str) -> list[float | None]:
    assert name in header, f"no column {name!r} in {header}"
    index = header.index(name)
    return [row[index] for row in rows]


def filled(values: list[float | None]) -> list[float]:
    """The leading non-empty cells of a column, checking that only trailing cells are empty."""
    n = next((i for i, v in enumerate(values) if v is None), len(values))
    assert all(v is None for v in values[n:]), "an empty cell before the end of a schedule"
    return [v for v in values[:n] if v is not None]


def many_csv(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[list[str], list[list[float | None]]]:
    out, _ = run_ok(capsys, "table", *args, "--format", "csv")
    return parse_many_csv(out)


def many_json(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict]:
    out, _ = run_ok(capsys, "table", *args, "--format", "json")
    data = json.loads(out)
    assert list(data) == ["schedules"]
    return data["schedules"]


def files_in(folder: Path) -> list[str]:
    """Every entry of a folder, hidden ones (temp files) included, recursively."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_MAGIC
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def write_config(folder: Path, text: str, name: str = "cfg.toml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def write_log(path: Path, values: Sequence[float], column: str = "val_loss") -> None:
    """A training log: ``epoch,COLUMN`` with one row per value, written with repr."""
    path.write_text(f"epoch,{column}\n" + "".join(f"{i},{v!r}\n" for i, v in enumerate(values)), encoding="utf-8")


SUMMARY = re.compile(
    r"^lrviz: (?P<label>.+): peak (?P<peak>\S+) at step (?P<peak_step>[\d,]+) · "
    r"min (?P<min>\S+) at step (?P<min_step>[\d,]+) · final (?P<final>\S+) at step (?P<final_step>[\d,]+)$"
)


def summary_lines(err: str) -> list[re.Match[str]]:
    return [m for m in map(SUMMARY.match, err.splitlines()) if m]


@pytest.fixture
def cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def figures(monkeypatch: pytest.MonkeyPatch) -> list:
    """Every matplotlib Figure the CLI draws, kept for inspection."""
    made = []
    real = lrviz.render.figure.plot

    def spy(*args, **kwargs):
        fig = real(*args, **kwargs)
        made.append(fig)
        return fig

    monkeypatch.setattr(lrviz.render.figure, "plot", spy)
    return made


def legend_texts(fig) -> list[str]:
    return [t.get_text() for t in legend_of(fig).get_texts()]


def grid_titles(fig) -> list[str]:
    return [" ".join(t.get_text() for t in sub.texts) for sub in fig.subfigs if sub.get_visible()]


# --------------------------------------------------------------------------------------
# 1. compare: figures, summaries, layouts, labels


def test_compare_three_schedules_writes_png_and_prints_only_its_path(capsys, cwd):
    out, err = run_ok(capsys, "compare", *THREE, "-o", "f.png")
    assert out == "f.png\n"
    assert files_in(cwd) == ["f.png"]
    assert (cwd / "f.png").read_bytes()[:8] == PNG_MAGIC
    assert all(line.startswith("lrviz: ") for line in err.splitlines()), err
    assert "error" not in err


def test_compare_prints_one_summary_line_per_schedule_matching_torch(capsys, cwd):
    _, err = run_ok(capsys, "compare", *THREE, "-o", "f.png")
    found = summary_lines(err)
    assert [m["label"] for m in found] == THREE_LABELS
    for m, spec in zip(found, THREE, strict=True):
        t = lrviz.trace(spec)  # the same horizon as the command's: no -n on either
        s = analysis.summary(t)
        assert float(m["peak"]) == pytest.approx(s.peak, rel=1e-3, abs=1e-12)
        assert float(m["min"]) == pytest.approx(s.minimum, rel=1e-3, abs=1e-12)
        assert float(m["final"]) == pytest.approx(s.final, rel=1e-3, abs=1e-12)
        assert int(m["peak_step"].replace(",", "")) == s.peak_step
        assert int(m["min_step"].replace(",", "")) == s.min_step
        assert int(m["final_step"].replace(",", "")) == s.final_step == t.n_steps - 1
        # and the summary is torch's: first peak, first minimum, last value
        lrs, _ = training_loop(THREE_TORCH[spec], t.n_steps).tolist(0)
        assert (s.peak, s.peak_step) == (max(lrs), lrs.index(max(lrs)))
        assert (s.minimum, s.min_step) == (min(lrs), lrs.index(min(lrs)))
        assert s.final == lrs[-1]
    # each summary line appears once
    assert len([line for line in err.splitlines() if " · final " in line]) == 3


@pytest.mark.parametrize("layout", ["overlay", "grid"])
def test_compare_layouts_write_png_svg_and_pdf(capsys, cwd, layout):
    out, _ = run_ok(
        capsys, "compare", *THREE, "-n", "60", "--layout", layout, "-o", "c.png", "-o", "c.svg", "-o", "c.pdf"
    )
    assert out.splitlines() == ["c.png", "c.svg", "c.pdf"]
    assert files_in(cwd) == ["c.pdf", "c.png", "c.svg"]
    assert (cwd / "c.png").read_bytes()[:8] == PNG_MAGIC
    svg = (cwd / "c.svg").read_text(encoding="utf-8")
    assert "<svg" in svg[:1000] and svg.rstrip().endswith("</svg>")
    pdf = (cwd / "c.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-") and b"%%EOF" in pdf[-64:]


def test_compare_grid_and_overlay_differ_and_draw_every_schedule(capsys, cwd, figures):
    run_ok(capsys, "compare", *THREE, "-n", "60", "--layout", "overlay", "-o", "overlay.svg")
    run_ok(capsys, "compare", *THREE, "-n", "60", "--layout", "grid", "-o", "grid.svg")
    assert (cwd / "overlay.svg").read_bytes() != (cwd / "grid.svg").read_bytes()
    overlay, grid = figures
    assert legend_texts(overlay) == THREE_LABELS
    assert grid_titles(grid) == THREE_LABELS
    # the grid's LR lines are the traces themselves
    for sub, spec in zip([s for s in grid.subfigs if s.get_visible()], THREE, strict=True):
        ydata = sub.axes[0].get_lines()[0].get_ydata()
        assert list(ydata) == lrviz.trace(spec, 60).lr[0].tolist()


def test_compare_annotate_changes_the_figure(capsys, cwd):
    run_ok(capsys, "compare", *THREE, "-n", "60", "-o", "plain.svg")
    run_ok(capsys, "compare", *THREE, "-n", "60", "--annotate", "-o", "marked.svg")
    assert (cwd / "plain.svg").read_bytes() != (cwd / "marked.svg").read_bytes()
    peak = analysis.summary(lrviz.trace(ONE_CYCLE, 60)).peak
    assert f"peak {peak:.4g}" in (cwd / "marked.svg").read_text(encoding="utf-8")


def test_compare_is_deterministic(capsys, cwd):
    run_ok(capsys, "compare", *THREE, "-n", "40", "-o", "a.svg")
    run_ok(capsys, "compare", *THREE, "-n", "40", "-o", "b.svg")
    assert (cwd / "a.svg").read_bytes() == (cwd / "b.svg").read_bytes()


def test_compare_default_output_name(capsys, cwd):
    out, _ = run_ok(capsys, "compare", ONE_CYCLE, CYCLIC, "-n", "20")
    assert out == "compare.png\n"
    assert files_in(cwd) == ["compare.png"]


def test_labels_once_per_schedule_set_the_legend(capsys, cwd, figures):
    labels = ["one cycle", "cyclic", "warmup + cosine"]
    args = [a for label in labels for a in ("--label", label)]
    out, err = run_ok(capsys, "compare", *THREE, "-n", "60", *args, "-o", "l.png")
    assert out == "l.png\n"
    assert legend_texts(figures[-1]) == labels
    assert [m["label"] for m in summary_lines(err)] == labels
    run_ok(capsys, "compare", *THREE, "-n", "60", *args, "--layout", "grid", "-o", "g.png")
    assert grid_titles(figures[-1]) == labels
    # the same labels name the table's columns and JSON schedules
    schedules = many_json(capsys, *THREE, "-n", "60", *args)
    assert [s["label"] for s in schedules] == labels
    header, _ = many_csv(capsys, *THREE, "-n", "60", *args)
    assert [h for h in header if ":" not in h] == ["step", *labels]


def test_fewer_labels_than_schedules_is_a_one_line_error(capsys, cwd):
    # a --label count that does not match the schedules would label the wrong curves
    err = run_error(capsys, "compare", *THREE, "-n", "30", "--label", "mine", "-o", "l.png")
    assert "1 --label value for 3 schedules" in err and "one --label per schedule" in err
    assert files_in(cwd) == []


def test_too_many_labels_is_a_one_line_error(capsys, cwd):
    err = run_error(capsys, "compare", ONE_CYCLE, CYCLIC, "--label", "a", "--label", "b", "--label", "c", "-o", "x.png")
    assert "--label" in err and "3" in err and "2" in err
    assert files_in(cwd) == []
    err = run_error(capsys, "table", ONE_CYCLE, CYCLIC, "--label", "a", "--label", "b", "--label", "c")
    assert "--label" in err


def test_default_labels_of_same_named_schedules_name_what_differs(capsys, cwd, figures):
    base = ("cycliclr", "--base-lr", "0.1", "--max-lr", "0.2", "--step-size-up", "5")
    run_ok(capsys, "compare", *base, *base, "--mode", "triangular2", "onecyclelr", "--max-lr", "0.1",
           "--total-steps", "30", "-n", "30", "-o", "m.png")  # fmt: skip
    labels = legend_texts(figures[-1])
    assert len(set(labels)) == 3
    assert labels[2] == "OneCycleLR"
    assert labels[0].startswith("CyclicLR") and labels[1].startswith("CyclicLR")
    assert "mode=" in labels[0] and "'triangular'" in labels[0]
    assert "mode=" in labels[1] and "'triangular2'" in labels[1]
    assert all(len(label) <= 40 for label in labels), labels  # short: not the whole spec
    schedules = many_json(capsys, *base, *base, "--mode", "triangular2", "-n", "30")
    assert [s["label"] for s in schedules] == labels[:2]


def test_default_labels_of_identical_schedules_are_distinct(capsys, cwd):
    schedules = many_json(capsys, "StepLR(step_size=3)", "StepLR(step_size=3)", "-n", "6")
    labels = [s["label"] for s in schedules]
    assert len(set(labels)) == 2 and all(label.startswith("StepLR") for label in labels)


def test_compare_one_schedule_fails_the_whole_command(capsys, cwd):
    err = run_error(capsys, "compare", ONE_CYCLE, "steplr", "--step-size", "0", "-o", "x.png")
    assert "step_size" in err
    assert files_in(cwd) == []


def test_compare_bad_layout_is_a_one_line_error(capsys, cwd):
    err = run_error(capsys, "compare", ONE_CYCLE, CYCLIC, "--layout", "gird", "-o", "x.png")
    assert "grid" in err
    assert files_in(cwd) == []


def test_the_layout_choices_are_the_figures_layouts():
    """--layout's choices are written out for typer (importing the figure module would import
    matplotlib at start-up); they must be the layouts the figure draws."""
    from lrviz.cli.options import Layout

    assert [layout.value for layout in Layout] == list(lrviz.render.figure.LAYOUTS)


@pytest.mark.parametrize("layout", ["overlay", "grid"])
def test_compare_draws_every_schedule_on_the_same_x_scale(capsys, cwd, figures, layout):
    """OneCycleLR's own steps_per_epoch puts its trace in epochs; StepLR next to it must not
    be drawn in steps on the same axis (step 29 of one at x=2.9, of the other at x=29)."""
    run_ok(capsys, "compare", "OneCycleLR(max_lr=0.1, epochs=3, steps_per_epoch=10)", "StepLR(step_size=10)",
           "-n", "30", "--layout", layout, "-o", "x.png")  # fmt: skip
    fig = figures[-1]
    axes = [fig.axes[0]] if layout == "overlay" else [sub.axes[0] for sub in fig.subfigs if sub.get_visible()]
    xs = [list(line.get_xdata()) for ax in axes for line in ax.get_lines()[: 1 if layout == "grid" else None]]
    assert len(xs) == 2 and len(xs[0]) == len(xs[1]) == 30
    assert xs[0] == xs[1]


def test_compare_subprocess_stdout_is_the_path_only(tmp_path):
    proc = subprocess_lrviz("compare", *THREE, "-o", "f.png", "--layout", "grid", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "f.png\n"
    assert [m["label"] for m in summary_lines(proc.stderr)] == THREE_LABELS
    assert (tmp_path / "f.png").read_bytes()[:8] == PNG_MAGIC
    assert files_in(tmp_path) == ["f.png"]


# --------------------------------------------------------------------------------------
# 2. Per-schedule options and common options on one command line


def test_each_schedule_gets_its_own_options(capsys, cwd):
    argv = ("cycliclr --base-lr 0.1 --max-lr 0.2 cycliclr --base-lr 0.1 --max-lr 0.2 --mode triangular2 -n 50").split()
    out, _ = run_ok(capsys, "compare", *argv, "-o", "c.png")
    assert out == "c.png\n"
    header, rows = many_csv(capsys, *argv)
    assert len(rows) == 50
    tri, tri2 = [h for h in header[1:] if ":" not in h]
    assert "'triangular'" in tri and "'triangular2'" in tri2
    first, _ = training_loop(lambda o: lr_scheduler.CyclicLR(o, 0.1, 0.2), 50).tolist(0)
    second, _ = training_loop(lambda o: lr_scheduler.CyclicLR(o, 0.1, 0.2, mode="triangular2"), 50).tolist(0)
    assert col(header, rows, tri) == first
    assert col(header, rows, tri2) == second


def test_per_schedule_options_really_differ(capsys, cwd):
    """The same two schedules with short cycles, where triangular2 halves the second one."""
    header, rows = many_csv(
        capsys, "cycliclr", "--base-lr", "0.1", "--max-lr", "0.2", "--step-size-up", "5",
        "cycliclr", "--base-lr", "0.1", "--max-lr", "0.3", "--step-size-up", "4", "--mode", "triangular2",
        "-n", "40",
    )  # fmt: skip
    a, b = [h for h in header[1:] if ":" not in h]
    lrs_a, mom_a = training_loop(lambda o: lr_scheduler.CyclicLR(o, 0.1, 0.2, step_size_up=5), 40).tolist(0)
    lrs_b, mom_b = training_loop(
        lambda o: lr_scheduler.CyclicLR(o, 0.1, 0.3, step_size_up=4, mode="triangular2"), 40
    ).tolist(0)
    assert lrs_a != lrs_b
    assert col(header, rows, a) == lrs_a and col(header, rows, f"{a}:momentum") == mom_a
    assert col(header, rows, b) == lrs_b and col(header, rows, f"{b}:momentum") == mom_b


@pytest.mark.parametrize("onecycle_first", [True, False], ids=["onecycle-first", "onecycle-last"])
def test_option_value_that_is_a_schedule_name_stays_a_value(capsys, cwd, onecycle_first):
    onecycle = ["onecyclelr", "--max-lr", "0.1", "--total-steps", "100", "--anneal-strategy", "linear"]
    step = ["steplr", "--step-size", "30"]
    argv = [*onecycle, *step] if onecycle_first else [*step, *onecycle]
    header, rows = many_csv(capsys, *argv, "-n", "100")
    order = ["OneCycleLR", "StepLR"] if onecycle_first else ["StepLR", "OneCycleLR"]
    assert [h for h in header if ":" not in h] == ["step", *order]  # no schedule called "linear"
    linear, _ = training_loop(
        lambda o: lr_scheduler.OneCycleLR(o, 0.1, total_steps=100, anneal_strategy="linear"), 100
    ).tolist(0)
    cos, _ = training_loop(lambda o: lr_scheduler.OneCycleLR(o, 0.1, total_steps=100), 100).tolist(0)
    assert linear != cos
    assert col(header, rows, "OneCycleLR") == linear
    assert col(header, rows, "StepLR") == training_loop(lambda o: lr_scheduler.StepLR(o, 30), 100).lr[0].tolist()


@pytest.mark.parametrize(
    ("flag", "cycle_momentum"),
    [(["--no-cycle-momentum"], False), (["--cycle-momentum"], True), (["--cycle-momentum", "false"], False)],
    ids=["no-cycle-momentum", "cycle-momentum", "cycle-momentum-false"],
)
def test_bool_flag_followed_by_another_schedule(capsys, cwd, flag, cycle_momentum):
    header, rows = many_csv(
        capsys, "cycliclr", "--base-lr", "0.1", "--max-lr", "0.2", "--step-size-up", "5", *flag,
        "steplr", "--step-size", "3", "-n", "20",
    )  # fmt: skip
    cyc = lambda o: lr_scheduler.CyclicLR(o, 0.1, 0.2, step_size_up=5, cycle_momentum=cycle_momentum)  # noqa: E731
    lrs, moms = training_loop(cyc, 20).tolist(0)
    assert col(header, rows, "CyclicLR") == lrs
    assert ("CyclicLR:momentum" in header) is cycle_momentum
    if cycle_momentum:
        assert col(header, rows, "CyclicLR:momentum") == moms
    assert col(header, rows, "StepLR") == training_loop(lambda o: lr_scheduler.StepLR(o, 3), 20).lr[0].tolist()


def test_three_phase_flag_followed_by_another_schedule(capsys, cwd):
    header, rows = many_csv(
        capsys, "onecyclelr", "--max-lr", "0.1", "--total-steps", "30", "--three-phase",
        "exponentiallr", "--gamma", "0.9", "-n", "30",
    )  # fmt: skip
    assert [h for h in header if ":" not in h] == ["step", "OneCycleLR", "ExponentialLR"]
    lrs, _ = training_loop(lambda o: lr_scheduler.OneCycleLR(o, 0.1, total_steps=30, three_phase=True), 30).tolist(0)
    assert col(header, rows, "OneCycleLR") == lrs
    assert (
        col(header, rows, "ExponentialLR")
        == training_loop(lambda o: lr_scheduler.ExponentialLR(o, 0.9), 30).lr[0].tolist()
    )


def test_common_options_apply_to_every_schedule(capsys, cwd):
    """--steps, --optimizer, --lr and --steps-per-epoch, written before, between and after
    the schedules; --steps-per-epoch also completes OneCycleLR's epochs."""
    header, rows = many_csv(
        capsys, "--optimizer", "adam", "cycliclr", "--base-lr", "0.01", "--max-lr", "0.05", "--step-size-up", "4",
        "--lr", "0.05", "steplr", "--step-size", "7", "onecyclelr", "--max-lr", "0.1", "--epochs", "3",
        "--steps-per-epoch", "10", "--steps", "30",
    )  # fmt: skip
    assert header == [
        "step", "epoch", "CyclicLR", "CyclicLR:beta1", "StepLR", "OneCycleLR", "OneCycleLR:beta1",
    ]  # fmt: skip
    assert len(rows) == 30
    assert col(header, rows, "epoch") == [i / 10 for i in range(30)]
    cyc, cyc_b1 = training_loop(
        lambda o: lr_scheduler.CyclicLR(o, 0.01, 0.05, 4), 30, optimizer="adam", lr=0.05
    ).tolist(0)
    step, _ = training_loop(lambda o: lr_scheduler.StepLR(o, 7), 30, optimizer="adam", lr=0.05).tolist(0)
    one, one_b1 = training_loop(
        lambda o: lr_scheduler.OneCycleLR(o, 0.1, epochs=3, steps_per_epoch=10), 30, optimizer="adam", lr=0.05
    ).tolist(0)
    assert col(header, rows, "CyclicLR") == cyc and col(header, rows, "CyclicLR:beta1") == cyc_b1
    assert col(header, rows, "StepLR") == step
    assert col(header, rows, "OneCycleLR") == one and col(header, rows, "OneCycleLR:beta1") == one_b1
    schedules = many_json(capsys, "steplr", "--step-size", "7", "exponentiallr", "--gamma", "0.9", "-n", "5",
                          "--optimizer", "adam", "--lr", "0.05")  # fmt: skip
    adam = lrviz.trace("StepLR(step_size=7)", 5, optimizer="adam", lr=0.05).optimizer
    assert [s["optimizer"] for s in schedules] == [adam, adam]
    assert [s["steps"] for s in schedules] == [5, 5]


def test_without_steps_each_schedule_runs_its_own_length(capsys, cwd):
    header, rows = many_csv(capsys, ONE_CYCLE, "StepLR(step_size=10)")
    one, step = lrviz.trace(ONE_CYCLE), lrviz.trace("StepLR(step_size=10)")
    assert len(rows) == max(one.n_steps, step.n_steps)
    assert len(filled(col(header, rows, "OneCycleLR"))) == one.n_steps
    assert len(filled(col(header, rows, "StepLR"))) == step.n_steps


def test_unknown_option_of_a_later_schedule_names_that_schedule(capsys, cwd):
    err = run_error(capsys, "compare", "steplr", "--step-size", "3", "cycliclr", "--base-lr", "0.1", "--max-lr",
                    "0.2", "--step-size", "4", "-o", "x.png")  # fmt: skip
    assert "CyclicLR" in err and "--step-size" in err
    assert files_in(cwd) == []


# --------------------------------------------------------------------------------------
# 3. table with several schedules: CSV, JSON, Markdown, rich


def test_table_csv_columns_named_by_label_with_exact_values(capsys, cwd):
    one_cycle, step = "OneCycleLR(max_lr=0.1, total_steps=20)", "StepLR(step_size=10)"
    out, err = run_ok(capsys, "table", one_cycle, step, "--format", "csv")
    assert all(line.startswith("lrviz: ") and "warning" not in line for line in err.splitlines())
    header, rows = parse_many_csv(out)
    assert header == ["step", "OneCycleLR", "OneCycleLR:momentum", "StepLR"]  # StepLR's momentum never moves
    t1, t2 = lrviz.trace(one_cycle), lrviz.trace(step)
    assert len(rows) == max(t1.n_steps, t2.n_steps) > t1.n_steps
    assert col(header, rows, "step") == list(range(len(rows)))
    assert filled(col(header, rows, "OneCycleLR")) == t1.lr[0].tolist()
    assert filled(col(header, rows, "OneCycleLR:momentum")) == t1.momentum[0].tolist()
    assert col(header, rows, "StepLR") == t2.lr[0].tolist()
    # the shorter schedule leaves empty cells, not zeros or repeats
    for line in out.splitlines()[1 + t1.n_steps :]:
        assert line.split(",")[1:3] == ["", ""]
    # every cell is the shortest text that reads back to the same double
    for line, i in zip(out.splitlines()[1:], range(t1.n_steps), strict=False):
        assert line.split(",")[1] == repr(float(t1.lr[0][i]))
    lrs, moms = training_loop(lambda o: lr_scheduler.OneCycleLR(o, max_lr=0.1, total_steps=20), t1.n_steps).tolist(0)
    assert filled(col(header, rows, "OneCycleLR")) == lrs
    assert filled(col(header, rows, "OneCycleLR:momentum")) == moms


def test_table_csv_labels_with_commas_quotes_and_line_breaks_read_back(capsys, cwd):
    labels = ["a,b", 'say "hi"', "two\nlines", "cr\rhere", "crlf\r\nx"]
    specs = [f"ExponentialLR(gamma=0.{9 - k})" for k in range(len(labels))]
    given = [a for label in labels for a in ("--label", label)]
    out, _ = run_ok(capsys, "table", *specs, *given, "-n", "30", "--format", "csv")
    header, rows = parse_many_csv(out)  # csv.reader: every row as long as the header
    # a header cell is one line: line breaks become spaces
    assert header == ["step", "a,b", 'say "hi"', "two lines", "cr here", "crlf x"]
    assert len(rows) == len(out.splitlines()) - 1 == 30
    for k, spec in enumerate(specs):
        assert col(header, rows, header[k + 1]) == lrviz.trace(spec, 30).lr[0].tolist()


def test_table_csv_adam_names_the_beta1_column(capsys, cwd):
    header, rows = many_csv(capsys, "OneCycleLR(max_lr=0.1, total_steps=20)", "ExponentialLR(gamma=0.9)",
                            "--optimizer", "adam", "-n", "20")  # fmt: skip
    assert header == ["step", "OneCycleLR", "OneCycleLR:beta1", "ExponentialLR"]
    lrs, b1 = training_loop(
        lambda o: lr_scheduler.OneCycleLR(o, max_lr=0.1, total_steps=20), 20, optimizer="adam"
    ).tolist(0)
    assert col(header, rows, "OneCycleLR") == lrs
    assert col(header, rows, "OneCycleLR:beta1") == b1
    assert (
        col(header, rows, "ExponentialLR")
        == training_loop(lambda o: lr_scheduler.ExponentialLR(o, 0.9), 20, optimizer="adam").lr[0].tolist()
    )


def test_table_csv_with_steps_per_epoch_has_an_epoch_column(capsys, cwd):
    header, rows = many_csv(capsys, "StepLR(step_size=4)", "ExponentialLR(gamma=0.9)", "-n", "12",
                            "--steps-per-epoch", "4")  # fmt: skip
    assert header == ["step", "epoch", "StepLR", "ExponentialLR"]
    assert col(header, rows, "epoch") == [i / 4 for i in range(12)]


def test_table_json_has_every_schedule(capsys, cwd):
    one_cycle, step = "OneCycleLR(max_lr=0.1, total_steps=20)", "StepLR(step_size=10)"
    schedules = many_json(capsys, one_cycle, step)
    assert [s["label"] for s in schedules] == ["OneCycleLR", "StepLR"]
    for s, spec in zip(schedules, (one_cycle, step), strict=True):
        t = lrviz.trace(spec)
        assert s["schedule"] == t.spec.format()
        assert s["steps"] == t.n_steps
        assert s["step"] == list(range(t.n_steps))
        assert s["optimizer"] == t.optimizer
        assert s["groups"][0]["lr"] == t.lr[0].tolist()
        assert s["groups"][0]["momentum"] == t.momentum[0].tolist()


@pytest.mark.parametrize("every", [1, 3, 7])
def test_table_every_selects_the_same_steps_in_csv_and_json(capsys, cwd, every):
    one_cycle, step = "OneCycleLR(max_lr=0.1, total_steps=20)", "StepLR(step_size=10)"
    t1, t2 = lrviz.trace(one_cycle), lrviz.trace(step)
    n = max(t1.n_steps, t2.n_steps)
    # every K-th step, plus each schedule's last step (as a single schedule's table keeps its last)
    expected = sorted(set(range(0, n, every)) | {t1.n_steps - 1, t2.n_steps - 1})
    header, rows = many_csv(capsys, one_cycle, step, "--every", str(every))
    assert col(header, rows, "step") == expected
    assert col(header, rows, "StepLR") == [t2.lr[0][i] for i in expected]
    assert col(header, rows, "OneCycleLR") == [t1.lr[0][i] if i < t1.n_steps else None for i in expected]
    schedules = many_json(capsys, one_cycle, step, "--every", str(every))
    for s, t in zip(schedules, (t1, t2), strict=True):
        assert s["step"] == [i for i in expected if i < t.n_steps]
        assert s["groups"][0]["lr"] == [t.lr[0][i] for i in s["step"]]


def test_table_markdown_several_schedules(capsys, cwd):
    one_cycle, step = "OneCycleLR(max_lr=0.1, total_steps=20)", "StepLR(step_size=10)"
    out, _ = run_ok(capsys, "table", one_cycle, step, "--format", "markdown", "--every", "5")
    lines = out.splitlines()
    assert [c.strip() for c in lines[0].strip("|").split("|")] == ["step", "OneCycleLR", "OneCycleLR momentum",
                                                                   "StepLR"]  # fmt: skip
    t1, t2 = lrviz.trace(one_cycle), lrviz.trace(step)
    n = max(t1.n_steps, t2.n_steps)
    expected = sorted(set(range(0, n, 5)) | {t1.n_steps - 1, t2.n_steps - 1})
    body = [[c.strip() for c in line.strip("|").split("|")] for line in lines[2:]]
    assert [int(r[0]) for r in body] == expected
    for r, i in zip(body, expected, strict=True):
        assert r[1] == (f"{t1.lr[0][i]:.6g}" if i < t1.n_steps else "")
        assert r[3] == f"{t2.lr[0][i]:.6g}"


def test_table_rich_several_schedules(capsys, cwd):
    out, _ = run_ok(capsys, "table", "StepLR(step_size=3)", "ExponentialLR(gamma=0.5)", "-n", "8")
    for label in ("StepLR", "ExponentialLR"):
        assert label in out
    t = lrviz.trace("ExponentialLR(gamma=0.5)", 8)
    for value in t.lr[0]:
        assert f"{value:.6g}" in out
    assert "8 steps" in out


def test_table_csv_subprocess_stdout_is_only_data(tmp_path):
    proc = subprocess_lrviz("table", "StepLR(step_size=10)", "OneCycleLR(max_lr=0.1, total_steps=20)",
                            "--format", "csv", cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "tracing" in proc.stderr  # the notes go to stderr
    header, rows = parse_many_csv(proc.stdout)
    assert header == ["step", "StepLR", "OneCycleLR", "OneCycleLR:momentum"]
    assert col(header, rows, "StepLR") == lrviz.trace("StepLR(step_size=10)").lr[0].tolist()
    assert files_in(tmp_path) == []


# --------------------------------------------------------------------------------------
# 4. Config files


def test_plot_config_one_schedule(capsys, cwd):
    cfg = write_config(cwd / "sub", """
        title = "One"
        out = ["one.svg", "one.png"]
        steps = 25
        [[schedule]]
        spec = "CyclicLR(base_lr=0.1, max_lr=0.2, step_size_up=5)"
    """)  # fmt: skip
    out, err = run_ok(capsys, "plot", "--config", str(cfg.relative_to(cwd)))
    # out paths are relative to the config file's folder
    assert out.splitlines() == [str(Path("sub/one.svg")), str(Path("sub/one.png"))]
    assert files_in(cwd) == ["sub", str(Path("sub/cfg.toml")), str(Path("sub/one.png")), str(Path("sub/one.svg"))]
    assert "One" in (cwd / "sub" / "one.svg").read_text(encoding="utf-8")
    t = lrviz.trace("CyclicLR(base_lr=0.1, max_lr=0.2, step_size_up=5)", 25)
    assert err.splitlines()[-1] == f"lrviz: {analysis.summary_line(t)}"


def test_config_out_relative_to_the_config_folder_from_anywhere(capsys, cwd, monkeypatch):
    cfg = write_config(cwd / "a" / "b", """
        out = "fig.png"
        [[schedule]]
        spec = "StepLR(step_size=3)"
        steps = 9
    """)  # fmt: skip
    (cwd / "elsewhere").mkdir()
    monkeypatch.chdir(cwd / "elsewhere")
    out, _ = run_ok(capsys, "plot", "--config", str(cfg))
    assert Path(out.strip()).resolve() == (cwd / "a" / "b" / "fig.png").resolve()
    assert (cwd / "a" / "b" / "fig.png").read_bytes()[:8] == PNG_MAGIC
    assert files_in(cwd / "elsewhere") == []
    # -o on the command line wins, relative to the current folder
    out, _ = run_ok(capsys, "plot", "--config", str(cfg), "-o", "here.png")
    assert out == "here.png\n"
    assert files_in(cwd / "elsewhere") == ["here.png"]


def test_compare_config_several_schedules_with_figure_options(capsys, cwd, figures):
    cfg = write_config(cwd, """
        out = "c.png"
        size = [4, 2]
        dpi = 50
        layout = "grid"
        steps = 20
        [[schedule]]
        spec = "StepLR(step_size=5)"
        label = "step"
        [[schedule]]
        name = "exponentiallr"
        label = "exp"
        [schedule.args]
        gamma = 0.8
    """)  # fmt: skip
    out, err = run_ok(capsys, "compare", "--config", str(cfg))
    assert out.splitlines() == [str(cwd / "c.png")]
    assert png_size((cwd / "c.png").read_bytes()) == (200, 100)
    assert grid_titles(figures[-1]) == ["step", "exp"]
    assert [m["label"] for m in summary_lines(err)] == ["step", "exp"]
    # the command line wins over the file: dpi, layout, labels (one per schedule)
    run_ok(capsys, "compare", "--config", str(cfg), "--dpi", "60", "--layout", "overlay", "--label", "s",
           "--label", "e", "-o", "d.png")  # fmt: skip
    assert png_size((cwd / "d.png").read_bytes()) == (240, 120)
    assert legend_texts(figures[-1]) == ["s", "e"]


def test_config_title_log_and_annotate(capsys, cwd, figures):
    cfg = write_config(cwd, """
        title = "From the file"
        log = true
        annotate = true
        steps = 20
        [[schedule]]
        spec = "ExponentialLR(gamma=0.8)"
        [[schedule]]
        spec = "StepLR(step_size=5)"
    """)  # fmt: skip
    run_ok(capsys, "compare", "--config", str(cfg), "-o", "a.svg")
    fig = figures[-1]
    assert fig.axes[0].get_yscale() == "log"
    assert fig.get_suptitle() == "From the file"
    run_ok(capsys, "compare", "--config", str(cfg), "--title", "From the command line", "-o", "b.svg")
    assert figures[-1].get_suptitle() == "From the command line"
    # annotate = true marks the peak, as --annotate does
    run_ok(capsys, "compare", "ExponentialLR(gamma=0.8)", "StepLR(step_size=5)", "-n", "20", "--log",
           "--title", "From the file", "--annotate", "-o", "c.svg")  # fmt: skip
    assert (cwd / "a.svg").read_bytes() == (cwd / "c.svg").read_bytes()


def test_config_trace_options_precedence(capsys, cwd):
    """Top-level options apply to all; a schedule's own override them; the command line
    overrides both."""
    cfg = write_config(cwd, """
        steps = 20
        optimizer = "adam"
        lr = 0.5
        [[schedule]]
        spec = "StepLR(step_size=3)"
        label = "top"
        [[schedule]]
        name = "cycliclr"
        label = "own"
        steps = 12
        optimizer = "sgd"
        lr = 0.2
        momentum = 0.8
        [schedule.args]
        base_lr = 0.1
        max_lr = 0.2
        step_size_up = 3
        cycle_momentum = false
    """)  # fmt: skip
    step = lambda o: lr_scheduler.StepLR(o, 3)  # noqa: E731
    cyc = lambda o: lr_scheduler.CyclicLR(o, 0.1, 0.2, 3, cycle_momentum=False)  # noqa: E731
    schedules = many_json(capsys, "--config", str(cfg))
    assert [(s["label"], s["steps"]) for s in schedules] == [("top", 20), ("own", 12)]
    top, own = schedules
    assert top["groups"][0]["lr"] == training_loop(step, 20, optimizer="adam", lr=0.5).lr[0].tolist()
    assert top["groups"][0]["beta1"] == training_loop(step, 20, optimizer="adam", lr=0.5).momentum[0].tolist()
    assert own["groups"][0]["lr"] == training_loop(cyc, 12, lr=0.2, momentum=0.8).lr[0].tolist()
    assert own["groups"][0]["momentum"] == [0.8] * 12
    # the command line overrides both the top level and the schedule's own options
    schedules = many_json(capsys, "--config", str(cfg), "-n", "6", "--lr", "0.3", "--optimizer", "sgd")
    assert [s["steps"] for s in schedules] == [6, 6]
    assert schedules[0]["groups"][0]["lr"] == training_loop(step, 6, lr=0.3).lr[0].tolist()
    assert schedules[0]["groups"][0]["momentum"] == training_loop(step, 6, lr=0.3).momentum[0].tolist()
    assert schedules[1]["groups"][0]["lr"] == training_loop(cyc, 6, lr=0.3, momentum=0.8).lr[0].tolist()


def test_table_config_plus_schedules_on_the_command_line(capsys, cwd):
    cfg = write_config(cwd, """
        [[schedule]]
        spec = "StepLR(step_size=3)"
        label = "from file"
    """)  # fmt: skip
    header, rows = many_csv(capsys, "--config", str(cfg), "exponentiallr", "--gamma", "0.9", "-n", "10")
    assert header == ["step", "from file", "ExponentialLR"]
    assert col(header, rows, "from file") == training_loop(lambda o: lr_scheduler.StepLR(o, 3), 10).lr[0].tolist()
    assert (
        col(header, rows, "ExponentialLR")
        == training_loop(lambda o: lr_scheduler.ExponentialLR(o, 0.9), 10).lr[0].tolist()
    )


ARGS_KINDS = [
    pytest.param(
        'name = "StepLR"\n[schedule.args]\nstep_size = 3\ngamma = 0.5',
        "StepLR(step_size=3, gamma=0.5)",
        lambda o: lr_scheduler.StepLR(o, 3, gamma=0.5),
        id="int-and-float",
    ),
    pytest.param(
        'name = "multisteplr"\n[schedule.args]\nmilestones = [3, 7]\ngamma = 0.25',
        "MultiStepLR(milestones=[3, 7], gamma=0.25)",
        lambda o: lr_scheduler.MultiStepLR(o, [3, 7], gamma=0.25),
        id="list",
    ),
    pytest.param(
        'name = "onecyclelr"\n[schedule.args]\nmax_lr = 0.1\ntotal_steps = 20\nthree_phase = true',
        "OneCycleLR(max_lr=0.1, total_steps=20, three_phase=True)",
        lambda o: lr_scheduler.OneCycleLR(o, 0.1, total_steps=20, three_phase=True),
        id="bool-true",
    ),
    pytest.param(
        'name = "CyclicLR"\n[schedule.args]\nbase_lr = 0.1\nmax_lr = 0.2\nstep_size_up = 4\n'
        'mode = "triangular2"\ncycle_momentum = false',
        "CyclicLR(base_lr=0.1, max_lr=0.2, step_size_up=4, mode='triangular2', cycle_momentum=False)",
        lambda o: lr_scheduler.CyclicLR(o, 0.1, 0.2, 4, mode="triangular2", cycle_momentum=False),
        id="choice-and-bool-false",
    ),
    pytest.param(
        'name = "OneCycleLR"\n[schedule.args]\nmax_lr = 0.1\ntotal_steps = 20\nanneal_strategy = "linear"',
        "OneCycleLR(max_lr=0.1, total_steps=20, anneal_strategy='linear')",
        lambda o: lr_scheduler.OneCycleLR(o, 0.1, total_steps=20, anneal_strategy="linear"),
        id="choice-that-is-a-schedule-name",
    ),
    pytest.param(
        'name = "lambdalr"\n[schedule.args]\nlr_lambda = "lambda epoch: 0.9 ** epoch"',
        "LambdaLR(lr_lambda=lambda epoch: 0.9 ** epoch)",
        lambda o: lr_scheduler.LambdaLR(o, lambda epoch: 0.9**epoch),
        id="lambda-string",
    ),
    pytest.param(
        'name = "lambdalr"\n[schedule.args]\nlr_lambda = "min(1.0, (epoch + 1) / 5)"',
        "LambdaLR(lr_lambda=lambda epoch: min(1.0, (epoch + 1) / 5))",
        lambda o: lr_scheduler.LambdaLR(o, lambda epoch: min(1.0, (epoch + 1) / 5)),
        id="lambda-body",
    ),
    pytest.param(
        'name = "SequentialLR"\n[schedule.args]\n'
        'schedulers = ["LinearLR(start_factor=0.1, total_iters=5)", "ExponentialLR(gamma=0.9)"]\nmilestones = [5]',
        "SequentialLR(schedulers=[LinearLR(start_factor=0.1, total_iters=5), ExponentialLR(gamma=0.9)], "
        "milestones=[5])",
        lambda o: lr_scheduler.SequentialLR(
            o, [lr_scheduler.LinearLR(o, 0.1, total_iters=5), lr_scheduler.ExponentialLR(o, 0.9)], [5]
        ),
        id="schedulers-as-spec-strings",
    ),
    pytest.param(
        'name = "SequentialLR"\n[schedule.args]\nmilestones = [5]\n'
        '[[schedule.args.schedulers]]\nname = "LinearLR"\nargs = { start_factor = 0.1, total_iters = 5 }\n'
        '[[schedule.args.schedulers]]\nspec = "ExponentialLR(gamma=0.9)"',
        "SequentialLR(schedulers=[LinearLR(start_factor=0.1, total_iters=5), ExponentialLR(gamma=0.9)], "
        "milestones=[5])",
        lambda o: lr_scheduler.SequentialLR(
            o, [lr_scheduler.LinearLR(o, 0.1, total_iters=5), lr_scheduler.ExponentialLR(o, 0.9)], [5]
        ),
        id="schedulers-as-tables",
    ),
    pytest.param(
        'spec = "CyclicLR(base_lr=0.1, max_lr=0.2)"\n[schedule.args]\nstep_size_up = 4\nmax_lr = 0.3',
        "CyclicLR(base_lr=0.1, max_lr=0.3, step_size_up=4)",
        lambda o: lr_scheduler.CyclicLR(o, 0.1, 0.3, 4),
        id="spec-tweaked-by-args",
    ),
]


@pytest.mark.parametrize(("table", "spec", "make"), ARGS_KINDS)
def test_config_name_and_args_equal_the_spec_form_and_torch(capsys, cwd, table, spec, make):
    cfg = write_config(cwd, "steps = 20\n[[schedule]]\n" + table + "\n")
    from_args, _ = run_ok(capsys, "table", "--config", str(cfg), "--format", "csv")
    spec_cfg = write_config(cwd, f"steps = 20\n[[schedule]]\nspec = {json.dumps(spec)}\n", name="spec.toml")
    from_spec, _ = run_ok(capsys, "table", "--config", str(spec_cfg), "--format", "csv")
    from_cli, _ = run_ok(capsys, "table", spec, "-n", "20", "--format", "csv")
    assert from_args == from_spec == from_cli
    header, rows = parse_many_csv(from_args)
    lrs, moms = training_loop(make, 20).tolist(0)
    assert col(header, rows, "lr") == lrs
    if "momentum" in header:
        assert col(header, rows, "momentum") == moms


def test_config_group_lr_and_betas(capsys, cwd):
    cfg = write_config(cwd, """
        steps = 8
        optimizer = "adam"
        betas = [0.8, 0.99]
        group_lr = [0.1, 0.01]
        [[schedule]]
        spec = "StepLR(step_size=3)"
    """)  # fmt: skip
    via_config, _ = run_ok(capsys, "table", "--config", str(cfg), "--format", "csv")
    via_cli, _ = run_ok(capsys, "table", "StepLR(step_size=3)", "-n", "8", "--optimizer", "adam", "--betas",
                        "0.8,0.99", "--group-lr", "0.1", "--group-lr", "0.01", "--format", "csv")  # fmt: skip
    assert via_config == via_cli
    assert via_config.splitlines()[0] == "step,lr_0,lr_1,momentum_0,momentum_1"


def test_config_metric_file_is_relative_to_the_config_folder(capsys, cwd):
    values = [1.0, 0.9, 0.9, 0.9, 0.9, 0.8, 0.8, 0.8, 0.8, 0.8]
    cfg = write_config(cwd / "runs", """
        metric = "log.csv:val_loss"
        [[schedule]]
        spec = "ReduceLROnPlateau(patience=1, factor=0.5)"
    """)  # fmt: skip
    write_log(cwd / "runs" / "log.csv", values)
    out, err = run_ok(capsys, "table", "--config", str(cfg), "--format", "csv")
    header, rows = parse_many_csv(out)
    lrs, _ = training_loop(
        lambda o: lr_scheduler.ReduceLROnPlateau(o, patience=1, factor=0.5), 10, metric=values
    ).tolist(0)
    assert len(rows) == len(values)  # one step per value
    assert col(header, rows, "lr") == lrs
    assert len(set(lrs)) > 1  # the metric really reduced the LR
    # the figure too, from another folder
    (cwd / "other").mkdir()
    out, _ = run_ok(capsys, "plot", "--config", str(cfg), "-o", str(cwd / "other" / "p.png"))
    assert (cwd / "other" / "p.png").read_bytes()[:8] == PNG_MAGIC


def test_command_line_metric_wins_over_the_config_and_is_relative_to_the_current_folder(capsys, cwd):
    in_file = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
    on_cli = [1.0, 0.5, 0.25, 0.2, 0.2, 0.2, 0.2, 0.2]
    cfg = write_config(cwd / "runs", """
        metric = "log.csv"
        [[schedule]]
        spec = "ReduceLROnPlateau(patience=1, factor=0.5)"
    """)  # fmt: skip
    write_log(cwd / "runs" / "log.csv", in_file)
    write_log(cwd / "log.csv", on_cli)
    make = lambda o: lr_scheduler.ReduceLROnPlateau(o, patience=1, factor=0.5)  # noqa: E731
    header, rows = many_csv(capsys, "--config", str(cfg))
    assert col(header, rows, "lr") == training_loop(make, 8, metric=in_file).lr[0].tolist()
    header, rows = many_csv(capsys, "--config", str(cfg), "--metric", "log.csv")
    assert col(header, rows, "lr") == training_loop(make, 8, metric=on_cli).lr[0].tolist()
    assert training_loop(make, 8, metric=in_file).lr[0].tolist() != training_loop(make, 8, metric=on_cli).lr[0].tolist()


def test_warmups_example_runs_and_equals_torch(capsys, cwd):
    copy = cwd / "examples" / "warmups.toml"
    copy.parent.mkdir()
    shutil.copy(WARMUPS, copy)
    out, err = run_ok(capsys, "compare", "--config", str(copy))
    written = [Path(p) for p in out.splitlines()]
    assert written and all(p.parent == copy.parent for p in written)
    for p in written:
        assert p.exists() and p.stat().st_size > 0
    assert len(summary_lines(err)) == 3
    cfg = lrviz.config.load(copy)
    schedules = many_json(capsys, "--config", str(copy))
    assert [s["label"] for s in schedules] == [r.label for r in cfg.runs]
    steps, lr = cfg.trace.steps, cfg.trace.lr
    assert cfg.trace.optimizer == "adamw" and steps is not None and lr is not None
    expected = {
        "OneCycleLR": lambda o: lr_scheduler.OneCycleLR(o, max_lr=3e-4, total_steps=1000, pct_start=0.1),
        "CyclicLR": lambda o: lr_scheduler.CyclicLR(
            o, base_lr=3e-5, max_lr=3e-4, step_size_up=100, mode="triangular2", cycle_momentum=False
        ),
        "SequentialLR": lambda o: lr_scheduler.SequentialLR(
            o,
            [lr_scheduler.LinearLR(o, start_factor=0.01, total_iters=100), lr_scheduler.CosineAnnealingLR(o, 900)],
            milestones=[100],
        ),
    }
    for s, run_ in zip(schedules, cfg.runs, strict=True):
        assert s["steps"] == steps
        assert (
            s["groups"][0]["lr"]
            == training_loop(expected[run_.spec.name], steps, optimizer="adamw", lr=lr).lr[0].tolist()
        )


def _docs_toml_blocks() -> list[str]:
    return [
        block for doc in DOCS for block in re.findall(r"```toml\n(.*?)```", doc.read_text(encoding="utf-8"), flags=re.S)
    ]


def test_the_docs_show_config_files():
    assert len(_docs_toml_blocks()) >= 2


@pytest.mark.parametrize("text", _docs_toml_blocks())
def test_readme_config_example_runs(capsys, cwd, monkeypatch, text):
    # beside the example files, as the shown configs are: a metric log or a user class resolves
    shutil.copytree(ROOT / "docs" / "examples", cwd / "docs" / "examples")
    monkeypatch.syspath_prepend(str(cwd))
    cfg = write_config(cwd / "docs" / "examples", text)
    loaded = lrviz.config.load(cfg)
    command = "compare" if len(loaded.runs) > 1 else "plot"
    out, _ = run_ok(capsys, command, "--config", str(cfg))
    assert out.strip()
    schedules = many_json(capsys, "--config", str(cfg))
    for s, run_ in zip(schedules, loaded.runs, strict=True):
        assert s["schedule"] == run_.spec.format()


@pytest.mark.parametrize("per_epoch", [None, 10], ids=["per-step", "per-epoch"])
def test_json_holds_the_metric_as_fed_to_the_scheduler(capsys, cwd, per_epoch):
    """The metric values and the step after which each was fed: one per step, or one per
    epoch of --steps-per-epoch steps (a per-epoch metric once crashed the JSON writer)."""
    args = ["ReduceLROnPlateau(factor=0.5, patience=2)", "--metric", "synthetic:plateau", "-n", "60"]
    if per_epoch:
        args += ["--steps-per-epoch", str(per_epoch)]
    out, _ = run_ok(capsys, "table", *args, "--format", "json")
    schedule = json.loads(out)
    t = lrviz.trace(args[0], 60, metric="synthetic:plateau", steps_per_epoch=per_epoch)
    assert schedule["metric"]["value"] == t.metric.tolist()
    assert schedule["metric"]["step"] == t.metric_steps.tolist()
    assert len(schedule["metric"]["value"]) == (60 // per_epoch if per_epoch else 60)


def test_config_module_docstring_example_runs(capsys, cwd):
    """The example at the top of lrviz/config.py (a torch class and a Hugging Face schedule)."""
    transformers = pytest.importorskip("transformers")
    doc = lrviz.config.__doc__ or ""
    block = re.search(r"\n\n((?:    .*\n|\n)+?)\n?Every key", doc)
    assert block, "the config module shows no example"
    cfg = write_config(cwd, block.group(1))
    out, _ = run_ok(capsys, "compare", "--config", str(cfg))
    assert out.splitlines() == [str(cwd / "warmup.svg")]
    schedules = many_json(capsys, "--config", str(cfg))
    assert [s["label"] for s in schedules] == ["one-cycle", "HF cosine"]
    one_cycle, cosine = schedules
    one_cycle_torch = training_loop(
        lambda o: lr_scheduler.OneCycleLR(o, max_lr=3e-4, total_steps=1000), 1000, optimizer="adamw", lr=3e-4
    )
    cosine_torch = training_loop(
        lambda o: transformers.get_cosine_schedule_with_warmup(o, num_warmup_steps=100, num_training_steps=1000),
        1000,
        optimizer="adamw",
        lr=3e-4,
    )
    assert one_cycle["groups"][0]["lr"] == one_cycle_torch.lr[0].tolist()
    assert cosine["groups"][0]["lr"] == cosine_torch.lr[0].tolist()


SCHEDULE = '[[schedule]]\nspec = "StepLR(step_size=3)"\n'

CONFIG_ERRORS = [
    # (id, file text, words the one error line must contain)
    ("unknown top-level key", "stepz = 3\n" + SCHEDULE, ["'stepz'", "did you mean", "steps"]),
    ("unknown schedule key", SCHEDULE + "foo = 1\n", ["schedule[1].foo"]),
    ("schedule key typo", SCHEDULE + "lable = 'x'\n", ["schedule[1].lable", "label"]),
    ("steps not a number", 'steps = "ten"\n' + SCHEDULE, ["steps", "ten"]),
    ("schedule steps not a number", SCHEDULE + 'steps = "ten"\n', ["schedule[1].steps", "ten"]),
    ("schedule steps 0", SCHEDULE + "steps = 0\n", ["schedule[1].steps"]),
    ("log not a bool", 'log = "yes"\n' + SCHEDULE, ["log", "yes"]),
    ("annotate not a bool", 'annotate = "no"\n' + SCHEDULE, ["annotate"]),
    ("out a number", "out = 3\n" + SCHEDULE, ["out"]),
    ("size a word", 'size = "big"\n' + SCHEDULE, ["size", "big"]),
    ("dpi too small", "dpi = 5\n" + SCHEDULE, ["dpi", "5"]),
    ("layout unknown", 'layout = "stack"\n' + SCHEDULE, ["layout", "stack", "overlay", "grid"]),
    ("lr a word", 'lr = "fast"\n' + SCHEDULE, ["lr", "fast"]),
    ("optimizer a number", "optimizer = 3\n" + SCHEDULE, ["optimizer"]),
    ("title a number", "title = 1\n" + SCHEDULE, ["title"]),
    ("metric a number", "metric = 3\n" + SCHEDULE, ["metric"]),
    ("betas one number", "betas = [0.9]\n" + SCHEDULE, ["betas"]),
    ("group_lr empty", "group_lr = []\n" + SCHEDULE, ["group_lr"]),
    ("label a number", SCHEDULE + "label = 3\n", ["schedule[1].label"]),
    ("no schedule", "steps = 10\n", ["schedule"]),
    ("spec and name", SCHEDULE + 'name = "steplr"\n', ["spec", "name"]),
    ("neither spec nor name", '[[schedule]]\nlabel = "x"\n', ["schedule[1]", "spec"]),
    ("unknown schedule name", '[[schedule]]\nname = "stpelr"\n', ["stpelr", "did you mean", "StepLR"]),
    ("unknown schedule spec", '[[schedule]]\nspec = "StpeLR(step_size=3)"\n', ["did you mean", "StepLR"]),
    (
        "bad parameter name",
        '[[schedule]]\nname = "steplr"\n[schedule.args]\nstep_sise = 3\n',
        ["step_sise", "did you mean", "step_size"],
    ),
    ("bad value type", '[[schedule]]\nname = "steplr"\n[schedule.args]\nstep_size = "three"\n', ["step_size"]),
    ("float for int", '[[schedule]]\nname = "steplr"\n[schedule.args]\nstep_size = 2.5\n', ["step_size"]),
    (
        "bad choice",
        '[[schedule]]\nname = "cycliclr"\n[schedule.args]\nbase_lr = 0.1\nmax_lr = 0.2\nmode = "triangle"\n',
        ["mode", "triangular"],
    ),
    (
        "number for a string",
        '[[schedule]]\nname = "cycliclr"\n[schedule.args]\nbase_lr = 0.1\nmax_lr = 0.2\nmode = 3\n',
        ["mode"],
    ),
    ("args not a table", '[[schedule]]\nname = "steplr"\nargs = 3\n', ["args"]),
    (
        "args a number",
        '[[schedule]]\nname = "steplr"\nargs = 3\n',
        ["schedule[1].args must be a table", "[schedule.args]"],
    ),
    ("schedule not tables", "schedule = 3\n", ["schedule must be [[schedule]] tables"]),
    ("missing required arg", '[[schedule]]\nname = "steplr"\n', ["step_size"]),
    ("invalid TOML", "[[schedule]\nspec = 1\n", ["not valid TOML"]),
    ("bad lambda", '[[schedule]]\nname = "lambdalr"\n[schedule.args]\nlr_lambda = "__import__(\'os\')"\n', []),
]


@pytest.mark.parametrize(("text", "words"), [pytest.param(t, w, id=i) for i, t, w in CONFIG_ERRORS])
@pytest.mark.parametrize("command", ["plot", "compare", "table"])
def test_config_errors_exit_2_with_one_line_naming_the_key(capsys, cwd, command, text, words):
    cfg = write_config(cwd, text)
    err = run_error(capsys, command, "--config", str(cfg))
    assert "cfg.toml" in err, "the message names the file"
    for word in words:
        assert word in err, f"{word!r} not in {err!r}"
    assert files_in(cwd) == ["cfg.toml"], "a failed run writes nothing"


def test_config_missing_file_and_folder(capsys, cwd):
    err = run_error(capsys, "compare", "--config", "nope.toml")
    assert "nope.toml" in err and "does not exist" in err
    (cwd / "dir.toml").mkdir()
    err = run_error(capsys, "plot", "--config", "dir.toml")
    assert "dir.toml" in err
    assert files_in(cwd) == ["dir.toml"]


def test_plot_config_with_several_schedules_suggests_compare(capsys, cwd):
    cfg = write_config(cwd, SCHEDULE + SCHEDULE.replace("StepLR(step_size=3)", "ExponentialLR(gamma=0.9)"))
    err = run_error(capsys, "plot", "--config", str(cfg))
    assert "compare" in err and "2" in err
    assert files_in(cwd) == ["cfg.toml"]


def test_config_error_subprocess(tmp_path):
    (tmp_path / "bad.toml").write_text("stepz = 3\n" + SCHEDULE, encoding="utf-8")
    proc = subprocess_lrviz("compare", "--config", "bad.toml", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert_one_error_line(proc.stderr)
    assert "stepz" in proc.stderr
    assert files_in(tmp_path) == ["bad.toml"]


@pytest.mark.parametrize("where", ["file", "command-line"])
def test_config_steps_per_epoch_completes_onecycle_epochs_like_the_cli(capsys, cwd, where):
    """`onecyclelr --epochs 3 --steps-per-epoch 10` works; the same schedule from a config
    file, with steps_per_epoch in the file or on the command line, should too."""
    cfg = write_config(cwd, ("steps_per_epoch = 10\n" if where == "file" else "") + textwrap.dedent("""
        [[schedule]]
        name = "onecyclelr"
        [schedule.args]
        max_lr = 0.1
        epochs = 3
    """))  # fmt: skip
    via_cli, _ = run_ok(capsys, "table", "onecyclelr", "--max-lr", "0.1", "--epochs", "3", "--steps-per-epoch", "10",
                        "--format", "csv")  # fmt: skip
    extra = ["--steps-per-epoch", "10"] if where == "command-line" else []
    via_config, _ = run_ok(capsys, "table", "--config", str(cfg), *extra, "--format", "csv")
    assert via_config == via_cli


# --------------------------------------------------------------------------------------
# 5. --print-code: the printed script gives the traced LRs


def printed_code(out: str, err: str, path: str) -> str:
    """stdout, which holds the code alone: with --print-code the file path goes to stderr,
    so that ``lrviz ... --print-code > script.py`` gives a script that runs."""
    assert f"lrviz: wrote {path}\n" in err, err[-200:]
    assert not out.rstrip("\n").endswith(path), out[-200:]
    return out


def exec_lrs(code: str) -> list[list[float]]:
    """Run a printed script in a fresh namespace; its per-group LRs (groups x steps)."""
    namespace: dict = {}
    exec(compile(code, "<printed code>", "exec"), namespace)  # noqa: S102 - lrviz's own output, under test
    rows = namespace["lrs"]
    return [list(group) for group in zip(*rows, strict=True)]


@pytest.mark.parametrize(
    ("argv", "spec", "options"),
    [
        pytest.param(
            ["cycliclr", "--base-lr", "0.1", "--max-lr", "0.2", "--step-size-up", "5", "-n", "30"],
            "CyclicLR(base_lr=0.1, max_lr=0.2, step_size_up=5)",
            {"steps": 30},
            id="torch-class",
        ),
        pytest.param(
            ["OneCycleLR(max_lr=0.1, total_steps=40)", "--optimizer", "adam"],
            "OneCycleLR(max_lr=0.1, total_steps=40)",
            {"optimizer": "adam"},
            id="torch-class-adam-own-length",
        ),
        pytest.param(
            [
                "SequentialLR(schedulers=[LambdaLR(lr_lambda=lambda s: (s + 1) / 5), "
                "CosineAnnealingLR(T_max=20, eta_min=0.001)], milestones=[4])",
                "-n",
                "30",
                "--group-lr",
                "0.1",
                "--group-lr",
                "0.01",
                "--optimizer",
                "adam",
            ],  # fmt: skip
            "SequentialLR(schedulers=[LambdaLR(lr_lambda=lambda s: (s + 1) / 5), "
            "CosineAnnealingLR(T_max=20, eta_min=0.001)], milestones=[4])",
            {"steps": 30, "group_lrs": [0.1, 0.01], "optimizer": "adam"},
            id="composite-two-groups",
        ),
    ],
)
def test_print_code_runs_and_gives_the_trace(capsys, cwd, argv, spec, options):
    out, err = run_ok(capsys, "plot", *argv, "--print-code", "-o", "p.png")
    code = printed_code(out, err, "p.png")
    t = lrviz.trace(spec, options.pop("steps", None), **options)
    assert exec_lrs(code) == t.lr.tolist()
    assert (cwd / "p.png").read_bytes()[:8] == PNG_MAGIC


def test_print_code_compare_one_script_per_schedule(capsys, cwd):
    argv = ["steplr", "--step-size", "3", WARMUP_COSINE, "-n", "40", "--optimizer", "adam", "--lr", "0.01"]
    out, err = run_ok(capsys, "compare", *argv, "--print-code", "-o", "c.png")
    code = printed_code(out, err, "c.png")
    parts = re.split(r"^# --- (.+) ---$", code, flags=re.M)
    assert parts[0] == ""
    labels, scripts = parts[1::2], parts[2::2]
    assert labels == ["StepLR", "SequentialLR(LinearLR, CosineAnnealingLR)"]
    for script, spec in zip(scripts, ["StepLR(step_size=3)", WARMUP_COSINE], strict=True):
        assert exec_lrs(script) == lrviz.trace(spec, 40, optimizer="adam", lr=0.01).lr.tolist()
    schedules = many_json(capsys, *argv)
    assert [s["label"] for s in schedules] == labels


def test_print_code_compare_uses_each_config_schedules_options(capsys, cwd):
    cfg = write_config(cwd, """
        out = "c.png"
        [[schedule]]
        spec = "StepLR(step_size=3)"
        label = "a"
        steps = 10
        optimizer = "adam"
        [[schedule]]
        spec = "ExponentialLR(gamma=0.9)"
        label = "b"
        steps = 15
        lr = 0.5
    """)  # fmt: skip
    out, err = run_ok(capsys, "compare", "--config", str(cfg), "--print-code")
    parts = re.split(r"^# --- (.+) ---$", printed_code(out, err, str(cwd / "c.png")), flags=re.M)
    assert parts[1::2] == ["a", "b"]
    a, b = parts[2::2]
    assert exec_lrs(a) == lrviz.trace("StepLR(step_size=3)", 10, optimizer="adam").lr.tolist()
    assert exec_lrs(b) == lrviz.trace("ExponentialLR(gamma=0.9)", 15, lr=0.5).lr.tolist()


# --------------------------------------------------------------------------------------
# 6. ReduceLROnPlateau in a comparison, driven by a metric


PLATEAU = "ReduceLROnPlateau(patience=2, factor=0.5)"


def make_plateau(o: torch.optim.Optimizer) -> object:
    return lr_scheduler.ReduceLROnPlateau(o, patience=2, factor=0.5)


def test_plateau_with_synthetic_metric_per_step(capsys, cwd):
    header, rows = many_csv(capsys, PLATEAU, "StepLR(step_size=20)", "--metric", "synthetic:plateau", "-n", "80")
    t = lrviz.trace(PLATEAU, 80, metric="synthetic:plateau")
    assert t.metric is not None and len(t.metric) == 80
    assert t.metric.tolist() == lrviz.metrics.parse("synthetic:plateau").take(80).tolist()
    lrs, _ = training_loop(make_plateau, 80, metric=t.metric.tolist()).tolist(0)
    assert col(header, rows, "ReduceLROnPlateau") == lrs == t.lr[0].tolist()
    assert len(set(lrs)) > 1, "the plateau never reduced the LR: the test shows nothing"
    assert col(header, rows, "StepLR") == training_loop(lambda o: lr_scheduler.StepLR(o, 20), 80).lr[0].tolist()


def test_plateau_with_synthetic_metric_per_epoch(capsys, cwd):
    k, n = 4, 200
    header, rows = many_csv(capsys, PLATEAU, "StepLR(step_size=20)", "--metric", "synthetic:plateau", "-n", str(n),
                            "--steps-per-epoch", str(k))  # fmt: skip
    t = lrviz.trace(PLATEAU, n, metric="synthetic:plateau", steps_per_epoch=k)
    epochs = lrviz.metrics.parse("synthetic:plateau").take(n // k).tolist()
    assert t.metric is not None and t.metric.tolist() == epochs
    lrs, _ = training_loop(make_plateau, n, metric=epochs, every=k).tolist(0)
    assert col(header, rows, "ReduceLROnPlateau") == lrs == t.lr[0].tolist()
    assert len(set(lrs)) > 1, "the plateau never reduced the LR: the test shows nothing"
    # within an epoch the LR never changes: the scheduler is stepped once per epoch
    assert all(lrs[i] == lrs[i - 1] for i in range(1, n) if i % k)
    # other schedules are still stepped every step
    assert col(header, rows, "StepLR") == training_loop(lambda o: lr_scheduler.StepLR(o, 20), n).lr[0].tolist()


LOSSES = [1.0, 0.8, 0.7, 0.7, 0.71, 0.72, 0.69, 0.7, 0.7, 0.71, 0.72, 0.73, 0.6, 0.61, 0.62, 0.63]


@pytest.mark.parametrize("k", [None, 3], ids=["per-step", "per-epoch"])
def test_plateau_with_a_csv_metric_file(capsys, cwd, k):
    write_log(cwd / "log.csv", LOSSES)
    epoch = ["--steps-per-epoch", str(k)] if k else []
    header, rows = many_csv(capsys, "reducelronplateau", "--patience", "1", "--factor", "0.5",
                            "steplr", "--step-size", "4", "--metric", "log.csv:val_loss", *epoch)  # fmt: skip
    steps = len(LOSSES) * (k or 1)  # no -n: one step (or epoch) per value
    plateau = filled(col(header, rows, "ReduceLROnPlateau"))
    assert len(plateau) == steps
    make = lambda o: lr_scheduler.ReduceLROnPlateau(o, patience=1, factor=0.5)  # noqa: E731
    lrs, _ = training_loop(make, steps, metric=LOSSES, every=k or 1).tolist(0)
    assert plateau == lrs
    assert len(set(lrs)) > 2
    step = lrviz.trace("StepLR(step_size=4)")
    assert filled(col(header, rows, "StepLR")) == step.lr[0].tolist()
    # the figure draws the comparison with the metric
    out, err = run_ok(capsys, "compare", "reducelronplateau", "--patience", "1", "steplr", "--step-size", "4",
                      "--metric", "log.csv:val_loss", *epoch, "-o", "m.png")  # fmt: skip
    assert out == "m.png\n"
    assert "val_loss" in err


def test_plateau_metric_file_too_short_is_a_one_line_error(capsys, cwd):
    write_log(cwd / "log.csv", LOSSES)
    err = run_error(capsys, "compare", PLATEAU, "StepLR(step_size=4)", "--metric", "log.csv:val_loss", "-n",
                    str(len(LOSSES) + 1), "-o", "x.png")  # fmt: skip
    assert "log.csv" in err
    assert files_in(cwd) == ["log.csv"]


def test_plateau_missing_metric_file_is_a_one_line_error(capsys, cwd):
    err = run_error(capsys, "compare", PLATEAU, "StepLR(step_size=4)", "--metric", "nope.csv:val_loss", "-o", "x.png")
    assert "nope.csv" in err
    assert files_in(cwd) == []


def test_metric_without_a_metric_driven_schedule_warns_once(capsys, cwd):
    out, err = run_ok(capsys, "compare", "steplr", "--step-size", "3", "exponentiallr", "--gamma", "0.9",
                      "--metric", "synthetic:plateau", "-n", "10", "-o", "w.png")  # fmt: skip
    assert out == "w.png\n"
    warnings = [line for line in err.splitlines() if "metric-driven" in line]
    assert len(warnings) == 1 and warnings[0].startswith("lrviz: warning: ")
    # and the metric changes nothing
    header, rows = many_csv(capsys, "steplr", "--step-size", "3", "--metric", "synthetic:plateau",
                            "exponentiallr", "--gamma", "0.9", "-n", "10")  # fmt: skip
    assert col(header, rows, "StepLR") == lrviz.trace("StepLR(step_size=3)", 10).lr[0].tolist()


def test_metric_with_a_plateau_does_not_warn(capsys, cwd):
    _, err = run_ok(capsys, "compare", PLATEAU, "StepLR(step_size=3)", "--metric", "synthetic:plateau", "-n", "20",
                    "-o", "w.png")  # fmt: skip
    assert "warning" not in err


# --------------------------------------------------------------------------------------
# 7. The examples in compare's and table's help


@pytest.mark.parametrize(
    "argv",
    [
        ["compare", *THREE, "-o", "compare.png"],
        [
            "compare",
            "cycliclr",
            "--base-lr",
            "0.1",
            "--max-lr",
            "0.2",
            "cycliclr",
            "--base-lr",
            "0.1",
            "--max-lr",
            "0.2",
            "--mode",
            "triangular2",
            "--layout",
            "grid",
        ],
        ["table", "steplr", "--step-size", "30", "exponentiallr", "--gamma", "0.95", "-n", "60", "--format", "csv"],
    ],  # fmt: skip
    ids=["compare-three", "compare-grid", "table-two"],
)
def test_help_examples_run(capsys, cwd, argv):
    out, err = run_ok(capsys, *argv)
    assert "error" not in err
    if argv[0] == "compare":
        assert out.splitlines() == ["compare.png"]
        assert (cwd / "compare.png").read_bytes()[:8] == PNG_MAGIC


def _readme_compare_commands() -> list[str]:
    text = "\n".join(doc.read_text(encoding="utf-8") for doc in DOCS)
    commands = []
    for block in re.findall(r"```console\n(.*?)```", text, flags=re.S):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.strip().removeprefix("$ ")
            if line.startswith("lrviz compare") or (line.startswith("lrviz ") and "--config" in line):
                commands.append(line)
    return commands


@pytest.mark.parametrize("command", _readme_compare_commands())
def test_readme_compare_and_config_commands_run(capsys, cwd, command):
    args = shlex.split(command, comments=True)[1:]
    if ">" in args:
        args = args[: args.index(">")]
    # the examples' configs (and their logs) in a copy, so their figures land in tmp
    shutil.copytree(ROOT / "docs" / "examples", cwd / "docs" / "examples")
    code = main(args)
    captured = capsys.readouterr()
    skip_if_an_extra_was_missing(code, captured.err)
    assert code == 0, captured.err
    assert "error" not in captured.err
