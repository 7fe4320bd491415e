"""The transformers family: every get_scheduler name, read without importing transformers,
traced by lrviz exactly as transformers' own get_scheduler runs in a training loop."""

from __future__ import annotations

import ast
import functools
import importlib.util
import inspect
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from oracles import training_loop

import lrviz
from lrviz import registry
from lrviz import spec as spec_mod
from lrviz.errors import LrvizError
from lrviz.families import transformers as hf_family
from lrviz.families import transformers_source as hf_source
from lrviz.family import BaseFamily
from lrviz.metrics import default_metric
from lrviz.safe_expr import SpecError
from lrviz.schedule import Kind

HF_NAMES = [e.name for e in registry.entries() if e.family == "transformers"]

OPTIMIZERS = ("sgd", "adam")  # names in oracles.OPTIMIZERS
GROUPS = {"1group": [0.1], "2groups": [0.1, 0.01]}


def _optimization():
    """transformers.optimization, or a skip when it is not installed (a failure in CI,
    which installs lrviz[hf])."""
    if os.environ.get("CI"):
        import transformers.optimization

        return transformers.optimization
    return pytest.importorskip("transformers.optimization")


# Parameter sets per name: (get_scheduler's own arguments, scheduler_specific_kwargs).
W, T = "num_warmup_steps", "num_training_steps"
WSD_TYPES = [(w, d) for w in ("linear", "cosine", "1-sqrt") for d in ("linear", "cosine", "1-sqrt")]
PARAM_SETS: dict[str, list[tuple[dict, dict]]] = {
    "linear": [({W: 100, T: 1000}, {}), ({W: 0, T: 50}, {}), ({W: 10, T: 10}, {})],
    "cosine": [({W: 100, T: 1000}, {}), ({W: 5, T: 60}, {"num_cycles": 2.0}), ({W: 0, T: 40}, {"num_cycles": 0.25})],
    "cosine_with_restarts": [({W: 10, T: 100}, {"num_cycles": 3}), ({W: 0, T: 50}, {})],
    "polynomial": [
        ({W: 10, T: 100}, {}),
        ({W: 10, T: 100}, {"lr_end": 0.001, "power": 2.0}),
        ({W: 0, T: 30}, {"lr_end": 0.0, "power": 0.5}),
    ],
    "constant": [({}, {})],
    "constant_with_warmup": [({W: 10}, {}), ({W: 0}, {})],
    "inverse_sqrt": [({W: 10}, {}), ({W: 10}, {"timescale": 25}), ({W: 0}, {"timescale": 5})],
    "reduce_lr_on_plateau": [
        ({}, {}),
        ({}, {"mode": "max", "factor": 0.5, "patience": 2, "cooldown": 1}),
        ({}, {"patience": 3, "threshold_mode": "abs", "min_lr": 0.02, "factor": 0.5}),
    ],
    "cosine_with_min_lr": [
        ({W: 10, T: 100}, {"min_lr_rate": 0.1}),
        ({W: 10, T: 100}, {"min_lr": 0.001}),
        ({W: 5, T: 50}, {"num_cycles": 1.0, "min_lr_rate": 0.05}),
    ],
    "cosine_warmup_with_min_lr": [
        ({W: 10, T: 100}, {"min_lr_rate": 0.1}),
        ({W: 10, T: 100}, {"min_lr_rate": 0.1, "warmup_lr_rate": 0.2}),
        ({W: 10, T: 100}, {"min_lr": 0.005}),
    ],
    "warmup_stable_decay": [
        ({W: 100, T: 1000}, {"num_decay_steps": 300}),
        *[({W: 10, T: 100}, {"num_decay_steps": 30, "warmup_type": w, "decay_type": d}) for w, d in WSD_TYPES],
        ({W: 10}, {"num_decay_steps": 20, "num_stable_steps": 40, "min_lr_ratio": 0.1, "num_cycles": 1.0}),
    ],
    "greedy": [
        ({}, {}),
        ({}, {"factor": 0.5, "patience": 2}),
        (
            {},
            {"mode": "max", "factor": 0.8, "patience": 1, "warmup": 2, "cooldown": 1, "smooth": True, "window_size": 3},
        ),
        ({}, {"factor": 0.5, "patience": 1, "min_lr": 0.02, "max_lr": 0.15, "reset_start": 5}),
    ],
}


