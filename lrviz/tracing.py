"""spec -> Trace: step the real torch scheduler on a fresh dummy optimizer.

The trace holds, for each param group, the learning rate (and momentum or Adam's beta1)
that training iteration ``i`` uses: the value read from ``optimizer.param_groups`` *before*
the i-th ``scheduler.step()``, exactly as a training loop sees it. Stepping is lean: no
per-step ``optimizer.step()``/``zero_grad()``/``state_dict()`` (no scheduler reads optimizer
state); one no-op ``optimizer.step()`` after construction keeps torch's step-order warning
from firing. A family whose library steps its schedulers its own way (timm's ``step_update``
after every update and ``step(epoch)`` after every epoch) says how with its entries'
:class:`~lrviz.schedule.Loop`, and the trace follows that loop instead. No I/O happens here.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from . import blocks, optimizers, registry
from .errors import LrvizError
from .optimizers import OptimizerSpec
from .schedule import MIN_HORIZON, Context, Event, Loop, Spec, check_tree, exc_text, tail
from .schedule import horizon as schedule_horizon
from .spec import parse

if TYPE_CHECKING:
    import numpy as np

    from .metrics import Metric

MAX_STEPS = 20_000_000
"""The most steps lrviz traces (x param groups, the values fill a few hundred MB)."""

MAX_VALUES = 40_000_000
"""The most values (steps x param groups) lrviz keeps."""

STREAM_STEPS = 1 << 20
"""With ``trace(stream=True)``, a longer trace of a schedule that can make any range of
steps (see :mod:`lrviz.blocks`) holds how to make its values, not the values."""


@dataclass
class Trace:
    """Plain data: what a training loop sees, step by step."""

    spec: Spec
    # (groups, steps); a streamed trace's are lrviz.blocks.Values, made a block at a time
    lr: np.ndarray
    momentum: np.ndarray | None  # (groups, steps); None when the optimizer has none
    momentum_name: str | None  # "momentum" or "beta1"
    optimizer: str  # e.g. "SGD(lr=0.1, momentum=0.9)"
    optimizer_spec: OptimizerSpec
    steps_per_epoch: int | None = None
    horizon_reason: str | None = None  # why this many steps, when lrviz chose the number
    warnings: list[str] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    metric: np.ndarray | None = None  # the values fed to scheduler.step(metric), in order
    metric_note: str | None = None
    label: str = ""
    metric_steps: np.ndarray | None = None  # the step after which each metric value was fed
    metric_name: str = "metric"
    path: str = "torch"  # "fast": computed by lrviz.fast_path; "torch": the real scheduler stepped
    # param_groups[g]["initial_lr"] once the scheduler is built (None in a group where it
    # records none, as ReduceLROnPlateau); None when not known: the optimizer's lrs
    initial_lr: tuple[float | None, ...] | None = None

    def __post_init__(self) -> None:
        if not self.label:
            self.label = self.spec.format()

    @property
    def n_steps(self) -> int:
        return int(self.lr.shape[1])

    @property
    def n_groups(self) -> int:
        return int(self.lr.shape[0])

    @property
    def steps(self) -> np.ndarray:
        import numpy as np

        return np.arange(self.n_steps)

    @property
    def x(self) -> np.ndarray:
        """Steps, or epochs when steps_per_epoch is known."""
        if self.steps_per_epoch:
            return self.steps / self.steps_per_epoch
        return self.steps

    @property
    def x_label(self) -> str:
        return "epoch" if self.steps_per_epoch else "step"

    @property
    def momentum_varies(self) -> bool:
        import numpy as np

        if self.momentum is None or self.n_steps == 0:
            return False
        if isinstance(self.momentum, blocks.Values):
            return not all(row.constant for row in self.momentum.stats())
        first = self.momentum[:, :1]
        block = 1 << 20  # a block of steps at a time: no bool array as long as the trace
        return any(bool(np.any(self.momentum[:, a : a + block] != first)) for a in range(0, self.n_steps, block))

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def streamed(self) -> bool:
        """Whether the values are made a block at a time when read (not held)."""
        return isinstance(self.lr, blocks.Values)


def _validate_steps(steps: int) -> int:
    if isinstance(steps, bool) or not isinstance(steps, (int, float)) or not float(steps).is_integer():
        raise LrvizError(f"the number of steps must be a whole number, got {steps!r}")
    steps = int(steps)
    if steps < 1:
        raise LrvizError(f"the number of steps must be at least 1, got {steps}")
    if steps > MAX_STEPS:
        raise LrvizError(
            f"{steps:,} steps is too many: lrviz traces at most {MAX_STEPS:,}",
            "pass a smaller -n/--steps",
        )
    return steps


def trace(
    spec: str | Spec,
    steps: int | None = None,
    *,
    optimizer: str = optimizers.DEFAULT_OPTIMIZER,
    lr: float = optimizers.DEFAULT_LR,
    group_lrs: Sequence[float] = (),
    momentum: float | None = None,
    betas: tuple[float, float] | Sequence[float] | str | None = None,
    steps_per_epoch: int | None = None,
    metric: Metric | str | Sequence[float] | None = None,
    label: str = "",
    exact: bool = False,
    progress: Callable[[int, int], None] | None = None,
    stream: bool = False,
) -> Trace:
    """Trace a schedule.

    ``spec`` is a spec string (``"CyclicLR(base_lr=0.1, max_lr=0.2)"``, ``"steplr"`` is not
    enough since StepLR needs step_size) or a parsed :class:`Spec`. ``steps=None`` chooses a
    horizon that shows the schedule's whole shape (see ``Trace.horizon_reason``).

    A metric-driven schedule (ReduceLROnPlateau) is fed ``metric``: values, a
    :class:`lrviz.metrics.Metric`, or its text (``"synthetic:plateau"``, ``"log.csv:val_loss"``);
    without one, a documented default pattern. It is stepped once per step with one value
    per step, or, when ``steps_per_epoch`` is given, once per epoch (after the epoch's last
    step) with one value per epoch, as a training loop validates once per epoch.

    A schedule whose library has its own training loop (its entry's ``loop``) is stepped as
    that loop steps it, in epochs of ``steps_per_epoch`` steps (or as many as its own
    arguments say); a schedule whose time counts epochs then takes one step per epoch.

    Schedules covered by :mod:`lrviz.fast_path` are computed without stepping (or importing)
    torch, to the same values; ``exact=True`` always steps the real scheduler.
    ``progress(done, total)`` is called now and then while torch is stepped.

    ``stream=True``: a trace longer than :data:`STREAM_STEPS` of a schedule that can
    compute any range of steps (CyclicLR's fast path) holds no values: its ``lr`` and
    ``momentum`` are :class:`lrviz.blocks.Values`, made a block at a time as they are read
    (the same values), so the figure, the tables and the summaries need memory for a block.
    """
    import numpy as np

    if isinstance(spec, str):
        spec = parse(spec)
    spec.entry.require()
    opt_spec = OptimizerSpec(
        name=optimizers.check_name(optimizer),
        lr=float(lr),
        group_lrs=tuple(float(x) for x in group_lrs),
        momentum=None if momentum is None else float(momentum),
        betas=None if betas is None else optimizers.parse_betas(betas),
    )
    for value in opt_spec.lrs:
        if not math.isfinite(value) or value < 0:
            raise LrvizError(f"the optimizer's learning rate must be a finite number >= 0, got {value}")
    if opt_spec.momentum is not None and not (math.isfinite(opt_spec.momentum) and opt_spec.momentum >= 0):
        raise LrvizError(f"--momentum must be a finite number >= 0, got {opt_spec.momentum}", "e.g. --momentum 0.9")
    if opt_spec.betas is not None and not all(math.isfinite(b) and 0 <= b < 1 for b in opt_spec.betas):
        raise LrvizError(
            f"--betas must be two numbers in [0, 1), got {opt_spec.betas[0]},{opt_spec.betas[1]}",
            "e.g. --betas 0.9,0.999",
        )
    entry = spec.entry
    if steps_per_epoch is not None:
        if isinstance(steps_per_epoch, bool) or not isinstance(steps_per_epoch, int) or steps_per_epoch < 1:
            raise LrvizError(f"--steps-per-epoch must be a whole number >= 1, got {steps_per_epoch!r}")
    loop = entry.loop(spec) if entry.loop is not None else None
    loop_notes: list[str] = []
    loop_epoch: int | None = None  # the steps per epoch of the library's own loop
    if loop is not None:
        own = loop.steps_per_epoch
        if steps_per_epoch is not None and own is not None and own != steps_per_epoch:
            loop_notes.append(
                f"{spec.name}: its arguments say {own} steps per epoch, --steps-per-epoch says {steps_per_epoch}; "
                f"the loop's epochs have {steps_per_epoch}"
            )
        steps_per_epoch = steps_per_epoch or own
        loop_epoch = loop.epoch_length(steps_per_epoch)
    per_epoch = bool(entry.needs_metric and steps_per_epoch)
    source: Metric | None = None
    if entry.needs_metric:
        from . import metrics as metrics_mod  # only for a metric-driven schedule: CSV and log readers

        if metric is None:
            source = metrics_mod.default(str(_mode(spec)))
        elif isinstance(metric, str):
            source = metrics_mod.parse(metric)
        elif isinstance(metric, metrics_mod.Metric):
            source = metric
        else:
            values = np.asarray(metric, dtype=float)
            if values.ndim != 1:
                raise LrvizError(f"the metric must be a flat sequence of numbers, got shape {values.shape}")
            source = metrics_mod.Metric(
                source="values",
                name="metric",
                note=f"{len(values)} metric values given",
                path="the values given",
                values=values,
            )
    horizon_reason = None
    if steps is None:
        if source is not None and source.length is not None:
            steps = source.length * (steps_per_epoch if per_epoch and steps_per_epoch else 1)
            horizon_reason = f"one {'epoch' if per_epoch else 'step'} per metric value"
        else:
            steps, horizon_reason = schedule_horizon(spec)
            if per_epoch and steps_per_epoch:
                steps *= steps_per_epoch
                horizon_reason += ", in epochs"
            elif loop is not None and loop.epochs:
                if steps_per_epoch:
                    steps *= steps_per_epoch
                    horizon_reason += f", in epochs of {steps_per_epoch} steps"
                else:
                    horizon_reason += ", one step per epoch (--steps-per-epoch N for N updates each)"
    steps = _validate_steps(steps)
    n_groups = len(opt_spec.lrs)
    if steps * n_groups > MAX_VALUES:
        raise LrvizError(
            f"{steps:,} steps x {n_groups} groups is too many values: lrviz keeps at most {MAX_VALUES:,}",
            "pass a smaller -n/--steps or fewer --group-lr",
        )
    if steps_per_epoch is None and entry.param("steps_per_epoch") is not None and spec.value("steps_per_epoch"):
        steps_per_epoch = int(spec.value("steps_per_epoch"))

    from . import fast_path

    stop = entry.stop(spec) if entry.stop is not None else None
    stopped = None
    if stop is not None and steps > stop.steps:
        stopped = f"{spec.name} stops at {stop.why}; showing {stop.steps} of the {steps} steps asked for"
        steps = stop.steps

    info = None if steps_torch(spec, exact) else optimizers.info(opt_spec)
    opt: Any = None
    if info is None:
        opt = optimizers.build(opt_spec)
        ctx = Context(
            groups=n_groups, optimizer=type(opt).__name__, has_momentum=optimizers.has_momentum(opt), steps=steps
        )
    else:
        ctx = Context(groups=n_groups, optimizer=info.class_name, has_momentum=info.has_momentum, steps=steps)
    found = check_tree(spec, ctx) + loop_notes
    if stopped:
        found.append(stopped)

    metric_values: np.ndarray | None = None
    metric_steps: np.ndarray | None = None
    metric_note = None
    every = 1
    if source is not None:
        every = steps_per_epoch if per_epoch and steps_per_epoch else 1
        n_values = steps // every
        if source.length is not None and source.length < n_values:
            what = f"{source.name} from {source.path}" if source.source != "values" else "the metric"
            per = f"with one value per epoch of {every} steps, " if every > 1 else ""
            raise LrvizError(
                f"{what} has {source.length} values, fewer than the {n_values} needed for {steps:,} steps",
                f"{per}pass -n {source.length * every} or fewer, or a longer metric",
            )
        metric_values = source.take(n_values) if n_values else np.empty(0)
        metric_steps = np.arange(1, n_values + 1) * every - 1
        metric_note = source.note
        if metric is None:
            metric_note = f"no --metric given: using the default pattern, {source.note}"
        if per_epoch:
            metric_note += f"; stepped once per epoch ({steps_per_epoch} steps)"
        mode_hint = getattr(source, "mode_hint", None)
        if mode_hint and spec.metric_mode() is not None and mode_hint != _mode(spec):
            found.append(
                f"the metric looks like one to {'maximise' if mode_hint == 'max' else 'minimise'} "
                f"but {spec.name} has mode='{_mode(spec)}'"
            )

    made = None
    if stream and info is not None and steps > STREAM_STEPS:
        made = fast_path.stream(spec, opt_spec.lrs, steps, info)
    computed = None if info is None or made is not None else fast_path.trace(spec, opt_spec.lrs, steps, info)
    initial_lr: tuple[float | None, ...]
    if computed is not None or made is not None:
        assert info is not None  # a fast trace needs the optimizer's info
        if made is not None:
            lr_values = cast("np.ndarray", blocks.Values(made, "lr"))
            mom_values = cast("np.ndarray", blocks.Values(made, "momentum")) if made.has_momentum else None
        else:
            assert computed is not None
            lr_values, mom_values = computed.lr, computed.momentum
        events: list[Event] = _milestones(spec, steps)
        mom_name = "beta1" if info.momentum_key == "betas" else info.momentum_key
        optimizer_text = optimizers.describe_class(info.class_name, opt_spec)
        initial = entry.initial_lr(spec, opt_spec.lrs) if entry.initial_lr is not None else opt_spec.lrs
        initial_lr = tuple(float(v) for v in initial)
    else:
        if opt is None:
            opt = optimizers.build(opt_spec)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            lr_values, mom_values, mom_name, events, initial_lr = _step(
                spec, opt, steps, metric_values, every, progress, loop, loop_epoch
            )
            events += _milestones(spec, steps)
        for w in caught:
            text = f"{_warning_source(w.filename)}: {w.message}"
            if text not in found:
                found.append(text)
        optimizer_text = optimizers.describe(opt, opt_spec)

    trace_ = Trace(
        spec=spec,
        lr=lr_values,
        momentum=mom_values,
        momentum_name=mom_name,
        optimizer=optimizer_text,
        optimizer_spec=opt_spec,
        steps_per_epoch=steps_per_epoch,
        horizon_reason=horizon_reason,
        warnings=found,
        events=events,
        metric=metric_values,
        metric_note=metric_note,
        label=label,
        metric_steps=metric_steps,
        metric_name=source.name if source is not None else "metric",
        path="torch" if computed is None and made is None else "fast",
        initial_lr=initial_lr,
    )
    trace_.warnings.extend(_suspicious(trace_))
    return trace_


def steps_torch(spec: Spec, exact: bool = False) -> bool:
    """Whether :func:`trace` steps the real scheduler for ``spec`` (importing torch and the
    schedule's library) rather than computing it in :mod:`lrviz.fast_path`."""
    from . import fast_path

    return exact or not fast_path.covers(spec)


def _warning_source(filename: str) -> str:
    """Who warned: a family's library (torch, transformers ...) or the user's own code."""
    parts = filename.replace("\\", "/").split("/")
    for name in registry.distributions():
        if name in parts:
            return name
    return "warning from " + (parts[-1] if parts else "a scheduler")


def _mode(spec: Spec) -> str:
    return spec.metric_mode() or "min"


PROGRESS_EVERY = 1 << 16
"""Steps between two progress reports while stepping torch."""


def _step(
    spec: Spec,
    opt: Any,
    steps: int,
    metric: np.ndarray | None,
    every: int = 1,
    progress: Callable[[int, int], None] | None = None,
    loop: Loop | None = None,
    steps_per_epoch: int | None = None,
) -> tuple[np.ndarray, np.ndarray | None, str | None, list[Event], tuple[float | None, ...]]:
    import numpy as np

    assert spec.entry.build is not None
    if progress is not None:
        progress(-1, steps)  # building: a user's constructor may take its time
    who = registry.family(spec.entry.family).rejecter or spec.entry.family
    try:
        scheduler = spec.entry.build(spec, opt)
    except (LrvizError, KeyboardInterrupt):
        raise
    except SystemExit as exc:  # code that ends the process must not end lrviz with its status
        raise LrvizError(f"{who} exited while building {spec.format()}: {_exit_text(exc)}") from None
    except BaseException as exc:  # torch's own validation, or anything a user's class raises
        raise LrvizError(f"{who} rejected {spec.format()}: {exc_text(exc)}") from None
    initial_lr = tuple(group.get("initial_lr") for group in opt.param_groups)
    _prevent_order_warning(opt)

    groups = opt.param_groups
    n_groups = len(groups)
    key = optimizers.momentum_key(opt)
    lr = np.empty((n_groups, steps))
    mom = np.empty((n_groups, steps)) if key else None
    events: list[Event] = []
    step = scheduler.step
    lr_rows = [lr[g] for g in range(n_groups)]
    i = 0
    try:
        for i in range(steps):
            if progress is not None and not i % PROGRESS_EVERY:
                progress(i, steps)
            for g in range(n_groups):
                group = groups[g]
                lr_rows[g][i] = group["lr"]
                if mom is not None:
                    mom[g, i] = group["momentum"] if key == "momentum" else group["betas"][0]
            if loop is not None:
                # the library's own loop: the metric only at the end of an epoch
                value = None if metric is None or (i + 1) % every else float(metric[(i + 1) // every - 1])
                loop.advance(scheduler, i + 1, steps_per_epoch, value)
            elif metric is None:
                step()
            elif every == 1:
                step(float(metric[i]))
            elif (i + 1) % every == 0:
                step(float(metric[(i + 1) // every - 1]))
    except LrvizError as exc:
        raise LrvizError(f"{spec.format()} failed at step {i}: {exc.message}", exc.hint) from None
    except KeyboardInterrupt:
        raise
    except SystemExit as exc:
        raise LrvizError(f"{who} exited at step {i} of {spec.format()}: {_exit_text(exc)}") from None
    except BaseException as exc:
        if i == steps - 1:
            # the values are all read; training would crash on this final step() though
            events.append(Event(i, "crash", f"the final scheduler.step() raises {exc_text(exc)}"))
        else:
            raise LrvizError(f"{spec.format()} failed at step {i}: {exc_text(exc)}") from None
    if progress is not None:
        progress(steps, steps)

    if spec.entry.needs_metric:
        change = np.nonzero(lr[0, 1:] != lr[0, :-1])[0] + 1
        for s in change:
            kind = "reduction" if lr[0, s] < lr[0, s - 1] else "increase"
            events.append(Event(int(s), kind, f"LR {'reduced' if kind == 'reduction' else 'raised'} at step {int(s)}"))
    return lr, mom, ("beta1" if key == "betas" else key), events, initial_lr


def _exit_text(exc: SystemExit) -> str:
    """What a ``sys.exit(...)`` in user code said: its message, or its status."""
    code = exc.code
    return f"SystemExit({code!r})" if not isinstance(code, str) else f"SystemExit: {' '.join(code.split())}"


def _milestones(spec: Spec, steps: int) -> list[Event]:
    """Where a composite hands over to its next child, inside the trace."""
    if spec.entry.phases is None:
        return []
    return [Event(int(m), "milestone", f"milestone {m}") for m, _ in spec.entry.phases(spec)[1:] if 0 <= m < steps]


def _prevent_order_warning(opt: Any) -> None:
    """One no-op optimizer.step() after the scheduler exists (which wraps it to record the
    call), so torch does not warn that scheduler.step() came before optimizer.step()."""
    opt.step()


def _suspicious(t: Trace) -> list[str]:
    """Warnings for legal nonsense in the values themselves."""
    import numpy as np

    out: list[str] = []
    lr = t.lr

    def group_text(g: int) -> str:
        return f" (group {g})" if t.n_groups > 1 else ""

    if isinstance(lr, blocks.Values):
        return _suspicious_stats(t, lr.stats(), group_text)
    for g in range(t.n_groups):
        row = lr[g]
        finite = np.isfinite(row)
        all_finite = bool(finite.all())
        if not all_finite:
            first = int(np.argmin(finite))
            out.append(f"LR{group_text(g)} is not finite ({row[first]}) from step {first}; it cannot be drawn there")
        neg = np.nonzero(finite & (row < 0))[0]
        if len(neg):
            out.append(f"LR{group_text(g)} is negative at {len(neg)} steps (first at step {int(neg[0])})")
        zero = np.nonzero(row == 0)[0]
        # a schedule that ends at 0, traced by lrviz's own choice a few steps past its end
        # to show that it ended, is not a run with no learning
        ended = (
            t.horizon_reason is not None
            and len(zero) > 0
            and zero[0] + len(zero) == t.n_steps
            and len(zero) <= max(tail(zero[0]) + 1, MIN_HORIZON - zero[0])
        )
        if len(zero) > 1 and not ended:
            out.append(
                f"LR{group_text(g)} is 0 at {len(zero)} steps (first at step {int(zero[0])}): no learning happens there"
            )
        if t.spec.entry.decays and t.n_steps > 1 and math.isfinite(row[0]):
            peak = int(np.argmax(row)) if all_finite else int(np.nanargmax(np.where(finite, row, -np.inf)))
            if row[peak] > row[0] * (1 + 1e-9) and row[0] >= 0:
                out.append(
                    f"LR{group_text(g)} rises above its start {row[0]:g} (to {row[peak]:g} at step {peak}), "
                    f"though {t.spec.name} is meant to decay"
                )
    return out


def _suspicious_stats(t: Trace, rows: list[blocks.RowStats], group_text: Callable[[int], str]) -> list[str]:
    """:func:`_suspicious` of a streamed trace, from each row's statistics: the same texts."""
    out: list[str] = []
    for g, row in enumerate(rows):
        if row.bad is not None:
            out.append(
                f"LR{group_text(g)} is not finite ({row.bad_value}) from step {row.bad}; it cannot be drawn there"
            )
        if row.negative:
            out.append(f"LR{group_text(g)} is negative at {row.negative} steps (first at step {row.negative_first})")
        zero, first_zero = row.zero, row.zero_first
        ended = (
            t.horizon_reason is not None
            and zero > 0
            and first_zero is not None
            and first_zero + zero == t.n_steps
            and zero <= max(tail(first_zero) + 1, MIN_HORIZON - first_zero)
        )
        if zero > 1 and not ended:
            out.append(
                f"LR{group_text(g)} is 0 at {zero} steps (first at step {first_zero}): no learning happens there"
            )
        if t.spec.entry.decays and t.n_steps > 1 and math.isfinite(row.first):
            peak, value = row.peak
            if value > row.first * (1 + 1e-9) and row.first >= 0:
                out.append(
                    f"LR{group_text(g)} rises above its start {row.first:g} (to {value:g} at step {peak}), "
                    f"though {t.spec.name} is meant to decay"
                )
    return out
