"""The ``timm`` family: the schedulers of timm (pytorch-image-models), built by timm and
stepped the way timm's own ``train.py`` steps them.

One entry per scheduler class that the installed ``timm.scheduler`` exports
(``CosineLRScheduler``, ``TanhLRScheduler``, ``StepLRScheduler``, ``MultiStepLRScheduler``,
``PlateauLRScheduler``, ``PolyLRScheduler``, ``WSDLRScheduler``, and whatever a newer timm
adds), with every constructor parameter as an option; and one per ``sched`` name of
``create_scheduler_v2`` (``timm.cosine``, ``timm.step``, ...: train.py's ``--sched``), with
the factory's parameters that matter for that name. Everything is read from timm's source
without importing it (:mod:`lrviz.families.timm_source`); without timm the known names are
still listed, and using one says what to install.

timm's schedulers are not torch's: they are told the time. A trace is the LR each
iteration of train.py's loop uses: the value after construction for the first update, then
after every update ``lr_scheduler.step_update(num_updates=...)`` (which moves the LR of a
schedule with ``t_in_epochs=False``) and at the end of every epoch
``lr_scheduler.step(epoch + 1, metric)`` (which moves it when ``t_in_epochs=True``, the
default). ``--steps-per-epoch`` is train.py's ``updates_per_epoch``; without it, each step
of a per-epoch schedule is one epoch.

Building loads ``timm.scheduler`` alone, never ``timm/__init__.py``, which imports
torchvision (see :func:`lrviz.families.timm_source.scheduler_package`).

The factory's names are written ``timm.cosine``: bare ``cosine`` and ``constant`` already
mean Hugging Face transformers' schedules, registered first, and the bare forms of the
others (``tanh``, ``wsd``, ...) still work where no earlier family has the name.
"""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import inspect
import logging
import math
import re
import warnings
from collections.abc import Iterator
from typing import Any

from lrviz.errors import did_you_mean
from lrviz.family import BaseFamily
from lrviz.introspect import ParamInfo
from lrviz.safe_expr import SpecError
from lrviz.schedule import (
    DEFAULT_HORIZON,
    OPTIMIZER_PARAM,
    CodeParts,
    Entry,
    Kind,
    Loop,
    Param,
    Spec,
    clamp,
    param_from_info,
    render_value,
)

from . import timm_source
from .timm_checks import PREFIX, check, sched_of
from .timm_checks import number as _number
from .timm_source import FACTORY, Sched, SchedulerClass
from .timm_text import CLASS_HELP, EXAMPLES, HELP, SCHED_SUMMARIES, SUMMARIES

INSTALL = "needs timm: pip install 'lrviz[timm]'"
LOADED_ALONE = "lrviz loads timm.scheduler alone, which needs torch but not torchvision"

# The scheduler classes and factory names of timm 1.0.31, listed (without parameters) when
# timm is not installed.
KNOWN_CLASSES = (
    "CosineLRScheduler",
    "TanhLRScheduler",
    "StepLRScheduler",
    "MultiStepLRScheduler",
    "PlateauLRScheduler",
    "PolyLRScheduler",
    "WSDLRScheduler",
)
KNOWN_SCHEDS: dict[str, str] = {
    "cosine": "CosineLRScheduler",
    "tanh": "TanhLRScheduler",
    "step": "StepLRScheduler",
    "constant": "StepLRScheduler",
    "multistep": "MultiStepLRScheduler",
    "plateau": "PlateauLRScheduler",
    "poly": "PolyLRScheduler",
    "wsd": "WSDLRScheduler",
    "rsqrt": "WSDLRScheduler",
}
_MODULES = ("cosine_lr", "tanh_lr", "step_lr", "multistep_lr", "plateau_lr", "poly_lr", "wsd_lr", "scheduler_factory")

_ANY = {"noise_range_t", "noise"}
_CHOICES = {"mode": ("min", "max"), "plateau_mode": ("min", "max")}
# create_scheduler_v2's names for what lrviz knows as --steps-per-epoch and a metric's mode
_SAME_AS = {"updates_per_epoch": "steps_per_epoch", "plateau_mode": "mode"}


