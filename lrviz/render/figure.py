"""Trace -> matplotlib Figure.

Figures are built on :class:`matplotlib.figure.Figure` directly, never through pyplot, so
nothing global is touched and nothing leaks between calls; :func:`to_bytes` serialises one
deterministically (no dates in metadata, a fixed SVG hash salt).

A figure is drawn in two phases. First the data: curves (steps for schedules whose entry
says the LR holds between jumps, lines for the others; long ones as their envelope),
markers, milestone lines, titles. Then, once matplotlib has laid the figure out, what
must not cover the data: the legend, ``--annotate``'s labels, a composite's segment names
and notes are each put where :mod:`lrviz.render.placement` finds room (a label that finds
none goes into a key beside the legend), and axis labels are fitted to their panels.
"""

from __future__ import annotations

import functools
import io
import math
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from lrviz.errors import LrvizError, did_you_mean, printable

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from lrviz.analysis import Mark
    from lrviz.tracing import Trace

    from .placement import Obstacles

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

MARK_FONTSIZE = 7.5
# Where a mark's label may go, in points from its point: nearest first. From LEADER_FROM
# on, a thin line joins label and point.
MARK_RADII = (3.0, 8.0, 15.0, 24.0, 36.0, 52.0, 72.0)
LEADER_FROM = 14.0
FARTHEST = 150.0  # points: a label this far from its point is no longer its label
PAD = 1.5  # points of room kept around every placed box
TEXT_SLACK = 1.06  # placed text is taken this much wider than measured (hinting at low dpi)
REPEATED_MARKS = 3  # this many reductions by one factor are labelled once, not each


MAX_PIXELS = 80_000_000
"""The largest PNG lrviz draws (width x height in pixels: 320 MB of RGBA while drawing)."""
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


def math_error(text: str) -> str | None:
    """Why matplotlib cannot draw ``text``'s ``$...$`` math, or None when it can (or it
    has none)."""
    from matplotlib import cbook

    if "$" not in text or not cbook.is_math_text(text):
        return None
    from matplotlib.mathtext import MathTextParser

    try:
        MathTextParser("path").parse(text)
    except ValueError as exc:
        lines = [line for line in str(exc).splitlines() if line.strip()]
        found = re.search(r"Exception: (.*?)(?:, found .*|\s+\(at char.*)?$", lines[-1] if lines else "")
        reason = found.group(1) if found else ""
        return reason if reason and len(reason) <= 80 else "it does not parse"
    return None


def check_text(text: str, what: str) -> None:
    """Refuse text given for a figure (``--title``, ``--label``) whose math does not parse."""
    problem = math_error(text)
    if problem:
        raise LrvizError(
            f"{what} {text!r}: matplotlib cannot draw its $...$ math ({problem})",
            "fix the math, or write \\$ for a dollar sign",
        )


def _drawable_text(fig: Figure) -> None:
    """Text that came from data (a label, a metric's name, a warning) is drawn as written:
    control characters as their escapes (no font has a glyph for ESC), and math that
    matplotlib cannot parse with its dollar signs escaped."""
    from matplotlib.text import Text

    for artist in fig.findobj(Text):
        text = artist.get_text()
        shown = printable(text, keep="\n")
        if "$" in shown and math_error(shown):
            shown = re.sub(r"(?<!\\)\$", r"\\$", shown)
        if shown != text:
            artist.set_text(shown)


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


@dataclass(eq=False)
class _Label:
    """Something to place in an LR panel once the figure is laid out: a mark's label next
    to its point, a composite's segment name, or a note."""

    text: str
    color: Any
    kind: str  # "mark", "segment" or "note"
    x: float = 0.0  # the mark's point (data), or the segment's middle
    y: float = 0.0
    span: tuple[float, float] = (0.0, 0.0)  # a segment's x range (data)
    symbol: str = ""  # the mark's marker, for the key
    fontsize: float = MARK_FONTSIZE


