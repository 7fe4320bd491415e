"""The schedule language: text -> a validated :class:`Spec`.

Three ways of naming a schedule reach the same Spec, so they give identical traces:

* a bare name: ``cycliclr`` (every parameter at its default; required ones must be given);
* a constructor call, as written in training code:
  ``lr_scheduler.CyclicLR(optimizer, base_lr=0.1, max_lr=0.2)`` (positional arguments in
  torch's order, the optimizer argument recognised and supplied by lrviz, nested calls for
  composites, ``lambda epoch: ...`` for LambdaLR-style functions);
* named options from the CLI: ``--base-lr 0.1`` (each option's text is parsed with the
  same value language as the call's arguments, see :func:`from_options`).

Values are interpreted by :mod:`lrviz.safe_expr`; nothing is evaluated as Python.
"""

from __future__ import annotations

import ast
import contextvars
import math
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from . import registry
from .errors import LrvizError, did_you_mean
from .safe_expr import CONSTANTS, MAX_SPEC_LENGTH, LambdaExpr, SpecError, constant
from .schedule import Entry, Kind, Param, Spec, ordered

__all__ = ["Spec", "check_required", "coerce", "from_options", "from_values", "parse", "parse_value", "with_args"]


# --------------------------------------------------------------------------------------
# Parsing


def parse(text: str, *, require: bool = True) -> Spec:
    """Parse a spec string: a schedule name or a constructor call. ``require=False``
    leaves the check for required parameters to the caller (options may add them)."""
    source = text.strip()
    if not source:
        raise LrvizError("the schedule is empty", "name one, e.g. 'cycliclr' or 'StepLR(step_size=30)'")
    if len(source) > MAX_SPEC_LENGTH:
        raise LrvizError(f"the spec is {len(source)} characters long; the limit is {MAX_SPEC_LENGTH}")
    with _special_names(source) as text:
        node = _parse_expression(text)
        if isinstance(node, (ast.Name, ast.Attribute)):
            dotted = _dotted(node)
            if dotted is None:
                raise SpecError("expected a schedule name or call", source, node)
            entry = _find(dotted)
            if entry is None:
                raise registry.unknown_schedule(dotted)
            entry.require()
            spec = Spec(entry, {})
            if require:
                check_required(spec)
            return spec
        if not isinstance(node, ast.Call):
            raise SpecError(
                "expected a schedule name or a call such as 'StepLR(step_size=30)'",
                source,
                node,
            )
        return _call(node, source, require=require)


# --------------------------------------------------------------------------------------
# Names that are not Python (a user's ``module.path:Class``, say): a family points them out
# (registry.name_spans) and each is swapped for a placeholder identifier of the same length
# (error columns stay right) while the text is parsed as Python.

_NAMES: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar("lrviz_spec_names", default=None)


@contextmanager
def _special_names(source: str) -> Iterator[str]:
    text, names = _substitute_names(source)
    token = _NAMES.set({**(_NAMES.get() or {}), **names})
    try:
        yield text
    finally:
        _NAMES.reset(token)


def _substitute_names(source: str) -> tuple[str, dict[str, str]]:
    """``source`` with every span a family names replaced by a placeholder, and the
    placeholders' meanings."""
    spans = registry.name_spans(source)
    if not spans:
        return source, {}
    names: dict[str, str] = {}
    out = []
    last = 0
    for n, (a, b) in enumerate(spans):
        placeholder = f"_{n}_".ljust(b - a, "_")  # as long as the name: error columns stay right
        names[placeholder] = source[a:b]
        out.append(source[last:a])
        out.append(placeholder)
        last = b
    out.append(source[last:])
    return "".join(out), names


def _find(dotted: str) -> Entry | None:
    name = (_NAMES.get() or {}).get(dotted)
    return registry.find(name if name is not None else dotted)


def schedule_head(text: str) -> str:
    """The schedule name a spec text starts with: ``CyclicLR`` of ``"CyclicLR(base_lr=0.1)"``
    or of a pasted ``"scheduler = lr_scheduler.CyclicLR(...)"`` (prefix kept)."""
    head = text.strip().split("(", 1)[0].strip()
    if "=" in head:
        head = head.split("=", 1)[1].strip()
    return head


