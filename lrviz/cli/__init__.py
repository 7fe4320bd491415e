"""The command line: parse text, call the core, print or write. Nothing else.

Only this package prints, writes files (through :mod:`lrviz.files`) or exits. Every bad
input ends in one line on stderr and exit code 2.

- :mod:`~lrviz.cli.commands`: the typer app and its commands
- :mod:`~lrviz.cli.options`: the common options, defined once
- :mod:`~lrviz.cli.schedule_args`: a schedule's own options (``cycliclr --base-lr 0.1``)
- :mod:`~lrviz.cli.runner`: the one path from tokens, config file and options to traces and output
- :mod:`~lrviz.cli.output`: what the commands print and write
- :mod:`~lrviz.cli.catalog`: ``list`` and ``describe``
- :mod:`~lrviz.cli.gallery_cmd`: ``gallery``
- :mod:`~lrviz.cli.completion`: shell completion of schedule names and options
- :mod:`~lrviz.cli.process`: ``main``/``run``: errors, fast help, fast exit

Importing this package imports none of them: :func:`run`, the ``lrviz`` command, first
takes over ctrl+c (:mod:`lrviz.interrupt`), so that ctrl+c during the imports, too, ends
in one line; ``app`` and ``main`` load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from .commands import app
    from .process import main

__all__ = ["app", "main", "run"]


def run() -> NoReturn:
    """The ``lrviz`` command (see :func:`lrviz.cli.process.run`)."""
    from lrviz import interrupt

    interrupt.install()
    from .process import run as _run

    _run()


def __getattr__(name: str) -> Any:
    if name == "app":
        from .commands import app

        return app
    if name == "main":
        from .process import main

        return main
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
