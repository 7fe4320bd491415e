"""The command line: parse text, call the core, print or write. Nothing else.

Only this module prints, writes files or exits. Every bad input ends in one line on
stderr and exit code 2; files are written to a temporary name and renamed.
"""

from __future__ import annotations

import os
import shlex
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from . import __version__, registry
from . import spec as spec_mod
from .errors import LrvizError, did_you_mean
from .runs import SHARED_OPTIONS
from .schedule import Entry, Kind, Param
from .spec import Spec

if TYPE_CHECKING:
    from .config import Config, FigureOptions, TraceOptions
    from .tracing import Trace

app = typer.Typer(
    name="lrviz",
    help=(
        "Plot and explore PyTorch learning-rate schedules, traced exactly as your training loop "
        "sees them: torch's values, step by step, on a dummy optimizer.\n\n"
        "Examples:\n\n"
        "  lrviz plot cycliclr --base-lr 0.1 --max-lr 0.2\n\n"
        '  lrviz plot "OneCycleLR(max_lr=0.1, total_steps=1000)" -o onecycle.svg\n\n'
        "  lrviz table steplr --step-size 30 --format csv\n\n"
        "  lrviz list; lrviz describe onecyclelr"
    ),
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)

TRACE = "Trace"
OPTIM = "Optimizer"
FIGURE = "Figure"
OUTPUT = "Output"

StepsOpt = Annotated[
    str | None,
    typer.Option(
        "-n",
        "--steps",
        metavar="N",
        help="Training iterations to trace. Default: enough to show the whole shape.",
        rich_help_panel=TRACE,
        show_default=False,
    ),
]
StepsPerEpochOpt = Annotated[
    int | None,
    typer.Option(
        "--steps-per-epoch", metavar="K", help="Show epochs on the x axis (K steps each).", rich_help_panel=TRACE
    ),
]
OptimizerOpt = Annotated[
    str | None,
    typer.Option(
        "--optimizer",
        metavar="NAME",
        help="sgd, adam, adamw, nadam, radam, rmsprop, adagrad, ... (any torch.optim optimizer). Default: sgd.",
        rich_help_panel=OPTIM,
        show_default=False,
    ),
]
LrOpt = Annotated[
    float | None,
    typer.Option(
        "--lr",
        help="The optimizer's learning rate (also a schedule's own lr parameter, e.g. SquareRootScheduler's). "
        "Default: 0.1.",
        rich_help_panel=OPTIM,
        show_default=False,
    ),
]
MetricOpt = Annotated[
    str | None,
    typer.Option(
        "--metric",
        metavar="SOURCE",
        help="What ReduceLROnPlateau (and other metric-driven schedules) are stepped with: FILE.csv[:COLUMN], "
        "FILE.json[:KEY], or synthetic:NAME[,key=value...] (lrviz describe reducelronplateau lists them). "
        "Per step; per epoch with --steps-per-epoch.",
        rich_help_panel=TRACE,
        show_default=False,
    ),
]
ExactOpt = Annotated[
    bool,
    typer.Option(
        "--exact",
        help="Step the real torch scheduler for every schedule. By default lrviz computes the schedules it "
        "knows (CyclicLR, OneCycleLR, LambdaLR, StepLR, ...) directly, to the same values, without torch.",
        rich_help_panel=TRACE,
    ),
]
ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        metavar="FILE.toml",
        help="Schedules, options and outputs from a TOML file (see the README); options given here win.",
        rich_help_panel=TRACE,
        show_default=False,
    ),
]
OutOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "-o",
        "--out",
        metavar="FILE",
        help="Output file; .png, .svg or .pdf. Repeat for several. Default: <schedule>.png here.",
        rich_help_panel=OUTPUT,
        show_default=False,
    ),
]
LogOpt = Annotated[bool, typer.Option("--log", help="Logarithmic LR axis.", rich_help_panel=FIGURE)]
TitleOpt = Annotated[
    str | None, typer.Option("--title", help="Figure title.", rich_help_panel=FIGURE, show_default=False)
]
SizeOpt = Annotated[
    str | None,
    typer.Option("--size", metavar="WxH", help="Figure size in inches, e.g. 8x4.5.", rich_help_panel=FIGURE),
]
DpiOpt = Annotated[
    int | None,
    typer.Option("--dpi", help="Resolution of PNG output. Default: 150.", rich_help_panel=FIGURE, show_default=False),
]
StyleOpt = Annotated[
    str | None,
    typer.Option("--style", help="A matplotlib style, e.g. ggplot, bmh, dark_background.", rich_help_panel=FIGURE),
]
AnnotateOpt = Annotated[
    bool,
    typer.Option(
        "--annotate",
        help="Mark peak, minimum, final value, end of warmup, restarts and milestones.",
        rich_help_panel=FIGURE,
    ),
]
PrintCodeOpt = Annotated[
    bool,
    typer.Option(
        "--print-code",
        help="Also print the equivalent runnable torch code (optimizer, scheduler, loop).",
        rich_help_panel=OUTPUT,
    ),
]
TerminalOpt = Annotated[
    bool,
    typer.Option(
        "--terminal",
        "-t",
        help="Draw the chart here in the terminal (LR, and momentum when it moves) instead of to a file; "
        "with -o, both. Colour unless NO_COLOR is set or the output is not a terminal.",
        rich_help_panel=OUTPUT,
    ),
]
LabelOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--label",
        metavar="TEXT",
        help="Legend label; repeat once per schedule, in order. Default: a short form of each spec.",
        rich_help_panel=FIGURE,
        show_default=False,
    ),
]
TokensArg = Annotated[
    list[str] | None,
    typer.Argument(
        metavar="SCHEDULE [OPTIONS]",
        help='A schedule name (cycliclr) or a constructor call ("CyclicLR(base_lr=0.1, max_lr=0.2)"), '
        "followed by its own options (--base-lr 0.1).",
        show_default=False,
    ),
]
GroupLrOpt = Annotated[
    list[float] | None,
    typer.Option(
        "--group-lr",
        metavar="LR",
        help="One param group with this LR; repeat for several groups (per-layer LRs).",
        rich_help_panel=OPTIM,
        show_default=False,
    ),
]
MomentumOpt = Annotated[
    float | None,
    typer.Option(
        "--momentum",
        help="SGD/RMSprop momentum. Default: 0.9 for SGD, torch's default otherwise.",
        rich_help_panel=OPTIM,
        show_default=False,
    ),
]
BetasOpt = Annotated[
    str | None,
    typer.Option(
        "--betas", metavar="B1,B2", help="Adam-family betas, e.g. 0.9,0.999.", rich_help_panel=OPTIM, show_default=False
    ),
]
HelpOpt = Annotated[
    bool,
    typer.Option("--help", "-h", help="Show this message (after a schedule: its options too) and exit."),
]

