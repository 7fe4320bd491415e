"""How long `lrviz explore` takes to redraw after a keystroke, for 10,000 steps.

A redraw is what the app does on every edit: parse the form and trace the schedule
(lrviz.explore.draw: lrviz.spec.from_options, then lrviz.trace) and draw the terminal chart
(lrviz.render.terminal.chart, lrviz's braille canvas) at a typical full-screen size.
Medians of several runs per schedule, the two parts apart. The target, 16 ms (a frame at
60 Hz), holds for the schedules lrviz computes itself (path "fast"); the others step their
library's scheduler and are listed without one.

    python bench/explore_redraw.py [STEPS] [--json]
"""

from __future__ import annotations

import json
import statistics
import sys
import time

from lrviz import explore, registry
from lrviz.render.terminal import chart

RUNS = 7
TARGET_MS = 16.0


def measure(steps: int) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for entry in registry.entries():
        if entry.unavailable():
            continue
        state = explore.state_for_entry(entry)
        state.trace["steps"] = str(steps)
        for name in ("total_steps", "num_training_steps"):
            if name in state.fields:
                state.fields[name] = str(steps)
        traced, drawn_ms, path = [], [], ""
        for _ in range(RUNS):
            started = time.perf_counter()
            drawn = explore.draw(state)
            middle = time.perf_counter()
            if drawn.trace is None:
                break
            chart(drawn.trace, width=110, height=30)
            traced.append((middle - started) * 1000)
            drawn_ms.append((time.perf_counter() - middle) * 1000)
            path = drawn.trace.path
        if traced:
            trace_ms, chart_ms = statistics.median(traced), statistics.median(drawn_ms)
            total = statistics.median(a + b for a, b in zip(traced, drawn_ms, strict=True))
            rows.append({"name": entry.name, "path": path, "trace_ms": trace_ms, "chart_ms": chart_ms, "ms": total})
    return rows


def main(argv: list[str]) -> int:
    as_json = "--json" in argv
    numbers = [a for a in argv if not a.startswith("--")]
    steps = int(numbers[0]) if numbers else 10_000
    rows = measure(steps)
    if as_json:
        print(json.dumps({"steps": steps, "runs": RUNS, "target_ms": TARGET_MS, "rows": rows}))
        return 0
    width = max(len(str(r["name"])) for r in rows)
    print(f"redraw ms, median of {RUNS}, {steps:,} steps, chart 110x30")
    print(f"{'schedule':<{width}}  path   parse+trace   chart   total")
    for r in rows:
        over = "  over target" if r["path"] == "fast" and float(str(r["ms"])) > TARGET_MS else ""
        times = f"{r['trace_ms']:11.1f}  {r['chart_ms']:6.1f}  {r['ms']:6.1f}"
        print(f"{r['name']:<{width}}  {r['path']:<5}  {times}{over}")
    worst = max(float(str(r["ms"])) for r in rows if r["path"] == "fast")
    verdict = "met" if worst <= TARGET_MS else "NOT met"
    blank = " " * 30
    print(f"{'worst (fast path)':<{width}}  {blank}{worst:6.1f}  (target {TARGET_MS:.0f} ms: {verdict})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