def _spec_text(name: str, top: dict, specific: dict) -> str:
    return f"{name}({', '.join(f'{k}={v!r}' for k, v in {**top, **specific}.items())})"


def _cases() -> list:
    cases = []
    for name in HF_NAMES:
        sets = PARAM_SETS.get(name)
        if sets is None:  # a name a newer transformers added: its example, split as get_scheduler does
            example = registry.get(name).example
            if not example:
                continue
            spec = spec_mod.parse(example, require=False)
            top = {k: v for k, v in spec.args.items() if k in (W, T)}
            sets = [(top, {k: v for k, v in spec.args.items() if k not in top})]
        for i, (top, specific) in enumerate(sets):
            cases.append(pytest.param(name, top, specific, id=f"{name}-{i}"))
    return cases


def _metric(name: str, top: dict, specific: dict, steps: int) -> np.ndarray | None:
    if not registry.get(name).needs_metric:
        return None
    return default_metric(str(specific.get("mode", "min")), steps)


def hf_scheduler(name: str, top: dict, specific: dict):
    """``make(optimizer)`` for :func:`oracles.training_loop`: transformers' own get_scheduler."""
    optimization = _optimization()
    return lambda opt: optimization.get_scheduler(name, opt, **top, scheduler_specific_kwargs=dict(specific))


def _steps(text: str) -> int:
    spec = spec_mod.parse(text)
    return min(1200, spec.entry.horizon(spec)[0] + 5)


def _trace(text, optimizer, group_lrs, steps, metric):
    return lrviz.trace(
        text,
        steps,
        optimizer=optimizer,
        lr=group_lrs[0],
        group_lrs=group_lrs if len(group_lrs) > 1 else (),
        metric=metric,
    )


@pytest.mark.parametrize("groups", list(GROUPS), ids=list(GROUPS))
@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
@pytest.mark.parametrize(("name", "top", "specific"), _cases())
def test_trace_equals_transformers(name, top, specific, optimizer, groups):
    _optimization()
    group_lrs = GROUPS[groups]
    text = _spec_text(name, top, specific)
    steps = _steps(text)
    metric = _metric(name, top, specific, steps)
    t = _trace(text, optimizer, group_lrs, steps, metric)
    lr, mom = training_loop(
        hf_scheduler(name, top, specific), steps, optimizer=optimizer, group_lrs=group_lrs, metric=metric, backward=True
    )
    np.testing.assert_array_equal(t.lr, lr)
    assert t.momentum is not None
    np.testing.assert_array_equal(t.momentum, mom)
    assert t.momentum_name == ("momentum" if optimizer == "sgd" else "beta1")


@pytest.mark.parametrize("groups", list(GROUPS), ids=list(GROUPS))
@pytest.mark.parametrize(("name", "top", "specific"), _cases())
def test_generated_code_gives_the_trace(name, top, specific, groups):
    _optimization()
    group_lrs = GROUPS[groups]
    text = _spec_text(name, top, specific)
    steps = _steps(text)
    metric = _metric(name, top, specific, steps)
    t = _trace(text, "adam", group_lrs, steps, metric)
    code = lrviz.torch_code(text, steps, name="adam", lr=group_lrs[0], group_lrs=tuple(group_lrs[1:] and group_lrs))
    assert "from transformers import get_scheduler" in code
    namespace: dict = {}
    if metric is not None:
        placeholder = "    val_loss = ...  # computed on your validation set"
        assert placeholder in code
        code = code.replace(placeholder, "    val_loss = metric[step]")
        namespace["metric"] = metric
    exec(compile(code, "<lrviz code>", "exec"), namespace)  # our own generated text
    np.testing.assert_array_equal(np.array(namespace["lrs"]).T, t.lr)


def test_the_issues_examples():
    """Cosine with warmup and warmup-stable-decay, as in the issue."""
    _optimization()
    cosine = lrviz.trace("cosine(num_warmup_steps=100, num_training_steps=1000)", lr=0.1)
    assert cosine.n_steps == 1000 and cosine.horizon_reason == "num_training_steps"
    assert cosine.lr[0, 0] == 0 and cosine.lr[0, 100] == pytest.approx(0.1)
    assert cosine.lr[0, 550] == pytest.approx(0.05, rel=1e-2)
    wsd = lrviz.trace("warmup_stable_decay(num_warmup_steps=100, num_decay_steps=300, num_training_steps=1000)")
    assert wsd.n_steps == 1000
    np.testing.assert_array_equal(wsd.lr[0, 100:700], 0.1)
    assert wsd.lr[0, -1] < 1e-4