_SCHEDULE_COMMAND: dict[str, Any] = {
    "context_settings": {"allow_extra_args": True, "ignore_unknown_options": True},
    "add_help_option": False,
}


class Format(str, Enum):
    rich = "rich"
    csv = "csv"
    json = "json"
    markdown = "markdown"


# --------------------------------------------------------------------------------------
# Output helpers (the only place that prints)


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


def _fail(message: str) -> NoReturn:
    _stderr(f"lrviz: error: {message}")
    raise SystemExit(2)


def _report(t: Trace, prefix: str = "") -> None:
    if t.horizon_reason:
        _stderr(
            f"lrviz: {prefix}no --steps given: tracing {t.n_steps:,} steps ({t.horizon_reason}); pass -n N to change"
        )
    if t.metric_note:
        _stderr(f"lrviz: {prefix}{t.metric_note}")
    for warning in t.warnings:
        _stderr(f"lrviz: warning: {prefix}{warning}")
    for event in t.events:
        if event.kind == "crash":
            _stderr(f"lrviz: warning: {prefix}{event.text} (after step {event.step})")


def check_writable(path: Path) -> None:
    """Fail early, before any work, if ``path`` cannot be written."""
    folder = path.parent
    if not folder.is_dir():
        raise LrvizError(f"cannot write '{path}': the folder '{folder}' does not exist", "create it first")
    if path.is_dir():
        raise LrvizError(f"cannot write '{path}': it is a folder", "give a file name, e.g. -o out.png")
    if not os.access(folder, os.W_OK):
        raise LrvizError(f"cannot write '{path}': no permission to write in '{folder}'")


def write_atomic(files: Sequence[tuple[Path, bytes]]) -> None:
    """Write every file via a temporary file in its folder, then rename them all: a failure
    never leaves a half-written file, nor some files new and others old."""
    umask = os.umask(0)
    os.umask(umask)
    temps: list[tuple[str, Path]] = []
    try:
        for path, data in files:
            check_writable(path)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            temps.append((tmp, path))
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.chmod(tmp, 0o666 & ~umask)
    except BaseException as exc:
        for tmp, _ in temps:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        if isinstance(exc, OSError):
            raise LrvizError(f"cannot write '{exc.filename or files[len(temps) - 1][0]}': {exc.strerror}") from None
        raise
    for tmp, path in temps:
        os.replace(tmp, path)


# --------------------------------------------------------------------------------------
# Schedule options: every constructor parameter as --kebab-case


def _common_options(ctx: typer.Context) -> list[str]:
    opts: list[str] = []
    for param in ctx.command.params:
        opts.extend(getattr(param, "opts", []))
        opts.extend(getattr(param, "secondary_opts", []))
    return [o for o in opts if o.startswith("--")]


def _norm_option(token: str) -> str:
    return token.lower().replace("_", "-")


def _entry_of(spec_text: str) -> Entry | None:
    try:
        return registry.find(spec_mod.schedule_head(spec_text))
    except LrvizError:
        return None


def _option_param(entry: Entry | None, option: str) -> tuple[Param | None, bool]:
    """The parameter an option names in ``entry`` and whether it is a ``--no-`` flag."""
    if entry is None:
        return None, False
    name = _norm_option(option.split("=", 1)[0])
    for param in entry.user_params:
        if param.option == name:
            return param, False
        if param.kind == Kind.BOOL and name == "--no-" + param.option[2:]:
            return param, True
    return None, False


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def split_schedules(tokens: Sequence[str]) -> list[tuple[str, list[str]]]:
    """The schedules on a command line, each with the option tokens written after it.

    A token starts a new schedule when it is a schedule name or call and is not the value
    of the option before it; whether an option takes a value is read from the schedule's
    own parameters (a bool flag takes none), so ``--anneal-strategy linear`` keeps its value
    even though ``linear`` is also a Hugging Face schedule. Options written before the
    first schedule are given to it."""
    groups: list[tuple[str, list[str]]] = []
    loose: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        target = groups[-1][1] if groups else loose
        if token.startswith("--") or (token.startswith("-") and len(token) > 1 and not _is_number(token)):
            target.append(token)
            if "=" not in token and i + 1 < len(tokens):
                nxt = tokens[i + 1]
                param, negated = _option_param(_entry_of(groups[-1][0]) if groups else None, token)
                if param is not None:
                    takes = not negated and (param.kind != Kind.BOOL or nxt.lower() in ("true", "false"))
                else:
                    takes = not nxt.startswith("--") and not spec_mod.looks_like_schedule(nxt)
                if takes:
                    target.append(nxt)
                    i += 1
        elif spec_mod.looks_like_schedule(token) or not groups:
            groups.append((token, []))  # the first bare word is meant as a schedule: resolve() explains
        else:
            target.append(token)
        i += 1
    if loose:
        if not groups:
            return [("", loose)]
        groups[0] = (groups[0][0], loose + groups[0][1])
    return groups


def _schedule_options(entry: Entry, tokens: Sequence[str], ctx: typer.Context) -> dict[str, Any]:
    by_option: dict[str, tuple[Any, bool | None]] = {}
    for param in entry.user_params:
        by_option[param.option] = (param, None)
        if param.kind == Kind.BOOL:
            by_option["--no-" + param.option[2:]] = (param, False)
    values: dict[str, Any] = {}
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if not token.startswith("--"):
            _fail(f"unexpected argument '{token}'; put option values right after their option, e.g. --gamma 0.5")
        name, has_value, inline = token.partition("=")
        found = by_option.get(_norm_option(name))
        if found is None:
            choices = list(by_option) + _common_options(ctx)
            hint = did_you_mean(name, choices) or f"'lrviz {ctx.command.name} {entry.cli_name} --help' lists them"
            _fail(f"{entry.name} has no option {name}; {hint}")
        param, flag = found
        if param.kind == Kind.BOOL and not has_value:
            if flag is False:
                values[param.name] = False
            elif i + 1 < len(tokens) and tokens[i + 1].lower() in ("true", "false"):
                values[param.name] = tokens[i + 1].lower() == "true"
                i += 1
            else:
                values[param.name] = True
        elif has_value:
            values[param.name] = inline
        elif i + 1 < len(tokens):
            values[param.name] = tokens[i + 1]
            i += 1
        else:
            _fail(f"{param.option} needs a value ({param.type_text})")
        i += 1
    return values


