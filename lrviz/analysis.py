"""What a trace's shape says: peak, minimum, final value, end of warmup, restarts,
milestones, a composite's segments, and short labels for comparing schedules.

Plain data out (no drawing, no printing): the figure marks these, the CLI prints the
summary line, and the tests check them against the trace's own values.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import blocks
from .schedule import Kind, Spec

if TYPE_CHECKING:
    from .tracing import Trace

JUMP_FRACTION = 0.25
"""A one-step rise larger than this fraction of the LR's range is a restart, not a ramp."""


@dataclass(frozen=True)
class Mark:
    """A point worth naming on a figure."""

    step: int
    value: float
    kind: str  # "peak", "min", "final", "warmup", "restart", "milestone", "reduction", "increase"
    text: str


@dataclass(frozen=True)
class Summary:
    peak: float
    peak_step: int
    minimum: float
    min_step: int
    final: float
    final_step: int
    group: int


def summary(t: Trace, group: int = 0) -> Summary:
    """Peak, minimum (first occurrences) and final LR of one param group, ignoring
    non-finite values; a trace with no finite value reports its infinite ones (an LR that
    is inf throughout is summarised as inf), and nan only when every value is nan."""
    import numpy as np

    row = t.lr[group]
    if isinstance(row, blocks.Row):
        return _summary_stats(row.stats(), group)
    finite = np.isfinite(row)
    if not finite.any():
        finite = ~np.isnan(row)
    if not finite.any():
        nan = float("nan")
        return Summary(nan, 0, nan, 0, float(row[-1]), t.n_steps - 1, group)
    if finite.all():  # the first extreme, as below, without a copy of a long trace
        peak, low = int(np.argmax(row)), int(np.argmin(row))
    else:
        peak = int(np.argmax(np.where(finite, row, -np.inf)))
        low = int(np.argmin(np.where(finite, row, np.inf)))
    return Summary(float(row[peak]), peak, float(row[low]), low, float(row[-1]), t.n_steps - 1, group)


def _summary_stats(row: blocks.RowStats, group: int) -> Summary:
    """:func:`summary` of a streamed row, from its statistics: the same values."""
    if not row.any_number:
        nan = float("nan")
        return Summary(nan, 0, nan, 0, row.last, row.n - 1, group)
    (peak, high), (low, minimum) = (row.peak, row.low) if row.any_finite else (row.peak_number, row.low_number)
    return Summary(high, peak, minimum, low, row.last, row.n - 1, group)


def _diffs(row: Any) -> Any:
    """``(i, d)`` blocks of ``np.diff(row)`` (``d[k]`` is ``row[i + k + 1] - row[i + k]``),
    a block of a streamed row at a time."""
    import numpy as np

    if not isinstance(row, blocks.Row):
        yield 0, np.diff(row)
        return
    previous = None
    for a, block in row.blocks():
        if previous is None:
            yield a, np.diff(block)
        else:
            yield a - 1, np.diff(np.concatenate((previous, block)))
        previous = block[-1:]


def _all_finite(row: Any) -> bool:
    import numpy as np

    if isinstance(row, blocks.Row):
        return row.stats().all_finite
    return bool(np.isfinite(row).all())


def _num(x: float) -> str:
    return f"{x:.4g}"


def epoch_of(step: int, steps_per_epoch: int, n_steps: int) -> str:
    """The epoch a step belongs to, counted from 1 and out of the trace's epochs: step
    5,999 of 6,000 with 100 steps per epoch is in "epoch 60 of 60"."""
    return f"epoch {step // steps_per_epoch + 1:,} of {-(-n_steps // steps_per_epoch):,}"


def _where(t: Trace, step: int) -> str:
    if t.steps_per_epoch:
        return f"step {step:,} ({epoch_of(step, t.steps_per_epoch, t.n_steps)})"
    return f"step {step:,}"


