"""The hostile suite: what a careful adversary tries against lrviz, case by case, grouped by
category (see tests/hostile.py for what each case must hold and how it runs).

- spec: spec strings and options that try to run code, nest, overflow or confuse;
- values: huge, negative, non-finite and non-integer numbers;
- files-out: output paths that are links, read-only, special or too long;
- gallery: a gallery folder holding someone else's files, links, a doctored manifest;
- hang: named pipes, devices, sockets and huge terminals that must not block lrviz;
- memory: sizes that must be refused or streamed, under an address-space cap;
- internal: bad input that once gave "internal error" (a bug report for lrviz's own bugs);
- environment: broken locales, backends, matplotlibrc files, a vanished current folder;
- explorer: whatever is typed into the explorer's fields;
- user-code: a user's class that exits, prints or never returns;
- streams: closed or full standard streams, --print-code into a file, ctrl+c;
- escapes: control characters in labels, titles, file and column names, docstrings;
- messages: errors and notes that say what is true;
- fidelity: values equal to torch's, bit for bit, where Python's arithmetic is subtle.

The default run takes every in-process case and a representative subset of the subprocess
ones; ``-m slow`` runs every command-line case in a subprocess as well.
"""

from __future__ import annotations

import json
import math
import os
import re
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hostile import (
    Case,
    Result,
    all_of,
    both,
    chmod,
    env_for,
    fifo,
    files,
    lines_at_most,
    link,
    no_escapes,
    run_inprocess,
    run_subprocess,
    snapshot,
    socket_file,
    sparse,
    stdout_is_csv,
    stdout_is_json,
    unchanged,
    valid_output,
    verify,
)
from oracles import training_loop

CASES: list[Case] = []


def case(category: str, name: str, *argv: str, **kwargs: Any) -> None:
    CASES.append(Case(category, name, tuple(argv), **kwargs))


def ok(category: str, name: str, *argv: str, **kwargs: Any) -> None:
    CASES.append(Case(category, name, tuple(argv), expect="ok", **kwargs))


def python(category: str, name: str, run: Any, default: bool = True) -> None:
    CASES.append(Case(category, name, where="python", run=run, default=default))


STEP = ("steplr", "--step-size", "3", "-n", "10")
PWNED = "touch pwned"


# ======================================================================================
# spec: nothing in a spec runs code, however it is written


for name, text in [
    ("import call", f"__import__('os').system('{PWNED}')"),
    ("import as value", f"StepLR(step_size=__import__('os').system('{PWNED}'))"),
    ("import in lambda", f"LambdaLR(lr_lambda=lambda e: __import__('os').system('{PWNED}'))"),
    ("open in lambda", "LambdaLR(lr_lambda=lambda e: open('pwned', 'w'))"),
    ("dunder in lambda", "LambdaLR(lr_lambda=lambda e: e.__class__.__bases__)"),
    ("subclasses string", "LambdaLR(lr_lambda='().__class__.__bases__[0].__subclasses__()')"),
    ("string mode from os", "CyclicLR(base_lr=0.1, max_lr=0.2, mode=__import__('os').name)"),
    ("walrus", "StepLR(step_size=(x := 3))"),
    ("comprehension", "MultiStepLR(milestones=[i for i in range(10**9)])"),
    ("generator", "MultiStepLR(milestones=list(i for i in range(3)))"),
    ("statements", "StepLR(step_size=3); import os"),
    ("exec", "exec('import os')"),
    ("eval in arg", "StepLR(step_size=eval('3'))"),
    ("getattr", "StepLR(step_size=getattr(3, 'real'))"),
    ("star args", "StepLR(*[3])"),
    ("double star", "StepLR(**{'step_size': 3})"),
    ("fstring", "StepLR(step_size=f'{3}')"),
    ("subscript", "StepLR(step_size=[3][0])"),
    ("conditional constant", "StepLR(step_size=3 if True else 4)"),
    ("bytes", "StepLR(step_size=b'3')"),
    ("complex", "StepLR(step_size=3j)"),
    ("set", "MultiStepLR(milestones={3, 4})"),
    ("dict", "MultiStepLR(milestones={3: 4})"),
    ("duplicate keyword", "StepLR(step_size=3, step_size=4)"),
    ("optimizer from os", "StepLR(optimizer=__import__('os'), step_size=3)"),
    ("list times int", "CyclicLR(base_lr=[0.1] * 3, max_lr=0.2)"),
    ("schedulers times two", "SequentialLR(schedulers=[StepLR(step_size=3)] * 2, milestones=[5])"),
    ("attribute of a class", "torch.optim.lr_scheduler.StepLR.__init__(step_size=3)"),
    ("class of a module", "os:system('touch pwned')"),
    ("popen as a schedule", "subprocess:Popen(args='touch pwned')"),
    ("builtins exec", "builtins:exec('1')"),
    ("fullwidth digit", "StepLR(step_size=\uff13)"),
    ("syntax error", "StepLR(step_size=3"),
    ("empty", ""),
    ("blank", "   "),
    ("too long", "StepLR(step_size=" + "1+" * 3000 + "1)"),
    ("nested parens", "StepLR(step_size=" + "(" * 300 + "3" + ")" * 300 + ")"),
    ("nested lists", "MultiStepLR(milestones=" + "[" * 200 + "3" + "]" * 200 + ")"),
    ("nested schedules", "ChainedScheduler([" * 150 + "StepLR(step_size=3)" + "])" * 150),
    ("lambda without argument", "LambdaLR(lr_lambda=lambda: 1)"),
    ("lambda of two", "LambdaLR(lr_lambda=lambda a, b: 1)"),
    ("lambda varargs", "LambdaLR(lr_lambda=lambda e, *a: 1)"),
    ("lambda list", "LambdaLR(lr_lambda=lambda e: [e])"),
    ("lambda string", "LambdaLR(lr_lambda=lambda e: 'x')"),
    ("lambda attribute", "LambdaLR(lr_lambda=lambda e: math.os)"),
    ("lambda calling a lambda", "LambdaLR(lr_lambda=lambda e: (lambda: 1)())"),
    ("lambda too long", "LambdaLR(lr_lambda=lambda e: " + "e+" * 300 + "e)"),
    ("power tower in a constant", "StepLR(step_size=9**9**9)"),
]:
    case("spec", name, "plot", text, "-n", "5", check=lambda r, f: not (f / "pwned").exists() or pytest.fail("ran"))
# a command line cannot hold a NUL; main() can be given one
case("spec", "NUL", "plot", "StepLR(step_size=\x003)", "-n", "5", where="inprocess")

case(
    "spec",
    "power tower in a lambda",
    "plot",
    "LambdaLR(lr_lambda=lambda e: e ** e ** e)",
    "-n",
    "8",
    says=("too large",),
)
case("spec", "huge power in a lambda", "plot", "LambdaLR(lr_lambda=lambda e: 9**9**9)", "-n", "5", says=("too large",))
case("spec", "option runs no code", "plot", "steplr", "--step-size", f"__import__('os').system('{PWNED}')")
case("spec", "lambda option runs no code", "plot", "lambdalr", "--lr-lambda", f"__import__('os').system('{PWNED}')")
case("spec", "option NUL", "plot", "steplr", "--step-size", "3\x00", where="inprocess")
case("spec", "every zero", "table", *STEP, "--every", "0")
case("spec", "unknown option", "plot", *STEP, "--gama", "0.5", says=("did you mean",))
case("spec", "option without value", "plot", "steplr", "--step-size", says=("--step-size",))


# ======================================================================================
# values: numbers at and past the edges

BIG = str(2**1024 - 1)  # the largest integer a spec may hold: 1024 bits
case("values", "T_max 1024 bits", "plot", f"CosineAnnealingLR(T_max={BIG})", says=("OverflowError",))
case("values", "T_max 1024 bits with -n", "plot", f"CosineAnnealingLR(T_max={BIG})", "-n", "10", says=("T_max",))
case("values", "integer beyond 1024 bits", "plot", f"StepLR(step_size={2**1025})", says=("too large",))
ok(
    "values",
    "milestone 1023 bits",
    "plot",
    f"MultiStepLR(milestones=[{2**1023}])",
    "-n",
    "10",
    "-o",
    "m.png",
    files=("m.png",),
)
ok(
    "values",
    "total_steps 1023 bits",
    "plot",
    f"OneCycleLR(max_lr=0.1, total_steps={2**1023})",
    "-n",
    "10",
    "-o",
    "o.png",
    files=("o.png",),
)
case(
    "values",
    "total_steps 1024 bits",
    "plot",
    f"OneCycleLR(max_lr=0.1, total_steps={BIG})",
    "-n",
    "10",
    says=("total_steps",),
)
ok("values", "step_size 1023 bits", "plot", f"StepLR(step_size={2**1023})", "-n", "10", "-o", "s.png", files=("s.png",))
ok(
    "values",
    "patience 1023 bits",
    "plot",
    f"ReduceLROnPlateau(patience={2**1023})",
    "-n",
    "10",
    "-o",
    "p.png",
    files=("p.png",),
)
case(
    "values",
    "warm restarts 1023 bits",
    "plot",
    f"CosineAnnealingWarmRestarts(T_0={2**1023})",
    "-n",
    "10",
    "-o",
    "w.png",
    expect="clean",
    files=("w.png",),
)
case(
    "values",
    "gamma 1e400",
    "plot",
    "ExponentialLR(gamma=1e400)",
    "-n",
    "5",
    "-o",
    "g.png",
    expect="clean",
    files=("g.png",),
)
case(
    "values",
    "gamma nan",
    "plot",
    "ExponentialLR(gamma=nan)",
    "-n",
    "5",
    "-o",
    "g.png",
    expect="clean",
    files=("g.png",),
)
for value in ("1e400", "nan", "-0.1", "inf", "abc"):
    case("values", f"lr {value}", "plot", *STEP, "--lr", value, says=("lr",))
for value in ("nan", "-1", "inf"):
    case("values", f"momentum {value}", "plot", *STEP, "--momentum", value, says=("--momentum",))
case("values", "betas nan", "plot", *STEP, "--optimizer", "adam", "--betas", "nan,0.9", says=("--betas",))
case("values", "betas 1.5", "plot", *STEP, "--optimizer", "adam", "--betas", "1.5,0.9", says=("--betas",))
case("values", "group lr nan", "plot", *STEP, "--group-lr", "nan", says=("learning rate",))
for value in ("1e12", "-5", "0", "1.5", "nan", "inf", "1e400", "99999999999999999999999", "ten"):
    case("values", f"steps {value}", "plot", "steplr", "--step-size", "3", "-n", value, says=("step",))
