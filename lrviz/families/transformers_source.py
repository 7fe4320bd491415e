"""Hugging Face transformers' schedules, read from its source without importing it.

One :class:`Schedule` per name of the installed transformers' ``SchedulerType`` that
``TYPE_TO_SCHEDULER_FUNCTION`` maps to a function (``cosine``, ``warmup_stable_decay``,
...). ``transformers/optimization.py`` and the module defining ``SchedulerType`` are found
with :func:`importlib.util.find_spec` and read with :mod:`ast` (importing transformers takes
seconds and ``lrviz list`` must be instant). Each schedule's parameters are its function's
(or, for a function that forwards ``**kwargs`` to a class, that class's); what
``get_scheduler`` passes on for each name (:class:`Route`) is read from its own body. If the
static reading ever fails, the same is read by importing transformers; the tests check that
both agree.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import importlib.util
import inspect
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lrviz import introspect
from lrviz.errors import LrvizError
from lrviz.introspect import ParamInfo

# get_scheduler(name, optimizer, num_warmup_steps=None, num_training_steps=None, scheduler_specific_kwargs=None)
GET_SCHEDULER_ARGS = ("name", "optimizer", "num_warmup_steps", "num_training_steps", "scheduler_specific_kwargs")
TOP_LEVEL = ("num_warmup_steps", "num_training_steps")  # passed by get_scheduler itself, not in the dict


@dataclass(frozen=True)
class Route:
    """What ``get_scheduler`` hands the schedule's function for one name."""

    passes: frozenset[str] = frozenset(TOP_LEVEL)  # which of num_warmup_steps/num_training_steps
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


def installed() -> bool:
    try:
        return importlib.util.find_spec("transformers") is not None
    except (ImportError, ValueError):
        return False


@functools.lru_cache(maxsize=1)
def hf_schedules() -> Transformers | None:
    """The installed transformers' schedules (read statically, else by importing it), or
    None when it is not installed or cannot be read."""
    if not installed():
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
CHOICES = re.compile(r"(?:[Cc]an be|[Oo]ne of)\s+((?:'[^']*'(?:\s*,\s*|\s+or\s+)?)+)")


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
    # lrviz.families.torch decides the same way: ReduceLROnPlateau.step(metrics) needs the metric
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
    return Transformers(introspect.static_version(root / "__init__.py", "transformers"), tuple(schedules))


def _class_params(cls: ast.ClassDef) -> tuple[ParamInfo, ...]:
    doc = _markup(ast.get_docstring(cls) or "")
    init = next((n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None)
    if init is None:
        raise ValueError(f"{cls.name} has no __init__")
    return introspect.params_from_ast(init.args, introspect.parse_args_section(doc), drop=1)


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
        and test.left.id in TOP_LEVEL
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
    passes = {kw.arg for kw in call.keywords if kw.arg in TOP_LEVEL}
    passes |= {a.id for a in call.args if isinstance(a, ast.Name) and a.id in TOP_LEVEL}
    kwargs = any(kw.arg is None for kw in call.keywords)
    return Route(frozenset(passes), kwargs, frozenset(required & passes))
