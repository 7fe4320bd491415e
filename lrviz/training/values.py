"""Values read from a training config: numbers as the frameworks take them, each refusal one
line naming the file and the key (shared by the config readers)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from lrviz.errors import LrvizError


def number(data: Mapping[str, Any], key: str, where: str, default: Any = None, *, whole: bool = False) -> Any:
    """``data[key]`` as a number (YAML 1.1 reads ``1e-5`` as a string: it is read as a number)."""
    value = data.get(key, default)
    if value is None or isinstance(value, bool):
        return value if value is None else _bad(where, key, value, whole)
    if isinstance(value, str):
        try:
            value = float(value.replace("_", ""))
        except ValueError:
            _bad(where, key, value, whole)
    if not isinstance(value, (int, float)) or (isinstance(value, float) and not math.isfinite(value)):
        _bad(where, key, value, whole)
    if whole:
        if value != int(value):
            _bad(where, key, value, whole)
        return int(value)
    return value


def _bad(where: str, key: str, value: Any, whole: bool) -> Any:
    raise LrvizError(f"{where}: {key} must be {'a whole number' if whole else 'a number'}, got {value!r}")
