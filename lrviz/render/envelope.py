"""M4 aggregation: a long line reduced to the points that decide what it looks like.

Jugel et al., "M4: A Visualization-Oriented Time Series Data Aggregation", VLDB 2014: split
the x range into as many equal-width columns as the plot has pixels across and keep, in
each column, the first, last, lowest and highest point. When the columns are the pixel
columns, a line through those points, in their original order, covers the same pixels as
the line through all of them: inside one column the full line only ever moves between the
column's extremes, and it enters and leaves the column at its first and last point. A
million-step schedule then draws every peak and trough with a few thousand vertices.

Terminal charts (:mod:`lrviz.render.terminal`) use the same columns with ``ends=False``:
only each column's lowest and highest point, one column per braille dot column (the
canvas of :mod:`lrviz.render.braille` puts each column's points in its own dot column and
joins them), which draws the same dots from half as many points.

No matplotlib here: the function is pure numpy, so it can be tested on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

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
    if not (_all_finite(ys) and _all_finite(xs)) or not _sorted(xs):
        return xs, ys
    index, kept = _m4(lambda a, b: xs[a:b], xs.__getitem__, _pieces(ys), len(ys), columns, ends)[0]
    return xs[index], kept


def step_envelope(y: ArrayLike, columns: int, per: int | None = None, *, ends: bool = True) -> tuple[Any, Any]:
    """``envelope(x, y, columns)`` for ``x = arange(len(y))`` (divided by ``per`` when
    given: epochs), the same points, without making ``x``: a trace's steps would take as
    much memory as its values."""
    import numpy as np

    from lrviz import blocks

    if columns < 1:
        raise ValueError(f"columns must be at least 1, got {columns}")
    if isinstance(y, blocks.Row):
        return _row_envelope(y, columns, per, ends)
    ys = np.asarray(y)
    if ys.ndim != 1:
        raise ValueError(f"y must be 1-D, got shape {ys.shape}")

    def x_at(index: Any) -> Any:
        return index / per if per else index

    n = len(ys)
    if n <= (POINTS_PER_COLUMN if ends else EXTREMES_PER_COLUMN) * columns or not _all_finite(ys):
        return x_at(np.arange(n)), ys
    index, kept = _m4(lambda a, b: x_at(np.arange(a, b)), x_at, _pieces(ys), n, columns, ends)[0]
    return x_at(index), kept


def _row_envelope(row: Any, columns: int, per: int | None, ends: bool) -> tuple[Any, Any]:
    """:func:`step_envelope` of a streamed trace's row (:class:`lrviz.blocks.Row`): the
    envelopes of all its trace's rows (LR and momentum, every group) are made in one pass
    over its values, and kept for the next row asked for."""
    import numpy as np

    values = row.values
    source = values.source
    n = len(row)

    def x_at(index: Any) -> Any:
        return index / per if per else index

    key = ("step_envelope", columns, per, ends)
    if key not in source.memo:
        whiches = ["lr"] + (["momentum"] if source.has_momentum else [])
        # as step_envelope: a row with a gap (a non-finite value) is drawn whole
        rows = [(w, g) for w in whiches for g, stats in enumerate(source.stats(w)) if stats.all_finite]
        found: dict[tuple[str, int], Any] = {}
        if rows and n > (POINTS_PER_COLUMN if ends else EXTREMES_PER_COLUMN) * columns:
            pieces = (
                (a, [(lr if which == "lr" else mom)[g] for which, g in rows]) for a, lr, mom in source.blocks(CHUNK)
            )
            reduced = _m4(lambda a, b: x_at(np.arange(a, b)), x_at, pieces, n, columns, ends, len(rows))
            found = dict(zip(rows, reduced, strict=True))
        source.memo[key] = found
    found = source.memo[key]
    if (values.which, row.group) not in found:
        return x_at(np.arange(n)), np.asarray(row)
    index, kept = found[(values.which, row.group)]
    return x_at(index), kept


CHUNK = 1 << 20
"""Points reduced at a time: each chunk's own envelope, then the envelope of those."""


def _all_finite(values: Any) -> bool:
    import numpy as np

    return all(bool(np.isfinite(values[a : a + CHUNK]).all()) for a in range(0, len(values), CHUNK))


def _sorted(xs: Any) -> bool:
    import numpy as np

    # each pair of neighbours (i, i + 1), i from 0 to n - 2, compared once
    last = len(xs) - 1
    return not any(
        bool(np.any(xs[a + 1 : min(a + CHUNK, last) + 1] < xs[a : min(a + CHUNK, last)])) for a in range(0, last, CHUNK)
    )


def _pieces(ys: Any) -> Iterator[tuple[int, list[Any]]]:
    for a in range(0, len(ys), CHUNK):
        yield a, [ys[a : a + CHUNK]]


def _m4(
    x_of: Callable[[int, int], Any],
    x_at: Callable[[Any], Any],
    pieces: Iterable[tuple[int, list[Any]]],
    n: int,
    columns: int,
    ends: bool,
    rows: int = 1,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """The indices M4 keeps and their values, for each of ``rows`` lines of ``n`` points
    given as consecutive chunks (``pieces``: (first index, each line's values there)),
    computed a chunk at a time. Each chunk's envelope keeps, for every column in it, the
    column's first and last point in the chunk and the first holding its lowest and
    highest value there; the whole column's first, last, first lowest and first highest
    point are among those, so the envelope of the kept points (in the same columns) is the
    envelope of all of them."""
    import numpy as np

    x0 = x_of(0, 1)[0]
    span = x_of(n - 1, n)[0] - x0
    kept: list[list[tuple[np.ndarray, np.ndarray]]] = [[] for _ in range(rows)]
    for a, lines in pieces:
        col = _columns(x_of(a, a + len(lines[0])), x0, span, columns)
        for r, ys in enumerate(lines):
            local = _m4_run(col, ys, columns, ends)
            kept[r].append((a + local, ys[local]))
    out = []
    for parts in kept:
        if len(parts) == 1:
            out.append(parts[0])
            continue
        found = np.concatenate([index for index, _ in parts])
        values = np.concatenate([v for _, v in parts])
        chosen = _m4_run(_columns(x_at(found), x0, span, columns), values, columns, ends)
        out.append((found[chosen], values[chosen]))
    return out


def _columns(xs: Any, x0: Any, span: Any, columns: int) -> np.ndarray:
    import numpy as np

    if span > 0:
        # exactly the formula of the docstring, so a test can recompute the columns; it is
        # monotonic in x, so each column is one contiguous run of indices
        col: np.ndarray = np.minimum(np.floor((xs - x0) / span * columns), columns - 1).astype(np.intp)
        return col
    return np.zeros(len(xs), dtype=np.intp)  # every point at one x: all in one column


def _m4_run(col: np.ndarray, ys: Any, columns: int, ends: bool) -> np.ndarray:
    """M4 over points whose columns ``col`` are non-decreasing: the indices kept, sorted."""
    import numpy as np

    n = len(ys)
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
    index: np.ndarray = np.unique(np.concatenate(kept))  # sorted: the original order, each point once
    return index
