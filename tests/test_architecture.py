"""ARCHITECTURE.md stays true: every import in the package, those inside functions included,
points to the importing module's own layer or a layer below it, as the document lists them."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "lrviz"
DOC = ROOT / "ARCHITECTURE.md"

pytestmark = pytest.mark.skipif(not DOC.is_file(), reason="needs the repository's ARCHITECTURE.md")


def layers() -> dict[str, int]:
    """Module or package path (``lrviz/spec.py``, ``lrviz/cli/``) -> layer number."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Layers", 1)[1].split("\n## ", 1)[0]
    out: dict[str, int] = {}
    for number, item in re.findall(r"^(\d+)\. (.+?) — ", section, flags=re.M | re.S):
        for name in re.findall(r"`([\w/]+(?:\.py|/))`", item):
            out[f"lrviz/{name}"] = int(number)
    return out


def layer_of(path: Path, table: dict[str, int]) -> int:
    rel = path.relative_to(ROOT).as_posix()
    if rel in table:
        return table[rel]
    for name, number in table.items():
        if name.endswith("/") and rel.startswith(name):
            return number
    raise AssertionError(f"{rel} is in no layer of ARCHITECTURE.md")


def module_path(name: str) -> Path | None:
    """The file of ``lrviz.x.y`` (a module or a package's __init__)."""
    parts = name.split(".")
    if parts[0] != "lrviz":
        return None
    base = ROOT.joinpath(*parts)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def imports(path: Path, name: str = "") -> list[tuple[int, str]]:
    """(line, absolute module name) of every lrviz import in ``path`` (module ``name``)."""
    package = name or ".".join(path.relative_to(ROOT).with_suffix("").parts)
    if path.name == "__init__.py":
        package = package.rsplit(".", 1)[0] + ".__init__"
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names if alias.name.startswith("lrviz")]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: -node.level]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            if module.startswith("lrviz"):
                # "from . import x" may name a module: check it rather than its package
                named = [f"{module}.{alias.name}" for alias in node.names if module_path(f"{module}.{alias.name}")]
                out += [(node.lineno, m) for m in named] or [(node.lineno, module)]
    return out


def test_every_module_has_a_layer():
    table = layers()
    assert len(table) >= 20
    for path in PACKAGE.rglob("*.py"):
        layer_of(path, table)


def test_imports_never_point_up():
    table = layers()
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        mine = layer_of(path, table)
        for line, module in imports(path):
            target = module_path(module)
            if target is None or target == path:
                continue
            theirs = layer_of(target, table)
            if theirs > mine:
                wrong.append(f"{path.relative_to(ROOT)}:{line} (layer {mine}) imports {module} (layer {theirs})")
    assert not wrong, "imports that point up:\n" + "\n".join(wrong)


def test_the_check_reads_imports_inside_functions_and_relative_ones(tmp_path):
    """The check above can fail: a leaf's import of the command line, inside a function or
    relative, is read as what it is."""
    table = layers()
    assert table["lrviz/errors.py"] < table["lrviz/cli/"]
    source = tmp_path / "errors.py"
    source.write_text("def f():\n    from lrviz.cli import process\n    from .cli import runner\n", encoding="utf-8")
    assert imports(source, "lrviz.errors") == [(2, "lrviz.cli.process"), (3, "lrviz.cli.runner")]


MAX_MODULE_LINES = 700


def test_no_module_is_longer_than_a_maintainer_can_hold():
    """A module that grows past this does more than one job: split it by job (as
    render/figure.py, fit.py and ticks.py are), not by line count."""
    long = {
        str(path.relative_to(ROOT)): n
        for path in PACKAGE.rglob("*.py")
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert not long, long
