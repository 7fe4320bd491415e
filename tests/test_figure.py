"""Figures, tested through the data they plot."""

from __future__ import annotations

import numpy as np
import pytest
from layout import legend_of

import lrviz
from lrviz.errors import LrvizError
from lrviz.render import figure


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