def resolve(spec_text: str, tokens: Sequence[str], ctx: typer.Context, shared: TraceOptions | None = None) -> Spec:
    """The Spec named by a schedule argument plus its options (options win over the call's
    arguments, so a pasted call can be tweaked). A schedule parameter that means the same
    as a common option takes that option's value when it is given: OneCycleLR's
    ``steps_per_epoch`` and ``--steps-per-epoch``, a recipe's ``lr`` and ``--lr``."""
    base: Spec | None = None
    head = spec_text.strip()
    if "(" in head:
        base = spec_mod.parse(head, require=False)
        entry = base.entry
    else:
        entry = registry.get(head)
        entry.require()
    options = _schedule_options(entry, tokens, ctx)
    if shared is not None:
        for name in SHARED_OPTIONS:
            value = getattr(shared, name)
            if value is not None and entry.param(name) is not None:
                options.setdefault(name, str(value))
    return spec_mod.from_options(entry.name, options, base=base)


def _parse_steps(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        value = float(text.replace("_", "").replace(",", ""))
    except ValueError:
        _fail(f"-n/--steps takes a whole number of steps, got {text!r}")
    if not value.is_integer() or value != value:
        _fail(f"-n/--steps takes a whole number of steps, got {text!r}")
    return int(value)


def _help(ctx: typer.Context, tokens: Sequence[str] | None) -> None:
    from rich.console import Console

    typer.echo(ctx.get_help())
    console = Console()
    try:
        groups = split_schedules(list(tokens or []))
    except LrvizError:
        groups = []
    entries = [e for e in (_entry_of(text) for text, _ in groups if text) if e is not None]
    if not entries:
        console.print(f"  Options of one schedule: [bold]lrviz {ctx.command.name} NAME --help[/] (names: lrviz list)")
        return
    for entry in dict.fromkeys(entries):
        console.print(
            _params_table(entry, title=f"{entry.name} options (lrviz describe {entry.cli_name} for more)", brief=True)
        )


def _params_table(entry: Entry, title: str, brief: bool = False) -> Any:
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=title, title_justify="left", title_style="bold", show_lines=brief is False, expand=True)
    table.add_column("option", style="cyan", no_wrap=True)
    table.add_column("type", style="magenta", overflow="fold")
    table.add_column("default", style="green", max_width=12)
    table.add_column("help", ratio=1, min_width=24)
    for param in entry.user_params:
        option = escape(f"--[no-]{param.option[2:]}") if param.kind == Kind.BOOL else param.option
        help_text = _first_sentence(param.help) if brief else param.help
        table.add_row(option, param.type_text, param.default_text, help_text)
    return table


def _first_sentence(text: str) -> str:
    head, dot, _ = text.partition(". ")
    return head + "." if dot else text


# --------------------------------------------------------------------------------------
# From the command line (and a config file) to traces


def _cli_options(
    steps: str | None,
    optimizer: str | None,
    lr: float | None,
    group_lr: list[float] | None,
    momentum: float | None,
    betas: str | None,
    steps_per_epoch: int | None,
    metric: str | None,
) -> TraceOptions:
    from .config import TraceOptions
    from .optimizers import parse_betas

    return TraceOptions(
        steps=_parse_steps(steps),
        steps_per_epoch=steps_per_epoch,
        optimizer=optimizer,
        lr=lr,
        group_lr=tuple(group_lr) if group_lr else None,
        momentum=momentum,
        betas=parse_betas(betas) if betas is not None else None,
        metric=metric,
    )


@dataclass
class _Job:
    """What a command traces: each schedule with its options, label and metric folder."""

    specs: list[Spec]
    options: list[TraceOptions]
    labels: list[str | None]
    metric_dirs: list[Path]
    config: Config | None
    origins: list[str] = field(default_factory=list)  # "FILE: schedule[2]: " for a config's schedules


def _gather(
    ctx: typer.Context,
    tokens: Sequence[str] | None,
    cli: TraceOptions,
    config_path: Path | None,
    command: str,
) -> _Job:
    from .config import load
    from .runs import shared_args

    cfg = load(config_path) if config_path is not None else None
    job = _Job([], [], [], [], cfg)
    if cfg is not None:
        for k, run_ in enumerate(cfg.runs):
            merged = cfg.trace.merged(run_.options).merged(cli)
            job.specs.append(shared_args(run_.spec, merged))
            job.options.append(merged)
            job.labels.append(run_.label)
            from_config = cli.metric is None and merged.metric is not None
            job.metric_dirs.append(cfg.folder if from_config else Path.cwd())
            job.origins.append(f"{config_path}: schedule[{k + 1}]: ")
    for text, options in split_schedules(list(tokens or [])):
        if not text:
            if options:
                _fail(
                    f"'{options[0]}' comes before any schedule; name the schedule first, "
                    f"e.g. 'lrviz {command} cycliclr --base-lr 0.1'"
                )
            continue
        job.specs.append(resolve(text, options, ctx, cli))
        job.options.append(cli)
        job.labels.append(None)
        job.metric_dirs.append(Path.cwd())
        job.origins.append("")
    if not job.specs:
        _fail(f"name a schedule, e.g. 'lrviz {command} cycliclr --base-lr 0.1 --max-lr 0.2' (see 'lrviz list')")
    return job


def _labels(job: _Job, given: Sequence[str] | None) -> list[str]:
    from .runs import labels

    given = list(given or [])
    if len(given) > len(job.specs):
        _fail(f"{len(given)} --label values for {len(job.specs)} schedule{'s' if len(job.specs) != 1 else ''}")
    return labels(job.specs, [given[i] if i < len(given) else job.labels[i] for i in range(len(job.specs))])


PROGRESS_MIN_STEPS = 200_000
"""Traces this long show a progress bar (on a terminal) while torch is stepped."""


def _traces(job: _Job, labels: Sequence[str], exact: bool = False) -> list[Trace]:
    from .runs import trace_all

    if any(o.metric for o in job.options) and not any(s.entry.needs_metric for s in job.specs):
        _stderr(
            "lrviz: warning: a metric is given, but no schedule here is metric-driven (such as ReduceLROnPlateau); "
            "ignoring it"
        )
    if not sys.stderr.isatty():
        return trace_all(job.specs, job.options, labels, job.metric_dirs, job.origins, exact=exact)
    with _StepProgress() as progress:
        return trace_all(job.specs, job.options, labels, job.metric_dirs, job.origins, exact=exact, progress=progress)


