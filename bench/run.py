"""lrviz's benchmark suite: lrviz side by side with what it replaces.

    python bench/run.py                          # all ten; medians of 5 runs (1, 2, 6) and 3 runs (the others)
    python bench/run.py --quick                  # fewer runs; benchmark 4's blog loop at 10**5 steps
    python bench/run.py --only 1,2 --runs 2      # some of them
    python bench/run.py --quick --write bench/README.md   # also fill README's results section

1. ``lrviz --help`` against ``python -c pass``: start-up. Target: at most 0.15 s.
2. ``lrviz plot`` of a 1,000-step schedule to PNG against ``python -c "import torch,
   matplotlib.pyplot"``, the floor of any tool that draws with them. Target: at most 1.15x.
3. The CyclicLR tutorial's own script (bench/cyclic_tutorial.py) against the same schedule through
   lrviz: wall time and peak memory, and the size of lrviz's SVG. Targets: at least 20x
   faster, at most half the memory, SVG under 300 KB.
4. Trace generation alone, steps per second, every schedule at 10**6 steps: torch's blog
   loop, a lean torch loop, lrviz (bench/trace_speed.py, in its own process).
5. The whole gallery, ``lrviz gallery DIR`` into a fresh temporary folder (against
   ``--exact`` when lrviz has it). Target: at most 10 s.
6. ``lrviz plot`` of a 1,000-step schedule against bench/bare_figure.py, a bare matplotlib
   script drawing the same figure. Target: at most 1.10x.
7. ``lrviz table --format csv|json`` of 2,000,000 rows against 200,000. Targets: CSV in at
   most 3 s, peak memory flat in the rows.
8. A 20,000,000-step figure against the same figure of 1,000 steps. Target: a peak of at
   most 300 MB.
9. The explorer's redraw of 10,000 steps (bench/explore_redraw.py). Target: at most 16 ms
   for every schedule lrviz computes itself.
10. Composites: ``lrviz plot`` of 1,000,000 steps of SequentialLR and ChainedScheduler
   against the same with ``--exact`` (torch stepped), and their values compared bit for
   bit. Targets: a warmup and a cosine in at most 1.5 s; the same values as torch's.

Whole commands run as subprocesses: wall time is ``time.perf_counter`` around each, peak
memory the child's own ``ru_maxrss`` from ``os.wait4``. Baseline and lrviz runs alternate
(A B A B ...) so the machine's noise hits both. This file imports no torch or matplotlib.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import json
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PYTHON = sys.executable


def _lrviz_command() -> list[str]:
    """The `lrviz` script as users run it: the one installed beside this interpreter (as
    `python` and `lrviz` are in a venv), else the one on PATH, else `python -m lrviz`.
    Beside the interpreter first: a version manager's shim on PATH (pyenv's is a bash
    script that runs `pyenv exec`) would add its own start-up to every lrviz row."""
    beside = Path(PYTHON).with_name("lrviz")
    if beside.is_file() and os.access(beside, os.X_OK):
        return [str(beside)]
    script = shutil.which("lrviz")
    return [script] if script else [PYTHON, "-m", "lrviz"]


def _child_environment() -> dict[str, str]:
    """The environment of every measured command: ours, except that Python may cache
    bytecode. With PYTHONDONTWRITEBYTECODE set (some containers set it), an editable
    install of lrviz is compiled from source on every run, while torch and matplotlib,
    compiled when pip installed them, are not: a cost no installed lrviz has."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


CHILD_ENV = _child_environment()


LRVIZ = _lrviz_command()
START_MARK = "<!-- results start -->"
END_MARK = "<!-- results end -->"

HELP_TARGET_S = 0.15
PLOT_TARGET_RATIO = 1.15
BARE_TARGET_RATIO = 1.10
GALLERY_TARGET_S = 10.0
TABLE_ROWS = 2_000_000
TABLE_TARGET_S = 3.0
TABLE_FLAT_RATIO = 1.10
BIG_FIGURE_STEPS = 20_000_000
BIG_FIGURE_TARGET_MB = 300.0
REDRAW_TARGET_MS = 16.0
COMPOSITE_STEPS = 1_000_000
COMPOSITE_TARGET_S = 1.5
TUTORIAL_SPEEDUP_TARGET = 20.0
TUTORIAL_MEMORY_TARGET = 0.5
SVG_TARGET_KB = 300.0

PLOT_SCHEDULE = ["OneCycleLR(max_lr=0.1, total_steps=1000)", "-n", "1000"]
TUTORIAL_STEPS = 79 * 17_000  # the tutorial: range(1, 80) epochs of 17,000 iterations
TUTORIAL_SCHEDULE = [
    "CyclicLR(base_lr=0.00025, max_lr=0.001, cycle_momentum=False, mode='triangular2', step_size_up=102000)",
    "--optimizer",
    "adam",
    "--lr",
    "0.001",
    "-n",
    str(TUTORIAL_STEPS),
]


class BenchError(Exception):
    """A measured command failed: the benchmark cannot report a number."""


# --------------------------------------------------------------------------------------
# Options


@dataclass(frozen=True)
class Options:
    only: tuple[int, ...]
    quick_runs: int  # benchmarks 1 and 2
    slow_runs: int  # benchmarks 3, 4 and 5
    steps: int  # benchmark 4: lean loop and lrviz
    blog_steps: int  # benchmark 4: the blog loop
    schedules: str  # benchmark 4: comma-separated names, "" for all
    write: Path | None
    command: str