# --------------------------------------------------------------------------------------
# Entries


def missing() -> str | None:
    """None when timm is installed and readable, else the pip line."""
    if not timm_source.installed():
        return INSTALL
    if timm_source.timm_schedulers() is None:
        return "the installed timm's schedulers could not be read: pip install -U 'lrviz[timm]'"
    return None


def _param(info: ParamInfo, owner: str, choices: dict[str, tuple[str, ...]]) -> Param:
    # typing's List[int] as the builtin's, so that the annotation says "list of int"
    info = dataclasses.replace(
        info,
        annotation=re.sub(r"\b(List|Tuple)\[", lambda m: m.group(1).lower() + "[", info.annotation),
        help=info.help or CLASS_HELP.get((owner, info.name)) or HELP.get(info.name, ""),
    )
    param = param_from_info(info)
    if info.name in choices or info.name in _CHOICES:
        param = dataclasses.replace(param, kind=Kind.STR, choices=choices.get(info.name) or _CHOICES[info.name])
    elif info.name in _ANY:
        param = dataclasses.replace(param, kind=Kind.ANY, nullable=True)
    if info.name in _SAME_AS:
        param = dataclasses.replace(param, same_as=_SAME_AS[info.name])
    return param


# the LR holds between jumps (apart from a warmup): figures draw these as steps
_PIECEWISE = {"StepLRScheduler", "MultiStepLRScheduler", "PlateauLRScheduler"}


def _class_entry(cls: SchedulerClass) -> Entry:
    params = tuple(_param(p, cls.name, dict(cls.choices)) for p in cls.params)
    if not params or params[0].kind != Kind.OPTIMIZER:
        params = (OPTIMIZER_PARAM, *params[1:])
    summary = SUMMARIES.get(cls.name) or timm_source_summary(cls.doc) or f"timm's {cls.name}."
    return Entry(
        name=cls.name,
        family=FAMILY.name,
        summary=summary,
        params=params,
        doc=cls.doc or summary,
        build=build,
        horizon=horizon,
        check=check,
        example=EXAMPLES.get(cls.name) or _default_example(cls.name, params),
        needs_metric=cls.metric,
        piecewise=cls.name in _PIECEWISE,
        missing=missing,
        code=code,
        note=note,
        loop=loop,
        origin=f"timm.scheduler.{cls.name}",
    )


def _sched_entry(sched: Sched, factory: timm_source.Factory) -> Entry:
    by_name = {p.name: p for p in factory.params}
    params = (OPTIMIZER_PARAM, *(_param(by_name[name], FACTORY, {}) for name in sched.params))
    return Entry(
        name=PREFIX + sched.name,
        family=FAMILY.name,
        summary=_sched_summary(sched.name, sched.target),
        params=params,
        doc=f"timm's {FACTORY}(optimizer, sched={sched.name!r}, ...), as train.py --sched {sched.name} builds "
        f"a {sched.target} from epoch counts.\n\n{factory.doc}",
        aliases=(sched.name,),
        build=build,
        horizon=horizon,
        check=check,
        example=EXAMPLES.get(sched.name) or f"{PREFIX}{sched.name}()",
        needs_metric=_known_metric(sched.target),
        piecewise=sched.target in _PIECEWISE,
        missing=missing,
        code=code,
        note=note,
        loop=loop,
        origin=f"timm.scheduler.{FACTORY}(sched={sched.name!r})",
    )


def _sched_summary(name: str, target: str) -> str:
    what = SCHED_SUMMARIES.get(name, f"A {target}")
    return f"{what}: train.py's --sched {name} ({FACTORY}, in epochs)."


def timm_source_summary(doc: str) -> str:
    from lrviz.introspect import summary_of

    return summary_of(doc)


def _known_metric(target: str) -> bool:
    info = timm_source.timm_schedulers()
    if info is not None:
        return any(c.name == target and c.metric for c in info.classes)
    return target == "PlateauLRScheduler"


