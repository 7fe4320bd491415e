"""``--from FILE``: the schedule a training config builds, with its step counts computed as
the framework computes them.

* Hugging Face ``TrainingArguments`` as JSON or YAML (``TrainingArguments.to_json_string()``,
  TRL and recipe files): the Trainer's ``get_scheduler(lr_scheduler_type, ...)`` call with
  the number of update steps and warmup steps of ``Trainer.set_initial_training_values``
  and ``TrainingArguments.get_warmup_steps`` (transformers 5).
* LightningCLI YAML: ``optimizer`` and ``lr_scheduler`` as ``class_path``/``init_args``, the
  ``trainer`` section's epochs, steps and gradient accumulation, and Lightning's ``interval``
  and ``frequency``.
* timm's ``args.yaml``: :mod:`lrviz.training.timm_config`.

A config cannot hold the dataset's size or the number of devices: ``num_examples`` and
``devices`` come from the command line. Every number derived is said in :attr:`Plan.notes`.
Schedules are found through the registry, as the spec language finds them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lrviz import registry
from lrviz import spec as spec_mod
from lrviz.config import TraceOptions
from lrviz.errors import LrvizError
from lrviz.spec import Spec

from .plan import Plan, Stepping
from .values import number

HF = "Hugging Face TrainingArguments"
LIGHTNING = "LightningCLI"

# TrainingArguments' defaults (transformers 5.23) for the fields the schedule depends on;
# tests/test_training_configs.py compares them with the installed TrainingArguments.
HF_DEFAULTS: dict[str, Any] = {
    "learning_rate": 5e-5,
    "lr_scheduler_type": "linear",
    "lr_scheduler_kwargs": {},
    "warmup_steps": 0,
    "num_train_epochs": 3.0,
    "max_steps": -1,
    "per_device_train_batch_size": 8,
    "gradient_accumulation_steps": 1,
    "dataloader_drop_last": False,
    "adam_beta1": 0.9,
    "adam_beta2": 0.999,
}
HF_KEYS = ("lr_scheduler_type", "per_device_train_batch_size", "gradient_accumulation_steps", "warmup_ratio")

# Lightning's Trainer defaults: max_epochs=None and max_steps=-1 train for 1000 epochs.
LIGHTNING_MAX_EPOCHS = 1000


def load(path: str | Path, *, num_examples: int | None = None, devices: int | None = None) -> Plan:
    """The plan of the training config at ``path``."""
    from .timm_config import looks_timm, timm_plan

    data = read(path)
    where = str(path)
    if looks_timm(data):
        return timm_plan(data, where, num_examples=num_examples, devices=devices)
    if looks_lightning(data):
        return lightning_plan(data, where, num_examples=num_examples, devices=devices)
    if looks_hf(data):
        return hf_plan(data, where, num_examples=num_examples, devices=devices)
    keys = ", ".join(list(data)[:6])
    raise LrvizError(
        f"{where} is neither Hugging Face TrainingArguments, a LightningCLI config nor timm's args.yaml "
        f"(its keys: {keys})",
        "--from reads TrainingArguments (lr_scheduler_type, warmup_steps, ...) as JSON or YAML, "
        "a LightningCLI YAML with optimizer and lr_scheduler class_path/init_args, "
        "or the args.yaml timm's train.py writes (sched, epochs, warmup_epochs, ...)",
    )


def read(path: str | Path) -> dict[str, Any]:
    """A JSON or YAML file's top-level mapping."""
    where = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise LrvizError(f"training config '{where}' does not exist") from None
    except IsADirectoryError:
        raise LrvizError(f"training config '{where}' is a folder", "give a .json or .yaml file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise LrvizError(f"cannot read training config '{where}': {exc}") from None
    data: Any
    if Path(path).suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise LrvizError(f"{where} is not valid JSON: {exc.msg} at line {exc.lineno}") from None
    else:
        try:
            import yaml
        except ImportError:
            raise LrvizError(f"reading {where} needs PyYAML", "pip install pyyaml") from None
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise LrvizError(f"{where} is not valid YAML: {' '.join(str(exc).split())}") from None
    if not isinstance(data, dict):
        raise LrvizError(f"{where} holds no mapping of settings", "give TrainingArguments or a LightningCLI config")
    return data


def looks_hf(data: Mapping[str, Any]) -> bool:
    return any(key in data for key in HF_KEYS) or ("learning_rate" in data and "num_train_epochs" in data)


def looks_lightning(data: Mapping[str, Any]) -> bool:
    return any(isinstance(data.get(key), Mapping) for key in ("trainer", "lr_scheduler")) or (
        isinstance(data.get("optimizer"), Mapping) and "class_path" in data["optimizer"]
    )


# --------------------------------------------------------------------------------------
# Values


def _count(n: int | float) -> str:
    return f"{n:,}" if isinstance(n, int) or float(n).is_integer() else f"{n:g}"


def _warmups(n: int) -> str:
    return f"{_count(n)} warmup step{'s' if n != 1 else ''}"


def _need(value: int | None, where: str, why: str, option: str) -> int:
    if value is None:
        raise LrvizError(f"{where}: {why}", f"pass {option}")
    return value


# --------------------------------------------------------------------------------------
# Hugging Face TrainingArguments


def hf_batches(num_examples: int, per_device: int, devices: int, drop_last: bool) -> int:
    """The per-process dataloader's batches: ceil(ceil(N / batch) / devices) = ceil(N / (batch x devices))."""
    total_batch = per_device * devices
    return num_examples // total_batch if drop_last else -(-num_examples // total_batch)


def hf_steps(
    *,
    num_examples: int | None,
    per_device: int,
    devices: int,
    accumulation: int,
    epochs: float,
    max_steps: int,
    drop_last: bool = False,
) -> tuple[int, int | None, list[str]]:
    """(update steps, update steps per epoch or None, notes), as Trainer.set_initial_training_values
    computes them: the per-process dataloader holds ceil(N / (batch x devices)) batches
    (accelerate shards the batches; floor with dataloader_drop_last), an epoch has
    ceil(batches / gradient_accumulation_steps) updates (at least 1), and without max_steps
    the run has ceil(num_train_epochs x that) updates."""
    notes: list[str] = []
    per_epoch = None
    if num_examples is not None:
        total_batch = per_device * devices
        rounding = "floor" if drop_last else "ceil"
        batches = hf_batches(num_examples, per_device, devices, drop_last)
        by = f"{per_device} per device" + (f" x {devices} devices" if devices != 1 else "")
        notes.append(
            f"{rounding}({_count(num_examples)} examples / ({by})) = {_count(batches)} batches per device per epoch"
        )
        if batches == 0:
            if max_steps <= 0:
                raise LrvizError(
                    f"{_count(num_examples)} examples make no batch of {total_batch}",
                    "give more examples or a smaller batch",
                )
        else:
            per_epoch = max(-(-batches // accumulation), 1)
            if accumulation != 1:
                notes.append(
                    f"ceil({_count(batches)} batches / gradient_accumulation_steps {accumulation}) = "
                    f"{_count(per_epoch)} update steps per epoch"
                )
    if max_steps > 0:
        notes.append(f"max_steps {_count(max_steps)} update steps (num_train_epochs is not used)")
        return max_steps, per_epoch, notes
    if per_epoch is None:
        raise LrvizError(
            f"the run lasts num_train_epochs={epochs:g}: its number of update steps depends on the dataset size",
            "pass --num-examples N (and --devices N for several devices), or set max_steps",
        )
    total = math.ceil(epochs * per_epoch)
    notes.append(f"ceil({epochs:g} epochs x {_count(per_epoch)}) = {_count(total)} update steps")
    return total, per_epoch, notes


def hf_warmup(warmup_steps: float, warmup_ratio: float | None, total: int) -> tuple[int, str]:
    """(warmup steps, how): TrainingArguments.get_warmup_steps. transformers 5 reads a
    warmup_steps below 1 as a ratio of the update steps; files of transformers 4 have
    warmup_ratio, used when warmup_steps is 0."""
    if warmup_ratio is not None and warmup_steps <= 0:
        steps = math.ceil(total * warmup_ratio)
        return steps, f"warmup_ratio {warmup_ratio:g} of {_count(total)} update steps = {_warmups(steps)}"
    if warmup_steps >= 1:
        return int(warmup_steps), f"warmup_steps {_count(int(warmup_steps))}"
    steps = math.ceil(total * warmup_steps)
    if warmup_steps == 0:
        return steps, "no warmup (warmup_steps 0)"
    return steps, (
        f"warmup_steps {warmup_steps:g} (below 1: a ratio) of {_count(total)} update steps = {_warmups(steps)}"
    )


def hf_plan(
    data: Mapping[str, Any], where: str, *, num_examples: int | None = None, devices: int | None = None
) -> Plan:
    """The schedule Trainer.create_scheduler builds from these TrainingArguments."""
    get = {**HF_DEFAULTS, **{k: v for k, v in data.items() if v is not None}}
    scheduler_type = str(get["lr_scheduler_type"])
    scheduler_type = (
        scheduler_type.split(".")[-1].lower() if scheduler_type.startswith("SchedulerType.") else scheduler_type
    )
    kwargs = get["lr_scheduler_kwargs"] or {}
    if isinstance(kwargs, str):
        try:
            kwargs = json.loads(kwargs) if kwargs.strip() else {}
        except json.JSONDecodeError:
            raise LrvizError(f"{where}: lr_scheduler_kwargs is not a JSON object: {kwargs!r}") from None
    if not isinstance(kwargs, Mapping):
        raise LrvizError(f"{where}: lr_scheduler_kwargs must be a mapping, got {kwargs!r}")
    accumulation = number(get, "gradient_accumulation_steps", where, whole=True)
    per_device = number(get, "per_device_train_batch_size", where, whole=True)
    if accumulation < 1 or per_device < 1:
        raise LrvizError(f"{where}: per_device_train_batch_size and gradient_accumulation_steps must be at least 1")
    world = devices or 1
    total, per_epoch, notes = hf_steps(
        num_examples=num_examples,
        per_device=per_device,
        devices=world,
        accumulation=accumulation,
        epochs=number(get, "num_train_epochs", where),
        max_steps=number(get, "max_steps", where, whole=True),
        drop_last=bool(get["dataloader_drop_last"]),
    )
    ratio = number(data, "warmup_ratio", where)
    warmup_setting = number(get, "warmup_steps", where)
    lr = float(number(get, "learning_rate", where))
    betas = (float(number(get, "adam_beta1", where)), float(number(get, "adam_beta2", where)))

    def build(updates: int, notes: tuple[str, ...] = ()) -> Plan:
        warmup, _ = hf_warmup(warmup_setting, ratio, updates)
        text = (
            f"get_scheduler({scheduler_type!r}, optimizer, num_warmup_steps={warmup}, num_training_steps={updates}"
            + (f", scheduler_specific_kwargs={dict(kwargs)!r})" if kwargs else ")")
        )
        try:
            spec = spec_mod.parse(text)
        except LrvizError as exc:
            raise LrvizError(f"{where}: lr_scheduler_type {scheduler_type!r}: {exc.message}", exc.hint) from None
        return Plan(
            spec=spec,
            options=TraceOptions(steps=updates, optimizer="adamw", lr=lr, betas=betas),
            stepping=Stepping("step", 1, per_epoch, batches, accumulation),
            source=f"{where} ({HF})",
            notes=notes,
            updates=updates,
            factors=tuple((name, k) for name, k in factors if k > 1),
            rebuild=build,
            variants=tuple(variants),
        )

    factors = [("gradient_accumulation_steps", accumulation), ("devices", world)]
    batches = None
    if num_examples is not None:
        batches = hf_batches(num_examples, per_device, world, bool(get["dataloader_drop_last"])) or None
    variants: list[tuple[str, int]] = []
    if num_examples is not None and number(get, "max_steps", where, whole=True) <= 0:
        settings = [(f"{d} device{'s' if d != 1 else ''}, not {world}", d, accumulation) for d in (1, 2, 4, 8)]
        if accumulation != 1:
            settings.append((f"gradient_accumulation_steps left out (1, not {accumulation})", world, 1))
        for text, d, a in settings:
            if (d, a) == (world, accumulation):
                continue
            other, _, _ = hf_steps(
                num_examples=num_examples,
                per_device=per_device,
                devices=d,
                accumulation=a,
                epochs=number(get, "num_train_epochs", where),
                max_steps=-1,
                drop_last=bool(get["dataloader_drop_last"]),
            )
            variants.append((text, other))
    notes.append(hf_warmup(warmup_setting, ratio, total)[1])
    return build(total, tuple(notes))


# --------------------------------------------------------------------------------------
# LightningCLI


def _class_node(node: Any, where: str, key: str) -> tuple[str, dict[str, Any]]:
    """(class_path, init_args) of a jsonargparse class node (or a bare class name)."""
    if isinstance(node, str):
        return node, {}
    if not isinstance(node, Mapping) or "class_path" not in node:
        raise LrvizError(f"{where}: {key} must have a class_path (and init_args)")
    init = node.get("init_args") or {}
    if not isinstance(init, Mapping):
        raise LrvizError(f"{where}: {key}.init_args must be a mapping")
    return str(node["class_path"]), dict(init)


def _schedule_name(class_path: str) -> str:
    """The registry's name for a class_path: a family's (module prefixes allowed), else a
    user's class as module:Class."""
    if registry.find(class_path) is not None or "." not in class_path:
        return class_path
    module, _, cls = class_path.rpartition(".")
    return f"{module}:{cls}"


def lightning_spec(node: Any, where: str, key: str) -> Spec:
    """A scheduler's class node (``class_path``/``init_args``) as a spec; nested schedulers
    (SequentialLR's) too."""
    class_path, init = _class_node(node, where, key)
    values: dict[str, Any] = {}
    for name, value in init.items():
        if name == "optimizer":
            continue
        if isinstance(value, list) and value and all(isinstance(v, Mapping) and "class_path" in v for v in value):
            value = [{"spec": lightning_spec(v, where, f"{key}.init_args.{name}").format()} for v in value]
        values[name] = value
    try:
        return spec_mod.from_values(_schedule_name(class_path), values)
    except LrvizError as exc:
        raise LrvizError(f"{where}: {key} ({class_path}): {exc.message}", exc.hint) from None


def _devices(value: Any, where: str) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    if isinstance(value, list):
        return len(value)
    if isinstance(value, str):
        text = value.strip()
        if "," in text:
            return len([v for v in text.split(",") if v.strip()])
        if text.isdigit() and int(text) > 0:
            return int(text)
    return None


def _find_key(node: Any, key: str, depth: int = 0) -> Any:
    """The first value of ``key`` in nested mappings (a data module's batch_size)."""
    if not isinstance(node, Mapping) or depth > 4:
        return None
    if key in node:
        return node[key]
    for value in node.values():
        found = _find_key(value, key, depth + 1)
        if found is not None:
            return found
    return None


def lightning_plan(
    data: Mapping[str, Any], where: str, *, num_examples: int | None = None, devices: int | None = None
) -> Plan:
    """The schedule a LightningCLI config builds, stepped as Lightning's loop steps it."""
    node = data.get("lr_scheduler")
    if node is None:
        raise LrvizError(f"{where} has no lr_scheduler", "add lr_scheduler: {class_path: ..., init_args: {...}}")
    interval, frequency = "epoch", 1
    notes: list[str] = []
    if isinstance(node, Mapping) and "scheduler" in node:
        # Lightning's scheduler config: {scheduler: ..., interval: step|epoch, frequency: N}
        interval = str(node.get("interval", "epoch"))
        frequency = number(node, "frequency", where, 1, whole=True)
        node = node["scheduler"]
    elif isinstance(node, Mapping) and ("interval" in node or "frequency" in node):
        interval = str(node.get("interval", "epoch"))
        frequency = number(node, "frequency", where, 1, whole=True)
        node = {k: v for k, v in node.items() if k not in ("interval", "frequency")}
    else:
        notes.append("LightningCLI steps the lr_scheduler it configures once per epoch (interval 'epoch')")
    if interval not in ("step", "epoch"):
        raise LrvizError(f"{where}: lr_scheduler interval must be 'step' or 'epoch', got {interval!r}")
    if frequency < 1:
        raise LrvizError(f"{where}: lr_scheduler frequency must be at least 1, got {frequency}")
    spec = lightning_spec(node, where, "lr_scheduler")
    optimizer, lr, betas, momentum = None, None, None, None
    opt_node = data.get("optimizer")
    if opt_node is not None:
        opt_path, opt_args = _class_node(opt_node, where, "optimizer")
        optimizer = opt_path.rpartition(".")[2].lower()
        lr = number(opt_args, "lr", where)
        momentum = number(opt_args, "momentum", where)
        raw_betas = opt_args.get("betas")
        if isinstance(raw_betas, list) and len(raw_betas) == 2:
            betas = (float(raw_betas[0]), float(raw_betas[1]))
    if lr is None:
        notes.append(f"{where} gives no optimizer lr: tracing with --lr or 0.1")
    trainer = data.get("trainer") or {}
    if not isinstance(trainer, Mapping):
        raise LrvizError(f"{where}: trainer must be a mapping")
    accumulation = number(trainer, "accumulate_grad_batches", where, 1, whole=True)
    max_steps = number(trainer, "max_steps", where, -1, whole=True)
    max_epochs = number(trainer, "max_epochs", where, None, whole=True)
    world = devices or _devices(trainer.get("devices", 1), where) or 1
    world *= number(trainer, "num_nodes", where, 1, whole=True)
    batch_size = number({"batch_size": _find_key(data.get("data"), "batch_size")}, "batch_size", where, whole=True)
    per_epoch = None
    batches = None
    if num_examples is not None and batch_size:
        batches = -(-num_examples // (batch_size * world))
        by = f"batch_size {batch_size}" + (f" x {world} devices" if world != 1 else "")
        notes.append(f"ceil({_count(num_examples)} examples / ({by})) = {_count(batches)} batches per device per epoch")
        limit = trainer.get("limit_train_batches")
        if isinstance(limit, int) and not isinstance(limit, bool) and limit > 0 and limit < batches:
            batches = limit
            notes.append(f"limit_train_batches {limit}: {limit} batches per epoch")
        elif isinstance(limit, float) and 0 < limit < 1:
            batches = int(batches * limit)
            notes.append(f"limit_train_batches {limit:g}: {batches} batches per epoch")
        per_epoch = -(-batches // accumulation)
        if accumulation != 1:
            notes.append(
                f"ceil({batches} batches / accumulate_grad_batches {accumulation}) = {per_epoch} updates per epoch"
            )
    epochs = max_epochs if max_epochs is not None else (None if max_steps > 0 else LIGHTNING_MAX_EPOCHS)
    if max_epochs is None and max_steps <= 0:
        notes.append(f"no max_epochs or max_steps: Lightning trains for {LIGHTNING_MAX_EPOCHS} epochs")
    updates = None
    if per_epoch is not None and epochs is not None:
        updates = per_epoch * epochs
        if max_steps > 0:
            updates = min(updates, max_steps)
    elif max_steps > 0:
        updates = max_steps
    stepping = Stepping(interval, frequency, per_epoch, batches, accumulation)
    if interval == "epoch":
        if epochs is None:
            epochs = -(-max_steps // per_epoch) if per_epoch else None
        if epochs is None:
            raise LrvizError(f"{where}: the scheduler steps per epoch: give trainer.max_epochs")
        steps = epochs // frequency + 1
        notes.append(
            f"interval 'epoch'{f', frequency {frequency}' if frequency != 1 else ''}: "
            f"{_count(epochs)} epochs = {_count(epochs // frequency)} scheduler steps"
        )
    else:
        updates = _need(
            updates,
            where,
            "the scheduler steps per update and the number of updates depends on the dataset size",
            "--num-examples N (with a batch_size in the data section), or set trainer.max_steps",
        )
        if per_epoch is None and frequency != 1:
            raise LrvizError(
                f"{where}: frequency {frequency} per step needs the batches per epoch", "pass --num-examples N"
            )
        import numpy as np

        steps = int(stepping.index(np.array([updates - 1]))[0]) + 1
        notes.append(
            f"interval 'step'{f', frequency {frequency}' if frequency != 1 else ''}: "
            f"{_count(updates)} updates = {_count(steps)} scheduler steps"
        )
    factors = [("accumulate_grad_batches", accumulation), ("devices", world)]
    return Plan(
        spec=spec,
        options=TraceOptions(steps=steps, optimizer=optimizer, lr=lr, betas=betas, momentum=momentum),
        stepping=stepping,
        source=f"{where} ({LIGHTNING})",
        notes=tuple(notes),
        updates=updates,
        factors=tuple((name, k) for name, k in factors if k > 1),
    )
