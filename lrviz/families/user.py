"""The ``user`` family: your own scheduler class, named by its import path.

``mypkg.sched:WarmupCosine(warmup=5, total=100)`` imports ``mypkg.sched`` (from the
installed packages or the current folder) and traces ``WarmupCosine`` like any torch class:
its parameters come from its signature and docstring, so options, ``--help`` and
``describe`` work for it too. An explicit ``module:Class`` is the only thing that ever
makes lrviz import code: the same trust as running your own training script. Nothing in a
spec string or config file imports anything else.

The class must be a ``torch.optim.lr_scheduler.LRScheduler`` (or ``ReduceLROnPlateau``)
subclass taking the optimizer as a parameter.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import io
import math
import re
import sys
import tokenize
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from lrviz import introspect
from lrviz.errors import LrvizError, did_you_mean, install_command
from lrviz.family import BaseFamily
from lrviz.schedule import (
    DEFAULT_HORIZON,
    CodeParts,
    Context,
    Entry,
    Kind,
    Param,
    Spec,
    build_value,
    exc_text,
    param_from_info,
    render_value,
)

REF = re.compile(r"([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*):([A-Za-z_]\w*)")
"""``module.path:ClassName``."""

# Parameters whose value says how long the schedule is (checked in this order).
_LENGTH_NAMES = (
    "total_steps",
    "num_training_steps",
    "total_iters",
    "total",
    "max_steps",
    "max_update",
    "max_epochs",
    "epochs",
    "T_max",
    "t_max",
    "steps",
)


def is_ref(text: str) -> bool:
    return REF.fullmatch(text.strip()) is not None


@contextmanager
def _cwd_on_path() -> Iterator[None]:
    """The current folder importable, as ``python script.py`` would make the script's own."""
    added = "" not in sys.path and "." not in sys.path
    if added:
        sys.path.insert(0, "")
    try:
        yield
    finally:
        if added:
            try:
                sys.path.remove("")
            except ValueError:
                pass


def entry(ref: str) -> Entry:
    """The entry for ``module:Class`` (imported once per process)."""
    match = REF.fullmatch(ref.strip())
    if match is None:
        raise LrvizError(f"'{ref}' is not an import path", "write module.path:ClassName, e.g. mypkg.sched:WarmupCosine")
    return _entry(match.group(1), match.group(2))


@functools.lru_cache(maxsize=64)
def _entry(module_name: str, class_name: str) -> Entry:
    cls = _import_class(module_name, class_name)
    return _make_entry(f"{module_name}:{class_name}", module_name, cls)


def _import_class(module_name: str, class_name: str) -> type:
    with _cwd_on_path():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and (module_name == exc.name or module_name.startswith(exc.name + ".")):
                raise LrvizError(
                    f"cannot import '{module_name}': no such module here",
                    "run lrviz in the folder that holds it, or install your package where lrviz runs: "
                    + install_command("-e", "PATH/TO/YOUR/PACKAGE"),
                ) from None
            raise LrvizError(f"importing '{module_name}' failed: {exc_text(exc)}") from None
        except BaseException as exc:  # the user's module raised while importing
            if isinstance(exc, KeyboardInterrupt):
                raise
            raise LrvizError(f"importing '{module_name}' failed: {exc_text(exc)}") from None
    cls = getattr(module, class_name, None)
    if cls is None:
        candidates = [
            n
            for n, v in vars(module).items()
            if isinstance(v, type) and v.__module__ == module.__name__ and _is_scheduler(v)
        ]
        hint = did_you_mean(class_name, candidates) or (
            f"its schedulers are {', '.join(candidates)}" if candidates else "it defines no LRScheduler subclass"
        )
        raise LrvizError(f"'{module_name}' has no '{class_name}'", hint)
    if not isinstance(cls, type) or not _is_scheduler(cls):
        raise LrvizError(
            f"{module_name}:{class_name} is not a torch LR scheduler",
            "lrviz plots subclasses of torch.optim.lr_scheduler.LRScheduler",
        )
    return cls


def _is_scheduler(cls: type) -> bool:
    from torch.optim import lr_scheduler

    bases = tuple(b for b in (getattr(lr_scheduler, "LRScheduler", None), lr_scheduler.ReduceLROnPlateau) if b)
    return issubclass(cls, bases)


def _make_entry(name: str, module_name: str, cls: type) -> Entry:
    from torch.optim import lr_scheduler

    doc = inspect.getdoc(cls) or ""
    docs = introspect.parse_args_section(doc)
    try:
        signature = inspect.signature(cls)
    except (TypeError, ValueError):
        raise LrvizError(f"cannot read the parameters of {name}") from None
    params: list[Param] = []
    for p in signature.parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        doc_type, help_text = docs.get(p.name, ("", ""))
        annotation = p.annotation if p.annotation is not p.empty else ""
        info = introspect.ParamInfo(
            name=p.name,
            annotation=annotation if isinstance(annotation, str) else inspect.formatannotation(annotation),
            default=p.default,
            default_text="" if p.default is p.empty else repr(p.default),
            doc_type=doc_type,
            help=introspect.clean_help(help_text),
        )
        param = param_from_info(info)
        if p.name in ("optimizer", "opt", "optim") and param.kind != Kind.OPTIMIZER:
            param = Param(p.name, Kind.OPTIMIZER, p.default, help="Wrapped optimizer (supplied by lrviz).")
        params.append(param)
    if not any(p.kind == Kind.OPTIMIZER for p in params):
        raise LrvizError(f"{name} takes no optimizer parameter", "lrviz passes the optimizer as 'optimizer'")
    needs_metric = issubclass(cls, lr_scheduler.ReduceLROnPlateau) or _step_needs_value(cls)
    return Entry(
        name=name,
        family=FAMILY.name,
        summary=introspect.summary_of(doc) or f"{cls.__name__} from {module_name}",
        params=tuple(params),
        doc=doc,
        build=functools.partial(_build, cls),
        horizon=_horizon,
        check=_check,
        example="",
        needs_metric=needs_metric,
        code=functools.partial(_code, module_name, cls.__name__),
        origin=f"{module_name}.{cls.__name__} (your code)",
    )