case("values", "steps per epoch 0", "plot", *STEP, "--steps-per-epoch", "0", says=("--steps-per-epoch",))
case("values", "dpi huge", "plot", *STEP, "--dpi", "100000", says=("--dpi",))
for size in ("1e308x1", "nanxnan", "infx2", "0x0", "8x", "x4", "8x4x2"):
    case("values", f"size {size}", "plot", *STEP, "--size", size, says=("--size",))
case("values", "every 10**30", "table", *STEP, "--every", str(10**30), expect="clean")
case(
    "values",
    "cyclic overflowing range",
    "plot",
    "cycliclr",
    "--base-lr",
    "1e308",
    "--max-lr",
    "-1e308",
    "-n",
    "5",
    "-o",
    "c.png",
    expect="clean",
    files=("c.png",),
)
case(
    "values",
    "step_size negative warned",
    "plot",
    "StepLR(step_size=-5)",
    "-n",
    "20",
    "-o",
    "s.png",
    expect="ok",
    files=("s.png",),
    says=("step_size=-5 is negative",),
)
case("values", "total_steps negative", "plot", "OneCycleLR(max_lr=0.1, total_steps=-5)", says=("total_steps",))
case("values", "epochs negative", "plot", "OneCycleLR(max_lr=0.1, epochs=-1, steps_per_epoch=10)", says=("epochs",))
ok("values", "T_max 4.3", "plot", "CosineAnnealingLR(T_max=4.3)", "-n", "20", "-o", "c.png", files=("c.png",))
ok(
    "values",
    "step_size_up 2.5",
    "plot",
    "cycliclr",
    "--base-lr",
    "0.1",
    "--max-lr",
    "0.2",
    "--step-size-up",
    "2.5",
    "-n",
    "20",
    "-o",
    "c.png",
    files=("c.png",),
)
case("values", "step_size 2.5 refused", "plot", "StepLR(step_size=2.5)", says=("integer",))
ok(
    "values",
    "infinite lambda as json",
    "table",
    "LambdaLR(lr_lambda=lambda e: 1e308 * 10)",
    "-n",
    "3",
    "-f",
    "json",
    check=lambda r, f: json.loads(r.out)["groups"][0]["lr"] == [None, None, None] or pytest.fail(r.out),
)
case(
    "values",
    "too many values",
    "plot",
    *STEP[:3],
    "-n",
    "1000000",
    *["--group-lr", "0.1"] * 41,
    says=("too many values",),
)


# ======================================================================================
# files-out: an output path lrviz must write through, or refuse, never replace


def link_then_write(result: Result, folder: Path) -> None:
    assert (folder / "out.png").is_symlink(), "the link was replaced by a file"
    valid_output(folder / "target.png")


ok(
    "files-out",
    "onto a link writes through it",
    "plot",
    *STEP,
    "-o",
    "out.png",
    setup=both(files({"target.png": b"old"}), link("out.png", "target.png")),
    check=link_then_write,
)
ok(
    "files-out",
    "onto a dangling link makes its target",
    "plot",
    *STEP,
    "-o",
    "out.png",
    setup=link("out.png", "target.png"),
    check=link_then_write,
)
case(
    "files-out",
    "a link into a missing folder",
    "plot",
    *STEP,
    "-o",
    "out.png",
    setup=link("out.png", "nowhere/target.png"),
    says=("does not exist",),
)
case(
    "files-out",
    "read-only file",
    "plot",
    *STEP,
    "-o",
    "ro.png",
    setup=both(files({"ro.png": b"keep"}), chmod("ro.png", 0o444)),
    says=("read-only",),
)
case(
    "files-out",
    "a link to a read-only file",
    "plot",
    *STEP,
    "-o",
    "out.png",
    setup=both(files({"ro.png": b"keep"}), chmod("ro.png", 0o444), link("out.png", "ro.png")),
    says=("read-only",),
)
case(
    "files-out",
    "the default name read-only",
    "plot",
    "steplr",
    "--step-size",
    "3",
    "-n",
    "10",
    setup=both(files({"steplr.png": b"keep"}), chmod("steplr.png", 0o400)),
    says=("read-only",),
)


def mode_kept(mode: int) -> Any:
    def check(result: Result, folder: Path) -> None:
        assert stat.S_IMODE(os.stat(folder / "f.png").st_mode) == mode

    return check


ok(
    "files-out",
    "a 0600 file stays 0600",
    "plot",
    *STEP,
    "-o",
    "f.png",
    setup=both(files({"f.png": b"x"}), chmod("f.png", 0o600)),
    files=("f.png",),
    check=mode_kept(0o600),
)
ok(
    "files-out",
    "a 0640 file stays 0640",
    "plot",
    *STEP,
    "-o",
    "f.png",
    setup=both(files({"f.png": b"x"}), chmod("f.png", 0o640)),
    files=("f.png",),
    check=mode_kept(0o640),
)
NAME_250 = "n" * 246 + ".png"
ok("files-out", "a 250-byte name", "plot", *STEP, "-o", NAME_250, files=(NAME_250,))
ok("files-out", "a 255-byte name", "plot", *STEP, "-o", "n" * 251 + ".svg", files=("n" * 251 + ".svg",))
case("files-out", "a 256-byte name", "plot", *STEP, "-o", "n" * 252 + ".png", says=("file name",))
case("files-out", "into a missing folder", "plot", *STEP, "-o", "sub/x.png", says=("does not exist",))
case(
    "files-out", "onto a folder", "plot", *STEP, "-o", "d.png", setup=lambda f: (f / "d.png").mkdir(), says=("folder",)
)
case(
    "files-out",
    "onto a named pipe",
    "plot",
    *STEP,
    "-o",
    "p.png",
    setup=fifo("p.png"),
    says=("named pipe",),
    where="subprocess",
    default=True,
    timeout=30,
)
case(
    "files-out",
    "onto a device through a link",
    "plot",
    *STEP,
    "-o",
    "null.png",
    setup=link("null.png", "/dev/null"),
    says=("device",),
)
case("files-out", "onto /dev/null", "plot", *STEP, "-o", "/dev/null", says=("format",))
case(
    "files-out",
    "one read-only among three",
    "plot",
    *STEP,
    "-o",
    "a.png",
    "-o",
    "ro.svg",
    "-o",
    "c.pdf",
    setup=both(files({"ro.svg": b"keep"}), chmod("ro.svg", 0o444)),
    says=("read-only",),
)
ok(
    "files-out",
    "three formats",
    "plot",
    *STEP,
    "-o",
    "a.png",
    "-o",
    "b.svg",
    "-o",
    "c.pdf",
    files=("a.png", "b.svg", "c.pdf"),
)
case("files-out", "jpg", "plot", *STEP, "-o", "x.jpg", says=(".png",))
case("files-out", "no extension", "plot", *STEP, "-o", "figure", says=(".png",))
case(
    "files-out",
    "config output read-only",
    "plot",
    "--config",
    "c.toml",
    setup=both(
        files({"c.toml": 'out = "ro.png"\nsteps = 5\n[[schedule]]\nspec = "StepLR(step_size=3)"\n', "ro.png": b"keep"}),
        chmod("ro.png", 0o444),
    ),
    says=("read-only",),
)


def export_through_link(folder: Path) -> None:
    import lrviz
    from lrviz import explore

    (folder / "real.png").write_bytes(b"old")
    os.symlink("real.png", folder / "lrviz-StepLR.png")
    explore.export([lrviz.trace("StepLR(step_size=3)", 10)], folder)
    assert (folder / "lrviz-StepLR.png").is_symlink()
    valid_output(folder / "real.png")
    valid_output(folder / "lrviz-StepLR.svg")
    assert not list(folder.glob(".lrviz-*"))


python("files-out", "the explorer's export writes through a link", export_through_link)


def export_read_only(folder: Path) -> None:
    import lrviz
    from lrviz import explore
    from lrviz.errors import LrvizError

    (folder / "lrviz-StepLR.svg").write_bytes(b"keep")
    os.chmod(folder / "lrviz-StepLR.svg", 0o444)
    with pytest.raises(LrvizError, match="read-only"):
        explore.export([lrviz.trace("StepLR(step_size=3)", 10)], folder)
    assert (folder / "lrviz-StepLR.svg").read_bytes() == b"keep"
    assert not (folder / "lrviz-StepLR.png").exists()  # all or nothing


python("files-out", "the explorer's export refuses a read-only file", export_read_only)


# ======================================================================================
# gallery: lrviz replaces and removes only what its manifest lists

SMALL = """
[gallery]
title = "small"
[[section]]
id = "a"
title = "A"
[[figure]]
id = "step"
section = "a"
note = "Drops."
steps = 8
[[figure.schedule]]
spec = "StepLR(step_size=3, gamma=0.5)"
"""
OLD = (
    SMALL
    + """
[[figure]]
id = "old"
section = "a"
note = "Old."
steps = 8
[[figure.schedule]]
spec = "ExponentialLR(gamma=0.5)"
"""
)


