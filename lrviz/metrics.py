"""Where ReduceLROnPlateau's metric comes from: a seeded synthetic pattern, or a training log.

:func:`parse` turns the text a user gives into a :class:`Metric`:

* ``synthetic:NAME[,key=value...]``: a built-in pattern from :data:`PATTERNS` (a loss that
  plateaus, an accuracy that stalls, a noisy loss, an overfitting validation loss, a loss
  that improves in bursts), seeded, so the same text always gives the same values;
* ``PATH[:COLUMN]``: values read from a log. ``.csv``/``.tsv`` have a header row and
  COLUMN is a name or a 0-based index; ``.json`` holds a list of numbers, an object or a
  list of records, and COLUMN may be a dotted path (``log_history.eval_loss`` in a Hugging
  Face ``trainer_state.json``); ``.jsonl`` holds one record per line; ``.txt`` holds one
  number per line. Without COLUMN, the only numeric column that is not a step, epoch,
  time or learning-rate column is used.

``Metric.take(n)`` gives exactly ``n`` values. Nothing here prints or exits: bad input
raises :class:`~lrviz.errors.LrvizError` with one line saying what is wrong and what to do.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

from .errors import LrvizError, did_you_mean

DEFAULT_PATTERN_DOC = (
    "a loss that falls quickly, then plateaus with small seeded noise "
    "(for mode='max', the matching accuracy: rises, then stalls)"
)

SYNTHETIC = "synthetic"
"""The prefix of a built-in pattern: ``synthetic:plateau``."""

FILE_TYPES = (".csv", ".tsv", ".json", ".jsonl", ".ndjson", ".txt")
"""The log files a metric can be read from (by suffix, case-insensitive)."""

MODES = ("min", "max")


# --------------------------------------------------------------------------- the Metric


@dataclass(frozen=True)
class Metric:
    """A metric sequence: where it comes from, and its values.

    ``take(n)`` gives exactly ``n`` float values: a pattern makes them (the same ones
    every time), a file gives its first ``n`` (or raises when it has fewer).
    """

    source: str  # the text given, e.g. "logs/train.csv:val_loss" or "synthetic:plateau"
    name: str  # short label for a legend or axis: "val_loss", "synthetic:plateau"
    note: str  # one line: where the values come from
    mode_hint: str | None = None  # "min" for loss-like, "max" for accuracy-like, None: unknown
    path: str | None = None  # the file, as given (None for a pattern)
    pattern: Pattern | None = field(default=None, repr=False)
    params: dict[str, Any] = field(default_factory=dict, hash=False)  # the pattern's, defaults filled in
    values: np.ndarray | None = field(default=None, repr=False, compare=False)  # a file's values

    @property
    def length(self) -> int | None:
        """How many values there are; None for a pattern (it makes any number)."""
        return None if self.values is None else len(self.values)

    def take(self, n: int) -> np.ndarray:
        """Exactly ``n`` values, as a new float array."""
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            raise LrvizError(f"the number of metric values must be an integer >= 0, got {n!r}")
        n = int(n)
        if self.pattern is not None:
            if n == 0:
                return np.empty(0)
            out = np.asarray(self.pattern.make(n, **self.params), dtype=float)
            if not np.all(np.isfinite(out)):
                raise LrvizError(f"{self.name} made values that are not finite numbers", "use smaller parameter values")
            return out
        assert self.values is not None
        have = len(self.values)
        if n > have:
            raise LrvizError(
                f"the metric in {self.path} has {have} values, fewer than the {n} needed",
                f"pass -n {have} or fewer, or a log with more values",
            )
        return np.array(self.values[:n], dtype=float)


# --------------------------------------------------------------------------- patterns


@dataclass(frozen=True)
class PatternParam:
    """A ``key=value`` a pattern accepts."""

    name: str
    kind: type  # int or float
    default: float | int | None  # None: computed from n, as ``auto`` says
    help: str
    auto: str = ""  # the default when it depends on n, e.g. "max(5, n/10)"
    check: Callable[[float], bool] | None = field(default=None, compare=False, repr=False)
    expect: str = ""  # what check wants, e.g. "a number > 0"

    @property
    def default_text(self) -> str:
        return self.auto if self.default is None else _fmt(self.default)


@dataclass(frozen=True)
class Pattern:
    """A built-in metric pattern: ``make(n, **params)`` gives n values."""

    name: str
    mode: str  # the ReduceLROnPlateau mode it suits
    doc: str  # one sentence
    params: tuple[PatternParam, ...]
    make: Callable[..., np.ndarray] = field(compare=False, repr=False)

    def param(self, name: str) -> PatternParam | None:
        for p in self.params:
            if p.name == name:
                return p
        return None

    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.params}

    def help_line(self) -> str:
        keys = ", ".join(f"{p.name}={p.default_text} ({p.help})" for p in self.params)
        return f"{self.doc}; keys: {keys}"


def _minus(a: float, b: float) -> float:
    """``a - b`` as written in decimal: 1 - 0.8 is 0.2 here, not 0.19999999999999996.

    Parameters are typed as decimal text, so differences of them are taken the same way;
    this keeps ``synthetic:accuracy`` exactly equal to ``1 - synthetic:plateau``'s curve.
    """
    return float(Decimal(repr(float(a))) - Decimal(repr(float(b))))


def _plateau(n: int, *, start: float, floor: float, scale: float | None, noise: float, seed: int) -> np.ndarray:
    t = np.arange(n, dtype=float)
    scale = max(5.0, n / 10) if scale is None else scale
    rng = np.random.default_rng(seed)
    return floor + _minus(start, floor) * np.exp(-t / scale) + rng.normal(0.0, noise, n)


def _accuracy(n: int, *, start: float, final: float, scale: float | None, noise: float, seed: int) -> np.ndarray:
    # 1 - the matching loss, so the defaults are exactly today's default_metric("max", n)
    loss = _plateau(n, start=_minus(1.0, start), floor=_minus(1.0, final), scale=scale, noise=noise, seed=seed)
    return 1.0 - loss


def _noisy(n: int, *, start: float, floor: float, scale: float | None, noise: float, seed: int) -> np.ndarray:
    scale = max(10.0, n / 2) if scale is None else scale
    return _plateau(n, start=start, floor=floor, scale=scale, noise=noise, seed=seed)


def _overfit(
    n: int, *, start: float, floor: float, scale: float | None, turn: float, rise: float, noise: float, seed: int
) -> np.ndarray:
    t = np.arange(n, dtype=float)
    scale = max(5.0, n / 10) if scale is None else scale
    at = turn * (n - 1)
    u = np.clip((t - at) / max(1.0, (n - 1) - at), 0.0, 1.0)
    rng = np.random.default_rng(seed)
    return floor + _minus(start, floor) * np.exp(-t / scale) + rise * u**2 + rng.normal(0.0, noise, n)


def _steps(n: int, *, start: float, floor: float, drops: int, width: float, noise: float, seed: int) -> np.ndarray:
    t = np.arange(n, dtype=float)
    period = n / drops  # burst k starts at k * period and lasts `width` of a period
    ramp = max(1.0, width * period)
    k = np.minimum(np.floor(t / period), drops - 1)
    done = k + np.clip((t - k * period) / ramp, 0.0, 1.0)  # bursts finished; whole numbers when flat
    rng = np.random.default_rng(seed)
    return start - _minus(start, floor) * (done / drops) + rng.normal(0.0, noise, n)


_SEED = PatternParam("seed", int, 0, "seed of the noise", check=lambda v: v >= 0, expect="an integer >= 0")


def _noise(default: float) -> PatternParam:
    return PatternParam(
        "noise", float, default, "std of the seeded Gaussian noise", check=lambda v: v >= 0, expect="a number >= 0"
    )


def _scale(auto: str) -> PatternParam:
    return PatternParam(
        "scale", float, None, "steps to cover ~63% of the way", auto=auto, check=lambda v: v > 0, expect="a number > 0"
    )


def _value(name: str, default: float, help: str) -> PatternParam:
    return PatternParam(name, float, default, help)


PATTERNS: dict[str, Pattern] = {
    p.name: p
    for p in (
        Pattern(
            "plateau",
            "min",
            "a loss that falls quickly, then plateaus with small noise (the default for mode='min')",
            (
                _value("start", 1.0, "first value"),
                _value("floor", 0.2, "the level it settles at"),
                _scale("max(5, n/10)"),
                _noise(0.004),
                _SEED,
            ),
            _plateau,
        ),
        Pattern(
            "accuracy",
            "max",
            "an accuracy that rises quickly, then stalls with small noise (the default for mode='max')",
            (
                _value("start", 0.0, "first value"),
                _value("final", 0.8, "the level it stalls at"),
                _scale("max(5, n/10)"),
                _noise(0.004),
                _SEED,
            ),
            _accuracy,
        ),
        Pattern(
            "noisy",
            "min",
            "a loss that falls slowly under large noise, so patience and threshold decide when the LR drops",
            (
                _value("start", 1.0, "first value"),
                _value("floor", 0.4, "the level it tends to"),
                _scale("max(10, n/2)"),
                _noise(0.03),
                _SEED,
            ),
            _noisy,
        ),
        Pattern(
            "overfit",
            "min",
            "a validation loss that falls, then rises again as the model overfits",
            (
                _value("start", 1.0, "first value"),
                _value("floor", 0.3, "the level the fall tends to"),
                _scale("max(5, n/10)"),
                PatternParam(
                    "turn",
                    float,
                    0.4,
                    "fraction of the run where it starts rising",
                    check=lambda v: 0 <= v < 1,
                    expect="a number in [0, 1)",
                ),
                _value("rise", 0.3, "how much it has climbed by the last step"),
                _noise(0.004),
                _SEED,
            ),
            _overfit,
        ),
        Pattern(
            "steps",
            "min",
            "a loss that improves in quick bursts separated by flat stretches, so the LR drops several times",
            (
                _value("start", 1.0, "first value"),
                _value("floor", 0.2, "the level after the last burst"),
                PatternParam(
                    "drops", int, 4, "number of bursts, evenly spaced", check=lambda v: v >= 1, expect="an integer >= 1"
                ),
                PatternParam(
                    "width",
                    float,
                    0.2,
                    "fraction of each stretch a burst takes",
                    check=lambda v: 0 < v <= 1,
                    expect="a number in (0, 1]",
                ),
                _noise(0.0),
                _SEED,
            ),
            _steps,
        ),
    )
}
"""The built-in patterns, by name: ``synthetic:NAME[,key=value...]``."""


def pattern_help() -> list[tuple[str, str, str]]:
    """(NAME, mode, one line: what it is, its keys and defaults) per pattern; used as ``synthetic:NAME``."""
    return [(p.name, p.mode, p.help_line()) for p in PATTERNS.values()]


def default(mode: str) -> Metric:
    """The metric used when none is given: ``synthetic:plateau`` for min, ``synthetic:accuracy`` for max."""
    if mode not in MODES:
        raise LrvizError(f"mode must be 'min' or 'max', got {mode!r}")
    return parse(f"{SYNTHETIC}:plateau" if mode == "min" else f"{SYNTHETIC}:accuracy")


def default_metric(mode: str, steps: int, seed: int = 0) -> np.ndarray:
    """The documented default: reproducible (seeded), one value per step."""
    pattern = PATTERNS["accuracy" if mode == "max" else "plateau"]
    return pattern.make(steps, **{**pattern.defaults(), "seed": seed})


def _fmt(value: Any) -> str:
    return repr(value) if isinstance(value, (int, float)) else str(value)


def _parse_synthetic(text: str, rest: str) -> Metric:
    names = ", ".join(PATTERNS)
    items = [item.strip() for item in rest.split(",")]
    if not items[0]:
        raise LrvizError(f"no pattern named in {text!r}", f"write synthetic:NAME, NAME one of {names}")
    pattern = PATTERNS.get(items[0].lower())
    if pattern is None:
        suggestion = did_you_mean(items[0], PATTERNS)
        raise LrvizError(
            f"unknown synthetic pattern {items[0]!r}",
            f"{suggestion} the patterns are {names}" if suggestion else f"the patterns are {names}",
        )
    keys = ", ".join(p.name for p in pattern.params)
    given: dict[str, Any] = {}
    for item in items[1:]:
        if not item:
            continue
        key, sep, value = item.partition("=")
        key = key.strip().lower()
        if not sep or not key:
            raise LrvizError(
                f"{item!r} in {text!r} is not key=value", f"write e.g. synthetic:{pattern.name},seed=1 (keys: {keys})"
            )
        param = pattern.param(key)
        if param is None:
            suggestion = did_you_mean(key, [p.name for p in pattern.params])
            known = f"synthetic:{pattern.name} takes {keys}"
            raise LrvizError(
                f"unknown key {key!r} for synthetic:{pattern.name}", f"{suggestion} {known}" if suggestion else known
            )
        if key in given:
            raise LrvizError(f"{key} is given twice in {text!r}", "give each key once")
        given[key] = _convert(param, value.strip(), pattern)
    params = {**pattern.defaults(), **given}
    shown = [
        f"{p.name}={_fmt(given[p.name])}" for p in pattern.params if p.name in given and given[p.name] != p.default
    ]
    name = ",".join([f"{SYNTHETIC}:{pattern.name}", *shown])
    settings = ", ".join(
        f"{p.name}={_fmt(params[p.name]) if params[p.name] is not None else p.auto}" for p in pattern.params
    )
    return Metric(
        source=text,
        name=name,
        note=f"{SYNTHETIC}:{pattern.name}, {pattern.doc} ({settings})",
        mode_hint=pattern.mode,
        pattern=pattern,
        params=params,
    )


def _convert(param: PatternParam, text: str, pattern: Pattern) -> float | int:
    where = f"{param.name} (synthetic:{pattern.name})"
    if param.kind is int:
        try:
            value: float | int = int(text)
        except ValueError:
            raise LrvizError(
                f"{where} must be an integer, got {text!r}", f"e.g. synthetic:{pattern.name},{param.name}=1"
            ) from None
    else:
        try:
            value = float(text)
        except ValueError:
            raise LrvizError(
                f"{where} must be a number, got {text!r}", f"e.g. synthetic:{pattern.name},{param.name}=0.5"
            ) from None
        if not math.isfinite(value):
            raise LrvizError(f"{where} must be a finite number, got {text!r}")
    if param.check is not None and not param.check(value):
        raise LrvizError(f"{where} must be {param.expect}, got {text!r}")
    return value


# --------------------------------------------------------------------------- parse


def parse(text: str, base_dir: Path | None = None) -> Metric:
    """``synthetic:NAME[,key=value...]`` or ``PATH[:COLUMN]`` -> a :class:`Metric`.

    A relative PATH is taken relative to ``base_dir`` (default: the current directory).
    When PATH itself contains ``:``, the longest prefix naming an existing file wins.
    """
    text = text.strip()
    if not text:
        raise LrvizError(
            "the metric is empty", "give a log file as PATH[:COLUMN] or a pattern such as synthetic:plateau"
        )
    head, sep, rest = text.partition(":")
    if sep and head.strip().lower() == SYNTHETIC:
        return _parse_synthetic(text, rest)
    if text.lower() == SYNTHETIC:
        raise LrvizError("no pattern named in 'synthetic'", f"write synthetic:NAME, NAME one of {', '.join(PATTERNS)}")
    base = Path(base_dir) if base_dir is not None else Path.cwd()
    shown, path, column = _locate(text, base, base_dir is not None)
    return _read(text, shown, path, column)


def _resolve(path_text: str, base: Path) -> Path:
    path = Path(path_text).expanduser()
    return path if path.is_absolute() else base / path


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except (OSError, ValueError):
        return False


def _locate(text: str, base: Path, base_given: bool) -> tuple[str, Path, str | None]:
    """(path as given, resolved path, column or None): the longest existing path wins."""
    splits: list[tuple[str, str | None]] = [(text, None)]
    splits += [(text[:i], text[i + 1 :]) for i in range(len(text) - 1, 0, -1) if text[i] == ":"]
    for path_text, column in splits:
        path = _resolve(path_text, base)
        if _exists(path):
            column = column.strip() if column is not None else None
            return path_text, path, column or None
    # Not found: name the part that looks like the file.
    shown = next((p for p, _ in splits if p.lower().endswith(FILE_TYPES)), splits[-1][0] if ":" in text else text)
    path = _resolve(shown, base)
    where = f" (looked in {path.parent})" if base_given or not Path(shown).is_absolute() else ""
    raise LrvizError(f"no such file: {shown}{where}", _not_found_hint(text, shown, path))


def _not_found_hint(text: str, shown: str, path: Path) -> str:
    usage = "give a .csv, .tsv, .json, .jsonl or .txt log as PATH[:COLUMN], or a pattern such as synthetic:plateau"
    head, sep, rest = text.partition(":")
    if sep and not re.search(r"[/\\.]", head) and did_you_mean(head, [SYNTHETIC]):
        return f"did you mean '{SYNTHETIC}:{rest}'?"
    if text.lower() in PATTERNS:
        return f"did you mean '{SYNTHETIC}:{text.lower()}'?"
    if not re.search(r"[/\\.:]", text):
        match = difflib.get_close_matches(text.lower(), list(PATTERNS), n=1, cutoff=0.6)
        if match:
            return f"did you mean '{SYNTHETIC}:{match[0]}'?"
    try:
        siblings = [p.name for p in path.parent.iterdir() if p.suffix.lower() in FILE_TYPES]
    except OSError:
        siblings = []
    suggestion = did_you_mean(path.name, siblings)
    return suggestion or usage


def _read(source: str, shown: str, path: Path, column: str | None) -> Metric:
    if path.is_dir():
        raise LrvizError(f"{shown} is a directory, not a metric file", "give a .csv, .tsv, .json, .jsonl or .txt file")
    suffix = path.suffix.lower()
    if suffix not in FILE_TYPES:
        raise LrvizError(
            f"can't read a metric from {shown}: unknown file type {suffix or '(no suffix)'!r}",
            "use a .csv, .tsv, .json, .jsonl or .txt file",
        )
    try:
        content = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise LrvizError(f"{shown} is not UTF-8 text", "save it as UTF-8 (CSV, JSON or plain text)") from None
    except OSError as exc:
        raise LrvizError(f"can't read {shown}: {exc.strerror or exc}") from None
    if not content.strip():
        raise LrvizError(f"{shown} is empty", "give a log that holds the metric's values")
    if suffix in (".csv", ".tsv"):
        got = _from_table(content, shown, column, "\t" if suffix == ".tsv" else None, path.stem)
    elif suffix == ".json":
        got = _from_json(content, shown, column, path.stem)
    elif suffix in (".jsonl", ".ndjson"):
        got = _from_jsonl(content, shown, column, path.stem)
    else:
        got = _from_txt(content, shown, column, path.stem)
    if not got.values:
        raise LrvizError(
            f"{shown} holds no values for {got.label}" if got.label else f"{shown} holds no values",
            "give a log that holds the metric's values",
        )
    count = _count(len(got.values), "value{s}")
    note = f"{got.label} from {shown}: {count}" if got.label else f"{shown}: {count}"
    if got.skipped:
        note += f" ({_count(got.skipped, got.skipped_what)} skipped)"
    return Metric(
        source=source,
        name=got.name,
        note=note,
        mode_hint=mode_of(got.name),
        path=shown,
        values=np.array(got.values, dtype=float),
    )


def _count(n: int, what: str) -> str:
    """``_count(3, "empty row{s}")`` -> "3 empty rows"."""
    return f"{n} {what.format(s='' if n == 1 else 's')}"


@dataclass
class _Got:
    values: list[float]
    name: str  # short label
    label: str  # what was read: "val_loss", "log_history.eval_loss"; "" for the file's plain numbers
    skipped: int = 0
    skipped_what: str = ""  # "empty row{s}", "record{s} without eval_loss"


# --------------------------------------------------------------------------- names


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


def _bookkeeping(name: str) -> bool:
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


def _choose(candidates: list[str], numeric: list[str], shown: str, what: str, prefix: str = "") -> str:
    """The one non-bookkeeping numeric candidate, or an error listing them (``prefix``: the
    dotted path the candidates sit under, for the hint)."""
    if len(candidates) == 1:
        return candidates[0]
    at = f"{shown}:{prefix}." if prefix else f"{shown}:"
    within = f" in {prefix}" if prefix else ""
    if not candidates:
        if numeric:
            raise LrvizError(
                f"{shown} has only step, epoch, time or learning-rate {what}s{within} ({_listing(numeric)})",
                f"pick one anyway with {at}{numeric[0]}",
            )
        raise LrvizError(f"{shown} has no numeric {what}{within} to use as the metric")
    ranked = _rank(candidates)
    raise LrvizError(
        f"{shown} has several numeric {what}s{within} ({_listing(ranked)})", f"pick one, e.g. {at}{ranked[0]}"
    )


def _listing(names: list[str], most: int = 8) -> str:
    shown = ", ".join(names[:most])
    return f"{shown}, ... {len(names) - most} more" if len(names) > most else shown


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _number(text: str) -> float | None:
    try:
        return float(text)
    except (ValueError, OverflowError):
        return None


# --------------------------------------------------------------------------- CSV / TSV


def _from_table(content: str, shown: str, column: str | None, delimiter: str | None, stem: str) -> _Got:
    if delimiter is None:
        first = next(line for line in content.splitlines() if line.strip())
        delimiter = "," if "," in first else "\t" if "\t" in first else ";" if ";" in first else ","
    rows: list[tuple[int, list[str]]] = []
    reader = csv.reader(io.StringIO(content), delimiter=delimiter)
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                rows.append((reader.line_num, [cell.strip() for cell in row]))
    except csv.Error as exc:
        raise LrvizError(f"{shown} is not a readable CSV file: line {reader.line_num}: {exc}") from None
    header = rows[0][1]
    headerless = all(_number(cell) is not None for cell in header)
    if headerless:
        names = [str(i) for i in range(max(len(r) for _, r in rows))]
        data = rows
    else:
        names = header
        data = rows[1:]
    idx = _pick_column(names, column, data, shown, headerless)
    name = names[idx]
    label = f"column {idx}" if headerless else name
    short = stem if headerless and len(names) == 1 else f"{stem}:{idx}" if headerless else name
    values: list[float] = []
    empty = 0
    for line, row in data:
        cell = row[idx] if idx < len(row) else ""
        if not cell:
            empty += 1
            continue
        value = _number(cell)
        where = f"{shown}, line {line}, {label if headerless else 'column ' + repr(name)}"
        if value is None:
            raise LrvizError(f"{where}: {_short(cell)} is not a number", "fix or blank that cell")
        if not math.isfinite(value):
            raise LrvizError(
                f"{where} holds {cell}, not a finite number",
                "ReduceLROnPlateau needs finite values: fix, blank or drop that row",
            )
        values.append(value)
    return _Got(values, short, label, empty, "empty row{s}")


def _pick_column(
    names: list[str], column: str | None, data: list[tuple[int, list[str]]], shown: str, headerless: bool
) -> int:
    if column is not None:
        for i, name in enumerate(names):
            if name == column:
                return i
        for i, name in enumerate(names):
            if name.lower() == column.lower():
                return i
        if re.fullmatch(r"-?\d+", column):
            i = int(column)
            if -len(names) <= i < len(names):
                return i % len(names)
            raise LrvizError(
                f"column {i} is out of range: {shown} has {len(names)} columns (0-{len(names) - 1})",
                f"the columns are {_listing(names)}",
            )
        suggestion = did_you_mean(column, names)
        listing = f"the columns are {_listing(names)}"
        raise LrvizError(f"{shown} has no column {column!r}", f"{suggestion} {listing}" if suggestion else listing)
    numeric = []
    for i in range(len(names)):
        cells = [row[i] for _, row in data if i < len(row) and row[i]]
        if cells and all(_number(cell) is not None for cell in cells):
            numeric.append(i)
    if headerless:
        labels = [str(i) for i in numeric]
        if len(numeric) == 1:
            return numeric[0]
        if not numeric:
            raise LrvizError(f"{shown} has no numeric column to use as the metric")
        raise LrvizError(
            f"{shown} has no header row and several numeric columns ({', '.join(labels)})",
            f"pick one by its 0-based index, e.g. {shown}:{labels[-1]}",
        )
    picked = _choose(
        [names[i] for i in numeric if not _bookkeeping(names[i])], [names[i] for i in numeric], shown, "column"
    )
    return names.index(picked)


# --------------------------------------------------------------------------- JSON / JSONL


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


_MISSING: Any = object()


def _from_json(content: str, shown: str, column: str | None, stem: str) -> _Got:
    try:
        data = json.loads(content)
    except json.JSONDecodeError as exc:
        raise LrvizError(f"{shown} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    except RecursionError:
        raise LrvizError(f"{shown} is nested too deeply to read") from None
    if isinstance(data, list):
        return _from_items([(f"item {i}", v) for i, v in enumerate(data)], shown, column, stem, "")
    if isinstance(data, dict):
        return _from_object(data, shown, column)
    raise LrvizError(
        f"{shown} holds a single {type(data).__name__}, not a list of values",
        "give a list of numbers, an object holding lists, or a list of records",
    )


def _from_jsonl(content: str, shown: str, column: str | None, stem: str) -> _Got:
    items: list[tuple[str, Any]] = []
    for lineno, line in enumerate(content.splitlines(), 1):
        if not line.strip():
            continue
        try:
            items.append((f"line {lineno}", json.loads(line)))
        except json.JSONDecodeError as exc:
            raise LrvizError(
                f"{shown}, line {lineno} is not valid JSON: {exc.msg}", "write one JSON record per line"
            ) from None
        except RecursionError:
            raise LrvizError(f"{shown}, line {lineno} is nested too deeply to read") from None
    return _from_items(items, shown, column, stem, "")


def _key(node: dict[str, Any], segments: list[str]) -> tuple[str, int] | None:
    """The key of ``node`` that the first segments name, and how many segments it used.

    The longest dotted match wins (a key may itself contain dots); exact before case-insensitive.
    """
    for used in range(len(segments), 0, -1):
        want = ".".join(segments[:used])
        if want in node:
            return want, used
        for key in node:
            if isinstance(key, str) and key.lower() == want.lower():
                return key, used
    return None


def _dig(node: Any, segments: list[str]) -> Any:
    """The value at a dotted path inside nested objects, or _MISSING."""
    while segments:
        if not isinstance(node, dict):
            return _MISSING
        found = _key(node, segments)
        if found is None:
            return _MISSING
        node, segments = node[found[0]], segments[found[1] :]
    return node


def _from_object(data: dict[str, Any], shown: str, column: str | None) -> _Got:
    if column is None:
        numeric = _numeric_paths(data, "")
        column = _choose([p for p in numeric if not _bookkeeping(p)], numeric, shown, "list")
    segments = column.split(".")
    node: Any = data
    walked: list[str] = []
    while segments and isinstance(node, dict):
        found = _key(node, segments)
        if found is None:
            within = f" in {'.'.join(walked)}" if walked else ""
            keys = [str(k) for k in node]
            suggestion = did_you_mean(segments[0], keys)
            listing = f"the keys{within} are {_listing(keys)}" if keys else f"the object{within} is empty"
            raise LrvizError(
                f"{shown} has no key {'.'.join(segments)!r}{within}",
                f"{suggestion} {listing}" if suggestion else listing,
            )
        node = node[found[0]]
        walked.append(found[0])
        segments = segments[found[1] :]
    path = ".".join(walked)
    if isinstance(node, list):
        items = [(f"{path}[{i}]", v) for i, v in enumerate(node)]
        return _from_items(items, shown, ".".join(segments) or None, walked[-1], path)
    what = "a number" if _is_number(node) else "null" if node is None else f"a {type(node).__name__}"
    raise LrvizError(
        f"{shown}: {path} is {what}, not a list of values",
        "point COLUMN at a list of numbers, or at a key of a list of records",
    )


def _numeric_paths(node: Any, prefix: str, depth: int = 0) -> list[str]:
    """Dotted paths to the lists of numbers (or numeric keys of records) inside ``node``."""
    out: list[str] = []
    if depth > 6:
        return out
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, (dict, list)):
                out += _numeric_paths(value, f"{prefix}.{key}" if prefix else str(key), depth + 1)
    elif isinstance(node, list):
        present = [v for v in node if v is not None]
        if present and all(_is_number(v) for v in present):
            out.append(prefix)
        elif present and all(isinstance(v, dict) for v in present):
            out += [f"{prefix}.{key}" if prefix else key for key in _record_keys(present)]
    return out


def _record_keys(records: Iterable[dict[str, Any]]) -> list[str]:
    """The dotted paths to numbers inside the records, in order of first appearance."""
    seen: dict[str, None] = {}

    def walk(node: dict[str, Any], prefix: str, depth: int) -> None:
        for key, value in node.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            if _is_number(value):
                seen.setdefault(path, None)
            elif isinstance(value, dict) and depth < 4:
                walk(value, path, depth + 1)

    for record in records:
        walk(record, "", 0)
    return list(seen)


def _from_items(items: list[tuple[str, Any]], shown: str, column: str | None, name: str, where: str) -> _Got:
    """Values from a labelled list: plain numbers, records (COLUMN a key path) or rows (COLUMN an index).

    ``name``: the label for plain numbers; ``where``: the list's dotted path ("" at the top).
    """
    present = [v for _, v in items if v is not None]
    place = f"{where} in {shown}" if where else shown
    if present and all(_is_number(v) for v in present):
        if column is not None:
            raise LrvizError(
                f"{place} holds a plain list of numbers: it has no key {column!r}",
                f"use {shown}:{where}" if where else f"drop ':{column}'",
            )
        return _checked(items, shown, name, where, "null value{s}")
    if present and all(isinstance(v, dict) for v in present):
        keys = _record_keys(present)
        if column is None:
            column = _choose([k for k in keys if not _bookkeeping(k)], keys, shown, "key", where)
        segments = column.split(".")
        picked: list[tuple[str, Any]] = []
        missing = 0
        for label, record in items:
            value = _MISSING if record is None else _dig(record, segments)
            if value is _MISSING or value is None:
                missing += 1
            else:
                picked.append((f"{label}, {column!r}", value))
        if not picked:
            suggestion = did_you_mean(column, keys)
            listing = f"their numeric keys are {_listing(keys)}" if keys else "they hold no numbers"
            raise LrvizError(
                f"no record in {place} has {column!r}", f"{suggestion} {listing}" if suggestion else listing
            )
        leaf = segments[-1]
        got = _checked(picked, shown, leaf, f"{where}.{column}" if where else column, "")
        got.skipped, got.skipped_what = missing, f"record{{s}} without {leaf}"
        return got
    if present and all(isinstance(v, list) for v in present):
        width = max(len(v) for v in present)
        if column is None or not re.fullmatch(r"-?\d+", column):
            tensorboard = " (TensorBoard's JSON export is [wall_time, step, value]: index 2)" if width == 3 else ""
            at = f"{shown}:{where}." if where else f"{shown}:"
            raise LrvizError(
                f"{place} holds rows of up to {width} numbers",
                f"pick one by its 0-based index, e.g. {at}{width - 1}{tensorboard}",
            )
        i = int(column)
        picked = []
        for label, row in items:
            if row is None:
                continue
            if not -len(row) <= i < len(row):
                raise LrvizError(f"{shown}, {label} has no index {i}: it holds {len(row)} values")
            picked.append((f"{label}[{i}]", row[i]))
        return _checked(picked, shown, f"{name}[{i}]", f"{where or name}[{i}]", "")
    if not present:
        raise LrvizError(f"{place} holds no values", "give a log that holds the metric's values")
    # A mix: name the first item unlike the first one.
    kinds = (
        ("a number", _is_number),
        ("a record", lambda v: isinstance(v, dict)),
        ("a row", lambda v: isinstance(v, list)),
    )
    kind, like = next(((k, f) for k, f in kinds if f(present[0])), ("a number", _is_number))
    label, odd = next((label, v) for label, v in items if v is not None and not like(v))
    raise LrvizError(
        f"{shown}, {label}: {_short(odd)} is not {kind}",
        "give a list of numbers, an object holding lists, or a list of records",
    )


def _checked(items: list[tuple[str, Any]], shown: str, name: str, label: str, null_what: str) -> _Got:
    """The numbers, checked; nulls are skipped and counted."""
    out: list[float] = []
    nulls = 0
    for where, value in items:
        if value is None:
            nulls += 1
            continue
        if not _is_number(value):
            raise LrvizError(f"{shown}, {where}: {_short(value)} is not a number", "fix that value")
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if not math.isfinite(number):
            raise LrvizError(
                f"{shown}, {where} holds {_short(value)}, not a finite number",
                "ReduceLROnPlateau needs finite values: fix or drop that value",
            )
        out.append(number)
    return _Got(out, name, label, nulls, null_what)


# --------------------------------------------------------------------------- TXT


def _from_txt(content: str, shown: str, column: str | None, stem: str) -> _Got:
    if column is not None:
        raise LrvizError(
            f"{shown} is a .txt file, one number per line: it has no column {column!r}", f"drop ':{column}'"
        )
    values: list[float] = []
    for lineno, line in enumerate(content.splitlines(), 1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        value = _number(text)
        if value is None:
            raise LrvizError(
                f"{shown}, line {lineno}: {_short(text)} is not a number", "a .txt metric holds one number per line"
            )
        if not math.isfinite(value):
            raise LrvizError(
                f"{shown}, line {lineno} holds {text}, not a finite number",
                "ReduceLROnPlateau needs finite values: fix or drop that line",
            )
        values.append(value)
    return _Got(values, stem, "")
