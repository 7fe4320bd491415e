"""The command line, end to end: `lrviz plot/table/list/describe`.

Most tests call :func:`lrviz.cli.main` in-process (fast); a few run ``python -m lrviz`` in a
subprocess for exit codes, stdout purity and lazy imports. Expected values always come from
torch (a plain training loop, tests/oracles.py) or from :func:`lrviz.trace`, never pasted numbers.
"""

from __future__ import annotations

import json
import math
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from clirun import run, run_ok
from extras import name_params
from oracles import training_loop
from torch.optim import lr_scheduler

import lrviz
import lrviz.analysis
from lrviz import registry
from lrviz.cli import main
from lrviz.schedule import Kind

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


# --------------------------------------------------------------------------------------
# Helpers


def subprocess_lrviz(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lrviz", *args], capture_output=True, text=True, cwd=cwd, timeout=120, check=False
    )


def parse_csv(text: str) -> tuple[list[str], list[list[float]]]:
    """Header and rows; every cell must be a number (step columns as whole numbers)."""
    lines = text.splitlines()
    assert lines, "no CSV output"
    header = lines[0].split(",")
    rows = []
    for line in lines[1:]:
        cells = line.split(",")
        assert len(cells) == len(header), f"ragged CSV row {line!r} for header {header}"
        rows.append([float(c) for c in cells])
    return header, rows


def column(header: list[str], rows: list[list[float]], name: str) -> list[float]:
    index = header.index(name)
    return [row[index] for row in rows]


