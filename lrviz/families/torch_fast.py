"""The torch family's fast path: torch 2.13's schedulers computed without torch.

The values are bit-identical to torch's for the torch releases in :data:`VERIFIED` (the
ones ``tests/test_fast.py`` and ``tests/test_trace_vs_torch.py`` were run against); with any
other torch installed the family offers no fast path and lrviz steps torch itself, so a
change in a new release's arithmetic shows in lrviz's values.

Each function returns what the real scheduler puts in ``optimizer.param_groups`` at every
step, with the same floating-point operations in the same order as its ``get_lr``/``step``:

* schedules whose value is a function of the step (CyclicLR, OneCycleLR, LambdaLR,
  CosineAnnealingWarmRestarts) are computed for all steps at once with numpy; the
  transcendental functions (``math.cos``, ``math.pow``, a user's lambda's functions) are
  Python's own, mapped over the steps, so no libm/SIMD difference can creep in;
* chainable schedules that multiply the previous LR by a per-step factor (StepLR,
  MultiStepLR, ConstantLR, LinearLR, ExponentialLR, PolynomialLR, MultiplicativeLR) use
  ``np.multiply.accumulate``, which multiplies left to right exactly as repeated
  ``group["lr"] * factor`` does;
* CosineAnnealingLR's recursion (it adds and subtracts ``eta_min``) runs as a tight
  Python loop over precomputed factors.

SequentialLR and ChainedScheduler are computed from their children's values (hand-offs and
products); nested in one another, by :mod:`.torch_nested`, step by step as torch runs them.
ReduceLROnPlateau and a custom ``scale_fn`` have no fast path: torch is stepped.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from lrviz.fast_path import Unsupported, chain, integer, map_each, number, ones, per_group

from . import torch_nested

if TYPE_CHECKING:
    import numpy as np

    from lrviz.optimizers import OptimizerInfo
    from lrviz.schedule import Blocks, Compute, Spec


VERIFIED = ("2.13.0",)

BLOCK = 1 << 20
"""Steps computed at a time by the closed forms that need several temporaries per step."""
"""The torch releases these functions were verified against, bit for bit. To add one: run
the test suite with it installed (test_fast.py draws random parameters for every schedule
here and compares with torch stepped in a plain loop), then add its version."""


def installed_version() -> str | None:
    """The installed torch's release (``2.13.0`` of ``2.13.0+cpu``), read from its
    ``version.py`` (else its package metadata) without importing torch; None when torch is
    not installed. (Reading the metadata alone costs about 10 ms of every command.)"""
    import importlib.util
    from pathlib import Path

    from lrviz.introspect import static_version

    try:
        found = importlib.util.find_spec("torch")
    except (ImportError, ValueError):
        found = None
    if found is None or not found.origin:
        return None
    version = static_version(Path(found.origin).parent / "version.py", "torch")
    return version.split("+", 1)[0] or None


@functools.lru_cache(maxsize=1)
def verified() -> bool:
    """Whether the installed torch is one the fast path was verified against."""
    return installed_version() in VERIFIED


# --------------------------------------------------------------------------------------
# torch's chainable schedules


def _step_factors(spec: Spec, n: int) -> np.ndarray:
    step_size = integer(spec.value("step_size"), 1)
    factors = ones(n)
    factors[step_size::step_size] = number(spec.value("gamma"))
    return factors


def _multi_step_factors(spec: Spec, n: int) -> np.ndarray:
    from collections import Counter

    milestones = spec.value("milestones")
    gamma = number(spec.value("gamma"))
    if not isinstance(milestones, (list, tuple)):
        raise Unsupported
    factors = ones(n)
    for m, count in Counter(milestones).items():
        if 0 <= integer(m) < n:
            factors[m] = gamma**count
    return factors


def _constant_factors(spec: Spec, n: int) -> np.ndarray:
    factor = number(spec.value("factor"))
    total = integer(spec.value("total_iters"))
    if factor > 1.0 or factor < 0:
        raise Unsupported  # torch raises ValueError
    factors = ones(n)
    if 0 < total < n:
        factors[total] = 1.0 / factor
    factors[0] = factor
    return factors


def _linear_factors(spec: Spec, n: int) -> np.ndarray:
    start = number(spec.value("start_factor"))
    end = number(spec.value("end_factor"))
    total = integer(spec.value("total_iters"))
    if start > 1.0 or start <= 0 or end > 1.0 or end < 0:
        raise Unsupported  # torch raises ValueError
    factors = ones(n)
    factors[0] = start
    for t in range(1, min(total, n - 1) + 1):
        factors[t] = 1.0 + (end - start) / (total * start + (t - 1) * (end - start))
    return factors


def _exponential_factors(spec: Spec, n: int) -> np.ndarray:
    factors = ones(n) * number(spec.value("gamma"))
    factors[0] = 1.0
    return factors


def _polynomial_factors(spec: Spec, n: int) -> np.ndarray:
    total = integer(spec.value("total_iters"), 1)
    power = number(spec.value("power"))
    factors = ones(n)
    for t in range(1, min(total, n - 1) + 1):
        factors[t] = ((1.0 - t / total) / (1.0 - (t - 1) / total)) ** power
    return factors


FACTORS: dict[str, Callable[[Spec, int], np.ndarray]] = {
    "StepLR": _step_factors,
    "MultiStepLR": _multi_step_factors,
    "ConstantLR": _constant_factors,
    "LinearLR": _linear_factors,
    "ExponentialLR": _exponential_factors,
    "PolynomialLR": _polynomial_factors,
}
"""The chainable schedules that multiply the current LR by a factor of the epoch: each
function gives the factors of epochs 0..n-1 (epoch 0's is the constructor's own step)."""


def _chainable(spec: Spec, lrs: Sequence[float], n: int, info: OptimizerInfo) -> tuple[np.ndarray, None]:
    return chain(lrs, FACTORS[spec.name](spec, n)), None


def _multiplicative_factors(spec: Spec, groups: int, n: int, first: bool = False) -> np.ndarray:
    """MultiplicativeLR's factors per group: 1 at epoch 0 (the constructor's step leaves the
    LR), then lmbda(epoch); with ``first`` lmbda(0) too (a SequentialLR hand-off calls it)."""
    import numpy as np

    out = np.empty((groups, n))
    steps = np.arange(n)  # torch calls a lambda with the integer epoch: ints, as Python computes them
    for g, fn in enumerate(_lambdas(spec.value("lr_lambda"), groups)):
        values = fn.vector(steps if first else steps[1:])
        if values is None:
            raise Unsupported
        out[g, 0 if first else 1 :] = values
        if not first:
            out[g, 0] = 1.0
    return out


def _multiplicative_lr(spec: Spec, lrs: Sequence[float], n: int, info: OptimizerInfo) -> tuple[np.ndarray, None]:
    import numpy as np

    # torch: group["lr"] * lmbda(epoch) from step 1 on; lmbda(0) is never called
    out = _multiplicative_factors(spec, len(lrs), n)
    for g, lr in enumerate(lrs):
        out[g, 0] = lr
        np.multiply.accumulate(out[g], out=out[g])
    return out, None


def _cosine_annealing_lr(spec: Spec, lrs: Sequence[float], n: int, info: OptimizerInfo) -> tuple[np.ndarray, None]:
    return _cosine_values(spec, lrs, lrs, n), None


def _cosine_values(spec: Spec, bases: Sequence[float], starts: Sequence[float], n: int) -> np.ndarray:
    """CosineAnnealingLR's recursion from ``starts`` at its epoch 0 (``bases`` are its
    base_lrs, which the restart step adds back)."""
    import numpy as np

    t_max = number(spec.value("T_max"))
    eta_min = number(spec.value("eta_min"))
    if t_max == 0:
        raise Unsupported
    steps = np.arange(n)
    cos_t = map_each(math.cos, (math.pi * steps) / t_max)  # torch: math.pi * last_epoch / T_max
    ratio = ((1 + cos_t[1:]) / (1 + cos_t[:-1])).tolist()
    restart = (((steps[1:] - 1 - t_max) % (2 * t_max)) == 0).tolist()
    out = np.empty((len(bases), n))
    for g, (base, start) in enumerate(zip(bases, starts, strict=True)):
        bump = (base - eta_min) * (1 - math.cos(math.pi / t_max)) / 2
        values = [start] * n
        lr = start
        for t in range(1, n):
            if restart[t - 1]:
                lr = lr + bump
            else:
                lr = ratio[t - 1] * (lr - eta_min) + eta_min
            values[t] = lr
        out[g] = values
    return out


# --------------------------------------------------------------------------------------
# schedules that are a function of the step


def _lambdas(value: Any, groups: int) -> list[Any]:
    from lrviz.safe_expr import LambdaExpr

    fns = value if isinstance(value, (list, tuple)) else [value] * groups
    if len(fns) != groups or not all(isinstance(f, LambdaExpr) for f in fns):
        raise Unsupported
    return list(fns)


def _lambda_lr(spec: Spec, lrs: Sequence[float], n: int, info: OptimizerInfo) -> tuple[np.ndarray, None]:
    import numpy as np

    fns = _lambdas(spec.value("lr_lambda"), len(lrs))
    steps = np.arange(n)  # torch calls a lambda with the integer epoch
    out = np.empty((len(lrs), n))
    for g, (fn, lr) in enumerate(zip(fns, lrs, strict=True)):
        values = fn.vector(steps)
        if values is None:
            raise Unsupported
        out[g] = lr * values
    return out, None


def _warm_restarts(spec: Spec, lrs: Sequence[float], n: int, info: OptimizerInfo) -> tuple[np.ndarray, None]:
    import numpy as np

    # torch raises ValueError for T_0 < 1 or T_mult < 1
    t_0, t_mult = integer(spec.value("T_0"), 1), integer(spec.value("T_mult"), 1)
    eta_min = number(spec.value("eta_min"))
    # T_cur and T_i of each step, as step() updates them: the cycle lengths are exact ints
    t_cur = np.empty(n, dtype=np.int64)
    t_i = np.empty(n, dtype=np.int64)
    start, length = 0, t_0
    while start < n:
        stop = min(n, start + length)
        t_cur[start:stop] = np.arange(stop - start)
        t_i[start:stop] = length
        start, length = start + length, length * t_mult
        if length > 2**52:
            if start < n:
                raise Unsupported
            break
    cos_out = 1 + map_each(math.cos, (math.pi * t_cur) / t_i)  # torch: math.pi * T_cur / T_i
    out = np.empty((len(lrs), n))
    for g, base in enumerate(lrs):
        out[g] = eta_min + (base - eta_min) * cos_out / 2
    return out, None


def _cyclic_lr(spec: Spec, lrs: Sequence[float], n: int, info: OptimizerInfo) -> tuple[np.ndarray, np.ndarray | None]:
    import numpy as np

    make = _cyclic_blocks(spec, lrs, n, info)
    lr = np.empty((len(lrs), n))
    momentum = np.empty((len(lrs), n)) if spec.value("cycle_momentum") else None
    # a block of steps at a time: every value depends on its own step alone, and the
    # temporaries of a 20-million-step trace would otherwise take a gigabyte
    for start in range(0, n, BLOCK):
        lr_block, mom_block = make(start, min(n, start + BLOCK))
        lr[:, start : start + lr_block.shape[1]] = lr_block
        if momentum is not None and mom_block is not None:
            momentum[:, start : start + mom_block.shape[1]] = mom_block
    return lr, momentum


def _cyclic_blocks(
    spec: Spec, lrs: Sequence[float], n: int, info: OptimizerInfo
) -> Callable[[int, int], tuple[np.ndarray, np.ndarray | None]]:
    """CyclicLR's values of steps ``a..b-1`` for any ``0 <= a <= b <= n``: each value is
    a function of its own step alone, so a block is the same values however it is cut."""
    import numpy as np

    if spec.value("scale_fn") is not None:
        raise Unsupported
    groups = len(lrs)
    base_lrs = per_group(spec.value("base_lr"), groups)
    max_lrs = per_group(spec.value("max_lr"), groups)
    up = spec.value("step_size_up")
    down = spec.value("step_size_down")
    mode = spec.value("mode")
    gamma = number(spec.value("gamma"))
    up = float(number(up))
    down = float(number(down)) if down is not None else up
    total = up + down
    if up <= 0 or down <= 0:
        raise Unsupported
    ratio = up / total
    if mode not in ("triangular", "triangular2", "exp_range"):
        raise Unsupported  # torch raises ValueError
    # (scale_mode only matters for a custom scale_fn: torch sets it from the mode)

    if mode == "triangular2" and n and math.floor(1 + (n - 1) / total) - 1 > 1023:
        raise Unsupported  # torch: 1 / (2.0 ** (cycle - 1)); 2.0 ** 1024 overflows
    cycle_momentum = spec.value("cycle_momentum")
    if cycle_momentum and not info.has_momentum:
        raise Unsupported  # torch raises ValueError
    base_m = per_group(spec.value("base_momentum"), groups) if cycle_momentum else []
    max_m = per_group(spec.value("max_momentum"), groups) if cycle_momentum else []

    def make(start: int, stop: int) -> tuple[np.ndarray, np.ndarray | None]:
        steps = np.arange(start, stop)
        lr = np.empty((groups, len(steps)))
        momentum = np.empty((groups, len(steps))) if cycle_momentum else None
        position = steps / total  # torch: self.last_epoch / self.total_size
        cycle = np.floor(1 + position)
        x = 1.0 + position - cycle
        scale_factor = np.where(x <= ratio, x / ratio, (x - 1) / (ratio - 1))
        if mode == "triangular":
            scale = None
        elif mode == "triangular2":
            scale = np.ldexp(1.0, -(cycle - 1).astype(np.int64))  # torch: 1 / (2.0 ** (cycle - 1)), exact
        else:
            scale = map_each(pow, [gamma] * len(steps), range(start, stop))  # gamma ** last_epoch
        for g in range(groups):
            height = (max_lrs[g] - base_lrs[g]) * scale_factor
            lr[g] = base_lrs[g] + (height if scale is None else height * scale)
            if momentum is not None:
                height = (max_m[g] - base_m[g]) * scale_factor
                momentum[g] = max_m[g] - (height if scale is None else height * scale)
        return lr, momentum

    return make


def _one_cycle_lr(
    spec: Spec, lrs: Sequence[float], n: int, info: OptimizerInfo
) -> tuple[np.ndarray, np.ndarray | None]:
    import numpy as np

    groups = len(lrs)
    total = spec.value("total_steps")
    if total is not None:
        total = integer(total, 1)
    else:
        total = integer(spec.value("epochs"), 1) * integer(spec.value("steps_per_epoch"), 1)
    pct_start = spec.value("pct_start")
    if not isinstance(pct_start, float) or not 0 <= pct_start <= 1:
        raise Unsupported
    strategy = spec.value("anneal_strategy")
    if strategy not in ("cos", "linear"):
        raise Unsupported
    if n > total + 1:
        raise Unsupported  # torch raises at step total_steps + 1
    div_factor = number(spec.value("div_factor"))
    final_div_factor = number(spec.value("final_div_factor"))
    max_lrs = per_group(spec.value("max_lr"), groups)
    initial = [m / div_factor for m in max_lrs]
    levels = {"initial_lr": initial, "max_lr": max_lrs, "min_lr": [i / final_div_factor for i in initial]}
    if spec.value("three_phase"):
        phases = [
            (float(pct_start * total) - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
            (float(2 * pct_start * total) - 2, "max_lr", "initial_lr", "base_momentum", "max_momentum"),
            (total - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum"),
        ]
    else:
        phases = [
            (float(pct_start * total) - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
            (total - 1, "max_lr", "min_lr", "base_momentum", "max_momentum"),
        ]
    cycle_momentum = spec.value("cycle_momentum")
    if cycle_momentum:
        if not info.has_momentum:
            raise Unsupported  # torch raises ValueError
        levels["max_momentum"] = per_group(spec.value("max_momentum"), groups)
        levels["base_momentum"] = per_group(spec.value("base_momentum"), groups)

    # which phase each step is in: the first whose end_step it does not pass, else the last
    steps = np.arange(n)
    phase_of = np.full(n, len(phases) - 1)
    for i in reversed(range(len(phases) - 1)):
        phase_of[steps <= phases[i][0]] = i
    lr = np.empty((groups, n))
    momentum = np.empty((groups, n)) if cycle_momentum else None
    start_step = 0.0
    for i, (end_step, lr_from, lr_to, m_from, m_to) in enumerate(phases):
        where = phase_of == i
        if where.any():
            if end_step - start_step == 0:
                raise Unsupported  # torch: ZeroDivisionError
            pct = (steps[where] - start_step) / (end_step - start_step)
            cos_out = map_each(math.cos, math.pi * pct) + 1 if strategy == "cos" else None
            for g in range(groups):
                lr[g, where] = _anneal(levels[lr_from][g], levels[lr_to][g], pct, cos_out)
                if momentum is not None:
                    momentum[g, where] = _anneal(levels[m_from][g], levels[m_to][g], pct, cos_out)
        start_step = end_step
    return lr, momentum


def _anneal(start: float, end: float, pct: np.ndarray, cos_out: np.ndarray | None) -> np.ndarray:
    """OneCycleLR's _annealing_cos (given ``cos(pi * pct) + 1``) or _annealing_linear."""
    if cos_out is not None:
        return end + (start - end) / 2.0 * cos_out
    return (end - start) * pct + start