def lrviz_ok(folder: Path, *argv: str) -> Result:
    proc = subprocess.run(
        [sys.executable, "-m", "lrviz", *argv],
        cwd=folder,
        env=env_for(Case("", "")),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    return Result(proc.returncode, proc.stdout, proc.stderr)


def made_gallery(folder: Path, source: str = SMALL) -> None:
    (folder / "small.toml").write_text(source, encoding="utf-8")
    lrviz_ok(folder, "gallery", "g", "--from", "small.toml")


def then_small(setup: Any) -> Any:
    """A gallery made from OLD (figures step and old), the gallery file now SMALL, then ``setup``."""

    def run(folder: Path) -> None:
        made_gallery(folder, OLD)
        (folder / "small.toml").write_text(SMALL, encoding="utf-8")
        setup(folder)

    return run


def kept(*names: str) -> Any:
    def check(result: Result, folder: Path) -> None:
        for name in names:
            assert (folder / name).exists() or (folder / name).is_symlink(), f"{name} was removed"

    return check


def gone(*names: str) -> Any:
    def check(result: Result, folder: Path) -> None:
        for name in names:
            assert not (folder / name).exists(), f"{name} is still there"

    return check


GALLERY = ("gallery", "g", "--from", "small.toml")
ok(
    "gallery",
    "a user's svg survives",
    *GALLERY,
    setup=then_small(files({"g/my-diagram.svg": "<svg/>"})),
    check=all_of(kept("g/my-diagram.svg"), gone("g/old.svg", "g/thumbs/old.png")),
    where="subprocess",
    default=True,
)
ok(
    "gallery",
    "a user's thumbnail survives",
    *GALLERY,
    setup=then_small(files({"g/thumbs/mine.png": b"png"})),
    check=kept("g/thumbs/mine.png"),
    where="subprocess",
)
case(
    "gallery",
    "a thumbs link is refused, not followed",
    *GALLERY,
    setup=both(
        lambda f: (f / "outside").mkdir(),
        files({"outside/victim.png": b"v"}),
        then_small(
            lambda f: (__import__("shutil").rmtree(f / "g" / "thumbs"), os.symlink(f / "outside", f / "g" / "thumbs"))
        ),
    ),
    says=("symbolic link",),
    where="subprocess",
    default=True,
)
case(
    "gallery",
    "a folder with the generator tag but no manifest",
    *GALLERY,
    setup=files(
        {"small.toml": SMALL, "g/index.html": '<meta name="generator" content="lrviz gallery">', "g/old.svg": "<svg/>"}
    ),
    says=("no lrviz gallery",),
    where="subprocess",
)


def doctored(lines: str) -> Any:
    def setup(folder: Path) -> None:
        (folder / "victim.txt").write_text("v")
        manifest = folder / "g" / "lrviz-manifest.txt"
        manifest.write_text(manifest.read_text() + lines)

    return setup


ok(
    "gallery",
    "a manifest naming ../ is not obeyed",
    *GALLERY,
    setup=then_small(doctored("../victim.txt\n")),
    check=kept("victim.txt"),
    where="subprocess",
)
ok(
    "gallery",
    "a manifest naming an absolute path is not obeyed",
    *GALLERY,
    setup=then_small(lambda f: doctored(f"{f / 'victim.txt'}\n")(f)),
    check=kept("victim.txt"),
    where="subprocess",
)
ok(
    "gallery",
    "an owned file that became a link is not removed",
    *GALLERY,
    setup=then_small(
        both(
            files({"victim.txt": "v"}),
            lambda f: (os.unlink(f / "g" / "old.svg"), os.symlink(f / "victim.txt", f / "g" / "old.svg")),
        )
    ),
    check=all_of(kept("g/old.svg", "victim.txt"), unchanged("victim.txt", b"v")),
    where="subprocess",
)
case(
    "gallery",
    "an owned figure that became a link is refused",
    *GALLERY,
    setup=then_small(
        both(
            files({"victim.txt": "v"}),
            lambda f: (os.unlink(f / "g" / "step.svg"), os.symlink(f / "victim.txt", f / "g" / "step.svg")),
        )
    ),
    says=("symbolic link",),
    where="subprocess",
)
case(
    "gallery",
    "a file in the way",
    *GALLERY,
    setup=lambda f: (made_gallery(f), (f / "small.toml").write_text(OLD), (f / "g" / "old.svg").write_text("mine")),
    says=("in the way",),
    where="subprocess",
)
case(
    "gallery",
    "gallery file is a named pipe",
    "gallery",
    "g",
    "--from",
    "p.toml",
    setup=fifo("p.toml"),
    says=("named pipe",),
    where="subprocess",
    default=True,
    timeout=30,
)
case(
    "gallery",
    "gallery file is /dev/zero",
    "gallery",
    "g",
    "--from",
    "z.toml",
    setup=link("z.toml", "/dev/zero"),
    says=("device",),
    where="subprocess",
    timeout=30,
)
case(
    "gallery",
    "gallery file nested 3000 deep",
    "gallery",
    "g",
    "--from",
    "d.toml",
    setup=files({"d.toml": "a = " + "[" * 3000 + "]" * 3000}),
    says=("nested too deeply",),
)
case(
    "gallery",
    "gallery file of 10 MB",
    "gallery",
    "g",
    "--from",
    "big.toml",
    setup=sparse("big.toml", 10 << 20),
    says=("at most",),
)
ok(
    "gallery",
    "gallery file with a byte order mark",
    *GALLERY,
    setup=files({"small.toml": "\ufeff" + SMALL}),
    files=("g/step.svg",),
    where="subprocess",
)
case(
    "gallery",
    "check with a page that is a named pipe",
    "gallery",
    "g",
    "--check",
    "--from",
    "small.toml",
    setup=lambda f: (made_gallery(f), os.unlink(f / "g" / "README.md"), os.mkfifo(f / "g" / "README.md")),
    expect="custom",
    where="subprocess",
    timeout=60,
    check=lambda r, f: (r.code == 1 and "stale" in r.err) or pytest.fail(r.err),
)
case(
    "gallery",
    "a file as the folder",
    "gallery",
    "g",
    "--from",
    "small.toml",
    setup=files({"small.toml": SMALL, "g": "x"}),
    says=("is a file",),
)
ok(
    "gallery",
    "a folder given as a link",
    "gallery",
    "g",
    "--from",
    "small.toml",
    setup=both(files({"small.toml": SMALL}), lambda f: (f / "real").mkdir(), link("g", "real")),
    check=lambda r, f: valid_output(f / "real" / "step.svg"),
    where="subprocess",
)


def gallery_pages_escape(folder: Path) -> None:
    from lrviz import gallery as gal

    hostile = SMALL.replace('title = "small"', 'title = "<script>alert(1)</script> *big* [x](http://e)"').replace(
        'title = "A"', 'title = "# A `code` | b"'
    )
    (folder / "h.toml").write_text(hostile, encoding="utf-8")
    readme = gal.render(gal.load(folder / "h.toml")).files["README.md"].decode()
    assert "<script>" not in readme and "&lt;script&gt;" in readme
    assert r"\*big\*" in readme and r"\[x\](http://e)" in readme
    assert r"## \# A \`code\` \| b" in readme


python("gallery", "README.md escapes Markdown and HTML", gallery_pages_escape)


# ======================================================================================
# hang: nothing that is not a regular file is read, and the terminal is bounded

HANG = {"where": "subprocess", "timeout": 20.0}
case(
    "hang",
    "metric is a named pipe",
    "plot",
    "reducelronplateau",
    "--metric",
    "m.csv",
    "-n",
    "10",
    setup=fifo("m.csv"),
    says=("named pipe",),
    default=True,
    **HANG,
)
case(
    "hang",
    "metric is /dev/zero",
    "plot",
    "reducelronplateau",
    "--metric",
    "z.csv",
    "-n",
    "10",
    setup=link("z.csv", "/dev/zero"),
    says=("device",),
    default=True,
    **HANG,
)
case(
    "hang",
    "metric is /dev/urandom",
    "plot",
    "reducelronplateau",
    "--metric",
    "r.json",
    "-n",
    "10",
    setup=link("r.json", "/dev/urandom"),
    says=("device",),
    **HANG,
)
case(
    "hang",
    "metric is stdin",
    "plot",
    "reducelronplateau",
    "--metric",
    "in.csv",
    "-n",
    "10",
    setup=link("in.csv", "/dev/stdin"),
    says=("not a file",),
    **HANG,
)
case(
    "hang",
    "metric is a socket",
    "plot",
    "reducelronplateau",
    "--metric",
    "s.csv",
    "-n",
    "10",
    setup=socket_file("s.csv"),
    says=("socket",),
    **HANG,
)
case(
    "hang",
    "metric is a folder",
    "plot",
    "reducelronplateau",
    "--metric",
    "d.csv",
    "-n",
    "10",
    setup=lambda f: (f / "d.csv").mkdir(),
    says=("directory",),
    **HANG,
)
case(
    "hang",
    "config is a named pipe",
    "plot",
    "--config",
    "c.toml",
    setup=fifo("c.toml"),
    says=("named pipe",),
    default=True,
    **HANG,
)
case(
    "hang",
    "config is /dev/zero",
    "plot",
    "--config",
    "c.toml",
    setup=link("c.toml", "/dev/zero"),
    says=("device",),
    **HANG,
)
case("hang", "config is stdin", "plot", "--config", "/dev/stdin", says=("not a file",), **HANG)
case("hang", "config is a socket", "plot", "--config", "c.toml", setup=socket_file("c.toml"), says=("socket",), **HANG)
case(
    "hang",
    "config is a folder",
    "plot",
    "--config",
    "c.toml",
    setup=lambda f: (f / "c.toml").mkdir(),
    says=("folder",),
    **HANG,
)
case(
    "hang",
    "config metric is a named pipe",
    "plot",
    "--config",
    "c.toml",
    setup=both(
        fifo("m.csv"), files({"c.toml": 'steps = 10\nmetric = "m.csv"\n[[schedule]]\nname = "reducelronplateau"\n'})
    ),
    says=("named pipe",),
    **HANG,
)
for command in (("show", *STEP), ("--help",), ("plot", "--help"), ("list",), ("table", *STEP), ("describe", "steplr")):
    ok(
        "hang",
        f"COLUMNS=100000 {command[0]}",
        *command,
        env={"COLUMNS": "100000"},
        check=lines_at_most(512),
        where="subprocess",
        timeout=30,
        default=command[0] == "show",
    )
ok(
    "hang",
    "LINES=100000 show",
    "show",
    *STEP,
    env={"LINES": "100000"},
    where="subprocess",
    timeout=30,
    check=lambda r, f: len(r.out.splitlines()) < 60 or pytest.fail(str(len(r.out.splitlines()))),
)
ok("hang", "COLUMNS=-5 show", "show", *STEP, env={"COLUMNS": "-5"}, where="subprocess", timeout=30)
ok("hang", "COLUMNS=abc show", "show", *STEP, env={"COLUMNS": "abc"}, where="subprocess", timeout=30)
MILLION = "[[schedule]]\nname = 'multisteplr'\n[schedule.args]\nmilestones = [" + ",".join(["7"] * 1_000_000) + "]\n"
case(
    "hang",
    "config with a million milestones",
    "plot",
    "--config",
    "c.toml",
    setup=files({"c.toml": MILLION}),
    says=("1,000,000 items",),
    timeout=30,
)
MANY = "[[schedule]]\nname = 'multisteplr'\n[schedule.args]\nmilestones = [" + ",".join(["7"] * 100_000) + "]\n"
case(
    "hang",
    "config with 100,000 milestones",
    "plot",
    "--config",
    "c.toml",
    setup=files({"c.toml": MANY}),
    says=("100,000 items",),
)
case(
    "hang",
    "config title of 5 MB",
    "plot",
    "--config",
    "c.toml",
    setup=files({"c.toml": 'title = "' + "StepLR(step_size=3) " * 250_000 + '"\n[[schedule]]\nspec = "steplr"\n'}),
    says=("at most",),
)
case(
    "hang",
    "config title of 6,000 characters",
    "plot",
    "--config",
    "c.toml",
    setup=files({"c.toml": 'title = "' + "t" * 6000 + '"\n[[schedule]]\nspec = "StepLR(step_size=3)"\n'}),
    says=("title", "6,000 characters"),
)
case(
    "hang",
    "config label of 6,000 characters",
    "plot",
    "--config",
    "c.toml",
    setup=files({"c.toml": '[[schedule]]\nspec = "StepLR(step_size=3)"\nlabel = "' + "l" * 6000 + '"\n'}),
    says=("label", "6,000"),
)
case("hang", "title of 6,000 characters", "plot", *STEP, "--title", "t" * 6000, says=("--title",))
case("hang", "label of 6,000 characters", "plot", *STEP, "--label", "l" * 6000, says=("--label",))
case(
    "hang",
    "metric of 200 MB",
    "plot",
    "reducelronplateau",
    "--metric",
    "m.csv",
    "-n",
    "10",
    setup=sparse("m.csv", 200 << 20),
    says=("at most 64 MB",),
)
case("hang", "config of 8 MB", "plot", "--config", "c.toml", setup=sparse("c.toml", 8 << 20), says=("at most",))


# ======================================================================================
# memory: refused or streamed, under a cap

MEM = {"where": "subprocess"}
case(
    "memory",
    "size x dpi in pixels",
    "plot",
    *STEP,
    "--size",
    "100x100",
    "--dpi",
    "1200",
    "-o",
    "x.png",
    says=("megapixels",),
    default=True,
    memory=1 << 30,
    **MEM,
)
case(
    "memory",
    "a side too wide",
    "plot",
    *STEP,
    "--size",
    "100x1",
    "--dpi",
    "1200",
    "-o",
    "x.png",
    says=("pixels a side",),
    memory=1 << 30,
    **MEM,
)
case(
    "memory",
    "size x dpi from a config",
    "plot",
    "--config",
    "c.toml",
    memory=1 << 30,
    setup=files(
        {
            "c.toml": 'size = [60, 60]\ndpi = 1200\nout = "x.png"\nsteps = 5\n'
            '[[schedule]]\nspec = "StepLR(step_size=3)"\n'
        }
    ),
    says=("megapixels",),
    **MEM,
)
case(
    "memory",
    "a grid too big at 1200 dpi",
    "compare",
    *[f"StepLR(step_size={k})" for k in range(1, 31)],
    "-n",
    "10",
    "--layout",
    "grid",
    "--dpi",
    "1200",
    "-o",
    "g.png",
    says=("megapixels",),
    memory=2 << 30,
    **MEM,
)
ok(
    "memory",
    "a big svg needs no pixels",
    "plot",
    *STEP,
    "--size",
    "100x100",
    "--dpi",
    "1200",
    "-o",
    "x.svg",
    files=("x.svg",),
    memory=2 << 30,
    **MEM,
)


def csv_rows(n: int) -> Any:
    def check(result: Result, folder: Path) -> None:
        assert result.out.count("\n") == n + 1, result.out[-200:]

    return check


ok(
    "memory",
    "csv of 20 million steps streams",
    "table",
    "steplr",
    "--step-size",
    "30",
    "-n",
    "20000000",
    "-f",
    "csv",
    memory=2 << 30,
    timeout=300,
    check=csv_rows(20_000_000),
    **MEM,
)
ok(
    "memory",
    "json of 20 million steps streams",
    "table",
    "steplr",
    "--step-size",
    "30",
    "-n",
    "20000000",
    "-f",
    "json",
    memory=2 << 30,
    timeout=400,
    check=stdout_is_json,
    **MEM,
)
ok(
    "memory",
    "json of 2 million steps in 1 GB",
    "table",
    "cycliclr",
    "--base-lr",
    "0.1",
    "--max-lr",
    "0.2",
    "-n",
    "2000000",
    "-f",
    "json",
    memory=1 << 30,
    timeout=200,
    check=stdout_is_json,
    **MEM,
)
case(
    "memory",
    "out of memory is one line",
    "table",
    "steplr",
    "--step-size",
    "30",
    "-n",
    "20000000",
    "-f",
    "csv",
    memory=600 << 20,
    expect="clean",
    timeout=120,
    default=True,
    **MEM,
)
case(
    "memory",
    "a figure of 20 million steps in 2 GB",
    "plot",
    "steplr",
    "--step-size",
    "30",
    "-n",
    "20000000",
    "-o",
    "x.png",
    memory=2 << 30,
    expect="clean",
    timeout=200,
    **MEM,
)
case(
    "memory",
    "metric of 100 MB",
    "plot",
    "reducelronplateau",
    "--metric",
    "m.json",
    "-n",
    "10",
    setup=sparse("m.json", 100 << 20),
    says=("at most",),
    memory=1 << 30,
    **MEM,
)


def big_csv(folder: Path) -> None:
    with open(folder / "m.csv", "w") as fh:
        fh.write("step,val_loss\n")
        for start in range(0, 2_000_000, 100_000):
            fh.write("".join(f"{i},{1 / (i + 1)!r}\n" for i in range(start, start + 100_000)))


ok(
    "memory",
    "a 50 MB metric log with -n 1000",
    "plot",
    "reducelronplateau",
    "--metric",
    "m.csv",
    "-n",
    "1000",
    "-o",
    "p.png",
    setup=big_csv,
    files=("p.png",),
    memory=2 << 30,
    timeout=200,
    **MEM,
)


# ======================================================================================
# internal: bad input that must never be called lrviz's own bug

PLATEAU = ("plot", "reducelronplateau", "-n", "10", "--metric")
for name, filename, content, says in [
    ("csv of only commas", "m.csv", ",,,\n,,,\n", ("holds no values",)),
    ("csv header only", "m.csv", "step,loss\n", ("holds no values",)),
    ("csv one bad cell", "m.csv", "step,val_loss\n0,1\n1,0.9\n2,abc\n3,0.8\n", ("line 4", "column 'val_loss'")),
    ("csv bad cell in a headerless file", "m.csv", "1\n2\nx\n3\n", ("line 3",)),
    ("csv with NUL", "m.csv", "step,loss\n0,1\x00\n", ("csv",)),
    ("csv latin-1", "m.csv", b"step,loss\n0,1\n" + b"\xe9\n", ("utf-8",)),
    ("csv 5000-digit number", "m.csv", "loss\n" + "1" * 5000 + "\n", ("finite",)),
    ("json 5000-digit integer", "m.json", "[" + "1" * 5000 + "]", ("digits",)),
    ("jsonl 5000-digit integer", "m.jsonl", '{"loss": ' + "1" * 5000 + "}\n", ("digits",)),
    ("json nested 100,000 deep", "m.json", "[" * 100_000 + "]" * 100_000, ("nested too deeply",)),
    ("json NaN", "m.json", '{"loss": [1, NaN]}', ("finite",)),
    ("json garbage", "m.json", b"\x00\xff\xfe garbage", ("utf-8",)),
    ("json a single number", "m.json", "3", ("single",)),
    ("txt 5000-digit number", "m.txt", "1" * 5000 + "\n", ("finite",)),
    ("txt inf", "m.txt", "1\ninf\n", ("finite",)),
    ("empty", "m.csv", "", ("empty",)),
    ("unknown suffix", "m.xls", "1\n", ("unknown file type",)),
]:
    case("internal", f"metric {name}", *PLATEAU, filename, setup=files({filename: content}), says=says)
for name, content, says in [
    ("nested 3000 arrays", "a = " + "[" * 3000 + "]" * 3000, ("nested too deeply",)),
    ("nested 3000 inline tables", "a = " + "{b=" * 3000 + "1" + "}" * 3000, ("nested too deeply",)),
    ("5000-digit integer", "steps = " + "1" * 5000, ("digits",)),
    ("NUL in a string", 'title = "a\\u0000b"\n[[schedule]]\nspec = "StepLR(step_size=\\u00003)"', ("NUL",)),
    ("latin-1", b'title = "\xe9"', ("utf-8",)),
    ("steps 1e400", "steps = 1e400\n[[schedule]]\nspec = 'StepLR(step_size=3)'", ("steps",)),
    ("steps nan", "steps = nan\n[[schedule]]\nspec = 'StepLR(step_size=3)'", ("steps",)),
    ("lr inf", "lr = inf\n[[schedule]]\nspec = 'StepLR(step_size=3)'", ("lr",)),
    ("schedule not a table", "schedule = 3", ("schedule",)),
    ("spec of 6000 characters", "[[schedule]]\nspec = 'StepLR(step_size=" + "1+" * 3000 + "1)'", ("characters",)),
    ("out with NUL", 'out = "a\\u0000.png"\n[[schedule]]\nspec = "StepLR(step_size=3)"', ("NUL",)),
    ("invalid toml", "[[schedule]\n", ("not valid toml",)),
    (
        "args of 3000 items",
        "[[schedule]]\nname='multisteplr'\n[schedule.args]\nmilestones=[" + "1," * 3000 + "]",
        ("3,000 items",),
    ),
]:
    case(
        "internal",
        f"config {name}",
        "plot",
        "--config",
        "c.toml",
        "-n",
        "5",
        setup=files({"c.toml": content}),
        says=says,
    )
case("internal", "title with bad math", "plot", *STEP, "--title", r"$\foo$", says=("--title", r"\foo"))
ok("internal", "title with good math", "plot", *STEP, "--title", r"$\eta$ decays", "-o", "t.png", files=("t.png",))
ok("internal", "a dollar in a title", "plot", *STEP, "--title", "costs $5", "-o", "t.png", files=("t.png",))
case(
    "internal",
    "label with bad math",
    "compare",
    *STEP,
    "exponentiallr",
    "--gamma",
    "0.9",
    "--label",
    r"$\foo$",
    "--label",
    "b",
    says=("--label",),
)
case(
    "internal",
    "config label with bad math",
    "compare",
    "--config",
    "c.toml",
    setup=files({"c.toml": 'steps = 5\n[[schedule]]\nspec = "StepLR(step_size=3)"\nlabel = "$x^$"\n'}),
    says=("--label",),
)
ok(
    "internal",
    "bad math from a metric's name",
    "plot",
    "reducelronplateau",
    "--metric",
    r"m.csv:$\foo$",
    "-n",
    "5",
    "-o",
    "m.png",
    setup=files({"m.csv": "$\\foo$\n1\n2\n3\n4\n5\n"}),
    files=("m.png",),
)
for label in ("[/]", "[bold red]x", "[link=file:///etc/passwd]x[/link]"):
    shown = "".join(label.split())  # a long title may wrap
    ok(
        "internal",
        f"rich markup label {label}",
        "table",
        *STEP,
        "--label",
        label,
        check=lambda r, f, shown=shown: shown in "".join(r.out.split()) or pytest.fail(r.out),
    )
    ok(
        "internal",
        f"rich markup label {label} side by side",
        "table",
        *STEP,
        "exponentiallr",
        "--gamma",
        "0.9",
        "--label",
        label,
        "--label",
        "b",
        check=lambda r, f, shown=shown: shown in "".join(r.out.split()).replace("│", "") or pytest.fail(r.out),
    )
case(
    "internal",
    "lambda max of one number",
    "plot",
    "LambdaLR(lr_lambda=lambda e: max(e))",
    "-n",
    "5",
    says=("lambda e: max(e)",),
)
case("internal", "lambda min of nothing", "plot", "LambdaLR(lr_lambda=lambda e: min())", "-n", "5", says=("min",))
case("internal", "lambda cos of two", "plot", "LambdaLR(lr_lambda=lambda e: cos(e, e))", "-n", "5", says=("cos",))
case(
    "internal",
    "multiplicative max of one",
    "plot",
    "MultiplicativeLR(lr_lambda=lambda e: max(e))",
    "-n",
    "5",
    says=("max",),
)
case("internal", "describe a module function", "describe", "os:path", says=("os",))
case("internal", "describe nothing", "describe", "", says=("schedule",))


# ======================================================================================
# environment: a broken locale, backend, matplotlibrc or current folder

ENV = {"where": "subprocess"}
ok(
    "environment",
    "matplotlibrc asks for LaTeX",
    "plot",
    *STEP,
    "-o",
    "x.png",
    files=("x.png",),
    setup=files({"rc/matplotlibrc": "text.usetex: True\n"}),
    env={"MATPLOTLIBRC": "rc"},
    default=True,
    **ENV,
)
ok(
    "environment",
    "matplotlibrc asks for LaTeX, with a style",
    "plot",
    *STEP,
    "--style",
    "ggplot",
    "-o",
    "x.svg",
    files=("x.svg",),
    setup=files({"rc/matplotlibrc": "text.usetex: True\n"}),
    env={"MATPLOTLIBRC": "rc"},
    **ENV,
)
ok(
    "environment",
    "an unknown MPLBACKEND",
    "plot",
    *STEP,
    "-o",
    "x.png",
    files=("x.png",),
    env={"MPLBACKEND": "nonsense"},
    **ENV,
)
ok(
    "environment",
    "MPLCONFIGDIR is a file",
    "plot",
    *STEP,
    "-o",
    "x.png",
    files=("x.png",),
    setup=files({"cfg": "x"}),
    env={"MPLCONFIGDIR": "cfg"},
    **ENV,
)
ok(
    "environment",
    "HOME does not exist",
    "plot",
    *STEP,
    "-o",
    "x.png",
    files=("x.png",),
    env={"HOME": "/nonexistent", "MPLCONFIGDIR": None},
    **ENV,
)
ok("environment", "PYTHONIOENCODING=ascii show", "show", *STEP, env={"PYTHONIOENCODING": "ascii"}, **ENV)
ok("environment", "PYTHONIOENCODING=ascii table", "table", *STEP, env={"PYTHONIOENCODING": "ascii"}, **ENV)
ok("environment", "PYTHONIOENCODING=ascii help", "plot", "--help", env={"PYTHONIOENCODING": "ascii"}, **ENV)
ok("environment", "LC_ALL=C", "plot", *STEP, "-o", "x.png", env={"LC_ALL": "C", "LANG": "C"}, files=("x.png",), **ENV)
ok("environment", "TERM=dumb", "show", *STEP, env={"TERM": "dumb"}, **ENV)


def vanished_folder(folder: Path) -> None:
    gone = folder / "gone"
    gone.mkdir()
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os, sys; os.rmdir(os.getcwd()); from lrviz.cli import main; sys.exit(main(sys.argv[1:]))",
            *STEP,
        ],
        cwd=gone,
        env=env_for(Case("", "")),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    lines = proc.stderr.splitlines()
    assert proc.returncode == 2 and len(lines) == 1 and "current folder" in lines[0], proc.stderr


