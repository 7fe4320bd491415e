"""The ``user`` family: a scheduler class of the user's own, named ``module.path:Class``.

Each test writes a small package into ``tmp_path`` and runs lrviz there. Expected values come
from the user's own class stepped in a plain torch loop (tests/oracles.py), never pasted numbers.
An explicit ``module:Class`` is the only thing that ever imports code: the security tests
use a module that leaves a file behind when it is imported.
"""

from __future__ import annotations

import importlib
import inspect
import math
import re
import shlex
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from clirun import run, run_ok
from oracles import training_loop
from torch.optim import lr_scheduler

import lrviz
from lrviz import config, registry
from lrviz.errors import LrvizError
from lrviz.families import user as user_family
from lrviz.safe_expr import SpecError
from lrviz.spec import _substitute_names, looks_like_schedule, parse

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

SCHED_SOURCE = '''
"""My schedulers."""

import math

from torch.optim.lr_scheduler import LRScheduler, ReduceLROnPlateau, StepLR  # noqa: F401 (StepLR: not ours)


class WarmupCosine(LRScheduler):
    """Linear warmup, then a cosine decay to zero.

    Args:
        optimizer (Optimizer): Wrapped optimizer.
        warmup (int): Steps of linear warmup.
        total (int): Length of the whole run.
        last_epoch (int): The index of the last epoch.
    """

    def __init__(self, optimizer, warmup=5, total=100, last_epoch=-1):
        self.warmup = warmup
        self.total = total
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        e = self.last_epoch
        if e < self.warmup:
            factor = (e + 1) / (self.warmup + 1)
        else:
            progress = min(1.0, (e - self.warmup) / max(1, self.total - self.warmup))
            factor = 0.5 * (1.0 + math.cos(math.pi * progress))
        return [base * factor for base in self.base_lrs]


class MyPlateau(ReduceLROnPlateau):
    """ReduceLROnPlateau that halves quickly.

    Args:
        optimizer (Optimizer): Wrapped optimizer.
        factor (float): Multiplies the LR on a plateau.
        patience (int): Steps without improvement before a cut.
    """

    def __init__(self, optimizer, factor=0.5, patience=2):
        super().__init__(optimizer, mode="min", factor=factor, patience=patience)


class NeedsTotal(LRScheduler):
    """Exponential decay over a required number of steps."""

    def __init__(self, optimizer, total_steps: int, gamma: float = 0.9, last_epoch: int = -1):
        self.total_steps = total_steps
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        return [base * self.gamma ** min(self.last_epoch, self.total_steps) for base in self.base_lrs]


class PosOnly(LRScheduler):
    def __init__(self, optimizer, gamma, /):
        self.gamma = gamma
        super().__init__(optimizer)

    def get_lr(self):
        return [base * self.gamma ** self.last_epoch for base in self.base_lrs]


def warmup_cosine(optimizer, warmup=5):
    return None


class NotAScheduler:
    def __init__(self, optimizer, warmup=5):
        self.optimizer = optimizer


class NoOptimizer(LRScheduler):
    def __init__(self, warmup=5):
        self.warmup = warmup
'''

SENTINEL = "evilmod_was_imported"

EVIL_SOURCE = f"""
from pathlib import Path

from torch.optim.lr_scheduler import StepLR

Path({SENTINEL!r}).write_text("imported")


class Sched(StepLR):
    def __init__(self, optimizer, step_size=3, gamma=0.5):
        super().__init__(optimizer, step_size=step_size, gamma=gamma)
"""

OUR_MODULES = ("mypkg", "evilmod")


def _forget() -> None:
    user_family._entry.cache_clear()
    for name in list(sys.modules):
        if any(name == m or name.startswith(m + ".") for m in OUR_MODULES):
            del sys.modules[name]


@pytest.fixture
def pkg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """``mypkg`` (sched, broken, needsdep) and ``evilmod`` in the current folder."""
    package = tmp_path / "mypkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "sched.py").write_text(SCHED_SOURCE)
    (package / "broken.py").write_text("RATE = 1 / 0\n")
    (package / "needsdep.py").write_text("import lrviz_no_such_dependency_xyz\n")
    (tmp_path / "evilmod.py").write_text(EVIL_SOURCE)
    monkeypatch.chdir(tmp_path)
    importlib.invalidate_caches()
    _forget()
    yield tmp_path
    _forget()


