"""Trace -> matplotlib Figure.

Figures are built on :class:`matplotlib.figure.Figure` directly, never through pyplot, so
nothing global is touched and nothing leaks between calls; :func:`to_bytes` serialises one
deterministically (no dates in metadata, a fixed SVG hash salt).
"""

from __future__ import annotations

import io
import math
import re
import textwrap
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, cast

from lrviz.errors import LrvizError, did_you_mean, printable

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

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
LINESTYLES = ("-", "--", "-.", ":")
WARNING_COLOR = "#B35900"

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
    warnings_text = _warnings_text(items)
    if isinstance(size, str):
        size = parse_size(size)
    ncols = 1 if layout == "overlay" else (2 if len(items) <= 4 else 3)
    nrows = 1 if layout == "overlay" else math.ceil(len(items) / ncols)
    if size is None:
        cell = sum(heights[r] for r in rows) * (0.75 if layout == "grid" else 1.0)
        width = DEFAULT_WIDTH if layout == "overlay" else min(15.0, 4.6 * ncols + 0.4)
        size = (width, 1.3 + nrows * (cell + (0.35 if layout == "grid" else 0)) + 0.25 * warnings_text.count("\n"))

    with _style(style):
        fig = Figure(figsize=size, dpi=dpi or DEFAULT_DPI, layout="constrained")
        if layout == "overlay":
            _draw_cell(fig, items, rows, heights, log, annotate, series_offset=0, shared=None)
            _titles(fig, items, title)
        else:
            subfigs = fig.subfigures(nrows, ncols, squeeze=False)
            shared: dict[str, list[Axes]] = {}
            offset = 0
            for k, sub in enumerate(subfigs.flat):
                if k >= len(items):
                    sub.set_visible(False)
                    continue
                t = items[k]
                _draw_cell(sub, [t], rows, heights, log, annotate, series_offset=offset, shared=shared)
                sub.suptitle(_cell_title(t), fontsize=9.5, color=PALETTE[offset % len(PALETTE)])
                offset += t.n_groups
            _same_scales(shared)
            _titles(fig, items, title, grid=True)
        if warnings_text:
            fig.supxlabel(warnings_text, color=WARNING_COLOR, fontsize=8.5, ha="center")
        _drawable_text(fig)
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
) -> None:
    from matplotlib.ticker import MaxNLocator

    axes = fig.subplots(
        len(rows), 1, sharex=True, squeeze=False, gridspec_kw={"height_ratios": [heights[r] for r in rows]}
    )[:, 0]
    panels = dict(zip(rows, axes, strict=True))
    if shared is not None:  # small multiples: collected, then put on the same scales
        for name, ax in panels.items():
            shared.setdefault(name, []).append(ax)
    _draw_lr(panels["lr"], items, log, series_offset, legend=shared is None)
    if "momentum" in panels:
        _draw_momentum(panels["momentum"], items, series_offset)
    if "metric" in panels:
        _draw_metric(panels["metric"], items, series_offset)
    if annotate:
        _annotate(panels["lr"], items, series_offset)
    if len(items) == 1:
        _composite_labels(panels["lr"], items[0])
    for ax in axes:
        ax.xaxis.set_major_locator(MaxNLocator(integer=not items[0].steps_per_epoch))
        ax.xaxis.set_major_formatter(_sci_formatter())
        if ax is not panels["lr"]:  # the LR panel has its own (scientific, or log)
            ax.yaxis.set_major_formatter(_sci_formatter())
        ax.margins(x=0.01)
    axes[-1].set_xlabel(items[0].x_label)


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