python("environment", "the current folder was removed", vanished_folder)


# ======================================================================================
# explorer: whatever is typed, the chart or a one-line error, and never a freeze


def drawn(name: str, fields: dict[str, str], trace: dict[str, str] | None = None, *, good: bool = False) -> Any:
    def run(folder: Path) -> None:
        from lrviz import explore, registry

        os.chdir(folder)
        state = explore.state_for_entry(registry.get(name))
        state.fields.update(fields)
        state.trace.update(trace or {})
        result: list[Any] = []
        worker = threading.Thread(target=lambda: result.append(explore.draw(state)), daemon=True)
        worker.start()
        worker.join(20)
        assert result, "the explorer's redraw did not return (it would freeze the app)"
        out = result[0]
        assert (out.trace is None) == (out.error is not None)
        if good:
            assert out.error is None, out.error
        else:
            assert out.error is not None
        if out.error is not None:
            assert "\n" not in out.error and "internal error" not in out.error, out.error
            assert not re.search("[\x00-\x1f\x7f]", out.error), out.error

    return run


def in_folder(setup: Any, run: Any) -> Any:
    def both_(folder: Path) -> None:
        setup(folder)
        run(folder)

    return both_


EXPLORER = [
    ("T_max 1024 bits", drawn("CosineAnnealingLR", {"T_max": BIG})),
    ("T_max power tower", drawn("CosineAnnealingLR", {"T_max": "9**9**9"})),
    ("T_max 4.3", drawn("CosineAnnealingLR", {"T_max": "4.3"}, good=True)),
    ("max of the epoch", drawn("LambdaLR", {"lr_lambda": "max(epoch)"})),
    ("e alone", drawn("LambdaLR", {"lr_lambda": "0.95 ** e"})),
    ("lambda dunder", drawn("LambdaLR", {"lr_lambda": "epoch.__class__"})),
    ("metric a named pipe", in_folder(fifo("p.csv"), drawn("ReduceLROnPlateau", {}, {"metric": "p.csv"}))),
    ("metric /dev/zero", in_folder(link("z.csv", "/dev/zero"), drawn("ReduceLROnPlateau", {}, {"metric": "z.csv"}))),
    ("metric of commas", in_folder(files({"c.csv": ",,\n,,\n"}), drawn("ReduceLROnPlateau", {}, {"metric": "c.csv"}))),
    ("metric bad pattern value", drawn("ReduceLROnPlateau", {}, {"metric": "synthetic:plateau,noise=1e400"})),
    ("metric unknown pattern", drawn("ReduceLROnPlateau", {}, {"metric": "synthetic:nope"})),
    ("steps 1e400", drawn("StepLR", {}, {"steps": "1e400"})),
    ("steps negative", drawn("StepLR", {}, {"steps": "-1"})),
    ("steps huge", drawn("StepLR", {}, {"steps": "99999999999999999999"})),
    ("lr nan", drawn("StepLR", {}, {"lr": "nan"})),
    ("lr 1e400", drawn("StepLR", {}, {"lr": "1e400"})),
    ("group lr with nan", drawn("StepLR", {}, {"group_lr": "0.1, nan"})),
    ("optimizer with an escape", drawn("StepLR", {}, {"optimizer": "x\x1b[31m"})),
    ("steps per epoch 0", drawn("StepLR", {}, {"steps_per_epoch": "0"})),
    ("total_steps negative", drawn("OneCycleLR", {"total_steps": "-5"})),
    ("step_size_up 2.5", drawn("CyclicLR", {"step_size_up": "2.5"}, good=True)),
    ("mode with markup", drawn("CyclicLR", {"mode": "[/]"})),
    ("parens", drawn("StepLR", {"step_size": "(" * 200})),
    ("milestones over the cap", drawn("MultiStepLR", {"milestones": "1," * 3000})),
    ("schedulers of a module", drawn("SequentialLR", {"schedulers": "os:system('x')"})),
]
for name, run in EXPLORER:
    python("explorer", name, run)


