"""The options of the commands, each defined once, and the typer settings they share.

The common options (--steps, --optimizer, --out, ...) are ``Annotated`` aliases that every
command taking them names in its signature; a schedule's own options are not here: they
depend on the schedule and are read by :mod:`lrviz.cli.schedule_args`.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperOption

from . import coercion
from .completion import ScheduleCommand, complete_schedule_words


def _flag_type(self: TyperOption, ctx: Any) -> str | None:
    """No ``<bool>`` beside a flag in the help: a flag takes no value. (typer writes the
    type of every option; this covers its own --help and --install-completion too.)"""
    if self.is_flag and self.metavar is None:
        return ""
    return _typed(self, ctx)


_typed = TyperOption.display_type_rich
TyperOption.display_type_rich = _flag_type  # type: ignore[method-assign]
coercion.install()


class Format(str, Enum):
    """``lrviz table --format``."""

    rich = "rich"
    csv = "csv"
    json = "json"
    markdown = "markdown"


class Layout(str, Enum):
    """``lrviz compare --layout``: lrviz.render.figure.LAYOUTS (not imported here: matplotlib)."""

    overlay = "overlay"
    grid = "grid"


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
        "--steps-per-epoch",
        metavar="K",
        min=1,
        help="Show epochs on the x axis (K steps each).",
        rich_help_panel=TRACE,
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
        metavar="LR",
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
        help="Schedules, options and outputs from a TOML file (see docs/guide.md); options given here win.",
        rich_help_panel=TRACE,
        show_default=False,
    ),
]
FromOpt = Annotated[
    Path | None,
    typer.Option(
        "--from",
        metavar="FILE",
        help="The schedule a training config builds: Hugging Face TrainingArguments (JSON or YAML), a "
        "LightningCLI YAML or timm's args.yaml, with its update and warmup steps computed as the framework does "
        "(printed on stderr).",
        rich_help_panel=TRACE,
        show_default=False,
    ),
]
NumExamplesOpt = Annotated[
    int | None,
    typer.Option(
        "--num-examples",
        metavar="N",
        min=1,
        help="With --from: the training set's size, which sets the updates per epoch.",
        rich_help_panel=TRACE,
        show_default=False,
    ),
]
DevicesOpt = Annotated[
    int | None,
    typer.Option(
        "--devices",
        metavar="N",
        min=1,
        help="With --from: data-parallel processes (GPUs x nodes). Default: the config's, else 1.",
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
# None when not given, so that a config file's value stands (the other flags are not in config files)
LogOpt = Annotated[bool | None, typer.Option("--log", help="Logarithmic LR axis.", rich_help_panel=FIGURE)]
TitleOpt = Annotated[
    str | None,
    typer.Option("--title", metavar="TEXT", help="Figure title.", rich_help_panel=FIGURE, show_default=False),
]
SizeOpt = Annotated[
    str | None,
    typer.Option("--size", metavar="WxH", help="Figure size in inches, e.g. 8x4.5.", rich_help_panel=FIGURE),
]
DpiOpt = Annotated[
    int | None,
    typer.Option(
        "--dpi",
        metavar="DPI",
        min=10,
        max=1200,
        help="Resolution of PNG output. Default: 150.",
        rich_help_panel=FIGURE,
        show_default=False,
    ),
]
StyleOpt = Annotated[
    str | None,
    typer.Option(
        "--style",
        metavar="STYLE",
        help="A matplotlib style, e.g. ggplot, bmh, dark_background.",
        rich_help_panel=FIGURE,
    ),
]
AnnotateOpt = Annotated[
    bool | None,
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
        autocompletion=complete_schedule_words,
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
        metavar="M",
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

LayoutOpt = Annotated[
    Layout | None,
    typer.Option(
        "--layout",
        metavar="overlay|grid",
        help="overlay: one set of axes; grid: small multiples with shared axes. Default: overlay.",
        rich_help_panel=FIGURE,
        show_default=False,
    ),
]
EveryOpt = Annotated[
    int | None,
    typer.Option(
        "--every",
        metavar="K",
        min=1,
        help="Show every K-th step. Default: all steps of a short trace; for a long one a readable "
        "selection that keeps every turn and jump (csv/json: all steps).",
        rich_help_panel=OUTPUT,
        show_default=False,
    ),
]
FormatOpt = Annotated[
    Format,
    typer.Option("--format", "-f", help="rich table, or csv/json/markdown for machines.", rich_help_panel=OUTPUT),
]

SCHEDULE_COMMAND: dict[str, Any] = {
    # a schedule's own options reach the command as tokens, read by schedule_args
    "context_settings": {"allow_extra_args": True, "ignore_unknown_options": True},
    "add_help_option": False,  # --help after a schedule also lists that schedule's options
    "cls": ScheduleCommand,
}