@dataclass
class _Cell:
    """One schedule's (or one overlay's) panels, with what is placed in its LR panel."""

    panels: dict[str, Axes]
    items: list[Trace]
    legend: list[tuple[Any, str]] = field(default_factory=list)  # (handle, label) of the series
    labels: list[_Label] = field(default_factory=list)
    keyed: list[_Label] = field(default_factory=list)  # labels that found no room: in the key
    outside: bool = False  # the legend (with the key) stands beside the panel
    placed: list[Any] = field(default_factory=list)  # artists of the last placement
    ylabels: dict[str, str] = field(default_factory=dict)  # each panel's y label in full
    outside_texts: tuple[str, ...] = ()  # the entries of the legend outside the panel

    @property
    def lr(self) -> Axes:
        return self.panels["lr"]


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
        cells: list[_Cell] = []
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
                    _fit_text(_cell_title(t), 9.5, sub, lines=2),
                    fontsize=9.5,
                    color=theme.color(offset),
                )
                offset += t.n_groups
            _same_scales(shared)
            _titles(fig, items, title, theme, grid=True)
        if warnings:
            text = "\n".join(_wrap_words(line, 8.5, fig.get_figwidth() * 72 * 0.96) for line in warnings)
            fig.supxlabel(text, color=theme.warning, fontsize=8.5, ha="center")
        _drawable_text(fig)
        _place(fig, cells, subtitle)
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
) -> _Cell:
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
    cell = _Cell(panels=panels, items=list(items))
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
        ax.xaxis.set_major_locator(_locator(epochs))
        ax.xaxis.set_major_formatter(_CountFormatter())
        if ax is not panels["lr"] or not log:
            ax.yaxis.set_major_locator(_locator(False, axis="y"))
        if ax is not panels["lr"]:  # the LR panel has its own (scientific, or log)
            ax.yaxis.set_major_formatter(_sci_formatter())
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
        ax.yaxis.set_major_formatter(_sci_formatter())
        ax.ticklabel_format(axis="y", style="sci", scilimits=(-3, 4))
    return entries