# ======================================================================================
# user-code: a user's class may exit, print or never return; lrviz stays honest


def user(mod: str, body: str) -> Any:
    header = "import os, sys, time, warnings\nfrom torch.optim.lr_scheduler import LambdaLR\n\n"
    return files({f"{mod}.py": header + body})


CLASS = (
    "class S(LambdaLR):\n    '''{doc}'''\n\n    def __init__(self, optimizer, k=1):\n"
    "{init}        super().__init__(optimizer, lambda e: 0.9 ** e)\n"
)


def user_class(mod: str, init: str = "", doc: str = "A schedule.", extra: str = "", top: str = "") -> Any:
    body = top + CLASS.format(doc=doc, init="".join(f"        {line}\n" for line in init.splitlines())) + extra
    return user(mod, body)


for name, init, says in [
    ("SystemExit(0) in the constructor", "raise SystemExit(0)", ("SystemExit(0)",)),
    ("sys.exit with a message", "sys.exit('no GPU here')", ("no GPU here",)),
    ("sys.exit(3)", "sys.exit(3)", ("SystemExit(3)",)),
    ("GeneratorExit", "raise GeneratorExit('x')", ("GeneratorExit",)),
    ("a plain error", "raise RuntimeError('boom')", ("boom",)),
]:
    mod = "hostile_" + re.sub(r"\W+", "_", name).strip("_").lower()
    case("user-code", name, "plot", f"{mod}:S()", "-n", "5", setup=user_class(mod, init), says=says)
