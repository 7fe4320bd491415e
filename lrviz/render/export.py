"""Trace -> CSV / JSON for machines. Floats are written with ``repr`` (the shortest text
that reads back to the same double), so a round trip is exact.

Both are produced as a stream of text pieces (:func:`iter_csv`, :func:`iter_json`, ...),
a few thousand steps at a time, so a trace of twenty million steps is written with memory
for a chunk of it, not for its whole text; ``to_csv`` and ``to_json`` join the pieces."""

from __future__ import annotations

import csv
import functools
import io
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from lrviz.errors import printable

if TYPE_CHECKING:
    from lrviz.tracing import Trace

CHUNK = 4096
"""Steps converted and written at a time."""


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


def _chunks(steps: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(steps), CHUNK):
        yield steps[start : start + CHUNK]


def iter_csv(t: Trace, rows: Sequence[int] | None = None) -> Iterator[str]:
    """``step,lr[,momentum]`` (several groups: ``lr_0,...`` and ``momentum_0,...``); the
    momentum column holds Adam's beta1 for Adam-style optimizers. The text is what
    :mod:`csv`'s writer makes of ``str(step)`` and ``repr`` of each value (no cell needs
    quoting), made a column at a time: about 1 µs a row instead of 7."""
    steps = range(t.n_steps) if rows is None else rows
    spe = t.steps_per_epoch
    arrays = [t.lr] if t.momentum is None else [t.lr, t.momentum]

    def lines(chunk: Sequence[int]) -> str:
        where: Any = slice(chunk.start, chunk.stop) if isinstance(chunk, range) and chunk.step == 1 else list(chunk)
        columns: list[Iterable[str]] = [map(str, chunk)]
        if spe:
            columns.append(map(repr, [i / spe for i in chunk]))
        for values in arrays:
            block = values[:, where]
            columns += [_reprs(block[g]) for g in range(t.n_groups)]
        return "".join(map(_row_format(len(columns)), *columns))

    yield _header_line(csv_header(t))
    for chunk in _chunks(steps):
        yield lines(chunk)


@functools.cache
def _row_format(columns: int) -> Callable[..., str]:
    return ("{}" + ",{}" * (columns - 1) + "\n").format


def _reprs(values: Any) -> list[str]:
    """``repr`` of each float of a 1-D array, each distinct value converted once: a
    schedule repeats its values (a constant momentum, a step schedule's plateaus), and
    ``repr`` of a float is most of a row's cost. Distinct means distinct bits (0.0 and -0.0
    print differently)."""
    import numpy as np

    n = len(values)
    if n > 64 and values.dtype == np.float64:
        bits = np.ascontiguousarray(values).view(np.int64)
        if bits[0] == bits[-1] and (bits == bits[0]).all():
            return [repr(float(values[0]))] * n
        unique, inverse = np.unique(bits, return_inverse=True)
        if len(unique) * 2 <= n:
            texts = list(map(repr, unique.view(np.float64).tolist()))
            return list(map(texts.__getitem__, inverse.tolist()))
    return list(map(repr, values.tolist()))


def _header_line(header: Sequence[str]) -> str:
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerow(header)
    return text.getvalue()


def to_csv(t: Trace, rows: list[int] | None = None) -> str:
    return "".join(iter_csv(t, rows))