# --------------------------------------------------------------------------------------
# The registry


def test_names_are_the_installed_scheduler_types():
    optimization = _optimization()
    expected = [m.value for m in optimization.SchedulerType if m in optimization.TYPE_TO_SCHEDULER_FUNCTION]
    assert HF_NAMES == expected
    assert set(hf_family.KNOWN) <= set(HF_NAMES)
    for entry in registry.entries():
        if entry.family != "transformers":
            continue
        function = optimization.TYPE_TO_SCHEDULER_FUNCTION[optimization.SchedulerType(entry.name)]
        assert entry.aliases == (function.__name__,)
        assert registry.find(function.__name__) is entry
        assert registry.find(f"transformers.{function.__name__}") is entry
        assert registry.find(f"transformers.optimization.{function.__name__}") is entry


def test_static_and_dynamic_readings_agree():
    _optimization()
    static = hf_source.read_static(hf_source.transformers_dir())
    dynamic = hf_source.read_dynamic()
    assert [s.name for s in static.schedules] == [s.name for s in dynamic.schedules]
    for s, d in zip(static.schedules, dynamic.schedules, strict=True):
        assert s == d, s.name
    assert static.version == dynamic.version
    import transformers

    assert static.version == transformers.__version__


def test_a_failed_static_reading_falls_back_to_importing(monkeypatch):
    _optimization()

    def broken(root):
        raise ValueError("a future layout")

    _fresh_caches(monkeypatch)
    monkeypatch.setattr(hf_source, "read_static", broken)
    assert hf_source.hf_schedules() == hf_source.read_dynamic()
    assert [e.name for e in registry.entries() if e.family == "transformers"] == HF_NAMES


def _signature_params(name: str) -> dict[str, inspect.Parameter]:
    optimization = _optimization()
    function = optimization.TYPE_TO_SCHEDULER_FUNCTION[optimization.SchedulerType(name)]
    params = dict(inspect.signature(function).parameters)
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        target = hf_source.hf_schedules().schedules[HF_NAMES.index(name)].target
        cls = function.__globals__[target]
        params.update(inspect.signature(cls).parameters)
    return params


@pytest.mark.parametrize("name", HF_NAMES)
def test_parameters_come_from_transformers(name):
    entry = registry.get(name)
    signature = _signature_params(name)
    assert entry.params[0].kind == Kind.OPTIMIZER
    for param in entry.user_params:
        theirs = signature[param.name]
        if theirs.default is inspect.Parameter.empty:
            assert param.required
        elif not param.required:
            assert param.default == theirs.default and type(param.default) is type(theirs.default)
        assert param.help, f"{name}.{param.name} has no help"
        assert param.option.startswith("--") and "_" not in param.option
    # last_epoch reaches a schedule only through scheduler_specific_kwargs, which get_scheduler
    # drops for constant and constant_with_warmup
    assert ("last_epoch" in [p.name for p in entry.params]) == (
        "last_epoch" in signature and name not in ("constant", "constant_with_warmup")
    )
    assert entry.summary.endswith(".") and "`" not in entry.summary
    assert entry.family == "transformers" and not entry.decays
    assert entry.origin == f"transformers.get_scheduler({name!r})"
    import transformers

    assert registry.family(entry.family).version() == f"transformers {transformers.__version__}"
    assert entry.example, f"{name} has no example"
    assert spec_mod.parse(entry.example).entry is entry


def test_what_get_scheduler_ignores_is_not_offered():
    _optimization()

    def names(name):
        return [p.name for p in registry.get(name).user_params]

    assert names("constant") == []
    assert names("constant_with_warmup") == ["num_warmup_steps"]
    assert names("inverse_sqrt") == ["num_warmup_steps", "timescale", "last_epoch"]
    assert names("cosine") == ["num_warmup_steps", "num_training_steps", "num_cycles", "last_epoch"]
    assert names("warmup_stable_decay")[:4] == [
        "num_warmup_steps",
        "num_decay_steps",
        "num_training_steps",
        "num_stable_steps",
    ]
    assert "verbose" in names("greedy") and "mode" in names("reduce_lr_on_plateau")


