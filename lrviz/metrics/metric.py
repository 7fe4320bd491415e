"""The :class:`Metric` type: a metric sequence, where it comes from, and ``take(n)``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lrviz.errors import LrvizError

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


def fmt(value: Any) -> str:
    """A pattern parameter's value as the user writes it."""
    return repr(value) if isinstance(value, (int, float)) else str(value)


@dataclass(frozen=True)
class PatternParam:
    """A ``key=value`` a pattern accepts."""

    name: str
    kind: type  # int or float
    default: float | int | None  # None: computed from n, as ``auto`` says
    help: str
    auto: str = ""  # the default when it depends on n, e.g. "max(5, n/10)"
    check: Callable[[float], bool] | None = field(default=None, compare=False, repr=False)
    expect: str = ""  # what check wants, e.g. "a number > 0"

    @property
    def default_text(self) -> str:
        return self.auto if self.default is None else fmt(self.default)


@dataclass(frozen=True)
class Pattern:
    """A built-in metric pattern: ``make(n, **params)`` gives n values."""

    name: str
    mode: str  # the ReduceLROnPlateau mode it suits
    doc: str  # one sentence
    params: tuple[PatternParam, ...]
    make: Callable[..., np.ndarray] = field(compare=False, repr=False)

    def param(self, name: str) -> PatternParam | None:
        for p in self.params:
            if p.name == name:
                return p
        return None

    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.params}

    def help_line(self) -> str:
        keys = ", ".join(f"{p.name}={p.default_text} ({p.help})" for p in self.params)
        return f"{self.doc}; keys: {keys}"
