"""The registry is read from torch's source without importing torch, and agrees with torch."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest
from torch.optim import lr_scheduler

from lrviz import introspect, registry
from lrviz.schedule import Kind


def _torch_classes() -> list[str]:
    return [
        name
        for name in lr_scheduler.__all__
        if isinstance(getattr(lr_scheduler, name), type)
        and issubclass(getattr(lr_scheduler, name), lr_scheduler.LRScheduler)
        and name != "LRScheduler"
    ]


def test_every_torch_scheduler_is_registered():
    assert sorted(_torch_classes()) == sorted(e.name for e in registry.entries() if e.family == "torch")
    # the fifteen the issue names are all there in torch 2.13
    assert len(_torch_classes()) >= 15


@pytest.mark.parametrize("name", _torch_classes())
def test_static_reading_matches_inspect(name):
    entry = registry.get(name)
    signature = inspect.signature(getattr(lr_scheduler, name))
    assert [p.name for p in entry.params] == list(signature.parameters)
    for param in entry.params:
        torch_param = signature.parameters[param.name]
        if torch_param.default is inspect.Parameter.empty:
            assert param.required
        else:
            assert param.default == torch_param.default
            assert type(param.default) is type(torch_param.default)
        assert param.annotation == torch_param.annotation


def test_static_and_dynamic_readings_agree():
    static = introspect.read_static(introspect.torch_source())
    dynamic = introspect.read_dynamic()
    assert [c.name for c in static] == [c.name for c in dynamic]
    for s, d in zip(static, dynamic, strict=True):
        assert s.summary == d.summary
        assert [(p.name, p.default, p.annotation, p.help) for p in s.params] == [
            (p.name, p.default, p.annotation, p.help) for p in d.params
        ]


@pytest.mark.parametrize("name", _torch_classes())
def test_every_parameter_is_reachable_and_documented(name):
    entry = registry.get(name)
    for param in entry.user_params:
        assert param.option.startswith("--") and "_" not in param.option
        assert param.help, f"{name}.{param.name} has no help"
    assert entry.summary.endswith(".")
    assert [p for p in entry.params if p.kind == Kind.OPTIMIZER], "the optimizer parameter is recognised"


def test_kebab_case_options():
    assert registry.get("CosineAnnealingLR").param("T_max").option == "--t-max"
    assert registry.get("CosineAnnealingWarmRestarts").param("T_0").option == "--t-0"
    assert registry.get("CyclicLR").param("step_size_up").option == "--step-size-up"


def test_kinds_come_from_annotations():
    cyclic = registry.get("CyclicLR")
    assert cyclic.param("mode").choices == ("triangular", "triangular2", "exp_range")
    assert cyclic.param("base_lr").kind == Kind.FLOATS
    assert cyclic.param("step_size_down").nullable
    assert cyclic.param("scale_fn").kind == Kind.LAMBDA
    assert registry.get("LambdaLR").param("lr_lambda").kind == Kind.LAMBDAS
    assert registry.get("MultiStepLR").param("milestones").kind == Kind.INTS
    assert registry.get("SequentialLR").param("schedulers").kind == Kind.SCHEDULERS
    assert registry.get("OneCycleLR").param("three_phase").kind == Kind.BOOL


@pytest.mark.parametrize(
    "text", ["cycliclr", "CYCLICLR", "lr_scheduler.CyclicLR", "torch.optim.lr_scheduler.CyclicLR", " CyclicLR "]
)
def test_names_are_case_insensitive_with_prefixes(text):
    assert registry.get(text).name == "CyclicLR"


def test_every_entry_is_found_by_its_own_name():
    """The name lrviz writes for a schedule (in lists, labels, configs, the explorer) finds
    that schedule again: a family whose names another family has already taken writes them
    with its own name as a prefix (timm.cosine)."""
    for entry in registry.entries():
        assert registry.listed(entry.name) is entry, entry.name
        assert registry.find(f"{entry.family}.{entry.name}") is entry, entry.name


def test_unknown_name_suggests():
    with pytest.raises(registry.LrvizError, match="did you mean .*'CyclicLR'"):
        registry.get("cycliclrr")


def test_reading_the_registry_does_not_import_torch():
    code = (
        "import sys; from lrviz import registry; registry.entries(); "
        "assert 'torch' not in sys.modules, 'torch imported'; "
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