case(
    "user-code",
    "SystemExit in step()",
    "plot",
    "hostile_exit_step:S()",
    "-n",
    "10",
    setup=user_class(
        "hostile_exit_step",
        extra="\n    def step(self, epoch=None):\n        if self.last_epoch >= 4:\n"
        "            sys.exit('stop')\n        super().step()\n",
    ),
    says=("step 4", "stop"),
)
case(
    "user-code",
    "SystemExit on import",
    "plot",
    "hostile_exit_import:S()",
    "-n",
    "5",
    setup=user("hostile_exit_import", "sys.exit('not here')\n"),
    says=("not here",),
)
ok(
    "user-code",
    "print on import stays off stdout",
    "table",
    "hostile_print_import:S()",
    "-n",
    "5",
    "-f",
    "csv",
    setup=user_class("hostile_print_import", top="print('imported!')\n"),
    check=all_of(stdout_is_csv, lambda r, f: "imported!" in r.err or pytest.fail(r.err)),
)
ok(
    "user-code",
    "print in the constructor stays off stdout",
    "table",
    "hostile_print_init:S()",
    "-n",
    "5",
    "-f",
    "json",
    setup=user_class("hostile_print_init", init="print('built')"),
    check=all_of(stdout_is_json, lambda r, f: "built" in r.err or pytest.fail(r.err)),
)
ok(
    "user-code",
    "os.write(1) in the constructor stays off stdout",
    "table",
    "hostile_write_init:S()",
    "-n",
    "5",
    "-f",
    "csv",
    setup=user_class("hostile_write_init", init="os.write(1, b'junk\\n')"),
    check=stdout_is_csv,
    where="subprocess",
    default=True,
)
ok(
    "user-code",
    "print at every step stays off stdout",
    "table",
    "hostile_print_step:S()",
    "-n",
    "5",
    "-f",
    "csv",
    setup=user_class(
        "hostile_print_step", extra="\n    def step(self, epoch=None):\n        print('step')\n        super().step()\n"
    ),
    check=stdout_is_csv,
)
ok(
    "user-code",
    "print in a figure's run",
    "plot",
    "hostile_print_fig:S()",
    "-n",
    "5",
    "-o",
    "u.png",
    setup=user_class("hostile_print_fig", init="print('hello')"),
    files=("u.png",),
    check=lambda r, f: r.out == "u.png\n" or pytest.fail(r.out),
)
ok(
    "user-code",
    "a docstring with escapes",
    "describe",
    "hostile_doc:S",
    setup=user_class("hostile_doc", doc="Clears\\x1b[2J the screen\\x07 and \\u202eflips."),
    check=no_escapes,
)
ok(
    "user-code",
    "a docstring with escapes in --help",
    "plot",
    "hostile_doc_help:S",
    "--help",
    setup=user_class("hostile_doc_help", doc="A.\\n\\n    Args:\\n        k: bell\\x07 and \\x1b]0;title\\x07."),
    check=no_escapes,
)
ok(
    "user-code",
    "a warning with escapes",
    "plot",
    "hostile_warn:S()",
    "-n",
    "5",
    "-o",
    "w.png",
    setup=user_class("hostile_warn", init="warnings.warn('red \\x1b[31m alert')"),
    check=no_escapes,
    files=("w.png",),
)
case(
    "user-code",
    "KeyboardInterrupt in the constructor",
    "plot",
    "hostile_kbd:S()",
    "-n",
    "5",
    setup=user_class("hostile_kbd", init="raise KeyboardInterrupt"),
    expect="custom",
    check=lambda r, f: (r.code == 130 and r.err.strip() == "lrviz: interrupted") or pytest.fail(r.err),
)
ok(
    "user-code",
    "a slow constructor",
    "plot",
    "hostile_slow:S()",
    "-n",
    "5",
    "-o",
    "s.png",
    setup=user_class("hostile_slow", init="time.sleep(1)"),
    files=("s.png",),
    where="subprocess",
)


