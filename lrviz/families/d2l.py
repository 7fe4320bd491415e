"""The ``d2l`` family: the hand-written schedulers of *Dive into Deep Learning*, §12.11.

Dive into Deep Learning (Zhang, Lipton, Li and Smola), §12.11 "Learning Rate Scheduling",
writes its schedulers by hand as callables of the epoch, and its training loop sets
``param_group['lr'] = scheduler(ep)``. The classes below are that code, reformatted but
with the same arithmetic in the same order, so lrviz's values equal the book's bit for bit.
Two of them keep state between calls (FactorScheduler and CosineScheduler store
``self.base_lr``), so they must be called once per step, in order: lrviz runs each one in a
:class:`lrviz.function_lr.FunctionLR`, which does exactly that.

The PyTorch version of the section runs its "Multi Factor Scheduler" as torch's
``MultiStepLR``; the :class:`MultiFactorScheduler` here is a callable that gives the same
values.

The LR these schedules give is absolute: the optimizer's own lr is ignored.

Importing this module does not import torch.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
import inspect
import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lrviz.family import BaseFamily
from lrviz.introspect import MISSING
from lrviz.schedule import (
    DEFAULT_HORIZON,
    CodeParts,
    Context,
    Entry,
    Kind,
    Param,
    Spec,
    clamp,
    fail,
    past_end,
    render_value,
)

if TYPE_CHECKING:
    import numpy as np

    from lrviz.optimizers import OptimizerInfo

SOURCE = "Dive into Deep Learning, §12.11 Learning Rate Scheduling"
ORIGIN = f"{SOURCE} (hand-written)"
TORCH_IMPORT = "from torch.optim import lr_scheduler"
ABSOLUTE = "The optimizer's own lr is ignored: every param group gets this absolute value."
ABSOLUTE_SHORT = "Absolute LR: the optimizer's lr is ignored."

# --------------------------------------------------------------------------------------
# The book's classes (the generated torch code copies their source)


class SquareRootScheduler:
    """使用均方根scheduler每一个epoch更新一次"""

    def __init__(self, lr=0.1):
        self.lr = lr

    def __call__(self, num_update):
        return self.lr * pow(num_update + 1.0, -0.5)


class FactorScheduler:
    def __init__(self, factor=1, stop_factor_lr=1e-7, base_lr=0.1):
        self.factor = factor
        self.stop_factor_lr = stop_factor_lr
        self.base_lr = base_lr

    def __call__(self, num_update):
        self.base_lr = max(self.stop_factor_lr, self.base_lr * self.factor)
        return self.base_lr


class MultiFactorScheduler:
    """Multiply the LR by ``factor`` at each update in ``step``, as the book runs it: its
    values equal ``lr_scheduler.MultiStepLR(optimizer, milestones=step, gamma=factor)``
    on an optimizer whose lr is ``base_lr`` (MXNet's own MultiFactorScheduler, which D2L
    uses, drops one update later). Call it once per update, in order."""

    def __init__(self, step, factor=1, base_lr=0.01):
        self.step = step
        self.factor = factor
        self.base_lr = base_lr
        self.pending = sorted(s for s in step if s >= 0)  # negative steps are never reached

    def __call__(self, num_update):
        while self.pending and self.pending[0] <= num_update:
            # a step listed n times multiplies by factor ** n once, as MultiStepLR does
            count = self.pending.count(self.pending[0])
            del self.pending[:count]
            self.base_lr = self.base_lr * self.factor**count
        return self.base_lr


class CosineScheduler:
    def __init__(self, max_update, base_lr=0.01, final_lr=0, warmup_steps=0, warmup_begin_lr=0):
        self.base_lr_orig = base_lr
        self.max_update = max_update
        self.final_lr = final_lr
        self.warmup_steps = warmup_steps
        self.warmup_begin_lr = warmup_begin_lr
        self.max_steps = self.max_update - self.warmup_steps

    def get_warmup_lr(self, step):
        increase = (self.base_lr_orig - self.warmup_begin_lr) * float(step) / float(self.warmup_steps)
        return self.warmup_begin_lr + increase

    def __call__(self, step):
        if step < self.warmup_steps:
            return self.get_warmup_lr(step)
        if step <= self.max_update:
            self.base_lr = (
                self.final_lr
                + (self.base_lr_orig - self.final_lr)
                * (1 + math.cos(math.pi * (step - self.warmup_steps) / self.max_steps))
                / 2
            )
        return self.base_lr


CLASSES: dict[str, type] = {
    cls.__name__: cls for cls in (SquareRootScheduler, FactorScheduler, MultiFactorScheduler, CosineScheduler)
}


# --------------------------------------------------------------------------------------
# Building, horizons, checks, code


def _kwargs(spec: Spec) -> dict[str, Any]:
    """Every argument of the book's class, given or default."""
    return {p.name: spec.value(p.name) for p in spec.entry.params}