# --------------------------------------------------------------------------------------
# composites: SequentialLR and ChainedScheduler over children that have a fast path


COMPOSABLE = (*FACTORS, "CosineAnnealingLR", "LambdaLR", "MultiplicativeLR")
"""The children a composite's fast path knows. Any other child, even one the trace never
reaches, makes lrviz step torch: its constructor acts on the optimizer at once (CyclicLR
and OneCycleLR set momentum and initial_lr)."""


def _children(spec: Spec, lrs: Sequence[float], info: OptimizerInfo) -> list[Spec]:
    """The composite's children, each checked as its constructor would check it (a child
    the trace never reaches is built all the same)."""
    children = spec.value("schedulers")
    if not isinstance(children, list) or not children:
        raise Unsupported
    for child in children:
        _check_child(child, lrs, info)
    return children


def _check_child(child: Spec, lrs: Sequence[float], info: OptimizerInfo) -> None:
    """A child the fast path knows, built fresh, with arguments its constructor accepts."""
    if child.name not in COMPOSABLE or child.args.get("last_epoch", -1) not in (-1, None):
        raise Unsupported
    COMPUTE[child.name](child, lrs, 1, info)  # raises where the constructor would fail


def _handed_over(child: Spec, bases: Sequence[float], current: np.ndarray, n: int, info: OptimizerInfo) -> np.ndarray:
    """A SequentialLR child's values over its own epochs 0..n-1 when it takes over from the
    one before: torch sets its last_epoch to 0 with ``_update_lr(0)``, which uses the closed
    form where the class has one (from its base_lrs) and ``get_lr()`` otherwise (on the LR
    the previous child left, ``current``); later epochs step it as usual."""
    import numpy as np

    name = child.name
    if name in FACTORS or name == "LambdaLR":
        # the closed form (or LambdaLR's base_lr * lmbda(0)) at epoch 0 is, operation for
        # operation, what the constructor's own step gives from base_lrs: except where the
        # closed form counts differently (checked here)
        if name == "MultiStepLR" and any(integer(m) < 0 for m in child.value("milestones")):
            raise Unsupported  # the closed form counts negative milestones, the step does not
        if name in ("ConstantLR", "LinearLR") and integer(child.value("total_iters")) <= 0:
            raise Unsupported  # the closed form is then at its end value already
        values, _ = COMPUTE[name](child, bases, n, info)
        return values
    if name == "CosineAnnealingLR":
        t_max = number(child.value("T_max"))
        eta_min = number(child.value("eta_min"))
        if t_max == 0:
            raise Unsupported
        starts = [eta_min + (base - eta_min) * (1 + math.cos(math.pi * 0 / t_max)) / 2 for base in bases]
        return _cosine_values(child, bases, starts, n)
    if name == "MultiplicativeLR":
        out = _multiplicative_factors(child, len(bases), n, first=True)
        for g in range(len(bases)):
            out[g, 0] = current[g] * out[g, 0]
            np.multiply.accumulate(out[g], out=out[g])
        return out
    raise Unsupported  # CyclicLR, OneCycleLR, CosineAnnealingWarmRestarts, composites: torch


