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
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from . import __version__, registry
from . import spec as spec_mod
from .errors import LrvizError, did_you_mean
from .registry import BOOL, Entry
from .spec import Spec

if TYPE_CHECKING:
    from .engine import Trace

app = typer.Typer(
    name="lrviz",
    help=(
        "Plot and explore PyTorch learning-rate schedules: the real torch scheduler, "
        "stepped on a dummy optimizer, traced exactly as your training loop sees it.\n\n"
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

SpecArg = Annotated[
    str | None,
    typer.Argument(
        metavar="SCHEDULE",
        help='A schedule name (cycliclr) or a constructor call ("CyclicLR(base_lr=0.1, max_lr=0.2)").',
        show_default=False,
    ),
]
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
    str,
    typer.Option(
        "--optimizer",
        metavar="NAME",
        help="sgd, adam, adamw, nadam, radam, rmsprop, adagrad, ... (any torch.optim optimizer).",
        rich_help_panel=OPTIM,
    ),
]
LrOpt = Annotated[float, typer.Option("--lr", help="The optimizer's learning rate.", rich_help_panel=OPTIM)]
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


def _report(t: Trace) -> None:
    if t.horizon_reason:
        _stderr(f"lrviz: no --steps given: tracing {t.n_steps:,} steps ({t.horizon_reason}); pass -n N to change")
    if t.metric_note:
        _stderr(f"lrviz: {t.metric_note}")
    for warning in t.warnings:
        _stderr(f"lrviz: warning: {warning}")
    for event in t.events:
        if event.kind == "crash":
            _stderr(f"lrviz: warning: {event.text} (after step {event.step})")


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


def _looks_like_schedule(token: str) -> bool:
    text = token.strip()
    head = text.split("(", 1)[0].strip()
    if "=" in head:  # a pasted "scheduler = lr_scheduler.X(...)"
        head = head.split("=", 1)[1].strip()
    return registry.find(head) is not None


def _split(spec_arg: str | None, extra: Sequence[str]) -> tuple[list[str], list[str]]:
    """Schedules and schedule-option tokens from what typer left over, in their order."""
    if spec_arg is not None and not spec_arg.startswith("-"):
        # the usual order, schedule first: everything after it is options and their values
        # (a value may itself be schedule calls, as in --schedulers "[StepLR(...), ...]")
        return [spec_arg], list(extra)
    tokens = ([spec_arg] if spec_arg is not None else []) + list(extra)
    specs: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.startswith("--"):
            rest.append(token)
            if "=" not in token and i + 1 < len(tokens) and not _looks_like_schedule(tokens[i + 1]):
                nxt = tokens[i + 1]
                if not nxt.startswith("--"):
                    rest.append(nxt)
                    i += 1
        elif _looks_like_schedule(token) or not specs and not token.startswith("-"):
            specs.append(token)
        else:
            rest.append(token)
        i += 1
    return specs, rest


def _schedule_options(entry: Entry, tokens: Sequence[str], ctx: typer.Context) -> dict[str, Any]:
    by_option: dict[str, tuple[Any, bool | None]] = {}
    for param in entry.user_params:
        by_option[param.option] = (param, None)
        if param.kind == BOOL:
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
        if param.kind == BOOL and not has_value:
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


def resolve(spec_text: str, tokens: Sequence[str], ctx: typer.Context, steps_per_epoch: int | None = None) -> Spec:
    """The Spec named by a schedule argument plus its options (options win over the call's
    arguments, so a pasted call can be tweaked). A schedule with its own ``steps_per_epoch``
    (OneCycleLR) takes ``--steps-per-epoch`` too: it means the same thing there."""
    base: Spec | None = None
    head = spec_text.strip()
    if "(" in head:
        base = spec_mod.parse(head, require=False)
        entry = base.entry
    else:
        entry = registry.get(head)
    options = _schedule_options(entry, tokens, ctx)
    if steps_per_epoch is not None and entry.param("steps_per_epoch") is not None:
        options.setdefault("steps_per_epoch", str(steps_per_epoch))
    return spec_mod.from_options(entry.name, options, base=base)


def _one_spec(ctx: typer.Context, spec_arg: str | None, steps_per_epoch: int | None = None) -> Spec:
    specs, rest = _split(spec_arg, ctx.args)
    if not specs:
        _fail(
            f"name a schedule, e.g. 'lrviz {ctx.command.name} cycliclr --base-lr 0.1 --max-lr 0.2' (see 'lrviz list')"
        )
    if len(specs) > 1:
        _fail(f"'lrviz {ctx.command.name}' takes one schedule, got {len(specs)}: {', '.join(specs)}")
    return resolve(specs[0], rest, ctx, steps_per_epoch)


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


def _help(ctx: typer.Context, spec_arg: str | None) -> None:
    from rich.console import Console

    typer.echo(ctx.get_help())
    specs, _ = _split(spec_arg, ctx.args)
    console = Console()
    if not specs:
        console.print(f"  Options of one schedule: [bold]lrviz {ctx.command.name} NAME --help[/] (names: lrviz list)")
        return
    head = specs[0].split("(", 1)[0]
    entry = registry.get(head)
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
        option = escape(f"--[no-]{param.option[2:]}") if param.kind == BOOL else param.option
        help_text = _first_sentence(param.help) if brief else param.help
        table.add_row(option, param.type_text, param.default_text, help_text)
    return table


def _first_sentence(text: str) -> str:
    head, dot, _ = text.partition(". ")
    return head + "." if dot else text


def _trace(
    spec: Spec,
    steps: str | None,
    optimizer: str,
    lr: float,
    group_lr: list[float] | None,
    momentum: float | None,
    betas: str | None,
    steps_per_epoch: int | None,
) -> Trace:
    from .engine import trace

    return trace(
        spec,
        _parse_steps(steps),
        optimizer=optimizer,
        lr=lr,
        group_lrs=group_lr or (),
        momentum=momentum,
        betas=betas,
        steps_per_epoch=steps_per_epoch,
    )


# --------------------------------------------------------------------------------------
# Commands


@app.command("plot", **_SCHEDULE_COMMAND)
def plot_cmd(
    ctx: typer.Context,
    spec_arg: SpecArg = None,
    steps: StepsOpt = None,
    optimizer: OptimizerOpt = "sgd",
    lr: LrOpt = 0.1,
    group_lr: GroupLrOpt = None,
    momentum: MomentumOpt = None,
    betas: BetasOpt = None,
    steps_per_epoch: StepsPerEpochOpt = None,
    out: Annotated[
        list[Path] | None,
        typer.Option(
            "-o",
            "--out",
            metavar="FILE",
            help="Output file; .png, .svg or .pdf. Repeat for several. Default: <schedule>.png here.",
            rich_help_panel=OUTPUT,
            show_default=False,
        ),
    ] = None,
    log: Annotated[bool, typer.Option("--log", help="Logarithmic LR axis.", rich_help_panel=FIGURE)] = False,
    title: Annotated[
        str | None, typer.Option("--title", help="Figure title.", rich_help_panel=FIGURE, show_default=False)
    ] = None,
    size: Annotated[
        str | None,
        typer.Option("--size", metavar="WxH", help="Figure size in inches, e.g. 8x4.5.", rich_help_panel=FIGURE),
    ] = None,
    dpi: Annotated[int, typer.Option("--dpi", help="Resolution of PNG output.", rich_help_panel=FIGURE)] = 150,
    style: Annotated[
        str | None,
        typer.Option("--style", help="A matplotlib style, e.g. ggplot, bmh, dark_background.", rich_help_panel=FIGURE),
    ] = None,
    help_: HelpOpt = False,
) -> None:
    """Draw a schedule's LR (and momentum) to PNG, SVG or PDF.

    Every constructor parameter is an option: [bold]lrviz plot cycliclr --help[/] lists CyclicLR's.

    Examples:

      lrviz plot cycliclr --base-lr 0.1 --max-lr 0.2 --step-size-up 30

      lrviz plot "lr_scheduler.StepLR(optimizer, step_size=30, gamma=0.1)" -o step.svg

      lrviz plot "CyclicLR(base_lr=2.5e-4, max_lr=1e-3, cycle_momentum=False, mode='triangular2',
      step_size_up=102000)" --optimizer adam --lr 1e-3 --steps-per-epoch 17000 -n 1343000
    """
    if help_:
        _help(ctx, spec_arg)
        return
    from .render import figure

    spec = _one_spec(ctx, spec_arg, steps_per_epoch)
    paths = list(out) if out else [Path(f"{spec.entry.cli_name}.png")]
    formats = [figure.format_of(str(p)) for p in paths]
    for path in paths:
        check_writable(path)
    parsed_size = figure.parse_size(size) if size else None
    if not 10 <= dpi <= 1200:
        _fail(f"--dpi {dpi} is out of range; use 10 to 1200")
    if style:
        figure.check_style(style)
    t = _trace(spec, steps, optimizer, lr, group_lr, momentum, betas, steps_per_epoch)
    _report(t)
    fig = figure.plot(t, log=log, title=title, size=parsed_size, style=style, dpi=dpi)
    rendered = [(path, figure.to_bytes(fig, fmt, dpi)) for path, fmt in zip(paths, formats, strict=True)]
    write_atomic(rendered)
    for path in paths:
        print(path)


@app.command("table", **_SCHEDULE_COMMAND)
def table_cmd(
    ctx: typer.Context,
    spec_arg: SpecArg = None,
    steps: StepsOpt = None,
    optimizer: OptimizerOpt = "sgd",
    lr: LrOpt = 0.1,
    group_lr: GroupLrOpt = None,
    momentum: MomentumOpt = None,
    betas: BetasOpt = None,
    steps_per_epoch: StepsPerEpochOpt = None,
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
    """Print a schedule's trace: step (and epoch), LR per group, momentum.

    CSV has the header step,lr[,momentum] (several groups: lr_0,...,momentum_0,...), one row
    per step, with floats that read back exactly; nothing else goes to stdout.

    Examples:

      lrviz table steplr --step-size 30

      lrviz table "OneCycleLR(max_lr=0.1, total_steps=100)" --format csv > onecycle.csv
    """
    if help_:
        _help(ctx, spec_arg)
        return
    from .render import export
    from .render import table as table_mod

    if every is not None and every < 1:
        _fail(f"--every takes a positive number of steps, got {every}")
    spec = _one_spec(ctx, spec_arg, steps_per_epoch)
    t = _trace(spec, steps, optimizer, lr, group_lr, momentum, betas, steps_per_epoch)
    _report(t)
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


@app.command("list")
def list_cmd(
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="rich (a table) or plain (one name per line, for scripts).")
    ] = "rich",
) -> None:
    """List every schedule, with a one-line description and its required parameters."""
    entries = registry.entries()
    if fmt == "plain":
        for entry in entries:
            print(entry.name)
        return
    if fmt != "rich":
        _fail(f"--format takes rich or plain, got {fmt!r}")
    from rich.console import Console
    from rich.table import Table

    table = Table(title="lrviz schedules", title_style="bold", caption="lrviz describe NAME for every parameter")
    table.add_column("schedule", style="cyan", no_wrap=True)
    table.add_column("family", style="magenta")
    table.add_column("description", ratio=1)
    table.add_column("required", style="green")
    for entry in entries:
        required = ", ".join(p.option for p in entry.required) or "–"
        if entry.name == "OneCycleLR":
            required += " + --total-steps (or --epochs and --steps-per-epoch)"
        table.add_row(entry.name, entry.family, entry.summary, required)
    Console().print(table)


@app.command("describe")
def describe_cmd(
    name: Annotated[str, typer.Argument(metavar="NAME", help="A schedule name, e.g. cycliclr.", show_default=False)],
) -> None:
    """Every parameter of a schedule with type, default and help; an example; the torch code."""
    from rich.console import Console
    from rich.syntax import Syntax

    from .code import torch_code
    from .introspect import torch_version

    head = name.split("(", 1)[0]
    entry = registry.get(head)
    console = Console()
    origin = f"torch.optim.lr_scheduler.{entry.name}" if entry.family == "torch" else entry.family
    version = torch_version() if entry.family == "torch" else None
    console.print(f"[bold]{entry.name}[/]  [dim]{origin}{f' (torch {version})' if version else ''}[/]")
    console.print(entry.summary)
    console.print()
    console.print(_params_table(entry, title="Parameters"))
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
        if param.kind == BOOL:
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
    except BrokenPipeError:
        return 0
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
    sys.exit(main())
