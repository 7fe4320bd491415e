"""The d2l family: the hand-written schedulers of Dive into Deep Learning (§12.11), traced by lrviz, equal
own code.

The oracle is the seed's code, copied here verbatim (only unsquashed onto lines): its four
scheduler classes and its ``plot_scheduler`` logic, ``[scheduler(t) for t in range(n)]`` for
its own classes and the ``get_lr`` loop on torch's MultiStepLR for section 2.4's "Multi
Factor Scheduler". lrviz's copies of the classes are never used as the oracle.
"""

from __future__ import annotations

import ast
import inspect
import math
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch
from oracles import training_loop
from torch.optim import lr_scheduler

import lrviz
from lrviz import registry
from lrviz.cli import main
from lrviz.codegen import torch_code
from lrviz.errors import LrvizError
from lrviz.families import d2l as recipes
from lrviz.function_lr import FunctionLR
from lrviz.schedule import Kind
from lrviz.spec import parse

# --------------------------------------------------------------------------------------
# The seed's code (../shared/seeds/002), verbatim


class SquareRootScheduler:
    """使用均方根scheduler每一个epoch更新一次"""

    def __init__(self, lr=0.1):
        self.lr = lr

    def __call__(self, num_update):
        return self.lr * pow(num_update + 1.0, -0.5)


class FactorScheduler:
    def __init__(self, factor=1, stop_factor_lr=1e-7, base_lr=0.1):
        self.factor = factor
        self.stop_factor_lr = stop_factor_lr
        self.base_lr = base_lr

    def __call__(self, num_update):
        self.base_lr = max(self.stop_factor_lr, self.base_lr * self.factor)
        return self.base_lr


class CosineScheduler:
    def __init__(self, max_update, base_lr=0.01, final_lr=0, warmup_steps=0, warmup_begin_lr=0):
        self.base_lr_orig = base_lr
        self.max_update = max_update
        self.final_lr = final_lr
        self.warmup_steps = warmup_steps
        self.warmup_begin_lr = warmup_begin_lr
        self.max_steps = self.max_update - self.warmup_steps

    def get_warmup_lr(self, step):
        increase = (self.base_lr_orig - self.warmup_begin_lr) * float(step) / float(self.warmup_steps)
        return self.warmup_begin_lr + increase

    def __call__(self, step):
        if step < self.warmup_steps:
            return self.get_warmup_lr(step)
        if step <= self.max_update:
            self.base_lr = (
                self.final_lr
                + (self.base_lr_orig - self.final_lr)
                * (1 + math.cos(math.pi * (step - self.warmup_steps) / self.max_steps))
                / 2
            )
        return self.base_lr


def get_lr(scheduler):
    lr = scheduler.get_last_lr()[0]
    scheduler.optimizer.step()
    scheduler.step()
    return lr


def plot_scheduler_values(scheduler, num_epochs=10):
    """The seed's plot_scheduler, returning plot_y instead of drawing it."""
    if scheduler.__module__ == lr_scheduler.__name__:
        return [get_lr(scheduler) for _ in range(num_epochs)]
    return [scheduler(t) for t in range(num_epochs)]


def seed_multi_factor(step, factor, base_lr, num_epochs):
    """Section 2.4: MultiStepLR(trainer, milestones=step, gamma=factor) on SGD(lr=base_lr)."""
    net = torch.nn.Linear(2, 1)
    trainer = torch.optim.SGD(net.parameters(), lr=base_lr)
    scheduler = lr_scheduler.MultiStepLR(trainer, milestones=step, gamma=factor)
    return plot_scheduler_values(scheduler, num_epochs)


SEED_CLASSES = {
    "SquareRootScheduler": SquareRootScheduler,
    "FactorScheduler": FactorScheduler,
    "CosineScheduler": CosineScheduler,
}


def oracle(name: str, kwargs: dict, n: int) -> list[float]:
    if name == "MultiFactorScheduler":
        return seed_multi_factor(kwargs["step"], kwargs.get("factor", 1), kwargs.get("base_lr", 0.01), n)
    return plot_scheduler_values(SEED_CLASSES[name](**kwargs), n)


def spec_text(name: str, kwargs: dict) -> str:
    return f"{name}({', '.join(f'{k}={v!r}' for k, v in kwargs.items())})"


