"""Every registry entry, whatever its family, through the same paths.

The oracle here is the code lrviz prints with ``--print-code``: a standalone script that
builds the optimizer and the scheduler the way a user would (torch's class, the seed's
hand-written class, transformers' get_scheduler, ...) and records the LR in a plain
training loop. Python runs it; its LRs must equal the trace exactly. Family-specific
tests (test_trace_vs_torch, test_recipes, test_hf) compare with the libraries and seeds
directly; this one makes sure no family is left out of the shared machinery.
"""

from __future__ import annotations

import numpy as np
import pytest

import lrviz
from lrviz import analysis, registry
from lrviz.code import torch_code
from lrviz.spec import parse

ENTRIES = [e for e in registry.entries() if e.unavailable() is None]


def run_code(code: str, metric: np.ndarray | None) -> np.ndarray:
    if metric is not None:
        # the script leaves the validation metric to the user: feed it the trace's own
        code = code.replace("    val_loss = ...  # computed on your validation set", "    val_loss = METRIC[step]")
    namespace: dict = {"METRIC": metric}
    exec(compile(code, "<lrviz --print-code>", "exec"), namespace)  # the script lrviz generated, not user text
    return np.array(namespace["lrs"]).T


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.name)
@pytest.mark.parametrize("group_lrs", [(), (0.1, 0.01)], ids=["1group", "2groups"])
def test_printed_code_reproduces_the_trace(entry, group_lrs):
    assert entry.example, f"{entry.name} has no example"
    spec = parse(entry.example)
    t = lrviz.trace(spec, group_lrs=group_lrs)
    code = torch_code(spec, t.optimizer_spec, t.n_steps)
    lrs = run_code(code, t.metric)
    np.testing.assert_array_equal(lrs, t.lr)


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.name)
def test_every_entry_summarises_and_draws(entry):
    t = lrviz.trace(parse(entry.example))
    s = analysis.summary(t)
    finite = t.lr[0][np.isfinite(t.lr[0])]
    assert s.peak == finite.max() and s.minimum == finite.min() and s.final == t.lr[0][-1]
    assert t.lr[0][s.peak_step] == s.peak and t.lr[0][s.min_step] == s.minimum
    fig = lrviz.plot(t, annotate=True)
    assert fig.axes[0].lines, "no line drawn"


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.name)
def test_every_entry_has_an_origin_and_summary(entry):
    assert entry.summary.strip()
    assert entry.family in ("torch", "recipes", "transformers")
