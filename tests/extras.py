"""Schedules whose family needs an extra that is not installed (transformers for the `hf`
extra): their tests skip, naming what to install, so `pip install -e ".[test]" && python -m
pytest` passes. Under CI=true they are not skipped: CI installs every extra, so a missing one
fails there."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

import pytest

from lrviz import registry

ON_CI = os.environ.get("CI") == "true"


def missing(entry: Any) -> str | None:
    """What to install for ``entry``'s family, or None when it can run here."""
    return entry.unavailable()


def needs_family(entry: Any) -> pytest.MarkDecorator:
    problem = missing(entry)
    return pytest.mark.skipif(bool(problem) and not ON_CI, reason=f"{entry.name}: {problem}")


def entry_params(entries: Iterable[Any] | None = None) -> list[Any]:
    """``pytest.param`` per entry (id: its name), skipped when its family cannot run here."""
    return [pytest.param(e, id=e.name, marks=needs_family(e)) for e in (entries or registry.entries())]


def name_params(entries: Iterable[Any] | None = None) -> list[Any]:
    """As :func:`entry_params`, with each entry's name as the value."""
    return [pytest.param(e.name, id=e.name, marks=needs_family(e)) for e in (entries or registry.entries())]


def text_params(texts: Iterable[str]) -> list[Any]:
    """``pytest.param`` per spec text, skipped when the schedule it names cannot run here."""
    from lrviz.spec import schedule_head

    out = []
    for text in texts:
        entry = registry.find(schedule_head(text))
        marks = [needs_family(entry)] if entry is not None else []
        out.append(pytest.param(text, marks=marks))
    return out


def skip_if_an_extra_was_missing(code: int, err: str) -> None:
    """After running a command (a README example using transformers' ``cosine``, say): skip
    when it failed only because a family's extra is not installed here, as its message says."""
    if code == 0 or ON_CI:
        return
    for problem in {missing(e) for e in registry.entries()} - {None}:
        if problem and problem in err:
            pytest.skip(problem)
