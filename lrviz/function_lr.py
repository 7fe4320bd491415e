"""FunctionLR: a plain ``step -> learning rate`` callable run as a torch scheduler.

The hand-written schedulers of *Dive into Deep Learning* (see :mod:`lrviz.families.d2l`) are callables of the epoch
whose value the training loop writes into every param group
(``param_group['lr'] = scheduler(ep)``). :class:`FunctionLR` does the same inside torch's
:class:`~torch.optim.lr_scheduler.LRScheduler` protocol, so lrviz steps them like any
torch scheduler. The value is absolute: the optimizer's own lr is ignored.

This module imports torch; lrviz imports it only when building a schedule. The class's
source is also copied into the code lrviz generates (:func:`lrviz.families.d2l.function_lr_source`),
so it uses nothing beyond ``torch``, ``lr_scheduler`` and ``Callable``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from torch.optim import lr_scheduler

if TYPE_CHECKING:
    import torch


class FunctionLR(lr_scheduler.LRScheduler):
    """Set every param group's lr to ``fn(step)``: an absolute LR, not a factor.

    ``fn`` is called exactly once per ``scheduler.step()`` (and once when the scheduler is
    built, for step 0), in step order, so stateful callables see the calls a hand-written
    training loop makes.
    """

    def __init__(self, optimizer: torch.optim.Optimizer, fn: Callable[[int], float], last_epoch: int = -1) -> None:
        self.fn = fn
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float | torch.Tensor]:  # one per param group
        lr = self.fn(self.last_epoch)
        return [lr for _ in self.optimizer.param_groups]
