"""Every registry entry, whatever its family, through the same paths.

The oracle here is the code lrviz prints with ``--print-code``: a standalone script that
builds the optimizer and the scheduler the way a user would (torch's class, the seed's
hand-written class, transformers' get_scheduler, ...) and records the LR in a plain
training loop. Python runs it; its LRs must equal the trace exactly. Family-specific
tests (test_trace_vs_torch, test_recipes, test_hf) compare with the libraries and seeds
directly; this one makes sure no family is left out of the shared machinery.
"""

from __future__ import annotations

import importlib
import inspect
import re

import libraries
import numpy as np
import pytest
from clirun import run_ok

import lrviz
from lrviz import analysis, registry
from lrviz.codegen import torch_code
from lrviz.errors import LrvizError
from lrviz.families import d2l
from lrviz.schedule import Entry
from lrviz.spec import parse

ENTRIES = [e for e in registry.entries() if e.unavailable() is None]


def run_code(code: str, metric: np.ndarray | None) -> np.ndarray:
    if metric is not None:
        # the script leaves the validation metric to the user: feed it the trace's own
        code = code.replace("    val_loss = ...  # computed on your validation set", "    val_loss = METRIC[step]")
    namespace = libraries.run(code, {"METRIC": metric})  # the script lrviz generated, not user text
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


def _torch_origin(entry: Entry, origin: str) -> None:
    """``torch.optim.lr_scheduler.Name (torch VERSION)``: a class of the installed torch."""
    match = re.fullmatch(r"(torch\.optim\.lr_scheduler)\.(\w+) \(torch (\S+)\)", origin)
    assert match, origin
    module, name, version = match.groups()
    import torch

    cls = getattr(importlib.import_module(module), name, None)
    assert inspect.isclass(cls) and cls.__name__ == entry.name and callable(cls.step), origin
    assert version == torch.__version__, origin


def _transformers_origin(entry: Entry, origin: str) -> None:
    """``transformers.get_scheduler('name') (transformers VERSION)``: a name the installed
    get_scheduler takes."""
    match = re.fullmatch(r"transformers\.get_scheduler\('(\w+)'\)(?: \(transformers (\S+)\))?", origin)
    assert match, origin
    name, version = match.groups()
    import transformers

    assert name == entry.name and name in {kind.value for kind in transformers.SchedulerType}, origin
    assert version in (None, transformers.__version__), origin


def _d2l_origin(entry: Entry, origin: str) -> None:
    """``Dive into Deep Learning, §SECTION TITLE (hand-written)``: the book section that
    lrviz.families.d2l copies its classes from, as that module's docstring says, and the
    entry is one of those classes."""
    match = re.fullmatch(r"(Dive into Deep Learning), §([\d.]+) ([^()]+) \(hand-written\)", origin)
    assert match, origin
    book, section, title = match.groups()
    doc = " ".join((d2l.__doc__ or "").split())
    assert f'{book} (Zhang, Lipton, Li and Smola), §{section} "{title}"' in doc, origin
    assert entry.name in d2l.CLASSES, f"{entry.name} is not one of the book's classes"


def _timm_origin(entry: Entry, origin: str) -> None:
    """``timm.scheduler.Name (timm VERSION)``, a scheduler class of the installed timm, or
    ``timm.scheduler.create_scheduler_v2(sched='name') (timm VERSION)``, a name its
    create_scheduler_v2 compares ``sched`` with."""
    from lrviz.families import timm_source

    match = re.fullmatch(r"timm\.scheduler\.(\w+)(?:\(sched='([\w-]+)'\))? \(timm (\S+)\)", origin)
    assert match, origin
    name, sched, version = match.groups()
    package = timm_source.scheduler_package()
    found = getattr(package, name, None)
    if sched is None:
        assert inspect.isclass(found) and issubclass(found, package.scheduler.Scheduler), origin
        assert entry.name == name, origin
    else:
        assert name == "create_scheduler_v2" and callable(found), origin
        source = inspect.getsource(found)
        assert re.search(rf"sched (==|in) [^\n]*'{re.escape(sched)}'", source), origin
        assert entry.name == f"timm.{sched}", origin
    from importlib import metadata

    assert version == metadata.version("timm"), origin


ORIGINS = {
    "torch": _torch_origin,
    "transformers": _transformers_origin,
    "d2l": _d2l_origin,
    "timm": _timm_origin,
}
"""Per family, what its entries' origin must say. A family missing here fails the test below."""


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.name)
def test_every_entry_has_an_origin_and_summary(entry, capsys, monkeypatch):
    """The origin ``lrviz describe`` shows (``entry.origin``, or for torch's classes the
    class's path) names where the schedule comes from, in a form that is checked against
    the installed library or the seed."""
    assert entry.summary.strip()
    check = ORIGINS.get(entry.family)
    assert check is not None, f"no origin check for the {entry.family!r} family: add one to ORIGINS"
    monkeypatch.setenv("COLUMNS", "1000")  # the heading on one line
    out, _ = run_ok(capsys, "describe", entry.name)
    name, origin = out.splitlines()[0].split("  ", 1)
    assert name == entry.name
    if entry.origin:
        assert origin.startswith(entry.origin), (origin, entry.origin)
    check(entry, origin)


HUGE = 2**1024 - 1  # a whole number too big for a float


@pytest.mark.parametrize(
    "spec",
    [
        f"constant_with_warmup(num_warmup_steps={HUGE})",
        f"timm.constant(num_epochs={HUGE})",
        f"StepLR(step_size={HUGE})",
    ],
)
def test_a_whole_number_too_big_for_a_float_is_an_answer_not_an_overflow(spec):
    """Such a length is traced (its horizon capped) or refused in one line; never an
    OverflowError from treating it as a float."""
    entry = registry.get(spec.split("(")[0])
    if entry.unavailable():
        pytest.skip(entry.unavailable())
    try:
        t = lrviz.trace(spec, 20)
    except LrvizError as exc:
        assert "\n" not in exc.one_line()
    else:
        assert t.n_steps == 20
