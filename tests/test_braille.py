"""lrviz's braille canvas (lrviz/render/braille.py) and the terminal chart drawn with it: dots
where the geometry puts them, lines joined, jumps drawn as strokes, the size asked for."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lrviz
from lrviz.render.braille import Canvas, raster
from lrviz.render.terminal import COLORS, MIN_HEIGHT, MIN_WIDTH, chart

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def braille(dots: set[tuple[int, int]]) -> str:
    """The braille character with ``dots`` raised, each (column 0-1, row 0-3 from the top), by
    the Unicode numbering: dots 1-3 down the left column, 4-6 down the right, 7 and 8 below."""
    number = {(0, 0): 1, (0, 1): 2, (0, 2): 3, (1, 0): 4, (1, 1): 5, (1, 2): 6, (0, 3): 7, (1, 3): 8}
    return chr(0x2800 + sum(1 << (number[d] - 1) for d in dots)) if dots else " "


def expected_cells(dots: set[tuple[int, int]], columns: int, rows: int) -> list[str]:
    """Text rows of a ``columns`` x ``rows`` braille canvas with dots (x, y from the bottom) set."""
    cells: dict[tuple[int, int], set[tuple[int, int]]] = {}
    for x, y in dots:
        top = 4 * rows - 1 - y
        cells.setdefault((top // 4, x // 2), set()).add((x % 2, top % 4))
    return ["".join(braille(cells.get((r, c), set())) for c in range(columns)) for r in range(rows)]


def test_a_diagonal_lands_in_the_braille_cells_its_geometry_gives():
    # 4 x 2 characters are 8 x 8 dots; with limits (0, 8) on both axes, value i + 0.5 is the
    # middle of dot i, so the line from (0.5, 0.5) to (7.5, 7.5) raises dots (i, i)
    canvas = Canvas(4, 2)
    canvas.line(np.array([0.5, 7.5]), np.array([0.5, 7.5]), xlim=(0, 8), ylim=(0, 8))
    assert canvas.lines(color=False) == expected_cells({(i, i) for i in range(8)}, 4, 2)


def test_a_horizontal_line_sits_in_the_dot_row_of_its_value():
    canvas = Canvas(3, 2)
    canvas.line(np.array([0.0, 6.0]), np.array([5.2, 5.2]), xlim=(0, 6), ylim=(0, 8))
    assert canvas.lines(color=False) == expected_cells({(x, 5) for x in range(6)}, 3, 2)


def test_a_vertical_jump_is_a_stroke():
    # high for four dot columns, then low: the drop between columns 3 and 4 sets every dot row
    grid = raster(np.array([0, 3, 4, 7]), np.array([7, 7, 0, 0]), 8, 8)
    assert grid[:, 3:5].any(axis=1).all()
    assert grid[0, :4].all() and grid[-1, 4:].all()  # and the level parts are whole
    # through the chart: a StepLR drop fills every plot row of its panel
    text = chart(lrviz.trace("StepLR(step_size=50)", 100), width=60, height=16, color=False)
    lines = text.splitlines()
    top = next(i for i, line in enumerate(lines) if "┌" in line)
    bottom = next(i for i, line in enumerate(lines) if "└" in line)
    plot = [
        line[line.index("│") + 1 if "┤" not in line else line.index("┤") + 1 : -1] for line in lines[top + 1 : bottom]
    ]
    assert plot and all(any(0x2801 <= ord(ch) <= 0x28FF for ch in row) for row in plot)


def test_consecutive_points_are_always_joined():
    rng = np.random.default_rng(0)
    x = np.sort(rng.uniform(0, 39, 30))
    y = rng.uniform(0, 19, 30)
    grid = raster(x, y, 40, 20)
    xi = np.floor(x + 0.5).astype(int)
    # every dot column between the first point and the last holds a dot
    assert grid[:, xi[0] : xi[-1] + 1].any(axis=0).all()


def test_half_blocks_and_plain_characters_draw_at_their_resolution():
    canvas = Canvas(3, 1)
    canvas.line(np.array([0.0, 6.0]), np.array([0.5, 0.5]), xlim=(0, 6), ylim=(0, 2), marker="hd")
    assert canvas.lines(color=False) == ["▄▄▄"]  # the lower quadrant row of each character
    canvas = Canvas(3, 2)
    canvas.line(np.array([0.0, 3.0]), np.array([1.5, 1.5]), xlim=(0, 3), ylim=(0, 2), marker="•")
    assert canvas.lines(color=False) == ["•••", "   "]


def test_a_later_series_takes_over_the_characters_it_touches_with_its_colour():
    canvas = Canvas(4, 1)
    canvas.line(np.array([0.0, 4.0]), np.array([0.5, 0.5]), xlim=(0, 4), ylim=(0, 1), marker="x", color=32)
    canvas.line(np.array([2.5, 3.5]), np.array([0.5, 0.5]), xlim=(0, 4), ylim=(0, 1), marker="o", color=166)
    assert canvas.lines(color=False) == ["xxoo"]
    assert canvas.lines(color=True) == ["\x1b[38;5;32mxx\x1b[0m\x1b[38;5;166moo\x1b[0m"]


def _all_kinds() -> list[lrviz.Trace]:
    return [
        lrviz.trace("StepLR(step_size=30)", 100),
        lrviz.trace("OneCycleLR(max_lr=0.1, total_steps=300)", 300),  # two panels
        lrviz.trace("CyclicLR(base_lr=0.001, max_lr=0.1, step_size_up=5)", 10_000),  # a solid band
        lrviz.trace("StepLR(step_size=30)", 100, group_lrs=(0.1, 0.01, 0.001)),  # a legend
    ]


@pytest.mark.parametrize("color", [False, True])
@pytest.mark.parametrize(("width", "height"), [(80, 24), (MIN_WIDTH, MIN_HEIGHT), (110, 30), (45, 13), (200, 60)])
def test_the_chart_is_exactly_the_size_asked_for(width, height, color):
    for t in _all_kinds():
        for log in (False, True):
            text = chart(t, width=width, height=height, color=color, log=log)
            lines = ANSI.sub("", text).splitlines()
            assert len(lines) == height, (t.label, log, text)
            assert max(len(line) for line in lines) == width  # the frame spans it
            assert not any(line != line.rstrip() for line in text.splitlines())  # no trailing space
            assert bool(ANSI.search(text)) is color


def test_too_small_a_size_is_raised_to_the_minimum():
    lines = chart(lrviz.trace("StepLR(step_size=30)", 100), width=5, height=2, color=False).splitlines()
    assert len(lines) == MIN_HEIGHT and max(len(line) for line in lines) == MIN_WIDTH


def test_colour_is_the_palette_s_and_only_when_asked():
    a = lrviz.trace("CosineAnnealingLR(T_max=100)", 100, label="a")
    b = lrviz.trace("StepLR(step_size=30)", 100, label="b")
    coloured = chart([a, b], width=80, height=20)
    assert {int(c) for c in re.findall(r"\x1b\[38;5;(\d+)m", coloured)} == set(COLORS[:2])
    assert "\x1b" not in chart([a, b], width=80, height=20, color=False)


def test_legend_glyphs_are_distinct_for_every_marker():
    groups = tuple(0.1 / (i + 1) for i in range(8))
    t = lrviz.trace("StepLR(step_size=30)", 100, group_lrs=groups)
    text = chart(t, width=90, height=30, color=False)
    glyphs = re.findall(r"(?:^|\s)(\S)\1 .*? group (\d)", text, re.M)
    assert sorted(int(g) for _, g in glyphs) == list(range(8))
    assert len({glyph for glyph, _ in glyphs}) == 8


def test_a_y_tick_labels_the_row_its_value_is_drawn_in():
    text = chart(lrviz.trace("ConstantLR(factor=1.0)", 50), width=40, height=12, color=False)
    (row,) = [line for line in text.splitlines() if "┤" in line]
    assert row.startswith("0.1┤") and all(0x2801 <= ord(ch) <= 0x28FF for ch in row[4:-1])


def test_x_tick_marks_sit_at_their_columns():
    text = chart(lrviz.trace("StepLR(step_size=30)", 101), width=50, height=12, color=False)
    frame = next(line for line in text.splitlines() if "└" in line)
    under = text.splitlines()[text.splitlines().index(frame) + 1]
    left = frame.index("└") + 1
    marks = [i - left for i, ch in enumerate(frame) if ch == "┬"]
    # ticks 0, 50 and 100 of 0..100 over the plot's columns: the first, middle and last
    assert marks == [0, (len(frame) - left - 1) // 2, len(frame) - left - 2]
    assert under[left] == "0" and under.rstrip().endswith("100")


def test_values_that_cannot_be_drawn_are_skipped():
    t = lrviz.trace("OneCycleLR(max_lr=0.1, total_steps=100)", 100)
    lr = t.lr.copy()
    lr[0, 10:20] = np.nan
    lr[0, 50] = np.inf
    lr[0, 60] = -np.inf
    text = chart(replace(t, lr=lr), width=60, height=20, color=False)
    assert "nan" not in text and "inf" not in text and "learning rate" in text
    log = chart(lrviz.trace("LinearLR(start_factor=1.0, end_factor=0.0, total_iters=100)", 101), log=True, color=False)
    assert "learning rate" in log  # the final 0 has no place on a log scale


def test_user_text_cannot_drive_the_terminal():
    t = lrviz.trace("StepLR(step_size=30)", 100, group_lrs=(0.1, 0.01), label="x\x1b[2J\x07y")
    text = chart(t, width=60, height=16, color=False, title="\x1b]52;c;AAAA\x07 title")
    assert "\x1b" not in text and "\x07" not in text
    # a label from bytes that were not UTF-8 (a lone surrogate) is drawn, not a crash
    t = lrviz.trace("StepLR(step_size=30)", 100, group_lrs=(0.1, 0.01), label="a\udcffb")
    assert "a\udcffb group 0" in chart(t, width=60, height=16, color=False)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False), min_size=1, max_size=200),
    st.integers(1, 30),
    st.integers(1, 12),
)
def test_raster_joins_any_line_and_stays_on_its_grid(values, columns, rows):
    y = np.asarray(values)
    x = np.linspace(0, columns - 1, len(y))
    low, high = float(y.min()), float(y.max())
    gy = (y - low) / (high - low) * (rows - 1) if high > low else np.zeros_like(y)
    grid = raster(x, gy, columns, rows)
    assert grid.shape == (rows, columns) and grid.any()
    xi = np.floor(x + 0.5).astype(int)
    assert grid[:, xi[0] : xi[-1] + 1].any(axis=0).all()


def test_the_legend_goes_to_the_corner_it_covers_least_of():
    """Two decays start at the top left and end low: the legend's rows sit at the top right,
    where nothing is drawn, not over the curves; the emptiest corner is computed on the canvas."""
    a = lrviz.trace("ExponentialLR(gamma=0.95)", 100, label="decay")
    b = lrviz.trace("StepLR(step_size=30, gamma=0.5)", 100, label="steps")
    lines = chart([a, b], width=80, height=24, color=False).splitlines()
    rows = [line for line in lines[1:] if "decay" in line or "steps" in line]  # not the title
    assert len(rows) == 2
    plot = [re.fullmatch(r"[^│┤]*[│┤](.*)│", line).group(1) for line in rows]  # type: ignore[union-attr]
    for line in plot:
        assert line.rstrip().endswith(("decay", "steps")), line
        assert line.find("decay" if "decay" in line else "steps") > len(line) // 2, line
    canvas = Canvas(10, 4)
    canvas.text(0, 0, "x")  # ink at the top left only
    assert canvas.emptiest_corner(2, 3) == (0, 7)
    canvas.text(0, 9, "x")
    assert canvas.emptiest_corner(2, 3) == (2, 0)
