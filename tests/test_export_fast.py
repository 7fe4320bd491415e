"""CSV and JSON are written column by column, each distinct value converted once, and
JSON's long lists outside json's pure-Python encoder: the text must be, byte for byte, what
the plain way writes (csv's writer over rows of ``str``/``repr`` cells; ``json.dumps`` with
``indent=1`` of the whole document)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence

import numpy as np
import pytest

import lrviz
from lrviz.render import export
from lrviz.render import table as table_mod
from lrviz.tracing import Trace

CASES = [
    ("CyclicLR(base_lr=0.1, max_lr=0.2)", {"steps": 9000}),
    ("StepLR(step_size=3, gamma=0.5)", {"steps": 9000, "steps_per_epoch": 7}),
    ("StepLR(step_size=3, gamma=0.5)", {"steps": 1}),
    ("OneCycleLR(max_lr=0.1, total_steps=5000)", {"steps": 5000, "optimizer": "adam", "group_lrs": [0.1, 0.2, 0.3]}),
    ("ReduceLROnPlateau()", {"steps": 300}),
    ("ReduceLROnPlateau()", {"steps": 300, "steps_per_epoch": 10}),
    ("ExponentialLR(gamma=1.5)", {"steps": 5000}),  # overflows to inf: JSON's null
    ("ExponentialLR(gamma=0.5)", {"steps": 5000, "optimizer": "adam"}),  # subnormals, then 0.0
    ("LambdaLR(lr_lambda=lambda e: (e % 3 - 1) * 0.0)", {"steps": 5000}),  # -0.0 and 0.0
]


def plain_csv(t: Trace, rows: Sequence[int] | None) -> str:
    steps = range(t.n_steps) if rows is None else rows
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(export.csv_header(t))
    for i in steps:
        cells = [str(i)]
        if t.steps_per_epoch:
            cells.append(repr(i / t.steps_per_epoch))
        cells += [repr(float(t.lr[g, i])) for g in range(t.n_groups)]
        if t.momentum is not None:
            cells += [repr(float(t.momentum[g, i])) for g in range(t.n_groups)]
        writer.writerow(cells)
    return out.getvalue()


def plain_json(t: Trace, rows: Sequence[int] | None) -> str:
    return json.dumps(export.to_dict(t, rows), indent=1, allow_nan=False) + "\n"


@pytest.fixture(scope="module", params=CASES, ids=[f"{s} {kw}" for s, kw in CASES])
def traced(request: pytest.FixtureRequest) -> Trace:
    spec, kwargs = request.param
    return lrviz.trace(spec, **kwargs)


def _row_sets(t: Trace) -> list[Sequence[int] | None]:
    return [None, table_mod.select_rows(t, 7), [0, t.n_steps - 1, t.n_steps // 2], []]


def test_csv_is_the_plain_text(traced: Trace) -> None:
    for rows in _row_sets(traced):
        assert export.to_csv(traced, rows) == plain_csv(traced, rows)


def test_json_is_the_plain_text(traced: Trace) -> None:
    for rows in _row_sets(traced):
        assert export.to_json(traced, rows) == plain_json(traced, rows)


def test_several_schedules_json_is_the_plain_text() -> None:
    traces = [lrviz.trace("CyclicLR(base_lr=0.1, max_lr=0.2)", 5000), lrviz.trace("StepLR(step_size=3)", 20)]
    for rows in (None, [1, 2, 4999]):
        data = {
            "schedules": [
                export.to_dict(t, None if rows is None else [i for i in rows if i < t.n_steps]) for t in traces
            ]
        }
        assert export.many_to_json(traces, rows) == json.dumps(data, indent=1, allow_nan=False) + "\n"


def test_a_label_that_looks_like_the_placeholder_is_text() -> None:
    t = lrviz.trace("StepLR(step_size=3)", 300, label='lrviz-list-0 "lrviz-list-1"')
    assert export.to_json(t) == plain_json(t, None)


def test_values_repeat_across_chunks_and_within_them() -> None:
    """A value seen in one chunk and the next, and chunks of one value, print as repr."""
    t = lrviz.trace("StepLR(step_size=5000, gamma=0.5)", 3 * export.CHUNK + 17)
    assert export.to_csv(t) == plain_csv(t, None)
    assert np.unique(t.lr).size < 10
