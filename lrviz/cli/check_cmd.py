"""``lrviz check``: the LR a run logged against the schedule it was meant to follow."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from lrviz.errors import LrvizError

from . import output
from .options import DevicesOpt, FromOpt, LrOpt, NumExamplesOpt, OptimizerOpt, StepsPerEpochOpt

if TYPE_CHECKING:
    from lrviz.training.check import Result
    from lrviz.training.plan import Plan


class Interval(str, Enum):
    step = "step"
    epoch = "epoch"


PLAN = "Plan"


def check_cmd(
    log: Annotated[
        Path,
        typer.Argument(
            metavar="LOG",
            help="trainer_state.json (or the Trainer's output folder), Lightning's metrics.csv, a TensorBoard "
            "event file or folder, timm's summary.csv, or a CSV/JSON log with a step and an LR column.",
            show_default=False,
        ),
    ],
    against: Annotated[
        str | None,
        typer.Option(
            "--against",
            metavar="SPEC",
            help='The schedule the run should follow: "cosine(num_warmup_steps=100, num_training_steps=1000)".',
            rich_help_panel=PLAN,
            show_default=False,
        ),
    ] = None,
    from_file: FromOpt = None,
    num_examples: NumExamplesOpt = None,
    devices: DevicesOpt = None,
    lr: LrOpt = None,
    optimizer: OptimizerOpt = None,
    interval: Annotated[
        Interval | None,
        typer.Option(
            "--interval",
            metavar="step|epoch",
            help="With --against: the scheduler steps after every update (step, the default) or once per "
            "epoch (give --steps-per-epoch).",
            rich_help_panel=PLAN,
            show_default=False,
        ),
    ] = None,
    steps_per_epoch: StepsPerEpochOpt = None,
    column: Annotated[
        str | None,
        typer.Option(
            "--column",
            metavar="NAME",
            help="The LR column, key or TensorBoard tag, when the log has several.",
            show_default=False,
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--out",
            metavar="FILE",
            help="Also draw planned against logged (.png, .svg or .pdf), with their ratio and the first departure.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Check the LR a run logged against its plan: exit 0 when it followed it, 1 when it departs.

    The plan is a schedule (--against) or a training config (--from). On a departure the
    classic mistakes are each tested against the log (stepping per epoch instead of per update,
    k scheduler steps per update from gradient accumulation, devices or a second
    scheduler.step(), a restart from step 0 after resuming, a warmup off by one, a different
    number of training steps) and the one that reproduces every logged value is named, with the
    spec the run followed.

    Examples:

      lrviz check out/trainer_state.json --from out/training_args.json --num-examples 50000

      lrviz check lightning_logs/version_0/metrics.csv --from config.yaml --num-examples 60000

      lrviz check output/train/exp/summary.csv --from output/train/exp/args.yaml --num-examples 1281167 --devices 8

      lrviz check runs/exp1 --against "OneCycleLR(max_lr=0.1, total_steps=1000)" -o check.png
    """
    from lrviz.training import check, logs

    if (against is None) == (from_file is None):
        raise LrvizError("give the plan as --against SPEC or --from CONFIG (one of them)")
    if from_file is None and (num_examples is not None or devices is not None):
        raise LrvizError("--num-examples and --devices go with --from CONFIG")
    if out is not None:
        from lrviz.files import check_writable
        from lrviz.render import figure

        figure.format_of(str(out))
        check_writable(out)
    logged = logs.read(log, column)
    plan = _plan(against, from_file, num_examples, devices, lr, optimizer, interval, steps_per_epoch, logged)
    output.stderr(f"lrviz: {len(logged):,} LR values from {logged.source} ({logged.logger})")
    for note in logged.notes:
        output.stderr(f"lrviz: {note}")
    result = check.check(logged, plan)
    output.stderr(f"lrviz: convention: {result.convention.text}")
    if logged.float32:
        output.stderr("lrviz: the logger stores float32: values agree to float32's precision")
    if out is not None:
        _draw(result, out)
    report(result)
    if not result.ok:
        raise typer.Exit(1)


