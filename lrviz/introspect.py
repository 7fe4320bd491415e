"""What torch's schedulers are, read from torch itself without importing it.

``lrviz list``, ``describe`` and ``--help`` must answer instantly, and importing torch
takes seconds. So the signatures and docstrings of ``torch.optim.lr_scheduler`` are read
statically: the module's source is located with :func:`importlib.util.find_spec` (which
does not execute torch) and parsed with :mod:`ast`. If that ever fails on a future torch
layout, the same information is read by importing torch and using :mod:`inspect`; the
tests check that both readings agree.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
import inspect
import operator
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import LrvizError, install_command

MISSING: Any = inspect.Parameter.empty
"""Marks a parameter with no default (a required parameter)."""

_BASE_CLASSES = {"LRScheduler", "_LRScheduler"}


@dataclass(frozen=True)
class ParamInfo:
    name: str
    annotation: str  # the annotation's source text, "" when there is none
    default: Any = MISSING  # the default value, MISSING when required
    default_text: str = ""  # the default as written in torch's source
    doc_type: str = ""  # the type named in the docstring, e.g. "float or list"
    help: str = ""  # one paragraph of help, from the docstring

    @property
    def required(self) -> bool:
        return self.default is MISSING


@dataclass(frozen=True)
class ClassInfo:
    name: str
    summary: str
    doc: str
    params: tuple[ParamInfo, ...] = field(default_factory=tuple)


def static_version(version_file: Path, distribution: str) -> str:
    """A package's version from its ``__version__ = "..."`` line in ``version_file``, read
    without importing it; else from its installed metadata; else empty."""
    try:
        match = re.search(r"""^__version__\s*=\s*['"]([^'"]+)['"]""", version_file.read_text(), re.M)
    except OSError:
        match = None
    if match:
        return match.group(1)
    from importlib import metadata

    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return ""


def _strip_rst(text: str) -> str:
    text = re.sub(r":\w+:`([^`]*)`", r"\1", text)  # :math:`x` -> x
    text = re.sub(r"``([^`]*)``", r"\1", text)
    text = re.sub(r"`([^`<]*?)\s*(<[^>]*>)?`_?", r"\1", text)
    return " ".join(text.split())


def summary_of(doc: str) -> str:
    """The first sentence of a docstring, on one line."""
    first_paragraph = doc.strip().split("\n\n")[0]
    text = _strip_rst(first_paragraph)
    match = re.match(r"(.+?\.)(\s|$)", text)
    return match.group(1) if match else text


_ARG_LINE = re.compile(r"^(\s*)(\*{0,2}\w+)\s*(?:\(([^)]*)\))?\s*:\s?(.*)$")


def parse_args_section(doc: str) -> dict[str, tuple[str, str]]:
    """Map parameter name -> (type named in the docstring, help) from a Google-style
    ``Args:`` section."""
    lines = doc.expandtabs().splitlines()
    out: dict[str, tuple[str, str]] = {}
    start = None
    for i, line in enumerate(lines):
        if line.strip() in ("Args:", "Arguments:", "Parameters:"):
            start = i
            break
    if start is None:
        return out
    header_indent = len(lines[start]) - len(lines[start].lstrip())
    entry_indent: int | None = None
    current: str | None = None
    doc_type = ""
    buf: list[str] = []

    def flush() -> None:
        if current is not None:
            out[current] = (doc_type, " ".join(buf))

    for line in lines[start + 1 :]:
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        if indent <= header_indent:
            break
        match = _ARG_LINE.match(line)
        if match and (entry_indent is None or indent == entry_indent):
            entry_indent = indent
            flush()
            current, doc_type, first = match.group(2), match.group(3) or "", match.group(4)
            buf = [first.strip()]
        elif current is not None:
            buf.append(line.strip())
    flush()
    return out


def clean_help(text: str) -> str:
    """Help text for one parameter, with the trailing ``Default: x`` removed (lrviz
    shows the real default next to it)."""
    text = _strip_rst(text)
    text = re.sub(r"\s*Default\s*:.*$", "", text)
    return text.strip()


def _literal(node: ast.expr) -> Any:
    """The value of a default written in torch's source: literals and constant
    arithmetic such as ``1.0 / 3``."""
    try:
        return ast.literal_eval(node)
    except ValueError:
        pass
    if isinstance(node, ast.BinOp):
        left, right = _literal(node.left), _literal(node.right)
        ops: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
            ast.Add: operator.add,
            ast.Sub: operator.sub,
            ast.Mult: operator.mul,
            ast.Div: operator.truediv,
        }
        for op_type, fn in ops.items():
            if isinstance(node.op, op_type):
                return fn(left, right)
    raise ValueError(f"not a literal: {ast.unparse(node)}")


def _scheduler_class_names(tree: ast.Module) -> list[str]:
    """Public scheduler classes, in the order of the module's ``__all__``."""
    classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    exported: list[str] | None = None
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            exported = list(ast.literal_eval(node.value))

    def is_scheduler(name: str, seen: frozenset[str] = frozenset()) -> bool:
        cls = classes.get(name)
        if cls is None or name in seen:
            return False
        for base in cls.bases:
            base_name = ast.unparse(base).split(".")[-1]
            if base_name in _BASE_CLASSES or is_scheduler(base_name, seen | {name}):
                return True
        return False

    names = exported if exported is not None else list(classes)
    return [n for n in names if n in classes and n not in _BASE_CLASSES and not n.startswith("_") and is_scheduler(n)]


