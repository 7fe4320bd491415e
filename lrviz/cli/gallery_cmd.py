"""``lrviz gallery``: draw the docs gallery into a folder, or check one (``--check``).

The gallery itself (which figures, the pages, comparing with a folder) is
:mod:`lrviz.gallery`; this is the command: its options, the progress bar, the writes
(through :mod:`lrviz.files`) and the messages.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from lrviz.errors import LrvizError
from lrviz.files import check_folder, update_folder

from .output import stderr


def gallery_cmd(
    folder: Annotated[
        Path,
        typer.Argument(metavar="[DIR]", help="Where the gallery goes. Default: gallery (in the current folder)."),
    ] = Path("gallery"),
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Write nothing: regenerate in memory and exit 1 naming every stale, missing or extra file. "
            "The pages' 'Made with' versions are not compared.",
        ),
    ] = False,
    keep: Annotated[
        Path | None,
        typer.Option(
            "--keep",
            metavar="DIR",
            help="With --check: when the gallery is out of date, write the fresh files to DIR to diff them.",
            show_default=False,
        ),
    ] = None,
    exact: Annotated[
        bool,
        typer.Option("--exact", help="Step the real torch scheduler for every figure (the same files, slower)."),
    ] = False,
    source: Annotated[
        Path | None,
        typer.Option(
            "--from",
            metavar="FILE.toml",
            help="Draw the figures declared in this gallery file instead of lrviz's own (lrviz/gallery/gallery.toml).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Draw the docs gallery: an SVG and a PNG thumbnail per figure, README.md and index.html.

    The figures are declared in one TOML file (lrviz's own, or --from yours): each is a
    config file's [[schedule]] tables and options, plus an id, a section and a note. Every
    schedule in the registry appears at least once. The output is the same byte for byte on
    every run with the same torch, matplotlib, transformers and timm.

    Examples:

      lrviz gallery                    # (re)generate ./gallery

      lrviz gallery --check            # exit 1 if ./gallery is not what lrviz draws now

      lrviz gallery --check --keep fresh   # ...and write what it draws now to ./fresh

      lrviz gallery docs/my-gallery --from my-gallery.toml
    """
    import time

    from lrviz import gallery as gal

    plan = gal.load(source)
    if folder.exists() and not folder.is_dir():
        raise LrvizError(f"'{folder}' is a file; give a folder for the gallery")
    if keep is not None and not check:
        raise LrvizError("--keep DIR goes with --check (without --check the gallery is written to its folder)")
    if not check:
        _gallery_folder_writable(gal, folder, plan)
    elif not folder.is_dir():
        raise LrvizError(f"there is no gallery in '{folder}' to check; generate it with 'lrviz gallery {folder}'")
    elif keep is not None:
        _gallery_folder_writable(gal, keep, plan)
    started = time.perf_counter()
    out = _render_gallery(gal, plan, exact)
    seconds = time.perf_counter() - started
    drawn = len(plan.drawable)
    if out.skipped:
        stderr(f"lrviz: warning: gallery: {gal.skipped_text(out.skipped)}")
    if check:
        _check_gallery(gal, folder, out, seconds, source, keep)
        return
    _write_gallery(gal, folder, gal.for_folder(folder, plan, out), drawn, seconds)
    print(folder / "index.html")


def _gallery_folder_writable(gal: Any, folder: Path, plan: Any) -> None:
    """Refuse a folder the gallery cannot be written to, before anything is drawn."""
    if folder.exists() and not folder.is_dir():
        raise LrvizError(f"'{folder}' is a file; give a folder for the gallery")
    if not folder.parent.is_dir():
        raise LrvizError(f"cannot write the gallery in '{folder}': the folder '{folder.parent}' does not exist")
    if folder.is_dir() and any(folder.iterdir()) and not gal.is_gallery(folder):
        raise LrvizError(
            f"'{folder}' holds files but no lrviz gallery (no {gal.MANIFEST}); give a new or empty folder "
            f"(lrviz only replaces and removes the files a gallery it made lists in its {gal.MANIFEST})"
        )
    if folder.is_dir():
        names = [name for fig in plan.drawable for name in fig.files] + [*gal.PAGES, gal.MANIFEST]
        check_folder(folder, names, gal.owned_files(folder))


def _render_gallery(gal: Any, plan: Any, exact: bool = False) -> Any:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    columns = (
        TextColumn("[bold]gallery[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
    )
    with Progress(*columns, console=console, transient=True, disable=not console.is_terminal) as progress:
        task = progress.add_task("", total=len(plan.drawable))
        count = 0

        def step(fig: Any) -> None:
            nonlocal count
            if count:
                progress.advance(task)
            count += 1
            progress.update(task, description=fig.id)

        result = gal.render(plan, step, exact)
        progress.update(task, completed=len(plan.drawable))
    return result


def _write_gallery(gal: Any, folder: Path, out: Any, drawn: int, seconds: float) -> None:
    written, removed = update_folder(folder, out.files, gal.owned_files(folder))
    stderr(
        f"lrviz: gallery: {drawn} figures in {seconds:.1f} s; {written} files written, "
        f"{len(out.files) - written} unchanged" + (f", {removed} removed" if removed else "")
    )


def _check_gallery(gal: Any, folder: Path, out: Any, seconds: float, source: Path | None, keep: Path | None) -> None:
    problems = gal.compare(folder, out)
    if not problems:
        stderr(f"lrviz: gallery: '{folder}' is up to date ({len(out.files)} files checked in {seconds:.1f} s)")
        return
    for problem in problems:
        stderr(f"lrviz: gallery: {problem}")
    counts = {kind: sum(1 for p in problems if p.kind == kind) for kind in ("stale", "missing", "extra")}
    summary = ", ".join(f"{n} {kind}" for kind, n in counts.items() if n)
    recorded = gal.recorded_versions(folder)
    differ = [
        f"{name} {version} (here {out.versions.get(name, 'not installed')})"
        for name, version in recorded.items()
        if out.versions.get(name) != version
    ]
    again = f"lrviz gallery {folder}" + (f" --from {source}" if source else "")
    why = f"; it was made with {', '.join(differ)}" if differ else ""
    if keep is not None:
        _write_gallery(gal, keep, out, len(out.sizes), seconds)
        fresh = f"the fresh files are in {keep}"
    else:
        fresh = "add --keep DIR to write the fresh files to DIR"
    stderr(
        f"lrviz: error: the gallery in '{folder}' is out of date ({summary}){why}; "
        f"run '{again}' to regenerate it ({fresh})"
    )
    raise SystemExit(1)