# --------------------------------------------------------------------------------------
# Helpers


def run_fail(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """The one error line of a failing command (exit 2, nothing on stdout, no traceback)."""
    code, out, err = run(capsys, *args)
    assert code == 2, f"lrviz {shlex.join(args)} exited {code}: {err}"
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("lrviz: error: "), err
    assert "Traceback" not in err
    return lines[0]


def parse_csv(text: str) -> tuple[list[str], np.ndarray]:
    lines = text.splitlines()
    header = lines[0].split(",")
    rows = [[float(c) for c in line.split(",")] for line in lines[1:]]
    assert all(len(r) == len(header) for r in rows)
    return header, np.array(rows)


def sched_module() -> Any:
    """The user's module, as lrviz imported it (or freshly, from the current folder)."""
    if "" not in sys.path:
        sys.path.insert(0, "")
        try:
            return importlib.import_module("mypkg.sched")
        finally:
            sys.path.remove("")
    return importlib.import_module("mypkg.sched")


def assert_not_imported(name: str) -> None:
    assert name not in sys.modules, f"{name} was imported"
    assert not any(m.startswith(name + ".") for m in sys.modules), f"a submodule of {name} was imported"


# --------------------------------------------------------------------------------------
# Traces equal the user's class in a plain loop


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
@pytest.mark.parametrize("group_lrs", [(0.1,), (0.01, 0.3)])
def test_trace_equals_the_class_in_a_plain_loop(pkg, optimizer, group_lrs):
    t = lrviz.trace("mypkg.sched:WarmupCosine(warmup=5, total=100)", optimizer=optimizer, group_lrs=group_lrs)
    cls = sched_module().WarmupCosine
    expected = training_loop(
        lambda opt: cls(opt, warmup=5, total=100), t.n_steps, optimizer=optimizer, group_lrs=group_lrs
    ).lr
    assert t.n_groups == len(group_lrs)
    np.testing.assert_array_equal(t.lr, expected)
    assert t.spec.entry.family == "user"
    assert not t.spec.entry.needs_metric


def test_every_way_of_writing_the_call_gives_the_same_trace(pkg):
    reference = lrviz.trace("mypkg.sched:WarmupCosine(warmup=3, total=40)", 50)
    for text in (
        "mypkg.sched:WarmupCosine(optimizer, 3, 40)",
        "mypkg.sched:WarmupCosine(optimizer, warmup=3, total=40)",
        "scheduler = mypkg.sched:WarmupCosine(self.optimizer, total=40, warmup=3)",
        reference.spec.format(),
    ):
        t = lrviz.trace(text, 50)
        assert t.spec.format() == reference.spec.format() == "mypkg.sched:WarmupCosine(warmup=3, total=40)"
        np.testing.assert_array_equal(t.lr, reference.lr)


@pytest.mark.parametrize("total", [40, 100, 300])
def test_the_horizon_comes_from_total(pkg, total):
    t = lrviz.trace(f"mypkg.sched:WarmupCosine(warmup=5, total={total})")
    assert "total" in (t.horizon_reason or "")
    # the whole schedule is shown, and not much more
    assert total < t.n_steps <= math.ceil(1.2 * total)
    cls = sched_module().WarmupCosine
    np.testing.assert_array_equal(t.lr, training_loop(lambda opt: cls(opt, warmup=5, total=total), t.n_steps).lr)


def test_the_default_total_sets_the_horizon_too(pkg):
    cls = sched_module().WarmupCosine
    default_total = inspect.signature(cls).parameters["total"].default
    t = lrviz.trace("mypkg.sched:WarmupCosine")
    assert default_total < t.n_steps <= math.ceil(1.2 * default_total)


def test_params_come_from_the_signature_and_docstring(pkg):
    entry = registry.get("mypkg.sched:WarmupCosine")
    cls = sched_module().WarmupCosine
    signature = inspect.signature(cls)
    assert [p.name for p in entry.user_params] == [n for n in signature.parameters if n != "optimizer"]
    for p in entry.user_params:
        assert p.default == signature.parameters[p.name].default
    assert entry.param("warmup").help == "Steps of linear warmup."
    assert entry.param("total").help == "Length of the whole run."
    assert entry.summary == "Linear warmup, then a cosine decay to zero."


def test_a_required_parameter_must_be_given_and_sets_the_horizon(pkg, capsys):
    with pytest.raises(LrvizError, match="mypkg.sched:NeedsTotal needs total_steps"):
        lrviz.trace("mypkg.sched:NeedsTotal")
    line = run_fail(capsys, "table", "mypkg.sched:NeedsTotal")
    assert "needs total_steps" in line and "--total-steps" in line
    t = lrviz.trace("mypkg.sched:NeedsTotal(total_steps=20, gamma=0.8)")
    assert "total_steps" in (t.horizon_reason or "")
    assert 20 < t.n_steps <= 24
    cls = sched_module().NeedsTotal
    np.testing.assert_array_equal(t.lr, training_loop(lambda opt: cls(opt, total_steps=20, gamma=0.8), t.n_steps).lr)


def test_a_class_with_positional_only_parameters(pkg):
    t = lrviz.trace("mypkg.sched:PosOnly(optimizer, 0.9)", 10)
    cls = sched_module().PosOnly
    np.testing.assert_array_equal(t.lr, training_loop(lambda opt: cls(opt, 0.9), 10).lr)


# --------------------------------------------------------------------------------------
# The command line


def test_cli_plot_with_options(pkg, capsys):
    out, err = run_ok(capsys, "plot", "mypkg.sched:WarmupCosine", "--warmup", "3", "--total", "50", "-o", "x.png")
    assert out == "x.png\n"
    assert (pkg / "x.png").read_bytes().startswith(PNG_MAGIC)
    t = lrviz.trace("mypkg.sched:WarmupCosine(warmup=3, total=50)")
    cls = sched_module().WarmupCosine
    expected = training_loop(lambda opt: cls(opt, warmup=3, total=50), t.n_steps).lr[0]
    peak_step = int(np.argmax(expected))
    assert f"peak {expected[peak_step]:.4g} at step {peak_step}" in err
    assert f"tracing {t.n_steps} steps" in err


def test_cli_table_csv_equals_the_plain_loop(pkg, capsys):
    out, _ = run_ok(capsys, "table", "mypkg.sched:WarmupCosine(warmup=3, total=50)", "--format", "csv")
    header, rows = parse_csv(out)
    assert header[:2] == ["step", "lr"]
    cls = sched_module().WarmupCosine
    expected = training_loop(lambda opt: cls(opt, warmup=3, total=50), len(rows)).lr[0]
    np.testing.assert_array_equal(rows[:, 0], np.arange(len(rows)))
    np.testing.assert_array_equal(rows[:, 1], expected)
    assert len(rows) > 50
    # the same as options
    out2, _ = run_ok(capsys, "table", "mypkg.sched:WarmupCosine", "--warmup", "3", "--total", "50", "--format", "csv")
    assert out2 == out


def test_cli_describe_shows_params_and_their_doc_help(pkg, capsys):
    out, _ = run_ok(capsys, "describe", "mypkg.sched:WarmupCosine")
    assert out.splitlines()[0].startswith("mypkg.sched:WarmupCosine")
    assert "Linear warmup, then a cosine decay to zero." in out
    rows = {line.split("│")[1].strip(): line for line in out.splitlines() if line.count("│") >= 4}
    assert set(rows) >= {"--warmup", "--total", "--last-epoch"}
    assert "--optimizer" not in rows  # lrviz supplies it
    assert "Steps of linear warmup." in rows["--warmup"]
    assert "Length of the whole run." in rows["--total"]
    cells = [c.strip() for c in rows["--total"].split("│")]
    assert cells[2:4] == ["int", "100"]


def test_describe_example_command_runs(pkg, capsys):
    out, _ = run_ok(capsys, "describe", "mypkg.sched:WarmupCosine")
    lines = out.splitlines()
    example = lines[lines.index("Example") + 1].split()
    assert example[:2] == ["lrviz", "plot"]
    assert example[2] == "mypkg.sched:WarmupCosine"


def test_unknown_option_hint_names_the_class_as_written(pkg, capsys):
    line = run_fail(capsys, "plot", "mypkg.sched:WarmupCosine", "--bogus", "1", "-o", "x.png")
    assert "mypkg.sched:WarmupCosine has no option --bogus" in line
    assert "mypkg.sched:warmupcosine" not in line, line


def test_user_class_inside_sequentiallr_and_chainedscheduler_equals_torch(pkg):
    cls = sched_module().WarmupCosine
    t = lrviz.trace(
        "SequentialLR(schedulers=[mypkg.sched:WarmupCosine(warmup=3, total=20), ExponentialLR(gamma=0.9)], "
        "milestones=[20])",
        60,
    )
    expected = training_loop(
        lambda opt: lr_scheduler.SequentialLR(
            opt, [cls(opt, warmup=3, total=20), lr_scheduler.ExponentialLR(opt, gamma=0.9)], milestones=[20]
        ),
        60,
    ).lr
    np.testing.assert_array_equal(t.lr, expected)
    assert [c.name for c in t.spec.children()] == ["mypkg.sched:WarmupCosine", "ExponentialLR"]

    t = lrviz.trace(
        "ChainedScheduler(schedulers=[mypkg.sched:WarmupCosine(warmup=3, total=20), ExponentialLR(gamma=0.95)])",
        30,
        group_lrs=[0.1, 0.02],
    )
    expected = training_loop(
        lambda opt: lr_scheduler.ChainedScheduler(
            [cls(opt, warmup=3, total=20), lr_scheduler.ExponentialLR(opt, gamma=0.95)]
        ),
        30,
        group_lrs=[0.1, 0.02],
    ).lr
    np.testing.assert_array_equal(t.lr, expected)


def test_user_class_in_compare_beside_a_torch_class(pkg, capsys):
    out, err = run_ok(
        capsys, "compare", "mypkg.sched:WarmupCosine", "--total", "50", "CosineAnnealingLR(T_max=50)", "-o", "c.png"
    )
    assert out == "c.png\n"
    assert (pkg / "c.png").read_bytes().startswith(PNG_MAGIC)
    summaries = [line for line in err.splitlines() if " peak " in line]
    assert len(summaries) == 2
    assert summaries[0].startswith("lrviz: mypkg.sched:WarmupCosine: ")
    assert summaries[1].startswith("lrviz: CosineAnnealingLR: ")

    out, _ = run_ok(
        capsys,
        "table",
        "mypkg.sched:WarmupCosine",
        "--total",
        "50",
        "CosineAnnealingLR(T_max=50)",
        "-n",
        "60",
        "--format",
        "csv",
    )
    header, rows = parse_csv(out)
    assert header == ["step", "mypkg.sched:WarmupCosine", "CosineAnnealingLR"]
    cls = sched_module().WarmupCosine
    np.testing.assert_array_equal(rows[:, 1], training_loop(lambda opt: cls(opt, total=50), 60).lr[0])
    np.testing.assert_array_equal(
        rows[:, 2], training_loop(lambda opt: lr_scheduler.CosineAnnealingLR(opt, T_max=50), 60).lr[0]
    )


@pytest.mark.parametrize(
    ("spec", "extra"),
    [
        ("mypkg.sched:WarmupCosine(warmup=4, total=30)", []),
        (
            "SequentialLR(schedulers=[mypkg.sched:WarmupCosine(warmup=3, total=20), ExponentialLR(gamma=0.9)], "
            "milestones=[20])",
            ["--optimizer", "adam", "--group-lr", "0.01", "--group-lr", "0.2"],
        ),
    ],
)
def test_print_code_runs_and_gives_the_same_lrs(pkg, capsys, monkeypatch, spec, extra):
    out, err = run_ok(capsys, "plot", spec, *extra, "--print-code", "-o", "x.png")
    assert "lrviz: wrote x.png\n" in err and not out.rstrip("\n").endswith("x.png")  # stdout: the code alone
    code = out
    assert "from mypkg.sched import WarmupCosine" in code
    options: dict[str, Any] = {}
    if extra:
        options = {"optimizer": "adam", "group_lrs": [0.01, 0.2]}
    t = lrviz.trace(spec, **options)
    _forget()  # the code imports the class itself, from sys.path
    monkeypatch.syspath_prepend(str(pkg))
    namespace: dict[str, Any] = {}
    exec(compile(code, "<lrviz --print-code>", "exec"), namespace)
    assert "mypkg.sched" in sys.modules
    np.testing.assert_array_equal(np.array(namespace["lrs"]).T, t.lr)


def test_a_reducelronplateau_subclass_is_metric_driven(pkg, capsys):
    entry = registry.get("mypkg.sched:MyPlateau")
    assert entry.needs_metric
    assert [p.name for p in entry.user_params] == ["factor", "patience"]
    metric = [1.0, 0.9, 0.8] + [0.8] * 27
    t = lrviz.trace("mypkg.sched:MyPlateau(patience=2)", metric=metric)
    assert t.n_steps == len(metric)
    cls = sched_module().MyPlateau
    expected = training_loop(lambda opt: cls(opt, patience=2), len(metric), metric=metric).lr
    np.testing.assert_array_equal(t.lr, expected)
    drops = np.nonzero(np.diff(expected[0]) < 0)[0] + 1
    assert len(drops) > 1
    assert [e.step for e in t.events if e.kind == "reduction"] == drops.tolist()

    # without a metric: lrviz's default pattern, and it says so
    t = lrviz.trace("mypkg.sched:MyPlateau")
    assert t.metric is not None and "default pattern" in (t.metric_note or "")
    np.testing.assert_array_equal(t.lr, training_loop(cls, t.n_steps, metric=t.metric).lr)

    out, _ = run_ok(capsys, "describe", "mypkg.sched:MyPlateau")
    assert "synthetic:plateau" in out
    out, _ = run_ok(
        capsys, "plot", "mypkg.sched:MyPlateau", "--metric", "synthetic:steps", "--print-code", "-o", "p.png"
    )
    # the printed script is stepped with the metric lrviz used, written into it
    assert "scheduler.step(metric[step])" in out
    t = lrviz.trace("mypkg.sched:MyPlateau", metric="synthetic:steps")
    namespace: dict = {}
    exec(out.rsplit("p.png", 1)[0], namespace)  # the script lrviz printed
    np.testing.assert_array_equal(np.array(namespace["lrs"]).T, t.lr)
    assert (pkg / "p.png").read_bytes().startswith(PNG_MAGIC)


# --------------------------------------------------------------------------------------
# Errors: one line, exit 2, no traceback


@pytest.mark.parametrize(
    ("spec", "expected", "absent"),
    [
        ("nopkg_lrviz.sched:Foo", ["cannot import 'nopkg_lrviz.sched'", "no such module"], []),
        ("mypkg.nothere:Foo", ["cannot import 'mypkg.nothere'", "no such module"], []),
        ("mypkg.broken:Foo", ["importing 'mypkg.broken' failed", "ZeroDivisionError"], []),
        # a module that exists but whose own import fails is not "no such module"
        ("mypkg.needsdep:Foo", ["importing 'mypkg.needsdep' failed", "lrviz_no_such_dependency_xyz"], ["no such"]),
        ("mypkg.sched:WarmupCosin", ["'mypkg.sched' has no 'WarmupCosin'", "did you mean 'WarmupCosine'?"], []),
        # suggestions come from the module's own scheduler classes, not the ones it imports
        ("mypkg.sched:StepLRR", ["'mypkg.sched' has no 'StepLRR'", "WarmupCosine", "MyPlateau"], ["'StepLR'"]),
        ("mypkg.sched:warmup_cosine", ["mypkg.sched:warmup_cosine is not a torch LR scheduler"], []),
        ("mypkg.sched:NotAScheduler", ["mypkg.sched:NotAScheduler is not a torch LR scheduler"], []),
        ("mypkg.sched:math", ["mypkg.sched:math is not a torch LR scheduler"], []),
        ("mypkg.sched:NoOptimizer", ["mypkg.sched:NoOptimizer takes no optimizer parameter"], []),
        (
            "mypkg.sched:WarmupCosine(warmpu=3)",
            ["mypkg.sched:WarmupCosine has no parameter 'warmpu'", "did you mean 'warmup'?"],
            [],
        ),
        (
            "SequentialLR(schedulers=[mypkg.sched:WarmupCosin(warmup=3), ExponentialLR(gamma=0.9)], milestones=[5])",
            ["'mypkg.sched' has no 'WarmupCosin'", "did you mean 'WarmupCosine'?", "('mypkg.sched:WarmupCosin')"],
            [],
        ),
    ],
)
def test_errors_are_one_line(pkg, capsys, spec, expected, absent):
    with pytest.raises(LrvizError) as info:
        lrviz.trace(spec)
    assert "\n" not in str(info.value)
    for command in (["table", spec, "--format", "csv"], ["plot", spec, "-o", "e.png"]):
        line = run_fail(capsys, *command)
        for text in expected:
            assert text in line, line
        for text in absent:
            assert text not in line, line
    assert not (pkg / "e.png").exists()


def test_bad_option_name_on_the_command_line(pkg, capsys):
    line = run_fail(capsys, "plot", "mypkg.sched:WarmupCosine", "--warmpu", "3", "-o", "x.png")
    assert "mypkg.sched:WarmupCosine has no option --warmpu" in line
    assert "did you mean '--warmup'?" in line


def test_a_typo_in_the_module_name_inside_sequentiallr(pkg, capsys):
    spec = "SequentialLR(schedulers=[mypkg.shced:WarmupCosine(), ExponentialLR(gamma=0.9)], milestones=[5])"
    line = run_fail(capsys, "table", spec)
    assert "cannot import 'mypkg.shced'" in line
    assert f"at column {spec.index('mypkg.shced') + 1} " in line


def test_a_failed_import_is_not_cached_as_success_and_is_reported_again(pkg, capsys):
    first = run_fail(capsys, "table", "mypkg.broken:Foo")
    second = run_fail(capsys, "table", "mypkg.broken:Foo")
    assert first == second
    assert "mypkg.broken" not in sys.modules


# --------------------------------------------------------------------------------------
# The spec language


@pytest.mark.parametrize(
    ("text", "fn"),
    [
        ("LambdaLR(lr_lambda=lambda e:cos(e / 10) ** 2)", lambda e: math.cos(e / 10) ** 2),
        ("LambdaLR(lr_lambda=lambda epoch:0.9**epoch)", lambda epoch: 0.9**epoch),
        ("LambdaLR(lr_lambda=lambda e:max(0.1, 1 - e / 20))", lambda e: max(0.1, 1 - e / 20)),
        ("MultiplicativeLR(lr_lambda=lambda e:exp(-0.01))", lambda e: math.exp(-0.01)),
    ],
)
def test_a_lambda_colon_touching_a_name_is_not_a_user_ref(pkg, text, fn):
    assert _substitute_names(text) == (text, {})
    t = lrviz.trace(text, 30)
    cls = getattr(lr_scheduler, text.split("(", 1)[0])
    np.testing.assert_array_equal(t.lr, training_loop(lambda opt: cls(opt, lr_lambda=fn), 30).lr)
    assert_not_imported("mypkg")


def test_lambdas_beside_a_user_ref(pkg):
    text = (
        "SequentialLR(schedulers=[LambdaLR(lr_lambda=lambda e:min(1, (e + 1) / 4)), "
        "mypkg.sched:WarmupCosine(warmup=2, total=30)], milestones=[4])"
    )
    substituted, refs = _substitute_names(text)
    assert list(refs.values()) == ["mypkg.sched:WarmupCosine"]
    assert len(substituted) == len(text)
    assert "lambda e:min(1, (e + 1) / 4)" in substituted
    cls = sched_module().WarmupCosine
    t = lrviz.trace(text, 40)
    expected = training_loop(
        lambda opt: lr_scheduler.SequentialLR(
            opt,
            [lr_scheduler.LambdaLR(opt, lambda e: min(1, (e + 1) / 4)), cls(opt, warmup=2, total=30)],
            milestones=[4],
        ),
        40,
    ).lr
    np.testing.assert_array_equal(t.lr, expected)


def test_a_module_class_inside_a_string_value_is_not_a_ref(pkg):
    text = "CyclicLR(base_lr=0.1, max_lr=0.2, mode='mypkg.sched:WarmupCosine')"
    assert _substitute_names(text) == (text, {})
    with pytest.raises(LrvizError, match="mode must be one of"):
        parse(text)
    assert_not_imported("mypkg")
    # a string lambda with a touching colon stays a lambda
    t = lrviz.trace("LambdaLR(lr_lambda='lambda e:exp(-e / 10)')", 20)
    np.testing.assert_array_equal(
        t.lr, training_loop(lambda opt: lr_scheduler.LambdaLR(opt, lambda e: math.exp(-e / 10)), 20).lr
    )


@pytest.mark.parametrize(
    ("text", "segment"),
    [
        ("mypkg.sched:WarmupCosine(warmpu=3)", "warmpu=3"),
        ("mypkg.sched:WarmupCosine(warmup=3, total='x')", "'x'"),
        (
            "SequentialLR(schedulers=[mypkg.sched:WarmupCosine(warmup=3), ExponentialLR(gama=0.9)], milestones=[5])",
            "gama=0.9",
        ),
        (
            "SequentialLR(schedulers=[mypkg.sched:WarmupCosine(warmup=3), ExponentialLR(gamma=0.9)], milestones=[x])",
            "x",
        ),
        ("ChainedScheduler(schedulers=[mypkg.sched:WarmupCosine(warmup=3), mypkg.sched:WarmupCosine(wu=1)])", "wu=1"),
    ],
)
def test_error_columns_after_a_user_ref_point_at_the_right_place(pkg, text, segment):
    with pytest.raises(SpecError) as info:
        parse(text)
    message = str(info.value)
    column = text.rindex(segment) + 1
    assert f"at column {column} ('{segment}')" in message, message


def test_error_columns_after_a_very_short_ref(pkg):
    (pkg / "q.py").write_text("from torch.optim.lr_scheduler import StepLR\n\n\nclass W(StepLR):\n    pass\n")
    importlib.invalidate_caches()
    text = "q:W(step_size=3, gama=0.5)"
    try:
        with pytest.raises(SpecError) as info:
            parse(text)
    finally:
        sys.modules.pop("q", None)
    assert f"at column {text.index('gama') + 1} ('gama=0.5')" in str(info.value)


def test_looks_like_schedule_imports_nothing(pkg):
    for text in (
        "mypkg.sched:WarmupCosine",
        "mypkg.sched:WarmupCosine(warmup=3)",
        "scheduler = mypkg.sched:WarmupCosine(optimizer, warmup=3)",
        "mypkg.broken:Foo",
        "evilmod:Sched",
    ):
        assert looks_like_schedule(text), text
    for text in ("lambda e:cos(e)", "e:", "3", "mypkg.sched.WarmupCosine", "--warmup"):
        assert not looks_like_schedule(text), text
    assert_not_imported("mypkg")
    assert_not_imported("evilmod")
    assert not (pkg / SENTINEL).exists()


# --------------------------------------------------------------------------------------
# Security: only an explicit module:Class imports


def test_the_sentinel_module_is_imported_by_an_explicit_ref(pkg):
    """The control for the tests below: an explicit ref does import, and leaves the file."""
    t = lrviz.trace("evilmod:Sched(step_size=3)", 10)
    assert "evilmod" in sys.modules
    assert (pkg / SENTINEL).exists()
    np.testing.assert_array_equal(t.lr, training_loop(lambda opt: sys.modules["evilmod"].Sched(opt), 10).lr)


@pytest.mark.parametrize(
    "text",
    [
        'os.system("x")',
        "__import__('evilmod')",
        "__import__('mypkg.sched')",
        "evilmod.Sched(step_size=3)",
        "evilmod.Sched",
        "evilmod",
        "mypkg.sched.WarmupCosine(warmup=3)",
        "mypkg.sched.WarmupCosine",
        "lr_scheduler.evilmod.Sched()",
        "importlib.import_module('evilmod')",
        "LambdaLR(lr_lambda=lambda e: __import__('evilmod'))",
        "LambdaLR(lr_lambda='evilmod:Sched')",
        "SequentialLR(schedulers=[evilmod.Sched(), ExponentialLR(gamma=0.9)], milestones=[3])",
        "SequentialLR(schedulers=[mypkg.sched.WarmupCosine(), ExponentialLR(gamma=0.9)], milestones=[3])",
        "StepLR(step_size=evilmod.Sched())",
        "StepLR(step_size=3, gamma='mypkg.sched:WarmupCosine')",
    ],
)
def test_a_spec_that_is_not_an_explicit_ref_never_imports(pkg, capsys, text):
    with pytest.raises(LrvizError):
        parse(text)
    run_fail(capsys, "table", text)
    assert_not_imported("evilmod")
    assert_not_imported("mypkg")
    assert not (pkg / SENTINEL).exists()


def test_a_dotted_path_is_an_unknown_schedule(pkg):
    with pytest.raises(LrvizError, match=r"unknown schedule 'mypkg\.sched\.WarmupCosine'"):
        parse("mypkg.sched.WarmupCosine(warmup=5, total=100)")
    assert_not_imported("mypkg")


@pytest.mark.parametrize(
    "data",
    [
        {"schedule": [{"spec": "evilmod.Sched(step_size=3)"}]},
        {"schedule": [{"spec": "mypkg.sched.WarmupCosine(warmup=3)"}]},
        {"schedule": [{"name": "evilmod.Sched", "args": {"step_size": 3}}]},
        {"schedule": [{"name": "mypkg.sched.WarmupCosine", "args": {"warmup": 3}}]},
        {
            "schedule": [
                {
                    "name": "SequentialLR",
                    "args": {"schedulers": ["evilmod.Sched()", "ExponentialLR(gamma=0.9)"], "milestones": [3]},
                }
            ]
        },
        {
            "schedule": [
                {
                    "name": "SequentialLR",
                    "args": {
                        "schedulers": [{"name": "mypkg.sched.WarmupCosine"}, "ExponentialLR(gamma=0.9)"],
                        "milestones": [3],
                    },
                }
            ]
        },
        {"schedule": [{"name": "CyclicLR", "args": {"base_lr": 0.1, "max_lr": 0.2, "mode": "evilmod:Sched"}}]},
        {"schedule": [{"name": "LambdaLR", "args": {"lr_lambda": "lambda e: __import__('evilmod')"}}]},
        {"schedule": [{"name": "LambdaLR", "args": {"lr_lambda": "evilmod:Sched"}}]},
        {"schedule": [{"name": "StepLR", "args": {"step_size": "evilmod.Sched()"}}]},
    ],
)
def test_a_config_value_that_is_not_an_explicit_ref_never_imports(pkg, data):
    try:
        config.from_dict(data)
    except LrvizError as exc:
        assert "\n" not in str(exc)
    assert_not_imported("evilmod")
    assert_not_imported("mypkg")
    assert not (pkg / SENTINEL).exists()


def test_cli_option_values_never_import(pkg, capsys):
    run_fail(capsys, "table", "lambdalr", "--lr-lambda", "evilmod:Sched")
    run_fail(capsys, "table", "steplr", "--step-size", "evilmod.Sched()")
    run_fail(capsys, "table", "cycliclr", "--base-lr", "0.1", "--max-lr", "0.2", "--mode", "mypkg.sched:WarmupCosine")
    run_fail(capsys, "table", "reducelronplateau", "--metric", "evilmod:Sched")
    with pytest.raises(LrvizError):
        lrviz.trace("ReduceLROnPlateau", metric="evilmod:Sched")
    assert_not_imported("evilmod")
    assert_not_imported("mypkg")
    assert not (pkg / SENTINEL).exists()


def test_an_explicit_ref_in_a_config_file_does_import(pkg, capsys):
    (pkg / "run.toml").write_text(
        '[[schedule]]\nspec = "mypkg.sched:WarmupCosine(warmup=2, total=20)"\n\n'
        '[[schedule]]\nname = "mypkg.sched:WarmupCosine"\nargs = { warmup = 4, total = 20 }\n'
    )
    out, _ = run_ok(capsys, "table", "--config", "run.toml", "-n", "25", "--format", "csv")
    header, rows = parse_csv(out)
    assert len(header) == 3
    cls = sched_module().WarmupCosine
    np.testing.assert_array_equal(rows[:, 1], training_loop(lambda opt: cls(opt, warmup=2, total=20), 25).lr[0])
    np.testing.assert_array_equal(rows[:, 2], training_loop(lambda opt: cls(opt, warmup=4, total=20), 25).lr[0])


def test_entries_of_the_user_family_are_not_listed_in_advance(pkg, capsys):
    assert user_family.FAMILY.entries() == ()
    out, _ = run_ok(capsys, "list", "--format", "plain")
    assert not any(re.search(r"mypkg|evilmod", line) for line in out.splitlines())
    assert_not_imported("mypkg")
