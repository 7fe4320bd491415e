"""A streamed trace (values made a block of steps at a time, not held; lrviz.blocks) must
say and draw exactly what the same trace held whole says and draws: the values, the
summary line, the warnings, the marks, the envelope, CSV and JSON, the figure's bytes.
The held trace, read by the code that reads whole arrays, is the oracle."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import lrviz
from lrviz import analysis, blocks, tracing
from lrviz.render import envelope as envelope_mod
from lrviz.render import export
from lrviz.render.envelope import step_envelope


def streamed_copy(t: tracing.Trace) -> tracing.Trace:
    """``t`` with its values behind a :class:`blocks.Source` that slices the held arrays:
    any schedule (torch-stepped too) through the streamed readers."""
    lr, mom = t.lr, t.momentum

    def make(a: int, b: int) -> tuple[np.ndarray, np.ndarray | None]:
        return lr[:, a:b].copy(), None if mom is None else mom[:, a:b].copy()

    source = blocks.Source(make, t.n_groups, t.n_steps, mom is not None)
    return dataclasses.replace(
        t,
        lr=blocks.Values(source, "lr"),  # type: ignore[arg-type]
        momentum=None if mom is None else blocks.Values(source, "momentum"),  # type: ignore[arg-type]
        warnings=list(t.warnings),
    )


def assert_same(held: tracing.Trace, streamed: tracing.Trace, columns: tuple[int, ...] = (3, 40)) -> None:
    assert streamed.streamed and not held.streamed
    assert np.array_equal(np.asarray(streamed.lr), held.lr, equal_nan=True)
    assert (streamed.momentum is None) == (held.momentum is None)
    if held.momentum is not None:
        assert np.array_equal(np.asarray(streamed.momentum), held.momentum, equal_nan=True)
    assert streamed.momentum_varies == held.momentum_varies
    assert tracing._suspicious(streamed) == tracing._suspicious(held)
    assert analysis.summary_line(streamed) == analysis.summary_line(held)
    for g in range(held.n_groups):
        assert repr(analysis.summary(streamed, g)) == repr(analysis.summary(held, g))
        assert analysis.warmup_end(streamed, g) == analysis.warmup_end(held, g)
        assert analysis.restarts(streamed, g) == analysis.restarts(held, g)
        assert repr(analysis.marks(streamed, g)) == repr(analysis.marks(held, g))
    assert analysis.segments(streamed) == analysis.segments(held)
    for which in ("lr", "momentum"):
        values = getattr(held, which)
        if values is None:
            continue
        for g in range(held.n_groups):
            for columns_ in columns:
                for ends in (True, False):
                    want = step_envelope(values[g], columns_, held.steps_per_epoch, ends=ends)
                    got = step_envelope(getattr(streamed, which)[g], columns_, held.steps_per_epoch, ends=ends)
                    assert np.array_equal(got[0], want[0]) and got[0].dtype == want[0].dtype
                    assert np.array_equal(got[1], want[1], equal_nan=True)
    assert export.to_csv(streamed) == export.to_csv(held)
    assert export.to_json(streamed) == export.to_json(held)


@pytest.fixture
def small_blocks(monkeypatch, request):
    block, chunk = request.param
    monkeypatch.setattr(blocks, "BLOCK", block)
    monkeypatch.setattr(blocks, "PASS", block)
    monkeypatch.setattr(envelope_mod, "CHUNK", chunk)
    monkeypatch.setattr(export, "CHUNK", 5)
    monkeypatch.setattr(tracing, "STREAM_STEPS", 0)
    return block


BLOCK_SIZES = [(1, 3), (7, 7), (10, 20), (64, 50)]

CYCLIC = [
    ("CyclicLR(base_lr=0.1, max_lr=0.2, step_size_up=5, step_size_down=3)", {}),
    ("CyclicLR(base_lr=0.1, max_lr=0.2, step_size_up=10, mode='triangular2')", {"steps_per_epoch": 7}),
    (
        "CyclicLR(base_lr=[0.1, 0.01], max_lr=0.2, step_size_up=4, mode='exp_range', gamma=0.99)",
        {"group_lrs": [0.1, 0.2]},
    ),
    ("CyclicLR(base_lr=0.1, max_lr=0.2, step_size_up=4, cycle_momentum=False)", {}),
    ("CyclicLR(base_lr=0.1, max_lr=0.2, step_size_up=4, cycle_momentum=False)", {"optimizer": "adam"}),
    ("CyclicLR(base_lr=0.1, max_lr=0.2, step_size_up=6)", {"optimizer": "adam", "group_lrs": [0.1, 0.3, 0.2]}),
    ("CyclicLR(base_lr=0.2, max_lr=0.2, step_size_up=6)", {}),  # constant
    ("CyclicLR(base_lr=-0.1, max_lr=0.0, step_size_up=3)", {}),  # negative and zero LR warnings
]


@pytest.mark.parametrize("small_blocks", BLOCK_SIZES, indirect=True)
@pytest.mark.parametrize(("spec", "kwargs"), CYCLIC)
def test_a_streamed_cyclic_trace_is_the_held_one(small_blocks, spec, kwargs):
    held = lrviz.trace(spec, 130, **kwargs)
    streamed = lrviz.trace(spec, 130, stream=True, **kwargs)
    assert held.path == streamed.path == "fast"
    assert streamed.warnings == held.warnings
    assert_same(held, streamed)


GENERAL = [
    ("CosineAnnealingWarmRestarts(T_0=10)", {}),  # restarts at 10, 20, ...: on block edges too
    ("CosineAnnealingWarmRestarts(T_0=7, T_mult=2, eta_min=0.01)", {"steps_per_epoch": 5}),
    (
        "SequentialLR(schedulers=[LinearLR(start_factor=0.1, total_iters=20), CosineAnnealingLR(T_max=90)],"
        " milestones=[20])",
        {},
    ),
    ("OneCycleLR(max_lr=0.5, total_steps=130)", {"group_lrs": [0.1, 0.05]}),
    ("MultiStepLR(milestones=[10, 30, 64], gamma=0.5)", {}),
    ("StepLR(step_size=7)", {"optimizer": "adam"}),
    ("LambdaLR(lr_lambda=lambda epoch: 1 - epoch / 60)", {}),  # zero, then negative
    ("LambdaLR(lr_lambda=lambda epoch: 0.0 if epoch > 100 else 1.0)", {}),
    ("ReduceLROnPlateau(factor=0.5, patience=3)", {"metric": "synthetic:plateau"}),
    ("ExponentialLR(gamma=1.05)", {}),  # a decaying schedule that rises: a warning
]


@pytest.mark.parametrize("small_blocks", BLOCK_SIZES, indirect=True)
@pytest.mark.parametrize(("spec", "kwargs"), GENERAL)
def test_any_trace_read_a_block_at_a_time_says_the_same(small_blocks, spec, kwargs):
    held = lrviz.trace(spec, 130, **kwargs)
    assert_same(held, streamed_copy(held))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    values=hnp.arrays(
        np.float64,
        st.integers(3, 60),
        elements=st.one_of(
            st.sampled_from([0.0, -0.0, 0.1, 0.2, -1.0, np.inf, -np.inf, np.nan]), st.floats(-1, 1, allow_nan=False)
        ),
    ),
    block=st.integers(1, 9),
)
def test_statistics_in_blocks_are_those_of_the_whole_row(values, block):
    held = lrviz.trace("StepLR(step_size=3)", len(values))  # decays: the rising check too
    held.lr = values[None, :].copy()
    saved = blocks.BLOCK, blocks.PASS
    blocks.BLOCK = blocks.PASS = block
    try:
        streamed = streamed_copy(held)
        assert tracing._suspicious(streamed) == tracing._suspicious(held)
        assert analysis.summary_line(streamed) == analysis.summary_line(held)
        assert repr(analysis.summary(streamed)) == repr(analysis.summary(held))
        assert repr(analysis.marks(streamed)) == repr(analysis.marks(held))
        assert streamed.momentum_varies == held.momentum_varies
    finally:
        blocks.BLOCK, blocks.PASS = saved


@pytest.mark.parametrize("small_blocks", [(700, 2000)], indirect=True)
def test_a_streamed_figure_is_the_held_figure_and_holds_no_values(small_blocks):
    from lrviz.render import figure

    # more steps than the envelope keeps (a few per pixel column), as a streamed trace has
    spec = "CyclicLR(base_lr=0.1, max_lr=0.2, step_size_up=400, mode='triangular2')"
    held = lrviz.trace(spec, 20_000, group_lrs=[0.1, 0.2])
    streamed = lrviz.trace(spec, 20_000, group_lrs=[0.1, 0.2], stream=True)
    pictures = []
    for t in (held, streamed):
        fig = figure.plot([t], annotate=True)
        pictures.append(figure.to_bytes(fig, "png", figure.DEFAULT_DPI))
    assert pictures[0] == pictures[1]
    csv = "".join(export.iter_csv(streamed))
    json_text = "".join(export.iter_json(streamed))
    assert csv == export.to_csv(held) and json_text == export.to_json(held)
    assert not streamed.lr.source._whole  # nothing read the whole trace


def test_only_long_traces_that_can_be_cut_are_streamed(monkeypatch):
    monkeypatch.setattr(tracing, "STREAM_STEPS", 100)
    assert not lrviz.trace("CyclicLR(base_lr=0.1, max_lr=0.2)", 100, stream=True).streamed
    assert lrviz.trace("CyclicLR(base_lr=0.1, max_lr=0.2)", 101, stream=True).streamed
    assert not lrviz.trace("CyclicLR(base_lr=0.1, max_lr=0.2)", 101).streamed  # the Python API holds them
    assert not lrviz.trace("StepLR(step_size=3)", 101, stream=True).streamed  # no way to cut it
    assert not lrviz.trace("CyclicLR(base_lr=0.1, max_lr=0.2)", 101, stream=True, exact=True).streamed


def test_row_and_values_index_like_arrays(monkeypatch):
    monkeypatch.setattr(blocks, "BLOCK", 8)
    held = lrviz.trace("CyclicLR(base_lr=0.1, max_lr=0.2, step_size_up=5)", 50, group_lrs=[0.1, 0.2])
    streamed = streamed_copy(held)
    for key in [0, 1, -1, (0, 3), (1, slice(5, 30)), (slice(None), slice(3, 40)), (slice(None), slice(45, 60))]:
        assert np.array_equal(np.asarray(streamed.lr[key]) if isinstance(key, int) else streamed.lr[key], held.lr[key])
    row = streamed.lr[1]
    for key in [0, 49, -1, -50, slice(0, 50), slice(7, 9), slice(20, 10), [3, 1, 40], np.arange(5)]:
        assert np.array_equal(row[key], held.lr[1][key])
    with pytest.raises(IndexError):
        row[50]