# --------------------------------------------------------------------------------------
# Traces equal the seed


CASES = [
    # the seed's parameters
    ("SquareRootScheduler", {"lr": 0.1}, 10),
    ("FactorScheduler", {"factor": 0.8, "stop_factor_lr": 1e-2, "base_lr": 0.6}, 10),
    ("MultiFactorScheduler", {"step": [3, 8], "factor": 0.5, "base_lr": 0.5}, 10),
    ("CosineScheduler", {"max_update": 10, "base_lr": 0.2, "final_lr": 0.02}, 10),
    ("CosineScheduler", {"max_update": 10, "warmup_steps": 3, "base_lr": 0.2, "final_lr": 0.02}, 15),
    # others
    ("SquareRootScheduler", {"lr": 0.7}, 200),
    ("SquareRootScheduler", {}, 50),
    ("FactorScheduler", {"factor": 0.8, "stop_factor_lr": 1e-2, "base_lr": 0.6}, 40),  # reaches the stop
    ("FactorScheduler", {"factor": 0.5, "stop_factor_lr": 1e-3, "base_lr": 1.0}, 30),
    ("FactorScheduler", {"factor": 0.9}, 300),  # the default stop_factor_lr=1e-7
    ("FactorScheduler", {}, 20),  # factor=1: constant
    ("FactorScheduler", {"factor": 1.1, "stop_factor_lr": 0.0, "base_lr": 0.01}, 25),
    ("MultiFactorScheduler", {"step": [3, 8], "factor": 0.5, "base_lr": 0.5}, 30),
    ("MultiFactorScheduler", {"step": [0, 3, 3, 8], "factor": 0.1, "base_lr": 0.3}, 20),
    ("MultiFactorScheduler", {"step": [12, 5, 30], "factor": 0.3, "base_lr": 0.7}, 40),
    ("MultiFactorScheduler", {"step": [-2, 4], "factor": 0.9, "base_lr": 0.01}, 12),
    ("MultiFactorScheduler", {"step": [5]}, 10),  # factor=1 by default
    ("CosineScheduler", {"max_update": 20}, 30),
    ("CosineScheduler", {"max_update": 20, "warmup_steps": 5, "warmup_begin_lr": 0.05, "base_lr": 0.3}, 30),
    (
        "CosineScheduler",
        {"max_update": 100, "base_lr": 0.1, "final_lr": 0.001, "warmup_steps": 7, "warmup_begin_lr": 0.01},
        150,
    ),
    ("CosineScheduler", {"max_update": 1, "base_lr": 0.5, "final_lr": 0.1}, 5),
]

IDS = [f"{spec_text(name, kwargs)}-n{n}" for name, kwargs, n in CASES]


@pytest.mark.parametrize(("name", "kwargs", "n"), CASES, ids=IDS)
def test_trace_equals_the_seed(name, kwargs, n):
    expected = oracle(name, kwargs, n)
    t = lrviz.trace(spec_text(name, kwargs), steps=n)
    assert t.lr.shape == (1, n)
    np.testing.assert_array_equal(t.lr[0], np.array(expected, dtype=float))


@pytest.mark.parametrize(("name", "kwargs", "n"), CASES[:5], ids=IDS[:5])
@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_every_group_gets_the_same_absolute_value(name, kwargs, n, optimizer):
    expected = np.array(oracle(name, kwargs, n), dtype=float)
    t = lrviz.trace(spec_text(name, kwargs), steps=n, optimizer=optimizer, group_lrs=[0.1, 0.01])
    assert t.n_groups == 2
    np.testing.assert_array_equal(t.lr[0], expected)
    np.testing.assert_array_equal(t.lr[1], expected)


@pytest.mark.parametrize("lr", [0.1, 3.0, 1e-5])
def test_the_optimizers_lr_is_ignored(lr):
    kwargs = {"factor": 0.8, "stop_factor_lr": 1e-2, "base_lr": 0.6}
    t = lrviz.trace(spec_text("FactorScheduler", kwargs), steps=20, lr=lr)
    np.testing.assert_array_equal(t.lr[0], oracle("FactorScheduler", kwargs, 20))


