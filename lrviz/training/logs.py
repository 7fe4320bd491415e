"""The LR a training run logged, with the step each value belongs to.

* Hugging Face ``trainer_state.json`` (a file, an output folder or a checkpoint folder):
  ``log_history[].learning_rate`` at ``step``;
* Lightning's CSVLogger ``metrics.csv`` (or its version folder): LearningRateMonitor's
  ``lr-*`` columns at ``step``;
* TensorBoard event files, or folders holding them, read with TensorBoard's own reader;
* timm's ``summary.csv``: ``lr`` at ``epoch``;
* any CSV/TSV, JSON or JSONL log with a step column and an LR column.

Each logger reads the LR at its own moment; a :class:`Convention` says where: the value at
step ``s`` is the LR the optimizer had after ``s + offset`` updates. A reader lists the
conventions its logger may follow, most likely first, and :mod:`lrviz.training.check`
says which one the log fits.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from lrviz.errors import LrvizError, did_you_mean
from lrviz.metrics.names import as_number, list_names

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class Convention:
    offset: int  # the value at step s is the LR after s + offset updates
    text: str


@dataclass
class LoggedLR:
    """LR values at steps, as a run logged them."""

    steps: np.ndarray  # int64, increasing
    lr: np.ndarray  # float64
    source: str  # "out/trainer_state.json: log_history[].learning_rate"
    logger: str  # "Hugging Face Trainer", "Lightning LearningRateMonitor", ...
    conventions: tuple[Convention, ...]
    float32: bool = False  # the logger stored float32 values
    per_epoch: bool = False  # the steps count epochs, not updates
    notes: list[str] = field(default_factory=list)
    max_steps: int | None = None  # the run's own number of updates, when the log says it

    def __len__(self) -> int:
        return len(self.steps)


HF_NEW = Convention(
    -1,
    "transformers 4.51 and later log at step s the LR update s used (read before scheduler.step())",
)
HF_OLD = Convention(0, "transformers before 4.51 log at step s the LR after update s's scheduler.step()")
BEFORE = Convention(0, "step s holds the LR read before the scheduler's step at s (the LR update s+1 uses)")
AFTER = Convention(1, "step s holds the LR read after scheduler.step() at s")
SHIFTED = Convention(-1, "step s holds the LR update s used, counting updates from 1")
LIGHTNING = Convention(0, "LearningRateMonitor logs at step s the LR before update s+1 (on_train_batch_start)")
TIMM_BEFORE = Convention(0, "row e holds the LR epoch e trained with")
TIMM_AFTER = Convention(
    1, "row e holds the LR after epoch e's last update (a schedule stepped per update: sched_on_updates)"
)

LR_WORDS = re.compile(r"(^|[^a-z])(lr|learning_rate|learning-rate|learningrate)([^a-z]|$)", re.I)
STEP_NAMES = ("step", "global_step", "trainer/global_step", "_step", "iteration", "iter", "it", "update", "updates")
EVENT_PREFIX = "events.out.tfevents"


def read(path: str | Path, column: str | None = None) -> LoggedLR:
    """The logged LR in ``path`` (``column``: the LR column or tag, when there are several)."""
    p = Path(path)
    shown = str(path)
    if not p.exists():
        raise LrvizError(f"no such file or folder: {shown}")
    if p.is_dir():
        state = p / "trainer_state.json"
        if state.is_file():
            return _hf(state, column)
        metrics = p / "metrics.csv"
        if metrics.is_file():
            return _table(metrics, column)
        summary = p / "summary.csv"
        if summary.is_file():
            return _table(summary, column)
        if _event_files(p):
            return _tensorboard(p, column)
        checkpoints = sorted(p.glob("checkpoint-*/trainer_state.json"), key=lambda f: _number_in(f.parent.name))
        if checkpoints:
            return _hf(checkpoints[-1], column)
        raise LrvizError(
            f"{shown} holds no training log lrviz reads",
            "point at trainer_state.json, Lightning's metrics.csv, a TensorBoard folder, timm's summary.csv, "
            "or a CSV/JSON log with a step and an LR column",
        )
    if p.name.startswith(EVENT_PREFIX):
        return _tensorboard(p, column)
    if p.name == "trainer_state.json":
        return _hf(p, column)
    suffix = p.suffix.lower()
    if suffix in (".csv", ".tsv", ".json", ".jsonl", ".ndjson"):
        if suffix == ".json":
            data = _json(p)
            if isinstance(data, dict) and isinstance(data.get("log_history"), list):
                return _hf(p, column, data)
        return _table(p, column)
    raise LrvizError(
        f"can't read a logged LR from {shown}: unknown file type {suffix or '(no suffix)'!r}",
        "give trainer_state.json, a metrics.csv, a TensorBoard event file or folder, or a CSV/JSON log",
    )


def _number_in(name: str) -> int:
    digits = re.findall(r"\d+", name)
    return int(digits[-1]) if digits else -1


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise LrvizError(f"{path} is not UTF-8 text") from None
    except OSError as exc:
        raise LrvizError(f"can't read {path}: {exc.strerror or exc}") from None


def _json(path: Path) -> Any:
    try:
        return json.loads(_text(path))
    except json.JSONDecodeError as exc:
        raise LrvizError(f"{path} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    except RecursionError:
        raise LrvizError(f"{path} is nested too deeply to read") from None


def _finish(
    pairs: list[tuple[float, float]], source: str, what: str, *, keep: str = "last"
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Steps and LRs sorted by step; a step logged twice keeps its last value (a resumed run
    logs again the steps after its checkpoint)."""
    import numpy as np

    notes: list[str] = []
    if not pairs:
        raise LrvizError(f"{source} holds no {what}", "check that the run logged its learning rate")
    by_step: dict[int, float] = {}
    repeated = 0
    for step, lr in pairs:
        if not math.isfinite(step) or step != int(step):
            raise LrvizError(f"{source}: step {step!r} is not a whole number")
        if not math.isfinite(lr):
            raise LrvizError(f"{source}: the LR at step {int(step)} is {lr!r}, not a finite number")
        if int(step) in by_step and by_step[int(step)] != lr:
            repeated += 1
        by_step[int(step)] = lr
    if repeated:
        notes.append(
            f"{repeated} step{'s' if repeated != 1 else ''} logged again with another value "
            "(a resumed run logs again the steps after its checkpoint): the last value of each is used"
        )
    steps = np.array(sorted(by_step), dtype=np.int64)
    return steps, np.array([by_step[int(s)] for s in steps], dtype=float), notes


