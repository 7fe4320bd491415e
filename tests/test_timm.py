"""The timm family: every scheduler class and create_scheduler_v2 name of the installed timm,
read without importing timm, traced exactly as timm's own train.py loop steps them.

The oracle is :func:`oracles.timm_loop`: timm's classes (and its create_scheduler_v2) on a
real optimizer, told the time the way train.py tells it (``step_update(num_updates)`` after
every update, ``step(epoch + 1, metric)`` after every epoch).
"""

from __future__ import annotations

import ast
import functools
import inspect
import subprocess
import sys

import libraries
import numpy as np
import pytest
from clirun import run, run_ok
from extras import ON_CI
from oracles import timm_loop

import lrviz
from lrviz import registry
from lrviz import spec as spec_mod
from lrviz.errors import LrvizError
from lrviz.families import timm as timm_family
from lrviz.families import timm_source
from lrviz.family import BaseFamily
from lrviz.metrics import default_metric
from lrviz.safe_expr import SpecError
from lrviz.schedule import Kind

TIMM = [e for e in registry.entries() if e.family == "timm"]
CLASSES = [e.name for e in TIMM if not e.name.startswith("timm.")]
SCHEDS = [e.name.removeprefix("timm.") for e in TIMM if e.name.startswith("timm.")]

# timm deprecates PlateauLRScheduler; the oracle builds it anyway (lrviz reports the warning)
pytestmark = pytest.mark.filterwarnings("ignore:PlateauLRScheduler is deprecated:FutureWarning")

OPTIMIZERS = ("sgd", "adamw")  # names in oracles.OPTIMIZERS
GROUPS = {"1group": [0.1], "2groups": [0.1, 0.01]}


def _package():
    """timm.scheduler as lrviz loads it, or a skip when timm is not installed (a failure in
    CI, which installs lrviz[timm])."""
    problem = timm_family.missing()
    if problem and not ON_CI:
        pytest.skip(problem)
    return timm_source.scheduler_package()


# Parameter sets per class: per-epoch and per-update, warmup with and without prefix, cycles,
# k-decay, noise, a resumed run (initialize=False).
CLASS_SETS: dict[str, list[dict]] = {
    "CosineLRScheduler": [
        {"t_initial": 20, "warmup_t": 3, "warmup_lr_init": 1e-4, "lr_min": 1e-3},
        {
            "t_initial": 10,
            "warmup_t": 3,
            "warmup_prefix": True,
            "cycle_mul": 2.0,
            "cycle_decay": 0.5,
            "cycle_limit": 3,
            "k_decay": 2.0,
        },
        {"t_initial": 40, "t_in_epochs": False, "warmup_t": 5, "noise_range_t": [10, 30], "noise_seed": 7},
        {
            "t_initial": 12,
            "cycle_limit": 2,
            "noise_range_t": 4,
            "noise_pct": 0.3,
            "noise_std": 0.5,
            "initialize": False,
        },
    ],
    "TanhLRScheduler": [
        {"t_initial": 20, "warmup_t": 3, "warmup_lr_init": 1e-4},
        {
            "t_initial": 10,
            "lb": -5.0,
            "ub": 5.0,
            "warmup_t": 2,
            "warmup_prefix": True,
            "cycle_limit": 2,
            "cycle_decay": 0.5,
            "t_in_epochs": False,
        },
        {"t_initial": 8, "cycle_mul": 1.5, "cycle_limit": 3, "noise_range_t": [2, 12]},
    ],
    "StepLRScheduler": [
        {"decay_t": 5, "decay_rate": 0.5, "warmup_t": 2, "warmup_lr_init": 1e-3},
        {"decay_t": 2.5, "decay_rate": 0.7, "t_in_epochs": False, "warmup_t": 3, "warmup_prefix": False},
        {"decay_t": 4, "decay_rate": 0.5, "noise_range_t": 3},
    ],
    "MultiStepLRScheduler": [
        {"decay_t": [5, 9, 12], "decay_rate": 0.5, "warmup_t": 2, "warmup_lr_init": 1e-3},
        {"decay_t": [10, 30], "decay_rate": 0.1, "t_in_epochs": False, "warmup_t": 4, "warmup_prefix": False},
    ],
    "PlateauLRScheduler": [
        {"decay_rate": 0.5, "patience_t": 2, "mode": "min"},
        {"decay_rate": 0.5, "patience_t": 1, "warmup_t": 3, "warmup_lr_init": 1e-3, "cooldown_t": 1, "lr_min": 0.01},
        {"decay_rate": 0.5, "patience_t": 2, "noise_range_t": [5, 20], "noise_type": "uniform", "noise_seed": 3},
    ],
    "PolyLRScheduler": [
        {"t_initial": 20, "power": 2.0, "warmup_t": 3, "lr_min": 1e-3},
        {
            "t_initial": 10,
            "power": 0.5,
            "cycle_limit": 2,
            "cycle_decay": 0.5,
            "k_decay": 1.5,
            "t_in_epochs": False,
            "warmup_t": 2,
            "warmup_prefix": True,
        },
    ],
    "WSDLRScheduler": [
        {"t_initial": 20, "decay_t": 5, "warmup_t": 3, "warmup_lr_init": 1e-4},
        {
            "t_initial": 30,
            "decay_t": 10,
            "warmup_t": 5,
            "stable_fn": "rsqrt",
            "decay_fn": "linear",
            "t_in_epochs": False,
        },
        {
            "t_initial": 20,
            "decay_t": 8,
            "stable_fn": "power",
            "stable_timescale": 4.0,
            "stable_power": 0.3,
            "decay_fn": "exp",
            "decay_ratio": 0.2,
            "lr_min": 1e-3,
        },
        {"t_initial": 20, "decay_t": 8, "decay_fn": "power", "decay_power": 2.0, "noise_range_t": [0, 10]},
    ],
}

