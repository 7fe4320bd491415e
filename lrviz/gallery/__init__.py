"""The docs gallery: figures declared in one TOML file, rendered to SVG and PNG thumbnails
with a Markdown page and a self-contained HTML page, byte for byte the same on every run.

- :mod:`.plan` reads a gallery file (lrviz's own is ``gallery.toml`` here) into a Plan;
- :mod:`.shell` gives the ``lrviz`` command that draws each figure;
- :mod:`.pages` writes README.md and index.html;
- this module renders a Plan (:func:`render`) and compares it with a gallery on disk
  (:func:`compare`, :func:`for_folder`).

Every figure must be reproducible by one ``lrviz plot``/``lrviz compare`` command, which the
gallery prints under it. This package returns values (file names and bytes, problems
found); the CLI writes files.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lrviz.errors import LrvizError
from lrviz.files import MiB, regular_bytes, safe_relative

from . import parallel
from .pages import GENERATOR, MANIFEST, PAGES, github_anchor, manifest, markdown, page, skipped_text
from .plan import DEFAULT_SOURCE, Figure, Plan, Section, from_data, load
from .shell import command

if TYPE_CHECKING:
    from lrviz.tracing import Trace

__all__ = [
    "DEFAULT_SOURCE",
    "GENERATOR",
    "MANIFEST",
    "PAGES",
    "THUMB_WIDTH",
    "Figure",
    "Output",
    "Plan",
    "Problem",
    "Section",
    "command",
    "compare",
    "figures_unchanged",
    "for_folder",
    "from_data",
    "github_anchor",
    "is_gallery",
    "load",
    "manifest",
    "markdown",
    "owned_files",
    "page",
    "png_size",
    "recorded_versions",
    "render",
    "render_figure",
    "skipped_text",
    "stamped",
    "versions",
]

THUMB_WIDTH = 640  # pixels: sharp in a two-column grid on a phone's 2x screen, ~40 KB each


@dataclass(frozen=True)
class Problem:
    """A file of a committed gallery that differs from what lrviz generates now."""

    kind: str  # "stale", "missing" or "extra"
    path: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.path}"


@dataclass
class Output:
    """The rendered gallery: relative file name -> bytes, in a fixed order."""

    files: dict[str, bytes] = field(default_factory=dict)
    skipped: list[Figure] = field(default_factory=list)
    versions: dict[str, str] = field(default_factory=dict)  # what the pages say the figures were made with
    sizes: dict[str, tuple[int, int]] = field(default_factory=dict)  # figure id -> thumbnail (width, height)

    @property
    def figure_files(self) -> dict[str, bytes]:
        """The SVGs and thumbnails: the content (the pages and the manifest only describe them)."""
        return {name: data for name, data in self.files.items() if name not in (*PAGES, MANIFEST)}


# --------------------------------------------------------------------------------------
# Rendering


def versions() -> dict[str, str]:
    """The versions a gallery's bytes depend on: the families' libraries, the renderer's."""
    from importlib import metadata

    from lrviz import registry

    out = {}
    for dist in (*registry.distributions(), "matplotlib", "numpy"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    return out


def render_figure(fig: Figure, exact: bool = False) -> tuple[bytes, bytes]:
    """(SVG, PNG thumbnail) of one figure, as its command would draw it."""
    return figure_bytes(fig, figure_traces(fig, exact))


def _specs(fig: Figure) -> list[Any]:
    config = fig.config
    if config is None:
        raise LrvizError(f"gallery figure '{fig.id}' cannot be drawn here: {fig.missing_extra}")
    from lrviz.runs import shared_args

    return [shared_args(run.spec, config.trace) for run in config.runs]


def figure_traces(fig: Figure, exact: bool = False) -> list[Trace]:
    """The traces of one figure's schedules, as its command traces them."""
    from lrviz.runs import labels, trace_all

    specs = _specs(fig)
    config = fig.config
    assert config is not None  # _specs refuses a figure without one
    names = labels(specs, [run.label for run in config.runs])
    try:
        return trace_all(specs, [config.trace] * len(specs), names, [config.folder] * len(specs), exact=exact)
    except LrvizError as exc:
        raise LrvizError(f"gallery figure '{fig.id}': {exc.message}", exc.hint) from None


def figure_bytes(fig: Figure, traces: list[Trace]) -> tuple[bytes, bytes]:
    """(SVG, PNG thumbnail) of one figure drawn from its traces."""
    from lrviz.render.figure import to_bytes
    from lrviz.runs import draw

    assert fig.config is not None  # traced, so it has one
    try:
        drawn = draw(traces, fig.config.figure)
    except LrvizError as exc:
        raise LrvizError(f"gallery figure '{fig.id}': {exc.message}", exc.hint) from None
    svg = to_bytes(drawn, "svg")
    thumb = to_bytes(drawn, "png", THUMB_WIDTH / drawn.get_figwidth())
    return svg, thumb


def steps_torch(fig: Figure, exact: bool = False) -> bool:
    """Whether tracing the figure steps a real scheduler (torch and its family's library
    imported) rather than computing it in lrviz.fast_path."""
    from lrviz.tracing import steps_torch as spec_steps_torch

    return fig.config is None or any(spec_steps_torch(spec, exact) for spec in _specs(fig))


def render(
    plan: Plan,
    progress: Callable[[Figure], None] | None = None,
    exact: bool = False,
    jobs: int | None = None,
) -> Output:
    """Every file of the gallery, in memory. ``progress`` is called for each figure, in
    order, as it is drawn; ``exact`` steps torch for every schedule (the same bytes, only
    slower). The figures are drawn by ``jobs`` processes (default: one per usable core, one
    for fewer than :data:`MIN_PARALLEL` figures), forked once matplotlib is loaded, so they
    share its import and its font cache; each figure's bytes do not depend on the process
    that drew it or on the figures before it."""
    out = Output(skipped=plan.skipped, versions=versions())
    figures = list(plan.drawable)
    for fig, (svg, thumb) in zip(figures, _rendered(figures, exact, jobs, progress), strict=True):
        svg_name, thumb_name = fig.files
        out.files[svg_name] = svg
        out.files[thumb_name] = thumb
        out.sizes[fig.id] = png_size(thumb)
    return stamped(plan, out, out.versions)


def usable_cores() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


MIN_PARALLEL = 8
"""The fewest figures drawn in parallel when the number of processes is not given."""


def _rendered(
    figures: list[Figure], exact: bool, jobs: int | None, progress: Callable[[Figure], None] | None
) -> Iterator[tuple[bytes, bytes]]:
    import multiprocessing

    if jobs is None:  # a few figures are drawn sooner than processes start
        jobs = usable_cores() if len(figures) >= MIN_PARALLEL else 1
    jobs = min(jobs, len(figures))
    if jobs < 2 or "fork" not in multiprocessing.get_all_start_methods():
        for fig in figures:
            if progress is not None:
                progress(fig)
            yield render_figure(fig, exact)
        return
    _warm_up()
    light = [not steps_torch(fig, exact) for fig in figures]
    results = parallel.drawn(
        len(figures),
        light,
        None if exact else (lambda i: figure_traces(figures[i], exact)),
        lambda i, traces: render_figure(figures[i], exact) if traces is None else figure_bytes(figures[i], traces),
        jobs,
    )
    with closing(results):  # its processes end with the first error, not when it is collected
        for fig, result in zip(figures, results, strict=True):
            if progress is not None:
                progress(fig)
            if isinstance(result, BaseException):
                raise result
            yield result


def _warm_up() -> None:
    """Load what every figure needs (matplotlib, its fonts, lrviz's renderer) once, before
    the processes are forked, so that none of them pays for it."""
    from matplotlib.figure import Figure as MplFigure

    from lrviz.render import figure  # noqa: F401  (imported for the processes to share)

    warm = MplFigure(figsize=(1, 1))
    warm.text(0.5, 0.5, "lrviz")
    warm.draw_without_rendering()


def stamped(plan: Plan, out: Output, made_with: Mapping[str, str]) -> Output:
    """``out`` with its two pages (re)written to say the figures were made with ``made_with``,
    and the manifest that names every file as the gallery's own."""
    result = Output(files=dict(out.figure_files), skipped=out.skipped, versions=dict(made_with), sizes=out.sizes)
    result.files["README.md"] = markdown(plan, result).encode()
    result.files["index.html"] = page(plan, result).encode()
    result.files[MANIFEST] = manifest(result.files).encode()
    return result


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


# --------------------------------------------------------------------------------------
# Comparing with a gallery on disk


MAX_PAGE_BYTES = 64 * MiB
"""The most lrviz reads of a gallery's file when it compares or rewrites one."""


def is_gallery(folder: Path) -> bool:
    """Whether ``folder`` holds a gallery lrviz made: its manifest is there."""
    return regular_bytes(folder / MANIFEST, MAX_PAGE_BYTES) is not None


def owned_files(folder: Path) -> set[str]:
    """The files in ``folder`` that a previous ``lrviz gallery`` wrote, as its manifest lists
    them (and the manifest itself): the only files a new run may replace or remove. Names
    that are not plain relative paths are ignored."""
    data = regular_bytes(folder / MANIFEST, MAX_PAGE_BYTES)
    if data is None:
        return set()
    lines = data.decode("utf-8", "replace").splitlines()
    return {line for line in lines if line and not line.startswith("#") and safe_relative(line)} | {MANIFEST}


# "Made with torch 2.13.0+cpu, matplotlib 3.11.2. " on both pages: information, not content
_STAMP = re.compile(r"Made with (.*?)\. (?=Regenerate|Each command)")


def _unstamped(data: bytes) -> bytes:
    return _STAMP.sub("Made with (versions). ", data.decode("utf-8", "replace")).encode()


def compare(folder: Path, out: Output) -> list[Problem]:
    """How the gallery in ``folder`` differs from ``out``: stale, missing and extra files.
    The pages' version stamp is not compared: a new matplotlib, numpy or transformers that
    draws the same figures leaves a gallery up to date."""
    problems = []
    for name, data in out.files.items():
        path = folder / name
        if not path.exists() and not path.is_symlink():
            problems.append(Problem("missing", str(path)))
            continue
        old = regular_bytes(path, MAX_PAGE_BYTES)
        if old is None:  # a link, a pipe, a folder in its place: not what lrviz wrote
            problems.append(Problem("stale", str(path)))
            continue
        if name in PAGES:
            old, data = _unstamped(old), _unstamped(data)
        if old != data:
            problems.append(Problem("stale", str(path)))
    for name in sorted(owned_files(folder) - set(out.files)):
        if (folder / name).exists() or (folder / name).is_symlink():
            problems.append(Problem("extra", str(folder / name)))
    return problems


def figures_unchanged(folder: Path, out: Output) -> bool:
    """Whether every figure in ``out`` is already in ``folder``, byte for byte."""
    return all(regular_bytes(folder / name, MAX_PAGE_BYTES) == data for name, data in out.figure_files.items())


def for_folder(folder: Path, plan: Plan, out: Output) -> Output:
    """``out`` as it should be written into ``folder``: when no figure changed, the pages keep
    the versions the gallery there says its figures were made with (they still are), so a
    dependency's new release that draws the same figures rewrites nothing."""
    recorded = recorded_versions(folder)
    if recorded and figures_unchanged(folder, out):
        return stamped(plan, out, recorded)
    return out


def recorded_versions(folder: Path) -> dict[str, str]:
    """The versions a committed gallery says it was made with (from its README.md)."""
    data = regular_bytes(folder / "README.md", MAX_PAGE_BYTES)
    if data is None:
        return {}
    text = data.decode("utf-8", "replace")
    match = _STAMP.search(text)
    if not match:
        return {}
    pairs = (item.strip().rsplit(" ", 1) for item in match.group(1).split(","))
    return {p[0]: p[1] for p in pairs if len(p) == 2}
