"""What lrviz says about a trace's shape (lrviz.analysis) and how the figure shows it.

Every expected value is computed here: with numpy on the trace itself, from the schedule's
own parameters (a warmup of W steps peaks at step W), or from torch's scheduler in a plain
loop (tests/oracles.py). Nothing is pasted from lrviz's own output.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pytest
import torch
from layout import legend_of
from matplotlib.colors import to_hex
from oracles import training_loop
from torch.optim import lr_scheduler

import lrviz
from lrviz import analysis, registry
from lrviz.analysis import Mark
from lrviz.errors import LrvizError
from lrviz.render import figure
from lrviz.spec import parse

EXAMPLES = [e for e in registry.entries() if e.example and e.unavailable() is None]


# --------------------------------------------------------------------------------------
# Helpers


def np_summary(row: np.ndarray) -> dict[str, Any]:
    """Peak, minimum (first occurrences, finite values only) and final value of a row."""
    finite = row[np.isfinite(row)]
    peak, low = finite.max(), finite.min()
    return {
        "peak": float(peak),
        "peak_step": int(np.flatnonzero(row == peak)[0]),
        "minimum": float(low),
        "min_step": int(np.flatnonzero(row == low)[0]),
        "final": float(row[-1]),
        "final_step": len(row) - 1,
    }


def parse_summary_line(line: str) -> dict[str, tuple[float, int, str | None]]:
    """{'peak': (value, step, epoch text), 'min': ..., 'final': ...} from a summary line."""
    out = {}
    for word in ("peak", "min", "final"):
        match = re.search(rf"{word} (\S+) at step ([\d,]+)(?: \(epoch ([^)]+)\))?", line)
        assert match, f"no {word} in {line!r}"
        out[word] = (float(match.group(1)), int(match.group(2).replace(",", "")), match.group(3))
    return out


def close4(text_value: float, value: float) -> bool:
    """``text_value`` is ``value`` printed with 4 significant digits."""
    return text_value == pytest.approx(value, rel=6e-4, abs=0)


def warm_restart_steps(t_0: int, t_mult: int, n_steps: int) -> list[int]:
    """Where CosineAnnealingWarmRestarts starts a new cycle: T_0, T_0 + T_0*T_mult, ..."""
    out, start, length = [], t_0, t_0
    while start < n_steps:
        out.append(start)
        length *= t_mult
        start += length
    return out


def lr_axes(fig) -> list:
    return [ax for ax in fig.axes if ax.get_ylabel() == "learning rate"]


def data_lines(ax) -> list:
    return [line for line in ax.get_lines() if len(line.get_xdata()) > 2]


def texts(fig) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts]


# --------------------------------------------------------------------------------------
# summary and summary_line


@pytest.mark.parametrize("entry", EXAMPLES, ids=lambda e: e.name)
def test_summary_equals_numpy_on_the_trace(entry):
    t = lrviz.trace(entry.example)
    expected = np_summary(t.lr[0])
    s = analysis.summary(t)
    assert {k: getattr(s, k) for k in expected} == expected
    assert s.group == 0

    line = analysis.summary_line(t)
    assert line.startswith(f"{t.label}: ") or line.startswith(f"{t.name}: ")
    if expected["peak"] == expected["minimum"]:
        assert f"constant {expected['peak']:.4g} for {t.n_steps:,} steps" in line
        return
    parsed = parse_summary_line(line)
    for word, key in (("peak", "peak"), ("min", "minimum"), ("final", "final")):
        value, step, epoch = parsed[word]
        assert close4(value, expected[key]), (word, line)
        assert step == expected[f"{'min' if word == 'min' else key}_step"], (word, line)
        assert epoch is None


@pytest.mark.parametrize(
    "spec",
    [
        "LambdaLR(lr_lambda=lambda e: 1)",
        "ConstantLR(factor=1.0, total_iters=5)",
        "StepLR(step_size=1000)",
        "MultiplicativeLR(lr_lambda=lambda e: 1.0)",
    ],
)
def test_a_constant_lr_is_said_to_be_constant(spec):
    t = lrviz.trace(spec, 30)
    assert np.all(t.lr[0] == t.lr[0][0])
    s = analysis.summary(t)
    assert s.peak == s.minimum == s.final == t.lr[0][0]
    assert s.peak_step == s.min_step == 0 and s.final_step == 29
    assert analysis.summary_line(t) == f"{t.label}: constant {t.lr[0][0]:.4g} for 30 steps"
    assert [m.kind for m in analysis.marks(t)] == ["final"]
    assert analysis.warmup_end(t) is None and analysis.restarts(t) == []


def test_non_finite_values_are_ignored_by_peak_and_min():
    t = lrviz.trace("LambdaLR(lr_lambda=lambda e: inf if e >= 8 else 1 + e)", 20)
    row = t.lr[0]
    assert np.isinf(row[8:]).all() and np.isfinite(row[:8]).all()
    expected = np_summary(row)
    s = analysis.summary(t)
    assert {k: getattr(s, k) for k in expected} == expected
    assert s.peak_step == 7  # the last finite step, by the lambda's own definition
    parsed = parse_summary_line(analysis.summary_line(t))
    assert close4(parsed["peak"][0], row[7]) and parsed["peak"][1] == 7
    assert math.isinf(parsed["final"][0]) and parsed["final"][1] == 19
    # a mark is never placed at a non-finite value, except the final one which the figure skips
    for m in analysis.marks(t):
        assert m.value == row[m.step] or (math.isinf(m.value) and math.isinf(row[m.step]))
    assert analysis.warmup_end(t) is None and analysis.restarts(t) == []
    lrviz.plot(t, annotate=True)  # draws without error


def test_nan_values_in_the_middle():
    t = lrviz.trace("LambdaLR(lr_lambda=lambda e: nan if e == 3 else 1 / (1 + e))", 12)
    row = t.lr[0]
    assert np.isnan(row[3])
    expected = np_summary(row)
    s = analysis.summary(t)
    assert {k: getattr(s, k) for k in expected} == expected


def test_an_lr_infinite_throughout_is_summarised_as_inf_not_nan():
    t = lrviz.trace("LambdaLR(lr_lambda=lambda e: inf)", 10)
    s = analysis.summary(t)
    assert s.peak == math.inf and s.minimum == math.inf
    assert math.isinf(s.final) and s.final_step == 9
    assert analysis.marks(t) == []
    assert analysis.summary_line(t).endswith("constant inf for 10 steps")


def test_only_nan_reports_nan():
    t = lrviz.trace("LambdaLR(lr_lambda=lambda e: nan)", 10)
    s = analysis.summary(t)
    assert math.isnan(s.peak) and math.isnan(s.minimum)
    assert math.isnan(s.final) and s.final_step == 9
    assert analysis.marks(t) == []


def test_a_lr_that_becomes_infinite_is_not_called_constant():
    t = lrviz.trace("LambdaLR(lr_lambda=lambda e: 1 if e < 5 else inf)", 20)
    assert np.isinf(t.lr[0][5:]).all()
    assert "constant" not in analysis.summary_line(t)


def test_two_groups():
    t = lrviz.trace("CosineAnnealingLR(T_max=40, eta_min=0.001)", 60, group_lrs=[0.01, 0.3])
    for g in range(2):
        expected = np_summary(t.lr[g])
        s = analysis.summary(t, g)
        assert {k: getattr(s, k) for k in expected} == expected
        assert s.group == g
    line = analysis.summary_line(t)
    assert f"{t.label} (group 0): " in line
    parsed = parse_summary_line(line)
    first = np_summary(t.lr[0])
    assert close4(parsed["peak"][0], first["peak"]) and close4(parsed["min"][0], first["minimum"])
    assert parsed["min"][1] == first["min_step"] == 40


@pytest.mark.parametrize("steps_per_epoch", [7, 10, 25])
def test_steps_per_epoch_shows_the_epoch_each_step_belongs_to(steps_per_epoch):
    t = lrviz.trace(
        "CyclicLR(base_lr=0.01, max_lr=0.1, step_size_up=20, step_size_down=30)", 100, steps_per_epoch=steps_per_epoch
    )
    parsed = parse_summary_line(analysis.summary_line(t))
    expected = np_summary(t.lr[0])
    epochs = -(-100 // steps_per_epoch)
    for word, key in (("peak", "peak_step"), ("min", "min_step"), ("final", "final_step")):
        _, step, epoch = parsed[word]
        assert step == expected[key]
        # counted from 1, of the trace's epochs: the last step is in the last epoch
        assert epoch == f"{step // steps_per_epoch + 1} of {epochs}"
    assert parsed["final"][2] == f"{epochs} of {epochs}"


def test_the_last_step_of_an_epoch_is_in_that_epoch():
    t = lrviz.trace("StepLR(step_size=3000)", 6000, steps_per_epoch=100)
    line = analysis.summary_line(t)
    assert "min 0.01 at step 3,000 (epoch 31 of 60)" in line  # step 3,000 starts epoch 31
    assert line.endswith("final 0.01 at step 5,999 (epoch 60 of 60)")


# --------------------------------------------------------------------------------------
# warmup_end and restarts


def test_warmup_then_cosine_ends_its_warmup_at_the_milestone():
    warmup, total = 10, 100
    t = lrviz.trace(
        f"SequentialLR(schedulers=[LinearLR(start_factor=0.1, total_iters={warmup}), "
        f"CosineAnnealingLR(T_max={total - warmup})], milestones=[{warmup}])",
        total,
    )
    expected = training_loop(
        lambda opt: lr_scheduler.SequentialLR(
            opt,
            [
                lr_scheduler.LinearLR(opt, start_factor=0.1, total_iters=warmup),
                lr_scheduler.CosineAnnealingLR(opt, T_max=total - warmup),
            ],
            milestones=[warmup],
        ),
        total,
    ).lr[0]
    np.testing.assert_array_equal(t.lr[0], expected)
    assert analysis.warmup_end(t) == warmup
    assert expected[warmup] == expected.max()
    kinds = {m.kind: m for m in analysis.marks(t)}
    assert kinds["warmup"].step == kinds["peak"].step == kinds["milestone"].step == warmup


def test_warmup_then_cosine_at_the_default_horizon():
    t = lrviz.trace(
        "SequentialLR(schedulers=[LinearLR(start_factor=0.1, total_iters=10), CosineAnnealingLR(T_max=90)], "
        "milestones=[10])"
    )
    assert analysis.warmup_end(t) == 10


@pytest.mark.parametrize(("total_steps", "pct_start"), [(100, 0.3), (120, 0.5), (200, 0.25)])
@pytest.mark.parametrize("three_phase", [False, True])
def test_onecycle_warmup_ends_at_its_peak(total_steps, pct_start, three_phase):
    t = lrviz.trace(
        f"OneCycleLR(max_lr=0.1, total_steps={total_steps}, pct_start={pct_start}, three_phase={three_phase})"
    )
    peak_step = round(pct_start * total_steps) - 1  # torch: the first phase ends at pct_start * total - 1
    assert int(np.argmax(t.lr[0])) == peak_step
    assert analysis.warmup_end(t) == peak_step
    assert analysis.restarts(t) == []


@pytest.mark.parametrize("mode", ["triangular", "triangular2", "exp_range"])
def test_cycliclr_has_no_warmup(mode):
    t = lrviz.trace(f"CyclicLR(base_lr=0.01, max_lr=0.1, step_size_up=20, mode='{mode}', gamma=0.99)")
    # the trace shows more than one rise
    rises = np.diff(t.lr[0]) > 0
    assert np.count_nonzero(np.diff(rises.astype(int)) == 1) >= 1
    assert analysis.warmup_end(t) is None


def test_cycliclr_cut_short_has_no_warmup():
    t = lrviz.trace("CyclicLR(base_lr=0.01, max_lr=0.5, step_size_up=30)", 50)
    assert analysis.warmup_end(t) is None


@pytest.mark.parametrize(("t_0", "t_mult", "steps"), [(20, 2, 141), (10, 2, 200), (15, 1, 100), (7, 3, 250)])
def test_warm_restarts(t_0, t_mult, steps):
    t = lrviz.trace(f"CosineAnnealingWarmRestarts(T_0={t_0}, T_mult={t_mult}, eta_min=0.001)", steps)
    expected = warm_restart_steps(t_0, t_mult, steps)
    assert analysis.warmup_end(t) is None
    assert analysis.restarts(t) == expected
    # torch agrees: T_cur goes back to 0 exactly there
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(2))], lr=0.1)
    scheduler = lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=t_0, T_mult=t_mult, eta_min=0.001)
    resets = []
    for i in range(1, steps):
        opt.step()
        scheduler.step()
        if scheduler.T_cur == 0:
            resets.append(i)
    assert resets == expected
    marks = [m for m in analysis.marks(t) if m.kind == "restart"]
    assert [m.step for m in marks] == expected
    assert all(m.value == t.lr[0][m.step] for m in marks)


@pytest.mark.parametrize(("warmup", "total"), [(10, 100), (25, 200), (3, 30)])
def test_hf_like_warmup_written_as_a_lambda(warmup, total):
    t = lrviz.trace(
        f"LambdaLR(lr_lambda=lambda s: s / {warmup} if s < {warmup} else max(0.0, ({total} - s) / "
        f"({total} - {warmup})))",
        total,
    )
    assert analysis.warmup_end(t) == warmup
    assert t.lr[0][warmup] == t.lr[0].max()


@pytest.mark.parametrize("name", ["linear", "cosine", "cosine_with_min_lr", "constant_with_warmup"])
def test_hf_warmups_end_at_num_warmup_steps(name):
    entry = registry.get(name)
    if entry.unavailable():
        pytest.skip(entry.unavailable())
    spec = parse(entry.example)
    assert analysis.warmup_end(lrviz.trace(spec)) == spec.value("num_warmup_steps")


@pytest.mark.parametrize(
    "spec",
    [
        "StepLR(step_size=30)",
        "ExponentialLR(gamma=0.95)",
        "MultiStepLR(milestones=[20, 40])",
        "CosineAnnealingLR(T_max=50)",
        "PolynomialLR(total_iters=40)",
    ],
)
def test_decaying_schedules_have_no_warmup(spec):
    t = lrviz.trace(spec)
    assert t.lr[0][0] == t.lr[0].max()
    assert analysis.warmup_end(t) is None


# --------------------------------------------------------------------------------------
# milestones, segments, children_text


def test_sequentiallr_milestones_inside_the_trace():
    text = (
        "SequentialLR(schedulers=[LinearLR(start_factor=0.5, total_iters=5), ExponentialLR(gamma=0.9), "
        "ConstantLR(factor=0.2, total_iters=1000)], milestones=[10, 30])"
    )
    assert analysis.milestones(lrviz.trace(text, 50)) == [10, 30]
    assert analysis.milestones(lrviz.trace(text, 25)) == [10]
    assert analysis.milestones(lrviz.trace(text, 10)) == []


@pytest.mark.parametrize("steps", [100, 60, 20])
def test_multisteplr_milestones_are_where_the_lr_drops(steps):
    t = lrviz.trace("MultiStepLR(milestones=[30, 50, 500], gamma=0.5)", steps)
    drops = (np.flatnonzero(np.diff(t.lr[0]) < 0) + 1).tolist()
    assert analysis.milestones(t) == drops == [m for m in (30, 50, 500) if m < steps]
    marks = [m for m in analysis.marks(t) if m.kind == "milestone"]
    assert [m.step for m in marks] == drops
    assert all(m.value == t.lr[0][m.step] for m in marks)


def test_no_milestones_without_a_milestones_parameter():
    assert analysis.milestones(lrviz.trace("StepLR(step_size=10)", 50)) == []


def test_segments_are_sequentiallr_children_spans():
    text = (
        "SequentialLR(schedulers=[LinearLR(start_factor=0.5, total_iters=5), ExponentialLR(gamma=0.9), "
        "CosineAnnealingLR(T_max=20)], milestones=[10, 30])"
    )
    assert analysis.segments(lrviz.trace(text, 50)) == [
        (0, 10, "LinearLR"),
        (10, 30, "ExponentialLR"),
        (30, 50, "CosineAnnealingLR"),
    ]
    # cut short: the spans stop at the trace's end, children that never start are left out
    assert analysis.segments(lrviz.trace(text, 20)) == [(0, 10, "LinearLR"), (10, 20, "ExponentialLR")]
    assert analysis.segments(lrviz.trace("StepLR(step_size=10)", 20)) == []


def test_segments_of_same_named_children_are_told_apart():
    text = (
        "SequentialLR(schedulers=[ExponentialLR(gamma=0.9), LinearLR(), ExponentialLR(gamma=0.8)], milestones=[10, 20])"
    )
    segments = analysis.segments(lrviz.trace(text, 40))
    assert [(a, b) for a, b, _ in segments] == [(0, 10), (10, 20), (20, 40)]
    names = [n for _, _, n in segments]
    assert len(set(names)) == 3
    assert names[0].startswith("ExponentialLR") and names[2].startswith("ExponentialLR")
    assert names[1] == "LinearLR"


def test_children_text_for_chainedscheduler():
    spec = parse(
        "ChainedScheduler(schedulers=[LinearLR(start_factor=0.5, total_iters=10), ExponentialLR(gamma=0.95), "
        "ConstantLR(factor=0.5, total_iters=3)])"
    )
    text = analysis.children_text(spec)
    assert text is not None
    names = [c.name for c in spec.children()]
    assert " → ".join(names) in text
    positions = [text.index(n) for n in names]
    assert positions == sorted(positions)
    assert analysis.children_text(parse("SequentialLR(schedulers=[LinearLR()], milestones=[])")) is None
    assert analysis.children_text(parse("StepLR(step_size=3)")) is None


# --------------------------------------------------------------------------------------
# marks


@pytest.mark.parametrize(
    ("spec", "steps", "kinds"),
    [
        ("OneCycleLR(max_lr=0.1, total_steps=100)", None, {"peak", "min", "final", "warmup"}),
        ("CosineAnnealingWarmRestarts(T_0=10, T_mult=2)", 100, {"peak", "min", "final", "restart"}),
        ("MultiStepLR(milestones=[20, 40], gamma=0.5)", 60, {"peak", "min", "final", "milestone"}),
        (
            "SequentialLR(schedulers=[LinearLR(start_factor=0.1, total_iters=10), CosineAnnealingLR(T_max=50)], "
            "milestones=[10])",
            60,
            {"peak", "min", "final", "warmup", "milestone"},
        ),
        ("StepLR(step_size=10)", 40, {"peak", "min", "final"}),
        ("ExponentialLR(gamma=1.0)", 40, {"final"}),
    ],
)
def test_marks_kinds_and_values(spec, steps, kinds):
    t = lrviz.trace(spec, steps)
    marks = analysis.marks(t)
    assert {m.kind for m in marks} == kinds
    row = t.lr[0]
    for m in marks:
        assert 0 <= m.step < t.n_steps
        assert m.value == row[m.step], m
        assert m.text
    expected = np_summary(row)
    by_kind = {m.kind: m for m in marks}
    assert by_kind["final"].step == expected["final_step"]
    if "peak" in by_kind:
        assert by_kind["peak"].step == expected["peak_step"] and by_kind["min"].step == expected["min_step"]
        assert by_kind["peak"].text.startswith("peak ")


@pytest.mark.parametrize("factor", [0.5, 0.1, 0.3])
@pytest.mark.parametrize("metric", ["synthetic:steps", "synthetic:plateau", "synthetic:noisy"])
def test_reductions_are_where_the_lr_drops(factor, metric):
    t = lrviz.trace(f"ReduceLROnPlateau(factor={factor}, patience=3, min_lr=0.0)", 120, metric=metric)
    row = t.lr[0]
    # torch itself, fed the same metric values
    expected = training_loop(
        lambda opt: lr_scheduler.ReduceLROnPlateau(opt, factor=factor, patience=3, min_lr=0.0),
        t.n_steps,
        metric=t.metric,
    ).lr[0]
    np.testing.assert_array_equal(row, expected)
    drops = (np.flatnonzero(np.diff(row) < 0) + 1).tolist()
    assert drops, "the metric should make the LR drop"
    reductions = [m for m in analysis.marks(t) if m.kind == "reduction"]
    assert [m.step for m in reductions] == drops
    for m in reductions:
        assert m.value == row[m.step]
        assert m.text == f"×{factor:g}"
    assert not [m for m in analysis.marks(t) if m.kind == "increase"]


# --------------------------------------------------------------------------------------
# short labels


def test_unique_names_stay_bare():
    specs = [
        parse(s) for s in ("StepLR(step_size=30)", "CyclicLR(base_lr=0.1, max_lr=0.2)", "ExponentialLR(gamma=0.9)")
    ]
    assert analysis.short_labels(specs) == [s.name for s in specs]


def test_same_names_get_their_differing_arguments():
    specs = [
        parse("CyclicLR(base_lr=0.1, max_lr=0.2)"),
        parse("CyclicLR(base_lr=0.1, max_lr=0.3)"),
        parse("StepLR(step_size=30)"),
    ]
    labels = analysis.short_labels(specs)
    assert labels[2] == "StepLR"
    assert "max_lr=0.2" in labels[0] and "max_lr=0.3" in labels[1]
    assert "base_lr" not in labels[0] + labels[1]  # the same in both: not shown
    assert labels[0].startswith("CyclicLR") and labels[1].startswith("CyclicLR")


def test_an_argument_given_to_one_is_compared_with_the_others_default():
    specs = [parse("CyclicLR(base_lr=0.1, max_lr=0.2)"), parse("CyclicLR(base_lr=0.1, max_lr=0.2, mode='exp_range')")]
    labels = analysis.short_labels(specs)
    default_mode = registry.get("CyclicLR").param("mode").default
    assert f"mode={default_mode!r}" in labels[0]
    assert "mode='exp_range'" in labels[1]


def test_identical_specs_are_numbered():
    specs = [parse("StepLR(step_size=30)"), parse("ExponentialLR(gamma=0.9)"), parse("StepLR(step_size=30)")]
    labels = analysis.short_labels(specs)
    assert labels[1] == "ExponentialLR"
    assert labels[0] != labels[2]
    assert labels[0].startswith("StepLR") and labels[0].endswith("#1")
    assert labels[2].startswith("StepLR") and labels[2].endswith("#2")


def test_composites_show_their_children():
    spec = parse(
        "SequentialLR(schedulers=[LinearLR(start_factor=0.1, total_iters=5), CosineAnnealingLR(T_max=20)], "
        "milestones=[5])"
    )
    assert analysis.short_label(spec) == "SequentialLR(LinearLR, CosineAnnealingLR)"
    assert analysis.short_labels([spec, parse("StepLR(step_size=3)")]) == [
        "SequentialLR(LinearLR, CosineAnnealingLR)",
        "StepLR",
    ]
    nested = parse("ChainedScheduler(schedulers=[ExponentialLR(gamma=0.9), ConstantLR(factor=0.5)])")
    assert analysis.short_label(nested) == "ChainedScheduler(ExponentialLR, ConstantLR)"


def test_composites_with_different_milestones():
    a = parse("SequentialLR(schedulers=[LinearLR(), ExponentialLR(gamma=0.9)], milestones=[5])")
    b = parse("SequentialLR(schedulers=[LinearLR(), ExponentialLR(gamma=0.9)], milestones=[8])")
    labels = analysis.short_labels([a, b])
    assert len(set(labels)) == 2
    assert "5" in labels[0] and "8" in labels[1]


def test_composites_whose_children_differ_are_not_numbered_as_identical():
    a = parse("SequentialLR(schedulers=[LinearLR(), ExponentialLR(gamma=0.9)], milestones=[5])")
    b = parse("SequentialLR(schedulers=[LinearLR(), ExponentialLR(gamma=0.5)], milestones=[5])")
    labels = analysis.short_labels([a, b])
    assert not any(re.search(r" #\d+$", label) for label in labels), labels


# --------------------------------------------------------------------------------------
# Figures


COMPARED = [
    "StepLR(step_size=30)",
    "CyclicLR(base_lr=0.01, max_lr=0.5, step_size_up=20)",
    "ExponentialLR(gamma=0.95)",
    "OneCycleLR(max_lr=0.3, total_steps=80)",
]


def test_grid_has_one_lr_axes_per_trace_on_the_same_scales():
    traces = [lrviz.trace(s) for s in COMPARED[:3]]
    fig = lrviz.plot(traces, layout="grid")
    axes = lr_axes(fig)
    assert len(axes) == len(traces)
    for ax, t in zip(axes, traces, strict=True):
        (line,) = data_lines(ax)
        np.testing.assert_array_equal(line.get_ydata(), t.lr[0])
    xlims = {tuple(ax.get_xlim()) for ax in axes}
    ylims = {tuple(ax.get_ylim()) for ax in axes}
    assert len(xlims) == 1 and len(ylims) == 1
    (low, high), (xlow, xhigh) = ylims.pop(), xlims.pop()
    assert low <= min(t.lr[0].min() for t in traces) and high >= max(t.lr[0].max() for t in traces)
    assert xlow <= 0 and xhigh >= max(t.n_steps for t in traces) - 1


def test_grid_of_five_leaves_no_visible_empty_cell():
    traces = [lrviz.trace(s) for s in [*COMPARED, "PolynomialLR(total_iters=40)"]]
    fig = lrviz.plot(traces, layout="grid")
    assert len(lr_axes(fig)) == 5


def test_overlay_draws_one_line_per_schedule_in_distinct_colours_and_styles():
    traces = [lrviz.trace(s, 60) for s in COMPARED]
    fig = lrviz.plot(traces)
    (ax,) = lr_axes(fig)
    lines = data_lines(ax)
    assert len(lines) == len(traces)
    for line, t in zip(lines, traces, strict=True):
        np.testing.assert_array_equal(line.get_ydata(), t.lr[0])
    assert len({to_hex(line.get_color()) for line in lines}) == len(traces)
    assert len({line.get_linestyle() for line in lines}) == len(traces)
    legend = [text.get_text() for text in legend_of(fig).get_texts()]
    assert legend == [t.label for t in traces]


def test_annotate_adds_the_marks_as_texts():
    t = lrviz.trace("OneCycleLR(max_lr=0.1, total_steps=100)")
    plain = lrviz.plot(t)
    annotated = lrviz.plot(t, annotate=True)
    assert not any("peak" in s for s in texts(plain))
    shown = texts(annotated)
    peak_step = int(np.argmax(t.lr[0]))
    assert any(s.startswith(f"peak {t.lr[0][peak_step]:.4g}") for s in shown), shown
    # the end of warmup is at the peak: one label says both
    assert any(s.startswith("peak ") and "warmup" in s for s in shown), shown
    assert not any(s.startswith("warmup") for s in shown), shown
    assert any("final" in s for s in shown) and any("min" in s for s in shown), shown


def test_annotate_for_several_schedules_names_each_ones_peak():
    traces = [lrviz.trace(s, 60) for s in COMPARED[1:]]
    shown = texts(lrviz.plot(traces, annotate=True))
    for t in traces:
        assert any(s.startswith(f"peak {t.lr[0].max():.4g}") for s in shown), (t.label, shown)


def test_sequentiallr_figure_names_its_children():
    t = lrviz.trace(
        "SequentialLR(schedulers=[LinearLR(start_factor=0.1, total_iters=10), ExponentialLR(gamma=0.95), "
        "CosineAnnealingLR(T_max=30)], milestones=[10, 40])",
        70,
    )
    shown = texts(lrviz.plot(t))
    for child in t.spec.children():
        assert child.name in shown


def test_chainedscheduler_figure_says_what_it_chains():
    t = lrviz.trace(
        "ChainedScheduler(schedulers=[LinearLR(start_factor=0.5, total_iters=10), ExponentialLR(gamma=0.9)])"
    )
    assert analysis.children_text(t.spec) in texts(lrviz.plot(t))


@pytest.mark.parametrize(("layout", "suggestion"), [("gird", "grid"), ("overlya", "overlay"), ("Grid", "grid")])
def test_a_bad_layout_is_an_error_with_a_suggestion(layout, suggestion):
    traces = [lrviz.trace(s, 20) for s in COMPARED[:2]]
    with pytest.raises(LrvizError) as info:
        lrviz.plot(traces, layout=layout)
    assert f"unknown layout '{layout}'" in str(info.value)
    assert f"did you mean '{suggestion}'?" in str(info.value)


def test_merge_marks_one_label_per_point():
    marks = [
        Mark(10, 1.0, "peak", "peak 1"),
        Mark(0, 0.1, "min", "min 0.1"),
        Mark(99, 0.5, "final", "final 0.5"),
        Mark(10, 1.0, "warmup", "warmup ends (step 10)"),
        Mark(40, 0.7, "milestone", "milestone 40"),
    ]
    merged = figure._merge_marks(marks)
    assert [m.kind for m in merged] == ["peak", "min", "final", "milestone"]
    assert merged[0].text.startswith("peak 1") and "warmup" in merged[0].text
    assert [m.step for m in merged] == [10, 0, 99, 40]

    marks = [Mark(0, 1.0, "peak", "peak 1"), Mark(99, 0.2, "min", "min 0.2"), Mark(99, 0.2, "final", "final 0.2")]
    merged = figure._merge_marks(marks)
    assert [m.kind for m in merged] == ["peak", "final"]
    assert merged[1].text == "final = min 0.2"

    marks = [Mark(5, 0.3, "restart", "restart (step 5)"), Mark(5, 0.3, "milestone", "milestone 5")]
    (only,) = figure._merge_marks(marks)
    assert "restart" in only.text and "milestone 5" in only.text