def never_returns(folder: Path) -> None:
    """On a terminal, lrviz says what it waits for; ctrl+c then stops it, in one line."""
    import pty

    user_class("hostile_forever", init="time.sleep(3600)")(folder)
    main, secondary = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "lrviz", "plot", "hostile_forever:S()", "-n", "5"],
        cwd=folder,
        env=env_for(Case("", "")),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=secondary,
    )
    os.close(secondary)
    seen = b""
    deadline = time.monotonic() + 40
    try:
        while b"still waiting" not in seen and time.monotonic() < deadline:
            try:
                chunk = os.read(main, 4096)
            except OSError:
                break
            seen += chunk
        assert b"still waiting for hostile_forever:S() to be built" in seen, seen
        proc.send_signal(signal.SIGINT)
        assert proc.wait(20) == 130
        while True:
            try:
                chunk = os.read(main, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    finally:
        proc.kill()
        os.close(main)
    text = seen.decode()
    assert text.rstrip().endswith("lrviz: interrupted") and "Traceback" not in text, text
    assert proc.stdout is not None and proc.stdout.read() == b""
    proc.stdout.close()


python("user-code", "a constructor that never returns", never_returns, default=False)


# ======================================================================================
# streams: closed, full or broken standard streams; --print-code into a file; ctrl+c

STREAM = {"where": "subprocess"}
case(
    "streams",
    "stdout closed: table",
    "table",
    *STEP,
    "-f",
    "csv",
    stdout="closed",
    says=("standard output",),
    default=True,
    **STREAM,
)
case(
    "streams",
    "stdout closed: plot writes nothing",
    "plot",
    *STEP,
    "-o",
    "x.png",
    stdout="closed",
    says=("standard output",),
    **STREAM,
)
case("streams", "stdout closed: help", "--help", stdout="closed", says=("standard output",), **STREAM)


def only_stdout_says(words: str) -> Any:
    def check(result: Result, folder: Path) -> None:
        assert result.code == 2 and result.err == "", (result.code, result.err)
        lines = result.out.splitlines()
        assert len(lines) == 1 and words in lines[0], result.out

    return check


case(
    "streams",
    "stderr closed: plot",
    "plot",
    *STEP,
    "-o",
    "x.png",
    stderr="closed",
    expect="custom",
    check=only_stdout_says("standard error is closed"),
    default=True,
    **STREAM,
)
case(
    "streams",
    "stderr closed: table",
    "table",
    *STEP,
    "-f",
    "csv",
    stderr="closed",
    expect="custom",
    check=only_stdout_says("standard error is closed"),
    **STREAM,
)
case(
    "streams",
    "stdout full: small csv",
    "table",
    *STEP,
    "-f",
    "csv",
    stdout="full",
    says=("no space left",),
    default=True,
    **STREAM,
)
case(
    "streams",
    "stdout full: long json",
    "table",
    "cycliclr",
    "--base-lr",
    "0.1",
    "--max-lr",
    "0.2",
    "-n",
    "100000",
    "-f",
    "json",
    stdout="full",
    says=("no space left",),
    **STREAM,
)
case("streams", "stdout full: rich table", "table", *STEP, stdout="full", says=("no space left",), **STREAM)
case("streams", "stdout full: show", "show", *STEP, stdout="full", says=("no space left",), **STREAM)
case("streams", "stdout full: help", "--help", stdout="full", says=("no space left",), **STREAM)
case("streams", "stdout full: list", "list", "-f", "plain", stdout="full", says=("no space left",), **STREAM)


def last_line_full(result: Result, folder: Path) -> None:
    lines = result.err.splitlines()
    assert result.code == 2 and lines[-1].startswith("lrviz: error: ") and "No space left" in lines[-1], result.err


# the figure is written, then its name cannot be: the summary line, then the error
CASES.append(
    Case(
        "streams",
        "stdout full after the figure is written",
        ("plot", *STEP, "-o", "x.png"),
        expect="custom",
        stdout="full",
        where="subprocess",
        check=all_of(last_line_full, lambda r, f: valid_output(f / "x.png")),
    )
)


def print_code_runs(argv: tuple[str, ...], chart: bool = False) -> Any:
    def run(folder: Path) -> None:
        script = folder / "script.py"
        with open(script, "w") as out:
            proc = subprocess.run(
                [sys.executable, "-m", "lrviz", *argv, "--print-code"],
                cwd=folder,
                stdout=out,
                stderr=subprocess.PIPE,
                text=True,
                env=env_for(Case("", "")),
                timeout=120,
                check=False,
            )
        assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
        if chart:
            assert "learning rate" in proc.stderr  # the chart goes to stderr
        ran = subprocess.run(
            [sys.executable, str(script)], cwd=folder, capture_output=True, text=True, timeout=120, check=False
        )
        assert ran.returncode == 0, ran.stderr[-2000:]

    return run


python("streams", "plot --print-code > script.py runs", print_code_runs(("plot", *STEP, "-o", "x.png")), default=False)
python(
    "streams",
    "a lambda with math functions in the script",
    print_code_runs(
        ("plot", "LambdaLR(lr_lambda=lambda epoch: exp(-epoch / 10) * pi + floor(e))", "-n", "5", "-o", "x.png")
    ),
    default=False,
)
python(
    "streams",
    "compare --print-code > script.py runs",
    print_code_runs(
        ("compare", *STEP, "exponentiallr", "--gamma", "0.9", "--label", "a\nb", "--label", "c", "-o", "x.png")
    ),
    default=False,
)
python("streams", "show --print-code > script.py runs", print_code_runs(("show", *STEP), chart=True), default=False)


def interrupted(argv: tuple[str, ...], after: float) -> Any:
    def run(folder: Path) -> None:
        before = snapshot(folder)
        proc = subprocess.Popen(
            [sys.executable, "-m", "lrviz", *argv],
            cwd=folder,
            env=env_for(Case("", "")),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        time.sleep(after)
        proc.send_signal(signal.SIGINT)
        try:
            out, err = proc.communicate(timeout=30)
        finally:
            proc.kill()
        text = err.decode()
        assert proc.returncode == 130 and text.splitlines()[-1:] == ["lrviz: interrupted"], text
        assert "Traceback" not in text
        assert not list(folder.glob(".lrviz-*")) and snapshot(folder) == before

    return run


python(
    "streams",
    "ctrl+c while torch steps",
    interrupted(("plot", "ReduceLROnPlateau()", "-n", "20000000", "-o", "x.png"), 4.0),
    default=False,
)
python("streams", "ctrl+c at once", interrupted(("plot", *STEP, "-o", "x.png"), 0.3), default=False)


def interrupted_within(body: str) -> Any:
    """ctrl+c that a user's module receives on import, at a known moment: the module sends
    SIGINT to its own process, then does what `body` says with the KeyboardInterrupt."""

    def run(folder: Path) -> None:
        header = "import os, signal, time\n\n"  # torch after `body`: an exit without it loaded differs
        cls = (
            "\n\nfrom torch.optim.lr_scheduler import LambdaLR\n\n\nclass S(LambdaLR):\n"
            "    def __init__(self, optimizer):\n        super().__init__(optimizer, lambda e: 1.0)\n"
        )
        (folder / "hostile_ctrl_c.py").write_text(header + body + cls)
        before = snapshot(folder)
        proc = subprocess.run(
            [sys.executable, "-m", "lrviz", "plot", "hostile_ctrl_c:S()", "-n", "5", "-o", "x.png"],
            cwd=folder,
            env=env_for(Case("", "")),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=120,
        )
        text = proc.stderr.decode()
        assert proc.returncode == 130 and text == "lrviz: interrupted\n", (proc.returncode, text)
        assert not list(folder.glob(".lrviz-*")) and snapshot(folder) == before

    return run


SELF_INTERRUPT = "os.kill(os.getpid(), signal.SIGINT)"
for name, body in [
    # a library that swallows ctrl+c (a retry loop, a bare except): lrviz still stops
    (
        "ctrl+c swallowed by a library",
        f"try:\n    {SELF_INTERRUPT}\n    time.sleep(5)\nexcept KeyboardInterrupt:\n    pass",
    ),
    # the interpreter's own quirk: raised in code compiled from a string, it ends the
    # process by SIGINT at exit even after lrviz handled it
    ("ctrl+c in code compiled from a string", f"exec({SELF_INTERRUPT!r})"),
    # in a weakref callback the interpreter prints "Exception ignored" and goes on
    (
        "ctrl+c in a weakref callback",
        f"import weakref\nclass T:\n    pass\nt = T()\nr = weakref.ref(t, lambda _: {SELF_INTERRUPT})\ndel t",
    ),
]:
    python("streams", name, interrupted_within(body))


def broken_pipe(folder: Path) -> None:
    proc = subprocess.run(
        f"{sys.executable} -m lrviz table steplr --step-size 3 -n 200000 -f csv | head -c 10",
        shell=True,
        cwd=folder,
        env=env_for(Case("", "")),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.stdout == "step,lr,mo" and "Traceback" not in proc.stderr and "Exception" not in proc.stderr, (
        proc.stderr
    )


python("streams", "a pipe closed early", broken_pipe, default=False)
case("streams", "explore without a terminal", "explore", "steplr", says=("interactive terminal",))


# ======================================================================================
# escapes: text from data never drives the terminal

ESC = "red\x1b[31mX\x07\rY\u202eZ"
ok("escapes", "label in the summary", "plot", *STEP, "--label", ESC, "-o", "x.png", check=no_escapes)
ok("escapes", "title", "plot", *STEP, "--title", "\x1b]0;pwned\x07", "-o", "x.png", check=no_escapes)
ok(
    "escapes",
    "csv header",
    "table",
    *STEP,
    "exponentiallr",
    "--gamma",
    "0.9",
    "--label",
    ESC,
    "--label",
    "b",
    "-f",
    "csv",
    check=all_of(no_escapes, stdout_is_csv),
)
ok(
    "escapes",
    "markdown header",
    "table",
    *STEP,
    "exponentiallr",
    "--gamma",
    "0.9",
    "--label",
    ESC,
    "--label",
    "b",
    "-f",
    "markdown",
    check=no_escapes,
)
ok("escapes", "rich table title", "table", *STEP, "--label", ESC, check=no_escapes)
ok(
    "escapes",
    "rich table side by side",
    "table",
    *STEP,
    "exponentiallr",
    "--gamma",
    "0.9",
    "--label",
    ESC,
    "--label",
    "b",
    check=no_escapes,
)
ok(
    "escapes",
    "terminal chart",
    "show",
    *STEP,
    "exponentiallr",
    "--gamma",
    "0.9",
    "--label",
    ESC,
    "--label",
    "b",
    check=no_escapes,
)
ok(
    "escapes",
    "json keeps the label, escaped as JSON",
    "table",
    *STEP,
    "--label",
    ESC,
    "-f",
    "json",
    check=all_of(no_escapes, lambda r, f: json.loads(r.out)["label"] == ESC or pytest.fail(r.out)),
)
ok(
    "escapes",
    "metric column name",
    "plot",
    "reducelronplateau",
    "--metric",
    "m.csv",
    "-n",
    "4",
    "-o",
    "x.png",
    setup=files({"m.csv": "step,\x1b[2Jval_loss\n0,1\n1,0.9\n2,0.8\n3,0.7\n"}),
    check=no_escapes,
)
ok(
    "escapes",
    "metric json key",
    "plot",
    "reducelronplateau",
    "--metric",
    "m.json",
    "-n",
    "4",
    "-o",
    "x.png",
    setup=files({"m.json": json.dumps({"\x1b[2Jloss": [1, 0.9, 0.8, 0.7]})}),
    check=no_escapes,
)
case(
    "escapes",
    "metric file name in an error",
    "plot",
    "reducelronplateau",
    "--metric",
    "\x1b[2Jnope.csv",
    "-n",
    "4",
    check=no_escapes,
)
case(
    "escapes",
    "a string argument in an error",
    "plot",
    "CyclicLR(base_lr=0.1, max_lr=0.2, mode='\x1b[31m')",
    check=no_escapes,
)
case("escapes", "an unknown schedule", "plot", "Step\x1b[2JLR(step_size=3)", check=no_escapes)
case("escapes", "a config path", "plot", "--config", "no\nsuch\x1b.toml", says=("does not exist",), check=no_escapes)
case("escapes", "an unknown option", "plot", *STEP, "--\x1b[2J", check=no_escapes)
ok(
    "escapes",
    "a label with a newline in the code",
    "compare",
    *STEP,
    "exponentiallr",
    "--gamma",
    "0.9",
    "--label",
    "a\nb",
    "--label",
    "c",
    "--print-code",
    "-o",
    "x.png",
    check=lambda r, f: "# --- a b ---" in r.out or pytest.fail(r.out[:300]),
)


def explorer_error_escaped(folder: Path) -> None:
    from lrviz import explore, registry

    state = explore.state_for_entry(registry.get("CyclicLR"))
    state.fields["mode"] = "\x1b[31mred"
    error = explore.draw(state).error or ""
    assert "\x1b" not in error and "\\x1b" in error, error


python("escapes", "the explorer's error line", explorer_error_escaped)


# ======================================================================================
# messages: what lrviz says is true

case(
    "messages",
    "a bare lambda using e",
    "plot",
    "lambdalr",
    "--lr-lambda",
    "0.95 ** e",
    "-n",
    "5",
    says=("Euler", "lambda e: 0.95 ** e"),
)
case("messages", "a bare lambda of e alone", "plot", "lambdalr", "--lr-lambda", "exp(-e)", "-n", "5", says=("Euler",))
case("messages", "a lambda string using e", "plot", "LambdaLR(lr_lambda='0.95 ** e')", "-n", "5", says=("Euler",))
ok(
    "messages",
    "an explicit lambda e",
    "plot",
    "lambdalr",
    "--lr-lambda",
    "lambda e: 0.95 ** e",
    "-n",
    "5",
    "-o",
    "x.png",
    files=("x.png",),
)
case(
    "messages",
    "a bad CSV cell is named",
    *PLATEAU,
    "m.csv",
    setup=files({"m.csv": "epoch,val_loss\n0,1\n1,oops\n2,0.8\n"}),
    says=("line 3", "'oops'"),
)
ok(
    "messages",
    "a config with a byte order mark",
    "plot",
    "--config",
    "c.toml",
    "-o",
    "x.png",
    files=("x.png",),
    setup=files({"c.toml": "\ufeffsteps = 10\n[[schedule]]\nspec = 'StepLR(step_size=3)'\n"}),
)
case(
    "messages",
    "negative total_steps",
    "plot",
    "OneCycleLR(max_lr=0.1, total_steps=-5)",
    says=("total_steps must be a positive integer, got -5",),
)
case(
    "messages",
    "negative total_steps with -n",
    "plot",
    "OneCycleLR(max_lr=0.1, total_steps=-5)",
    "-n",
    "10",
    says=("total_steps must be a positive integer, got -5",),
)
ok(
    "messages",
    "an infinite LR is inf",
    "plot",
    "LambdaLR(lr_lambda=lambda e: inf)",
    "-n",
    "5",
    "-o",
    "x.png",
    says=("constant inf",),
)
case("messages", "--momentum nan", "plot", *STEP, "--momentum", "nan", says=("--momentum", "nan"))
case(
    "messages",
    "one label for two schedules",
    "compare",
    *STEP,
    "exponentiallr",
    "--gamma",
    "0.9",
    "--label",
    "a",
    says=("1 --label value for 2 schedules",),
)
case(
    "messages",
    "three labels for two schedules",
    "compare",
    *STEP,
    "exponentiallr",
    "--gamma",
    "0.9",
    "--label",
    "a",
    "--label",
    "b",
    "--label",
    "c",
    says=("3 --label values for 2 schedules",),
)
case("messages", "two labels for one schedule", "table", *STEP, "--label", "a", "--label", "b", says=("--label",))
ok(
    "messages",
    "the last step is in the last epoch",
    "plot",
    "StepLR(step_size=3000)",
    "-n",
    "6000",
    "--steps-per-epoch",
    "100",
    "-o",
    "x.png",
    says=("step 5,999 (epoch 60 of 60)",),
)
case("messages", "too many steps", "plot", "steplr", "--step-size", "3", "-n", "1e9", says=("at most 20,000,000",))
case("messages", "a metric too short", *PLATEAU, "m.txt", setup=files({"m.txt": "1\n2\n"}), says=("-n 2",))
case("messages", "no schedule", "plot", says=("name a schedule",))
case(
    "messages",
    "a read-only output",
    "plot",
    *STEP,
    "-o",
    "r.png",
    setup=both(files({"r.png": b"x"}), chmod("r.png", 0o444)),
    says=("read-only", "chmod"),
)
ok(
    "messages",
    "pct_start=1.0 stopping before torch's failing step",
    "plot",
    "OneCycleLR(max_lr=0.1, total_steps=100, pct_start=1.0)",
    "-n",
    "50",
    "-o",
    "x.png",
    files=("x.png",),
    check=lambda r, f: "raises" not in r.err or pytest.fail(r.err),
)
ok(
    "messages",
    "pct_start=1.0 over its whole length",
    "plot",
    "OneCycleLR(max_lr=0.1, total_steps=100, pct_start=1.0)",
    "-o",
    "x.png",
    files=("x.png",),
    says=("the final scheduler.step() raises ZeroDivisionError",),
)
case(
    "messages",
    "pct_start making the first phase empty",
    "plot",
    "OneCycleLR(max_lr=0.1, total_steps=10, pct_start=0.1)",
    says=("phase 1", "step 0"),
)
case(
    "messages",
    "a symlinked subfolder in a gallery",
    *GALLERY,
    says=("symbolic link", "thumbs"),
    setup=then_small(
        lambda f: (
            __import__("shutil").rmtree(f / "g" / "thumbs"),
            (f / "elsewhere").mkdir(),
            os.symlink(f / "elsewhere", f / "g" / "thumbs"),
        )
    ),
    where="subprocess",
)


def install_hint_works(folder: Path) -> None:
    from lrviz.errors import install_command

    hint = install_command("transformers>=4.40")
    assert hint.split()[0] == sys.executable and hint.split()[1:4] == ["-m", "pip", "install"]
    # the command is one this Python can run: its pip exists
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "--version"], capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0 and sys.prefix in proc.stdout or Path(sys.prefix).resolve().as_posix() in proc.stdout


python("messages", "install hints name this Python's pip", install_hint_works, default=False)


# ======================================================================================
# fidelity: bit for bit what torch gives, where Python's arithmetic is subtle


def same_as_torch(spec: str, make: Any, steps: int, **options: Any) -> Any:
    """The trace of ``spec`` on the fast path and with exact=True equal a plain torch loop."""

    def run(folder: Path) -> None:
        import lrviz

        expected = training_loop(make, steps, **options)
        for exact in (False, True):
            t = lrviz.trace(spec, steps, exact=exact, group_lrs=options.get("group_lrs", ()))
            assert np.array_equal(t.lr, expected.lr), (exact, np.flatnonzero(t.lr[0] != expected.lr[0])[:5])
            if t.momentum is not None:
                assert np.array_equal(t.momentum, expected.momentum), exact

    return run


def lambda_lr(body: str) -> Any:
    from torch.optim import lr_scheduler

    fn = eval(f"lambda epoch: {body}", {"__builtins__": {}, "min": min, "max": max, "math": math})  # noqa: S307
    return lambda opt: lr_scheduler.LambdaLR(opt, fn)


for body, steps in [
    ("1 / (1 + epoch ** 4)", 20_000),
    ("epoch ** 3 / 7 + 1", 20_000),
    ("(epoch ** 5 + 1) / 3 ** 7", 12_000),
    ("1 / (epoch + 1) ** 2", 20_000),
    ("2 ** -(epoch % 60)", 600),
    ("(epoch // 7) ** 4 / 11 + 1", 20_000),
    ("(epoch * 123456789) / 987654321 + 1", 20_000),
    ("max(epoch ** 4, 10 ** 12) / 10 ** 12", 20_000),
    ("1 if epoch ** 4 < 10 ** 15 else 0.5 ** (epoch ** 2 // 10 ** 8)", 20_000),
]:
    python(
        "fidelity",
        f"LambdaLR {body}",
        same_as_torch(f"LambdaLR(lr_lambda=lambda epoch: {body})", lambda_lr(body), steps),
        default=steps <= 600 or body.startswith("1 / (1"),
    )


def multiplicative(body: str) -> Any:
    from torch.optim import lr_scheduler

    fn = eval(f"lambda epoch: {body}", {"__builtins__": {}})  # noqa: S307
    return lambda opt: lr_scheduler.MultiplicativeLR(opt, fn)


python(
    "fidelity",
    "MultiplicativeLR with integer powers",
    same_as_torch(
        "MultiplicativeLR(lr_lambda=lambda epoch: 1 - 1 / (epoch ** 3 + 7))",
        multiplicative("1 - 1 / (epoch ** 3 + 7)"),
        20_000,
    ),
)


def torch_class(name: str, **kwargs: Any) -> Any:
    from torch.optim import lr_scheduler

    return lambda opt: getattr(lr_scheduler, name)(opt, **kwargs)


python(
    "fidelity",
    "CosineAnnealingLR T_max=4.3",
    same_as_torch("CosineAnnealingLR(T_max=4.3)", torch_class("CosineAnnealingLR", T_max=4.3), 60),
)
python(
    "fidelity",
    "CosineAnnealingLR T_max=12.5 eta_min",
    same_as_torch(
        "CosineAnnealingLR(T_max=12.5, eta_min=0.01)", torch_class("CosineAnnealingLR", T_max=12.5, eta_min=0.01), 200
    ),
)
python(
    "fidelity",
    "CyclicLR step_size_up=2.5",
    same_as_torch(
        "CyclicLR(base_lr=0.1, max_lr=0.2, step_size_up=2.5)",
        torch_class("CyclicLR", base_lr=0.1, max_lr=0.2, step_size_up=2.5),
        60,
    ),
)
python(
    "fidelity",
    "CyclicLR 2.5 up, 3.5 down, triangular2",
    same_as_torch(
        "CyclicLR(base_lr=0.01, max_lr=0.2, step_size_up=2.5, step_size_down=3.5, mode='triangular2')",
        torch_class("CyclicLR", base_lr=0.01, max_lr=0.2, step_size_up=2.5, step_size_down=3.5, mode="triangular2"),
        100,
    ),
)
python(
    "fidelity",
    "OneCycleLR pct_start=1.0 before its failing step",
    same_as_torch(
        "OneCycleLR(max_lr=0.1, total_steps=100, pct_start=1.0)",
        torch_class("OneCycleLR", max_lr=0.1, total_steps=100, pct_start=1.0),
        50,
    ),
)
python(
    "fidelity",
    "OneCycleLR pct_start=1.0 to its last step",
    same_as_torch(
        "OneCycleLR(max_lr=0.1, total_steps=100, pct_start=1.0)",
        torch_class("OneCycleLR", max_lr=0.1, total_steps=100, pct_start=1.0),
        100,
    ),
)


def initial_lr_is_torch_s(spec: str, make: Any, group_lrs: tuple[float, ...] = ()) -> Any:
    """JSON's initial_lr is param_groups[g]['initial_lr'] as torch records it (null where it records none)."""

    def run(folder: Path) -> None:
        import torch

        import lrviz
        from lrviz.render.export import to_dict

        lrs = list(group_lrs) or [0.1]
        opt = torch.optim.SGD(
            [{"params": [torch.nn.Parameter(torch.zeros(1))], "lr": lr} for lr in lrs], lr=lrs[0], momentum=0.9
        )
        make(opt)
        expected = [group.get("initial_lr") for group in opt.param_groups]
        for exact in (False, True):
            t = lrviz.trace(spec, 10, exact=exact, group_lrs=group_lrs)
            got = [group["initial_lr"] for group in to_dict(t)["groups"]]
            assert got == expected, (exact, got, expected)

    return run


for spec, make, groups in [
    ("StepLR(step_size=3)", torch_class("StepLR", step_size=3), ()),
    ("CyclicLR(base_lr=0.01, max_lr=0.2)", torch_class("CyclicLR", base_lr=0.01, max_lr=0.2), (0.1, 0.3)),
    (
        "CyclicLR(base_lr=[0.01, 0.02], max_lr=0.2)",
        torch_class("CyclicLR", base_lr=[0.01, 0.02], max_lr=0.2),
        (0.1, 0.3),
    ),
    ("OneCycleLR(max_lr=0.3, total_steps=50)", torch_class("OneCycleLR", max_lr=0.3, total_steps=50), ()),
    (
        "OneCycleLR(max_lr=[0.3, 0.7], total_steps=50, div_factor=7)",
        torch_class("OneCycleLR", max_lr=[0.3, 0.7], total_steps=50, div_factor=7),
        (0.1, 0.2),
    ),
    ("ReduceLROnPlateau()", torch_class("ReduceLROnPlateau"), ()),
    ("LambdaLR(lr_lambda=lambda e: 0.9 ** e)", lambda_lr("0.9 ** epoch"), (0.1, 0.05)),
]:
    python("fidelity", f"initial_lr of {spec}", initial_lr_is_torch_s(spec, make, groups))


def sequential_initial_lr(folder: Path) -> None:
    from torch.optim import lr_scheduler

    def make(opt: Any) -> Any:
        first = lr_scheduler.LinearLR(opt, start_factor=0.1, total_iters=5)
        second = lr_scheduler.OneCycleLR(opt, max_lr=0.5, total_steps=20)
        return lr_scheduler.SequentialLR(opt, [first, second], milestones=[5])

    initial_lr_is_torch_s(
        "SequentialLR(schedulers=[LinearLR(start_factor=0.1, total_iters=5), OneCycleLR(max_lr=0.5, total_steps=20)], "
        "milestones=[5])",
        make,
    )(folder)


python("fidelity", "initial_lr of a SequentialLR with a OneCycleLR", sequential_initial_lr)


def only_verified_torch(folder: Path) -> None:
    from lrviz.families import torch as torch_family
    from lrviz.families import torch_fast

    assert torch_fast.VERIFIED == ("2.13.0",)
    assert torch_fast.installed_version() == "2.13.0"  # these tests run against the version verified
    torch_fast.verified.cache_clear()
    real = torch_fast.installed_version
    try:
        torch_fast.installed_version = lambda: "2.14.0"  # type: ignore[assignment]
        entries = torch_family.TorchFamily().load()
        assert all(e.fast is None for e in entries), "a fast path offered for a torch it was not verified against"
    finally:
        torch_fast.installed_version = real  # type: ignore[assignment]
        torch_fast.verified.cache_clear()
    assert any(e.fast is not None for e in torch_family.TorchFamily().load())


python("fidelity", "the fast path only for torch 2.13.0", only_verified_torch)


def version_without_torch(folder: Path) -> None:
    code = (
        "import sys; from lrviz.families import torch_fast; "
        "print(torch_fast.installed_version(), 'torch' in sys.modules)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert proc.stdout.split() == ["2.13.0", "False"], proc.stdout


python("fidelity", "the torch version is read without importing torch", version_without_torch)


def csv_equals_torch(folder: Path) -> None:
    from clirun import run as _run  # noqa: F401 - the command line as users call it

    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "lrviz",
            "table",
            "lambdalr",
            "--lr-lambda",
            "1 / (1 + epoch ** 4)",
            "-n",
            "12000",
            "-f",
            "csv",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env=env_for(Case("", "")),
    )
    rows = proc.stdout.splitlines()[1:]
    got = [float(row.split(",")[1]) for row in rows]
    expected = training_loop(lambda_lr("1 / (1 + epoch ** 4)"), 12000).lr[0].tolist()
    assert got == expected


python("fidelity", "the CSV of 1 / (1 + epoch ** 4) is torch's beyond epoch 9,742", csv_equals_torch, default=False)


# ======================================================================================
# The tests

COMMAND_LINE = [c for c in CASES if c.where in ("both", "subprocess")]
IN_PROCESS = [c for c in CASES if c.where in ("both", "inprocess")]
PYTHON = [c for c in CASES if c.where == "python"]


def test_the_suite_is_large_and_named_uniquely() -> None:
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids)), [i for i in ids if ids.count(i) > 1]
    assert len(CASES) >= 300, len(CASES)


