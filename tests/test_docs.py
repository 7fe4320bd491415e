"""The generated parts of the docs are fresh, every command is documented, every link
resolves, and every figure shown under its command is what that command draws.

docs/cli.md and the include blocks are made by docs/generate.py; each test that finds them
stale says so and names the command that regenerates them.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from docgen import DOCS, ROOT, generate
from extras import skip_if_an_extra_was_missing
from pinned import differences

from lrviz.cli import main

CLI_MD = ROOT / generate.CLI_MD
REGENERATE = "run: python docs/generate.py"


def fenced_blocks(text: str) -> list[tuple[str, str, int]]:
    """(language, body, offset) of each fenced block."""
    return [(m[2], m[3], m.start()) for m in re.finditer(r"^(`{3,})(\w*)\n(.*?)^\1$", text, flags=re.S | re.M)]


def inside_includes(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in generate.INCLUDE.finditer(text)]


# --------------------------------------------------------------------------------------
# Includes: the example files shown verbatim


def test_includes_are_fresh():
    wanted = generate.expected_includes(ROOT)
    assert wanted, "no doc includes an example file"
    for path, text in wanted.items():
        assert path.read_text(encoding="utf-8") == text, (
            f"{path.relative_to(ROOT)}: a file it includes has changed; {REGENERATE}"
        )


def test_example_files_shown_in_the_docs_are_included_not_copied():
    """Every TOML block of the docs is an include of a real file, and the guide shows the
    example config files, the log and the user class that its commands use."""
    included = set()
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        included |= set(generate.included_paths(text))
        spans = inside_includes(text)
        for language, body, offset in fenced_blocks(text):
            if language == "toml":
                assert any(a <= offset < b for a, b in spans), (
                    f"{doc.relative_to(ROOT)}: a ```toml block that is not an include of an example "
                    f"file (<!-- include: docs/examples/NAME.toml -->): {body[:60]!r}"
                )
    for name in ("warmups.toml", "plateau.toml", "train_log.csv", "my_schedules.py"):
        assert f"docs/examples/{name}" in included, f"the docs do not show docs/examples/{name}"


def _tree(tmp_path: Path, doc: str, example: str = "steps = 10\n") -> Path:
    (tmp_path / "docs" / "examples").mkdir(parents=True)
    (tmp_path / "docs" / "examples" / "x.toml").write_text(example, encoding="utf-8")
    (tmp_path / "README.md").write_text("# x\n", encoding="utf-8")
    (tmp_path / "docs" / "guide.md").write_text(doc, encoding="utf-8")
    return tmp_path


def test_an_include_is_the_file_or_its_head(tmp_path):
    root = _tree(tmp_path, "", "a = 1\nb = 2\nc = 3")
    assert generate.include_block("docs/examples/x.toml", root) == "```toml\na = 1\nb = 2\nc = 3\n```\n"
    assert generate.include_block("docs/examples/x.toml head=2", root) == "```toml\na = 1\nb = 2\n```\n"
    with pytest.raises(ValueError, match="no such file docs/examples/y.toml"):
        generate.include_block("docs/examples/y.toml", root)
    with pytest.raises(ValueError, match="unknown option 'tail'"):
        generate.include_block("docs/examples/x.toml tail=2", root)


def test_check_names_the_stale_doc_and_the_command(tmp_path, capsys, monkeypatch):
    # the reference is test_cli_reference_is_fresh's: here it is taken as it is
    monkeypatch.setattr(generate, "render_cli", lambda root: CLI_MD.read_text(encoding="utf-8"))
    marker = "<!-- include: docs/examples/x.toml -->\n"
    root = _tree(tmp_path, f"Intro\n\n{marker}```toml\nsteps = 5\n```\n<!-- end include -->\n")
    shutil.copy(CLI_MD, root / "docs" / "cli.md")
    before = (root / "docs" / "guide.md").read_text(encoding="utf-8")
    assert generate.main(["--check"], root=root) == 1
    err = capsys.readouterr().err
    assert "stale: docs/guide.md" in err and REGENERATE in err and "cli.md" not in err
    assert (root / "docs" / "guide.md").read_text(encoding="utf-8") == before  # --check writes nothing
    assert generate.main([], root=root) == 0
    after = (root / "docs" / "guide.md").read_text(encoding="utf-8")
    assert after == f"Intro\n\n{marker}```toml\nsteps = 10\n```\n<!-- end include -->\n"
    capsys.readouterr()
    generate.main(["--check"], root=root)
    assert "docs/guide.md" not in capsys.readouterr().err


# --------------------------------------------------------------------------------------
# The CLI reference


def _cli_versions_differ() -> str:
    made = generate.stamped_versions(CLI_MD.read_text(encoding="utf-8"))
    here = generate.stamped_here()
    if made == here:
        return ""
    return f"docs/cli.md was made with {generate.stamp(made)}; here {generate.stamp(here)}"


def test_cli_reference_is_fresh():
    reason = _cli_versions_differ()
    if reason:
        pytest.skip(f"the help's layout depends on these versions: {reason}")
    assert CLI_MD.read_text(encoding="utf-8") == generate.render_cli(ROOT), (
        f"docs/cli.md is not what lrviz --help prints now; {REGENERATE}"
    )


def test_every_command_is_documented():
    """Each command that `lrviz --help` lists has its section in docs/cli.md, and each
    section there is a command that exists."""
    commands = generate.listed_commands(generate.run_lrviz(["--help"], ROOT))
    assert {"plot", "compare", "show", "explore", "table", "list", "describe", "gallery"} <= set(commands)
    text = CLI_MD.read_text(encoding="utf-8")
    for command in commands:
        assert f"## `lrviz {command}`" in text and f"$ lrviz {command} --help\n" in text, (
            f"docs/cli.md does not document lrviz {command}; {REGENERATE}"
        )
    documented = re.findall(r"^## `lrviz (\S+)`$", text, flags=re.M)
    assert sorted(documented) == sorted(commands), f"docs/cli.md documents no such command; {REGENERATE}"


def test_commands_are_found_in_plain_help_too():
    """Without rich (typer's plain click layout) the same commands are found."""
    env = {**generate.help_env(), "TYPER_USE_RICH": "0"}
    plain = subprocess.run(
        [sys.executable, "-m", "lrviz", "--help"], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout
    rich = generate.run_lrviz(["--help"], ROOT)
    assert generate.listed_commands(plain) == generate.listed_commands(rich) != []


def test_the_reference_is_plain_text():
    text = CLI_MD.read_text(encoding="utf-8")
    assert "\x1b" not in text, "docs/cli.md holds terminal escape codes"
    assert not re.search(r" +$", text, flags=re.M), "docs/cli.md has trailing blanks"
    assert "$ lrviz plot cycliclr --help" in text and "--step-size-up" in text


# --------------------------------------------------------------------------------------
# Links


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


# Written on another branch; drop this once it is merged.
@pytest.mark.skipif(not (ROOT / ".git").exists(), reason="needs a git checkout (the sdist leaves gallery/ out)")
@pytest.mark.parametrize("doc", DOCS, ids=[d.name for d in DOCS])
def test_links_resolve(doc):
    text = doc.read_text(encoding="utf-8")
    prose = re.sub(r"^(`{3,}).*?^\1$", "", text, flags=re.S | re.M)
    links = re.findall(r"\]\(([^)\s]+)\)", prose) + re.findall(r'(?:href|src)="([^"]+)"', prose)
    assert links
    for link in links:
        if re.match(r"[a-z]+:", link):
            continue
        path, _, anchor = link.partition("#")
        target = (doc.parent / path).resolve() if path else doc
        assert target.exists(), f"{doc.relative_to(ROOT)}: {link} does not exist"
        if anchor and target.suffix == ".md":
            headings = re.findall(r"^#+ (.+)$", target.read_text(encoding="utf-8"), flags=re.M)
            assert anchor in {_slug(h) for h in headings}, f"{doc.relative_to(ROOT)}: no heading for #{anchor}"


# --------------------------------------------------------------------------------------
# Python blocks and figures


@pytest.mark.parametrize("doc", DOCS, ids=[d.name for d in DOCS])
def test_python_blocks_run(doc, tmp_path, monkeypatch, capsys):
    blocks = [body for language, body, _ in fenced_blocks(doc.read_text(encoding="utf-8")) if language == "python"]
    if doc.name != "guide.md" and not blocks:
        return
    assert blocks, "the guide shows no Python"
    monkeypatch.chdir(tmp_path)
    for body in blocks:
        exec(compile(body, f"<{doc.name} python block>", "exec"), {"__name__": "__docs__"})  # noqa: S102


FIGURES = [s for s in generate.shown_commands(ROOT) if s.image is not None]


@pytest.mark.skipif(bool(differences()), reason=f"figures' bytes need the pinned versions: {differences()}")
@pytest.mark.parametrize("shown", FIGURES, ids=[s.image.name for s in FIGURES])
def test_the_figure_under_a_command_is_what_it_draws(shown, tmp_path, monkeypatch, capsys):
    generate.scratch_copy(ROOT, tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    code = main(generate.command_args(shown.command))
    captured = capsys.readouterr()
    skip_if_an_extra_was_missing(code, captured.err)
    assert code == 0, captured.err
    drawn = [p for p in generate.written_files(captured.out, tmp_path) if p.name == shown.image.name]
    assert drawn, f"{shown.command} writes no {shown.image.name}, the image shown under it"
    assert drawn[0].read_bytes() == shown.image.read_bytes(), (
        f"{shown.image.relative_to(ROOT)} is not what `{shown.command}` draws; run: python docs/generate.py --figures"
    )


def test_figures_are_shown_under_their_commands():
    assert {s.image.relative_to(ROOT).as_posix() for s in FIGURES} >= {
        "docs/cycliclr.png",
        "docs/examples/warmups.png",
        "docs/examples/plateau.png",
    }
    assert os.path.isfile(ROOT / "docs" / "cycliclr.png")