# Parameter sets per create_scheduler_v2 name: per-epoch and per-update (step_on_epochs=False
# with updates_per_epoch), warmup prefix, cooldown, cycles, noise.
FACTORY_SETS: dict[str, list[dict]] = {
    "cosine": [
        {"num_epochs": 20, "warmup_epochs": 3, "min_lr": 1e-4, "warmup_lr": 1e-5, "cooldown_epochs": 2},
        {
            "num_epochs": 10,
            "warmup_epochs": 2,
            "warmup_prefix": True,
            "cycle_limit": 3,
            "cycle_mul": 2.0,
            "cycle_decay": 0.5,
            "k_decay": 2.0,
            "step_on_epochs": False,
            "updates_per_epoch": 5,
        },
        {"num_epochs": 20, "noise": [0.2, 0.8], "noise_seed": 5},
    ],
    "tanh": [
        {"num_epochs": 20, "warmup_epochs": 3},
        {"num_epochs": 10, "step_on_epochs": False, "updates_per_epoch": 4, "cycle_limit": 2},
    ],
    "step": [
        {"num_epochs": 20, "decay_epochs": 5, "decay_rate": 0.5, "warmup_epochs": 2},
        {
            "num_epochs": 10,
            "decay_epochs": 3,
            "step_on_epochs": False,
            "updates_per_epoch": 4,
            "warmup_prefix": True,
            "warmup_epochs": 1,
        },
    ],
    "constant": [{"num_epochs": 10, "warmup_epochs": 3}],
    "multistep": [
        {"num_epochs": 20, "decay_milestones": [5, 12], "decay_rate": 0.5, "warmup_epochs": 2},
        {"num_epochs": 12, "decay_milestones": [4, 8], "step_on_epochs": False, "updates_per_epoch": 3},
    ],
    "plateau": [{"num_epochs": 30, "patience_epochs": 2, "decay_rate": 0.5, "plateau_mode": "min", "warmup_epochs": 2}],
    "poly": [
        {"num_epochs": 20, "decay_rate": 2.0, "warmup_epochs": 3},
        {"num_epochs": 10, "decay_rate": 0.5, "step_on_epochs": False, "updates_per_epoch": 4, "noise": 0.5},
    ],
    "wsd": [
        {"num_epochs": 20, "warmup_epochs": 3},
        {
            "num_epochs": 20,
            "warmup_epochs": 3,
            "decay_epochs": 0.3,
            "decay_fn": "cosine",
            "warmup_prefix": True,
            "step_on_epochs": False,
            "updates_per_epoch": 4,
            "cooldown_epochs": 1,
        },
    ],
    "rsqrt": [
        {"num_epochs": 20, "warmup_epochs": 4},
        {"num_epochs": 20, "stable_timescale": 3.0, "decay_epochs": 5},
    ],
}


def _call(name: str, kwargs: dict) -> str:
    return f"{name}({', '.join(f'{k}={v!r}' for k, v in kwargs.items())})"


def _example_args(name: str) -> dict:
    example = registry.get(name).example
    return dict(spec_mod.parse(example).args) if example else {}


def _class_cases() -> list:
    cases = []
    for name in CLASSES:
        sets = CLASS_SETS.get(name) or [_example_args(name)]  # a class a newer timm added: its example
        for i, kwargs in enumerate(sets):
            cases.append(pytest.param(name, kwargs, id=f"{name}-{i}"))
    return cases


