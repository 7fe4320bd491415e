"""Benchmark 4's worker: trace generation alone, steps per second, for every registry entry.

For each schedule lrviz can trace here (``lrviz.registry.entries()``, from its example,
with a fixed total such as OneCycleLR's ``total_steps`` or Hugging Face's
``num_training_steps`` set to the step count), it times, interleaved run by run:

- **blog loop**: the loop of the blog posts (and the CyclicLR tutorial) on a real ``torch.optim.SGD``:
  ``zero_grad()``, ``step()``, ``state_dict()['param_groups'][0]['lr']``, ``scheduler.step()``;
- **lean loop**: the least a torch loop can do: read ``param_groups[0]['lr']``, then
  ``scheduler.step()``, on lrviz's lean optimizer (whose ``step()`` does nothing);
- **lrviz**: ``lrviz.trace(spec, steps=N)``, the whole call (checks, metric, warnings);
- **lrviz exact**: ``lrviz.trace(spec, steps=N, exact=True)``, when this lrviz has ``exact``.

Metric-driven schedules (ReduceLROnPlateau, greedy) are stepped with lrviz's default
metric in all loops. Each method runs once on 1,000 steps first (imports, caches). It
prints JSON on stdout (read by ``bench/run.py``, benchmark 4) and one progress line per
schedule on stderr:

    python bench/trace_speed.py --steps 1000000 --blog-steps 100000 --runs 3 [--schedules steplr,cyclicLR]
"""

from __future__ import annotations

import argparse
import inspect
import json
import math
import statistics
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

import lrviz
from lrviz import metrics, optimizers, registry
from lrviz.schedule import Entry
from lrviz.spec import Spec, with_args

WARMUP_STEPS = 1_000
FIXED_TOTALS = ("total_steps", "num_training_steps")
"""Parameters that fix a schedule's length: set to the number of steps traced."""


@dataclass
class Row:
    """One schedule's timings (seconds per run) and what lrviz did."""

    name: str
    family: str
    spec: str
    blog: list[float] = field(default_factory=list)
    lean: list[float] = field(default_factory=list)
    lrviz: list[float] = field(default_factory=list)
    exact: list[float] = field(default_factory=list)
    path: str | None = None  # Trace.path of lrviz.trace(), when lrviz reports one
    exact_path: str | None = None
    values: str = ""  # lrviz's LRs against the lean loop's: "same" or the largest relative difference
    exact_values: str = ""


def has_exact() -> bool:
    """Whether this lrviz's trace() takes ``exact`` (forcing it to step torch)."""
    import importlib

    for name in ("lrviz.tracing", "lrviz.engine"):  # where trace() lives (lrviz.engine before 0.2)
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        return "exact" in inspect.signature(module.trace).parameters
    return False


def spec_for(entry: Entry, steps: int) -> Spec:
    """The entry's example, its fixed total (if any) set to ``steps``."""
    spec = lrviz.parse(entry.example)
    totals = {name: steps for name in FIXED_TOTALS if entry.param(name) is not None}
    return with_args(spec, **totals) if totals else spec


def metric_for(spec: Spec, steps: int) -> list[float] | None:
    """lrviz's default metric (what ``lrviz.trace`` uses without one), or None."""
    if not spec.entry.needs_metric:
        return None
    mode = str(spec.value("mode")) if spec.entry.param("mode") is not None else "min"
    return [float(v) for v in metrics.default(mode).take(steps)]


def blog_loop(spec: Spec, steps: int, metric: list[float] | None) -> tuple[float, list[float]]:
    """The blog posts' loop on a real SGD; seconds (scheduler construction included) and LRs."""
    import torch

    assert spec.entry.build is not None
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(2, 2))], lr=0.1, momentum=0.9)
    started = time.perf_counter()
    scheduler = spec.entry.build(spec, optimizer)
    lrs: list[float] = []
    for i in range(steps):
        optimizer.zero_grad()
        optimizer.step()
        lrs.append(optimizer.state_dict()["param_groups"][0]["lr"])
        if metric is None:
            scheduler.step()
        else:
            scheduler.step(metric[i])
    return time.perf_counter() - started, lrs


def lean_loop(spec: Spec, steps: int, metric: list[float] | None) -> tuple[float, list[float]]:
    """Read the LR, step the scheduler: nothing else, on lrviz's lean optimizer."""
    assert spec.entry.build is not None
    optimizer = optimizers.build(optimizers.OptimizerSpec())
    started = time.perf_counter()
    scheduler = spec.entry.build(spec, optimizer)
    optimizer.step()  # once, as lrviz does, so torch does not warn about the order
    lrs: list[float] = []
    for i in range(steps):
        lrs.append(optimizer.param_groups[0]["lr"])
        if metric is None:
            scheduler.step()
        else:
            scheduler.step(metric[i])
    return time.perf_counter() - started, lrs


