"""The built-in metric patterns (``synthetic:NAME[,key=value...]``): seeded, so the same
text always gives the same values."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

import numpy as np

from lrviz.errors import LrvizError, did_you_mean

from .metric import SYNTHETIC, Metric, Pattern, PatternParam, fmt


def _minus(a: float, b: float) -> float:
    """``a - b`` as written in decimal: 1 - 0.8 is 0.2 here, not 0.19999999999999996.

    Parameters are typed as decimal text, so differences of them are taken the same way;
    this keeps ``synthetic:accuracy`` exactly equal to ``1 - synthetic:plateau``'s curve.
    """
    return float(Decimal(repr(float(a))) - Decimal(repr(float(b))))


def _plateau(n: int, *, start: float, floor: float, scale: float | None, noise: float, seed: int) -> np.ndarray:
    t = np.arange(n, dtype=float)
    scale = max(5.0, n / 10) if scale is None else scale
    rng = np.random.default_rng(seed)
    return floor + _minus(start, floor) * np.exp(-t / scale) + rng.normal(0.0, noise, n)


def _accuracy(n: int, *, start: float, final: float, scale: float | None, noise: float, seed: int) -> np.ndarray:
    # 1 - the matching loss, so the defaults are exactly today's default_metric("max", n)
    loss = _plateau(n, start=_minus(1.0, start), floor=_minus(1.0, final), scale=scale, noise=noise, seed=seed)
    return 1.0 - loss


def _noisy(n: int, *, start: float, floor: float, scale: float | None, noise: float, seed: int) -> np.ndarray:
    scale = max(10.0, n / 2) if scale is None else scale
    return _plateau(n, start=start, floor=floor, scale=scale, noise=noise, seed=seed)


def _overfit(
    n: int, *, start: float, floor: float, scale: float | None, turn: float, rise: float, noise: float, seed: int
) -> np.ndarray:
    t = np.arange(n, dtype=float)
    scale = max(5.0, n / 10) if scale is None else scale
    at = turn * (n - 1)
    u = np.clip((t - at) / max(1.0, (n - 1) - at), 0.0, 1.0)
    rng = np.random.default_rng(seed)
    return floor + _minus(start, floor) * np.exp(-t / scale) + rise * u**2 + rng.normal(0.0, noise, n)


def _steps(n: int, *, start: float, floor: float, drops: int, width: float, noise: float, seed: int) -> np.ndarray:
    t = np.arange(n, dtype=float)
    period = n / drops  # burst k starts at k * period and lasts `width` of a period
    ramp = max(1.0, width * period)
    k = np.minimum(np.floor(t / period), drops - 1)
    done = k + np.clip((t - k * period) / ramp, 0.0, 1.0)  # bursts finished; whole numbers when flat
    rng = np.random.default_rng(seed)
    return start - _minus(start, floor) * (done / drops) + rng.normal(0.0, noise, n)


_SEED = PatternParam("seed", int, 0, "seed of the noise", check=lambda v: v >= 0, expect="an integer >= 0")


def _noise(default: float) -> PatternParam:
    return PatternParam(
        "noise", float, default, "std of the seeded Gaussian noise", check=lambda v: v >= 0, expect="a number >= 0"
    )


def _scale(auto: str) -> PatternParam:
    return PatternParam(
        "scale", float, None, "steps to cover ~63% of the way", auto=auto, check=lambda v: v > 0, expect="a number > 0"
    )


def _value(name: str, default: float, help: str) -> PatternParam:
    return PatternParam(name, float, default, help)


PATTERNS: dict[str, Pattern] = {
    p.name: p
    for p in (
        Pattern(
            "plateau",
            "min",
            "a loss that falls quickly, then plateaus with small noise (the default for mode='min')",
            (
                _value("start", 1.0, "first value"),
                _value("floor", 0.2, "the level it settles at"),
                _scale("max(5, n/10)"),
                _noise(0.004),
                _SEED,
            ),
            _plateau,
        ),
        Pattern(
            "accuracy",
            "max",
            "an accuracy that rises quickly, then stalls with small noise (the default for mode='max')",
            (
                _value("start", 0.0, "first value"),
                _value("final", 0.8, "the level it stalls at"),
                _scale("max(5, n/10)"),
                _noise(0.004),
                _SEED,
            ),
            _accuracy,
        ),
        Pattern(
            "noisy",
            "min",
            "a loss that falls slowly under large noise, so patience and threshold decide when the LR drops",
            (
                _value("start", 1.0, "first value"),
                _value("floor", 0.4, "the level it tends to"),
                _scale("max(10, n/2)"),
                _noise(0.03),
                _SEED,
            ),
            _noisy,
        ),
        Pattern(
            "overfit",
            "min",
            "a validation loss that falls, then rises again as the model overfits",
            (
                _value("start", 1.0, "first value"),
                _value("floor", 0.3, "the level the fall tends to"),
                _scale("max(5, n/10)"),
                PatternParam(
                    "turn",
                    float,
                    0.4,
                    "fraction of the run where it starts rising",
                    check=lambda v: 0 <= v < 1,
                    expect="a number in [0, 1)",
                ),
                _value("rise", 0.3, "how much it has climbed by the last step"),
                _noise(0.004),
                _SEED,
            ),
            _overfit,
        ),
        Pattern(
            "steps",
            "min",
            "a loss that improves in quick bursts separated by flat stretches, so the LR drops several times",
            (
                _value("start", 1.0, "first value"),
                _value("floor", 0.2, "the level after the last burst"),
                PatternParam(
                    "drops", int, 4, "number of bursts, evenly spaced", check=lambda v: v >= 1, expect="an integer >= 1"
                ),
                PatternParam(
                    "width",
                    float,
                    0.2,
                    "fraction of each stretch a burst takes",
                    check=lambda v: 0 < v <= 1,
                    expect="a number in (0, 1]",
                ),
                _noise(0.0),
                _SEED,
            ),
            _steps,
        ),
    )
}
"""The built-in patterns, by name: ``synthetic:NAME[,key=value...]``."""


def pattern_help() -> list[tuple[str, str, str]]:
    """(NAME, mode, one line: what it is, its keys and defaults) per pattern; used as ``synthetic:NAME``."""
    return [(p.name, p.mode, p.help_line()) for p in PATTERNS.values()]


def default_metric(mode: str, steps: int, seed: int = 0) -> np.ndarray:
    """The documented default: reproducible (seeded), one value per step."""
    pattern = PATTERNS["accuracy" if mode == "max" else "plateau"]
    return pattern.make(steps, **{**pattern.defaults(), "seed": seed})


def parse(text: str, rest: str) -> Metric:
    """The pattern ``text`` names; ``rest`` is what follows ``synthetic:`` in it."""
    names = ", ".join(PATTERNS)
    items = [item.strip() for item in rest.split(",")]
    if not items[0]:
        raise LrvizError(f"no pattern named in {text!r}", f"write synthetic:NAME, NAME one of {names}")
    pattern = PATTERNS.get(items[0].lower())
    if pattern is None:
        suggestion = did_you_mean(items[0], PATTERNS)
        raise LrvizError(
            f"unknown synthetic pattern {items[0]!r}",
            f"{suggestion} the patterns are {names}" if suggestion else f"the patterns are {names}",
        )
    keys = ", ".join(p.name for p in pattern.params)
    given: dict[str, Any] = {}
    for item in items[1:]:
        if not item:
            continue
        key, sep, value = item.partition("=")
        key = key.strip().lower()
        if not sep or not key:
            raise LrvizError(
                f"{item!r} in {text!r} is not key=value", f"write e.g. synthetic:{pattern.name},seed=1 (keys: {keys})"
            )
        param = pattern.param(key)
        if param is None:
            suggestion = did_you_mean(key, [p.name for p in pattern.params])
            known = f"synthetic:{pattern.name} takes {keys}"
            raise LrvizError(
                f"unknown key {key!r} for synthetic:{pattern.name}", f"{suggestion} {known}" if suggestion else known
            )
        if key in given:
            raise LrvizError(f"{key} is given twice in {text!r}", "give each key once")
        given[key] = _convert(param, value.strip(), pattern)
    params = {**pattern.defaults(), **given}
    shown = [f"{p.name}={fmt(given[p.name])}" for p in pattern.params if p.name in given and given[p.name] != p.default]
    name = ",".join([f"{SYNTHETIC}:{pattern.name}", *shown])
    settings = ", ".join(
        f"{p.name}={fmt(params[p.name]) if params[p.name] is not None else p.auto}" for p in pattern.params
    )
    return Metric(
        source=text,
        name=name,
        note=f"{SYNTHETIC}:{pattern.name}, {pattern.doc} ({settings})",
        mode_hint=pattern.mode,
        pattern=pattern,
        params=params,
    )


def _convert(param: PatternParam, text: str, pattern: Pattern) -> float | int:
    where = f"{param.name} (synthetic:{pattern.name})"
    if param.kind is int:
        try:
            value: float | int = int(text)
        except ValueError:
            raise LrvizError(
                f"{where} must be an integer, got {text!r}", f"e.g. synthetic:{pattern.name},{param.name}=1"
            ) from None
    else:
        try:
            value = float(text)
        except ValueError:
            raise LrvizError(
                f"{where} must be a number, got {text!r}", f"e.g. synthetic:{pattern.name},{param.name}=0.5"
            ) from None
        if not math.isfinite(value):
            raise LrvizError(f"{where} must be a finite number, got {text!r}")
    if param.check is not None and not param.check(value):
        raise LrvizError(f"{where} must be {param.expect}, got {text!r}")
    return value
