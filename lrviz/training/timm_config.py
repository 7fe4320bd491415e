"""``--from args.yaml``: the schedule timm's ``train.py`` builds from the ``args.yaml`` it
writes into its output folder.

train.py (timm 1.0.31) builds its scheduler as
``create_scheduler_v2(optimizer, **scheduler_kwargs(args, decreasing_metric=...),
updates_per_epoch=(len(loader_train) + grad_accum_steps - 1) // grad_accum_steps)`` on an
optimizer whose lr is ``--lr``, or, when that is not set, ``--lr-base`` scaled by the global
batch. Here the same numbers are computed from the file: :func:`scheduler_kwargs` is timm's
(its defaults for keys a file lacks; tests/test_training_timm.py compares it with the
installed timm's), the loader's length is that of train.py's training loader (a map-style
dataset: ``DistributedSampler`` on several processes, the last partial batch dropped), and
the schedule is the spec language's ``create_scheduler_v2(...)`` call.

args.yaml is written before train.py computes the lr and knows the number of processes:
its ``lr`` is null unless given, and ``--devices`` says the world size.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lrviz import spec as spec_mod
from lrviz.config import TraceOptions
from lrviz.errors import LrvizError
from lrviz.optimizers import TABLE as OPTIMIZERS

from .plan import Plan, Stepping
from .values import number

TIMM = "timm train.py args.yaml"
FACTORY_CALL = "create_scheduler_v2"

# train.py's argparse defaults (timm 1.0.31) for the settings outside scheduler_kwargs that
# the schedule depends on: train.py --config FILE takes the file's values over these.
TRAIN_DEFAULTS: dict[str, Any] = {
    "lr": None,
    "lr_base": 0.1,
    "lr_base_size": 256,
    "lr_base_scale": "",
    "batch_size": 128,
    "grad_accum_steps": 1,
    "opt": "sgd",
    "momentum": 0.9,
    "opt_betas": None,
    "eval_metric": "top1",
    "val_split": "validation",
}

# Keys that mark a file as train.py's arguments.
TIMM_KEYS = ("sched_on_updates", "lr_base", "warmup_epochs", "decay_epochs", "lr_cycle_limit", "lr_k_decay")

# scheduler_kwargs' names for the file's keys, in messages about them
FILE_KEYS = {
    "num_epochs": "epochs",
    "cycle_limit": "lr_cycle_limit",
    "cycle_mul": "lr_cycle_mul",
    "cycle_decay": "lr_cycle_decay",
    "k_decay": "lr_k_decay",
}

# Loader modes whose epoch length depends on more than the dataset's size and the batch.
UNSUPPORTED_LOADERS = ("naflex_loader", "train_img_sizes")


def looks_timm(data: Mapping[str, Any]) -> bool:
    return "sched" in data and any(key in data for key in TIMM_KEYS)


def scheduler_kwargs(cfg: Mapping[str, Any], decreasing_metric: bool | None = None) -> dict[str, Any]:
    """timm's ``scheduler_kwargs(cfg, decreasing_metric)`` on a mapping: each setting with
    timm's default where the file lacks it."""

    def get(key: str, default: Any) -> Any:
        return cfg[key] if key in cfg else default

    if decreasing_metric is not None:
        plateau_mode = "min" if decreasing_metric else "max"
    else:
        plateau_mode = "min" if "loss" in get("eval_metric", "top1") else "max"
    return {
        "sched": cfg["sched"],
        "num_epochs": get("epochs", 100),
        "decay_epochs": get("decay_epochs", 30),
        "decay_milestones": get("decay_milestones", [30, 60]),
        "warmup_epochs": get("warmup_epochs", 5),
        "cooldown_epochs": get("cooldown_epochs", 0),
        "patience_epochs": get("patience_epochs", 10),
        "decay_rate": get("decay_rate", 0.1),
        "min_lr": get("min_lr", 0.0),
        "warmup_lr": get("warmup_lr", 1e-5),
        "warmup_prefix": get("warmup_prefix", False),
        "noise": get("lr_noise", None),
        "noise_pct": get("lr_noise_pct", 0.67),
        "noise_std": get("lr_noise_std", 1.0),
        "noise_seed": get("seed", 42),
        "cycle_mul": get("lr_cycle_mul", 1.0),
        "cycle_decay": get("lr_cycle_decay", 0.1),
        "cycle_limit": get("lr_cycle_limit", 1),
        "k_decay": get("lr_k_decay", 1.0),
        "decay_fn": get("lr_decay_fn", None),
        "stable_timescale": get("lr_stable_timescale", None),
        "plateau_mode": plateau_mode,
        "step_on_epochs": not get("sched_on_updates", False),
    }