def params_from_ast(args: ast.arguments, docs: dict[str, tuple[str, str]], *, drop: int = 0) -> tuple[ParamInfo, ...]:
    """The parameters of a ``def`` read from its AST (``*args``/``**kwargs`` left out),
    with types and help from its docstring's ``Args:`` section (see
    :func:`parse_args_section`); ``drop`` leading parameters are skipped (``self``)."""
    positional = [*args.posonlyargs, *args.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults))
    defaults += list(args.defaults)
    pairs = list(zip(positional, defaults, strict=True))[drop:]
    pairs += list(zip(args.kwonlyargs, args.kw_defaults, strict=True))
    params = []
    for arg, default in pairs:
        doc_type, help_text = docs.get(arg.arg, ("", ""))
        params.append(
            ParamInfo(
                name=arg.arg,
                annotation=ast.unparse(arg.annotation) if arg.annotation else "",
                default=MISSING if default is None else _literal(default),
                default_text="" if default is None else ast.unparse(default),
                doc_type=doc_type,
                help=clean_help(help_text),
            )
        )
    return tuple(params)


def params_from_signature(
    parameters: Iterable[inspect.Parameter], docs: dict[str, tuple[str, str]]
) -> tuple[ParamInfo, ...]:
    """The same as :func:`params_from_ast`, from an imported callable's signature."""
    params = []
    for p in parameters:
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        doc_type, help_text = docs.get(p.name, ("", ""))
        annotation = p.annotation if p.annotation is not p.empty else ""
        params.append(
            ParamInfo(
                name=p.name,
                annotation=annotation if isinstance(annotation, str) else inspect.formatannotation(annotation),
                default=p.default,
                default_text="" if p.default is p.empty else repr(p.default),
                doc_type=doc_type,
                help=clean_help(help_text),
            )
        )
    return tuple(params)


def _class_info_from_ast(cls: ast.ClassDef) -> ClassInfo:
    doc = ast.get_docstring(cls) or ""
    docs = parse_args_section(doc)
    init = next(
        (n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"),
        None,
    )
    if init is None:
        raise ValueError(f"{cls.name} has no __init__")
    return ClassInfo(cls.name, summary_of(doc), doc, params_from_ast(init.args, docs, drop=1))


def torch_source() -> Path | None:
    """Path of the installed torch's ``optim/lr_scheduler.py``, found without importing torch."""
    try:
        spec = importlib.util.find_spec("torch")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        path = Path(location) / "optim" / "lr_scheduler.py"
        if path.is_file():
            return path
    return None


def torch_version() -> str | None:
    """The installed torch's version string, read without importing torch."""
    source = torch_source()
    if source is None:
        return None
    version_file = source.parent.parent / "version.py"
    try:
        match = re.search(r"""__version__\s*=\s*['"]([^'"]+)['"]""", version_file.read_text())
    except OSError:
        return None
    return match.group(1) if match else None


def read_static(path: Path) -> list[ClassInfo]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    return [_class_info_from_ast(classes[name]) for name in _scheduler_class_names(tree)]


def read_dynamic() -> list[ClassInfo]:
    """The same information, from the imported module (the slow, sure way)."""
    from torch.optim import lr_scheduler

    infos = []
    names = getattr(lr_scheduler, "__all__", dir(lr_scheduler))
    for name in names:
        cls = getattr(lr_scheduler, name, None)
        if (
            not isinstance(cls, type)
            or name in _BASE_CLASSES
            or name.startswith("_")
            or not issubclass(cls, lr_scheduler.LRScheduler)
        ):
            continue
        doc = inspect.getdoc(cls) or ""
        params = params_from_signature(inspect.signature(cls).parameters.values(), parse_args_section(doc))
        infos.append(ClassInfo(name, summary_of(doc), doc, params))
    return infos


@functools.lru_cache(maxsize=1)
def torch_schedulers() -> tuple[ClassInfo, ...]:
    """Every public scheduler class of the installed torch, in torch's order."""
    path = torch_source()
    if path is None:
        command = install_command("torch")
        raise LrvizError(
            "PyTorch is not installed",
            f"install it first: {command} (on a CPU-only machine: {command} "
            "--index-url https://download.pytorch.org/whl/cpu)",
        )
    try:
        infos = read_static(path)
        if infos:
            return tuple(infos)
    except (SyntaxError, ValueError, OSError):
        pass
    return tuple(read_dynamic())
