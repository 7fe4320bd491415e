"""What the commands print and write: notes on stderr, charts, tables, code, figure files.

Messages go to stderr, results to stdout, so that ``lrviz table ... --format csv > f.csv``
gets nothing but the CSV.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from lrviz.files import check_writable, write_atomic

from .options import Format

if TYPE_CHECKING:
    from lrviz.config import FigureOptions
    from lrviz.tracing import Trace


def stderr(message: str) -> None:
    print(message, file=sys.stderr)


def report(t: Trace, prefix: str = "") -> None:
    """What a trace has to say besides its values: the horizon chosen, the metric used,
    warnings, a crash."""
    if t.horizon_reason:
        stderr(
            f"lrviz: {prefix}no --steps given: tracing {t.n_steps:,} steps ({t.horizon_reason}); pass -n N to change"
        )
    if t.metric_note:
        stderr(f"lrviz: {prefix}{t.metric_note}")
    for warning in t.warnings:
        stderr(f"lrviz: warning: {prefix}{warning}")
    for event in t.events:
        if event.kind == "crash":
            stderr(f"lrviz: warning: {prefix}{event.text} (after step {event.step})")


def report_all(traces: Sequence[Trace]) -> None:
    for t in traces:
        report(t, prefix=f"{t.label}: " if len(traces) > 1 else "")


def summaries(traces: Sequence[Trace]) -> None:
    from lrviz.analysis import summary_line

    for t in traces:
        stderr(f"lrviz: {summary_line(t)}")


def print_code(traces: Sequence[Trace]) -> None:
    """The runnable torch code of each trace (optimizer, scheduler, loop) on stdout."""
    from lrviz.codegen import torch_code

    for k, t in enumerate(traces):
        if len(traces) > 1:
            print(f"# --- {t.label} ---")
        every = int(t.metric_steps[0]) + 1 if t.metric_steps is not None and len(t.metric_steps) else 1
        print(
            torch_code(
                t.spec,
                t.optimizer_spec,
                t.n_steps,
                None if t.metric is None else t.metric.tolist(),
                every,
                epoch_length=t.steps_per_epoch,
            ),
            end="",
        )
        if k < len(traces) - 1:
            print()


def terminal_chart(traces: Sequence[Trace], fig_opts: FigureOptions) -> None:
    import shutil

    from lrviz.render.terminal import chart

    columns, lines = shutil.get_terminal_size((100, 30))
    color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    height = max(12, min(lines - 3, 34))
    print(chart(list(traces), width=max(40, columns - 1), height=height, color=color, log=bool(fig_opts.log)), end="")


def write_figure(traces: Sequence[Trace], fig_opts: FigureOptions, paths: Sequence[Path]) -> None:
    """The figure of ``traces`` in every file of ``paths`` (format from the extension), all
    renamed into place together; then the summary lines (stderr) and the file names (stdout)."""
    from lrviz.render import figure
    from lrviz.runs import draw

    formats = [figure.format_of(str(p)) for p in paths]
    for path in paths:
        check_writable(path)
    dpi = fig_opts.dpi if fig_opts.dpi is not None else figure.DEFAULT_DPI
    fig = draw(traces, fig_opts)
    write_atomic([(path, figure.to_bytes(fig, fmt, dpi)) for path, fmt in zip(paths, formats, strict=True)])
    summaries(traces)
    for path in paths:
        print(path)


def print_table(traces: Sequence[Trace], every: int | None, fmt: Format) -> None:
    """The traces as a table on stdout: one schedule's steps, or several side by side."""
    from lrviz.render import export
    from lrviz.render import table as table_mod

    if len(traces) > 1:
        rows = table_mod.select_rows_many(traces, every)
        if fmt is Format.csv:
            sys.stdout.write(export.many_to_csv(traces, None if every is None else rows))
        elif fmt is Format.json:
            sys.stdout.write(export.many_to_json(traces, None if every is None else rows))
        elif fmt is Format.markdown:
            sys.stdout.write(table_mod.markdown_many(traces, rows))
        else:
            from rich.console import Console

            Console().print(table_mod.rich_table_many(traces, rows, every))
        return
    t = traces[0]
    rows_given = table_mod.select_rows(t, every) if every is not None else None
    if fmt is Format.csv:
        sys.stdout.write(export.to_csv(t, rows_given))
    elif fmt is Format.json:
        sys.stdout.write(export.to_json(t, rows_given))
    elif fmt is Format.markdown:
        sys.stdout.write(table_mod.markdown(t, table_mod.select_rows(t, every)))
    else:
        from rich.console import Console

        console = Console()
        table = table_mod.rich_table(t, table_mod.select_rows(t, every), every)
        if table.title is None:
            console.print(t.label, style="bold", highlight=False)
        console.print(table)
