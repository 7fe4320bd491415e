"""Schedule arguments on a command line: ``cycliclr --base-lr 0.1 steplr --step-size 3``.

Every constructor parameter of a schedule is an option, written ``--kebab-case`` (or
``--snake_case``); a bool parameter is a flag with a ``--no-`` form. These options are not
typer's: which ones exist depends on the schedule named before them, so the tokens after
a schedule are read here, into a :class:`~lrviz.spec.Spec`. Bad input raises
:class:`~lrviz.errors.LrvizError` (one line); nothing here prints or exits.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from lrviz import registry
from lrviz import spec as spec_mod
from lrviz.errors import LrvizError, did_you_mean
from lrviz.runs import shared_params
from lrviz.schedule import Entry, Kind, Param

if TYPE_CHECKING:
    from lrviz.config import TraceOptions
    from lrviz.spec import Spec


def norm_option(token: str) -> str:
    """``--T_max`` -> ``--t-max``: how an option is matched against ``Param.option``."""
    return token.lower().replace("_", "-")


def entry_of(spec_text: str) -> Entry | None:
    """The schedule a name or call names, or None when it names none."""
    try:
        return registry.find(spec_mod.schedule_head(spec_text))
    except LrvizError:
        return None


def option_param(entry: Entry | None, option: str) -> tuple[Param | None, bool]:
    """The parameter an option names in ``entry`` and whether it is a ``--no-`` flag."""
    if entry is None:
        return None, False
    name = norm_option(option.split("=", 1)[0])
    for param in entry.user_params:
        if param.option == name:
            return param, False
        if param.kind == Kind.BOOL and name == "--no-" + param.option[2:]:
            return param, True
    return None, False


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def is_option(token: str) -> bool:
    """``--gamma`` and ``-n`` are options; ``-0.5`` is a value."""
    return token.startswith("--") or (token.startswith("-") and len(token) > 1 and not is_number(token))


def split_schedules(tokens: Sequence[str]) -> list[tuple[str, list[str]]]:
    """The schedules on a command line, each with the option tokens written after it.

    A token starts a new schedule when it is a schedule name or call and is not the value
    of the option before it; whether an option takes a value is read from the schedule's
    own parameters (a bool flag takes none), so ``--anneal-strategy linear`` keeps its value
    even though ``linear`` is also a Hugging Face schedule. Options written before the
    first schedule are given to it."""
    groups: list[tuple[str, list[str]]] = []
    loose: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        target = groups[-1][1] if groups else loose
        if is_option(token):
            target.append(token)
            if "=" not in token and i + 1 < len(tokens):
                nxt = tokens[i + 1]
                param, negated = option_param(entry_of(groups[-1][0]) if groups else None, token)
                if param is not None:
                    takes = not negated and (param.kind != Kind.BOOL or nxt.lower() in ("true", "false"))
                else:
                    takes = not nxt.startswith("--") and not spec_mod.looks_like_schedule(nxt)
                if takes:
                    target.append(nxt)
                    i += 1
        elif spec_mod.looks_like_schedule(token) or not groups:
            groups.append((token, []))  # the first bare word is meant as a schedule: resolve() explains
        else:
            target.append(token)
        i += 1
    if loose:
        if not groups:
            return [("", loose)]
        groups[0] = (groups[0][0], loose + groups[0][1])
    return groups


def schedule_options(
    entry: Entry, tokens: Sequence[str], *, command: str = "plot", common: Sequence[str] = ()
) -> dict[str, Any]:
    """The option texts written after a schedule, keyed by parameter name: a flag is True,
    its ``--no-`` form False, ``--flag true``/``false`` as written. ``common`` are the
    command's own options, offered in an unknown option's did-you-mean."""
    by_option: dict[str, tuple[Param, bool | None]] = {}
    for param in entry.user_params:
        by_option[param.option] = (param, None)
        if param.kind == Kind.BOOL:
            by_option["--no-" + param.option[2:]] = (param, False)
    values: dict[str, Any] = {}
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if not token.startswith("--"):
            raise LrvizError(
                f"unexpected argument '{token}'; put option values right after their option, e.g. --gamma 0.5"
            )
        name, has_value, inline = token.partition("=")
        found = by_option.get(norm_option(name))
        if found is None:
            hint = did_you_mean(name, [*by_option, *common]) or f"'lrviz {command} {entry.cli_name} --help' lists them"
            raise LrvizError(f"{entry.name} has no option {name}; {hint}")
        param, flag = found
        if param.kind == Kind.BOOL and not has_value:
            if flag is False:
                values[param.name] = False
            elif i + 1 < len(tokens) and tokens[i + 1].lower() in ("true", "false"):
                values[param.name] = tokens[i + 1].lower() == "true"
                i += 1
            else:
                values[param.name] = True
        elif has_value:
            values[param.name] = inline
        elif i + 1 < len(tokens):
            values[param.name] = tokens[i + 1]
            i += 1
        else:
            raise LrvizError(f"{param.option} needs a value ({param.type_text})")
        i += 1
    return values


def resolve(
    spec_text: str,
    tokens: Sequence[str],
    *,
    command: str = "plot",
    common: Sequence[str] = (),
    shared: TraceOptions | None = None,
) -> Spec:
    """The Spec named by a schedule argument plus its options (options win over the call's
    arguments, so a pasted call can be tweaked). A schedule parameter that means the same
    as a common option takes that option's value when it is given: OneCycleLR's
    ``steps_per_epoch`` and ``--steps-per-epoch``, a recipe's ``lr`` and ``--lr``."""
    base: Spec | None = None
    head = spec_text.strip()
    if "(" in head:
        base = spec_mod.parse(head, require=False)
        entry = base.entry
    else:
        entry = registry.get(head)
        entry.require()
    options = schedule_options(entry, tokens, command=command, common=common)
    if shared is not None:
        for option, param in shared_params(entry):
            value = getattr(shared, option)
            if value is not None:
                options.setdefault(param.name, str(value))
    return spec_mod.from_options(entry.name, options, base=base)
