"""Trace -> matplotlib Figure.

Figures are built on :class:`matplotlib.figure.Figure` directly, never through pyplot, so
nothing global is touched and nothing leaks between calls; :func:`to_bytes` serialises one
deterministically (no dates in metadata, a fixed SVG hash salt).
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, cast

from lrviz.errors import LrvizError, did_you_mean

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from lrviz.engine import Trace

FORMATS = ("png", "svg", "pdf")
DEFAULT_WIDTH = 8.0
DEFAULT_DPI = 150
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
}


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
                yield
        else:
            yield


def plot(
    traces: Trace | Sequence[Trace],
    *,
    log: bool = False,
    title: str | None = None,
    size: tuple[float, float] | str | None = None,
    style: str | None = None,
    dpi: float | None = None,
) -> Figure:
    """A figure of one trace (or several overlaid): an LR panel, a momentum panel when
    momentum or beta1 changes, and a metric panel when a metric drove the schedule."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    items = [traces] if not isinstance(traces, Sequence) else list(traces)
    if not items:
        raise LrvizError("nothing to plot")
    show_momentum = any(t.momentum_varies for t in items)
    show_metric = any(t.metric is not None for t in items)
    rows = ["lr"] + (["momentum"] if show_momentum else []) + (["metric"] if show_metric else [])
    heights = {"lr": 3.0, "momentum": 1.4, "metric": 1.4}
    warnings_text = _warnings_text(items)
    if isinstance(size, str):
        size = parse_size(size)
    if size is None:
        size = (DEFAULT_WIDTH, 1.3 + sum(heights[r] for r in rows) + 0.25 * warnings_text.count("\n"))

    with _style(style):
        fig = Figure(figsize=size, dpi=dpi or DEFAULT_DPI, layout="constrained")
        axes = fig.subplots(
            len(rows),
            1,
            sharex=True,
            squeeze=False,
            gridspec_kw={"height_ratios": [heights[r] for r in rows]},
        )[:, 0]
        panels = dict(zip(rows, axes, strict=True))
        _draw_lr(panels["lr"], items, log)
        if "momentum" in panels:
            _draw_momentum(panels["momentum"], items)
        if "metric" in panels:
            _draw_metric(panels["metric"], items)
        for ax in axes:
            ax.xaxis.set_major_locator(MaxNLocator(integer=not items[0].steps_per_epoch))
            ax.margins(x=0.01)
        axes[-1].set_xlabel(items[0].x_label)
        _titles(fig, panels["lr"], items, title)
        if warnings_text:
            fig.supxlabel(warnings_text, color=WARNING_COLOR, fontsize=8.5, ha="center")
    return fig


def _label(t: Trace, g: int, several: bool) -> str:
    lrs = t.optimizer_spec.lrs
    group = f"group {g} (lr={lrs[g]:g})" if t.n_groups > 1 else ""
    if several:
        return f"{t.label}: {group}" if group else t.label
    return group


def _line_kwargs(i: int, n: int) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"color": PALETTE[i % len(PALETTE)], "linestyle": LINESTYLES[(i // len(PALETTE)) % 4]}
    if n <= 40:
        kwargs.update(marker="o", markersize=3)
    return kwargs


def _series(items: Sequence[Trace]) -> Iterator[tuple[int, Trace, int]]:
    i = 0
    for t in items:
        for g in range(t.n_groups):
            yield i, t, g
            i += 1


def _draw_lr(ax: Axes, items: Sequence[Trace], log: bool) -> None:
    several = len(items) > 1
    for i, t, g in _series(items):
        ax.plot(t.x, t.lr[g], label=_label(t, g, several) or None, **_line_kwargs(i, t.n_steps))
        for event in t.events:
            if event.kind in ("milestone", "reduction"):
                x = event.step / t.steps_per_epoch if t.steps_per_epoch else event.step
                ax.axvline(x, color="0.55", linewidth=0.8, linestyle=":", zorder=0)
    ax.set_ylabel("learning rate")
    if log:
        ax.set_yscale("log")
    else:
        ax.ticklabel_format(axis="y", style="sci", scilimits=(-3, 4), useMathText=True)
    if any(ax.get_legend_handles_labels()[1]):
        ax.legend(loc="best")


def _draw_momentum(ax: Axes, items: Sequence[Trace]) -> None:
    names = {t.momentum_name for t in items if t.momentum is not None}
    for i, t, g in _series(items):
        if t.momentum is None:
            continue
        ax.plot(t.x, t.momentum[g], **_line_kwargs(i, t.n_steps))
    ax.set_ylabel("β₁ (beta1)" if names == {"beta1"} else "momentum" if names == {"momentum"} else "momentum / β₁")


def _draw_metric(ax: Axes, items: Sequence[Trace]) -> None:
    for t in items:
        if t.metric is not None:
            ax.plot(t.x, t.metric[: t.n_steps], color="0.35", linewidth=1.2, **_marker(t.n_steps))
    mode = next((str(t.spec.value("mode")) for t in items if t.metric is not None), "min")
    ax.set_ylabel("metric (max)" if mode == "max" else "metric (min)")


def _marker(n: int) -> dict[str, Any]:
    return {"marker": "o", "markersize": 2.5} if n <= 40 else {}


def _titles(fig: Figure, ax: Axes, items: Sequence[Trace], title: str | None) -> None:
    if len(items) == 1:
        t = items[0]
        heading = title or t.name
        detail = t.spec.format()
        detail = detail[len(t.name) :] if detail.startswith(t.name + "(") else detail
        sub = (
            f"{detail}  ·  {t.optimizer}  ·  {t.n_steps:,} steps"
            if detail != "()"
            else (f"{t.optimizer}  ·  {t.n_steps:,} steps")
        )
    else:
        heading = title or " vs ".join(t.name for t in items)
        sub = f"{items[0].optimizer}  ·  {max(t.n_steps for t in items):,} steps"
    fig.suptitle(heading, fontsize=12.5, fontweight="bold")
    width_chars = int(fig.get_figwidth() * 11)
    ax.set_title("\n".join(textwrap.wrap(sub, width_chars)), fontsize=9, color="0.3")


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
    buf = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": "lrviz"}):
        fig.savefig(buf, format=fmt, dpi=dpi or fig.dpi, metadata=metadata)
    return buf.getvalue()
