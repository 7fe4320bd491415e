"""``lrviz list`` and ``lrviz describe``: what schedules there are, and each one's parameters.

Everything particular to a family or a schedule (where it comes from, its status, a row for
names that cannot be listed, a note on required options) is asked of the family and its
entries, so a new family is listed and described with no edit here.
"""

from __future__ import annotations

import shlex
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from lrviz.errors import printable
from lrviz.families import FAMILIES

from .completion import complete_schedule_names, first_sentence

if TYPE_CHECKING:
    from lrviz.schedule import Entry
    from lrviz.spec import Spec

# The registry, the schedules and the spec language are imported by the commands that use
# them: `lrviz --help` shows these commands' options without loading every family.


class ListFormat(str, Enum):
    rich = "rich"
    plain = "plain"


def list_cmd(
    fmt: Annotated[
        ListFormat, typer.Option("--format", "-f", help="rich (a table) or plain (one name per line, for scripts).")
    ] = ListFormat.rich,
    family: Annotated[
        str | None,
        typer.Option("--family", help=f"Only this family: {', '.join(FAMILIES)}.", show_default=False),
    ] = None,
) -> None:
    """List every schedule by family, with a one-line description, its required parameters and
    whether the family's optional extra is installed."""
    from lrviz import registry

    families = list(registry.families()) if family is None else [registry.family(family)]
    if fmt is ListFormat.plain:
        for fam in families:
            for entry in fam.entries():
                print(entry.name)
        return
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console()
    for fam in families:
        problem = fam.missing()
        if problem:
            status = f"[yellow]not installed: {escape(problem)}[/]"
        else:
            text = fam.status()
            status = f"[green]{escape(text)}[/]" if text == "installed" else escape(text)
        table = Table(
            title=f"[bold]{escape(fam.name)}[/]  [dim]{escape(fam.title)}[/]  {status}",
            title_justify="left",
            expand=True,
        )
        wide = console.width >= 110  # narrow terminals: the required options go under the description
        table.add_column("schedule", style="cyan", no_wrap=True, min_width=16)
        table.add_column("description", ratio=1, min_width=30)
        if wide:
            table.add_column("required", style="green", max_width=40)
        rows = [(e.name, e.summary, _required_text(e)) for e in fam.entries()]
        placeholder = fam.placeholder()
        if placeholder is not None:
            rows.append((*placeholder, "–"))
        for name, summary, required in rows:
            if wide:
                table.add_row(escape(name), escape(summary), required)
            else:
                needs = f"\n[green]needs {escape(required)}[/]" if required != "–" else ""
                table.add_row(escape(name), escape(summary) + needs)
        console.print(table)
    console.print("[dim]lrviz describe NAME for every parameter, an example and the torch code[/]")


def _required_text(entry: Entry) -> str:
    required = ", ".join(p.option for p in entry.required) or "–"
    if entry.required_note:
        required = entry.required_note if required == "–" else f"{required} + {entry.required_note}"
    return required