def _factory_cases() -> list:
    cases = []
    for sched in SCHEDS:
        sets = FACTORY_SETS.get(sched) or [_example_args(f"timm.{sched}")]
        for i, kwargs in enumerate(sets):
            cases.append(pytest.param(sched, kwargs, id=f"{sched}-{i}"))
    return cases


def _make_class(name: str, kwargs: dict):
    package = _package()

    def make(opt):
        if kwargs.get("initialize") is False:  # a resumed run: the groups carry initial_lr
            for group in opt.param_groups:
                group.setdefault("initial_lr", group["lr"])
        return getattr(package, name)(opt, **kwargs)

    return make


def _make_factory(sched: str, kwargs: dict):
    package = _package()
    return lambda opt: package.create_scheduler_v2(opt, sched=sched, **kwargs)[0]


def _mode(kwargs: dict, entry_name: str) -> str:
    entry = registry.get(entry_name)
    for key in ("mode", "plateau_mode"):
        if entry.param(key) is not None:
            return str(kwargs.get(key, entry.param(key).default))
    return "min"


EPOCHS_OF_METRIC = 40  # a metric-driven schedule runs for as many epochs as it has values


def _compare(text: str, make, optimizer: str, groups: str, steps_per_epoch: int | None, own: int | None):
    """lrviz's trace of ``text`` against timm's train.py loop around ``make``."""
    group_lrs = GROUPS[groups]
    entry = spec_mod.parse(text).entry
    metric = default_metric(_mode({}, entry.name), EPOCHS_OF_METRIC + 1)
    if entry.needs_metric:
        metric = default_metric(_mode(spec_mod.parse(text).args, entry.name), EPOCHS_OF_METRIC)
    t = lrviz.trace(
        text,
        None,
        optimizer=optimizer,
        lr=group_lrs[0],
        group_lrs=group_lrs if len(group_lrs) > 1 else (),
        steps_per_epoch=steps_per_epoch,
        metric=metric if entry.needs_metric else None,
    )
    # train.py passes its eval metric to every step(epoch + 1, metric): only a plateau uses it
    epochs = steps_per_epoch or own or 1
    needed = t.n_steps // epochs + 1
    fed = metric if entry.needs_metric else default_metric("min", max(needed, EPOCHS_OF_METRIC + 1))
    expected = timm_loop(
        make, t.n_steps, updates_per_epoch=epochs, optimizer=optimizer, group_lrs=group_lrs, metric=fed
    )
    np.testing.assert_array_equal(t.lr, expected.lr)
    assert t.momentum is not None and expected.momentum is not None
    np.testing.assert_array_equal(t.momentum, expected.momentum)
    assert t.momentum_name == ("momentum" if optimizer == "sgd" else "beta1")
    return t


@pytest.mark.parametrize("steps_per_epoch", [None, 3], ids=["no-epochs", "epochs-of-3"])
@pytest.mark.parametrize("groups", list(GROUPS))
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
@pytest.mark.parametrize(("name", "kwargs"), _class_cases())
def test_class_trace_equals_timms_loop(name, kwargs, optimizer, groups, steps_per_epoch):
    _compare(_call(name, kwargs), _make_class(name, kwargs), optimizer, groups, steps_per_epoch, None)


@pytest.mark.parametrize("epochs", ["no-epochs", "own-epochs"])
@pytest.mark.parametrize("groups", list(GROUPS))
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
@pytest.mark.parametrize(("sched", "kwargs"), _factory_cases())
def test_factory_trace_equals_timms_loop(sched, kwargs, optimizer, groups, epochs):
    own = kwargs.get("updates_per_epoch")
    steps_per_epoch = (own or 3) if epochs == "own-epochs" else None
    make = _make_factory(sched, kwargs)
    pasted = _call("create_scheduler_v2", {"optimizer": "OPT", **kwargs, "sched": sched}).replace("'OPT'", "opt")
    t = _compare(pasted, make, optimizer, groups, steps_per_epoch, own)
    assert t.spec == spec_mod.parse(_call(f"timm.{sched}", kwargs))
    # as long as train.py runs: the epochs create_scheduler_v2 returns
    _, num_epochs = _package().create_scheduler_v2(_optimizer(), sched=sched, **kwargs)
    if not registry.get(f"timm.{sched}").needs_metric:
        assert t.n_steps == num_epochs * (steps_per_epoch or own or 1)


def _optimizer():
    import torch

    return torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)


def _printed(t) -> str:
    """What ``--print-code`` prints for the trace."""
    import io
    from contextlib import redirect_stdout

    from lrviz.cli import output

    buffer = io.StringIO()
    with redirect_stdout(buffer):
        output.print_code([t])
    return buffer.getvalue()


