"""The ``transformers`` family: Hugging Face transformers' ``get_scheduler`` recipes.

One entry per name of the installed transformers' ``SchedulerType`` that
``TYPE_TO_SCHEDULER_FUNCTION`` maps to a function (``cosine``,
``warmup_stable_decay``, ...), so a new transformers release's schedules appear without
edits. Like :mod:`lrviz.introspect` for torch, nothing here imports transformers until a
schedule is built (importing it takes seconds and ``lrviz list`` must be instant):
``transformers/optimization.py`` and the module defining ``SchedulerType`` are found with
:func:`importlib.util.find_spec` and read with :mod:`ast`. Each entry's parameters are its
function's (or, for a function that forwards ``**kwargs`` to a class, that class's), minus
the optimizer, ``last_epoch`` (which ``get_scheduler`` cannot pass) and whatever
``get_scheduler`` silently drops for that name, which is read from ``get_scheduler``'s own
body. If the static reading ever fails, the same is read by importing transformers; the
tests check that both agree.

Schedules are built by transformers itself, through ``get_scheduler``, so traces are
exactly what a Trainer run sees. Without transformers the known names are still listed,
and using one says what to install.
"""

from __future__ import annotations

import ast
import dataclasses
import math
import re
from typing import Any

from lrviz.errors import LrvizError, did_you_mean, install_command
from lrviz.family import BaseFamily
from lrviz.introspect import MISSING, ParamInfo
from lrviz.safe_expr import SpecError
from lrviz.schedule import (
    DEFAULT_HORIZON,
    OPTIMIZER_PARAM,
    CodeParts,
    Entry,
    Kind,
    Param,
    Spec,
    clamp,
    exc_text,
    fail,
    param_from_info,
    render_value,
)

from . import transformers_source as hf_source
from .torch import check_plateau
from .transformers_source import CHOICES, GET_SCHEDULER_ARGS, TOP_LEVEL, Route, Schedule

REQUIREMENT = "transformers>=4.40"
"""What the ``hf`` extra installs (pyproject.toml)."""


def install_hint() -> str:
    """The command that installs transformers where this lrviz runs."""
    return install_command(REQUIREMENT)


def _install_note() -> str:
    return f"needs Hugging Face transformers: {install_hint()}"


_DROPPED = ("last_epoch",)  # get_scheduler passes it only to schedules that take scheduler_specific_kwargs

# The names transformers 5.23 knows, listed (without parameters) when it is not installed:
# SchedulerType value -> (SchedulerType member, function, one-line summary).
KNOWN: dict[str, tuple[str, str, str]] = {
    "linear": (
        "LINEAR",
        "get_linear_schedule_with_warmup",
        "Linear warmup from 0 to the optimizer's lr, then linear decay to 0.",
    ),
    "cosine": ("COSINE", "get_cosine_schedule_with_warmup", "Linear warmup, then cosine decay to 0."),
    "cosine_with_restarts": (
        "COSINE_WITH_RESTARTS",
        "get_cosine_with_hard_restarts_schedule_with_warmup",
        "Linear warmup, then cosine decay to 0 with hard restarts.",
    ),
    "polynomial": (
        "POLYNOMIAL",
        "get_polynomial_decay_schedule_with_warmup",
        "Linear warmup, then polynomial decay to lr_end.",
    ),
    "constant": ("CONSTANT", "get_constant_schedule", "A constant learning rate."),
    "constant_with_warmup": (
        "CONSTANT_WITH_WARMUP",
        "get_constant_schedule_with_warmup",
        "Linear warmup, then a constant learning rate.",
    ),
    "inverse_sqrt": ("INVERSE_SQRT", "get_inverse_sqrt_schedule", "Linear warmup, then inverse square-root decay."),
    "reduce_lr_on_plateau": (
        "REDUCE_ON_PLATEAU",
        "get_reduce_on_plateau_schedule",
        "A constant learning rate, reduced when a metric stops improving.",
    ),
    "cosine_with_min_lr": (
        "COSINE_WITH_MIN_LR",
        "get_cosine_with_min_lr_schedule_with_warmup",
        "Linear warmup, then cosine decay to a minimum learning rate.",
    ),
    "cosine_warmup_with_min_lr": (
        "COSINE_WARMUP_WITH_MIN_LR",
        "get_cosine_with_min_lr_schedule_with_warmup_lr_rate",
        "Linear warmup from a starting rate, then cosine decay to a minimum learning rate.",
    ),
    "warmup_stable_decay": (
        "WARMUP_STABLE_DECAY",
        "get_wsd_schedule",
        "Warmup, a stable phase, then decay (WSD).",
    ),
    "greedy": (
        "GREEDY",
        "get_greedy_schedule",
        "An adaptive learning rate: raised while a metric improves, lowered when it stalls.",
    ),
}
_METRIC_DRIVEN = {"reduce_lr_on_plateau", "greedy"}
# The LR holds between jumps (a reduction, greedy's factor): figures draw steps.
_PIECEWISE = {"reduce_lr_on_plateau", "greedy", "constant"}