def _plan(
    against: str | None,
    from_file: Path | None,
    num_examples: int | None,
    devices: int | None,
    lr: float | None,
    optimizer: str | None,
    interval: Interval | None,
    steps_per_epoch: int | None,
    logged: object,
) -> Plan:
    from dataclasses import replace

    from lrviz.config import TraceOptions
    from lrviz.training import check, configs
    from lrviz.training.plan import Plan, Stepping

    if from_file is not None:
        plan = configs.load(from_file, num_examples=num_examples, devices=devices)
        for note in plan.notes:
            output.stderr(f"lrviz: {from_file}: {note}")
        options = plan.options
        if lr is not None or optimizer is not None:
            options = options.merged(TraceOptions(lr=lr, optimizer=optimizer))
        plan = replace(plan, options=options)
        if interval is not None or steps_per_epoch is not None:
            stepping = plan.stepping
            new = replace(
                stepping,
                interval=interval.value if interval is not None else stepping.interval,
                steps_per_epoch=steps_per_epoch or stepping.steps_per_epoch,
            )
            if new.interval != stepping.interval and (new.interval == "step" or new.steps_per_epoch):
                # the config's notes above count scheduler steps its own way: say which one holds
                output.stderr(f"lrviz: --interval {new.interval}: {new.describe()}, not as {from_file} says")
            plan = plan.with_stepping(new)
        return plan
    from lrviz import spec as spec_mod

    assert against is not None
    spec = spec_mod.parse(against)
    every = interval.value if interval is not None else "step"
    if every == "epoch" and steps_per_epoch is None:
        raise LrvizError("--interval epoch needs --steps-per-epoch K (updates per epoch)")
    plan = Plan(
        spec=spec,
        options=TraceOptions(optimizer=optimizer, lr=lr),
        stepping=Stepping(every, 1, steps_per_epoch),
        source=against,
    )
    if lr is None and not spec.entry.absolute:
        from lrviz.training.logs import LoggedLR

        assert isinstance(logged, LoggedLR)
        fitted = check.fit_lr(logged, plan)
        if fitted is not None:
            value, step = fitted
            output.stderr(f"lrviz: no --lr: the optimizer's lr {value:g} makes the plan meet the log at step {step}")
            plan = replace(plan, options=replace(plan.options, lr=value))
    return plan


def _num(x: float) -> str:
    return f"{x:.6g}"


def report(result: Result) -> None:
    """The verdict on stdout: one line when the run followed the plan; the departure, the
    mistake and its fix when it did not."""
    import math

    n = len(result.log)
    if result.ok:
        print(
            f"the run followed the plan ({n:,} point{'s' if n != 1 else ''}, max relative error {result.max_rel:.2g})"
        )
        return
    j = result.departure
    assert j is not None
    planned = float(result.planned[j])
    logged = float(result.log.lr[j])
    step = result.departure_step
    at = f"{'epoch' if result.log.per_epoch else 'step'} {step:,}"
    if math.isfinite(planned):
        ratio = f", ratio {logged / planned:.4g}" if planned else ""
        print(f"the run departs from the plan at {at}: logged {_num(logged)}, planned {_num(planned)}{ratio}")
    else:
        print(f"the run departs from the plan at {at}: logged {_num(logged)}, past the plan's end")
    d = result.diagnosis
    if d is None:
        print(f"no single classic mistake explains the log (tested: {', '.join(result.tested)})")
        return
    print(f"diagnosis: {d.mistake}: {d.detail}")
    print(f"fix: {d.fix}")


def _draw(result: Result, out: Path) -> None:
    from lrviz.files import write_atomic
    from lrviz.render import figure
    from lrviz.training.figure import draw

    fmt = figure.format_of(str(out))
    fig = draw(result)
    write_atomic([(out, figure.to_bytes(fig, fmt, figure.DEFAULT_DPI))])
    output.stderr(f"lrviz: wrote {out}")
