"""A gallery's figures drawn by several processes, forked so that they share what is
already imported; each figure's bytes are those one process draws.

Most figures are computed by :mod:`lrviz.fast_path` and need only matplotlib. The others
step a real scheduler and need torch (and transformers or timm), about 1.5 s of imports
that each process would pay again. So that they are paid once:

- one process is forked at once and draws the light figures, from the front of the list;
- meanwhile this process traces the heavy ones, importing what they need;
- then it forks the others, which draw the heavy figures from those traces, then what is
  left of the light ones, from the last;
- the first process draws only light figures (it has none of the heavy ones' imports); when
  they are all taken it ends, and one more process forked from here takes its place.

Each figure's result comes back through a queue and is yielded in the figures' order. An
error is a value, raised in order as drawing one figure after another would raise it. A
process that dies is reported at once, not waited for.
"""

from __future__ import annotations

import gc
import multiprocessing
import queue
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field
from typing import Any

from lrviz.errors import LrvizError

Result = tuple[bytes, bytes]

FRONT, BACK = 0, 1
"""The process that draws light figures only, and the others."""

POLL_S = 0.25
"""How often the results are given up on for a moment to see that every process is alive."""


@dataclass
class _Work:
    """What the forked processes share: set before they are forked, never pickled."""

    draw: Callable[[int, Any], Result]
    order: list[int] = field(default_factory=list)  # light figures first, then the heavy ones
    light: int = 0  # how many of ``order`` are light
    traces: dict[int, Any] = field(default_factory=dict)  # a heavy figure's traces, or its error
    ends: Any = None  # shared positions: [next light, next heavy, one past the last light left]


_WORK: _Work | None = None


def drawn(
    count: int,
    light: Sequence[bool],
    trace: Callable[[int], Any] | None,
    draw: Callable[[int, Any], Result],
    jobs: int,
) -> Generator[Result | BaseException, None, None]:
    """The results of ``count`` figures in order, drawn by ``jobs`` processes (at least 2).
    ``light[i]``: figure i needs no import that this process does not have. ``draw(i,
    traces)`` is figure i's (SVG, PNG), given its traces when ``trace(i)`` made them here
    (the heavy figures, unless ``trace`` is None), else None. A result is an exception when
    that figure failed."""
    global _WORK
    ctx = multiprocessing.get_context("fork")
    front = [i for i in range(count) if light[i]]
    work = _Work(draw, front + [i for i in range(count) if not light[i]], len(front))
    work.ends = ctx.Array("i", [0, work.light, work.light])
    results = ctx.Queue()
    running: dict[int, Any] = {}  # pid -> process, until its last message is read
    _WORK = work

    def start(side: int) -> None:
        gc.freeze()  # what is here now is not the child's to collect (nor to copy by touching)
        process = ctx.Process(target=_draw_from, args=(side, results), daemon=True)
        process.start()
        assert process.pid is not None  # started
        running[process.pid] = process

    try:
        if work.light:
            start(FRONT)
        if trace is not None:
            for i in work.order[work.light :]:
                work.traces[i] = _attempt(trace, i)
        while len(running) < jobs:
            start(BACK)
        done: dict[int, Result | BaseException] = {}
        for i in range(count):
            while i not in done:
                message = _next(results, running)
                if message[0] == "figure":
                    done[message[1]] = message[2]
                    continue
                process = running.pop(message[1])
                process.join()
                if _left(work):
                    start(BACK)  # the light figures' process is done: one that has the imports
            yield done.pop(i)
    finally:
        _WORK = None
        gc.unfreeze()
        for process in running.values():
            process.terminate()
        for process in running.values():
            process.join()
        results.cancel_join_thread()
        results.close()


def _left(work: _Work) -> bool:
    with work.ends.get_lock():
        front, heavy, light_end = work.ends[:]
        return bool(front < light_end or heavy < len(work.order))


def _next(results: Any, running: dict[int, Any]) -> tuple[Any, ...]:
    """The next message of a process, or an error once one died without saying it ended."""
    while True:
        if not running:
            raise RuntimeError("every process drawing the gallery ended before the last figure came back")
        try:
            return tuple(results.get(timeout=POLL_S))
        except queue.Empty:
            pass
        for process in running.values():
            code = process.exitcode
            if code is not None and code != 0:
                how = f"was killed by signal {-code}" if code < 0 else f"exited with status {code}"
                raise LrvizError(
                    f"a process drawing the gallery {how}",
                    "draw it again; if the system ran out of memory, close other programs first",
                )


def _draw_from(side: int, results: Any) -> None:
    """A forked process: figures as :func:`_take` gives them until none is left for it; then
    a last message saying it ended."""
    import os
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # ctrl+c is the parent's: it stops this one
    work = _WORK
    assert work is not None  # set by the parent before it forked
    try:
        while (k := _take(work, side)) is not None:
            i = work.order[k]
            traced = work.traces.get(i)
            result = traced if isinstance(traced, BaseException) else _attempt(work.draw, i, traced)
            results.put(("figure", i, result))
    finally:
        results.put(("end", os.getpid()))


def _take(work: _Work, side: int) -> int | None:
    """The position in ``work.order`` of the next figure for a process at ``side``, if any:
    the front takes the light figures in order; the back takes the heavy ones in order, then
    the light ones left, from the last."""
    with work.ends.get_lock():
        front, heavy, light_end = work.ends[:]
        if side == FRONT or heavy >= len(work.order):
            if front >= light_end:
                return None
            if side == FRONT:
                work.ends[0] = front + 1
                return int(front)
            work.ends[2] = light_end - 1
            return int(light_end - 1)
        work.ends[1] = heavy + 1
        return int(heavy)


def _attempt(fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)``, or its error as a value that pickles: an LrvizError with its hint,
    anything else as a RuntimeError naming it (as the CLI reports an internal error)."""
    try:
        return fn(*args)
    except LrvizError as exc:
        return LrvizError(exc.message, exc.hint)
    except Exception as exc:
        return RuntimeError(f"{type(exc).__name__}: {exc}")
