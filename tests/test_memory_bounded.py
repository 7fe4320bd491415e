"""A long trace is reduced and computed a block at a time, so that its temporaries do not
grow with the steps: the results must be the ones computed all at once, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import lrviz
from lrviz.families import torch_fast
from lrviz.render import envelope as envelope_mod
from lrviz.render.envelope import envelope, step_envelope

SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

values = hnp.arrays(
    np.float64,
    st.integers(2, 400),
    elements=st.one_of(st.sampled_from([0.0, 1.0, 0.5, -0.0]), st.floats(-10, 10, allow_nan=False)),
)


@SETTINGS
@given(y=values, columns=st.integers(1, 40), chunk=st.integers(1, 50), ends=st.booleans(), per=st.sampled_from([0, 3]))
def test_chunked_envelope_is_the_envelope(y, columns, chunk, ends, per):
    x = np.arange(len(y)) / per if per else np.arange(len(y))
    whole = envelope(x, y, columns, ends=ends)
    saved = envelope_mod.CHUNK
    envelope_mod.CHUNK = chunk
    try:
        chunked = envelope(x, y, columns, ends=ends)
        steps = step_envelope(y, columns, per or None, ends=ends)
    finally:
        envelope_mod.CHUNK = saved
    for got in (chunked, steps):
        assert np.array_equal(got[0], whole[0]) and got[0].dtype == whole[0].dtype
        assert np.array_equal(got[1], whole[1])


def test_unsorted_or_non_finite_points_come_back_whole_in_chunks(monkeypatch):
    monkeypatch.setattr(envelope_mod, "CHUNK", 7)
    x = np.arange(100.0)
    x[50], x[51] = x[51], x[50]  # one pair out of order, inside a chunk
    assert len(envelope(x, np.sin(x), 3)[0]) == 100
    x = np.arange(100.0)
    x[56], x[55] = x[55], x[56]  # across two chunks (56 = 8 x 7)
    assert len(envelope(x, np.sin(x), 3)[0]) == 100
    y = np.sin(np.arange(100.0))
    y[99] = np.nan
    assert len(step_envelope(y, 3)[0]) == 100


@pytest.mark.parametrize(
    "spec",
    [
        "CyclicLR(base_lr=0.1, max_lr=0.2, step_size_up=5, step_size_down=3)",
        "CyclicLR(base_lr=0.1, max_lr=0.2, step_size_up=4, mode='triangular2')",
        "CyclicLR(base_lr=[0.1, 0.01], max_lr=0.2, step_size_up=4, mode='exp_range', gamma=0.99)",
        "CyclicLR(base_lr=0.1, max_lr=0.2, step_size_up=4, cycle_momentum=False)",
    ],
)
def test_cyclic_lr_in_blocks_is_cyclic_lr_at_once(spec, monkeypatch):
    kwargs = {"group_lrs": [0.1, 0.2]} if "[" in spec else {}
    whole = lrviz.trace(spec, 100, **kwargs)
    monkeypatch.setattr(torch_fast, "BLOCK", 7)
    blocks = lrviz.trace(spec, 100, **kwargs)
    assert whole.path == blocks.path == "fast"
    assert np.array_equal(whole.lr, blocks.lr)
    assert (whole.momentum is None) == (blocks.momentum is None)
    if whole.momentum is not None:
        assert np.array_equal(whole.momentum, blocks.momentum)


def test_momentum_that_moves_only_after_a_million_steps_moves():
    t = lrviz.trace("StepLR(step_size=3)", 10)
    n = (1 << 20) + 5
    still = np.full((1, n), 0.9)
    moved = still.copy()
    moved[0, -1] = 0.8
    for momentum, varies in ((still, False), (moved, True)):
        t.lr, t.momentum = np.full((1, n), 0.1), momentum
        assert t.momentum_varies is varies