def _known_entries() -> list[Entry]:
    out = []
    for name in KNOWN_CLASSES:
        out.append(
            Entry(
                name=name,
                family=FAMILY.name,
                summary=SUMMARIES[name],
                params=(OPTIMIZER_PARAM,),
                build=build,
                example=EXAMPLES[name],
                needs_metric=name == "PlateauLRScheduler",
                missing=missing,
                origin=f"timm.scheduler.{name}",
            )
        )
    for sched, target in KNOWN_SCHEDS.items():
        out.append(
            Entry(
                name=PREFIX + sched,
                family=FAMILY.name,
                summary=_sched_summary(sched, target),
                params=(OPTIMIZER_PARAM,),
                aliases=(sched,),
                build=build,
                example=EXAMPLES[sched],
                needs_metric=target == "PlateauLRScheduler",
                missing=missing,
                origin=f"timm.scheduler.{FACTORY}(sched={sched!r})",
            )
        )
    return out


def _default_example(name: str, params: tuple[Param, ...]) -> str:
    """A newer timm's class with no required parameters still gets a working example."""
    if any(p.required and p.kind != Kind.OPTIMIZER for p in params):
        return ""
    return f"{name}()"


def _ordered(classes: tuple[SchedulerClass, ...], factory: timm_source.Factory | None) -> list[SchedulerClass]:
    """The classes in the order of the factory's names (cosine, tanh, step ...), then the others."""
    order = [s.target for s in factory.scheds] if factory is not None else list(KNOWN_CLASSES)
    return sorted(classes, key=lambda c: order.index(c.name) if c.name in order else len(order))


# --------------------------------------------------------------------------------------
# Arguments and values


def _in_epochs(spec: Spec) -> bool:
    """Whether the schedule's time counts epochs (its LR moves at step(epoch))."""
    for name in ("t_in_epochs", "step_on_epochs"):
        if spec.entry.param(name) is not None:
            return bool(spec.value(name))
    return True  # PlateauLRScheduler: epochs only


def _updates_per_epoch(spec: Spec) -> int | None:
    value = _number(spec, "updates_per_epoch")
    return int(value) if value is not None and value > 0 else None


# --------------------------------------------------------------------------------------
# Building


@contextlib.contextmanager
def _from_timm(source: str) -> Iterator[None]:
    """timm's warnings, from warnings.warn or its loggers, as Python warnings located in
    timm's file (the trace collects them as timm's)."""
    records: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    logger = logging.getLogger("timm")
    handler = Collect(logging.WARNING)
    logger.addHandler(handler)
    propagate, logger.propagate = logger.propagate, False
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
    for w in caught:
        warnings.warn_explicit(w.message, w.category, source, w.lineno)
    for record in records:
        warnings.warn_explicit(record.getMessage(), UserWarning, record.pathname, record.lineno)


def build(spec: Spec, optimizer: Any) -> Any:
    """The scheduler timm builds for ``spec`` on ``optimizer``: the class, or what
    create_scheduler_v2 returns for the sched name."""
    spec.entry.require()
    package = timm_source.scheduler_package()
    if spec.args.get("initialize") is False:
        # a resumed run: timm reads each group's initial_lr
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
    sched = sched_of(spec)
    if sched is None:
        cls = getattr(package, spec.name)
        with _from_timm(inspect.getfile(cls.__init__)):
            return cls(optimizer, **spec.args)
    factory = getattr(package, FACTORY)
    with _from_timm(inspect.getfile(factory)):
        scheduler, _ = factory(optimizer, sched=sched, **spec.args)
    return scheduler


