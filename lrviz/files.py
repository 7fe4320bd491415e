"""Reading input files and writing output files, safely.

Output files are written to a temporary name in the same folder, then renamed: a failure
never leaves a half-written file, nor some files new and others old. A file lrviz did not
write is never removed or replaced by something else: an output path that is a symbolic
link is written through (the link stays, its target gets the new bytes, as a shell's ``>``
does), a read-only file or anything that is not a regular file is refused, and a file
replaced keeps its permissions. Input files (config files, gallery files, metric logs) are
read only when they are regular files, up to a size limit, so a named pipe or a device
given as a file is refused at once instead of blocking or filling the memory.

Used by the command line, the gallery and the explorer's export, which is why it lives
outside :mod:`lrviz.cli`.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path, PurePosixPath

from . import interrupt
from .errors import LrvizError

TEMP_PREFIX = ".lrviz-"
"""Temporary files are ``.lrviz-XXXXXXXX.tmp`` beside the file they become: short, so that
a legal file name of 255 bytes still has a temporary name that fits."""

MiB = 1 << 20


def _kind(mode: int) -> str:
    """What a non-regular file is, for a message."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def size_text(n: int) -> str:
    return f"{n / MiB:.0f} MB" if n >= 10 * MiB else f"{n / MiB:.1f} MB" if n >= MiB else f"{n:,} bytes"


# --------------------------------------------------------------------------------------
# Reading


def read_bytes(path: str | Path, what: str, limit: int, shown: str | None = None) -> bytes:
    """The bytes of the regular file ``path`` (symbolic links followed), at most ``limit``.

    A folder, a named pipe, a device or a socket is refused at once (reading one could block
    forever or never end), and so is a file larger than ``limit``; every refusal is one
    line that names the file as ``what 'shown'`` ("config file 'run.toml'")."""
    name = f"{what} '{shown if shown is not None else path}'"
    if "\0" in str(path):
        raise LrvizError(f"{name}: a file name cannot hold a NUL character")
    try:
        before = os.stat(path)
    except FileNotFoundError:
        raise LrvizError(f"{name} does not exist") from None
    except OSError as exc:
        raise LrvizError(f"cannot read {name}: {exc.strerror or exc}") from None
    if stat.S_ISDIR(before.st_mode):
        raise LrvizError(f"{name} is a folder", "give a file")
    if not stat.S_ISREG(before.st_mode):
        raise LrvizError(f"{name} is {_kind(before.st_mode)}, not a file", "give a regular file")
    _check_size(before.st_size, name, limit)
    try:
        # O_NONBLOCK: should the path have become a pipe since the stat, opening it does not wait
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise LrvizError(f"cannot read {name}: {exc.strerror or exc}") from None
    try:
        now = os.fstat(fd)
        if not stat.S_ISREG(now.st_mode):
            raise LrvizError(f"{name} is {_kind(now.st_mode)}, not a file", "give a regular file")
        chunks: list[bytes] = []
        got = 0
        while got <= limit:  # a file may hold more than its size says (/proc): read to the limit
            chunk = os.read(fd, min(1 << 20, limit + 1 - got))
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
    except OSError as exc:
        raise LrvizError(f"cannot read {name}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    _check_size(got, name, limit)
    return b"".join(chunks)


def _check_size(size: int, name: str, limit: int) -> None:
    if size > limit:
        raise LrvizError(f"{name} is {size_text(size)}; lrviz reads at most {size_text(limit)} from it")


def read_text(path: str | Path, what: str, limit: int, shown: str | None = None) -> str:
    """:func:`read_bytes` decoded as UTF-8 (a byte order mark, as Windows editors write it,
    is dropped)."""
    data = read_bytes(path, what, limit, shown)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        name = f"{what} '{shown if shown is not None else path}'"
        raise LrvizError(f"{name} is not UTF-8 text (byte {exc.start + 1})", "save it as UTF-8") from None


def regular_bytes(path: Path, limit: int = 256 * MiB) -> bytes | None:
    """The bytes of ``path`` when it is a regular file (not through a symbolic link) of at
    most ``limit`` bytes; None otherwise. For comparing a file lrviz may rewrite."""
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return None
        return read_bytes(path, "file", limit)
    except (OSError, LrvizError):
        return None


# --------------------------------------------------------------------------------------
# Writing


def _target(path: Path) -> Path:
    """The file that writing ``path`` changes: the end of its chain of symbolic links."""
    if path.is_symlink():
        return Path(os.path.realpath(path))
    return path


def _name_max(folder: Path) -> int:
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError):
        return 255


def check_writable(path: Path) -> None:
    """Fail early, before any work, if ``path`` cannot be written, or writing it would
    replace something lrviz must not replace."""
    if "\0" in str(path):
        raise LrvizError(f"cannot write {str(path)!r}: a file name cannot hold a NUL character")
    target = _target(path)
    via = f" (a link to '{target}')" if target != path else ""
    folder = target.parent
    if not folder.is_dir():
        raise LrvizError(f"cannot write '{path}'{via}: the folder '{folder}' does not exist", "create it first")
    if len(os.fsencode(target.name)) > _name_max(folder):
        raise LrvizError(
            f"cannot write '{path}': the file name is {len(os.fsencode(target.name))} bytes long, "
            f"more than the {_name_max(folder)} the file system allows",
            "give a shorter name",
        )
    try:
        st = os.stat(target)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise LrvizError(f"cannot write '{path}'{via}: {exc.strerror or exc}") from None
    if st is not None:
        if stat.S_ISDIR(st.st_mode):
            raise LrvizError(f"cannot write '{path}'{via}: it is a folder", "give a file name, e.g. -o out.png")
        if not stat.S_ISREG(st.st_mode):
            raise LrvizError(
                f"cannot write '{path}'{via}: it is {_kind(st.st_mode)}, which lrviz does not replace",
                "give the name of a file",
            )
        if not st.st_mode & 0o222 or not os.access(target, os.W_OK):
            raise LrvizError(
                f"cannot write '{path}'{via}: it is read-only, and lrviz does not replace a read-only file",
                "make it writable (chmod u+w) or give another name",
            )
    if not os.access(folder, os.W_OK):
        raise LrvizError(f"cannot write '{path}'{via}: no permission to write in '{folder}'")


