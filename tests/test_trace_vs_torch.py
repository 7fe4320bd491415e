"""Every registry entry, traced by lrviz, equals torch's own blog-style training loop.

The oracle builds the optimizer and scheduler with plain Python (the scheduler from the
constructor call's code text, evaluated by Python itself, lambdas included) and runs the
loop the blog posts run: zero_grad(), backward(), optimizer.step(), read state_dict(),
scheduler.step(). lrviz steps lean, so equality here shows that nothing it skips matters.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from oracles import training_loop
from torch.optim import lr_scheduler

import lrviz
from lrviz import registry
from lrviz.errors import LrvizError
from lrviz.metrics import default_metric
from lrviz.spec import parse

BLOG_LOOP = {"backward": True, "read_state_dict": True}
"""oracles.training_loop as the blog posts run it: zero_grad(), backward(), optimizer.step(),
read state_dict(), scheduler.step()."""


def from_code(code: str):
    """``make(optimizer)``: Python itself evaluates the constructor call's code text."""
    return lambda opt: eval(code, {"lr_scheduler": lr_scheduler, "optimizer": opt, "math": math})  # trusted test text


@pytest.mark.parametrize("name", [e.name for e in registry.entries() if e.family == "torch"])
@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
@pytest.mark.parametrize("group_lrs", [[0.1], [0.1, 0.01]], ids=["1group", "2groups"])
def test_every_entry_equals_torch(name, optimizer, group_lrs):
    entry = registry.get(name)
    assert entry.example, f"{name} needs an example in lrviz.families.torch.EXAMPLES"
    spec = parse(entry.example)
    t = lrviz.trace(spec, optimizer=optimizer, group_lrs=group_lrs if len(group_lrs) > 1 else (), lr=group_lrs[0])
    assert t.n_steps >= 10
    metric = default_metric(str(spec.value("mode")), t.n_steps) if entry.needs_metric else None
    lr, mom = training_loop(
        from_code(spec.to_code()), t.n_steps, optimizer=optimizer, group_lrs=group_lrs, metric=metric, **BLOG_LOOP
    )
    np.testing.assert_array_equal(t.lr, lr)
    assert t.momentum is not None
    np.testing.assert_array_equal(t.momentum, mom)
    assert t.momentum_name == ("momentum" if optimizer == "sgd" else "beta1")


@pytest.mark.parametrize(
    "text",
    [
        "CyclicLR(base_lr=0.00025, max_lr=0.001, cycle_momentum=False, mode='triangular2', step_size_up=60)",
        "CyclicLR(base_lr=0.1, max_lr=0.2, mode='exp_range', gamma=0.99, step_size_up=7)",
        "CyclicLR(base_lr=[0.1, 0.01], max_lr=[0.2, 0.02], step_size_up=5, scale_fn=lambda x: 1 / (2.0 ** (x - 1)))",
        "OneCycleLR(max_lr=[0.1, 0.05], epochs=4, steps_per_epoch=25, three_phase=True, anneal_strategy='linear')",
        "LambdaLR(lr_lambda=[lambda epoch: epoch // 30, lambda epoch: 0.95 ** epoch])",
        "LambdaLR(lr_lambda=lambda e: (e + 1) / 10 if e < 10 else 0.5 * (1 + math.cos(math.pi * (e - 10) / 90)))",
        "SequentialLR(schedulers=[LinearLR(start_factor=0.1, total_iters=10), CosineAnnealingLR(T_max=90)],"
        " milestones=[10])",
        "ChainedScheduler([ConstantLR(factor=0.5, total_iters=4), ExponentialLR(gamma=0.9), StepLR(step_size=3)])",
        "MultiStepLR(milestones=[0, 3, 3, 8], gamma=0.5)",
        "CosineAnnealingLR(T_max=10, eta_min=0.01, last_epoch=-1)",
        "CosineAnnealingWarmRestarts(T_0=5, T_mult=3)",
        "PolynomialLR(total_iters=20, power=0.5)",
        "ReduceLROnPlateau(mode='max', patience=2, cooldown=3, factor=0.5)",
    ],
)
def test_more_forms_equal_torch(text):
    spec = parse(text)
    t = lrviz.trace(spec, 100, group_lrs=[0.1, 0.01])
    metric = default_metric(str(spec.value("mode")), 100) if spec.entry.needs_metric else None
    lr, mom = training_loop(from_code(spec.to_code()), 100, group_lrs=[0.1, 0.01], metric=metric, **BLOG_LOOP)
    np.testing.assert_array_equal(t.lr, lr)
    np.testing.assert_array_equal(t.momentum, mom)