def looks_like_schedule(text: str) -> bool:
    """Whether ``text`` starts with a schedule name (or ``module:Class``), without importing
    anything: for telling schedules from option values on a command line."""
    return registry.claims(schedule_head(text))


def _parse_expression(source: str) -> ast.expr:
    """The expression in ``source``; a pasted ``scheduler = ...`` line is accepted."""
    if "\0" in source:
        raise LrvizError(f"the spec holds a NUL character at column {source.index(chr(0)) + 1}")
    try:
        return ast.parse(source, mode="eval").body
    except SyntaxError:
        pass
    except (RecursionError, MemoryError):
        raise LrvizError("the spec is nested too deeply") from None
    try:
        module = ast.parse(source, mode="exec")
    except (RecursionError, MemoryError):
        raise LrvizError("the spec is nested too deeply") from None
    except SyntaxError as exc:
        col = f" at column {exc.offset}" if exc.offset else ""
        raise LrvizError(
            f"cannot read the spec{col}: {exc.msg}",
            "write a schedule name or a call such as 'StepLR(step_size=30, gamma=0.5)'",
        ) from None
    if len(module.body) == 1:
        stmt = module.body[0]
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            return stmt.value
        if isinstance(stmt, ast.Expr):
            return stmt.value
    raise LrvizError("a spec is one expression, not statements", "write e.g. 'StepLR(step_size=30)'")


def _dotted(node: ast.expr) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def _is_placeholder(node: ast.expr) -> bool:
    """An identifier standing for the user's optimizer (``optimizer``, ``opt``,
    ``self.optimizer``): any plain name or dotted name that is not a constant."""
    dotted = _dotted(node)
    if dotted is None:
        return False
    return dotted not in CONSTANTS and not dotted.startswith("math.") and _find(dotted) is None


def _call(node: ast.Call, source: str, *, require: bool = True) -> Spec:
    dotted = _dotted(node.func)
    if dotted is None:
        raise SpecError("expected a schedule name before '('", source, node.func)
    rewritten = registry.rewrite_call(node, source)
    entry: Entry | None = None
    if rewritten is not None:
        node, entry = rewritten
        dotted = _dotted(node.func) or dotted
    try:
        entry = entry or _find(dotted)
    except SpecError:
        raise
    except LrvizError as exc:
        raise SpecError(exc.message, source, node.func, exc.hint) from None
    if entry is None:
        err = registry.unknown_schedule(dotted)
        raise SpecError(err.message, source, node.func, err.hint)
    entry.require()
    params = list(entry.params)
    args: dict[str, Any] = {}
    optimizer_given: set[str] = set()
    index = 0
    for arg in node.args:
        if isinstance(arg, ast.Starred):
            raise SpecError("'*' unpacking is not allowed", source, arg)
        consumed = False
        while index < len(params) and params[index].kind == Kind.OPTIMIZER:
            param = params[index]
            index += 1
            if _is_placeholder(arg) or (param.nullable and isinstance(arg, ast.Constant) and arg.value is None):
                consumed = True  # this argument is the user's optimizer; lrviz supplies its own
                optimizer_given.add(param.name)
                break
        if consumed:
            continue
        if index >= len(params):
            raise SpecError(
                f"{entry.name} takes at most {len(entry.user_params)} positional "
                f"argument{'s' if len(entry.user_params) != 1 else ''} besides the optimizer "
                f"({', '.join(p.name for p in entry.user_params)})",
                source,
                arg,
            )
        param = params[index]
        index += 1
        args[param.name] = convert(arg, param, source, entry)
    for kw in node.keywords:
        if kw.arg is None:
            raise SpecError("'**' unpacking is not allowed", source, kw.value)
        param = _find_param(entry, kw.arg, source, kw)
        if param.name in args or param.name in optimizer_given:
            raise SpecError(f"{param.name} is given twice", source, kw)
        if param.kind == Kind.OPTIMIZER:
            if _is_placeholder(kw.value) or (isinstance(kw.value, ast.Constant) and kw.value.value is None):
                optimizer_given.add(param.name)
                continue
            raise SpecError(f"'{param.name}' is the optimizer, which lrviz supplies", source, kw.value)
        args[param.name] = convert(kw.value, param, source, entry)
    spec = Spec(entry, ordered(entry, args))
    if require:
        check_required(spec)
    return spec


