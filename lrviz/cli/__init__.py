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
"""

from __future__ import annotations

from .commands import app
from .process import main, run

__all__ = ["app", "main", "run"]
