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
import functools
import importlib.util
import inspect
import math
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import introspect
from .errors import LrvizError, did_you_mean
from .introspect import MISSING, ParamInfo
from .registry import OPTIMIZER, STR, Entry, Param, param_from_info
from .safe_expr import SpecError

if TYPE_CHECKING:
    from .code import CodeParts
    from .spec import Spec

FAMILY = "transformers"
EXTRA = "hf"
INSTALL = "needs Hugging Face transformers: pip install 'lrviz[hf]'"
DEFAULT_HORIZON = 100

# get_scheduler(name, optimizer, num_warmup_steps=None, num_training_steps=None, scheduler_specific_kwargs=None)
GET_SCHEDULER_ARGS = ("name", "optimizer", "num_warmup_steps", "num_training_steps", "scheduler_specific_kwargs")
_TOP_LEVEL = ("num_warmup_steps", "num_training_steps")  # passed by get_scheduler itself, not in the dict
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
# What transformers has


@dataclass(frozen=True)
class Route:
    """What ``get_scheduler`` hands the schedule's function for one name."""

    passes: frozenset[str] = frozenset(_TOP_LEVEL)  # which of num_warmup_steps/num_training_steps
    kwargs: bool = True  # whether scheduler_specific_kwargs is passed on
    required: frozenset[str] = frozenset()  # arguments get_scheduler refuses to leave None


@dataclass(frozen=True)
class Schedule:
    """One name of ``SchedulerType`` and the function behind it."""

    name: str  # the SchedulerType value: "cosine"
    member: str  # the SchedulerType member: "COSINE"
    function: str  # "get_cosine_schedule_with_warmup"
    doc: str
    params: tuple[ParamInfo, ...]  # the function's (optimizer and last_epoch included)
    target: str = ""  # the class a **kwargs function returns (its parameters are in params)
    needs_metric: bool = False
    route: Route = Route()

    @property
    def summary(self) -> str:
        return summary_of(self.doc)


@dataclass(frozen=True)
class Transformers:
    version: str
    schedules: tuple[Schedule, ...]


def transformers_dir() -> Path | None:
    """The installed transformers package's folder, found without importing it."""
    try:
        spec = importlib.util.find_spec("transformers")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        if (Path(location) / "optimization.py").is_file():
            return Path(location)
    return None


def _installed() -> bool:
    try:
        return importlib.util.find_spec("transformers") is not None
    except (ImportError, ValueError):
        return False


def missing() -> str | None:
    """None when transformers is installed, else the pip line."""
    if not _installed():
        return INSTALL
    if hf_schedules() is None:
        return "the installed transformers could not be read: pip install -U 'lrviz[hf]'"
    return None


@functools.lru_cache(maxsize=1)
def hf_schedules() -> Transformers | None:
    """The installed transformers' schedules (read statically, else by importing it), or
    None when it is not installed or cannot be read."""
    if not _installed():
        return None
    root = transformers_dir()
    if root is not None:
        try:
            info = read_static(root)
            if info.schedules:
                return info
        except (SyntaxError, ValueError, KeyError, OSError, LrvizError):
            pass
    try:
        return read_dynamic()
    except Exception:  # a broken install: listed with what to do, never a crash in `lrviz list`
        return None


# HF docstrings: [`~torch.optim.Optimizer`] links, `int` types, *optional* emphasis.
_LINK = re.compile(r"\[`~?(?:[\w.]*\.)?(\w+)`\]")
_EMPHASIS = re.compile(r"\*(\w[^*]*)\*")
_CHOICES = re.compile(r"(?:[Cc]an be|[Oo]ne of)\s+((?:'[^']*'(?:\s*,\s*|\s+or\s+)?)+)")


def _markup(doc: str) -> str:
    return _LINK.sub(r"`\1`", doc)


def _clean(info: ParamInfo) -> ParamInfo:
    """A parameter read from a transformers docstring, in the form torch's docstrings give:
    the bare type (``float or list[float]``) and help without markup."""
    raw = info.doc_type
    doc_type = re.split(r",\s*\*?optional\*?|,\s*defaults? to", raw.replace("`", ""))[0].strip()
    help_text = _EMPHASIS.sub(r"\1", info.help)
    documented = re.search(r"defaults? to\s+(.+)$", raw)
    if documented and info.default is None:
        text = documented.group(1).strip().strip("`").strip()
        if text and text != "None":
            help_text = f"{help_text} None means {text}.".strip()
    return dataclasses.replace(info, doc_type=doc_type, help=help_text)


