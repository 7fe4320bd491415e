"""Placeholder: filled in by this issue."""

from __future__ import annotations

from .registry import Entry


def entries() -> list[Entry]:
    return []
