"""SequentialLR and ChainedScheduler on the fast path, against torch itself.

Random composites of random children (the children the fast path knows, and some it does
not, which must make lrviz step torch), random milestones (sorted, unsorted, at 0, repeated,
past the end), one to three param groups, four optimizers. lrviz's fast path, its
``exact=True`` path and torch stepped in a plain training loop must agree bit for bit, and
the fast path must say so by its ``Trace.path``.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from oracles import training_loop
from test_fast import OPTIMIZERS, SETTINGS, _floats, _python_lambda, kwargs_for, spec_text

import lrviz
from lrviz.errors import LrvizError

FAST_CHILDREN = (
    "StepLR",
    "MultiStepLR",
    "ConstantLR",
    "LinearLR",
    "ExponentialLR",
    "PolynomialLR",
    "CosineAnnealingLR",
    "LambdaLR",
    "MultiplicativeLR",
)
OTHER_CHILDREN = ("CyclicLR", "OneCycleLR", "CosineAnnealingWarmRestarts")


@st.composite
def children(draw: st.DrawFn, groups: int) -> list[tuple[str, dict]]:
    """One to three children: mostly ones the fast path knows, now and then one it does not."""
    kinds = st.sampled_from(FAST_CHILDREN) | st.sampled_from(OTHER_CHILDREN)
    names = [
        draw(st.sampled_from(FAST_CHILDREN) if draw(st.integers(0, 9)) else kinds)
        for _ in range(draw(st.integers(1, 3)))
    ]
    return [(name, kwargs_for(name, draw, groups)) for name in names]


@st.composite
def composites(draw: st.DrawFn, groups: int) -> tuple[str, list[tuple[str, dict]], list[int] | None]:
    kids = draw(children(groups))
    if draw(st.booleans()):
        return "ChainedScheduler", kids, None
    if draw(st.integers(0, 4)):
        milestones = sorted(
            draw(st.lists(st.integers(1, 300), min_size=len(kids) - 1, max_size=len(kids) - 1, unique=True))
        )
    else:  # odd ones: unsorted, at 0, repeated
        milestones = draw(st.lists(st.integers(0, 120), min_size=len(kids) - 1, max_size=len(kids) - 1))
    return "SequentialLR", kids, milestones


def composite_text(name: str, kids: list[tuple[str, dict]], milestones: list[int] | None) -> str:
    inner = ", ".join(spec_text(child, kwargs) for child, kwargs in kids)
    if milestones is None:
        return f"{name}(schedulers=[{inner}])"
    return f"{name}(schedulers=[{inner}], milestones={milestones!r})"


def torch_composite(name: str, kids: list[tuple[str, dict]], milestones: list[int] | None):
    """The composite built by torch itself on ``opt``, from the drawn arguments."""

    def make(opt):
        built = []
        for child, kwargs in kids:
            args = dict(kwargs)
            if "lr_lambda" in args:
                fn = args["lr_lambda"]
                args["lr_lambda"] = [_python_lambda(f) for f in fn] if isinstance(fn, list) else _python_lambda(fn)
            built.append(getattr(torch.optim.lr_scheduler, child)(opt, **args))
        if milestones is None:
            return torch.optim.lr_scheduler.ChainedScheduler(built)
        return torch.optim.lr_scheduler.SequentialLR(opt, built, milestones)

    return make


def trace_or_message(text: str, steps: int, optimizer: str, lrs: list[float], exact: bool):
    try:
        return lrviz.trace(
            text, steps, optimizer=optimizer, lr=lrs[0], group_lrs=lrs if len(lrs) > 1 else (), exact=exact
        )
    except LrvizError as exc:
        return exc.message


def check(name, kids, milestones, steps, optimizer, lrs) -> str | None:
    """Compare the three; the fast path's Trace.path, or None when lrviz refused."""
    text = composite_text(name, kids, milestones)
    quick = trace_or_message(text, steps, optimizer, lrs, exact=False)
    slow = trace_or_message(text, steps, optimizer, lrs, exact=True)
    if isinstance(quick, str) or isinstance(slow, str):
        assert quick == slow, f"{text}: {quick!r} vs {slow!r}"
        return None
    assert slow.path == "torch"
    assert quick.lr.tobytes() == slow.lr.tobytes(), text
    assert (quick.momentum is None) == (slow.momentum is None)
    if quick.momentum is not None:
        assert quick.momentum.tobytes() == slow.momentum.tobytes(), text
    assert (quick.warnings, quick.events, quick.optimizer) == (slow.warnings, slow.events, slow.optimizer), text
    reference = training_loop(
        torch_composite(name, kids, milestones), quick.n_steps, optimizer=optimizer, group_lrs=lrs
    )
    assert quick.lr.tobytes() == reference.lr.tobytes(), text
    return quick.path