def describe_cmd(
    name: Annotated[
        str,
        typer.Argument(
            metavar="NAME",
            help="A schedule name, e.g. cycliclr, or module:Class.",
            show_default=False,
            autocompletion=complete_schedule_names,
        ),
    ],
) -> None:
    """Every parameter of a schedule with type, default and help; an example; the torch code."""
    from rich.console import Console
    from rich.markup import escape
    from rich.syntax import Syntax

    from lrviz import registry
    from lrviz import spec as spec_mod
    from lrviz.codegen import torch_code

    head = name.split("(", 1)[0]
    entry = registry.get(head)
    console = Console()
    origin = entry.origin or entry.family
    version = registry.family(entry.family).version()
    console.print(f"[bold]{escape(entry.name)}[/]  [dim]{escape(origin)}{f' ({version})' if version else ''}[/]")
    # a user's docstring is text, never markup or terminal control
    console.print(printable(entry.summary), highlight=False, markup=False)
    note = registry.ambiguity(head)
    if note:
        console.print(f"[dim]{escape(note)}[/]", highlight=False)
    problem = entry.unavailable()
    if problem:
        console.print(f"[yellow]Not installed here: {escape(problem)}[/]")
        return
    console.print()
    if console.width >= WIDE_TABLE:
        console.print(params_table(entry, title="Parameters"))
    else:  # four columns leave the help a letter wide: a list reads at any width
        console.print(params_list(entry, title="Parameters"))
    if entry.needs_metric:
        from lrviz.metrics import pattern_help

        console.print()
        console.print(
            "[bold]Metric[/]: --metric FILE.csv[:COLUMN] | FILE.json[:KEY] | synthetic:NAME[,key=value...] "
            "(one value per step; per epoch with --steps-per-epoch). Built-in patterns:"
        )
        for pattern, mode, doc in pattern_help():
            console.print(f"  [cyan]synthetic:{pattern}[/] [dim]({mode})[/] {escape(doc)}", highlight=False)
    example = spec_mod.parse(entry.example) if entry.example else None
    console.print()
    console.print("[bold]Example[/]")
    if example is not None:
        console.print("  " + shlex.join(["lrviz", "plot", entry.cli_name, *example_options(example)]), highlight=False)
        console.print("  " + shlex.join(["lrviz", "plot", example.format()]), highlight=False)
        code_spec = example
    else:
        console.print(f"  lrviz plot {entry.cli_name} " + " ".join(f"{p.option} ..." for p in entry.required))
        code_spec = None
    if code_spec is not None:
        console.print()
        console.print("[bold]The same in torch[/]")
        console.print(
            Syntax(torch_code(code_spec, steps=_default_steps(code_spec)), "python", theme="ansi_dark", word_wrap=True)
        )


def _default_steps(spec: Spec) -> int:
    from lrviz.schedule import horizon

    return horizon(spec)[0]


def example_options(spec: Spec) -> list[str]:
    """CLI options equivalent to a spec's arguments."""
    from lrviz.schedule import Kind
    from lrviz.spec import Spec

    out: list[str] = []
    for name, value in spec.args.items():
        param = spec.entry.param(name)
        assert param is not None
        if param.kind == Kind.BOOL:
            out.append(param.option if value else f"--no-{param.option[2:]}")
        elif isinstance(value, list):
            out += [param.option, ", ".join(v.format() if isinstance(v, Spec) else _text(v) for v in value)]
        else:
            out += [param.option, _text(value)]
    return out


def _text(value: Any) -> str:
    if isinstance(value, float):
        return repr(value)
    return str(value)


WIDE_TABLE = 110
"""Columns from which ``describe`` shows the parameters as a table."""


def params_list(entry: Entry, title: str, brief: bool = False) -> Any:
    """Each parameter on a line of its own (option, type, default), its help indented under
    it (only its first sentence when ``brief``): readable at 80 columns and less, where a
    table of four columns leaves the help a letter wide. Names, types and help may come from
    a user's class: printed as text, never as terminal control."""
    from rich.console import Group
    from rich.padding import Padding
    from rich.text import Text

    from lrviz.schedule import Kind

    rows: list[Any] = [Text(printable(title), style="bold")]
    for param in entry.user_params:
        option = f"--[no-]{param.option[2:]}" if param.kind == Kind.BOOL else param.option
        head = Text("  ")
        head.append(printable(option), style="cyan")
        head.append("  ")
        head.append(printable(param.type_text), style="magenta")
        head.append("  ")
        head.append("required" if param.required else f"default {printable(param.default_text)}", style="green")
        rows.append(head)
        if param.help:
            help_text = first_sentence(param.help) if brief else param.help
            rows.append(Padding(Text(printable(help_text)), (0, 0, 0, 6), expand=False))
    return Group(*rows)


def params_table(entry: Entry, title: str, brief: bool = False) -> Any:
    from rich.markup import escape
    from rich.table import Table

    from lrviz.schedule import Kind

    table = Table(title=title, title_justify="left", title_style="bold", show_lines=brief is False, expand=True)
    table.add_column("option", style="cyan", no_wrap=True)
    table.add_column("type", style="magenta", overflow="fold")
    table.add_column("default", style="green", max_width=12)
    table.add_column("help", ratio=1, min_width=24)
    for param in entry.user_params:
        option = f"--[no-]{param.option[2:]}" if param.kind == Kind.BOOL else param.option
        help_text = first_sentence(param.help) if brief else param.help
        # from a user's signature and docstring: text, never markup or terminal control
        cells = (param.type_text, param.default_text, help_text)
        table.add_row(escape(printable(option)), *(escape(printable(cell)) for cell in cells))
    return table