def _sequential_lr(spec: Spec, lrs: Sequence[float], n: int, info: OptimizerInfo) -> tuple[np.ndarray, None]:
    """SequentialLR: the first child from the start, as built on its own (the constructor
    resets the LR to initial_lr and redoes only that child's first step); at each milestone
    the next child takes over (:func:`_handed_over`). Every child's base_lrs are the
    optimizer's initial LRs."""
    import numpy as np

    if torch_nested.nested(spec):
        return torch_nested.values(spec, lrs, n, functools.partial(_leaf, lrs=lrs, n=n, info=info)), None
    children = _children(spec, lrs, info)
    bounds = [0, *torch_nested.milestones(spec, len(children))]
    out = np.empty((len(lrs), n))
    for k, child in enumerate(children):
        start = bounds[k]
        if start >= n:
            break
        stop = bounds[k + 1] if k + 1 < len(bounds) else n
        length = min(stop, n) - start
        if k == 0:
            values, _ = COMPUTE[child.name](child, lrs, length, info)
        else:
            values = _handed_over(child, lrs, out[:, start - 1], length, info)
        out[:, start : start + length] = values
    return out, None


def _chained_scheduler(spec: Spec, lrs: Sequence[float], n: int, info: OptimizerInfo) -> tuple[np.ndarray, None]:
    """ChainedScheduler: every child steps on every call, in order, each on the LR the one
    before it left (and each child's constructor already took its first step on the LR the
    children built before it left). Children that multiply the current LR by a factor of
    the epoch are applied as one left-to-right product over the interleaved factors; a
    cosine (which adds and subtracts eta_min) or an absolute LambdaLR needs a step loop."""
    import numpy as np

    if torch_nested.nested(spec):
        return torch_nested.values(spec, lrs, n, functools.partial(_leaf, lrs=lrs, n=n, info=info)), None
    children = _children(spec, lrs, info)
    groups = len(lrs)
    kinds = [_kind(child, lrs, n, info) for child in children]
    out = np.empty((groups, n))
    if all(kind == "mul" for kind, _ in kinds):
        k = len(kinds)
        for g, lr in enumerate(lrs):
            row = np.empty(n * k)
            for i, (_, factors) in enumerate(kinds):
                row[i::k] = factors[g]
            row[0] = lr * row[0] if row[0] != 1.0 else lr
            np.multiply.accumulate(row, out=row)
            out[g] = row[k - 1 :: k]
        return out, None
    steps = _chain_steps(kinds, lrs, n)
    for g, lr in enumerate(lrs):
        x = lr
        row_values = [0.0] * n
        for t in range(n):
            for step in steps:
                x = step(g, t, x)
            row_values[t] = x
        out[g] = row_values
    return out, None