def summary_of(doc: str) -> str:
    """The first sentence; an intro ending in ':' before a numbered list names the items
    (``... has three stages: warmup, stable and decay.``)."""
    first = doc.strip().split("\n\n")[0]
    listing = re.search(r"^\s*1\.\s", first, re.M)
    if listing:
        intro = " ".join(first[: listing.start()].split())
        labels = re.findall(r"^\s*\d+\.\s*([^:\n]+?):", first[listing.start() :], re.M)
        if intro.endswith(":") and labels:
            items = labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} and {labels[-1]}"
            return f"{intro} {items}."
    text = _EMPHASIS.sub(r"\1", introspect.summary_of(first))
    return text if text.endswith(".") else f"{text}."


# Reading transformers' source -----------------------------------------------------------


@dataclass
class _Module:
    path: Path
    tree: ast.Module
    defs: dict[str, ast.stmt]  # top-level functions and classes
    imports: dict[str, tuple[str, int, str]]  # local name -> (module, level, name there)


class _Source:
    """transformers' modules, parsed on demand, with their relative imports followed."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._modules: dict[Path, _Module] = {}

    def module(self, path: Path) -> _Module:
        if path not in self._modules:
            tree = ast.parse(path.read_text(encoding="utf-8"))
            defs: dict[str, ast.stmt] = {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
            imports = {
                (alias.asname or alias.name): (node.module or "", node.level, alias.name)
                for node in tree.body
                if isinstance(node, ast.ImportFrom)
                for alias in node.names
            }
            self._modules[path] = _Module(path, tree, defs, imports)
        return self._modules[path]

    def _path(self, current: Path, module: str, level: int) -> Path | None:
        if level == 0:
            if not module.startswith("transformers."):
                return None
            base, parts = self.root, module.split(".")[1:]
        else:
            base = current.parent
            for _ in range(level - 1):
                base = base.parent
            parts = module.split(".") if module else []
        target = base.joinpath(*parts)
        for candidate in (target.parent / f"{target.name}.py", target / "__init__.py"):
            if parts and candidate.is_file():
                return candidate
        return base / "__init__.py" if not parts else None

    def find(self, mod: _Module, name: str, depth: int = 0) -> tuple[_Module, ast.stmt] | str:
        """The definition of ``name`` as seen from ``mod``, or the outside module it is
        imported from (``torch.optim.lr_scheduler``)."""
        if name in mod.defs:
            return mod, mod.defs[name]
        if name in mod.imports and depth < 8:
            module, level, original = mod.imports[name]
            path = self._path(mod.path, module, level)
            if path is None:
                return module
            return self.find(self.module(path), original, depth + 1)
        raise ValueError(f"cannot find {name} in {mod.path.name}")


def _enum_members(cls: ast.ClassDef) -> list[tuple[str, str]]:
    out = []
    for node in cls.body:
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            out.append((node.targets[0].id, node.value.value))
    return out


def _function_table(tree: ast.Module) -> dict[str, str]:
    """TYPE_TO_SCHEDULER_FUNCTION: SchedulerType member -> function name."""
    for node in tree.body:
        value = None
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "TYPE_TO_SCHEDULER_FUNCTION" for t in node.targets
        ):
            value = node.value
        elif (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and node.target.id == "TYPE_TO_SCHEDULER_FUNCTION"
        ):
            value = node.value
        if isinstance(value, ast.Dict):
            table = {}
            for key, fn in zip(value.keys, value.values, strict=True):
                if isinstance(key, ast.Attribute) and isinstance(fn, ast.Name):
                    table[key.attr] = fn.id
            return table
    raise ValueError("TYPE_TO_SCHEDULER_FUNCTION not found")


def _returned_class(fn: ast.FunctionDef) -> str:
    """The class a ``**kwargs`` function returns: ``return GreedyLR(optimizer, **kwargs)``."""
    for node in ast.walk(fn):
        if isinstance(node, ast.Return) and isinstance(node.value, ast.Call):
            func = node.value.func
            if isinstance(func, ast.Name):
                return func.id
            if isinstance(func, ast.Attribute):
                return ast.unparse(func)
    raise ValueError(f"{fn.name} returns no class")


def _step_needs_value(cls: ast.ClassDef) -> bool:
    """Whether ``step`` takes a required argument (the metric), as ReduceLROnPlateau's does."""
    for node in cls.body:
        if isinstance(node, ast.FunctionDef) and node.name == "step":
            positional = [*node.args.posonlyargs, *node.args.args][1:]
            return len(positional) > len(node.args.defaults)
    return False