def build(spec: Spec, optimizer: Any) -> Any:
    from lrviz.function_lr import FunctionLR

    return FunctionLR(optimizer, CLASSES[spec.name](**_kwargs(spec)))


def horizon(spec: Spec) -> tuple[int, str]:
    if spec.name == "CosineScheduler":
        return past_end(spec.value("max_update")), "max_update and a short tail"
    if spec.name == "MultiFactorScheduler":
        last = max(spec.value("step") or [0])
        return clamp(last + max(10, last / 4)), "past the last step"
    if spec.name == "FactorScheduler":
        return _factor_horizon(spec)
    return DEFAULT_HORIZON, "a default length"


def _factor_horizon(spec: Spec) -> tuple[int, str]:
    factor, stop, base = spec.value("factor"), spec.value("stop_factor_lr"), spec.value("base_lr")
    if not 0 < factor < 1 or not math.isfinite(base):
        return DEFAULT_HORIZON, "a default length"
    if base <= 0:
        return 10, "the LR is at its floor from the start"
    if stop > 0:
        # the value at step t is base_lr * factor ** (t + 1) until it reaches stop_factor_lr
        n = max(0.0, math.log(stop / base) / math.log(factor))
        return clamp(n + max(10, n / 4), 10, 10_000), "until the LR reaches stop_factor_lr"
    return clamp(math.log(0.01) / math.log(factor), 10, 10_000), "until the LR falls to 1% of base_lr"


def check(spec: Spec, ctx: Context) -> list[str]:
    """Raise :class:`LrvizError` for inputs the book's code fails on only late; return
    warnings for legal nonsense."""
    warnings: list[str] = []
    if spec.name == "CosineScheduler":
        _check_cosine(spec, warnings)
    elif spec.name == "FactorScheduler":
        _check_factor(spec.value("factor"), spec, warnings)
    elif spec.name == "MultiFactorScheduler":
        _check_multifactor(spec, warnings)
    return warnings


def _check_cosine(spec: Spec, warnings: list[str]) -> None:
    max_update, warmup = spec.value("max_update"), spec.value("warmup_steps")
    if warmup < 0:
        raise fail(spec, f"warmup_steps must be >= 0, got {warmup}", "use warmup_steps=0 for no warmup")
    if max_update == warmup:
        raise fail(
            spec,
            f"max_update equals warmup_steps ({warmup}), so the cosine phase has no steps and the code "
            f"divides by zero at step {warmup}",
            f"use max_update > warmup_steps, e.g. max_update={warmup + 10}",
        )
    if max_update < warmup:
        raise fail(
            spec,
            f"max_update={max_update} is before the end of the warmup (warmup_steps={warmup}), so the code "
            f"never sets base_lr and fails with AttributeError at step {warmup}",
            f"use max_update > warmup_steps, e.g. max_update={warmup + 10}",
        )
    base, final, begin = spec.value("base_lr"), spec.value("final_lr"), spec.value("warmup_begin_lr")
    if final > base:
        warnings.append(f"{spec.name}: final_lr={final} is above base_lr={base}, so the cosine phase rises")
    if warmup > 0 and begin > base:
        warnings.append(f"{spec.name}: warmup_begin_lr={begin} is above base_lr={base}, so the warmup goes down")


