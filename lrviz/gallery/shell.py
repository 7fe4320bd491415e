"""The one ``lrviz plot``/``lrviz compare`` command that draws a gallery figure: printed
under each figure on the gallery's pages."""

from __future__ import annotations

import re
import shlex

from lrviz.config import Config


def quote(text: str) -> str:
    """Shell quoting that keeps a spec readable: double quotes when they suffice."""
    if re.fullmatch(r"[A-Za-z0-9_.,:=+/@%-]+", text):
        return text
    if not re.search(r'["$`\\!]', text):
        return f'"{text}"'
    return shlex.quote(text)


def _number(value: float) -> str:
    return repr(int(value)) if float(value).is_integer() and abs(value) < 1e16 else repr(value)


def command(config: Config, out: str) -> str:
    """``lrviz plot``/``lrviz compare`` with every schedule, option and label of ``config``."""
    from lrviz.runs import labels as default_labels

    runs = config.runs
    words = ["lrviz", "plot" if len(runs) == 1 else "compare"]
    words += [quote(" ".join(run.spec.format().split())) for run in runs]
    t, f = config.trace, config.figure
    if t.steps is not None:
        words += ["-n", str(t.steps)]
    if t.steps_per_epoch is not None:
        words += ["--steps-per-epoch", str(t.steps_per_epoch)]
    if t.optimizer is not None:
        words += ["--optimizer", t.optimizer]
    if t.lr is not None:
        words += ["--lr", _number(t.lr)]
    for lr in t.group_lr or ():
        words += ["--group-lr", _number(lr)]
    if t.momentum is not None:
        words += ["--momentum", _number(t.momentum)]
    if t.betas is not None:
        words += ["--betas", ",".join(_number(b) for b in t.betas)]
    if t.metric is not None:
        words += ["--metric", quote(t.metric)]
    given = [run.label for run in runs]
    if any(given):
        last = max(i for i, g in enumerate(given) if g)
        shown = default_labels([run.spec for run in runs], given)
        for label in shown[: last + 1]:
            words += ["--label", quote(label)]
    if f.title is not None:
        words += ["--title", quote(f.title)]
    if f.layout is not None and len(runs) > 1:
        words += ["--layout", f.layout]
    if f.log:
        words.append("--log")
    if f.size is not None:
        words += ["--size", f.size]
    if f.dpi is not None:
        words += ["--dpi", str(f.dpi)]
    if f.style is not None:
        words += ["--style", quote(f.style)]
    if f.annotate:
        words.append("--annotate")
    words += ["-o", quote(out)]
    return " ".join(words)