# A meaningful example for each known name (used only when every argument it names exists).
EXAMPLES: dict[str, str] = {
    "linear": "linear(num_warmup_steps=100, num_training_steps=1000)",
    "cosine": "cosine(num_warmup_steps=100, num_training_steps=1000)",
    "cosine_with_restarts": "cosine_with_restarts(num_warmup_steps=100, num_training_steps=1000, num_cycles=3)",
    "polynomial": "polynomial(num_warmup_steps=100, num_training_steps=1000, lr_end=0.001, power=2.0)",
    "constant": "constant()",
    "constant_with_warmup": "constant_with_warmup(num_warmup_steps=100)",
    "inverse_sqrt": "inverse_sqrt(num_warmup_steps=100)",
    "reduce_lr_on_plateau": "reduce_lr_on_plateau(mode='min', factor=0.5, patience=5)",
    "cosine_with_min_lr": "cosine_with_min_lr(num_warmup_steps=100, num_training_steps=1000, min_lr_rate=0.1)",
    "cosine_warmup_with_min_lr": (
        "cosine_warmup_with_min_lr(num_warmup_steps=100, num_training_steps=1000, min_lr_rate=0.1)"
    ),
    "warmup_stable_decay": "warmup_stable_decay(num_warmup_steps=100, num_decay_steps=300, num_training_steps=1000)",
    "greedy": "greedy(mode='min', factor=0.5, patience=5)",
}


# --------------------------------------------------------------------------------------
# Entries


def missing() -> str | None:
    """None when transformers is installed, else the pip line."""
    if not hf_source.installed():
        return _install_note()
    if hf_source.hf_schedules() is None:
        return f"the installed transformers could not be read: {install_command('--upgrade', REQUIREMENT)}"
    return None


def _offered(schedule: Schedule) -> list[ParamInfo]:
    """The parameters a user can set through get_scheduler for this name."""
    out = []
    for info in schedule.params[1:]:  # the first is the optimizer
        if info.name in _DROPPED and not schedule.route.kwargs:
            continue  # e.g. constant_with_warmup: get_scheduler passes nothing else
        if info.name in TOP_LEVEL and info.name in schedule.route.passes:
            out.append(info)
        elif schedule.route.kwargs:
            out.append(info)
    return out


def _param(info: ParamInfo, route: Route) -> Param:
    param = param_from_info(info)
    if param.kind == Kind.STR and not param.choices:
        match = CHOICES.search(param.help)
        if match:
            param = dataclasses.replace(param, choices=tuple(re.findall(r"'([^']*)'", match.group(1))))
    if info.name in route.required and not param.required:
        param = dataclasses.replace(param, default=MISSING, nullable=False)
    return param


def _entry(schedule: Schedule) -> Entry:
    params = (OPTIMIZER_PARAM, *(_param(p, schedule.route) for p in _offered(schedule)))
    return Entry(
        name=schedule.name,
        family=FAMILY.name,
        summary=schedule.summary,
        params=params,
        doc=schedule.doc,
        aliases=(schedule.function,),
        build=build,
        horizon=horizon,
        check=check,
        example=_example(schedule.name, params),
        decays=False,
        needs_metric=schedule.needs_metric,
        piecewise=schedule.name in _PIECEWISE,
        missing=missing,
        code=code,
        origin=f"transformers.get_scheduler({schedule.name!r})",
    )


def _known_entry(name: str) -> Entry:
    _, function, summary = KNOWN[name]
    return Entry(
        name=name,
        family=FAMILY.name,
        summary=summary,
        params=(OPTIMIZER_PARAM,),
        aliases=(function,),
        build=build,
        horizon=horizon,
        check=check,
        example=EXAMPLES.get(name, ""),
        decays=False,
        needs_metric=name in _METRIC_DRIVEN,
        piecewise=name in _PIECEWISE,
        missing=missing,
        code=code,
        origin=f"transformers.get_scheduler({name!r})",
    )


