"""``lrviz check -o FILE``: the planned LR against the logged one, their ratio below, and the
first departure marked."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from .check import Result, curve

if TYPE_CHECKING:
    from matplotlib.figure import Figure

MAX_CURVE_POINTS = 20_000
"""The planned curve is evaluated at most at this many positions (every position for runs
this short; evenly spaced ones beyond)."""


def draw(result: Result, *, size: tuple[float, float] = (8.0, 5.6), dpi: float = 150) -> Figure:
    import matplotlib
    import numpy as np
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    from lrviz.render.figure import PALETTE, RC, WARNING_COLOR

    log = result.log
    offset = result.convention.offset
    steps = log.steps
    low, high = int(steps.min()), int(steps.max())
    # a log by epochs is drawn in epochs; the plan, between them, at every update it knows
    per_epoch = result.plan.stepping.steps_per_epoch if log.per_epoch else None
    scale = per_epoch or 1
    first, last = (low + offset) * scale, (high + offset) * scale
    at = np.unique(np.linspace(first, last, min(last - first + 1, MAX_CURVE_POINTS)).round().astype(np.int64))
    dense = at / scale - offset
    planned = curve(result.plan, at)
    explained = None
    if result.diagnosis is not None:
        remap = result.diagnosis.remap
        explained = curve(result.diagnosis.plan, at, remap)
    with matplotlib.rc_context(cast(Any, RC)):
        fig = Figure(figsize=size, dpi=dpi, layout="constrained")
        top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(3, 1.3))
        top.plot(dense, planned, color=PALETTE[0], lw=1.6, label="planned", zorder=2)
        if explained is not None:
            top.plot(dense, explained, color=PALETTE[2], lw=1.3, ls="--", label="the diagnosis's schedule", zorder=3)
        marker = {"marker": "o", "ms": 3.2 if len(steps) <= 200 else 1.6, "ls": "none"}
        top.plot(steps, log.lr, color=PALETTE[1], label=f"logged ({log.logger})", zorder=4, **marker)
        top.set_ylabel("learning rate")
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(
                (result.planned == 0) & (log.lr == 0),
                1.0,
                log.lr / np.where(result.planned == 0, np.nan, result.planned),
            )
        bottom.axhline(1.0, color=PALETTE[0], lw=1.0)
        positive = np.isfinite(ratio) & (ratio > 0)
        finite = ratio[positive]
        if len(finite) and (finite.max() > 4 or finite.min() < 0.25):
            bottom.set_yscale("log")  # ratios of 60 and of 1/60 are as far from 1
        bottom.plot(steps[positive], finite, color=PALETTE[1], **marker)
        bottom.set_ylabel("logged / planned")
        bottom.set_xlabel("epoch" if log.per_epoch else "step")
        bottom.xaxis.set_major_locator(MaxNLocator(integer=True))
        if len(finite) and np.ptp(finite) < 1e-6:
            bottom.set_ylim(0.99, 1.01)
        unit = "epoch" if log.per_epoch else "step"
        if result.departure is not None:
            where = result.departure_step
            # in the legend rather than as a label on the plot, where it would cross the curves
            top.axvline(where, color=WARNING_COLOR, lw=1.0, ls=":", label=f"first departure: {unit} {where:,}")
            bottom.axvline(where, color=WARNING_COLOR, lw=1.0, ls=":")
        top.legend(loc="best", fontsize=8, framealpha=0.9, edgecolor="none")
        if result.ok:
            title = f"The run followed the plan ({len(log):,} points)"
        elif result.diagnosis is not None:
            title = f"Departs at {unit} {result.departure_step:,}: {result.diagnosis.mistake}"
        else:
            title = f"Departs from the plan at {unit} {result.departure_step:,}"
        fig.suptitle(_short(title, 95), fontsize=10.5)
        top.set_title(_short(result.plan.spec.format(), 110), fontsize=8.5, color="#555555")
    return fig


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 3] + "..."
