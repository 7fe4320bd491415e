"""Trace -> a chart in the terminal (braille dots, drawn by :mod:`lrviz.render.braille`), for
people on a remote machine over SSH: LR, and momentum/β1 when it moves, in LR units against
steps or epochs.

The chart is returned as text (with ANSI colours unless ``color=False``); the CLI prints it.
Long traces are reduced to the minimum and maximum of each dot column first, so every peak
and trough shows and a million steps draw as fast as a thousand.

Each panel is laid out as::

    label┌────────┐   frame
     0.1┤ ⢕⢕ a   │   plot rows: y tick labels right-aligned to one width in every panel,
        │⠉⠒⠤⣀    │   the legend at the top left of the LR panel
        └┬───┬───┘   frame, an x tick mark per tick
         0   50       x tick labels centred under their marks
    learning rate  step   the y label, and the x label centred under the last panel
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from lrviz.errors import LrvizError, printable

if TYPE_CHECKING:
    import numpy as np

    from lrviz.tracing import Trace

# Mid-luminance xterm-256 colours, close to the figures' Okabe-Ito palette, that read on
# light and on dark backgrounds alike: blue, vermillion, green, purple, ochre, sky.
COLORS = (32, 166, 36, 170, 136, 74)
MIN_WIDTH, MIN_HEIGHT = 30, 8
# A panel's rows besides its plot rows: the frame's two, x tick labels, the axis labels.
FRAME_ROWS = 4


def chart(
    traces: Trace | Sequence[Trace],
    *,
    width: int = 100,
    height: int = 24,
    color: bool = True,
    log: bool = False,
    title: str | None = None,
    momentum: bool = True,
) -> str:
    """The traces drawn in ``width`` x ``height`` characters: an LR panel, and a momentum (or
    β1) panel below it when any momentum moves (and ``momentum`` allows it: the explorer
    leaves it out of a chart too short to read it). Several traces are overlaid with a legend."""
    from .figure import common_x

    items = [traces] if not isinstance(traces, Sequence) else list(traces)
    if not items:
        raise LrvizError("nothing to plot")
    items = common_x(items)
    width, height = max(width, MIN_WIDTH), max(height, MIN_HEIGHT)
    height -= 1  # the heading's row: the whole chart is ``height`` rows
    show_momentum = momentum and any(t.momentum_varies for t in items)
    xlabel = "epoch" if items[0].steps_per_epoch else "step"
    lr_height = max(MIN_HEIGHT - 2, round(height * 0.62)) if show_momentum else height
    if height - lr_height < FRAME_ROWS + 1:  # not one row to draw momentum in
        show_momentum, lr_height = False, height
    heights = {"lr": lr_height, "momentum": height - lr_height} if show_momentum else {"lr": height}
    # both panels' tick labels padded to one width, so that their plot areas line up; about
    # one tick every other row of the panel
    ticks = {
        row: _yticks(items, row, log=log and row == "lr", count=(h - FRAME_ROWS) // 2 + 1) for row, h in heights.items()
    }
    label_width = max((len(label) for _, labels in ticks.values() for label in labels), default=0)
    xlim = _xlim(items)
    lines: list[str] = []
    for row, h in heights.items():
        last = row == list(heights)[-1]
        if row == "lr":
            ylabel = "learning rate"
        else:
            names = {t.momentum_name for t in items if t.momentum_varies}
            ylabel = "β1" if names == {"beta1"} else "momentum"
        lines += _panel(
            items,
            row,
            width,
            h,
            xlim=xlim,
            log=log and row == "lr",
            legend=row == "lr",
            yticks=ticks[row],
            label_width=label_width,
            ylabel=ylabel,
            xlabel=xlabel if last else "",
            color=color,
        )
    # text from data never drives the terminal
    heading = printable(title if title is not None else _title(items))
    if len(heading) > width:
        heading = heading[: width - 1] + "…"
    return "\n".join([heading.center(width).rstrip(), *lines]) + "\n"


def _title(items: Sequence[Trace]) -> str:
    if len(items) == 1:
        t = items[0]
        return f"{t.label or t.spec.format()}  ·  {t.optimizer}"
    return " vs ".join(t.label for t in items)


# Each series' glyph: braille dots, then half blocks, then plain characters, so that series
# stay apart without colour (NO_COLOR, piped output); the legend shows each glyph.
MARKERS = ("braille", "hd", "•", "x", "+", "o", "*", "#")


def _values(t: Trace, row: str) -> np.ndarray | None:
    return t.lr if row == "lr" else t.momentum


def _xlim(items: Sequence[Trace]) -> tuple[float, float]:
    """The x range every panel shares: the first step or epoch to the last."""
    xs = [t.x for t in items if t.n_steps]
    if not xs:
        return 0.0, 0.0
    return min(float(x[0]) for x in xs), max(float(x[-1]) for x in xs)


def _finite(values: np.ndarray, log: bool) -> np.ndarray:
    """Where values can be drawn: finite, and positive on a log scale."""
    import numpy as np

    keep: np.ndarray = np.isfinite(values)
    return keep & (values > 0) if log else keep


def _yticks(items: Sequence[Trace], row: str, *, log: bool, count: int = 5) -> tuple[list[float], list[str]]:
    """A panel's y ticks and their labels: round values within the drawn range."""
    limits = _ylim(items, row, log=log)
    if limits is None:
        return [], []
    low, high = limits
    if log:
        first, last = math.ceil(math.log10(low) - 1e-9), math.floor(math.log10(high) + 1e-9)
        ticks = [10.0**k for k in range(first, last + 1)]
        if len(ticks) < 2:
            return [], []
    else:
        ticks = nice_ticks(low, high, max(3, min(5, count)))
    return ticks, [fmt(v) for v in ticks]


