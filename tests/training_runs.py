"""Real training runs on CPU, a tiny model for a few dozen updates, whose logs `lrviz check`
reads: Hugging Face's Trainer (with accelerate), Lightning's Trainer with CSVLogger and
LearningRateMonitor, and a plain loop writing TensorBoard events with SummaryWriter. Each
framework is run as documented, once correctly and once per injected mistake.

Nothing here knows what lrviz computes: the configs are written as the frameworks write
them (``TrainingArguments.to_json_string()``, a LightningCLI-style YAML), and the logs are
whatever the frameworks log.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

N_EXAMPLES = 40
"""The training set's size: with a batch of 3 and gradient accumulation 2, 7 updates per epoch."""

HF_ARGS: dict[str, Any] = {
    "per_device_train_batch_size": 3,
    "gradient_accumulation_steps": 2,
    "num_train_epochs": 2.5,
    "warmup_steps": 0.1,  # transformers 5: below 1, a ratio of the update steps
    "lr_scheduler_type": "cosine",
    "learning_rate": 1e-3,
}


def _dataset(n: int) -> Any:
    import torch

    class Examples(torch.utils.data.Dataset):  # type: ignore[misc]
        def __init__(self) -> None:
            g = torch.Generator().manual_seed(0)
            self.x = torch.randn(n, 4, generator=g)
            self.y = self.x.sum(dim=1, keepdim=True)

        def __len__(self) -> int:
            return n

        def __getitem__(self, i: int) -> dict[str, Any]:
            return {"x": self.x[i], "labels": self.y[i]}

    return Examples()


def _hf_model() -> Any:
    import torch
    from torch import nn

    class Tiny(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.layer = nn.Linear(4, 1)

        def forward(self, x: Any, labels: Any = None) -> dict[str, Any]:
            out = self.layer(x)
            return {"loss": nn.functional.mse_loss(out, labels), "logits": out}

    torch.manual_seed(0)
    return Tiny()


def hf_arguments(out: Path, **changes: Any) -> Any:
    from transformers import TrainingArguments

    settings = {
        "use_cpu": True,
        "report_to": "none",
        "logging_steps": 1,
        "save_strategy": "no",
        "disable_tqdm": True,
        **HF_ARGS,
        **changes,
    }
    return TrainingArguments(output_dir=str(out), **settings)


def hf_train(out: Path, *, callbacks: tuple[Any, ...] = (), scheduler: Any = None, **changes: Any) -> Any:
    """A Trainer run into ``out`` (its args as ``out/training_args.json``, its state as
    ``out/trainer_state.json``); ``scheduler(optimizer, trainer)`` replaces the Trainer's own."""
    import torch
    from transformers import Trainer

    args = hf_arguments(out, **changes)
    model = _hf_model()
    optimizers: tuple[Any, Any] = (None, None)
    if scheduler is not None:
        opt = torch.optim.AdamW(model.parameters(), lr=args.learning_rate)
        optimizers = (opt, scheduler(opt))
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=_dataset(N_EXAMPLES),
        callbacks=list(callbacks),
        optimizers=optimizers,
    )
    trainer.train()
    trainer.save_state()
    (out / "training_args.json").write_text(args.to_json_string(), encoding="utf-8")
    return trainer