def test_kinds_defaults_and_choices_come_from_transformers():
    _optimization()
    linear = registry.get("linear")  # no annotations: kinds from the docstring
    assert linear.param("num_warmup_steps").kind == Kind.INT
    assert registry.get("polynomial").param("lr_end").kind == Kind.FLOAT
    assert registry.get("polynomial").param("lr_end").default == 1e-7
    wsd = registry.get("warmup_stable_decay")
    assert wsd.param("decay_type").choices == ("linear", "cosine", "1-sqrt")
    assert wsd.param("num_training_steps").nullable and not wsd.param("num_training_steps").required
    timescale = registry.get("inverse_sqrt").param("timescale")
    assert timescale.nullable and "num_warmup_steps" in timescale.help
    greedy = registry.get("greedy")
    assert greedy.param("mode").choices == ("min", "max")
    assert greedy.param("min_lr").kind == Kind.FLOATS
    plateau = registry.get("reduce_lr_on_plateau")
    assert plateau.param("mode").choices == ("min", "max")  # torch's own ReduceLROnPlateau
    assert (
        plateau.param("factor").default
        == inspect.signature(torch.optim.lr_scheduler.ReduceLROnPlateau).parameters["factor"].default
    )
    assert [e.name for e in registry.entries() if e.family == "transformers" and e.needs_metric] == [
        "reduce_lr_on_plateau",
        "greedy",
    ]
    assert registry.get("warmup_stable_decay").summary.endswith("three stages: warmup, stable and decay.")