@pytest.mark.parametrize("steps_per_epoch", [None, 3], ids=["no-epochs", "epochs-of-3"])
@pytest.mark.parametrize("groups", list(GROUPS))
@pytest.mark.parametrize(
    ("text"),
    [
        *[
            pytest.param(_call(name, kwargs), id=f"{name}-{i}")
            for name, sets in CLASS_SETS.items()
            for i, kwargs in enumerate(sets)
        ],
        *[
            pytest.param(_call(f"timm.{s}", kw), id=f"{s}-{i}")
            for s, sets in FACTORY_SETS.items()
            for i, kw in enumerate(sets)
        ],
    ],
)
def test_printed_code_runs_timms_loop_to_the_same_values(text, groups, steps_per_epoch):
    _package()
    group_lrs = GROUPS[groups]
    t = lrviz.trace(
        text,
        None,
        optimizer="adamw",
        lr=group_lrs[0],
        group_lrs=group_lrs[1:] and group_lrs,
        steps_per_epoch=steps_per_epoch,
    )
    code = _printed(t)
    assert "scheduler.step_update(num_updates=step + 1)" in code
    assert ("from timm.scheduler import create_scheduler_v2" in code) == text.startswith("timm.")
    namespace = libraries.run(code, {})
    np.testing.assert_array_equal(np.array(namespace["lrs"]).T, t.lr)


def test_the_issues_examples():
    """The class and the pasted factory call of the issue draw what timm's loop uses."""
    package = _package()
    text = "CosineLRScheduler(t_initial=100, warmup_t=5, warmup_lr_init=1e-5, lr_min=1e-6)"
    t = lrviz.trace(text, steps_per_epoch=50)
    assert t.n_steps == 5000 and t.steps_per_epoch == 50 and t.x_label == "epoch"
    make = _make_class("CosineLRScheduler", {"t_initial": 100, "warmup_t": 5, "warmup_lr_init": 1e-5, "lr_min": 1e-6})
    np.testing.assert_array_equal(t.lr, timm_loop(make, 5000, updates_per_epoch=50).lr)
    assert t.lr[0, 0] == 1e-5 and t.lr[0, 49] == 1e-5  # per epoch: the warmup's first epoch is flat
    assert t.lr[0, 50] > t.lr[0, 49] and t.lr[0, 250] == t.lr[0, 299]

    pasted = (
        "lr_scheduler, num_epochs = create_scheduler_v2(optimizer, sched='cosine', num_epochs=300, warmup_epochs=5, "
        "decay_epochs=90, cooldown_epochs=10, min_lr=1e-6, warmup_lr=1e-5, updates_per_epoch=50, step_on_epochs=False)"
    )
    t = lrviz.trace(pasted)
    kwargs = {
        "num_epochs": 300,
        "warmup_epochs": 5,
        "decay_epochs": 90,
        "cooldown_epochs": 10,
        "min_lr": 1e-6,
        "warmup_lr": 1e-5,
        "updates_per_epoch": 50,
        "step_on_epochs": False,
    }
    _, num_epochs = package.create_scheduler_v2(_optimizer(), sched="cosine", **kwargs)
    assert num_epochs == 310 and t.n_steps == 310 * 50 and t.steps_per_epoch == 50
    expected = timm_loop(_make_factory("cosine", kwargs), t.n_steps, updates_per_epoch=50).lr
    np.testing.assert_array_equal(t.lr, expected)
    assert t.lr[0, 1] > t.lr[0, 0]  # per update: the warmup climbs at every update
    assert "decay_epochs" not in t.spec.args  # create_scheduler_v2 ignores it for cosine


# --------------------------------------------------------------------------------------
# The registry, read from timm's source


def test_every_class_and_name_timm_has_is_an_entry():
    package = _package()
    base = package.scheduler.Scheduler
    exported = [n for n, v in vars(package).items() if isinstance(v, type) and issubclass(v, base) and v is not base]
    assert sorted(CLASSES) == sorted(exported)
    assert set(timm_family.KNOWN_CLASSES) <= set(CLASSES) and set(timm_family.KNOWN_SCHEDS) <= set(SCHEDS)
    for sched in SCHEDS:
        scheduler, _ = package.create_scheduler_v2(_optimizer(), sched=sched, num_epochs=20, warmup_epochs=2)
        target = next(s.target for s in timm_source.timm_schedulers().factory.scheds if s.name == sched)
        assert type(scheduler).__name__ == target
        assert registry.get(f"timm.{sched}").family == "timm"
    assert package.create_scheduler_v2(_optimizer(), sched="none")[0] is None
    with pytest.raises(ValueError):
        package.create_scheduler_v2(_optimizer(), sched="no-such-name")


