"""Fast traces: torch's values without importing or stepping torch.

Stepping a real scheduler costs about 1-5 µs per step in the lean loop (30 µs in the blog
posts' loop), and importing torch costs a second and 250 MB. For the schedules below lrviz
computes the same values directly, with the same floating-point operations in the same
order as torch 2.13's ``get_lr``/``step``:

* schedules whose value is a function of the step (CyclicLR, OneCycleLR, LambdaLR,
  CosineAnnealingWarmRestarts) are computed for all steps at once with numpy; the
  transcendental functions (``math.cos``, ``math.pow``, a user's lambda's functions) are
  Python's own, mapped over the steps, so no libm/SIMD difference can creep in;
* chainable schedules that multiply the previous LR by a per-step factor (StepLR,
  MultiStepLR, ConstantLR, LinearLR, ExponentialLR, PolynomialLR, MultiplicativeLR) use
  ``np.multiply.accumulate``, which multiplies left to right exactly as repeated
  ``group["lr"] * factor`` does;
* CosineAnnealingLR's recursion (it adds and subtracts ``eta_min``) runs as a tight
  Python loop over precomputed factors; seed 002's recipes call the seed's own class.

The contract, tested by hypothesis against the real torch schedulers over random
parameters (tests/test_fast.py), is equality to 1e-12 relative; by construction the values
are usually bit-identical. Anything outside the well-trodden region returns ``None`` and
lrviz steps torch instead: composites, ReduceLROnPlateau, transformers and user classes,
resumed schedules (``last_epoch``), custom ``scale_fn``, optimizers not in the table
below, and every input torch would reject or fail on (so torch's own error message is
what the user sees). ``lrviz --exact`` always steps torch.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

    from .optimizers import OptimizerSpec
    from .spec import Spec


class Unsupported(Exception):
    """The fast path does not cover this input: step torch instead."""


@dataclass(frozen=True)
class OptimizerInfo:
    """What a trace needs to know about torch's optimizer, without building it."""

    class_name: str
    momentum_key: str | None  # "momentum", "betas" or None
    momenta: tuple[float, ...] | None  # the momentum or beta1 of each group at the start
    beta2: float | None  # Adam's beta2, which a cycling schedule keeps

    @property
    def has_momentum(self) -> bool:
        return self.momentum_key is not None


# torch 2.13's optimizers: class name, momentum key and default; tests/test_fast.py checks
# this table against the real optimizers.
OPTIMIZERS: dict[str, tuple[str, str | None, Any]] = {
    "sgd": ("SGD", "momentum", 0.0),
    "rmsprop": ("RMSprop", "momentum", 0.0),
    "adam": ("Adam", "betas", (0.9, 0.999)),
    "adamw": ("AdamW", "betas", (0.9, 0.999)),
    "nadam": ("NAdam", "betas", (0.9, 0.999)),
    "radam": ("RAdam", "betas", (0.9, 0.999)),
    "adamax": ("Adamax", "betas", (0.9, 0.999)),
    "adagrad": ("Adagrad", None, None),
    "adadelta": ("Adadelta", None, None),
    "asgd": ("ASGD", None, None),
    "rprop": ("Rprop", None, None),
}


def optimizer_info(spec: OptimizerSpec) -> OptimizerInfo | None:
    """The optimizer's class name and momenta, or None when only torch can tell (an
    optimizer outside the table, or a value torch may reject: then torch says why)."""
    from .optimizers import DEFAULT_SGD_MOMENTUM

    known = OPTIMIZERS.get(spec.name)
    if known is None:
        return None
    class_name, key, default = known
    n = len(spec.lrs)
    if key == "momentum":
        if spec.betas is not None:
            return None
        momentum = spec.momentum
        if momentum is None:
            momentum = DEFAULT_SGD_MOMENTUM if class_name == "SGD" else default
        if not (isinstance(momentum, float) and math.isfinite(momentum) and momentum >= 0):
            return None
        return OptimizerInfo(class_name, key, (momentum,) * n, None)
    if key == "betas":
        if spec.momentum is not None:
            return None
        betas = spec.betas if spec.betas is not None else default
        if not all(isinstance(b, float) and 0.0 <= b < 1.0 for b in betas):
            return None
        return OptimizerInfo(class_name, key, (betas[0],) * n, betas[1])
    if spec.momentum is not None or spec.betas is not None:
        return None
    return OptimizerInfo(class_name, None, None, None)


@dataclass
class Values:
    lr: np.ndarray  # (groups, steps)
    momentum: np.ndarray | None  # (groups, steps)


Compute = Callable[["Spec", Sequence[float], int, OptimizerInfo], "tuple[np.ndarray, np.ndarray | None]"]
"""(spec, group lrs, n values, optimizer) -> LR (groups, n) and momentum (groups, n) or
None when the schedule leaves momentum alone. Raises Unsupported to fall back."""