def test_reading_the_registry_does_not_import_transformers():
    code = (
        "import sys; from lrviz import registry; "
        "assert any(e.family == 'transformers' for e in registry.entries()); "
        "assert 'transformers' not in sys.modules, 'transformers imported'; "
        "assert 'torch' not in sys.modules, 'torch imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def _fresh_caches(monkeypatch) -> None:
    """Empty registry and transformers caches for one test; monkeypatch.undo() puts the
    originals back, filled as they were (so entries keep their identity for other tests)."""
    for owner, name in ((BaseFamily, "_table"), (registry, "families"), (hf_source, "hf_schedules")):
        cached = getattr(owner, name)
        monkeypatch.setattr(owner, name, functools.lru_cache(maxsize=None)(cached.__wrapped__))


def test_a_torch_or_recipe_name_is_found_without_reading_transformers(monkeypatch):
    _fresh_caches(monkeypatch)
    assert registry.find("torch.optim.lr_scheduler.OneCycleLR").family == "torch"
    assert registry.find("CosineScheduler").family == "d2l"
    assert hf_source.hf_schedules.cache_info().currsize == 0
    assert registry.find("cosine").family == "transformers"
    assert hf_source.hf_schedules.cache_info().currsize == 1
    assert registry.find("no_such_schedule") is None


def test_the_install_hint_installs_the_extra_s_requirement_into_this_python():
    # not a bare 'pip install lrviz[hf]': that may be another Python's pip, and needs lrviz on PyPI
    hint = hf_family.install_hint()
    assert hint.startswith(f"{sys.executable} -m pip install ") or hint.startswith(("pipx inject", "uv pip install"))
    assert hint.endswith("'transformers>=4.40'")
    pyproject = (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text(encoding="utf-8")
    assert f'hf = ["{hf_family.REQUIREMENT}"]' in pyproject


def test_without_transformers_the_names_are_listed_with_the_pip_line(monkeypatch):
    real = importlib.util.find_spec

    def find_spec(name, *args, **kwargs):
        if name == "transformers" or name.startswith("transformers."):
            return None
        return real(name, *args, **kwargs)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    _fresh_caches(monkeypatch)
    try:
        entries = [e for e in registry.entries() if e.family == "transformers"]
        assert [e.name for e in entries] == list(hf_family.KNOWN)
        for entry in entries:
            assert entry.unavailable() == f"needs Hugging Face transformers: {hf_family.install_hint()}"
            assert entry.summary.endswith(".")
            with pytest.raises(LrvizError, match=re.escape(hf_family.install_hint())):
                entry.require()
        assert registry.find("get_wsd_schedule").name == "warmup_stable_decay"
        assert registry.find("transformers.get_cosine_schedule_with_warmup").name == "cosine"
        assert registry.get("greedy").needs_metric
        with pytest.raises(LrvizError, match=re.escape(hf_family.install_hint())):
            lrviz.trace("constant", 10)
    finally:
        monkeypatch.undo()
    if importlib.util.find_spec("transformers") is not None:
        assert registry.get("cosine").unavailable() is None


# --------------------------------------------------------------------------------------
# Horizons, checks and code


@pytest.mark.parametrize(
    ("text", "steps", "reason"),
    [
        ("linear(num_warmup_steps=10, num_training_steps=300)", 300, "num_training_steps"),
        ("warmup_stable_decay(num_warmup_steps=10, num_decay_steps=20, num_stable_steps=50)", 80, "num_stable_steps"),
        ("warmup_stable_decay(num_warmup_steps=10, num_decay_steps=20, num_training_steps=500)", 500, "training"),
        ("constant_with_warmup(num_warmup_steps=50)", 200, "num_warmup_steps"),
        ("inverse_sqrt(num_warmup_steps=50)", 550, "timescale"),
        ("inverse_sqrt(num_warmup_steps=50, timescale=10)", 150, "timescale"),
        ("constant", 100, "default"),
        ("reduce_lr_on_plateau(patience=20)", 168, "reductions"),
    ],
)
def test_horizons(text, steps, reason):
    _optimization()
    spec = spec_mod.parse(text)
    n, why = spec.entry.horizon(spec)
    assert n == steps and reason in why


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("polynomial(num_warmup_steps=20, num_training_steps=20)", "divide by zero at step 20"),
        ("polynomial(num_warmup_steps=2, num_training_steps=20, power=-1.0)", "power=-1.0"),
        ("polynomial(num_warmup_steps=2, num_training_steps=20, lr_end=0.5)", "must be below the optimizer's lr"),
        ("inverse_sqrt(num_warmup_steps=2, timescale=0)", "timescale=0 is not positive"),
        ("inverse_sqrt(num_warmup_steps=-3)", "not positive"),
        ("cosine_with_min_lr(num_warmup_steps=2, num_training_steps=20)", "needs min_lr or min_lr_rate"),
        (
            "cosine_warmup_with_min_lr(num_warmup_steps=2, num_training_steps=20, min_lr=0.1, min_lr_rate=0.1)",
            "not both",
        ),
        ("warmup_stable_decay(num_warmup_steps=2, num_decay_steps=3)", "needs num_training_steps or num_stable_steps"),
        ("greedy(factor=1.0)", "factor must be below 1"),
        ("greedy(smooth=True, window_size=0)", "window_size"),
        ("reduce_lr_on_plateau(factor=2.0)", "factor must be below 1"),
        ("greedy(min_lr=[0.1, 0.2, 0.3])", "3 values but the optimizer has 1 param group"),
    ],
)
def test_inputs_transformers_would_crash_on_are_one_line_errors(text, match):
    _optimization()
    with pytest.raises(LrvizError, match=match) as info:
        lrviz.trace(text, 30)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("linear(num_warmup_steps=0, num_training_steps=0)", "num_training_steps=0"),
        ("linear(num_warmup_steps=-2, num_training_steps=50)", "num_warmup_steps=-2 is negative"),
        ("cosine(num_warmup_steps=50, num_training_steps=30)", "training ends before the warmup does"),
        ("cosine_with_restarts(num_warmup_steps=5, num_training_steps=30, num_cycles=0)", "never decays"),
        ("polynomial(num_warmup_steps=2, num_training_steps=20, lr_end=-0.01)", "ends below 0"),
        ("warmup_stable_decay(num_warmup_steps=2, num_decay_steps=3, num_training_steps=4)", "decay starts before"),
        (
            "warmup_stable_decay(num_warmup_steps=2, num_decay_steps=3, num_training_steps=9, min_lr_ratio=2.0)",
            "outside",
        ),
        ("cosine_with_min_lr(num_warmup_steps=2, num_training_steps=20, min_lr_rate=1.5)", "outside"),
        (
            "warmup_stable_decay(num_warmup_steps=2, num_decay_steps=3, num_training_steps=40, num_stable_steps=10)",
            "num_stable_steps will be used",
        ),
    ],
)
def test_legal_nonsense_is_a_warning(text, match):
    _optimization()
    t = lrviz.trace(text, 30)
    assert any(match in w for w in t.warnings), t.warnings