def test_static_and_dynamic_readings_agree():
    _package()
    static = timm_source.read_static(timm_source.timm_dir())
    dynamic = timm_source.read_dynamic()
    assert [c.name for c in static.classes] == [c.name for c in dynamic.classes]
    for s, d in zip(static.classes, dynamic.classes, strict=True):
        # annotations differ in spelling only (``torch.optim.Optimizer`` in the source,
        # ``torch.optim.optimizer.Optimizer`` once imported): compare what lrviz makes of them
        assert (s.module, s.doc, s.metric, s.choices) == (d.module, d.doc, d.metric, d.choices), s.name
        assert [(p.name, p.default, p.help) for p in s.params] == [(p.name, p.default, p.help) for p in d.params]
    assert static.factory == dynamic.factory
    from importlib import metadata

    assert static.version == dynamic.version == metadata.version("timm")


def _fresh_caches(monkeypatch):
    monkeypatch.setattr(
        timm_source, "timm_schedulers", functools.lru_cache(maxsize=1)(timm_source.timm_schedulers.__wrapped__)
    )
    monkeypatch.setattr(
        timm_family.FAMILY, "_table", functools.partial(BaseFamily._table.__wrapped__, timm_family.FAMILY)
    )


def test_a_failed_static_reading_falls_back_to_loading(monkeypatch):
    _package()

    def broken(root):
        raise ValueError("a future layout")

    _fresh_caches(monkeypatch)
    monkeypatch.setattr(timm_source, "read_static", broken)
    assert timm_source.timm_schedulers() == timm_source.read_dynamic()
    assert [e.name for e in timm_family.FAMILY.entries()] == [e.name for e in TIMM]


def test_without_timm_the_names_are_listed_and_using_one_says_what_to_install(monkeypatch, capsys):
    _fresh_caches(monkeypatch)
    monkeypatch.setattr(timm_source, "timm_dir", lambda: None)
    monkeypatch.setattr(timm_source, "installed", lambda: False)
    names = [e.name for e in timm_family.FAMILY.entries()]
    assert names == [*timm_family.KNOWN_CLASSES, *(f"timm.{s}" for s in timm_family.KNOWN_SCHEDS)]
    assert timm_family.FAMILY.status() == "not installed: needs timm: pip install 'lrviz[timm]'"
    with pytest.raises(LrvizError, match=r"needs timm: pip install 'lrviz\[timm\]'"):
        lrviz.trace("CosineLRScheduler(t_initial=10)")
    with pytest.raises(LrvizError, match="needs timm"):
        lrviz.trace("create_scheduler_v2(optimizer, sched='step', decay_epochs=3)")


@pytest.mark.parametrize("name", CLASSES)
def test_class_parameters_come_from_timm(name):
    package = _package()
    entry = registry.get(name)
    signature = inspect.signature(getattr(package, name))
    assert [p.name for p in entry.params] == list(signature.parameters)
    assert entry.params[0].kind == Kind.OPTIMIZER
    for param in entry.user_params:
        theirs = signature.parameters[param.name]
        if theirs.default is inspect.Parameter.empty:
            assert param.required
        else:
            assert param.default == theirs.default and type(param.default) is type(theirs.default)
        assert param.help, f"{name}.{param.name} has no help"
    assert entry.origin == f"timm.scheduler.{name}" and entry.summary.endswith(".")
    assert entry.example and spec_mod.parse(entry.example).entry is entry


@pytest.mark.parametrize("sched", SCHEDS)
def test_factory_parameters_come_from_timm(sched):
    package = _package()
    entry = registry.get(f"timm.{sched}")
    signature = inspect.signature(package.create_scheduler_v2)
    assert entry.params[0].kind == Kind.OPTIMIZER and entry.aliases == (sched,)
    for param in entry.user_params:
        theirs = signature.parameters[param.name]
        assert param.default == theirs.default or (param.default, theirs.default) == ((90, 180, 270), (90, 180, 270))
        assert param.help, f"timm.{sched}.{param.name} has no help"
    assert "sched" not in [p.name for p in entry.params]
    assert entry.param("updates_per_epoch").same_as == "steps_per_epoch"
    if entry.param("plateau_mode") is not None:
        assert entry.param("plateau_mode").same_as == "mode"
        assert spec_mod.parse(f"timm.{sched}()").metric_mode() == "max"  # timm's default: an accuracy