def test_values_read_before_each_step_match_the_papers_formulas():
    """CosineAnnealingLR follows SGDR's formula; OneCycleLR starts at max_lr/div_factor."""
    t = lrviz.trace("CosineAnnealingLR(T_max=50, eta_min=0.01)", 51, lr=0.2)
    steps = np.arange(51)
    formula = 0.01 + (0.2 - 0.01) * (1 + np.cos(np.pi * steps / 50)) / 2
    np.testing.assert_allclose(t.lr[0], formula, rtol=1e-12, atol=0)
    t = lrviz.trace("OneCycleLR(max_lr=0.5, total_steps=40, div_factor=20.0)", 40)
    assert t.lr[0, 0] == pytest.approx(0.5 / 20, rel=1e-15)
    assert t.lr[0].max() == pytest.approx(0.5, rel=1e-12)


def test_cyclic_starts_at_base_lr_on_a_fresh_optimizer_every_time():
    first = lrviz.trace("CyclicLR(base_lr=0.05, max_lr=0.2, step_size_up=4)", 10, lr=0.7)
    second = lrviz.trace("CyclicLR(base_lr=0.05, max_lr=0.2, step_size_up=4)", 10, lr=0.7)
    assert first.lr[0, 0] == 0.05
    np.testing.assert_array_equal(first.lr, second.lr)


def test_default_horizons_show_the_whole_shape():
    cyc = lrviz.trace("CyclicLR(base_lr=0.1, max_lr=0.2, step_size_up=30, step_size_down=10)")
    assert cyc.n_steps == 80 and cyc.horizon_reason
    one = lrviz.trace("OneCycleLR(max_lr=0.1, epochs=3, steps_per_epoch=40)")
    assert one.n_steps == 120 and one.steps_per_epoch == 40
    multi = lrviz.trace("MultiStepLR(milestones=[30, 80])")
    assert multi.n_steps > 80
    seq = lrviz.trace(registry.get("SequentialLR").example)
    assert seq.n_steps > 50 + 80
    assert lrviz.trace("StepLR(step_size=3)", 7).horizon_reason is None


def test_one_cycle_past_its_total_is_truncated_with_a_warning():
    t = lrviz.trace("OneCycleLR(max_lr=0.1, total_steps=50)", 80)
    assert t.n_steps == 50
    assert any("total_steps=50" in w for w in t.warnings)


def test_legal_nonsense_is_traced_with_warnings():
    neg = lrviz.trace("ExponentialLR(gamma=-0.5)", 10)
    assert any("negative" in w for w in neg.warnings)
    rising = lrviz.trace("StepLR(step_size=2, gamma=2.0)", 10)
    assert any("rises above" in w for w in rising.warnings)
    unsorted = lrviz.trace("MultiStepLR(milestones=[8, 3])", 10)
    assert any("not sorted" in w for w in unsorted.warnings)
    nan = lrviz.trace("LambdaLR(lr_lambda=lambda e: nan if e > 3 else 1)", 10)
    assert any("not finite" in w for w in nan.warnings)
    zero = lrviz.trace("StepLR(step_size=3)", 10, lr=0.0)
    assert any("is 0" in w for w in zero.warnings)


@pytest.mark.parametrize(
    "text",
    [
        "StepLR(step_size=0)",
        "CosineAnnealingLR(T_max=0)",
        "ConstantLR(factor=0.0)",
        "PolynomialLR(power=-1.0)",
        "CyclicLR(base_lr=0.1, max_lr=0.2, step_size_up=0)",
        "OneCycleLR(max_lr=0.1, total_steps=10, pct_start=0.1)",
        "OneCycleLR(max_lr=0.1)",
        "SequentialLR(schedulers=[StepLR(step_size=2), StepLR(step_size=3)], milestones=[])",
        "SequentialLR(schedulers=[StepLR(step_size=2), ReduceLROnPlateau()], milestones=[5])",
        "LambdaLR(lr_lambda=lambda e: 1 / (e - 3))",
        "LambdaLR(lr_lambda=[lambda e: 1, lambda e: 2, lambda e: 3])",
    ],
)
def test_late_failures_are_caught_before_or_while_stepping(text):
    with pytest.raises(LrvizError) as info:
        lrviz.trace(text, 20, group_lrs=[0.1, 0.01])
    assert "\n" not in str(info.value)


def test_steps_are_bounded():
    with pytest.raises(LrvizError, match="too many"):
        lrviz.trace("StepLR(step_size=3)", 10**12)
    with pytest.raises(LrvizError):
        lrviz.trace("StepLR(step_size=3)", 0)