def trace(spec: Spec, lrs: Sequence[float], steps: int, info: OptimizerInfo) -> Values | None:
    """The first ``steps`` values, or None when torch must be stepped.

    Values are computed one step further than read (torch computes step N's value in
    the last ``scheduler.step()``); if that would fail, torch is stepped instead, so the
    crash is reported the way the exact path reports it."""
    import numpy as np

    compute = FAST.get(spec.entry.family, {}).get(spec.name)
    if compute is None:
        return None
    last_epoch = spec.args.get("last_epoch", -1)
    if last_epoch != -1 and last_epoch is not None:
        return None
    try:
        with np.errstate(all="ignore"):
            lr, momentum = compute(spec, lrs, steps + 1, info)
    except (Unsupported, ArithmeticError, ValueError, TypeError):
        return None
    if momentum is None and info.momenta is not None:
        momentum = np.repeat(np.asarray(info.momenta, dtype=float)[:, None], steps, axis=1)
    else:
        momentum = None if momentum is None else np.ascontiguousarray(momentum[:, :steps])
    return Values(lr=np.ascontiguousarray(lr[:, :steps]), momentum=momentum)


# --------------------------------------------------------------------------------------
# helpers


def _number(value: Any) -> float:
    """A plain int or float argument (bools, tensors, lists: not here)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise Unsupported
    return value


def _int(value: Any, minimum: int | None = None) -> int:
    """A plain int argument (not a bool), at least ``minimum`` when given."""
    if isinstance(value, bool) or not isinstance(value, int) or (minimum is not None and value < minimum):
        raise Unsupported
    return value


def _per_group(value: Any, groups: int) -> list[Any]:
    """torch's ``_format_param``: one value for every group, or a list of the right length."""
    if isinstance(value, (list, tuple)):
        if len(value) != groups:
            raise Unsupported
        return [_number(v) for v in value]
    return [_number(value)] * groups


def _map(fn: Callable[..., float], *columns: Any) -> np.ndarray:
    """``fn`` applied by Python to every element (exactly torch's arithmetic)."""
    from .safe_expr import map_floats

    result: np.ndarray = map_floats(fn, *columns)
    return result


def _chain(lrs: Sequence[float], factors: np.ndarray) -> np.ndarray:
    """LR of step t = LR of step t-1 * factors[t], multiplied left to right as torch does;
    ``factors[0]`` applies to the optimizer's lr. A factor of exactly 1.0 leaves the value
    bit for bit unchanged, as torch's "return the current lr" branch does."""
    import numpy as np

    out = np.empty((len(lrs), len(factors)))
    for g, lr in enumerate(lrs):
        row = factors.copy()
        row[0] = lr * factors[0] if factors[0] != 1.0 else lr
        np.multiply.accumulate(row, out=out[g])
    return out


def _ones(n: int) -> np.ndarray:
    import numpy as np

    return np.ones(n)


# --------------------------------------------------------------------------------------
# torch's chainable schedules


def _step_lr(spec: Spec, lrs: Sequence[float], n: int, info: OptimizerInfo) -> tuple[np.ndarray, None]:
    step_size = _int(spec.value("step_size"), 1)
    gamma = _number(spec.value("gamma"))
    factors = _ones(n)
    factors[step_size::step_size] = gamma
    return _chain(lrs, factors), None


def _multi_step_lr(spec: Spec, lrs: Sequence[float], n: int, info: OptimizerInfo) -> tuple[np.ndarray, None]:
    from collections import Counter

    milestones = spec.value("milestones")
    gamma = _number(spec.value("gamma"))
    if not isinstance(milestones, (list, tuple)):
        raise Unsupported
    counts = Counter(milestones)
    factors = _ones(n)
    for m, count in counts.items():
        if 0 <= _int(m) < n:
            factors[m] = gamma**count
    return _chain(lrs, factors), None


def _constant_lr(spec: Spec, lrs: Sequence[float], n: int, info: OptimizerInfo) -> tuple[np.ndarray, None]:
    factor = _number(spec.value("factor"))
    total = _int(spec.value("total_iters"))
    if factor > 1.0 or factor < 0:
        raise Unsupported  # torch raises ValueError
    factors = _ones(n)
    if 0 < total < n:
        factors[total] = 1.0 / factor
    factors[0] = factor
    return _chain(lrs, factors), None