# A value for each create_scheduler_v2 parameter that differs from its default (and that
# timm accepts whatever the name).
ALTERED = {
    "num_epochs": 17,
    "decay_epochs": 7,
    "decay_milestones": [3, 9],
    "cooldown_epochs": 4,
    "patience_epochs": 3,
    "decay_rate": 0.5,
    "min_lr": 1e-3,
    "warmup_lr": 1e-3,
    "warmup_epochs": 3,
    "warmup_prefix": True,
    "noise": [0.3, 0.6],
    "noise_pct": 0.3,
    "noise_std": 0.5,
    "noise_seed": 3,
    "cycle_mul": 2.0,
    "cycle_decay": 0.5,
    "cycle_limit": 2,
    "k_decay": 2.0,
    "decay_fn": "linear",
    "stable_timescale": 2.0,
    "plateau_mode": "min",
    "step_on_epochs": False,
    "updates_per_epoch": 4,
}


@pytest.mark.parametrize("sched", SCHEDS)
def test_the_arguments_a_name_leaves_out_change_nothing_in_timm(sched):
    """Each timm.<name> offers the create_scheduler_v2 parameters its docstring says matter
    for that name; a pasted call drops the others. Dropping must not change timm's values."""
    package = _package()
    offered = {p.name for p in registry.get(f"timm.{sched}").user_params}
    base = {"num_epochs": 20, "warmup_epochs": 2, "updates_per_epoch": 4}
    left_out = [name for name in inspect.signature(package.create_scheduler_v2).parameters if name not in offered]
    assert set(left_out) <= {"optimizer", "sched", *ALTERED}
    metric = default_metric("min", 30)

    def run_(**kwargs):
        make = _make_factory(sched, {**base, **kwargs})
        return timm_loop(make, 40, updates_per_epoch=4, metric=metric).lr

    reference = run_()
    for name in left_out:
        if name in ALTERED:
            np.testing.assert_array_equal(run_(**{name: ALTERED[name]}), reference, err_msg=name)


# --------------------------------------------------------------------------------------
# Pasted create_scheduler_v2 calls


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("create_scheduler_v2(optimizer)", "timm.cosine()"),
        ("create_scheduler_v2(opt, 'tanh', 50)", "timm.tanh(num_epochs=50)"),
        (
            "lr_scheduler, num_epochs = timm.scheduler.create_scheduler_v2(self.optimizer, sched='step', "
            "num_epochs=30, decay_epochs=10, decay_milestones=[5], patience_epochs=3, k_decay=2.0)",
            "timm.step(num_epochs=30, decay_epochs=10.0)",
        ),
        (
            "create_scheduler_v2(optimizer=optimizer, sched='multistep', decay_milestones=[3, 6], "
            "updates_per_epoch=10, step_on_epochs=False)",
            "timm.multistep(decay_milestones=[3, 6], step_on_epochs=False, updates_per_epoch=10)",
        ),
    ],
)
def test_create_scheduler_v2_calls_become_the_entry(source, expected):
    _package()
    assert spec_mod.parse(source).format() == expected


@pytest.mark.parametrize(
    ("source", "match"),
    [
        ("create_scheduler_v2(optimizer, sched=name)", "must be written out as a string"),
        ("create_scheduler_v2(optimizer, sched='none')", "makes no scheduler"),
        ("create_scheduler_v2(optimizer, sched='cosin')", "did you mean 'cosine'"),
        ("create_scheduler_v2(optimizer, sched='cosine', epochs=10)", "no parameter 'epochs'"),
        ("create_scheduler_v2(optimizer, **kwargs)", "unpacking"),
        ("create_scheduler_v2(optimizer, 'cosine', sched='tanh')", "sched is given twice"),
        ("create_scheduler(args, optimizer, updates_per_epoch=50)", "train.py's parsed arguments"),
    ],
)
def test_bad_create_scheduler_v2_calls_are_spec_errors(source, match):
    _package()
    with pytest.raises(SpecError, match=match) as info:
        spec_mod.parse(source)
    assert "column" in str(info.value) and "\n" not in info.value.message


def test_code_is_timms_own_call():
    _package()
    from lrviz.codegen import parts

    code = parts(spec_mod.parse("CosineLRScheduler(t_initial=10, warmup_t=2)"))
    assert code.expr == "CosineLRScheduler(optimizer, t_initial=10, warmup_t=2)"
    assert code.imports == ("from timm.scheduler import CosineLRScheduler",)
    code = parts(spec_mod.parse("timm.step(num_epochs=30, decay_epochs=10)"))
    assert code.expr == "create_scheduler_v2(optimizer, sched='step', num_epochs=30, decay_epochs=10.0)[0]"
    assert code.imports == ("from timm.scheduler import create_scheduler_v2",)


# --------------------------------------------------------------------------------------
# Names several families share