def _check_factor(factor: float, spec: Spec, warnings: list[str]) -> None:
    if factor > 1:
        warnings.append(f"{spec.name}: factor={factor} > 1 makes the LR grow at every step")
    elif factor <= 0:
        warnings.append(f"{spec.name}: factor={factor} is not positive, so the LR is not a decay")


def _check_multifactor(spec: Spec, warnings: list[str]) -> None:
    steps = list(spec.value("step"))
    if not steps:
        warnings.append(f"{spec.name}: step is empty, so the LR never changes")
    if steps != sorted(steps):
        warnings.append(
            f"{spec.name}: step {steps} is not sorted (MXNet's MultiFactorScheduler requires increasing steps)"
        )
    if any(s < 0 for s in steps):
        warnings.append(f"{spec.name}: negative steps {[s for s in steps if s < 0]} are never reached")
    if len(set(steps)) != len(steps):
        warnings.append(f"{spec.name}: repeated steps apply factor more than once")
    _check_factor(spec.value("factor"), spec, warnings)


@functools.lru_cache(maxsize=1)
def function_lr_source() -> str:
    """The source of :class:`lrviz.function_lr.FunctionLR`, read without importing torch."""
    found = importlib.util.find_spec("lrviz.function_lr")
    assert found is not None and found.origin is not None
    path = Path(found.origin)
    text = path.read_text(encoding="utf-8")
    for node in ast.parse(text).body:
        if isinstance(node, ast.ClassDef) and node.name == "FunctionLR":
            segment = ast.get_source_segment(text, node)
            assert segment is not None
            return segment + "\n"
    raise RuntimeError(f"FunctionLR is missing from {path}")


def code(spec: Spec, optimizer: str = "optimizer") -> CodeParts:
    args = ", ".join(f"{name}={render_value(value, optimizer)}" for name, value in spec.args.items())
    return CodeParts(
        expr=f"FunctionLR({optimizer}, {spec.name}({args}))",
        imports=("from collections.abc import Callable", TORCH_IMPORT),
        definitions=(function_lr_source(), inspect.getsource(CLASSES[spec.name])),
    )


def fast(spec: Spec, lrs: Sequence[float], n: int, info: OptimizerInfo) -> tuple[np.ndarray, None]:
    """The class itself, called once per step as FunctionLR calls it: no torch needed."""
    import numpy as np

    fn = CLASSES[spec.name](**_kwargs(spec))
    values = np.fromiter(map(fn, range(n)), dtype=float, count=n)
    return np.repeat(values[None, :], len(lrs), axis=0), None


# --------------------------------------------------------------------------------------
# The entries

ABSOLUTE = "The optimizer's own lr is ignored: every param group gets this absolute value."
ABSOLUTE_SHORT = "Absolute LR: the optimizer's lr is ignored."


def _entry(
    name: str,
    summary: str,
    params: tuple[Param, ...],
    doc: str,
    example: str,
    *,
    decays: bool = True,
    piecewise: bool = False,
) -> Entry:
    return Entry(
        name=name,
        family=FAMILY.name,
        summary=f"{summary} {ABSOLUTE_SHORT}",
        params=params,
        doc=f"{doc}\n\n{ABSOLUTE} lrviz runs the book's class in a FunctionLR, which calls it once per "
        "scheduler.step(), as the book's training loop does.",
        build=build,
        horizon=horizon,
        check=check,
        example=example,
        decays=decays,
        piecewise=piecewise,
        code=code,
        origin=ORIGIN,
        absolute=True,
        fast=fast,
    )