def _torch_class(name: str) -> tuple[tuple[ParamInfo, ...], bool]:
    info = next((c for c in introspect.torch_schedulers() if c.name == name.split(".")[-1]), None)
    if info is None:
        raise ValueError(f"torch has no scheduler {name}")
    # lrviz.torch_family decides the same way: ReduceLROnPlateau.step(metrics) needs the metric
    return info.params, info.name == "ReduceLROnPlateau"


def _function_params(fn: ast.FunctionDef) -> tuple[ParamInfo, ...]:
    docs = introspect.parse_args_section(_markup(ast.get_docstring(fn) or ""))
    return tuple(_clean(p) for p in introspect.params_from_ast(fn.args, docs))


def _merge(own: tuple[ParamInfo, ...], forwarded: tuple[ParamInfo, ...]) -> tuple[ParamInfo, ...]:
    names = {p.name for p in own}
    return own + tuple(p for p in forwarded if p.name not in names)


def read_static(root: Path) -> Transformers:
    """transformers' schedules from its source, without importing it."""
    source = _Source(root)
    opt = source.module(root / "optimization.py")
    found = source.find(opt, "SchedulerType")
    if isinstance(found, str) or not isinstance(found[1], ast.ClassDef):
        raise ValueError("SchedulerType not found")
    members = _enum_members(found[1])
    table = _function_table(opt.tree)
    get_scheduler = opt.defs.get("get_scheduler")
    routes, default_route = _routes(get_scheduler) if isinstance(get_scheduler, ast.FunctionDef) else ({}, Route())
    schedules = []
    for member, value in members:
        if member not in table:
            continue
        where = source.find(opt, table[member])
        if isinstance(where, str) or not isinstance(where[1], ast.FunctionDef):
            raise ValueError(f"{table[member]} not found")
        mod, fn = where[0], where[1]
        params = _function_params(fn)
        target, needs_metric = "", False
        if fn.args.kwarg is not None:
            target = _returned_class(fn)
            cls = source.find(mod, target) if "." not in target else target
            if isinstance(cls, str):
                forwarded, needs_metric = _torch_class(target)
            elif isinstance(cls[1], ast.ClassDef):
                forwarded = tuple(_clean(p) for p in _class_params(cls[1]))
                needs_metric = _step_needs_value(cls[1])
            else:
                raise ValueError(f"{target} is not a class")
            params = _merge(params, forwarded)
        schedules.append(
            Schedule(
                name=value,
                member=member,
                function=fn.name,
                doc=_markup(ast.get_docstring(fn) or ""),
                params=params,
                target=target.split(".")[-1],
                needs_metric=needs_metric,
                route=routes.get(member) or routes.get(value) or default_route,
            )
        )
    return Transformers(_version_static(root), tuple(schedules))


