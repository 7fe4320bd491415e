"""The one exception type the core raises for bad input.

The CLI turns a :class:`LrvizError` into a single line on stderr and exit code 2; the
Python API lets it propagate. Messages are written for a person: what is wrong, and
what to do about it.
"""

from __future__ import annotations

import difflib
import importlib.util
import re
import shlex
import sys
from collections.abc import Iterable

# C0 and C1 control characters (a terminal acts on ESC, CSI, BEL, CR...) and the Unicode
# controls that reorder the text shown around them
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str, keep: str = "") -> str:
    """``text`` with every control character written as its escape (``\\x1b``, ``\\r``), so
    that text from data (a label, a file name, a column, a docstring) printed to a
    terminal shows as what it is instead of moving the cursor, recolouring or clearing the
    screen. Characters in ``keep`` (such as ``"\\n"``) are left as they are."""

    def escape(match: re.Match[str]) -> str:
        char = match.group(0)
        return char if char in keep else char.encode("unicode_escape").decode("ascii")

    return _CONTROL.sub(escape, text)


def exc_line(exc: BaseException, most: int = 300) -> str:
    """An exception's message as one line, cut at ``most`` characters."""
    text = " ".join(str(exc).split())
    return text if len(text) <= most else text[: most - 3] + "..."


class LrvizError(ValueError):
    """Bad input: a schedule, parameter, option or value lrviz cannot use."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        self.message = printable(" ".join(message.split()))
        self.hint = printable(" ".join(hint.split())) if hint else None
        super().__init__(self.one_line())

    def one_line(self) -> str:
        if self.hint:
            return f"{self.message.rstrip('.')}; {self.hint}"
        return self.message


def did_you_mean(word: str, choices: Iterable[str], *, n: int = 3) -> str | None:
    """A ``did you mean 'x'?`` phrase for ``word`` among ``choices``, or None.

    Matching is case-insensitive and ignores ``_`` and ``-`` so that ``t-max``,
    ``TMax`` and ``T_max`` are close to one another.
    """

    def norm(s: str) -> str:
        return s.lower().replace("_", "").replace("-", "")

    by_norm: dict[str, str] = {}
    for choice in choices:
        by_norm.setdefault(norm(choice), choice)
    matches = difflib.get_close_matches(norm(word), list(by_norm), n=n, cutoff=0.6)
    if not matches:
        return None
    names = [f"'{by_norm[m]}'" for m in matches]
    if len(names) == 1:
        return f"did you mean {names[0]}?"
    return f"did you mean {', '.join(names[:-1])} or {names[-1]}?"


def install_command(*requirements: str) -> str:
    """A command that installs ``requirements`` into the environment this lrviz runs in:
    ``pipx inject`` for a pipx install, else this interpreter's own pip (``uv pip
    install --python`` for an environment made without pip, as uv makes them). A bare
    ``pip install`` may be another Python's, and ``lrviz[extra]`` needs lrviz on PyPI."""
    quoted = " ".join(shlex.quote(r) for r in requirements)
    if "/pipx/venvs/" in sys.prefix.replace("\\", "/"):
        return f"pipx inject lrviz {quoted}"
    python = shlex.quote(sys.executable or "python3")
    if importlib.util.find_spec("pip") is not None:
        return f"{python} -m pip install {quoted}"
    return f"uv pip install --python {python} {quoted}"