def test_factor_scheduler_starts_at_base_lr_times_factor_and_stops():
    t = lrviz.trace("FactorScheduler(factor=0.8, stop_factor_lr=0.01, base_lr=0.6)", steps=40)
    assert t.lr[0, 0] == 0.6 * 0.8
    assert t.lr[0, -1] == 0.01
    assert not t.warnings


def test_multifactor_drops_at_the_steps_not_one_later_like_mxnet():
    t = lrviz.trace("MultiFactorScheduler(step=[3, 8], factor=0.5, base_lr=0.5)", steps=10)
    np.testing.assert_array_equal(t.lr[0], [0.5] * 3 + [0.25] * 5 + [0.125] * 2)


def test_cosine_warmup_shape():
    t = lrviz.trace("CosineScheduler(max_update=10, warmup_steps=3, base_lr=0.2, final_lr=0.02)", steps=15)
    lr = t.lr[0]
    assert lr[0] == 0 and lr[3] == 0.2
    assert np.all(np.diff(lr[:4]) > 0) and np.all(np.diff(lr[3:11]) < 0)
    assert np.all(lr[10:] == 0.02)


# --------------------------------------------------------------------------------------
# FunctionLR


def test_function_lr_calls_the_function_once_per_step_and_once_when_built():
    calls: list[int] = []

    def fn(step):
        calls.append(step)
        return 0.5 / (step + 1)

    opt = torch.optim.SGD([{"params": [torch.nn.Parameter(torch.zeros(1))]} for _ in range(3)], lr=0.1)
    scheduler = FunctionLR(opt, fn)
    assert calls == [0]
    assert [g["lr"] for g in opt.param_groups] == [0.5] * 3
    for k in range(1, 6):
        opt.step()
        scheduler.step()
        assert calls == list(range(k + 1))
        assert [g["lr"] for g in opt.param_groups] == [0.5 / (k + 1)] * 3
    assert scheduler.get_last_lr() == [0.5 / 6] * 3


def test_function_lr_runs_the_stateful_seed_class_like_the_seeds_training_loop():
    """The seed's loop: after epoch ep, param_group['lr'] = scheduler(ep)."""
    seed = FactorScheduler(factor=0.8, stop_factor_lr=1e-2, base_lr=0.6)
    expected = [seed(ep) for ep in range(30)]
    seeded = lambda opt: FunctionLR(opt, FactorScheduler(factor=0.8, stop_factor_lr=1e-2, base_lr=0.6))  # noqa: E731
    got = training_loop(seeded, 30, lr=0.3, momentum=0).lr[0].tolist()  # SGD(lr=0.3), as in the seed
    assert got == expected


# --------------------------------------------------------------------------------------
# Registry entries


def test_entries_are_registered_with_the_seeds_names_and_defaults():
    recipes_ = [e for e in registry.entries() if e.family == "d2l"]
    assert [e.name for e in recipes_] == [
        "SquareRootScheduler",
        "FactorScheduler",
        "MultiFactorScheduler",
        "CosineScheduler",
    ]
    for entry in recipes_:
        assert entry.summary.endswith(".") and "\n" not in entry.summary
        assert "ignored" in entry.summary and "ignored" in entry.doc
        assert entry.origin.startswith("Dive into Deep Learning, §12.11")
        assert entry.example and entry.code is not None
        assert all(p.help for p in entry.params)
        assert registry.get(entry.name.lower()) is entry
        if entry.name in SEED_CLASSES:
            signature = inspect.signature(SEED_CLASSES[entry.name])
            assert [p.name for p in entry.params] == list(signature.parameters)
            for param in entry.params:
                default = signature.parameters[param.name].default
                assert param.required == (default is inspect.Parameter.empty)
                if not param.required:
                    assert param.default == default and type(param.default) is type(default)
    multi = registry.get("MultiFactorScheduler")
    assert [(p.name, p.kind, p.required) for p in multi.params] == [
        ("step", Kind.INTS, True),
        ("factor", Kind.FLOAT, False),
        ("base_lr", Kind.FLOAT, False),
    ]
    assert "MXNet" in multi.doc
    assert registry.get("CosineScheduler").param("max_update").kind == Kind.INT
    assert [e.decays for e in recipes_] == [True, True, True, False]


