"""Figures, tested through the data they plot."""

from __future__ import annotations

import numpy as np
import pytest
from layout import legend_of
from pinned import requires_pinned

import lrviz
from lrviz import registry
from lrviz.errors import LrvizError
from lrviz.registry import entries as registry_entries
from lrviz.render import figure
from lrviz.render import ticks as tick_text
from lrviz.schedule import piecewise


def _lines(ax):
    return [line for line in ax.get_lines() if len(line.get_xdata()) > 2]


def test_lr_and_momentum_panels_plot_the_trace():
    t = lrviz.trace("CyclicLR(base_lr=0.1, max_lr=0.2, step_size_up=30, step_size_down=10)")
    fig = lrviz.plot(t)
    lr_ax, mom_ax = fig.axes
    (lr_line,) = _lines(lr_ax)
    np.testing.assert_array_equal(lr_line.get_ydata(), t.lr[0])
    np.testing.assert_array_equal(lr_line.get_xdata(), np.arange(t.n_steps))
    (mom_line,) = _lines(mom_ax)
    np.testing.assert_array_equal(mom_line.get_ydata(), t.momentum[0])
    assert lr_ax.get_ylabel() == "learning rate"
    assert mom_ax.get_ylabel() == "momentum"
    assert mom_ax.get_xlabel() == "step"
    assert fig.get_suptitle() == "CyclicLR"