def advance(scheduler: Any, updates: int, steps_per_epoch: int | None, metric: float | None) -> None:
    """train.py's loop after an update: step_update with the update count, and at the end of
    an epoch step with the next epoch's number and the epoch's metric."""
    scheduler.step_update(num_updates=updates)
    if steps_per_epoch and updates % steps_per_epoch == 0:
        scheduler.step(updates // steps_per_epoch, metric)


def loop(spec: Spec) -> Loop:
    return Loop(
        advance=advance,
        code=lambda every, embedded: _loop_code(spec, every, embedded),
        epochs=_in_epochs(spec),
        steps_per_epoch=_updates_per_epoch(spec),
    )


def _loop_code(spec: Spec, every: int | None, embedded: bool) -> list[str]:
    lines = ["    scheduler.step_update(num_updates=step + 1)  # train.py: after every optimizer update"]
    if every is None:
        return lines
    metric = spec.entry.needs_metric
    ask = [] if embedded or not metric else ["val_loss = ...  # computed on your validation set"]
    if every == 1:
        value = ", metric[step]" if embedded and metric else ", val_loss" if metric else ""
        last = f"    scheduler.step(step + 1{value})  # each step is an epoch"
        return [*lines, *(f"    {line}" for line in ask), last]
    value = f", metric[(step + 1) // {every} - 1]" if embedded and metric else ", val_loss" if metric else ""
    return [
        *lines,
        f"    if (step + 1) % {every} == 0:  # the end of an epoch: train.py's step(epoch + 1, metric)",
        *(f"        {line}" for line in ask),
        f"        scheduler.step((step + 1) // {every}{value})",
    ]


def code(spec: Spec, optimizer: str = "optimizer") -> CodeParts:
    """``CosineLRScheduler(optimizer, t_initial=100, ...)``, or ``create_scheduler_v2(optimizer,
    sched='cosine', ...)[0]`` (it returns the scheduler and the number of epochs)."""
    args = [f"{name}={render_value(value, optimizer)}" for name, value in spec.args.items()]
    sched = sched_of(spec)
    if sched is None:
        imports = (f"from timm.scheduler import {spec.name}",)
        if spec.args.get("initialize") is False:
            return CodeParts(f"{spec.name}({', '.join([f'resumed({optimizer})', *args])})", imports, (_RESUMED,))
        return CodeParts(f"{spec.name}({', '.join([optimizer, *args])})", imports)
    return CodeParts(
        f"{FACTORY}({', '.join([optimizer, f'sched={sched!r}', *args])})[0]",
        (f"from timm.scheduler import {FACTORY}",),
    )


_RESUMED = '''def resumed(optimizer):
    """The optimizer of a resumed run: each group has its initial_lr, as a checkpoint restores it."""
    for group in optimizer.param_groups:
        group.setdefault("initial_lr", group["lr"])
    return optimizer
'''


def note(spec: Spec) -> str | None:
    """The noise and its seed, when there is noise (where it applies is in the arguments):
    ``noise: normal, std 1, within ±67%, seed 42``."""
    sched = sched_of(spec)
    where = spec.value("noise") if sched is not None else spec.value("noise_range_t")
    if where is None or spec.entry.param("noise_seed") is None:
        return None
    seed = spec.value("noise_seed")
    seed = 42 if seed is None else seed  # timm's Scheduler: noise_seed None means 42
    kind = spec.value("noise_type") if spec.entry.param("noise_type") is not None else "normal"
    pct = spec.value("noise_pct")
    shape = f"normal, std {spec.value('noise_std'):g}" if kind == "normal" else "uniform"
    return f"noise: {shape}, within ±{pct:.0%}, seed {seed}"


# --------------------------------------------------------------------------------------
# Horizons: the training run the arguments describe, in the schedule's own time


def _cycle_length(t_initial: float, cycle_mul: float, cycles: float) -> float:
    """timm's get_cycle_length() without the warmup."""
    cycles = max(1, cycles)
    if cycle_mul == 1:
        return t_initial * cycles
    return float(math.floor(-t_initial * (cycle_mul**cycles - 1) / (1 - cycle_mul)))


def horizon(spec: Spec) -> tuple[int, str]:
    """(steps, why): the run train.py would do, in epochs (or updates for a per-update
    schedule); the trace multiplies epochs by --steps-per-epoch."""
    try:
        found = _factory_horizon(spec) if sched_of(spec) is not None else _class_horizon(spec)
    except (ArithmeticError, TypeError, ValueError):
        found = None
    return found or (DEFAULT_HORIZON, "a default length")


def _class_horizon(spec: Spec) -> tuple[int, str] | None:
    warmup = max(0, _number(spec, "warmup_t") or 0)
    prefix = bool(spec.value("warmup_prefix")) if spec.entry.param("warmup_prefix") is not None else False
    extra = warmup if prefix else 0
    t_initial = _number(spec, "t_initial")
    if spec.entry.param("cycle_limit") is not None and t_initial is not None and t_initial > 0:
        mul, cycles = _number(spec, "cycle_mul") or 1, _number(spec, "cycle_limit") or 1
        return clamp(_cycle_length(t_initial, mul, cycles) + extra), "timm's get_cycle_length(): every cycle"
    if spec.entry.param("decay_t") is not None and t_initial is not None and t_initial > 0:
        return clamp(warmup + t_initial), "warmup_t + t_initial"  # WSD: the warmup is always a prefix
    decay = spec.value("decay_t") if spec.entry.param("decay_t") is not None else None
    if isinstance(decay, list) and decay:
        last = max(decay)
        return clamp(extra + last + max(10, last / 4)), "past the last milestone"
    if isinstance(decay, (int, float)) and not isinstance(decay, bool) and decay > 0:
        return clamp(extra + 4 * decay), "four decays"
    if spec.entry.needs_metric:
        waits = sum(max(0, _number(spec, n) or 0) for n in ("patience_t", "cooldown_t"))
        return clamp(warmup + max(DEFAULT_HORIZON, 8 * (waits + 1)), 10, 100_000), "several reductions"
    return None


CYCLING = ("cosine", "tanh", "poly")
"""The schedules create_scheduler_v2 builds with cycles (cycle_mul, cycle_limit)."""


def factory_epochs(spec: Spec) -> int:
    """The number of epochs create_scheduler_v2 returns (train.py trains that many)."""
    per_update = not spec.value("step_on_epochs")
    scale = (spec.value("updates_per_epoch") or 0) if per_update else 1
    if per_update and scale <= 0:
        raise ValueError("updates_per_epoch is needed")
    sched = sched_of(spec)
    cycling = sched in CYCLING  # only those schedules have the cycle arguments
    return created_epochs(
        sched,
        spec.value("num_epochs"),
        spec.value("warmup_epochs"),
        spec.value("cooldown_epochs"),
        bool(spec.value("warmup_prefix")),
        scale,
        spec.value("cycle_mul") if cycling else 1.0,
        spec.value("cycle_limit") if cycling else 1,
    )


def created_epochs(
    sched: str | None, num: Any, warmup: Any, cooldown: Any, prefix: bool, scale: Any, cycle_mul: Any, cycle_limit: Any
) -> int:
    """create_scheduler_v2's epoch count for these arguments, ``scale`` updates an epoch (1
    when stepped on epochs): the cycles' length with the warmup when it is a prefix and the
    cooldown (cosine, tanh, poly, wsd, rsqrt), else num_epochs (plus a prefixed warmup)."""
    if sched in CYCLING:
        length = _cycle_length(num * scale, cycle_mul, cycle_limit)
        total = length + (warmup * scale if prefix else 0) + cooldown * scale
    elif sched in ("wsd", "rsqrt"):
        total = num * scale + (warmup * scale if prefix else 0) + cooldown * scale
    else:
        return int(num + (warmup if prefix else 0))
    return int(total // scale)


def _factory_horizon(spec: Spec) -> tuple[int, str] | None:
    epochs = factory_epochs(spec)
    if spec.value("step_on_epochs"):
        return clamp(epochs, 1), "the epochs create_scheduler_v2 returns"
    per_epoch = spec.value("updates_per_epoch")
    return clamp(epochs * per_epoch, 1), "the epochs create_scheduler_v2 returns, times updates_per_epoch"


# --------------------------------------------------------------------------------------
# Pasted code: create_scheduler_v2(optimizer, sched="cosine", ...) -> timm.cosine(optimizer, ...)


def rewrite_factory(node: ast.Call, source: str, factory: timm_source.Factory | None) -> tuple[ast.Call, str]:
    """The direct call of the ``timm.<sched>`` entry that a ``create_scheduler_v2(...)`` call
    amounts to, and the sched name. Arguments timm ignores for that name are dropped."""
    names = [p.name for p in factory.params] if factory is not None else ["optimizer", "sched"]
    given: dict[str, ast.expr] = {}
    for i, arg in enumerate(node.args):
        if isinstance(arg, ast.Starred):
            raise SpecError("'*' unpacking is not allowed", source, arg)
        if i >= len(names):
            raise SpecError(f"{FACTORY} takes at most {len(names)} positional arguments", source, arg)
        given[names[i]] = arg
    for kw in node.keywords:
        if kw.arg is None:
            raise SpecError("'**' unpacking is not allowed", source, kw.value)
        if factory is not None and kw.arg not in names:
            hint = did_you_mean(kw.arg, names) or f"its parameters are {', '.join(names)}"
            raise SpecError(f"{FACTORY} has no parameter '{kw.arg}'", source, kw, hint)
        if kw.arg in given:
            raise SpecError(f"{kw.arg} is given twice", source, kw)
        given[kw.arg] = kw.value
    sched_node = given.get("sched")
    sched = "cosine"  # create_scheduler_v2's default
    if sched_node is not None:
        if not (isinstance(sched_node, ast.Constant) and isinstance(sched_node.value, str)):
            hint = f"e.g. {FACTORY}(optimizer, sched='cosine')"
            raise SpecError("sched must be written out as a string", source, sched_node, hint)
        sched = sched_node.value.strip()
    known = [s.name for s in factory.scheds] if factory is not None else list(KNOWN_SCHEDS)
    if sched not in known:
        where = sched_node if sched_node is not None else node
        if sched == "none":
            raise SpecError("sched='none' makes no scheduler: the LR stays the optimizer's", source, where)
        raise SpecError(f"timm has no sched '{sched}'", source, where, did_you_mean(sched, known) or ", ".join(known))
    offered = next((s.params for s in factory.scheds if s.name == sched), ()) if factory is not None else ()
    keywords = [
        ast.copy_location(ast.keyword(arg=key, value=value), value) for key, value in given.items() if key in offered
    ]
    func = ast.copy_location(ast.Attribute(value=ast.Name(id="timm", ctx=ast.Load()), attr=sched, ctx=ast.Load()), node)
    args = [given["optimizer"]] if "optimizer" in given else []
    return ast.copy_location(ast.Call(func=func, args=args, keywords=keywords), node), sched


class TimmFamily(BaseFamily):
    name = "timm"
    title = "timm's schedulers (pytorch-image-models), built by timm, stepped as its train.py steps them"
    distribution = "timm"
    prefixes = (*(f"timm.scheduler.{m}." for m in _MODULES), "timm.scheduler.")
    rejecter = "timm"

    def load(self) -> list[Entry]:
        info = timm_source.timm_schedulers()
        if info is None:
            return _known_entries()
        out = [_class_entry(c) for c in _ordered(info.classes, info.factory)]
        if info.factory is not None:
            out += [_sched_entry(s, info.factory) for s in info.factory.scheds]
        return out

    def missing(self) -> str | None:
        return missing()

    def status(self) -> str:
        problem = self.missing()
        if problem:
            return f"not installed: {problem}"
        return f"installed ({self.version()}); {LOADED_ALONE}"

    def version(self) -> str | None:
        info = timm_source.timm_schedulers()
        return f"timm {info.version}" if info is not None and info.version else None

    def rewrite_call(self, call: ast.Call, text: str) -> tuple[ast.Call, Entry | None] | None:
        func = call.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if name == "create_scheduler":
            raise SpecError(
                "create_scheduler takes train.py's parsed arguments",
                text,
                call,
                f"paste the same as {FACTORY}(optimizer, sched='cosine', num_epochs=..., ...)",
            )
        if name != FACTORY:
            return None
        info = timm_source.timm_schedulers()
        direct, sched = rewrite_factory(call, text, info.factory if info is not None else None)
        return direct, self.find(PREFIX + sched)


FAMILY = TimmFamily()
