"""The least a script can do to draw what `lrviz plot` draws for a 1,000-step one-cycle
schedule: the same Figure (8 x 5.7 inches at 150 dpi, constrained layout), two panels
sharing the x axis (LR above momentum, heights 3 : 1.4), a title and a subtitle, axis
labels and grids, the two curves computed with numpy, saved as a PNG.

It imports only numpy and matplotlib's Figure (not pyplot, whose import costs more),
computes nothing lrviz has to (no parsing, no checks, no label placement), and is the
baseline of bench/run.py's benchmark 6:

    python bench/bare_figure.py OUT.png
"""

from __future__ import annotations

import sys

import numpy as np
from matplotlib.figure import Figure

STEPS = 1000
PEAK = 300  # OneCycleLR's default pct_start=0.3


def one_cycle(start: float, top: float, end: float) -> np.ndarray:
    """Cosine from ``start`` to ``top`` over the first 30% of the steps, then to ``end``."""
    steps = np.arange(STEPS, dtype=float)
    up = np.clip(steps / PEAK, 0.0, 1.0)
    down = np.clip((steps - PEAK) / (STEPS - 1 - PEAK), 0.0, 1.0)
    rising = top + (start - top) / 2 * (1 + np.cos(np.pi * up))
    falling = end + (top - end) / 2 * (1 + np.cos(np.pi * down))
    return np.where(steps <= PEAK, rising, falling)


def main(path: str) -> None:
    lr = one_cycle(0.004, 0.1, 4e-7)
    momentum = one_cycle(0.95, 0.85, 0.95)
    steps = np.arange(STEPS)
    fig = Figure(figsize=(8.0, 5.7), dpi=150, layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[3.0, 1.4])
    for ax in (top, bottom):
        ax.grid(True, alpha=0.35, linewidth=0.6)
        ax.spines[["top", "right"]].set_visible(False)
    top.plot(steps, lr, color="#0072B2", linewidth=1.8)
    top.set_ylabel("learning rate")
    bottom.plot(steps, momentum, color="#0072B2", linewidth=1.8)
    bottom.set_ylabel("momentum")
    bottom.set_xlabel("step")
    fig.suptitle("OneCycleLR", fontweight="bold")
    top.set_title("(max_lr=0.1, total_steps=1000)  ·  SGD(lr=0.1, momentum=0.9)  ·  1,000 steps", fontsize=10)
    fig.savefig(path, format="png", dpi=150)


if __name__ == "__main__":
    main(sys.argv[1])