def test_relative_ends_warn_with_several_groups():
    _optimization()
    t = lrviz.trace("polynomial(num_warmup_steps=2, num_training_steps=20)", 20, group_lrs=[0.1, 0.01])
    assert any("each param group" in w for w in t.warnings)
    t = lrviz.trace("polynomial(num_warmup_steps=2, num_training_steps=20)", 20)
    assert t.warnings == []


def test_code_is_a_get_scheduler_call():
    _optimization()
    spec = spec_mod.parse("cosine(num_warmup_steps=100, num_training_steps=1000, num_cycles=2.0)")
    from lrviz.codegen import parts

    code = parts(spec)
    assert code.expr == (
        'get_scheduler("cosine", optimizer, num_warmup_steps=100, num_training_steps=1000, '
        'scheduler_specific_kwargs={"num_cycles": 2.0})'
    )
    assert code.imports == ("from transformers import get_scheduler",)
    assert parts(spec_mod.parse("constant")).expr == 'get_scheduler("constant", optimizer)'
    wsd = parts(spec_mod.parse("warmup_stable_decay(num_warmup_steps=1, num_decay_steps=2, num_training_steps=9)"))
    assert wsd.expr == (
        'get_scheduler("warmup_stable_decay", optimizer, num_warmup_steps=1, num_training_steps=9, '
        'scheduler_specific_kwargs={"num_decay_steps": 2})'
    )


# --------------------------------------------------------------------------------------
# Pasted get_scheduler(...) calls


def _pasted(source: str) -> spec_mod.Spec:
    """A pasted line, as spec parsing reads it (which rewrites get_scheduler calls)."""
    return spec_mod.parse(source)


def test_rewrite_get_scheduler_gives_the_direct_call():
    _optimization()
    source = (
        'transformers.get_scheduler("cosine", self.optimizer, num_warmup_steps=100, num_training_steps=None, '
        'scheduler_specific_kwargs={"num_cycles": 2})'
    )
    node = ast.parse(source, mode="eval").body
    assert isinstance(node, ast.Call)
    rewritten = hf_family.rewrite_get_scheduler(node, source)
    assert ast.unparse(rewritten) == "cosine(self.optimizer, num_warmup_steps=100, num_cycles=2)"
    assert ast.get_source_segment(source, rewritten.keywords[1]) == '"num_cycles"'  # errors point at the text


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            'get_scheduler("cosine", optimizer, num_warmup_steps=100, num_training_steps=1000, '
            'scheduler_specific_kwargs={"num_cycles": 2})',
            "cosine(num_warmup_steps=100, num_training_steps=1000, num_cycles=2.0)",
        ),
        (
            'transformers.get_scheduler(name="cosine_with_restarts", optimizer=self.optimizer, num_warmup_steps=10, '
            "num_training_steps=100, scheduler_specific_kwargs=dict(num_cycles=2))",
            "cosine_with_restarts(num_warmup_steps=10, num_training_steps=100, num_cycles=2)",
        ),
        ('get_scheduler("linear", opt, 10, 100)', "linear(num_warmup_steps=10, num_training_steps=100)"),
        ("get_scheduler(SchedulerType.INVERSE_SQRT, opt, 10, 100)", "inverse_sqrt(num_warmup_steps=10)"),
        ('get_scheduler("constant", opt, 10, 100, {"num_cycles": 3})', "constant()"),
        ('get_scheduler("constant_with_warmup", opt, 10, None, {"x": 1})', "constant_with_warmup(num_warmup_steps=10)"),
        (
            'get_scheduler("reduce_lr_on_plateau", optimizer, num_warmup_steps=5, '
            "scheduler_specific_kwargs={'patience': 3, 'mode': 'max'})",
            "reduce_lr_on_plateau(mode='max', patience=3)",
        ),
        (
            'get_scheduler("warmup_stable_decay", opt, num_warmup_steps=10, num_training_steps=None, '
            'scheduler_specific_kwargs={"num_decay_steps": 5, "num_stable_steps": 20})',
            "warmup_stable_decay(num_warmup_steps=10, num_decay_steps=5, num_stable_steps=20)",
        ),
    ],
)
def test_get_scheduler_calls_become_the_entry(source, expected):
    _optimization()  # which arguments get_scheduler drops is read from the installed version
    assert _pasted(source).format() == expected


