"""The data model every other module shares: a schedule's parameters, its registry entry
with the family's hooks, a parsed spec, and what its code and checks need.

This module knows no family and no schedule: families fill :class:`Entry` records (see
:mod:`lrviz.family` for the protocol and :mod:`lrviz.families` for the families), the
registry looks them up, the spec language builds :class:`Spec` values from text, and the
trace, the analysis, the renderers and the CLI ask an entry's hooks whatever is specific to
one schedule (how long it runs, where its phases change, whether it is periodic ...).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any

from .errors import LrvizError
from .introspect import MISSING, ClassInfo, ParamInfo
from .safe_expr import LambdaExpr

if TYPE_CHECKING:
    import numpy as np

    from .optimizers import OptimizerInfo

    Compute = Callable[["Spec", Sequence[float], int, OptimizerInfo], tuple[np.ndarray, np.ndarray | None]]
    """A fast hook: (spec, group lrs, n values, optimizer) -> the LR (groups, n) and the
    momentum (groups, n), or None when the schedule leaves momentum alone. It raises
    lrviz.fast_path.Unsupported (or fails) to make lrviz step torch instead."""

    Blocks = Callable[
        ["Spec", Sequence[float], int, OptimizerInfo], Callable[[int, int], tuple[np.ndarray, np.ndarray | None]]
    ]
    """A fast hook for any range of steps: (spec, group lrs, n values, optimizer) -> a
    function of (first step, end step) giving the same values as :data:`Compute` for those
    steps; it raises lrviz.fast_path.Unsupported as :data:`Compute` does."""


class Kind(str, Enum):
    """How a parameter's value is written, checked and shown."""

    INT = "int"
    FLOAT = "float"
    NUMBER = "int or float"  # a length the library computes with as a real number (T_max=4.3)
    BOOL = "bool"
    STR = "str"
    FLOATS = "float or list"  # one value, or one per param group
    INTS = "list of int"
    LAMBDA = "lambda"
    LAMBDAS = "lambda or list"  # one function, or one per param group
    SCHEDULERS = "list of schedules"
    OPTIMIZER = "optimizer"  # supplied by lrviz, never by the user
    ANY = "value"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Param:
    name: str
    kind: Kind
    default: Any = MISSING
    nullable: bool = False
    choices: tuple[str, ...] = ()
    help: str = ""
    annotation: str = ""
    # What this parameter means under another name: a trace option (``steps_per_epoch``),
    # whose value it takes when the schedule does not set it (a parameter of that very name
    # does so without saying, lrviz.runs.SHARED_OPTIONS); or ``mode``, the metric's direction.
    same_as: str = ""

    @property
    def required(self) -> bool:
        return self.default is MISSING

    @property
    def option(self) -> str:
        """The CLI option: ``T_max`` -> ``--t-max``, ``base_lr`` -> ``--base-lr``."""
        return "--" + self.name.lower().replace("_", "-")

    @property
    def type_text(self) -> str:
        text = "|".join(self.choices) if self.choices else self.kind.value
        return f"{text} or None" if self.nullable else text

    @property
    def default_text(self) -> str:
        if self.required:
            return "required"
        return repr(self.default)


@dataclass(frozen=True)
class Context:
    """What an entry's checks need to know about the run."""

    groups: int
    optimizer: str
    has_momentum: bool
    steps: int | None = None


@dataclass(frozen=True)
class Event:
    """Something that happens at one step of a trace: a milestone, a reduction, a crash."""

    step: int
    kind: str  # "milestone", "reduction", "increase", "crash"
    text: str


@dataclass(frozen=True)
class CodeParts:
    """How one schedule is written in Python."""

    expr: str  # builds the scheduler on the variable named by the caller (``optimizer``)
    imports: tuple[str, ...] = ()  # e.g. "from transformers import get_scheduler"
    definitions: tuple[str, ...] = ()  # source blocks (classes, functions) that expr needs