def write_atomic(files: Sequence[tuple[Path, bytes]]) -> None:
    """Write every file via a temporary file in its folder, then rename them all: a failure
    never leaves a half-written file, nor some files new and others old. A symbolic link is
    written through; a file replaced keeps its mode (and, where allowed, its owner)."""
    umask = os.umask(0)
    os.umask(umask)
    temps: list[tuple[str, Path, Path]] = []  # (temporary file, path as given, file it replaces)
    current = Path()
    try:
        for path, data in files:
            current = path
            check_writable(path)
            target = _target(path)
            try:
                old: os.stat_result | None = os.stat(target)
            except FileNotFoundError:
                old = None
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=TEMP_PREFIX, suffix=".tmp")
            temps.append((tmp, path, target))
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            if old is None:
                os.chmod(tmp, 0o666 & ~umask)
            else:
                os.chmod(tmp, stat.S_IMODE(old.st_mode))
                try:
                    os.chown(tmp, old.st_uid, old.st_gid)
                except OSError:
                    pass  # only the owner's own group, or root, may give a file away
        interrupt.check()  # ctrl+c whose exception was lost on the way: nothing is renamed
        while temps:
            tmp, current, target = temps[0]
            os.replace(tmp, target)
            temps.pop(0)
    except OSError as exc:
        raise LrvizError(f"cannot write '{current}': {_reason(exc)}") from None
    finally:
        for tmp, _, _ in temps:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def _reason(exc: OSError) -> str:
    if exc.errno == errno.ENAMETOOLONG:
        return "the name is too long for the file system"
    return exc.strerror or str(exc)


# --------------------------------------------------------------------------------------
# A folder of files lrviz owns (the gallery)


def safe_relative(name: str) -> bool:
    """Whether ``name`` is a plain relative path (``thumbs/a.png``): not absolute, no ``..``,
    no empty part. Names read from a manifest file are trusted no further."""
    if not name or "\\" in name or "\0" in name:
        return False
    parts = PurePosixPath(name).parts
    return (
        not PurePosixPath(name).is_absolute() and all(p not in ("", ".", "..") for p in parts) and name.strip() == name
    )


def _not_real_folder(folder: Path, name: str) -> Path | None:
    """The first folder between ``folder`` and ``folder/name`` that is not a real folder (a
    symbolic link, a file), or None."""
    sub = folder
    for part in PurePosixPath(name).parts[:-1]:
        sub = sub / part
        try:
            if not stat.S_ISDIR(os.lstat(sub).st_mode):
                return sub
        except FileNotFoundError:
            return None  # made when written
        except OSError:
            return sub
    return None


def check_folder(folder: Path, names: Iterable[str], owned: Iterable[str]) -> None:
    """Refuse, before anything is drawn or written, to put files ``names`` into ``folder``
    when one would go through a symbolic link or replace a file that is not ``owned`` (not
    listed in the manifest of an earlier run) or not a regular file."""
    owned = set(owned)
    for name in names:
        if not safe_relative(name):
            raise LrvizError(f"cannot write '{folder / name}': not a plain file name inside '{folder}'")
        link = _not_real_folder(folder, name)
        if link is not None:
            raise LrvizError(
                f"cannot write '{folder / name}': '{link}' is a symbolic link or a file, not a folder",
                "lrviz writes a gallery only into real folders, never through a link; remove it",
            )
        path = folder / name
        try:
            mode = os.lstat(path).st_mode
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise LrvizError(f"cannot write '{path}': {exc.strerror or exc}") from None
        if name not in owned:
            raise LrvizError(
                f"'{path}' is in the way: lrviz did not write it",
                "move it away; lrviz replaces only the files its manifest lists",
            )
        if not stat.S_ISREG(mode):
            what = "a symbolic link" if stat.S_ISLNK(mode) else _kind(mode)
            raise LrvizError(f"cannot write '{path}': it is {what}, which lrviz did not make")


def update_folder(folder: Path, files: Mapping[str, bytes], owned: Iterable[str]) -> tuple[int, int]:
    """Make ``folder`` hold ``files`` (names relative to it, subfolders made as needed):
    write those whose bytes differ, all renamed into place together, then remove the
    ``owned`` files (ones lrviz wrote there before, as its manifest says) that ``files``
    no longer has. Returns how many files were written and how many removed.

    Only owned files are replaced or removed, never through a symbolic link: a file in the
    way that lrviz did not write, or a subfolder that is a link, is refused before anything
    is written; an owned file that is no longer a regular file is left alone."""
    owned = {name for name in owned if safe_relative(name)}
    check_folder(folder, files, owned)
    folder.mkdir(exist_ok=True)
    for sub in sorted({(folder / name).parent for name in files}):
        sub.mkdir(parents=True, exist_ok=True)
    changed = [(folder / name, data) for name, data in files.items() if regular_bytes(folder / name) != data]
    write_atomic(changed)
    removed = 0
    for name in sorted(owned - set(files)):
        path = folder / name
        try:
            if _not_real_folder(folder, name) is not None or not stat.S_ISREG(os.lstat(path).st_mode):
                continue
            path.unlink()
        except OSError:
            continue
        removed += 1
    return len(changed), removed
