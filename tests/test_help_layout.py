"""Help reads at 80 columns: a schedule's options with their help in sentences, not in a
column one letter wide, and no ``<bool>`` beside a flag (a flag takes no value)."""

from __future__ import annotations

import re

import pytest
from clirun import run_ok

from lrviz import registry
from lrviz.cli.completion import first_sentence


@pytest.fixture()
def eighty(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")


def _words(text: str) -> str:
    """The text with its layout gone: box drawing, line breaks and runs of spaces."""
    return " ".join(re.sub(r"[│╭╮╰╯─┃┏┓┗┛━┡┩╇┳┻╋]", " ", text).split())


@pytest.mark.usefixtures("eighty")
@pytest.mark.parametrize("name", ["CyclicLR", "OneCycleLR", "ReduceLROnPlateau", "SequentialLR"])
def test_a_schedule_s_options_read_at_80_columns(capsys, name):
    entry = registry.get(name)
    out, _ = run_ok(capsys, "plot", entry.cli_name, "--help")
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 80
    section = out.split(f"{name} options", 1)[1]
    flat = _words(section)
    for param in entry.user_params:
        assert param.option[2:] in flat, param.option
        if param.help:
            # each option's help as a sentence: words stay together, whatever the wrapping
            assert _words(first_sentence(param.help)) in flat, param.name
    # no column squeezed to a letter or two per line
    narrow = [line for line in section.splitlines() if 0 < len(line.strip()) <= 3]
    assert not narrow, narrow


@pytest.mark.usefixtures("eighty")
@pytest.mark.parametrize("name", ["CyclicLR", "OneCycleLR", "ReduceLROnPlateau", "timm.cosine", "linear"])
def test_describe_reads_at_80_columns(capsys, name):
    entry = registry.get(name)
    out, _ = run_ok(capsys, "describe", entry.cli_name)
    assert max(len(line.rstrip()) for line in out.splitlines()) <= 80
    section = out.split("Parameters", 1)[1]
    flat = _words(section)
    for param in entry.user_params:
        assert param.option[2:] in flat, param.option
        if param.help:  # the whole help, its words together
            assert _words(param.help) in flat, param.name
    narrow = [line for line in section.splitlines() if 0 < len(line.strip()) <= 3]
    assert not narrow, narrow


@pytest.mark.usefixtures("eighty")
@pytest.mark.parametrize(
    "argv", [["plot", "cycliclr", "--help"], ["compare", "--help"], ["--help"], ["gallery", "--help"]]
)
def test_flags_have_no_bool_metavar(capsys, argv):
    out, _ = run_ok(capsys, *argv)
    assert "<bool>" not in out
    assert re.search(r"--help\b", out)


@pytest.mark.usefixtures("eighty")
def test_options_that_take_a_value_still_name_it(capsys):
    out, _ = run_ok(capsys, "plot", "--help")
    for option, metavar in (("--steps", "N"), ("--lr", "LR"), ("--dpi", "DPI"), ("--title", "TEXT"), ("--out", "FILE")):
        assert re.search(rf"{re.escape(option)}\s+(-\w\s+)?{metavar}\b", out), option
