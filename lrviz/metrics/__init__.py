"""Where ReduceLROnPlateau's metric comes from: a seeded synthetic pattern, or a training log.

:func:`parse` turns the text a user gives into a :class:`Metric`:

* ``synthetic:NAME[,key=value...]``: a built-in pattern from :data:`PATTERNS` (a loss that
  plateaus, an accuracy that stalls, a noisy loss, an overfitting validation loss, a loss
  that improves in bursts), seeded, so the same text always gives the same values;
* ``PATH[:COLUMN]``: values read from a log. ``.csv``/``.tsv`` have a header row and
  COLUMN is a name or a 0-based index; ``.json`` holds a list of numbers, an object or a
  list of records, and COLUMN may be a dotted path (``log_history.eval_loss`` in a Hugging
  Face ``trainer_state.json``); ``.jsonl`` holds one record per line; ``.txt`` holds one
  number per line. Without COLUMN, the only numeric column that is not a step, epoch,
  time or learning-rate column is used.

``Metric.take(n)`` gives exactly ``n`` values. Nothing here prints or exits: bad input
raises :class:`~lrviz.errors.LrvizError` with one line saying what is wrong and what to do.
"""

from __future__ import annotations

from pathlib import Path

from lrviz.errors import LrvizError

from . import logs, patterns
from .logs import FILE_TYPES
from .metric import MODES, SYNTHETIC, Metric, Pattern, PatternParam
from .names import mode_of
from .patterns import PATTERNS, default_metric, pattern_help

__all__ = [
    "FILE_TYPES",
    "MODES",
    "PATTERNS",
    "SYNTHETIC",
    "Metric",
    "Pattern",
    "PatternParam",
    "default",
    "default_metric",
    "mode_of",
    "parse",
    "pattern_help",
]


def parse(text: str, base_dir: Path | None = None) -> Metric:
    """``synthetic:NAME[,key=value...]`` or ``PATH[:COLUMN]`` -> a :class:`Metric`.

    A relative PATH is taken relative to ``base_dir`` (default: the current directory).
    When PATH itself contains ``:``, the longest prefix naming an existing file wins.
    """
    text = text.strip()
    if not text:
        raise LrvizError(
            "the metric is empty", "give a log file as PATH[:COLUMN] or a pattern such as synthetic:plateau"
        )
    head, sep, rest = text.partition(":")
    if sep and head.strip().lower() == SYNTHETIC:
        return patterns.parse(text, rest)
    if text.lower() == SYNTHETIC:
        raise LrvizError("no pattern named in 'synthetic'", f"write synthetic:NAME, NAME one of {', '.join(PATTERNS)}")
    return logs.read(text, base_dir)


def default(mode: str) -> Metric:
    """The metric used when none is given: ``synthetic:plateau`` for min, ``synthetic:accuracy`` for max."""
    if mode not in MODES:
        raise LrvizError(f"mode must be 'min' or 'max', got {mode!r}")
    return parse(f"{SYNTHETIC}:plateau" if mode == "min" else f"{SYNTHETIC}:accuracy")
