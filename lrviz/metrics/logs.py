"""A metric read from a training log: ``PATH[:COLUMN]``, a .csv/.tsv, .json, .jsonl or .txt
file; the column is found by name, index or dotted key path, or the only metric-like one."""

from __future__ import annotations

import csv
import difflib
import io
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from lrviz.errors import LrvizError, did_you_mean, printable
from lrviz.files import MiB, read_bytes

from .metric import SYNTHETIC, Metric
from .names import as_number, bookkeeping, brief, choose, list_names, mode_of
from .patterns import PATTERNS

FILE_TYPES = (".csv", ".tsv", ".json", ".jsonl", ".ndjson", ".txt")
"""The log files a metric can be read from (by suffix, case-insensitive)."""

MAX_METRIC_BYTES = 64 * MiB
"""The largest metric log lrviz reads (a million steps of a CSV with a few columns is ~30 MB)."""


def read(text: str, base_dir: Path | None) -> Metric:
    """The metric that ``PATH[:COLUMN]`` names; a relative PATH is taken relative to
    ``base_dir`` (default: the current directory)."""
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
        data = read_bytes(path, "metric file", MAX_METRIC_BYTES, shown)
    except LrvizError as exc:
        raise LrvizError(exc.message.replace(f"metric file '{shown}'", shown), exc.hint) from None
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise LrvizError(f"{shown} is not UTF-8 text", "save it as UTF-8 (CSV, JSON or plain text)") from None
    del data
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


# --------------------------------------------------------------------------- CSV / TSV


@dataclass
class _ColumnStats:
    """What the first pass over a CSV learns about one column."""

    filled: int = 0  # non-empty cells below the header
    numeric: int = 0  # of which numbers
    first_bad: tuple[int, str] | None = None  # (line, cell) of the first cell that is not a number


def _rows(content: str, delimiter: str, shown: str) -> Iterable[tuple[int, list[str]]]:
    """(line, stripped cells) of every row that is not blank, read lazily."""
    reader = csv.reader(io.StringIO(content), delimiter=delimiter)
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                yield reader.line_num, [cell.strip() for cell in row]
    except csv.Error as exc:
        raise LrvizError(f"{shown} is not a readable CSV file: line {reader.line_num}: {exc}") from None


def _from_table(content: str, shown: str, column: str | None, delimiter: str | None, stem: str) -> _Got:
    if delimiter is None:
        first = next(line for line in content.splitlines() if line.strip())
        delimiter = "," if "," in first else "\t" if "\t" in first else ";" if ";" in first else ","
    # Two passes over the text, keeping only counts and then one column: a long log is
    # never held as a list of rows.
    header: list[str] | None = None
    stats: list[_ColumnStats] = []
    headerless = False
    for line, row in _rows(content, delimiter, shown):
        if header is None:
            header = row
            headerless = all(as_number(cell) is not None for cell in row)
            if not headerless:
                continue
        while len(stats) < len(row):
            stats.append(_ColumnStats())
        for cell, st in zip(row, stats, strict=False):
            if cell:
                st.filled += 1
                if as_number(cell) is not None:
                    st.numeric += 1
                elif st.first_bad is None:
                    st.first_bad = (line, cell)
    if header is None:
        raise LrvizError(f"{shown} holds no values", "give a log that holds the metric's values")
    if not stats:  # a header and nothing under it
        named = ", ".join(printable(str(h)) for h in header[:6]) + (", ..." if len(header) > 6 else "")
        raise LrvizError(
            f"{shown} holds no values under its header ({named})", "give a log that holds the metric's values"
        )
    names = [str(i) for i in range(len(stats))] if headerless else header
    idx = _pick_column(names, column, stats, shown, headerless)
    name = names[idx]
    label = f"column {idx}" if headerless else name
    short = stem if headerless and len(names) == 1 else f"{stem}:{idx}" if headerless else name
    values: list[float] = []
    empty = 0
    rows = iter(_rows(content, delimiter, shown))
    if not headerless:
        next(rows)
    for line, row in rows:
        cell = row[idx] if idx < len(row) else ""
        if not cell:
            empty += 1
            continue
        value = as_number(cell)
        where = f"{shown}, line {line}, {label if headerless else 'column ' + repr(name)}"
        if value is None:
            raise LrvizError(f"{where}: {brief(cell)} is not a number", "fix or blank that cell")
        if not math.isfinite(value):
            raise LrvizError(
                f"{where} holds {brief(cell)}, not a finite number",
                "ReduceLROnPlateau needs finite values: fix, blank or drop that row",
            )
        values.append(value)
    return _Got(values, short, label, empty, "empty row{s}")