def _find_param(entry: Entry, name: str, source: str = "", node: ast.AST | None = None) -> Param:
    param = entry.param(name)
    if param is None:
        # torch's names are case-sensitive (T_max); accept any case, as the CLI does
        matches = [p for p in entry.params if p.name.lower() == name.lower().replace("-", "_")]
        if matches:
            return matches[0]
        hint = did_you_mean(name, [p.name for p in entry.user_params])
        message = f"{entry.name} has no parameter '{name}'"
        if not hint:
            hint = f"its parameters are {', '.join(p.name for p in entry.user_params)}"
        raise SpecError(message, source, node, hint)
    return param


def check_required(spec: Spec) -> None:
    missing = [p for p in spec.entry.required if p.name not in spec.args]
    if missing:
        names = ", ".join(p.name for p in missing)
        options = " ".join(f"{p.option} ..." for p in missing)
        example = spec.entry.example
        hint = f"e.g. {example}" if example else f"pass {options}"
        raise LrvizError(f"{spec.entry.name} needs {names}", hint)


# --------------------------------------------------------------------------------------
# Values


def convert(node: ast.expr, param: Param, source: str, entry: Entry) -> Any:
    """The value of an argument, checked against its parameter's kind."""
    kind = param.kind
    where = f"{entry.name}({param.name}=...)"
    if param.nullable and isinstance(node, ast.Constant) and node.value is None:
        return None
    if kind == Kind.SCHEDULERS:
        if not isinstance(node, (ast.List, ast.Tuple)):
            raise SpecError(
                f"{param.name} is a list of schedules, e.g. [LinearLR(...), ExponentialLR(gamma=0.9)]",
                source,
                node,
            )
        children = []
        for elt in node.elts:
            if isinstance(elt, ast.Call):
                children.append(_call(elt, source))
            elif _dotted(elt) is not None and _find(_dotted(elt) or "") is not None:
                raise SpecError("call the schedule, e.g. 'StepLR(step_size=30)'", source, elt)
            else:
                raise SpecError(f"{param.name} holds schedule calls only", source, elt)
        return children
    if kind in (Kind.LAMBDA, Kind.LAMBDAS):
        if isinstance(node, ast.Lambda):
            fn = LambdaExpr.from_node(node, source)
            return fn
        if kind == Kind.LAMBDAS and isinstance(node, (ast.List, ast.Tuple)):
            return [convert(elt, Param(param.name, Kind.LAMBDA), source, entry) for elt in node.elts]
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return LambdaExpr.parse(node.value)
        raise SpecError(f"{param.name} is a function: write 'lambda epoch: ...'", source, node)
    if isinstance(node, ast.Call) and _find(_dotted(node.func) or "") is None:
        shown = ast.get_source_segment(source, node.func) or "this"
        raise SpecError(
            f"'{shown}' is not a schedule, and other calls are not allowed",
            source,
            node,
            "values are numbers, strings, lists, True/False/None, lambdas or schedule calls",
        )
    if isinstance(node, (ast.Call, ast.Lambda)):
        what = "a schedule call" if isinstance(node, ast.Call) else "a lambda"
        raise SpecError(f"{param.name} takes a {param.type_text}, not {what}", source, node)
    value = constant(node, source)
    try:
        return coerce(value, param)
    except LrvizError as exc:
        raise SpecError(f"{where}: {exc.message}", source, node, exc.hint) from None


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _to_int(value: Any, param: Param) -> int:
    if isinstance(value, bool) or not _is_number(value):
        raise LrvizError(f"{param.name} must be an integer, got {_short(value)}")
    if isinstance(value, float):
        if not value.is_integer():
            raise LrvizError(f"{param.name} must be an integer, got {_short(value)}")
        return int(value)
    return int(value)