def _class_params(cls: ast.ClassDef) -> tuple[ParamInfo, ...]:
    doc = _markup(ast.get_docstring(cls) or "")
    init = next((n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None)
    if init is None:
        raise ValueError(f"{cls.name} has no __init__")
    return introspect.params_from_ast(init.args, introspect.parse_args_section(doc), drop=1)


def _version_static(root: Path) -> str:
    try:
        match = re.search(r"""^__version__\s*=\s*['"]([^'"]+)['"]""", (root / "__init__.py").read_text(), re.M)
    except OSError:
        match = None
    if match:
        return match.group(1)
    from importlib import metadata

    try:
        return metadata.version("transformers")
    except metadata.PackageNotFoundError:
        return ""


def read_dynamic() -> Transformers:
    """The same information, from the imported transformers (the slow, sure way)."""
    import transformers
    from transformers import optimization

    scheduler_type: Any = getattr(optimization, "SchedulerType", None)
    if scheduler_type is None:
        from transformers.trainer_utils import SchedulerType as scheduler_type
    table: dict[Any, Any] = dict(optimization.TYPE_TO_SCHEDULER_FUNCTION)
    routes, default_route = _routes(_def_of(optimization.get_scheduler))
    schedules = []
    for member in scheduler_type:
        fn = table.get(member)
        if fn is None:
            continue
        doc = _markup(inspect.getdoc(fn) or "")
        signature = inspect.signature(fn)
        params = tuple(
            _clean(p)
            for p in introspect.params_from_signature(signature.parameters.values(), introspect.parse_args_section(doc))
        )
        target, needs_metric = "", False
        if any(p.kind is p.VAR_KEYWORD for p in signature.parameters.values()):
            target = _returned_class(_def_of(fn))
            cls: Any = fn.__globals__.get(target) if "." not in target else None
            if cls is None or str(getattr(cls, "__module__", "")).startswith("torch"):
                forwarded, needs_metric = _torch_class(target)
            else:
                cls_doc = _markup(inspect.getdoc(cls) or "")
                forwarded = tuple(
                    _clean(p)
                    for p in introspect.params_from_signature(
                        inspect.signature(cls).parameters.values(), introspect.parse_args_section(cls_doc)
                    )
                )
                needs_metric = _step_needs_argument(cls)
            params = _merge(params, forwarded)
        schedules.append(
            Schedule(
                name=member.value,
                member=member.name,
                function=fn.__name__,
                doc=doc,
                params=params,
                target=target.split(".")[-1],
                needs_metric=needs_metric,
                route=routes.get(member.name) or routes.get(member.value) or default_route,
            )
        )
    return Transformers(str(transformers.__version__), tuple(schedules))


def _def_of(fn: Any) -> ast.FunctionDef:
    node = ast.parse(textwrap.dedent(inspect.getsource(fn))).body[0]
    if not isinstance(node, ast.FunctionDef):
        raise ValueError(f"{fn} is not a function")
    return node


def _step_needs_argument(cls: type) -> bool:
    try:
        params = list(inspect.signature(cls.step).parameters.values())[1:]  # type: ignore[attr-defined]
    except (AttributeError, TypeError, ValueError):
        return False
    return any(p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params)


# What get_scheduler passes on, read from its body ------------------------------------------


def _routes(fn: ast.FunctionDef) -> tuple[dict[str, Route], Route]:
    """For each name ``get_scheduler`` treats specially (``if name == SchedulerType.X:
    return schedule_func(...)``), which arguments reach the function; and the same for the
    final ``return`` that serves every other name. ``if num_warmup_steps is None: raise``
    makes the argument required for the names handled after it."""
    routes: dict[str, Route] = {}
    required: set[str] = set()
    for stmt in fn.body:
        if isinstance(stmt, ast.If):
            tested = _none_test(stmt.test)
            if tested and any(isinstance(n, ast.Raise) for n in stmt.body):
                required.add(tested)
                continue
            names = _names_tested(stmt.test)
            call = _returned_call(stmt.body)
            if names and call is not None:
                route = _route_of(call, required)
                for name in names:
                    routes.setdefault(name, route)
        elif isinstance(stmt, ast.Return) and isinstance(stmt.value, ast.Call):
            return routes, _route_of(stmt.value, required)
    return routes, Route()


def _none_test(test: ast.expr) -> str | None:
    if (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id in _TOP_LEVEL
        and len(test.ops) == 1
        and isinstance(test.ops[0], ast.Is)
        and isinstance(test.comparators[0], ast.Constant)
        and test.comparators[0].value is None
    ):
        return test.left.id
    return None


def _name_key(node: ast.expr) -> str | None:
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _names_tested(test: ast.expr) -> list[str]:
    """``name == SchedulerType.X``, ``name in (SchedulerType.X, ...)``, or an ``or`` of them."""
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.Or):
        return [n for value in test.values for n in _names_tested(value)]
    if not (isinstance(test, ast.Compare) and isinstance(test.left, ast.Name) and test.left.id == "name"):
        return []
    if len(test.ops) != 1:
        return []
    op, right = test.ops[0], test.comparators[0]
    if isinstance(op, ast.Eq):
        key = _name_key(right)
        return [key] if key else []
    if isinstance(op, ast.In) and isinstance(right, (ast.Tuple, ast.List, ast.Set)):
        return [k for k in (_name_key(e) for e in right.elts) if k]
    return []


def _returned_call(body: list[ast.stmt]) -> ast.Call | None:
    if body and isinstance(body[-1], ast.Return) and isinstance(body[-1].value, ast.Call):
        return body[-1].value
    return None


def _route_of(call: ast.Call, required: set[str]) -> Route:
    passes = {kw.arg for kw in call.keywords if kw.arg in _TOP_LEVEL}
    passes |= {a.id for a in call.args if isinstance(a, ast.Name) and a.id in _TOP_LEVEL}
    kwargs = any(kw.arg is None for kw in call.keywords)
    return Route(frozenset(passes), kwargs, frozenset(required & passes))


