"""Where ReduceLROnPlateau's metric comes from: synthetic patterns and training logs.

Expected values are computed independently: files are written here from Python lists
(``repr`` of a float reads back as the same float), the default patterns are checked
against the formula lrviz has always used, and traces are checked against a plain torch
loop that steps torch's own ReduceLROnPlateau with the same values.
"""

from __future__ import annotations

import csv
import json
import random
import re
from pathlib import Path

import numpy as np
import pytest
from clirun import run_ok
from oracles import training_loop
from torch.optim import lr_scheduler

import lrviz
from lrviz.errors import LrvizError
from lrviz.metrics import PATTERNS, default, default_metric, mode_of, parse, pattern_help

# --------------------------------------------------------------------------- helpers


def todays_default(mode: str, steps: int, seed: int = 0) -> np.ndarray:
    """The default pattern as lrviz defined it before patterns existed (the oracle)."""
    t = np.arange(steps, dtype=float)
    scale = max(5.0, steps / 10)
    rng = np.random.default_rng(seed)
    loss = 0.2 + 0.8 * np.exp(-t / scale) + rng.normal(0.0, 0.004, steps)
    return 1.0 - loss if mode == "max" else loss


def known_values(n: int, seed: int = 1) -> list[float]:
    rnd = random.Random(seed)
    return [rnd.uniform(0.05, 2.0) for _ in range(n)]


def write_csv(path, header: list[str], rows: list[list[object]], delimiter: str = ",") -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, delimiter=delimiter)
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if cell is None else repr(cell) if isinstance(cell, float) else cell for cell in row])


def plateau(**kwargs):
    """``make(optimizer)`` for :func:`oracles.training_loop`: torch's ReduceLROnPlateau."""
    return lambda opt: lr_scheduler.ReduceLROnPlateau(opt, **kwargs)


def reductions(lrs) -> int:
    return int(np.count_nonzero(np.diff(np.asarray(lrs)) < 0))


def one_line_error(excinfo) -> str:
    text = str(excinfo.value)
    assert "\n" not in text
    assert text == excinfo.value.one_line()
    return text


# --------------------------------------------------------------------------- synthetic patterns


@pytest.mark.parametrize("n", [1, 2, 7, 10, 57, 100, 1000])
def test_defaults_equal_todays_default(n):
    for mode, text in (("min", "synthetic:plateau"), ("max", "synthetic:accuracy")):
        expected = todays_default(mode, n)
        np.testing.assert_array_equal(parse(text).take(n), expected)
        np.testing.assert_array_equal(default(mode).take(n), expected)
        np.testing.assert_array_equal(default_metric(mode, n), expected)
        np.testing.assert_array_equal(default_metric(mode, n, seed=7), todays_default(mode, n, seed=7))
        np.testing.assert_array_equal(parse(f"{text},seed=7").take(n), todays_default(mode, n, seed=7))


def test_default_names_and_modes():
    assert default("min").name == "synthetic:plateau"
    assert default("max").name == "synthetic:accuracy"
    assert default("min").mode_hint == "min"
    assert default("max").mode_hint == "max"
    with pytest.raises(LrvizError) as excinfo:
        default("maximum")
    assert "'min' or 'max'" in one_line_error(excinfo)


@pytest.mark.parametrize("name", sorted(PATTERNS))
@pytest.mark.parametrize("n", [1, 2, 3, 10, 99, 500])
def test_pattern_makes_exactly_n_reproducible_values(name, n):
    m = parse(f"synthetic:{name}")
    values = m.take(n)
    assert values.shape == (n,)
    assert values.dtype == np.float64
    assert np.all(np.isfinite(values))
    np.testing.assert_array_equal(values, m.take(n))
    np.testing.assert_array_equal(values, parse(f"synthetic:{name}").take(n))
    assert m.length is None
    assert m.take(0).shape == (0,)


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_seed_changes_the_noise(name):
    noise = "" if PATTERNS[name].defaults()["noise"] else ",noise=0.01"
    a = parse(f"synthetic:{name}{noise},seed=1").take(200)
    b = parse(f"synthetic:{name}{noise},seed=2").take(200)
    assert not np.array_equal(a, b)
    np.testing.assert_array_equal(a, parse(f"synthetic:{name}{noise},seed=1").take(200))
    # the noise is the only thing the seed changes
    np.testing.assert_array_equal(
        parse(f"synthetic:{name},noise=0,seed=1").take(200), parse(f"synthetic:{name},noise=0,seed=2").take(200)
    )