# --------------------------------------------------------------------------------------
# Hugging Face trainer_state.json


def _hf(path: Path, column: str | None, data: Any = None) -> LoggedLR:
    data = _json(path) if data is None else data
    history = data.get("log_history") if isinstance(data, dict) else None
    if not isinstance(history, list):
        raise LrvizError(f"{path} has no log_history list", "give the trainer_state.json a Trainer wrote")
    key = column or "learning_rate"
    pairs = []
    for record in history:
        if isinstance(record, dict) and isinstance(record.get(key), (int, float)) and "step" in record:
            pairs.append((float(record["step"]), float(record[key])))
    steps, lr, notes = _finish(pairs, f"{path}", f"log_history entry with {key!r}")
    max_steps = data.get("max_steps")
    return LoggedLR(
        steps=steps,
        lr=lr,
        source=f"{path}: log_history[].{key}",
        logger="Hugging Face Trainer",
        conventions=(HF_NEW, HF_OLD),
        notes=notes,
        max_steps=max_steps if isinstance(max_steps, int) and max_steps > 0 else None,
    )


# --------------------------------------------------------------------------------------
# CSV, TSV, JSON and JSONL tables: Lightning's metrics.csv, timm's summary.csv, any log


def _rows(path: Path) -> list[dict[str, Any]]:
    """The records of a CSV/TSV (by header), a JSON list of records or object holding one,
    or JSONL."""
    suffix = path.suffix.lower()
    text = _text(path)
    if not text.strip():
        raise LrvizError(f"{path} is empty")
    if suffix in (".csv", ".tsv"):
        reader = csv.DictReader(io.StringIO(text), delimiter="\t" if suffix == ".tsv" else ",")
        try:
            return [{k: as_number(v) if v not in (None, "") else None for k, v in row.items() if k} for row in reader]
        except csv.Error as exc:
            raise LrvizError(f"{path} is not a readable CSV file: {exc}") from None
    if suffix == ".json":
        data = json.loads(text) if text.strip() else None
        if isinstance(data, dict):
            lists = [v for v in data.values() if isinstance(v, list) and v and all(isinstance(r, dict) for r in v)]
            if len(lists) != 1:
                raise LrvizError(f"{path} holds no single list of records", "give a JSON list of {step, lr} records")
            data = lists[0]
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise LrvizError(f"{path} is not a list of records", "give a JSON list of {step, lr} records")
        return data
    rows = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise LrvizError(f"{path}, line {lineno} is not valid JSON: {exc.msg}") from None
            if isinstance(record, dict):
                rows.append(record)
    return rows


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _columns(rows: list[dict[str, Any]]) -> list[str]:
    seen: dict[str, None] = {}
    for row in rows:
        for key, value in row.items():
            if _is_number(value):
                seen.setdefault(str(key), None)
    return list(seen)


