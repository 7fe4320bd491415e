"""Terminal charts (`--terminal`, `lrviz show`): sized to the terminal, LR and momentum in
their own units against steps or epochs, colour only when wanted, every peak kept."""

from __future__ import annotations

import re
import sys

import numpy as np
import pytest
from clirun import run_ok
from hypothesis import given, settings
from hypothesis import strategies as st

import lrviz
from lrviz.render.envelope import envelope
from lrviz.render.terminal import chart, fmt, nice_ticks

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _ticks(text: str) -> list[float]:
    """The y tick labels of a chart: the numbers left of the axis."""
    return [float(m.group(1).replace(",", "")) for m in re.finditer(r"^\s*([-0-9.e+,]+)┤", text, re.M)]


def test_a_chart_has_a_title_axes_and_fits_its_width():
    t = lrviz.trace("StepLR(step_size=30, gamma=0.1)", 100)
    text = chart(t, width=70, height=18, color=False)
    lines = text.splitlines()
    assert lines[0].strip().startswith("StepLR(step_size=30, gamma=0.1)")
    assert "SGD(lr=0.1" in lines[0]
    assert "learning rate" in text and "step" in lines[-1]
    assert max(len(line) for line in lines) <= 70
    assert "momentum" not in "\n".join(lines[1:])  # StepLR leaves SGD's momentum alone: no panel
    assert not ANSI.search(text)


def test_y_ticks_are_in_lr_units_within_the_trace():
    t = lrviz.trace("CyclicLR(base_lr=0.001, max_lr=0.006, step_size_up=50)", 200)
    text = chart(t, width=80, height=20, color=False)
    lr_part = text.split("learning rate")[0]
    ticks = _ticks(lr_part)
    low, high = float(t.lr.min()), float(t.lr.max())
    assert len(ticks) >= 3
    assert all(low - 1e-12 <= v <= high + 1e-12 for v in ticks)
    assert max(ticks) - min(ticks) >= 0.6 * (high - low)


def test_momentum_panel_when_momentum_moves():
    t = lrviz.trace("OneCycleLR(max_lr=0.1, total_steps=100)", 100)
    text = chart(t, width=80, height=26, color=False)
    assert "momentum" in text
    momentum_part = text.split("learning rate")[1]
    ticks = _ticks(momentum_part)
    assert ticks and all(float(t.momentum.min()) - 1e-12 <= v <= float(t.momentum.max()) + 1e-12 for v in ticks)
    adam = lrviz.trace("OneCycleLR(max_lr=0.1, total_steps=100)", 100, optimizer="adam")
    assert "β1" in chart(adam, width=80, height=26, color=False)


def test_epochs_on_the_x_axis_with_steps_per_epoch():
    t = lrviz.trace("StepLR(step_size=300)", 1000, steps_per_epoch=100)
    text = chart(t, width=80, height=16, color=False)
    assert text.splitlines()[-1].strip().endswith("epoch") or "epoch" in text.splitlines()[-1]
    assert "1,000" not in text  # the axis counts epochs (0..10), not steps


def test_several_schedules_have_a_legend_and_colours():
    a = lrviz.trace("CosineAnnealingLR(T_max=100)", 100, label="cosine")
    b = lrviz.trace("StepLR(step_size=30)", 100, label="step")
    plain = chart([a, b], width=80, height=20, color=False)
    assert "cosine" in plain and "step" in plain and "cosine vs step" in plain.splitlines()[0]
    coloured = chart([a, b], width=80, height=20, color=True)
    codes = set(re.findall(r"\x1b\[38;5;(\d+)m", coloured))
    assert len(codes) >= 2  # one colour per schedule
    assert [line.rstrip() for line in ANSI.sub("", coloured).splitlines()] == plain.splitlines()


def test_param_groups_are_separate_lines():
    t = lrviz.trace("StepLR(step_size=30)", 100, group_lrs=(0.1, 0.01))
    text = chart(t, width=80, height=20, color=False)
    assert "group 0" in text and "group 1" in text


def test_a_million_steps_keep_every_peak():
    # CyclicLR peaks are single steps: a plain subsample would miss most of them
    t = lrviz.trace("CyclicLR(base_lr=0.1, max_lr=0.2, step_size_up=499, step_size_down=1)", 20_000)
    x, y = envelope(t.x, t.lr[0], 160, ends=False)
    assert len(y) <= 320
    assert y.max() == t.lr[0].max() and y.min() == t.lr[0].min()
    peaks = np.flatnonzero(t.lr[0] == t.lr[0].max())
    kept = set(x.astype(int).tolist())
    assert all(int(p) in kept for p in peaks)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=1, max_size=3000), st.integers(1, 200))