def hf_runs(root: Path) -> dict[str, Any]:
    """Trainer runs: name -> (output folder, the trainer's max_steps, its warmup steps)."""
    from transformers import TrainerCallback, get_scheduler

    runs: dict[str, Any] = {}

    def keep(name: str, trainer: Any) -> None:
        schedule = trainer.lr_scheduler.lr_lambdas[0] if trainer.lr_scheduler is not None else None
        keywords = dict(getattr(schedule, "keywords", {}))
        runs[name] = (root / name, trainer.state.max_steps, keywords.get("num_warmup_steps"))

    keep("correct", hf_train(root / "correct"))
    keep("ratio", hf_train(root / "ratio", warmup_steps=0.15, num_train_epochs=3))

    class SecondStep(TrainerCallback):  # type: ignore[misc]
        """The mistake: a second scheduler.step() after each update."""

        def on_step_end(self, args: Any, state: Any, control: Any, lr_scheduler: Any = None, **kw: Any) -> None:
            lr_scheduler.step()

    keep("double_step", hf_train(root / "double_step", callbacks=(SecondStep(),), gradient_accumulation_steps=1))

    class EveryMicroBatch(TrainerCallback):  # type: ignore[misc]
        """The mistake: the scheduler stepped after every micro-batch of an accumulation."""

        def on_substep_end(self, args: Any, state: Any, control: Any, lr_scheduler: Any = None, **kw: Any) -> None:
            lr_scheduler.step()

    keep(
        "micro_batches", hf_train(root / "micro_batches", callbacks=(EveryMicroBatch(),), gradient_accumulation_steps=3)
    )

    # The mistakes: num_training_steps counted in batches, not in updates (gradient
    # accumulation left out); a warmup one step longer than the config's.
    batches = -(-N_EXAMPLES // HF_ARGS["per_device_train_batch_size"])
    in_batches = -(-int(HF_ARGS["num_train_epochs"] * 2 * batches) // 2)

    def from_batches(opt: Any) -> Any:
        warmup = -(-in_batches // 10)  # warmup_steps 0.1 of the wrong count
        return get_scheduler("cosine", opt, num_warmup_steps=warmup, num_training_steps=in_batches)

    keep("batches_not_updates", hf_train(root / "batches_not_updates", scheduler=from_batches))

    def warmup_plus_one(opt: Any) -> Any:
        return get_scheduler("cosine", opt, num_warmup_steps=3, num_training_steps=18)

    keep("warmup_plus_one", hf_train(root / "warmup_plus_one", scheduler=warmup_plus_one))

    # The mistake: resuming from a checkpoint that lacks the scheduler's state (the optimizer's
    # and scheduler's files removed), so the schedule starts again from step 0.
    class StopAt8(TrainerCallback):  # type: ignore[misc]
        """The first run stops (after its checkpoint) at update 8."""

        def on_step_end(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            if state.global_step == 8:
                control.should_training_stop = True

    resumed = root / "resumed"
    hf_train(resumed, callbacks=(StopAt8(),), save_strategy="steps", save_steps=8)
    checkpoint = resumed / "checkpoint-8"
    for name in ("scheduler.pt", "optimizer.pt"):
        (checkpoint / name).unlink()
    from transformers import Trainer

    args = hf_arguments(resumed, save_strategy="no")
    trainer = Trainer(model=_hf_model(), args=args, train_dataset=_dataset(N_EXAMPLES))
    trainer.train(resume_from_checkpoint=str(checkpoint))
    trainer.save_state()
    (resumed / "training_args.json").write_text(args.to_json_string(), encoding="utf-8")
    keep("resumed", trainer)
    return runs


HF_SCRIPT = """
import sys
from pathlib import Path
sys.path.insert(0, {tests!r})
import training_runs
trainer = training_runs.hf_train(Path({out!r}))
import torch.distributed as dist
if dist.get_rank() == 0:
    schedule = trainer.lr_scheduler.lr_lambdas[0]
    Path({out!r}, "numbers.json").write_text(
        __import__("json").dumps([trainer.state.max_steps, schedule.keywords["num_warmup_steps"]]))
"""


def hf_two_processes(root: Path) -> tuple[Path, int, int]:
    """The Trainer on two processes (torchrun, gloo on CPU): two real devices for its step
    arithmetic. (output folder, its max_steps, its warmup steps)."""
    out = root / "two_devices"
    out.mkdir(parents=True, exist_ok=True)
    script = out / "train.py"
    script.write_text(HF_SCRIPT.format(tests=str(Path(__file__).parent), out=str(out)), encoding="utf-8")
    torchrun = shutil.which("torchrun", path=str(Path(sys.executable).parent)) or "torchrun"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    subprocess.run(
        [torchrun, "--nproc_per_node", "2", "--master_port", "29531", str(script)],
        check=True,
        capture_output=True,
        env=env,
        timeout=600,
    )
    max_steps, warmup = json.loads((out / "numbers.json").read_text(encoding="utf-8"))
    return out, max_steps, warmup


# --------------------------------------------------------------------------------------
# Lightning

LIGHTNING_YAML = """\
# A LightningCLI-style config: the optimizer and the scheduler as class_path/init_args
trainer:
  max_epochs: 3
  accumulate_grad_batches: 2
  log_every_n_steps: 1
data:
  init_args:
    batch_size: 4
optimizer:
  class_path: torch.optim.SGD
  init_args:
    lr: 0.1
    momentum: 0.9
lr_scheduler:
  scheduler:
    class_path: torch.optim.lr_scheduler.OneCycleLR
    init_args:
      max_lr: 0.1
      total_steps: 15
  interval: {interval}
  frequency: 1
"""


def _build(node: dict[str, Any], **extra: Any) -> Any:
    import importlib

    module, _, name = node["class_path"].rpartition(".")
    return getattr(importlib.import_module(module), name)(**extra, **node.get("init_args", {}))


def lightning_train(out: Path, config: Path, interval: str) -> Path:
    """Lightning's Trainer with CSVLogger and LearningRateMonitor; the module builds the
    optimizer and scheduler of ``config`` and hands them to Lightning with ``interval``.
    Returns the metrics.csv."""
    import lightning.pytorch as pl
    import torch
    import yaml
    from lightning.pytorch.callbacks import LearningRateMonitor
    from lightning.pytorch.loggers import CSVLogger
    from torch import nn

    cfg = yaml.safe_load(config.read_text(encoding="utf-8"))

    class Module(pl.LightningModule):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.layer = nn.Linear(4, 1)

        def training_step(self, batch: Any, batch_idx: int) -> Any:
            return nn.functional.mse_loss(self.layer(batch["x"]), batch["labels"])

        def configure_optimizers(self) -> Any:
            opt = _build(cfg["optimizer"], params=self.parameters())
            sched = _build(cfg["lr_scheduler"]["scheduler"], optimizer=opt)
            return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": interval, "frequency": 1}}

    torch.manual_seed(0)
    loader = torch.utils.data.DataLoader(_dataset(N_EXAMPLES), batch_size=cfg["data"]["init_args"]["batch_size"])
    trainer = pl.Trainer(
        max_epochs=cfg["trainer"]["max_epochs"],
        accumulate_grad_batches=cfg["trainer"]["accumulate_grad_batches"],
        log_every_n_steps=1,
        accelerator="cpu",
        devices=1,
        logger=CSVLogger(str(out), name="", version=""),
        callbacks=[LearningRateMonitor(logging_interval="step" if interval == "step" else None)],
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
    )
    trainer.fit(Module(), loader)
    return out / "metrics.csv"


def lightning_runs(root: Path) -> dict[str, tuple[Path, Path]]:
    """name -> (metrics.csv, config). "correct": the config's interval 'step'; "per_epoch":
    the same config, but the module returns its scheduler without an interval, so Lightning
    steps it once per epoch."""
    import logging

    logging.getLogger("lightning.pytorch").setLevel(logging.ERROR)
    root.mkdir(parents=True, exist_ok=True)
    config = root / "config.yaml"
    config.write_text(LIGHTNING_YAML.format(interval="step"), encoding="utf-8")
    runs = {"correct": (lightning_train(root / "correct", config, "step"), config)}
    runs["per_epoch"] = (lightning_train(root / "per_epoch", config, "epoch"), config)
    return runs


# --------------------------------------------------------------------------------------
# A plain loop with TensorBoard's SummaryWriter

TB_SPEC = (
    "SequentialLR(schedulers=[LinearLR(start_factor=0.1, total_iters=5), CosineAnnealingLR(T_max=25)], milestones=[5])"
)
TB_STEPS = 30
TB_EPOCH = 6  # batches per epoch


def _tb_scheduler(opt: Any) -> Any:
    from torch.optim import lr_scheduler

    return lr_scheduler.SequentialLR(
        opt,
        [lr_scheduler.LinearLR(opt, start_factor=0.1, total_iters=5), lr_scheduler.CosineAnnealingLR(opt, T_max=25)],
        milestones=[5],
    )


def tensorboard_loop(folder: Path, *, mistake: str = "") -> Path:
    """A training loop that logs ``optimizer.param_groups[0]['lr']`` at each step before
    ``scheduler.step()``. ``mistake``: "double_step", "per_epoch" (scheduler stepped at each
    epoch's end) or "restart" (the run resumes at step 12 with a new scheduler)."""
    import warnings

    import torch
    from torch import nn
    from torch.utils.tensorboard import SummaryWriter

    torch.manual_seed(0)
    model = nn.Linear(4, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    sched = _tb_scheduler(opt)
    data = _dataset(TB_STEPS)
    writer = SummaryWriter(str(folder))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SequentialLR's own deprecation notes
        for step in range(TB_STEPS):
            if mistake == "restart" and step == 12:
                writer.close()
                writer = SummaryWriter(str(folder))  # the resumed run: a new event file
                sched = _tb_scheduler(opt)  # ...and a scheduler whose state was not restored
            batch = data[step]
            loss = nn.functional.mse_loss(model(batch["x"]), batch["labels"])
            opt.zero_grad()
            loss.backward()
            writer.add_scalar("train/loss", loss.item(), step)
            writer.add_scalar("lr", opt.param_groups[0]["lr"], step)
            opt.step()
            if mistake == "per_epoch":
                if (step + 1) % TB_EPOCH == 0:
                    sched.step()
                continue
            sched.step()
            if mistake == "double_step":
                sched.step()
    writer.close()
    return folder


def tensorboard_runs(root: Path) -> dict[str, Path]:
    return {
        m or "correct": tensorboard_loop(root / (m or "correct"), mistake=m)
        for m in ("", "double_step", "per_epoch", "restart")
    }


# --------------------------------------------------------------------------------------
# timm's train.py: its args.yaml, its loader, its scheduler and its loop

TIMM_ARGS: dict[str, Any] = {
    # what train.py's parser holds for `--sched cosine --epochs 6 --warmup-epochs 2 ...`
    # (train.py writes every argument; these are the ones its schedule and loader read)
    "sched": "cosine",
    "sched_on_updates": False,
    "epochs": 6,
    "lr": None,
    "lr_base": 0.1,
    "lr_base_size": 256,
    "lr_base_scale": "",
    "lr_noise": None,
    "lr_noise_pct": 0.67,
    "lr_noise_std": 1.0,
    "lr_cycle_mul": 1.0,
    "lr_cycle_decay": 0.5,
    "lr_cycle_limit": 1,
    "lr_k_decay": 1.0,
    "warmup_lr": 1.0e-5,
    "min_lr": 1.0e-4,
    "decay_milestones": [2, 4],
    "decay_epochs": 2,
    "warmup_epochs": 2,
    "warmup_prefix": False,
    "cooldown_epochs": 1,
    "patience_epochs": 10,
    "decay_rate": 0.5,
    "batch_size": 3,
    "grad_accum_steps": 2,
    "opt": "sgd",
    "momentum": 0.9,
    "opt_betas": None,
    "seed": 42,
    "eval_metric": "top1",
    "val_split": "validation",
    "start_epoch": None,
}


def timm_update_summary() -> Any:
    """timm's own ``update_summary`` (timm/utils/summary.py), loaded alone: importing
    ``timm.utils`` runs ``timm/__init__.py``, which needs torchvision."""
    import importlib.util

    from lrviz.families import timm_source

    root = timm_source.timm_dir()
    assert root is not None
    spec = importlib.util.spec_from_file_location("timm_summary_alone", Path(root) / "utils" / "summary.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.update_summary


def timm_train(
    out: Path, args: dict[str, Any], *, num_examples: int = N_EXAMPLES, world: int = 1, mistake: str = ""
) -> dict[str, Any]:
    """timm train.py's schedule and loop on a tiny model, as process 0 of ``world``: the
    args written to ``out/args.yaml`` as train.py writes them, the training loader as
    create_loader builds it (a DistributedSampler on several processes, drop_last), the lr
    from --lr-base when --lr is not set, ``create_scheduler_v2(optimizer,
    **scheduler_kwargs(args, decreasing_metric), updates_per_epoch)``, then
    train_one_epoch's ``step_update(num_updates)`` after every update and
    ``step(epoch + 1, metric)`` after every epoch, with ``summary.csv`` written by timm's
    update_summary. ``mistake``: "no_accum" (updates_per_epoch is len(loader), the batches
    rather than the updates) or "restart" (the run resumes at epoch 3 with a new scheduler
    told the updates and epochs counted from the resume, not from the run's start).

    Returns the LR each update used, the epochs and updates per epoch, the lr, the files."""
    import types

    import torch
    import yaml
    from torch import nn

    from lrviz.families import timm_source

    out.mkdir(parents=True, exist_ok=True)
    (out / "args.yaml").write_text(yaml.safe_dump(args, default_flow_style=False), encoding="utf-8")
    ns = types.SimpleNamespace(**args)
    ns.grad_accum_steps = max(1, ns.grad_accum_steps)
    torch.manual_seed(0)
    dataset = _dataset(num_examples)
    sampler = None
    if world > 1:
        sampler = torch.utils.data.distributed.DistributedSampler(dataset, num_replicas=world, rank=0)
    loader = torch.utils.data.DataLoader(
        dataset, batch_size=ns.batch_size, shuffle=sampler is None, sampler=sampler, drop_last=True
    )
    if not ns.lr:  # train.py
        global_batch_size = float(ns.batch_size) * world * ns.grad_accum_steps
        batch_ratio = global_batch_size / ns.lr_base_size
        if not ns.lr_base_scale:
            on = ns.opt.lower()
            ns.lr_base_scale = "sqrt" if any(o in on for o in ("ada", "lamb")) else "linear"
        if ns.lr_base_scale == "sqrt":
            batch_ratio = batch_ratio**0.5
        ns.lr = ns.lr_base * batch_ratio
    model = nn.Linear(4, 1)
    if ns.opt == "adamw":
        opt: Any = torch.optim.AdamW(model.parameters(), lr=ns.lr)
    else:
        opt = torch.optim.SGD(model.parameters(), lr=ns.lr, momentum=ns.momentum)
    package = timm_source.scheduler_package()
    eval_metric = ns.eval_metric if ns.val_split else "loss"

    def scheduler(updates_per_epoch: int) -> Any:
        kwargs = package.scheduler_kwargs(ns, decreasing_metric=eval_metric == "loss")
        return package.create_scheduler_v2(opt, **kwargs, updates_per_epoch=updates_per_epoch)

    accum = ns.grad_accum_steps
    updates_per_epoch = (len(loader) + accum - 1) // accum
    lr_scheduler, num_epochs = scheduler(len(loader) if mistake == "no_accum" else updates_per_epoch)
    update_summary = timm_update_summary()
    lrs: list[float] = []
    num_updates = 0
    since_updates = since_epochs = 0
    for epoch in range(num_epochs):
        if mistake == "restart" and epoch == 3:
            lr_scheduler, _ = scheduler(updates_per_epoch)
            since_updates, since_epochs = num_updates, epoch
        losses = []
        for batch_idx, batch in enumerate(loader):
            last = batch_idx == len(loader) - 1
            loss = nn.functional.mse_loss(model(batch["x"]), batch["labels"])
            (loss / accum).backward()
            losses.append(loss.item())
            if not (last or (batch_idx + 1) % accum == 0):
                continue
            lrs.append(opt.param_groups[0]["lr"])
            opt.step()
            opt.zero_grad()
            num_updates += 1
            lr_scheduler.step_update(num_updates=num_updates - since_updates, metric=sum(losses) / len(losses))
        train_metrics = {"loss": sum(losses) / len(losses)}
        eval_metrics = {"loss": train_metrics["loss"], "top1": 50.0, "top5": 90.0}
        group_lrs = [group["lr"] for group in opt.param_groups]
        update_summary(
            epoch,
            train_metrics,
            eval_metrics,
            filename=str(out / "summary.csv"),
            lr=sum(group_lrs) / len(group_lrs),
            write_header=epoch == 0,
        )
        lr_scheduler.step(epoch + 1 - since_epochs, eval_metrics[eval_metric])
    return {
        "lrs": lrs,
        "epochs": num_epochs,
        "updates_per_epoch": updates_per_epoch,
        "lr": ns.lr,
        "args": out / "args.yaml",
        "summary": out / "summary.csv",
    }


# --------------------------------------------------------------------------------------
# LightningCLI: a config file parsed by LightningCLI itself (jsonargparse)

LIGHTNING_CLI_YAML = """\
# A LightningCLI config: lightning's own parser reads it, with the optimizer and the
# scheduler as class_path/init_args
trainer:
  max_epochs: {epochs}
  accumulate_grad_batches: 2
  log_every_n_steps: 1
  accelerator: cpu
  devices: 1
  enable_checkpointing: false
  enable_progress_bar: false
  enable_model_summary: false
  logger:
    class_path: lightning.pytorch.loggers.CSVLogger
    init_args:
      save_dir: {out}
      name: ''
      version: ''
  callbacks:
  - class_path: lightning.pytorch.callbacks.LearningRateMonitor
    init_args:
      logging_interval: step
data:
  batch_size: 4
optimizer:
  class_path: torch.optim.SGD
  init_args:
    lr: 0.1
    momentum: 0.9
lr_scheduler:
  class_path: {scheduler}
  init_args:
{init_args}
"""

LIGHTNING_CLI_RUNS = {
    # LightningCLI's own configure_optimizers: the scheduler steps once per epoch
    "epoch": (4, "torch.optim.lr_scheduler.CosineAnnealingLR", {"T_max": 4, "eta_min": 0.001}),
    # a LightningCLI subclass whose configure_optimizers says interval 'step' (Lightning's docs)
    "step": (3, "torch.optim.lr_scheduler.OneCycleLR", {"max_lr": 0.1, "total_steps": 15}),
}


def lightning_cli_train(out: Path, name: str) -> tuple[Path, Path, int]:
    """LightningCLI ``fit --config config.yaml`` on a tiny module and data module; returns
    (metrics.csv, config.yaml, the Trainer's own estimated_stepping_batches)."""
    import lightning.pytorch as pl
    import torch
    from lightning.pytorch.cli import LightningCLI
    from torch import nn

    epochs, scheduler, init_args = LIGHTNING_CLI_RUNS[name]
    out.mkdir(parents=True, exist_ok=True)
    config = out / "config.yaml"
    args_text = "\n".join(f"    {k}: {v}" for k, v in init_args.items())
    config.write_text(
        LIGHTNING_CLI_YAML.format(epochs=epochs, out=out, scheduler=scheduler, init_args=args_text), encoding="utf-8"
    )

    class Tiny(pl.LightningModule):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.layer = nn.Linear(4, 1)

        def training_step(self, batch: Any, batch_idx: int) -> Any:
            return nn.functional.mse_loss(self.layer(batch["x"]), batch["labels"])

    class Data(pl.LightningDataModule):  # type: ignore[misc]
        def __init__(self, batch_size: int = 8) -> None:
            super().__init__()
            self.batch_size = batch_size

        def train_dataloader(self) -> Any:
            return torch.utils.data.DataLoader(_dataset(N_EXAMPLES), batch_size=self.batch_size)

    class StepCLI(LightningCLI):  # type: ignore[misc]
        @staticmethod
        def configure_optimizers(lightning_module: Any, optimizer: Any, lr_scheduler: Any = None) -> Any:
            return {"optimizer": optimizer, "lr_scheduler": {"scheduler": lr_scheduler, "interval": "step"}}

    torch.manual_seed(0)
    cli = StepCLI if name == "step" else LightningCLI
    run = cli(Tiny, Data, args=["fit", "--config", str(config)], save_config_callback=None)
    return out / "metrics.csv", config, int(run.trainer.estimated_stepping_batches)


def lightning_cli_runs(root: Path) -> dict[str, tuple[Path, Path, int]]:
    import logging

    logging.getLogger("lightning.pytorch").setLevel(logging.ERROR)
    return {name: lightning_cli_train(root / name, name) for name in LIGHTNING_CLI_RUNS}