@dataclass(frozen=True)
class Loop:
    """How a library's own training loop steps its scheduler, where that is not torch's
    ``scheduler.step()`` once per iteration (timm's ``train.py``: ``step_update`` after every
    update, ``step(epoch)`` at the end of every epoch)."""

    advance: Callable[[Any, int, int | None, float | None], None]
    """After iteration ``i`` has read its values: ``advance(scheduler, i + 1, steps_per_epoch,
    metric)``, with the number of updates done, the steps per epoch (None when the loop has no
    epochs) and, at the end of an epoch of a metric-driven schedule, that epoch's metric
    (else None)."""
    code: Callable[[int | None, bool], list[str]]
    """The same in Python, for ``--print-code``: the lines of the loop's body (indented by four
    spaces, the loop variable is ``step``) that follow reading the LR, given the steps per epoch
    and whether the metric is in a list ``metric`` with one value per epoch (else the lines
    compute ``val_loss = ...``)."""
    epochs: bool = False
    """Its time counts epochs: its horizon is in epochs, and without ``--steps-per-epoch``
    each step is one epoch."""
    steps_per_epoch: int | None = None
    """The steps per epoch its own arguments fix (timm's ``updates_per_epoch``), if any."""

    def epoch_length(self, given: int | None) -> int | None:
        """The steps per epoch of a run: the one given, else the arguments', else one step
        per epoch for a schedule whose time counts epochs (None: the loop has no epochs)."""
        return given or self.steps_per_epoch or (1 if self.epochs else None)


@dataclass(frozen=True)
class Stop:
    """A schedule that refuses to be stepped past ``steps`` (one more step() raises)."""

    steps: int
    why: str  # e.g. "total_steps=120: one more scheduler.step() raises ValueError in training"


@dataclass(frozen=True)
class Entry:
    """One schedule lrviz can trace: its description, and its family's behaviour as hooks.

    Every hook takes the :class:`Spec` being traced. Optional hooks default to "nothing
    special", so a family sets only what its schedules need."""

    name: str
    family: str  # the family's name (lrviz list --family NAME)
    summary: str
    params: tuple[Param, ...]
    doc: str = ""
    aliases: tuple[str, ...] = ()
    example: str = ""  # a spec string that draws a typical figure
    origin: str = ""  # where the schedule comes from, e.g. "torch.optim.lr_scheduler.StepLR"
    decays: bool = False  # the LR is meant to go down: rising above the start is suspicious
    needs_metric: bool = False  # stepped with a metric value (scheduler.step(val_loss))
    absolute: bool = False  # sets the LR itself: the optimizer's lr is not used
    periodic: bool = False  # its first rise is a cycle's, never a warmup
    piecewise: bool = False  # the LR holds between jumps (StepLR): figures draw it as steps
    required_note: str = ""  # what `list` adds to the required options ("or --epochs and ...")
    # The family's behaviour.
    build: Callable[[Spec, Any], Any] | None = field(default=None, compare=False, repr=False)
    horizon: Callable[[Spec], tuple[int, str]] | None = field(default=None, compare=False, repr=False)
    check: Callable[[Spec, Context], list[str]] | None = field(default=None, compare=False, repr=False)
    # The Python code that builds this schedule on ``optimizer``; None for a plain call of
    # ``lr_scheduler.Name(optimizer, ...)`` after ``code_import`` (see lrviz.torch_code).
    code: Callable[[Spec, str], CodeParts] | None = field(default=None, compare=False, repr=False)
    code_import: str = ""
    # None when the family can run here; otherwise one line saying what to install.
    missing: Callable[[], str | None] | None = field(default=None, compare=False, repr=False)
    # Values computed without stepping torch, to the same bits (see lrviz.fast_path).
    fast: Compute | None = field(default=None, compare=False, repr=False)
    # The same values for any range of steps, when the schedule can (a long trace is then
    # made a block at a time, not held; see lrviz.blocks).
    fast_blocks: Blocks | None = field(default=None, compare=False, repr=False)
    # The ``initial_lr`` torch records in each param group, for a trace computed by ``fast``
    # (given the groups' lrs); None: the optimizer's lr, as LRScheduler records it.
    initial_lr: Callable[[Spec, Sequence[float]], list[float]] | None = field(default=None, compare=False, repr=False)
    # Where stepping must stop (OneCycleLR's total_steps), or None.
    stop: Callable[[Spec], Stop | None] | None = field(default=None, compare=False, repr=False)
    # The children that take over one after another, with the step each starts at.
    phases: Callable[[Spec], list[tuple[int, Spec]]] | None = field(default=None, compare=False, repr=False)
    # A line figures show under the schedule's title (how its children combine), or None.
    note: Callable[[Spec], str | None] | None = field(default=None, compare=False, repr=False)
    # How its library's training loop steps it, when that is not one scheduler.step() per
    # iteration (timm's step_update and step(epoch)); None for torch's loop.
    loop: Callable[[Spec], Loop] | None = field(default=None, compare=False, repr=False)

    @property
    def user_params(self) -> tuple[Param, ...]:
        return tuple(p for p in self.params if p.kind != Kind.OPTIMIZER)

    @property
    def required(self) -> tuple[Param, ...]:
        return tuple(p for p in self.user_params if p.required)

    def param(self, name: str) -> Param | None:
        for p in self.params:
            if p.name == name:
                return p
        return None

    @property
    def cli_name(self) -> str:
        """How the CLI writes the name: lower case, except a name that is an import path
        (``module:Class``), whose class name is case-sensitive."""
        return self.name if ":" in self.name else self.name.lower()

    def unavailable(self) -> str | None:
        """None when this schedule can be traced here, else what to install."""
        return self.missing() if self.missing is not None else None

    def require(self) -> None:
        """Raise a one-line error naming the extra to install when the family cannot run."""
        problem = self.unavailable()
        if problem:
            raise LrvizError(f"{self.name} cannot run here: {problem}")


