"""timm's schedulers, read from its source without importing it, and loaded without timm.

``lrviz list`` must be instant and importing timm takes seconds (its ``__init__`` imports
torchvision, its models and huggingface_hub), so the scheduler classes that
``timm/scheduler/__init__.py`` exports, their ``__init__`` parameters and docstrings, and
``create_scheduler_v2``'s parameters and names (``sched == 'cosine'`` ...) are read with
:mod:`ast` from the files :func:`importlib.util.find_spec` locates. If that reading ever
fails on a future layout, the same is read from the loaded package; the tests check that
both agree.

To build a schedule, :func:`scheduler_package` loads ``timm.scheduler`` alone: its modules
need nothing but torch, while ``import timm`` fails wherever torchvision is missing or does
not load (PyPI's torchvision against torch's CPU build: "operator torchvision::nms does not
exist"). The package is loaded under a stand-in ``timm`` parent package that never runs
timm's own ``__init__.py``, and ``sys.modules`` is put back as it was afterwards, so a later
``import timm`` elsewhere in the process is not affected.
"""

from __future__ import annotations

import ast
import functools
import importlib
import importlib.machinery
import importlib.util
import inspect
import re
import sys
import textwrap
import threading
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lrviz import introspect
from lrviz.errors import LrvizError
from lrviz.introspect import ParamInfo

FACTORY = "create_scheduler_v2"
BASE_CLASS = "Scheduler"


@dataclass(frozen=True)
class SchedulerClass:
    """One scheduler class that ``timm.scheduler`` exports."""

    name: str  # "CosineLRScheduler"
    module: str  # "cosine_lr"
    doc: str
    params: tuple[ParamInfo, ...]  # its __init__'s, the optimizer first
    metric: bool = False  # its step() hands the metric on (PlateauLRScheduler)
    choices: tuple[tuple[str, tuple[str, ...]], ...] = ()  # parameter -> its module's table of names


@dataclass(frozen=True)
class Sched:
    """One ``sched`` name of ``create_scheduler_v2`` and what it builds."""

    name: str  # "cosine"
    target: str  # "CosineLRScheduler"
    params: tuple[str, ...]  # the factory's parameters that matter for it (sched excluded)


@dataclass(frozen=True)
class Factory:
    name: str
    doc: str
    params: tuple[ParamInfo, ...]  # its parameters, the optimizer first
    scheds: tuple[Sched, ...]


@dataclass(frozen=True)
class Timm:
    version: str
    classes: tuple[SchedulerClass, ...]
    factory: Factory | None


def timm_dir() -> Path | None:
    """The installed timm package's folder, found without importing it."""
    try:
        spec = importlib.util.find_spec("timm")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        if (Path(location) / "scheduler" / "__init__.py").is_file():
            return Path(location)
    return None


def installed() -> bool:
    try:
        return importlib.util.find_spec("timm") is not None
    except (ImportError, ValueError):
        return False


@functools.lru_cache(maxsize=1)
def timm_schedulers() -> Timm | None:
    """The installed timm's schedulers (read statically, else from the loaded package), or
    None when it is not installed or cannot be read."""
    root = timm_dir()
    if root is None:
        return None
    try:
        info = read_static(root)
        if info.classes:
            return info
    except (SyntaxError, ValueError, KeyError, OSError, LrvizError):
        pass
    try:
        return read_dynamic()
    except Exception:  # a broken install: listed with what to do, never a crash in `lrviz list`
        return None


# Reading timm's source --------------------------------------------------------------------


def _exports(init: ast.Module) -> list[tuple[str, str]]:
    """(module, name) for each ``from .module import Name`` of ``timm/scheduler/__init__.py``."""
    out = []
    for node in init.body:
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
            out += [(node.module, alias.asname or alias.name) for alias in node.names]
    return out


def _is_scheduler(cls: ast.ClassDef, known: set[str]) -> bool:
    return any(ast.unparse(base).split(".")[-1] in ({BASE_CLASS} | known) for base in cls.bases)


def feeds_metric(fn: ast.FunctionDef | None) -> bool:
    """Whether a ``step`` method passes its ``metric`` on to a call (PlateauLRScheduler's
    ``self.lr_scheduler.step(metric)``), rather than only storing it."""
    if fn is None:
        return False
    for node in ast.walk(fn):
        if isinstance(node, ast.Call) and any(isinstance(a, ast.Name) and a.id == "metric" for a in node.args):
            return True
    return False


