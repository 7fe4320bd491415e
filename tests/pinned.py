"""The versions the committed gallery was drawn with, and whether they are the ones installed.

A figure's bytes depend on torch, matplotlib, numpy, transformers and timm. The versions that drew
the committed gallery/ are pinned in .github/gallery-constraints.txt, which CI installs
before the tests. Tests that compare with those committed bytes run only where the pins hold
and are skipped elsewhere, naming the versions that differ: a new release of a dependency
must not fail the suite of a user who runs it with whatever pip picked today.
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONSTRAINTS = ROOT / ".github" / "gallery-constraints.txt"
GALLERY = ROOT / "gallery"


def pins() -> dict[str, str]:
    """Distribution -> pinned version, from the constraints file."""
    out = {}
    for line in CONSTRAINTS.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            out[name.strip().lower()] = version.strip()
    return out


def installed(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def differences() -> list[str]:
    """Each pinned distribution whose installed version is another, as 'name X (pinned Y)'."""
    if not CONSTRAINTS.is_file():
        return [f"{CONSTRAINTS.relative_to(ROOT)} is missing"]
    out = []
    for dist, pinned in pins().items():
        here = installed(dist)
        if here is None or here.split("+")[0] != pinned:
            out.append(f"{dist} {here or 'not installed'} (pinned {pinned})")
    return out


def _reason() -> str:
    if not GALLERY.is_dir():
        return "needs the repository's committed gallery/ (not in this checkout or sdist)"
    found = differences()
    if found:
        return (
            "the committed gallery's bytes need the pinned versions "
            f"(pip install -c .github/gallery-constraints.txt ...); here {', '.join(found)}"
        )
    return ""


REASON = _reason()
requires_pinned = pytest.mark.skipif(bool(REASON), reason=REASON or "pinned versions installed")