def _ylim(items: Sequence[Trace], row: str, *, log: bool) -> tuple[float, float] | None:
    """The lowest and highest drawn value of a panel (in data units), None when none is."""
    import numpy as np

    lows, highs = [], []
    for t in items:
        values = _values(t, row)
        if values is None:
            continue
        y = np.asarray(values, dtype=float)
        y = y[_finite(y, log)]
        if len(y):
            lows.append(float(y.min()))
            highs.append(float(y.max()))
    if not lows:
        return None
    return min(lows), max(highs)


def _panel(
    items: Sequence[Trace],
    row: str,
    width: int,
    height: int,
    *,
    xlim: tuple[float, float],
    log: bool,
    legend: bool,
    yticks: tuple[list[float], list[str]],
    label_width: int,
    ylabel: str,
    xlabel: str,
    color: bool,
) -> list[str]:
    """One panel, ``height`` rows of ``width`` columns at most: frame, plot, ticks, labels."""
    import numpy as np

    from .braille import BRAILLE, Canvas, position, resolution, swatch
    from .envelope import envelope

    plot_width, plot_rows = width - label_width - 2, height - FRAME_ROWS
    canvas = Canvas(plot_width, plot_rows)
    limits = _ylim(items, row, log=log)
    ylim = (0.0, 1.0) if limits is None else limits
    if log:
        ylim = (math.log10(ylim[0]), math.log10(ylim[1]))
    entries: list[tuple[str, str, int]] = []
    k = 0
    for t in items:
        values = _values(t, row)
        if values is None:
            k += t.n_groups
            continue
        x = t.x
        for g in range(t.n_groups):
            y = np.asarray(values[g], dtype=float)
            keep = _finite(y, log)
            marker, hue = MARKERS[k % len(MARKERS)], COLORS[k % len(COLORS)]
            columns = plot_width * resolution(marker)[0]  # the lowest and highest point of each dot column
            xs, ys = envelope(x[keep], y[keep], columns, ends=False)
            canvas.line(xs, np.log10(ys) if log else ys, xlim=xlim, ylim=ylim, marker=marker, color=hue)
            if legend and (len(items) > 1 or t.n_groups > 1):
                label = printable(t.label if t.n_groups == 1 else f"{t.label or t.name} group {g}")
                entries.append((swatch(marker), label, hue))
            k += 1
    # the legend over the lines, one entry a row, in the corner where it covers the least of
    # them (top left on a tie); its box cleared: a space either side, the swatch twice, a
    # space, the label
    key = min(max((len(label) for _, label, _ in entries), default=0), max(plot_width - 5, 1))
    shown = entries[:plot_rows]
    top, left = canvas.emptiest_corner(len(shown), key + 5) if shown else (0, 0)
    for i, (glyph, label, hue) in enumerate(shown):
        canvas.text(top + i, left, " ")
        canvas.text(top + i, left + 1, glyph * 2, hue)
        canvas.text(top + i, left + 3, " " + (label if len(label) <= key else label[: key - 1] + "…").ljust(key) + " ")
    margin = " " * label_width
    tick_rows: dict[int, str] = {}
    for value, label in zip(*yticks, strict=True):
        at = math.log10(value) if log else value
        tick_rows.setdefault(plot_rows - 1 - position(at, ylim, plot_rows, resolution(BRAILLE)[1]), label)
    out = [f"{margin}┌{'─' * plot_width}┐"]
    for r, line in enumerate(canvas.lines(color=color)):
        tick = tick_rows.get(r)
        out.append(f"{tick.rjust(label_width)}┤{line}│" if tick is not None else f"{margin}│{line}│")
    # x ticks: a mark on the frame, the label centred under it where it fits
    marks = ["─"] * plot_width
    under = [" "] * width
    free = 0  # the first column a label may take
    for value in nice_ticks(xlim[0], xlim[1], max(2, min(8, width // 14))):
        column = position(value, xlim, plot_width, resolution(BRAILLE)[0])
        marks[column] = "┬"
        text = fmt(value)
        start = label_width + 1 + column - len(text) // 2
        if start >= free and start + len(text) <= width:
            under[start : start + len(text)] = text
            free = start + len(text) + 1
    out.append(f"{margin}└{''.join(marks)}┘")
    out.append("".join(under).rstrip())
    labels = ylabel[:width]
    if xlabel:
        start = max(label_width + 1 + (plot_width - len(xlabel)) // 2, len(labels) + 1)
        labels = (labels.ljust(start) + xlabel)[:width]
    out.append(labels.rstrip())
    return out


def nice_ticks(low: float, high: float, count: int) -> list[float]:
    """About ``count`` round values (1, 2, 2.5, 5 × 10^k apart) covering [low, high]."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return []
    if high <= low:
        return [low]
    raw = (high - low) / max(count - 1, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.ceil(low / step - 1e-9) * step
    ticks = []
    v = first
    while v <= high + step * 1e-9:
        ticks.append(min(max(round(v, 12), low), high))  # float error must not step outside
        v += step
    return sorted(set(ticks)) or [low, high]


def fmt(value: float) -> str:
    """A tick label: short, exact enough to read an LR off (0.1, 2.5e-05, 1,000)."""
    if value == 0:
        return "0"
    if abs(value) >= 1000 and float(value).is_integer():
        return f"{int(value):,}"
    if abs(value) < 1e-3 or abs(value) >= 1e6:
        return f"{value:.3g}"
    return f"{value:.4g}"
