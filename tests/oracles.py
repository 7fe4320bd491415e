"""The tests' shared oracle: what a plain PyTorch training loop sees.

lrviz must equal torch exactly, so the expected values of most tests come from torch itself,
stepped here the way a user's training loop steps it: build an optimizer, build the scheduler
on it, and at every training step read each param group's LR (and momentum, or Adam's
beta1) before ``scheduler.step()``. Nothing here uses lrviz.

Other oracles stay where they are: test_recipes runs the Dive into Deep Learning seed's own
classes, and test_safe_expr compares with Python's own lambdas.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np
import torch

OPTIMIZERS: dict[str, tuple[type[torch.optim.Optimizer], dict[str, Any]]] = {
    "sgd": (torch.optim.SGD, {"momentum": 0.9}),
    "adam": (torch.optim.Adam, {}),
    "adamw": (torch.optim.AdamW, {}),
    "rmsprop": (torch.optim.RMSprop, {}),
    "adagrad": (torch.optim.Adagrad, {}),
}
"""The optimizers by the names lrviz uses, with the options they are built with: torch's
defaults, except SGD's momentum of 0.9 (the blog posts' value, and lrviz's default)."""


class Loop(NamedTuple):
    """What :func:`training_loop` read, one row per param group and one column per step."""

    lr: np.ndarray
    """(groups, steps): ``param_group["lr"]``."""
    momentum: np.ndarray | None
    """(groups, steps): ``param_group["momentum"]``, or ``param_group["betas"][0]`` (beta1)
    for the Adam family; None when the optimizer has neither (Adagrad)."""

    def tolist(self, group: int | None = None) -> tuple[list[Any], list[Any] | None]:
        """``(lr, momentum)`` as Python lists, to compare with ``==`` against values parsed
        from lrviz's CSV or JSON: per group (``[[...], ...]``), or only ``group``'s row.
        A missing momentum stays None."""

        def rows(values: np.ndarray) -> list[Any]:
            return values.tolist() if group is None else values[group].tolist()

        return rows(self.lr), None if self.momentum is None else rows(self.momentum)


def training_loop(
    make: Callable[[torch.optim.Optimizer], Any],
    steps: int,
    *,
    optimizer: str = "sgd",
    lr: float = 0.1,
    group_lrs: Sequence[float] = (),
    momentum: float | None = None,
    betas: tuple[float, float] | None = None,
    metric: Sequence[float] | np.ndarray | None = None,
    every: int = 1,
    backward: bool = False,
    read_state_dict: bool = False,
) -> Loop:
    """Run ``steps`` training steps of a plain loop and return what it read.

    The optimizer is ``OPTIMIZERS[optimizer]`` with one 2x2 parameter (seeded random values)
    per param group: one group with ``lr``, or one per entry of ``group_lrs`` (which then
    replaces ``lr``, also as the optimizer's default). ``momentum`` (SGD, RMSprop) and
    ``betas`` (Adam, AdamW) override the optimizer's own. ``make(optimizer)`` builds the
    scheduler; it may do anything a user does first (e.g. set ``initial_lr`` to resume).

    Each step ``i`` is, in order:

    1. with ``backward``: ``optimizer.zero_grad()`` and ``loss.backward()`` on a loss of
       every parameter (the blog posts' loop); without it the parameters have no gradient;
    2. ``optimizer.step()`` (it never changes a group's lr, so the LR read next is the one
       this step used);
    3. read every group's lr and momentum (beta1) from ``optimizer.param_groups``, or from
       ``optimizer.state_dict()["param_groups"]`` with ``read_state_dict``;
    4. unless ``i`` is the last step: ``scheduler.step()`` after every ``every``-th step
       (``every=k``: once per epoch of k steps), as ``scheduler.step(metric[epoch])`` when a
       ``metric`` is given (one value per epoch; per step when ``every`` is 1).

    The scheduler is not stepped after the last read: that step could not change a value
    already read, and OneCycleLR refuses a step past its total. Whatever torch raises (in
    the optimizer, in ``make`` or in a step before the last read) propagates.
    """
    lrs = list(group_lrs) or [lr]
    cls, options = OPTIMIZERS[optimizer]
    options = dict(options)
    if momentum is not None:
        options["momentum"] = momentum
    if betas is not None:
        options["betas"] = betas
    seed = torch.Generator().manual_seed(0)
    groups = [{"params": [torch.nn.Parameter(torch.randn(2, 2, generator=seed))], "lr": value} for value in lrs]
    opt = cls(groups, lr=lrs[0], **options)
    scheduler = make(opt)

    lr_read = np.empty((len(lrs), steps))
    momentum_read = np.full((len(lrs), steps), np.nan)
    for i in range(steps):
        if backward:
            opt.zero_grad()
            loss = sum((p**2).sum() for group in opt.param_groups for p in group["params"])
            loss.backward()
        opt.step()
        read = opt.state_dict()["param_groups"] if read_state_dict else opt.param_groups
        assert len(read) == len(lrs), "the scheduler added or removed param groups"
        for g, group in enumerate(read):
            lr_read[g, i] = group["lr"]
            if "momentum" in group:
                momentum_read[g, i] = group["momentum"]
            elif "betas" in group:
                momentum_read[g, i] = group["betas"][0]
        if i == steps - 1:
            break
        if (i + 1) % every == 0:
            if metric is None:
                scheduler.step()
            else:
                scheduler.step(float(metric[(i + 1) // every - 1]))

    has = {"momentum" in group or "betas" in group for group in opt.param_groups}
    assert len(has) == 1, "some param groups have a momentum, others not"
    return Loop(lr_read, momentum_read if has.pop() else None)