Step = Callable[[int, int, float], float]
"""A chained child's step: ``(group, epoch, lr) -> lr``, with torch's operations."""


def _kind(child: Spec, lrs: Sequence[float], n: int, info: OptimizerInfo) -> tuple[str, Any]:
    """How a child acts on the LR it finds over its epochs 0..n-1: ``mul`` (a factor per
    epoch), ``abs`` (LambdaLR's base_lr * lmbda(epoch), whatever the LR was) or ``cos``
    (CosineAnnealingLR's recursion, which adds and subtracts eta_min)."""
    import numpy as np

    groups = len(lrs)
    if child.name in FACTORS:
        return "mul", np.broadcast_to(FACTORS[child.name](child, n), (groups, n))
    if child.name == "MultiplicativeLR":
        return "mul", _multiplicative_factors(child, groups, n)
    if child.name == "LambdaLR":
        return "abs", _lambda_lr(child, lrs, n, info)[0]
    if child.name == "CosineAnnealingLR":
        return "cos", child
    raise Unsupported


def _leaf(child: Spec, lrs: Sequence[float], n: int, info: OptimizerInfo) -> torch_nested.Leaf:
    """A nested composite's child that is not a composite: its step over epochs 0..n (each
    step of the composite moves it one epoch at most), and its ``_update_lr(0)`` when a
    SequentialLR hands over to it (:func:`_handed_over` at epoch 0: the closed form from
    base_lrs, or get_lr on the LR it finds)."""
    import numpy as np

    _check_child(child, lrs, info)
    epochs = n + 1
    step = _step_of(*_kind(child, lrs, epochs, info), lrs, epochs)
    if child.name == "MultiplicativeLR":  # get_lr at epoch 0: the LR it finds times lmbda(0)
        factors = _multiplicative_factors(child, len(lrs), 1, first=True)[:, 0].tolist()
        return step, (lambda g, lr: lr * factors[g]), epochs
    first = _handed_over(child, lrs, np.ones(len(lrs)), 1, info)[:, 0].tolist()  # not from the LR found
    return step, (lambda g, lr: first[g]), epochs


