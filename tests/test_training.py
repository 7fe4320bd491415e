"""--from FILE and lrviz check against real training runs: Hugging Face's Trainer, Lightning's
Trainer with CSVLogger and LearningRateMonitor, and a SummaryWriter loop, each run once
correctly and once per injected mistake (tests/training_runs.py). The step counts lrviz
derives are compared with the Trainer's own (``trainer.state.max_steps`` and the warmup its
scheduler was built with); the verdicts with what was injected.

The runs are made once per session; the two-process Trainer run is slow (-m slow). Without
the `runs` extra these tests skip, naming it (except under CI=true, which installs it)."""

from __future__ import annotations

import importlib
import json
import math
import warnings
from pathlib import Path
from typing import Any

import clirun
import pytest
import training_runs
from extras import ON_CI

from lrviz.errors import LrvizError
from lrviz.training import check, configs, logs

# one worker builds the real training runs (session fixtures) once
pytestmark = pytest.mark.xdist_group("training-runs")


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Any:
    """lrviz in-process: cli(*args) -> (exit code, stdout, stderr)."""
    return lambda *args: clirun.run(capsys, *args)


def need(*modules: str) -> None:
    for module in modules:
        try:
            importlib.import_module(module)
        except ImportError:
            if ON_CI:
                raise
            pytest.skip(f"needs {module}: pip install 'lrviz[runs]'")


