"""The fast path (lrviz.fast_path) against the real torch schedulers.

Property-based: random parameters (valid, odd and invalid) for every schedule the fast
path covers. The reference is torch itself, stepped here with a real optimizer, never
through lrviz; and lrviz's two paths (fast, and ``exact=True`` which steps torch) must give
the same values, warnings and errors.
"""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oracles import training_loop

import lrviz
from lrviz import fast_path, optimizers, registry
from lrviz.errors import LrvizError
from lrviz.families.torch_fast import COMPUTE

RTOL = 1e-12
COMPOSITES = {"SequentialLR", "ChainedScheduler"}  # random nestings: tests/test_fast_composites.py
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

OPTIMIZERS = {
    "sgd": (torch.optim.SGD, {"momentum": 0.9}),
    "adam": (torch.optim.Adam, {}),
    "rmsprop": (torch.optim.RMSprop, {}),
    "adagrad": (torch.optim.Adagrad, {}),
}
LAMBDAS = (
    "{a} ** epoch",
    "1 / (epoch + {k})",
    "min(1.0, (epoch + 1) / {k}) * {a} ** floor(epoch / {k2})",
    "{a} if epoch < {k} else {b}",
    "0.5 + 0.5 * cos(pi * epoch / {k})",
    "max({b}, 1 - epoch / {k})",
    "(epoch % {k}) / {k} + {b}",
    "1 / epoch if epoch > 0 else {a}",
    "exp(-{b} * epoch)",
    "sqrt(epoch + 1) * {a}",
)


