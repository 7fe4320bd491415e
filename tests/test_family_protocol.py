"""A new family is one module and one registration line: everything else picks it up.

A small family is defined here as the module ``lrviz.families.toy`` (one schedule, a step
decay built on torch's LambdaLR) and registered by adding its name to
``lrviz.families.FAMILIES``, nothing else. The registry, the spec language, the trace, the
command line's options and help, ``list``, ``describe``, ``--print-code``, completion, the
explorer and the gallery must all know it; its values must be torch's.
"""

from __future__ import annotations

import functools
import sys
import types
from typing import Any

import numpy as np
import pytest
from clirun import run, run_ok
from oracles import training_loop

import lrviz
from lrviz import families, registry
from lrviz.family import BaseFamily
from lrviz.schedule import OPTIMIZER_PARAM, CodeParts, Context, Entry, Kind, Param, Spec, fail

PEAK = 0.1


def _build(spec: Spec, optimizer: Any) -> Any:
    from torch.optim import lr_scheduler

    step, factor = spec.value("step"), spec.value("factor")
    return lr_scheduler.LambdaLR(optimizer, lambda e: factor ** (e // step))


def _check(spec: Spec, ctx: Context) -> list[str]:
    if spec.value("step") < 1:
        raise fail(spec, "step must be at least 1", "e.g. step=5")
    return ["toy: factor above 1 grows"] if spec.value("factor") > 1 else []


def _code(spec: Spec, optimizer: str) -> CodeParts:
    step, factor = spec.value("step"), spec.value("factor")
    return CodeParts(
        f"lr_scheduler.LambdaLR({optimizer}, lambda e: {factor!r} ** (e // {step!r}))",
        ("from torch.optim import lr_scheduler",),
    )


class ToyFamily(BaseFamily):
    name = "toy"
    title = "a family defined by the tests"
    rejecter = "the toy"

    def load(self) -> list[Entry]:
        return [
            Entry(
                name="ToyStepLR",
                family=self.name,
                summary="Multiply the LR by factor every step steps.",
                params=(
                    OPTIMIZER_PARAM,
                    Param("step", Kind.INT, help="Steps between two drops."),
                    Param("factor", Kind.FLOAT, 0.5, help="What each drop multiplies the LR by."),
                ),
                example="ToyStepLR(step=5)",
                origin="tests/test_family_protocol.py",
                decays=True,
                build=_build,
                horizon=lambda spec: (4 * spec.value("step"), "four drops"),
                check=_check,
                code=_code,
            )
        ]


@pytest.fixture()
def toy(monkeypatch):
    module = types.ModuleType("lrviz.families.toy")
    module.FAMILY = ToyFamily()  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "lrviz.families.toy", module)
    monkeypatch.setattr(families, "FAMILIES", (*families.FAMILIES, "toy"))  # the one registration line
    monkeypatch.setattr(registry, "families", functools.cache(registry.families.__wrapped__))
    return module.FAMILY


def expected(n: int, step: int = 5, factor: float = 0.5) -> np.ndarray:
    from torch.optim import lr_scheduler

    return training_loop(lambda opt: lr_scheduler.LambdaLR(opt, lambda e: factor ** (e // step)), n, lr=PEAK).lr


def test_the_registry_and_the_spec_language_know_it(toy):
    entry = registry.get("toysteplr")
    assert entry.family == "toy" and registry.family("toy") is toy
    assert lrviz.parse("ToyStepLR(step=5, factor=0.25)").args == {"step": 5, "factor": 0.25}
    with pytest.raises(lrviz.LrvizError, match="ToyStepLR needs step"):
        lrviz.parse("ToyStepLR()")


def test_traces_equal_torch(toy):
    t = lrviz.trace("ToyStepLR(step=5)", lr=PEAK)
    assert t.n_steps == 20 and t.horizon_reason == "four drops"
    np.testing.assert_array_equal(t.lr, expected(20))
    assert lrviz.trace("ToyStepLR(step=5, factor=2)", 10).warnings[0] == "toy: factor above 1 grows"
    with pytest.raises(lrviz.LrvizError, match="step must be at least 1"):
        lrviz.trace("ToyStepLR(step=0)", 10)


def test_the_command_line_takes_its_options_and_says_its_name(toy, capsys, tmp_path):
    out, _ = run_ok(capsys, "table", "toysteplr", "--step", "3", "--factor", "0.1", "-n", "9", "--format", "csv")
    rows = [line.split(",") for line in out.splitlines()[1:]]
    np.testing.assert_array_equal([float(r[1]) for r in rows], expected(9, 3, 0.1)[0])
    out, _ = run_ok(capsys, "plot", "toysteplr", "--help")
    assert "--step" in out and "--factor" in out
    run_ok(capsys, "plot", "toysteplr", "--step", "4", "-o", str(tmp_path / "toy.png"))
    assert (tmp_path / "toy.png").stat().st_size > 0
    code, _, err = run(capsys, "plot", "toysteplr", "--stepp", "4")
    assert code == 2 and "--step" in err


def test_list_and_describe_show_it(toy, capsys):
    out, _ = run_ok(capsys, "list", "--family", "toy")
    assert "a family defined by the tests" in out and "ToyStepLR" in out
    out, _ = run_ok(capsys, "list", "--format", "plain")
    assert out.splitlines()[-1] == "ToyStepLR"
    out, _ = run_ok(capsys, "describe", "toysteplr")
    assert "tests/test_family_protocol.py" in out and "lrviz plot toysteplr --step 5" in out
    assert "lr_scheduler.LambdaLR(optimizer, lambda e: 0.5 ** (e // 5))" in out


def test_the_printed_code_runs_to_the_same_values(toy):
    t = lrviz.trace("ToyStepLR(step=5)", 12)
    namespace: dict[str, Any] = {}
    exec(compile(lrviz.torch_code("ToyStepLR(step=5)", 12), "<lrviz code>", "exec"), namespace)  # our own text
    np.testing.assert_array_equal(np.array(namespace["lrs"]).T, t.lr)


def test_completion_offers_it(toy):
    from lrviz.cli.completion import complete_schedule_names

    assert "toysteplr" in [name for name, _ in complete_schedule_names("toy")]


def test_the_explorer_edits_it(toy):
    from lrviz import explore

    state = explore.state_for_entry(registry.get("ToyStepLR"))
    state.fields["step"] = "2"
    drawn = explore.draw(state)
    assert drawn.error is None and drawn.trace is not None
    np.testing.assert_array_equal(drawn.trace.lr, expected(drawn.trace.n_steps, 2))


def test_the_gallery_draws_it(toy):
    from lrviz import gallery

    plan = gallery.load()
    (fig,) = [f for f in plan.figures if f.shows == "ToyStepLR"]
    assert fig.auto and fig.section == "toy" and any(s.id == "toy" for s in plan.sections)
    assert fig.command().startswith('lrviz plot "ToyStepLR(step=5)"')
    svg, thumb = gallery.render_figure(fig)
    assert svg.startswith(b"<?xml") and gallery.png_size(thumb)[0] == gallery.THUMB_WIDTH