def summary_line(t: Trace) -> str:
    """One line per schedule: ``CyclicLR: peak 0.2 at step 30 · min 0.1 at step 0 · final 0.125 at step 79``."""
    s = summary(t)
    group = " (group 0)" if t.n_groups > 1 else ""
    label = t.label if len(t.label) <= 60 else t.name
    row = t.lr[0]
    if row.stats().constant if isinstance(row, blocks.Row) else bool((row == row[0]).all()):
        return f"{label}{group}: constant {_num(s.peak)} for {t.n_steps:,} steps"
    return (
        f"{label}{group}: peak {_num(s.peak)} at {_where(t, s.peak_step)} · "
        f"min {_num(s.minimum)} at {_where(t, s.min_step)} · "
        f"final {_num(s.final)} at {_where(t, s.final_step)}"
    )


def _span(row: Any) -> float:
    """The LR's finite range."""
    import numpy as np

    if isinstance(row, blocks.Row):
        stats = row.stats()
        return float(stats.peak[1] - stats.low[1]) if stats.any_finite else 0.0
    finite = row[np.isfinite(row)]
    return float(finite.max() - finite.min()) if len(finite) else 0.0


def warmup_end(t: Trace, group: int = 0) -> int | None:
    """The step where an initial warmup reaches the peak: the LR rises (never falls) from
    step 0 to its first global maximum and afterwards climbs gradually by less than a
    quarter of its range in all (jumps back up, as in warm restarts, do not count; a cosine
    traced a little past T_max climbs a little). None for anything else, including cyclic
    schedules, whose first peak is not the end of a warmup."""
    import numpy as np

    row = t.lr[group]
    if t.n_steps < 3 or not _all_finite(row) or t.spec.entry.periodic:
        return None
    s = summary(t, group)
    p = s.peak_step
    if p == 0 or not row[0] < row[p]:
        return None
    span = _span(row)
    tol = 1e-12 * max(abs(s.peak), 1e-300)
    rises = []
    for i, d in _diffs(row):
        if i < p and np.any(d[: p - i] < -tol):
            return None
        after = d[max(0, p - i) :]
        rises.append(after[(after > tol) & (after <= JUMP_FRACTION * span)])
    # one sum of the rises in order, as on the whole row (numpy sums pairwise)
    if float(np.concatenate(rises).sum()) > JUMP_FRACTION * span:
        return None
    return p


def restarts(t: Trace, group: int = 0) -> list[int]:
    """Steps where the LR jumps back up by more than a quarter of its range (after the
    first peak), as warm restarts do."""
    import numpy as np

    row = t.lr[group]
    if t.n_steps < 3 or not _all_finite(row):
        return []
    span = _span(row)
    if span == 0:
        return []
    p = summary(t, group).peak_step
    out = []
    for i, d in _diffs(row):
        jumps = np.nonzero(d > JUMP_FRACTION * span)[0] + 1 + i
        out += [int(j) for j in jumps if j > p]
    return out


def milestones(t: Trace) -> list[int]:
    """Declared milestones inside the trace: where a composite hands over to its next child
    (milestone events), and any schedule parameter called ``milestones`` or ``step`` holding
    a list of steps (MultiStepLR, MultiFactorScheduler)."""
    out = {e.step for e in t.events if e.kind == "milestone"}
    for name in ("milestones", "step"):
        param = t.spec.entry.param(name)
        if param is not None and param.kind == Kind.INTS:
            values = t.spec.value(name) or []
            out.update(int(m) for m in values if 0 <= m < t.n_steps)
    return sorted(out)


