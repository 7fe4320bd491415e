"""The equivalent torch code for a schedule: what the user would have written by hand.

Each family says how its schedule is built in Python (an expression on ``optimizer``, the
imports it needs and any definitions, such as a book's scheduler classes) with a
:class:`~lrviz.schedule.CodeParts`, or, for a plain ``lr_scheduler.Name(optimizer, ...)``
call, the import it needs. Composites gather their children's parts, so a composite of a
Hugging Face warmup and a torch class imports both.
"""

from __future__ import annotations

from collections.abc import Sequence

from . import optimizers
from .optimizers import DEFAULT_SGD_MOMENTUM, OptimizerSpec
from .schedule import CodeParts, Spec


def parts(spec: Spec, optimizer: str = "optimizer") -> CodeParts:
    """The code for ``spec`` and everything its children need."""
    imports: list[str] = []
    definitions: list[str] = []
    for node in spec.walk():
        if node.entry.code is not None:
            own = node.entry.code(node, optimizer)
            imports.extend(own.imports)
            definitions.extend(own.definitions)
        elif node.entry.code_import:
            imports.append(node.entry.code_import)
    return CodeParts(spec.to_code(optimizer), tuple(dict.fromkeys(imports)), tuple(dict.fromkeys(definitions)))


MAX_EMBEDDED_METRIC = 5000
"""A metric up to this long is written into the script, so that it runs as it is."""


def torch_code(
    spec: Spec,
    opt: OptimizerSpec | None = None,
    steps: int = 100,
    metric: Sequence[float] | None = None,
    steps_per_epoch: int = 1,
    epoch_length: int | None = None,
) -> str:
    """A runnable script that builds the optimizer and scheduler and records the LR that
    each training iteration uses, exactly as lrviz traces it. A metric-driven schedule is
    stepped with ``metric`` (written into the script when it is short enough), once per
    step, or once per epoch of ``steps_per_epoch`` steps. A schedule whose library has its
    own training loop is stepped as that loop does, with epochs of ``epoch_length`` steps
    (the trace's; see :meth:`lrviz.schedule.Loop.epoch_length`)."""
    opt = opt or OptimizerSpec()
    cls = optimizers.class_name(opt.name)
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
    loop = spec.entry.loop(spec) if spec.entry.loop is not None else None
    if loop is not None:
        epoch_length = loop.epoch_length(epoch_length)
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
        per_epoch = steps_per_epoch > 1 or (loop is not None and epoch_length is not None)
        lines += ["", f"# the metric lrviz used, one value per {'epoch' if per_epoch else 'step'}"]
        lines.append("metric = [" + ", ".join(repr(float(v)) for v in metric) + "]")
    lines += [
        "",
        "lrs = []",
        f"for step in range({steps}):",
        "    # forward pass, loss.backward() and optimizer.step() go here",
        "    optimizer.step()",
        '    lrs.append([group["lr"] for group in optimizer.param_groups])',
    ]
    if loop is not None:
        lines += loop.code(epoch_length, embedded)
    elif not needs_metric:
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
