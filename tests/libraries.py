"""What lrviz's printed code imports, made importable for the tests that run it.

The code ``--print-code`` prints imports what a training script would: ``from timm.scheduler
import CosineLRScheduler``. ``import timm`` runs timm's ``__init__``, which imports
torchvision, and on machines where torchvision does not load against torch (PyPI's
torchvision on torch's CPU build, as in CI) that import fails, while the scheduler package
itself needs only torch. So while printed code runs, ``timm.scheduler`` is the package
lrviz loads, which is timm's own code, unless timm itself is already imported.
"""

from __future__ import annotations

import contextlib
import sys
import types
import warnings
from collections.abc import Iterator

from lrviz.errors import LrvizError


@contextlib.contextmanager
def importable() -> Iterator[None]:
    """``import timm.scheduler`` works inside (when timm is installed)."""
    if "timm.scheduler" in sys.modules:
        yield
        return
    from lrviz.families import timm_source

    try:
        package = timm_source.scheduler_package()
    except LrvizError:  # not installed: code that imports it fails as it would anywhere
        yield
        return
    parent = types.ModuleType("timm")
    parent.__path__ = []  # a package, with nothing else in it
    parent.scheduler = package  # type: ignore[attr-defined]
    added = {"timm": parent, "timm.scheduler": package}
    sys.modules.update(added)
    try:
        yield
    finally:
        for name in added:
            sys.modules.pop(name, None)


def run(code: str, namespace: dict) -> dict:
    """``exec`` lrviz's printed code (our own generated text) with its imports available.
    What the libraries warn about while it runs (timm's PlateauLRScheduler is deprecated) is
    what a user would see printed, not an error here."""
    with importable(), warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        exec(compile(code, "<lrviz --print-code>", "exec"), namespace)
    return namespace
