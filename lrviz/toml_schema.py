"""TOML files lrviz reads (config files, gallery files): one reader, and one way of checking
a table's keys and values and of saying what is wrong.

Every error is one line that starts with the file and names the key by its full dotted
path in the file, items of an array of tables counted from 1::

    cfg.toml: schedule[2].steps must be a whole number, got 'ten'
    gallery.toml: unknown key 'figure[3].notes'; did you mean 'note'?
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import LrvizError, did_you_mean
from .files import MiB, read_text
from .safe_expr import MAX_LIST_ITEMS, MAX_SPEC_LENGTH

MAX_TOML_BYTES = 4 * MiB
"""The largest config or gallery file lrviz reads (lrviz's own gallery file is 30 kB)."""


def read_toml(path: str | Path, what: str) -> dict[str, Any]:
    """A TOML file's data; a missing, unreadable or invalid file is a one-line error, and so
    is anything that is not a regular file of at most :data:`MAX_TOML_BYTES`. ``what``
    names the file's kind in the error: "config file", "gallery file"."""
    text = read_text(Path(path), what, MAX_TOML_BYTES)
    return parse_toml(text, str(path))


def parse_toml(text: str, where: str) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib

    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LrvizError(f"{where} is not valid TOML: {exc}") from None
    except ValueError as exc:  # an integer of thousands of digits
        raise LrvizError(f"{where} cannot be read: {' '.join(str(exc).split(';')[0].split())}") from None
    except (RecursionError, MemoryError):
        raise LrvizError(f"{where} is nested too deeply to read") from None
    return data


def show(value: Any) -> str:
    """A value as an error quotes it: its repr, cut short."""
    text = repr(value)
    return text if len(text) <= 50 else text[:47] + "..."


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


_TYPE_NAMES = {str: "a string", bool: "true or false", int: "a whole number", float: "a number"}


@dataclass(frozen=True)
class Table:
    """A table of a TOML file, to be checked: its data, the file (as errors name it) and
    the table's dotted path in the file ("" at the top, ``schedule[1]``, ``figure[2]``)."""

    data: Mapping[str, Any]
    file: str
    path: str = ""

    def key(self, name: str) -> str:
        """The full dotted path of this table's key ``name``."""
        return f"{self.path}.{name}" if self.path else name

    def header(self, name: str) -> str:
        """How key ``name`` of this table is written as a TOML table header: ``schedule.args``
        for the ``args`` of ``schedule[1]``."""
        return ".".join(part.split("[")[0] for part in self.key(name).split("."))

    def error(self, problem: str, hint: str | None = None) -> LrvizError:
        """``FILE: problem``; the problem names its key with :meth:`key`."""
        return LrvizError(f"{self.file}: {problem}", hint)

    def wrap(self, exc: LrvizError, name: str | None = None) -> LrvizError:
        """An error found in the value of key ``name`` (in this whole table when None),
        said in the same line with the file and the key in front."""
        where = self.key(name) if name is not None else self.path
        return self.error(f"{where}: {exc.message}" if where else exc.message, exc.hint)

    def check_keys(self, allowed: Mapping[str, str]) -> None:
        """Refuse a key not in ``allowed``, suggesting the nearest."""
        for k in self.data:
            if k not in allowed:
                hint = did_you_mean(k, allowed) or "known keys: " + ", ".join(sorted(allowed))
                raise self.error(f"unknown key '{self.key(k)}'", hint)

    def get(self, name: str, kind: type) -> Any:
        """The value of ``name`` when it is of type ``kind`` (str, bool, int or float: true
        and false are not numbers), None when absent."""
        value = self.data.get(name)
        if value is None:
            return None
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            raise self.error(f"{self.key(name)} must be {_TYPE_NAMES[kind]}, got {show(value)}")
        return value

    def text(self, name: str) -> str | None:
        """A string of at most :data:`~lrviz.safe_expr.MAX_SPEC_LENGTH` characters, as on
        the command line."""
        value: str | None = self.get(name, str)
        if value is not None and len(value) > MAX_SPEC_LENGTH:
            raise self.error(f"{self.key(name)} is {len(value):,} characters long; the limit is {MAX_SPEC_LENGTH:,}")
        return value

    def check_sizes(self) -> None:
        """Refuse a string or list in this table (tables in it included) longer than the
        command line allows: :data:`~lrviz.safe_expr.MAX_SPEC_LENGTH` characters,
        :data:`~lrviz.safe_expr.MAX_LIST_ITEMS` items."""
        stack: list[tuple[str, Any]] = [(self.key(k), v) for k, v in self.data.items()]
        while stack:
            key, value = stack.pop()
            if isinstance(value, str) and len(value) > MAX_SPEC_LENGTH:
                raise self.error(f"{key} is {len(value):,} characters long; the limit is {MAX_SPEC_LENGTH:,}")
            if isinstance(value, list):
                if len(value) > MAX_LIST_ITEMS:
                    raise self.error(f"{key} holds {len(value):,} items; the limit is {MAX_LIST_ITEMS:,}")
                stack += [(f"{key}[{i + 1}]", v) for i, v in enumerate(value)]
            elif isinstance(value, Mapping):
                stack += [(f"{key}.{k}", v) for k, v in value.items()]

    def flag(self, name: str) -> bool | None:
        value: bool | None = self.get(name, bool)
        return value

    def whole(self, name: str, low: int = 0, high: int | None = None) -> int | None:
        """A whole number in [low, high] (8.0 counts as 8)."""
        value = self.data.get(name)
        if value is None:
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.error(f"{self.key(name)} must be a whole number, got {show(value)}")
        if value < low or (high is not None and value > high):
            bound = f"between {low} and {high}" if high is not None else f"at least {low}"
            raise self.error(f"{self.key(name)} must be {bound}, got {value}")
        return value

    def number(self, name: str) -> float | None:
        """A finite number, as a float."""
        value = self.data.get(name)
        if value is None:
            return None
        if not is_number(value) or not math.isfinite(value):
            raise self.error(f"{self.key(name)} must be a finite number, got {show(value)}")
        return float(value)

    def choice(self, name: str, choices: Sequence[str]) -> str | None:
        value = self.text(name)
        if value is not None and value not in choices:
            hint = did_you_mean(value, choices) or "choose " + " or ".join(choices)
            raise self.error(f"{self.key(name)} must be {' or '.join(choices)}, got {value!r}", hint)
        return value

    def table(self, name: str) -> Table | None:
        """The table under key ``name`` (``[gallery]``, ``[schedule.args]``), None when absent."""
        value = self.data.get(name)
        if value is None:
            return None
        if not isinstance(value, Mapping):
            raise self.error(
                f"{self.key(name)} must be a table, got {show(value)}",
                f"write it as [{self.header(name)}] with key = value lines",
            )
        return Table(value, self.file, self.key(name))

    def tables(self, name: str, hint: str | None = None) -> list[Table]:
        """The tables of the array ``[[name]]`` (a single ``[name]`` table counts as one),
        [] when absent."""
        value = self.data.get(name, [])
        if isinstance(value, Mapping):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
            raise self.error(f"{self.key(name)} must be [[{self.header(name)}]] tables", hint)
        return [Table(v, self.file, f"{self.key(name)}[{i + 1}]") for i, v in enumerate(value)]
