"""An example of your own scheduler class, for `lrviz plot "module:Class(...)"`.

From the repository root:

    lrviz plot "docs.examples.my_schedules:WarmupCosine(warmup=10, total=100)"
"""

import math

from torch.optim.lr_scheduler import LRScheduler


class WarmupCosine(LRScheduler):
    """Linear warmup to the optimizer's LR, then a cosine decay to zero.

    Args:
        optimizer (Optimizer): Wrapped optimizer.
        warmup (int): Steps of linear warmup.
        total (int): Total training steps; the LR reaches zero here.
        last_epoch (int): The index of the last step. Default: -1.
    """

    def __init__(self, optimizer, warmup: int = 10, total: int = 100, last_epoch: int = -1):
        self.warmup = warmup
        self.total = total
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        step = self.last_epoch
        if step < self.warmup:
            factor = (step + 1) / self.warmup
        else:
            progress = (step - self.warmup) / max(1, self.total - self.warmup)
            factor = 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))
        return [base * factor for base in self.base_lrs]