def _step_needs_value(cls: type) -> bool:
    try:
        params = list(inspect.signature(cls.step).parameters.values())[1:]  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        return False
    return any(p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params)


def _build(cls: type, spec: Spec, optimizer: Any) -> Any:
    positional_only = {
        p.name: p.default for p in inspect.signature(cls).parameters.values() if p.kind == p.POSITIONAL_ONLY
    }
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    for param in spec.entry.params:
        if param.kind == Kind.OPTIMIZER:
            value: Any = optimizer
        elif param.name in spec.args:
            value = build_value(spec.args[param.name], optimizer)
        elif param.name in positional_only:
            value = positional_only[param.name]  # a default, to reach later positional-only ones
            if value is inspect.Parameter.empty:
                break
        else:
            continue
        if param.name in positional_only:
            args.append(value)
        else:
            kwargs[param.name] = value
    return cls(*args, **kwargs)


def _horizon(spec: Spec) -> tuple[int, str]:
    for name in _LENGTH_NAMES:
        param = spec.entry.param(name)
        if param is None:
            continue
        value = spec.value(name)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        if value > 0 and (isinstance(value, int) or math.isfinite(value)):  # an int may be too big for a float
            return int(min(1_000_000, max(10, math.ceil(min(value, 1_000_000) * 1.1)))), f"past {name}"
    return DEFAULT_HORIZON, "a default length"


def _check(spec: Spec, ctx: Context) -> list[str]:
    return []


def _code(module_name: str, class_name: str, spec: Spec, optimizer: str) -> CodeParts:
    parts: list[str] = []
    for i, param in enumerate(spec.entry.params):
        if param.kind == Kind.OPTIMIZER:
            parts.append(optimizer if i == 0 else f"{param.name}={optimizer}")
        elif param.name in spec.args:
            parts.append(f"{param.name}={render_value(spec.args[param.name], optimizer)}")
    return CodeParts(f"{class_name}({', '.join(parts)})", (f"from {module_name} import {class_name}",))


# --------------------------------------------------------------------------------------
# ``module.path:Class`` inside a spec string


def ref_spans(source: str) -> list[tuple[int, int]]:
    """Where ``source`` holds ``module.path:Class`` outside strings and lambda headers: a
    dotted name, a colon and a name, with no space between them."""
    if ":" not in source:
        return []
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return []
    lines = source.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(pos: tuple[int, int]) -> int:
        return starts[pos[0] - 1] + pos[1]

    spans: list[tuple[int, int]] = []
    open_lambdas = 0
    for i, tok in enumerate(tokens):
        if tok.type == tokenize.NAME and tok.string == "lambda":
            open_lambdas += 1
            continue
        if tok.type != tokenize.OP or tok.string != ":":
            continue
        if open_lambdas:
            open_lambdas -= 1  # the lambda's own colon
            continue
        # a dotted name ending right before ':' and a name right after it
        j = i - 1
        while j >= 0 and tokens[j].type == tokenize.NAME and tokens[j].end == (tokens[j + 1].start):
            if (
                j >= 1
                and tokens[j - 1].type == tokenize.OP
                and tokens[j - 1].string == "."
                and tokens[j - 1].end == tokens[j].start
            ):
                j -= 2
                continue
            break
        if j < 0 or i + 1 >= len(tokens) or tokens[i + 1].type != tokenize.NAME:
            continue
        if tokens[j].type != tokenize.NAME or tokens[i + 1].start != tok.end or tokens[i - 1].end != tok.start:
            continue
        spans.append((offset(tokens[j].start), offset(tokens[i + 1].end)))
    return spans


class UserFamily(BaseFamily):
    name = "user"
    title = 'your own LRScheduler subclass: lrviz plot "mypkg.sched:MyScheduler(...)"'
    rejecter = "your class"

    def load(self) -> list[Entry]:
        return []  # user classes are not known in advance: find() imports them by name

    def find(self, name: str) -> Entry | None:
        return entry(name) if is_ref(name) else None

    def claims(self, name: str) -> bool:
        return is_ref(name)

    def status(self) -> str:
        return "import path module:Class"

    def placeholder(self) -> tuple[str, str]:
        return (
            "module:Class",
            "Any torch.optim.lr_scheduler.LRScheduler subclass, imported from the current folder or your "
            "environment; its parameters are read from its signature.",
        )

    def name_spans(self, source: str) -> list[tuple[int, int]]:
        return ref_spans(source)


FAMILY = UserFamily()
