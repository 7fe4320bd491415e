"""--from timm's args.yaml and lrviz check on timm's summary.csv, against timm itself.

The oracle is :func:`training_runs.timm_train`: train.py's schedule and loop on a tiny model,
with timm's own ``scheduler_kwargs``, ``create_scheduler_v2`` and ``update_summary``, and the
training loader built by torch as timm's ``create_loader`` builds it. lrviz reads only the
``args.yaml`` the run wrote (and ``--num-examples``, ``--devices``); the updates per epoch,
the epochs, the lr and every LR it draws are compared with what the run had, exactly.
"""

from __future__ import annotations

import types
import warnings
from pathlib import Path
from typing import Any

import clirun
import pytest
import training_runs
from extras import ON_CI

from lrviz.errors import LrvizError
from lrviz.families import timm as timm_family
from lrviz.families import timm_source
from lrviz.training import configs, logs, timm_config

EXAMPLE = Path(__file__).resolve().parent.parent / "docs" / "examples" / "timm-args.yaml"

# name -> (changes to training_runs.TIMM_ARGS, processes, mistake)
RUNS: dict[str, tuple[dict[str, Any], int, str]] = {
    "cosine": ({}, 1, ""),
    "cosine_updates_2proc": ({"sched_on_updates": True}, 2, ""),
    "step_prefix": ({"sched": "step", "warmup_prefix": True}, 1, ""),
    "multistep_updates": ({"sched": "multistep", "sched_on_updates": True}, 1, ""),
    "tanh_noise_updates": ({"sched": "tanh", "lr_noise": [0.3, 0.9], "sched_on_updates": True, "seed": 7}, 1, ""),
    "poly_cycles": ({"sched": "poly", "lr_cycle_limit": 2, "lr_cycle_mul": 2.0, "warmup_prefix": True}, 1, ""),
    "wsd_updates": ({"sched": "wsd", "sched_on_updates": True}, 1, ""),
    "adamw_sqrt_3proc": ({"opt": "adamw", "grad_accum_steps": 1}, 3, ""),
    "lr_given": ({"lr": 0.02, "sched": "constant"}, 1, ""),
    "restart": ({}, 1, "restart"),
    "restart_updates": ({"sched_on_updates": True}, 1, "restart"),
    "no_accum": ({"sched_on_updates": True}, 1, "no_accum"),
}
CORRECT = [name for name, (_, _, mistake) in RUNS.items() if not mistake]


def _timm() -> Any:
    problem = timm_family.missing()
    if problem and not ON_CI:
        pytest.skip(problem)
    return timm_source.scheduler_package()


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Any:
    return lambda *args: clirun.run(capsys, *args)


@pytest.fixture(scope="session")
def timm_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    _timm()
    pytest.importorskip("yaml")
    root = tmp_path_factory.mktemp("timm")
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, (changes, world, mistake) in RUNS.items():
            run = training_runs.timm_train(
                root / name, {**training_runs.TIMM_ARGS, **changes}, world=world, mistake=mistake
            )
            out[name] = {**run, "world": world}
    return out


def _from(run: dict[str, Any]) -> tuple[str, ...]:
    return ("--from", str(run["args"]), "--num-examples", str(training_runs.N_EXAMPLES), "--devices", str(run["world"]))


@pytest.mark.parametrize(
    "data",
    [
        training_runs.TIMM_ARGS,
        {"sched": "step"},
        {"sched": "plateau", "eval_metric": "loss", "lr_noise": 0.5, "sched_on_updates": True},
    ],
)
@pytest.mark.parametrize("decreasing", [None, True, False])
def test_scheduler_kwargs_are_timms(data: dict[str, Any], decreasing: bool | None) -> None:
    """The arguments are timm's scheduler_kwargs on the file, its defaults for missing keys."""
    package = _timm()
    expected = package.scheduler_kwargs(types.SimpleNamespace(**data), decreasing_metric=decreasing)
    assert timm_config.scheduler_kwargs(data, decreasing) == expected