def _method(cls: ast.ClassDef, name: str) -> ast.FunctionDef | None:
    return next((n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == name), None)


def name_tables(tree: ast.Module) -> dict[str, tuple[str, ...]]:
    """A module's tuples of names, by the parameter they list: ``_DECAY_FNS = ('linear',
    ...)`` lists the values of ``decay_fn``."""
    out: dict[str, tuple[str, ...]] = {}
    for node in tree.body:
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)):
            continue
        match = re.fullmatch(r"_([A-Z][A-Z0-9_]*)S", node.targets[0].id)
        if match is None:
            continue
        try:
            value = ast.literal_eval(node.value)
        except ValueError:
            continue
        if isinstance(value, tuple) and value and all(isinstance(v, str) for v in value):
            out[match.group(1).lower()] = value
    return out


def _class_of(tree: ast.Module, module: str, cls: ast.ClassDef) -> SchedulerClass:
    init = _method(cls, "__init__")
    if init is None:
        raise ValueError(f"{cls.name} has no __init__")
    doc = ast.get_docstring(cls) or ""
    params = introspect.params_from_ast(init.args, introspect.parse_args_section(doc), drop=1)
    tables = name_tables(tree)
    choices = tuple((p.name, tables[p.name]) for p in params if p.name in tables)
    return SchedulerClass(cls.name, module, doc, params, feeds_metric(_method(cls, "step")), choices)


def read_static(root: Path) -> Timm:
    """timm's schedulers from its source, without importing it."""
    folder = root / "scheduler"
    exports = _exports(ast.parse((folder / "__init__.py").read_text(encoding="utf-8")))
    trees: dict[str, ast.Module] = {}

    def tree_of(module: str) -> ast.Module:
        if module not in trees:
            trees[module] = ast.parse((folder / f"{module}.py").read_text(encoding="utf-8"))
        return trees[module]

    classes: list[SchedulerClass] = []
    factory: Factory | None = None
    for module, name in exports:
        tree = tree_of(module)
        node = next((n for n in tree.body if isinstance(n, (ast.ClassDef, ast.FunctionDef)) and n.name == name), None)
        if isinstance(node, ast.ClassDef) and _is_scheduler(node, {c.name for c in classes}):
            classes.append(_class_of(tree, module, node))
        elif isinstance(node, ast.FunctionDef) and name == FACTORY:
            factory = factory_of(node)
    return Timm(introspect.static_version(root / "version.py", "timm"), tuple(classes), factory)


def factory_of(fn: ast.FunctionDef) -> Factory:
    """``create_scheduler_v2``: its parameters, and for each ``sched`` name it handles, the
    class it builds and the parameters that matter for it: those its docstring does not
    restrict to other names, and, of those the function reads only inside the ``if sched
    == ...`` branches, those its branch reads."""
    doc = ast.get_docstring(fn) or ""
    params = introspect.params_from_ast(fn.args, introspect.parse_args_section(doc))
    chain, branches = _branches(fn)
    names = [name for names, _, _ in branches for name in names]
    outside = _names_read([stmt for stmt in fn.body if stmt is not chain])
    scheds = []
    for names_, target, body in branches:
        inside = _names_read(body)
        for name in names_:
            used = tuple(
                p.name
                for p in params[1:]
                if p.name != "sched" and name in _applies_to(p.help, names) and (p.name in outside or p.name in inside)
            )
            scheds.append(Sched(name, target, used))
    return Factory(fn.name, doc, params, tuple(scheds))