def _floats(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


@st.composite
def lambdas(draw: st.DrawFn) -> str:
    template = draw(st.sampled_from(LAMBDAS))
    return template.format(
        a=draw(_floats(0.5, 1.0)),
        b=draw(_floats(0.001, 0.5)),
        k=draw(st.integers(1, 60)),
        k2=draw(st.integers(1, 60)),
    )


def _per_group(draw: st.DrawFn, values: st.SearchStrategy, groups: int) -> object:
    if groups > 1 and draw(st.booleans()):
        # sometimes the wrong length: torch rejects it
        n = groups if draw(st.integers(0, 4)) else groups + 1
        return [draw(values) for _ in range(n)]
    return draw(values)


def kwargs_for(name: str, draw: st.DrawFn, groups: int) -> dict[str, object]:
    """Random constructor arguments: mostly sensible, sometimes odd, sometimes rejected."""
    maybe = st.booleans()
    if name == "StepLR":
        return {"step_size": draw(st.integers(-2, 60)), "gamma": draw(_floats(-1, 2))}
    if name == "MultiStepLR":
        return {"milestones": draw(st.lists(st.integers(-5, 200), max_size=5)), "gamma": draw(_floats(0, 2))}
    if name == "ConstantLR":
        return {"factor": draw(_floats(-0.2, 1.2)), "total_iters": draw(st.integers(-3, 150))}
    if name == "LinearLR":
        return {
            "start_factor": draw(_floats(-0.2, 1.2)),
            "end_factor": draw(_floats(-0.2, 1.2)),
            "total_iters": draw(st.integers(-3, 150)),
        }
    if name == "ExponentialLR":
        return {"gamma": draw(_floats(0, 1.2))}
    if name == "PolynomialLR":
        return {"total_iters": draw(st.integers(-3, 150)), "power": draw(_floats(-1, 5))}
    if name == "CosineAnnealingLR":
        return {"T_max": draw(st.integers(-3, 120)), "eta_min": draw(_floats(-0.01, 0.2))}
    if name == "CosineAnnealingWarmRestarts":
        return {"T_0": draw(st.integers(-1, 60)), "T_mult": draw(st.integers(0, 3)), "eta_min": draw(_floats(0, 0.05))}
    if name in ("LambdaLR", "MultiplicativeLR"):
        if groups > 1 and draw(maybe):
            return {"lr_lambda": [draw(lambdas()) for _ in range(groups)]}
        return {"lr_lambda": draw(lambdas())}
    if name == "CyclicLR":
        kwargs: dict[str, object] = {
            "base_lr": _per_group(draw, _floats(0.0001, 0.1), groups),
            "max_lr": _per_group(draw, _floats(0.0001, 0.3), groups),
            "step_size_up": draw(st.one_of(st.integers(0, 80), _floats(0.5, 80))),
            "mode": draw(st.sampled_from(["triangular", "triangular2", "exp_range"])),
            "gamma": draw(_floats(0.9, 1.0)),
            "cycle_momentum": draw(maybe),
        }
        if draw(maybe):
            kwargs["step_size_down"] = draw(st.integers(1, 80))
        if draw(maybe):
            kwargs["base_momentum"] = _per_group(draw, _floats(0.5, 0.9), groups)
            kwargs["max_momentum"] = _per_group(draw, _floats(0.85, 0.99), groups)
        return kwargs
    if name == "OneCycleLR":
        kwargs = {
            "max_lr": _per_group(draw, _floats(0.001, 1.0), groups),
            "pct_start": draw(st.one_of(_floats(0.0, 1.0), st.sampled_from([0.0, 0.5, 1.0]))),
            "anneal_strategy": draw(st.sampled_from(["cos", "linear"])),
            "cycle_momentum": draw(maybe),
            "div_factor": draw(_floats(1.0, 100.0)),
            "final_div_factor": draw(st.sampled_from([1e4, 10.0, 1.0, 1e8])),
            "three_phase": draw(maybe),
        }
        if draw(st.integers(0, 3)):
            kwargs["total_steps"] = draw(st.integers(1, 400))
        else:
            kwargs["epochs"] = draw(st.integers(1, 20))
            kwargs["steps_per_epoch"] = draw(st.integers(1, 30))
        return kwargs
    raise AssertionError(f"no strategy for {name}: add one")


def spec_text(name: str, kwargs: dict[str, object]) -> str:
    def text(key: str, value: object) -> str:
        if key != "lr_lambda":
            return repr(value)
        if isinstance(value, list):
            return "[" + ", ".join(f"lambda epoch: {v}" for v in value) + "]"
        return f"lambda epoch: {value}"

    return f"{name}({', '.join(f'{k}={text(k, v)}' for k, v in kwargs.items())})"


def _python_lambda(body: str):  # the test's own reference: plain Python, not lrviz's interpreter
    namespace = {name: getattr(math, name) for name in ("cos", "exp", "sqrt", "floor", "pi")}
    return eval(f"lambda epoch: {body}", namespace)  # noqa: S307 - fixed templates in this file


def torch_values(name: str, kwargs: dict, steps: int, optimizer: str, lrs: list[float]):
    """What a training loop sees, from torch alone (oracles.training_loop): (lr, momentum)
    per group and step, or None when torch refuses or fails before the last value is read."""
    args = dict(kwargs)
    if "lr_lambda" in args:
        fn = args["lr_lambda"]
        args["lr_lambda"] = [_python_lambda(f) for f in fn] if isinstance(fn, list) else _python_lambda(fn)
    make = lambda opt: getattr(torch.optim.lr_scheduler, name)(opt, **args)  # noqa: E731
    try:
        return training_loop(make, steps, optimizer=optimizer, group_lrs=lrs)
    except Exception:  # in the constructor or a step before the last read (the loop takes no step after it)
        return None


def _run(text: str, steps: int, optimizer: str, lrs: list[float], exact: bool):
    try:
        return lrviz.trace(
            text, steps, optimizer=optimizer, group_lrs=lrs if len(lrs) > 1 else (), lr=lrs[0], exact=exact
        )
    except LrvizError as exc:
        return exc.message


def check_one(name: str, kwargs: dict, steps: int, optimizer: str, lrs: list[float]) -> None:
    text = spec_text(name, kwargs)
    quick = _run(text, steps, optimizer, lrs, exact=False)
    slow = _run(text, steps, optimizer, lrs, exact=True)
    if isinstance(slow, str) or isinstance(quick, str):
        assert quick == slow, f"{text}: the two paths disagree: {quick!r} vs {slow!r}"
        return
    assert slow.path == "torch"
    np.testing.assert_allclose(quick.lr, slow.lr, rtol=RTOL, atol=0, err_msg=text)
    assert (quick.momentum is None) == (slow.momentum is None)
    if slow.momentum is not None:
        np.testing.assert_allclose(quick.momentum, slow.momentum, rtol=RTOL, atol=0, err_msg=text)
    assert quick.warnings == slow.warnings
    assert quick.events == slow.events
    assert (quick.optimizer, quick.momentum_name) == (slow.optimizer, slow.momentum_name)
    reference = torch_values(name, kwargs, quick.n_steps, optimizer, lrs)
    assert reference is not None, f"{text}: torch failed where lrviz traced"
    np.testing.assert_allclose(quick.lr, reference[0], rtol=RTOL, atol=0, err_msg=text)
    if quick.momentum is not None:
        np.testing.assert_allclose(quick.momentum, reference[1], rtol=RTOL, atol=0, err_msg=text)


@pytest.mark.parametrize("name", sorted(set(COMPUTE) - COMPOSITES))
@SETTINGS
@given(data=st.data())
def test_fast_path_equals_torch(name: str, data: st.DataObject) -> None:
    n_groups = data.draw(st.integers(1, 3), label="groups")
    kwargs = kwargs_for(name, data.draw, n_groups)
    lrs = [data.draw(_floats(0.001, 1.0), label="lr") for _ in range(n_groups)]
    optimizer = data.draw(st.sampled_from(sorted(OPTIMIZERS)), label="optimizer")
    steps = data.draw(st.integers(1, 400), label="steps")
    check_one(name, kwargs, steps, optimizer, lrs)


@pytest.mark.parametrize("name", sorted(COMPUTE))
def test_fast_path_is_taken_and_exact_over_a_long_run(name: str) -> None:
    """Rounding accumulates in chainable schedules: 100,000 steps of each, with a short
    period so cycles and restarts repeat many times."""
    long = {
        "OneCycleLR": "OneCycleLR(max_lr=0.1, total_steps=100000)",
        "CyclicLR": (
            "CyclicLR(base_lr=0.01, max_lr=0.1, step_size_up=70, step_size_down=30, mode='exp_range', gamma=0.99999)"
        ),
        "CosineAnnealingLR": "CosineAnnealingLR(T_max=37, eta_min=0.003)",
        "CosineAnnealingWarmRestarts": "CosineAnnealingWarmRestarts(T_0=13, T_mult=2, eta_min=0.001)",
        "ExponentialLR": "ExponentialLR(gamma=0.99993)",
        "StepLR": "StepLR(step_size=7, gamma=0.9999)",
        "MultiplicativeLR": "MultiplicativeLR(lr_lambda=lambda epoch: 0.99997)",
        "LambdaLR": "LambdaLR(lr_lambda=lambda epoch: 0.5 + 0.5 * cos(pi * epoch / 1000))",
    }
    text = long.get(name) or registry.get(name).example
    quick = lrviz.trace(text, 100_000, optimizer="adam")
    slow = lrviz.trace(text, 100_000, optimizer="adam", exact=True)
    assert quick.path == "fast"
    np.testing.assert_allclose(quick.lr, slow.lr, rtol=RTOL, atol=0)
    np.testing.assert_allclose(quick.momentum, slow.momentum, rtol=RTOL, atol=0)


@pytest.mark.parametrize("name", sorted(e.name for e in registry.entries() if e.family == "d2l"))
@SETTINGS
@given(data=st.data())
def test_recipes_fast_path_equals_stepping_torch(name: str, data: st.DataObject) -> None:
    entry = registry.get(name)
    args = {}
    for param in entry.user_params:
        if param.name == "step":
            args["step"] = sorted(data.draw(st.lists(st.integers(0, 300), max_size=4)))
        elif param.name in ("max_update", "warmup_steps"):
            args[param.name] = data.draw(st.integers(0, 300))
        elif param.name == "factor":
            args[param.name] = data.draw(_floats(0.5, 1.0))
        else:
            args[param.name] = data.draw(_floats(0.0, 1.0))
    text = f"{name}({', '.join(f'{k}={v!r}' for k, v in args.items())})"
    steps = data.draw(st.integers(1, 400))
    quick = _run(text, steps, "sgd", [0.1], exact=False)
    slow = _run(text, steps, "sgd", [0.1], exact=True)
    if isinstance(quick, str) or isinstance(slow, str):
        assert quick == slow
        return
    assert quick.path == "fast"
    np.testing.assert_allclose(quick.lr, slow.lr, rtol=RTOL, atol=0)
    assert quick.warnings == slow.warnings


@pytest.mark.parametrize("optimizer", sorted(optimizers.TABLE))
def test_optimizer_table_matches_torch(optimizer: str) -> None:
    known = optimizers.TABLE[optimizer]
    class_name, key, default = known.class_name, known.momentum_key, known.default
    cls = getattr(torch.optim, class_name)
    assert cls.__name__.lower() == optimizer  # the name users type is torch's, lower-cased
    opt = cls([torch.nn.Parameter(torch.zeros(2, 2))], lr=0.1)
    group = opt.param_groups[0]
    if key is None:
        assert "momentum" not in opt.defaults and "betas" not in opt.defaults
    else:
        assert group[key] == default
        assert key in opt.defaults


def test_uncovered_schedules_step_torch() -> None:
    for text in (
        "SequentialLR(schedulers=[ConstantLR(), CyclicLR(base_lr=0.01, max_lr=0.1)], milestones=[5])",
        "ReduceLROnPlateau()",
        "CyclicLR(base_lr=0.1, max_lr=0.2, scale_fn=lambda x: 0.9 ** x)",
        "StepLR(step_size=3, last_epoch=4)",
    ):
        assert lrviz.trace(text, 50).path == "torch", text
    assert lrviz.trace("StepLR(step_size=3)", 50, optimizer="lbfgs").path == "torch"
    assert lrviz.trace("StepLR(step_size=3)", 50, exact=True).path == "torch"


def test_a_lambda_that_fails_late_is_reported_as_torch_reports_it() -> None:
    text = "LambdaLR(lr_lambda=lambda epoch: 1 / (epoch - 7))"
    with pytest.raises(LrvizError) as quick:
        lrviz.trace(text, 20)
    with pytest.raises(LrvizError) as slow:
        lrviz.trace(text, 20, exact=True)
    assert quick.value.message == slow.value.message
    assert "epoch=7" in quick.value.message


def test_fast_path_never_imports_torch() -> None:
    code = (
        "import sys, lrviz\n"
        "t = lrviz.trace(\"CyclicLR(base_lr=0.001, max_lr=0.01, mode='triangular2')\", 10000, optimizer='adam')\n"
        "assert t.path == 'fast', t.path\n"
        "print('torch' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def _gallery_figures_with_fast_schedules() -> list:
    from lrviz import gallery

    out = []
    for fig in gallery.load().drawable:
        assert fig.config is not None
        specs = [run.spec for run in fig.config.runs]
        steps = fig.config.trace.steps or 0
        if any(fast_path.covers(s) for s in specs) and steps <= 100_000:
            out.append(fig)
    return out


@pytest.mark.parametrize("fig", _gallery_figures_with_fast_schedules(), ids=lambda f: f.id)
def test_gallery_figures_trace_the_same_through_torch(fig) -> None:
    """The gallery is drawn from fast traces; stepping torch instead (--exact) must give the
    very same traces, bit for bit, and so the same figures (drawing is deterministic, and
    the committed SVGs are compared with what the commands draw in test_gallery)."""
    from lrviz.runs import labels, shared_args, trace_all

    config = fig.config
    specs = [shared_args(run.spec, config.trace) for run in config.runs]
    names = labels(specs, [run.label for run in config.runs])
    args = (specs, [config.trace] * len(specs), names, [config.folder] * len(specs))
    quick, slow = trace_all(*args), trace_all(*args, exact=True)
    assert any(t.path == "fast" for t in quick) and all(t.path == "torch" for t in slow)
    for a, b in zip(quick, slow, strict=True):
        assert a.lr.tobytes() == b.lr.tobytes()
        assert (a.momentum is None) == (b.momentum is None)
        if a.momentum is not None:
            assert a.momentum.tobytes() == b.momentum.tobytes()
        assert (a.label, a.momentum_name, a.optimizer, a.warnings, a.events, a.horizon_reason) == (
            b.label,
            b.momentum_name,
            b.optimizer,
            b.warnings,
            b.events,
            b.horizon_reason,
        )