def _csv(header: Sequence[str], chunks: Iterable[Iterable[Sequence[str]]]) -> Iterator[str]:
    """A header and chunks of rows as CSV text, a chunk at a time: ``\\n`` line ends, a cell
    quoted only when it holds a comma or a quote (labels hold no line breaks:
    :func:`_lr_columns` makes them spaces)."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(header)
    for chunk in chunks:
        writer.writerows(chunk)
        yield text.getvalue()
        text.seek(0)
        text.truncate()
    yield text.getvalue()


def _finite(values: list[float]) -> list[float | None]:
    return [v if math.isfinite(v) else None for v in values]


class _Lazy(list):  # type: ignore[type-arg]
    """A list for :mod:`json`'s encoder that makes its items only as they are written:
    ``make(chunk of indices)`` gives the items of that chunk, ``texts(chunk)`` their JSON
    texts (what :func:`_encode` writes, without the encoder's per-item work)."""

    def __init__(
        self,
        indices: Sequence[int],
        make: Callable[[Sequence[int]], list[Any]],
        texts: Callable[[Sequence[int]], Iterable[str]],
    ) -> None:
        super().__init__()
        self._indices = indices
        self._make = make
        self.texts = texts

    def __len__(self) -> int:
        return len(self._indices)

    def __bool__(self) -> bool:
        return len(self._indices) > 0

    def __iter__(self) -> Iterator[Any]:
        for chunk in _chunks(self._indices):
            yield from self._make(chunk)

    def chunks(self) -> Iterator[Sequence[int]]:
        return _chunks(self._indices)

    def __eq__(self, other: object) -> bool:
        return list(iter(self)) == other

    __hash__ = None


def _where(chunk: Sequence[int]) -> Any:
    """An index for a chunk of steps: a slice (a view) when the steps are consecutive."""
    return slice(chunk.start, chunk.stop) if isinstance(chunk, range) and chunk.step == 1 else list(chunk)


def _values(row: Any) -> Callable[[Sequence[int]], list[float | None]]:
    return lambda chunk: _finite(row[list(chunk)].tolist())


def _value_texts(row: Any) -> Callable[[Sequence[int]], list[str]]:
    """JSON's text of each value: ``repr`` of a float, ``null`` for a non-finite one."""
    import numpy as np

    def texts(chunk: Sequence[int]) -> list[str]:
        values = row[_where(chunk)]
        out = _reprs(values)
        finite = np.isfinite(values)
        if not finite.all():
            for k in np.flatnonzero(~finite).tolist():
                out[k] = "null"
        return out

    return texts


def _int_texts(chunk: Sequence[int]) -> Iterable[str]:
    return map(str, chunk)


def to_dict(t: Trace, rows: Sequence[int] | None = None, *, lazy: bool = False) -> dict[str, Any]:
    """Plain data: the schedule, the optimizer, and per group the LR and momentum lists
    (non-finite values become null, as JSON has no NaN), and ``initial_lr``: what torch
    records in ``param_groups[g]["initial_lr"]`` (null where it records none, as
    ReduceLROnPlateau). A metric-driven schedule's metric is the values fed to
    ``scheduler.step(value)`` and the step after which each was fed (once per step, or
    once per epoch). ``lazy``: the long lists are made only as :func:`iter_json` writes them."""
    idx: Sequence[int] = range(t.n_steps) if rows is None else rows

    def listed(
        indices: Sequence[int],
        make: Callable[[Sequence[int]], list[Any]],
        texts: Callable[[Sequence[int]], Iterable[str]],
    ) -> list[Any]:
        if lazy:
            return _Lazy(indices, make, texts)
        return [v for chunk in _chunks(indices) for v in make(chunk)]

    initial = t.initial_lr if t.initial_lr is not None else t.optimizer_spec.lrs
    groups = []
    for g in range(t.n_groups):
        group: dict[str, Any] = {"initial_lr": initial[g], "lr": listed(idx, _values(t.lr[g]), _value_texts(t.lr[g]))}
        if t.momentum is not None:
            group[t.momentum_name or "momentum"] = listed(idx, _values(t.momentum[g]), _value_texts(t.momentum[g]))
        groups.append(group)
    data: dict[str, Any] = {
        "schedule": t.spec.format(),
        "label": t.label,
        "optimizer": t.optimizer,
        "steps": t.n_steps,
        "steps_per_epoch": t.steps_per_epoch,
        "step": listed(idx, list, _int_texts),
        "groups": groups,
        "warnings": list(t.warnings),
        "events": [{"step": e.step, "kind": e.kind, "text": e.text} for e in t.events],
    }
    if t.metric is not None:
        n = len(t.metric)
        fed = t.metric_steps
        data["metric"] = {
            "name": t.metric_name,
            "step": listed(
                range(n),
                (lambda c: fed[list(c)].tolist()) if fed is not None else list,
                (lambda c: map(str, fed[list(c)].tolist())) if fed is not None else _int_texts,
            ),
            "value": listed(range(n), _values(t.metric), _value_texts(t.metric)),
        }
    return data


def _encode(data: Any) -> Iterator[str]:
    """``json.dumps(data, indent=1)`` in pieces of about 64 kB, the same text. The encoder
    writes the structure; each :class:`_Lazy` list in it is written here, from its items'
    texts, where the encoder writes a placeholder in its stead (with ``indent``, json's
    encoder is pure Python: about 3 µs an item)."""
    import secrets

    token = f"lrviz-list-{secrets.token_hex(16)}-"
    lazies: dict[str, tuple[_Lazy, int]] = {}

    def mark(value: Any, depth: int) -> Any:
        if isinstance(value, _Lazy):
            if not value:
                return []
            key = json.dumps(f"{token}{len(lazies)}")
            lazies[key] = (value, depth)
            return f"{token}{len(lazies) - 1}"
        if isinstance(value, dict):
            return {k: mark(v, depth + 1) for k, v in value.items()}
        if isinstance(value, list):
            return [mark(v, depth + 1) for v in value]
        return value

    marked = mark(data, 0)
    pieces: list[str] = []
    size = 0
    for piece in json.JSONEncoder(indent=1, allow_nan=False).iterencode(marked):
        found = _placeholder(piece, lazies)
        if found is None:
            pieces.append(piece)
            size += len(piece)
        else:
            before, (lazy, depth) = found
            pieces.append(before)
            inner = "\n" + " " * (depth + 1)
            separator = "," + inner
            head = "[" + inner
            for chunk in lazy.chunks():
                pieces.append(head + separator.join(lazy.texts(chunk)))
                head = separator
                yield "".join(pieces)
                pieces, size = [], 0
            pieces.append("\n" + " " * depth + "]")
        if size > 1 << 16:
            yield "".join(pieces)
            pieces, size = [], 0
    pieces.append("\n")
    yield "".join(pieces)


def _placeholder(piece: str, lazies: dict[str, tuple[_Lazy, int]]) -> tuple[str, tuple[_Lazy, int]] | None:
    """The text before a placeholder that ends ``piece`` (the encoder writes a string value
    alone, or after its list's separator), and the list it stands for."""
    if not lazies or not piece.endswith('"'):
        return None
    start = piece.rfind('"', 0, len(piece) - 1)
    found = lazies.get(piece[start:]) if start >= 0 else None
    return None if found is None else (piece[:start], found)


def iter_json(t: Trace, rows: Sequence[int] | None = None) -> Iterator[str]:
    return _encode(to_dict(t, rows, lazy=True))


def to_json(t: Trace, rows: list[int] | None = None) -> str:
    return "".join(iter_json(t, rows))


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
    # row for a reader, and a table's header is one line; other control characters (a
    # terminal's escape sequences) are written as their escapes
    label = printable(re.sub(r"\r\n?|\n", " ", t.label))
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


def iter_many_csv(traces: Sequence[Trace], rows: Sequence[int] | None = None) -> Iterator[str]:
    """Several schedules side by side; a schedule shorter than the others has empty cells."""
    n = max(t.n_steps for t in traces)
    steps = range(n) if rows is None else rows
    spe = _common_spe(traces)
    moving = [t.momentum_varies for t in traces]

    def rows_of(chunk: Sequence[int]) -> Iterator[list[str]]:
        columns = []
        for t, moves in zip(traces, moving, strict=True):
            inside = [i for i in chunk if i < t.n_steps]
            lr = t.lr[:, inside].tolist()
            mom = t.momentum[:, inside].tolist() if moves and t.momentum is not None else None
            columns.append((len(inside), lr, mom))
        for k, i in enumerate(chunk):
            cells = [str(i)]
            if spe:
                cells.append(repr(i / spe))
            for t, (count, lr, mom) in zip(traces, columns, strict=True):
                here = k < count
                cells += [repr(float(lr[g][k])) if here else "" for g in range(t.n_groups)]
                if mom is not None:
                    cells += [repr(float(mom[g][k])) if here else "" for g in range(t.n_groups)]
            yield cells

    return _csv(many_header(traces), (rows_of(chunk) for chunk in _chunks(steps)))


def many_to_csv(traces: Sequence[Trace], rows: Sequence[int] | None = None) -> str:
    return "".join(iter_many_csv(traces, rows))


def iter_many_json(traces: Sequence[Trace], rows: Sequence[int] | None = None) -> Iterator[str]:
    """``{"schedules": [...]}``: each schedule as :func:`to_dict` gives it."""
    data = {
        "schedules": [
            to_dict(t, None if rows is None else [i for i in rows if i < t.n_steps], lazy=True) for t in traces
        ]
    }
    return _encode(data)


def many_to_json(traces: Sequence[Trace], rows: Sequence[int] | None = None) -> str:
    return "".join(iter_many_json(traces, rows))