def table_csv(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[list[str], list[list[float]]]:
    out, _ = run_ok(capsys, "table", *args, "--format", "csv")
    return parse_csv(out)


def files_in(folder: Path) -> list[str]:
    """Every entry of a folder, hidden ones (temp files) included, recursively."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_MAGIC
    assert data[12:16] == b"IHDR"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


@pytest.fixture
def cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


# --------------------------------------------------------------------------------------
# 1. plot


def test_plot_named_options_writes_default_png_and_prints_its_path(capsys, cwd):
    out, _ = run_ok(
        capsys, "plot", "cycliclr", "--base-lr", "0.1", "--max-lr", "0.2", "--step-size-up", "5", "-n", "30"
    )
    assert out.splitlines() == ["cycliclr.png"]
    assert files_in(cwd) == ["cycliclr.png"]
    assert (cwd / "cycliclr.png").read_bytes()[:8] == PNG_MAGIC


def test_plot_spec_string_writes_default_png(capsys, cwd):
    out, _ = run_ok(capsys, "plot", "StepLR(step_size=5, gamma=0.5)", "-n", "20")
    assert out.splitlines() == ["steplr.png"]
    assert (cwd / "steplr.png").read_bytes()[:8] == PNG_MAGIC
    assert files_in(cwd) == ["steplr.png"]


def test_plot_pasted_torch_line_writes_png(capsys, cwd):
    out, _ = run_ok(capsys, "plot", "scheduler = lr_scheduler.StepLR(optimizer, step_size=5, gamma=0.5)", "-n", "20")
    assert out.splitlines() == ["steplr.png"]
    assert (cwd / "steplr.png").read_bytes()[:8] == PNG_MAGIC


def test_plot_several_outputs_svg_and_pdf(capsys, cwd):
    out, _ = run_ok(capsys, "plot", "steplr", "--step-size", "5", "-n", "20", "-o", "a.svg", "-o", "b.pdf")
    assert out.splitlines() == ["a.svg", "b.pdf"]
    assert files_in(cwd) == ["a.svg", "b.pdf"]
    svg = (cwd / "a.svg").read_text(encoding="utf-8")
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg[:1000]
    assert svg.rstrip().endswith("</svg>")
    pdf = (cwd / "b.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-")
    assert b"%%EOF" in pdf[-64:]


def test_plot_output_in_subfolder_and_path_printed(capsys, cwd):
    (cwd / "figs").mkdir()
    out, _ = run_ok(capsys, "plot", "steplr", "--step-size", "5", "-n", "20", "-o", "figs/s.png")
    assert out.splitlines() == [str(Path("figs/s.png"))]
    assert (cwd / "figs" / "s.png").read_bytes()[:8] == PNG_MAGIC
    assert files_in(cwd) == ["figs", str(Path("figs/s.png"))]


def test_plot_is_deterministic(capsys, cwd):
    args = ("plot", "cycliclr", "--base-lr", "0.1", "--max-lr", "0.2", "--step-size-up", "5", "-n", "30")
    run_ok(capsys, *args, "-o", "one.png", "-o", "one.svg")
    run_ok(capsys, *args, "-o", "two.png", "-o", "two.svg")
    assert (cwd / "one.png").read_bytes() == (cwd / "two.png").read_bytes()
    assert (cwd / "one.svg").read_bytes() == (cwd / "two.svg").read_bytes()


def test_plot_size_and_dpi_set_the_png_pixels(capsys, cwd):
    run_ok(capsys, "plot", "steplr", "--step-size", "5", "-n", "20", "--size", "6x3", "--dpi", "80", "-o", "s.png")
    assert png_size((cwd / "s.png").read_bytes()) == (6 * 80, 3 * 80)
    run_ok(capsys, "plot", "steplr", "--step-size", "5", "-n", "20", "--size", "4x2", "--dpi", "50", "-o", "t.png")
    assert png_size((cwd / "t.png").read_bytes()) == (4 * 50, 2 * 50)


@pytest.mark.parametrize(
    "extra",
    [
        ["--log"],
        ["--title", "My schedule"],
        ["--style", "ggplot"],
        ["--steps-per-epoch", "5"],
        ["--group-lr", "0.1", "--group-lr", "0.01"],
        ["--optimizer", "adam"],
        ["--optimizer", "adam", "--betas", "0.95,0.999"],
        ["--momentum", "0.5"],
    ],
    ids=lambda extra: " ".join(extra),
)
def test_plot_figure_options_change_the_figure(capsys, cwd, extra):
    base = ("plot", "cycliclr", "--base-lr", "0.01", "--max-lr", "0.2", "--step-size-up", "5", "-n", "30")
    run_ok(capsys, *base, "--size", "5x3", "--dpi", "60", "-o", "base.png")
    out, err = run_ok(capsys, *base, "--size", "5x3", "--dpi", "60", *extra, "-o", "opt.png")
    assert out.splitlines() == ["opt.png"]
    assert "warning" not in err
    data = (cwd / "opt.png").read_bytes()
    assert png_size(data) == (300, 180)
    assert data != (cwd / "base.png").read_bytes(), f"{extra} did not change the figure"
    assert files_in(cwd) == ["base.png", "opt.png"]


def test_plot_without_steps_notes_the_horizon_on_stderr(capsys, cwd):
    out, err = run_ok(capsys, "plot", "steplr", "--step-size", "4")
    assert out.splitlines() == ["steplr.png"]
    match = re.search(r"tracing ([\d,]+) steps", err)
    assert match, err
    assert all(line.startswith("lrviz: ") for line in err.splitlines())
    # the note tells the truth: the table traces as many steps
    _, rows = table_csv(capsys, "steplr", "--step-size", "4")
    assert len(rows) == int(match.group(1).replace(",", ""))


def test_plot_with_steps_prints_no_note(capsys, cwd):
    _, err = run_ok(capsys, "plot", "steplr", "--step-size", "4", "-n", "10")
    t = lrviz.trace("StepLR(step_size=4)", 10)
    # only the summary line: peak, minimum and final, from the trace itself
    assert err.splitlines() == [f"lrviz: {lrviz.analysis.summary_line(t)}"]


def test_plot_output_file_permissions_follow_umask(capsys, cwd):
    old = os.umask(0o022)
    try:
        run_ok(capsys, "plot", "steplr", "--step-size", "4", "-n", "10", "-o", "s.png")
        (cwd / "plain.txt").write_text("x")
    finally:
        os.umask(old)
    # a figure is an ordinary file: readable by others as any file the user creates
    assert (cwd / "s.png").stat().st_mode & 0o777 == (cwd / "plain.txt").stat().st_mode & 0o777 == 0o644


# --------------------------------------------------------------------------------------
# 2. The three ways of naming a schedule give the same trace, and torch's


EQUIVALENT = [
    pytest.param(
        ["cycliclr", "--base-lr", "0.1", "--max-lr", "0.2", "--step-size-up", "30"],
        "CyclicLR(base_lr=0.1, max_lr=0.2, step_size_up=30)",
        "lr_scheduler.CyclicLR(optimizer, base_lr=0.1, max_lr=0.2, step_size_up=30)",
        lambda o: lr_scheduler.CyclicLR(o, base_lr=0.1, max_lr=0.2, step_size_up=30),
        100,
        id="CyclicLR",
    ),
    pytest.param(
        ["cycliclr", "--base-lr", "0.1", "--max-lr", "0.2", "--step-size-up", "7", "--mode", "triangular2"],
        "CyclicLR(base_lr=0.1, max_lr=0.2, step_size_up=7, mode='triangular2')",
        "scheduler = torch.optim.lr_scheduler.CyclicLR(optimizer, 0.1, 0.2, 7, mode='triangular2')",
        lambda o: lr_scheduler.CyclicLR(o, 0.1, 0.2, 7, mode="triangular2"),
        60,
        id="CyclicLR-triangular2",
    ),
    pytest.param(
        ["cycliclr", "--base-lr", "0.1", "--max-lr", "0.2", "--step-size-up", "5", "--no-cycle-momentum"],
        "CyclicLR(base_lr=0.1, max_lr=0.2, step_size_up=5, cycle_momentum=False)",
        "lr_scheduler.CyclicLR(optimizer, base_lr=0.1, max_lr=0.2, step_size_up=5, cycle_momentum=False)",
        lambda o: lr_scheduler.CyclicLR(o, base_lr=0.1, max_lr=0.2, step_size_up=5, cycle_momentum=False),
        30,
        id="CyclicLR-no-cycle-momentum",
    ),
    pytest.param(
        ["cosineannealinglr", "--t-max", "20", "--eta-min", "0.05"],
        "CosineAnnealingLR(T_max=20, eta_min=0.05)",
        "lr_scheduler.CosineAnnealingLR(optimizer, T_max=20, eta_min=0.05)",
        lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=20, eta_min=0.05),
        50,
        id="CosineAnnealingLR",
    ),
    pytest.param(
        ["CosineAnnealingLR", "--T_max", "20", "--eta-min", "0.05"],
        "CosineAnnealingLR(T_max=20, eta_min=0.05)",
        "lr_scheduler.CosineAnnealingLR(optimizer, 20, 0.05)",
        lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=20, eta_min=0.05),
        50,
        id="CosineAnnealingLR-torch-spelling",
    ),
    pytest.param(
        ["cosineannealingwarmrestarts", "--t-0", "5", "--t-mult", "2", "--eta-min", "0.01"],
        "CosineAnnealingWarmRestarts(T_0=5, T_mult=2, eta_min=0.01)",
        "lr_scheduler.CosineAnnealingWarmRestarts(optimizer, T_0=5, T_mult=2, eta_min=0.01)",
        lambda o: lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=5, T_mult=2, eta_min=0.01),
        40,
        id="CosineAnnealingWarmRestarts",
    ),
    pytest.param(
        ["onecyclelr", "--max-lr", "0.1", "--total-steps", "40", "--three-phase"],
        "OneCycleLR(max_lr=0.1, total_steps=40, three_phase=True)",
        "lr_scheduler.OneCycleLR(optimizer, max_lr=0.1, total_steps=40, three_phase=True)",
        lambda o: lr_scheduler.OneCycleLR(o, max_lr=0.1, total_steps=40, three_phase=True),
        40,
        id="OneCycleLR-three-phase",
    ),
    pytest.param(
        ["onecyclelr", "--max-lr", "0.1", "--epochs", "4", "--steps-per-epoch", "10", "--pct-start", "0.5"],
        "OneCycleLR(max_lr=0.1, epochs=4, steps_per_epoch=10, pct_start=0.5)",
        "lr_scheduler.OneCycleLR(optimizer, 0.1, epochs=4, steps_per_epoch=10, pct_start=0.5)",
        lambda o: lr_scheduler.OneCycleLR(o, max_lr=0.1, epochs=4, steps_per_epoch=10, pct_start=0.5),
        40,
        id="OneCycleLR-epochs",
    ),
    pytest.param(
        ["multisteplr", "--milestones", "30,80", "--gamma", "0.5"],
        "MultiStepLR(milestones=[30, 80], gamma=0.5)",
        "lr_scheduler.MultiStepLR(optimizer, milestones=[30, 80], gamma=0.5)",
        lambda o: lr_scheduler.MultiStepLR(o, milestones=[30, 80], gamma=0.5),
        100,
        id="MultiStepLR",
    ),
    pytest.param(
        ["steplr", "--step-size", "7", "--gamma", "0.5"],
        "StepLR(step_size=7, gamma=0.5)",
        "lr_scheduler.StepLR(optimizer, 7, 0.5)",
        lambda o: lr_scheduler.StepLR(o, 7, 0.5),
        30,
        id="StepLR-positional",
    ),
    pytest.param(
        ["lambdalr", "--lr-lambda", "0.95 ** epoch"],
        "LambdaLR(lr_lambda=lambda epoch: 0.95 ** epoch)",
        "lr_scheduler.LambdaLR(optimizer, lr_lambda=lambda epoch: 0.95 ** epoch)",
        lambda o: lr_scheduler.LambdaLR(o, lr_lambda=lambda epoch: 0.95**epoch),
        30,
        id="LambdaLR-body",
    ),
    pytest.param(
        ["lambdalr", "--lr-lambda", "lambda step: min(1.0, (step + 1) / 10)"],
        "LambdaLR(lr_lambda=lambda step: min(1.0, (step + 1) / 10))",
        "lr_scheduler.LambdaLR(optimizer, lambda step: min(1.0, (step + 1) / 10))",
        lambda o: lr_scheduler.LambdaLR(o, lambda step: min(1.0, (step + 1) / 10)),
        20,
        id="LambdaLR-lambda",
    ),
    pytest.param(
        ["exponentiallr", "--gamma", "0.9"],
        "ExponentialLR(gamma=0.9)",
        "lr_scheduler.ExponentialLR(optimizer, gamma=0.9)",
        lambda o: lr_scheduler.ExponentialLR(o, gamma=0.9),
        30,
        id="ExponentialLR",
    ),
    pytest.param(
        ["linearlr", "--start-factor", "0.25", "--total-iters", "10"],
        "LinearLR(start_factor=0.25, total_iters=10)",
        "lr_scheduler.LinearLR(optimizer, start_factor=0.25, total_iters=10)",
        lambda o: lr_scheduler.LinearLR(o, start_factor=0.25, total_iters=10),
        20,
        id="LinearLR",
    ),
    pytest.param(
        [
            "sequentiallr",
            "--schedulers",
            "LinearLR(start_factor=0.5, total_iters=5), ExponentialLR(gamma=0.9)",
            "--milestones",
            "5",
        ],
        "SequentialLR(schedulers=[LinearLR(start_factor=0.5, total_iters=5), ExponentialLR(gamma=0.9)], "
        "milestones=[5])",
        "lr_scheduler.SequentialLR(optimizer, schedulers=[lr_scheduler.LinearLR(optimizer, start_factor=0.5, "
        "total_iters=5), lr_scheduler.ExponentialLR(optimizer, gamma=0.9)], milestones=[5])",
        lambda o: lr_scheduler.SequentialLR(
            o, [lr_scheduler.LinearLR(o, start_factor=0.5, total_iters=5), lr_scheduler.ExponentialLR(o, 0.9)], [5]
        ),
        20,
        id="SequentialLR",
    ),
]


@pytest.mark.parametrize(("options", "spec", "pasted", "make", "steps"), EQUIVALENT)
def test_options_spec_and_pasted_call_are_equivalent_and_equal_torch(capsys, cwd, options, spec, pasted, make, steps):
    n = ["-n", str(steps)]
    out_options, _ = run_ok(capsys, "table", *options, *n, "--format", "csv")
    out_spec, _ = run_ok(capsys, "table", spec, *n, "--format", "csv")
    out_pasted, _ = run_ok(capsys, "table", pasted, *n, "--format", "csv")
    assert out_options == out_spec == out_pasted

    header, rows = parse_csv(out_spec)
    assert column(header, rows, "step") == list(range(steps))
    lrs, moms = training_loop(make, steps).tolist()
    assert column(header, rows, "lr") == lrs[0]
    assert moms is not None
    assert column(header, rows, "momentum") == moms[0]


def test_options_after_a_pasted_call_override_its_arguments(capsys, cwd):
    pasted = "lr_scheduler.CyclicLR(optimizer, base_lr=0.1, max_lr=0.2, step_size_up=30)"
    tweaked, _ = run_ok(capsys, "table", pasted, "--max-lr", "0.5", "--step-size-up", "4", "-n", "20", "-f", "csv")
    named, _ = run_ok(
        capsys,
        "table",
        "cycliclr",
        "--base-lr",
        "0.1",
        "--max-lr",
        "0.5",
        "--step-size-up",
        "4",
        "-n",
        "20",
        "-f",
        "csv",
    )
    untouched, _ = run_ok(capsys, "table", pasted, "-n", "20", "-f", "csv")
    assert tweaked == named
    assert tweaked != untouched
    header, rows = parse_csv(tweaked)
    lrs, _ = training_loop(lambda o: lr_scheduler.CyclicLR(o, base_lr=0.1, max_lr=0.5, step_size_up=4), 20).tolist()
    assert column(header, rows, "lr") == lrs[0]


def test_option_may_come_before_the_schedule_and_use_equals(capsys, cwd):
    a, _ = run_ok(capsys, "table", "-n", "12", "steplr", "--step-size=3", "--gamma=0.5", "-f", "csv")
    b, _ = run_ok(capsys, "table", "StepLR(step_size=3, gamma=0.5)", "-n", "12", "-f", "csv")
    assert a == b


def test_negative_option_value(capsys, cwd):
    header, rows = table_csv(capsys, "multisteplr", "--milestones", "3,6", "--gamma", "-0.5", "-n", "8")
    lrs, _ = training_loop(lambda o: lr_scheduler.MultiStepLR(o, [3, 6], gamma=-0.5), 8).tolist()
    assert column(header, rows, "lr") == lrs[0]


def test_three_phase_flag_changes_the_trace(capsys, cwd):
    base = ("onecyclelr", "--max-lr", "0.1", "--total-steps", "30", "-n", "30")
    _, plain = table_csv(capsys, *base)
    _, three = table_csv(capsys, *base, "--three-phase")
    _, explicit = table_csv(capsys, *base, "--three-phase", "true")
    assert plain != three == explicit


# --------------------------------------------------------------------------------------
# 3. table


def test_table_csv_sgd_header_rows_and_exact_values(capsys, cwd):
    args = ("cycliclr", "--base-lr", "0.1", "--max-lr", "0.2", "--step-size-up", "3", "-n", "25")
    out, err = run_ok(capsys, "table", *args, "--format", "csv")
    assert err == ""
    assert out.endswith("\n")
    assert out.splitlines()[0] == "step,lr,momentum"
    header, rows = parse_csv(out)
    assert len(rows) == 25
    assert column(header, rows, "step") == list(range(25))
    t = lrviz.trace("CyclicLR(base_lr=0.1, max_lr=0.2, step_size_up=3)", 25)
    assert column(header, rows, "lr") == t.lr[0].tolist()
    assert column(header, rows, "momentum") == t.momentum[0].tolist()
    lrs, moms = training_loop(lambda o: lr_scheduler.CyclicLR(o, base_lr=0.1, max_lr=0.2, step_size_up=3), 25).tolist()
    assert column(header, rows, "lr") == lrs[0]
    assert column(header, rows, "momentum") == moms[0]


def test_table_csv_adam_has_beta1_in_the_momentum_column(capsys, cwd):
    header, rows = table_csv(
        capsys, "onecyclelr", "--max-lr", "0.1", "--total-steps", "20", "-n", "20", "--optimizer", "adam"
    )
    assert header == ["step", "lr", "momentum"]
    lrs, moms = training_loop(
        lambda o: lr_scheduler.OneCycleLR(o, max_lr=0.1, total_steps=20), 20, optimizer="adam"
    ).tolist()
    assert column(header, rows, "lr") == lrs[0]
    assert column(header, rows, "momentum") == moms[0]
    assert len(set(column(header, rows, "momentum"))) > 1  # beta1 really cycles


def test_table_csv_adam_betas_option(capsys, cwd):
    header, rows = table_csv(
        capsys, "steplr", "--step-size", "3", "-n", "8", "--optimizer", "adam", "--betas", "0.95,0.999"
    )
    assert header == ["step", "lr", "momentum"]
    lrs, moms = training_loop(lambda o: lr_scheduler.StepLR(o, 3), 8, optimizer="adam", betas=(0.95, 0.999)).tolist()
    assert column(header, rows, "lr") == lrs[0]
    assert column(header, rows, "momentum") == moms[0] == [0.95] * 8


def test_table_csv_sgd_momentum_option(capsys, cwd):
    header, rows = table_csv(capsys, "steplr", "--step-size", "3", "-n", "8", "--momentum", "0.5", "--lr", "0.3")
    lrs, moms = training_loop(lambda o: lr_scheduler.StepLR(o, 3), 8, lr=0.3, momentum=0.5).tolist()
    assert column(header, rows, "lr") == lrs[0]
    assert column(header, rows, "momentum") == moms[0]


def test_table_csv_adagrad_has_no_momentum_column(capsys, cwd):
    header, rows = table_csv(
        capsys, "steplr", "--step-size", "3", "--gamma", "0.5", "-n", "10", "--optimizer", "adagrad"
    )
    assert header == ["step", "lr"]
    lrs, moms = training_loop(lambda o: lr_scheduler.StepLR(o, 3, 0.5), 10, optimizer="adagrad").tolist()
    assert moms is None
    assert column(header, rows, "lr") == lrs[0]


def test_table_csv_adagrad_cyclic_without_momentum_cycling(capsys, cwd):
    header, rows = table_csv(
        capsys, "cycliclr", "--base-lr", "0.1", "--max-lr", "0.2", "--step-size-up", "4",
        "--no-cycle-momentum", "--optimizer", "adagrad", "-n", "20",
    )  # fmt: skip
    assert header == ["step", "lr"]
    lrs, _ = training_loop(
        lambda o: lr_scheduler.CyclicLR(o, 0.1, 0.2, 4, cycle_momentum=False), 20, optimizer="adagrad"
    ).tolist()
    assert column(header, rows, "lr") == lrs[0]


def test_table_csv_two_groups(capsys, cwd):
    header, rows = table_csv(
        capsys, "cycliclr", "--base-lr", "0.01", "--max-lr", "0.2", "--step-size-up", "4",
        "--group-lr", "0.1", "--group-lr", "0.01", "-n", "20",
    )  # fmt: skip
    assert header == ["step", "lr_0", "lr_1", "momentum_0", "momentum_1"]
    assert len(rows) == 20
    lrs, moms = training_loop(
        lambda o: lr_scheduler.CyclicLR(o, base_lr=0.01, max_lr=0.2, step_size_up=4), 20, group_lrs=[0.1, 0.01]
    ).tolist()
    assert moms is not None
    for g in range(2):
        assert column(header, rows, f"lr_{g}") == lrs[g]
        assert column(header, rows, f"momentum_{g}") == moms[g]


def test_table_csv_two_groups_per_group_values(capsys, cwd):
    header, rows = table_csv(
        capsys, "CyclicLR(base_lr=[0.01, 0.001], max_lr=[0.1, 0.05], step_size_up=3)",
        "--group-lr", "0.1", "--group-lr", "0.01", "-n", "12",
    )  # fmt: skip
    lrs, _ = training_loop(
        lambda o: lr_scheduler.CyclicLR(o, base_lr=[0.01, 0.001], max_lr=[0.1, 0.05], step_size_up=3),
        12,
        group_lrs=[0.1, 0.01],
    ).tolist()
    assert [column(header, rows, "lr_0"), column(header, rows, "lr_1")] == lrs


def test_table_csv_steps_per_epoch_adds_epoch_column(capsys, cwd):
    header, rows = table_csv(capsys, "steplr", "--step-size", "4", "-n", "12", "--steps-per-epoch", "4")
    assert header == ["step", "epoch", "lr", "momentum"]
    assert column(header, rows, "epoch") == [i / 4 for i in range(12)]


def test_table_json_has_the_same_values(capsys, cwd):
    args = ("cycliclr", "--base-lr", "0.1", "--max-lr", "0.2", "--step-size-up", "3", "-n", "15")
    out, _ = run_ok(capsys, "table", *args, "--format", "json")
    data = json.loads(out)
    t = lrviz.trace("CyclicLR(base_lr=0.1, max_lr=0.2, step_size_up=3)", 15)
    assert data["steps"] == 15
    assert data["step"] == list(range(15))
    assert len(data["groups"]) == 1
    assert data["groups"][0]["lr"] == t.lr[0].tolist()
    assert data["groups"][0]["momentum"] == t.momentum[0].tolist()
    header, rows = table_csv(capsys, *args)
    assert data["groups"][0]["lr"] == column(header, rows, "lr")


def test_table_json_two_groups_and_nan_as_null(capsys, cwd):
    out, _ = run_ok(
        capsys, "table", "LambdaLR(lr_lambda=lambda e: 1 if e < 2 else nan)", "--group-lr", "0.1",
        "--group-lr", "0.2", "-n", "4", "-f", "json",
    )  # fmt: skip
    data = json.loads(out)  # strict JSON: no NaN
    assert [g["lr"] for g in data["groups"]] == [[0.1, 0.1, None, None], [0.2, 0.2, None, None]]
    assert data["warnings"]


def test_table_markdown(capsys, cwd):
    out, _ = run_ok(capsys, "table", "steplr", "--step-size", "3", "--gamma", "0.5", "-n", "7", "-f", "markdown")
    lines = out.splitlines()
    assert [c.strip() for c in lines[0].strip("|").split("|")] == ["step", "lr", "momentum"]
    assert re.fullmatch(r"\|(-*:?-+:?\|)+", lines[1].replace(" ", ""))
    body = lines[2:]
    assert len(body) == 7
    lrs, _ = training_loop(lambda o: lr_scheduler.StepLR(o, 3, 0.5), 7).tolist()
    for i, line in enumerate(body):
        cells = [c.strip() for c in line.strip("|").split("|")]
        assert int(cells[0]) == i
        assert math.isclose(float(cells[1]), lrs[0][i], rel_tol=1e-5)


def test_table_rich_shows_column_names_and_rows(capsys, cwd):
    out, _ = run_ok(capsys, "table", "steplr", "--step-size", "3", "-n", "7")
    for name in ("step", "lr", "momentum"):
        assert re.search(rf"\b{name}\b", out)
    assert sorted(rich_rows(out)) == list(range(7))


def test_table_rich_adam_names_beta1(capsys, cwd):
    out, _ = run_ok(capsys, "table", "steplr", "--step-size", "3", "-n", "5", "--optimizer", "adam")
    assert "lr" in out and "beta1" in out


def rich_rows(text: str) -> list[int]:
    """The step numbers of a rich table's body rows."""
    steps = []
    for line in text.splitlines():
        cells = [c.strip() for c in re.split(r"[│┃|]", line)]
        if len(cells) > 2 and cells[1].isdigit():
            steps.append(int(cells[1]))
    return steps


def test_table_every_thins_rows(capsys, cwd):
    header, all_rows = table_csv(capsys, "steplr", "--step-size", "7", "-n", "45")
    header, rows = table_csv(capsys, "steplr", "--step-size", "7", "-n", "45", "--every", "10")
    steps = [int(s) for s in column(header, rows, "step")]
    assert set(range(0, 45, 10)) <= set(steps)
    assert set(steps) <= set(range(0, 45, 10)) | {44}
    assert steps == sorted(steps)
    by_step = {int(r[0]): r for r in all_rows}
    assert rows == [by_step[s] for s in steps]
    out, _ = run_ok(capsys, "table", "steplr", "--step-size", "7", "-n", "45", "--every", "10")
    assert set(rich_rows(out)) == set(steps)


def test_table_long_trace_rich_selection_keeps_the_turns(capsys, cwd):
    n = 5000
    spec = "CyclicLR(base_lr=0.1, max_lr=0.2, step_size_up=333)"
    out, _ = run_ok(
        capsys, "table", "cycliclr", "--base-lr", "0.1", "--max-lr", "0.2", "--step-size-up", "333", "-n", str(n)
    )
    shown = rich_rows(out)
    assert 10 < len(shown) < 300, "a long trace shows a readable selection"
    assert shown == sorted(set(shown))
    lr = lrviz.trace(spec, n).lr[0].tolist()
    eps = 1e-9
    turns = [
        i
        for i in range(1, n - 1)
        if (lr[i] > lr[i - 1] + eps and lr[i] > lr[i + 1] + eps)
        or (lr[i] < lr[i - 1] - eps and lr[i] < lr[i + 1] - eps)
    ]
    assert len(turns) >= 10  # peaks and troughs of ~7 cycles
    missing = sorted(set(turns) - set(shown))
    assert not missing, f"the peaks/troughs at steps {missing} are not shown"
    assert shown[0] == 0 and shown[-1] == n - 1
    # csv and json still give every step
    header, rows = table_csv(
        capsys, "cycliclr", "--base-lr", "0.1", "--max-lr", "0.2", "--step-size-up", "333", "-n", str(n)
    )
    assert len(rows) == n
    assert column(header, rows, "lr") == lr


def test_table_unknown_format_is_a_usage_error(capsys, cwd):
    code, out, err = run(capsys, "table", "steplr", "--step-size", "3", "-n", "5", "--format", "xml")
    assert code == 2
    assert out == ""
    assert_one_error_line(err)


# --------------------------------------------------------------------------------------
# 4. list and describe


def test_list_rich_names_every_entry(capsys, cwd):
    out, _ = run_ok(capsys, "list")
    for entry in registry.entries():
        assert re.search(rf"\b{entry.name}\b", out), entry.name


def test_list_plain_is_one_name_per_line(capsys, cwd):
    out, err = run_ok(capsys, "list", "--format", "plain")
    assert err == ""
    assert out.splitlines() == [e.name for e in registry.entries()]
    assert out.endswith("\n")
    torch_classes = {
        name
        for name, obj in vars(lr_scheduler).items()
        if isinstance(obj, type)
        and issubclass(obj, (lr_scheduler.LRScheduler, lr_scheduler.ReduceLROnPlateau))
        and not name.startswith("_")
        and name not in ("LRScheduler", "_LRScheduler")
    }
    assert torch_classes <= set(out.splitlines())


def test_list_bad_format(capsys, cwd):
    code, out, err = run(capsys, "list", "--format", "yaml")
    assert code == 2
    assert_one_error_line(err)


def option_shown(option: str, param_kind: str, text: str) -> bool:
    if param_kind == Kind.BOOL:
        return f"--[no-]{option[2:]}" in text or option in text
    return re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", text) is not None


@pytest.mark.parametrize("name", name_params())
def test_describe_every_entry(capsys, cwd, monkeypatch, name):
    monkeypatch.setenv("COLUMNS", "400")
    entry = registry.get(name)
    out, err = run_ok(capsys, "describe", entry.cli_name)
    assert err == ""
    assert entry.name in out
    for param in entry.user_params:
        assert option_shown(param.option, param.kind, out), f"describe {name} does not show {param.option}"
    assert re.search(rf"^\s*lrviz plot {entry.cli_name}\b", out, re.M), "no example command"
    code = lrviz.parse(entry.example).to_code() if entry.example else f"lr_scheduler.{entry.name}("
    assert code.split("(", 1)[0] + "(" in out


@pytest.mark.parametrize("name", name_params())
def test_describe_examples_run_and_agree(capsys, cwd, monkeypatch, name):
    """Each example command that describe prints works, and the option form and the spec
    form give the same trace."""
    monkeypatch.setenv("COLUMNS", "2000")  # one example per line
    entry = registry.get(name)
    out, _ = run_ok(capsys, "describe", entry.name)
    commands = [shlex.split(line) for line in out.splitlines() if line.strip().startswith("lrviz plot ")]
    assert len(commands) >= 1
    results = []
    for argv in commands:
        assert argv[:2] == ["lrviz", "plot"]
        code, csv_out, err = run(capsys, "table", *argv[2:], "-n", "30", "--format", "csv")
        assert code == 0, f"the example {shlex.join(argv)} fails: {err}"
        results.append(csv_out)
    assert all(r == results[0] for r in results), "the example commands disagree"


def test_describe_accepts_any_case_and_prefix(capsys, cwd):
    a, _ = run_ok(capsys, "describe", "CyclicLR")
    b, _ = run_ok(capsys, "describe", "cycliclr")
    c, _ = run_ok(capsys, "describe", "torch.optim.lr_scheduler.CyclicLR")
    assert a == b == c


def test_describe_unknown_name(capsys, cwd):
    code, out, err = run(capsys, "describe", "cyclcilr")
    assert code == 2
    assert out == ""
    assert_one_error_line(err)
    assert "did you mean" in err and "CyclicLR" in err


# --------------------------------------------------------------------------------------
# 5. help


def test_plot_schedule_help_lists_every_option(capsys, cwd):
    code, out, err = run(capsys, "plot", "cycliclr", "--help")
    assert code == 0, err
    for option in ("--base-lr", "--max-lr", "--step-size-up", "--step-size-down", "--mode", "--gamma"):
        assert option_shown(option, "", out), option
    assert option_shown("--cycle-momentum", Kind.BOOL, out)
    for param in registry.get("CyclicLR").user_params:
        assert option_shown(param.option, param.kind, out), param.option
    for common in ("--steps", "--optimizer", "--lr", "--out", "--size", "--dpi"):
        assert common in out
    assert not list(cwd.iterdir()), "--help must not write a figure"


def test_table_schedule_help_and_spec_help(capsys, cwd):
    code, out, _ = run(capsys, "table", "CosineAnnealingWarmRestarts(T_0=5)", "--help")
    assert code == 0
    for param in registry.get("CosineAnnealingWarmRestarts").user_params:
        assert option_shown(param.option, param.kind, out), param.option
    assert "--format" in out


@pytest.mark.parametrize("argv", [["plot", "--help"], ["table", "--help"], ["--help"], ["describe", "--help"]])
def test_command_help(capsys, cwd, argv):
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    assert "Usage" in out
    assert not list(cwd.iterdir())


def test_plot_help_mentions_output_option(capsys, cwd):
    _, out, _ = run(capsys, "plot", "-h")
    assert "--out" in out and "--log" in out


# --------------------------------------------------------------------------------------
# 6. Bad input: exit 2, one line, nothing left behind


def assert_one_error_line(err: str) -> None:
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}:\n{err}"
    assert lines[0].startswith("lrviz: error: "), err
    assert len(lines[0]) > len("lrviz: error: ") + 10, f"an empty error message: {err!r}"