def test_lrviz_copies_are_the_seeds_logic():
    for name, cls in SEED_CLASSES.items():
        mine, seed = (ast.parse(textwrap.dedent(inspect.getsource(c))) for c in (recipes.CLASSES[name], cls))
        assert ast.dump(mine) == ast.dump(seed)


@pytest.mark.parametrize("entry", [e for e in registry.entries() if e.family == "d2l"], ids=lambda e: e.name)
def test_examples_trace_without_warnings_and_equal_the_seed(entry):
    spec = parse(entry.example)
    t = lrviz.trace(spec)
    assert t.n_steps >= 10 and t.horizon_reason
    assert not t.warnings
    kwargs = dict(spec.args)
    np.testing.assert_array_equal(t.lr[0], oracle(entry.name, kwargs, t.n_steps))


def test_horizons():
    # the cosine's end, max_update, and a tenth as many steps again (at least 2; 10 in all at least)
    assert lrviz.trace("CosineScheduler(max_update=10, warmup_steps=3, base_lr=0.2, final_lr=0.02)").n_steps == 10 + 2
    assert lrviz.trace("CosineScheduler(max_update=4)").n_steps == 10
    assert lrviz.trace("CosineScheduler(max_update=200)").n_steps == 200 + 20
    assert lrviz.trace("SquareRootScheduler()").n_steps == 100
    assert lrviz.trace("FactorScheduler()").n_steps == 100
    assert lrviz.trace("FactorScheduler(factor=1.5)").n_steps == 100
    factor = lrviz.trace("FactorScheduler(factor=0.8, stop_factor_lr=0.01, base_lr=0.6)")
    assert factor.lr[0, -1] == 0.01 and factor.lr[0, -10] == 0.01
    assert lrviz.trace("FactorScheduler(factor=0.999999, stop_factor_lr=1e-9, base_lr=1.0)").n_steps == 10_000
    multi = lrviz.trace("MultiFactorScheduler(step=[3, 80])")
    assert multi.n_steps > 80


