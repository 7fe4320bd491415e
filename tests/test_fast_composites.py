"""SequentialLR and ChainedScheduler on the fast path, nested or not, against torch itself.

Random composites of random children (the children the fast path knows, and some it does
not, which must make lrviz step torch), random milestones (sorted, unsorted, at 0, repeated,
past the end), one to three param groups, four optimizers. lrviz's fast path, its
``exact=True`` path and torch stepped in a plain training loop must agree bit for bit, and
the fast path must say so by its ``Trace.path``.
"""

from __future__ import annotations

import warnings

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
    return compare(text, torch_composite(name, kids, milestones), steps, optimizer, lrs)


def compare(text, make, steps, optimizer, lrs) -> str | None:
    """lrviz's fast path, its exact path and torch's scheduler built by ``make`` in a plain
    training loop; the fast path's Trace.path, or None when lrviz refused."""
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
    with warnings.catch_warnings():  # said in both traces' warnings, compared above
        warnings.filterwarnings("ignore", "Detected call of `lr_scheduler.step..` before", UserWarning)
        reference = training_loop(make, quick.n_steps, optimizer=optimizer, group_lrs=lrs)
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
        "SequentialLR(schedulers=[ConstantLR(), CyclicLR(base_lr=0.01, max_lr=0.1)], milestones=[5])])",
    ):
        assert lrviz.trace(text, 50).path == "torch", text


def test_a_long_warmup_and_cosine_is_the_same_bits_as_torch():
    text = (
        "SequentialLR(schedulers=[LinearLR(start_factor=0.01, total_iters=1000), "
        "CosineAnnealingLR(T_max=99000, eta_min=1e-5)], milestones=[1000])"
    )
    quick, slow = lrviz.trace(text, 100_000), lrviz.trace(text, 100_000, exact=True)
    assert quick.path == "fast" and np.array_equal(quick.lr, slow.lr)


# --------------------------------------------------------------------------------------
# Composites inside composites


Node = tuple  # ("leaf", name, kwargs) or ("composite", name, [Node], milestones or None)


@st.composite
def nestings(draw: st.DrawFn, groups: int, depth: int = 2) -> Node:
    """A composite whose children are schedules and, now and then, composites: anywhere in a
    ChainedScheduler, anywhere in a SequentialLR too (torch fails at the milestone of one
    that is not first, and lrviz must then step torch and fail the same way)."""
    kids: list[Node] = [("leaf", name, kwargs) for name, kwargs in draw(children(groups))]
    for i in range(len(kids)):
        if depth and draw(st.integers(0, 2)) == 0:
            kids[i] = draw(nestings(groups, depth - 1))
    if draw(st.booleans()):
        return ("composite", "ChainedScheduler", kids, None)
    if draw(st.integers(0, 4)):
        milestones = sorted(
            draw(st.lists(st.integers(1, 200), min_size=len(kids) - 1, max_size=len(kids) - 1, unique=True))
        )
    else:
        milestones = draw(st.lists(st.integers(0, 80), min_size=len(kids) - 1, max_size=len(kids) - 1))
    return ("composite", "SequentialLR", kids, milestones)


def node_text(node: Node) -> str:
    if node[0] == "leaf":
        return spec_text(node[1], node[2])
    _, name, kids, milestones = node
    inner = ", ".join(node_text(kid) for kid in kids)
    if milestones is None:
        return f"{name}(schedulers=[{inner}])"
    return f"{name}(schedulers=[{inner}], milestones={milestones!r})"


def torch_node(node: Node):
    """The scheduler torch builds for ``node`` on ``opt``: children first, in order."""

    def make(opt):
        if node[0] == "leaf":
            args = dict(node[2])
            if "lr_lambda" in args:
                fn = args["lr_lambda"]
                args["lr_lambda"] = [_python_lambda(f) for f in fn] if isinstance(fn, list) else _python_lambda(fn)
            return getattr(torch.optim.lr_scheduler, node[1])(opt, **args)
        _, name, kids, milestones = node
        built = [torch_node(kid)(opt) for kid in kids]
        if milestones is None:
            return torch.optim.lr_scheduler.ChainedScheduler(built)
        return torch.optim.lr_scheduler.SequentialLR(opt, built, milestones)

    return make


