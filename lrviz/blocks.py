"""A long trace's values made a block of steps at a time instead of held.

A schedule whose values are a closed form of the step (the fast path's CyclicLR) can give
any range of steps on demand. A trace of millions of steps then holds a :class:`Source`
(how to make steps ``a..b``) and the one-pass :class:`RowStats` of its rows (what the
summary line and the warnings read) instead of its values: the figure's envelope, the
CSV and JSON writers and the analysis read the values a block at a time, so memory is
bounded by a block, not by the steps.

:class:`Values` and :class:`Row` stand where a trace's ``lr`` and ``momentum`` arrays
stand: slices of steps are made on demand (a block is kept for the next slice), and
anything else (``np.asarray``, an index list) makes the whole array once, so code that
does not read blocks still gets the same values, with the memory of a held trace.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

Make = Callable[[int, int], "tuple[np.ndarray, np.ndarray | None]"]
"""(first step, end step) -> LR (groups, end - first) and momentum (the same, or None)."""

BLOCK = 1 << 16
"""Steps made at a time for a slice (kept for the next slice: a table's rows)."""

PASS = 1 << 16
"""Steps made at a time by a pass over the whole trace (statistics, envelope)."""


@dataclass
class RowStats:
    """What one pass over a row of values tells: enough for the summary line, the
    warnings and whether it moves, computed exactly as on the whole row."""

    n: int
    first: float
    last: float
    constant: bool  # every value == the first (False when the first is nan)
    bad: int | None  # the first step whose value is not finite
    bad_value: float
    negative: int  # finite values below 0
    negative_first: int | None
    zero: int
    zero_first: int | None
    any_finite: bool
    any_number: bool  # any value not nan
    # (step, value) of the first highest/lowest finite value (non-nan with "_number"):
    # np.argmax(np.where(finite, row, -inf)) and so on, on the whole row
    peak: tuple[int, float]
    low: tuple[int, float]
    peak_number: tuple[int, float]
    low_number: tuple[int, float]

    @property
    def all_finite(self) -> bool:
        return self.bad is None


class _Extreme:
    """The first index of the largest (``sign`` 1) or smallest (-1) of ``where(mask, row,
    -inf or inf)`` over blocks, as np.argmax/argmin gives it on the whole row."""

    def __init__(self, sign: int) -> None:
        self.sign = sign
        self.key: float | None = None
        self.at = 0
        self.value = float("nan")

    def add(self, start: int, row: np.ndarray, mask: np.ndarray) -> None:
        import numpy as np

        fill = -np.inf if self.sign > 0 else np.inf
        w = np.where(mask, row, fill)
        k = int(np.argmax(w) if self.sign > 0 else np.argmin(w))
        key = float(w[k])
        if self.key is None or (key > self.key if self.sign > 0 else key < self.key):
            self.key, self.at, self.value = key, start + k, float(row[k])


class RowAccumulator:
    """:class:`RowStats` of a row fed as consecutive blocks, in order."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.first = self.last = self.bad_value = float("nan")
        self.constant = True
        self.bad: int | None = None
        self.negative = self.zero = 0
        self.negative_first: int | None = None
        self.zero_first: int | None = None
        self.any_finite = self.any_number = False
        self.extremes = [_Extreme(1), _Extreme(-1), _Extreme(1), _Extreme(-1)]

    def push(self, start: int, row: np.ndarray) -> None:
        import numpy as np

        if not len(row):
            return
        if start == 0:
            self.first = float(row[0])
        self.last = float(row[-1])
        self.constant = self.constant and bool((row == self.first).all())
        finite = np.isfinite(row)
        if self.bad is None and not finite.all():
            k = int(np.argmin(finite))
            self.bad, self.bad_value = start + k, float(row[k])
        neg = np.flatnonzero(finite & (row < 0))
        if len(neg):
            if self.negative_first is None:
                self.negative_first = start + int(neg[0])
            self.negative += len(neg)
        zeros = np.flatnonzero(row == 0)
        if len(zeros):
            if self.zero_first is None:
                self.zero_first = start + int(zeros[0])
            self.zero += len(zeros)
        number = ~np.isnan(row)
        self.any_finite = self.any_finite or bool(finite.any())
        self.any_number = self.any_number or bool(number.any())
        for extreme, mask in zip(self.extremes, (finite, finite, number, number), strict=True):
            extreme.add(start, row, mask)

    def done(self) -> RowStats:
        e = self.extremes
        return RowStats(
            n=self.n,
            first=self.first,
            last=self.last,
            constant=self.constant,
            bad=self.bad,
            bad_value=self.bad_value,
            negative=self.negative,
            negative_first=self.negative_first,
            zero=self.zero,
            zero_first=self.zero_first,
            any_finite=self.any_finite,
            any_number=self.any_number,
            peak=(e[0].at, e[0].value),
            low=(e[1].at, e[1].value),
            peak_number=(e[2].at, e[2].value),
            low_number=(e[3].at, e[3].value),
        )


def stats_of(
    blocks: Iterator[tuple[int, np.ndarray, np.ndarray | None]], groups: int, steps: int
) -> dict[str, list[RowStats]]:
    """Every row's :class:`RowStats` (the LR's, the momentum's) in one pass over ``blocks``."""
    accumulators: dict[str, list[RowAccumulator]] = {}
    for a, lr, mom in blocks:
        for which, values in (("lr", lr), ("momentum", mom)):
            if values is None:
                continue
            accs = accumulators.setdefault(which, [RowAccumulator(steps) for _ in range(groups)])
            for g in range(groups):
                accs[g].push(a, values[g])
    return {which: [acc.done() for acc in accs] for which, accs in accumulators.items()}


class Source:
    """A trace's values made on demand: ``make(a, b)`` gives steps ``a..b-1`` of the LR
    and the momentum (None without momentum), the same values whatever the range."""

    def __init__(self, make: Make, groups: int, steps: int, has_momentum: bool) -> None:
        self.make = make
        self.groups = groups
        self.steps = steps
        self.has_momentum = has_momentum
        self.memo: dict[Any, Any] = {}  # results of passes (the envelope of some columns)
        self._kept: tuple[int, int, np.ndarray, np.ndarray | None] | None = None
        self._stats: dict[str, list[RowStats]] = {}
        self._whole: dict[str, np.ndarray] = {}

    def blocks(self, size: int = PASS) -> Iterator[tuple[int, np.ndarray, np.ndarray | None]]:
        """``(first step, LR, momentum)`` of consecutive blocks of ``size`` steps."""
        for a in range(0, self.steps, size):
            lr, mom = self.make(a, min(self.steps, a + size))
            yield a, lr, mom

    def slice(self, a: int, b: int) -> tuple[np.ndarray, np.ndarray | None]:
        """Steps ``a..b-1``; a short slice comes from the :data:`BLOCK` kept (or made and kept)."""
        import numpy as np

        a, b = max(0, a), min(self.steps, b)
        if b <= a:
            empty = np.empty((self.groups, 0))
            return empty, (empty if self.has_momentum else None)
        kept = self._kept
        if kept is not None and kept[0] <= a and b <= kept[1]:
            k0 = kept[0]
            return kept[2][:, a - k0 : b - k0], None if kept[3] is None else kept[3][:, a - k0 : b - k0]
        start = a - a % BLOCK
        if b - start > 2 * BLOCK:
            return self.make(a, b)
        end = min(self.steps, start + BLOCK * (1 if b <= start + BLOCK else 2))
        lr, mom = self.make(start, end)
        self._kept = (start, end, lr, mom)
        return self.slice(a, b)

    def whole(self, which: str) -> np.ndarray:
        """All of the LR (``"lr"``) or the momentum, made once and kept."""
        import numpy as np

        if which not in self._whole:
            out = np.empty((self.groups, self.steps))
            for a, lr, mom in self.blocks():
                block = lr if which == "lr" else mom
                assert block is not None
                out[:, a : a + block.shape[1]] = block
            self._whole[which] = out
        return self._whole[which]

    def stats(self, which: str) -> list[RowStats]:
        """Each group's :class:`RowStats` of the LR (``"lr"``) or the momentum, from one
        pass over both (kept)."""
        if not self._stats:
            self._stats = stats_of(self.blocks(), self.groups, self.steps)
        return self._stats[which]


class Values:
    """A trace's LR (``which="lr"``) or momentum, (groups, steps), where an array stands:
    ``values[g]`` is a :class:`Row`, ``values[:, a:b]`` is made on demand, anything else
    indexes the whole array (made once)."""

    ndim = 2

    def __init__(self, source: Source, which: str) -> None:
        self.source = source
        self.which = which

    @property
    def shape(self) -> tuple[int, int]:
        return (self.source.groups, self.source.steps)

    def __len__(self) -> int:
        return self.source.groups

    def part(self, a: int, b: int) -> np.ndarray:
        """Steps ``a..b-1`` of every group."""
        lr, mom = self.source.slice(a, b)
        out = lr if self.which == "lr" else mom
        assert out is not None
        return out

    def stats(self) -> list[RowStats]:
        return self.source.stats(self.which)

    def __getitem__(self, key: Any) -> Any:
        import numpy as np

        if isinstance(key, (int, np.integer)):
            return Row(self, int(key) % self.source.groups)
        if isinstance(key, tuple) and len(key) == 2:
            rows, steps = key
            if isinstance(rows, (int, np.integer)):
                return self[rows][steps]
            if rows == slice(None) and isinstance(steps, slice) and steps.step in (None, 1):
                a, b, _ = steps.indices(self.source.steps)
                return self.part(a, b)
        return self.source.whole(self.which)[key]

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        import numpy as np

        return np.asarray(self.source.whole(self.which), dtype=dtype)


class Row:
    """One group's row of :class:`Values`: ``row[a:b]`` and ``row[i]`` are made on demand,
    anything else indexes the whole row (made once)."""

    ndim = 1

    def __init__(self, values: Values, group: int) -> None:
        self.values = values
        self.group = group

    @property
    def shape(self) -> tuple[int]:
        return (self.values.source.steps,)

    @property
    def dtype(self) -> Any:
        import numpy as np

        return np.dtype(np.float64)

    def __len__(self) -> int:
        return self.values.source.steps

    def stats(self) -> RowStats:
        return self.values.stats()[self.group]

    def blocks(self, size: int = PASS) -> Iterator[tuple[int, np.ndarray]]:
        """``(first step, values)`` of consecutive blocks of ``size`` steps."""
        for a in range(0, len(self), size):
            yield a, self.values.part(a, a + size)[self.group]

    def __getitem__(self, key: Any) -> Any:
        import numpy as np

        n = len(self)
        if isinstance(key, slice) and key.step in (None, 1):
            a, b, _ = key.indices(n)
            return self.values.part(a, b)[self.group]
        if isinstance(key, (int, np.integer)):
            i = int(key) + (n if key < 0 else 0)
            if not 0 <= i < n:
                raise IndexError(f"index {int(key)} is out of bounds for {n} steps")
            return self.values.part(i, i + 1)[self.group][0]
        return self.values.source.whole(self.values.which)[self.group][key]

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        import numpy as np

        return np.asarray(self.values.source.whole(self.values.which)[self.group], dtype=dtype)