def _names_read(nodes: list[ast.stmt]) -> set[str]:
    return {n.id for node in nodes for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _applies_to(help_text: str, names: list[str]) -> set[str]:
    """The names a parameter's help restricts it to: its parentheses that hold nothing but
    names (``cycle length multiplier (cosine, tanh, poly)``), else every name."""
    found: set[str] = set()
    for group in re.findall(r"\(([^()]*)\)", help_text):
        words = [w.strip() for w in re.split(r"[,/]", group) if w.strip() and w.strip() != "deprecated"]
        if words and all(w in names for w in words):
            found.update(words)
    return found or set(names)


def _sched_names(test: ast.expr) -> list[str]:
    """``sched == 'cosine'`` or ``sched in ('wsd', 'rsqrt')``."""
    if not (isinstance(test, ast.Compare) and isinstance(test.left, ast.Name) and test.left.id == "sched"):
        return []
    if len(test.ops) != 1:
        return []
    op, right = test.ops[0], test.comparators[0]
    if isinstance(op, ast.Eq) and isinstance(right, ast.Constant) and isinstance(right.value, str):
        return [right.value]
    if isinstance(op, ast.In) and isinstance(right, (ast.Tuple, ast.List, ast.Set)):
        return [e.value for e in right.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    return []


def _built_class(body: list[ast.stmt]) -> str | None:
    """The class a branch assigns: ``lr_scheduler = CosineLRScheduler(...)``."""
    for node in body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            func = node.value.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name and name[0].isupper():
                return name
    return None


def _branches(fn: ast.FunctionDef) -> tuple[ast.If, list[tuple[list[str], str, list[ast.stmt]]]]:
    """The ``if sched == ...: lr_scheduler = Class(...)`` chain, and (names, class, body) per
    branch."""
    for stmt in fn.body:
        if not isinstance(stmt, ast.If) or not _sched_names(stmt.test):
            continue
        out: list[tuple[list[str], str, list[ast.stmt]]] = []
        node: ast.stmt | None = stmt
        while isinstance(node, ast.If):
            names, target = _sched_names(node.test), _built_class(node.body)
            if names and target:
                out.append((names, target, node.body))
            node = node.orelse[0] if len(node.orelse) == 1 else None
        return stmt, out
    raise ValueError(f"{fn.name} has no 'if sched == ...' chain")


def read_dynamic() -> Timm:
    """The same information, from the loaded ``timm.scheduler`` (the slow, sure way)."""
    package = scheduler_package()
    base = package.scheduler.Scheduler
    classes: list[SchedulerClass] = []
    factory: Factory | None = None
    for name, value in vars(package).items():
        if isinstance(value, type) and issubclass(value, base) and value is not base:
            doc = inspect.cleandoc(value.__doc__ or "")
            docs = introspect.parse_args_section(doc)
            params = introspect.params_from_signature(inspect.signature(value).parameters.values(), docs)
            module = getattr(package, value.__module__.split(".")[-1])
            tables = name_tables(ast.parse(inspect.getsource(module)))
            step = _source_def(vars(value)["step"]) if "step" in vars(value) else None
            classes.append(
                SchedulerClass(
                    name,
                    value.__module__.split(".")[-1],
                    doc,
                    params,
                    feeds_metric(step),
                    tuple((p.name, tables[p.name]) for p in params if p.name in tables),
                )
            )
        elif name == FACTORY and callable(value):
            factory = factory_of(_source_def(value))
    root = Path(str(package.__file__)).parent.parent
    return Timm(introspect.static_version(root / "version.py", "timm"), tuple(classes), factory)


def _source_def(fn: Any) -> ast.FunctionDef:
    node = ast.parse(textwrap.dedent(inspect.getsource(fn))).body[0]
    if not isinstance(node, ast.FunctionDef):
        raise ValueError(f"{fn} is not a function")
    return node


# Loading timm.scheduler alone ----------------------------------------------------------------

_LOADING = threading.Lock()


@functools.lru_cache(maxsize=1)
def scheduler_package() -> types.ModuleType:
    """``timm.scheduler``, loaded without running ``timm/__init__.py`` (see the module's
    docstring); the one already imported when timm itself is."""
    loaded = sys.modules.get("timm.scheduler")
    if loaded is not None and hasattr(loaded, FACTORY):
        return loaded
    root = timm_dir()
    if root is None:
        raise LrvizError("timm is not installed", "pip install 'lrviz[timm]'")
    with _LOADING:
        saved = {name: module for name, module in sys.modules.items() if name == "timm" or name.startswith("timm.")}
        stand_in = types.ModuleType("timm", "A stand-in for timm: lrviz loads timm.scheduler without timm's models.")
        stand_in.__path__ = [str(root)]
        stand_in.__spec__ = importlib.machinery.ModuleSpec("timm", None, is_package=True)
        stand_in.__spec__.submodule_search_locations = [str(root)]
        for name in saved:
            del sys.modules[name]
        sys.modules["timm"] = stand_in
        try:
            package = importlib.import_module("timm.scheduler")
        except Exception as exc:
            raise LrvizError(
                f"loading timm.scheduler from {root} failed: {type(exc).__name__}: {exc}",
                "pip install -U 'lrviz[timm]'",
            ) from None
        finally:
            for name in [n for n in sys.modules if n == "timm" or n.startswith("timm.")]:
                del sys.modules[name]
            sys.modules.update(saved)
    return package