@pytest.mark.parametrize("max_lr", [3e-5, 0.004, 7e-9])
def test_small_learning_rates_are_scaled_by_a_unicode_power_of_ten_without_mathtext(max_lr):
    import math

    from matplotlib.text import Text

    t = lrviz.trace(f"OneCycleLR(max_lr={max_lr!r}, total_steps=200)", steps=200)
    fig = lrviz.plot(t)
    figure.to_bytes(fig, "png", 50)  # draws it: ticks and the scale factor are set
    order = math.floor(math.log10(max(t.lr[0])))
    superscript = str(order).translate(str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻"))
    assert fig.axes[0].yaxis.get_offset_text().get_text() == f"×10{superscript}"
    ticks = [float(label.get_text().replace("−", "-")) * 10.0**order for label in fig.axes[0].get_yticklabels()]
    np.testing.assert_allclose(ticks, fig.axes[0].get_yticks(), rtol=1e-9, atol=1e-300)
    assert not [text.get_text() for text in fig.findobj(Text) if "$" in text.get_text()]


def test_a_million_steps_are_counted_in_millions_on_the_x_axis_without_a_factor():
    t = lrviz.trace("StepLR(step_size=300000)", steps=1_200_000)
    fig = lrviz.plot(t)
    figure.to_bytes(fig, "png", 50)
    axis = fig.axes[-1].xaxis
    assert axis.get_offset_text().get_text() == ""
    labels = [label.get_text() for label in axis.get_ticklabels()]
    assert all(text == "0" or text.endswith("M") for text in labels), labels
    values = [float(text.rstrip("M")) * 1e6 for text in labels]
    np.testing.assert_allclose(values, fig.axes[-1].get_xticks())


def test_adam_shows_beta1():
    t = lrviz.trace("OneCycleLR(max_lr=0.01, total_steps=100)", optimizer="adam")
    fig = lrviz.plot(t)
    assert "β₁" in fig.axes[1].get_ylabel()
    np.testing.assert_array_equal(_lines(fig.axes[1])[0].get_ydata(), t.momentum[0])


def test_no_momentum_panel_when_momentum_is_constant():
    fig = lrviz.plot(lrviz.trace("StepLR(step_size=30)"))
    assert len(fig.axes) == 1


def test_one_line_per_group_with_a_legend():
    t = lrviz.trace("StepLR(step_size=5)", 20, group_lrs=[0.01, 0.0001])
    fig = lrviz.plot(t)
    lines = _lines(fig.axes[0])
    assert len(lines) == 2
    for g, line in enumerate(lines):
        np.testing.assert_array_equal(line.get_ydata(), t.lr[g])
    labels = [text.get_text() for text in legend_of(fig).get_texts()]
    assert labels == ["group 0 (lr=0.01)", "group 1 (lr=0.0001)"]


def test_epochs_on_the_x_axis_and_log_scale():
    t = lrviz.trace("ExponentialLR(gamma=0.99)", 200, steps_per_epoch=50)
    fig = lrviz.plot(t, log=True)
    ax = fig.axes[0]
    np.testing.assert_allclose(_lines(ax)[0].get_xdata(), np.arange(200) / 50)
    assert ax.get_xlabel() == "epoch"
    assert ax.get_yscale() == "log"


def test_title_size_and_warning_text():
    t = lrviz.trace("ExponentialLR(gamma=-0.5)", 10)
    fig = lrviz.plot(t, title="My schedule", size=(6, 3))
    assert fig.get_suptitle() == "My schedule"
    assert tuple(fig.get_size_inches()) == (6, 3)
    texts = [fig.get_supxlabel()] if hasattr(fig, "get_supxlabel") else []
    assert any("negative" in text for text in texts)


def test_plateau_draws_its_metric():
    t = lrviz.trace("ReduceLROnPlateau(patience=3)", 60)
    fig = lrviz.plot(t)
    metric_ax = fig.axes[-1]
    np.testing.assert_array_equal(_lines(metric_ax)[0].get_ydata(), t.metric)
    assert any(e.kind == "reduction" for e in t.events)


@pytest.mark.parametrize("fmt,magic", [("png", b"\x89PNG"), ("svg", b"<?xml"), ("pdf", b"%PDF")])
def test_serialisation(fmt, magic):
    fig = lrviz.plot(lrviz.trace("StepLR(step_size=3)", 10))
    data = figure.to_bytes(fig, fmt)
    assert data.startswith(magic)


def test_svg_is_deterministic_and_dateless():
    def render() -> bytes:
        return figure.to_bytes(lrviz.plot(lrviz.trace("CosineAnnealingLR(T_max=20)")), "svg")

    first, second = render(), render()
    assert first == second
    assert b"<dc:date>" not in first


def test_bad_options():
    with pytest.raises(LrvizError, match="WIDTHxHEIGHT"):
        figure.parse_size("big")
    with pytest.raises(LrvizError, match="did you mean 'ggplot'"):
        figure.check_style("ggplt")
    with pytest.raises(LrvizError, match="format"):
        figure.format_of("out.gif")


# --------------------------------------------------------------------------------------
# Truthful shapes: steps where the LR holds between jumps, lines elsewhere


def _lr_line(fig):
    (line,) = _lines(fig.axes[0])
    return line


@pytest.mark.parametrize("entry", [e for e in registry_entries() if e.example], ids=lambda e: e.name)
def test_the_entry_s_flag_decides_steps_or_lines(entry):
    if entry.unavailable():
        pytest.skip(entry.unavailable())
    t = lrviz.trace(entry.example)
    drawn = _lr_line(lrviz.plot(t)).get_drawstyle()
    assert drawn == ("steps-post" if piecewise(t.spec) else "default")


def test_the_piecewise_constant_schedules_say_so():
    steps = ("StepLR", "MultiStepLR", "ConstantLR", "ReduceLROnPlateau", "MultiFactorScheduler")
    lines = ("CosineAnnealingLR", "CyclicLR", "OneCycleLR", "ExponentialLR", "LinearLR", "FactorScheduler")
    assert all(registry.get(name).piecewise for name in steps)
    assert not any(registry.get(name).piecewise for name in lines)


def test_steps_hold_each_value_until_the_next_step():
    t = lrviz.trace("StepLR(step_size=30, gamma=0.1)", 100)
    line = _lr_line(lrviz.plot(t))
    assert line.get_drawstyle() == "steps-post"
    np.testing.assert_array_equal(line.get_ydata(), t.lr[0])
    path = line.get_path().vertices
    # from step 29 to 30 the path goes across at 0.1, then straight down at x=30
    at_30 = path[path[:, 0] == 30]
    assert sorted(at_30[:, 1].tolist()) == sorted([t.lr[0][29], t.lr[0][30]])
    assert not any((29 < x < 30) for x in path[:, 0])


def test_composites_are_steps_only_when_every_child_is():
    steps = lrviz.trace(
        "SequentialLR(schedulers=[StepLR(step_size=10), MultiStepLR(milestones=[30])], milestones=[20])"
    )
    children = "ConstantLR(factor=0.1, total_iters=10), CosineAnnealingLR(T_max=90)"
    mixed = lrviz.trace(f"SequentialLR(schedulers=[{children}], milestones=[10])")
    assert _lr_line(lrviz.plot(steps)).get_drawstyle() == "steps-post"
    assert _lr_line(lrviz.plot(mixed)).get_drawstyle() == "default"


def test_a_long_step_decay_keeps_every_jump_where_it_is():
    t = lrviz.trace("StepLR(step_size=300000, gamma=0.5)", steps=1_200_000)
    line = _lr_line(lrviz.plot(t))
    x, y = np.asarray(line.get_xdata()), np.asarray(line.get_ydata())
    assert len(x) < t.n_steps / 100  # the envelope
    jumps = np.flatnonzero(np.diff(t.lr[0])) + 1
    for j in jumps:  # the first step of each new value is drawn, with that value
        assert y[x == j].tolist() == [t.lr[0][j]]
    assert line.get_drawstyle() == "steps-post"


# --------------------------------------------------------------------------------------
# Ticks people read


def _step(ticks):
    return ticks[1] - ticks[0]


@pytest.mark.parametrize("steps", [40, 75, 100, 120, 150, 300, 750, 1000, 4000, 8000, 25_000, 1_343_000])
def test_step_axes_tick_on_1_2_5_multiples(steps):
    fig = lrviz.plot(lrviz.trace("CosineAnnealingLR(T_max=50)", steps))
    figure.to_bytes(fig, "png", 50)
    axis = fig.axes[-1].xaxis
    low, high = fig.axes[-1].get_xlim()
    ticks = [v for v in fig.axes[-1].get_xticks() if low <= v <= high]
    step = _step(ticks)
    mantissa = step / 10 ** np.floor(np.log10(step))
    assert round(mantissa, 9) in (1, 2, 5), ticks
    labels = [label.get_text() for label in axis.get_ticklabels()]
    unit = 1e6 if max(ticks) >= 1e6 else 1e3 if max(ticks) >= 1e4 else 1
    for value, text in zip(axis.get_majorticklocs(), labels, strict=True):
        if low <= value <= high:
            assert text == tick_text.count_text(value, unit)
            shown = float(text.rstrip("kM").replace(",", "")) * (
                1e6 if text.endswith("M") else 1e3 if text.endswith("k") else 1
            )
            assert shown == pytest.approx(value)


def test_counts_are_written_as_the_titles_write_them():
    assert tick_text.count_text(2000, 1) == "2,000" and tick_text.count_text(0, 1e3) == "0"
    assert tick_text.count_text(250_000, 1e3) == "250k" and tick_text.count_text(1_200_000, 1e6) == "1.2M"
    assert tick_text.count_unit([0, 5000]) == 1 and tick_text.count_unit([0, 20_000]) == 1e3
    assert tick_text.count_unit([0, 1_000_000]) == 1e6


@pytest.mark.parametrize(("steps", "per_epoch"), [(1000, 100), (1_343_000, 17_000), (390 * 7, 390)])
def test_epoch_axes_tick_on_whole_epochs(steps, per_epoch):
    fig = lrviz.plot(lrviz.trace("CosineAnnealingLR(T_max=50)", steps, steps_per_epoch=per_epoch))
    figure.to_bytes(fig, "png", 50)
    ticks = fig.axes[-1].get_xticks()
    assert all(float(v).is_integer() for v in ticks), ticks


# --------------------------------------------------------------------------------------
# Layout details


def test_y_labels_line_up_across_panels():
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    # the LR axis's ×10⁻⁵ factor and wide ticks would push its label left of the momentum's
    fig = lrviz.plot(lrviz.trace("OneCycleLR(max_lr=3e-5, total_steps=200)"))
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    lefts = [ax.yaxis.label.get_window_extent(renderer).x0 for ax in fig.axes]
    assert max(lefts) - min(lefts) <= 1 and min(lefts) >= 0, lefts


def test_a_grid_draws_a_metric_panel_only_for_a_schedule_with_a_metric():
    traces = [
        lrviz.trace("ReduceLROnPlateau(patience=5)", 100, metric="synthetic:overfit"),
        lrviz.trace("CosineAnnealingLR(T_max=100)", 100),
    ]
    fig = lrviz.plot(traces, layout="grid")
    metric_axes = [ax for ax in fig.axes if ax.get_visible() and "overfit" in ax.get_ylabel().replace("\n", " ")]
    assert len(metric_axes) == 1
    plateau_cell, cosine_cell = (sub for sub in fig.subfigs if sub.get_visible())
    assert metric_axes[0] in plateau_cell.axes
    assert not [
        ax for ax in cosine_cell.axes if ax.get_visible() and ax.get_ylabel() not in ("learning rate", "momentum")
    ]


def test_the_subtitle_wraps_between_arguments_not_inside_the_optimizer():
    t = lrviz.trace(
        "CyclicLR(base_lr=0.00025, max_lr=0.001, step_size_up=2000, mode='triangular2', cycle_momentum=False)",
        4000,
        optimizer="adam",
        lr=0.001,
    )
    fig = lrviz.plot(t, size=(5, 4))
    figure.to_bytes(fig, "png", 50)
    lines = fig.axes[0].get_title().split("\n")
    assert len(lines) > 1
    assert any("Adam(lr=0.001)" in line for line in lines)  # whole, on one line
    for line in lines[:-1]:
        assert line.endswith(",") or line.endswith(")"), lines  # broken after an argument


def test_dark_style_keeps_the_curves_and_the_subtitle_readable():
    from matplotlib.colors import to_rgb

    t = lrviz.trace("OneCycleLR(max_lr=0.1, total_steps=100)")
    fig = lrviz.plot([t, lrviz.trace("CosineAnnealingLR(T_max=100)", 100)], style="dark_background")
    background = np.array(to_rgb(fig.axes[0].get_facecolor()))

    def contrast(color):
        def luminance(rgb):
            return float(np.dot([0.2126, 0.7152, 0.0722], np.asarray(rgb) ** 2.2))

        a, b = luminance(to_rgb(color)), luminance(background)
        return (max(a, b) + 0.05) / (min(a, b) + 0.05)

    for line in _lines(fig.axes[0]):
        assert contrast(line.get_color()) >= 3, line.get_color()
    assert contrast(fig.axes[0].title.get_color()) >= 4.5


# --------------------------------------------------------------------------------------
# Saving: the layout pass, the ticks asked for again and again


def _annotated_pair():
    a = lrviz.trace("OneCycleLR(max_lr=0.004, total_steps=300)", steps=300, label="one cycle")
    b = lrviz.trace("CosineAnnealingLR(T_max=100)", steps=300, label="cosine")
    return lrviz.plot([a, b], annotate=True, title="a pair with notes")


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_saving_keeps_only_the_layout_of_matplotlib_s_first_draw_and_the_bytes_are_the_same(fmt, monkeypatch):
    from contextlib import nullcontext

    fast = figure.to_bytes(_annotated_pair(), fmt)
    monkeypatch.setattr(figure, "layout_pass_only", lambda fig: nullcontext())
    assert figure.to_bytes(_annotated_pair(), fmt) == fast


@requires_pinned
@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_saving_draws_the_figure_s_artists_once(fmt, monkeypatch):
    from matplotlib.axes import Axes

    drawn = []
    real = Axes.draw
    monkeypatch.setattr(Axes, "draw", lambda ax, renderer: drawn.append(ax) or real(ax, renderer))
    fig = _annotated_pair()
    figure.to_bytes(fig, fmt)
    assert len(drawn) == len(fig.axes)  # matplotlib's layout pass alone would draw each a second time


def test_ticks_follow_the_axis_when_its_room_changes():
    fig = lrviz.plot(lrviz.trace("StepLR(step_size=3000)", steps=20_000))
    axis = fig.axes[-1].xaxis
    wide = list(axis.get_major_locator()())
    fig.set_size_inches(2.2, fig.get_size_inches()[1])
    figure.to_bytes(fig, "png", 50)
    narrow = list(axis.get_major_locator()())
    fresh = tick_text.locator(integer=True)
    fresh.set_axis(axis)
    assert narrow == list(fresh()) and len(narrow) < len(wide)