def test_a_family_name_qualifies_a_schedule():
    _package()
    assert registry.get("timm.cosine").family == "timm"
    assert registry.get("transformers.cosine").family == "transformers"
    assert registry.get("cosine").family == "transformers"  # registered first: today's meaning
    assert registry.get("tanh") is registry.get("timm.tanh")  # no other family has it
    assert registry.get("timm.CosineLRScheduler") is registry.get("CosineLRScheduler")
    assert registry.get("timm.scheduler.cosine_lr.CosineLRScheduler") is registry.get("CosineLRScheduler")
    assert registry.find("timm.StepLR") is None  # a family's name restricts the lookup to it
    assert [e.family for e in registry.meanings("cosine")] == ["transformers", "timm"]
    assert registry.ambiguity("cosine") == (
        "'cosine' is transformers' cosine, and timm has one too: write transformers.cosine or timm.cosine to choose"
    )
    assert registry.ambiguity("timm.cosine") is None and registry.ambiguity("steplr") is None


def test_an_ambiguous_bare_name_says_which_families_it_could_mean(capsys):
    _package()
    code, _, err = run(capsys, "table", "cosine", "--num-warmup-steps", "2", "--num-training-steps", "10")
    assert "note: 'cosine' is transformers' cosine, and timm has one too" in err
    assert "timm.cosine" in err
    out, err = run_ok(capsys, "table", "timm.cosine", "--num-epochs", "10", "--format", "csv")
    assert "note:" not in err and len(out.splitlines()) == 11
    out, _ = run_ok(capsys, "list", "--family", "timm", "--format", "plain")
    assert "timm.cosine" in out.split() and "cosine" not in out.split()
    out, _ = run_ok(capsys, "describe", "cosine")
    assert "timm has one too" in out


# --------------------------------------------------------------------------------------
# The command line, checks, noise


def test_the_command_line_plots_it_and_prints_the_loop(capsys, tmp_path):
    _package()
    text = "CosineLRScheduler(t_initial=100, warmup_t=5, warmup_lr_init=1e-5, lr_min=1e-6)"
    out, err = run_ok(capsys, "plot", text, "--steps-per-epoch", "50", "-o", str(tmp_path / "c.png"), "--print-code")
    assert (tmp_path / "c.png").stat().st_size > 0
    assert "in epochs of 50 steps" in err
    assert "scheduler.step_update(num_updates=step + 1)" in out
    assert "    if (step + 1) % 50 == 0:  # the end of an epoch" in out and "scheduler.step((step + 1) // 50)" in out
    out, err = run_ok(
        capsys, "table", "timm.cosine", "--num-epochs", "10", "--no-step-on-epochs", "--steps-per-epoch", "4"
    )
    expected = timm_loop(
        _make_factory("cosine", {"num_epochs": 10, "step_on_epochs": False, "updates_per_epoch": 4}),
        40,
        updates_per_epoch=4,
    )
    t = lrviz.trace("timm.cosine(num_epochs=10, step_on_epochs=False, updates_per_epoch=4)")
    np.testing.assert_array_equal(t.lr, expected.lr)
    out, _ = run_ok(capsys, "list")
    assert timm_family.LOADED_ALONE in " ".join(out.split())


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("CosineLRScheduler(t_initial=0)", "t_initial must be above 0"),
        ("PolyLRScheduler(t_initial=10, lr_min=-0.1)", "lr_min must be >= 0"),
        ("CosineLRScheduler(t_initial=10, cycle_mul=0.0, cycle_limit=2)", "base <= 0"),
        ("TanhLRScheduler(t_initial=10, lb=3.0, ub=-7.0)", "must be below ub"),
        ("StepLRScheduler(decay_t=0)", "divide by zero"),
        ("CosineLRScheduler(t_initial=10, noise_range_t=[3])", "has no end"),
        ("CosineLRScheduler(t_initial=10, noise_range_t='late')", "number or a \\[start, end\\] pair"),
        ("timm.plateau(step_on_epochs=False, updates_per_epoch=5)", "per epoch only"),
        ("timm.cosine(num_epochs=10, step_on_epochs=False)", "needs updates_per_epoch"),
        ("timm.step(decay_epochs=0)", "divide by zero"),
        ("WSDLRScheduler(t_initial=10, decay_t=20)", "Invalid decay_t"),
    ],
)
def test_inputs_timm_would_crash_on_are_one_line_errors(text, match):
    _package()
    with pytest.raises(LrvizError, match=match) as info:
        lrviz.trace(text, 30)
    assert "\n" not in str(info.value)