@pytest.mark.parametrize("n", [100, 300, 1000])
def test_plateau_falls_then_flattens(n):
    v = parse("synthetic:plateau").take(n)
    first, last = v[: n // 10].mean(), v[-n // 5 :].mean()
    assert last < first - 0.2
    tail = v[-n // 5 :]
    assert tail.std() < 0.02
    assert abs(tail[: len(tail) // 2].mean() - tail[len(tail) // 2 :].mean()) < 0.01


@pytest.mark.parametrize("n", [100, 1000])
def test_plateau_parameters(n):
    v = parse("synthetic:plateau,noise=0,start=2.5,floor=0.5").take(n)
    assert v[0] == 2.5
    assert np.all(np.diff(v) < 0)
    assert abs(v[-1] - 0.5) < 1e-3
    fast = parse("synthetic:plateau,noise=0,scale=2").take(n)
    slow = parse("synthetic:plateau,noise=0").take(n)
    assert fast[5] < slow[5]


@pytest.mark.parametrize("n", [100, 1000])
def test_accuracy_rises_then_stalls(n):
    v = parse("synthetic:accuracy").take(n)
    assert v[-n // 5 :].mean() > v[: n // 10].mean() + 0.2
    assert v[-n // 5 :].std() < 0.02
    clean = parse("synthetic:accuracy,noise=0,start=0.1,final=0.95").take(n)
    assert abs(clean[0] - 0.1) < 1e-12
    assert np.all(np.diff(clean) > 0)
    assert abs(clean[-1] - 0.95) < 1e-3


@pytest.mark.parametrize("n", [200, 1000])
def test_noisy_falls_slowly_under_large_noise(n):
    v = parse("synthetic:noisy").take(n)
    assert v[-n // 5 :].mean() < v[: n // 10].mean() - 0.2
    clean = parse("synthetic:noisy,noise=0").take(n)
    assert np.std(v - clean) > 0.02  # noise much larger than plateau's
    assert np.std(parse("synthetic:plateau").take(n) - parse("synthetic:plateau,noise=0").take(n)) < 0.01
    # still falling in the second half: slow, unlike plateau
    assert clean[n // 2] - clean[-1] > 0.05


@pytest.mark.parametrize("n", [10, 30, 100, 500, 2000])
def test_overfit_minimum_is_inside(n):
    v = parse("synthetic:overfit").take(n)
    low = int(np.argmin(v))
    assert 0 < low < n - 1
    assert v[-1] > v[low] + 0.1
    assert v[0] > v[low] + 0.3


def test_overfit_turn_moves_the_minimum():
    n = 1000
    early = int(np.argmin(parse("synthetic:overfit,noise=0,turn=0.3").take(n)))
    late = int(np.argmin(parse("synthetic:overfit,noise=0,turn=0.7").take(n)))
    assert early < late
    assert 0.3 * n <= early < 0.5 * n
    assert 0.7 * n <= late < 0.9 * n


@pytest.mark.parametrize("n", [100, 200, 1000])
@pytest.mark.parametrize("drops", [2, 4, 6])
def test_steps_has_bursts_and_flat_stretches(n, drops):
    v = parse(f"synthetic:steps,drops={drops}").take(n)
    assert v[0] == 1.0
    assert abs(v[-1] - 0.2) < 1e-12
    moving = np.diff(v) != 0
    assert np.all(np.diff(v) <= 0)
    # runs of change (bursts) and runs of exactly equal values (flat stretches)
    edges = np.flatnonzero(np.diff(moving.astype(int)))
    runs = np.split(moving, edges + 1)
    bursts = [r for r in runs if r[0]]
    flats = [r for r in runs if not r[0]]
    assert len(bursts) == drops
    assert len(flats) == drops
    assert min(len(r) for r in flats) >= 0.6 * n / drops
    levels = sorted({float(x) for x, m in zip(v[1:], moving, strict=True) if not m}, reverse=True)
    assert len(levels) == drops


def test_pattern_help_lists_every_pattern_with_keys():
    rows = pattern_help()
    assert [name for name, _, _ in rows] == list(PATTERNS)
    for (_, mode, line), pattern in zip(rows, PATTERNS.values(), strict=True):
        assert mode in ("min", "max")
        assert mode == pattern.mode
        assert "\n" not in line
        for param in pattern.params:
            assert f"{param.name}={param.default_text}" in line
    assert {n: m for n, m, _ in rows}["accuracy"] == "max"
    assert "max(5, n/10)" in {n: t for n, _, t in rows}["plateau"]


def test_synthetic_name_note_and_spelling():
    m = parse("synthetic:plateau")
    assert (m.source, m.name, m.mode_hint, m.length, m.path) == (
        "synthetic:plateau",
        "synthetic:plateau",
        "min",
        None,
        None,
    )
    assert "\n" not in m.note and "plateau" in m.note and "seed=0" in m.note
    odd = parse("  Synthetic:PLATEAU , Seed = 3 ,noise=0.01, ")
    assert odd.name == "synthetic:plateau,noise=0.01,seed=3"
    np.testing.assert_array_equal(odd.take(50), parse("synthetic:plateau,seed=3,noise=0.01").take(50))
    assert parse("synthetic:plateau,seed=0").name == "synthetic:plateau"  # defaults are not repeated
    assert parse("synthetic:steps").mode_hint == "min"
    assert parse("synthetic:accuracy").mode_hint == "max"


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        ("synthetic:plato", ["'plato'", "did you mean 'plateau'"]),
        ("synthetic:", ["synthetic:NAME", "plateau"]),
        ("synthetic", ["synthetic:NAME"]),
        ("synthetic:plateau,sed=1", ["'sed'", "did you mean 'seed'"]),
        ("synthetic:accuracy,floor=0.1", ["'floor'", "final"]),
        ("synthetic:plateau,seed=1.5", ["seed", "integer", "'1.5'"]),
        ("synthetic:plateau,noise=lots", ["noise", "number", "'lots'"]),
        ("synthetic:plateau,noise=-0.1", ["noise", ">= 0"]),
        ("synthetic:plateau,scale=0", ["scale", "> 0"]),
        ("synthetic:plateau,start=nan", ["start", "finite"]),
        ("synthetic:overfit,turn=1", ["turn", "[0, 1)"]),
        ("synthetic:steps,drops=0", ["drops", ">= 1"]),
        ("synthetic:steps,drops=2.5", ["drops", "integer"]),
        ("synthetic:steps,width=0", ["width", "(0, 1]"]),
        ("synthetic:plateau,seed=1,seed=2", ["seed", "twice"]),
        ("synthetic:plateau,seed", ["'seed'", "key=value"]),
        ("synthetic:plateau,seed=-1", ["seed", ">= 0"]),
        ("", ["empty", "synthetic:plateau"]),
    ],
)
def test_synthetic_errors(text, wanted):
    with pytest.raises(LrvizError) as excinfo:
        parse(text)
    message = one_line_error(excinfo)
    for word in wanted:
        assert word in message


def test_take_rejects_a_bad_count():
    for n in (-1, 2.5, True):
        with pytest.raises(LrvizError) as excinfo:
            parse("synthetic:plateau").take(n)  # type: ignore[arg-type]
        one_line_error(excinfo)
    assert parse("synthetic:plateau").take(np.int64(5)).shape == (5,)


# --------------------------------------------------------------------------- CSV / TSV


def test_csv_columns_by_name_index_and_auto(tmp_path):
    steps = list(range(0, 300, 10))
    loss = known_values(len(steps), seed=1)
    lr = [0.1] * len(steps)
    write_csv(
        tmp_path / "train.csv",
        ["step", "epoch", "lr", "val_loss"],
        [[s, s // 100, lr[0], v] for s, v in zip(steps, loss, strict=True)],
    )
    for column in ("val_loss", "VAL_LOSS", "3", "-1", None):
        text = "train.csv" if column is None else f"train.csv:{column}"
        m = parse(text, tmp_path)
        assert m.take(len(loss)).tolist() == loss
        assert m.take(5).tolist() == loss[:5]
        assert (m.name, m.length, m.mode_hint, m.path, m.source) == ("val_loss", len(loss), "min", "train.csv", text)
        assert m.note == f"val_loss from train.csv: {len(loss)} values"
    assert parse("train.csv:0", tmp_path).take(len(steps)).tolist() == [float(s) for s in steps]
    assert parse("train.csv:lr", tmp_path).take(3).tolist() == lr[:3]


def test_csv_empty_cells_are_skipped_and_counted(tmp_path):
    n = 40
    train = known_values(n, seed=2)
    val = known_values(n, seed=3)
    rows = [[i, t, val[i] if i % 4 == 3 else None] for i, t in enumerate(train)]
    write_csv(tmp_path / "metrics.csv", ["step", "train_loss", "val_acc"], rows)
    m = parse("metrics.csv:val_acc", tmp_path)
    expected = [val[i] for i in range(n) if i % 4 == 3]
    assert m.take(m.length).tolist() == expected
    assert m.length == len(expected)
    assert m.mode_hint == "max"
    assert m.note == f"val_acc from metrics.csv: {len(expected)} values ({n - len(expected)} empty rows skipped)"
    assert parse("metrics.csv:train_loss", tmp_path).take(n).tolist() == train


def test_take_more_than_the_file_has(tmp_path):
    values = known_values(40)
    write_csv(tmp_path / "log.csv", ["epoch", "val_loss"], [[i, v] for i, v in enumerate(values)])
    m = parse("log.csv", tmp_path)
    assert m.take(40).tolist() == values
    with pytest.raises(LrvizError) as excinfo:
        m.take(60)
    message = one_line_error(excinfo)
    assert "the metric in log.csv has 40 values, fewer than the 60 needed" in message
    assert "-n 40 or fewer" in message


def test_tsv_semicolons_and_headerless(tmp_path):
    values = known_values(12, seed=4)
    write_csv(tmp_path / "log.tsv", ["Epoch", "Accuracy"], [[i, v] for i, v in enumerate(values)], delimiter="\t")
    m = parse("log.tsv", tmp_path)
    assert m.take(12).tolist() == values
    assert (m.name, m.mode_hint) == ("Accuracy", "max")
    write_csv(tmp_path / "eu.csv", ["epoch", "loss"], [[i, v] for i, v in enumerate(values)], delimiter=";")
    assert parse("eu.csv", tmp_path).take(12).tolist() == values
    (tmp_path / "plain.csv").write_text("".join(f"{v!r}\n" for v in values))
    assert parse("plain.csv", tmp_path).take(12).tolist() == values
    (tmp_path / "pairs.csv").write_text("".join(f"{i},{v!r}\n" for i, v in enumerate(values)))
    assert parse("pairs.csv:1", tmp_path).take(12).tolist() == values


def test_paths_relative_to_base_dir_or_cwd(tmp_path, monkeypatch):
    values = known_values(5)
    (tmp_path / "logs").mkdir()
    write_csv(tmp_path / "logs" / "a.csv", ["step", "loss"], [[i, v] for i, v in enumerate(values)])
    assert parse("logs/a.csv", tmp_path).take(5).tolist() == values
    assert parse("a.csv:loss", tmp_path / "logs").take(5).tolist() == values
    assert parse(str(tmp_path / "logs" / "a.csv")).take(5).tolist() == values
    monkeypatch.chdir(tmp_path)
    assert parse("logs/a.csv:loss").take(5).tolist() == values
    with pytest.raises(LrvizError) as excinfo:
        parse("a.csv")
    assert "no such file: a.csv" in one_line_error(excinfo)


def test_a_path_containing_a_colon(tmp_path):
    values = known_values(6)
    write_csv(tmp_path / "run:3.csv", ["step", "loss", "acc"], [[i, v, 1 - v] for i, v in enumerate(values)])
    assert parse("run:3.csv:loss", tmp_path).take(6).tolist() == values
    assert parse("run:3.csv:2", tmp_path).take(6).tolist() == [1 - v for v in values]


# --------------------------------------------------------------------------- JSON / JSONL / TXT


def trainer_state(n_epochs: int = 6, logs_per_epoch: int = 4) -> dict:
    """A Hugging Face trainer_state.json: training logs, then an eval record, each epoch."""
    rnd = random.Random(5)
    history: list[dict] = []
    step = 0
    for epoch in range(1, n_epochs + 1):
        for _ in range(logs_per_epoch):
            step += 10
            history.append(
                {
                    "epoch": step / (10 * logs_per_epoch),
                    "grad_norm": rnd.uniform(0.5, 3),
                    "learning_rate": 5e-5,
                    "loss": rnd.uniform(0.2, 2),
                    "step": step,
                }
            )
        history.append(
            {
                "epoch": float(epoch),
                "eval_accuracy": rnd.uniform(0.5, 0.9),
                "eval_loss": rnd.uniform(0.2, 2),
                "eval_runtime": rnd.uniform(1, 3),
                "eval_samples_per_second": rnd.uniform(100, 200),
                "eval_steps_per_second": rnd.uniform(10, 20),
                "step": step,
            }
        )
    history.append(
        {"epoch": float(n_epochs), "step": step, "total_flos": 1e12, "train_loss": 0.5, "train_runtime": 60.0}
    )
    return {
        "best_metric": None,
        "epoch": float(n_epochs),
        "global_step": step,
        "log_history": history,
        "max_steps": step,
    }


def test_hugging_face_trainer_state(tmp_path):
    state = trainer_state()
    (tmp_path / "trainer_state.json").write_text(json.dumps(state, indent=2))
    expected = [r["eval_loss"] for r in state["log_history"] if "eval_loss" in r]
    m = parse("trainer_state.json:log_history.eval_loss", tmp_path)
    assert m.take(len(expected)).tolist() == expected
    assert (m.name, m.mode_hint, m.length) == ("eval_loss", "min", len(expected))
    skipped = len(state["log_history"]) - len(expected)
    assert m.note == (
        f"log_history.eval_loss from trainer_state.json: {len(expected)} values "
        f"({skipped} records without eval_loss skipped)"
    )
    acc = parse("trainer_state.json:log_history.eval_accuracy", tmp_path)
    assert acc.take(acc.length).tolist() == [r["eval_accuracy"] for r in state["log_history"] if "eval_accuracy" in r]
    assert acc.mode_hint == "max"
    train = parse("trainer_state.json:log_history.loss", tmp_path)
    assert train.take(train.length).tolist() == [r["loss"] for r in state["log_history"] if "loss" in r]
    for text in ("trainer_state.json", "trainer_state.json:log_history"):
        with pytest.raises(LrvizError) as excinfo:
            parse(text, tmp_path)
        message = one_line_error(excinfo)
        assert "several" in message
        assert "eval_loss" in message
        assert "e.g. trainer_state.json:log_history.eval_" in message  # a held-out metric, by its full path
        assert "learning_rate" not in message and "runtime" not in message


def test_json_shapes(tmp_path):
    values = known_values(20, seed=6)
    (tmp_path / "list.json").write_text(json.dumps(values))
    m = parse("list.json", tmp_path)
    assert m.take(20).tolist() == values
    assert (m.name, m.note) == ("list", "list.json: 20 values")
    (tmp_path / "nulls.json").write_text(json.dumps([None, *values[:3], None]))
    assert parse("nulls.json", tmp_path).take(3).tolist() == values[:3]
    assert "2 null values skipped" in parse("nulls.json", tmp_path).note
    (tmp_path / "obj.json").write_text(json.dumps({"epoch": list(range(20)), "val_loss": values, "name": "run"}))
    assert parse("obj.json", tmp_path).take(20).tolist() == values
    assert parse("obj.json:val_loss", tmp_path).take(20).tolist() == values
    nested = {"metrics": {"val": {"top1.acc": values}}, "steps": list(range(20))}
    (tmp_path / "nested.json").write_text(json.dumps(nested))
    m = parse("nested.json:metrics.val.top1.acc", tmp_path)  # a key may contain a dot
    assert m.take(20).tolist() == values
    assert (m.name, m.mode_hint) == ("top1.acc", "max")
    assert parse("nested.json", tmp_path).take(20).tolist() == values
    records = [{"epoch": i, "val": {"loss": v}} if i % 2 else {"epoch": i} for i, v in enumerate(values)]
    (tmp_path / "records.json").write_text(json.dumps(records))
    m = parse("records.json:val.loss", tmp_path)
    assert m.take(m.length).tolist() == values[1::2]
    assert "10 records without loss skipped" in m.note
    rows = [[1.5e9 + i, i, v] for i, v in enumerate(values)]
    (tmp_path / "tensorboard.json").write_text(json.dumps(rows))
    assert parse("tensorboard.json:2", tmp_path).take(20).tolist() == values


def test_jsonl_records(tmp_path):
    values = known_values(15, seed=7)
    lines = []
    for i, v in enumerate(values):
        lines.append(json.dumps({"step": i * 10, "train/loss": v / 2}))
        if i % 3 == 0:
            lines.append("")
        lines.append(json.dumps({"step": i * 10, "val_loss": v, "extra": {"val_acc": 1 - v}}))
    (tmp_path / "log.jsonl").write_text("\n".join(lines) + "\n")
    m = parse("log.jsonl:val_loss", tmp_path)
    assert m.take(15).tolist() == values
    assert m.note == "val_loss from log.jsonl: 15 values (15 records without val_loss skipped)"
    assert parse("log.jsonl:extra.val_acc", tmp_path).take(15).tolist() == [1 - v for v in values]
    assert parse("log.jsonl:train/loss", tmp_path).take(15).tolist() == [v / 2 for v in values]
    (tmp_path / "one.jsonl").write_text(
        "".join(json.dumps({"epoch": i, "acc": v}) + "\n" for i, v in enumerate(values))
    )
    assert parse("one.jsonl", tmp_path).take(15).tolist() == values


def test_txt_one_number_per_line(tmp_path):
    values = known_values(30, seed=8)
    body = "# validation loss, one per epoch\n" + "".join(
        f"{v!r}\n" + ("\n" if i % 7 == 0 else "") for i, v in enumerate(values)
    )
    (tmp_path / "val_loss.txt").write_text(body)
    m = parse("val_loss.txt", tmp_path)
    assert m.take(30).tolist() == values
    assert (m.name, m.mode_hint, m.length, m.note) == ("val_loss", "min", 30, "val_loss.txt: 30 values")


# --------------------------------------------------------------------------- file errors


FILE_ERRORS = [
    # (file name, content or None for none, metric text, words the message must hold)
    ("a.csv", None, "nope.csv:val_loss", ["no such file: nope.csv"]),
    ("train.csv", "step,loss\n1,0.5\n", "trian.csv", ["no such file: trian.csv", "did you mean 'train.csv'"]),
    ("a.csv", None, "synthetc:plateau", ["no such file", "did you mean 'synthetic:plateau'"]),
    ("a.csv", None, "plateau", ["no such file", "did you mean 'synthetic:plateau'"]),
    ("log.dat", "1\n2\n", "log.dat", ["log.dat", ".csv"]),
    ("empty.csv", "", "empty.csv", ["empty.csv is empty"]),
    ("blank.txt", "\n  \n", "blank.txt", ["blank.txt is empty"]),
    ("head.csv", "step,val_loss\n", "head.csv:val_loss", ["head.csv", "no values", "val_loss"]),
    ("bad.csv", "step,val_loss\n1,0.5\n2,oops\n", "bad.csv:val_loss", ["bad.csv", "line 3", "'val_loss'", "'oops'"]),
    ("nan.csv", "step,val_loss\n1,0.5\n2,0.4\n3,nan\n", "nan.csv", ["nan.csv", "line 4", "'val_loss'", "finite"]),
    ("inf.csv", "step,val_loss\n1,inf\n", "inf.csv:val_loss", ["inf.csv", "line 2", "finite"]),
    ("cols.csv", "step,val_loss\n1,0.5\n", "cols.csv:val_los", ["cols.csv", "'val_los'", "did you mean 'val_loss'"]),
    ("cols.csv", "step,val_loss\n1,0.5\n", "cols.csv:5", ["cols.csv", "column 5", "2 columns"]),
    ("two.csv", "step,val_loss,val_acc\n1,0.5,0.7\n", "two.csv", ["two.csv", "val_loss", "val_acc", "two.csv:val_"]),
    ("steps.csv", "step,epoch\n1,0\n", "steps.csv", ["steps.csv", "step", "epoch"]),
    ("words.csv", "name,phase\nrun,train\n", "words.csv", ["words.csv", "no numeric column"]),
    ("bad.json", "[1, 2,", "bad.json", ["bad.json", "not valid JSON"]),
    ("nan.json", "[0.5, 0.4, NaN]", "nan.json", ["nan.json", "item 2", "finite"]),
    ("str.json", '[0.5, "0.4"]', "str.json", ["str.json", "item 1", "'0.4' is not a number"]),
    ("mix.json", '[{"loss": 0.5}, 0.4]', "mix.json:loss", ["mix.json", "item 1", "not a record"]),
    ("one.json", "0.5", "one.json", ["one.json", "single"]),
    ("list.json", "[0.5, 0.4]", "list.json:val_loss", ["list.json", "plain list", "val_loss"]),
    ("obj.json", '{"val_loss": [0.5]}', "obj.json:val_los", ["obj.json", "'val_los'", "did you mean 'val_loss'"]),
    ("obj.json", '{"best": 0.5}', "obj.json:best", ["obj.json", "best", "not a list"]),
    ("rec.json", '[{"loss": 0.5}, {"loss": 0.4}]', "rec.json:los", ["rec.json", "'los'", "did you mean 'loss'"]),
    ("rec.json", '[{"loss": 0.5}, {"loss": "x"}]', "rec.json:loss", ["rec.json", "item 1", "'x'", "not a number"]),
    ("big.json", "[0.5, 1e999]", "big.json", ["big.json", "item 1", "finite"]),
    ("log.jsonl", '{"loss": 0.5}\n{oops}\n', "log.jsonl", ["log.jsonl", "line 2", "not valid JSON"]),
    (
        "log.jsonl",
        '{"loss": 0.5}\n\n{"loss": null}\n{"loss": []}\n',
        "log.jsonl:loss",
        ["log.jsonl", "line 4", "not a number"],
    ),
    ("log.jsonl", '{"loss": 0.5}\n{"loss": Infinity}\n', "log.jsonl:loss", ["log.jsonl", "line 2", "finite"]),
    ("v.txt", "0.5\n0.4\nabc\n", "v.txt", ["v.txt", "line 3", "'abc'", "not a number"]),
    ("v.txt", "0.5\n-inf\n", "v.txt", ["v.txt", "line 2", "finite"]),
    ("v.txt", "0.5\n", "v.txt:loss", ["v.txt", "no column", "loss"]),
]


@pytest.mark.parametrize(("name", "content", "text", "wanted"), FILE_ERRORS)
def test_file_errors_are_one_line(tmp_path, name, content, text, wanted):
    if content is not None:
        (tmp_path / name).write_text(content)
    with pytest.raises(LrvizError) as excinfo:
        parse(text, tmp_path)
    message = one_line_error(excinfo)
    for word in wanted:
        assert word in message, (word, message)


def test_directory_and_undecodable_files(tmp_path):
    (tmp_path / "logs").mkdir()
    with pytest.raises(LrvizError) as excinfo:
        parse("logs", tmp_path)
    assert "logs is a directory" in one_line_error(excinfo)
    (tmp_path / "latin.csv").write_bytes("step,pérte\n1,0.5\n".encode("latin-1"))
    with pytest.raises(LrvizError) as excinfo:
        parse("latin.csv", tmp_path)
    assert "latin.csv is not UTF-8" in one_line_error(excinfo)


@pytest.mark.parametrize(
    ("name", "mode"),
    [
        ("val_loss", "min"),
        ("eval_loss", "min"),
        ("valLoss", "min"),
        ("top1_error", "min"),
        ("perplexity", "min"),
        ("val_acc", "max"),
        ("eval_accuracy", "max"),
        ("Accuracy", "max"),
        ("val/f1", "max"),
        ("top1", "max"),
        ("grad_norm", None),
        ("lr", None),
        ("synthetic:plateau", None),
    ],
)
def test_mode_of_a_name(name, mode):
    assert mode_of(name) == mode


# --------------------------------------------------------------------------- driving torch


@pytest.mark.parametrize("n", [20, 60, 200])
def test_accuracy_drives_torch_in_max_mode(n):
    values = parse("synthetic:accuracy").take(n)
    t = lrviz.trace("ReduceLROnPlateau(mode='max', patience=3)", steps=n, metric=values)
    expected = training_loop(plateau(mode="max", patience=3), n, metric=values, backward=True).lr[0]
    np.testing.assert_array_equal(t.lr[0], expected)
    if n >= 60:
        assert reductions(expected) >= 1


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_every_pattern_drives_torch_exactly(name):
    n = 300
    pattern = PATTERNS[name]
    values = parse(f"synthetic:{name}").take(n)
    t = lrviz.trace(f"ReduceLROnPlateau(mode='{pattern.mode}', patience=5)", steps=n, metric=values)
    expected = training_loop(plateau(mode=pattern.mode, patience=5), n, metric=values, backward=True).lr[0]
    np.testing.assert_array_equal(t.lr[0], expected)
    assert reductions(expected) >= 1


def test_a_csv_column_drives_torch(tmp_path):
    n = 120
    val = parse("synthetic:overfit,seed=4").take(n).tolist()
    train = parse("synthetic:plateau,seed=9").take(n).tolist()
    write_csv(
        tmp_path / "log.csv",
        ["epoch", "train_loss", "val_loss"],
        [[i, a, b] for i, (a, b) in enumerate(zip(train, val, strict=True))],
    )
    values = parse("log.csv:val_loss", tmp_path).take(n)
    assert values.tolist() == val
    t = lrviz.trace("ReduceLROnPlateau(patience=4, factor=0.5)", steps=n, metric=values)
    expected = training_loop(plateau(patience=4, factor=0.5), n, metric=val, backward=True).lr[0]
    np.testing.assert_array_equal(t.lr[0], expected)
    assert reductions(expected) >= 2


def test_steps_gives_several_reductions_and_noise_makes_patience_matter():
    n = 400
    steps = parse("synthetic:steps").take(n)
    assert (
        reductions(training_loop(plateau(patience=10), n, metric=steps, backward=True).lr[0])
        >= PATTERNS["steps"].defaults()["drops"]
    )
    noisy = parse("synthetic:noisy").take(n)
    impatient = reductions(training_loop(plateau(patience=2), n, metric=noisy, backward=True).lr[0])
    patient = reductions(training_loop(plateau(patience=20), n, metric=noisy, backward=True).lr[0])
    assert impatient > patient
    clean = parse("synthetic:noisy,noise=0").take(n)
    assert impatient > reductions(training_loop(plateau(patience=2), n, metric=clean, backward=True).lr[0])


def test_every_pattern_is_named_where_users_look(capsys):
    """The user guide's ``synthetic:NAME`` item names every pattern and no other, and ``lrviz
    describe reducelronplateau`` (where --metric's help sends users) lists each with its
    mode. That each name makes n values through parse() is
    test_pattern_makes_exactly_n_reproducible_values; pattern_help()'s keys,
    test_pattern_help_lists_every_pattern_with_keys."""
    guide = (Path(__file__).resolve().parent.parent / "docs" / "guide.md").read_text(encoding="utf-8")
    item = re.search(r"^- `synthetic:NAME.*?(?=\n\n|\n- )", guide, flags=re.S | re.M)
    assert item, "docs/guide.md has no synthetic:NAME item"
    named = set(re.findall(r"`(\w+)`", item.group(0)))
    keys = {param.name for pattern in PATTERNS.values() for param in pattern.params}
    assert not set(PATTERNS) - named, f"docs/guide.md does not name {sorted(set(PATTERNS) - named)}"
    unknown = sorted(named - keys - set(PATTERNS))
    assert not unknown, f"docs/guide.md names no such pattern: {unknown}"
    out, _ = run_ok(capsys, "describe", "reducelronplateau")
    listed = re.findall(r"^ +synthetic:(\w+) \((\w+)\) ", out, flags=re.M)
    assert listed == [(pattern.name, pattern.mode) for pattern in PATTERNS.values()]
