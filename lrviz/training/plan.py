"""A training run's plan: the schedule, how it is traced, and when the loop steps it.

A log records the LR at *positions*: the number of optimizer updates done when the LR was
read (so the LR in force for the next update). :meth:`Stepping.index` turns positions into
the number of ``scheduler.step()`` calls done by then, which indexes the trace.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from lrviz.config import TraceOptions
from lrviz.spec import Spec

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class Stepping:
    """When a training loop calls ``scheduler.step()``.

    ``interval``: "step" (after optimizer updates) or "epoch" (after epochs);
    ``frequency``: every that many intervals; ``steps_per_epoch``: optimizer updates per
    epoch. ``batches_per_epoch`` and ``accumulation`` describe Lightning's loop, which
    counts ``frequency`` in batches within an epoch (both None elsewhere)."""

    interval: str = "step"
    frequency: int = 1
    steps_per_epoch: int | None = None
    batches_per_epoch: int | None = None
    accumulation: int = 1

    def index(self, positions: np.ndarray) -> np.ndarray:
        """The scheduler steps done after each position's optimizer updates."""
        import numpy as np

        p = np.asarray(positions, dtype=np.int64)
        if self.interval == "epoch":
            if not self.steps_per_epoch:
                raise ValueError("per-epoch stepping needs steps_per_epoch")
            return (p // self.steps_per_epoch) // self.frequency
        if self.frequency == 1 or self.batches_per_epoch is None:
            return p // self.frequency
        # Lightning: an update ends each group of `accumulation` batches (and the epoch's last
        # batch); the scheduler steps after an update whose batch index + 1 is a multiple of
        # `frequency`, counted from 0 again each epoch.
        batches = range(self.batches_per_epoch)
        ends = [b for b in batches if (b + 1) % self.accumulation == 0 or b == self.batches_per_epoch - 1]
        stepped = np.array([(b + 1) % self.frequency == 0 for b in ends], dtype=np.int64)
        before = np.concatenate([[0], np.cumsum(stepped)])
        per_epoch = len(ends)
        index: np.ndarray = (p // per_epoch) * int(before[-1]) + before[p % per_epoch]
        return index

    def batches(self, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(micro-batches in the first p updates, micro-batches of update p + 1) at each
        position p: an epoch of ``batches_per_epoch`` batches ends with a short update."""
        import numpy as np

        if not self.batches_per_epoch:
            raise ValueError("needs batches_per_epoch")
        b, a = self.batches_per_epoch, self.accumulation
        sizes = np.array([min(a, b - i) for i in range(0, b, a)], dtype=np.int64)
        before = np.concatenate([[0], np.cumsum(sizes)])
        p = np.asarray(positions, dtype=np.int64)
        epoch, within = p // len(sizes), p % len(sizes)
        return epoch * b + before[within], sizes[within]

    def describe(self) -> str:
        every = "" if self.frequency == 1 else f" every {self.frequency}"
        if self.interval == "epoch":
            return f"scheduler.step() once per epoch{every} ({self.steps_per_epoch:,} updates per epoch)"
        return f"scheduler.step() after every update{every}" if every else "scheduler.step() after every update"


@dataclass(frozen=True)
class Plan:
    """The schedule a training run is meant to follow."""

    spec: Spec
    options: TraceOptions
    stepping: Stepping = field(default_factory=Stepping)
    source: str = ""  # "FILE (Hugging Face TrainingArguments)"
    notes: tuple[str, ...] = ()  # the derived numbers, one line each
    updates: int | None = None  # the run's optimizer updates, when the config fixes them
    # Numbers a mistake may have multiplied the step count by: {"gradient_accumulation_steps": 4}
    factors: tuple[tuple[str, int], ...] = ()
    # The same config with another number of updates (warmup recomputed as the framework does)
    rebuild: Callable[[int], Plan] | None = field(default=None, compare=False, repr=False)
    # Update counts the same config gives under other settings: ("1 device, not 2", 36)
    variants: tuple[tuple[str, int], ...] = ()

    def with_spec(self, spec: Spec) -> Plan:
        return replace(self, spec=spec)

    def with_stepping(self, stepping: Stepping) -> Plan:
        return replace(self, stepping=stepping)