def _chain_steps(kinds: list[tuple[str, Any]], lrs: Sequence[float], n: int) -> list[Step]:
    return [_step_of(kind, data, lrs, n) for kind, data in kinds]


def _step_of(kind: str, data: Any, lrs: Sequence[float], n: int) -> Step:
    import numpy as np

    if kind == "mul":
        factors: list[list[float]] = data.tolist()

        def multiply(g: int, t: int, x: float) -> float:
            return x * factors[g][t]  # a factor of 1.0 leaves x as it is, bit for bit

        return multiply
    if kind == "abs":
        values: list[list[float]] = data.tolist()

        def absolute(g: int, t: int, x: float) -> float:
            return values[g][t]

        return absolute
    t_max = number(data.value("T_max"))
    eta_min = number(data.value("eta_min"))
    if t_max == 0:
        raise Unsupported
    steps = np.arange(n)
    cos_t = map_each(math.cos, (math.pi * steps) / t_max)
    ratio: list[float] = [1.0, *((1 + cos_t[1:]) / (1 + cos_t[:-1])).tolist()]
    restart: list[bool] = [False, *(((steps[1:] - 1 - t_max) % (2 * t_max)) == 0).tolist()]
    bumps = [(base - eta_min) * (1 - math.cos(math.pi / t_max)) / 2 for base in lrs]

    def cosine(g: int, t: int, x: float) -> float:
        if t == 0:
            return x  # the constructor's step leaves the LR
        return x + bumps[g] if restart[t] else ratio[t] * (x - eta_min) + eta_min

    return cosine


