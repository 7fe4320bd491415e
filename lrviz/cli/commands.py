"""The ``lrviz`` typer app: its commands, each a signature, a help text and a call to the
shared runner (:mod:`lrviz.cli.runner`), ``list``/``describe`` (:mod:`lrviz.cli.catalog`)
or ``gallery`` (:mod:`lrviz.cli.gallery_cmd`).
"""

from __future__ import annotations

from typing import Annotated

import typer

from lrviz import __version__

from . import catalog, check_cmd, gallery_cmd
from .options import (
    SCHEDULE_COMMAND,
    AnnotateOpt,
    BetasOpt,
    ConfigOpt,
    DevicesOpt,
    DpiOpt,
    EveryOpt,
    ExactOpt,
    Format,
    FormatOpt,
    FromOpt,
    GroupLrOpt,
    HelpOpt,
    LabelOpt,
    LayoutOpt,
    LogOpt,
    LrOpt,
    MetricOpt,
    MomentumOpt,
    NumExamplesOpt,
    OptimizerOpt,
    OutOpt,
    PrintCodeOpt,
    SizeOpt,
    StepsOpt,
    StepsPerEpochOpt,
    StyleOpt,
    TerminalOpt,
    TitleOpt,
    TokensArg,
)

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
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


@app.command("plot", **SCHEDULE_COMMAND)
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
    from_file: FromOpt = None,
    num_examples: NumExamplesOpt = None,
    devices: DevicesOpt = None,
    out: OutOpt = None,
    log: LogOpt = None,
    title: TitleOpt = None,
    size: SizeOpt = None,
    dpi: DpiOpt = None,
    style: StyleOpt = None,
    annotate: AnnotateOpt = None,
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
    from . import runner  # the spec language and every family: not for --help

    if help_:
        return runner.schedule_help(ctx, tokens)
    runner.draw_command(ctx, tokens, runner.TraceArgs.of(locals()), runner.FigureArgs.of(locals()))


@app.command("compare", **SCHEDULE_COMMAND)
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
    from_file: FromOpt = None,
    num_examples: NumExamplesOpt = None,
    devices: DevicesOpt = None,
    out: OutOpt = None,
    layout: LayoutOpt = None,
    label: LabelOpt = None,
    log: LogOpt = None,
    title: TitleOpt = None,
    size: SizeOpt = None,
    dpi: DpiOpt = None,
    style: StyleOpt = None,
    annotate: AnnotateOpt = None,
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
    from . import runner  # the spec language and every family: not for --help

    if help_:
        return runner.schedule_help(ctx, tokens)
    runner.draw_command(ctx, tokens, runner.TraceArgs.of(locals()), runner.FigureArgs.of(locals()))


@app.command("show", **SCHEDULE_COMMAND)
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
    log: LogOpt = None,
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
    from . import runner  # the spec language and every family: not for --help

    if help_:
        return runner.schedule_help(ctx, tokens)
    runner.draw_command(ctx, tokens, runner.TraceArgs.of(locals()), runner.FigureArgs(log=log, terminal=True))


@app.command("explore", **SCHEDULE_COMMAND)
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
    from_file: FromOpt = None,
    num_examples: NumExamplesOpt = None,
    devices: DevicesOpt = None,
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
    from . import runner  # the spec language and every family: not for --help

    if help_:
        return runner.schedule_help(ctx, tokens)
    runner.explore_command(ctx, tokens, runner.TraceArgs.of(locals()))


@app.command("table", **SCHEDULE_COMMAND)
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
    from_file: FromOpt = None,
    num_examples: NumExamplesOpt = None,
    devices: DevicesOpt = None,
    label: LabelOpt = None,
    every: EveryOpt = None,
    fmt: FormatOpt = Format.rich,
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
    from . import runner  # the spec language and every family: not for --help

    if help_:
        return runner.schedule_help(ctx, tokens)
    runner.table_command(ctx, tokens, runner.TraceArgs.of(locals()), every, fmt)


app.command("check")(check_cmd.check_cmd)
app.command("gallery")(gallery_cmd.gallery_cmd)
app.command("list")(catalog.list_cmd)
app.command("describe")(catalog.describe_cmd)


def _version(value: bool) -> None:
    if value:
        from lrviz import registry

        versions = [v for fam in registry.families() if (v := fam.version())]
        print(f"lrviz {__version__}" + (f" ({', '.join(versions)})" if versions else ""))
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", help="Show the version and exit.", callback=_version, is_eager=True)
    ] = False,
) -> None:
    """Plot and explore PyTorch learning-rate schedules."""
