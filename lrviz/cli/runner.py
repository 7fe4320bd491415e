"""The one path of every command that traces: schedule tokens, a config file and the common
options -> specs -> traces (through :mod:`lrviz.runs`) -> a figure, a chart or a table.

``plot``, ``compare``, ``show``, ``table`` and ``explore`` differ only in what they do
with the traces; each is a few lines in :mod:`lrviz.cli.commands` that call one function here.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from lrviz import registry
from lrviz.errors import LrvizError, did_you_mean, printable
from lrviz.safe_expr import MAX_SPEC_LENGTH
from lrviz.spec import schedule_head

from . import output
from .options import Format, Layout
from .schedule_args import entry_of, resolve, split_schedules

if TYPE_CHECKING:
    from lrviz.config import Config, FigureOptions, TraceOptions
    from lrviz.spec import Spec
    from lrviz.tracing import Trace


@dataclass(frozen=True)
class TraceArgs:
    """The common options of the tracing commands, as given on the command line."""

    steps: str | None = None
    optimizer: str | None = None
    lr: float | None = None
    group_lr: list[float] | None = None
    momentum: float | None = None
    betas: str | None = None
    steps_per_epoch: int | None = None
    metric: str | None = None
    exact: bool = False
    config: Path | None = None
    from_file: Path | None = None
    num_examples: int | None = None
    devices: int | None = None
    label: list[str] | None = None
    print_code: bool = False

    @classmethod
    def of(cls, params: Mapping[str, Any]) -> TraceArgs:
        """From a command's parameters (its ``locals()``), by name: each command takes a
        subset of these options."""
        return cls(**{f.name: params[f.name] for f in fields(cls) if f.name in params})


@dataclass(frozen=True)
class FigureArgs:
    """The figure options as given; None where not given (a config file's value stands)."""

    out: list[Path] | None = None
    layout: Layout | None = None
    log: bool | None = None
    title: str | None = None
    size: str | None = None
    dpi: int | None = None
    style: str | None = None
    annotate: bool | None = None
    terminal: bool = False

    @classmethod
    def of(cls, params: Mapping[str, Any]) -> FigureArgs:
        """From a command's parameters (its ``locals()``), by name."""
        return cls(**{f.name: params[f.name] for f in fields(cls) if f.name in params})


# --------------------------------------------------------------------------------------
# The commands


def draw_command(ctx: typer.Context, tokens: Sequence[str] | None, args: TraceArgs, fig: FigureArgs) -> None:
    """plot (one schedule), compare and show (several): a figure file, a terminal chart, or both."""
    with output.user_output_to_stderr():
        job = gather(ctx, tokens, args)
    if ctx.info_name == "plot" and len(job.specs) > 1:
        raise LrvizError(
            f"'lrviz plot' draws one schedule, got {len(job.specs)}; use 'lrviz compare' to draw several in one figure"
        )
    fig_opts = figure_options(job.config, fig)
    if fig.out:
        paths = list(fig.out)
    elif job.config is not None and job.config.out:
        paths = list(job.config.out)
    else:
        paths = [Path("compare.png" if len(job.specs) > 1 else f"{file_stem(job.specs[0])}.png")]
    to_file = bool(fig.out) or not fig.terminal or (job.config is not None and bool(job.config.out))
    check_figure_options(fig_opts, paths if to_file else [])
    names = labels(job, args.label)
    if not fig.terminal:
        from lrviz.render import figure

        for given in (args.label or []) + [run.label for run in (job.config.runs if job.config else ()) if run.label]:
            figure.check_text(given, "--label")
    with output.user_output_to_stderr():
        traces = trace_job(job, names, args.exact)
    output.report_all(traces)
    if args.print_code:
        output.print_code(traces)
    if fig.terminal:
        # with --print-code, stdout is the script: the chart goes to stderr
        output.terminal_chart(traces, fig_opts, file=sys.stderr if args.print_code else None)
        if not to_file:
            output.summaries(traces)
            return
    output.write_figure(traces, fig_opts, paths, names_to_stderr=args.print_code)


def table_command(
    ctx: typer.Context, tokens: Sequence[str] | None, args: TraceArgs, every: int | None, fmt: Format
) -> None:
    with output.user_output_to_stderr():
        job = gather(ctx, tokens, args)
        traces = trace_job(job, labels(job, args.label), args.exact)
    output.report_all(traces)
    output.print_table(traces, every, fmt)


def explore_command(ctx: typer.Context, tokens: Sequence[str] | None, args: TraceArgs) -> None:
    """The explorer, starting at the first schedule given (the others pinned)."""
    from lrviz import explore

    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise LrvizError(
            "'lrviz explore' needs an interactive terminal; for a chart in a pipe or a log, use 'lrviz show'"
        )
    start = None
    pinned: list[Trace] = []
    if tokens or args.config is not None or args.from_file is not None:
        job = gather(ctx, tokens, args)
        opts = job.options[0]
        texts = {
            "steps": opts.steps,
            "optimizer": opts.optimizer,
            "lr": opts.lr,
            "group_lr": ", ".join(map(str, opts.group_lr)) if opts.group_lr else None,
            "steps_per_epoch": opts.steps_per_epoch,
            "metric": opts.metric,
        }
        start = explore.state_for(job.specs[0], {k: str(v) for k, v in texts.items() if v is not None})
        if len(job.specs) > 1:
            rest = Job(job.specs[1:], job.options[1:], job.labels[1:], job.metric_dirs[1:], job.config)
            pinned = trace_job(rest, labels(rest, None))
    result = explore.make_app(start, pinned).run()
    if result:
        print(result, end="" if result.endswith("\n") else "\n")


def schedule_help(ctx: typer.Context, tokens: Sequence[str] | None) -> None:
    """The command's help; after a schedule, also a list of that schedule's options."""
    from rich.console import Console

    typer.echo(ctx.get_help())
    console = Console()
    try:
        groups = split_schedules(list(tokens or []))
    except LrvizError:
        groups = []
    entries = [e for e in (entry_of(text) for text, _ in groups if text) if e is not None]
    if not entries:
        console.print(f"  Options of one schedule: [bold]lrviz {ctx.command.name} NAME --help[/] (names: lrviz list)")
        return
    from .catalog import params_list

    for entry in dict.fromkeys(entries):
        title = f"{entry.name} options (lrviz describe {entry.cli_name} for more)"
        console.print(params_list(entry, title, brief=True))


# --------------------------------------------------------------------------------------
# From the command line (and a config file) to traces


@dataclass
class Job:
    """What a command traces: each schedule with its options, label and metric folder."""

    specs: list[Spec]
    options: list[TraceOptions]
    labels: list[str | None]
    metric_dirs: list[Path]
    config: Config | None
    origins: list[str] = field(default_factory=list)  # "FILE: schedule[2]: " for a config's schedules


def parse_steps(text: str | None) -> int | None:
    """-n/--steps: a whole number, written 1000, 1_000, 1,000 or 1e3."""
    if text is None:
        return None
    try:
        value = float(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise LrvizError(f"-n/--steps takes a whole number of steps, got {text!r}") from None
    if not value.is_integer() or value != value:
        raise LrvizError(f"-n/--steps takes a whole number of steps, got {text!r}")
    return int(value)


def trace_options(args: TraceArgs) -> TraceOptions:
    from lrviz.config import TraceOptions
    from lrviz.optimizers import parse_betas

    return TraceOptions(
        steps=parse_steps(args.steps),
        steps_per_epoch=args.steps_per_epoch,
        optimizer=args.optimizer,
        lr=args.lr,
        group_lr=tuple(args.group_lr) if args.group_lr else None,
        momentum=args.momentum,
        betas=parse_betas(args.betas) if args.betas is not None else None,
        metric=args.metric,
    )


def common_options(ctx: typer.Context) -> list[str]:
    """The command's own long options, for an unknown schedule option's did-you-mean."""
    opts: list[str] = []
    for param in ctx.command.params:
        opts.extend(getattr(param, "opts", []))
        opts.extend(getattr(param, "secondary_opts", []))
    return [o for o in opts if o.startswith("--")]


def gather(ctx: typer.Context, tokens: Sequence[str] | None, args: TraceArgs) -> Job:
    """The schedules of a config file (``--config``), then those on the command line; the
    options given on the command line win over the file's."""
    from lrviz.config import load
    from lrviz.runs import shared_args

    command = ctx.info_name or ""
    cli = trace_options(args)
    cfg = load(args.config) if args.config is not None else None
    job = Job([], [], [], [], cfg)
    if cfg is not None:
        for k, run_ in enumerate(cfg.runs):
            merged = cfg.trace.merged(run_.options).merged(cli)
            job.specs.append(shared_args(run_.spec, merged))
            job.options.append(merged)
            job.labels.append(run_.label)
            from_config = cli.metric is None and merged.metric is not None
            job.metric_dirs.append(cfg.folder if from_config else Path.cwd())
            job.origins.append(f"{args.config}: schedule[{k + 1}]: ")
    if args.from_file is not None:
        add_training_config(job, args, cli)
    elif args.num_examples is not None or args.devices is not None:
        raise LrvizError("--num-examples and --devices go with --from FILE (a training config)")
    for text, options in split_schedules(list(tokens or [])):
        if not text:
            if options and job.specs:  # the schedules came from --config or --from
                name = options[0].split("=", 1)[0]
                known = [opt for param in ctx.command.params for opt in getattr(param, "opts", ())]
                raise LrvizError(
                    f"lrviz {command} has no option {name}",
                    did_you_mean(name, known) or f"see lrviz {command} --help",
                )
            if options:
                raise LrvizError(
                    f"'{options[0]}' comes before any schedule; name the schedule first, "
                    f"e.g. 'lrviz {command} cycliclr --base-lr 0.1'"
                )
            continue
        note = registry.ambiguity(schedule_head(text))
        if note:
            output.stderr(f"lrviz: note: {note}")
        job.specs.append(resolve(text, options, command=command, common=common_options(ctx), shared=cli))
        job.options.append(cli)
        job.labels.append(None)
        job.metric_dirs.append(Path.cwd())
        job.origins.append("")
    if not job.specs:
        raise LrvizError(
            f"name a schedule, e.g. 'lrviz {command} cycliclr --base-lr 0.1 --max-lr 0.2' (see 'lrviz list')"
        )
    return job


def add_training_config(job: Job, args: TraceArgs, cli: TraceOptions) -> None:
    """The schedule of ``--from FILE``, its derived numbers said on stderr."""
    from lrviz.runs import shared_args
    from lrviz.training import configs

    assert args.from_file is not None
    plan = configs.load(args.from_file, num_examples=args.num_examples, devices=args.devices)
    for note in plan.notes:
        output.stderr(f"lrviz: {args.from_file}: {note}")
    merged = plan.options.merged(cli)
    job.specs.append(shared_args(plan.spec, merged))
    job.options.append(merged)
    job.labels.append(None)
    job.metric_dirs.append(Path.cwd())
    job.origins.append(f"{args.from_file}: ")


def labels(job: Job, given: Sequence[str] | None) -> list[str]:
    from lrviz.runs import labels

    given = list(given or [])
    if given and len(given) != len(job.specs):
        raise LrvizError(
            f"{len(given)} --label value{'s' if len(given) != 1 else ''} for {len(job.specs)} "
            f"schedule{'s' if len(job.specs) != 1 else ''}",
            "give one --label per schedule, in order, or none",
        )
    for label in given:
        if len(label) > MAX_SPEC_LENGTH:
            raise LrvizError(f"--label is {len(label):,} characters long; the limit is {MAX_SPEC_LENGTH:,}")
    return labels(job.specs, [given[i] if i < len(given) else job.labels[i] for i in range(len(job.specs))])


PROGRESS_MIN_STEPS = 200_000
"""Traces this long show a progress bar (on a terminal) while torch is stepped."""


def trace_job(job: Job, labels: Sequence[str], exact: bool = False) -> list[Trace]:
    from lrviz.runs import trace_all

    if any(o.metric for o in job.options) and not any(s.entry.needs_metric for s in job.specs):
        output.stderr(
            "lrviz: warning: a metric is given, but no schedule here is metric-driven (such as ReduceLROnPlateau); "
            "ignoring it"
        )
    # long traces that can be made a block at a time are (memory for a block, not the steps)
    if not sys.stderr.isatty():
        return trace_all(job.specs, job.options, labels, job.metric_dirs, job.origins, exact=exact, stream=True)
    with StepProgress() as progress:
        return trace_all(
            job.specs, job.options, labels, job.metric_dirs, job.origins, exact=exact, progress=progress, stream=True
        )


WAITING_NOTE_SECONDS = 3.0
"""After this long in a schedule's constructor (a user's class that never returns, say),
lrviz says on the terminal what it is waiting for."""


class StepProgress:
    """On a terminal (stderr): a progress bar for each long trace that steps torch (fast
    paths need none), and a note when building a schedule takes more than a few seconds."""

    def __enter__(self) -> StepProgress:
        self._bar: Any = None
        self._task: Any = None
        self._timer: threading.Timer | None = None
        return self

    def __call__(self, label: str, done: int, total: int) -> None:
        self._stop_timer()
        if done < 0:  # building the scheduler: the user's code runs
            self._timer = threading.Timer(WAITING_NOTE_SECONDS, self._waiting, (label,))
            self._timer.daemon = True
            self._timer.start()
            return
        if total < PROGRESS_MIN_STEPS:
            return
        if self._bar is None:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self._bar = Progress(
                TextColumn("stepping torch: {task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=output.console(stderr=True),
                transient=True,
            )
            self._bar.start()
        if done == 0 or self._task is None:
            from rich.markup import escape

            short = label if len(label) <= 40 else label[:37] + "..."
            self._task = self._bar.add_task(escape(printable(short)), total=total)
        self._bar.update(self._task, completed=done)

    @staticmethod
    def _waiting(label: str) -> None:
        short = label if len(label) <= 60 else label[:57] + "..."
        output.stderr(
            f"lrviz: still waiting for {short} to be built: its constructor has not returned after "
            f"{WAITING_NOTE_SECONDS:g} s (ctrl+c stops lrviz)"
        )

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer.join()
            self._timer = None

    def __exit__(self, *exc: object) -> None:
        self._stop_timer()
        if self._bar is not None:
            self._bar.stop()


# --------------------------------------------------------------------------------------
# Figure options


def figure_options(cfg: Config | None, fig: FigureArgs) -> FigureOptions:
    """Figure options: the config file's, replaced by those given on the command line."""
    from lrviz.config import FigureOptions

    base = cfg.figure if cfg is not None else FigureOptions()
    given = FigureOptions(
        title=fig.title,
        layout=None if fig.layout is None else fig.layout.value,
        log=fig.log,
        size=fig.size,
        dpi=fig.dpi,
        style=fig.style,
        annotate=fig.annotate,
    )
    return base.merged(given)


def check_figure_options(fig_opts: FigureOptions, out: Sequence[Path] | None) -> None:
    """Fail before any tracing on an output or figure option that drawing would refuse."""
    from lrviz.files import check_writable
    from lrviz.render import figure

    for path in out or []:
        figure.format_of(str(path))
        check_writable(path)
    if fig_opts.size:
        width, height = figure.parse_size(fig_opts.size)
        if any(figure.format_of(str(path)) == "png" for path in out or []):
            figure.check_pixels(width, height, fig_opts.dpi if fig_opts.dpi is not None else figure.DEFAULT_DPI)
    if fig_opts.title is not None:
        if len(fig_opts.title) > MAX_SPEC_LENGTH:
            raise LrvizError(f"--title is {len(fig_opts.title):,} characters long; the limit is {MAX_SPEC_LENGTH:,}")
        figure.check_text(fig_opts.title, "--title")
    if fig_opts.style:
        figure.check_style(fig_opts.style)


def file_stem(spec: Spec) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in spec.entry.cli_name)