# Values for the arguments of a generated example, by what their names say.
_EXAMPLE_VALUES = (("warmup", 100), ("stable", 600), ("decay", 300), ("training", 1000), ("total", 1000))


def _example(name: str, params: tuple[Param, ...]) -> str:
    names = {p.name for p in params}
    known = EXAMPLES.get(name)
    if known and set(re.findall(r"(\w+)=", known)) <= names:
        return known
    args = []
    for param in params:
        if param.kind == Kind.OPTIMIZER:
            continue
        wanted = param.required or param.name in TOP_LEVEL
        if param.name == "min_lr_rate" and "min_lr" in names:
            args.append("min_lr_rate=0.1")  # one of min_lr or min_lr_rate is needed
            continue
        if not wanted:
            continue
        value = next((v for word, v in _EXAMPLE_VALUES if word in param.name and param.kind == Kind.INT), None)
        if value is None:
            if param.required:
                return ""  # no sensible value known for it
            continue
        args.append(f"{param.name}={value}")
    return f"{name}({', '.join(args)})"


# --------------------------------------------------------------------------------------
# Building and code


def _route_for(name: str) -> Route | None:
    info = hf_source.hf_schedules()
    if info is None:
        return None
    return next((s.route for s in info.schedules if s.name == name), None)


def _split(spec: Spec) -> tuple[dict[str, Any], dict[str, Any]]:
    """(get_scheduler's own keyword arguments, scheduler_specific_kwargs) for a spec."""
    route = _route_for(spec.name) or Route()
    top: dict[str, Any] = {}
    specific: dict[str, Any] = {}
    for name, value in spec.args.items():
        if name in TOP_LEVEL and name in route.passes:
            top[name] = value
        else:
            specific[name] = value
    return top, specific


def build(spec: Spec, optimizer: Any) -> Any:
    """The scheduler transformers' own ``get_scheduler`` builds for ``spec``."""
    spec.entry.require()
    try:
        from transformers.optimization import get_scheduler
    except Exception as exc:
        raise LrvizError(
            f"{spec.name} cannot run here: importing transformers failed ({exc_text(exc)})",
            install_command("--upgrade", REQUIREMENT),
        ) from None
    _check_optimizer(spec, optimizer)
    top, specific = _split(spec)
    if specific.get("last_epoch", -1) != -1:
        # resuming, as a restarted training would: torch needs initial_lr in each group
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
    try:
        return get_scheduler(spec.name, optimizer, **top, scheduler_specific_kwargs=specific or None)
    except (ValueError, TypeError, ArithmeticError) as exc:
        raise LrvizError(f"transformers rejected {spec.format()}: {exc_text(exc)}") from None


def _check_optimizer(spec: Spec, optimizer: Any) -> None:
    """What needs the optimizer's lr, which transformers reads from ``optimizer.defaults``."""
    lr = optimizer.defaults.get("lr")
    if not isinstance(lr, (int, float)):
        return
    lr_end = _number(spec, "lr_end")
    if lr_end is not None and not lr_end < lr:
        raise LrvizError(
            f"{spec.format()}: lr_end={lr_end} must be below the optimizer's lr ({lr})",
            "lower lr_end or raise --lr",
        )
    if spec.args.get("min_lr") is not None and spec.entry.param("min_lr_rate") is not None and lr == 0:
        raise LrvizError(
            f"{spec.format()}: min_lr is divided by the optimizer's lr, which is 0",
            "use min_lr_rate, or an lr above 0",
        )


def code(spec: Spec, optimizer: str = "optimizer") -> CodeParts:
    """``get_scheduler("cosine", optimizer, num_warmup_steps=..., ...)``."""
    top, specific = _split(spec)
    parts = [f'"{spec.name}"', optimizer]
    parts += [f"{name}={render_value(value, optimizer)}" for name, value in top.items()]
    if specific:
        items = ", ".join(f'"{name}": {render_value(value, optimizer)}' for name, value in specific.items())
        parts.append(f"scheduler_specific_kwargs={{{items}}}")
    return CodeParts(f"get_scheduler({', '.join(parts)})", ("from transformers import get_scheduler",))


# --------------------------------------------------------------------------------------
# Horizons


