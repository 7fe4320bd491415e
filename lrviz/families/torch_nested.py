"""Composites inside composites (a SequentialLR in a ChainedScheduler, a ChainedScheduler
first in a SequentialLR), computed the way torch runs them: step by step, on plain floats.

Nested, torch's composites act on one another through the optimizer: each child's
constructor takes its first step on the LR the schedulers built before it left; a
SequentialLR's constructor puts every group's LR back to its ``initial_lr``, moves the
``last_epoch`` of every scheduler below it back by one (``recursive_undo``) and redoes the
first child's first step; a ChainedScheduler's constructor does nothing and its ``step``
steps every child in order; at a milestone a SequentialLR calls the next child's
``_update_lr(0)``. Here each of these is a small object doing exactly that to a list of
floats (one per param group), and each schedule that is not a composite steps as
:mod:`lrviz.families.torch_fast` computes its ``get_lr``: a :data:`Leaf`.

Whatever torch would do that is not modelled raises :class:`~lrviz.fast_path.Unsupported`
(lrviz then steps torch): a composite after a SequentialLR's first milestone (torch calls
its ``get_lr``, which composites do not have), milestones that are not increasing positive
integers, a scheduler stepped to an epoch before its first.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from lrviz.fast_path import Unsupported, integer

if TYPE_CHECKING:
    import numpy as np

    from lrviz.schedule import Spec

COMPOSITES = ("SequentialLR", "ChainedScheduler")

Step = Callable[[int, int, float], float]
HandOff = Callable[[int, float], float]
Leaf = tuple[Step, HandOff, int]
"""A schedule that is not a composite: its step ``(group, epoch, lr) -> lr`` (``epoch``: its
``last_epoch`` after the step, 0 for its constructor's), its ``_update_lr(0)`` when a
SequentialLR hands over to it ``(group, lr) -> lr``, and how many epochs its step knows (0
to that number minus one)."""


def nested(spec: Spec) -> bool:
    """Whether a composite has a composite among its children."""
    children = spec.value("schedulers")
    return isinstance(children, list) and any(getattr(c, "name", None) in COMPOSITES for c in children)


def values(spec: Spec, lrs: Sequence[float], n: int, leaf: Callable[[Spec], Leaf]) -> np.ndarray:
    """The LR of every group at steps 0..n-1 of the composite ``spec``, built on an optimizer
    whose LRs are ``lrs`` as torch builds it (children first, in order), then stepped."""
    import numpy as np

    building = [True]
    root = _node(spec, leaf, building)
    current = list(lrs)
    root.construct(current, list(lrs))
    building[0] = False
    columns: list[list[float]] = [[] for _ in lrs]
    for t in range(n):
        if t:
            root.step(current)
        for g, value in enumerate(current):
            columns[g].append(value)
    return np.array(columns, dtype=float).reshape(len(lrs), n)


def _node(spec: Spec, leaf: Callable[[Spec], Leaf], building: list[bool]) -> Any:
    if spec.name not in COMPOSITES:
        return _Leaf(*leaf(spec), building)
    if spec.args.get("last_epoch", -1) not in (-1, None):
        raise Unsupported  # resuming: torch is stepped
    children = spec.value("schedulers")
    if not isinstance(children, list) or not children:
        raise Unsupported  # torch raises its own error
    nodes = [_node(child, leaf, building) for child in children]
    if spec.name == "ChainedScheduler":
        return _Chained(nodes)
    steps = milestones(spec, len(children))
    if any(not isinstance(node, _Leaf) for node in nodes[1:]):
        raise Unsupported  # torch would call the composite's get_lr at its milestone: an error
    return _Sequential(nodes, steps)


def milestones(spec: Spec, children: int) -> list[int]:
    """A SequentialLR's milestones, one between each pair of its ``children``, increasing
    from above 0 (else Unsupported: torch raises, or its bisect skips children)."""
    given = spec.value("milestones")
    if not isinstance(given, list) or len(given) != children - 1:
        raise Unsupported
    steps = [integer(m) for m in given]
    if any(b <= a for a, b in zip([0, *steps], steps, strict=False)):
        raise Unsupported  # a milestone at 0, repeated or unsorted
    return steps


class _Leaf:
    """A scheduler that is not a composite, as LRScheduler runs it."""

    def __init__(self, step: Step, hand: HandOff, epochs: int, building: list[bool]) -> None:
        self.fn, self.hand, self.epochs, self.building = step, hand, epochs, building
        self.last_epoch = -1

    def construct(self, current: list[float], initial: list[float]) -> None:
        self.last_epoch = -1
        self.initial_step(current)

    def initial_step(self, current: list[float]) -> None:
        """``_initial_step``: its step at epoch 0 in torch's initial mode."""
        self.last_epoch += 1
        if self.last_epoch != 0:
            raise Unsupported
        self._apply(current)

    def step(self, current: list[float]) -> None:
        if self.building[0]:
            # stepped by a composite's first step while the composites are built: torch
            # warns that the scheduler is stepped before the optimizer, and its get_lr at
            # epoch 0 outside the initial mode differs; torch is stepped to say so
            raise Unsupported
        self.last_epoch += 1
        if not 0 < self.last_epoch < self.epochs:
            raise Unsupported  # an epoch its step does not know
        self._apply(current)

    def _apply(self, current: list[float]) -> None:
        fn, t = self.fn, self.last_epoch
        for g, lr in enumerate(current):
            current[g] = fn(g, t, lr)

    def hand_off(self, current: list[float]) -> None:
        """``_update_lr(0)``: epoch 0 and its closed form (or get_lr), on the LR it finds."""
        self.last_epoch = 0
        for g, lr in enumerate(current):
            current[g] = self.hand(g, lr)

    def undo(self) -> None:
        self.last_epoch -= 1


class _Chained:
    """ChainedScheduler: no first step of its own; each step steps every child in order."""

    def __init__(self, children: list[Any]) -> None:
        self.children = children

    def construct(self, current: list[float], initial: list[float]) -> None:
        for child in self.children:
            child.construct(current, initial)

    def initial_step(self, current: list[float]) -> None:
        self.step(current)  # LRScheduler._initial_step calls its step

    def step(self, current: list[float]) -> None:
        for child in self.children:
            child.step(current)

    def undo(self) -> None:
        for child in self.children:
            child.undo()


class _Sequential:
    """SequentialLR: one child at a time, handing over at each milestone."""

    def __init__(self, children: list[Any], milestones: list[int]) -> None:
        self.children, self.milestones = children, milestones
        self.last_epoch = 0

    def construct(self, current: list[float], initial: list[float]) -> None:
        for child in self.children:
            child.construct(current, initial)
        self.last_epoch = 0
        current[:] = initial  # back to initial_lr
        self.undo()
        self.children[0].initial_step(current)  # the child of epoch 0 (milestones are above 0)

    def initial_step(self, current: list[float]) -> None:
        self.step(current)

    def step(self, current: list[float]) -> None:
        self.last_epoch += 1
        k = bisect_right(self.milestones, self.last_epoch)
        if k > 0 and self.milestones[k - 1] == self.last_epoch:
            self.children[k].hand_off(current)
        else:
            self.children[k].step(current)

    def undo(self) -> None:
        for child in self.children:  # recursive_undo: a composite's own last_epoch stays
            child.undo()