def test_a_pasted_get_scheduler_traces_as_transformers_runs_it():
    _optimization()
    source = (
        'get_scheduler("warmup_stable_decay", optimizer, num_warmup_steps=10, num_training_steps=100, '
        'scheduler_specific_kwargs={"num_decay_steps": 30, "decay_type": "1-sqrt"})'
    )
    t = lrviz.trace(_pasted(source), 100)
    wsd = hf_scheduler("warmup_stable_decay", {W: 10, T: 100}, {"num_decay_steps": 30, "decay_type": "1-sqrt"})
    lr, _ = training_loop(wsd, 100, backward=True)
    np.testing.assert_array_equal(t.lr, lr)
    direct = spec_mod.parse("get_wsd_schedule(optimizer, 10, 30, 100, decay_type='1-sqrt')")
    assert direct == _pasted(source)


@pytest.mark.parametrize(
    ("source", "match"),
    [
        ("get_scheduler(name, optimizer, 10, 100)", "must be written out as a string"),
        ('get_scheduler("cosine", optimizer, 10, 100, kwargs)', "must be a dict literal"),
        ('get_scheduler("cosine", optimizer, 10, 100, {**kwargs})', "unpacking"),
        ('get_scheduler("cosine", optimizer, 10, 100, {name: 2})', "keys must be parameter names"),
        ('get_scheduler("cosine", optimizer, **kw)', "unpacking"),
        ('get_scheduler("cosine", optimizer, warmup=10)', "no parameter 'warmup'"),
        ("get_scheduler(optimizer=optimizer)", "needs the schedule's name"),
        ("get_scheduler(SchedulerType.COSINUS, optimizer)", "no member 'COSINUS'"),
        ('get_scheduler("linear", opt, 10, 100, {"num_cycles": 2})', "linear has no parameter 'num_cycles'"),
        ('get_scheduler("cosin", opt, 10, 100)', "did you mean 'cosine'"),
    ],
)
def test_bad_get_scheduler_calls_are_spec_errors(source, match):
    _optimization()
    with pytest.raises(SpecError, match=match) as info:
        _pasted(source)
    assert "column" in str(info.value)


def test_issue_math_sanity():
    """inverse_sqrt after warmup is sqrt(timescale / (step - warmup + timescale)), per big_vision."""
    _optimization()
    t = lrviz.trace("inverse_sqrt(num_warmup_steps=10, timescale=40)", 200, lr=0.5)
    steps = np.arange(10, 200)
    np.testing.assert_allclose(t.lr[0, 10:], 0.5 / np.sqrt((steps - 10 + 40) / 40), rtol=1e-12)
    assert math.isclose(t.lr[0, 5], 0.25)


def test_positional_arguments_after_last_epoch_reach_their_parameter():
    """Pasted code passes last_epoch positionally before min_lr: it must not land in min_lr."""
    _optimization()
    pasted = lrviz.trace("get_cosine_with_min_lr_schedule_with_warmup(optimizer, 10, 100, 0.5, -1, 1e-3)")
    named = lrviz.trace("cosine_with_min_lr(num_warmup_steps=10, num_training_steps=100, min_lr=1e-3)")
    assert pasted.spec.value("min_lr") == 1e-3 and pasted.spec.value("last_epoch") == -1
    np.testing.assert_array_equal(pasted.lr, named.lr)


def test_resuming_with_last_epoch_equals_transformers():
    _optimization()
    from transformers import get_scheduler

    def resumed(opt):
        for group in opt.param_groups:
            group.setdefault("initial_lr", group["lr"])
        return get_scheduler(
            "cosine", opt, num_warmup_steps=10, num_training_steps=100, scheduler_specific_kwargs={"last_epoch": 20}
        )

    expected = training_loop(resumed, 30).lr[0]
    t = lrviz.trace("cosine(num_warmup_steps=10, num_training_steps=100, last_epoch=20)", 30)
    np.testing.assert_array_equal(t.lr[0], expected)