@pytest.mark.parametrize("name", CORRECT)
def test_from_args_yaml_draws_the_lrs_of_timms_loop(cli: Any, timm_runs: dict[str, Any], name: str) -> None:
    """The updates per epoch of the real loader, the epochs create_scheduler_v2 returned, the
    lr train.py computed, and the LR of every update, bit for bit."""
    run = timm_runs[name]
    plan = configs.load(run["args"], num_examples=training_runs.N_EXAMPLES, devices=run["world"])
    assert plan.stepping.steps_per_epoch == run["updates_per_epoch"]
    assert plan.options.steps == run["epochs"] * run["updates_per_epoch"] == len(run["lrs"])
    assert plan.options.lr == run["lr"]
    code, out, err = cli("table", *_from(run), "--format", "csv")
    assert code == 0, err
    header, *lines = out.strip().splitlines()
    column = header.split(",").index("lr")
    assert [float(line.split(",")[column]) for line in lines] == run["lrs"]


def test_from_says_the_derived_numbers(cli: Any, timm_runs: dict[str, Any]) -> None:
    run = timm_runs["cosine_updates_2proc"]
    code, _, err = cli("table", *_from(run), "--format", "csv")
    assert code == 0, err
    per_process = -(-training_runs.N_EXAMPLES // 2)
    batches = per_process // training_runs.TIMM_ARGS["batch_size"]
    assert f"ceil(40 examples / 2 processes) = {per_process} examples per process (DistributedSampler)" in err
    assert f"floor({per_process} examples / batch_size 3) = {batches} batches per epoch" in err
    assert f"ceil({batches} batches / grad_accum_steps 2) = {run['updates_per_epoch']} updates per epoch" in err
    assert f"= {run['lr']:g} (linear scaling)" in err
    assert f"train.py trains {run['epochs']} epochs, the LR moving after every update" in err


@pytest.mark.parametrize("name", CORRECT)
def test_check_passes_timms_summary(cli: Any, timm_runs: dict[str, Any], name: str) -> None:
    run = timm_runs[name]
    code, out, err = cli("check", str(run["summary"]), *_from(run))
    assert code == 0, out + err
    assert out.startswith(f"the run followed the plan ({run['epochs']} points")
    assert "timm summary.csv" in err


def test_check_a_per_epoch_schedule_needs_no_dataset_size(cli: Any, timm_runs: dict[str, Any]) -> None:
    """A schedule stepped per epoch is drawn (and checked) in epochs without --num-examples."""
    run = timm_runs["cosine"]
    code, out, err = cli("check", str(run["summary"]), "--from", str(run["args"]))
    assert code == 0, out + err
    assert "each step is one epoch" in err


@pytest.mark.parametrize("name", ["restart", "restart_updates"])
def test_check_names_a_restart(cli: Any, timm_runs: dict[str, Any], name: str, tmp_path: Path) -> None:
    run = timm_runs[name]
    png = tmp_path / "check.png"
    code, out, _ = cli("check", str(run["summary"]), *_from(run), "-o", str(png))
    assert code == 1
    assert out.startswith("the run departs from the plan at epoch 3: ")
    assert png.read_bytes().startswith(b"\x89PNG")
    restart = 3 * run["updates_per_epoch"]
    assert f"restarted from step 0 when the run resumed: from update {restart} (epoch 3) on" in out


def test_check_names_batches_given_as_updates(cli: Any, timm_runs: dict[str, Any]) -> None:
    """A loop that gives create_scheduler_v2 len(loader) with gradient accumulation."""
    run = timm_runs["no_accum"]
    code, out, _ = cli("check", str(run["summary"]), *_from(run))
    assert code == 1
    batches = training_runs.N_EXAMPLES // training_runs.TIMM_ARGS["batch_size"]
    assert f"updates_per_epoch {batches}, the batches, not the {run['updates_per_epoch']} updates" in out
    assert f"updates_per_epoch={batches})" in out


@pytest.mark.parametrize("name", ["cosine", "wsd_updates"])
def test_the_check_figure_draws_the_plan_in_epochs(timm_runs: dict[str, Any], name: str) -> None:
    """On a summary.csv's epoch axis, the planned curve passes through every logged value."""
    from lrviz.training import check
    from lrviz.training.figure import draw

    run = timm_runs[name]
    result = check.check(logs.read(run["summary"]), configs.load(run["args"], num_examples=training_runs.N_EXAMPLES))
    assert result.ok
    planned = draw(result).axes[0].lines[0]
    at = dict(zip(planned.get_xdata().tolist(), planned.get_ydata().tolist(), strict=True))
    assert [at[float(e)] for e in result.log.steps.tolist()] == result.log.lr.tolist()


def test_summary_conventions_are_timms(timm_runs: dict[str, Any]) -> None:
    """Row e: the LR epoch e trained with (per epoch), the LR after its last update (per update)."""
    for name, convention in (("cosine", logs.TIMM_BEFORE), ("wsd_updates", logs.TIMM_AFTER)):
        run = timm_runs[name]
        log = logs.read(run["summary"])
        u = run["updates_per_epoch"]
        position = (log.steps + convention.offset) * u
        lrs = run["lrs"] + [None]  # the LR after the last update is read by no update
        if convention is logs.TIMM_AFTER:
            assert [float(x) for x in log.lr[:-1]] == [lrs[p] for p in position[:-1]]
        else:
            assert [float(x) for x in log.lr] == [lrs[p] for p in position]


def test_the_docs_example_counts_as_torchs_loader() -> None:
    """docs/examples/timm-args.yaml on 4 processes: the updates per epoch of torch's own
    DistributedSampler and DataLoader (drop_last), divided by the accumulation."""
    import torch
    import yaml

    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    n, world = 50_000, 4
    plan = configs.load(EXAMPLE, num_examples=n, devices=world)
    dataset = list(range(n))
    sampler = torch.utils.data.distributed.DistributedSampler(dataset, num_replicas=world, rank=0)
    loader = torch.utils.data.DataLoader(dataset, batch_size=data["batch_size"], sampler=sampler, drop_last=True)
    accum = data["grad_accum_steps"]
    assert plan.stepping.steps_per_epoch == (len(loader) + accum - 1) // accum
    assert plan.source.endswith("(timm train.py args.yaml)")


def test_errors_are_one_line(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "args.yaml"
    path.write_text("sched: cosine\nsched_on_updates: true\nepochs: 10\n", encoding="utf-8")
    code, _, err = cli("plot", "--from", str(path), "-o", str(tmp_path / "x.png"))
    assert code == 2 and "sched_on_updates" in err and "--num-examples" in err
    assert len(err.strip().splitlines()) <= 2
    path.write_text("sched: cosine\nwarmup_epochs: 1\nnaflex_loader: true\n", encoding="utf-8")
    with pytest.raises(LrvizError, match="naflex_loader"):
        configs.load(path, num_examples=100)
    path.write_text("sched: none\nwarmup_epochs: 1\n", encoding="utf-8")
    with pytest.raises(LrvizError, match="no scheduler"):
        configs.load(path)
    path.write_text("sched: cosine\nwarmup_epochs: 1\nbatch_size: 64\n", encoding="utf-8")
    with pytest.raises(LrvizError, match="no full batch"):
        configs.load(path, num_examples=10)
    for text, message in (
        ("lr_base_size: 0", "lr_base_size must be above 0"),
        ("opt: adamw\nopt_betas: [a, 0.99]", "beta1 must be a number"),
        ("epochs: 0", "0 epochs"),
        ("sched: 12", "timm has no sched '12'"),
        ("epochs: many", "epochs must be a whole number"),
    ):
        path.write_text(f"sched: cosine\nwarmup_epochs: 1\n{text}\n", encoding="utf-8")
        code, _, err = cli("table", "--from", str(path), "--num-examples", "1000")
        assert code == 2 and message in err and "Traceback" not in err, err
