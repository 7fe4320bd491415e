"""What the commands print and write: notes on stderr, charts, tables, code, figure files.

Messages go to stderr, results to stdout, so that ``lrviz table ... --format csv > f.csv``
gets nothing but the CSV.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from lrviz.errors import printable
from lrviz.files import check_writable, write_atomic

from .options import Format

if TYPE_CHECKING:
    from lrviz.config import FigureOptions
    from lrviz.tracing import Trace

MAX_COLUMNS = 512
"""The widest terminal lrviz draws for (a COLUMNS of 100,000 would make every line that long)."""


def stderr(message: str) -> None:
    """One message on stderr, its control characters escaped (a label or a file name from
    data must not drive the terminal); nothing, when stderr cannot be written."""
    try:
        print(printable(message), file=sys.stderr, flush=True)
    except (OSError, ValueError):
        pass


@contextlib.contextmanager
def user_output_to_stderr() -> Iterator[None]:
    """While user code may run (importing a ``module:Class``, building and stepping it),
    whatever it prints goes to stderr, at the level of Python and of the file descriptor:
    stdout carries only lrviz's results (a CSV, a JSON document, file names, code)."""
    saved = None
    try:
        sys.stdout.flush()
        saved = os.dup(1)
        os.dup2(2, 1)
    except (OSError, ValueError, AttributeError):
        saved = None
    try:
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        if saved is not None:
            try:
                sys.stderr.flush()
                os.dup2(saved, 1)
            finally:
                os.close(saved)


def console(*, stderr: bool = False) -> Any:
    """A rich Console no wider than :data:`MAX_COLUMNS`."""
    from rich.console import Console

    found = Console(stderr=stderr)
    return found if found.width <= MAX_COLUMNS else Console(stderr=stderr, width=MAX_COLUMNS)


def write_out(pieces: Iterable[str]) -> None:
    """Results on stdout, piece by piece (a long table is never one string in memory)."""
    write = sys.stdout.write
    for piece in pieces:
        write(piece)


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
            print(f"# --- {printable(' '.join(t.label.split()))} ---")
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


def terminal_chart(traces: Sequence[Trace], fig_opts: FigureOptions, file: IO[str] | None = None) -> None:
    """The chart, as wide as the terminal (at most :data:`MAX_COLUMNS`), on stdout or ``file``."""
    import shutil

    from lrviz.render.terminal import chart

    out = file if file is not None else sys.stdout
    columns, lines = shutil.get_terminal_size((100, 30))
    color = out.isatty() and not os.environ.get("NO_COLOR")
    height = max(12, min(lines - 3, 34))
    width = max(40, min(columns, MAX_COLUMNS) - 1)
    print(chart(list(traces), width=width, height=height, color=color, log=bool(fig_opts.log)), end="", file=out)


def write_figure(
    traces: Sequence[Trace], fig_opts: FigureOptions, paths: Sequence[Path], names_to_stderr: bool = False
) -> None:
    """The figure of ``traces`` in every file of ``paths`` (format from the extension), all
    renamed into place together; then the summary lines (stderr) and the file names (stdout,
    or stderr when stdout holds something else, such as the code of --print-code)."""
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
        if names_to_stderr:
            stderr(f"lrviz: wrote {path}")
        else:
            print(path)


def print_table(traces: Sequence[Trace], every: int | None, fmt: Format) -> None:
    """The traces as a table on stdout: one schedule's steps, or several side by side."""
    from lrviz.render import export
    from lrviz.render import table as table_mod

    if len(traces) > 1:
        if fmt is Format.csv:
            write_out(
                export.iter_many_csv(traces, None if every is None else table_mod.select_rows_many(traces, every))
            )
        elif fmt is Format.json:
            write_out(
                export.iter_many_json(traces, None if every is None else table_mod.select_rows_many(traces, every))
            )
        elif fmt is Format.markdown:
            write_out([table_mod.markdown_many(traces, table_mod.select_rows_many(traces, every))])
        else:
            console().print(table_mod.rich_table_many(traces, table_mod.select_rows_many(traces, every), every))
        return
    t = traces[0]
    rows_given = table_mod.select_rows(t, every) if every is not None else None
    if fmt is Format.csv:
        write_out(export.iter_csv(t, rows_given))
    elif fmt is Format.json:
        write_out(export.iter_json(t, rows_given))
    elif fmt is Format.markdown:
        write_out([table_mod.markdown(t, table_mod.select_rows(t, every))])
    else:
        out = console()
        table = table_mod.rich_table(t, table_mod.select_rows(t, every), every)
        if table.title is None:
            out.print(printable(t.label), style="bold", highlight=False, markup=False)
        out.print(table)