def marks(t: Trace, group: int = 0) -> list[Mark]:
    """Everything ``--annotate`` names: peak, minimum, final value, end of warmup,
    restarts, milestones, and a metric-driven schedule's reductions."""
    row = t.lr[group]
    s = summary(t, group)
    out: list[Mark] = []
    if math.isfinite(s.peak):
        if s.peak != s.minimum:
            out.append(Mark(s.peak_step, s.peak, "peak", f"peak {_num(s.peak)}"))
            out.append(Mark(s.min_step, s.minimum, "min", f"min {_num(s.minimum)}"))
        out.append(Mark(s.final_step, s.final, "final", f"final {_num(s.final)}"))
    w = warmup_end(t, group)
    if w is not None:
        out.append(Mark(w, float(row[w]), "warmup", f"warmup ends (step {w:,})"))
    for r in restarts(t, group):
        out.append(Mark(r, float(row[r]), "restart", f"restart (step {r:,})"))
    for m in milestones(t):
        out.append(Mark(m, float(row[m]), "milestone", f"milestone {m:,}"))
    for e in t.events:
        if e.kind in ("reduction", "increase") and 0 < e.step < t.n_steps:
            before, after = float(row[e.step - 1]), float(row[e.step])
            text = f"×{after / before:.3g}" if before else e.text
            out.append(Mark(e.step, after, e.kind, text))
    return out


def segments(t: Trace) -> list[tuple[int, int, str]]:
    """The children of a composite that hands over from one to the next (SequentialLR) as
    (first step, end step, child's name), inside the trace."""
    if t.spec.entry.phases is None:
        return []
    phases = t.spec.entry.phases(t.spec)
    names = [child.name for _, child in phases]
    out = []
    for i, (start, child) in enumerate(phases):
        end = phases[i + 1][0] if i + 1 < len(phases) else t.n_steps
        start, end = max(0, start), min(t.n_steps, end)
        if end <= start:
            continue
        name = child.name if names.count(child.name) == 1 else f"{child.name} #{i + 1}"
        out.append((start, end, name))
    return out


def children_text(spec: Spec) -> str | None:
    """How a composite's children combine, when its family says (ChainedScheduler's chain)."""
    return spec.entry.note(spec) if spec.entry.note is not None else None


# --------------------------------------------------------------------------------------
# Short labels for comparing


def short_label(spec: Spec) -> str:
    """``CyclicLR``; a composite with its children: ``SequentialLR(LinearLR, CosineAnnealingLR)``."""
    children = spec.children()
    if children:
        return f"{spec.name}({', '.join(short_label(c) for c in children)})"
    return spec.name


def short_labels(specs: Sequence[Spec]) -> list[str]:
    """A short, distinct legend label per schedule: the name alone when it is unique, with
    the arguments that tell same-named schedules apart otherwise (for composites, their
    children's distinguishing arguments)."""
    base = [short_label(s) for s in specs]
    out = list(base)
    for label in set(base):
        same = [i for i, b in enumerate(base) if b == label]
        if len(same) < 2:
            continue
        keys: list[str] = []
        for i in same:
            for k in specs[i].args:
                param = specs[i].entry.param(k)
                if k not in keys and param is not None and param.kind != Kind.SCHEDULERS:
                    keys.append(k)
        differing = [k for k in keys if len({_arg_text(specs[i], k) for i in same}) > 1]
        # composites with the same children's names: label each child position apart
        kids = [specs[i].children() for i in same]
        child_labels: list[list[str]] = [[] for _ in same]
        if kids[0] and all(len(k) == len(kids[0]) for k in kids):
            for pos in range(len(kids[0])):
                labels = short_labels([k[pos] for k in kids])
                for j, text in enumerate(labels):
                    child_labels[j].append(text.split(" #")[0])
        for j, i in enumerate(same):
            parts = [", ".join(child_labels[j])] if child_labels[j] else []
            parts += [f"{k}={_arg_text(specs[i], k)}" for k in differing[:3]]
            shown = ", ".join(p for p in parts if p)
            out[i] = f"{specs[i].name}({shown})" if shown else label
    # still equal (identical specs): number them
    for label in set(out):
        same = [i for i, o in enumerate(out) if o == label]
        if len(same) > 1:
            for n, i in enumerate(same, 1):
                out[i] = f"{label} #{n}"
    return out


def _arg_text(spec: Spec, name: str) -> str:
    value = spec.value(name)
    if isinstance(value, list) and value and isinstance(value[0], Spec):
        return "[" + ", ".join(short_label(v) for v in value) + "]"
    text = repr(value) if not isinstance(value, float) else f"{value:g}"
    return text if len(text) <= 30 else text[:27] + "..."