def _line_kwargs(i: int, n: int, distinct: bool = True) -> dict[str, Any]:
    """Series i's look: colour, and for comparisons a line style and marker as well, so
    the series stay apart in grey print and for colour-blind readers."""
    style = LINESTYLES[i % len(LINESTYLES)] if distinct else LINESTYLES[(i // len(PALETTE)) % len(LINESTYLES)]
    kwargs: dict[str, Any] = {"color": PALETTE[i % len(PALETTE)], "linestyle": style}
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


def _color(items: Sequence[Trace], k: int, offset: int = 0) -> str:
    """The colour of trace k's first line (each param group is a series of its own)."""
    return PALETTE[(offset + sum(t.n_groups for t in items[:k])) % len(PALETTE)]


def _envelope(ax: Axes, x: Any, y: Any) -> tuple[Any, Any]:
    """The points of a line worth drawing in ``ax``: all of a short line, the M4 envelope
    of a long one (every peak and trough kept, a few vertices per pixel column), so a
    million-step trace renders fast and makes a small SVG. Only the drawn line is reduced:
    annotations, summaries and warnings read the full trace."""
    from lrviz.render.envelope import envelope

    root = ax.figure.figure  # the whole figure, also for a cell of a grid (a SubFigure)
    # the figure's dpi is the one it is saved with: plot() sets it from --dpi, which
    # to_bytes is given too; a whole-figure width bounds every axes' width
    pixels = root.get_figwidth() * max(root.dpi, ENVELOPE_MIN_DPI)
    return envelope(x, y, math.ceil(pixels * ENVELOPE_COLUMNS_PER_PIXEL))


def _x(t: Trace, step: float) -> float:
    return step / t.steps_per_epoch if t.steps_per_epoch else step


def _draw_lr(ax: Axes, items: Sequence[Trace], log: bool, offset: int = 0, legend: bool = True) -> None:
    several = len(items) > 1
    distinct = several or offset > 0
    for i, t, g in _series(items, offset):
        ax.plot(
            *_envelope(ax, t.x, t.lr[g]), label=_label(t, g, several) or None, **_line_kwargs(i, t.n_steps, distinct)
        )
    for k, t in enumerate(items):
        color = _color(items, k, offset) if several else "0.55"
        for event in t.events:
            if event.kind in ("milestone", "reduction", "increase"):
                ax.axvline(_x(t, event.step), color=color, alpha=0.6, linewidth=0.8, linestyle=":", zorder=0)
    ax.set_ylabel("learning rate")
    if log:
        ax.set_yscale("log")
    else:
        ax.yaxis.set_major_formatter(_sci_formatter())
        ax.ticklabel_format(axis="y", style="sci", scilimits=(-3, 4))
    if legend and any(ax.get_legend_handles_labels()[1]):
        ax.legend(loc="best")


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


def _draw_momentum(ax: Axes, items: Sequence[Trace], offset: int = 0) -> None:
    names = {t.momentum_name for t in items if t.momentum is not None}
    distinct = len(items) > 1 or offset > 0
    for i, t, g in _series(items, offset):
        if t.momentum is None:
            continue
        ax.plot(*_envelope(ax, t.x, t.momentum[g]), **_line_kwargs(i, t.n_steps, distinct))
    ax.set_ylabel("β₁ (beta1)" if names == {"beta1"} else "momentum" if names == {"momentum"} else "momentum / β₁")


def _draw_metric(ax: Axes, items: Sequence[Trace], offset: int = 0) -> None:
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
                color = PALETTE[i % len(PALETTE)] if several and len(drawn) > 1 else "0.35"
                ax.plot(*_envelope(ax, xs, t.metric), color=color, linewidth=1.2, **_marker(len(xs)))
            for event in t.events:
                if event.kind == "reduction":
                    ax.axvline(_x(t, event.step), color="0.55", alpha=0.6, linewidth=0.8, linestyle=":", zorder=0)
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


def _annotate(ax: Axes, items: Sequence[Trace], offset: int = 0) -> None:
    from lrviz import analysis

    low, high = ax.get_ylim()
    span = (high - low) or 1.0
    left, right = ax.get_xlim()
    width = (right - left) or 1.0
    width_pt = ax.bbox.width * 72 / (ax.figure.dpi or 72)  # before layout: close enough to keep labels apart
    log = ax.get_yscale() == "log"
    placed: list[tuple[float, float, float, bool, int]] = []  # x0, x1 (axes fraction), rel y, up, level
    for k, t in enumerate(items):
        color = _color(items, k, offset)
        seen: set[tuple[int, str]] = set()
        for mark in _merge_marks(analysis.marks(t)):
            if (mark.step, mark.kind) in seen or not math.isfinite(mark.value) or (log and mark.value <= 0):
                continue
            seen.add((mark.step, mark.kind))
            x = _x(t, mark.step)
            symbol = _MARK_SYMBOL.get(mark.kind, "|")
            ax.plot([x], [mark.value], marker=symbol, color=color, markersize=6, linestyle="none", zorder=5)
            if log:
                rel = (math.log10(mark.value) - math.log10(low)) / ((math.log10(high) - math.log10(low)) or 1.0)
            else:
                rel = (mark.value - low) / span
            # labels point into the axes: above points in the lower half, below in the upper half;
            # a label that would overlap one already placed nearby moves one line further out
            up = rel < 0.5
            ha = "right" if mark.step > 0.8 * t.n_steps else "left" if mark.step < 0.1 * t.n_steps else "center"
            fx = (x - left) / width
            text_w = len(mark.text) * 7.5 * 0.55 / max(width_pt, 1.0)
            x0 = fx - text_w if ha == "right" else fx if ha == "left" else fx - text_w / 2
            x1 = x0 + text_w
            level = k
            while any(
                o_up == up and o_level == level and abs(o_rel - rel) < 0.12 and x0 < o_x1 and o_x0 < x1
                for o_x0, o_x1, o_rel, o_up, o_level in placed
            ):
                level += 1
            placed.append((x0, x1, rel, up, level))
            dy = (7 + 10 * level) * (1 if up else -1)
            ax.annotate(
                mark.text,
                (x, mark.value),
                xytext=(4 if ha == "left" else -4 if ha == "right" else 0, dy),
                textcoords="offset points",
                fontsize=7.5,
                color=color,
                ha=ha,
                va="bottom" if up else "top",
                zorder=6,
            )


def _composite_labels(ax: Axes, t: Trace) -> None:
    """SequentialLR: each child's segment named at the top; ChainedScheduler: its children."""
    from lrviz import analysis

    for start, end, name in analysis.segments(t):
        middle = _x(t, (start + end - 1) / 2)
        ax.annotate(
            name,
            (middle, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(0, -3),
            textcoords="offset points",
            ha="center",
            va="top",
            fontsize=8,
            color="0.3",
            bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "0.8", "alpha": 0.85},
        )
    text = analysis.children_text(t.spec)
    if text:
        ax.text(0.99, 0.97, text, transform=ax.transAxes, ha="right", va="top", fontsize=8, color="0.3")


def _optimizer_text(t: Trace) -> str:
    if t.spec.entry.absolute:  # the schedule sets the LR itself
        return f"{t.optimizer.split('(')[0]} (its lr unused: {t.name} sets the LR)"
    return t.optimizer


def _titles(fig: Figure, items: Sequence[Trace], title: str | None, grid: bool = False) -> None:
    if len(items) == 1:
        t = items[0]
        heading = title or t.name
        detail = t.spec.format()
        detail = detail[len(t.name) :] if detail.startswith(t.name + "(") else detail
        optimizer = _optimizer_text(t)
        sub = (
            f"{detail}  ·  {optimizer}  ·  {t.n_steps:,} steps"
            if detail != "()"
            else (f"{optimizer}  ·  {t.n_steps:,} steps")
        )
    else:
        names = " vs ".join(t.label for t in items)
        heading = title or (names if len(names) <= 70 else f"{len(items)} schedules compared")
        optimizers = list(dict.fromkeys(_optimizer_text(t) for t in items))
        lengths = sorted({t.n_steps for t in items})
        steps = f"{lengths[0]:,} steps" if len(lengths) == 1 else f"{lengths[0]:,}–{lengths[-1]:,} steps"
        sub = f"{' / '.join(optimizers)}  ·  {steps}"
    width_chars = int(fig.get_figwidth() * 11)
    wrapped = "\n".join(textwrap.wrap(sub, width_chars))
    if grid:
        fig.suptitle(f"{heading}\n{wrapped}", fontsize=11.5, fontweight="bold")
        return
    fig.suptitle(heading, fontsize=12.5, fontweight="bold")
    fig.axes[0].set_title(wrapped, fontsize=9, color="0.3")


def _warnings_text(items: Sequence[Trace]) -> str:
    lines = []
    for t in items:
        for w in t.warnings:
            prefix = f"{t.label}: " if len(items) > 1 else ""
            lines.extend(textwrap.wrap(f"⚠ {prefix}{w}", 110))
    return "\n".join(lines[:8])


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
