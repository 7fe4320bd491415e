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

import math
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from . import spec as spec_mod
from .errors import LrvizError, did_you_mean
from .spec import Spec

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib


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


def read_toml(path: str | Path, what: str) -> dict[str, Any]:
    """A TOML file's data; a missing, unreadable or invalid file is a one-line error."""
    where = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LrvizError(f"{what} '{where}' does not exist") from None
    except IsADirectoryError:
        raise LrvizError(f"{what} '{where}' is a folder", "give a .toml file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise LrvizError(f"cannot read {what} '{where}': {exc}") from None
    return parse_toml(text, where)


def parse_toml(text: str, where: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LrvizError(f"{where} is not valid TOML: {exc}") from None


def from_dict(
    data: Mapping[str, Any], *, where: str = "config", folder: Path = Path("."), path: Path | None = None
) -> Config:
    """A Config from already-parsed TOML data (paths relative to ``folder``)."""
    _check_keys(data, TOP_KEYS, where, "")
    trace = _trace_options(data, where, "")
    figure = FigureOptions(
        title=_get(data, "title", str, where),
        layout=_choice(data, "layout", ("overlay", "grid"), where),
        log=_get(data, "log", bool, where),
        size=_size(data, where),
        dpi=_int(data, "dpi", where, low=10, high=1200),
        style=_get(data, "style", str, where),
        annotate=_get(data, "annotate", bool, where),
    )
    out_value = data.get("out")
    outs: list[str] = []
    if isinstance(out_value, str):
        outs = [out_value]
    elif isinstance(out_value, list) and all(isinstance(o, str) for o in out_value):
        outs = list(out_value)
    elif out_value is not None:
        raise LrvizError(f"{where}: out must be a file name or a list of file names, got {_show(out_value)}")
    schedules = data.get("schedule")
    if schedules is None:
        raise LrvizError(f"{where} names no schedule", 'add a [[schedule]] table with spec = "..."')
    if isinstance(schedules, Mapping):
        schedules = [schedules]
    if not isinstance(schedules, list) or not all(isinstance(s, Mapping) for s in schedules):
        raise LrvizError(
            f"{where}: schedule must be [[schedule]] tables", 'e.g. [[schedule]] spec = "StepLR(step_size=30)"'
        )
    if not schedules:
        raise LrvizError(f"{where} names no schedule", 'add a [[schedule]] table with spec = "..."')
    runs = tuple(_run(s, f"schedule[{i + 1}]", where) for i, s in enumerate(schedules))
    return Config(
        runs=runs,
        trace=trace,
        figure=figure,
        out=tuple(folder / o for o in outs),
        folder=folder,
        path=path,
    )


def _run(table: Mapping[str, Any], key: str, where: str) -> Run:
    _check_keys(table, SCHEDULE_KEYS, where, key + ".")
    text = _get(table, "spec", str, where, key)
    name = _get(table, "name", str, where, key)
    args = table.get("args")
    if text is None and name is None:
        raise LrvizError(f'{where}: {key} needs spec = "..." (or name = "..." with args)')
    if text is not None and name is not None:
        raise LrvizError(f"{where}: {key} has both spec and name", "give one of them")
    if args is not None and not isinstance(args, Mapping):
        raise LrvizError(f"{where}: {key}.args must be a table of parameters, got {_show(args)}")
    try:
        base = spec_mod.parse(text, require=False) if text is not None else None
        spec = spec_mod.from_values(name or "", args or {}, base=base)
    except LrvizError as exc:
        raise LrvizError(f"{where}: {key}: {exc.message}", exc.hint) from None
    return Run(spec=spec, label=_get(table, "label", str, where, key), options=_trace_options(table, where, key))


def _trace_options(table: Mapping[str, Any], where: str, key: str) -> TraceOptions:
    group_lr = table.get("group_lr")
    if group_lr is not None:
        if not isinstance(group_lr, list) or not group_lr or not all(_is_number(v) for v in group_lr):
            raise LrvizError(f"{where}: {_key(key, 'group_lr')} must be a list of numbers, got {_show(group_lr)}")
        group_lr = tuple(float(v) for v in group_lr)
    betas = table.get("betas")
    if betas is not None:
        from .optimizers import parse_betas

        if not isinstance(betas, (list, str)):
            raise LrvizError(f"{where}: {_key(key, 'betas')} must be two numbers, e.g. [0.9, 0.999]")
        try:
            betas = parse_betas(betas)
        except LrvizError as exc:
            raise LrvizError(f"{where}: {_key(key, 'betas')}: {exc.message}", exc.hint) from None
    return TraceOptions(
        steps=_int(table, "steps", where, key, low=1),
        steps_per_epoch=_int(table, "steps_per_epoch", where, key, low=1),
        optimizer=_get(table, "optimizer", str, where, key),
        lr=_float(table, "lr", where, key),
        group_lr=group_lr,
        momentum=_float(table, "momentum", where, key),
        betas=betas,
        metric=_get(table, "metric", str, where, key),
    )


# --------------------------------------------------------------------------------------
# Checking values


def _key(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _check_keys(table: Mapping[str, Any], allowed: Mapping[str, str], where: str, prefix: str) -> None:
    for k in table:
        if k not in allowed:
            hint = did_you_mean(k, allowed) or "known keys: " + ", ".join(sorted(allowed))
            raise LrvizError(f"{where}: unknown key '{prefix}{k}'", hint)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 50 else text[:47] + "..."


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


_TYPE_NAMES = {str: "a string", bool: "true or false", int: "a whole number", float: "a number"}


def _get(table: Mapping[str, Any], name: str, kind: type, where: str, prefix: str = "") -> Any:
    value = table.get(name)
    if value is None:
        return None
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise LrvizError(f"{where}: {_key(prefix, name)} must be {_TYPE_NAMES[kind]}, got {_show(value)}")
    return value


def _int(
    table: Mapping[str, Any], name: str, where: str, prefix: str = "", low: int = 0, high: int | None = None
) -> int | None:
    value = table.get(name)
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise LrvizError(f"{where}: {_key(prefix, name)} must be a whole number, got {_show(value)}")
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise LrvizError(f"{where}: {_key(prefix, name)} must be {bound}, got {value}")
    return value


def _float(table: Mapping[str, Any], name: str, where: str, prefix: str = "") -> float | None:
    value = table.get(name)
    if value is None:
        return None
    if not _is_number(value) or not math.isfinite(value):
        raise LrvizError(f"{where}: {_key(prefix, name)} must be a finite number, got {_show(value)}")
    return float(value)


def _choice(table: Mapping[str, Any], name: str, choices: Sequence[str], where: str) -> str | None:
    value = _get(table, name, str, where)
    if value is not None and value not in choices:
        hint = did_you_mean(value, choices) or "choose " + " or ".join(choices)
        raise LrvizError(f"{where}: {name} must be {' or '.join(choices)}, got {value!r}", hint)
    return value


def _size(table: Mapping[str, Any], where: str) -> str | None:
    value = table.get("size")
    if value is None:
        return None
    if isinstance(value, list) and len(value) == 2 and all(_is_number(v) for v in value):
        value = f"{value[0]}x{value[1]}"
    if not isinstance(value, str):
        raise LrvizError(f"{where}: size must be '8x4.5' or [8, 4.5], got {_show(value)}")
    from .render.figure import parse_size

    try:
        parse_size(value)
    except LrvizError as exc:
        raise LrvizError(f"{where}: size: {exc.message}", exc.hint) from None
    return value
