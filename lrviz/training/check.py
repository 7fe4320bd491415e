"""A logged LR held against the plan, and the classic mistakes tested against the log.

The plan gives the LR at every position (updates done); the log gives values at steps, and
its :class:`~lrviz.training.logs.Convention` turns steps into positions. The run followed
the plan when every logged value equals the planned one (to float32's precision for
loggers that store float32). When it does not, each hypothesis below is a changed plan or
a changed stepping; the first that reproduces *every* logged value names the mistake:

* the scheduler stepped once per epoch instead of after every update, or the reverse;
* it stepped k times per update (two ``scheduler.step()`` calls, once per micro-batch of
  gradient accumulation, once per device);
* it restarted from step 0 when the run resumed;
* an integer argument off by one (the warmup's end, for a warmup);
* a different number of steps (``num_training_steps`` or another horizon), by a factor of
  gradient accumulation or devices, or by any amount the log pins down.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lrviz import spec as spec_mod
from lrviz.errors import LrvizError
from lrviz.schedule import Kind, Spec

from .logs import Convention, LoggedLR
from .plan import Plan, Stepping

if TYPE_CHECKING:
    import numpy as np

    from lrviz.tracing import Trace

FLOAT64_RTOL = 1e-9
"""Values computed by the same formulas agree to about 1e-15; 1e-9 leaves room for a
different torch or transformers release that computes them in another order."""
FLOAT32_RTOL = 2.0**-22
"""float32 keeps 24 bits: a stored value is within 2**-24 of the double it rounds, and
the planned double may itself sit a little off the one the run computed."""

MAX_SEARCH = 2000
"""The most values tried for one unknown (a restart's step, the updates per epoch)."""


@dataclass(frozen=True)
class Diagnosis:
    mistake: str  # "stepped per epoch instead of after every update"
    detail: str  # one line: what the log shows
    fix: str  # what to change, or the spec the run followed
    plan: Plan  # the plan as the run followed it
    remap: Callable[[np.ndarray], np.ndarray] | None = None  # positions as the run's scheduler saw them


@dataclass
class Result:
    ok: bool
    log: LoggedLR
    plan: Plan
    convention: Convention
    positions: np.ndarray  # each logged value's position (updates done)
    planned: np.ndarray  # the plan's LR at each position (nan past its end)
    rtol: float
    max_rel: float  # the largest relative difference (inf where the plan has no value)
    departure: int | None  # index into the log of the first value off the plan
    diagnosis: Diagnosis | None = None
    explained: np.ndarray | None = None  # the diagnosed plan's LR at each position
    tested: list[str] = field(default_factory=list)

    @property
    def departure_step(self) -> int | None:
        return None if self.departure is None else int(self.log.steps[self.departure])


class _Tracer:
    """Traces of specs under the plan's trace options, each computed once (longest kept)."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.cache: dict[str, Trace] = {}

    def lr(self, spec: Spec, needed: int) -> np.ndarray:
        from lrviz.tracing import trace

        key = spec.format()
        have = self.cache.get(key)
        if have is None or have.n_steps < needed:
            opts = self.plan.options
            try:
                have = trace(
                    spec,
                    max(needed, 1),
                    optimizer=opts.optimizer or "sgd",
                    lr=opts.lr if opts.lr is not None else 0.1,
                    group_lrs=opts.group_lr or (),
                    momentum=opts.momentum,
                    betas=opts.betas,
                )
            except LrvizError:
                if have is None:
                    raise
                row: np.ndarray = have.lr[0]
                return row
            self.cache[key] = have
        values: np.ndarray = have.lr[0]
        return values

    def values(self, spec: Spec, index: np.ndarray) -> np.ndarray:
        """The LR after ``index`` scheduler steps (nan where the schedule has no value)."""
        import numpy as np

        out = np.full(len(index), np.nan)
        valid = index >= 0
        if not valid.any():
            return out
        row = self.lr(spec, int(index[valid].max()) + 1)
        inside = valid & (index < len(row))
        out[inside] = row[index[inside]]
        return out


def _agree(expected: np.ndarray, logged: np.ndarray, rtol: float, scale: float) -> np.ndarray:
    import numpy as np

    with np.errstate(invalid="ignore"):
        diff = np.abs(expected - logged)
        close: np.ndarray = np.isfinite(expected) & (
            diff <= rtol * np.maximum(np.abs(expected), np.abs(logged)) + 1e-12 * scale
        )
        return close


def _first_false(mask: np.ndarray) -> int | None:
    import numpy as np

    bad = np.flatnonzero(~mask)
    return int(bad[0]) if len(bad) else None


def _relative(expected: np.ndarray, logged: np.ndarray) -> float:
    import numpy as np

    with np.errstate(invalid="ignore", divide="ignore"):
        denom = np.maximum(np.abs(expected), np.abs(logged))
        rel = np.where(denom > 0, np.abs(expected - logged) / np.where(denom > 0, denom, 1), 0.0)
    rel = np.where(np.isfinite(expected), rel, np.inf)
    return float(rel.max()) if len(rel) else 0.0


def positions_of(log: LoggedLR, convention: Convention, plan: Plan) -> np.ndarray:
    """Each logged value's position; a log by epochs (timm's summary.csv) counts the plan's
    updates per epoch for each epoch, when the plan knows them."""
    positions: np.ndarray = log.steps + convention.offset
    if log.per_epoch and plan.stepping.steps_per_epoch:
        positions = positions * plan.stepping.steps_per_epoch
    return positions


def check(log: LoggedLR, plan: Plan) -> Result:
    """``log`` against ``plan``: the verdict, and the diagnosis when they differ."""
    import numpy as np

    if plan.spec.entry.needs_metric:
        raise LrvizError(
            f"{plan.spec.name} follows a metric: its LR depends on values lrviz does not have",
            "check a schedule that depends on the step alone",
        )
    if len(log) == 0:
        raise LrvizError(f"{log.source} holds no LR values")
    tracer = _Tracer(plan)
    rtol = FLOAT32_RTOL if log.float32 else FLOAT64_RTOL
    scale = float(np.max(np.abs(log.lr))) or 1.0

    def expected(p: Plan, positions: np.ndarray) -> np.ndarray:
        return tracer.values(p.spec, p.stepping.index(positions))

    tries = []
    for convention in log.conventions:
        positions = positions_of(log, convention, plan)
        planned = expected(plan, positions)
        mask = _agree(planned, log.lr, rtol, scale)
        first = _first_false(mask)
        result = Result(
            ok=first is None,
            log=log,
            plan=plan,
            convention=convention,
            positions=positions,
            planned=planned,
            rtol=rtol,
            max_rel=_relative(planned, log.lr),
            departure=first,
        )
        if result.ok:
            return result
        tries.append(result)
    # The convention under which the log follows the plan longest is the one reported.
    best = max(tries, key=lambda r: (r.departure or 0, -tries.index(r)))
    for result in [best] + [r for r in tries if r is not best]:
        for hypothesis in _hypotheses(plan, log, result, tracer):
            name, build = hypothesis
            if name not in best.tested:
                best.tested.append(name)
            try:
                found = build()
            except LrvizError:
                continue
            if found is None:
                continue
            diagnosis, values = found
            if _agree(values, log.lr, rtol, scale).all():
                result.tested = best.tested
                result.diagnosis = diagnosis
                result.explained = values
                return result
    return best


Hypothesis = tuple[str, Callable[[], "tuple[Diagnosis, np.ndarray] | None"]]


def _int_params(spec: Spec) -> list[tuple[str, int]]:
    return [
        (p.name, int(spec.args[p.name]))
        for p in spec.entry.params
        if p.kind == Kind.INT and isinstance(spec.args.get(p.name), int) and not isinstance(spec.args[p.name], bool)
    ]


def _factor_name(k: int, plan: Plan) -> str:
    for name, value in plan.factors:
        if value == k:
            return f"{name} ({k})"
    return ""


def _hypotheses(plan: Plan, log: LoggedLR, base: Result, tracer: _Tracer) -> list[Hypothesis]:
    """Each classic mistake as a function that returns (diagnosis, the LR it predicts at
    every logged position), or None when it does not apply."""
    import numpy as np

    positions = base.positions
    logged = log.lr
    stepping = plan.stepping
    spec = plan.spec
    out: list[Hypothesis] = []

    def with_stepping(new: Stepping) -> np.ndarray:
        return tracer.values(spec, new.index(positions))

    # 1. per epoch instead of per update, or the reverse
    if stepping.interval == "step" and not log.per_epoch:

        def per_epoch() -> tuple[Diagnosis, np.ndarray] | None:
            candidates = [stepping.steps_per_epoch] if stepping.steps_per_epoch else _epoch_lengths(positions, logged)
            for k in candidates:
                if not k:
                    continue
                new = Stepping("epoch", 1, k)
                values = with_stepping(new)
                if _agree(values, logged, base.rtol, 1.0).all():
                    return (
                        Diagnosis(
                            "stepped once per epoch instead of after every update",
                            f"the LR changes only every {k:,} updates (an epoch), one scheduler step at a time",
                            "call scheduler.step() after every optimizer.step(), not once per epoch "
                            "(Lightning: interval 'step')",
                            plan.with_stepping(new),
                        ),
                        values,
                    )
            return None

        out.append(("stepped per epoch instead of per update", per_epoch))
    if stepping.interval == "epoch":

        def per_update() -> tuple[Diagnosis, np.ndarray] | None:
            new = Stepping("step", 1)
            return (
                Diagnosis(
                    "stepped after every update instead of once per epoch",
                    "the schedule moves every update: its epochs went by in updates",
                    "call scheduler.step() once per epoch (Lightning: interval 'epoch'), or give the "
                    "schedule its length in updates",
                    plan.with_stepping(new),
                ),
                with_stepping(new),
            )

        out.append(("stepped per update instead of per epoch", per_update))

    # 2. k scheduler steps per update
    ks = sorted({2, *(k for _, k in plan.factors)})
    for k in ks:

        def k_steps(k: int = k) -> tuple[Diagnosis, np.ndarray] | None:
            def remap(p: np.ndarray, k: int = k) -> np.ndarray:
                return p * k

            base_index = stepping.index(positions) * k
            values = tracer.values(spec, base_index)
            for extra in range(1, k):  # steps before the read: k - 1 micro-batches stepped first
                if _agree(values, logged, base.rtol, 1.0).all():
                    break
                values = tracer.values(spec, base_index + extra)
            factor = _factor_name(k, plan)
            if factor.startswith(("gradient_accumulation_steps", "accumulate_grad_batches")):
                mistake = f"scheduler stepped after every micro-batch: {k} steps per update"
                fix = "call scheduler.step() only when the optimizer steps, once per accumulated batch"
            elif factor.startswith("devices"):
                mistake = f"scheduler stepped once per device: {k} steps per update"
                fix = (
                    "accelerate's prepared scheduler steps once per process: build it for "
                    f"{k} x the updates, or do not prepare it"
                )
            elif k == 2:
                mistake = "two scheduler.step() calls per iteration"
                fix = "call scheduler.step() once per update"
            else:
                mistake = f"scheduler stepped {k} times per update"
                fix = "call scheduler.step() once per update"
            return (
                Diagnosis(mistake, f"the log runs through the schedule {k} times as fast", fix, plan, remap),
                values,
            )

        out.append((f"{k} scheduler steps per update", k_steps))

    # 2b. a scheduler.step() after every micro-batch, the epoch's short last update included
    if stepping.batches_per_epoch and stepping.accumulation > 1 and stepping.interval == "step":

        def micro_batches() -> tuple[Diagnosis, np.ndarray] | None:
            done, size = stepping.batches(positions)
            for index in (done + size - 1, done):
                values = tracer.values(spec, index)
                if _agree(values, logged, base.rtol, 1.0).all():
                    factor = _factor_name(stepping.accumulation, plan)
                    return (
                        Diagnosis(
                            "scheduler stepped after every micro-batch",
                            f"the schedule advances once per batch, {factor or stepping.accumulation} per update",
                            "call scheduler.step() only when the optimizer steps, once per accumulated batch",
                            plan,
                        ),
                        values,
                    )
            return None

        out.append(("stepped after every micro-batch", micro_batches))

    # 3. a restart from step 0 when the run resumed
    def restart() -> tuple[Diagnosis, np.ndarray] | None:
        j = base.departure
        if j is None or j == 0:
            return None
        low = int(positions[j - 1]) + 1
        high = int(positions[j])
        # A log by epochs pins a restart down to an epoch: its boundaries come first. A value
        # logged at the restart's own position was read before the run stopped: at c = low - 1
        # the positions after c restart, c itself does not.
        per_epoch = stepping.steps_per_epoch if log.per_epoch else None
        tries = [(c, positions >= c) for c in range(max(low, 1), min(high, low + MAX_SEARCH) + 1)]
        tries.append((low - 1, positions > low - 1))
        if per_epoch:
            tries.sort(key=lambda t: t[0] % per_epoch != 0)
        for c, after in tries:
            if c < 1:
                continue
            shifted = np.where(after, positions - c, positions)
            values = tracer.values(spec, np.where(after, stepping.index(shifted), stepping.index(positions)))
            if _agree(values, logged, base.rtol, 1.0).all():

                def remap(p: np.ndarray, c: int = c, strict: bool = bool(c == low - 1)) -> np.ndarray:
                    return np.where(p > c if strict else p >= c, p - c, p)

                epoch = f" (epoch {c // per_epoch:,})" if per_epoch and c % per_epoch == 0 else ""
                return (
                    Diagnosis(
                        "the scheduler restarted from step 0 when the run resumed",
                        f"from update {c:,}{epoch} on, the LR repeats the schedule from its start",
                        "restore the scheduler's state with the checkpoint (scheduler.load_state_dict, "
                        "or the Trainer's resume_from_checkpoint)",
                        plan,
                        remap,
                    ),
                    values,
                )
        return None

    out.append(("a restart from step 0 after resuming", restart))

    # 4. an integer argument off by one (the warmup's end) or another number of steps
    ints = _int_params(spec)

    def variant(changes: dict[str, int]) -> tuple[Spec, np.ndarray] | None:
        if any(v < 0 for v in changes.values()):
            return None
        try:
            new = spec_mod.with_args(spec, **changes)
            return new, tracer.values(new, stepping.index(positions))
        except (LrvizError, ValueError, ZeroDivisionError):
            return None

    def off_by_one() -> tuple[Diagnosis, np.ndarray] | None:
        for name, value in ints:
            for delta in (-1, 1):
                got = variant({name: value + delta})
                if got is None or not _agree(got[1], logged, base.rtol, 1.0).all():
                    continue
                new, values = got
                warmup = _moves_warmup(tracer, spec, new, int(positions.max()) + 2)
                mistake = f"warmup off by one: {name}={value + delta}" if warmup else f"{name} off by one"
                return (
                    Diagnosis(
                        mistake,
                        f"the log follows {name}={value + delta}, the plan has {name}={value}",
                        f"the spec the run followed: {new.format()}",
                        plan.with_spec(new),
                    ),
                    values,
                )
        return None

    out.append(("an argument off by one (warmup)", off_by_one))

    def other_updates() -> tuple[Diagnosis, np.ndarray] | None:
        """The config's own step arithmetic with another number of updates."""
        rebuild = plan.rebuild
        if rebuild is None or plan.updates is None:
            return None
        total = plan.updates
        named: dict[int, str] = {}
        for text, n in plan.variants:
            named[n] = f"{named[n]} or {text}" if n in named else text
        candidates = [log.max_steps] if log.max_steps else []
        candidates += list(named)
        for k in sorted({k for _, k in plan.factors} | {2, 3, 4, 8}):
            candidates += [total * k, total // k, -(-total // k)]

        def make(n: int) -> tuple[Plan, np.ndarray] | None:
            if n < 1 or n == total:
                return None
            other = rebuild(n)
            return other, tracer.values(other.spec, other.stepping.index(positions))

        found = None
        for n in dict.fromkeys(c for c in candidates if c):
            got = make(n)
            if got is not None and _agree(got[1], logged, base.rtol, 1.0).all():
                found = (n, got)
                break
        if found is None and base.departure is not None:
            j = base.departure
            solved = _solve(lambda n: make(n), j, logged[j], total)
            if solved is not None and _agree(solved[1], logged, base.rtol, 1.0).all():
                found = (solved[0].updates or 0, solved)
        if found is None:
            return None
        n, (other, values) = found
        why = named.get(n, "")
        if not why and log.max_steps == n:
            why = "the run's own max_steps"
        return (
            Diagnosis(
                f"a different number of update steps: {n:,}, not {total:,}" + (f" ({why})" if why else ""),
                f"the log follows the config's schedule for {n:,} update steps",
                f"the spec the run followed: {other.spec.format()}",
                other,
            ),
            values,
        )

    out.append(("a different number of update steps", other_updates))

    def other_length() -> tuple[Diagnosis, np.ndarray] | None:
        factors = sorted({k for _, k in plan.factors} | {2, 3, 4, 8})
        tried: list[dict[str, int]] = []
        for k in factors:
            scaled = {n: v * k for n, v in ints if v > 0}
            shrunk = {n: max(1, v // k) for n, v in ints if v > 0}
            tried += [scaled, shrunk]
            for n, v in ints:
                if v > 0:
                    tried += [{n: v * k}, {n: max(1, v // k)}, {n: max(1, -(-v // k))}]
        for changes in tried:
            if not changes:
                continue
            got = variant(changes)
            if got is not None and _agree(got[1], logged, base.rtol, 1.0).all():
                return _length_diagnosis(plan, spec, got[0], changes, ints, got[1])
        # any value: bisection on the first departing value, one argument at a time
        j = base.departure
        if j is None:
            return None
        for name, value in ints:

            def one(v: int, name: str = name) -> tuple[Spec, np.ndarray] | None:
                return variant({name: v})

            found = _solve(one, j, logged[j], value)
            if found is not None and _agree(found[1], logged, base.rtol, 1.0).all():
                new_value = int(found[0].args[name])
                return _length_diagnosis(plan, spec, found[0], {name: new_value}, ints, found[1])
        return None

    out.append(("a different number of steps", other_length))
    return out


def _length_diagnosis(
    plan: Plan, spec: Spec, new: Spec, changes: dict[str, int], ints: list[tuple[str, int]], values: np.ndarray
) -> tuple[Diagnosis, np.ndarray]:
    old = dict(ints)
    parts = []
    why = ""
    for name, value in changes.items():
        before = old[name]
        parts.append(f"{name}={value:,} (the plan: {before:,})")
        for factor, k in plan.factors:
            if before and abs(value / before - k) <= 0.1 * k:
                why = why or f"about {k} x the plan's: a factor of {factor} ({k})"
            elif value and abs(before / value - k) <= 0.1 * k:
                why = why or f"about 1/{k} of the plan's: divided by {factor} ({k})"
    names = " and ".join(changes)
    mistake = f"a different {names}" + (f": {why}" if why else "")
    return (
        Diagnosis(
            mistake,
            "the log follows " + ", ".join(parts),
            f"the spec the run followed: {new.format()}",
            plan.with_spec(new),
        ),
        values,
    )


def _solve(make: Callable[[int], tuple[Any, np.ndarray] | None], j: int, target: float, start: int) -> Any:
    """An integer argument whose trace has ``target`` at log index ``j``, by bisection
    over [1, 64 x start] (the LR at a point moves one way as a horizon grows)."""
    low, high = 1, max(64 * start, 64)
    at_low, at_high = make(low), make(high)
    if at_low is None or at_high is None:
        return None

    def sign(got: tuple[Any, np.ndarray]) -> float:
        value = got[1][j]
        return math.copysign(1.0, value - target) if math.isfinite(value) and value != target else 0.0

    s_low, s_high = sign(at_low), sign(at_high)
    if s_low == 0:
        return at_low
    if s_high == 0:
        return at_high
    if s_low == s_high:
        return None
    for _ in range(64):
        if high - low <= 1:
            break
        mid = (low + high) // 2
        at_mid = make(mid)
        if at_mid is None:
            return None
        s_mid = sign(at_mid)
        if s_mid == 0:
            return at_mid
        if s_mid == s_low:
            low = mid
        else:
            high = mid
    for candidate in (low, high):
        got = make(candidate)
        if got is not None and abs(got[1][j] - target) <= FLOAT32_RTOL * abs(target):
            return got
    return None


def _epoch_lengths(positions: np.ndarray, logged: np.ndarray) -> list[int]:
    """Updates per epoch the log allows, when its LR holds still for a while and then moves:
    the first change happens at an epoch's end."""
    import numpy as np

    changed = np.flatnonzero(logged != logged[0])
    if not len(changed):
        return []
    j = int(changed[0])
    if j == 0:
        return []
    low, high = int(positions[j - 1]) + 1, int(positions[j])
    return list(range(max(low, 2), min(high, low + MAX_SEARCH) + 1))


def _moves_warmup(tracer: _Tracer, old: Spec, new: Spec, steps: int) -> bool:
    """Whether ``new`` ends its warmup at another step than ``old``."""
    from lrviz.analysis import warmup_end
    from lrviz.tracing import trace

    opts = tracer.plan.options
    try:
        a = trace(old, steps, optimizer=opts.optimizer or "sgd", lr=opts.lr if opts.lr is not None else 0.1)
        b = trace(new, steps, optimizer=opts.optimizer or "sgd", lr=opts.lr if opts.lr is not None else 0.1)
    except LrvizError:
        return False
    end_a, end_b = warmup_end(a), warmup_end(b)
    return end_a is not None and end_b is not None and end_a != end_b


def fit_lr(log: LoggedLR, plan: Plan) -> tuple[float, int] | None:
    """The optimizer's lr that makes the plan's peak the log's: (lr, the log's step of its
    peak), for a relative schedule checked without --lr; rounded to 10 significant digits.
    Peaks rather than first values, so that a warmup off by one does not hide as another lr."""
    import numpy as np

    tracer = _Tracer(plan)
    index = plan.stepping.index(positions_of(log, log.conventions[0], plan))
    values = tracer.values(plan.spec, np.maximum(index, 0))
    finite = values[np.isfinite(values)]
    if not len(finite) or finite.max() <= 0 or log.lr.max() <= 0:
        return None
    base = plan.options.lr if plan.options.lr is not None else 0.1
    fitted = float(f"{log.lr.max() / finite.max() * base:.10g}")
    return fitted, int(log.steps[int(np.argmax(log.lr))])


def curve(plan: Plan, positions: np.ndarray, remap: Callable[[np.ndarray], np.ndarray] | None = None) -> np.ndarray:
    """The plan's LR at ``positions`` (``remap``: the positions as a diagnosed run's
    scheduler saw them)."""
    import numpy as np

    p = np.asarray(positions, dtype=np.int64)
    index = plan.stepping.index(remap(p) if remap is not None else p)
    return _Tracer(plan).values(plan.spec, index)
