"""The ``torch`` family: every scheduler class in ``torch.optim.lr_scheduler``.

Parameters, defaults and help come from torch itself (see :mod:`lrviz.introspect`), so a
new torch release's classes and parameters appear without edits. What torch cannot tell
us lives in small tables here: an example with the blog posts' parameters, how many steps
show a schedule's whole shape, the inputs torch rejects only late (a bare
``ZeroDivisionError`` at step k) or never (silent nonsense worth a warning), and what is
particular to a few classes (OneCycleLR stops at its total, SequentialLR hands over at its
milestones, ChainedScheduler applies all its children, CyclicLR cycles).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from typing import Any

from lrviz import introspect
from lrviz.family import BaseFamily
from lrviz.schedule import (
    DEFAULT_HORIZON,
    Context,
    Entry,
    Kind,
    Param,
    Spec,
    Stop,
    build_value,
    clamp,
    fail,
    params_of,
    past_end,
)
from lrviz.schedule import horizon as horizon_of

from . import torch_fast
from .torch_fast import COMPUTE, INITIAL_LR

# The blog posts' parameters (../shared/seeds/000, 001 and 004): the example for each class.
EXAMPLES: dict[str, str] = {
    "LambdaLR": "LambdaLR(lr_lambda=lambda epoch: 0.9 ** epoch)",
    "MultiplicativeLR": "MultiplicativeLR(lr_lambda=lambda epoch: 0.95)",
    "StepLR": "StepLR(step_size=30, gamma=0.1)",
    "MultiStepLR": "MultiStepLR(milestones=[30, 80], gamma=0.5)",
    "ConstantLR": "ConstantLR(factor=0.5, total_iters=80)",
    "LinearLR": "LinearLR(start_factor=1.0, end_factor=0.1, total_iters=80)",
    "ExponentialLR": "ExponentialLR(gamma=0.9)",
    "SequentialLR": (
        "SequentialLR(schedulers=[ExponentialLR(gamma=0.9), "
        "LinearLR(start_factor=1.0, end_factor=0.1, total_iters=80)], milestones=[50])"
    ),
    "CosineAnnealingLR": "CosineAnnealingLR(T_max=20, eta_min=0.05)",
    "ChainedScheduler": (
        "ChainedScheduler(schedulers=[LinearLR(start_factor=1.0, end_factor=0.5, total_iters=10), "
        "ExponentialLR(gamma=0.95)])"
    ),
    "ReduceLROnPlateau": (
        "ReduceLROnPlateau(mode='min', factor=0.5, patience=5, threshold=0.0001, "
        "threshold_mode='abs', cooldown=0, min_lr=0.001, eps=1e-08)"
    ),
    "CyclicLR": "CyclicLR(base_lr=0.1, max_lr=0.2, step_size_up=30, step_size_down=10)",
    "CosineAnnealingWarmRestarts": "CosineAnnealingWarmRestarts(T_0=20, T_mult=2, eta_min=0.01)",
    "OneCycleLR": ("OneCycleLR(max_lr=0.1, total_steps=120, pct_start=0.5, div_factor=10.0, final_div_factor=10.0)"),
    "PolynomialLR": "PolynomialLR(total_iters=80, power=2.0)",
}

# Lengths that torch annotates as int but computes with as real numbers: CosineAnnealingLR
# divides by T_max, CyclicLR takes float(step_size_up). A non-integer one is drawn as torch
# computes it. (A step_size or a milestone is compared with whole epochs: a fraction there
# is refused.)
REAL_LENGTHS: dict[str, tuple[str, ...]] = {
    "CosineAnnealingLR": ("T_max",),
    "CyclicLR": ("step_size_up", "step_size_down"),
}

# Schedules whose LR is meant to go down (or stay): a rise above the start is suspicious.
DECAYING = {
    "StepLR",
    "MultiStepLR",
    "ExponentialLR",
    "CosineAnnealingLR",
    "CosineAnnealingWarmRestarts",
    "PolynomialLR",
    "ReduceLROnPlateau",
    "MultiplicativeLR",
}

# Schedules whose LR holds between jumps: drawn as steps.
PIECEWISE = {"StepLR", "MultiStepLR", "ConstantLR", "ReduceLROnPlateau"}


# --------------------------------------------------------------------------------------
# Horizons: how many steps show the whole shape


def horizon(spec: Spec) -> tuple[int, str]:
    """(steps, why) for a spec; composites ask their children."""
    fn = _HORIZONS.get(spec.name)
    if fn is None:
        return DEFAULT_HORIZON, "a default length"
    return fn(spec)


def _step(spec: Spec) -> tuple[int, str]:
    size = abs(spec.value("step_size")) or 1
    return clamp(4 * size), "four periods of step_size"


def _multistep(spec: Spec) -> tuple[int, str]:
    milestones = spec.value("milestones") or [0]
    last = max(milestones)
    return clamp(last + max(10, last / 4)), "past the last milestone"


def _total_iters(spec: Spec) -> tuple[int, str]:
    return past_end(spec.value("total_iters")), "total_iters and a short tail"


def _exponential(spec: Spec) -> tuple[int, str]:
    gamma = spec.value("gamma")
    if 0 < gamma < 1:
        return clamp(math.log(0.01) / math.log(gamma), 10, 10_000), "until the LR falls to 1% of its start"
    return DEFAULT_HORIZON, "a default length"


def _cosine(spec: Spec) -> tuple[int, str]:
    t_max = abs(spec.value("T_max")) or 1
    return clamp(1.25 * t_max + 1), "past T_max"


def _warm_restarts(spec: Spec) -> tuple[int, str]:
    t0 = max(1, spec.value("T_0"))
    mult = max(1, spec.value("T_mult"))
    return clamp(t0 * (1 + mult + mult * mult) + 1), "three cycles and the next restart"


def _cyclic(spec: Spec) -> tuple[int, str]:
    up = abs(spec.value("step_size_up"))
    down = spec.value("step_size_down")
    down = up if down is None else abs(down)
    return clamp(2 * (up + down)), "two cycles"


def _one_cycle(spec: Spec) -> tuple[int, str]:
    total = one_cycle_total(spec)
    if total is None or total <= 0:  # the check says what is wrong with it
        return DEFAULT_HORIZON, "a default length"
    return total, "total_steps"


def one_cycle_total(spec: Spec) -> int | None:
    total = spec.value("total_steps")
    if total is None:
        epochs, per_epoch = spec.value("epochs"), spec.value("steps_per_epoch")
        if epochs is None or per_epoch is None:
            return None
        total = epochs * per_epoch
    return int(total)


def _plateau(spec: Spec) -> tuple[int, str]:
    patience = max(0, spec.value("patience"))
    cooldown = max(0, spec.value("cooldown"))
    return clamp(max(DEFAULT_HORIZON, 8 * (patience + cooldown + 1)), 10, 100_000), "several reductions"


def _sequential(spec: Spec) -> tuple[int, str]:
    children = spec.value("schedulers") or []
    milestones = spec.value("milestones") or [0]
    if not children:
        return DEFAULT_HORIZON, "a default length"
    start = max(milestones)
    end = _end(children[-1])
    if end is not None:  # a warmup then a cosine over T_max: the run they describe
        return past_end(start + end), "the last milestone plus the last schedule's length, and a short tail"
    last_child, _ = horizon_of(children[-1])
    return clamp(start + last_child), "the last milestone plus the last schedule's own length"


def _end(spec: Spec) -> int | None:
    """The step at which a schedule has done what it was made for, when its arguments say:
    a cosine at T_max, a ramp at total_iters, OneCycleLR at its total. None for schedules
    that go on (StepLR, restarts, cycles)."""
    if spec.name == "CosineAnnealingLR":
        return max(1, abs(int(spec.value("T_max"))))
    if spec.name in ("LinearLR", "ConstantLR", "PolynomialLR"):
        return max(1, int(spec.value("total_iters")))
    if spec.name == "OneCycleLR":
        return one_cycle_total(spec)
    return None


def _lambda(spec: Spec) -> tuple[int, str]:
    """LambdaLR and MultiplicativeLR: the lambda's own constants, when it has any that count
    steps (``min(1.0, step / 500)``, ``step < 500``, ``0.5 ** (step // 2000)``), or the
    base of a decay (``0.9 ** epoch``; MultiplicativeLR's factor ``0.95``)."""
    values = spec.value("lr_lambda")
    lambdas = values if isinstance(values, list) else [values]
    found = [n for n in (_lambda_steps(f, spec.name == "MultiplicativeLR") for f in lambdas) if n]
    if not found:
        return DEFAULT_HORIZON, "a default length"
    return clamp(max(found)), "the lambda's own constants"


def _lambda_steps(fn: Any, factor: bool) -> float | None:
    """How many steps show a lambda's shape, from the constants in its text (it is lrviz's
    parsed lambda; anything else has no text to read)."""
    import ast

    text = getattr(fn, "text", None)
    var = getattr(fn, "var", None)
    if not isinstance(text, str) or not isinstance(var, str):
        return None
    try:
        tree = ast.parse(text, mode="eval").body
    except SyntaxError:
        return None
    body = tree.body if isinstance(tree, ast.Lambda) else tree

    def uses_var(node: ast.AST) -> bool:
        return any(isinstance(n, ast.Name) and n.id == var for n in ast.walk(node))

    def number(node: ast.AST) -> float | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
            return float(node.value)
        return None

    ends: list[float] = []  # a ramp or a switch over: shown whole, with a short tail
    periods: list[float] = []  # a decay every C steps: four of them
    decays: list[float] = []  # a base ** step or a per-step factor: until 1% of the start
    if factor and number(body) is not None:
        decays.append(number(body) or 0.0)
    for node in ast.walk(body):
        if isinstance(node, ast.BinOp) and uses_var(node.left):
            c = number(node.right)
            if c is not None and c >= 2:
                if isinstance(node.op, (ast.FloorDiv, ast.Mod)):
                    periods.append(c)
                elif isinstance(node.op, ast.Div):
                    ends.append(c)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow) and uses_var(node.right):
            c = number(node.left)
            if c is not None:
                decays.append(c)
        if isinstance(node, ast.Compare) and uses_var(node):
            ends.extend(c for c in map(number, [node.left, *node.comparators]) if c is not None and c >= 2)
    steps = [float(past_end(c)) for c in ends] + [4 * c for c in periods]
    steps += [math.log(0.01) / math.log(c) for c in decays if 0 < c < 1]
    return max(steps) if steps else None


def _chained(spec: Spec) -> tuple[int, str]:
    children = spec.value("schedulers") or []
    if not children:
        return DEFAULT_HORIZON, "a default length"
    return max(horizon_of(c)[0] for c in children), "the longest child"


_HORIZONS: dict[str, Callable[[Spec], tuple[int, str]]] = {
    "LambdaLR": _lambda,
    "MultiplicativeLR": _lambda,
    "StepLR": _step,
    "MultiStepLR": _multistep,
    "ConstantLR": _total_iters,
    "LinearLR": _total_iters,
    "PolynomialLR": _total_iters,
    "ExponentialLR": _exponential,
    "CosineAnnealingLR": _cosine,
    "CosineAnnealingWarmRestarts": _warm_restarts,
    "CyclicLR": _cyclic,
    "OneCycleLR": _one_cycle,
    "ReduceLROnPlateau": _plateau,
    "SequentialLR": _sequential,
    "ChainedScheduler": _chained,
}


# --------------------------------------------------------------------------------------
# Checks made before stepping


def check(spec: Spec, ctx: Context) -> list[str]:
    """Raise :class:`LrvizError` for inputs torch would reject late (or with a bare
    ZeroDivisionError); return warnings for legal nonsense. (Children are checked by
    their own entries.)"""
    warnings: list[str] = []
    fn = _CHECKS.get(spec.name)
    if fn is not None:
        fn(spec, ctx, warnings)
    return warnings


def _check_step(spec: Spec, ctx: Context, warnings: list[str]) -> None:
    size = spec.value("step_size")
    if size == 0:
        raise fail(spec, "step_size=0 makes torch divide by zero at the first step()", "use step_size >= 1")
    if size < 0:
        warnings.append(
            f"{spec.name}: step_size={size} is negative; torch then decays the LR at every multiple of {-size}, "
            f"as step_size={-size} does"
        )


def _check_cosine(spec: Spec, ctx: Context, warnings: list[str]) -> None:
    if spec.value("T_max") == 0:
        raise fail(spec, "T_max=0 makes torch divide by zero at the first step()", "use T_max >= 1")
    if spec.value("T_max") < 0:
        warnings.append(f"{spec.name}: T_max={spec.value('T_max')} is negative")


def _check_warm_restarts(spec: Spec, ctx: Context, warnings: list[str]) -> None:
    if spec.value("T_0") <= 0:
        raise fail(spec, "T_0 must be a positive integer", "use T_0 >= 1")
    if spec.value("T_mult") < 1:
        raise fail(spec, "T_mult must be an integer >= 1", "use T_mult=1 for equal cycles")


def _check_constant(spec: Spec, ctx: Context, warnings: list[str]) -> None:
    if spec.value("factor") == 0:
        raise fail(
            spec,
            "factor=0 makes torch divide by zero when total_iters is reached",
            "use a factor in (0, 1]",
        )
    _check_total_iters(spec, warnings)


def _check_total_iters(spec: Spec, warnings: list[str]) -> None:
    total = spec.value("total_iters")
    if total is not None and total <= 0:
        warnings.append(f"{spec.name}: total_iters={total} is not positive, so the schedule does nothing sensible")


def _check_linear(spec: Spec, ctx: Context, warnings: list[str]) -> None:
    _check_total_iters(spec, warnings)


def _check_polynomial(spec: Spec, ctx: Context, warnings: list[str]) -> None:
    if spec.value("power") < 0:
        raise fail(
            spec,
            "a negative power makes torch divide by zero when total_iters is reached",
            "use power >= 0",
        )
    _check_total_iters(spec, warnings)


def _check_multistep(spec: Spec, ctx: Context, warnings: list[str]) -> None:
    milestones = list(spec.value("milestones"))
    if milestones != sorted(milestones):
        warnings.append(f"{spec.name}: milestones {milestones} are not sorted (torch's docs say they must increase)")
    if any(m < 0 for m in milestones):
        warnings.append(f"{spec.name}: negative milestones {[m for m in milestones if m < 0]} are never reached")
    if len(set(milestones)) != len(milestones):
        warnings.append(f"{spec.name}: repeated milestones apply gamma more than once")


def _needs_momentum(spec: Spec, ctx: Context) -> None:
    if spec.value("cycle_momentum") and not ctx.has_momentum:
        raise fail(
            spec,
            f"cycle_momentum=True but {ctx.optimizer} has no momentum or beta1 to cycle",
            "pass --no-cycle-momentum (cycle_momentum=False) or use an optimizer with momentum, "
            "e.g. --optimizer sgd or adam",
        )


def _check_cyclic(spec: Spec, ctx: Context, warnings: list[str]) -> None:
    up = spec.value("step_size_up")
    down = spec.value("step_size_down")
    down = up if down is None else down
    if up == 0:
        raise fail(spec, "step_size_up=0 makes torch divide by zero", "use step_size_up >= 1")
    if up + down == 0:
        raise fail(spec, "step_size_up + step_size_down is 0, a cycle of no steps", "use positive step sizes")
    if up < 0 or down < 0:
        warnings.append(f"{spec.name}: negative step sizes (up={up}, down={down}) make no sense")
    base, peak = spec.value("base_lr"), spec.value("max_lr")
    bases = base if isinstance(base, list) else [base]
    peaks = peak if isinstance(peak, list) else [peak]
    if any(b > p for b, p in zip(bases, peaks, strict=False)):
        warnings.append(f"{spec.name}: base_lr {base} is above max_lr {peak}")
    if spec.value("mode") == "exp_range" and spec.value("gamma") > 1:
        warnings.append(f"{spec.name}: gamma={spec.value('gamma')} > 1 makes exp_range cycles grow")
    _needs_momentum(spec, ctx)


def _check_one_cycle(spec: Spec, ctx: Context, warnings: list[str]) -> None:
    total_steps = spec.value("total_steps")
    epochs, per_epoch = spec.value("epochs"), spec.value("steps_per_epoch")
    if total_steps is None and (epochs is None or per_epoch is None):
        raise fail(
            spec,
            "OneCycleLR needs total_steps, or epochs and steps_per_epoch",
            "e.g. OneCycleLR(max_lr=0.1, total_steps=100)",
        )
    for name in ("total_steps", "epochs", "steps_per_epoch"):
        value = spec.value(name)
        if value is not None and value <= 0 and (name == "total_steps" or total_steps is None):
            raise fail(spec, f"{name} must be a positive integer, got {value}", f"use {name} >= 1")
    pct = spec.value("pct_start")
    if not 0 <= pct <= 1:
        raise fail(spec, f"pct_start must be between 0 and 1, got {pct}", "e.g. pct_start=0.3")
    total = one_cycle_total(spec) or 0
    try:
        # torch's phase ends: step_num s is in the first phase whose end it does not pass
        if spec.value("three_phase"):
            ends = [float(pct * total) - 1, float(2 * pct * total) - 2, float(total - 1)]
        else:
            ends = [float(pct * total) - 1, float(total - 1)]
    except OverflowError:
        raise fail(spec, f"total_steps={total} is too large for torch to compute with", "use a smaller total") from None
    if spec.value("three_phase") and pct > 0.5:
        warnings.append(f"{spec.name}: three_phase with pct_start={pct} > 0.5 makes the phases overlap")
    # A phase of no length divides by zero, but only once a step falls in it: the first
    # phase at step 0 (in the constructor), the last one after every other phase's end.
    failing = None
    if ends[0] == 0:
        failing, phase = 0, 1
    elif ends[-1] == ends[-2]:
        failing, phase = max(0, math.floor(max(ends[:-1])) + 1), len(ends)
    if failing is not None:
        # the trace computes one value past its last (the final scheduler.step()): a failure
        # there is reported as that step's crash, not refused
        if ctx.steps is None or failing < ctx.steps:
            fewer = f", or trace at most {failing} steps (-n {failing})" if failing > 0 else ""
            raise fail(
                spec,
                f"phase {phase} of the cycle has no steps (total_steps={total}, pct_start={pct}), "
                f"so torch divides by zero at step {failing}",
                f"change pct_start or total_steps{fewer}",
            )
    _needs_momentum(spec, ctx)


def check_plateau(spec: Spec, ctx: Context, warnings: list[str]) -> None:
    factor = spec.value("factor")
    if factor >= 1:
        raise fail(spec, f"factor must be below 1, got {factor}", "e.g. factor=0.1")
    if factor <= 0:
        warnings.append(f"{spec.name}: factor={factor} sets the LR to min_lr or below at the first reduction")
    if spec.value("patience") < 0:
        warnings.append(f"{spec.name}: patience={spec.value('patience')} is negative")


def _check_children(spec: Spec, ctx: Context, warnings: list[str]) -> None:
    children = spec.value("schedulers") or []
    if not children:
        raise fail(spec, "schedulers is empty", "give at least one schedule")
    for child in children:
        if child.entry.needs_metric:
            raise fail(
                spec,
                f"{child.name} cannot run inside {spec.name} (it needs a metric at every step)",
                f"plot {child.name} on its own",
            )
    if spec.name != "SequentialLR":
        return
    milestones = list(spec.value("milestones"))
    if len(children) != len(milestones) + 1:
        raise fail(
            spec,
            f"{len(children)} schedulers need {len(children) - 1} milestones, got {len(milestones)}",
            "give one milestone between each pair of schedulers",
        )
    if milestones != sorted(milestones):
        warnings.append(f"{spec.name}: milestones {milestones} are not sorted, which gives a garbled schedule")
    elif ctx.steps is not None:
        for child, milestone in zip(children[1:], milestones, strict=True):
            if child.entry.param("schedulers") is not None and isinstance(milestone, int) and ctx.steps > milestone:
                raise fail(
                    spec,
                    f"a {child.name} cannot take over at milestone {milestone}: torch calls the get_lr of the "
                    "schedule it hands over to, which a composite does not have (NotImplementedError)",
                    f"make the {child.name} the first schedule, or put the SequentialLR inside it instead",
                )
    for child in children[1:]:
        if child.name == "OneCycleLR":
            warnings.append(
                f"{spec.name}: a OneCycleLR after the first schedule overwrites initial_lr, "
                "which changes the schedules before it"
            )


_CHECKS: dict[str, Callable[[Spec, Context, list[str]], None]] = {
    "StepLR": _check_step,
    "CosineAnnealingLR": _check_cosine,
    "CosineAnnealingWarmRestarts": _check_warm_restarts,
    "ConstantLR": _check_constant,
    "LinearLR": _check_linear,
    "PolynomialLR": _check_polynomial,
    "MultiStepLR": _check_multistep,
    "CyclicLR": _check_cyclic,
    "OneCycleLR": _check_one_cycle,
    "ReduceLROnPlateau": check_plateau,
    "SequentialLR": _check_children,
    "ChainedScheduler": _check_children,
}


# --------------------------------------------------------------------------------------
# What is particular to a few classes


def _one_cycle_stop(spec: Spec) -> Stop | None:
    total = one_cycle_total(spec)
    if total is None or total <= 0:
        return None
    return Stop(total, f"total_steps={total}: one more scheduler.step() raises ValueError in training")


def _sequential_phases(spec: Spec) -> list[tuple[int, Spec]]:
    """SequentialLR's children with the step each takes over (the first at step 0)."""
    children = spec.value("schedulers") or []
    starts = [0, *[int(m) for m in spec.value("milestones") or []]]
    return list(zip(starts, children, strict=False))


def _chained_note(spec: Spec) -> str:
    children = spec.value("schedulers") or []
    return "chains " + " → ".join(c.name for c in children) + " (each step applies all, in this order)"


_STOPS: dict[str, Callable[[Spec], Stop | None]] = {"OneCycleLR": _one_cycle_stop}
_PHASES: dict[str, Callable[[Spec], list[tuple[int, Spec]]]] = {"SequentialLR": _sequential_phases}
_NOTES: dict[str, Callable[[Spec], str | None]] = {"ChainedScheduler": _chained_note}
_PERIODIC = {"CyclicLR"}  # the first rise is a cycle's, never a warmup (even traced for half a cycle)
_REQUIRED_NOTES = {"OneCycleLR": "--total-steps (or --epochs and --steps-per-epoch)"}


# --------------------------------------------------------------------------------------
# Building


def build(spec: Spec, optimizer: Any) -> Any:
    """The torch scheduler for ``spec`` on ``optimizer`` (children on the same one)."""
    from torch.optim import lr_scheduler

    cls = getattr(lr_scheduler, spec.name)
    kwargs: dict[str, Any] = {}
    for param in spec.entry.params:
        if param.kind == Kind.OPTIMIZER:
            kwargs[param.name] = optimizer
        elif param.name in spec.args:
            kwargs[param.name] = build_value(spec.args[param.name], optimizer)
    last_epoch = kwargs.get("last_epoch", -1)
    if last_epoch is not None and last_epoch != -1:
        # resuming, as a restarted training would: torch needs initial_lr in each group
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
    return cls(**kwargs)


def _default_example(name: str, params: Sequence[Param]) -> str:
    """A new torch class with no required parameters still gets a working example."""
    if any(p.required and p.kind != Kind.OPTIMIZER for p in params):
        return ""
    return f"{name}()"


class TorchFamily(BaseFamily):
    name = "torch"
    title = "torch.optim.lr_scheduler's classes, read from the installed torch"
    distribution = "torch"
    prefixes = ("torch.optim.lr_scheduler.", "optim.lr_scheduler.", "lr_scheduler.", "torch.optim.")
    rejecter = "torch"

    def load(self) -> list[Entry]:
        out = []
        for info in introspect.torch_schedulers():
            params = tuple(
                dataclasses.replace(p, kind=Kind.NUMBER)
                if p.name in REAL_LENGTHS.get(info.name, ()) and p.kind == Kind.INT
                else p
                for p in params_of(info)
            )
            out.append(
                Entry(
                    name=info.name,
                    family=self.name,
                    summary=info.summary,
                    params=params,
                    doc=info.doc,
                    origin=f"torch.optim.lr_scheduler.{info.name}",
                    build=build,
                    horizon=horizon,
                    check=check,
                    example=EXAMPLES.get(info.name) or _default_example(info.name, params),
                    decays=info.name in DECAYING,
                    needs_metric=info.name == "ReduceLROnPlateau",
                    periodic=info.name in _PERIODIC,
                    piecewise=info.name in PIECEWISE,
                    required_note=_REQUIRED_NOTES.get(info.name, ""),
                    code_import="from torch.optim import lr_scheduler",
                    # only for the torch releases the fast path was verified against
                    fast=COMPUTE.get(info.name) if torch_fast.verified() else None,
                    fast_blocks=torch_fast.BLOCKS.get(info.name) if torch_fast.verified() else None,
                    initial_lr=INITIAL_LR.get(info.name),
                    stop=_STOPS.get(info.name),
                    phases=_PHASES.get(info.name),
                    note=_NOTES.get(info.name),
                )
            )
        return out

    def version(self) -> str | None:
        found = introspect.torch_version()
        return f"torch {found}" if found else None


FAMILY = TorchFamily()
