"""The :class:`Metric` type: a metric sequence, where it comes from, and ``take(n)``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from lrviz.errors import LrvizError

if TYPE_CHECKING:
    from .patterns import Pattern

SYNTHETIC = "synthetic"
"""The prefix of a built-in pattern: ``synthetic:plateau``."""

MODES = ("min", "max")


@dataclass(frozen=True)
class Metric:
    """A metric sequence: where it comes from, and its values.

    ``take(n)`` gives exactly ``n`` float values: a pattern makes them (the same ones
    every time), a file gives its first ``n`` (or raises when it has fewer).
    """

    source: str  # the text given, e.g. "logs/train.csv:val_loss" or "synthetic:plateau"
    name: str  # short label for a legend or axis: "val_loss", "synthetic:plateau"
    note: str  # one line: where the values come from
    mode_hint: str | None = None  # "min" for loss-like, "max" for accuracy-like, None: unknown
    path: str | None = None  # the file, as given (None for a pattern)
    pattern: Pattern | None = field(default=None, repr=False)
    params: dict[str, Any] = field(default_factory=dict, hash=False)  # the pattern's, defaults filled in
    values: np.ndarray | None = field(default=None, repr=False, compare=False)  # a file's values

    @property
    def length(self) -> int | None:
        """How many values there are; None for a pattern (it makes any number)."""
        return None if self.values is None else len(self.values)

    def take(self, n: int) -> np.ndarray:
        """Exactly ``n`` values, as a new float array."""
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            raise LrvizError(f"the number of metric values must be an integer >= 0, got {n!r}")
        n = int(n)
        if self.pattern is not None:
            if n == 0:
                return np.empty(0)
            out = np.asarray(self.pattern.make(n, **self.params), dtype=float)
            if not np.all(np.isfinite(out)):
                raise LrvizError(f"{self.name} made values that are not finite numbers", "use smaller parameter values")
            return out
        assert self.values is not None
        have = len(self.values)
        if n > have:
            raise LrvizError(
                f"the metric in {self.path} has {have} values, fewer than the {n} needed",
                f"pass -n {have} or fewer, or a log with more values",
            )
        return np.array(self.values[:n], dtype=float)