def test_envelope_keeps_order_extremes_and_size(values, buckets):
    y = np.asarray(values)
    x = np.arange(len(y), dtype=float)
    xs, ys = envelope(x, y, buckets, ends=False)
    assert len(ys) <= max(2 * buckets, len(y))
    assert ys.max() == y.max() and ys.min() == y.min()
    assert np.all(np.diff(xs) > 0)  # a subsequence, in order
    assert np.array_equal(y[xs.astype(int)], ys)


@given(st.floats(-1e6, 1e6), st.floats(1e-9, 1e6), st.integers(2, 10))
def test_nice_ticks_lie_in_the_range(low, span, count):
    high = low + span
    ticks = nice_ticks(low, high, count)
    assert ticks and all(low - span * 1e-6 <= v <= high + span * 1e-6 for v in ticks)
    assert len(ticks) <= count + 1


def test_tick_labels_are_short():
    assert fmt(0) == "0" and fmt(0.1) == "0.1" and fmt(2.5e-5) == "2.5e-05" and fmt(1000) == "1,000"


# --------------------------------------------------------------------------------------
# The command line


def test_show_draws_in_the_terminal_and_writes_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "90")
    monkeypatch.setenv("LINES", "30")
    out, err = run_ok(capsys, "show", "cycliclr", "--base-lr", "0.1", "--max-lr", "0.2", "-n", "120")
    assert "learning rate" in out and "momentum" in out
    assert max(len(line) for line in out.splitlines()) <= 90
    assert err.startswith("lrviz: CyclicLR") and "peak" in err and "final" in err  # the figures" summary line
    assert list(tmp_path.iterdir()) == []
    assert not ANSI.search(out)  # not a terminal: no colour


def test_plot_terminal_with_out_does_both(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    out, _ = run_ok(capsys, "plot", "steplr", "--step-size", "30", "--terminal", "-o", "s.png")
    assert "learning rate" in out and out.rstrip().endswith("s.png")
    assert (tmp_path / "s.png").stat().st_size > 0


def test_compare_terminal_overlays_with_labels(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    out, _ = run_ok(
        capsys, "compare", "steplr", "--step-size", "30", "exponentiallr", "--gamma", "0.95", "-n", "100", "-t"
    )
    assert "StepLR" in out and "ExponentialLR" in out
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("no_color", "coloured"), [("", True), ("1", False)])
def test_colour_respects_no_color_on_a_terminal(tmp_path, monkeypatch, capsys, no_color, coloured):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", no_color)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    out, _ = run_ok(capsys, "show", "steplr", "--step-size", "30")
    assert bool(ANSI.search(out)) is coloured


def test_the_size_asked_for_is_used_even_in_a_narrow_terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "50")  # the chart's size is what is asked, not the terminal's
    text = chart(lrviz.trace("StepLR(step_size=30)", 100), width=120, height=20, color=False)
    assert max(len(line) for line in text.splitlines()) == 120


def test_without_colour_each_series_has_its_own_glyph_in_the_chart_and_the_legend():
    a = lrviz.trace("CosineAnnealingLR(T_max=100)", 100, label="cosine")
    b = lrviz.trace("StepLR(step_size=30)", 100, label="step")
    c = lrviz.trace("LinearLR(total_iters=100)", 100, label="linear")
    text = chart([a, b, c], width=80, height=20, color=False)
    lines = text.splitlines()[1:]  # past the title
    legend = {}
    for line in lines:
        match = re.search(r"(\S+) (cosine|step|linear)\b", line)
        if match:
            legend[match[2]] = match[1]
    assert len(legend) == 3 and len(set(legend.values())) == 3, legend  # a glyph of its own each
    plot = "\n".join(line for line in lines if not re.search(r"(cosine|step|linear)\b", line))
    braille = {ch for ch in plot if 0x2801 <= ord(ch) <= 0x28FF}
    blocks = {ch for ch in plot if ch in "▀▄▖▗▘▙▚▛▜▝▞▟"}
    assert braille and blocks and "•" in plot  # and the chart draws with those glyphs


def test_lr_and_momentum_panels_line_up():
    # the LR's tick labels (7.5e-05) are wider than the momentum's (0.9): padded to one width
    t = lrviz.trace("OneCycleLR(max_lr=0.0001, total_steps=1000)", 1000)
    text = chart(t, width=80, height=24, color=False)
    columns = {line.index("┤") for line in text.splitlines() if "┤" in line}
    corners = {line.index("┌") for line in text.splitlines() if "┌" in line}
    assert len(columns) == 1 and len(corners) == 1 and columns == corners
