"""TOML config files: one or many schedules with their optimizer, steps, labels, output
files and figure options, for figures anyone can reproduce.

    title = "Warmup strategies"
    out = ["warmup.svg"]          # relative to the config file's folder
    steps = 1000                  # trace options for every schedule...
    optimizer = "adamw"
    lr = 3e-4

    [[schedule]]
    spec = "OneCycleLR(max_lr=3e-4, total_steps=1000)"
    label = "one-cycle"

    [[schedule]]
    name = "cosine"               # ...which a schedule may override
    label = "HF cosine"
    [schedule.args]
    num_warmup_steps = 100
    num_training_steps = 1000

Every key is checked: an unknown key or a wrong type is an error naming the key (with a
did-you-mean). The file is data: nothing in it is evaluated, and nothing is imported except
a schedule written explicitly as ``module.path:Class``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from . import spec as spec_mod
from .errors import LrvizError
from .spec import Spec
from .toml_schema import Table, is_number, read_toml, show


@dataclass(frozen=True)
class TraceOptions:
    """How one schedule is traced (the Trace/Optimizer options of the command line)."""

    steps: int | None = None
    steps_per_epoch: int | None = None
    optimizer: str | None = None
    lr: float | None = None
    group_lr: tuple[float, ...] | None = None
    momentum: float | None = None
    betas: tuple[float, float] | None = None
    metric: str | None = None

    def merged(self, over: TraceOptions) -> TraceOptions:
        """These options with every value set in ``over`` replacing ours."""
        changes = {k: getattr(over, k) for k in self.__dataclass_fields__ if getattr(over, k) is not None}
        return replace(self, **changes)


@dataclass(frozen=True)
class FigureOptions:
    title: str | None = None
    layout: str | None = None
    log: bool | None = None
    size: str | None = None
    dpi: int | None = None
    style: str | None = None
    annotate: bool | None = None

    def merged(self, over: FigureOptions) -> FigureOptions:
        changes = {k: getattr(over, k) for k in self.__dataclass_fields__ if getattr(over, k) is not None}
        return replace(self, **changes)


@dataclass(frozen=True)
class Run:
    """One schedule to trace: its spec, its legend label and its own trace options."""

    spec: Spec
    label: str | None = None
    options: TraceOptions = field(default_factory=TraceOptions)


@dataclass(frozen=True)
class Config:
    runs: tuple[Run, ...]
    trace: TraceOptions = field(default_factory=TraceOptions)
    figure: FigureOptions = field(default_factory=FigureOptions)
    out: tuple[Path, ...] = ()
    folder: Path = Path(".")
    path: Path | None = None


TRACE_KEYS = {
    "steps": "whole number of training iterations",
    "steps_per_epoch": "whole number: show epochs on the x axis (and step metric schedules per epoch)",
    "optimizer": "optimizer name: sgd, adam, adamw, ...",
    "lr": "the optimizer's learning rate",
    "group_lr": "list of LRs, one param group each",
    "momentum": "SGD/RMSprop momentum",
    "betas": "Adam-family betas, [0.9, 0.999]",
    "metric": "metric for ReduceLROnPlateau: 'synthetic:NAME[,k=v]' or 'FILE.csv[:COLUMN]' (relative to this file)",
}
FIGURE_KEYS = {
    "title": "figure title",
    "layout": "overlay or grid (several schedules)",
    "log": "logarithmic LR axis (true/false)",
    "size": "figure size in inches: '8x4.5' or [8, 4.5]",
    "dpi": "resolution of PNG output",
    "style": "a matplotlib style, e.g. ggplot",
    "annotate": "mark peak, minimum, final, warmup, restarts and milestones (true/false)",
}
TOP_KEYS = {**FIGURE_KEYS, **TRACE_KEYS, "out": "output file or list of files (.png/.svg/.pdf)", "schedule": ""}
SCHEDULE_KEYS = {
    **TRACE_KEYS,
    "spec": "a schedule name or constructor call",
    "name": "a schedule name (with args)",
    "args": "a table of the schedule's parameters",
    "label": "legend label",
}


def load(path: str | Path) -> Config:
    """Read and check a config file."""
    data = read_toml(path, "config file")
    return from_dict(data, where=str(path), folder=Path(path).parent, path=Path(path))


def from_dict(
    data: Mapping[str, Any], *, where: str = "config", folder: Path = Path("."), path: Path | None = None
) -> Config:
    """A Config from already-parsed TOML data (paths relative to ``folder``); errors name
    the file as ``where``."""
    return from_table(Table(data, where), folder=folder, path=path)


def from_table(table: Table, *, folder: Path = Path("."), path: Path | None = None) -> Config:
    """A Config from a TOML table, checked here: a config file's top, or a gallery's [[figure]]."""
    table.check_keys(TOP_KEYS)
    table.check_sizes()
    trace = _trace_options(table)
    figure = FigureOptions(
        title=table.text("title"),
        layout=table.choice("layout", ("overlay", "grid")),
        log=table.flag("log"),
        size=_size(table),
        dpi=table.whole("dpi", low=10, high=1200),
        style=table.text("style"),
        annotate=table.flag("annotate"),
    )
    out_value = table.data.get("out")
    outs: list[str] = []
    if isinstance(out_value, str):
        outs = [out_value]
    elif isinstance(out_value, list) and all(isinstance(o, str) for o in out_value):
        outs = list(out_value)
    elif out_value is not None:
        raise table.error(f"{table.key('out')} must be a file name or a list of file names, got {show(out_value)}")
    header = table.header("schedule")
    schedules = table.tables("schedule", f'e.g. [[{header}]] spec = "StepLR(step_size=30)"')
    if not schedules:
        where = f"{table.file}: {table.path}" if table.path else table.file
        raise LrvizError(f"{where} names no schedule", f'add a [[{header}]] table with spec = "..."')
    return Config(
        runs=tuple(_run(s) for s in schedules),
        trace=trace,
        figure=figure,
        out=tuple(folder / o for o in outs),
        folder=folder,
        path=path,
    )


def _run(table: Table) -> Run:
    table.check_keys(SCHEDULE_KEYS)
    text = table.text("spec")
    name = table.text("name")
    if text is None and name is None:
        raise table.error(f'{table.path} needs spec = "..." (or name = "..." with args)')
    if text is not None and name is not None:
        raise table.error(f"{table.path} has both spec and name", "give one of them")
    args = table.table("args")
    try:
        base = spec_mod.parse(text, require=False) if text is not None else None
        spec = spec_mod.from_values(name or "", args.data if args is not None else {}, base=base)
    except LrvizError as exc:
        raise table.wrap(exc) from None
    return Run(spec=spec, label=table.text("label"), options=_trace_options(table))


def _trace_options(table: Table) -> TraceOptions:
    group_lr = table.data.get("group_lr")
    if group_lr is not None:
        if not isinstance(group_lr, list) or not group_lr or not all(is_number(v) for v in group_lr):
            raise table.error(f"{table.key('group_lr')} must be a list of numbers, got {show(group_lr)}")
        group_lr = tuple(float(v) for v in group_lr)
    betas = table.data.get("betas")
    if betas is not None:
        from .optimizers import parse_betas

        if not isinstance(betas, (list, str)):
            raise table.error(f"{table.key('betas')} must be two numbers, e.g. [0.9, 0.999]")
        try:
            betas = parse_betas(betas)
        except LrvizError as exc:
            raise table.wrap(exc, "betas") from None
    return TraceOptions(
        steps=table.whole("steps", low=1),
        steps_per_epoch=table.whole("steps_per_epoch", low=1),
        optimizer=table.text("optimizer"),
        lr=table.number("lr"),
        group_lr=group_lr,
        momentum=table.number("momentum"),
        betas=betas,
        metric=table.text("metric"),
    )


def _size(table: Table) -> str | None:
    value = table.data.get("size")
    if value is None:
        return None
    if isinstance(value, list) and len(value) == 2 and all(is_number(v) for v in value):
        value = f"{value[0]}x{value[1]}"
    if not isinstance(value, str):
        raise table.error(f"{table.key('size')} must be '8x4.5' or [8, 4.5], got {show(value)}")
    from .render.figure import parse_size

    try:
        parse_size(value)
    except LrvizError as exc:
        raise table.wrap(exc, "size") from None
    return value