CASES = [
    # (id, argv, words the message must contain)
    ("unknown schedule", ["plot", "cyclcilr"], ["did you mean", "CyclicLR"]),
    ("unknown schedule call", ["plot", "CyclcLR(base_lr=0.1, max_lr=0.2)"], ["did you mean", "CyclicLR"]),
    ("unknown option", ["plot", "cycliclr", "--base-lrr", "0.1", "--max-lr", "0.2"], ["did you mean", "--base-lr"]),
    ("unknown option tmax", ["plot", "cosineannealinglr", "--tmax", "20"], ["did you mean", "--t-max"]),
    ("unknown spec parameter", ["plot", "StepLR(step_sise=3)"], ["step_size"]),
    ("missing required", ["plot", "cycliclr", "--base-lr", "0.1"], ["max_lr"]),
    ("missing required bare", ["plot", "steplr"], ["step_size"]),
    ("no schedule", ["plot"], ["schedule"]),
    ("two schedules", ["plot", "steplr", "exponentiallr", "--step-size", "3"], []),
    ("option without value", ["plot", "steplr", "--step-size"], ["--step-size"]),
    ("bad option value", ["plot", "steplr", "--step-size", "three"], ["--step-size", "three"]),
    ("float for int", ["plot", "steplr", "--step-size", "2.5"], ["step_size"]),
    ("bad mode", ["plot", "cycliclr", "--base-lr", "0.1", "--max-lr", "0.2", "--mode", "triangle"], ["triangular"]),
    ("unknown optimizer", ["plot", "steplr", "--step-size", "3", "--optimizer", "adamm"], ["did you mean", "adam"]),
    ("steps abc", ["plot", "steplr", "--step-size", "3", "-n", "abc"], ["abc"]),
    ("steps 0", ["plot", "steplr", "--step-size", "3", "-n", "0"], []),
    ("steps negative", ["plot", "steplr", "--step-size", "3", "-n", "-5"], []),
    ("steps fraction", ["plot", "steplr", "--step-size", "3", "-n", "1.5"], []),
    ("steps absurd", ["plot", "steplr", "--step-size", "3", "-n", "1e12"], []),
    ("lr abc", ["plot", "steplr", "--step-size", "3", "--lr", "abc"], ["--lr"]),
    ("lr negative", ["plot", "steplr", "--step-size", "3", "--lr", "-1", "-n", "5"], ["-1"]),
    ("lr nan", ["plot", "steplr", "--step-size", "3", "--lr", "nan", "-n", "5"], ["nan"]),
    ("group lr abc", ["plot", "steplr", "--step-size", "3", "--group-lr", "abc"], ["--group-lr"]),
    ("bad extension", ["plot", "steplr", "--step-size", "3", "-o", "x.jpgg"], [".png"]),
    ("no extension", ["plot", "steplr", "--step-size", "3", "-o", "figure"], [".png"]),
    ("output folder missing", ["plot", "steplr", "--step-size", "3", "-o", "missing/x.png"], ["missing"]),
    ("bad size", ["plot", "steplr", "--step-size", "3", "--size", "8y4"], ["--size"]),
    ("size out of range", ["plot", "steplr", "--step-size", "3", "--size", "0x3"], ["--size"]),
    ("bad dpi", ["plot", "steplr", "--step-size", "3", "--dpi", "5"], ["--dpi"]),
    ("unknown style", ["plot", "steplr", "--step-size", "3", "--style", "ggplott"], ["did you mean", "ggplot"]),
    ("bad betas", ["plot", "steplr", "--step-size", "3", "--optimizer", "adam", "--betas", "0.9"], ["--betas"]),
    ("betas on sgd", ["plot", "steplr", "--step-size", "3", "--betas", "0.9,0.99"], ["betas"]),
    ("momentum on adam", ["plot", "steplr", "--step-size", "3", "--optimizer", "adam", "--momentum", "0.5"], []),
    ("steps per epoch 0", ["plot", "steplr", "--step-size", "3", "--steps-per-epoch", "0"], []),
    ("every 0", ["table", "steplr", "--step-size", "3", "--every", "0"], ["--every"]),
    ("steplr step_size 0", ["plot", "steplr", "--step-size", "0"], ["step_size"]),
    ("cosine T_max 0", ["plot", "cosineannealinglr", "--t-max", "0"], ["T_max"]),
    ("warm restarts T_0 0", ["plot", "CosineAnnealingWarmRestarts(T_0=0)"], ["T_0"]),
    ("constant factor 0", ["plot", "constantlr", "--factor", "0"], ["factor"]),
    ("cyclic step_size_up 0", ["plot", "cycliclr", "--base-lr", "0.1", "--max-lr", "0.2", "--step-size-up", "0"], []),
    ("onecycle empty phase", ["plot", "OneCycleLR(max_lr=0.1, total_steps=10, pct_start=0.1)"], ["pct_start"]),
    ("onecycle no total", ["plot", "onecyclelr", "--max-lr", "0.1"], ["total_steps"]),
    ("onecycle pct_start 2", ["plot", "OneCycleLR(max_lr=0.1, total_steps=10, pct_start=2)"], ["pct_start"]),
    (
        "cyclic adagrad",
        ["plot", "cycliclr", "--base-lr", "0.1", "--max-lr", "0.2", "--optimizer", "adagrad", "-n", "10"],
        ["cycle_momentum", "Adagrad"],
    ),
    (
        "sequential milestones",
        ["plot", "SequentialLR(schedulers=[ExponentialLR(gamma=0.9), StepLR(step_size=3)], milestones=[5, 8])"],
        ["milestone"],
    ),
    (
        "plateau in sequential",
        ["plot", "SequentialLR(schedulers=[ReduceLROnPlateau(), StepLR(step_size=3)], milestones=[5])"],
        ["ReduceLROnPlateau"],
    ),
    ("lambda fails", ["plot", "LambdaLR(lr_lambda=lambda e: 1/(e-3))", "-n", "10"], ["division"]),
    ("lambda option fails", ["plot", "lambdalr", "--lr-lambda", "1/(epoch-3)", "-n", "10"], ["division"]),
    ("lambda overflows", ["plot", "LambdaLR(lr_lambda=lambda e: 10**10**10)", "-n", "5"], []),
    ("per-group list mismatch", ["plot", "CyclicLR(base_lr=[0.1, 0.2], max_lr=0.3)", "-n", "5"], ["group"]),
    ("huge integer", ["plot", "StepLR(step_size=9**9**9)"], []),
    ("empty spec", ["plot", ""], []),
    ("syntax error", ["plot", "StepLR(step_size=3"], []),
    ("statements", ["plot", "StepLR(step_size=3); import os"], []),
    ("inject import call", ["plot", "StepLR(step_size=__import__('os').system('touch pwned'))"], []),
    ("inject bare call", ["plot", "__import__('os').system('touch pwned')"], []),
    ("inject lambda", ["plot", "LambdaLR(lr_lambda=lambda e: __import__('os').system('touch pwned'))"], []),
    ("inject open", ["plot", "LambdaLR(lr_lambda=lambda e: open('pwned', 'w'))"], []),
    ("inject dunder", ["plot", "LambdaLR(lr_lambda=lambda e: e.__class__.__bases__)"], []),
    ("inject subclasses", ["plot", "LambdaLR(lr_lambda='().__class__.__bases__[0].__subclasses__()')"], []),
    ("inject string mode", ["plot", "CyclicLR(base_lr=0.1, max_lr=0.2, mode=__import__('os').name)"], []),
    ("inject option", ["plot", "steplr", "--step-size", "__import__('os').system('touch pwned')"], []),
    ("inject lambda option", ["plot", "lambdalr", "--lr-lambda", "__import__('os').system('touch pwned')"], []),
    ("inject walrus", ["plot", "StepLR(step_size=(x := 3))"], []),
    ("inject comprehension", ["plot", "MultiStepLR(milestones=[i for i in range(10**9)])"], []),
    ("nested too deep", ["plot", "StepLR(step_size=" + "[" * 200 + "1" + "]" * 200 + ")"], []),
    ("unary chain", ["plot", "StepLR(step_size=" + "-" * 4000 + "1)"], []),
    ("too long", ["plot", "StepLR(step_size=3" + " " * 6000 + ")"], []),
]


