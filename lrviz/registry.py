"""The one registry of schedule families.

Every schedule lrviz knows is an :class:`Entry`: its name, a one-line summary, its
parameters (with kinds, defaults and help), and the family's code to build it, choose a
horizon and check its arguments. ``list``, ``describe``, option parsing, the spec
language, the gallery and the parametrized tests all read this registry; adding a family
adds entries here and nothing else.

Building the registry never imports torch: torch's classes are read statically by
:mod:`lrviz.introspect`.
"""

from __future__ import annotations

import functools
import importlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import LrvizError, did_you_mean
from .introspect import MISSING, ClassInfo, ParamInfo

if TYPE_CHECKING:
    from .spec import Spec

# Parameter kinds: how a value is written, checked and shown.
INT = "int"
FLOAT = "float"
BOOL = "bool"
STR = "str"
FLOATS = "float or list"  # one value, or one per param group
INTS = "list of int"
LAMBDA = "lambda"
LAMBDAS = "lambda or list"  # one function, or one per param group
SCHEDULERS = "list of schedules"
OPTIMIZER = "optimizer"  # supplied by lrviz, never by the user
ANY = "value"

_PREFIXES = (
    "transformers.optimization.",
    "torch.optim.lr_scheduler.",
    "optim.lr_scheduler.",
    "transformers.",
    "lr_scheduler.",
    "torch.optim.",
)


@dataclass(frozen=True)
class Param:
    name: str
    kind: str
    default: Any = MISSING
    nullable: bool = False
    choices: tuple[str, ...] = ()
    help: str = ""
    annotation: str = ""

    @property
    def required(self) -> bool:
        return self.default is MISSING

    @property
    def option(self) -> str:
        """The CLI option: ``T_max`` -> ``--t-max``, ``base_lr`` -> ``--base-lr``."""
        return "--" + self.name.lower().replace("_", "-")

    @property
    def type_text(self) -> str:
        if self.choices:
            text = "|".join(self.choices)
        else:
            text = self.kind
        return f"{text} or None" if self.nullable else text

    @property
    def default_text(self) -> str:
        if self.required:
            return "required"
        return repr(self.default)


@dataclass(frozen=True)
class Entry:
    """One schedule lrviz can trace."""

    name: str
    family: str
    summary: str
    params: tuple[Param, ...]
    doc: str = ""
    aliases: tuple[str, ...] = ()
    # The family's behaviour, set by the module that registers the entry.
    build: Callable[..., Any] | None = field(default=None, compare=False, repr=False)
    horizon: Callable[[Spec], tuple[int, str]] | None = field(default=None, compare=False, repr=False)
    check: Callable[..., list[str]] | None = field(default=None, compare=False, repr=False)
    example: str = ""
    decays: bool = False  # the LR is meant to go down: rising above the start is suspicious
    needs_metric: bool = False
    extra: str = ""  # the pip extra that provides this family, "" for none
    # None when the family can run here; otherwise one line saying what to install.
    missing: Callable[[], str | None] | None = field(default=None, compare=False, repr=False)
    # The Python code that builds this schedule on ``optimizer`` (see lrviz.code.CodeParts);
    # None for torch's classes, rendered as ``lr_scheduler.Name(optimizer, ...)``.
    code: Callable[..., Any] | None = field(default=None, compare=False, repr=False)
    origin: str = ""  # where the schedule comes from, e.g. "torch.optim.lr_scheduler.StepLR"
    absolute: bool = False  # sets the LR itself: the optimizer's lr is not used

    @property
    def user_params(self) -> tuple[Param, ...]:
        return tuple(p for p in self.params if p.kind != OPTIMIZER)

    @property
    def required(self) -> tuple[Param, ...]:
        return tuple(p for p in self.user_params if p.required)

    def param(self, name: str) -> Param | None:
        for p in self.params:
            if p.name == name:
                return p
        return None

    @property
    def cli_name(self) -> str:
        """How the CLI writes the name: lower case, except a user's ``module:Class``,
        whose class name is case-sensitive."""
        return self.name if ":" in self.name else self.name.lower()

    def unavailable(self) -> str | None:
        """None when this schedule can be traced here, else what to install."""
        return self.missing() if self.missing is not None else None

    def require(self) -> None:
        """Raise a one-line error naming the extra to install when the family cannot run."""
        problem = self.unavailable()
        if problem:
            raise LrvizError(f"{self.name} cannot run here: {problem}")


# --------------------------------------------------------------------------------------
# Kinds from torch's annotations and docstrings


