"""The one exception type the core raises for bad input.

The CLI turns a :class:`LrvizError` into a single line on stderr and exit code 2; the
Python API lets it propagate. Messages are written for a person: what is wrong, and
what to do about it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class LrvizError(ValueError):
    """Bad input: a schedule, parameter, option or value lrviz cannot use."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        self.message = " ".join(message.split())
        self.hint = " ".join(hint.split()) if hint else None
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
