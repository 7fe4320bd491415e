"""Command-line values to Python values without pydantic, and clearer messages when they are wrong.

typer (from 0.29) converts every option of the command being run with a pydantic
``TypeAdapter``: importing pydantic and building the adapters costs about 75 ms of every
``lrviz`` command, more than lrviz's own work for a table. lrviz's options are all of a few
plain kinds (text, whole numbers and numbers with optional bounds, paths, choices, and lists
of these), which are converted here; anything else is left to typer, as before. The rules
are the ones typer applied: surrounding spaces are ignored, ``2.0`` is the whole number 2,
and a path is checked with typer's own function. The messages are lrviz's ("'abc' is not a
whole number") instead of pydantic's ("Input should be a valid integer, unable to parse
string as an integer").
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, get_args, get_origin

from typer._click.exceptions import BadParameter
from typer._coercion import RuntimeParam
from typer._param_types import coerce_cli_choice, coerce_cli_path
from typer.core import _TyperParameter

from lrviz.errors import did_you_mean

SHOWN = 40
"""At most this many characters of a wrong value are quoted in its message."""


def _shown(value: Any) -> str:
    text = str(value)
    return repr(text if len(text) <= SHOWN else text[: SHOWN - 1] + "…")


def _whole(text: str) -> int:
    stripped = text.strip()
    try:
        return int(stripped)
    except ValueError:
        if re.fullmatch(r"[+-]?\d[\d_]*", stripped):  # digits past Python's limit for reading them
            raise ValueError(f"{_shown(text)} is too large a number") from None
    try:
        number = float(stripped)
    except ValueError:
        number = math.nan
    if math.isfinite(number) and number.is_integer():
        return int(number)
    raise ValueError(f"{_shown(text)} is not a whole number")


def _number(text: str) -> float:
    try:
        return float(text.strip())
    except ValueError:
        raise ValueError(f"{_shown(text)} is not a number") from None


def _flag(text: Any) -> bool:
    word = str(text).strip().lower()
    if word in ("1", "true", "t", "yes", "y", "on"):
        return True
    if word in ("0", "false", "f", "no", "n", "off"):
        return False
    raise ValueError(f"{_shown(text)} is not true or false")


@dataclass(frozen=True)
class PlainValue(RuntimeParam):
    """One of lrviz's plain kinds of option value (see :func:`plain_kind`)."""

    kind: type

    def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
        if isinstance(value, (list, tuple)):
            return type(value)(self._one(item, param, ctx) for item in value)
        return self._one(value, param, ctx)

    def _one(self, value: Any, param: Any, ctx: Any) -> Any:
        kind, info = self.kind, self.parameter_info
        if kind is Path:
            return coerce_cli_path(
                value if isinstance(value, Path) else Path(value), info, path_type=Path, param=param, ctx=ctx
            )
        if issubclass(kind, Enum):
            try:
                return coerce_cli_choice(value, choices=tuple(kind), case_sensitive=info.case_sensitive, ctx=ctx)
            except ValueError as exc:
                hint = did_you_mean(str(value), [str(c.value) for c in kind])
                text = str(exc).rstrip(".")
                raise BadParameter(f"{text}; {hint}" if hint else text, ctx=ctx, param=param) from None
        if kind is str or (isinstance(value, kind) and not isinstance(value, bool)):
            return value
        try:
            if kind is bool:
                return value if isinstance(value, bool) else _flag(value)
            number = _whole(value) if kind is int else _number(value)
        except ValueError as exc:
            raise BadParameter(str(exc), ctx=ctx, param=param) from None
        if info.min is not None and not number >= info.min:  # nan is no number in range either
            raise BadParameter(f"{_shown(value)} is less than {info.min}, the least it can be", ctx=ctx, param=param)
        if info.max is not None and not number <= info.max:
            raise BadParameter(f"{_shown(value)} is more than {info.max}, the most it can be", ctx=ctx, param=param)
        return number


def plain_kind(annotation: Any, info: Any) -> type | None:
    """The plain kind of an option's values (str, int, float, Path or an Enum, alone or in
    a list), or None when typer must convert it (a parser, clamping, a file, a path that
    must exist, any other type)."""
    if info.parser is not None or info.clamp or getattr(info, "path_type", None) is not None:
        return None
    if get_origin(annotation) is list:
        (annotation,) = get_args(annotation) or (None,)
    if annotation in (str, int, float, bool):
        return annotation  # type: ignore[no-any-return]
    if annotation is Path:
        checks = ("exists", "resolve_path", "readable", "writable", "allow_dash")
        defaults = {"exists": False, "resolve_path": False, "readable": True, "writable": False, "allow_dash": False}
        if any(getattr(info, name, defaults[name]) != defaults[name] for name in checks):
            return None
        if not getattr(info, "file_okay", True) or not getattr(info, "dir_okay", True):
            return None
        return Path
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return annotation
    return None


_typer_runtime = _TyperParameter.get_runtime_param


def _runtime_param(self: Any) -> Any:
    if self._runtime_param is None:
        descriptor = self.type_descriptor
        kind = (
            None
            if descriptor.file_annotation is not None
            else plain_kind(descriptor.annotation, descriptor.parameter_info)
        )
        if kind is not None:
            self._runtime_param = PlainValue(descriptor.parameter_info, descriptor.annotation, kind)
    return _typer_runtime(self)


def install() -> None:
    """Convert lrviz's options here instead of through pydantic (see the module's text)."""
    _TyperParameter.get_runtime_param = _runtime_param  # type: ignore[method-assign]