_SUPERSCRIPT = str.maketrans("0123456789-−", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁻")
_SCALE = re.compile(r"^1e([-−]?\d+)")


def _sci_formatter() -> Any:
    """matplotlib's ScalarFormatter, its scale factor written ``×10⁻⁴`` in plain Unicode.

    ``useMathText=True`` looks the same but runs every tick label through the mathtext
    parser, whose first use builds a pyparsing grammar: about 0.1 s of each figure."""
    from matplotlib.ticker import ScalarFormatter

    class SciFormatter(ScalarFormatter):
        def get_offset(self) -> str:
            # without mathtext, matplotlib writes the factor 1e-4 (then any offset)
            return _SCALE.sub(lambda m: "×10" + m[1].translate(_SUPERSCRIPT), str(super().get_offset()))

    return SciFormatter(useMathText=False)


def count_text(value: float, unit: float) -> str:
    """A step or epoch count as a tick label: ``2,000``; in thousands (``250k``) or millions
    (``1.5M``) when ``unit`` is 1e3 or 1e6."""
    if unit == 1:
        if float(value).is_integer():
            return f"{int(value):,}"
        return f"{value:g}"
    scaled = value / unit
    suffix = "k" if unit == 1e3 else "M"
    text = f"{scaled:.6g}"
    return ("0" if scaled == 0 else text) + ("" if scaled == 0 else suffix)


def count_unit(values: Sequence[float]) -> float:
    """1, 1e3 or 1e6: thousands from 10,000, millions from 1,000,000 (the largest value decides)."""
    top = max((abs(v) for v in values), default=0.0)
    return 1e6 if top >= 1e6 else 1e3 if top >= 1e4 else 1.0


def _CountFormatter() -> Any:
    """Step and epoch axes: whole counts with thousands separators, then k and M, as the
    titles and summaries write counts (``1,343,000 steps``); no ``×10⁶`` factor."""
    from matplotlib.ticker import Formatter

    class CountFormatter(Formatter):
        unit = 1.0

        def format_ticks(self, values: Any) -> list[str]:
            self.unit = count_unit(list(values))
            return [count_text(float(v), self.unit) for v in values]

        def __call__(self, x: float, pos: int | None = None) -> str:
            return count_text(float(x), self.unit)

    return CountFormatter()


@functools.lru_cache(maxsize=4096)
def _label_width(text: str, size: float) -> float:
    """The width in points of a tick label (matplotlib asks for ticks many times a draw)."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import text_to_path

    prop = FontProperties(size=size)
    return float(text_to_path.get_text_width_height_descent(text, prop, ismath=False)[0])


def _locator(integer: bool, axis: str = "x") -> Any:
    """Ticks on 1-2-5 multiples (0, 200, 400 ... not 0, 150, 300), whole numbers on a step
    or epoch axis when there are enough of them, and never so many that labels touch."""
    from matplotlib.ticker import MaxNLocator

    steps = [1, 2, 5, 10] if axis == "x" else [1, 2, 2.5, 5, 10]

    class FittingLocator(MaxNLocator):
        def tick_values(self, vmin: float, vmax: float) -> Any:
            most = 9
            if self.axis is not None:
                most = int(max(1, min(9, self.axis.get_tick_space())))
            locs = None
            for n in range(most, 0, -1):
                self.set_params(nbins=n)
                locs = super().tick_values(vmin, vmax)
                if self._fits(locs, vmin, vmax):
                    break
            self.set_params(nbins="auto")
            if locs is not None and not self._fits(locs, vmin, vmax):
                # too short an axis for even two labels of the 1-2-5 kind: every other one, ...
                low, high = min(vmin, vmax), max(vmin, vmax)
                shown = [v for v in locs if low <= v <= high] or list(locs)
                for k in range(2, len(shown) + 1):
                    thinned = shown[len(shown) % k // 2 :: k]
                    if len(thinned) <= 1 or self._fits(thinned, vmin, vmax):
                        return thinned
            return locs

        def _fits(self, locs: Any, vmin: float, vmax: float) -> bool:
            owner: Any = self.axis  # an Axis once set on one
            if owner is None or len(locs) < 2:
                return True
            ax = owner.axes
            shown = [v for v in locs if min(vmin, vmax) <= v <= max(vmin, vmax)]
            if len(shown) < 2:
                return True
            length_pt = (ax.bbox.width if axis == "x" else ax.bbox.height) * 72 / ax.figure.dpi
            gap_pt = abs(shown[1] - shown[0]) / (abs(vmax - vmin) or 1.0) * length_pt
            size = float(owner.majorTicks[0].label1.get_fontsize())
            if axis == "y":
                return bool(gap_pt >= 1.5 * size)
            texts = owner.get_major_formatter().format_ticks(shown)
            widest = max(_label_width(text, size) for text in texts)
            return bool(gap_pt >= widest + size)

    return FittingLocator(nbins="auto", steps=steps, integer=integer, min_n_ticks=2)


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


def _marks(ax: Axes, items: Sequence[Trace], offset: int, theme: Theme) -> list[_Label]:
    """Each trace's marks drawn as markers now, their labels to place later."""
    from lrviz import analysis

    log = ax.get_yscale() == "log"
    out: list[_Label] = []
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
                out.append(_Label(mark.text, color, "mark", x, mark.value, symbol=symbol))
            else:  # several schedules with the same mark at the same point: one label for all
                same.color = theme.grey(0.3)
    return out


def _composite_labels(t: Trace, theme: Theme) -> list[_Label]:
    """SequentialLR: each child's segment named; ChainedScheduler: how its children combine."""
    from lrviz import analysis

    out = [
        _Label(name, theme.grey(0.3), "segment", span=(_x(t, start), _x(t, end - 1)), fontsize=8)
        for start, end, name in analysis.segments(t)
    ]
    text = analysis.children_text(t.spec)
    if text:
        out.append(_Label(text, theme.grey(0.3), "note", fontsize=8))
    return out


# --------------------------------------------------------------------------------------
# Placing what must not cover the data, once the figure is laid out

_LEGEND_SPOTS = (
    "upper right",
    "upper left",
    "lower left",
    "lower right",
    "center right",
    "center left",
    "upper center",
    "lower center",
    "center",
)
_MAX_ROUNDS = 8


def _place(fig: Figure, cells: list[_Cell], subtitle: Sequence[tuple[str, str]] = ()) -> None:
    """Axis labels fitted to their panels; legends, labels and notes where they cover no
    line, marker or each other.

    Each round lays the figure out and places everything afresh. A label with no room joins
    its panel's key (legend entries under the series); a legend with no room inside its panel
    moves beside it. Both only ever grow, so the rounds end; the last round placed everything
    on the layout the figure is saved with (placed boxes take no part in the layout)."""
    anything = any(c.legend or c.labels for c in cells)
    refits = 3  # fitting texts to a new layout changes the layout a little: a few times at most
    with _layout_dpi(fig):
        for _ in range(_MAX_ROUNDS):
            _lay_out(fig)
            if refits and _fit_axis_labels(fig, cells) | _fit_subtitle(fig, subtitle):
                refits -= 1
                continue  # laid out again before anything is placed
            changed = False
            for cell in cells if anything else []:
                changed |= _place_cell(fig, cell)
            if not changed:
                return


def _lay_out(fig: Figure) -> None:
    """Where everything goes, as the saved figure will have it: the layout engine's pass
    (text measured, panels positioned), without drawing every artist as a full draw would."""
    engine = fig.get_layout_engine()
    if engine is None:
        fig.draw_without_rendering()
    else:
        engine.execute(fig)


@contextmanager
def _layout_dpi(fig: Figure) -> Iterator[None]:
    """Laying a figure out draws it into a pixel buffer of its full size: one too big to
    draw (an SVG of 100x100 in at 1200 dpi needs no pixels, a PNG that big is refused when
    saved) is laid out at the largest resolution that can be, which places everything in
    points as at its own."""
    dpi = fig.dpi
    width, height = fig.get_size_inches()
    most = math.sqrt(MAX_PIXELS / max(float(width * height), 1e-9))
    if dpi <= most:
        yield
        return
    fig.set_dpi(most)
    try:
        yield
    finally:
        fig.set_dpi(dpi)


def _fit_subtitle(fig: Figure, atoms: Sequence[tuple[str, str]]) -> bool:
    """The subtitle (centred on the LR panel, not on the figure) wrapped again, narrower,
    when a line reaches past the figure's edge. True when it changed."""
    if not atoms:
        return False
    title = fig.axes[0].title
    box = title.get_window_extent(fig._get_renderer())  # type: ignore[attr-defined]
    middle = (box.x0 + box.x1) / 2
    room = 2 * min(middle, fig.bbox.width - middle) * 0.97
    if box.width <= room:
        return False
    title.set_text(_wrap_atoms(atoms, float(title.get_fontsize()), room * 72 / fig.dpi))
    return True


def _fit_axis_labels(fig: Figure, cells: list[_Cell]) -> bool:
    """Y labels no taller than their panels (wrapped onto two lines, or shortened), so labels
    of neighbouring panels never meet. True when one changed."""
    renderer = fig._get_renderer()  # type: ignore[attr-defined]
    changed = False
    for cell in cells:
        for name, ax in cell.panels.items():
            label = ax.yaxis.label
            full = cell.ylabels.setdefault(name, label.get_text())
            if not full:
                continue
            room = ax.bbox.height * 0.98
            before = label.get_text()
            for candidate in (full, *_shorter(full)):
                label.set_text(candidate)
                if label.get_window_extent(renderer).height <= room:
                    break
            changed |= label.get_text() != before
    return changed


_SHORT_LABELS = {"learning rate": "LR", "momentum": "mom.", "β₁ (beta1)": "β₁", "momentum / β₁": "mom./β₁"}


def _shorter(text: str) -> Iterator[str]:
    """Ever shorter forms of an axis label: on two lines, its abbreviation, then cut with an ellipsis."""
    breaks = [i for i, c in enumerate(text) if c in " :"]
    if breaks:
        middle = min(breaks, key=lambda i: abs(i - len(text) / 2))
        keep = text[middle] == ":"
        yield text[: middle + keep].rstrip() + "\n" + text[middle + 1 :].lstrip()
    if text in _SHORT_LABELS:
        yield _SHORT_LABELS[text]
    for n in range(len(text) - 1, 2, -1):
        yield text[: n - 1].rstrip() + "…"


def _place_cell(fig: Figure, cell: _Cell) -> bool:
    """Place one cell's legend, notes and labels; True when its key or legend had to grow
    or move (the figure must be laid out and placed again)."""
    from . import placement

    for artist in cell.placed:
        artist.remove()
    cell.placed = []
    ax = cell.lr
    px = fig.dpi / 72.0
    pad = PAD * px
    free = placement.obstacles(ax, margin=2 * px)
    changed = False
    todo = [label for label in cell.labels if label not in cell.keyed]
    # segment names and notes first: they have few places to go
    for label in [lb for lb in todo if lb.kind != "mark"]:
        if not _place_floating(ax, label, free, pad, cell):
            cell.keyed.append(label)
            changed = True
    if cell.legend or cell.keyed:
        changed |= _place_legend(fig, cell, free, pad)
    for label in [lb for lb in todo if lb.kind == "mark"]:
        if not _place_mark(ax, label, free, pad, cell):
            cell.keyed.append(label)
            changed = True
    return changed


def _text_size(ax: Axes, text: str, fontsize: float) -> tuple[float, float]:
    """(width, height) in pixels of ``text`` as matplotlib lays it out, with some room to
    spare: glyphs are hinted to whole pixels, so text is a little wider at a thumbnail's dpi."""
    from matplotlib.text import Text

    probe = Text(0, 0, text, fontsize=fontsize, figure=ax.figure)
    box = probe.get_window_extent(ax.figure._get_renderer())  # type: ignore[union-attr]
    return float(box.width) * TEXT_SLACK, float(box.height)


def _place_mark(ax: Axes, label: _Label, free: Obstacles, pad: float, cell: _Cell) -> bool:
    from . import placement

    x, y = ax.transData.transform((label.x, label.y))
    area = free.area
    fx = (x - area.x0) / ((area.x1 - area.x0) or 1.0)
    fy = (y - area.y0) / ((area.y1 - area.y0) or 1.0)
    px = ax.get_figure(root=True).dpi / 72.0  # type: ignore[union-attr]
    spot = placement.find_spot(
        free,
        x,
        y,
        _text_size(ax, label.text, label.fontsize),
        [r * px for r in MARK_RADII],
        _directions(fx, fy),
        pad,
        LEADER_FROM * px,
    )
    if spot is None:
        spot = placement.find_spot_farther(
            free, x, y, _text_size(ax, label.text, label.fontsize), pad, 6 * px, FARTHEST * px
        )
    if spot is None:
        return False
    arrow = None
    if spot.leader:
        arrow = {"arrowstyle": "-", "color": label.color, "linewidth": 0.6, "alpha": 0.8, "shrinkA": 0, "shrinkB": 3}
    text = ax.annotate(
        label.text,
        (label.x, label.y),
        xytext=(spot.dx / px, spot.dy / px),
        textcoords="offset points",
        fontsize=label.fontsize,
        color=label.color,
        ha=spot.ha,
        va=spot.va,
        zorder=6,
        arrowprops=arrow,
        annotation_clip=False,
    )
    text.set_in_layout(False)
    cell.placed.append(text)
    free.add(spot.box, (x, y, *spot.box.center) if spot.leader else None)
    return True


def _directions(fx: float, fy: float) -> list[str]:
    """Directions from a point to its label, those towards the middle of the panel first."""
    v = "S" if fy > 0.5 else "N"
    w = "N" if v == "S" else "S"
    h = "W" if fx > 0.5 else "E"
    a = "E" if h == "W" else "W"
    return [v + h, v, h, v + a, w + h, w, a, w + a]


def _place_floating(ax: Axes, label: _Label, free: Obstacles, pad: float, cell: _Cell) -> bool:
    """A segment's name inside its x range, at the top of the panel or else at the bottom;
    a note in a corner, on one line or else on a few."""
    from . import placement

    area = free.area
    variants = [label.text]
    if label.kind == "note":
        dpi = ax.get_figure(root=True).dpi  # type: ignore[union-attr]
        variants.append(_wrap_words(label.text, label.fontsize, (area.x1 - area.x0) * 72 / dpi * 0.5))
    for text in variants:
        width, height = _text_size(ax, text, label.fontsize)
        for x, y, ha, va in _floating_spots(ax, label, area, width, pad):
            box = placement.box_at(x, y, width, height, ha, va)
            if free.free(box, pad):
                ax_x, ax_y = ax.transAxes.inverted().transform((x, y))
                artist = ax.text(
                    ax_x, ax_y, text, transform=ax.transAxes, ha=ha, va=va, fontsize=label.fontsize, color=label.color
                )
                artist.set_in_layout(False)
                cell.placed.append(artist)
                free.add(box)
                return True
    return False


def _floating_spots(
    ax: Axes, label: _Label, area: Any, width: float, pad: float
) -> list[tuple[float, float, str, str]]:
    """Candidate anchors (x, y in pixels, ha, va) of a segment's name or of a note."""
    out: list[tuple[float, float, str, str]] = []
    rows = ((area.y1 - pad, "top"), (area.y0 + pad, "bottom"))
    if label.kind == "segment":
        left = float(ax.transData.transform((label.span[0], 0))[0])
        right = float(ax.transData.transform((label.span[1], 0))[0])
        xs = [(left + right) / 2, left + width / 2 + pad, right - width / 2 - pad]
        xs += [left + (right - left) * f for f in (0.25, 0.75)]
        for y, va in rows:
            out += [(x, y, "center", va) for x in xs if left <= x - width / 2 and x + width / 2 <= right + pad]
        return out
    for y, va in rows:
        for x, ha in ((area.x1 - pad, "right"), (area.x0 + pad, "left"), ((area.x0 + area.x1) / 2, "center")):
            out.append((x, y, ha, va))
    return out


def _key_entry(label: _Label) -> tuple[Any, str]:
    """A label with no room as a legend entry: its marker (none for a note) and its text."""
    from matplotlib.lines import Line2D

    if label.kind == "mark":
        handle = Line2D([], [], marker=label.symbol, color=label.color, linestyle="none", markersize=5)
        return handle, label.text
    handle = Line2D([], [], linestyle="none")
    if label.kind == "segment":
        low, high = label.span
        return handle, f"{label.text}: {count_text(low, 1)}–{count_text(high, 1)}"
    return handle, label.text


def _color_key(legend: Any, keyed: Sequence[_Label], first: int) -> None:
    """The key's entries (after the series') in the colours of what they name."""
    for text, label in zip(legend.get_texts()[first:], keyed, strict=True):
        text.set_color(label.color)


def _place_legend(fig: Figure, cell: _Cell, free: Obstacles, pad: float) -> bool:
    """The series legend (and the key) at the first corner or side of the panel where it
    covers nothing, else outside the panel: beside it when it is narrow enough, under the
    whole figure (or grid cell) when not. True when it had to move out."""
    from .placement import Box

    ax = cell.lr
    renderer = fig._get_renderer()  # type: ignore[attr-defined]
    keyed = sorted(cell.keyed, key=cell.labels.index)  # in the order of the labels, not of the failures
    entries = list(cell.legend) + [_key_entry(label) for label in keyed]
    handles = [h for h, _ in entries]
    container = ax.get_figure(root=False)
    assert container is not None
    room_pt = container.bbox.width * 72 / fig.dpi
    moved = False
    if not cell.outside:
        texts = [_wrap_words(text, 9, max(120.0, ax.bbox.width * 72 / fig.dpi * 0.45)) for _, text in entries]
        legend = ax.legend(handles, texts)
        legend.set_in_layout(False)
        for spot in _LEGEND_SPOTS:
            legend.set_loc(cast(Any, spot))
            box = Box.of(legend.get_window_extent(renderer))
            if free.free(box, pad):
                _color_key(legend, keyed, len(cell.legend))
                cell.placed.append(legend)
                free.add(box)
                return False
        legend.remove()
        cell.outside = moved = True
    # beside the panel when it is narrow enough as it is, else under the whole figure (or
    # grid cell), where labels wrap only if wider than the figure
    texts = [text for _, text in entries]
    legend = ax.legend(handles, texts, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    if legend.get_window_extent(renderer).width > container.bbox.width * 0.32:
        legend.remove()
        texts = [_wrap_words(text, 9, room_pt * 0.9) for text in texts]
        for ncols in range(min(3, len(entries)), 0, -1):
            legend = container.legend(handles, texts, loc="outside lower center", ncols=ncols)
            if ncols == 1 or legend.get_window_extent(renderer).width <= container.bbox.width * 0.95:
                break
            legend.remove()
    _color_key(legend, keyed, len(cell.legend))
    cell.placed.append(legend)
    # beside or under the panel the legend takes part in the layout: when its entries
    # changed, the layout just used is not the one the figure will have
    shown = tuple(texts)
    moved |= shown != cell.outside_texts
    cell.outside_texts = shown
    return moved


# --------------------------------------------------------------------------------------
# Titles


def _text_width(text: str, fontsize: float, bold: bool = False) -> float:
    """The width of one line of ``text`` in points."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import text_to_path

    prop = FontProperties(size=fontsize, weight="bold" if bold else "normal")
    text = printable(text, keep="\n")  # as drawn (see _drawable_text)
    return max(
        (float(text_to_path.get_text_width_height_descent(line, prop, ismath=False)[0]) for line in text.split("\n")),
        default=0.0,
    )


def _wrap_atoms(atoms: Sequence[tuple[str, str]], fontsize: float, width_pt: float, bold: bool = False) -> str:
    """Atoms joined by their separators, a line broken before an atom that would overflow
    (its separator dropped there). An atom is never split. Control characters come out as
    their escapes (text from data: no font has a glyph for ESC)."""
    atoms = [(sep, printable(atom)) for sep, atom in atoms]
    lines: list[str] = []
    line = ""
    for sep, atom in atoms:
        candidate = f"{line}{sep}{atom}" if line else atom
        if line and _text_width(candidate, fontsize, bold) > width_pt:
            lines.append(line)
            line = atom
        else:
            line = candidate
    if line:
        lines.append(line)
    return "\n".join(lines)


def _wrap_words(text: str, fontsize: float, width_pt: float, bold: bool = False) -> str:
    words = text.split(" ")
    return _wrap_atoms([(" " if i else "", w) for i, w in enumerate(words)], fontsize, width_pt, bold)


def _spec_atoms(text: str) -> list[tuple[str, str]]:
    """A spec's text cut after each ``", "``: lines break between arguments, never inside
    ``momentum=0.9`` or a number like ``1,000``."""
    pieces = text.split(", ")
    return [("" if i == 0 else " ", p + ("," if i < len(pieces) - 1 else "")) for i, p in enumerate(pieces)]


def _fit_text(text: str, fontsize: float, where: Any, lines: int = 1, bold: bool = False) -> str:
    """``text`` wrapped between words to the width of ``where`` (a figure or subfigure) on
    at most ``lines`` lines, the last cut with an ellipsis when it still does not fit."""
    width_pt = _width_of(where) * 0.96
    wrapped = _wrap_words(text, fontsize, width_pt, bold).split("\n")
    if len(wrapped) > lines:
        wrapped = wrapped[: lines - 1] + [" ".join(wrapped[lines - 1 :])]
    last = wrapped[-1]
    while len(last) > 4 and _text_width(last, fontsize, bold) > width_pt:
        last = last[:-2].rstrip() + "…"
        last = last.replace("……", "…")
    wrapped[-1] = last
    return "\n".join(wrapped)


def _width_of(where: Any) -> float:
    """The width in points of a figure or of a subfigure."""
    root = where.get_figure(root=True)
    return float(where.bbox.width * 72 / root.dpi)


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
        atoms = [] if detail == "()" else _spec_atoms(detail)
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
        heading = _wrap_atoms(parts, size, width_pt, bold=True)
        if len(names) > 70 or heading.count("\n") > 1:
            heading = f"{len(items)} schedules compared"
    else:
        heading = _fit_text(heading, size, fig, lines=2, bold=True)
    wrapped = _wrap_atoms(atoms, 9, width_pt)
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
    with matplotlib.rc_context({"svg.hashsalt": "lrviz"}):
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
