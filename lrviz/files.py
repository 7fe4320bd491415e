"""Writing output files: to a temporary name in the same folder, then renamed into place.

A failure never leaves a half-written file, nor some files new and others old; a file
lrviz did not write is never removed. Used by the command line and by the explorer's
export, which is why it lives outside :mod:`lrviz.cli`.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from .errors import LrvizError


def check_writable(path: Path) -> None:
    """Fail early, before any work, if ``path`` cannot be written."""
    folder = path.parent
    if not folder.is_dir():
        raise LrvizError(f"cannot write '{path}': the folder '{folder}' does not exist", "create it first")
    if path.is_dir():
        raise LrvizError(f"cannot write '{path}': it is a folder", "give a file name, e.g. -o out.png")
    if not os.access(folder, os.W_OK):
        raise LrvizError(f"cannot write '{path}': no permission to write in '{folder}'")


def write_atomic(files: Sequence[tuple[Path, bytes]]) -> None:
    """Write every file via a temporary file in its folder, then rename them all: a failure
    never leaves a half-written file, nor some files new and others old."""
    umask = os.umask(0)
    os.umask(umask)
    temps: list[tuple[str, Path]] = []
    try:
        for path, data in files:
            check_writable(path)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            temps.append((tmp, path))
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.chmod(tmp, 0o666 & ~umask)
    except BaseException as exc:
        for tmp, _ in temps:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        if isinstance(exc, OSError):
            raise LrvizError(f"cannot write '{exc.filename or files[len(temps) - 1][0]}': {exc.strerror}") from None
        raise
    for tmp, path in temps:
        os.replace(tmp, path)


def update_folder(folder: Path, files: Mapping[str, bytes], owned: Iterable[str]) -> tuple[int, int]:
    """Make ``folder`` hold ``files`` (names relative to it, subfolders made as needed):
    write those whose bytes differ, all renamed into place together, then remove the
    ``owned`` files (ones lrviz wrote there before) that ``files`` no longer has.
    Returns how many files were written and how many removed."""
    folder.mkdir(exist_ok=True)
    for sub in sorted({(folder / name).parent for name in files}):
        sub.mkdir(parents=True, exist_ok=True)
    changed = [
        (folder / name, data)
        for name, data in files.items()
        if not (folder / name).is_file() or (folder / name).read_bytes() != data
    ]
    write_atomic(changed)
    removed = sorted(set(owned) - set(files))
    for name in removed:
        (folder / name).unlink()
    return len(changed), len(removed)