class _StepProgress:
    """A progress bar on stderr for each long trace that steps torch (fast paths need none)."""

    def __enter__(self) -> _StepProgress:
        self._bar: Any = None
        self._task: Any = None
        return self

    def __call__(self, label: str, done: int, total: int) -> None:
        if total < PROGRESS_MIN_STEPS:
            return
        if self._bar is None:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self._bar = Progress(
                TextColumn("stepping torch: {task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self._bar.start()
        if done == 0 or self._task is None:
            short = label if len(label) <= 40 else label[:37] + "..."
            self._task = self._bar.add_task(short, total=total)
        self._bar.update(self._task, completed=done)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()


def _report_all(traces: Sequence[Trace]) -> None:
    for t in traces:
        _report(t, prefix=f"{t.label}: " if len(traces) > 1 else "")


def _summaries(traces: Sequence[Trace]) -> None:
    from .analysis import summary_line

    for t in traces:
        _stderr(f"lrviz: {summary_line(t)}")


def _print_code(traces: Sequence[Trace]) -> None:
    from .codegen import torch_code

    for k, t in enumerate(traces):
        if len(traces) > 1:
            print(f"# --- {t.label} ---")
        every = int(t.metric_steps[0]) + 1 if t.metric_steps is not None and len(t.metric_steps) else 1
        print(
            torch_code(t.spec, t.optimizer_spec, t.n_steps, None if t.metric is None else t.metric.tolist(), every),
            end="",
        )
        if k < len(traces) - 1:
            print()


def _given(ctx: typer.Context, name: str) -> bool:
    from typer._click.core import ParameterSource

    return ctx.get_parameter_source(name) in (ParameterSource.COMMANDLINE, ParameterSource.ENVIRONMENT)


def _figure_options(ctx: typer.Context, cfg: Config | None, **values: Any) -> FigureOptions:
    """Figure options: the config file's, replaced by those given on the command line."""
    from .config import FigureOptions

    base = cfg.figure if cfg is not None else FigureOptions()
    given = {k: v for k, v in values.items() if v is not None and (not isinstance(v, bool) or _given(ctx, k))}
    return base.merged(FigureOptions(**given))


def _draw(
    ctx: typer.Context,
    job: _Job,
    traces: Sequence[Trace],
    out: Sequence[Path] | None,
    fig_opts: FigureOptions,
    default_name: str,
    terminal: bool = False,
) -> None:
    from .render import figure
    from .runs import draw

    if terminal:
        _terminal_chart(traces, fig_opts)
        if not out and (job.config is None or not job.config.out):
            _summaries(traces)
            return
    if out:
        paths = list(out)
    elif job.config is not None and job.config.out:
        paths = list(job.config.out)
    else:
        paths = [Path(default_name)]
    formats = [figure.format_of(str(p)) for p in paths]
    for path in paths:
        check_writable(path)
    dpi = fig_opts.dpi if fig_opts.dpi is not None else figure.DEFAULT_DPI
    fig = draw(traces, fig_opts)
    rendered = [(path, figure.to_bytes(fig, fmt, dpi)) for path, fmt in zip(paths, formats, strict=True)]
    write_atomic(rendered)
    _summaries(traces)
    for path in paths:
        print(path)


def _terminal_chart(traces: Sequence[Trace], fig_opts: FigureOptions) -> None:
    import shutil

    from .render.terminal import chart

    columns, lines = shutil.get_terminal_size((100, 30))
    color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    height = max(12, min(lines - 3, 34))
    print(chart(list(traces), width=max(40, columns - 1), height=height, color=color, log=bool(fig_opts.log)), end="")


def _check_figure_options(fig_opts: FigureOptions, out: Sequence[Path] | None) -> None:
    from .render import figure

    for path in out or []:
        figure.format_of(str(path))
        check_writable(path)
    if fig_opts.size:
        figure.parse_size(fig_opts.size)
    if fig_opts.dpi is not None and not 10 <= fig_opts.dpi <= 1200:
        _fail(f"--dpi {fig_opts.dpi} is out of range; use 10 to 1200")
    if fig_opts.style:
        figure.check_style(fig_opts.style)


# --------------------------------------------------------------------------------------
# Commands


@app.command("plot", **_SCHEDULE_COMMAND)
def plot_cmd(
    ctx: typer.Context,
    tokens: TokensArg = None,
    steps: StepsOpt = None,
    optimizer: OptimizerOpt = None,
    lr: LrOpt = None,
    group_lr: GroupLrOpt = None,
    momentum: MomentumOpt = None,
    betas: BetasOpt = None,
    steps_per_epoch: StepsPerEpochOpt = None,
    metric: MetricOpt = None,
    exact: ExactOpt = False,
    config: ConfigOpt = None,
    out: OutOpt = None,
    log: LogOpt = False,
    title: TitleOpt = None,
    size: SizeOpt = None,
    dpi: DpiOpt = None,
    style: StyleOpt = None,
    annotate: AnnotateOpt = False,
    label: LabelOpt = None,
    print_code: PrintCodeOpt = False,
    terminal: TerminalOpt = False,
    help_: HelpOpt = False,
) -> None:
    """Draw a schedule's LR (and momentum) to PNG, SVG or PDF, or in the terminal (--terminal).

    Every constructor parameter is an option: [bold]lrviz plot cycliclr --help[/] lists CyclicLR's.
    After drawing, one summary line (peak, minimum, final) goes to stderr and the file names to stdout.

    Examples:

      lrviz plot cycliclr --base-lr 0.1 --max-lr 0.2 --step-size-up 30

      lrviz plot "lr_scheduler.StepLR(optimizer, step_size=30, gamma=0.1)" -o step.svg --annotate

      lrviz plot reducelronplateau --patience 3 --metric synthetic:plateau

      lrviz plot "CyclicLR(base_lr=2.5e-4, max_lr=1e-3, cycle_momentum=False, mode='triangular2',
      step_size_up=102000)" --optimizer adam --lr 1e-3 --steps-per-epoch 17000 -n 1343000
    """
    if help_:
        _help(ctx, tokens)
        return
    cli = _cli_options(steps, optimizer, lr, group_lr, momentum, betas, steps_per_epoch, metric)
    job = _gather(ctx, tokens, cli, config, "plot")
    if len(job.specs) > 1:
        _fail(
            f"'lrviz plot' draws one schedule, got {len(job.specs)}; use 'lrviz compare' to draw several in one figure"
        )
    fig_opts = _figure_options(
        ctx, job.config, title=title, log=log, size=size, dpi=dpi, style=style, annotate=annotate
    )
    _check_figure_options(fig_opts, out)
    traces = _traces(job, _labels(job, label), exact)
    _report_all(traces)
    if print_code:
        _print_code(traces)
    _draw(ctx, job, traces, out, fig_opts, f"{_file_stem(job.specs[0])}.png", terminal)


def _file_stem(spec: Spec) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in spec.entry.cli_name)


@app.command("compare", **_SCHEDULE_COMMAND)
def compare_cmd(
    ctx: typer.Context,
    tokens: TokensArg = None,
    steps: StepsOpt = None,
    optimizer: OptimizerOpt = None,
    lr: LrOpt = None,
    group_lr: GroupLrOpt = None,
    momentum: MomentumOpt = None,
    betas: BetasOpt = None,
    steps_per_epoch: StepsPerEpochOpt = None,
    metric: MetricOpt = None,
    exact: ExactOpt = False,
    config: ConfigOpt = None,
    out: OutOpt = None,
    layout: Annotated[
        str | None,
        typer.Option(
            "--layout",
            metavar="overlay|grid",
            help="overlay: one set of axes; grid: small multiples with shared axes. Default: overlay.",
            rich_help_panel=FIGURE,
            show_default=False,
        ),
    ] = None,
    label: LabelOpt = None,
    log: LogOpt = False,
    title: TitleOpt = None,
    size: SizeOpt = None,
    dpi: DpiOpt = None,
    style: StyleOpt = None,
    annotate: AnnotateOpt = False,
    print_code: PrintCodeOpt = False,
    terminal: TerminalOpt = False,
    help_: HelpOpt = False,
) -> None:
    """Draw several schedules in one figure: overlaid, or as a grid of small multiples.

    Each schedule is followed by its own options; the common options (--steps, --optimizer, --lr,
    --steps-per-epoch, --metric, --log, ...) apply to all. Without --steps each schedule runs its
    own length. A config file can give each schedule its own steps and optimizer.

    Examples:

      lrviz compare "OneCycleLR(max_lr=0.1, total_steps=1000)" "CyclicLR(base_lr=0.01, max_lr=0.1,
      step_size_up=250)" "SequentialLR(schedulers=[LinearLR(start_factor=0.01, total_iters=100),
      CosineAnnealingLR(T_max=900)], milestones=[100])" -o compare.png

      lrviz compare steplr --step-size 30 multisteplr --milestones 30,80 --gamma 0.5 --layout grid

      lrviz compare --config warmups.toml
    """
    if help_:
        _help(ctx, tokens)
        return
    from .render.figure import LAYOUTS

    if layout is not None and layout not in LAYOUTS:
        _fail(
            f"--layout takes overlay or grid, got {layout!r}"
            + (f"; {did_you_mean(layout, LAYOUTS)}" if did_you_mean(layout, LAYOUTS) else "")
        )
    cli = _cli_options(steps, optimizer, lr, group_lr, momentum, betas, steps_per_epoch, metric)
    job = _gather(ctx, tokens, cli, config, ctx.info_name or "compare")
    fig_opts = _figure_options(
        ctx, job.config, title=title, layout=layout, log=log, size=size, dpi=dpi, style=style, annotate=annotate
    )
    _check_figure_options(fig_opts, out)
    traces = _traces(job, _labels(job, label), exact)
    _report_all(traces)
    if print_code:
        _print_code(traces)
    default = "compare.png" if len(traces) > 1 else f"{_file_stem(job.specs[0])}.png"
    _draw(ctx, job, traces, out, fig_opts, default, terminal)


@app.command("show", **_SCHEDULE_COMMAND)
def show_cmd(
    ctx: typer.Context,
    tokens: TokensArg = None,
    steps: StepsOpt = None,
    optimizer: OptimizerOpt = None,
    lr: LrOpt = None,
    group_lr: GroupLrOpt = None,
    momentum: MomentumOpt = None,
    betas: BetasOpt = None,
    steps_per_epoch: StepsPerEpochOpt = None,
    metric: MetricOpt = None,
    exact: ExactOpt = False,
    config: ConfigOpt = None,
    label: LabelOpt = None,
    log: LogOpt = False,
    print_code: PrintCodeOpt = False,
    help_: HelpOpt = False,
) -> None:
    """Draw one schedule or several in the terminal: short for 'lrviz compare ... --terminal'.

    The chart fits the terminal (COLUMNS and LINES override it).
    It shows the LR, and momentum or beta1 when it moves, against steps (epochs with --steps-per-epoch).
    Colour unless NO_COLOR is set or the output is piped; the summary line goes to stderr; no file is written.

    Examples:

      lrviz show cycliclr --base-lr 0.1 --max-lr 0.2

      lrviz show "OneCycleLR(max_lr=0.1, total_steps=1000)" "CosineAnnealingLR(T_max=1000)" -n 1000
    """
    compare_cmd(
        ctx,
        tokens,
        steps=steps,
        optimizer=optimizer,
        lr=lr,
        group_lr=group_lr,
        momentum=momentum,
        betas=betas,
        steps_per_epoch=steps_per_epoch,
        metric=metric,
        exact=exact,
        config=config,
        out=None,
        layout=None,
        label=label,
        log=log,
        title=None,
        size=None,
        dpi=None,
        style=None,
        annotate=False,
        print_code=print_code,
        terminal=True,
        help_=help_,
    )


@app.command("explore", **_SCHEDULE_COMMAND)
def explore_cmd(
    ctx: typer.Context,
    tokens: TokensArg = None,
    steps: StepsOpt = None,
    optimizer: OptimizerOpt = None,
    lr: LrOpt = None,
    group_lr: GroupLrOpt = None,
    steps_per_epoch: StepsPerEpochOpt = None,
    metric: MetricOpt = None,
    config: ConfigOpt = None,
    help_: HelpOpt = False,
) -> None:
    """Explore schedules in a full-screen terminal app: search, edit, watch the curve redraw.

    Pick any schedule from the searchable list, edit every parameter (and steps, optimizer, LR,
    per-group LRs), and the LR and momentum chart redraws as you type; a rejected value shows
    torch's own message. Pin a curve to compare against, export PNG/SVG, copy the spec or the
    torch code. F1 lists the keys. A SCHEDULE (or --config: its first schedule, the others
    pinned) is where it starts.

    Examples:

      lrviz explore

      lrviz explore "CyclicLR(base_lr=0.1, max_lr=0.2)" --steps 200

      lrviz explore --config warmups.toml
    """
    if help_:
        _help(ctx, tokens)
        return
    from . import explore

    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        _fail("'lrviz explore' needs an interactive terminal; for a chart in a pipe or a log, use 'lrviz show'")
    cli = _cli_options(steps, optimizer, lr, group_lr, None, None, steps_per_epoch, metric)
    start = None
    pinned: list[Trace] = []
    if tokens or config is not None:
        job = _gather(ctx, tokens, cli, config, "explore")
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
            rest = _Job(job.specs[1:], job.options[1:], job.labels[1:], job.metric_dirs[1:], job.config)
            pinned = _traces(rest, _labels(rest, None))
    result = explore.make_app(start, pinned).run()
    if result:
        print(result, end="" if result.endswith("\n") else "\n")


@app.command("table", **_SCHEDULE_COMMAND)
def table_cmd(
    ctx: typer.Context,
    tokens: TokensArg = None,
    steps: StepsOpt = None,
    optimizer: OptimizerOpt = None,
    lr: LrOpt = None,
    group_lr: GroupLrOpt = None,
    momentum: MomentumOpt = None,
    betas: BetasOpt = None,
    steps_per_epoch: StepsPerEpochOpt = None,
    metric: MetricOpt = None,
    exact: ExactOpt = False,
    config: ConfigOpt = None,
    label: LabelOpt = None,
    every: Annotated[
        int | None,
        typer.Option(
            "--every",
            metavar="K",
            help="Show every K-th step. Default: all steps of a short trace; for a long one a readable "
            "selection that keeps every turn and jump (csv/json: all steps).",
            rich_help_panel=OUTPUT,
            show_default=False,
        ),
    ] = None,
    fmt: Annotated[
        Format,
        typer.Option("--format", "-f", help="rich table, or csv/json/markdown for machines.", rich_help_panel=OUTPUT),
    ] = Format.rich,
    help_: HelpOpt = False,
) -> None:
    """Print a schedule's trace: step (and epoch), LR per group, momentum. Several schedules side by side.

    CSV has the header step,lr[,momentum] (several groups: lr_0,...,momentum_0,...), one row
    per step, with floats that read back exactly; nothing else goes to stdout. With several
    schedules, one LR column per schedule named by its label (and LABEL:momentum when it moves).

    Examples:

      lrviz table steplr --step-size 30

      lrviz table "OneCycleLR(max_lr=0.1, total_steps=100)" --format csv > onecycle.csv

      lrviz table steplr --step-size 30 exponentiallr --gamma 0.95 -n 60 --format csv
    """
    if help_:
        _help(ctx, tokens)
        return
    from .render import export
    from .render import table as table_mod

    if every is not None and every < 1:
        _fail(f"--every takes a positive number of steps, got {every}")
    cli = _cli_options(steps, optimizer, lr, group_lr, momentum, betas, steps_per_epoch, metric)
    job = _gather(ctx, tokens, cli, config, "table")
    traces = _traces(job, _labels(job, label), exact)
    _report_all(traces)
    if len(traces) > 1:
        rows = table_mod.select_rows_many(traces, every)
        if fmt is Format.csv:
            sys.stdout.write(export.many_to_csv(traces, None if every is None else rows))
        elif fmt is Format.json:
            sys.stdout.write(export.many_to_json(traces, None if every is None else rows))
        elif fmt is Format.markdown:
            sys.stdout.write(table_mod.markdown_many(traces, rows))
        else:
            from rich.console import Console

            Console().print(table_mod.rich_table_many(traces, rows, every))
        return
    t = traces[0]
    rows_given = table_mod.select_rows(t, every) if every is not None else None
    if fmt is Format.csv:
        sys.stdout.write(export.to_csv(t, rows_given))
    elif fmt is Format.json:
        sys.stdout.write(export.to_json(t, rows_given))
    elif fmt is Format.markdown:
        sys.stdout.write(table_mod.markdown(t, table_mod.select_rows(t, every)))
    else:
        from rich.console import Console

        console = Console()
        table = table_mod.rich_table(t, table_mod.select_rows(t, every), every)
        if table.title is None:
            console.print(t.label, style="bold", highlight=False)
        console.print(table)


@app.command("gallery")
def gallery_cmd(
    folder: Annotated[
        Path,
        typer.Argument(metavar="[DIR]", help="Where the gallery goes. Default: gallery (in the current folder)."),
    ] = Path("gallery"),
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Write nothing: regenerate in memory and exit 1 naming every stale, missing or extra file. "
            "The pages' 'Made with' versions are not compared.",
        ),
    ] = False,
    keep: Annotated[
        Path | None,
        typer.Option(
            "--keep",
            metavar="DIR",
            help="With --check: when the gallery is out of date, write the fresh files to DIR to diff them.",
            show_default=False,
        ),
    ] = None,
    exact: Annotated[
        bool,
        typer.Option("--exact", help="Step the real torch scheduler for every figure (the same files, slower)."),
    ] = False,
    source: Annotated[
        Path | None,
        typer.Option(
            "--from",
            metavar="FILE.toml",
            help="Draw the figures declared in this gallery file instead of lrviz's own (lrviz/gallery.toml).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Draw the docs gallery: an SVG and a PNG thumbnail per figure, README.md and index.html.

    The figures are declared in one TOML file (lrviz's own, or --from yours): each is a
    config file's [[schedule]] tables and options, plus an id, a section and a note. Every
    schedule in the registry appears at least once. The output is the same byte for byte on
    every run with the same torch, matplotlib and transformers.

    Examples:

      lrviz gallery                    # (re)generate ./gallery

      lrviz gallery --check            # exit 1 if ./gallery is not what lrviz draws now

      lrviz gallery --check --keep fresh   # ...and write what it draws now to ./fresh

      lrviz gallery docs/my-gallery --from my-gallery.toml
    """
    import time

    from . import gallery as gal

    plan = gal.load(source)
    if folder.exists() and not folder.is_dir():
        _fail(f"'{folder}' is a file; give a folder for the gallery")
    if keep is not None and not check:
        _fail("--keep DIR goes with --check (without --check the gallery is written to its folder)")
    if not check:
        _gallery_folder_writable(gal, folder)
    elif not folder.is_dir():
        _fail(f"there is no gallery in '{folder}' to check; generate it with 'lrviz gallery {folder}'")
    elif keep is not None:
        _gallery_folder_writable(gal, keep)
    started = time.perf_counter()
    out = _render_gallery(gal, plan, exact)
    seconds = time.perf_counter() - started
    drawn = len(plan.drawable)
    if out.skipped:
        _stderr(f"lrviz: warning: gallery: {gal.skipped_text(out.skipped)}")
    if check:
        _check_gallery(gal, folder, out, seconds, source, keep)
        return
    _write_gallery(gal, folder, gal.for_folder(folder, plan, out), drawn, seconds)
    print(folder / "index.html")


def _gallery_folder_writable(gal: Any, folder: Path) -> None:
    """Refuse a folder the gallery cannot be written to, before anything is drawn."""
    if folder.exists() and not folder.is_dir():
        _fail(f"'{folder}' is a file; give a folder for the gallery")
    if not folder.parent.is_dir():
        _fail(f"cannot write the gallery in '{folder}': the folder '{folder.parent}' does not exist")
    if folder.is_dir() and any(folder.iterdir()) and not gal.is_gallery(folder):
        _fail(
            f"'{folder}' holds files but no lrviz gallery; give a new or empty folder "
            "(lrviz only replaces and removes files of a gallery it made)"
        )


def _render_gallery(gal: Any, plan: Any, exact: bool = False) -> Any:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    columns = (
        TextColumn("[bold]gallery[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
    )
    with Progress(*columns, console=console, transient=True, disable=not console.is_terminal) as progress:
        task = progress.add_task("", total=len(plan.drawable))
        count = 0

        def step(fig: Any) -> None:
            nonlocal count
            if count:
                progress.advance(task)
            count += 1
            progress.update(task, description=fig.id)

        result = gal.render(plan, step, exact)
        progress.update(task, completed=len(plan.drawable))
    return result


def _write_gallery(gal: Any, folder: Path, out: Any, drawn: int, seconds: float) -> None:
    folder.mkdir(exist_ok=True)
    (folder / "thumbs").mkdir(exist_ok=True)
    changed = [
        (folder / name, data)
        for name, data in out.files.items()
        if not (folder / name).is_file() or (folder / name).read_bytes() != data
    ]
    write_atomic(changed)
    removed = sorted(gal.owned_files(folder) - set(out.files))
    for name in removed:
        (folder / name).unlink()
    rest = len(out.files) - len(changed)
    _stderr(
        f"lrviz: gallery: {drawn} figures in {seconds:.1f} s; {len(changed)} files written, "
        f"{rest} unchanged" + (f", {len(removed)} removed" if removed else "")
    )


def _check_gallery(gal: Any, folder: Path, out: Any, seconds: float, source: Path | None, keep: Path | None) -> None:
    problems = gal.compare(folder, out)
    if not problems:
        _stderr(f"lrviz: gallery: '{folder}' is up to date ({len(out.files)} files checked in {seconds:.1f} s)")
        return
    for problem in problems:
        _stderr(f"lrviz: gallery: {problem}")
    counts = {kind: sum(1 for p in problems if p.kind == kind) for kind in ("stale", "missing", "extra")}
    summary = ", ".join(f"{n} {kind}" for kind, n in counts.items() if n)
    recorded = gal.recorded_versions(folder)
    differ = [
        f"{name} {version} (here {out.versions.get(name, 'not installed')})"
        for name, version in recorded.items()
        if out.versions.get(name) != version
    ]
    again = f"lrviz gallery {folder}" + (f" --from {source}" if source else "")
    why = f"; it was made with {', '.join(differ)}" if differ else ""
    if keep is not None:
        _write_gallery(gal, keep, out, len(out.sizes), seconds)
        fresh = f"the fresh files are in {keep}"
    else:
        fresh = "add --keep DIR to write the fresh files to DIR"
    _stderr(
        f"lrviz: error: the gallery in '{folder}' is out of date ({summary}){why}; "
        f"run '{again}' to regenerate it ({fresh})"
    )
    raise SystemExit(1)


FAMILY_NOTES = {
    "torch": "torch.optim.lr_scheduler's classes, read from the installed torch",
    "recipes": "seed 002's hand-written schedulers (Dive into Deep Learning), absolute LRs",
    "transformers": "Hugging Face transformers' get_scheduler names, built by transformers",
    "user": 'your own LRScheduler subclass: lrviz plot "mypkg.sched:MyScheduler(...)"',
}


@app.command("list")
def list_cmd(
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="rich (a table) or plain (one name per line, for scripts).")
    ] = "rich",
    family: Annotated[
        str | None,
        typer.Option("--family", help="Only this family: torch, recipes, transformers.", show_default=False),
    ] = None,
) -> None:
    """List every schedule by family, with a one-line description, its required parameters and
    whether the family's optional extra is installed."""
    entries = list(registry.entries())
    families = list(dict.fromkeys([e.family for e in entries] + ["user"]))
    if family is not None:
        if family not in families:
            hint = did_you_mean(family, families) or "families: " + ", ".join(families)
            _fail(f"unknown family '{family}'; {hint}")
        entries = [e for e in entries if e.family == family]
        families = [family]
    if fmt == "plain":
        for entry in entries:
            print(entry.name)
        return
    if fmt != "rich":
        _fail(f"--format takes rich or plain, got {fmt!r}")
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console()
    for fam in families:
        members = [e for e in entries if e.family == fam]
        missing = next((e.unavailable() for e in members if e.unavailable()), None)
        status = f"[yellow]not installed: {escape(missing)}[/]" if missing else "[green]installed[/]"
        if fam == "user":
            status = "import path module:Class"
        table = Table(
            title=f"[bold]{fam}[/]  [dim]{escape(FAMILY_NOTES.get(fam, ''))}[/]  {status}",
            title_justify="left",
            expand=True,
        )
        wide = console.width >= 110  # narrow terminals: the required options go under the description
        table.add_column("schedule", style="cyan", no_wrap=True, min_width=16)
        table.add_column("description", ratio=1, min_width=30)
        if wide:
            table.add_column("required", style="green", max_width=40)
        rows = [(e.name, e.summary, _required_text(e)) for e in members]
        if fam == "user":
            rows.append(
                (
                    "module:Class",
                    "Any torch.optim.lr_scheduler.LRScheduler subclass, imported from the current folder or your "
                    "environment; its parameters are read from its signature.",
                    "–",
                )
            )
        for name, summary, required in rows:
            if wide:
                table.add_row(name, escape(summary), required)
            else:
                needs = f"\n[green]needs {escape(required)}[/]" if required != "–" else ""
                table.add_row(name, escape(summary) + needs)
        console.print(table)
    console.print("[dim]lrviz describe NAME for every parameter, an example and the torch code[/]")


def _required_text(entry: Entry) -> str:
    required = ", ".join(p.option for p in entry.required) or "–"
    if entry.name == "OneCycleLR":
        required += " + --total-steps (or --epochs and --steps-per-epoch)"
    return required


@app.command("describe")
def describe_cmd(
    name: Annotated[
        str, typer.Argument(metavar="NAME", help="A schedule name, e.g. cycliclr, or module:Class.", show_default=False)
    ],
) -> None:
    """Every parameter of a schedule with type, default and help; an example; the torch code."""
    from rich.console import Console
    from rich.markup import escape
    from rich.syntax import Syntax

    from .codegen import torch_code
    from .introspect import torch_version

    head = name.split("(", 1)[0]
    entry = registry.get(head)
    console = Console()
    origin = entry.origin or (f"torch.optim.lr_scheduler.{entry.name}" if entry.family == "torch" else entry.family)
    version = torch_version() if entry.family == "torch" else None
    console.print(f"[bold]{escape(entry.name)}[/]  [dim]{escape(origin)}{f' (torch {version})' if version else ''}[/]")
    console.print(entry.summary, highlight=False)
    problem = entry.unavailable()
    if problem:
        console.print(f"[yellow]Not installed here: {escape(problem)}[/]")
        return
    console.print()
    console.print(_params_table(entry, title="Parameters"))
    if entry.needs_metric:
        from .metrics import pattern_help

        console.print()
        console.print(
            "[bold]Metric[/]: --metric FILE.csv[:COLUMN] | FILE.json[:KEY] | synthetic:NAME[,key=value...] "
            "(one value per step; per epoch with --steps-per-epoch). Built-in patterns:"
        )
        for pattern, mode, doc in pattern_help():
            console.print(f"  [cyan]synthetic:{pattern}[/] [dim]({mode})[/] {escape(doc)}", highlight=False)
    example = spec_mod.parse(entry.example) if entry.example else None
    console.print()
    console.print("[bold]Example[/]")
    if example is not None:
        console.print("  " + shlex.join(["lrviz", "plot", entry.cli_name, *example_options(example)]), highlight=False)
        console.print("  " + shlex.join(["lrviz", "plot", example.format()]), highlight=False)
        code_spec = example
    else:
        console.print(f"  lrviz plot {entry.cli_name} " + " ".join(f"{p.option} ..." for p in entry.required))
        code_spec = None
    if code_spec is not None:
        console.print()
        console.print("[bold]The same in torch[/]")
        console.print(
            Syntax(torch_code(code_spec, steps=_default_steps(code_spec)), "python", theme="ansi_dark", word_wrap=True)
        )


def _default_steps(spec: Spec) -> int:
    assert spec.entry.horizon is not None
    return spec.entry.horizon(spec)[0]


def example_options(spec: Spec) -> list[str]:
    """CLI options equivalent to a spec's arguments."""
    out: list[str] = []
    for name, value in spec.args.items():
        param = spec.entry.param(name)
        assert param is not None
        if param.kind == Kind.BOOL:
            out.append(param.option if value else f"--no-{param.option[2:]}")
        elif isinstance(value, list):
            out += [param.option, ", ".join(v.format() if isinstance(v, Spec) else _text(v) for v in value)]
        else:
            out += [param.option, _text(value)]
    return out


def _text(value: Any) -> str:
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _version(value: bool) -> None:
    if value:
        from .introspect import torch_version

        print(f"lrviz {__version__} (torch {torch_version() or 'not installed'})")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", help="Show the version and exit.", callback=_version, is_eager=True)
    ] = False,
) -> None:
    """Plot and explore PyTorch learning-rate schedules."""


# --------------------------------------------------------------------------------------
# Entry point: one line per error, exit code 2, never a traceback


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or "--help" in args or "-h" in args:
        _defer_help_extras()
    command = typer.main.get_command(app)
    try:
        result = command.main(args=args, prog_name="lrviz", standalone_mode=False)
    except LrvizError as exc:
        _stderr(f"lrviz: error: {exc.one_line()}")
        return 2
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 0
    except KeyboardInterrupt:
        _stderr("lrviz: interrupted")
        return 130
    except BrokenPipeError:  # click turns a closed stdout into exit 1 itself; this is for the rest
        _discard_stdout()
        return 1
    except OSError as exc:  # the system refused: a full disk, a device, a permission
        _discard_stdout()
        where = f": {exc.filename}" if exc.filename else " (writing the output)"
        _stderr(f"lrviz: error: {exc.strerror or exc}{where}")
        return 2
    except Exception as exc:
        if hasattr(exc, "format_message") and hasattr(exc, "exit_code"):  # click/typer usage errors
            if type(exc).__name__ in ("Exit",):
                return int(exc.exit_code)
            if not str(exc.format_message()).strip():  # no arguments: typer has shown the help
                return int(exc.exit_code)
            _stderr(f"lrviz: error: {_usage_message(exc)}")
            return 2 if exc.exit_code in (1, 2) else int(exc.exit_code)
        if os.environ.get("LRVIZ_DEBUG"):
            raise
        _stderr(
            f"lrviz: internal error: {type(exc).__name__}: {exc} "
            "(this is a bug in lrviz; rerun with LRVIZ_DEBUG=1 for the traceback and report it)"
        )
        return 1
    return result if isinstance(result, int) else 0


def _discard_stdout() -> None:
    """Drop what stdout still buffers when it cannot be written, so that the flush at exit
    does not fail again (with a traceback) after lrviz has said what went wrong."""
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass


def _defer_help_extras() -> None:
    """Load rich.markdown and rich.traceback only when something uses them.

    typer's help renderer imports both at the top (markdown-it and pygments: about 100 ms
    of a 250 ms ``lrviz --help``), though lrviz's help uses neither: its markup mode is
    "rich" and pretty exceptions are off. Until typer imports them lazily itself, each is
    stood in for by a module whose attributes load the real one on first use, so nothing
    changes for a caller that does use them."""
    import importlib
    import types

    for name, cls_name in (("rich.markdown", "Markdown"), ("rich.traceback", "Traceback")):
        if name in sys.modules:
            continue

        def real(name: str = name) -> types.ModuleType:
            if getattr(sys.modules.get(name), "_lrviz_deferred", False):
                del sys.modules[name]
            return importlib.import_module(name)

        class Deferred:
            def __new__(cls, *args: Any, _real: Any = real, _cls: str = cls_name, **kwargs: Any) -> Any:
                return getattr(_real(), _cls)(*args, **kwargs)

        module = types.ModuleType(name)
        module._lrviz_deferred = True  # type: ignore[attr-defined]

        def attribute(attr: str, _real: Any = real) -> Any:
            if attr.startswith("__"):  # the import system probing (__path__, ...): not a use
                raise AttributeError(attr)
            return getattr(_real(), attr)

        module.__getattr__ = attribute  # type: ignore[method-assign]
        setattr(module, cls_name, Deferred)
        sys.modules[name] = module


def _usage_message(exc: Any) -> str:
    message = " ".join(str(exc.format_message()).split())
    param = getattr(exc, "param", None)
    if param is not None and getattr(param, "opts", None) and "invalid value" not in message.lower():
        message = f"invalid value for {'/'.join(param.opts)}: {message}"
    ctx = getattr(exc, "ctx", None)
    command = getattr(getattr(ctx, "command", None), "name", None)
    if command and command != "lrviz":
        message += f" (see 'lrviz {command} --help')"
    else:
        message += " (see 'lrviz --help')"
    return message


def run() -> NoReturn:
    """The ``lrviz`` command: `main`, then an exit that skips the interpreter's teardown."""
    _exit(main())


#: Modules whose teardown at exit costs more than lrviz's own work: freeing torch's and
#: matplotlib's objects module by module takes about 0.6 s after a figure drawn by
#: stepping torch (bench/README.md), time a user waits for and gains nothing from.
COSTLY_TEARDOWN = ("torch", "matplotlib")


def _exit(code: int) -> NoReturn:
    """Exit with `code`; once torch or matplotlib is loaded, without the teardown.

    Everything lrviz writes is complete by now (files are renamed into place before a
    command returns), so after the ``atexit`` functions (matplotlib's, logging's, a user
    module's) and a flush of stdout and stderr, ``os._exit`` ends the process as the
    normal exit would, minus the freeing of every module's objects. Only with no other
    thread alive: a normal exit waits for those. The Python API and `main` never do this."""
    import threading

    if not any(name in sys.modules for name in COSTLY_TEARDOWN) or threading.active_count() > 1:
        sys.exit(code)
    import atexit

    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe or stream: nothing more can reach it
            pass
    os._exit(code)
