"""How the ``lrviz`` process starts and ends: errors as one line and an exit code, help
without the imports it does not use, and an exit without the interpreter's teardown.

These are workarounds at the level of the process, kept apart from the commands: the
commands raise :class:`~lrviz.errors.LrvizError`, and :func:`main` turns it (and click's
usage errors, and the system's) into ``lrviz: error: ...`` on stderr with exit code 2.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

import typer

from lrviz import interrupt
from lrviz.errors import LrvizError

from .commands import app
from .output import MAX_COLUMNS, stderr

# --------------------------------------------------------------------------------------
# Entry point: one line per error, exit code 2, never a traceback


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    closed = _closed_streams()
    if closed is not None:
        return closed
    _clamp_terminal_size()
    _plain_streams()
    try:
        os.getcwd()
    except OSError as exc:
        stderr(f"lrviz: error: the current folder cannot be used ({exc.strerror}); cd to another folder first")
        return 2
    # lrviz draws without a GUI backend, so a backend matplotlib does not know (which it
    # refuses when imported) must not stop it
    os.environ.pop("MPLBACKEND", None)
    if not args or "--help" in args or "-h" in args:
        _defer_help_extras()
    try:
        with interrupt.raising():
            code = _command(args)
    except KeyboardInterrupt:
        code = 130
    if code == 130 or interrupt.happened():  # typer, too, turns ctrl+c into 130
        _discard_stdout()
        stderr(interrupt.MESSAGE)
        return 130
    return code


def _command(args: list[str]) -> int:
    """Run the command: its exit code, after an error said in one line on stderr."""
    command = typer.main.get_command(app)
    try:
        try:
            result = command.main(args=args, prog_name="lrviz", standalone_mode=False)
        finally:
            sys.stdout.flush()  # a full disk or a closed pipe is reported here, not lost at exit
    except KeyboardInterrupt:
        raise
    except BaseException as exc:
        if interrupt.happened():  # ctrl+c, become something else on the way (see lrviz.interrupt)
            raise KeyboardInterrupt from None
        return _failed(exc)
    return result if isinstance(result, int) else 0


def _failed(exc: BaseException) -> int:
    """The exit code of a command that raised `exc`, after saying what went wrong."""
    try:
        raise exc
    except LrvizError as exc:
        stderr(f"lrviz: error: {exc.one_line()}")
        return 2
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 0
    except BrokenPipeError:  # click turns a closed stdout into exit 1 itself; this is for the rest
        _discard_stdout()
        return 1
    except MemoryError:
        _discard_stdout()
        stderr("lrviz: error: out of memory; trace fewer steps (-n) or param groups, or draw a smaller figure")
        return 2
    except OSError as exc:  # the system refused: a full disk, a device, a permission
        _discard_stdout()
        where = f": {exc.filename}" if exc.filename else " (writing the output)"
        stderr(f"lrviz: error: {exc.strerror or exc}{where}")
        return 2
    except Exception as exc:
        if hasattr(exc, "format_message") and hasattr(exc, "exit_code"):  # click/typer usage errors
            if type(exc).__name__ in ("Exit",):
                return int(exc.exit_code)
            if not str(exc.format_message()).strip():  # no arguments: typer has shown the help
                return int(exc.exit_code)
            stderr(f"lrviz: error: {_usage_message(exc)}")
            return 2 if exc.exit_code in (1, 2) else int(exc.exit_code)
        if os.environ.get("LRVIZ_DEBUG"):
            raise
        text = " ".join(str(exc).split())
        shown = text if len(text) <= 300 else text[:297] + "..."
        stderr(
            f"lrviz: internal error: {type(exc).__name__}: {shown} "
            "(this is a bug in lrviz; rerun with LRVIZ_DEBUG=1 for the traceback and report it)"
        )
        return 1


def _closed_streams() -> int | None:
    """An exit code when stdout or stderr is closed (Python then makes it None): lrviz
    writes its results to one and its messages to the other, and says so on the one left."""
    if sys.stdout is not None and sys.stderr is not None:
        return None
    if sys.stdout is not None:
        print("lrviz: error: standard error is closed; lrviz writes its messages there (use 2>/dev/null to drop them)")
        sys.stdout.flush()
    elif sys.stderr is not None:
        print(
            "lrviz: error: standard output is closed; lrviz writes its results there (use >/dev/null to drop them)",
            file=sys.stderr,
        )
    return 2


def _plain_streams() -> None:
    """stdout and stderr that write any character: one their encoding lacks (an ASCII
    terminal, PYTHONIOENCODING=ascii) as its escape, not as an error."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
        if reconfigure is not None and encoding != "utf8":
            try:
                reconfigure(errors="backslashreplace")
            except (ValueError, OSError):
                pass


def _clamp_terminal_size() -> None:
    """COLUMNS and LINES as the help, the tables and the charts read them, within reason:
    COLUMNS=100000 would make every line of output 100,000 characters long."""
    for name, most in (("COLUMNS", MAX_COLUMNS), ("LINES", 1000)):
        value = os.environ.get(name, "")
        if value.strip().isdigit() and int(value) > most:
            os.environ[name] = str(most)


