"""lrviz: plot and explore PyTorch learning-rate schedules.

    >>> import lrviz
    >>> t = lrviz.trace("CyclicLR(base_lr=0.1, max_lr=0.2)", steps=500)
    >>> t.lr[0][:3]          # the LR of param group 0 at training iterations 0, 1, 2
    >>> fig = lrviz.plot(t)  # a matplotlib Figure

Importing lrviz is cheap: torch and matplotlib are imported by the functions that need them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from .errors import LrvizError
    from .spec import Spec, parse
    from .tracing import Trace

__all__ = ["LrvizError", "Spec", "Trace", "__version__", "parse", "plot", "to_csv", "to_json", "torch_code", "trace"]


def trace(spec: str | Spec, steps: int | None = None, **options: Any) -> Trace:
    """Trace a schedule: see :func:`lrviz.tracing.trace` for the options."""
    from .tracing import trace as _trace

    return _trace(spec, steps, **options)


def plot(traces: Trace | list[Trace], **options: Any) -> Figure:
    """A matplotlib Figure of a trace: see :func:`lrviz.render.figure.plot`."""
    from .render.figure import plot as _plot

    return _plot(traces, **options)


def to_csv(t: Trace) -> str:
    from .render.export import to_csv as _to_csv

    return _to_csv(t)


def to_json(t: Trace) -> str:
    from .render.export import to_json as _to_json

    return _to_json(t)


def torch_code(spec: str | Spec, steps: int = 100, **optimizer: Any) -> str:
    from .codegen import torch_code as _code
    from .optimizers import OptimizerSpec
    from .spec import parse

    if isinstance(spec, str):
        spec = parse(spec)
    return _code(spec, OptimizerSpec(**optimizer), steps)


def __getattr__(name: str) -> Any:
    # loaded on first use, so that `python -m lrviz` takes over ctrl+c before any import
    if name == "Trace":
        from .tracing import Trace

        return Trace
    if name == "LrvizError":
        from .errors import LrvizError

        return LrvizError
    if name in ("Spec", "parse"):
        from . import spec

        return getattr(spec, name)
    raise AttributeError(f"module 'lrviz' has no attribute {name!r}")