# --------------------------------------------------------------------------------------
# Warnings and errors


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("CosineScheduler(max_update=5, warmup_steps=5)", "divides by zero"),
        ("CosineScheduler(max_update=0)", "divides by zero"),
        ("CosineScheduler(max_update=3, warmup_steps=5)", "AttributeError"),
        ("CosineScheduler(max_update=-1)", "AttributeError"),
        ("CosineScheduler(max_update=10, warmup_steps=-2)", "warmup_steps must be >= 0"),
    ],
)
def test_late_failures_are_one_line_errors(text, match, capsys):
    with pytest.raises(LrvizError, match=match) as info:
        lrviz.trace(text, steps=20)
    assert "\n" not in str(info.value) and info.value.hint
    capsys.readouterr()
    assert main(["table", text, "-n", "20", "--format", "csv"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("lrviz: error: ") and err.count("\n") == 1 and match in err


def test_the_seeds_code_does_fail_on_those_inputs():
    """The errors above are real: the seed's own class crashes there."""
    with pytest.raises(ZeroDivisionError):
        plot_scheduler_values(CosineScheduler(max_update=5, warmup_steps=5), 10)
    with pytest.raises(AttributeError):
        plot_scheduler_values(CosineScheduler(max_update=3, warmup_steps=5), 10)


@pytest.mark.parametrize(
    ("text", "warning"),
    [
        ("FactorScheduler(factor=1.2, base_lr=0.1)", "factor=1.2 > 1"),
        ("MultiFactorScheduler(step=[8, 3], factor=0.5)", "not sorted"),
        ("MultiFactorScheduler(step=[3, 3], factor=0.5)", "repeated"),
        ("MultiFactorScheduler(step=[-1, 3], factor=0.5)", "never reached"),
        ("MultiFactorScheduler(step=[], factor=0.5)", "never changes"),
        ("CosineScheduler(max_update=10, base_lr=0.1, final_lr=0.2)", "rises"),
    ],
)
def test_legal_nonsense_warns(text, warning):
    t = lrviz.trace(text, steps=20)
    assert any(warning in w for w in t.warnings), t.warnings


# --------------------------------------------------------------------------------------
# The CLI


def test_plot_the_seeds_warmup_figure(tmp_path, capsys):
    out = tmp_path / "w.png"
    spec = "CosineScheduler(max_update=10, warmup_steps=3, base_lr=0.2, final_lr=0.02)"
    assert main(["plot", spec, "-n", "15", "-o", str(out)]) == 0
    assert out.exists() and out.read_bytes().startswith(b"\x89PNG")


def test_table_with_options(capsys):
    capsys.readouterr()
    args = ["table", "multifactorscheduler", "--step", "3,8", "--factor", "0.5", "--base-lr", "0.5", "-n", "12"]
    assert main([*args, "--format", "csv"]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0].split(",")[:2] == ["step", "lr"]
    rows = [line.split(",") for line in lines[1:]]
    assert [int(r[0]) for r in rows] == list(range(12))
    assert [float(r[1]) for r in rows] == seed_multi_factor([3, 8], 0.5, 0.5, 12)


def test_call_form_on_the_command_line(capsys):
    capsys.readouterr()
    assert main(["table", "SquareRootScheduler(lr=0.5)", "-n", "8", "--format", "csv"]) == 0
    out, _ = capsys.readouterr()
    values = [float(line.split(",")[1]) for line in out.splitlines()[1:]]
    assert values == [SquareRootScheduler(lr=0.5)(t) for t in range(8)]


# --------------------------------------------------------------------------------------
# The generated code runs standalone and gives the trace


@pytest.mark.parametrize(("name", "kwargs", "n"), CASES, ids=IDS)
def test_generated_code_equals_the_trace(name, kwargs, n):
    spec = parse(spec_text(name, kwargs))
    t = lrviz.trace(spec, steps=n)
    script = torch_code(spec, steps=n)
    namespace: dict = {}
    exec(compile(script, "<lrviz code>", "exec"), namespace)  # trusted: generated by lrviz
    np.testing.assert_array_equal(np.array(namespace["lrs"]).T, t.lr)
    assert f"FunctionLR(optimizer, {name}(" in script


def test_generated_code_with_two_groups_and_adam():
    spec = "CosineScheduler(max_update=10, warmup_steps=3, base_lr=0.2, final_lr=0.02)"
    t = lrviz.trace(spec, steps=15, optimizer="adam", group_lrs=[0.1, 0.01])
    script = lrviz.torch_code(spec, steps=15, name="adam", group_lrs=(0.1, 0.01))
    namespace: dict = {}
    exec(compile(script, "<lrviz code>", "exec"), namespace)  # trusted: generated by lrviz
    np.testing.assert_array_equal(np.array(namespace["lrs"]).T, t.lr)


def test_generated_code_expression():
    spec = parse("CosineScheduler(max_update=10, warmup_steps=3, base_lr=0.2, final_lr=0.02)")
    assert (
        spec.to_code("opt")
        == "FunctionLR(opt, CosineScheduler(max_update=10, base_lr=0.2, final_lr=0.02, warmup_steps=3))"
    )
    multi = parse("MultiFactorScheduler(step=[3, 8], factor=0.5, base_lr=0.5)")
    assert multi.to_code() == "FunctionLR(optimizer, MultiFactorScheduler(step=[3, 8], factor=0.5, base_lr=0.5))"


def test_registry_and_code_do_not_import_torch():
    code = (
        "import sys; import lrviz; from lrviz import registry; from lrviz.codegen import torch_code; "
        "registry.entries(); torch_code(lrviz.parse('CosineScheduler(max_update=10)')); "
        "assert 'torch' not in sys.modules, 'torch imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_cosine_shown_to_its_end_is_not_warned_about_a_zero_lr():
    # final_lr=0: past max_update the LR is 0; lrviz's own short tail shows that it ended
    t = lrviz.trace("CosineScheduler(max_update=200)")
    assert t.lr[0, 200:].tolist() == [0.0] * 20 and t.lr[0, 199] > 0
    assert not any("is 0 at" in w for w in t.warnings)
    # asked for a longer run, the zeros are the user's: the warning says so
    longer = lrviz.trace("CosineScheduler(max_update=200)", 400)
    assert any("LR is 0 at 200 steps (first at step 200)" in w for w in longer.warnings)