@pytest.mark.parametrize("case", IN_PROCESS, ids=lambda c: c.id)
def test_in_process(case: Case, tmp_path: Path, capsys: Any, monkeypatch: Any) -> None:
    folder = tmp_path / "case"
    folder.mkdir()
    if case.setup is not None:
        case.setup(folder)
    before = snapshot(folder)
    monkeypatch.syspath_prepend(str(folder))  # a user's module, imported by name from here
    result = run_inprocess(case, folder, capsys, monkeypatch)
    verify(case, result, folder, before)


@pytest.mark.parametrize(
    "case", [pytest.param(c, marks=[] if c.default else [pytest.mark.slow]) for c in COMMAND_LINE], ids=lambda c: c.id
)
def test_subprocess(case: Case, tmp_path: Path) -> None:
    folder = tmp_path / "case"
    folder.mkdir()
    if case.setup is not None:
        case.setup(folder)
    before = snapshot(folder)
    result = run_subprocess(case, folder)
    verify(case, result, folder, before)


@pytest.mark.parametrize(
    "case", [pytest.param(c, marks=[] if c.default else [pytest.mark.slow]) for c in PYTHON], ids=lambda c: c.id
)
def test_python(case: Case, tmp_path: Path, monkeypatch: Any) -> None:
    folder = tmp_path / "case"
    folder.mkdir()
    monkeypatch.chdir(folder)
    assert case.run is not None
    case.run(folder)
