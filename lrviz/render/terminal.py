"""Trace -> a chart in the terminal (plotext, braille dots), for people on a remote machine
over SSH: LR, and momentum/β1 when it moves, in LR units against steps or epochs.

The chart is returned as text (with ANSI colours unless ``color=False``); the CLI prints it.
Long traces are reduced to the minimum and maximum of each character column first, so
every peak and trough shows and a million steps draw as fast as a thousand.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from lrviz.errors import LrvizError, printable

if TYPE_CHECKING:
    import numpy as np

    from lrviz.tracing import Trace

# Mid-luminance xterm-256 colours, close to the figures' Okabe-Ito palette, that read on
# light and on dark backgrounds alike: blue, vermillion, green, purple, ochre, sky.
COLORS = (32, 166, 36, 170, 136, 74)
MIN_WIDTH, MIN_HEIGHT = 30, 8


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
    import plotext as plt

    from .figure import common_x

    items = [traces] if not isinstance(traces, Sequence) else list(traces)
    if not items:
        raise LrvizError("nothing to plot")
    items = common_x(items)
    width, height = max(width, MIN_WIDTH), max(height, MIN_HEIGHT)
    height -= 1  # the heading's row: the whole chart is ``height`` rows
    show_momentum = momentum and any(t.momentum_varies for t in items)
    epochs = bool(items[0].steps_per_epoch)
    xlabel = "epoch" if epochs else "step"

    plt.main()  # plotext keeps one global figure: start from its top level, cleared
    plt.clear_figure()
    plt.limit_size(False, False)  # the size asked for, not clipped to what plotext guesses the terminal is
    plt.theme("clear")
    plt.plot_size(width, height)
    lr_height = max(MIN_HEIGHT - 2, round(height * 0.62)) if show_momentum else height
    heights = {"lr": lr_height, "momentum": height - lr_height} if show_momentum else {"lr": height}
    # both panels' tick labels padded to one width, so that their plot areas line up; about
    # one tick every other row of the panel (a frame, tick labels and a label take four rows)
    ticks = {row: _yticks(items, row, log=log and row == "lr", count=(h - 4) // 2 + 1) for row, h in heights.items()}
    label_width = max((len(label) for _, labels in ticks.values() for label in labels), default=0)
    if show_momentum:
        plt.subplots(2, 1)
        plt.subplot(1, 1).plot_size(width, lr_height)
        plt.subplot(2, 1).plot_size(width, height - lr_height)
        plt.subplot(1, 1)
    _panel(plt, items, "lr", width, log=log, legend=True, yticks=ticks["lr"], label_width=label_width)
    if not show_momentum:
        plt.xlabel(xlabel)
    else:
        plt.subplot(2, 1)
        _panel(
            plt, items, "momentum", width, log=False, legend=False, yticks=ticks["momentum"], label_width=label_width
        )
        names = {t.momentum_name for t in items if t.momentum_varies}
        plt.ylabel("β1" if names == {"beta1"} else "momentum")
        plt.xlabel(xlabel)
    text: str = plt.build()
    plt.main()
    plt.clear_figure()
    if not color:
        text = plt.uncolorize(text)
    lines = [re.sub(r"\s+((?:\x1b\[0m)*)$", r"\1", line) for line in text.splitlines()]
    while lines and not plt.uncolorize(lines[0]).strip():
        lines.pop(0)
    # plotext drops a title wider than it likes; text from data never drives the terminal
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


def _yticks(items: Sequence[Trace], row: str, *, log: bool, count: int = 5) -> tuple[list[float], list[str]]:
    """A panel's y ticks and their labels: round values within the drawn range."""
    import numpy as np

    lows, highs = [], []
    for t in items:
        values = _values(t, row)
        if values is None:
            continue
        y = np.asarray(values, dtype=float)
        y = y[np.isfinite(y) & ((y > 0) if log else True)]
        if len(y):
            lows.append(float(y.min()))
            highs.append(float(y.max()))
    if not lows:
        return [], []
    low, high = min(lows), max(highs)
    if log:
        first, last = math.ceil(math.log10(low) - 1e-9), math.floor(math.log10(high) + 1e-9)
        ticks = [10.0**k for k in range(first, last + 1)]
        if len(ticks) < 2:
            return [], []
    else:
        ticks = nice_ticks(low, high, max(3, min(5, count)))
    return ticks, [fmt(v) for v in ticks]


def _panel(
    p: Any,
    items: Sequence[Trace],
    row: str,
    width: int,
    *,
    log: bool,
    legend: bool,
    yticks: tuple[list[float], list[str]] = ([], []),
    label_width: int = 0,
) -> None:
    import numpy as np

    from .envelope import envelope

    right = 0.0
    k = 0
    for t in items:
        values = _values(t, row)
        if values is None:
            k += t.n_groups
            continue
        x = t.x
        right = max(right, float(x[-1]) if len(x) else 0.0)
        for g in range(t.n_groups):
            y = np.asarray(values[g], dtype=float)
            keep = np.isfinite(y) & ((y > 0) if log else True)
            marker = MARKERS[k % len(MARKERS)]
            if marker == "braille":
                # the lowest and highest point of each braille dot column (two per character)
                xs, ys = envelope(x[keep], y[keep], 2 * width, ends=False)
                if dense(ys):  # many full-height strokes: plotext draws braille lines slowly
                    xs, ys = envelope(x[keep], y[keep], width, ends=False)
                    marker = "sd" if dense(ys, strokes=width) else "hd"  # a solid band needs no finer dots
            else:
                xs, ys = envelope(x[keep], y[keep], width, ends=False)
            label = None
            if legend and (len(items) > 1 or t.n_groups > 1):
                label = printable(t.label if t.n_groups == 1 else f"{t.label or t.name} group {g}")
            p.plot(xs.tolist(), ys.tolist(), marker=marker, color=COLORS[k % len(COLORS)], label=label)
            k += 1
    if log:
        p.yscale("log")
    ticks, labels = yticks
    if ticks:
        p.yticks(ticks, [label.rjust(label_width) for label in labels])
    xticks = nice_ticks(0.0, right, max(2, min(8, width // 14)))
    p.xticks(xticks, [fmt(v) for v in xticks])
    p.ylabel("learning rate" if row == "lr" else row)


def dense(y: np.ndarray, strokes: float = 40.0) -> bool:
    """Whether a curve crosses its own range more than ``strokes`` times (a CyclicLR of
    hundreds of cycles): then half the resolution draws as much, several times faster."""
    import numpy as np

    if len(y) < 3:
        return False
    span = float(np.max(y) - np.min(y))
    return span > 0 and float(np.sum(np.abs(np.diff(y)))) / span > strokes


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