def _quietly(make: Any, *args: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return make(*args)


@pytest.fixture(scope="session")
def hf(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    need("transformers", "accelerate")
    return _quietly(training_runs.hf_runs, tmp_path_factory.mktemp("hf"))


@pytest.fixture(scope="session")
def lightning(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    need("lightning", "yaml")
    return _quietly(training_runs.lightning_runs, tmp_path_factory.mktemp("lightning"))


@pytest.fixture(scope="session")
def lightning_cli(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    need("lightning", "jsonargparse", "yaml")
    return _quietly(training_runs.lightning_cli_runs, tmp_path_factory.mktemp("lightning_cli"))


@pytest.fixture(scope="session")
def tensorboard(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    need("tensorboard")
    return _quietly(training_runs.tensorboard_runs, tmp_path_factory.mktemp("tb"))


# --------------------------------------------------------------------------------------
# --from: the Trainer's own step counts


@pytest.mark.parametrize("name", ["correct", "ratio", "double_step", "micro_batches", "resumed"])
def test_from_reproduces_the_trainers_update_and_warmup_steps(hf: dict[str, Any], name: str) -> None:
    folder, max_steps, warmup = hf[name]
    plan = configs.load(folder / "training_args.json", num_examples=training_runs.N_EXAMPLES)
    assert plan.updates == max_steps
    assert plan.spec.args["num_training_steps"] == max_steps
    assert plan.spec.args["num_warmup_steps"] == warmup


def test_from_says_the_derived_numbers_on_stderr(cli: Any, hf: dict[str, Any]) -> None:
    folder, max_steps, warmup = hf["correct"]
    code, out, err = cli(
        "table", "--from", str(folder / "training_args.json"), "--num-examples", "40", "--format", "csv"
    )
    assert code == 0, err
    assert f"ceil(2.5 epochs x 7) = {max_steps} update steps" in err
    assert f"warmup_steps 0.1 (below 1: a ratio) of {max_steps} update steps = {warmup} warmup steps" in err
    # the table's LRs are those the Trainer logged: log_history's step s holds the LR update s used
    rows = [line.split(",") for line in out.strip().splitlines()[1:]]
    state = json.loads((folder / "trainer_state.json").read_text())
    logged = {r["step"]: r["learning_rate"] for r in state["log_history"] if "learning_rate" in r}
    assert len(rows) == max_steps
    for step, lr, *_ in rows:
        assert float(lr) == logged[int(step) + 1]


def test_transformers_defaults_are_the_installed_ones() -> None:
    need("transformers")
    import dataclasses

    from transformers import TrainingArguments

    fields = {f.name: f for f in dataclasses.fields(TrainingArguments)}
    for key, value in configs.HF_DEFAULTS.items():
        field = fields[key]
        default = field.default_factory() if field.default is dataclasses.MISSING else field.default
        if key == "lr_scheduler_kwargs":
            default = default or {}
        assert str(default) == str(value) or default == value, key


@pytest.mark.parametrize("ratio", [0.03, 0.1, 0.25])
def test_transformers_4_files_warmup_ratio(ratio: float) -> None:
    need("transformers")
    plan = configs.hf_plan(
        {"warmup_ratio": ratio, "warmup_steps": 0, "max_steps": 4689, "lr_scheduler_type": "linear"}, "args.json"
    )
    assert plan.spec.args["num_warmup_steps"] == math.ceil(4689 * ratio)
    assert any(f"warmup_ratio {ratio:g} of 4,689 update steps" in n for n in plan.notes)


def test_from_needs_the_dataset_size_for_epochs() -> None:
    with pytest.raises(LrvizError, match="--num-examples"):
        configs.hf_plan({"lr_scheduler_type": "linear", "num_train_epochs": 3}, "args.json")


@pytest.mark.slow
def test_from_reproduces_a_two_process_trainer(cli: Any, tmp_path: Path) -> None:
    """torchrun starts two processes (gloo on CPU): the Trainer's dataloader is sharded over
    two devices, and --devices 2 gives its counts; without it, check names the devices."""
    need("transformers", "accelerate")
    folder, max_steps, warmup = training_runs.hf_two_processes(tmp_path)
    plan = configs.load(folder / "training_args.json", num_examples=training_runs.N_EXAMPLES, devices=2)
    assert (plan.updates, plan.spec.args["num_warmup_steps"]) == (max_steps, warmup)
    args = folder / "training_args.json"
    code, out, err = cli("check", str(folder), "--from", str(args), "--num-examples", "40", "--devices", "2")
    assert code == 0, out + err
    code, out, _ = cli("check", str(folder), "--from", str(args), "--num-examples", "40")
    assert code == 1
    assert f"{max_steps}, not" in out and "2 devices, not 1" in out


# --------------------------------------------------------------------------------------
# check: each framework's log, correct and with each mistake


HF_VERDICTS = {
    "double_step": "two scheduler.step() calls per iteration",
    "micro_batches": "scheduler stepped after every micro-batch",
    "batches_not_updates": "gradient_accumulation_steps left out",
    "warmup_plus_one": "warmup off by one: num_warmup_steps=3",
    "resumed": "restarted from step 0 when the run resumed",
}


def test_check_passes_a_correct_trainer_run(cli: Any, hf: dict[str, Any]) -> None:
    folder = hf["correct"][0]
    code, out, err = cli("check", str(folder), "--from", str(folder / "training_args.json"), "--num-examples", "40")
    assert code == 0, out + err
    assert out.startswith("the run followed the plan (18 points, max relative error 0)")
    assert "transformers 4.51 and later" in err


@pytest.mark.parametrize("name", sorted(HF_VERDICTS))
def test_check_names_each_mistake_in_a_trainer_run(cli: Any, hf: dict[str, Any], name: str) -> None:
    folder = hf[name][0]
    code, out, err = cli("check", str(folder), "--from", str(folder / "training_args.json"), "--num-examples", "40")
    assert code == 1, out + err
    assert "the run departs from the plan at step" in out
    assert HF_VERDICTS[name] in out


def test_check_a_trainer_run_against_a_spec(cli: Any, hf: dict[str, Any]) -> None:
    folder, max_steps, warmup = hf["correct"]
    spec = f"cosine(num_warmup_steps={warmup}, num_training_steps={max_steps})"
    assert cli("check", str(folder / "trainer_state.json"), "--against", spec, "--lr", "1e-3")[0] == 0
    code, out, _ = cli("check", str(folder), "--against", f"cosine(num_warmup_steps={warmup}, num_training_steps=30)")
    assert code == 1
    assert f"num_training_steps={max_steps} (the plan: 30)" in out


def test_check_a_lightning_run(cli: Any, lightning: dict[str, Any]) -> None:
    csv, config = lightning["correct"]
    code, out, err = cli("check", str(csv), "--from", str(config), "--num-examples", "40")
    assert code == 0, out + err
    assert "LearningRateMonitor" in err and "15 updates = 15 scheduler steps" in err
    csv, config = lightning["per_epoch"]
    code, out, _ = cli("check", str(csv.parent), "--from", str(config), "--num-examples", "40")
    assert code == 1
    assert "stepped once per epoch instead of after every update" in out and "every 5 updates" in out


def _csv_column(text: str, name: str) -> list[str]:
    header, *rows = text.strip().splitlines()
    column = header.split(",").index(name)
    return [row.split(",")[column] for row in rows]


def test_from_a_real_lightning_cli_config(cli: Any, lightning_cli: dict[str, Any]) -> None:
    """A config LightningCLI itself parsed and trained from: lrviz's update count is the
    Trainer's estimated_stepping_batches, and the LRs it draws are those LearningRateMonitor
    logged (LightningCLI steps the scheduler once per epoch)."""
    csv, config, stepping_batches = lightning_cli["epoch"]
    plan = configs.load(config, num_examples=training_runs.N_EXAMPLES)
    assert plan.updates == stepping_batches
    code, out, err = cli("table", "--from", str(config), "--num-examples", "40", "--format", "csv")
    assert code == 0, err
    planned = [float(v) for v in _csv_column(out, "lr")]
    text = csv.read_text(encoding="utf-8")
    steps = [int(v) for v in _csv_column(text, "step")]
    logged = [float(v) for v in _csv_column(text, "lr-SGD")]
    per_epoch = plan.stepping.steps_per_epoch
    assert per_epoch is not None and max(steps) + 1 == stepping_batches
    assert all(lr == planned[step // per_epoch] for step, lr in zip(steps, logged, strict=True))
    code, out, err = cli("check", str(csv), "--from", str(config), "--num-examples", "40")
    assert code == 0, out + err
    assert out.startswith(f"the run followed the plan ({stepping_batches} points")


def test_check_a_lightning_cli_run_stepped_per_update(cli: Any, lightning_cli: dict[str, Any]) -> None:
    """A LightningCLI subclass that returns interval 'step': the config cannot say so, and
    check names it; --interval step says it, and the run follows the plan."""
    csv, config, stepping_batches = lightning_cli["step"]
    assert configs.load(config, num_examples=training_runs.N_EXAMPLES).updates == stepping_batches
    args = ("--from", str(config), "--num-examples", "40")
    code, out, _ = cli("check", str(csv), *args)
    assert code == 1
    assert "diagnosis: stepped after every update instead of once per epoch" in out
    code, out, err = cli("check", str(csv), *args, "--interval", "step")
    assert code == 0, out + err
    assert "--interval step: scheduler.step() after every update, not as" in err


TB_VERDICTS = {
    "double_step": "two scheduler.step() calls per iteration",
    "per_epoch": "stepped once per epoch instead of after every update: "
    f"the LR changes only every {training_runs.TB_EPOCH}",
    "restart": "restarted from step 0 when the run resumed: from update 12 on",
}


def test_check_a_tensorboard_folder(cli: Any, tensorboard: dict[str, Path]) -> None:
    code, out, err = cli(
        "check", str(tensorboard["correct"]), "--against", training_runs.TB_SPEC, "--lr", "0.05", "--optimizer", "sgd"
    )
    assert code == 0, out + err
    assert "float32" in err
    log = logs.read(tensorboard["correct"])
    assert log.float32 and len(log) == training_runs.TB_STEPS


@pytest.mark.parametrize("name", sorted(TB_VERDICTS))
def test_check_names_each_mistake_in_a_tensorboard_run(cli: Any, tensorboard: dict[str, Path], name: str) -> None:
    code, out, _ = cli("check", str(tensorboard[name]), "--against", training_runs.TB_SPEC, "--lr", "0.05")
    assert code == 1
    assert TB_VERDICTS[name] in out


def test_check_draws_planned_against_logged(cli: Any, hf: dict[str, Any], tmp_path: Path) -> None:
    folder = hf["resumed"][0]
    png = tmp_path / "check.png"
    args = ("--from", str(folder / "training_args.json"), "--num-examples", "40", "-o", str(png))
    code, out, err = cli("check", str(folder), *args)
    assert code == 1, err
    assert png.read_bytes().startswith(b"\x89PNG")


def test_check_a_timm_summary_and_a_plain_csv(cli: Any, tmp_path: Path) -> None:
    """timm's summary.csv (its columns as timm's update_summary writes them) and a plain CSV,
    written by a torch loop stepping StepLR once per epoch."""
    import torch

    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
    rows = []
    for epoch in range(10):
        rows.append(f"{epoch},0.5,0.4,80.0,95.0,{opt.param_groups[0]['lr']!r}")
        opt.step()
        sched.step()
    summary = tmp_path / "summary.csv"
    summary.write_text("epoch,train_loss,eval_loss,eval_top1,eval_top5,lr\n" + "\n".join(rows) + "\n")
    code, out, err = cli("check", str(summary), "--against", "StepLR(step_size=3, gamma=0.5)", "--lr", "0.1")
    assert code == 0, out + err
    assert "timm" in err
    plain = tmp_path / "lr.csv"
    plain.write_text("step,lr\n" + "\n".join(f"{r.split(',')[0]},{r.split(',')[-1]}" for r in rows) + "\n")
    assert cli("check", str(plain), "--against", "StepLR(step_size=3, gamma=0.5)", "--lr", "0.1")[0] == 0
    code, out, _ = cli("check", str(plain), "--against", "StepLR(step_size=2, gamma=0.5)", "--lr", "0.1")
    assert code == 1 and "step_size" in out


def test_check_errors_are_one_line(cli: Any, tmp_path: Path) -> None:
    log = tmp_path / "lr.csv"
    log.write_text("step,lr\n0,0.1\n1,0.1\n")
    code, _, err = cli("check", str(log))
    assert code == 2 and "--against SPEC or --from CONFIG" in err
    code, _, err = cli("check", str(tmp_path / "missing.csv"), "--against", "StepLR(step_size=3)")
    assert code == 2 and "no such file" in err
    bad = tmp_path / "x.csv"
    bad.write_text("step,loss\n0,1\n")
    code, _, err = cli("check", str(bad), "--against", "StepLR(step_size=3)")
    assert code == 2 and "no learning-rate column" in err


def test_plan_check_agrees_with_itself() -> None:
    """A log that is the plan itself passes, whatever the convention's offset."""
    import numpy as np

    from lrviz import spec as spec_mod
    from lrviz.config import TraceOptions
    from lrviz.tracing import trace
    from lrviz.training.plan import Plan

    spec = spec_mod.parse("OneCycleLR(max_lr=0.1, total_steps=50)")
    values = trace(spec, 50).lr[0]
    for convention in (logs.BEFORE, logs.AFTER):
        steps = np.arange(50 - convention.offset) - 0
        steps = steps[(steps + convention.offset >= 0) & (steps + convention.offset < 50)]
        log = logs.LoggedLR(steps, values[steps + convention.offset], "x", "CSV log", (convention,))
        result = check.check(log, Plan(spec, TraceOptions(steps=50)))
        assert result.ok and result.convention == convention