def decreasing_metric(data: Mapping[str, Any]) -> bool:
    """train.py's: the eval metric is the loss when there is no validation split."""
    get = {**TRAIN_DEFAULTS, **data}
    eval_metric = get["eval_metric"] if get["val_split"] else "loss"
    return bool(eval_metric == "loss")


def _count(n: int | float) -> str:
    return f"{n:,}" if isinstance(n, int) or float(n).is_integer() else f"{n:g}"


def loader_batches(num_examples: int, batch_size: int, devices: int) -> tuple[int, list[str]]:
    """(len(loader_train), notes): train.py's training loader drops the last partial batch;
    on several processes each reads ceil(N / processes) examples (DistributedSampler pads)."""
    notes = []
    per_device = num_examples
    if devices > 1:
        per_device = -(-num_examples // devices)
        notes.append(
            f"ceil({_count(num_examples)} examples / {devices} processes) = {_count(per_device)} examples per "
            "process (DistributedSampler)"
        )
    batches = per_device // batch_size
    notes.append(
        f"floor({_count(per_device)} examples / batch_size {batch_size}) = {_count(batches)} batches per epoch "
        "(the training loader drops the last partial batch)"
    )
    return batches, notes


def base_lr(data: Mapping[str, Any], devices: int, where: str) -> tuple[float, str | None]:
    """(the optimizer's lr, how): --lr, or --lr-base scaled by the global batch as train.py
    scales it (sqrt for Ada* and LAMB optimizers unless lr_base_scale says)."""
    get = {**TRAIN_DEFAULTS, **{k: v for k, v in data.items() if k in TRAIN_DEFAULTS}}
    lr = number(get, "lr", where)
    if lr:
        return float(lr), None
    batch = float(number(get, "batch_size", where, whole=True))
    accum = max(1, number(get, "grad_accum_steps", where, whole=True))
    global_batch_size = batch * devices * accum
    base_size = number(get, "lr_base_size", where)
    if base_size <= 0:
        raise LrvizError(f"{where}: lr_base_size must be above 0, got {base_size}")
    batch_ratio = global_batch_size / base_size
    scale = str(get["lr_base_scale"] or "")
    if not scale:
        on = str(get["opt"]).lower()
        scale = "sqrt" if any(o in on for o in ("ada", "lamb")) else "linear"
    if scale == "sqrt":
        batch_ratio = batch_ratio**0.5
    lr_base = float(number(get, "lr_base", where))
    value = lr_base * batch_ratio
    by = " x ".join(
        [f"{batch:g}"]
        + ([f"{devices} processes"] if devices != 1 else [])
        + ([f"{accum} accumulated"] if accum != 1 else [])
    )
    root = "**0.5" if scale == "sqrt" else ""
    return value, (
        f"lr not set: lr_base {lr_base:g} x (global batch {global_batch_size:g} ({by}) / lr_base_size "
        f"{base_size:g}){root} = {value:g} ({scale} scaling)"
    )


def _optimizer(data: Mapping[str, Any], where: str) -> tuple[str | None, float | None, tuple[float, float] | None]:
    """(lrviz's name for timm's --opt, momentum, betas). The LR does not depend on the
    optimizer; an unknown one is traced as SGD."""
    get = {**TRAIN_DEFAULTS, **data}
    name = str(get["opt"] or "sgd").lower().split("_")[-1]
    if name in ("momentum", "nesterov"):
        name = "sgd"
    if name not in OPTIMIZERS:
        return None, None, None
    momentum = None
    betas = None
    if OPTIMIZERS[name].momentum_key == "momentum":
        momentum = number(get, "momentum", where)
    raw = get.get("opt_betas")
    if OPTIMIZERS[name].momentum_key == "betas" and isinstance(raw, list) and len(raw) == 2:
        pair = {"beta1": raw[0], "beta2": raw[1]}
        betas = (float(number(pair, "beta1", where)), float(number(pair, "beta2", where)))
    return name, momentum, betas


def scheduled_epochs(kwargs: Mapping[str, Any], updates_per_epoch: int) -> int:
    """The number of epochs create_scheduler_v2 returns, which train.py trains (the timm
    family's own count, from the keyword arguments train.py passes)."""
    from lrviz.families.timm import created_epochs

    return created_epochs(
        kwargs["sched"],
        kwargs["num_epochs"],
        kwargs["warmup_epochs"],
        kwargs["cooldown_epochs"],
        bool(kwargs["warmup_prefix"]),
        updates_per_epoch if not kwargs["step_on_epochs"] else 1,
        kwargs.get("cycle_mul"),  # only the cycling scheds have them
        kwargs.get("cycle_limit"),
    )


def _call_text(kwargs: Mapping[str, Any], updates_per_epoch: int | None) -> str:
    """``create_scheduler_v2(optimizer, sched=..., ...)`` with the arguments train.py passes;
    the spec language keeps those the sched name uses."""
    parts = [f"sched={kwargs['sched']!r}"]
    for key, value in kwargs.items():
        if key == "sched" or (key in ("decay_fn", "stable_timescale") and value is None):
            continue  # None is create_scheduler_v2's own default; older timm lacks them
        parts.append(f"{key}={value!r}")
    if updates_per_epoch:
        parts.append(f"updates_per_epoch={updates_per_epoch}")
    return f"{FACTORY_CALL}(optimizer, {', '.join(parts)})"


def timm_plan(
    data: Mapping[str, Any], where: str, *, num_examples: int | None = None, devices: int | None = None
) -> Plan:
    """The schedule train.py builds from its ``args.yaml``, stepped as train.py steps it."""
    for key in UNSUPPORTED_LOADERS:
        if data.get(key):
            raise LrvizError(
                f"{where}: {key} makes the epoch's length depend on the loader's schedule of batch sizes",
                "plot the schedule with --steps-per-epoch N: timm.cosine(...) and the other timm.<sched> names",
            )
    world = devices or 1
    kwargs = scheduler_kwargs(data, decreasing_metric(data))
    if isinstance(kwargs["sched"], (int, float)) and not isinstance(kwargs["sched"], bool):
        kwargs["sched"] = str(kwargs["sched"])  # train.py's --sched is a string
    sched = str(kwargs["sched"])
    if sched == "none":
        raise LrvizError(f"{where}: sched 'none' makes no scheduler: the LR stays the optimizer's")
    for key in ("num_epochs", "warmup_epochs", "cooldown_epochs", "patience_epochs", "cycle_limit"):
        name = FILE_KEYS.get(key, key)
        kwargs[key] = number({name: kwargs[key]}, name, where, whole=True)
    for key in ("decay_epochs", "decay_rate", "min_lr", "warmup_lr", "cycle_mul", "cycle_decay", "k_decay"):
        name = FILE_KEYS.get(key, key)
        kwargs[key] = number({name: kwargs[key]}, name, where)
    notes: list[str] = []
    per_update = not kwargs["step_on_epochs"]
    batch = number({**TRAIN_DEFAULTS, **data}, "batch_size", where, whole=True)
    accum = max(1, number({**TRAIN_DEFAULTS, **data}, "grad_accum_steps", where, whole=True))
    if batch < 1:
        raise LrvizError(f"{where}: batch_size must be at least 1, got {batch}")
    updates_per_epoch = None
    if num_examples is not None:
        batches, loader_notes = loader_batches(num_examples, batch, world)
        notes += loader_notes
        if batches == 0:
            raise LrvizError(
                f"{_count(num_examples)} examples make no full batch of {batch}"
                + (f" on each of {world} processes" if world != 1 else ""),
                "give more examples or a smaller batch_size",
            )
        updates_per_epoch = (batches + accum - 1) // accum
        if accum != 1:
            notes.append(
                f"ceil({_count(batches)} batches / grad_accum_steps {accum}) = {_count(updates_per_epoch)} "
                "updates per epoch"
            )
        if number(data, "epoch_repeats", where, 0) > 0:
            notes.append(f"epoch_repeats {data['epoch_repeats']}: --num-examples is the examples in one epoch")
    elif per_update:
        raise LrvizError(
            f"{where}: sched_on_updates steps the schedule per update: its length depends on the dataset size",
            "pass --num-examples N (and --devices N for several processes)",
        )
    lr, lr_note = base_lr(data, world, where)
    if lr_note:
        notes.append(lr_note)
    optimizer, momentum, betas = _optimizer(data, where)
    if optimizer is None:
        notes.append(f"opt {data.get('opt')!r}: traced on SGD (the LR does not depend on the optimizer)")
    try:
        epochs = scheduled_epochs(kwargs, updates_per_epoch or 0)
    except (ArithmeticError, TypeError, ValueError) as exc:
        raise LrvizError(f"{where}: the settings give no number of epochs: {exc}") from None
    if epochs < 1:
        raise LrvizError(f"{where}: the settings give {epochs} epochs to train", "set epochs to 1 or more")
    how = "after every update (sched_on_updates)" if per_update else "at the end of every epoch"
    notes.append(f"sched {sched!r}: train.py trains {_count(epochs)} epochs, the LR moving {how}")
    if updates_per_epoch:
        notes.append(
            f"{_count(epochs)} epochs x {_count(updates_per_epoch)} updates = "
            f"{_count(epochs * updates_per_epoch)} updates"
        )
    else:
        notes.append("without --num-examples each step is one epoch")
    start = data.get("start_epoch")
    if isinstance(start, int) and not isinstance(start, bool) and start > 0:
        notes.append(f"start_epoch {start}: the run resumed there; the schedule is drawn from epoch 0")
    factors = tuple((name, k) for name, k in (("grad_accum_steps", accum), ("devices", world)) if k > 1)
    variants = []
    if num_examples is not None and updates_per_epoch and accum != 1 and per_update:
        # a loop of its own that gives create_scheduler_v2 the batches per epoch, not the updates
        batches = loader_batches(num_examples, batch, world)[0]
        variants.append((f"updates_per_epoch {batches}, the batches, not the {updates_per_epoch} updates", batches))

    def build(per_epoch: int | None, notes: tuple[str, ...] = ()) -> Plan:
        text = _call_text(kwargs, per_epoch)
        try:
            spec = spec_mod.parse(text)
        except LrvizError as exc:
            raise LrvizError(f"{where}: sched {sched!r}: {exc.message}", exc.hint) from None
        steps = epochs * per_epoch if per_epoch else epochs
        return Plan(
            spec=spec,
            options=TraceOptions(steps=steps, optimizer=optimizer, lr=lr, momentum=momentum, betas=betas),
            stepping=Stepping("step", 1, updates_per_epoch),
            source=f"{where} ({TIMM})",
            notes=notes,
            updates=steps if per_epoch else None,
            factors=factors,
            # per epoch, the updates per epoch move only where step(epoch) falls, not the schedule
            rebuild=rebuild if per_update else None,
            variants=tuple((text, epochs * k) for text, k in variants),
        )

    def rebuild(updates: int) -> Plan:
        """The same arguments with the updates per epoch that make ``updates`` in all."""
        return build(max(1, updates // epochs))

    return build(updates_per_epoch, tuple(notes))
