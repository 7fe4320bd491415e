"""Regenerate the parts of the docs that are made from the code and the example files.

    python docs/generate.py            # rewrite docs/cli.md and every include block
    python docs/generate.py --check    # write nothing; exit 1 naming each stale file
    python docs/generate.py --figures  # also redraw each figure shown under its command

What it makes:

- docs/cli.md, the CLI reference: the help of ``lrviz --help``, of every command that help
  lists, and of one schedule's own options (``lrviz plot cycliclr --help``). Each is run as
  ``python -m lrviz ... --help`` in a subprocess, from the repository root, with a fixed
  environment (100 columns, no colour, UTF-8), so the text does not depend on the terminal
  or on how lrviz is laid out inside. It does depend on typer, rich and click (the layout)
  and torch (the schedules' parameter help): the versions that made it are named at the top
  of the file.
- Include blocks, in README.md and docs/*.md: the fenced block between
  ``<!-- include: PATH -->`` and ``<!-- end include -->`` is PATH's text (PATH from the
  repository root; ``<!-- include: PATH head=N -->`` keeps its first N lines).
- With --figures (needs the versions pinned in .github/gallery-constraints.txt for the
  same bytes): every image that directly follows a ```console block is what that block's
  last ``lrviz`` command writes, drawn again in a scratch folder and copied over.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
CLI_MD = Path("docs") / "cli.md"
COMMAND = "python docs/generate.py"
# The schedule whose own options the reference shows: the quick start's.
SCHEDULE_HELP = ("plot", "cycliclr")
# What the help text depends on besides lrviz: its layout (typer, rich, click) and the
# schedules' parameter help, read from torch's docstrings.
STAMPED = ("typer", "rich", "click", "torch")

INCLUDE = re.compile(
    r"(?P<open><!-- include: (?P<spec>[^>]*?) -->\n)(?P<body>.*?)(?P<close><!-- end include -->)", flags=re.S
)
LANGUAGES = {".toml": "toml", ".py": "python", ".csv": "csv", ".json": "json", ".md": "markdown"}


# --------------------------------------------------------------------------------------
# Which files


def doc_files(root: Path = ROOT) -> list[Path]:
    """README.md and docs/*.md: every file whose commands the tests run."""
    return [root / "README.md", *sorted((root / "docs").glob("*.md"))]


def rel(path: Path, root: Path = ROOT) -> str:
    return path.relative_to(root).as_posix()


# --------------------------------------------------------------------------------------
# Commands and figures shown in the docs


class Shown(NamedTuple):
    """One ``lrviz ...`` command of a ```console block, and the image right under the
    block when this is the block's last command."""

    doc: Path
    command: str
    image: Path | None = None


_BLOCK = re.compile(r"```console\n(?P<body>.*?)```\n(?P<after>(?:[ \t]*\n)*!\[[^\]]*\]\((?P<image>[^)\s]+)\))?", re.S)


def console_commands(text: str) -> list[tuple[str, str | None]]:
    """Each ``lrviz ...`` command of the text's ```console blocks (a ``$ `` prompt, a
    ``\\`` continuation and ``a && b`` allowed), with the image link right under its block
    for the block's last command."""
    out: list[tuple[str, str | None]] = []
    for block in _BLOCK.finditer(text):
        found = []
        for line in block["body"].replace("\\\n", " ").splitlines():
            line = line.strip().removeprefix("$ ")
            for part in line.split("&&"):
                part = part.strip()
                if part.startswith("lrviz "):
                    found.append(part)
        out += [(command, None) for command in found[:-1]]
        if found:
            out.append((found[-1], block["image"]))
    return out


def shown_commands(root: Path = ROOT) -> list[Shown]:
    """Every command shown in README.md and docs/*.md, in order; one shown twice (the same
    words) counts once, with its image if any showing has one."""
    seen: dict[tuple[str, ...], int] = {}
    out: list[Shown] = []
    for doc in doc_files(root):
        for command, image in console_commands(doc.read_text(encoding="utf-8")):
            key = tuple(shlex.split(command, comments=True))
            picture = (doc.parent / image).resolve() if image else None
            if key in seen:
                if picture is not None and out[seen[key]].image is None:
                    out[seen[key]] = out[seen[key]]._replace(image=picture)
                continue
            seen[key] = len(out)
            out.append(Shown(doc, command, picture))
    return out


def command_args(command: str) -> list[str]:
    """A shown command's arguments after ``lrviz``, without a ``> FILE`` redirection."""
    args = shlex.split(command, comments=True)[1:]
    return args[: args.index(">")] if ">" in args else args


def written_files(stdout: str, cwd: Path) -> list[Path]:
    """The files a drawing command names on stdout (one path per line)."""
    return [(cwd / line.strip()).resolve() for line in stdout.splitlines() if line.strip()]


def scratch_copy(root: Path, into: Path) -> None:
    """What a shown command may read, as in a fresh clone: docs/examples."""
    shutil.copytree(root / "docs" / "examples", into / "docs" / "examples")


# --------------------------------------------------------------------------------------
# Running lrviz for its help


def help_env() -> dict[str, str]:
    """A fixed environment: nothing of the caller's terminal, colour or CI settings."""
    env = {
        "COLUMNS": "100",
        "LINES": "50",
        "NO_COLOR": "1",
        "TERM": "dumb",
        "PYTHONIOENCODING": "utf-8",
        "PYTHONUTF8": "1",
        "LC_ALL": "C.UTF-8",
    }
    for name in ("PATH", "HOME", "SYSTEMROOT", "TMPDIR", "TEMP", "TMP"):
        if name in os.environ:
            env[name] = os.environ[name]
    return env


def run_lrviz(args: list[str], root: Path = ROOT) -> str:
    """``python -m lrviz ARGS`` from the repository root: its stdout, lines without trailing
    blanks, no leading or trailing empty lines."""
    done = subprocess.run(
        [sys.executable, "-m", "lrviz", *args],
        cwd=root,
        env=help_env(),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"python -m lrviz {shlex.join(args)} exited {done.returncode}: {done.stderr.strip()}")
    lines = [line.rstrip() for line in done.stdout.splitlines()]
    return "\n".join(lines).strip("\n") + "\n"


_COMMAND_ROW = re.compile(r"^(?:│ | {2})(?P<name>[a-z][\w-]*)(?: {2,}|$)")


def listed_commands(top_help: str) -> list[str]:
    """The command names of ``lrviz --help``, in its order: the rows of its Commands panel
    (rich) or section (plain click)."""
    names: list[str] = []
    inside = False
    for line in top_help.splitlines():
        if not inside:
            inside = bool(re.match(r"^(?:╭─ )?Commands\b", line.strip()))
            continue
        if line.startswith("╰") or (not line.strip() and names):
            break
        row = _COMMAND_ROW.match(line)
        if row:
            names.append(row["name"])
    return names


def stamped_here() -> dict[str, str]:
    out = {}
    for dist in STAMPED:
        try:
            out[dist] = metadata.version(dist).split("+")[0]  # a local build tag (+cpu) changes no text
        except metadata.PackageNotFoundError:
            out[dist] = "not installed"
    return out


def stamp(versions: dict[str, str]) -> str:
    return ", ".join(f"{dist} {version}" for dist, version in versions.items())


_STAMP = re.compile(r"with (?P<stamp>.*?)\. Do not edit")


def stamped_versions(text: str) -> dict[str, str]:
    """The versions named at the top of a generated docs/cli.md."""
    found = _STAMP.search(text)
    if not found:
        return {}
    return dict(part.split(" ", 1) for part in found["stamp"].split(", "))


def _section(title: str, command: list[str], output: str) -> str:
    return f"## {title}\n\n```text\n$ {shlex.join(['lrviz', *command])}\n{output}```\n"


def anchor(command: str) -> str:
    """GitHub's anchor for a ``## `lrviz NAME` `` heading."""
    return "lrviz-" + command


def render_cli(root: Path = ROOT) -> str:
    """The whole of docs/cli.md."""
    top = run_lrviz(["--help"], root)
    commands = listed_commands(top)
    if not commands:
        raise RuntimeError("lrviz --help lists no commands: has its layout changed? See listed_commands()")
    parts = [
        "# Command-line reference\n",
        f"<!-- Generated by {COMMAND} from `lrviz ... --help` with "
        f"{stamp(stamped_here())}. Do not edit: run {COMMAND} after changing a command. -->\n",
        "Every command's `--help`, as lrviz prints it in a terminal 100 columns wide. The "
        "[user guide](guide.md) explains what the options do; `lrviz list` and "
        "`lrviz describe NAME` cover the schedules and their parameters.\n",
        "- " + "\n- ".join(f"[`lrviz {c}`](#{anchor(c)})" for c in commands) + "\n"
        "- [A schedule's own options](#a-schedules-own-options)\n",
        _section("`lrviz`", ["--help"], top),
    ]
    command, schedule = SCHEDULE_HELP
    calls = [[c, "--help"] for c in commands] + [[command, schedule, "--help"]]
    with ThreadPoolExecutor(max_workers=4) as pool:  # each is a Python start-up: run them side by side
        *outputs, own = pool.map(lambda args: run_lrviz(args, root), calls)
    helps = dict(zip(commands, outputs, strict=True))
    for c in commands:
        parts.append(_section(f"`lrviz {c}`", [c, "--help"], helps[c]))
    common = helps.get(command, "")
    intro = (
        "After a schedule, `--help` adds that schedule's own options (every constructor parameter, "
        "with its type, default and help) to the command's help above. For CyclicLR:\n"
    )
    shown = own
    ours, theirs = own.splitlines(keepends=True), common.splitlines(keepends=True)
    same = next((i for i, (a, b) in enumerate(zip(ours, theirs, strict=False)) if a != b), min(len(ours), len(theirs)))
    if theirs and same >= len(theirs) // 2:  # the command's own help, then the schedule's options
        shown = f"[the help of lrviz {command}, as above]\n\n" + "".join(ours[same:]).lstrip("\n")
    parts.append(
        "## A schedule's own options\n\n" + intro + f"\n```text\n$ lrviz {command} {schedule} --help\n{shown}```\n"
    )
    return "\n".join(parts)


# --------------------------------------------------------------------------------------
# Includes


def _fence(text: str) -> str:
    longest = max((len(m) for m in re.findall(r"`{3,}", text)), default=2)
    return "`" * max(3, longest + 1)


def include_block(spec: str, root: Path = ROOT) -> str:
    """The fenced block an ``<!-- include: SPEC -->`` marker stands for."""
    words = spec.split()
    if not words:
        raise ValueError("an include marker names no file")
    path, options = words[0], dict(word.split("=", 1) for word in words[1:] if "=" in word)
    unknown = set(options) - {"head"} or {w for w in words[1:] if "=" not in w}
    if unknown:
        raise ValueError(f"include {spec!r}: unknown option {sorted(unknown)[0]!r} (only head=N)")
    source = root / path
    if not source.is_file():
        raise ValueError(f"include {spec!r}: no such file {path}")
    text = source.read_text(encoding="utf-8")
    if "head" in options:
        text = "".join(text.splitlines(keepends=True)[: int(options["head"])])
    if not text.endswith("\n"):
        text += "\n"
    fence = _fence(text)
    return f"{fence}{LANGUAGES.get(source.suffix, 'text')}\n{text}{fence}\n"


def with_includes(text: str, root: Path = ROOT) -> str:
    return INCLUDE.sub(lambda m: m["open"] + include_block(m["spec"], root) + m["close"], text)


def included_paths(text: str) -> list[str]:
    return [m["spec"].split()[0] for m in INCLUDE.finditer(text)]


# --------------------------------------------------------------------------------------
# The whole


def expected_includes(root: Path = ROOT) -> dict[Path, str]:
    """Each doc with include markers -> its text with every include filled in afresh."""
    out = {}
    for doc in doc_files(root):
        text = doc.read_text(encoding="utf-8")
        if INCLUDE.search(text):
            out[doc] = with_includes(text, root)
    return out


def expected(root: Path = ROOT) -> dict[Path, str]:
    """Every generated file -> what it should hold."""
    out = expected_includes(root)
    out[root / CLI_MD] = render_cli(root)
    return out


def stale(wanted: dict[Path, str]) -> list[Path]:
    return [path for path, text in wanted.items() if not path.is_file() or path.read_text(encoding="utf-8") != text]


def write_atomically(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def redraw_figures(root: Path = ROOT) -> list[Path]:
    """Draw every image shown under its command again; return the ones that changed."""
    changed = []
    for shown in shown_commands(root):
        if shown.image is None:
            continue
        with tempfile.TemporaryDirectory() as scratch:
            cwd = Path(scratch)
            scratch_copy(root, cwd)
            done = subprocess.run(
                [sys.executable, "-m", "lrviz", *command_args(shown.command)],
                cwd=cwd,
                env={**help_env(), "PYTHONPATH": str(root)},
                capture_output=True,
                text=True,
                encoding="utf-8",
                check=False,
            )
            if done.returncode != 0:
                raise RuntimeError(f"{shown.command} exited {done.returncode}: {done.stderr.strip()}")
            drawn = [p for p in written_files(done.stdout, cwd) if p.name == shown.image.name]
            if not drawn:
                raise RuntimeError(f"{shown.command} writes no {shown.image.name} (stdout: {done.stdout.strip()!r})")
            data = drawn[0].read_bytes()
        if not shown.image.is_file() or shown.image.read_bytes() != data:
            tmp = shown.image.with_name(f".{shown.image.name}.tmp")
            tmp.write_bytes(data)
            os.replace(tmp, shown.image)
            changed.append(shown.image)
    return changed


def main(argv: list[str] | None = None, root: Path = ROOT) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 naming each stale file")
    parser.add_argument("--figures", action="store_true", help="also redraw each figure shown under its command")
    args = parser.parse_args(argv)
    try:
        wanted = expected(root)
        old = stale(wanted)
        if args.check:
            for path in old:
                note = ""
                if path == root / CLI_MD:
                    made_with = stamped_versions(path.read_text(encoding="utf-8")) if path.is_file() else {}
                    here = stamped_here()
                    if made_with and made_with != here:
                        note = f" (made with {stamp(made_with)}; here {stamp(here)})"
                print(f"stale: {rel(path, root)}{note}", file=sys.stderr)
            if old:
                print(f"run: {COMMAND}", file=sys.stderr)
            return 1 if old else 0
        for path in old:
            write_atomically(path, wanted[path])
            print(f"updated: {rel(path, root)}")
        if args.figures:
            for path in redraw_figures(root):
                print(f"redrawn: {rel(path, root)}")
    except (RuntimeError, ValueError, OSError) as exc:
        print(f"{COMMAND}: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
