"""Figures are laid out cleanly: no text outside the canvas, no two texts on each other, no
text or legend crossed by a plotted line (see tests/layout.py), over every gallery figure
and a stress set of awkward ones. The check itself is shown to catch each kind of defect."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from layout import defects, segments_hit

from lrviz import registry
from lrviz.config import FigureOptions, TraceOptions
from lrviz.runs import draw, labels, shared_args, trace_all
from lrviz.spec import parse

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Case:
    """A figure as ``lrviz plot``/``lrviz compare`` would draw it."""

    id: str
    specs: Sequence[str]
    labels: Sequence[str | None] = ()
    trace: dict[str, Any] = field(default_factory=dict)
    figure: dict[str, Any] = field(default_factory=dict)


def figure_of(case: Case) -> Any:
    specs = [parse(s) for s in case.specs]
    opts = TraceOptions(**case.trace)
    specs = [shared_args(s, opts) for s in specs]
    names = labels(specs, list(case.labels))
    traces = trace_all(specs, [opts] * len(specs), names, [ROOT] * len(specs))
    return draw(traces, FigureOptions(**case.figure))


LONG = "a label long enough to wrap twice in any legend: warmup, cosine decay, restarts"

STRESS = [
    # small and huge learning rates: a ×10ᵏ factor above the LR axis, with a momentum panel
    Case("small-lr-momentum", ["OneCycleLR(max_lr=3e-5, total_steps=200)"]),
    Case("tiny-lr", ["CosineAnnealingLR(T_max=50, eta_min=1e-10)"], trace={"lr": 7e-9}),
    Case("huge-lr", ["CyclicLR(base_lr=100, max_lr=5000, step_size_up=50)"], trace={"steps": 300}),
    Case("huge-lr-annotated", ["CyclicLR(base_lr=1e5, max_lr=3e6, step_size_up=50)"], figure={"annotate": True}),
    # log axes
    Case("log-exponential", ["ExponentialLR(gamma=0.9)"], trace={"steps": 200}, figure={"log": True}),
    Case(
        "log-groups-annotated",
        ["MultiStepLR(milestones=[30, 60, 90], gamma=0.1)"],
        trace={"group_lr": (1.0, 1e-3, 1e-6)},
        figure={"log": True, "annotate": True},
    ),
    # 1 to 6 schedules overlaid
    Case("one", ["CosineAnnealingLR(T_max=100)"]),
    Case("two", ["CosineAnnealingLR(T_max=100)", "LinearLR(total_iters=100)"], trace={"steps": 100}),
    Case(
        "three-annotated",
        ["StepLR(step_size=30)", "MultiStepLR(milestones=[50, 75])", "ExponentialLR(gamma=0.97)"],
        trace={"steps": 100},
        figure={"annotate": True},
    ),
    Case(
        "four-cyclic-momentum",
        [f"CyclicLR(base_lr=0.01, max_lr={m}, step_size_up=20)" for m in (0.05, 0.1, 0.15, 0.2)],
        trace={"steps": 160},
    ),
    Case(
        "five-long-labels",
        [f"CosineAnnealingWarmRestarts(T_0={t})" for t in (20, 40, 60, 80, 100)],
        labels=[f"{LONG} #{i}" for i in range(5)],
        trace={"steps": 300},
    ),
    Case(
        "six",
        [
            "OneCycleLR(max_lr=0.1, total_steps=500)",
            "CosineAnnealingLR(T_max=500)",
            "LinearLR(total_iters=500, end_factor=0.01)",
            "StepLR(step_size=100, gamma=0.5)",
            "ExponentialLR(gamma=0.995)",
            "PolynomialLR(total_iters=500, power=3)",
        ],
        trace={"steps": 500},
    ),
    # grids
    Case(
        "grid-two-momentum",
        ["OneCycleLR(max_lr=0.1, total_steps=300)", "CyclicLR(base_lr=0.01, max_lr=0.1, step_size_up=50)"],
        trace={"steps": 300},
        figure={"layout": "grid", "annotate": True},
    ),
    Case(
        "grid-five",
        [f"CosineAnnealingLR(T_max={t})" for t in (25, 50, 100, 200, 400)],
        trace={"steps": 400},
        figure={"layout": "grid"},
    ),
    Case(
        "grid-six-long-labels",
        [f"StepLR(step_size={s})" for s in (10, 20, 30, 40, 50, 60)],
        labels=[f"{LONG} {i}" for i in range(6)],
        trace={"steps": 200},
        figure={"layout": "grid", "annotate": True},
    ),
    Case(
        "grid-metric-and-others",
        ["ReduceLROnPlateau(patience=5)", "CosineAnnealingLR(T_max=100)", "OneCycleLR(max_lr=0.1, total_steps=100)"],
        trace={"steps": 100, "metric": "synthetic:overfit"},
        figure={"layout": "grid"},
    ),
    # metric panels
    Case(
        "plateau-annotated",
        ["ReduceLROnPlateau(factor=0.5, patience=5, min_lr=0.001)"],
        trace={"steps": 100, "metric": "synthetic:plateau"},
        figure={"annotate": True},
    ),
    Case(
        "plateau-epochs",
        ["ReduceLROnPlateau(factor=0.5, patience=2)"],
        trace={"steps": 2000, "steps_per_epoch": 50, "metric": "synthetic:noisy"},
        figure={"annotate": True},
    ),
    Case(
        "plateau-and-cosine-overlay",
        ["ReduceLROnPlateau(factor=0.5, patience=3)", "CosineAnnealingLR(T_max=100)"],
        trace={"steps": 100, "metric": "synthetic:steps"},
        figure={"annotate": True},
    ),
    # several param groups
    Case(
        "groups-cyclic-annotated",
        ["CyclicLR(base_lr=[0.001, 0.01], max_lr=[0.006, 0.06], step_size_up=20)"],
        trace={"group_lr": (0.001, 0.01), "steps": 100},
        figure={"annotate": True},
    ),
    Case("groups-three", ["StepLR(step_size=10, gamma=0.7)"], trace={"group_lr": (0.1, 0.03, 0.01), "steps": 60}),
    # epochs on the x axis
    Case("epochs-onecycle", ["OneCycleLR(max_lr=0.01, epochs=7, steps_per_epoch=390)"], trace={"steps_per_epoch": 390}),
    Case("epochs-few", ["CosineAnnealingLR(T_max=30)"], trace={"steps": 30, "steps_per_epoch": 20}),
    # long spec text: the subtitle wraps between arguments
    Case(
        "long-spec",
        [
            "SequentialLR(schedulers=[LinearLR(start_factor=0.001, end_factor=1.0, total_iters=500), "
            "CosineAnnealingWarmRestarts(T_0=1000, T_mult=2, eta_min=1e-06)], milestones=[500])"
        ],
        trace={"steps": 8000, "optimizer": "adamw", "lr": 3e-4},
        figure={"annotate": True},
    ),
    # narrow --size
    Case(
        "narrow-annotated",
        ["OneCycleLR(max_lr=0.1, total_steps=1000)"],
        figure={"size": "4x3", "annotate": True},
    ),
    Case(
        "narrow-compare",
        ["CosineAnnealingLR(T_max=1000)", "OneCycleLR(max_lr=0.1, total_steps=1000)", "StepLR(step_size=250)"],
        trace={"steps": 1000},
        figure={"size": "3.5x3"},
    ),
    Case(
        "narrow-grid",
        ["CosineAnnealingLR(T_max=100)", "StepLR(step_size=25)", "CyclicLR(base_lr=0.01, max_lr=0.1)"],
        trace={"steps": 100},
        figure={"size": "5x4", "layout": "grid", "annotate": True},
    ),
    Case(
        "narrow-plateau-annotated",
        ["ReduceLROnPlateau(factor=0.5, patience=3)"],
        trace={"steps": 150, "metric": "synthetic:plateau"},
        figure={"size": "4.5x3.5", "annotate": True},
    ),
    # the dark style
    Case(
        "dark",
        ["OneCycleLR(max_lr=0.1, total_steps=300)", "CosineAnnealingLR(T_max=300)"],
        trace={"steps": 300},
        figure={"style": "dark_background", "annotate": True},
    ),
    # long traces: millions of steps, drawn as their envelope
    Case("long-steplr-20m", ["StepLR(step_size=5000000, gamma=0.5)"], trace={"steps": 20_000_000}),
    Case(
        "long-cyclic-10m",
        ["CyclicLR(base_lr=1e-4, max_lr=1e-3, step_size_up=200000, mode='triangular2')"],
        trace={"steps": 10_000_000, "optimizer": "adam", "lr": 1e-3},
        figure={"annotate": True},
    ),
    Case(
        "long-cosine-epochs-10m",
        ["CosineAnnealingWarmRestarts(T_0=1000000, T_mult=2)"],
        trace={"steps": 10_000_000, "steps_per_epoch": 100_000},
        figure={"annotate": True},
    ),
]


def _annotated_examples() -> list[Case]:
    """--annotate on the example of every registry schedule (every family), as lrviz plot draws it."""
    out = []
    for entry in registry.entries():
        if not entry.example or entry.unavailable():
            continue
        out.append(Case(f"annotate-{entry.name}", [entry.example], figure={"annotate": True}))
    out.append(
        Case(
            "annotate-user-class",
            ["docs.examples.my_schedules:WarmupCosine(warmup=10, total=100)"],
            figure={"annotate": True},
        )
    )
    return out


ALL_STRESS = STRESS + _annotated_examples()


# The default run draws these; -m slow draws every case (and the gallery, below).
FAST = {
    "small-lr-momentum",
    "log-groups-annotated",
    "three-annotated",
    "five-long-labels",
    "grid-metric-and-others",
    "plateau-annotated",
    "narrow-grid",
    "dark",
    "annotate-user-class",
}


def _params(cases: Sequence[Case]) -> list[Any]:
    return [pytest.param(c, id=c.id, marks=[] if c.id in FAST else [pytest.mark.slow]) for c in cases]


@pytest.fixture()
def _user_modules(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT))


def _clean(fig: Any) -> list[str]:
    """Defects at the figure's own dpi, and at 80 dpi (a thumbnail's: text is hinted to
    whole pixels, so it is a little wider there)."""
    return defects(fig) + [f"at 80 dpi: {d}" for d in defects(fig, dpi=80)]


@pytest.mark.parametrize("case", _params(ALL_STRESS))
@pytest.mark.usefixtures("_user_modules")
def test_stress_figures_have_no_layout_defects(case):
    assert _clean(figure_of(case)) == []


def _gallery_figures() -> list[Any]:
    from lrviz import gallery

    return [pytest.param(f, id=f.id, marks=[pytest.mark.slow]) for f in gallery.load().drawable]


@pytest.mark.parametrize("fig", _gallery_figures())
def test_gallery_figures_have_no_layout_defects(fig):
    """Every gallery figure as its command draws it, at the SVG's dpi and the thumbnail's."""
    from lrviz.gallery import THUMB_WIDTH

    config = fig.config
    specs = [shared_args(run.spec, config.trace) for run in config.runs]
    names = labels(specs, [run.label for run in config.runs])
    traces = trace_all(specs, [config.trace] * len(specs), names, [config.folder] * len(specs))
    drawn = draw(traces, config.figure)
    found = defects(drawn) + [f"thumbnail: {d}" for d in defects(drawn, dpi=THUMB_WIDTH / drawn.get_figwidth())]
    assert found == []


# --------------------------------------------------------------------------------------
# The check can fail


def _plain_figure() -> Any:
    return figure_of(Case("plain", ["CosineAnnealingLR(T_max=100)"], trace={"steps": 100}))


def test_a_label_on_its_own_curve_is_caught():
    fig = _plain_figure()
    ax = fig.axes[0]
    line = ax.get_lines()[0]
    x, y = line.get_xdata()[50], line.get_ydata()[50]
    ax.annotate("right on the curve", (x, y), ha="center", va="center", fontsize=8)
    found = defects(fig)
    assert any(d.startswith("crossed: annotation 'right on the curve'") for d in found), found


def test_overlapping_annotations_are_caught():
    fig = _plain_figure()
    ax = fig.axes[0]
    for text in ("first note", "second note"):
        ax.annotate(text, (0.5, 0.1), xycoords="axes fraction", fontsize=8)
    found = defects(fig)
    assert "overlap: annotation 'first note' and annotation 'second note'" in found, found


def test_a_text_past_the_edge_is_caught():
    fig = _plain_figure()
    fig.text(0.98, 0.5, "cut off at the right edge", fontsize=10)
    found = defects(fig)
    assert any(d.startswith("outside: figure text 'cut off at the right edge'") for d in found), found


def test_a_legend_over_a_curve_is_caught():
    fig = _plain_figure()
    ax = fig.axes[0]
    ax.get_lines()[0].set_label("cosine")
    ax.legend(loc="center")  # the cosine passes through the middle of the axes
    found = defects(fig)
    assert any(d.startswith("crossed: legend by line 'cosine'") for d in found), found


def test_segment_box_test_is_exact():
    import numpy as np
    from layout import Box

    box = Box("b", 0, 0, 10, 10)
    seg = np.array
    assert segments_hit(seg([[-5, 5, 15, 5]]), box)  # straight through
    assert segments_hit(seg([[5, 5, 6, 6]]), box)  # inside
    assert segments_hit(seg([[-1, 9, 1, 11]]), box)  # clips the corner at (0, 10)
    assert not segments_hit(seg([[-1, 10.5, 1, 12.5]]), box)  # passes the corner outside
    assert not segments_hit(seg([[11, -5, 11, 15]]), box)  # vertical, beside it
    assert not segments_hit(seg([[-10, 0, 0, -10]]), box)  # diagonal touching nothing but the corner's outside
    assert segments_hit(seg([[-10, 10, 10, -10]]), box)  # touches the corner (0, 0) exactly