@pytest.mark.parametrize(("argv", "words"), [pytest.param(a, w, id=i) for i, a, w in CASES])
def test_bad_input_exits_2_with_one_line(capsys, cwd, argv, words):
    code, out, err = run(capsys, *argv)
    assert code == 2, f"exit {code}; stderr: {err}"
    assert_one_error_line(err)
    for word in words:
        assert word in err, f"{word!r} not in {err!r}"
    assert out == ""
    assert files_in(cwd) == [], "a failed run must leave no file (output or temp) behind"


def test_output_path_is_a_folder(capsys, cwd):
    (cwd / "d.png").mkdir()
    code, out, err = run(capsys, "plot", "steplr", "--step-size", "3", "-n", "5", "-o", "d.png")
    assert code == 2, err
    assert_one_error_line(err)
    assert files_in(cwd) == ["d.png"]


def test_failed_plot_keeps_the_old_file(capsys, cwd):
    old = b"the previous figure"
    (cwd / "keep.png").write_bytes(old)
    code, _, err = run(capsys, "plot", "LambdaLR(lr_lambda=lambda e: 1/(e-3))", "-n", "10", "-o", "keep.png")
    assert code == 2
    assert_one_error_line(err)
    assert (cwd / "keep.png").read_bytes() == old
    code, _, err = run(capsys, "plot", "steplr", "--step-size", "0", "-o", "keep.png")
    assert code == 2
    assert (cwd / "keep.png").read_bytes() == old
    assert files_in(cwd) == ["keep.png"]


