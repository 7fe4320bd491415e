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


def _prefixes() -> list[tuple[str, Family | None]]:
    """Every prefix a name may carry, longest first: each family's module paths (None: they
    name no family, ``lr_scheduler.`` is written before any schedule), and each family's
    name and a dot (``timm.``, ``transformers.``), which names that family."""
    found: dict[str, Family | None] = {}
    for fam in families():
        for prefix in fam.prefixes:
            found.setdefault(prefix.lower(), None)
    for fam in families():
        found[f"{fam.name}.".lower()] = fam
    return sorted(found.items(), key=lambda item: len(item[0]), reverse=True)


def split_prefix(name: str) -> tuple[str, tuple[Family, ...]]:
    """``name`` without the prefixes a family accepts, and the families to look in: the one
    a family's name before the schedule's names (``timm.cosine`` is timm's cosine), else
    every family."""
    name = name.strip()
    owners = families()
    prefixes = _prefixes()
    stripped = True
    while stripped:
        stripped = False
        for prefix, fam in prefixes:
            rest = name[len(prefix) :]
            # a module path before a class or function name: what remains is a (dotted) Python name
            if name.lower().startswith(prefix) and rest and all(part.isidentifier() for part in rest.split(".")):
                name, stripped = rest, True
                if fam is not None:
                    owners = tuple(f for f in owners if f is fam)
                break
    return name, owners


def strip_prefix(name: str) -> str:
    """``name`` without a module path a family accepts (``torch.optim.lr_scheduler.``)."""
    return split_prefix(name)[0]


def find(name: str) -> Entry | None:
    """The entry called ``name`` (case-insensitive, module prefixes allowed), or None.

    Family by family, in registry order: the first family with the name wins, as in
    ``lrviz list``, and a name of the first family never waits for a later family's source
    to be read. A family's name as a prefix restricts the search to that family, so
    ``timm.cosine`` is timm's whatever an earlier family calls ``cosine`` (see
    :func:`meanings`); module paths (``torch.optim.lr_scheduler.``) do not. A family may import code to
    answer (a user's ``module:Class``, the only way lrviz ever imports code it was given);
    its problems raise :class:`LrvizError`."""
    key, owners = split_prefix(name)
    for fam in owners:
        entry = fam.find(key)
        if entry is not None:
            return entry
    return None


def listed(name: str) -> Entry | None:
    """Like :func:`find`, among the schedules known in advance only: never imports anything."""
    key, owners = split_prefix(name)
    key = key.lower()
    for fam in owners:
        for entry in fam.entries():
            if key in (n.lower() for n in (entry.name, *entry.aliases)):
                return entry
    return None


def meanings(name: str) -> list[Entry]:
    """Every family's schedule that ``name`` could mean, in registry order: more than one
    for a bare name that several families know (``cosine``: transformers' and timm's), of
    which :func:`find` takes the first. Never imports anything."""
    key, owners = split_prefix(name)
    key = key.lower()
    out = []
    for fam in owners:
        for entry in fam.entries():
            if key in (n.lower() for n in (entry.name, *entry.aliases)) and entry not in out:
                out.append(entry)
                break
    return out


def ambiguity(name: str) -> str | None:
    """One line saying which families a bare name could mean, when it could mean several;
    None otherwise (a qualified name, or one family's)."""
    found = meanings(name)
    if len(found) < 2:
        return None
    chosen, others = found[0], found[1:]
    owner = chosen.family + ("'" if chosen.family.endswith("s") else "'s")
    return (
        f"'{name.strip()}' is {owner} {chosen.name}, and {' and '.join(e.family for e in others)} "
        f"{'has' if len(others) == 1 else 'have'} one too: write "
        + " or ".join(f"{e.family}.{name.strip()}" for e in found)
        + " to choose"
    )


def claims(name: str) -> bool:
    """Whether some family knows ``name``, without importing anything to find out."""
    key, owners = split_prefix(name)
    try:
        return any(fam.claims(key) for fam in owners)
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