def _to_float(value: Any, param: Param) -> float:
    if isinstance(value, bool) or not _is_number(value):
        raise LrvizError(f"{param.name} must be a number, got {_short(value)}")
    try:
        return float(value)
    except OverflowError:
        raise LrvizError(f"{param.name} is too large for a float") from None


def _short(value: Any) -> str:
    text = repr(value) if not isinstance(value, int) or value.bit_length() < 200 else "a huge integer"
    return text if len(text) <= 60 else text[:57] + "..."


def coerce(value: Any, param: Param) -> Any:
    """Check a constant against a parameter's kind; normalise ints/floats."""
    if value is None:
        if param.nullable:
            return None
        raise LrvizError(f"{param.name} cannot be None")
    kind = param.kind
    if kind == Kind.INT:
        return _to_int(value, param)
    if kind == Kind.NUMBER:
        # a whole number stays (or becomes) an int, as for INT; anything else finite as it is
        if isinstance(value, float) and math.isfinite(value) and not value.is_integer():
            return value
        return _to_int(value, param)
    if kind == Kind.FLOAT:
        return _to_float(value, param)
    if kind == Kind.FLOATS:
        if isinstance(value, list):
            if not value:
                raise LrvizError(f"{param.name} is an empty list")
            return [_to_float(v, param) for v in value]
        return _to_float(value, param)
    if kind == Kind.INTS:
        if _is_number(value):
            value = [value]
        if not isinstance(value, list):
            raise LrvizError(f"{param.name} must be a list of integers, e.g. [30, 80]")
        return [_to_int(v, param) for v in value]
    if kind == Kind.BOOL:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise LrvizError(f"{param.name} must be True or False, got {_short(value)}")
    if kind == Kind.STR:
        if not isinstance(value, str):
            raise LrvizError(f"{param.name} must be a string, got {_short(value)}")
        if param.choices and value not in param.choices:
            hint = did_you_mean(value, param.choices) or "choose one of " + ", ".join(repr(c) for c in param.choices)
            raise LrvizError(f"{param.name} must be one of {', '.join(param.choices)}, got {_short(value)}", hint)
        return value
    if kind == Kind.ANY:
        return value
    raise LrvizError(f"{param.name} cannot be given as {_short(value)}")


def parse_value(text: str, param: Param, entry: Entry) -> Any:
    """The value of one CLI option's text, in the same language as a call's arguments.

    Conveniences for the command line: strings need no quotes (``--mode triangular2``),
    lists need no brackets (``--milestones 30,80``), and a lambda may be given as its
    body alone (``--lr-lambda "0.95 ** epoch"``).
    """
    stripped = text.strip()
    if param.kind in (Kind.LAMBDA, Kind.LAMBDAS) and not stripped.startswith(("[", "(")):
        if param.nullable and stripped in ("None", "none"):
            return None
        return LambdaExpr.parse(stripped)
    if param.kind == Kind.SCHEDULERS:
        source = stripped if stripped.startswith(("[", "(")) else f"[{stripped}]"
        with _special_names(source) as text:
            return convert(_parse_option_expression(text, param), param, source, entry)
    if param.kind == Kind.STR and not stripped.startswith(("'", '"')):
        if param.nullable and stripped in ("None", "none"):
            return None
        return coerce(stripped, param)
    if param.kind == Kind.BOOL:
        if stripped.lower() in ("true", "false", "yes", "no", "1", "0", "on", "off"):
            return stripped.lower() in ("true", "yes", "1", "on")
        raise LrvizError(f"{param.option} must be True or False, got {stripped!r}")
    node = _parse_option_expression(stripped, param)
    return convert(node, param, stripped, entry)


def _parse_option_expression(text: str, param: Param) -> ast.expr:
    if len(text) > MAX_SPEC_LENGTH:
        raise LrvizError(f"{param.option} is longer than {MAX_SPEC_LENGTH} characters")
    if "\0" in text:
        raise LrvizError(f"{param.option} holds a NUL character")
    try:
        return ast.parse(text, mode="eval").body
    except (RecursionError, MemoryError):
        raise LrvizError(f"{param.option} is nested too deeply") from None
    except SyntaxError as exc:
        raise LrvizError(
            f"cannot read {param.option} {text!r}: {exc.msg}",
            f"it takes a {param.type_text}",
        ) from None