def parse_options(argv: Sequence[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(
        description="lrviz's benchmarks, side by side with their baselines.",
        epilog="A full run takes over an hour (benchmark 4's blog loop: ~30 us x 10**6 steps x 31 schedules "
        "x runs); --quick about 10 minutes.",
    )
    parser.add_argument(
        "--only", default=",".join(str(n) for n in BENCHMARKS), help="benchmarks to run, e.g. 1,3 (default: all)"
    )
    parser.add_argument("--runs", type=int, help="runs per measurement (default: 5 for 1-2, 3 for 3-5; --quick: 3/1)")
    parser.add_argument("--steps", type=int, default=10**6, help="benchmark 4: steps per trace (default 10**6)")
    parser.add_argument(
        "--blog-steps", type=int, help="benchmark 4: steps of the blog loop (default --steps; --quick 10**5)"
    )
    parser.add_argument("--schedules", default="", help="benchmark 4: only these schedules, comma-separated")
    parser.add_argument("--quick", action="store_true", help="fewer runs; benchmark 4's blog loop at 10**5 steps")
    parser.add_argument("--write", type=Path, metavar="README.md", help="replace the file's results section")
    args = parser.parse_args(argv)
    try:
        only = tuple(sorted({int(x) for x in args.only.split(",") if x.strip()}))
    except ValueError:
        parser.error(f"--only takes benchmark numbers such as 1,3, got {args.only!r}")
    if not only or not set(only) <= set(BENCHMARKS):
        parser.error(f"--only takes numbers from 1 to {len(BENCHMARKS)}, got {args.only!r}")
    if args.runs is not None and args.runs < 1:
        parser.error("--runs must be at least 1")
    quick_runs, slow_runs = (3, 1) if args.quick else (5, 3)
    blog_default = min(args.steps, 10**5) if args.quick else args.steps
    return Options(
        only=only,
        quick_runs=args.runs or quick_runs,
        slow_runs=args.runs or slow_runs,
        steps=args.steps,
        blog_steps=args.blog_steps or blog_default,
        schedules=args.schedules,
        write=args.write,
        command=shlex.join(["python", "bench/run.py", *(sys.argv[1:] if argv is None else argv)]),
    )


# --------------------------------------------------------------------------------------
# Measuring whole commands


@dataclass(frozen=True)
class Run:
    seconds: float
    max_rss_kb: int


@dataclass
class Runs:
    """Several runs of one command (``argv``: the first run's)."""

    argv: list[str]
    runs: list[Run] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return statistics.median(r.seconds for r in self.runs)

    @property
    def max_rss_kb(self) -> float:
        return statistics.median(r.max_rss_kb for r in self.runs)

    @property
    def spread(self) -> str:
        times = sorted(r.seconds for r in self.runs)
        return f"{fmt_seconds(times[0])} to {fmt_seconds(times[-1])}" if len(times) > 1 else "1 run"


def run_once(argv: Sequence[str]) -> Run:
    """Run a command to the end: its wall time and its own peak RSS (KB, from wait4)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(list(argv), stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=CHILD_ENV)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            tail = err.read().decode(errors="replace").strip().splitlines()[-3:]
            raise BenchError(f"`{shlex.join(argv)}` exited with {proc.returncode}: {' / '.join(tail)}")
    return Run(seconds, usage.ru_maxrss)


def interleaved(commands: Sequence[Callable[[], list[str]]], runs: int, warmup: int = 0) -> list[Runs]:
    """Run each command ``runs`` times, alternating A B A B ... (after ``warmup`` untimed
    rounds). A command is a function giving its argv, so each run may get a fresh folder."""
    for _ in range(warmup):
        for make in commands:
            run_once(make())
    results = [Runs([]) for _ in commands]
    for i in range(runs):
        for make, result in zip(commands, results, strict=True):
            argv = make()
            result.argv = result.argv or argv
            result.runs.append(run_once(argv))
            progress(f"  run {i + 1}/{runs}: {fmt_seconds(result.runs[-1].seconds):>8}  {display(argv)[:100]}")
    return results


def progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------
# Formatting and tables


def fmt_seconds(s: float) -> str:
    if s < 10:
        return f"{s:.3f} s"
    return f"{s:.1f} s"


def fmt_mb(kb: float) -> str:
    return f"{kb / 1024:.0f} MB"


def fmt_rate(steps_per_s: float) -> str:
    if steps_per_s >= 1e6:
        return f"{steps_per_s / 1e6:.2f}M"
    return f"{steps_per_s / 1e3:.0f}k" if steps_per_s >= 1e4 else f"{steps_per_s / 1e3:.1f}k"


def fmt_ratio(x: float) -> str:
    if x < 0.1:
        return f"{x:.3f}x"
    return f"{x:.2f}x" if x < 10 else f"{x:.0f}x"


def met_text(met: bool | None) -> str:
    return {True: "yes", False: "NO", None: "n/a"}[met]


@dataclass
class Table:
    title: str
    headers: list[str]
    rows: list[list[str]]
    notes: list[str] = field(default_factory=list)
    numeric: bool = True  # right-align every column but the first

    def text(self) -> str:
        widths = [max(len(row[i]) for row in [self.headers, *self.rows]) for i in range(len(self.headers))]

        def line(row: list[str]) -> str:
            cells = [
                c.rjust(w) if i and self.numeric else c.ljust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            ]
            return "  ".join(cells).rstrip()

        head = [line(self.headers), "  ".join("-" * w for w in widths)] if any(self.headers) else []
        body = [self.title, *head, *(line(r) for r in self.rows)]
        return "\n".join(body + [f"  {n}" for n in self.notes])

    def markdown(self) -> str:
        def line(row: list[str]) -> str:
            return "| " + " | ".join(c.replace("|", "\\|") for c in row) + " |"

        align = "|" + "|".join(["---"] + ["---:" if self.numeric else "---"] * (len(self.headers) - 1)) + "|"
        body = [f"### {self.title}", "", line(self.headers), align, *(line(r) for r in self.rows)]
        if self.notes:
            body += [""] + [f"- {n}" for n in self.notes]
        return "\n".join(body)


@dataclass(frozen=True)
class Target:
    benchmark: int
    text: str
    measured: str
    met: bool | None  # None: not measured


@dataclass
class Result:
    tables: list[Table] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)


COMPARE_HEADERS = ["", "baseline", "lrviz", "lrviz / baseline", "target", "met?"]


def time_row(base: Runs, ours: Runs, target: str = "", met: bool | None = None) -> list[str]:
    return [
        f"wall time (median of {len(ours.runs)})",
        fmt_seconds(base.seconds),
        fmt_seconds(ours.seconds),
        fmt_ratio(ours.seconds / base.seconds),
        target,
        met_text(met) if target else "",
    ]


def memory_row(base: Runs, ours: Runs, target: str = "", met: bool | None = None) -> list[str]:
    return [
        "peak memory (RSS)",
        fmt_mb(base.max_rss_kb),
        fmt_mb(ours.max_rss_kb),
        fmt_ratio(ours.max_rss_kb / base.max_rss_kb),
        target,
        met_text(met) if target else "",
    ]


def spread_note(base: Runs, ours: Runs) -> str:
    return f"range of the runs: baseline {base.spread}, lrviz {ours.spread}"


def commands_note(base: Runs, ours: Runs) -> list[str]:
    return [f"baseline: `{display(base.argv)}`", f"lrviz: `{display(ours.argv)}`"]


def display(argv: Sequence[str]) -> str:
    """A command as a reader would type it: `python`, `lrviz`, paths relative to the
    checkout, temporary ones as $TMP/NAME."""
    out = []
    for arg in argv:
        if arg == PYTHON:
            out.append("python")
        elif len(LRVIZ) == 1 and arg == LRVIZ[0]:
            out.append("lrviz")
        elif arg.startswith(str(ROOT) + os.sep):
            out.append(quote(os.path.relpath(arg, ROOT)))
        elif arg.startswith(tempfile.gettempdir() + os.sep):
            out.append("$TMP/" + quote(Path(arg).name))
        else:
            out.append(quote(arg))
    return " ".join(out)


def quote(arg: str) -> str:
    """Shell quoting that reads well: a spec with 'strings' goes in double quotes."""
    if "'" in arg and not any(c in arg for c in '"$`\\!'):
        return f'"{arg}"'
    return shlex.quote(arg)


# --------------------------------------------------------------------------------------
# The benchmarks


def bench_help(opts: Options) -> Result:
    base, ours = interleaved([lambda: [PYTHON, "-c", "pass"], lambda: [*LRVIZ, "--help"]], opts.quick_runs, warmup=1)
    met = ours.seconds <= HELP_TARGET_S
    table = Table(
        "1. Start-up: `lrviz --help` against `python -c pass`",
        COMPARE_HEADERS,
        [time_row(base, ours, f"lrviz <= {HELP_TARGET_S} s", met), memory_row(base, ours)],
        [*commands_note(base, ours), spread_note(base, ours)],
    )
    target = Target(1, f"`lrviz --help` in at most {HELP_TARGET_S} s", fmt_seconds(ours.seconds), met)
    return Result([table], [target])


IMPORT_FLOOR = "import torch, matplotlib.pyplot"
# The same imports, ended as lrviz ends (lrviz.cli.process._exit): without the interpreter's teardown
IMPORT_WORK = "import os, torch, matplotlib.pyplot; os._exit(0)"


def bench_plot(opts: Options) -> Result:
    """Two rows against the floor: lrviz as it runs (OneCycleLR needs no torch), and with
    --exact, which imports torch and steps the real scheduler: what lrviz adds to a figure
    of a schedule that has to be stepped through torch. Then, with no target, --exact
    against the imports' own work: the floor without the interpreter's teardown at exit,
    which lrviz skips (so the floor's teardown does not hide what lrviz costs)."""
    with tempfile.TemporaryDirectory(prefix="lrviz-bench-") as tmp:
        png = str(Path(tmp) / "onecycle.png")
        base, ours, exact, work = interleaved(
            [
                lambda: [PYTHON, "-c", IMPORT_FLOOR],
                lambda: [*LRVIZ, "plot", *PLOT_SCHEDULE, "-o", png],
                lambda: [*LRVIZ, "plot", *PLOT_SCHEDULE, "--exact", "-o", png],
                lambda: [PYTHON, "-c", IMPORT_WORK],
            ],
            opts.quick_runs,
            warmup=1,
        )
    targets = []
    rows = []
    for name, runs in (("", ours), ("--exact: ", exact)):
        ratio = runs.seconds / base.seconds
        met = ratio <= PLOT_TARGET_RATIO
        row = time_row(base, runs, f"<= {PLOT_TARGET_RATIO}x", met)
        row[0] = name + row[0]
        memory = memory_row(base, runs)
        memory[0] = name + memory[0]
        rows += [row, memory]
        what = "`lrviz plot --exact` (1,000 steps through torch, PNG)" if name else "`lrviz plot` (1,000 steps, PNG)"
        targets.append(Target(2, f"{what} at most {PLOT_TARGET_RATIO}x the import floor", fmt_ratio(ratio), met))
    row = time_row(work, exact)
    row[0] = "--exact against the imports without teardown: " + row[0]
    rows.append(row)
    table = Table(
        "2. A 1,000-step figure: `lrviz plot` to PNG against importing torch and matplotlib",
        COMPARE_HEADERS,
        rows,
        [
            *commands_note(base, ours),
            f"lrviz --exact: `{display(exact.argv)}` (imports torch and steps the real scheduler)",
            f"last row, baseline: `{display(work.argv)}`: the floor's imports without the interpreter's "
            "teardown at exit, which lrviz skips once its files are written (no target: what lrviz "
            "adds to the imports' own work)",
            spread_note(base, ours) + f", --exact {exact.spread}, imports without teardown {work.spread}",
        ],
    )
    return Result([table], targets)


def bench_tutorial(opts: Options) -> Result:
    with tempfile.TemporaryDirectory(prefix="lrviz-bench-") as tmp:
        folder = Path(tmp)
        base, ours = interleaved(
            [
                lambda: [PYTHON, str(BENCH / "cyclic_tutorial.py"), str(folder / "cyclic_tutorial.png")],
                lambda: [*LRVIZ, "plot", *TUTORIAL_SCHEDULE, "-o", str(folder / "out.png")],
            ],
            opts.slow_runs,
        )
        svg = folder / "out.svg"
        run_once([*LRVIZ, "plot", *TUTORIAL_SCHEDULE, "-o", str(svg)])
        svg_kb = svg.stat().st_size / 1024
    speedup = base.seconds / ours.seconds
    memory = ours.max_rss_kb / base.max_rss_kb
    met_time, met_mem, met_svg = (
        speedup >= TUTORIAL_SPEEDUP_TARGET,
        memory <= TUTORIAL_MEMORY_TARGET,
        svg_kb < SVG_TARGET_KB,
    )
    rows = [
        time_row(
            base, ours, f"<= {1 / TUTORIAL_SPEEDUP_TARGET:.2f}x ({TUTORIAL_SPEEDUP_TARGET:.0f}x faster)", met_time
        ),
        memory_row(base, ours, f"<= {TUTORIAL_MEMORY_TARGET}x", met_mem),
        ["SVG size (`-o out.svg`)", "", f"{svg_kb:.0f} KB", "", f"< {SVG_TARGET_KB:.0f} KB", met_text(met_svg)],
    ]
    table = Table(
        f"3. A CyclicLR tutorial's script against the same schedule through lrviz ({TUTORIAL_STEPS:,} steps)",
        COMPARE_HEADERS,
        rows,
        [
            *commands_note(base, ours),
            f"lrviz is {speedup:.1f}x faster end to end",
            spread_note(base, ours),
        ],
    )
    targets = [
        Target(
            3,
            f"at least {TUTORIAL_SPEEDUP_TARGET:.0f}x faster than the CyclicLR tutorial's script",
            f"{speedup:.1f}x",
            met_time,
        ),
        Target(3, "at most half its peak memory", fmt_ratio(memory), met_mem),
        Target(3, f"its SVG under {SVG_TARGET_KB:.0f} KB", f"{svg_kb:.0f} KB", met_svg),
    ]
    return Result([table], targets)


def bench_trace(opts: Options) -> Result:
    argv = [
        PYTHON,
        str(BENCH / "trace_speed.py"),
        f"--steps={opts.steps}",
        f"--blog-steps={opts.blog_steps}",
        f"--runs={opts.slow_runs}",
    ]
    if opts.schedules:
        argv.append(f"--schedules={opts.schedules}")
    done = subprocess.run(argv, stdout=subprocess.PIPE, text=True, check=False, env=CHILD_ENV)
    if done.returncode != 0:
        raise BenchError(f"`{shlex.join(argv)}` exited with {done.returncode}")
    data = json.loads(done.stdout)
    return Result([trace_table(data)], [])


def rate(times: list[float], steps: int) -> float:
    return steps / statistics.median(times)


def trace_table(data: dict[str, Any]) -> Table:
    steps, blog_steps, exact = int(data["steps"]), int(data["blog_steps"]), bool(data["exact"])
    rows: list[dict[str, Any]] = data["rows"]
    show_path = any(r["path"] is not None or r["exact_path"] is not None for r in rows)
    headers = ["schedule", "blog loop", "lean loop", "lrviz"]
    if exact:
        headers.append("lrviz --exact")
    if show_path:
        headers.append("path")
    headers += ["lrviz / blog", "lrviz / lean", "lrviz values"]
    table_rows, vs_blog, vs_lean = [], [], []
    for r in rows:
        blog, lean, ours = rate(r["blog"], blog_steps), rate(r["lean"], steps), rate(r["lrviz"], steps)
        vs_blog.append(ours / blog)
        vs_lean.append(ours / lean)
        cells = [r["name"], fmt_rate(blog), fmt_rate(lean), fmt_rate(ours)]
        if exact:
            cells.append(fmt_rate(rate(r["exact"], steps)))
        if show_path:
            cells.append(" / ".join(p for p in (r["path"], r["exact_path"]) if p) or "?")
        values = (
            r["values"] if not exact or r["exact_values"] == "same" else f"{r['values']}; exact: {r['exact_values']}"
        )
        table_rows.append([*cells, fmt_ratio(ours / blog), fmt_ratio(ours / lean), values])
    medians = [fmt_ratio(statistics.median(vs_blog)), fmt_ratio(statistics.median(vs_lean))]
    table_rows.append(["median of the schedules", *[""] * (len(headers) - 4), *medians, ""])
    notes = [
        f"steps per second (k = 1,000, M = 1,000,000), median of {data['runs']} run(s); blog loop over {blog_steps:,} "
        f"steps, lean loop and lrviz over {steps:,} steps, each schedule's example with its fixed total "
        "(total_steps, num_training_steps) set to the step count",
        "blog loop: `optimizer.zero_grad(); optimizer.step(); "
        "lrs.append(optimizer.state_dict()['param_groups'][0]['lr']); scheduler.step()` on a real SGD; "
        "lean loop: read `param_groups[0]['lr']`, `scheduler.step()`; "
        "lrviz: `lrviz.trace(spec, steps=N)`, the whole call",
        "lrviz values: lrviz's LRs against the lean loop's (`same` = equal to the last bit)",
    ]
    if show_path:
        notes.append(
            "path: how lrviz.trace computed the values (`Trace.path`: fast = lrviz's own vectorised formula, "
            "torch = stepping the real scheduler)" + (", then the same for `exact=True`" if exact else "")
        )
    if not exact:
        notes.append("lrviz --exact: not available (lrviz.trace has no `exact`)")
    if data.get("own_loop"):
        notes.append(
            "left out, as their library steps them with its own loop, not `scheduler.step()`: "
            + ", ".join(data["own_loop"])
        )
    counts = f"{steps:,} steps" if blog_steps == steps else f"{steps:,} steps, the blog loop {blog_steps:,}"
    title = f"4. Trace generation alone, steps per second ({counts})"
    return Table(title, headers, table_rows, notes)


def gallery_has_exact() -> bool:
    done = subprocess.run([*LRVIZ, "gallery", "--help"], capture_output=True, text=True, check=False)
    return "--exact" in done.stdout


def bench_gallery(opts: Options) -> Result:
    exact = gallery_has_exact()
    tmp = Path(tempfile.mkdtemp(prefix="lrviz-bench-gallery-"))
    counter = iter(range(10**6))

    def fresh() -> str:
        return str(tmp / f"gallery-{next(counter)}")

    try:
        if exact:
            base, ours = interleaved(
                [lambda: [*LRVIZ, "gallery", "--exact", fresh()], lambda: [*LRVIZ, "gallery", fresh()]], opts.slow_runs
            )
        else:
            (ours,) = interleaved([lambda: [*LRVIZ, "gallery", fresh()]], opts.slow_runs)
        figures = len(list(Path(ours.argv[-1]).glob("*.svg")))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    command = f"`{display(ours.argv[:-1])} $TMP/gallery` (a fresh folder each run): {figures} figures"
    met = ours.seconds <= GALLERY_TARGET_S
    target = Target(5, f"the whole gallery in at most {GALLERY_TARGET_S:.0f} s", fmt_seconds(ours.seconds), met)
    if exact:
        rows = [time_row(base, ours, f"lrviz <= {GALLERY_TARGET_S:.0f} s", met), memory_row(base, ours)]
        notes = ["baseline: the same with `--exact` (lrviz steps torch for every trace)", f"lrviz: {command}"]
        notes.append(spread_note(base, ours))
    else:
        rows = [
            [
                f"wall time (median of {len(ours.runs)})",
                "",
                fmt_seconds(ours.seconds),
                "",
                f"<= {GALLERY_TARGET_S:.0f} s",
                met_text(met),
            ],
            ["peak memory (RSS)", "", fmt_mb(ours.max_rss_kb), "", "", ""],
        ]
        notes = ["baseline: --exact (not available: `lrviz gallery --help` does not list it)", f"lrviz: {command}"]
        notes.append(f"range of the runs: {ours.spread}")
    notes.append(f"drawn by {usable_cores()} processes (one per usable core)")
    return Result([Table("5. The whole gallery: `lrviz gallery DIR`", COMPARE_HEADERS, rows, notes)], [target])


def usable_cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def bench_bare(opts: Options) -> Result:
    """`lrviz plot` against the least a script does to draw the same figure with matplotlib
    (bench/bare_figure.py: the same size, layout and two panels, saved as a PNG)."""
    with tempfile.TemporaryDirectory(prefix="lrviz-bench-") as tmp:
        png = str(Path(tmp) / "onecycle.png")
        base, ours = interleaved(
            [
                lambda: [PYTHON, str(BENCH / "bare_figure.py"), str(Path(tmp) / "bare.png")],
                lambda: [*LRVIZ, "plot", *PLOT_SCHEDULE, "-o", png],
            ],
            opts.quick_runs,
            warmup=1,
        )
    ratio = ours.seconds / base.seconds
    met = ratio <= BARE_TARGET_RATIO
    table = Table(
        "6. A 1,000-step figure: `lrviz plot` against a bare matplotlib script drawing the same figure",
        COMPARE_HEADERS,
        [time_row(base, ours, f"<= {BARE_TARGET_RATIO}x", met), memory_row(base, ours)],
        [
            *commands_note(base, ours),
            "bare_figure.py: numpy and matplotlib's Figure (no pyplot), 8 x 5.7 inches at 150 dpi, constrained "
            "layout, LR above momentum, title, subtitle, labels and grids, the curves computed by numpy",
            spread_note(base, ours),
        ],
    )
    target = Target(6, f"`lrviz plot` at most {BARE_TARGET_RATIO}x a bare matplotlib script", fmt_ratio(ratio), met)
    return Result([table], [target])


TABLE_SCHEDULE = "CyclicLR(base_lr=0.1, max_lr=0.2)"


def bench_table(opts: Options) -> Result:
    """`lrviz table --format csv|json` of 2,000,000 rows (LR and momentum) into a file,
    against the same at a tenth of the rows: time grows with the rows, memory should not."""
    few = TABLE_ROWS // 10

    def command(rows: int, fmt: str) -> Callable[[], list[str]]:
        return lambda: [*LRVIZ, "table", TABLE_SCHEDULE, "-n", str(rows), "--format", fmt]

    results = {
        fmt: interleaved([command(few, fmt), command(TABLE_ROWS, fmt)], opts.slow_runs) for fmt in ("csv", "json")
    }
    rows: list[list[str]] = []
    targets = []
    for fmt, (base, ours) in results.items():
        met_time = ours.seconds <= TABLE_TARGET_S if fmt == "csv" else None
        flat = ours.max_rss_kb / base.max_rss_kb
        met_flat = flat <= TABLE_FLAT_RATIO
        row = time_row(base, ours, f"lrviz <= {TABLE_TARGET_S:.0f} s" if fmt == "csv" else "", met_time)
        row[0] = f"{fmt.upper()}: {row[0]}"
        memory = memory_row(base, ours, f"<= {TABLE_FLAT_RATIO}x (flat)", met_flat)
        memory[0] = f"{fmt.upper()}: {memory[0]}"
        rows += [row, memory]
        if fmt == "csv":
            targets.append(
                Target(
                    7,
                    f"{TABLE_ROWS:,} rows of CSV in at most {TABLE_TARGET_S:.0f} s",
                    fmt_seconds(ours.seconds),
                    met_time,
                )
            )
        targets.append(
            Target(
                7,
                f"{fmt.upper()}: peak memory flat in the rows (10x the rows: at most {TABLE_FLAT_RATIO}x)",
                fmt_ratio(flat),
                met_flat,
            )
        )
    base, ours = results["csv"]
    table = Table(
        f"7. Tables: `lrviz table --format csv|json`, {TABLE_ROWS:,} rows against {few:,}",
        COMPARE_HEADERS,
        rows,
        [
            f"baseline: `{display(base.argv)} > FILE` (and `--format json`)",
            f"lrviz: `{display(ours.argv)} > FILE` (and `--format json`)",
            "columns step, lr, momentum (CyclicLR cycles both); stdout is a temporary file",
            spread_note(base, ours)
            + f"; JSON: baseline {results['json'][0].spread}, lrviz {results['json'][1].spread}",
        ],
    )
    return Result([table], targets)


BIG_SCHEDULE = "CyclicLR(base_lr=0.1, max_lr=0.2)"


def bench_big_figure(opts: Options) -> Result:
    """Peak memory of a 20,000,000-step figure against the same figure of 1,000 steps."""
    with tempfile.TemporaryDirectory(prefix="lrviz-bench-") as tmp:
        png = str(Path(tmp) / "big.png")
        base, ours = interleaved(
            [
                lambda: [*LRVIZ, "plot", BIG_SCHEDULE, "-n", "1000", "-o", png],
                lambda: [*LRVIZ, "plot", BIG_SCHEDULE, "-n", str(BIG_FIGURE_STEPS), "-o", png],
            ],
            opts.slow_runs,
        )
    mb = ours.max_rss_kb / 1024
    met = mb <= BIG_FIGURE_TARGET_MB
    table = Table(
        f"8. A {BIG_FIGURE_STEPS:,}-step figure: peak memory against the same figure of 1,000 steps",
        COMPARE_HEADERS,
        [time_row(base, ours), memory_row(base, ours, f"lrviz <= {BIG_FIGURE_TARGET_MB:.0f} MB", met)],
        [*commands_note(base, ours), spread_note(base, ours)],
    )
    target = Target(
        8,
        f"a {BIG_FIGURE_STEPS:,}-step figure peaks at most at {BIG_FIGURE_TARGET_MB:.0f} MB",
        fmt_mb(ours.max_rss_kb),
        met,
    )
    return Result([table], [target])


def bench_redraw(opts: Options) -> Result:
    """bench/explore_redraw.py: the explorer's redraw of 10,000 steps, schedule by schedule."""
    argv = [PYTHON, str(BENCH / "explore_redraw.py"), "10000", "--json"]
    done = subprocess.run(argv, stdout=subprocess.PIPE, text=True, check=False, env=CHILD_ENV)
    if done.returncode != 0:
        raise BenchError(f"`{shlex.join(argv)}` exited with {done.returncode}")
    data = json.loads(done.stdout)
    fast = [r for r in data["rows"] if r["path"] == "fast"]
    others = [r for r in data["rows"] if r["path"] != "fast"]

    def worst(rows: list[dict[str, Any]], key: str) -> dict[str, Any]:
        return max(rows, key=lambda r: float(r[key]))

    slowest = worst(fast, "ms")
    met = float(slowest["ms"]) <= REDRAW_TARGET_MS
    rows = [
        [
            "slowest redraw, parse + trace + chart",
            f"{slowest['ms']:.1f} ms ({slowest['name']})",
            f"<= {REDRAW_TARGET_MS:.0f} ms",
            met_text(met),
        ],
        ["slowest parse + trace", "{trace_ms:.1f} ms ({name})".format(**worst(fast, "trace_ms")), "", ""],
        ["slowest chart", "{chart_ms:.1f} ms ({name})".format(**worst(fast, "chart_ms")), "", ""],
        ["median redraw", f"{statistics.median(float(r['ms']) for r in fast):.1f} ms", "", ""],
    ]
    if others:
        rows.append(
            [
                "stepping their library (no target): slowest redraw",
                "{ms:.1f} ms ({name})".format(**worst(others, "ms")),
                "",
                "",
            ]
        )
    table = Table(
        f"9. The explorer's redraw, {data['steps']:,} steps, chart 110x30 ({len(fast)} schedules lrviz computes)",
        ["", "measured", "target", "met?"],
        rows,
        [
            f"`python bench/explore_redraw.py 10000`: medians of {data['runs']} redraws per schedule; parse + trace is "
            "lrviz.explore.draw (the form to a spec, lrviz.trace), chart is lrviz.render.terminal.chart",
        ],
    )
    target = Target(
        9, f"the explorer redraws 10,000 steps in at most {REDRAW_TARGET_MS:.0f} ms", f"{slowest['ms']:.1f} ms", met
    )
    return Result([table], [target])


COMPOSITES = [
    (
        "warmup + cosine (SequentialLR)",
        "SequentialLR(schedulers=[LinearLR(start_factor=0.01, total_iters=10000), CosineAnnealingLR(T_max=990000)], "
        "milestones=[10000])",
        True,
    ),
    (
        "warmup + step (SequentialLR)",
        "SequentialLR(schedulers=[LinearLR(start_factor=0.01, total_iters=10000), "
        "StepLR(step_size=200000, gamma=0.5)], milestones=[10000])",
        False,
    ),
    (
        "warmup x step (ChainedScheduler)",
        "ChainedScheduler([LinearLR(start_factor=0.01, total_iters=10000), StepLR(step_size=200000, gamma=0.5)])",
        False,
    ),
    (
        "nested: a SequentialLR in a ChainedScheduler",
        "ChainedScheduler([SequentialLR(schedulers=[LinearLR(start_factor=0.01, total_iters=10000), "
        "CosineAnnealingLR(T_max=990000)], milestones=[10000]), ExponentialLR(gamma=0.999999)])",
        False,
    ),
]

_SAME_VALUES = """
import json, sys
import numpy as np
import lrviz
spec, steps = sys.argv[1], int(sys.argv[2])
fast, exact = lrviz.trace(spec, steps=steps), lrviz.trace(spec, steps=steps, exact=True)
same = np.array_equal(fast.lr, exact.lr) and (
    fast.momentum is None and exact.momentum is None
    or fast.momentum is not None and exact.momentum is not None and np.array_equal(fast.momentum, exact.momentum)
)
print(json.dumps({"path": getattr(fast, "path", "?"), "same": bool(same)}))
"""


def composite_values(spec: str) -> dict[str, Any]:
    """lrviz.trace of ``spec`` against the same with ``exact=True``, in a child process:
    the path it took and whether every LR and momentum is the same to the last bit."""
    argv = [PYTHON, "-c", _SAME_VALUES, spec, str(COMPOSITE_STEPS)]
    done = subprocess.run(argv, capture_output=True, text=True, check=False, env=CHILD_ENV)
    if done.returncode != 0:
        raise BenchError(f"comparing the values of {spec}: {done.stderr.strip().splitlines()[-1:]}")
    return dict(json.loads(done.stdout))


def bench_composites(opts: Options) -> Result:
    """``lrviz plot`` of a million steps of each composite against ``--exact``."""
    rows, targets, notes = [], [], []
    all_same = True
    with tempfile.TemporaryDirectory(prefix="lrviz-bench-") as tmp:
        for name, spec, has_target in COMPOSITES:
            progress(f"  {name}")
            fast_png, exact_png = str(Path(tmp) / "fast.png"), str(Path(tmp) / "exact.png")
            command = [*LRVIZ, "plot", spec, "-n", str(COMPOSITE_STEPS), "-o"]
            exact_argv, fast_argv = [*command, exact_png, "--exact"], [*command, fast_png]
            base, ours = interleaved([partial(list, exact_argv), partial(list, fast_argv)], opts.slow_runs)
            values = composite_values(spec)
            same_png = Path(fast_png).read_bytes() == Path(exact_png).read_bytes()
            all_same &= bool(values["same"]) and same_png
            met = ours.seconds <= COMPOSITE_TARGET_S if has_target else None
            rows.append(
                [
                    name,
                    fmt_seconds(base.seconds),
                    fmt_seconds(ours.seconds),
                    fmt_ratio(ours.seconds / base.seconds),
                    values["path"],
                    ("same" if values["same"] else "DIFFER") + (", same PNG" if same_png else ", other PNG"),
                    f"lrviz <= {COMPOSITE_TARGET_S} s" if has_target else "",
                    met_text(met) if has_target else "",
                ]
            )
            notes.append(f"{name}: `{spec}`; runs: --exact {base.spread}, lrviz {ours.spread}")
            if has_target:
                targets.append(
                    Target(
                        10,
                        f"a {COMPOSITE_STEPS:,}-step warmup and cosine in at most {COMPOSITE_TARGET_S} s",
                        fmt_seconds(ours.seconds),
                        met,
                    )
                )
    targets.append(Target(10, "the composites' values and PNGs the same as with --exact", "", all_same))
    headers = ["", "--exact", "lrviz", "lrviz / --exact", "path", "values", "target", "met?"]
    notes.insert(
        0,
        f"`lrviz plot SPEC -n {COMPOSITE_STEPS:,} -o out.png` against the same with `--exact` (torch stepped); "
        "values: every LR and momentum of `lrviz.trace` against `exact=True`, bit for bit, and the two PNGs' bytes",
    )
    table = Table("10. Composites: a million steps of SequentialLR and ChainedScheduler", headers, rows, notes)
    return Result([table], targets)


BENCHMARKS: dict[int, tuple[str, Callable[[Options], Result]]] = {
    1: ("lrviz --help", bench_help),
    2: ("lrviz plot, 1,000 steps", bench_plot),
    3: ("CyclicLR tutorial", bench_tutorial),
    4: ("trace generation", bench_trace),
    5: ("gallery", bench_gallery),
    6: ("lrviz plot against a bare matplotlib script", bench_bare),
    7: ("tables, 2,000,000 rows", bench_table),
    8: ("a 20,000,000-step figure", bench_big_figure),
    9: ("the explorer's redraw", bench_redraw),
    10: ("composites, 1,000,000 steps", bench_composites),
}


# --------------------------------------------------------------------------------------
# The machine, the summary, the README


def machine(opts: Options) -> list[tuple[str, str]]:
    def version(name: str) -> str:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            return "not installed"

    cpu = re.search(r"^model name\s*:\s*(.+)$", read_text("/proc/cpuinfo"), re.M)
    mem = re.search(r"^MemTotal:\s*(\d+) kB", read_text("/proc/meminfo"), re.M)
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return [
        ("date", datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")),
        ("command", f"`{opts.command}`"),
        (
            "CPU",
            f"{cpu.group(1).strip() if cpu else platform.processor() or '?'}, {os.cpu_count()} cores ({usable} usable)",
        ),
        ("RAM", f"{int(mem.group(1)) / 1024**2:.1f} GB" if mem else "?"),
        ("load average at start (1, 5, 15 min)", load),
        ("OS", platform.platform()),
        ("Python", f"{platform.python_version()} ({platform.python_implementation()})"),
        ("torch", version("torch")),
        ("numpy", version("numpy")),
        ("matplotlib", version("matplotlib")),
        ("transformers", version("transformers")),
        ("lrviz", f"{lrviz_version()} ({git_commit()})"),
    ]


def read_text(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def lrviz_version() -> str:
    done = subprocess.run(
        [PYTHON, "-c", "import lrviz; print(lrviz.__version__)"], capture_output=True, text=True, check=False
    )
    return done.stdout.strip() or "?"


def git_commit() -> str:
    """The checkout's commit, and whether the working tree differs from it (read-only git)."""
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if head.returncode != 0:
        return "not a git checkout"
    clean = subprocess.run(["git", "diff-index", "--quiet", "HEAD", "--"], cwd=ROOT, capture_output=True, check=False)
    return f"commit {head.stdout.strip()}" + ("" if clean.returncode == 0 else " + uncommitted changes")


def summary(targets: list[Target]) -> Table:
    rows = [[f"{t.benchmark}", t.text, t.measured, met_text(t.met)] for t in targets]
    met = sum(t.met is True for t in targets)
    return Table(
        "Targets", ["#", "target", "measured", "met?"], rows, [f"{met} of {len(targets)} targets met"], numeric=False
    )


def machine_table(info: list[tuple[str, str]]) -> Table:
    return Table("Machine", ["", ""], [[k, v] for k, v in info], numeric=False)


def markdown_section(info: list[tuple[str, str]], tables: list[Table]) -> str:
    parts = [machine_table(info).markdown(), *(t.markdown() for t in tables)]
    return "\n\n".join(parts)


def write_results(path: Path, section: str) -> None:
    text = path.read_text()
    start, end = text.find(START_MARK), text.find(END_MARK)
    if start < 0 or end < start:
        raise SystemExit(f"run.py: {path} has no `{START_MARK}` ... `{END_MARK}` section to replace")
    path.write_text(text[: start + len(START_MARK)] + "\n\n" + section + "\n\n" + text[end:])


def main(argv: Sequence[str] | None = None) -> int:
    opts = parse_options(argv)
    info = machine(opts)
    print(machine_table(info).text(), end="\n\n", flush=True)
    tables: list[Table] = []
    targets: list[Target] = []
    for number in opts.only:
        name, bench = BENCHMARKS[number]
        progress(f"benchmark {number}: {name} ...")
        try:
            result = bench(opts)
        except BenchError as exc:
            result = Result(
                [Table(f"{number}. {name}: FAILED", ["error"], [[str(exc)]])], [Target(number, name, "failed", None)]
            )
        for table in result.tables:
            print(table.text(), end="\n\n", flush=True)
        tables += result.tables
        targets += result.targets
    if targets:
        tables.append(summary(targets))
        print(tables[-1].text(), flush=True)
    if opts.write is not None:
        write_results(opts.write, markdown_section(info, tables))
        progress(f"wrote the results to {opts.write}")
    return 0 if all(t.met is True for t in targets) else 1


if __name__ == "__main__":
    raise SystemExit(main())