def _table(path: Path, column: str | None) -> LoggedLR:
    try:
        rows = _rows(path)
    except json.JSONDecodeError as exc:
        raise LrvizError(f"{path} is not valid JSON: {exc.msg} at line {exc.lineno}") from None
    names = _columns(rows)
    monitor = [n for n in names if n.startswith("lr-")]
    lr_names = monitor or [n for n in names if LR_WORDS.search(n) and not n.lower().startswith(("warmup", "min_"))]
    if column is not None:
        lr_col = next((n for n in names if n == column), None) or next(
            (n for n in names if n.lower() == column.lower()), None
        )
        if lr_col is None:
            hint = did_you_mean(column, names)
            listing = f"its numeric columns are {list_names(names)}"
            raise LrvizError(f"{path} has no column {column!r}", f"{hint} {listing}" if hint else listing)
    elif len(lr_names) == 1 or (monitor and lr_names[0] == monitor[0] and "/pg" not in monitor[0]):
        lr_col = lr_names[0]
    elif not lr_names:
        raise LrvizError(f"{path} has no learning-rate column", f"its numeric columns are {list_names(names)}")
    else:
        raise LrvizError(
            f"{path} has several learning-rate columns ({list_names(lr_names)})",
            f"pick one with --column, e.g. --column {lr_names[0]}",
        )
    lower = {n.lower(): n for n in names}
    timm = "epoch" in lower and lr_col == "lr" and any(n.startswith(("train_", "eval_")) for n in names)
    step_col = None if timm else next((lower[s] for s in STEP_NAMES if s in lower), None)
    per_epoch = False
    if step_col is None and "epoch" in lower:
        step_col, per_epoch = lower["epoch"], True
    pairs = []
    for i, row in enumerate(rows):
        value = row.get(lr_col)
        if not _is_number(value):
            continue
        step = row.get(step_col) if step_col is not None else i
        if not _is_number(step):
            continue
        pairs.append((float(cast(float, step)), float(cast(float, value))))
    steps, lr, notes = _finish(pairs, str(path), f"values in column {lr_col!r}")
    if step_col is None:
        notes.append("no step column: each row is one step")
    conventions: tuple[Convention, ...]
    if monitor and lr_col in monitor:
        logger, conventions = "Lightning LearningRateMonitor", (LIGHTNING,)
    elif timm:
        logger, conventions = "timm summary.csv", (TIMM_BEFORE, TIMM_AFTER)
    else:
        logger, conventions = f"{path.suffix.lstrip('.').upper()} log", (BEFORE, AFTER, SHIFTED)
    return LoggedLR(
        steps=steps,
        lr=lr,
        source=f"{path}: {lr_col}" + (f" at {step_col}" if step_col else ""),
        logger=logger,
        conventions=conventions,
        per_epoch=per_epoch,
        notes=notes,
    )


