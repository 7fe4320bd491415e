"""The dummy optimizer a schedule is stepped on: one tiny parameter per param group."""

from __future__ import annotations

import inspect
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .errors import LrvizError, did_you_mean


@dataclass(frozen=True)
class Known:
    """What lrviz knows of one of torch's optimizers without importing torch."""

    class_name: str
    momentum_key: str | None  # "momentum" (SGD, RMSprop), "betas" (the Adam family: beta1) or None
    default: Any  # torch's default momentum, or betas
    fast: bool = True  # the fast path may trace on it (checked against torch 2.13 by tests/test_fast.py)


TABLE: dict[str, Known] = {
    "sgd": Known("SGD", "momentum", 0.0),
    "adam": Known("Adam", "betas", (0.9, 0.999)),
    "adamw": Known("AdamW", "betas", (0.9, 0.999)),
    "nadam": Known("NAdam", "betas", (0.9, 0.999)),
    "radam": Known("RAdam", "betas", (0.9, 0.999)),
    "adamax": Known("Adamax", "betas", (0.9, 0.999)),
    "rmsprop": Known("RMSprop", "momentum", 0.0),
    "adagrad": Known("Adagrad", None, None),
    "adadelta": Known("Adadelta", None, None),
    "adafactor": Known("Adafactor", None, None, fast=False),
    "asgd": Known("ASGD", None, None),
    "rprop": Known("Rprop", None, None),
    "sparseadam": Known("SparseAdam", "betas", (0.9, 0.999), fast=False),
    "lbfgs": Known("LBFGS", None, None, fast=False),
    "muon": Known("Muon", "momentum", 0.95, fast=False),
}
"""The optimizers users may type, known without importing torch (for instant did-you-mean,
help, the explorer's choices, the generated code and the fast path);
``optimizer_class`` also accepts any other optimizer the installed torch has."""

KNOWN = tuple(TABLE)

DEFAULT_OPTIMIZER = "sgd"
DEFAULT_LR = 0.1
DEFAULT_SGD_MOMENTUM = 0.9  # as in the blog posts


@dataclass(frozen=True)
class OptimizerSpec:
    """How to build the dummy optimizer."""

    name: str = DEFAULT_OPTIMIZER
    lr: float = DEFAULT_LR
    group_lrs: tuple[float, ...] = ()
    momentum: float | None = None  # None: 0.9 for SGD, torch's default otherwise
    betas: tuple[float, float] | None = None

    @property
    def lrs(self) -> tuple[float, ...]:
        return self.group_lrs or (self.lr,)


@dataclass(frozen=True)
class OptimizerInfo:
    """What a trace needs to know about torch's optimizer, without building it (the fast path)."""

    class_name: str
    momentum_key: str | None  # "momentum", "betas" or None
    momenta: tuple[float, ...] | None  # the momentum or beta1 of each group at the start

    @property
    def has_momentum(self) -> bool:
        return self.momentum_key is not None


def info(spec: OptimizerSpec) -> OptimizerInfo | None:
    """The optimizer's class name and momenta, or None when only torch can tell (an
    optimizer outside the table, or a value torch may reject: then torch says why)."""
    known = TABLE.get(spec.name)
    if known is None or not known.fast:
        return None
    class_name, key, default = known.class_name, known.momentum_key, known.default
    n = len(spec.lrs)
    if key == "momentum":
        if spec.betas is not None:
            return None
        momentum = spec.momentum
        if momentum is None:
            momentum = DEFAULT_SGD_MOMENTUM if class_name == "SGD" else default
        if not (isinstance(momentum, float) and math.isfinite(momentum) and momentum >= 0):
            return None
        return OptimizerInfo(class_name, key, (momentum,) * n)
    if key == "betas":
        if spec.momentum is not None:
            return None
        betas = spec.betas if spec.betas is not None else default
        if not all(isinstance(b, float) and 0.0 <= b < 1.0 for b in betas):
            return None
        return OptimizerInfo(class_name, key, (betas[0],) * n)
    if spec.momentum is not None or spec.betas is not None:
        return None
    return OptimizerInfo(class_name, None, None)


def _all_optimizers() -> dict[str, type]:
    import torch.optim

    out = {}
    for attr in dir(torch.optim):
        obj = getattr(torch.optim, attr)
        if isinstance(obj, type) and issubclass(obj, torch.optim.Optimizer) and obj is not torch.optim.Optimizer:
            out[attr.lower()] = obj
    return out


def check_name(name: str) -> str:
    """Normalise an optimizer name, or fail with a did-you-mean (without importing torch)."""
    key = name.strip().lower().replace("torch.optim.", "")
    if key in KNOWN:
        return key
    try:
        available = _all_optimizers()
    except ImportError:
        available = {}
    if key in available:
        return key
    hint = did_you_mean(key, sorted(set(KNOWN) | set(available))) or "choose one of " + ", ".join(KNOWN)
    raise LrvizError(f"unknown optimizer '{name}'", hint)