def from_options(name: str, options: Mapping[str, str], base: Spec | None = None) -> Spec:
    """A Spec from a schedule name and CLI option texts keyed by parameter name.
    ``base`` (a parsed call) supplies arguments the options do not override."""
    entry = base.entry if base is not None else registry.get(name)
    entry.require()
    args: dict[str, Any] = dict(base.args) if base is not None else {}
    for key, text in options.items():
        param = _find_param(entry, key)
        try:
            args[param.name] = parse_value(text, param, entry) if isinstance(text, str) else coerce(text, param)
        except SpecError as exc:
            raise LrvizError(f"{param.option}: {exc.message}", exc.hint) from None
    spec = Spec(entry, ordered(entry, args))
    check_required(spec)
    return spec


def with_args(spec: Spec, **args: Any) -> Spec:
    """A copy of ``spec`` with some arguments replaced (values already converted)."""
    merged = dict(spec.args)
    merged.update(args)
    return Spec(spec.entry, ordered(spec.entry, merged))


def from_values(name: str, values: Mapping[str, Any], base: Spec | None = None) -> Spec:
    """A Spec from a schedule name and typed values (a config file's ``args`` table):
    numbers, booleans and lists as they are; strings as option texts (``"lambda epoch:
    0.95 ** epoch"``, ``"triangular2"``); schedules as spec strings or tables with
    ``spec``/``name`` and ``args``. ``base`` supplies arguments the values do not override."""
    entry = base.entry if base is not None else registry.get(name)
    entry.require()
    args: dict[str, Any] = dict(base.args) if base is not None else {}
    for key, value in values.items():
        param = _find_param(entry, key)
        try:
            args[param.name] = _typed_value(value, param, entry)
        except SpecError as exc:
            raise LrvizError(f"{param.name}: {exc.message}", exc.hint) from None
        except LrvizError as exc:
            message = exc.message if exc.message.startswith(param.name) else f"{param.name}: {exc.message}"
            raise LrvizError(message, exc.hint) from None
    spec = Spec(entry, ordered(entry, args))
    check_required(spec)
    return spec


def _typed_value(value: Any, param: Param, entry: Entry) -> Any:
    if param.kind == Kind.SCHEDULERS:
        if not isinstance(value, list):
            if isinstance(value, str):
                return parse_value(value, param, entry)
            raise LrvizError(f'{param.name} is a list of schedules, e.g. ["LinearLR(total_iters=10)", ...]')
        children = []
        for item in value:
            if isinstance(item, str):
                children.append(parse(item))
            elif isinstance(item, Mapping):
                unknown = set(item) - {"spec", "name", "args"}
                if unknown:
                    raise LrvizError(
                        f"{param.name}: unknown key '{sorted(unknown)[0]}' in a schedule table",
                        "use spec, or name and args",
                    )
                text, name, args = item.get("spec"), item.get("name"), item.get("args") or {}
                if not isinstance(args, Mapping) or (text is None) == (name is None):
                    raise LrvizError(
                        f"{param.name}: each schedule is a spec string or a table with spec, or name and args"
                    )
                child_base = parse(str(text), require=False) if text is not None else None
                children.append(from_values(str(name or ""), args, base=child_base))
            else:
                raise LrvizError(f"{param.name} holds schedules (spec strings or tables), got {_short(item)}")
        return children
    if isinstance(value, str) and param.kind != Kind.STR:
        return parse_value(value, param, entry)
    if isinstance(value, list) and param.kind == Kind.LAMBDAS:
        return [
            parse_value(v, Param(param.name, Kind.LAMBDA), entry) if isinstance(v, str) else _bad_lambda(param)
            for v in value
        ]
    if param.kind in (Kind.LAMBDA, Kind.LAMBDAS):
        return _bad_lambda(param)
    if isinstance(value, float) and param.kind == Kind.STR:
        raise LrvizError(f"{param.name} must be a string, got {_short(value)}")
    return coerce(value, param)


def _bad_lambda(param: Param) -> Any:
    raise LrvizError(f'{param.name} is a function: write it as a string, "lambda epoch: 0.95 ** epoch"')
