"""Shell completion (``lrviz --install-completion``): schedule names, and once a schedule is
named, its own options (``lrviz plot cycliclr --ba<TAB>`` -> ``--base-lr``) and the choices
of the option before (``--mode <TAB>``).

typer completes the commands and the common options itself. A schedule's options are not
typer options, so they come from the SCHEDULE argument's completion, which the command
below also asks for a word that starts with ``-``. The registry is loaded only here, when
the shell asks, never when ``lrviz`` starts.
"""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperCommand


class ScheduleCommand(TyperCommand):
    """A command taking ``SCHEDULE [OPTIONS]...``: completing a word that starts with ``-``
    offers the last schedule's options as well as the command's own."""

    def shell_complete(self, ctx: Any, incomplete: str) -> list[Any]:
        items = list(super().shell_complete(ctx, incomplete))
        if incomplete.startswith("-"):
            known = {item.value for item in items}
            for param in self.get_params(ctx):
                if param.name == "tokens":
                    # first: what was typed is more likely the schedule's than a common option
                    items = [i for i in param.shell_complete(ctx, incomplete) if i.value not in known] + items
        return items


def complete_schedule_words(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """The completions of a word of ``SCHEDULE [OPTIONS]...`` (typer keeps those that start
    with ``incomplete``). Never raises: a completion must not print a traceback in the shell."""
    try:
        return _schedule_words(list(ctx.params.get("tokens") or ()), incomplete, several=ctx.info_name != "plot")
    except Exception:
        return []


def complete_schedule_names(incomplete: str) -> list[tuple[str, str]]:
    """The completions of ``lrviz describe NAME``."""
    try:
        return _names()
    except Exception:
        return []


def _schedule_words(tokens: list[str], incomplete: str, *, several: bool) -> list[tuple[str, str]]:
    from lrviz.schedule import Kind

    from .schedule_args import entry_of, norm_option, option_param, split_schedules

    groups = split_schedules(tokens)
    text, options = groups[-1] if groups else ("", [])
    entry = entry_of(text) if text else None
    if incomplete.startswith("-"):
        if entry is None:
            return []
        given = {norm_option(token.split("=", 1)[0]) for token in options}
        out = []
        for param in entry.user_params:
            names = [param.option] + (["--no-" + param.option[2:]] if param.kind == Kind.BOOL else [])
            out += [(name, first_sentence(param.help)) for name in names if name not in given]
        return out
    if entry is not None and tokens and tokens[-1].startswith("--") and "=" not in tokens[-1]:
        before, negated = option_param(entry, tokens[-1])
        if before is not None and not negated and before.kind != Kind.BOOL:
            return [(choice, "") for choice in before.choices]  # a value: no schedule name here
    if entry is not None and not several:
        return []
    return _names()


def _names() -> list[tuple[str, str]]:
    from lrviz.registry import entries

    out = []
    for entry in entries():
        out.append((entry.cli_name, entry.summary))
        out += [(alias, f"{entry.name}: {entry.summary}") for alias in entry.aliases]
    return out


def first_sentence(text: str) -> str:
    head, dot, _ = text.partition(". ")
    return head + "." if dot else text