def lrviz_trace(spec: Spec, steps: int, **options: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    trace = lrviz.trace(spec, steps=steps, **options)
    return time.perf_counter() - started, trace


def compare(values: np.ndarray, reference: Sequence[float]) -> str:
    """ "same" when equal to the lean loop's LRs, else the largest relative difference."""
    ref = np.asarray(reference, dtype=float)
    if values.shape != ref.shape:
        return f"{values.shape[0]:,} of {ref.shape[0]:,} steps"
    if np.array_equal(values, ref, equal_nan=True):
        return "same"
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.abs(values - ref) / np.maximum(np.abs(ref), np.finfo(float).tiny)
    worst = float(np.nanmax(rel)) if np.isfinite(rel).any() else math.inf
    return f"differs (rel. {worst:.1e})"


def measure(entry: Entry, steps: int, blog_steps: int, runs: int, exact: bool) -> Row:
    spec = spec_for(entry, steps)
    blog_spec = spec_for(entry, blog_steps)
    metric = metric_for(spec, steps)
    blog_metric = metric_for(blog_spec, blog_steps)
    row = Row(entry.name, entry.family, spec.format())
    warm = spec_for(entry, WARMUP_STEPS)
    warm_metric = metric_for(warm, WARMUP_STEPS)
    blog_loop(warm, WARMUP_STEPS, warm_metric)
    lean_loop(warm, WARMUP_STEPS, warm_metric)
    lrviz_trace(warm, WARMUP_STEPS)
    if exact:
        lrviz_trace(warm, WARMUP_STEPS, exact=True)
    for _ in range(runs):
        row.blog.append(blog_loop(blog_spec, blog_steps, blog_metric)[0])
        seconds, lean_lrs = lean_loop(spec, steps, metric)
        row.lean.append(seconds)
        seconds, trace = lrviz_trace(spec, steps)
        row.lrviz.append(seconds)
        row.path = getattr(trace, "path", None)
        row.values = compare(trace.lr[0], lean_lrs)
        if exact:
            seconds, trace = lrviz_trace(spec, steps, exact=True)
            row.exact.append(seconds)
            row.exact_path = getattr(trace, "path", None)
            row.exact_values = compare(trace.lr[0], lean_lrs)
        del lean_lrs, trace
    return row


def progress(row: Row, steps: int, blog_steps: int) -> str:
    def rate(times: list[float], n: int) -> str:
        return f"{n / statistics.median(times):>12,.0f}/s" if times else ""

    parts = [
        f"{row.name:<28}",
        f"blog {rate(row.blog, blog_steps)}",
        f"lean {rate(row.lean, steps)}",
        f"lrviz {rate(row.lrviz, steps)}",
    ]
    if row.exact:
        parts.append(f"exact {rate(row.exact, steps)}")
    return "  ".join(parts) + f"  {row.values}"


def selected(names: Sequence[str]) -> list[Entry]:
    wanted = {n.lower() for n in names}
    out = [e for e in registry.entries() if not e.unavailable() and e.loop is None]
    if wanted:
        out = [e for e in out if e.name.lower() in wanted or e.cli_name in wanted]
        missing = wanted - {e.name.lower() for e in out}
        if missing:
            raise SystemExit(f"trace_speed: unknown or unavailable schedules: {', '.join(sorted(missing))}")
    return out


def own_loop() -> list[str]:
    """Schedules left out: their library steps them with its own loop (timm's
    ``step_update`` and ``step(epoch)``), which neither torch loop here is."""
    return [e.name for e in registry.entries() if not e.unavailable() and e.loop is not None]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=1_000_000, help="steps of the lean loop and lrviz")
    parser.add_argument("--blog-steps", type=int, default=None, help="steps of the blog loop (default: --steps)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--schedules", default="", help="comma-separated names (default: all)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None, log: Callable[[str], None] | None = None) -> int:
    args = parse_args(argv)
    blog_steps = args.blog_steps or args.steps
    say = log or (lambda text: print(text, file=sys.stderr, flush=True))
    exact = has_exact()
    warnings.simplefilter("ignore")  # schedules' own warnings (an LR of 0, ...) are not timed output
    rows = []
    for entry in selected([n for n in args.schedules.split(",") if n.strip()]):
        row = measure(entry, args.steps, blog_steps, args.runs, exact)
        say(progress(row, args.steps, blog_steps))
        rows.append(row)
    result = {
        "steps": args.steps,
        "blog_steps": blog_steps,
        "runs": args.runs,
        "exact": exact,
        "rows": [asdict(r) for r in rows],
        "own_loop": own_loop(),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