def _linear_lr(spec: Spec, lrs: Sequence[float], n: int, info: OptimizerInfo) -> tuple[np.ndarray, None]:
    start = _number(spec.value("start_factor"))
    end = _number(spec.value("end_factor"))
    total = _int(spec.value("total_iters"))
    if start > 1.0 or start <= 0 or end > 1.0 or end < 0:
        raise Unsupported  # torch raises ValueError
    factors = _ones(n)
    factors[0] = start
    for t in range(1, min(total, n - 1) + 1):
        factors[t] = 1.0 + (end - start) / (total * start + (t - 1) * (end - start))
    return _chain(lrs, factors), None


def _exponential_lr(spec: Spec, lrs: Sequence[float], n: int, info: OptimizerInfo) -> tuple[np.ndarray, None]:
    factors = _ones(n) * _number(spec.value("gamma"))
    factors[0] = 1.0
    return _chain(lrs, factors), None


def _polynomial_lr(spec: Spec, lrs: Sequence[float], n: int, info: OptimizerInfo) -> tuple[np.ndarray, None]:
    total = _int(spec.value("total_iters"), 1)
    power = _number(spec.value("power"))
    factors = _ones(n)
    for t in range(1, min(total, n - 1) + 1):
        factors[t] = ((1.0 - t / total) / (1.0 - (t - 1) / total)) ** power
    return _chain(lrs, factors), None


def _multiplicative_lr(spec: Spec, lrs: Sequence[float], n: int, info: OptimizerInfo) -> tuple[np.ndarray, None]:
    import numpy as np

    fns = _lambdas(spec.value("lr_lambda"), len(lrs))
    out = np.empty((len(lrs), n))
    steps = np.arange(n, dtype=float)
    for g, (fn, lr) in enumerate(zip(fns, lrs, strict=True)):
        # torch: group["lr"] * lmbda(epoch) from step 1 on; lmbda(0) is never called
        factors = np.empty(n)
        factors[0] = lr
        values = fn.vector(steps[1:])
        if values is None:
            raise Unsupported
        factors[1:] = values
        np.multiply.accumulate(factors, out=out[g])
    return out, None


def _cosine_annealing_lr(spec: Spec, lrs: Sequence[float], n: int, info: OptimizerInfo) -> tuple[np.ndarray, None]:
    import numpy as np

    t_max = _number(spec.value("T_max"))
    eta_min = _number(spec.value("eta_min"))
    if t_max == 0:
        raise Unsupported
    steps = np.arange(n)
    cos_t = _map(math.cos, (math.pi * steps) / t_max)  # torch: math.pi * last_epoch / T_max
    ratio = ((1 + cos_t[1:]) / (1 + cos_t[:-1])).tolist()
    restart = (((steps[1:] - 1 - t_max) % (2 * t_max)) == 0).tolist()
    out = np.empty((len(lrs), n))
    for g, base in enumerate(lrs):
        bump = (base - eta_min) * (1 - math.cos(math.pi / t_max)) / 2
        values = [base] * n
        lr = base
        for t in range(1, n):
            if restart[t - 1]:
                lr = lr + bump
            else:
                lr = ratio[t - 1] * (lr - eta_min) + eta_min
            values[t] = lr
        out[g] = values
    return out, None


# --------------------------------------------------------------------------------------
# schedules that are a function of the step


def _lambdas(value: Any, groups: int) -> list[Any]:
    from .safe_expr import LambdaExpr

    fns = value if isinstance(value, (list, tuple)) else [value] * groups
    if len(fns) != groups or not all(isinstance(f, LambdaExpr) for f in fns):
        raise Unsupported
    return list(fns)


def _lambda_lr(spec: Spec, lrs: Sequence[float], n: int, info: OptimizerInfo) -> tuple[np.ndarray, None]:
    import numpy as np

    fns = _lambdas(spec.value("lr_lambda"), len(lrs))
    steps = np.arange(n, dtype=float)
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
    t_0, t_mult = _int(spec.value("T_0"), 1), _int(spec.value("T_mult"), 1)
    eta_min = _number(spec.value("eta_min"))
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
    cos_out = 1 + _map(math.cos, (math.pi * t_cur) / t_i)  # torch: math.pi * T_cur / T_i
    out = np.empty((len(lrs), n))
    for g, base in enumerate(lrs):
        out[g] = eta_min + (base - eta_min) * cos_out / 2
    return out, None


