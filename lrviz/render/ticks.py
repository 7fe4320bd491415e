"""The axes' ticks: where they go and how they read.

Step and epoch axes count in whole numbers with thousands separators, then k and M (as the
titles and summaries write counts); LR axes write a scale factor as ``×10⁻⁴`` in plain
Unicode; ticks sit on 1-2-5 multiples, never so many that their labels touch.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import Any


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


_SUPERSCRIPT = str.maketrans("0123456789-−", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁻")
_SCALE = re.compile(r"^1e([-−]?\d+)")


def sci_formatter() -> Any:
    """matplotlib's ScalarFormatter, its scale factor written ``×10⁻⁴`` in plain Unicode.

    ``useMathText=True`` looks the same but runs every tick label through the mathtext
    parser, whose first use builds a pyparsing grammar: about 0.1 s of each figure."""
    from matplotlib.ticker import ScalarFormatter

    class SciFormatter(ScalarFormatter):
        def get_offset(self) -> str:
            # without mathtext, matplotlib writes the factor 1e-4 (then any offset)
            return _SCALE.sub(lambda m: "×10" + m[1].translate(_SUPERSCRIPT), str(super().get_offset()))

    return SciFormatter(useMathText=False)


def count_formatter() -> Any:
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


def locator(integer: bool, axis: str = "x") -> Any:
    """Ticks on 1-2-5 multiples (0, 200, 400 ... not 0, 150, 300), whole numbers on a step
    or epoch axis when there are enough of them, and never so many that labels touch."""
    from matplotlib.ticker import MaxNLocator

    steps = [1, 2, 5, 10] if axis == "x" else [1, 2, 2.5, 5, 10]

    class FittingLocator(MaxNLocator):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._known: dict[tuple[Any, ...], Any] = {}

        def tick_values(self, vmin: float, vmax: float) -> Any:
            # matplotlib asks many times while it lays a figure out and draws it: the answer
            # depends only on the interval and on the room for labels (the axis's length, the
            # labels' size, what the formatter writes for this view)
            key = (vmin, vmax, *self._room())
            if key not in self._known:
                if len(self._known) >= 64:
                    self._known.clear()
                self._known[key] = self._tick_values(vmin, vmax)
            return self._known[key].copy()

        def _room(self) -> tuple[Any, ...]:
            owner: Any = self.axis
            if owner is None:
                return ()
            ax = owner.axes
            return (
                *owner.get_view_interval(),
                float(ax.bbox.width),
                float(ax.bbox.height),
                float(ax.figure.dpi),
                float(owner.majorTicks[0].label1.get_fontsize()),  # with the length: get_tick_space()
                id(owner.get_major_formatter()),
            )

        def _tick_values(self, vmin: float, vmax: float) -> Any:
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
