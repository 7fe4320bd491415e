"""The equivalent torch code for a schedule: what the user would have written by hand.

Each family says how its schedule is built in Python (an expression on ``optimizer``, the
imports it needs and any definitions, such as seed 002's scheduler classes) with a
:class:`CodeParts`; torch's classes need nothing beyond ``lr_scheduler.Name(...)``.
Composites gather their children's parts, so a SequentialLR of a Hugging Face warmup and a
torch class imports both.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .optimizers import DEFAULT_SGD_MOMENTUM, OptimizerSpec
from .spec import Spec

_CLASS_NAMES = {
    "sgd": "SGD",
    "adam": "Adam",
    "adamw": "AdamW",
    "nadam": "NAdam",
    "radam": "RAdam",
    "adamax": "Adamax",
    "rmsprop": "RMSprop",
    "adagrad": "Adagrad",
    "adadelta": "Adadelta",
    "adafactor": "Adafactor",
    "asgd": "ASGD",
    "rprop": "Rprop",
    "sparseadam": "SparseAdam",
    "lbfgs": "LBFGS",
    "muon": "Muon",
}

TORCH_IMPORT = "from torch.optim import lr_scheduler"


@dataclass(frozen=True)
class CodeParts:
    """How one schedule is written in Python."""

    expr: str  # builds the scheduler on the variable named by the caller (``optimizer``)
    imports: tuple[str, ...] = ()  # e.g. "from transformers import get_scheduler"
    definitions: tuple[str, ...] = ()  # source blocks (classes, functions) that expr needs


def parts(spec: Spec, optimizer: str = "optimizer") -> CodeParts:
    """The code for ``spec`` and everything its children need."""
    imports: list[str] = []
    definitions: list[str] = []
    for node in _walk(spec):
        if node.entry.code is not None:
            own: CodeParts = node.entry.code(node, optimizer)
            imports.extend(own.imports)
            definitions.extend(own.definitions)
        else:
            imports.append(TORCH_IMPORT)
    return CodeParts(spec.to_code(optimizer), tuple(dict.fromkeys(imports)), tuple(dict.fromkeys(definitions)))


def _walk(spec: Spec) -> list[Spec]:
    out = [spec]
    for child in spec.children():
        out.extend(_walk(child))
    return out


MAX_EMBEDDED_METRIC = 5000
"""A metric up to this long is written into the script, so that it runs as it is."""


def torch_code(
    spec: Spec,
    opt: OptimizerSpec | None = None,
    steps: int = 100,
    metric: Sequence[float] | None = None,
    steps_per_epoch: int = 1,
) -> str:
    """A runnable script that builds the optimizer and scheduler and records the LR that
    each training iteration uses, exactly as lrviz traces it. A metric-driven schedule is
    stepped with ``metric`` (written into the script when it is short enough), once per
    step, or once per epoch of ``steps_per_epoch`` steps."""
    opt = opt or OptimizerSpec()
    cls = _CLASS_NAMES.get(opt.name, opt.name)
    kwargs = []
    if opt.momentum is not None:
        kwargs.append(f"momentum={opt.momentum!r}")
    elif cls == "SGD":
        kwargs.append(f"momentum={DEFAULT_SGD_MOMENTUM!r}")
    if opt.betas is not None:
        kwargs.append(f"betas={tuple(opt.betas)!r}")
    if len(opt.lrs) == 1:
        params = "[torch.nn.Parameter(torch.zeros(2, 2))]"
        opt_args = ", ".join([params, f"lr={opt.lrs[0]!r}", *kwargs])
    else:
        groups = ", ".join(f'{{"params": [torch.nn.Parameter(torch.zeros(2, 2))], "lr": {lr!r}}}' for lr in opt.lrs)
        opt_args = ", ".join([f"[{groups}]", f"lr={opt.lr!r}", *kwargs])
    code = parts(spec)
    needs_metric = spec.entry.needs_metric
    embedded = needs_metric and metric is not None and 0 < len(metric) <= MAX_EMBEDDED_METRIC
    lines = ["import math", "", "import torch", *code.imports, ""]
    for block in code.definitions:
        lines += ["", block.rstrip("\n"), ""]
    lines += [
        f"optimizer = torch.optim.{cls}({opt_args})",
        f"scheduler = {code.expr}",
    ]
    if embedded:
        assert metric is not None
        lines += ["", f"# the metric lrviz used, one value per {'epoch' if steps_per_epoch > 1 else 'step'}"]
        lines.append("metric = [" + ", ".join(repr(float(v)) for v in metric) + "]")
    lines += [
        "",
        "lrs = []",
        f"for step in range({steps}):",
        "    # forward pass, loss.backward() and optimizer.step() go here",
        "    optimizer.step()",
        '    lrs.append([group["lr"] for group in optimizer.param_groups])',
    ]
    if not needs_metric:
        lines.append("    scheduler.step()")
    elif steps_per_epoch > 1:
        value = "metric[(step + 1) // K - 1]" if embedded else "val_loss"
        lines += [
            f"    if (step + 1) % {steps_per_epoch} == 0:  # the end of an epoch".replace("K", str(steps_per_epoch)),
            *([] if embedded else ["        val_loss = ...  # computed on your validation set"]),
            f"        scheduler.step({value.replace('K', str(steps_per_epoch))})",
        ]
    elif embedded:
        lines.append("    scheduler.step(metric[step])  # in training: your validation metric")
    else:
        lines.append("    val_loss = ...  # computed on your validation set")
        lines.append("    scheduler.step(val_loss)")
    return "\n".join(lines) + "\n"
