"""How long `lrviz explore` takes to redraw after a keystroke, for 10,000 steps.

A redraw is what the app does on every edit: parse the form (lrviz.spec.from_options),
trace the real scheduler (lrviz.trace) and draw the terminal chart (plotext) at a
typical full-screen size. Medians of several runs per schedule; the target is 100 ms.

    python bench/explore_redraw.py [STEPS]
"""

from __future__ import annotations

import statistics
import sys
import time

from lrviz import explore, registry
from lrviz.render.terminal import chart

STEPS = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
RUNS = 5
TARGET_MS = 100.0


def main() -> int:
    rows = []
    for entry in registry.entries():
        if entry.unavailable():
            continue
        state = explore.state_for_entry(entry)
        state.trace["steps"] = str(STEPS)
        if any(p.name in ("total_steps", "num_training_steps") for p in entry.user_params):
            for name in ("total_steps", "num_training_steps"):
                if name in state.fields:
                    state.fields[name] = str(STEPS)
        times = []
        for _ in range(RUNS):
            started = time.perf_counter()
            drawn = explore.draw(state)
            if drawn.trace is None:
                break
            chart(drawn.trace, width=110, height=30)
            times.append((time.perf_counter() - started) * 1000)
        if times:
            rows.append((entry.name, statistics.median(times)))
    width = max(len(n) for n, _ in rows)
    print(f"{'schedule':<{width}}  redraw ms (median of {RUNS}, {STEPS:,} steps, chart 110x30)")
    for name, ms in rows:
        print(f"{name:<{width}}  {ms:8.1f}{'  over target' if ms > TARGET_MS else ''}")
    worst = max(ms for _, ms in rows)
    print(
        f"{'worst':<{width}}  {worst:8.1f}  (target {TARGET_MS:.0f} ms: {'met' if worst <= TARGET_MS else 'NOT met'})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
