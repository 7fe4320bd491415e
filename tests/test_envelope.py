"""Long lines are drawn as their M4 envelope: the reduction keeps what a plot shows (every
column's first, last, lowest and highest point), and a million-step figure keeps every
peak, trough and axis limit of the full trace while drawing a few thousand vertices."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from layout import legend_of

import lrviz
from lrviz.render import figure
from lrviz.render.envelope import EXTREMES_PER_COLUMN, POINTS_PER_COLUMN, envelope

# one worker traces the million-step schedules (module fixtures) once
pytestmark = pytest.mark.xdist_group("long-traces")

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --------------------------------------------------------------------------------------
# envelope itself


def _columns_of(x: np.ndarray, x0: float, span: float, columns: int) -> np.ndarray:
    """The column of each x, by the formula envelope's docstring promises."""
    if span == 0:
        return np.zeros(len(x), dtype=int)
    return np.minimum(np.floor((x - x0) / span * columns), columns - 1).astype(int)


def _embedding(x: np.ndarray, y: np.ndarray, xr: np.ndarray, yr: np.ndarray) -> None:
    """Fails unless the output's (x, y) points are a subsequence of the input's (matched
    greedily: with repeated points the earliest match, which exists if any does)."""
    j = 0
    for a, b in zip(xr.tolist(), yr.tolist(), strict=True):
        while j < len(x) and not (x[j] == a and y[j] == b):
            j += 1
        assert j < len(x), f"({a}, {b}) is not an input point in order"
        j += 1