# --------------------------------------------------------------------------------------
# TensorBoard


def _event_files(folder: Path) -> list[Path]:
    return sorted(f for f in folder.rglob(f"{EVENT_PREFIX}*") if f.is_file())


def _tensorboard(path: Path, column: str | None) -> LoggedLR:
    """Scalars read with TensorBoard's event file loader; a folder's event files (a resumed
    run adds one) are read in the order they were written."""
    try:
        from tensorboard.backend.event_processing.event_file_loader import EventFileLoader
        from tensorboard.util import tensor_util
    except ImportError:
        raise LrvizError(
            f"reading TensorBoard events ({path}) needs TensorBoard", "pip install tensorboard (or 'lrviz[runs]')"
        ) from None
    files = [path] if path.is_file() else _event_files(path)
    folders = sorted({f.parent for f in files})
    series: dict[tuple[Path, str], list[tuple[float, float, float]]] = {}
    for file in files:
        try:
            for event in EventFileLoader(str(file)).Load():
                if not event.HasField("summary"):
                    continue
                for value in event.summary.value:
                    if value.HasField("simple_value"):
                        number = float(value.simple_value)
                    elif value.HasField("tensor") and value.metadata.plugin_data.plugin_name == "scalars":
                        number = float(tensor_util.make_ndarray(value.tensor).item())
                    else:
                        continue
                    series.setdefault((file.parent, value.tag), []).append((event.wall_time, float(event.step), number))
        except Exception as exc:  # TensorBoard raises its own types for damaged records
            raise LrvizError(f"can't read TensorBoard events from {file}: {exc}") from None
    tags = sorted({tag for _, tag in series})
    if column is not None:
        wanted = [key for key in series if key[1] == column]
        if not wanted:
            hint = did_you_mean(column, tags)
            listing = f"its scalar tags are {list_names(tags)}" if tags else "it holds no scalars"
            raise LrvizError(f"{path} has no tag {column!r}", f"{hint} {listing}" if hint else listing)
    else:
        wanted = [key for key in series if LR_WORDS.search(key[1]) or key[1].startswith("lr-")]
        if not wanted:
            listing = f"its scalar tags are {list_names(tags)}" if tags else "it holds no scalars"
            raise LrvizError(f"{path} has no learning-rate tag", listing)
    if len({key[1] for key in wanted}) > 1:
        names = sorted({key[1] for key in wanted})
        raise LrvizError(
            f"{path} has several learning-rate tags ({list_names(names)})", f"pick one with --column {names[0]}"
        )
    if len({key[0] for key in wanted}) > 1:
        runs = sorted(str(key[0]) for key in wanted)
        raise LrvizError(
            f"{path} holds several runs with {wanted[0][1]!r} ({list_names(runs)})", "point at one run's folder"
        )
    tag = wanted[0][1]
    points = sorted(series[wanted[0]])  # by wall time: a resumed run's values come last
    steps, lr, notes = _finish([(s, v) for _, s, v in points], str(path), f"values of {tag!r}")
    hf = tag == "train/learning_rate"
    conventions = (HF_NEW, HF_OLD) if hf else (BEFORE, AFTER, SHIFTED)
    if len(folders) > 1 and len(files) > 1:
        notes.append(f"{len(files)} event files")
    return LoggedLR(
        steps=steps,
        lr=lr,
        source=f"{path}: {tag}",
        logger="TensorBoard (Hugging Face Trainer)" if hf else "TensorBoard",
        conventions=conventions,
        float32=True,
        notes=notes,
    )