# --------------------------------------------------------------------------------------
# A parsed schedule


@dataclass(frozen=True)
class Spec:
    """A schedule and the arguments the user gave (defaults are not stored)."""

    entry: Entry
    args: Mapping[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.entry.name

    def value(self, name: str) -> Any:
        """The argument's value, or its default."""
        if name in self.args:
            return self.args[name]
        param = self.entry.param(name)
        if param is None:
            raise KeyError(name)
        return None if param.required else param.default

    def metric_mode(self) -> str | None:
        """'min' or 'max': which way a metric-driven schedule wants its metric to go (its
        ``mode``, or the parameter that means the same), or None when it does not say."""
        param = self.entry.param("mode") or next((p for p in self.entry.params if p.same_as == "mode"), None)
        return None if param is None else str(self.value(param.name))

    def children(self) -> list[Spec]:
        out: list[Spec] = []
        for param in self.entry.params:
            if param.kind == Kind.SCHEDULERS and param.name in self.args:
                out.extend(self.args[param.name])
        return out

    def walk(self) -> list[Spec]:
        """This spec and every spec nested in it, depth first."""
        out = [self]
        for child in self.children():
            out.extend(child.walk())
        return out

    def format(self) -> str:
        """The canonical spec string: ``CyclicLR(base_lr=0.1, max_lr=0.2)``."""
        return self.render(optimizer=None)

    def to_code(self, optimizer: str = "optimizer", module: str = "lr_scheduler") -> str:
        """The expression that builds this schedule on ``optimizer`` in Python: the family's
        own code where it has some, else ``module.Name(optimizer, ...)``."""
        if self.entry.code is not None:
            return self.entry.code(self, optimizer).expr
        return self.render(optimizer=optimizer, module=module)

    def render(self, optimizer: str | None, module: str = "") -> str:
        """``Name(args...)``, with ``optimizer`` as its first argument when given."""
        parts: list[str] = []
        if optimizer is not None and self.entry.params and self.entry.params[0].kind == Kind.OPTIMIZER:
            parts.append(optimizer)
        for param in self.entry.params:
            if param.kind == Kind.OPTIMIZER:
                if optimizer is not None and param is not self.entry.params[0]:
                    parts.append(f"{param.name}={optimizer}")
                continue
            if param.name in self.args:
                parts.append(f"{param.name}={_render_value(self.args[param.name], optimizer, module)}")
        prefix = f"{module}." if module else ""
        return f"{prefix}{self.entry.name}({', '.join(parts)})"

    def __str__(self) -> str:
        return self.format()


def render_value(value: Any, optimizer: str | None = "optimizer") -> str:
    """An argument's value as Python source (schedules as their code on ``optimizer``)."""
    return _render_value(value, optimizer, "lr_scheduler")


def _render_value(value: Any, optimizer: str | None, module: str) -> str:
    if isinstance(value, Spec):
        return value.to_code(optimizer, module) if optimizer is not None else value.render(None, module)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_render_value(v, optimizer, module) for v in value) + "]"
    if isinstance(value, LambdaExpr) and optimizer is not None:
        return value.python()  # runs with only 'import math' before it
    if isinstance(value, float) and not math.isfinite(value):
        # ``math.inf`` is both valid Python (the generated code imports math) and valid spec text
        text = "nan" if math.isnan(value) else "-inf" if value < 0 else "inf"
        if optimizer is None:
            return text
        return f"-math.{text[1:]}" if text.startswith("-") else f"math.{text}"
    return repr(value)