def _pick_column(names: list[str], column: str | None, stats: list[_ColumnStats], shown: str, headerless: bool) -> int:
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
                f"column {i} is out of range: {shown} has {len(names)} columns (0-{max(len(names) - 1, 0)})",
                f"the columns are {list_names(names)}",
            )
        suggestion = did_you_mean(column, names)
        listing = f"the columns are {list_names(names)}"
        raise LrvizError(f"{shown} has no column {column!r}", f"{suggestion} {listing}" if suggestion else listing)
    stat_of = [stats[i] if i < len(stats) else _ColumnStats() for i in range(len(names))]
    numeric = [i for i, st in enumerate(stat_of) if st.filled and st.numeric == st.filled]
    candidates = numeric if headerless else [i for i in numeric if not bookkeeping(names[i])]
    if not candidates:
        # a metric column spoiled by a few cells: say which cell, not that there is no metric
        spoiled = [i for i, st in enumerate(stat_of) if st.numeric and st.first_bad is not None]
        spoiled = spoiled if headerless else [i for i in spoiled if not bookkeeping(names[i])]
        if spoiled:
            i = spoiled[0]
            line, cell = stat_of[i].first_bad or (0, "")
            label = f"column {i}" if headerless else f"column {names[i]!r}"
            raise LrvizError(f"{shown}, line {line}, {label}: {brief(cell)} is not a number", "fix or blank that cell")
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
    picked = choose([names[i] for i in candidates], [names[i] for i in numeric], shown, "column")
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
    except ValueError as exc:  # an integer of thousands of digits
        raise LrvizError(f"{shown} cannot be read: {_digits(exc)}", "write such a number as a float") from None
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
        except ValueError as exc:
            raise LrvizError(f"{shown}, line {lineno} cannot be read: {_digits(exc)}") from None
        except RecursionError:
            raise LrvizError(f"{shown}, line {lineno} is nested too deeply to read") from None
    return _from_items(items, shown, column, stem, "")


def _digits(exc: ValueError) -> str:
    """Python's refusal of an integer with too many digits, as one short clause."""
    text = str(exc)
    return "it holds an integer with more digits than Python converts" if "digits" in text else text


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
        column = choose([p for p in numeric if not bookkeeping(p)], numeric, shown, "list")
    segments = column.split(".")
    node: Any = data
    walked: list[str] = []
    while segments and isinstance(node, dict):
        found = _key(node, segments)
        if found is None:
            within = f" in {'.'.join(walked)}" if walked else ""
            keys = [str(k) for k in node]
            suggestion = did_you_mean(segments[0], keys)
            listing = f"the keys{within} are {list_names(keys)}" if keys else f"the object{within} is empty"
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
            column = choose([k for k in keys if not bookkeeping(k)], keys, shown, "key", where)
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
            listing = f"their numeric keys are {list_names(keys)}" if keys else "they hold no numbers"
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
        f"{shown}, {label}: {brief(odd)} is not {kind}",
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
            raise LrvizError(f"{shown}, {where}: {brief(value)} is not a number", "fix that value")
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if not math.isfinite(number):
            raise LrvizError(
                f"{shown}, {where} holds {brief(value)}, not a finite number",
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
        value = as_number(text)
        if value is None:
            raise LrvizError(
                f"{shown}, line {lineno}: {brief(text)} is not a number", "a .txt metric holds one number per line"
            )
        if not math.isfinite(value):
            raise LrvizError(
                f"{shown}, line {lineno} holds {text}, not a finite number",
                "ReduceLROnPlateau needs finite values: fix or drop that line",
            )
        values.append(value)
    return _Got(values, stem, "")