def _number(spec: Spec, name: str) -> float | None:
    """The argument's value when the entry has it and it is a plain number."""
    if spec.entry.param(name) is None:
        return None
    value = spec.value(name)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and not math.isfinite(value):  # an int is finite (and may be too big for a float)
        return None
    return value


def horizon(spec: Spec) -> tuple[int, str]:
    """(steps, why): the training run the arguments describe."""
    warmup = _number(spec, "num_warmup_steps")
    stable = _number(spec, "num_stable_steps")
    training = _number(spec, "num_training_steps")
    if stable is not None:
        total = sum(max(0, v or 0) for v in (warmup, stable, _number(spec, "num_decay_steps")))
        if total > 0:
            return clamp(total), "num_warmup_steps + num_stable_steps + num_decay_steps"
    if training is not None and training > 0:
        return clamp(training), "num_training_steps"
    if spec.entry.param("timescale") is not None:
        timescale = _number(spec, "timescale") or warmup or 10_000  # as transformers chooses
        if timescale > 0:
            return clamp(max(0, warmup or 0) + 10 * timescale), "num_warmup_steps and ten timescales"
    if warmup is not None and warmup > 0:
        return clamp(4 * warmup), "four times num_warmup_steps"
    if spec.entry.needs_metric:
        waits = sum(max(0, _number(spec, n) or 0) for n in ("patience", "cooldown", "warmup"))
        return clamp(max(DEFAULT_HORIZON, 8 * (waits + 1)), 10, 100_000), "several reductions"
    return DEFAULT_HORIZON, "a default length"


# --------------------------------------------------------------------------------------
# Checks made before stepping


def check(spec: Spec, ctx: Any) -> list[str]:
    """Raise :class:`LrvizError` for inputs transformers would crash on late (a bare
    ZeroDivisionError at step k) or reject obscurely; return warnings for legal nonsense."""
    found: list[str] = []
    for name in [p.name for p in spec.entry.user_params]:
        value = _number(spec, name)
        if name.startswith("num_") and name.endswith("_steps") and value is not None and value < 0:
            found.append(f"{spec.name}: {name}={value} is negative")
    warmup = _number(spec, "num_warmup_steps")
    training = _number(spec, "num_training_steps")
    stable_given = _number(spec, "num_stable_steps") is not None
    if training == 0 and not stable_given:
        found.append(f"{spec.name}: num_training_steps=0 leaves no steps to train")
    elif warmup is not None and training is not None and warmup > training > 0 and not stable_given:
        found.append(
            f"{spec.name}: num_warmup_steps={warmup} is more than num_training_steps={training}, "
            "so training ends before the warmup does"
        )
    cycles = _number(spec, "num_cycles")
    if cycles is not None and cycles <= 0:
        found.append(f"{spec.name}: num_cycles={cycles} means the cosine never decays")
    if spec.entry.param("min_lr") is not None and spec.entry.param("min_lr_rate") is not None:
        _check_min_lr(spec, ctx, found)
    fn = _CHECKS.get(spec.name)
    if fn is not None:
        fn(spec, ctx, found)
    return found


def _check_min_lr(spec: Spec, ctx: Any, found: list[str]) -> None:
    min_lr, rate = spec.value("min_lr"), spec.value("min_lr_rate")
    if min_lr is None and rate is None:
        raise fail(
            spec,
            "needs min_lr or min_lr_rate",
            "give min_lr_rate (a fraction of the optimizer's lr, e.g. min_lr_rate=0.1) or min_lr",
        )
    if min_lr is not None and rate is not None:
        raise fail(spec, "give min_lr or min_lr_rate, not both", "min_lr_rate=min_lr/lr is the same thing")
    if rate is not None and not 0 <= rate <= 1:
        found.append(f"{spec.name}: min_lr_rate={rate} is outside [0, 1]")
    if min_lr is not None and ctx.groups > 1:
        found.append(
            f"{spec.name}: min_lr is taken relative to the optimizer's lr, so each param group "
            "ends at min_lr * its own lr / lr"
        )