def build_value(value: Any, optimizer: Any) -> Any:
    """An argument as the scheduler's constructor takes it: nested specs built on the same
    optimizer (as children share it in training), lists element by element."""
    if isinstance(value, Spec):
        if value.entry.build is None:
            raise LrvizError(f"{value.name} cannot be built")
        return value.entry.build(value, optimizer)
    if isinstance(value, list):
        return [build_value(v, optimizer) for v in value]
    return value


# --------------------------------------------------------------------------------------
# Kinds from annotations and docstrings


def kind_of(info: ParamInfo) -> tuple[Kind, bool, tuple[str, ...]]:
    """(kind, nullable, choices) for a parameter, from its annotation, docstring type
    and default value."""
    ann = info.annotation.replace("typing.", "").replace(" ", "")
    doc = info.doc_type.lower()
    nullable = "None" in ann.split("|") or "Optional[" in ann or (info.default is None and not info.required)
    literal = re.search(r"Literal\[([^\]]*)\]", info.annotation)
    if literal:
        choices = tuple(re.findall(r"""['"]([^'"]*)['"]""", literal.group(1)))
        return Kind.STR, nullable, choices
    if "Optimizer" in ann:
        return Kind.OPTIMIZER, nullable, ()
    if "LRScheduler" in ann or "scheduler" in doc:
        return Kind.SCHEDULERS, nullable, ()
    if "Callable" in ann or "function" in doc or "lambda" in doc:
        return (Kind.LAMBDAS if "list" in ann or "list" in doc else Kind.LAMBDA), nullable, ()
    bare = ann.replace("|None", "").replace("Optional[", "").rstrip("]")
    if re.fullmatch(r"(list|Iterable|Sequence|tuple)\[int(,\.\.\.)?\]", bare):
        return Kind.INTS, nullable, ()
    if "float" in ann or "float" in doc:
        if "list" in ann or "list" in doc or "Sequence" in ann:
            return Kind.FLOATS, nullable, ()
        return Kind.FLOAT, nullable, ()
    if bare == "int" or (not ann and doc.startswith("int")):
        return Kind.INT, nullable, ()
    if bare == "bool" or (not ann and doc.startswith("bool")):
        return Kind.BOOL, nullable, ()
    if bare == "str" or (not ann and doc.startswith("str")):
        return Kind.STR, nullable, ()
    if "list" in doc or "list" in ann:
        return Kind.INTS if "int" in ann or "int" in doc else Kind.ANY, nullable, ()
    return _kind_of_default(info.default), nullable, ()


def _kind_of_default(default: Any) -> Kind:
    for python_type, kind in ((bool, Kind.BOOL), (int, Kind.INT), (float, Kind.FLOAT), (str, Kind.STR)):
        if isinstance(default, python_type):
            return kind
    return Kind.ANY