# --------------------------------------------------------------------------------------
# Entries


def entries() -> list[Entry]:
    info = hf_schedules()
    if info is None:
        return [_known_entry(name) for name in KNOWN]
    return [_entry(s, info.version) for s in info.schedules]


def _offered(schedule: Schedule) -> list[ParamInfo]:
    """The parameters a user can set through get_scheduler for this name."""
    out = []
    for info in schedule.params[1:]:  # the first is the optimizer
        if info.name in _DROPPED and not schedule.route.kwargs:
            continue  # e.g. constant_with_warmup: get_scheduler passes nothing else
        if info.name in _TOP_LEVEL and info.name in schedule.route.passes:
            out.append(info)
        elif schedule.route.kwargs:
            out.append(info)
    return out


def _param(info: ParamInfo, route: Route) -> Param:
    param = param_from_info(info)
    if param.kind == STR and not param.choices:
        match = _CHOICES.search(param.help)
        if match:
            param = dataclasses.replace(param, choices=tuple(re.findall(r"'([^']*)'", match.group(1))))
    if info.name in route.required and not param.required:
        param = dataclasses.replace(param, default=MISSING, nullable=False)
    return param


_OPTIMIZER = Param("optimizer", OPTIMIZER, help="Wrapped optimizer (supplied by lrviz).", annotation="Optimizer")


def _entry(schedule: Schedule, version: str) -> Entry:
    params = (_OPTIMIZER, *(_param(p, schedule.route) for p in _offered(schedule)))
    return Entry(
        name=schedule.name,
        family=FAMILY,
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
        extra=EXTRA,
        missing=missing,
        code=code,
        origin=f"transformers.get_scheduler({schedule.name!r}) (transformers {version})",
    )