def test_legal_nonsense_is_a_warning():
    _package()
    t = lrviz.trace("MultiStepLRScheduler(decay_t=[9, 3])", 12)
    assert any("not sorted" in w for w in t.warnings)
    t = lrviz.trace("CosineLRScheduler(t_initial=10, cycle_mul=0.5, cycle_limit=2)", 12)
    assert any("shortens every cycle" in w for w in t.warnings)
    t = lrviz.trace("PlateauLRScheduler(mode='min')", 12)
    assert any(w.startswith("timm: PlateauLRScheduler is deprecated") for w in t.warnings)
    t = lrviz.trace("CosineLRScheduler(t_initial=1)", 3)
    assert any(w.startswith("timm: Cosine annealing scheduler will have no effect") for w in t.warnings)


def test_noise_is_seeded_and_its_seed_shown():
    _package()
    text = "CosineLRScheduler(t_initial=30, noise_range_t=[5, 25], noise_seed={})"
    a, b, c = (lrviz.trace(text.format(seed), 30) for seed in (7, 7, 8))
    np.testing.assert_array_equal(a.lr, b.lr)
    assert not np.array_equal(a.lr, c.lr) and np.array_equal(a.lr[:, :5], c.lr[:, :5])
    from lrviz import analysis

    assert analysis.children_text(a.spec) == "noise: normal, std 1, within ±67%, seed 7"
    default = spec_mod.parse("PlateauLRScheduler(noise_range_t=3, noise_type='uniform', noise_pct=0.25)")
    assert analysis.children_text(default) == "noise: uniform, within ±25%, seed 42"  # timm's None means 42
    factory = spec_mod.parse("timm.cosine(noise=0.5)")
    assert analysis.children_text(factory) == "noise: normal, std 1, within ±67%, seed 42"
    assert analysis.children_text(spec_mod.parse("CosineLRScheduler(t_initial=30)")) is None
    fig = lrviz.plot(a)
    assert any("seed 7" in t.get_text() for t in fig.texts + [t for ax in fig.axes for t in ax.texts])


def test_loading_the_scheduler_package_leaves_timm_importable_as_it_was():
    """lrviz loads timm.scheduler under a stand-in parent and puts sys.modules back."""
    code = (
        "import sys\n"
        "from lrviz.families import timm_source\n"
        "package = timm_source.scheduler_package()\n"
        "assert package.CosineLRScheduler.__module__ == 'timm.scheduler.cosine_lr'\n"
        "assert not [m for m in sys.modules if m == 'timm' or m.startswith('timm.')], 'left in sys.modules'\n"
        "assert 'torchvision' not in sys.modules, 'torchvision imported'\n"
    )
    _package()
    subprocess.run([sys.executable, "-c", code], check=True)


def test_listing_does_not_import_timm_or_torch():
    code = (
        "import sys; from lrviz import registry; "
        "assert [e for e in registry.entries() if e.family == 'timm']; "
        "assert not [m for m in sys.modules if m.split('.')[0] in ('timm', 'torch', 'torchvision')], 'imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_rewrite_points_errors_at_the_text():
    _package()
    source = "create_scheduler_v2(optimizer, sched='step', decay_epochs=3)"
    node = ast.parse(source, mode="eval").body
    info = timm_source.timm_schedulers()
    direct, sched = timm_family.rewrite_factory(node, source, info.factory)
    assert sched == "step" and ast.unparse(direct) == "timm.step(optimizer, decay_epochs=3)"
    assert ast.get_source_segment(source, direct.keywords[0].value) == "3"


@pytest.mark.parametrize(
    ("noise", "std", "within"),
    [("noise_std=1e40", 1e40, 0.67), ("noise_pct=0.0", 1.0, 0.0)],
    ids=["huge-std", "zero-pct"],
)
def test_normal_noise_timm_would_resample_forever_is_one_clear_line(noise, std, within, capsys, tmp_path):
    import torch

    g = torch.Generator()
    g.manual_seed(42)
    draws = torch.randn(10_000, generator=g).double() * std  # timm's own draw, many times over
    assert not bool((draws.abs() < within).any())  # none of them would end timm's loop
    text = f"StepLRScheduler(decay_t=10, noise_range_t=0, {noise})"
    for exact in (False, True):
        with pytest.raises(LrvizError, match="would go on forever"):
            lrviz.trace(text, 50, exact=exact)
    out = tmp_path / "never.png"
    code, _, err = run(capsys, "plot", text, "-n", "50", "-o", str(out))
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert not out.exists()


def test_normal_noise_that_ends_in_a_few_draws_is_still_drawn():
    noisy = lrviz.trace("StepLRScheduler(decay_t=10, noise_range_t=0, noise_std=3.0)", 50)
    plain = lrviz.trace("StepLRScheduler(decay_t=10)", 50)
    assert not np.array_equal(noisy.lr, plain.lr)
