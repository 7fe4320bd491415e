"""Trace -> rows for people: a rich Table or Markdown, with a readable selection of steps."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from lrviz.errors import printable
from lrviz.render.export import _common_spe, _many_cells, csv_header, many_header

if TYPE_CHECKING:
    from rich.table import Table

    from lrviz.tracing import Trace

AUTO_ROWS = 40
"""About this many evenly spaced rows are shown for a long trace (turning points are added)."""


def select_rows(t: Trace, every: int | None = None, target: int = AUTO_ROWS) -> list[int]:
    """The steps to show: all of a short trace; otherwise every K-th step plus every step
    where the LR turns (changes direction, or starts or stops changing) or jumps."""
    import numpy as np

    n = t.n_steps
    if every is not None:
        return list(range(0, n, max(1, every))) + ([n - 1] if (n - 1) % max(1, every) else [])
    if n <= target * 1.5:
        return list(range(n))
    k = max(1, int(np.ceil(n / target)))
    keep = set(range(0, n, k)) | {n - 1}
    for g in range(t.n_groups):
        lr = t.lr[g]
        d = np.diff(lr)
        scale = np.abs(lr).max() or 1.0
        sign = np.sign(np.where(np.abs(d) <= 1e-12 * scale, 0.0, d))
        turns = np.nonzero(sign[1:] != sign[:-1])[0] + 1  # index i where direction changes
        # a jump: a step much larger than the typical step of this trace
        moving = np.abs(d[np.abs(d) > 1e-12 * scale])
        jumps = np.array([], dtype=int)
        if len(moving):
            typical = float(np.median(moving))
            jumps = np.nonzero(np.abs(d) > 10 * typical)[0]
        for i in turns:
            keep.add(int(i))
        for i in jumps:
            keep.update((int(i), int(i) + 1))
    return sorted(i for i in keep if 0 <= i < n)


def _fmt(value: float) -> str:
    return f"{value:.6g}"


def _columns(t: Trace) -> list[str]:
    """The CSV's columns; for people, Adam's beta1 is called by its name."""
    cols = csv_header(t)
    if t.momentum_name == "beta1":
        cols = [c.replace("momentum", "beta1") for c in cols]
    return cols


def _cells(t: Trace, i: int) -> list[str]:
    cells = [str(i)]
    if t.steps_per_epoch:
        cells.append(f"{i / t.steps_per_epoch:.4g}")
    cells += [_fmt(t.lr[g, i]) for g in range(t.n_groups)]
    if t.momentum is not None:
        cells += [_fmt(t.momentum[g, i]) for g in range(t.n_groups)]
    return cells


def caption(t: Trace, rows: list[int], every: int | None = None) -> str:
    if len(rows) == t.n_steps:
        return f"{t.n_steps} steps · {t.optimizer}"
    how = f"every {every}" if every else "evenly spaced + turns and jumps"
    return f"{len(rows)} of {t.n_steps:,} steps ({how}) · {t.optimizer} · --every 1 for all"


def rich_table(t: Trace, rows: list[int], every: int | None = None) -> Table:
    from rich.table import Table
    from rich.text import Text

    # a long spec as the title would be squeezed to the table's width: show it above instead;
    # text from data is Text, never markup ('[/]' in a label is shown, not parsed)
    title = Text(printable(t.label)) if len(t.label) <= 40 else None
    table = Table(title=title, caption=Text(caption(t, rows, every)), title_style="bold", caption_style="dim")
    for col in _columns(t):
        table.add_column(Text(col), justify="right", style="cyan" if col == "step" else None)
    for i in rows:
        table.add_row(*_cells(t, i))
    return table


def markdown(t: Trace, rows: list[int]) -> str:
    cols = _columns(t)
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---:" for _ in cols) + "|"]
    lines += ["| " + " | ".join(_cells(t, i)) + " |" for i in rows]
    return "\n".join(lines) + "\n"


def select_rows_many(traces: Sequence[Trace], every: int | None = None) -> list[int]:
    """The steps to show for several schedules side by side: each one's turns and jumps, or
    every K-th step; each schedule's last step always."""
    ends = {t.n_steps - 1 for t in traces}
    if every is not None:
        n = max(t.n_steps for t in traces)
        return sorted(set(range(0, n, max(1, every))) | ends)
    keep: set[int] = set(ends)
    for t in traces:
        keep.update(select_rows(t))
    return sorted(keep)


def _many_columns(traces: Sequence[Trace]) -> list[str]:
    cols = many_header(traces)
    return [c.replace(":momentum", " momentum").replace(":beta1", " beta1") for c in cols]


def _many_row(traces: Sequence[Trace], i: int, spe: int | None) -> list[str]:
    cells = [str(i)]
    if spe:
        cells.append(f"{i / spe:.4g}")
    for t in traces:
        cells += _many_cells(t, i, _fmt)
    return cells


def rich_table_many(traces: Sequence[Trace], rows: list[int], every: int | None = None) -> Table:
    from rich.table import Table

    n = max(t.n_steps for t in traces)
    if len(rows) == n:
        caption_text = f"{n} steps"
    else:
        how = f"every {every}" if every else "evenly spaced + turns and jumps"
        caption_text = f"{len(rows)} of {n:,} steps ({how}) · --every 1 for all"
    from rich.text import Text

    optimizers = list(dict.fromkeys(t.optimizer for t in traces))
    table = Table(caption=Text(f"{caption_text} · {' / '.join(optimizers)}"), caption_style="dim")
    for col in _many_columns(traces):
        table.add_column(Text(col), justify="right", style="cyan" if col == "step" else None, overflow="fold")
    spe = _common_spe(traces)
    for i in rows:
        table.add_row(*_many_row(traces, i, spe))
    return table


def markdown_many(traces: Sequence[Trace], rows: list[int]) -> str:
    cols = _many_columns(traces)
    lines = ["| " + " | ".join(c.replace("|", "\\|") for c in cols) + " |", "|" + "|".join("---:" for _ in cols) + "|"]
    spe = _common_spe(traces)
    lines += ["| " + " | ".join(_many_row(traces, i, spe)) + " |" for i in rows]
    return "\n".join(lines) + "\n"
