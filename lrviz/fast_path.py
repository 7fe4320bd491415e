"""Fast traces: a schedule's values without importing or stepping torch.

Stepping a real scheduler costs about 1-5 µs per step in a lean loop (30 µs in a typical
training-loop script), and importing torch costs a second and 250 MB. A family may give an
entry a ``fast`` hook (:data:`Compute`) that computes the same values directly, with the
same floating-point operations in the same order as the real scheduler (torch's are in
:mod:`lrviz.families.torch_fast`). This module holds what those hooks share: what the
optimizer looks like without building it, the helpers that keep the arithmetic torch's
(Python's own math functions mapped over the steps, left-to-right products), and the
dispatch that falls back to stepping torch.

The contract, tested by hypothesis against the real schedulers over random parameters
(tests/test_fast.py), is equality to 1e-12 relative; by construction the values are
bit-identical. Anything outside the well-trodden region raises :class:`Unsupported` (or
fails) and lrviz steps torch instead: resumed schedules (``last_epoch``), optimizers not in
:mod:`lrviz.optimizers`' table, and every input torch would reject or fail on (so torch's
own error message is what the user sees). ``lrviz --exact`` always steps torch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

    from .blocks import Source
    from .optimizers import OptimizerInfo
    from .schedule import Spec


class Unsupported(Exception):
    """The fast path does not cover this input: step torch instead."""


@dataclass
class Values:
    lr: np.ndarray  # (groups, steps)
    momentum: np.ndarray | None  # (groups, steps)


def trace(spec: Spec, lrs: Sequence[float], steps: int, info: OptimizerInfo) -> Values | None:
    """The first ``steps`` values, or None when torch must be stepped.

    Values are computed one step further than read (torch computes step N's value in
    the last ``scheduler.step()``); if that would fail, torch is stepped instead, so the
    crash is reported the way the exact path reports it."""
    import numpy as np

    compute = spec.entry.fast
    if compute is None:
        return None
    if _resumed(spec):
        return None
    try:
        with np.errstate(all="ignore"):
            lr, momentum = compute(spec, lrs, steps + 1, info)
    except (Unsupported, ArithmeticError, ValueError, TypeError):
        return None
    if momentum is None and info.momenta is not None:
        momentum = np.repeat(np.asarray(info.momenta, dtype=float)[:, None], steps, axis=1)
    else:
        momentum = None if momentum is None else np.ascontiguousarray(momentum[:, :steps])
    return Values(lr=np.ascontiguousarray(lr[:, :steps]), momentum=momentum)


def stream(spec: Spec, lrs: Sequence[float], steps: int, info: OptimizerInfo) -> Source | None:
    """The first ``steps`` values as a :class:`lrviz.blocks.Source` (made a block at a
    time when read, the values :func:`trace` gives), or None when the schedule cannot give
    a range of steps (its entry has no ``fast_blocks``) or the fast path does not cover it.
    The statistics of every row are computed here, in one pass, as that pass would fail
    where :func:`trace` fails (and lrviz steps torch instead); the value of step ``steps``
    too, as :func:`trace` computes it."""
    import numpy as np

    from .blocks import Source

    setup = spec.entry.fast_blocks
    if setup is None:
        return None
    if _resumed(spec):
        return None
    groups = len(lrs)
    momenta = None if info.momenta is None else np.asarray(info.momenta, dtype=float)[:, None]

    def make(a: int, b: int) -> tuple[np.ndarray, np.ndarray | None]:
        with np.errstate(all="ignore"):
            lr, momentum = values(a, b)
        if momentum is None and momenta is not None:
            momentum = np.repeat(momenta, lr.shape[1], axis=1)
        return lr, momentum

    try:
        with np.errstate(all="ignore"):
            values = setup(spec, lrs, steps + 1, info)
        make(steps, steps + 1)
        first = make(0, 1)
        source = Source(make, groups, steps, has_momentum=first[1] is not None)
        source.stats("lr")
    except (Unsupported, ArithmeticError, ValueError, TypeError):
        return None
    return source


# --------------------------------------------------------------------------------------
# helpers


def number(value: Any) -> float:
    """A plain int or float argument (bools, tensors, lists: not here)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise Unsupported
    return value


def integer(value: Any, minimum: int | None = None) -> int:
    """A plain int argument (not a bool), at least ``minimum`` when given."""
    if isinstance(value, bool) or not isinstance(value, int) or (minimum is not None and value < minimum):
        raise Unsupported
    return value


def per_group(value: Any, groups: int) -> list[Any]:
    """torch's ``_format_param``: one value for every group, or a list of the right length."""
    if isinstance(value, (list, tuple)):
        if len(value) != groups:
            raise Unsupported
        return [number(v) for v in value]
    return [number(value)] * groups


def map_each(fn: Callable[..., float], *columns: Any) -> np.ndarray:
    """``fn`` applied by Python to every element (exactly torch's arithmetic)."""
    from .safe_arrays import map_floats

    result: np.ndarray = map_floats(fn, *columns)
    return result


def chain(lrs: Sequence[float], factors: np.ndarray) -> np.ndarray:
    """LR of step t = LR of step t-1 * factors[t], multiplied left to right as torch does;
    ``factors[0]`` applies to the optimizer's lr. A factor of exactly 1.0 leaves the value
    bit for bit unchanged, as torch's "return the current lr" branch does."""
    import numpy as np

    out = np.empty((len(lrs), len(factors)))
    for g, lr in enumerate(lrs):
        row = factors.copy()
        row[0] = lr * factors[0] if factors[0] != 1.0 else lr
        np.multiply.accumulate(row, out=out[g])
    return out


def ones(n: int) -> np.ndarray:
    import numpy as np

    return np.ones(n)


def covers(spec: Spec) -> bool:
    """Whether a fast path exists for this schedule (it may still fall back for its values)."""
    return spec.entry.fast is not None


def _resumed(spec: Spec) -> bool:
    """Whether the scheduler is given a ``last_epoch`` to resume from: the fast path computes
    a fresh start only, so torch is stepped for these."""
    last_epoch = spec.args.get("last_epoch", -1)
    return last_epoch != -1 and last_epoch is not None
