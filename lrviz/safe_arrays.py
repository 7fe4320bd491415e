"""numpy arrays of a lambda's values that compute as Python would, for
:class:`lrviz.safe_expr.LambdaExpr` evaluated over every step at once.

A value is a numpy array of one of three kinds: float64 (Python floats), int64 holding only
integers within +-2**53 (Python ints that convert to float exactly, so that numpy's mixed
int/float arithmetic and comparisons equal Python's), or object (any Python values,
computed elementwise by Python itself). Booleans (from comparisons) count as ints in
arithmetic, as in Python. A value the one-at-a-time lambda would refuse raises
:class:`NotVectorizable`, and the lambda is then evaluated one step at a time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

EXACT = 2**53


class NotVectorizable(Exception):
    """A value the one-at-a-time lambda would refuse (it raises): do it that way."""


def typed(a: Any) -> Any:
    """``a`` as one of the three kinds (a bool array stays: comparisons make them)."""
    import numpy as np

    a = np.asarray(a)
    kind = a.dtype.kind
    if kind == "f":
        return a.astype(np.float64, copy=False)
    if kind == "b":
        return a
    if kind in "iu":
        if len(a) and int(np.abs(a).max()) > EXACT:
            return a.astype(object)
        return a.astype(np.int64, copy=False)
    return normalised(a)


def normalised(a: Any) -> Any:
    """An object array as float64 or int64 when its values allow, else as it is."""
    import numpy as np

    values = a.tolist()
    if all(type(v) is float for v in values):
        return np.array(values, dtype=np.float64)
    if all(type(v) is int for v in values) and all(-EXACT <= v <= EXACT for v in values):
        return np.array(values, dtype=np.int64)
    if all(type(v) is bool for v in values):
        return np.array(values, dtype=bool)
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def elementwise(fn: Callable[..., Any], *columns: Any) -> Any:
    """``fn`` applied by Python to each element (values as Python scalars), as an array of
    the kind the results make."""
    import numpy as np

    lists = [c.tolist() for c in columns]
    out = np.empty(len(lists[0]), dtype=object)
    out[:] = list(map(fn, *lists))
    return normalised(out)


def ints(a: Any) -> Any:
    import numpy as np

    return a.astype(np.int64) if a.dtype == bool else a


def magnitude(a: Any) -> float:
    import numpy as np

    return float(np.abs(a).max()) if len(a) else 0.0


def truthy(a: Any) -> Any:
    import numpy as np

    a = np.asarray(a)
    if a.dtype == bool:
        return a
    if a.dtype == object:
        return np.array([bool(v) for v in a.tolist()], dtype=bool)
    return a != 0


def filled(value: Any, n: int) -> Any:
    import numpy as np

    if isinstance(value, bool):
        return np.full(n, value, dtype=bool)
    if isinstance(value, int):
        if -EXACT <= value <= EXACT:
            return np.full(n, value, dtype=np.int64)
        out = np.empty(n, dtype=object)
        out[:] = value
        return out
    return np.full(n, float(value))


def gather(parts: list[tuple[Any, Any]], n: int) -> Any:
    """One array from pieces ``(positions, values)``, of the kind they share (else object)."""
    import numpy as np

    parts = [(where, values) for where, values in parts if len(where)]
    kinds = {values.dtype for _, values in parts}
    if not parts:
        return np.empty(n)
    if len(kinds) == 1:
        out = np.empty(n, dtype=kinds.pop())
    else:
        out = np.empty(n, dtype=object)
        parts = [(where, values.astype(object)) for where, values in parts]
    for where, values in parts:
        out[where] = values
    return normalised(out) if out.dtype == object else out


def unary(a: Any, op: Callable[[Any], Any]) -> Any:
    a = ints(a)
    return elementwise(op, a) if a.dtype == "O" else op(a)


def compare(op: Callable[[Any, Any], Any], a: Any, b: Any) -> Any:
    import numpy as np

    a, b = ints(np.asarray(a)), ints(np.asarray(b))
    if a.dtype == object or b.dtype == object:
        return np.array([bool(op(u, v)) for u, v in zip(a.tolist(), b.tolist(), strict=True)], dtype=bool)
    return op(a, b)


def map_floats(fn: Callable[..., Any], *columns: Any) -> Any:
    """Python's own ``fn`` on each element, as a float array: the exact floats (and the
    exceptions) one call at a time gives. Columns are numpy arrays (as floats) or plain
    sequences (as they are, e.g. ``range`` for an int argument)."""
    import numpy as np

    lists = [np.asarray(col, dtype=float).tolist() if isinstance(col, np.ndarray) else col for col in columns]
    return np.fromiter(map(fn, *lists), dtype=float, count=len(lists[0]))