def _check_polynomial(spec: Spec, ctx: Any, found: list[str]) -> None:
    warmup, training = _number(spec, "num_warmup_steps"), _number(spec, "num_training_steps")
    if warmup is not None and warmup == training:
        raise fail(
            spec,
            f"num_warmup_steps == num_training_steps makes transformers divide by zero at step {training}",
            "make num_training_steps larger than num_warmup_steps",
        )
    power = _number(spec, "power")
    if power is not None and power < 0:
        raise fail(
            spec,
            f"power={power} makes transformers divide by zero at step num_training_steps",
            "use power >= 0",
        )
    lr_end = _number(spec, "lr_end")
    if lr_end is not None and lr_end < 0:
        found.append(f"{spec.name}: lr_end={lr_end} is negative, so the LR ends below 0")
    if ctx.groups > 1:
        found.append(
            f"{spec.name}: lr_end is taken relative to the optimizer's lr, so each param group "
            "ends at lr_end * its own lr / lr"
        )


def _check_inverse_sqrt(spec: Spec, ctx: Any, found: list[str]) -> None:
    warmup = _number(spec, "num_warmup_steps") or 0
    given = _number(spec, "timescale")
    timescale = given if given is not None else (warmup or 10_000)
    if timescale <= 0:
        source = f"timescale={given}" if given is not None else f"timescale (None: num_warmup_steps={warmup})"
        raise fail(
            spec,
            f"{source} is not positive, so transformers divides by zero or takes the root of a negative number",
            "use timescale >= 1",
        )


def _check_wsd(spec: Spec, ctx: Any, found: list[str]) -> None:
    training, stable = _number(spec, "num_training_steps"), _number(spec, "num_stable_steps")
    warmup, decay = _number(spec, "num_warmup_steps") or 0, _number(spec, "num_decay_steps") or 0
    if training is None and stable is None:
        raise fail(
            spec,
            "needs num_training_steps or num_stable_steps",
            "e.g. warmup_stable_decay(num_warmup_steps=100, num_decay_steps=300, num_training_steps=1000)",
        )
    if stable is None and training is not None and warmup + decay > training:
        found.append(
            f"{spec.name}: num_warmup_steps + num_decay_steps = {warmup + decay} is more than "
            f"num_training_steps={training}, so the decay starts before the warmup ends"
        )
    ratio = _number(spec, "min_lr_ratio")
    if ratio is not None and not 0 <= ratio <= 1:
        found.append(f"{spec.name}: min_lr_ratio={ratio} is outside [0, 1]")


def _check_metric_driven(spec: Spec, ctx: Any, found: list[str]) -> None:
    if spec.entry.param("factor") is not None and spec.entry.param("patience") is not None:
        check_plateau(spec, ctx, found)
    window = _number(spec, "window_size")
    if spec.entry.param("smooth") is not None and spec.value("smooth") and window is not None and window < 1:
        raise fail(
            spec,
            f"smooth=True with window_size={window} makes transformers divide by zero at the first step()",
            "use window_size >= 1",
        )


_CHECKS = {
    "polynomial": _check_polynomial,
    "inverse_sqrt": _check_inverse_sqrt,
    "warmup_stable_decay": _check_wsd,
    "reduce_lr_on_plateau": _check_metric_driven,
    "greedy": _check_metric_driven,
}


# --------------------------------------------------------------------------------------
# Pasted code: get_scheduler("cosine", optimizer, ...) -> cosine(optimizer, ...)