def test_failed_plot_with_several_outputs_writes_none(capsys, cwd):
    """All outputs or none: a bad second -o must not leave the first written (or overwritten)."""
    old = b"the previous figure"
    (cwd / "keep.png").write_bytes(old)
    code, out, err = run(
        capsys, "plot", "steplr", "--step-size", "3", "-n", "5", "-o", "keep.png", "-o", "missing/b.png"
    )
    assert code == 2
    assert_one_error_line(err)
    assert (cwd / "keep.png").read_bytes() == old
    assert files_in(cwd) == ["keep.png"]
    code, out, err = run(capsys, "plot", "steplr", "--step-size", "3", "-n", "5", "-o", "new.svg", "-o", "x.jpgg")
    assert code == 2
    assert files_in(cwd) == ["keep.png"]


def test_injection_attempts_run_nothing(capsys, cwd):
    for _, argv, _ in CASES:
        if any("pwned" in a for a in argv):
            main(list(argv))
    capsys.readouterr()
    assert not (cwd / "pwned").exists()


# --------------------------------------------------------------------------------------
# 7. Warnings: exit 0, the figure is written, the warning on stderr


WARNING_CASES = [
    ("negative gamma", ["exponentiallr", "--gamma", "-0.5", "-n", "10"], "negative"),
    ("rising gamma", ["exponentiallr", "--gamma", "1.1", "-n", "10"], "rises"),
    ("unsorted milestones", ["multisteplr", "--milestones", "8,3", "-n", "10"], "not sorted"),
    ("zero lr", ["steplr", "--step-size", "3", "--lr", "0", "-n", "10"], "0"),
    ("onecycle past total", ["OneCycleLR(max_lr=0.1, total_steps=20)", "-n", "30"], "total_steps"),
    ("lambda nan", ["LambdaLR(lr_lambda=lambda e: 1 if e < 3 else nan)", "-n", "6"], "not finite"),
    ("base above max", ["cycliclr", "--base-lr", "0.3", "--max-lr", "0.2", "-n", "10"], "base_lr"),
]


