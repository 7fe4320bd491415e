"""M4 aggregation: a long line reduced to the points that decide what it looks like.

Jugel et al., "M4: A Visualization-Oriented Time Series Data Aggregation", VLDB 2014: split
the x range into as many equal-width columns as the plot has pixels across and keep, in
each column, the first, last, lowest and highest point. When the columns are the pixel
columns, a line through those points, in their original order, covers the same pixels as
the line through all of them: inside one column the full line only ever moves between the
column's extremes, and it enters and leaves the column at its first and last point. A
million-step schedule then draws every peak and trough with a few thousand vertices.

Terminal charts (:mod:`lrviz.render.terminal`) use the same columns with ``ends=False``:
only each column's lowest and highest point, as plotext joins braille dots coarser than
pixels and draws half as many points twice as fast.

No matplotlib here: the function is pure numpy, so it can be tested on its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import ArrayLike

POINTS_PER_COLUMN = 4
"""At most this many points are kept per column: first, last, minimum, maximum."""

EXTREMES_PER_COLUMN = 2
"""With ``ends=False``, at most this many: minimum and maximum."""


def envelope(x: ArrayLike, y: ArrayLike, columns: int, *, ends: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """The M4 envelope of the line through (``x``, ``y``) for ``columns`` pixel columns.

    ``x`` must be non-decreasing (steps or epochs). The range ``x[0]..x[-1]`` is split into
    ``columns`` equal-width columns; point i belongs to column
    ``min(floor((x[i] - x[0]) / (x[-1] - x[0]) * columns), columns - 1)``. Each non-empty
    column keeps its first and last point (unless ``ends`` is False) and the first point
    holding its minimum and its maximum; the kept points are returned in their original
    order, each once, so the result is a subsequence of the input (x stays non-decreasing)
    with at most ``k * columns`` points, k = :data:`POINTS_PER_COLUMN` (4), or
    :data:`EXTREMES_PER_COLUMN` (2) without the ends.

    The input comes back as it is (as numpy arrays, not copies) when there is nothing
    worth reducing, or when reducing could change the drawing:

    - at most ``k * columns`` points;
    - any non-finite x or y: matplotlib breaks a line at NaN, and M4's extremes would
      hide where the gaps are;
    - x not sorted, so the columns would not be contiguous runs.
    """
    import numpy as np

    if columns < 1:
        raise ValueError(f"columns must be at least 1, got {columns}")
    xs = np.asarray(x)
    ys = np.asarray(y)
    if xs.ndim != 1 or xs.shape != ys.shape:
        raise ValueError(f"x and y must be 1-D and of the same length, got shapes {xs.shape} and {ys.shape}")
    n = len(xs)
    if n <= (POINTS_PER_COLUMN if ends else EXTREMES_PER_COLUMN) * columns:
        return xs, ys
    if not (np.isfinite(ys).all() and np.isfinite(xs).all()) or np.any(xs[1:] < xs[:-1]):
        return xs, ys

    span = xs[-1] - xs[0]
    if span > 0:
        # exactly the formula of the docstring, so a test can recompute the columns; it is
        # monotonic in x, so each column is one contiguous run of indices
        col = np.minimum(np.floor((xs - xs[0]) / span * columns), columns - 1).astype(np.intp)
    else:  # every point at one x: all in one column
        col = np.zeros(n, dtype=np.intp)
    starts = np.concatenate(([0], np.flatnonzero(np.diff(col)) + 1))  # of each non-empty column
    lasts = np.concatenate((starts[1:] - 1, [n - 1]))

    # reduceat gives each column's extreme value; the first index holding it is found by
    # comparing every point with its own column's extreme (no Python loop per column)
    kept = [starts, lasts] if ends else []
    by_column = np.empty(columns, dtype=ys.dtype)
    for reduce in (np.minimum, np.maximum):
        by_column[col[starts]] = reduce.reduceat(ys, starts)
        hits = np.flatnonzero(ys == by_column[col])
        first_hit = np.concatenate(([True], col[hits[1:]] != col[hits[:-1]]))
        kept.append(hits[first_hit])
    index = np.unique(np.concatenate(kept))  # sorted: the original order, each point once
    return xs[index], ys[index]