@SETTINGS
@given(data=st.data())
def test_random_nested_composites_equal_torch_bit_for_bit(data: st.DataObject) -> None:
    groups = data.draw(st.integers(1, 3), label="groups")
    node = data.draw(nestings(groups), label="nesting")
    lrs = [data.draw(_floats(0.001, 1.0), label="lr") for _ in range(groups)]
    optimizer = data.draw(st.sampled_from(sorted(OPTIMIZERS)), label="optimizer")
    steps = data.draw(st.integers(1, 300), label="steps")
    compare(node_text(node), torch_node(node), steps, optimizer, lrs)


WARMUP = ("leaf", "LinearLR", {"start_factor": 0.01, "total_iters": 10})
COSINE = ("leaf", "CosineAnnealingLR", {"T_max": 90, "eta_min": 0.001})
WARMUP_COSINE = ("composite", "SequentialLR", [WARMUP, COSINE], [10])
CHAINED_WARMUP = ("composite", "ChainedScheduler", [WARMUP, ("leaf", "ExponentialLR", {"gamma": 0.98})], None)
THREE_PHASES = (
    "composite",
    "SequentialLR",
    [("leaf", "ConstantLR", {"factor": 0.5, "total_iters": 3}), WARMUP, COSINE],
    [1, 12],  # the first milestone is reached by the outer constructor's first step
)
LAMBDA_WARMUP = ("composite", "ChainedScheduler", [WARMUP, ("leaf", "LambdaLR", {"lr_lambda": "0.99 ** epoch"})], None)
NESTINGS = {
    # a warmup and cosine, the whole of it decayed a little more at every step
    "chained-warmup-cosine-decay": (
        ("composite", "ChainedScheduler", [WARMUP_COSINE, ("leaf", "ExponentialLR", {"gamma": 0.999})], None),
        "fast",
    ),
    # the decay built first: the SequentialLR's constructor puts the LR back to initial_lr
    "decay-then-sequential": (
        ("composite", "ChainedScheduler", [("leaf", "ExponentialLR", {"gamma": 0.99}), WARMUP_COSINE], None),
        "fast",
    ),
    # a SequentialLR first in a SequentialLR, then a MultiplicativeLR handed over to
    "sequential-of-sequential": (
        ("composite", "SequentialLR", [THREE_PHASES, ("leaf", "MultiplicativeLR", {"lr_lambda": "0.97"})], [60]),
        "fast",
    ),
    # three levels
    "three-levels": (
        (
            "composite",
            "ChainedScheduler",
            [
                ("composite", "SequentialLR", [LAMBDA_WARMUP, COSINE], [15]),
                ("leaf", "StepLR", {"step_size": 40, "gamma": 0.1}),
            ],
            None,
        ),
        "torch",  # the SequentialLR's constructor steps the chained ones (see below)
    ),
    # a chained warmup first in a SequentialLR: the SequentialLR's constructor steps the
    # chained schedulers, torch warns that they are stepped before the optimizer, and lrviz
    # steps torch to say so
    "sequential-of-chained": (
        ("composite", "SequentialLR", [CHAINED_WARMUP, ("leaf", "StepLR", {"step_size": 25, "gamma": 0.5})], [30]),
        "torch",
    ),
}


@pytest.mark.parametrize(("node", "path"), NESTINGS.values(), ids=NESTINGS.keys())
@pytest.mark.parametrize("groups", [[0.1], [0.1, 0.037]], ids=["1group", "2groups"])
@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_common_nested_composites_take_the_fast_path_and_equal_torch(node, path, groups, optimizer):
    assert compare(node_text(node), torch_node(node), 150, optimizer, groups) == path


def test_a_composite_handed_over_to_is_a_clear_error_once_its_milestone_is_reached():
    text = (
        "SequentialLR(schedulers=[LinearLR(total_iters=5), ChainedScheduler([ExponentialLR(gamma=0.9)])], "
        "milestones=[20])"
    )
    assert lrviz.trace(text, 20).path == "torch"  # the milestone is not reached
    with pytest.raises(NotImplementedError):  # what torch itself does at the milestone
        training_loop(torch_node(NESTED_LATE), 21, optimizer="sgd", group_lrs=[0.1])
    messages = []
    for exact in (False, True):
        with pytest.raises(LrvizError) as caught:
            lrviz.trace(text, 21, exact=exact)
        messages.append(caught.value.message)
    assert messages[0] == messages[1]
    assert "a ChainedScheduler cannot take over at milestone 20" in messages[0]


NESTED_LATE = (
    "composite",
    "SequentialLR",
    [
        ("leaf", "LinearLR", {"total_iters": 5}),
        ("composite", "ChainedScheduler", [("leaf", "ExponentialLR", {"gamma": 0.9})], None),
    ],
    [20],
)
