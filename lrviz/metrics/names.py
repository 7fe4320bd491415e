"""What a log's column or key names say: loss-like or accuracy-like (:func:`mode_of`), a
step, epoch, time or learning-rate column rather than a metric, and which one to pick."""

from __future__ import annotations

import re
from typing import Any

from lrviz.errors import LrvizError


def _tokens(name: str) -> list[str]:
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)
    return [t for t in re.split(r"[^a-z0-9]+", spaced.lower()) if t]


_MIN_TOKENS = {"loss", "error", "err", "perplexity", "ppl", "mse", "mae", "rmse", "nll", "wer", "cer", "cost", "bpd"}
_MAX_TOKENS = {
    "acc",
    "accuracy",
    "top1",
    "top5",
    "f1",
    "auc",
    "auroc",
    "precision",
    "recall",
    "map",
    "bleu",
    "rouge",
    "rouge1",
    "rouge2",
    "rougel",
    "iou",
    "miou",
    "dice",
    "psnr",
    "ssim",
    "r2",
    "reward",
    "ndcg",
    "mrr",
    "score",
}


def mode_of(name: str) -> str | None:
    """ "min" for a loss-like name, "max" for an accuracy-like one, None when unsure."""
    tokens = set(_tokens(name))
    if tokens & _MIN_TOKENS:
        return "min"
    if tokens & _MAX_TOKENS:
        return "max"
    return None


_BOOKKEEPING = {
    "step",
    "steps",
    "global_step",
    "epoch",
    "epochs",
    "it",
    "iter",
    "iters",
    "iteration",
    "iterations",
    "batch",
    "batch_idx",
    "index",
    "idx",
    "id",
    "n",
    "time",
    "timestamp",
    "wall_time",
    "walltime",
    "elapsed",
    "lr",
    "learning_rate",
    "momentum",
}
_BOOKKEEPING_LAST = {"step", "steps", "epoch", "epochs", "iter", "iteration", "iterations", "time", "timestamp", "idx"}
_BOOKKEEPING_ANY = {"lr", "runtime", "flos", "unnamed"}


def bookkeeping(name: str) -> bool:
    """A step, epoch, time or learning-rate column: numeric, but not a metric."""
    leaf = re.split(r"[/.]", name.strip())[-1]
    tokens = _tokens(leaf)
    if "_".join(tokens) in _BOOKKEEPING or not tokens:
        return True
    if tokens[-1] in _BOOKKEEPING_LAST or set(tokens) & _BOOKKEEPING_ANY:
        return True
    joined = "_".join(tokens)
    return "learning_rate" in joined or "per_second" in joined


def _rank(names: list[str]) -> list[str]:
    """Metric-like names first (validation ones first of all), otherwise in file order."""

    def key(name: str) -> int:
        tokens = set(_tokens(name))
        metric_like = mode_of(name) is not None
        held_out = bool(tokens & {"val", "valid", "validation", "eval", "test", "dev"})
        return 0 if metric_like and held_out else 1 if metric_like else 2

    return sorted(names, key=key)


def choose(candidates: list[str], numeric: list[str], shown: str, what: str, prefix: str = "") -> str:
    """The one non-bookkeeping numeric candidate, or an error listing them (``prefix``: the
    dotted path the candidates sit under, for the hint)."""
    if len(candidates) == 1:
        return candidates[0]
    at = f"{shown}:{prefix}." if prefix else f"{shown}:"
    within = f" in {prefix}" if prefix else ""
    if not candidates:
        if numeric:
            raise LrvizError(
                f"{shown} has only step, epoch, time or learning-rate {what}s{within} ({list_names(numeric)})",
                f"pick one anyway with {at}{numeric[0]}",
            )
        raise LrvizError(f"{shown} has no numeric {what}{within} to use as the metric")
    ranked = _rank(candidates)
    raise LrvizError(
        f"{shown} has several numeric {what}s{within} ({list_names(ranked)})", f"pick one, e.g. {at}{ranked[0]}"
    )


def list_names(names: list[str], most: int = 8) -> str:
    shown = ", ".join(names[:most])
    return f"{shown}, ... {len(names) - most} more" if len(names) > most else shown


def brief(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def as_number(text: str) -> float | None:
    try:
        return float(text)
    except (ValueError, OverflowError):
        return None
