"""The tests' shared oracle: what a plain PyTorch training loop sees.

lrviz must equal torch exactly, so the expected values of most tests come from torch itself,
stepped here the way a user's training loop steps it: build an optimizer, build the scheduler
on it, and at every training step read each param group's LR (and momentum, or Adam's
beta1) before ``scheduler.step()``. Nothing here uses lrviz.

timm's schedulers are told the time rather than stepped, so :func:`timm_loop` is timm's own
``train.py`` loop around them. Other oracles stay where they are: test_recipes runs the Dive
into Deep Learning seed's own classes, and test_safe_expr compares with Python's own lambdas.
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
    opt = _optimizer(optimizer, list(group_lrs) or [lr], momentum, betas)
    scheduler = make(opt)
    reads = _Reads(opt, steps, read_state_dict)
    for i in range(steps):
        if backward:
            _backward(opt)
        opt.step()
        reads.read(i)
        if i == steps - 1:
            break
        if (i + 1) % every == 0:
            if metric is None:
                scheduler.step()
            else:
                scheduler.step(float(metric[(i + 1) // every - 1]))
    return reads.result()


def timm_loop(
    make: Callable[[torch.optim.Optimizer], Any],
    updates: int,
    *,
    updates_per_epoch: int | None = None,
    optimizer: str = "sgd",
    lr: float = 0.1,
    group_lrs: Sequence[float] = (),
    momentum: float | None = None,
    betas: tuple[float, float] | None = None,
    metric: Sequence[float] | np.ndarray | None = None,
) -> Loop:
    """Run ``updates`` optimizer updates of timm's own training loop and return what they read.

    timm's schedulers are stepped the way its ``train.py`` steps them, with the optimizer of
    :func:`training_loop`, and the values read at the same point (before the update's
    ``optimizer.step()`` changes anything but the parameters). In ``train_one_epoch`` each
    update is: ``loss.backward()``, ``optimizer.step()``, ``num_updates += 1``,
    ``lr_scheduler.step_update(num_updates=num_updates, metric=<the running mean loss>)``;
    after an epoch of ``updates_per_epoch`` updates, the main loop calls
    ``lr_scheduler.step(epoch + 1, <the epoch's eval metric>)`` with ``metric[epoch]`` (None
    without a metric). Without ``updates_per_epoch`` the loop has no epochs: only
    ``step_update`` is called. Nothing is stepped after the last read.
    """
    opt = _optimizer(optimizer, list(group_lrs) or [lr], momentum, betas)
    scheduler = make(opt)
    reads = _Reads(opt, updates)
    num_updates = 0
    losses: list[float] = []
    for i in range(updates):
        losses.append(float(_backward(opt)))
        opt.step()
        reads.read(i)
        if i == updates - 1:
            break
        num_updates += 1
        scheduler.step_update(num_updates=num_updates, metric=sum(losses) / len(losses))
        if updates_per_epoch and num_updates % updates_per_epoch == 0:
            epoch = num_updates // updates_per_epoch - 1
            losses.clear()
            scheduler.step(epoch + 1, None if metric is None else float(metric[epoch]))
    return reads.result()


def _optimizer(
    name: str, lrs: list[float], momentum: float | None, betas: tuple[float, float] | None
) -> torch.optim.Optimizer:
    """``OPTIMIZERS[name]`` with one 2x2 parameter (seeded random values) per group."""
    cls, options = OPTIMIZERS[name]
    options = dict(options)
    if momentum is not None:
        options["momentum"] = momentum
    if betas is not None:
        options["betas"] = betas
    seed = torch.Generator().manual_seed(0)
    groups = [{"params": [torch.nn.Parameter(torch.randn(2, 2, generator=seed))], "lr": value} for value in lrs]
    return cls(groups, lr=lrs[0], **options)


def _backward(opt: torch.optim.Optimizer) -> torch.Tensor:
    """``zero_grad()`` and ``backward()`` of a loss of every parameter (the blog posts' loop)."""
    opt.zero_grad()
    loss = sum((p**2).sum() for group in opt.param_groups for p in group["params"])
    assert isinstance(loss, torch.Tensor)
    loss.backward()
    return loss.detach()


class _Reads:
    """Every group's lr and momentum (or beta1), one column per step."""

    def __init__(self, opt: torch.optim.Optimizer, steps: int, state_dict: bool = False) -> None:
        self.opt, self.state_dict = opt, state_dict
        self.groups = len(opt.param_groups)
        self.lr = np.empty((self.groups, steps))
        self.momentum = np.full((self.groups, steps), np.nan)

    def read(self, i: int) -> None:
        read = self.opt.state_dict()["param_groups"] if self.state_dict else self.opt.param_groups
        assert len(read) == self.groups, "the scheduler added or removed param groups"
        for g, group in enumerate(read):
            self.lr[g, i] = group["lr"]
            if "momentum" in group:
                self.momentum[g, i] = group["momentum"]
            elif "betas" in group:
                self.momentum[g, i] = group["betas"][0]

    def result(self) -> Loop:
        has = {"momentum" in group or "betas" in group for group in self.opt.param_groups}
        assert len(has) == 1, "some param groups have a momentum, others not"
        return Loop(self.lr, self.momentum if has.pop() else None)