def _entries() -> list[Entry]:
    return [
        _entry(
            "SquareRootScheduler",
            "LR = lr / sqrt(step + 1).",
            (Param("lr", Kind.FLOAT, 0.1, help="The LR at step 0; step t gets lr * (t + 1) ** -0.5."),),
            "The book's square-root decay: lr * pow(num_update + 1.0, -0.5). The LR halves by step 3 "
            "and falls slowly after that.",
            "SquareRootScheduler(lr=0.1)",
        ),
        _entry(
            "FactorScheduler",
            "Multiply the LR by factor at every step, down to stop_factor_lr.",
            (
                Param(
                    "factor", Kind.FLOAT, 1, help="The LR is multiplied by this at every step (1 keeps it constant)."
                ),
                Param("stop_factor_lr", Kind.FLOAT, 1e-7, help="The floor: the LR never goes below this."),
                Param("base_lr", Kind.FLOAT, 0.1, help="The starting LR; step 0 already gets base_lr * factor."),
            ),
            "The book's factor scheduler: each call sets base_lr = max(stop_factor_lr, base_lr * factor) "
            "and returns it, so it keeps state and the value at step 0 is already base_lr * factor.",
            "FactorScheduler(factor=0.8, stop_factor_lr=0.01, base_lr=0.6)",
        ),
        _entry(
            "MultiFactorScheduler",
            "Multiply the LR by factor at each update listed in step.",
            (
                Param(
                    "step",
                    Kind.INTS,
                    MISSING,
                    help="The updates at which the LR is multiplied by factor, e.g. [3, 8] "
                    "(the LR changes at step 3 itself, as MultiStepLR's milestones).",
                ),
                Param("factor", Kind.FLOAT, 1, help="What the LR is multiplied by at each step in step (e.g. 0.5)."),
                Param("base_lr", Kind.FLOAT, 0.01, help="The LR before the first step in step."),
            ),
            "The book's PyTorch code runs its 'Multi Factor Scheduler' as torch's "
            "MultiStepLR(optimizer, milestones=step, gamma=factor) on SGD with lr=base_lr, and lrviz "
            "gives the same values. MXNet's original MultiFactorScheduler (used by D2L) decays only when "
            "the update count is past a step, so there each drop comes one update later.",
            "MultiFactorScheduler(step=[3, 8], factor=0.5, base_lr=0.5)",
            piecewise=True,
        ),
        _entry(
            "CosineScheduler",
            "Optional linear warmup, then a cosine from base_lr to final_lr at max_update, then flat.",
            (
                Param("max_update", Kind.INT, MISSING, help="The step at which the cosine reaches final_lr."),
                Param("base_lr", Kind.FLOAT, 0.01, help="The peak LR: the end of the warmup, the start of the cosine."),
                Param("final_lr", Kind.FLOAT, 0, help="The LR at max_update and after it."),
                Param(
                    "warmup_steps",
                    Kind.INT,
                    0,
                    help="Steps of linear warmup from warmup_begin_lr to base_lr (0 for none); "
                    "must be below max_update.",
                ),
                Param("warmup_begin_lr", Kind.FLOAT, 0, help="The LR at step 0 when warmup_steps > 0."),
            ),
            "The book's cosine scheduler (Loshchilov and Hutter's SGDR without restarts): for step < "
            "warmup_steps a linear warmup from warmup_begin_lr towards base_lr; then final_lr + "
            "(base_lr - final_lr) * (1 + cos(pi * (step - warmup_steps) / (max_update - warmup_steps))) / 2 "
            "until max_update; after it the LR stays at final_lr. It stores the last cosine value in "
            "self.base_lr, so it keeps state.",
            "CosineScheduler(max_update=10, warmup_steps=3, base_lr=0.2, final_lr=0.02)",
            decays=False,
        ),
    ]


class D2LFamily(BaseFamily):
    name = "d2l"
    title = f"the hand-written schedulers of {SOURCE}; absolute LRs"
    rejecter = "the book's scheduler"

    def load(self) -> list[Entry]:
        return _entries()


FAMILY = D2LFamily()