def _cyclic_initial(spec: Spec, lrs: Sequence[float]) -> list[float]:
    # CyclicLR sets each group's lr to base_lr before LRScheduler records it
    return per_group(spec.value("base_lr"), len(lrs))


def _one_cycle_initial(spec: Spec, lrs: Sequence[float]) -> list[float]:
    # OneCycleLR records max_lr / div_factor itself
    div_factor = number(spec.value("div_factor"))
    return [m / div_factor for m in per_group(spec.value("max_lr"), len(lrs))]


INITIAL_LR: dict[str, Callable[[Spec, Sequence[float]], list[float]]] = {
    "CyclicLR": _cyclic_initial,
    "OneCycleLR": _one_cycle_initial,
}
"""The classes whose recorded initial_lr is not the optimizer's lr."""

BLOCKS: dict[str, Blocks] = {"CyclicLR": _cyclic_blocks}
"""Schedules whose values can be made for any range of steps (a long trace then holds none)."""

COMPUTE: dict[str, Compute] = {
    "LambdaLR": _lambda_lr,
    "MultiplicativeLR": _multiplicative_lr,
    **dict.fromkeys(FACTORS, _chainable),
    "CosineAnnealingLR": _cosine_annealing_lr,
    "CosineAnnealingWarmRestarts": _warm_restarts,
    "CyclicLR": _cyclic_lr,
    "OneCycleLR": _one_cycle_lr,
    "SequentialLR": _sequential_lr,
    "ChainedScheduler": _chained_scheduler,
}
"""torch's classes with a fast path, by name."""