def _discard_stdout() -> None:
    """Drop what stdout still buffers when it cannot be written, so that the flush at exit
    does not fail again (with a traceback) after lrviz has said what went wrong."""
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass


def _defer_help_extras() -> None:
    """Load rich.markdown and rich.traceback only when something uses them.

    typer's help renderer imports both at the top (markdown-it and pygments: about 100 ms
    of a 250 ms ``lrviz --help``), though lrviz's help uses neither: its markup mode is
    "rich" and pretty exceptions are off. Until typer imports them lazily itself, each is
    stood in for by a module whose attributes load the real one on first use, so nothing
    changes for a caller that does use them."""
    import importlib
    import types

    for name, cls_name in (("rich.markdown", "Markdown"), ("rich.traceback", "Traceback")):
        if name in sys.modules:
            continue

        def real(name: str = name) -> types.ModuleType:
            if getattr(sys.modules.get(name), "_lrviz_deferred", False):
                del sys.modules[name]
            return importlib.import_module(name)

        class Deferred:
            def __new__(cls, *args: Any, _real: Any = real, _cls: str = cls_name, **kwargs: Any) -> Any:
                return getattr(_real(), _cls)(*args, **kwargs)

        module = types.ModuleType(name)
        module._lrviz_deferred = True  # type: ignore[attr-defined]

        def attribute(attr: str, _real: Any = real) -> Any:
            if attr.startswith("__"):  # the import system probing (__path__, ...): not a use
                raise AttributeError(attr)
            return getattr(_real(), attr)

        module.__getattr__ = attribute  # type: ignore[method-assign]
        setattr(module, cls_name, Deferred)
        sys.modules[name] = module


def _skip_property_docs() -> None:
    """Import matplotlib without writing the property list into every artist's docstring.

    matplotlib writes the docstring of each artist class's ``set()`` (and a few of its
    functions') when the class is created, listing every settable property: about 60 ms of
    every figure lrviz draws, for text nobody in the ``lrviz`` process reads. Once
    ``matplotlib.artist`` is loaded, its ``kwdoc`` (which writes that list and is used for
    nothing else) returns an empty string instead. Only in the ``lrviz`` command: the Python
    API leaves matplotlib as it is."""
    import importlib.abc
    import importlib.machinery

    if "matplotlib.artist" in sys.modules:
        return

    class AfterArtist(importlib.abc.MetaPathFinder):
        def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
            if name != "matplotlib.artist":
                return None
            sys.meta_path.remove(self)
            spec = importlib.machinery.PathFinder.find_spec(name, path)
            loader: Any = getattr(spec, "loader", None)
            if spec is None or not hasattr(loader, "exec_module"):
                return spec

            def exec_module(module: Any, _exec: Any = loader.exec_module) -> None:
                _exec(module)
                if callable(getattr(module, "kwdoc", None)):
                    module.kwdoc = lambda artist: ""

            loader.exec_module = exec_module
            return spec

    sys.meta_path.insert(0, AfterArtist())


def _usage_message(exc: Any) -> str:
    message = " ".join(str(exc.format_message()).split())
    param = getattr(exc, "param", None)
    if param is not None and getattr(param, "opts", None) and "invalid value" not in message.lower():
        message = f"invalid value for {'/'.join(param.opts)}: {message}"
    ctx = getattr(exc, "ctx", None)
    command = getattr(getattr(ctx, "command", None), "name", None)
    if command and command != "lrviz":
        message += f" (see 'lrviz {command} --help')"
    else:
        message += " (see 'lrviz --help')"
    return message


def run() -> NoReturn:
    """The ``lrviz`` command: `main`, then an exit that skips the interpreter's teardown.

    The entry point (:func:`lrviz.cli.run`) has installed lrviz's ctrl+c handler before
    importing this module. Once the command is done, ctrl+c changes nothing any more."""
    import signal

    _skip_property_docs()
    code = main()
    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    _exit(code)


#: Modules whose teardown at exit costs more than lrviz's own work: freeing torch's and
#: matplotlib's objects module by module takes about 0.6 s after a figure drawn by
#: stepping torch (bench/README.md), time a user waits for and gains nothing from.
COSTLY_TEARDOWN = ("torch", "matplotlib")


def _exit(code: int) -> NoReturn:
    """Exit with `code`; once torch or matplotlib is loaded, without the teardown.

    Everything lrviz writes is complete by now (files are renamed into place before a
    command returns), so after the ``atexit`` functions (matplotlib's, logging's, a user
    module's) and a flush of stdout and stderr, ``os._exit`` ends the process as the
    normal exit would, minus the freeing of every module's objects. Only with no other
    thread alive: a normal exit waits for those. The Python API and `main` never do this."""
    import threading

    interrupted = code == 130  # a normal exit could still end by SIGINT (see lrviz.interrupt)
    if not interrupted and (not any(name in sys.modules for name in COSTLY_TEARDOWN) or threading.active_count() > 1):
        sys.exit(code)
    import atexit

    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe or stream: nothing more can reach it
            pass
    os._exit(code)
