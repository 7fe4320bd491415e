"""The one registry of schedule families: lookups over every family, knowing none of them.

Every schedule lrviz knows is an :class:`~lrviz.schedule.Entry` of a family registered in
:data:`lrviz.families.FAMILIES`. ``list``, ``describe``, option parsing, the spec language,
the gallery and the parametrized tests all read this registry.

Building the registry never imports torch: torch's classes are read statically by
:mod:`lrviz.introspect`.
"""

from __future__ import annotations

import ast
import functools
import importlib

from . import families as registered
from .errors import LrvizError, did_you_mean
from .family import Family
from .schedule import Entry


@functools.cache
def families() -> tuple[Family, ...]:
    """Every registered family, in registry order (each module is imported here)."""
    out = []
    for module_name in registered.FAMILIES:
        family = importlib.import_module(f"lrviz.families.{module_name}").FAMILY
        assert isinstance(family, Family), f"lrviz.families.{module_name}.FAMILY is not a Family"
        out.append(family)
    return tuple(out)


def family(name: str) -> Family:
    """The family called ``name``, or a one-line error with a did-you-mean."""
    for fam in families():
        if fam.name == name:
            return fam
    names = [f.name for f in families()]
    hint = did_you_mean(name, names) or "families: " + ", ".join(names)
    raise LrvizError(f"unknown family '{name}'", hint)


def entries() -> tuple[Entry, ...]:
    """Every schedule known in advance, in registry order."""
    return tuple(entry for fam in families() for entry in fam.entries())


def strip_prefix(name: str) -> str:
    """``name`` without a module path a family accepts (``torch.optim.lr_scheduler.``)."""
    name = name.strip()
    prefixes = sorted({p for fam in families() for p in fam.prefixes}, key=len, reverse=True)
    for prefix in prefixes:
        # a module path before a class or function name: what remains is a Python name
        if name.lower().startswith(prefix.lower()) and name[len(prefix) :].isidentifier():
            return name[len(prefix) :]
    return name


def find(name: str) -> Entry | None:
    """The entry called ``name`` (case-insensitive, module prefixes allowed), or None.

    Family by family, in registry order: the first family with the name wins, as in
    ``lrviz list``, and a name of the first family never waits for a later family's source
    to be read. A family may import code to answer (a user's ``module:Class``, the only way
    lrviz ever imports code it was given); its problems raise :class:`LrvizError`."""
    key = strip_prefix(name)
    for fam in families():
        entry = fam.find(key)
        if entry is not None:
            return entry
    return None


def listed(name: str) -> Entry | None:
    """Like :func:`find`, among the schedules known in advance only: never imports anything."""
    key = strip_prefix(name).lower()
    for entry in entries():
        if key in (n.lower() for n in (entry.name, *entry.aliases)):
            return entry
    return None


def claims(name: str) -> bool:
    """Whether some family knows ``name``, without importing anything to find out."""
    key = strip_prefix(name)
    try:
        return any(fam.claims(key) for fam in families())
    except LrvizError:
        return False


def get(name: str) -> Entry:
    """The entry called ``name``, or an :class:`LrvizError` with a did-you-mean."""
    entry = find(name)
    if entry is None:
        raise unknown_schedule(name)
    return entry


def unknown_schedule(name: str) -> LrvizError:
    suggestion = did_you_mean(strip_prefix(name), [n for e in entries() for n in (e.name, *e.aliases)])
    hint = suggestion or "run 'lrviz list' to see every schedule"
    return LrvizError(f"unknown schedule '{name}'", hint)


def rewrite_call(call: ast.Call, source: str) -> tuple[ast.Call, Entry | None] | None:
    """A pasted factory call (``get_scheduler("cosine", ...)``) as the direct call of the
    schedule it makes and that schedule's entry, when a family recognises it; else None."""
    for fam in families():
        rewritten = fam.rewrite_call(call, source)
        if rewritten is not None:
            return rewritten
    return None


def name_spans(source: str) -> list[tuple[int, int]]:
    """Spans of ``source`` that name schedules with text that is not a Python name."""
    return sorted(span for fam in families() for span in fam.name_spans(source))


def distributions() -> tuple[str, ...]:
    """The distributions whose versions the families' values depend on."""
    return tuple(fam.distribution for fam in families() if fam.distribution)