def class_name(name: str) -> str:
    """torch's class name for an optimizer name: ``adamw`` -> ``AdamW``."""
    known = TABLE.get(name)
    return known.class_name if known is not None else name


def optimizer_class(name: str) -> type:
    key = check_name(name)
    available = _all_optimizers()
    if key not in available:
        raise LrvizError(f"this torch has no optimizer '{name}'", "choose one of " + ", ".join(sorted(available)))
    return available[key]


_LEAN: dict[type, type] = {}


def lean_class(cls: type) -> type:
    """A subclass of a torch optimizer for tracing: the same constructor, param groups and
    defaults, but ``step()`` does nothing (lrviz never trains, and no scheduler reads
    optimizer state) and ``add_param_group`` runs without torch's dynamo-disable wrapper,
    whose first call imports ``torch._dynamo`` (over a second) only to guard against
    ``torch.compile``, which lrviz never uses. Values are unchanged: the tests compare them
    with the real optimizer in a real training loop."""
    if cls not in _LEAN:
        add = cls.add_param_group  # type: ignore[attr-defined]

        def step(self: Any, closure: Any = None) -> None:
            return None

        _LEAN[cls] = type(
            cls.__name__,
            (cls,),
            {
                "step": step,
                "add_param_group": getattr(add, "__wrapped__", add),
                "__module__": __name__,
                "__doc__": lean_class.__doc__,
            },
        )
    return _LEAN[cls]


def build(spec: OptimizerSpec) -> Any:
    """A fresh optimizer with one small parameter per group (never shared between schedules:
    a left-over ``initial_lr`` would change the next schedule's values)."""
    import torch

    cls = lean_class(optimizer_class(spec.name))
    accepted = inspect.signature(cls).parameters
    kwargs: dict[str, Any] = {"lr": spec.lr}
    if spec.momentum is not None:
        if "momentum" not in accepted:
            hint = "use --betas for Adam-style optimizers" if "betas" in accepted else "drop --momentum"
            raise LrvizError(f"{cls.__name__} has no momentum", hint)
        kwargs["momentum"] = spec.momentum
    elif cls.__name__ == "SGD":
        kwargs["momentum"] = DEFAULT_SGD_MOMENTUM
    if spec.betas is not None:
        if "betas" not in accepted:
            hint = "use --momentum for SGD and RMSprop" if "momentum" in accepted else "drop --betas"
            raise LrvizError(f"{cls.__name__} has no betas", hint)
        kwargs["betas"] = tuple(spec.betas)
    groups = [{"params": [torch.nn.Parameter(torch.zeros(2, 2))], "lr": lr} for lr in spec.lrs]
    try:
        return cls(groups, **kwargs)
    except (ValueError, TypeError) as exc:
        raise LrvizError(f"torch rejected {cls.__name__}({_kwargs_text(kwargs)}): {exc}") from None


def _kwargs_text(kwargs: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in kwargs.items())


def momentum_key(optimizer: Any) -> str | None:
    """'momentum' (SGD, RMSprop), 'betas' (Adam family, whose beta1 is the momentum) or None."""
    group = optimizer.param_groups[0]
    if "momentum" in group:
        return "momentum"
    if "betas" in group:
        return "betas"
    return None


def has_momentum(optimizer: Any) -> bool:
    return "momentum" in optimizer.defaults or "betas" in optimizer.defaults


def describe(optimizer: Any, spec: OptimizerSpec) -> str:
    """A short label such as ``SGD(lr=0.1, momentum=0.9)``."""
    return describe_class(type(optimizer).__name__, spec)


def describe_class(name: str, spec: OptimizerSpec) -> str:
    """:func:`describe` from the optimizer's class name."""
    lrs = spec.lrs
    parts = [f"lr={_num(lrs[0])}" if len(lrs) == 1 else "lr=[" + ", ".join(_num(x) for x in lrs) + "]"]
    if spec.momentum is not None or name == "SGD":
        parts.append(f"momentum={_num(spec.momentum if spec.momentum is not None else DEFAULT_SGD_MOMENTUM)}")
    if spec.betas is not None:
        parts.append(f"betas=({_num(spec.betas[0])}, {_num(spec.betas[1])})")
    return f"{name}({', '.join(parts)})"


def _num(x: float) -> str:
    return f"{x:g}"


def parse_betas(text: str | Sequence[float]) -> tuple[float, float]:
    if isinstance(text, str):
        parts = [p for p in text.replace("(", "").replace(")", "").replace(" ", "").split(",") if p]
    else:
        parts = [str(p) for p in text]
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        values = ()
    if len(values) != 2:
        raise LrvizError(f"--betas takes two numbers, got {text!r}", "e.g. --betas 0.9,0.999")
    return values[0], values[1]