def rewrite_get_scheduler(node: ast.Call, source: str) -> ast.Call:
    """The direct call of the named entry that a ``get_scheduler(...)`` call amounts to:
    ``get_scheduler("cosine", optimizer, num_warmup_steps=100, num_training_steps=1000,
    scheduler_specific_kwargs={"num_cycles": 2})`` becomes ``cosine(optimizer,
    num_warmup_steps=100, num_training_steps=1000, num_cycles=2)``. Arguments
    ``get_scheduler`` ignores for that name (and explicit Nones for its own optional ones)
    are dropped, as transformers drops them."""
    given: dict[str, ast.expr] = {}
    for i, arg in enumerate(node.args):
        if isinstance(arg, ast.Starred):
            raise SpecError("'*' unpacking is not allowed", source, arg)
        if i >= len(GET_SCHEDULER_ARGS):
            raise SpecError(f"get_scheduler takes at most {len(GET_SCHEDULER_ARGS)} positional arguments", source, arg)
        given[GET_SCHEDULER_ARGS[i]] = arg
    for kw in node.keywords:
        if kw.arg is None:
            raise SpecError("'**' unpacking is not allowed", source, kw.value)
        if kw.arg not in GET_SCHEDULER_ARGS:
            hint = did_you_mean(kw.arg, GET_SCHEDULER_ARGS) or f"its parameters are {', '.join(GET_SCHEDULER_ARGS)}"
            raise SpecError(f"get_scheduler has no parameter '{kw.arg}'", source, kw, hint)
        if kw.arg in given:
            raise SpecError(f"{kw.arg} is given twice", source, kw)
        given[kw.arg] = kw.value
    name_node = given.get("name")
    if name_node is None:
        raise SpecError(
            "get_scheduler needs the schedule's name",
            source,
            node,
            'e.g. get_scheduler("cosine", optimizer, num_warmup_steps=100, num_training_steps=1000)',
        )
    name = _schedule_name(name_node, source)
    route = _route_for(name)
    keywords: list[ast.keyword] = []
    for key in TOP_LEVEL:
        value = given.get(key)
        if value is None or (isinstance(value, ast.Constant) and value.value is None):
            continue  # get_scheduler's default
        if route is None or key in route.passes:
            keywords.append(ast.copy_location(ast.keyword(arg=key, value=value), value))
    for key_node, key, value in _specific_items(given.get("scheduler_specific_kwargs"), source):
        if route is None or route.kwargs:
            keywords.append(ast.copy_location(ast.keyword(arg=key, value=value), key_node))
    func = ast.copy_location(ast.Name(id=name, ctx=ast.Load()), name_node)
    args = [given["optimizer"]] if "optimizer" in given else []
    return ast.copy_location(ast.Call(func=func, args=args, keywords=keywords), node)


def _schedule_name(node: ast.expr, source: str) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.strip()
    if isinstance(node, ast.Attribute) and ast.unparse(node.value).split(".")[-1] == "SchedulerType":
        info = hf_source.hf_schedules()
        members = {s.member: s.name for s in info.schedules} if info else {m: v for v, (m, _, _) in KNOWN.items()}
        if node.attr in members:
            return members[node.attr]
        hint = did_you_mean(node.attr, list(members))
        raise SpecError(f"SchedulerType has no member '{node.attr}'", source, node, hint)
    raise SpecError(
        "get_scheduler's name must be written out as a string",
        source,
        node,
        "e.g. get_scheduler(\"cosine\", ...); run 'lrviz list' for the names",
    )


def _specific_items(node: ast.expr | None, source: str) -> list[tuple[ast.AST, str, ast.expr]]:
    """(key node, key, value) for each item of a scheduler_specific_kwargs dict literal."""
    if node is None or (isinstance(node, ast.Constant) and node.value is None):
        return []
    hint = 'write the dict out, e.g. scheduler_specific_kwargs={"num_cycles": 2}'
    if isinstance(node, ast.Dict):
        items: list[tuple[ast.AST, str, ast.expr]] = []
        for key, value in zip(node.keys, node.values, strict=True):
            if key is None:
                raise SpecError("'**' unpacking is not allowed", source, value, hint)
            if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
                raise SpecError("scheduler_specific_kwargs' keys must be parameter names in quotes", source, key, hint)
            items.append((key, key.value, value))
        return items
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict" and not node.args:
        if any(kw.arg is None for kw in node.keywords):
            raise SpecError("'**' unpacking is not allowed", source, node, hint)
        return [(kw, str(kw.arg), kw.value) for kw in node.keywords]
    raise SpecError("scheduler_specific_kwargs must be a dict literal", source, node, hint)


class TransformersFamily(BaseFamily):
    name = "transformers"
    title = "Hugging Face transformers' get_scheduler names, built by transformers"
    distribution = "transformers"
    prefixes = ("transformers.optimization.", "transformers.")
    rejecter = "transformers"

    def load(self) -> list[Entry]:
        info = hf_source.hf_schedules()
        if info is None:
            return [_known_entry(name) for name in KNOWN]
        return [_entry(s) for s in info.schedules]

    def missing(self) -> str | None:
        return missing()

    def version(self) -> str | None:
        info = hf_source.hf_schedules()
        return f"transformers {info.version}" if info is not None and info.version else None

    def rewrite_call(self, call: ast.Call, text: str) -> tuple[ast.Call, Entry | None] | None:
        func = call.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if name != "get_scheduler":
            return None
        direct = rewrite_get_scheduler(call, text)
        assert isinstance(direct.func, ast.Name)
        return direct, self.find(direct.func.id)  # this family's schedule, whatever others share the name


FAMILY = TransformersFamily()
