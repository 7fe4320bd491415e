"""The protocol every schedule family implements, and a base class with its defaults.

A family is one module under :mod:`lrviz.families` with a ``FAMILY`` object. The registry,
the spec language, ``list``/``describe``, the explorer, the gallery and the tests reach a
family only through this protocol and the hooks of its :class:`~lrviz.schedule.Entry`
records (build, horizon, checks, torch code, fast values, phases ...). So adding a family
is adding its module and one line to :data:`lrviz.families.FAMILIES`.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Mapping, Sequence
from typing import Protocol, runtime_checkable

from .schedule import Entry


@runtime_checkable
class Family(Protocol):
    """A source of schedules."""

    name: str
    """Its short name: ``Entry.family`` of its entries, ``lrviz list --family NAME``."""
    title: str
    """Where its schedules come from, in one line (``lrviz list``, the gallery)."""
    distribution: str | None
    """The Python distribution whose version the schedules' values depend on, if any."""
    prefixes: tuple[str, ...]
    """Module paths a pasted name may carry (``torch.optim.lr_scheduler.``)."""
    rejecter: str
    """Who rejects bad arguments, in errors: "torch", "transformers", "your class"."""

    def entries(self) -> Sequence[Entry]:
        """Every schedule known in advance, in the order ``lrviz list`` shows them."""
        ...

    def find(self, name: str) -> Entry | None:
        """The entry called ``name`` (case-insensitive, prefixes already removed), or None."""
        ...

    def claims(self, name: str) -> bool:
        """Whether ``name`` is this family's, without importing anything."""
        ...

    def missing(self) -> str | None:
        """None when the family can run here, else one line saying what to install."""
        ...

    def status(self) -> str:
        """A few words for ``lrviz list``: installed, not installed (and what to install) ..."""
        ...

    def placeholder(self) -> tuple[str, str] | None:
        """A ``(name, description)`` row for ``lrviz list`` when the family's names cannot
        be listed in advance (a user's own classes)."""
        ...

    def version(self) -> str | None:
        """The version of the code that defines the schedules, for ``describe``."""
        ...

    def rewrite_call(self, call: ast.Call, source: str) -> tuple[ast.Call, Entry | None] | None:
        """A pasted call of one of the family's factories (``get_scheduler(...)``) rewritten
        as a call of one of its schedules, with that schedule's entry (None when the family
        has no such name); None when the call is not such a factory."""
        ...

    def name_spans(self, source: str) -> list[tuple[int, int]]:
        """Where ``source`` names one of the family's schedules with text that is not a
        Python name (``mypkg.sched:Warmup``): the spec language reads those as names."""
        ...


def normalise(name: str) -> str:
    return name.strip().lower()


class BaseFamily:
    """A family whose schedules are known in advance: looked up by name and alias."""

    name = ""
    title = ""
    distribution: str | None = None
    prefixes: tuple[str, ...] = ()
    rejecter = ""

    def load(self) -> Sequence[Entry]:
        """The family's entries (called once)."""
        raise NotImplementedError

    def entries(self) -> Sequence[Entry]:
        return self._table()[0]

    @functools.cache  # noqa: B019 - one instance per family module, alive for the process
    def _table(self) -> tuple[tuple[Entry, ...], Mapping[str, Entry]]:
        entries = tuple(self.load())
        names: dict[str, Entry] = {}
        for entry in entries:
            for name in (entry.name, *entry.aliases):
                names.setdefault(normalise(name), entry)
        return entries, names

    def find(self, name: str) -> Entry | None:
        return self._table()[1].get(normalise(name))

    def claims(self, name: str) -> bool:
        return self.find(name) is not None

    def missing(self) -> str | None:
        return None

    def status(self) -> str:
        problem = self.missing()
        return f"not installed: {problem}" if problem else "installed"

    def placeholder(self) -> tuple[str, str] | None:
        return None

    def version(self) -> str | None:
        return None

    def rewrite_call(self, call: ast.Call, source: str) -> tuple[ast.Call, Entry | None] | None:
        return None

    def name_spans(self, source: str) -> list[tuple[int, int]]:
        return []