@pytest.mark.parametrize(("argv", "word"), [pytest.param(a, w, id=i) for i, a, w in WARNING_CASES])
def test_warnings_still_write_the_figure(capsys, cwd, argv, word):
    out, err = run_ok(capsys, "plot", *argv, "-o", "w.png")
    assert out.splitlines() == ["w.png"]
    assert (cwd / "w.png").read_bytes()[:8] == PNG_MAGIC
    warnings = [line for line in err.splitlines() if line.startswith("lrviz: warning: ")]
    assert warnings, err
    assert any(word in w for w in warnings), err
    assert all(line.startswith("lrviz: ") for line in err.splitlines())
    assert files_in(cwd) == ["w.png"]


def test_onecycle_past_total_steps_truncates_the_table(capsys, cwd):
    out, err = run_ok(capsys, "table", "OneCycleLR(max_lr=0.1, total_steps=20)", "-n", "30", "-f", "csv")
    assert "lrviz: warning:" in err and "20" in err
    header, rows = parse_csv(out)
    assert len(rows) == 20
    lrs, _ = training_loop(lambda o: lr_scheduler.OneCycleLR(o, max_lr=0.1, total_steps=20), 20).tolist()
    assert column(header, rows, "lr") == lrs[0]


def test_onecycle_exactly_total_steps_has_no_warning(capsys, cwd):
    out, err = run_ok(capsys, "table", "OneCycleLR(max_lr=0.1, total_steps=20)", "-n", "20", "-f", "csv")
    assert "warning" not in err
    assert len(parse_csv(out)[1]) == 20


