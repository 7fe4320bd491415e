"""ctrl+c in the ``lrviz`` command: one line, exit code 130, no file half-made, wherever it lands.

Python turns ctrl+c into ``KeyboardInterrupt`` wherever the main thread is, and a few places
lose it or change it on the way: inside an import, a weakref callback prints "Exception
ignored" and the import goes on; ``__set_name__`` in a class body turns it into a
``RuntimeError``; and code compiled from a string (``dataclasses``, ``typing``) makes the
interpreter kill itself with SIGINT at exit even after the interrupt was handled. So the
command's handler (installed by :func:`install`, before anything heavy is imported) does two
things:

- before the command runs (the imports at startup) it says ``lrviz: interrupted`` and ends
  the process at once: nothing is written yet, so there is nothing to clean up;
- while the command runs (inside :func:`raising`) it raises ``KeyboardInterrupt`` as Python
  would, so that temporary files are removed and terminal displays closed on the way out,
  and it also remembers the interrupt (:func:`happened`), so that one swallowed on the way
  still stops the command: :func:`lrviz.files.write_atomic` renames nothing into place
  after it, and the command ends as interrupted.

The Python API never installs this handler: importing lrviz leaves a program's ctrl+c alone.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

MESSAGE = "lrviz: interrupted"

_happened = False
_raising = False


def install() -> None:
    """Take over SIGINT for the lrviz process, unless something before it chose otherwise
    (a shell's background job ignores SIGINT, and so does lrviz then)."""
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _on_interrupt)
        sys.unraisablehook = _quiet_when_lost(sys.unraisablehook)


def _quiet_when_lost(hook: Any) -> Any:
    """The interpreter's report of an exception it could not raise, except for ctrl+c's:
    that one is not lost (:func:`check`), and its report would be a traceback."""

    def unraisable(info: Any) -> None:
        if not (_happened and isinstance(info.exc_value, KeyboardInterrupt)):
            hook(info)

    return unraisable


def happened() -> bool:
    """Whether ctrl+c was pressed while the handler of :func:`install` was in place."""
    return _happened


@contextmanager
def raising() -> Iterator[None]:
    """While the command runs, ctrl+c raises ``KeyboardInterrupt`` (see the module's text)."""
    global _raising
    before = _raising
    _raising = True
    try:
        yield
    finally:
        _raising = before


def check() -> None:
    """Raise ``KeyboardInterrupt`` if ctrl+c was pressed, even if its exception was lost."""
    if _happened:
        raise KeyboardInterrupt


def _on_interrupt(signum: int, frame: Any) -> None:
    global _happened
    _happened = True
    if _raising:
        raise KeyboardInterrupt
    try:
        os.write(2, (MESSAGE + "\n").encode())
    except OSError:
        pass
    os._exit(130)