def _known_entry(name: str) -> Entry:
    _, function, summary = KNOWN[name]
    return Entry(
        name=name,
        family=FAMILY,
        summary=summary,
        params=(_OPTIMIZER,),
        aliases=(function,),
        build=build,
        horizon=horizon,
        check=check,
        example=EXAMPLES.get(name, ""),
        decays=False,
        needs_metric=name in _METRIC_DRIVEN,
        extra=EXTRA,
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
        if param.kind == OPTIMIZER:
            continue
        wanted = param.required or param.name in _TOP_LEVEL
        if param.name == "min_lr_rate" and "min_lr" in names:
            args.append("min_lr_rate=0.1")  # one of min_lr or min_lr_rate is needed
            continue
        if not wanted:
            continue
        value = next((v for word, v in _EXAMPLE_VALUES if word in param.name and param.kind == "int"), None)
        if value is None:
            if param.required:
                return ""  # no sensible value known for it
            continue
        args.append(f"{param.name}={value}")
    return f"{name}({', '.join(args)})"


# --------------------------------------------------------------------------------------
# Building and code


def _route_for(name: str) -> Route | None:
    info = hf_schedules()
    if info is None:
        return None
    return next((s.route for s in info.schedules if s.name == name), None)


def _split(spec: Spec) -> tuple[dict[str, Any], dict[str, Any]]:
    """(get_scheduler's own keyword arguments, scheduler_specific_kwargs) for a spec."""
    route = _route_for(spec.name) or Route()
    top: dict[str, Any] = {}
    specific: dict[str, Any] = {}
    for name, value in spec.args.items():
        if name in _TOP_LEVEL and name in route.passes:
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
            f"{spec.name} cannot run here: importing transformers failed ({_exc_text(exc)})",
            "pip install -U 'lrviz[hf]'",
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
        raise LrvizError(f"transformers rejected {spec.format()}: {_exc_text(exc)}") from None


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
    from .code import CodeParts
    from .spec import render_value

    top, specific = _split(spec)
    parts = [f'"{spec.name}"', optimizer]
    parts += [f"{name}={render_value(value, optimizer)}" for name, value in top.items()]
    if specific:
        items = ", ".join(f'"{name}": {render_value(value, optimizer)}' for name, value in specific.items())
        parts.append(f"scheduler_specific_kwargs={{{items}}}")
    return CodeParts(f"get_scheduler({', '.join(parts)})", ("from transformers import get_scheduler",))


def _exc_text(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


# --------------------------------------------------------------------------------------
# Horizons


def _clamp(n: float, low: int = 10, high: int = 1_000_000) -> int:
    return int(max(low, min(high, math.ceil(n))))


def _number(spec: Spec, name: str) -> float | None:
    """The argument's value when the entry has it and it is a plain number."""
    if spec.entry.param(name) is None:
        return None
    value = spec.value(name)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
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
            return _clamp(total), "num_warmup_steps + num_stable_steps + num_decay_steps"
    if training is not None and training > 0:
        return _clamp(training), "num_training_steps"
    if spec.entry.param("timescale") is not None:
        timescale = _number(spec, "timescale") or warmup or 10_000  # as transformers chooses
        if timescale > 0:
            return _clamp(max(0, warmup or 0) + 10 * timescale), "num_warmup_steps and ten timescales"
    if warmup is not None and warmup > 0:
        return _clamp(4 * warmup), "four times num_warmup_steps"
    if spec.entry.needs_metric:
        waits = sum(max(0, _number(spec, n) or 0) for n in ("patience", "cooldown", "warmup"))
        return _clamp(max(DEFAULT_HORIZON, 8 * (waits + 1)), 10, 100_000), "several reductions"
    return DEFAULT_HORIZON, "a default length"


# --------------------------------------------------------------------------------------
# Checks made before stepping


def _fail(spec: Spec, message: str, hint: str) -> LrvizError:
    return LrvizError(f"{spec.format()}: {message}", hint)


def check(spec: Spec, ctx: Any) -> list[str]:
    """Raise :class:`LrvizError` for inputs transformers would crash on late (a bare
    ZeroDivisionError at step k) or reject obscurely; return warnings for legal nonsense."""
    from . import torch_family

    found = torch_family.check(spec, ctx)  # one value per param group in lists
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
        raise _fail(
            spec,
            "needs min_lr or min_lr_rate",
            "give min_lr_rate (a fraction of the optimizer's lr, e.g. min_lr_rate=0.1) or min_lr",
        )
    if min_lr is not None and rate is not None:
        raise _fail(spec, "give min_lr or min_lr_rate, not both", "min_lr_rate=min_lr/lr is the same thing")
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
        raise _fail(
            spec,
            f"num_warmup_steps == num_training_steps makes transformers divide by zero at step {training}",
            "make num_training_steps larger than num_warmup_steps",
        )
    power = _number(spec, "power")
    if power is not None and power < 0:
        raise _fail(
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
        raise _fail(
            spec,
            f"{source} is not positive, so transformers divides by zero or takes the root of a negative number",
            "use timescale >= 1",
        )


def _check_wsd(spec: Spec, ctx: Any, found: list[str]) -> None:
    training, stable = _number(spec, "num_training_steps"), _number(spec, "num_stable_steps")
    warmup, decay = _number(spec, "num_warmup_steps") or 0, _number(spec, "num_decay_steps") or 0
    if training is None and stable is None:
        raise _fail(
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
    from . import torch_family

    if spec.entry.param("factor") is not None and spec.entry.param("patience") is not None:
        torch_family._check_plateau(spec, ctx, found)
    window = _number(spec, "window_size")
    if spec.entry.param("smooth") is not None and spec.value("smooth") and window is not None and window < 1:
        raise _fail(
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
    for key in _TOP_LEVEL:
        value = given.get(key)
        if value is None or (isinstance(value, ast.Constant) and value.value is None):
            continue  # get_scheduler's default
        if route is None or key in route.passes:
            keywords.append(ast.copy_location(ast.keyword(arg=key, value=value), value))
    for key_node, key, value in _specific_items(given.get("scheduler_specific_kwargs"), source):
        if route is None or route.kwargs:
            keywords.append(ast.copy_location(ast.keyword(arg=key, value=value), key_node))
    func = ast.copy_location(ast.Name(id=_callable_name(name), ctx=ast.Load()), name_node)
    args = [given["optimizer"]] if "optimizer" in given else []
    return ast.copy_location(ast.Call(func=func, args=args, keywords=keywords), node)


def _schedule_name(node: ast.expr, source: str) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.strip()
    if isinstance(node, ast.Attribute) and ast.unparse(node.value).split(".")[-1] == "SchedulerType":
        info = hf_schedules()
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


def _callable_name(name: str) -> str:
    """The name to call: the SchedulerType value, or the function's name when another
    family's schedule has the same name."""
    from . import registry

    ours = next((e for e in registry.entries() if e.family == FAMILY and e.name.lower() == name.lower()), None)
    if ours is None:
        return name
    if registry.find(ours.name) is not ours and ours.aliases:
        return ours.aliases[0]
    return ours.name