def test_zero_lr_warning_names_the_zero(capsys, cwd):
    _, err = run_ok(capsys, "table", "steplr", "--step-size", "3", "--lr", "0", "-n", "10", "-f", "csv")
    assert re.search(r"lrviz: warning: LR is 0\b", err), err


def test_clean_schedules_have_no_warnings(capsys, cwd):
    for args in (
        ["steplr", "--step-size", "3", "-n", "10"],
        ["exponentiallr", "--gamma", "0.9", "-n", "10"],
        ["multisteplr", "--milestones", "3,8", "-n", "10"],
        ["cycliclr", "--base-lr", "0.1", "--max-lr", "0.2", "--step-size-up", "3", "-n", "10"],
    ):
        _, err = run_ok(capsys, "table", *args, "-f", "csv")
        assert err == "", (args, err)


# --------------------------------------------------------------------------------------
# 8. End to end: python -m lrviz, the console script, exit codes, lazy imports


def test_python_m_lrviz_version():
    proc = subprocess_lrviz("--version")
    assert proc.returncode == 0, proc.stderr
    assert re.search(rf"\blrviz {re.escape(lrviz.__version__)}\b", proc.stdout)
    assert proc.stderr == ""


def test_csv_stdout_is_only_data(tmp_path):
    proc = subprocess_lrviz("table", "steplr", "--step-size", "4", "--format", "csv", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    match = re.search(r"tracing ([\d,]+) steps", proc.stderr)  # the note goes to stderr, not into the data
    assert match, proc.stderr
    n = int(match.group(1).replace(",", ""))
    header, rows = parse_csv(proc.stdout)
    assert header == ["step", "lr", "momentum"]
    assert [int(r[0]) for r in rows] == list(range(n))
    assert list(tmp_path.iterdir()) == []


def test_subprocess_bad_input_exit_code_and_one_line(tmp_path):
    proc = subprocess_lrviz("plot", "cycliclr", "--base-lrr", "0.1", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert_one_error_line(proc.stderr)
    assert list(tmp_path.iterdir()) == []


def test_console_script_plot(tmp_path):
    exe = Path(sys.executable).with_name("lrviz")
    command = [str(exe)] if exe.exists() else ["lrviz"]
    proc = subprocess.run(
        [*command, "plot", "steplr", "--step-size", "3", "-n", "10"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["steplr.png"]
    assert (tmp_path / "steplr.png").read_bytes()[:8] == PNG_MAGIC


def test_no_arguments_shows_help_without_an_empty_error(tmp_path):
    proc = subprocess_lrviz(cwd=tmp_path)
    assert "Usage" in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    for line in proc.stderr.splitlines():
        assert not re.match(r"lrviz: error:\s*(\(|$)", line), f"an error line with no message: {line!r}"


LAZY = """
import io, sys, contextlib
from lrviz.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    code = main({argv!r})
assert code == 0, code
heavy = sorted(m for m in ("torch", "matplotlib") if m in sys.modules)
assert not heavy, heavy
"""


@pytest.mark.parametrize(
    "argv",
    [["--help"], ["list"], ["list", "--format", "plain"], ["describe", "cycliclr"], ["plot", "cycliclr", "--help"]],
    ids=" ".join,
)
def test_light_commands_do_not_import_torch_or_matplotlib(tmp_path, argv):
    proc = subprocess.run(
        [sys.executable, "-c", LAZY.format(argv=argv)], capture_output=True, text=True, cwd=tmp_path, timeout=120
    )
    assert proc.returncode == 0, proc.stderr


def test_every_option_of_a_tracing_command_reaches_the_runner():
    """The commands hand their parameters to the runner by name (TraceArgs.of(locals())):
    an option whose name is not a field there would be silently ignored."""
    import dataclasses
    import inspect

    from lrviz.cli import commands
    from lrviz.cli.runner import FigureArgs, TraceArgs

    taken = {f.name for cls in (TraceArgs, FigureArgs) for f in dataclasses.fields(cls)}
    own = {"ctx", "tokens", "help_", "every", "fmt"}  # passed one by one
    tracing = (commands.plot_cmd, commands.compare_cmd, commands.show_cmd, commands.explore_cmd, commands.table_cmd)
    for command in tracing:
        params = set(inspect.signature(command).parameters)
        assert params - own <= taken, (command.__name__, params - own - taken)


def test_an_unknown_option_after_a_config_is_named_with_a_suggestion(capsys):
    config = Path(__file__).resolve().parent.parent / "docs" / "examples" / "warmups.toml"
    code, out, err = run(capsys, "plot", "--config", str(config), "--lgo")
    assert code == 2 and out == ""
    assert err.strip() == "lrviz: error: lrviz plot has no option --lgo; did you mean '--log'?"


def test_an_option_before_any_schedule_says_to_name_the_schedule_first(capsys):
    code, _, err = run(capsys, "plot", "--base-lr", "0.1")
    assert code == 2
    assert "comes before any schedule" in err and len(err.strip().splitlines()) == 1