@SETTINGS
@given(data=st.data())
def test_random_composites_equal_torch_bit_for_bit(data: st.DataObject) -> None:
    groups = data.draw(st.integers(1, 3), label="groups")
    name, kids, milestones = data.draw(composites(groups), label="composite")
    lrs = [data.draw(_floats(0.001, 1.0), label="lr") for _ in range(groups)]
    optimizer = data.draw(st.sampled_from(sorted(OPTIMIZERS)), label="optimizer")
    steps = data.draw(st.integers(1, 400), label="steps")
    check(name, kids, milestones, steps, optimizer, lrs)


@pytest.mark.parametrize(
    ("name", "kids", "milestones"),
    [
        (
            "SequentialLR",
            [
                ("LinearLR", {"start_factor": 0.01, "total_iters": 50}),
                ("CosineAnnealingLR", {"T_max": 950, "eta_min": 0.003}),
            ],
            [50],
        ),
        (
            "SequentialLR",
            [("LinearLR", {"start_factor": 0.1, "total_iters": 10}), ("StepLR", {"step_size": 30, "gamma": 0.5})],
            [10],
        ),
        (
            "SequentialLR",
            [
                ("ConstantLR", {"factor": 0.5, "total_iters": 4}),
                ("ExponentialLR", {"gamma": 0.99}),
                ("PolynomialLR", {"total_iters": 300, "power": 2.0}),
            ],
            [20, 300],
        ),
        (
            "SequentialLR",
            [
                ("LambdaLR", {"lr_lambda": "(epoch + 1) / 10"}),
                ("MultiplicativeLR", {"lr_lambda": "0.995"}),
                ("MultiStepLR", {"milestones": [100, 200], "gamma": 0.1}),
            ],
            [9, 400],
        ),
        (
            "ChainedScheduler",
            [
                ("ConstantLR", {"factor": 0.5, "total_iters": 4}),
                ("ExponentialLR", {"gamma": 0.99}),
                ("StepLR", {"step_size": 3}),
            ],
            None,
        ),
        (
            "ChainedScheduler",
            [
                ("LinearLR", {"start_factor": 0.1, "total_iters": 10}),
                ("CosineAnnealingLR", {"T_max": 37, "eta_min": 0.01}),
            ],
            None,
        ),
        (
            "ChainedScheduler",
            [("LambdaLR", {"lr_lambda": "0.99 ** epoch"}), ("MultiplicativeLR", {"lr_lambda": "0.999"})],
            None,
        ),
    ],
    ids=[
        "warmup-cosine",
        "warmup-step",
        "three-phases",
        "lambda-multiplicative-multistep",
        "chained-factors",
        "chained-cosine",
        "chained-absolute",
    ],
)
@pytest.mark.parametrize("groups", [[0.1], [0.1, 0.037]], ids=["1group", "2groups"])
@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_common_composites_take_the_fast_path_and_equal_torch(name, kids, milestones, groups, optimizer):
    assert check(name, kids, milestones, 1000, optimizer, groups) == "fast"


def test_children_the_fast_path_does_not_know_step_torch():
    for text in (
        "SequentialLR(schedulers=[LinearLR(total_iters=5), CyclicLR(base_lr=0.01, max_lr=0.1)], milestones=[5])",
        "SequentialLR(schedulers=[LinearLR(total_iters=5), ExponentialLR(gamma=0.9)], milestones=[0])",
        "ChainedScheduler([ExponentialLR(gamma=0.9), CosineAnnealingWarmRestarts(T_0=10)])",
        "ChainedScheduler([ExponentialLR(gamma=0.9), "
        "SequentialLR(schedulers=[ConstantLR(), StepLR(step_size=3)], milestones=[5])])",
    ):
        assert lrviz.trace(text, 50).path == "torch", text


def test_a_long_warmup_and_cosine_is_the_same_bits_as_torch():
    text = (
        "SequentialLR(schedulers=[LinearLR(start_factor=0.01, total_iters=1000), "
        "CosineAnnealingLR(T_max=99000, eta_min=1e-5)], milestones=[1000])"
    )
    quick, slow = lrviz.trace(text, 100_000), lrviz.trace(text, 100_000, exact=True)
    assert quick.path == "fast" and np.array_equal(quick.lr, slow.lr)
