"""Schedules with their trace options -> traces: the step shared by the commands, config
files and the gallery, so a figure made one way is the figure made any other way."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import spec as spec_mod
from .errors import LrvizError
from .schedule import Entry, Param
from .spec import Spec

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from .config import FigureOptions, TraceOptions
    from .tracing import Trace

# Trace options that a schedule may also take as parameters (OneCycleLR's steps_per_epoch,
# a recipe's lr): given to the schedule unless it sets them itself. A parameter with another
# name says which option it means with Param.same_as (timm's updates_per_epoch).
SHARED_OPTIONS = ("steps_per_epoch", "lr")


def shared_params(entry: Entry) -> list[tuple[str, Param]]:
    """(trace option, parameter) for each parameter of ``entry`` that means a trace option."""
    out = []
    for param in entry.params:
        option = param.same_as or param.name
        if option in SHARED_OPTIONS:
            out.append((option, param))
    return out


def shared_args(spec: Spec, opts: TraceOptions) -> Spec:
    """``spec`` with the trace options it also takes as parameters, unless it sets them."""
    updates = {}
    for option, param in shared_params(spec.entry):
        value = getattr(opts, option)
        if value is not None and param.name not in spec.args:
            updates[param.name] = spec_mod.coerce(value, param)
    return spec_mod.with_args(spec, **updates) if updates else spec


def labels(specs: Sequence[Spec], given: Sequence[str | None]) -> list[str]:
    """Legend labels: the given ones, else short distinct ones (the spec itself when alone)."""
    from .analysis import short_labels

    short = short_labels(specs)
    out = []
    for i, spec in enumerate(specs):
        label = given[i] if i < len(given) else None
        out.append(label or (short[i] if len(specs) > 1 else spec.format()))
    return out


def trace_all(
    specs: Sequence[Spec],
    options: Sequence[TraceOptions],
    labels: Sequence[str],
    metric_dirs: Sequence[Path],
    origins: Sequence[str] = (),
    *,
    exact: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
    stream: bool = False,
) -> list[Trace]:
    """Trace each schedule with its options; a metric file is read once however many
    schedules use it. ``origins`` prefix errors ("FILE: schedule[2]: "). ``exact`` steps
    torch even where lrviz.fast_path could compute the values; ``progress(label, done, total)``
    is called while torch is stepped; ``stream``: long traces that can be made a block at a
    time hold no values (see ``lrviz.trace``)."""
    from .tracing import trace

    loaded: dict[tuple[str, Path], Any] = {}
    out = []
    origins = list(origins) or [""] * len(specs)
    for spec, opts, label, folder, origin in zip(specs, options, labels, metric_dirs, origins, strict=True):
        try:
            metric = None
            if spec.entry.needs_metric and opts.metric:
                key = (opts.metric, folder)
                if key not in loaded:
                    from . import metrics

                    loaded[key] = metrics.parse(opts.metric, folder)
                metric = loaded[key]
            out.append(
                trace(
                    spec,
                    opts.steps,
                    optimizer=opts.optimizer or "sgd",
                    lr=opts.lr if opts.lr is not None else 0.1,
                    group_lrs=opts.group_lr or (),
                    momentum=opts.momentum,
                    betas=opts.betas,
                    steps_per_epoch=opts.steps_per_epoch,
                    metric=metric,
                    label=label,
                    exact=exact,
                    progress=None if progress is None else partial(progress, label),
                    stream=stream,
                )
            )
        except LrvizError as exc:
            if not origin:
                raise
            raise LrvizError(origin + exc.message, exc.hint) from None
    return out


def draw(traces: Sequence[Trace], options: FigureOptions) -> Figure:
    """The figure of ``traces`` with the given figure options (defaults where unset)."""
    from .render import figure

    return figure.plot(
        list(traces),
        log=bool(options.log),
        title=options.title,
        size=figure.parse_size(options.size) if options.size else None,
        style=options.style,
        dpi=options.dpi if options.dpi is not None else figure.DEFAULT_DPI,
        layout=options.layout or "overlay",
        annotate=bool(options.annotate),
    )
