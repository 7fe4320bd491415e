"""Trace -> CSV / JSON for machines. Floats are written with ``repr`` (the shortest text
that reads back to the same double), so a round trip is exact."""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Iterable, Sequence
from itertools import chain
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lrviz.tracing import Trace


def csv_header(t: Trace) -> list[str]:
    cols = ["step"]
    if t.steps_per_epoch:
        cols.append("epoch")
    if t.n_groups == 1:
        cols.append("lr")
        if t.momentum is not None:
            cols.append("momentum")
    else:
        cols += [f"lr_{g}" for g in range(t.n_groups)]
        if t.momentum is not None:
            cols += [f"momentum_{g}" for g in range(t.n_groups)]
    return cols


def to_csv(t: Trace, rows: list[int] | None = None) -> str:
    """``step,lr[,momentum]`` (several groups: ``lr_0,...`` and ``momentum_0,...``); the
    momentum column holds Adam's beta1 for Adam-style optimizers."""
    steps = range(t.n_steps) if rows is None else rows
    lr = t.lr.tolist()
    mom = t.momentum.tolist() if t.momentum is not None else None
    spe = t.steps_per_epoch

    def row(i: int) -> list[str]:
        cells = [str(i)]
        if spe:
            cells.append(repr(i / spe))
        cells += [repr(lr[g][i]) for g in range(t.n_groups)]
        if mom is not None:
            cells += [repr(mom[g][i]) for g in range(t.n_groups)]
        return cells

    return _csv(csv_header(t), map(row, steps))


def _csv(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A header and rows as CSV text: ``\\n`` line ends, a cell quoted only when it holds a
    comma or a quote (labels hold no line breaks: :func:`_lr_columns` makes them spaces)."""
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(chain([header], rows))
    return text.getvalue()


def _finite(values: list[float]) -> list[float | None]:
    return [v if math.isfinite(v) else None for v in values]


def to_dict(t: Trace, rows: list[int] | None = None) -> dict[str, Any]:
    """Plain data: the schedule, the optimizer, and per group the LR and momentum lists
    (non-finite values become null, as JSON has no NaN). A metric-driven schedule's metric
    is the values fed to ``scheduler.step(value)`` and the step after which each was fed
    (once per step, or once per epoch)."""
    idx = list(range(t.n_steps)) if rows is None else rows
    groups = []
    for g in range(t.n_groups):
        lr = t.lr[g].tolist()
        group: dict[str, Any] = {"initial_lr": t.optimizer_spec.lrs[g], "lr": _finite([lr[i] for i in idx])}
        if t.momentum is not None:
            mom = t.momentum[g].tolist()
            group[t.momentum_name or "momentum"] = _finite([mom[i] for i in idx])
        groups.append(group)
    data: dict[str, Any] = {
        "schedule": t.spec.format(),
        "label": t.label,
        "optimizer": t.optimizer,
        "steps": t.n_steps,
        "steps_per_epoch": t.steps_per_epoch,
        "step": idx,
        "groups": groups,
        "warnings": list(t.warnings),
        "events": [{"step": e.step, "kind": e.kind, "text": e.text} for e in t.events],
    }
    if t.metric is not None:
        fed_after = t.metric_steps.tolist() if t.metric_steps is not None else list(range(len(t.metric)))
        data["metric"] = {"name": t.metric_name, "step": fed_after, "value": _finite(t.metric.tolist())}
    return data


def to_json(t: Trace, rows: list[int] | None = None) -> str:
    return json.dumps(to_dict(t, rows), indent=1, allow_nan=False) + "\n"


def many_header(traces: Sequence[Trace]) -> list[str]:
    """``step[,epoch]``, then per schedule one LR column named by its label (``label[g]``
    for several param groups) and ``label:momentum`` (or beta1) when its momentum moves."""
    cols = ["step"]
    if _common_spe(traces):
        cols.append("epoch")
    for t in traces:
        cols += _lr_columns(t)
    return cols


def _common_spe(traces: Sequence[Trace]) -> int | None:
    """Steps per epoch when every schedule counts the same, else None (steps only)."""
    values = {t.steps_per_epoch for t in traces}
    return values.pop() if len(values) == 1 else None


def _lr_columns(t: Trace) -> list[str]:
    # one line per header cell, whichever line breaks a label has: a bare \r would end the CSV
    # row for a reader, and a table's header is one line
    label = re.sub(r"\r\n?|\n", " ", t.label)
    cols = [label] if t.n_groups == 1 else [f"{label}[{g}]" for g in range(t.n_groups)]
    if t.momentum_varies:
        name = t.momentum_name or "momentum"
        cols += [f"{label}:{name}"] if t.n_groups == 1 else [f"{label}[{g}]:{name}" for g in range(t.n_groups)]
    return cols


def _many_cells(t: Trace, i: int, fmt: Any) -> list[str]:
    inside = i < t.n_steps
    cells = [fmt(t.lr[g, i]) if inside else "" for g in range(t.n_groups)]
    if t.momentum_varies:
        assert t.momentum is not None
        cells += [fmt(t.momentum[g, i]) if inside else "" for g in range(t.n_groups)]
    return cells


def many_to_csv(traces: Sequence[Trace], rows: Sequence[int] | None = None) -> str:
    """Several schedules side by side; a schedule shorter than the others has empty cells."""
    n = max(t.n_steps for t in traces)
    steps = range(n) if rows is None else rows
    spe = _common_spe(traces)

    def row(i: int) -> list[str]:
        cells = [str(i)]
        if spe:
            cells.append(repr(i / spe))
        for t in traces:
            cells += _many_cells(t, i, lambda v: repr(float(v)))
        return cells

    return _csv(many_header(traces), map(row, steps))


def many_to_json(traces: Sequence[Trace], rows: Sequence[int] | None = None) -> str:
    """``{"schedules": [...]}``: each schedule as :func:`to_dict` gives it."""
    data = {"schedules": [to_dict(t, None if rows is None else [i for i in rows if i < t.n_steps]) for t in traces]}
    return json.dumps(data, indent=1, allow_nan=False) + "\n"
