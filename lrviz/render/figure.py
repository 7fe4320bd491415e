"""Trace -> matplotlib Figure.

Figures are built on :class:`matplotlib.figure.Figure` directly, never through pyplot, so
nothing global is touched and nothing leaks between calls; :func:`to_bytes` serialises one
deterministically (no dates in metadata, a fixed SVG hash salt).

A figure is drawn in two phases. First the data: curves (steps for schedules whose entry
says the LR holds between jumps, lines for the others; long ones as their envelope),
markers, milestone lines, titles. Then, once matplotlib has laid the figure out, what
must not cover the data: the legend, ``--annotate``'s labels, a composite's segment names
and notes are each put where :mod:`lrviz.render.placement` finds room (a label that finds
none goes into a key beside the legend), and axis labels are fitted to their panels; that
second phase is :mod:`lrviz.render.fit`, and the axes' ticks are :mod:`lrviz.render.ticks`.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from lrviz.errors import LrvizError, did_you_mean

from .fit import (
    MAX_PIXELS,
    Cell,
    Label,
    drawable_text,
    fit_text,
    layout_pass_only,
    math_error,
    place,
    spec_atoms,
    wrap_atoms,
    wrap_words,
)
from .ticks import count_formatter, locator, sci_formatter

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from lrviz.analysis import Mark
    from lrviz.tracing import Trace


FORMATS = ("png", "svg", "pdf")
DEFAULT_WIDTH = 8.0
DEFAULT_DPI = 150
# Long lines are drawn as their M4 envelope (lrviz.render.envelope) on this many columns
# per pixel of the figure's width: more than one, because the columns start at the data's
# first x, not at a pixel edge of the axes. The dpi has a floor so that vector output
# (resolution-free) and low --dpi figures still get a fine envelope.
ENVELOPE_COLUMNS_PER_PIXEL = 2
ENVELOPE_MIN_DPI = 100
# Okabe-Ito: distinguishable with colour-blindness and in print
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")
# The same colours ordered for a dark background: the light ones first, white for black
DARK_PALETTE = ("#56B4E9", "#E69F00", "#009E73", "#CC79A7", "#F0E442", "#D55E00", "#0072B2", "#FFFFFF")
LINESTYLES = ("-", "--", "-.", ":")
WARNING_COLOR = "#B35900"
DARK_WARNING_COLOR = "#FFB000"

RC: dict[str, Any] = {
    "font.size": 10,
    "axes.titlesize": 10,
    "axes.titleweight": "normal",
    "axes.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.35,
    "grid.linewidth": 0.6,
    "legend.frameon": False,
    "legend.fontsize": 9,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "lines.linewidth": 1.8,
    "svg.hashsalt": "lrviz",
    "svg.fonttype": "path",
    "pdf.fonttype": 42,
    "text.usetex": False,  # a matplotlibrc asking for LaTeX must not need a LaTeX installation
}

REPEATED_MARKS = 3  # this many reductions by one factor are labelled once, not each

MAX_SIDE = 32_768
"""The widest or tallest PNG, in pixels (matplotlib's own limit is 65,536)."""


def check_pixels(width: float, height: float, dpi: float) -> None:
    """Refuse a PNG of ``width`` x ``height`` inches at ``dpi`` that is too big to draw."""
    w, h = round(width * dpi), round(height * dpi)
    if w * h > MAX_PIXELS or max(w, h) > MAX_SIDE:
        raise LrvizError(
            f"a {width:g}x{height:g} in figure at {dpi:g} dpi is {w:,}x{h:,} pixels; lrviz draws PNGs of at most "
            f"{MAX_PIXELS / 1e6:g} megapixels and {MAX_SIDE:,} pixels a side",
            "lower --dpi or --size, or write .svg or .pdf (no pixels)",
        )


def check_text(text: str, what: str) -> None:
    """Refuse text given for a figure (``--title``, ``--label``) whose math does not parse."""
    problem = math_error(text)
    if problem:
        raise LrvizError(
            f"{what} {text!r}: matplotlib cannot draw its $...$ math ({problem})",
            "fix the math, or write \\$ for a dollar sign",
        )


def parse_size(text: str) -> tuple[float, float]:
    """``"8x4.5"`` -> (8.0, 4.5) inches."""
    parts = text.lower().replace("×", "x").replace(",", "x").split("x")
    try:
        width, height = (float(p) for p in parts)
    except ValueError:
        raise LrvizError(f"--size takes WIDTHxHEIGHT in inches, got {text!r}", "e.g. --size 8x4.5") from None
    if not (0.5 <= width <= 100 and 0.5 <= height <= 100):
        raise LrvizError(f"--size {text} is out of range", "width and height are inches, between 0.5 and 100")
    return width, height


def check_style(style: str) -> str:
    import matplotlib.style

    available = sorted(matplotlib.style.available)
    if style in available or style == "default":
        return style
    hint = did_you_mean(style, available) or "choose one of " + ", ".join(available)
    raise LrvizError(f"unknown matplotlib style '{style}'", hint)


def format_of(path: str) -> str:
    suffix = path.rsplit(".", 1)[-1].lower() if "." in path.rsplit("/", 1)[-1] else ""
    if suffix == "jpeg":
        suffix = "jpg"
    if suffix not in FORMATS:
        shown = f"'.{suffix}'" if suffix else "no extension"
        raise LrvizError(
            f"cannot tell the format of '{path}' ({shown})",
            "end the file name in " + ", ".join(f".{f}" for f in FORMATS),
        )
    return suffix


@contextmanager
def _style(style: str | None) -> Iterator[None]:
    import matplotlib
    import matplotlib.style

    with matplotlib.rc_context(cast(Any, RC)):
        if style:
            with matplotlib.style.context(check_style(style)):
                matplotlib.rcParams["svg.hashsalt"] = "lrviz"
                matplotlib.rcParams["text.usetex"] = False
                yield
        else:
            yield


@dataclass(frozen=True)
class Theme:
    """The colours of the style in use: a palette that reads on its background, and greys
    between its text colour and its background."""

    palette: tuple[str, ...]
    foreground: tuple[float, float, float]
    background: tuple[float, float, float]
    warning: str

    def grey(self, level: float) -> tuple[float, float, float]:
        """``level`` of the way from the text colour (0) to the background (1): on white,
        the grey matplotlib writes as ``str(level)``."""
        f, b = self.foreground, self.background
        return (
            f[0] + (b[0] - f[0]) * level,
            f[1] + (b[1] - f[1]) * level,
            f[2] + (b[2] - f[2]) * level,
        )

    def color(self, i: int) -> str:
        return self.palette[i % len(self.palette)]


def _theme() -> Theme:
    """The theme of the rcParams in force (call it inside the style's context)."""
    import matplotlib
    from matplotlib.colors import to_rgb

    foreground = to_rgb(matplotlib.rcParams["text.color"])
    background = to_rgb(matplotlib.rcParams["axes.facecolor"])
    dark = sum(background) / 3 < 0.5
    return Theme(
        palette=DARK_PALETTE if dark else PALETTE,
        foreground=foreground,
        background=background,
        warning=DARK_WARNING_COLOR if dark else WARNING_COLOR,
    )


LAYOUTS = ("overlay", "grid")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


def plot(
    traces: Trace | Sequence[Trace],
    *,
    log: bool = False,
    title: str | None = None,
    size: tuple[float, float] | str | None = None,
    style: str | None = None,
    dpi: float | None = None,
    layout: str = "overlay",
    annotate: bool = False,
) -> Figure:
    """A figure of one trace or several: an LR panel, a momentum panel when momentum or
    beta1 changes, and a metric panel when a metric drove a schedule.

    Several traces are overlaid in one set of axes (``layout="overlay"``: a colour, a line
    style and a marker each, readable in grey too) or drawn as small multiples with shared
    axes (``layout="grid"``). ``annotate`` marks peak, minimum, final value, end of warmup,
    restarts, milestones and reductions.
    """
    from matplotlib.figure import Figure

    items = [traces] if not isinstance(traces, Sequence) else list(traces)
    if not items:
        raise LrvizError("nothing to plot")
    items = common_x(items)
    if layout not in LAYOUTS:
        hint = did_you_mean(layout, LAYOUTS) or "use overlay or grid"
        raise LrvizError(f"unknown layout '{layout}'", hint)
    if len(items) == 1:
        layout = "overlay"
    rows = _rows(items)
    heights = {"lr": 3.0, "momentum": 1.4, "metric": 1.4}
    warnings = _warning_lines(items)
    if isinstance(size, str):
        size = parse_size(size)
    ncols = 1 if layout == "overlay" else (2 if len(items) <= 4 else 3)
    nrows = 1 if layout == "overlay" else math.ceil(len(items) / ncols)
    if size is None:
        cell = sum(heights[r] for r in rows) * (0.75 if layout == "grid" else 1.0)
        width = DEFAULT_WIDTH if layout == "overlay" else min(15.0, 4.6 * ncols + 0.4)
        size = (width, 1.3 + nrows * (cell + (0.35 if layout == "grid" else 0)) + 0.25 * max(0, len(warnings) - 1))

    with _style(style):
        theme = _theme()
        fig = Figure(figsize=size, dpi=dpi or DEFAULT_DPI, layout="constrained")
        cells: list[Cell] = []
        subtitle: list[tuple[str, str]] = []
        if layout == "overlay":
            cells.append(_draw_cell(fig, items, rows, heights, log, annotate, 0, None, theme))
            subtitle = _titles(fig, items, title, theme)
        else:
            subfigs = fig.subfigures(nrows, ncols, squeeze=False)
            shared: dict[str, list[Axes]] = {}
            offset = 0
            for k, sub in enumerate(subfigs.flat):
                if k >= len(items):
                    sub.set_visible(False)
                    continue
                t = items[k]
                cells.append(_draw_cell(sub, [t], rows, heights, log, annotate, offset, shared, theme))
                sub.suptitle(
                    fit_text(_cell_title(t), 9.5, sub, lines=2),
                    fontsize=9.5,
                    color=theme.color(offset),
                )
                offset += t.n_groups
            _same_scales(shared)
            _titles(fig, items, title, theme, grid=True)
        if warnings:
            text = "\n".join(wrap_words(line, 8.5, fig.get_figwidth() * 72 * 0.96) for line in warnings)
            fig.supxlabel(text, color=theme.warning, fontsize=8.5, ha="center")
        drawable_text(fig)
        place(fig, cells, subtitle)
    return fig


def common_x(items: Sequence[Trace]) -> list[Trace]:
    """Traces on one x scale: epochs when they all count the same steps per epoch, else steps."""
    from dataclasses import replace

    if len({t.steps_per_epoch for t in items}) <= 1:
        return list(items)
    return [replace(t, steps_per_epoch=None) for t in items]


def _rows(items: Sequence[Trace]) -> list[str]:
    show_momentum = any(t.momentum_varies for t in items)
    show_metric = any(t.metric is not None for t in items)
    return ["lr"] + (["momentum"] if show_momentum else []) + (["metric"] if show_metric else [])


def _draw_cell(
    fig: Any,
    items: Sequence[Trace],
    rows: Sequence[str],
    heights: dict[str, float],
    log: bool,
    annotate: bool,
    series_offset: int,
    shared: dict[str, list[Axes]] | None,
    theme: Theme,
) -> Cell:
    axes = fig.subplots(
        len(rows), 1, sharex=True, squeeze=False, gridspec_kw={"height_ratios": [heights[r] for r in rows]}
    )[:, 0]
    panels = dict(zip(rows, axes, strict=True))
    if "metric" in panels and all(t.metric is None for t in items):
        # a cell of a grid whose schedule has no metric: the panel's room stays empty, so
        # the other panels line up with the cells that have one
        panels.pop("metric").set_visible(False)
    if shared is not None:  # small multiples: collected, then put on the same scales
        for name, ax in panels.items():
            shared.setdefault(name, []).append(ax)
    cell = Cell(panels=panels, items=list(items))
    cell.legend = _draw_lr(panels["lr"], items, log, series_offset, theme)
    if shared is not None:
        cell.legend = []  # small multiples are told apart by their titles
    if "momentum" in panels:
        _draw_momentum(panels["momentum"], items, series_offset, theme)
    if "metric" in panels:
        _draw_metric(panels["metric"], items, series_offset, theme)
    if annotate:
        cell.labels.extend(_marks(panels["lr"], items, series_offset, theme))
    if len(items) == 1:
        cell.labels.extend(_composite_labels(items[0], theme))
    shown = list(panels.values())
    epochs = bool(items[0].steps_per_epoch)
    for ax in shown:
        ax.xaxis.set_major_locator(locator(epochs))
        ax.xaxis.set_major_formatter(count_formatter())
        if ax is not panels["lr"] or not log:
            ax.yaxis.set_major_locator(locator(False, axis="y"))
        if ax is not panels["lr"]:  # the LR panel has its own (scientific, or log)
            ax.yaxis.set_major_formatter(sci_formatter())
        ax.margins(x=0.01)
    bottom = shown[-1]
    bottom.tick_params(axis="x", labelbottom=True)
    bottom.set_xlabel(items[0].x_label)
    fig.align_ylabels(shown)
    return cell


def _same_scales(shared: dict[str, list[Axes]]) -> None:
    """Every cell's panels of one kind on the same x and y limits, as shared axes would be."""
    for axes in shared.values():
        lows_x, highs_x = zip(*(ax.get_xlim() for ax in axes), strict=True)
        lows_y, highs_y = zip(*(ax.get_ylim() for ax in axes), strict=True)
        for ax in axes:
            ax.set_xlim(min(lows_x), max(highs_x))
            ax.set_ylim(min(lows_y), max(highs_y))


def _cell_title(t: Trace) -> str:
    return t.label if len(t.label) <= 60 else t.label[:57] + "..."


def _label(t: Trace, g: int, several: bool) -> str:
    lrs = t.optimizer_spec.lrs
    group = f"group {g} (lr={lrs[g]:g})" if t.n_groups > 1 else ""
    if several:
        return f"{t.label}: {group}" if group else t.label
    return group


def _line_kwargs(i: int, n: int, distinct: bool = True, theme: Theme | None = None) -> dict[str, Any]:
    """Series i's look: colour, and for comparisons a line style and marker as well, so
    the series stay apart in grey print and for colour-blind readers."""
    palette = theme.palette if theme is not None else PALETTE
    style = LINESTYLES[i % len(LINESTYLES)] if distinct else LINESTYLES[(i // len(palette)) % len(LINESTYLES)]
    kwargs: dict[str, Any] = {"color": palette[i % len(palette)], "linestyle": style}
    if n <= 40:
        kwargs.update(marker=MARKERS[i % len(MARKERS)] if distinct else "o", markersize=3.5 if distinct else 3)
    elif distinct and i > 0:
        kwargs.update(marker=MARKERS[i % len(MARKERS)], markersize=4, markevery=(0.04 * i % 0.1 + 0.02, 0.1))
    return kwargs


def _series(items: Sequence[Trace], offset: int = 0) -> Iterator[tuple[int, Trace, int]]:
    i = offset
    for t in items:
        for g in range(t.n_groups):
            yield i, t, g
            i += 1


def _envelope(ax: Axes, x: Any, y: Any) -> tuple[Any, Any]:
    """The points of a line worth drawing in ``ax``: all of a short line, the M4 envelope
    of a long one (every peak and trough kept, a few vertices per pixel column), so a
    million-step trace renders fast and makes a small SVG. Only the drawn line is reduced:
    annotations, summaries and warnings read the full trace."""
    from lrviz.render.envelope import envelope

    return envelope(x, y, _envelope_columns(ax))


def _trace_envelope(ax: Axes, t: Trace, y: Any) -> tuple[Any, Any]:
    """:func:`_envelope` of ``y`` against the trace's steps (or epochs), without making
    an array of them (20 million steps would take 160 MB)."""
    from lrviz.render.envelope import step_envelope

    return step_envelope(y, _envelope_columns(ax), t.steps_per_epoch)


def _envelope_columns(ax: Axes) -> int:
    root = ax.figure.figure  # the whole figure, also for a cell of a grid (a SubFigure)
    # the figure's dpi is the one it is saved with: plot() sets it from --dpi, which
    # to_bytes is given too; a whole-figure width bounds every axes' width
    pixels = root.get_figwidth() * max(root.dpi, ENVELOPE_MIN_DPI)
    return math.ceil(pixels * ENVELOPE_COLUMNS_PER_PIXEL)


def _x(t: Trace, step: float) -> float:
    return step / t.steps_per_epoch if t.steps_per_epoch else step


def _drawstyle(t: Trace) -> str:
    """Steps for a schedule whose LR holds between jumps (its entry says so): the value of
    step k holds until step k + 1, where the next one takes over. The envelope keeps the
    first point of every new value, so a long trace's steps stay where they are."""
    from lrviz.schedule import piecewise

    return "steps-post" if piecewise(t.spec) else "default"


def _draw_lr(ax: Axes, items: Sequence[Trace], log: bool, offset: int, theme: Theme) -> list[tuple[Any, str]]:
    several = len(items) > 1
    distinct = several or offset > 0
    entries = []
    for i, t, g in _series(items, offset):
        label = _label(t, g, several)
        (line,) = ax.plot(
            *_trace_envelope(ax, t, t.lr[g]),
            drawstyle=_drawstyle(t),
            label=label or None,
            **_line_kwargs(i, t.n_steps, distinct, theme),
        )
        if label:
            entries.append((line, label))
    for k, t in enumerate(items):
        color = theme.color(offset + sum(u.n_groups for u in items[:k])) if several else theme.grey(0.55)
        for event in t.events:
            if event.kind in ("milestone", "reduction", "increase"):
                ax.axvline(_x(t, event.step), color=color, alpha=0.6, linewidth=0.8, linestyle=":", zorder=0)
    ax.set_ylabel("learning rate")
    if log:
        ax.set_yscale("log")
    else:
        ax.yaxis.set_major_formatter(sci_formatter())
        ax.ticklabel_format(axis="y", style="sci", scilimits=(-3, 4))
    return entries


def _draw_momentum(ax: Axes, items: Sequence[Trace], offset: int, theme: Theme) -> None:
    names = {t.momentum_name for t in items if t.momentum is not None}
    distinct = len(items) > 1 or offset > 0
    for i, t, g in _series(items, offset):
        if t.momentum is None:
            continue
        ax.plot(*_trace_envelope(ax, t, t.momentum[g]), **_line_kwargs(i, t.n_steps, distinct, theme))
    ax.set_ylabel("β₁ (beta1)" if names == {"beta1"} else "momentum" if names == {"momentum"} else "momentum / β₁")


def _draw_metric(ax: Axes, items: Sequence[Trace], offset: int, theme: Theme) -> None:
    import numpy as np

    several = len(items) > 1
    i = offset
    drawn: set[bytes] = set()
    for t in items:
        if t.metric is not None:
            steps = t.metric_steps if t.metric_steps is not None else np.arange(len(t.metric))
            # as an array, not _x per value: a metric can have a value for each of a million steps
            xs = steps / t.steps_per_epoch if t.steps_per_epoch else steps
            key = bytes(memoryview(t.metric.tobytes())) + str(xs[:1]).encode()
            if key not in drawn:  # the same metric fed to several schedules is drawn once
                drawn.add(key)
                color = theme.color(i) if several and len(drawn) > 1 else theme.grey(0.35)
                ax.plot(*_envelope(ax, xs, t.metric), color=color, linewidth=1.2, **_marker(len(xs)))
            for event in t.events:
                if event.kind == "reduction":
                    x = _x(t, event.step)
                    ax.axvline(x, color=theme.grey(0.55), alpha=0.6, linewidth=0.8, linestyle=":", zorder=0)
        i += t.n_groups
    names = {t.metric_name for t in items if t.metric is not None}
    mode = next((str(t.spec.value("mode")) for t in items if t.metric is not None and t.spec.entry.param("mode")), "")
    name = names.pop() if len(names) == 1 else "metric"
    ax.set_ylabel(f"{_short(name, 18)} ({mode})" if mode else _short(name, 24))


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _marker(n: int) -> dict[str, Any]:
    return {"marker": "o", "markersize": 2.5} if n <= 40 else {}


_MARK_SYMBOL = {"peak": "^", "min": "v", "final": "o", "warmup": "D"}
_MARK_ORDER = {"peak": 0, "final": 1, "min": 2, "warmup": 3, "restart": 4, "milestone": 5}


def _merge_marks(marks: list[Any]) -> list[Any]:
    """One label per point: the end of warmup at the peak says so on the peak's label, and a
    schedule that ends at its minimum (reached at the end or earlier) names it once, at the end."""
    from dataclasses import replace

    by_kind = {m.kind: m for m in marks}
    out: list[Any] = []
    for m in marks:
        if m.kind == "warmup" and "peak" in by_kind and by_kind["peak"].step == m.step:
            continue
        if m.kind == "min" and "final" in by_kind and by_kind["final"].value == m.value:
            continue
        if m.kind == "peak" and "warmup" in by_kind and by_kind["warmup"].step == m.step:
            m = replace(m, text=f"{m.text} (warmup ends)")
        if m.kind == "final" and "min" in by_kind and by_kind["min"].value == m.value:
            m = replace(m, text=f"final = min {m.text.split()[-1]}")
        same = next((i for i, o in enumerate(out) if o.step == m.step), None)
        if same is None:
            out.append(m)
        else:  # one label per point
            out[same] = replace(out[same], text=f"{out[same].text}, {m.text}")
    return out


def _grouped(marks: list[Mark], t: Trace) -> list[Mark]:
    """Many reductions by the same factor (ReduceLROnPlateau's ×0.5 after ×0.5) say so once,
    at the first of them: the dotted lines mark the others."""
    from dataclasses import replace

    out: list[Mark] = []
    repeated: dict[str, list[Mark]] = {}
    for m in marks:
        if m.kind in ("reduction", "increase"):
            repeated.setdefault(m.text, []).append(m)
    for m in marks:
        group = repeated.get(m.text) if m.kind in ("reduction", "increase") else None
        if group is None or len(group) < REPEATED_MARKS:
            out.append(m)
        elif m is group[0]:
            what = "reductions" if m.kind == "reduction" else "increases"
            out.append(replace(m, text=f"{m.text} at each of {len(group)} {what} (dotted)"))
    return out


def _marks(ax: Axes, items: Sequence[Trace], offset: int, theme: Theme) -> list[Label]:
    """Each trace's marks drawn as markers now, their labels to place later."""
    from lrviz import analysis

    log = ax.get_yscale() == "log"
    out: list[Label] = []
    for k, t in enumerate(items):
        color = theme.color(offset + sum(u.n_groups for u in items[:k]))
        seen: set[tuple[int, str]] = set()
        marks = _grouped(_merge_marks(analysis.marks(t)), t)
        marks.sort(key=lambda m: _MARK_ORDER.get(m.kind, 9))
        for mark in marks:
            if (mark.step, mark.kind) in seen or not math.isfinite(mark.value) or (log and mark.value <= 0):
                continue
            seen.add((mark.step, mark.kind))
            x = _x(t, mark.step)
            symbol = _MARK_SYMBOL.get(mark.kind, "|")
            ax.plot([x], [mark.value], marker=symbol, color=color, markersize=6, linestyle="none", zorder=5)
            same = next((o for o in out if (o.x, o.y, o.text) == (x, mark.value, mark.text)), None)
            if same is None:
                out.append(Label(mark.text, color, "mark", x, mark.value, symbol=symbol))
            else:  # several schedules with the same mark at the same point: one label for all
                same.color = theme.grey(0.3)
    return out


def _composite_labels(t: Trace, theme: Theme) -> list[Label]:
    """SequentialLR: each child's segment named; ChainedScheduler: how its children combine."""
    from lrviz import analysis

    out = [
        Label(name, theme.grey(0.3), "segment", span=(_x(t, start), _x(t, end - 1)), fontsize=8)
        for start, end, name in analysis.segments(t)
    ]
    text = analysis.children_text(t.spec)
    if text:
        out.append(Label(text, theme.grey(0.3), "note", fontsize=8))
    return out


def _optimizer_text(t: Trace) -> str:
    if t.spec.entry.absolute:  # the schedule sets the LR itself
        return f"{t.optimizer.split('(')[0]} (its lr unused: {t.name} sets the LR)"
    return t.optimizer


def _titles(
    fig: Figure, items: Sequence[Trace], title: str | None, theme: Theme, grid: bool = False
) -> list[tuple[str, str]]:
    """The heading (suptitle) and the subtitle: the schedule's arguments, the optimizer and
    the length, wrapped between arguments. Returns the subtitle's pieces, to wrap it again
    once the figure is laid out (an overlay's subtitle is centred on its panel)."""
    width_pt = fig.get_figwidth() * 72 * 0.96
    atoms: list[tuple[str, str]]
    if len(items) == 1:
        t = items[0]
        heading = title or t.name
        detail = t.spec.format()
        detail = detail[len(t.name) :] if detail.startswith(t.name + "(") else detail
        atoms = [] if detail == "()" else spec_atoms(detail)
        atoms += [("  ·  " if atoms else "", _optimizer_text(t)), ("  ·  ", f"{t.n_steps:,} steps")]
    else:
        names = " vs ".join(t.label for t in items)
        heading = title or names
        optimizers = list(dict.fromkeys(_optimizer_text(t) for t in items))
        lengths = sorted({t.n_steps for t in items})
        steps = f"{lengths[0]:,} steps" if len(lengths) == 1 else f"{lengths[0]:,}–{lengths[-1]:,} steps"
        atoms = [(" / " if i else "", o) for i, o in enumerate(optimizers)] + [("  ·  ", steps)]
    size = 11.5 if grid else 12.5
    if title is None and len(items) > 1:
        # "A vs B vs C", broken after a "vs" when it is too wide, or said shortly
        parts = [(" " if i else "", t.label + (" vs" if i < len(items) - 1 else "")) for i, t in enumerate(items)]
        heading = wrap_atoms(parts, size, width_pt, bold=True)
        if len(names) > 70 or heading.count("\n") > 1:
            heading = f"{len(items)} schedules compared"
    else:
        heading = fit_text(heading, size, fig, lines=2, bold=True)
    wrapped = wrap_atoms(atoms, 9, width_pt)
    if grid:
        fig.suptitle(f"{heading}\n{wrapped}", fontsize=size, fontweight="bold")
        return []
    fig.suptitle(heading, fontsize=size, fontweight="bold")
    fig.axes[0].set_title(wrapped, fontsize=9, color=theme.grey(0.3))
    return atoms


def _warning_lines(items: Sequence[Trace]) -> list[str]:
    lines = []
    for t in items:
        for w in t.warnings:
            prefix = f"{t.label}: " if len(items) > 1 else ""
            lines.append(f"⚠ {prefix}{w}")
    return lines[:8]


def to_bytes(fig: Figure, fmt: str, dpi: float | None = None) -> bytes:
    """The figure serialised as png, svg or pdf, with no dates in the metadata."""
    import matplotlib

    all_metadata: dict[str, dict[str, Any]] = {
        "svg": {"Date": None, "Creator": "lrviz"},
        "pdf": {"CreationDate": None, "ModDate": None, "Creator": "lrviz", "Producer": "lrviz"},
        "png": {"Software": "lrviz"},
    }
    metadata = all_metadata[fmt]
    if fmt == "png":
        width, height = fig.get_size_inches()
        check_pixels(float(width), float(height), float(dpi or fig.dpi))
    buf = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": "lrviz"}), layout_pass_only(fig):
        fig.savefig(buf, format=fmt, dpi=dpi or fig.dpi, metadata=metadata)
    data = buf.getvalue()
    return _stable_clip_ids(data) if fmt == "svg" else data


_CLIP_ID = re.compile(rb'clipPath id="(p[0-9a-f]{10})"')


def _stable_clip_ids(svg: bytes) -> bytes:
    """Number the SVG's clip paths in order of appearance. matplotlib names a clip *path*
    (not a rectangle) after its object's memory address, so the same figure drawn in
    another process, or after other figures, would get other ids."""
    ids = set(_CLIP_ID.findall(svg))
    if not ids:
        return svg
    pattern = re.compile(rb'(?<=["#])(' + b"|".join(sorted(ids)) + rb')(?=[")])')
    names: dict[bytes, bytes] = {}

    def rename(match: re.Match[bytes]) -> bytes:
        return names.setdefault(match.group(1), b"clip%d" % (len(names) + 1))

    return pattern.sub(rename, svg)
