"""The timm family's checks before stepping: the inputs timm rejects with a bare
AssertionError, fails on late (a ZeroDivisionError or a math domain error at some step) or
never finishes with (normal noise resampled forever), each said in one line; and warnings
about legal nonsense."""

from __future__ import annotations

import math
from typing import Any

from lrviz.schedule import Context, Spec, fail

PREFIX = "timm."
"""The factory's sched names are written ``timm.cosine``."""


def sched_of(spec: Spec) -> str | None:
    """The factory's sched name of a ``timm.cosine`` entry; None for a class."""
    return spec.name[len(PREFIX) :] if spec.name.startswith(PREFIX) else None


def number(spec: Spec, name: str) -> float | None:
    """The argument's value when the entry has it and it is a plain finite number."""
    if spec.entry.param(name) is None:
        return None
    value = spec.value(name)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and not math.isfinite(value):  # an int is finite (and may be too big for a float)
        return None
    return value


def check(spec: Spec, ctx: Context) -> list[str]:
    """Raise for inputs timm rejects with a bare AssertionError, fails on late (a
    ZeroDivisionError or a math domain error at some step) or never finishes; warn about
    legal nonsense."""
    found: list[str] = []
    _check_noise(spec)
    if sched_of(spec) is not None:
        _check_factory(spec, found)
        return found
    t_initial = number(spec, "t_initial")
    if t_initial is not None and t_initial <= 0 and spec.entry.param("cycle_limit") is not None:
        raise fail(spec, f"t_initial must be above 0, got {t_initial} (timm asserts it)", "e.g. t_initial=100")
    lr_min = number(spec, "lr_min")
    if lr_min is not None and lr_min < 0 and spec.entry.param("cycle_limit") is not None:
        raise fail(spec, f"lr_min must be >= 0, got {lr_min} (timm asserts it)", "use lr_min=0 or more")
    _check_cycles(spec, found, "t_initial")
    if spec.name == "TanhLRScheduler":
        _check_tanh(spec)
    decay = spec.value("decay_t") if spec.entry.param("decay_t") is not None else None
    if isinstance(decay, list):
        if decay != sorted(decay):
            found.append(f"{spec.name}: decay_t {decay} is not sorted (timm assumes increasing milestones)")
    elif decay == 0 and spec.entry.param("cycle_limit") is None and spec.entry.param("t_initial") is None:
        raise fail(spec, "decay_t=0 makes timm divide by zero after the warmup", "use decay_t >= 1")
    return found


def _check_noise(spec: Spec) -> None:
    for name in ("noise_range_t", "noise"):
        if spec.entry.param(name) is None:
            continue
        value = spec.value(name)
        if value is None or _plainnumber(value):
            continue
        if isinstance(value, (list, tuple)) and len(value) in (1, 2) and all(_plainnumber(v) for v in value):
            if name == "noise_range_t" and len(value) == 1:
                raise fail(
                    spec,
                    f"noise_range_t={list(value)} has no end, so timm fails with IndexError at the first step",
                    "give [start, end] or a single number (noise from there on)",
                )
            continue
        raise fail(spec, f"{name} must be a number or a [start, end] pair, got {value!r}", f"e.g. {name}=[0.5, 0.9]")
    _check_normal_noise(spec)


NOISE_TRIES = 10_000
"""The most draws a step that timm's normal noise may take on average before lrviz calls it
endless: timm resamples until the noise falls within ±noise_pct."""


def _check_normal_noise(spec: Spec) -> None:
    """Refuse normal noise that timm would resample forever (or all but): a noise_pct of 0 or
    less, or a noise_std so large next to it that almost no draw falls within it."""
    applied = any(spec.entry.param(n) is not None and spec.value(n) is not None for n in ("noise_range_t", "noise"))
    if not applied or spec.entry.param("noise_pct") is None or spec.entry.param("noise_std") is None:
        return
    if spec.entry.param("noise_type") is not None and spec.value("noise_type") != "normal":
        return
    pct, std = spec.value("noise_pct"), spec.value("noise_std")
    if not (_plainnumber(pct) and _plainnumber(std)):
        return
    pct, std = float(pct), abs(float(std))  # the spec language refuses integers too big for a float
    if not pct > 0 or math.isnan(std):
        chance = 0.0
    elif std == 0:
        chance = 1.0
    else:
        chance = math.erf(pct / (std * math.sqrt(2)))  # P(|N(0, std)| < pct); 0 for an infinite std
    if not chance * NOISE_TRIES >= 1:
        raise fail(
            spec,
            f"noise_std={spec.value('noise_std')!r} with noise_pct={spec.value('noise_pct')!r}: timm draws normal "
            "noise again until it falls within ±noise_pct, which would go on forever",
            "lower noise_std or raise noise_pct (timm's defaults: noise_std=1.0, noise_pct=0.67)",
        )


def _plainnumber(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_cycles(spec: Spec, found: list[str], length: str) -> None:
    mul = number(spec, "cycle_mul")
    if mul is None:
        return
    if mul <= 0:
        raise fail(spec, f"cycle_mul={mul} makes timm take the logarithm to a base <= 0", "use cycle_mul > 0")
    if mul < 1:
        found.append(
            f"{spec.name}: cycle_mul={mul} shortens every cycle; timm fails (math domain error) once t reaches "
            f"{length} / (1 - cycle_mul)"
        )


def _check_tanh(spec: Spec) -> None:
    lb, ub = number(spec, "lb"), number(spec, "ub")
    if lb is not None and ub is not None and not lb < ub:
        raise fail(spec, f"lb={lb} must be below ub={ub} (timm asserts it)", "e.g. lb=-7.0, ub=3.0")
    for name in ("cycle_limit", "warmup_t", "warmup_lr_init"):
        value = number(spec, name)
        if value is not None and value < 0:
            raise fail(spec, f"{name} must be >= 0, got {value} (timm asserts it)", f"use {name}=0 or more")


def _check_factory(spec: Spec, found: list[str]) -> None:
    sched = sched_of(spec)
    per_update = not spec.value("step_on_epochs")
    if per_update and sched == "plateau":
        raise fail(spec, "timm steps its plateau schedule per epoch only", "drop step_on_epochs=False")
    if per_update and not (spec.value("updates_per_epoch") or 0) > 0:
        raise fail(
            spec,
            "step_on_epochs=False needs updates_per_epoch, the updates in an epoch (timm asserts it)",
            "pass --steps-per-epoch N (train.py's updates_per_epoch) or updates_per_epoch=N",
        )
    num = number(spec, "num_epochs")
    if num is not None and num <= 0 and sched in ("cosine", "tanh", "poly"):
        raise fail(spec, f"num_epochs must be above 0, got {num} (timm asserts it)", "e.g. num_epochs=100")
    lr_min = number(spec, "min_lr")
    if lr_min is not None and lr_min < 0 and sched in ("cosine", "tanh", "poly"):
        raise fail(spec, f"min_lr must be >= 0, got {lr_min} (timm asserts it)", "use min_lr=0 or more")
    if sched == "step" and spec.value("decay_epochs") == 0:
        raise fail(spec, "decay_epochs=0 makes timm divide by zero after the warmup", "use decay_epochs >= 1")
    _check_cycles(spec, found, "num_epochs")