def kind_of(info: ParamInfo) -> tuple[str, bool, tuple[str, ...]]:
    """(kind, nullable, choices) for a parameter, from its annotation, docstring type
    and default value."""
    ann = info.annotation.replace("typing.", "").replace(" ", "")
    doc = info.doc_type.lower()
    nullable = "None" in ann.split("|") or "Optional[" in ann or (info.default is None and not info.required)
    literal = re.search(r"Literal\[([^\]]*)\]", info.annotation)
    if literal:
        choices = tuple(re.findall(r"""['"]([^'"]*)['"]""", literal.group(1)))
        return STR, nullable, choices
    if "Optimizer" in ann:
        return OPTIMIZER, nullable, ()
    if "LRScheduler" in ann or "scheduler" in doc:
        return SCHEDULERS, nullable, ()
    if "Callable" in ann or "function" in doc or "lambda" in doc:
        return (LAMBDAS if "list" in ann or "list" in doc else LAMBDA), nullable, ()
    bare = ann.replace("|None", "").replace("Optional[", "").rstrip("]")
    if re.fullmatch(r"(list|Iterable|Sequence|tuple)\[int(,\.\.\.)?\]", bare):
        return INTS, nullable, ()
    if "float" in ann or "float" in doc:
        if "list" in ann or "list" in doc or "Sequence" in ann:
            return FLOATS, nullable, ()
        return FLOAT, nullable, ()
    if bare == "int" or (not ann and doc.startswith("int")):
        return INT, nullable, ()
    if bare == "bool" or (not ann and doc.startswith("bool")):
        return BOOL, nullable, ()
    if bare == "str" or (not ann and doc.startswith("str")):
        return STR, nullable, ()
    if "list" in doc or "list" in ann:
        return INTS if "int" in ann or "int" in doc else ANY, nullable, ()
    default = info.default
    if isinstance(default, bool):
        return BOOL, nullable, ()
    if isinstance(default, int):
        return INT, nullable, ()
    if isinstance(default, float):
        return FLOAT, nullable, ()
    if isinstance(default, str):
        return STR, nullable, ()
    return ANY, nullable, ()


_GENERIC_HELP = {
    "last_epoch": "The index of the last epoch (-1 starts from the beginning; other values resume a run).",
    "optimizer": "Wrapped optimizer (supplied by lrviz).",
}


def param_from_info(info: ParamInfo) -> Param:
    kind, nullable, choices = kind_of(info)
    return Param(
        name=info.name,
        kind=kind,
        default=info.default,
        nullable=nullable,
        choices=choices,
        help=info.help or _GENERIC_HELP.get(info.name, ""),
        annotation=info.annotation,
    )


def entry_params(info: ClassInfo) -> tuple[Param, ...]:
    return tuple(param_from_info(p) for p in info.params)


# --------------------------------------------------------------------------------------
# The registry


def _norm(name: str) -> str:
    return name.strip().lower()


def strip_prefix(name: str) -> str:
    name = name.strip()
    for prefix in _PREFIXES:
        if name.lower().startswith(prefix.lower()):
            return name[len(prefix) :]
    return name


@functools.cache
def _family(module_name: str) -> tuple[tuple[Entry, ...], Mapping[str, Entry]]:
    """One family's entries, and its names (aliases too) normalised -> entry."""
    module = importlib.import_module(f"lrviz.{module_name}")
    family = tuple(module.entries())
    table: dict[str, Entry] = {}
    for entry in family:
        for name in (entry.name, *entry.aliases):
            table.setdefault(_norm(name), entry)
    return family, table


@functools.lru_cache(maxsize=1)
def _entries() -> tuple[Entry, ...]:
    from . import FAMILIES

    return tuple(entry for module_name in FAMILIES for entry in _family(module_name)[0])


def entries() -> tuple[Entry, ...]:
    """Every registered schedule, in registry order."""
    return _entries()


def names() -> list[str]:
    return [e.name for e in entries()]


def find(name: str) -> Entry | None:
    """The entry called ``name`` (case-insensitive, torch prefixes allowed), or None.

    ``module.path:Class`` names a user's own scheduler class: it is imported (the only way
    lrviz ever imports code it was given), and import problems raise :class:`LrvizError`."""
    from . import user_family

    if user_family.is_ref(name):
        return user_family.entry(name)
    from . import FAMILIES

    # Family by family, in registry order: the first family with the name wins, as in
    # `lrviz list`, and a torch name never waits for another family's source to be read.
    key = _norm(strip_prefix(name))
    for module_name in FAMILIES:
        entry = _family(module_name)[1].get(key)
        if entry is not None:
            return entry
    return None


def get(name: str) -> Entry:
    """The entry called ``name``, or an :class:`LrvizError` with a did-you-mean."""
    entry = find(name)
    if entry is None:
        raise unknown_schedule(name)
    return entry


def unknown_schedule(name: str) -> LrvizError:
    suggestion = did_you_mean(strip_prefix(name), [n for e in entries() for n in (e.name, *e.aliases)])
    hint = suggestion or "run 'lrviz list' to see every schedule"
    return LrvizError(f"unknown schedule '{name}'", hint)