_GENERIC_HELP = {
    "last_epoch": "The index of the last epoch (-1 starts from the beginning; other values resume a run).",
    "optimizer": "Wrapped optimizer (supplied by lrviz).",
}

OPTIMIZER_PARAM = Param("optimizer", Kind.OPTIMIZER, help=_GENERIC_HELP["optimizer"], annotation="Optimizer")
"""The optimizer parameter as a family without a signature to read declares it."""


def param_from_info(info: ParamInfo) -> Param:
    kind, nullable, choices = kind_of(info)
    return Param(
        name=info.name,
        kind=kind,
        default=info.default,
        nullable=nullable,
        choices=choices,
        help=info.help or _GENERIC_HELP.get(info.name, ""),
        annotation=info.annotation,
    )


def params_of(info: ClassInfo) -> tuple[Param, ...]:
    return tuple(param_from_info(p) for p in info.params)


def per_group_lists(spec: Spec, groups: int) -> None:
    """Raise when a per-group parameter (a list of floats or lambdas) has the wrong length."""
    for param in spec.entry.params:
        value = spec.args.get(param.name)
        if param.kind in (Kind.FLOATS, Kind.LAMBDAS) and isinstance(value, list) and len(value) != groups:
            raise LrvizError(
                f"{spec.name}: {param.name} has {len(value)} values but the optimizer has "
                f"{groups} param group{'s' if groups != 1 else ''}",
                "give one value per --group-lr, or a single value for all groups",
            )


def check_tree(spec: Spec, ctx: Context) -> list[str]:
    """Every check of ``spec`` and of its children: errors raise, warnings are returned."""
    found: list[str] = []
    for node in spec.walk():
        per_group_lists(node, ctx.groups)
        if node.entry.check is not None:
            found.extend(node.entry.check(node, ctx))
    return found


def piecewise(spec: Spec) -> bool:
    """Whether the LR holds between a few jumps (the entry says so), so that a figure draws
    steps rather than slopes between consecutive steps. A composite is when every child is:
    its values are its children's, handed over or multiplied."""
    if spec.entry.piecewise:
        return True
    children = spec.children()
    return bool(children) and all(piecewise(c) for c in children)


def horizon(spec: Spec) -> tuple[int, str]:
    """(steps, why): how many steps show ``spec``'s whole shape, as its family says. A
    parameter too large to compute with (T_max=2**1000) gives the longest default; the
    trace then says what is wrong with it."""
    if spec.entry.horizon is None:
        return DEFAULT_HORIZON, "a default length"
    try:
        return spec.entry.horizon(spec)
    except (ArithmeticError, ValueError):
        return clamp(math.inf), "the longest default: a parameter is too large to compute the length from"


DEFAULT_HORIZON = 100


MIN_HORIZON = 10


def clamp(n: float, low: int = MIN_HORIZON, high: int = 1_000_000) -> int:
    """A horizon of ``n`` steps kept within [low, high]."""
    if n != n:
        return low
    return int(max(low, min(high, n if isinstance(n, int) or math.isinf(n) else math.ceil(n))))


def tail(end: float) -> int:
    """How many steps past a schedule's end its horizon shows: enough to see that it ended
    (a tenth of its length, at least two), not so many that the figure is mostly after it."""
    return max(2, math.ceil(end / 10))


def past_end(end: float) -> int:
    """The horizon of a schedule that ends at step ``end``: the end and a short tail."""
    return clamp(end + tail(end))


def exc_text(exc: BaseException) -> str:
    """An exception as one line: ``ValueError: the message``."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def fail(spec: Spec, message: str, hint: str) -> LrvizError:
    """A one-line error about ``spec``'s arguments."""
    return LrvizError(f"{spec.format()}: {message}", hint)


def ordered(entry: Entry, args: Mapping[str, Any]) -> dict[str, Any]:
    """``args`` in the order of the entry's parameters."""
    return {p.name: args[p.name] for p in entry.params if p.name in args}