def _cyclic_lr(spec: Spec, lrs: Sequence[float], n: int, info: OptimizerInfo) -> tuple[np.ndarray, np.ndarray | None]:
    import numpy as np

    if spec.value("scale_fn") is not None:
        raise Unsupported
    groups = len(lrs)
    base_lrs = _per_group(spec.value("base_lr"), groups)
    max_lrs = _per_group(spec.value("max_lr"), groups)
    up = spec.value("step_size_up")
    down = spec.value("step_size_down")
    mode = spec.value("mode")
    gamma = _number(spec.value("gamma"))
    up = float(_number(up))
    down = float(_number(down)) if down is not None else up
    total = up + down
    if up <= 0 or down <= 0:
        raise Unsupported
    ratio = up / total
    if mode not in ("triangular", "triangular2", "exp_range"):
        raise Unsupported  # torch raises ValueError
    # (scale_mode only matters for a custom scale_fn: torch sets it from the mode)

    steps = np.arange(n)
    position = steps / total  # torch: self.last_epoch / self.total_size
    cycle = np.floor(1 + position)
    x = 1.0 + position - cycle
    scale_factor = np.where(x <= ratio, x / ratio, (x - 1) / (ratio - 1))
    if mode == "triangular":
        scale = None
    elif mode == "triangular2":
        # torch: 1 / (2.0 ** (cycle - 1)), exact powers of two; 2.0 ** 1024 overflows
        if n and cycle[-1] - 1 > 1023:
            raise Unsupported
        scale = np.ldexp(1.0, -(cycle - 1).astype(np.int64))
    else:
        scale = _map(pow, [gamma] * n, range(n))  # gamma ** last_epoch, Python's pow

    lr = np.empty((groups, n))
    for g in range(groups):
        height = (max_lrs[g] - base_lrs[g]) * scale_factor
        lr[g] = base_lrs[g] + (height if scale is None else height * scale)

    cycle_momentum = spec.value("cycle_momentum")
    if not cycle_momentum:
        return lr, None
    if not info.has_momentum:
        raise Unsupported  # torch raises ValueError
    base_m = _per_group(spec.value("base_momentum"), groups)
    max_m = _per_group(spec.value("max_momentum"), groups)
    momentum = np.empty((groups, n))
    for g in range(groups):
        height = (max_m[g] - base_m[g]) * scale_factor
        momentum[g] = max_m[g] - (height if scale is None else height * scale)
    return lr, momentum


def _one_cycle_lr(
    spec: Spec, lrs: Sequence[float], n: int, info: OptimizerInfo
) -> tuple[np.ndarray, np.ndarray | None]:
    import numpy as np

    groups = len(lrs)
    total = spec.value("total_steps")
    if total is not None:
        total = _int(total, 1)
    else:
        total = _int(spec.value("epochs"), 1) * _int(spec.value("steps_per_epoch"), 1)
    pct_start = spec.value("pct_start")
    if not isinstance(pct_start, float) or not 0 <= pct_start <= 1:
        raise Unsupported
    strategy = spec.value("anneal_strategy")
    if strategy not in ("cos", "linear"):
        raise Unsupported
    if n > total + 1:
        raise Unsupported  # torch raises at step total_steps + 1
    div_factor = _number(spec.value("div_factor"))
    final_div_factor = _number(spec.value("final_div_factor"))
    max_lrs = _per_group(spec.value("max_lr"), groups)
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
        levels["max_momentum"] = _per_group(spec.value("max_momentum"), groups)
        levels["base_momentum"] = _per_group(spec.value("base_momentum"), groups)

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
            cos_out = _map(math.cos, math.pi * pct) + 1 if strategy == "cos" else None
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
# seed 002's recipes: the seed's own class, called once per step as FunctionLR does


def _recipe(spec: Spec, lrs: Sequence[float], n: int, info: OptimizerInfo) -> tuple[np.ndarray, None]:
    import numpy as np

    from .recipes import CLASSES, _kwargs

    fn = CLASSES[spec.name](**_kwargs(spec))
    values = np.fromiter(map(fn, range(n)), dtype=float, count=n)
    return np.repeat(values[None, :], len(lrs), axis=0), None


FAST: dict[str, dict[str, Compute]] = {
    "torch": {
        "LambdaLR": _lambda_lr,
        "MultiplicativeLR": _multiplicative_lr,
        "StepLR": _step_lr,
        "MultiStepLR": _multi_step_lr,
        "ConstantLR": _constant_lr,
        "LinearLR": _linear_lr,
        "ExponentialLR": _exponential_lr,
        "PolynomialLR": _polynomial_lr,
        "CosineAnnealingLR": _cosine_annealing_lr,
        "CosineAnnealingWarmRestarts": _warm_restarts,
        "CyclicLR": _cyclic_lr,
        "OneCycleLR": _one_cycle_lr,
    },
    "recipes": {
        "SquareRootScheduler": _recipe,
        "FactorScheduler": _recipe,
        "MultiFactorScheduler": _recipe,
        "CosineScheduler": _recipe,
    },
}
"""Fast paths by family and schedule name. A schedule not here is stepped through torch."""


def covers(spec: Spec) -> bool:
    """Whether a fast path exists for this schedule (it may still fall back for its values)."""
    return spec.name in FAST.get(spec.entry.family, {})