@st.composite
def signals(draw: st.DrawFn) -> np.ndarray:
    n = draw(st.one_of(st.integers(0, 6), st.integers(0, 4000)))  # tiny arrays too
    kind = draw(st.sampled_from(["walk", "sawtooth", "constant", "spikes", "floats"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if kind == "walk":
        return np.cumsum(rng.normal(size=n)) * draw(st.floats(1e-6, 1e6))
    if kind == "sawtooth":
        period = draw(st.integers(1, 600))
        up = draw(st.integers(1, period))
        phase = np.arange(n) % period
        return np.where(phase < up, phase / up, (period - phase) / max(period - up, 1)) * draw(st.floats(-10, 10))
    if kind == "constant":
        return np.full(n, draw(st.floats(-1e300, 1e300)))
    if kind == "spikes":  # one-sample spikes up and down on a flat or slowly varying line
        y = np.full(n, 1.0) + (np.linspace(0, 1, n) if draw(st.booleans()) else 0.0)
        k = draw(st.integers(0, min(n, 20)))
        at = rng.choice(n, size=k, replace=False) if k else np.empty(0, dtype=int)
        y[at] += rng.choice([-1.0, 1.0], size=k) * rng.uniform(1, 100, size=k)
        return y
    return draw(hnp.arrays(np.float64, n, elements=st.floats(-1e12, 1e12, allow_nan=False)))


@st.composite
def lines(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, int]:
    y = draw(signals())
    n = len(y)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    kind = draw(st.sampled_from(["steps", "epochs", "uneven", "repeats", "one x"]))
    if kind == "steps":
        x: np.ndarray = np.arange(n) + draw(st.integers(-1000, 1000))
    elif kind == "epochs":
        x = np.arange(n) / draw(st.integers(1, 500))
    elif kind == "uneven":
        x = np.cumsum(rng.exponential(size=n)) * draw(st.floats(1e-3, 1e3))
    elif kind == "repeats":  # the same x several times in a row
        x = np.cumsum(rng.integers(0, 3, size=n)).astype(float)
    else:
        x = np.full(n, 7.0)
    columns = draw(st.one_of(st.integers(1, 8), st.integers(1, 400)))
    return x, y, columns


@SETTINGS
@given(lines())
def test_every_column_keeps_its_first_last_min_and_max(line):
    x, y, columns = line
    xr, yr = envelope(x, y, columns)
    if len(x) <= POINTS_PER_COLUMN * columns:  # nothing to reduce: the input as it is
        assert xr is x and yr is y
        return
    assert len(xr) == len(yr) <= POINTS_PER_COLUMN * columns
    assert np.all(np.diff(xr) >= 0)
    _embedding(x, y, xr, yr)  # a subsequence of the input points
    assert (xr[0], yr[0], xr[-1], yr[-1]) == (x[0], y[0], x[-1], y[-1])
    span = x[-1] - x[0]
    col_in = _columns_of(x, x[0], span, columns)
    col_out = _columns_of(xr, x[0], span, columns)
    assert set(col_out.tolist()) == set(col_in.tolist())
    for c in np.unique(col_in):
        full, reduced = y[col_in == c], yr[col_out == c]
        assert len(reduced) <= POINTS_PER_COLUMN
        assert reduced.min() == full.min() and reduced.max() == full.max()
        assert (xr[col_out == c][0], reduced[0]) == (x[col_in == c][0], full[0])
        assert (xr[col_out == c][-1], reduced[-1]) == (x[col_in == c][-1], full[-1])


@SETTINGS
@given(lines())
def test_without_ends_every_column_keeps_its_min_and_max(line):
    """ends=False (terminal charts): each column's first lowest and first highest point only."""
    x, y, columns = line
    xr, yr = envelope(x, y, columns, ends=False)
    if len(x) <= EXTREMES_PER_COLUMN * columns:
        assert xr is x and yr is y
        return
    _embedding(x, y, xr, yr)
    span = x[-1] - x[0]
    col_in = _columns_of(x, x[0], span, columns)
    expected = []
    for c in np.unique(col_in):
        at = np.flatnonzero(col_in == c)
        expected += sorted({int(at[np.argmin(y[at])]), int(at[np.argmax(y[at])])})
    assert xr.tolist() == x[expected].tolist() and yr.tolist() == y[expected].tolist()
    assert len(xr) <= EXTREMES_PER_COLUMN * columns


@SETTINGS
@given(lines(), st.sampled_from([np.nan, np.inf, -np.inf]), st.data())
def test_a_non_finite_value_leaves_the_line_as_it_is(line, bad, data):
    x, y, columns = line
    if len(y) == 0:
        return
    y = y.copy()
    y[data.draw(st.integers(0, len(y) - 1))] = bad
    xr, yr = envelope(x, y, columns)
    assert xr is x and yr is y


def test_a_long_line_shrinks_and_keeps_its_extremes():
    rng = np.random.default_rng(1)
    y = np.cumsum(rng.normal(size=1_000_000))
    x = np.arange(len(y))
    xr, yr = envelope(x, y, 1000)
    assert len(xr) <= 4000
    assert (yr.min(), yr.max(), yr[0], yr[-1]) == (y.min(), y.max(), y[0], y[-1])


def test_unsorted_x_is_left_as_it_is():
    x = np.arange(100.0)[::-1]
    y = np.sin(x)
    xr, yr = envelope(x, y, 3)
    assert xr is x and yr is y


def test_bad_arguments():
    with pytest.raises(ValueError, match="columns"):
        envelope([1, 2], [1, 2], 0)
    with pytest.raises(ValueError, match="same length"):
        envelope([1, 2, 3], [1, 2], 10)


# --------------------------------------------------------------------------------------
# Figures of a long trace

LONG = "CyclicLR(base_lr=0.00025, max_lr=0.001, cycle_momentum=False, mode='triangular2', step_size_up=102000)"


@pytest.fixture(scope="module")
def long_trace():
    return lrviz.trace(LONG, steps=1_343_000, optimizer="adam", lr=0.001)


@pytest.fixture(scope="module")
def two_long():
    return [
        lrviz.trace("CosineAnnealingLR(T_max=400000)", steps=400_000),
        lrviz.trace("CyclicLR(base_lr=0.01, max_lr=0.1, step_size_up=40000)", steps=400_000),
    ]


def _lines(ax):
    return [line for line in ax.get_lines() if len(line.get_xdata()) > 2]


def _full_lines(monkeypatch):
    """Draw every point, as lrviz did before the envelope."""
    monkeypatch.setattr(figure, "_envelope", lambda ax, x, y: (np.asarray(x), np.asarray(y)))


def _turns(y: np.ndarray) -> np.ndarray:
    """Indices of the local peaks and troughs."""
    inner = y[1:-1]
    peaks = (inner > y[:-2]) & (inner >= y[2:])
    troughs = (inner < y[:-2]) & (inner <= y[2:])
    return np.flatnonzero(peaks | troughs) + 1


def test_the_long_figure_draws_every_peak_and_trough(long_trace):
    t = long_trace
    fig = lrviz.plot(t)
    (line,) = _lines(fig.axes[0])
    xd, yd = np.asarray(line.get_xdata()), np.asarray(line.get_ydata())
    y = t.lr[0]
    assert len(yd) < t.n_steps / 100
    assert (yd.min(), yd.max()) == (y.min(), y.max())
    assert (xd[0], yd[0], xd[-1], yd[-1]) == (t.x[0], y[0], t.x[-1], y[-1])
    turns = _turns(y)
    assert len(turns) > 2  # the schedule does cycle
    drawn = set(zip(xd.tolist(), yd.tolist(), strict=True))
    missing = [(int(i), float(y[i])) for i in turns if (float(t.x[i]), float(y[i])) not in drawn]
    assert not missing


@pytest.mark.parametrize("log", [False, True])
def test_the_envelope_leaves_the_axis_limits_alone(long_trace, monkeypatch, log):
    fig = lrviz.plot(long_trace, log=log)
    low, high = fig.axes[0].get_ylim()
    assert low <= long_trace.lr.min() and high >= long_trace.lr.max()
    _full_lines(monkeypatch)
    full = lrviz.plot(long_trace, log=log)
    assert fig.axes[0].get_ylim() == full.axes[0].get_ylim()
    assert fig.axes[0].get_xlim() == full.axes[0].get_xlim()


def test_annotations_read_the_full_trace(long_trace, monkeypatch):
    def texts(f):
        return sorted((a.get_text(), a.xy) for a in f.axes[0].texts)

    fig = lrviz.plot(long_trace, annotate=True)
    _full_lines(monkeypatch)
    full = lrviz.plot(long_trace, annotate=True)
    assert texts(fig) and texts(fig) == texts(full)


def test_the_long_svg_is_small(long_trace):
    svg = figure.to_bytes(lrviz.plot(long_trace), "svg")
    assert len(svg) < 300_000


def _markers(svg: bytes) -> dict[str, list[tuple[float, float]]]:
    """Where each marker shape is placed in an SVG: matplotlib defines a shape once and
    <use>s it at every position."""
    out: dict[str, list[tuple[float, float]]] = {}
    for ref, x, y in re.findall(rb'<use xlink:href="#(m[0-9a-f]+)" x="([-\d.]+)" y="([-\d.]+)"', svg):
        out.setdefault(ref.decode(), []).append((float(x), float(y)))
    return out


def test_a_long_comparison_keeps_its_markers_and_legend(two_long, monkeypatch):
    fig = lrviz.plot(two_long)
    lines = _lines(fig.axes[0])
    assert len(lines) == 2 and all(len(line.get_xdata()) < 400_000 / 50 for line in lines)
    assert lines[1].get_marker() not in (None, "None", "") and lines[1].get_markevery() is not None
    assert [t.get_text() for t in legend_of(fig).get_texts()] == [t.label for t in two_long]
    marks = _markers(figure.to_bytes(fig, "svg"))
    _full_lines(monkeypatch)
    full_marks = _markers(figure.to_bytes(lrviz.plot(two_long), "svg"))
    # markevery as a fraction counts along the drawn path, which the envelope keeps: the
    # same markers, within a pixel or so of where the full line puts them
    assert sorted(len(v) for v in marks.values()) == sorted(len(v) for v in full_marks.values())
    assert sum(len(v) for v in marks.values()) > 10
    for here, there in zip(sorted(marks.values()), sorted(full_marks.values()), strict=True):
        np.testing.assert_allclose(sorted(here), sorted(there), atol=2)


def test_grid_cells_are_reduced_on_the_same_scales(two_long, monkeypatch):
    fig = lrviz.plot(two_long, layout="grid")
    lr_axes = [ax for ax in fig.axes if ax.get_ylabel() == "learning rate"]
    assert len(lr_axes) == 2
    for ax, t in zip(lr_axes, two_long, strict=True):
        (line,) = _lines(ax)
        assert len(line.get_ydata()) < t.n_steps / 50
        assert (min(line.get_ydata()), max(line.get_ydata())) == (t.lr.min(), t.lr.max())
    _full_lines(monkeypatch)
    full = lrviz.plot(two_long, layout="grid")
    assert [ax.get_ylim() for ax in fig.axes] == [ax.get_ylim() for ax in full.axes]


def test_a_long_metric_is_reduced_too():
    rng = np.random.default_rng(0)
    n = 300_000
    metric = np.exp(-np.arange(n) / 60_000) + rng.normal(0, 0.01, n)
    t = lrviz.trace("ReduceLROnPlateau(patience=1000, factor=0.5)", steps=n, metric=metric)
    fig = lrviz.plot(t)
    (line,) = _lines(fig.axes[-1])
    assert len(line.get_ydata()) < n / 10
    assert (min(line.get_ydata()), max(line.get_ydata())) == (t.metric.min(), t.metric.max())
