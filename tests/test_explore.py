"""`lrviz explore`, driven headless with Textual's pilot: pick a schedule, edit a parameter
and see the chart's data become what `lrviz.trace` gives, see a rejected value's message
inline, pin, export, print; and the real terminal through tmux."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from clirun import run
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lrviz
from lrviz import explore, registry

SIZE = (140, 45)


def drive(start: explore.State | None, script: Callable[[Any, Any], Awaitable[None]], **kwargs: Any) -> Any:
    """Run the app headless, let ``script(app, pilot)`` act on it, return the app."""
    app = explore.make_app(start, **kwargs)

    async def main() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await script(app, pilot)

    asyncio.run(main())
    return app


def cyclic() -> explore.State:
    spec = lrviz.parse("CyclicLR(base_lr=0.1, max_lr=0.2, step_size_up=30, step_size_down=10)")
    return explore.state_for(spec, {"steps": "120"})


async def type_into(app: Any, pilot: Any, widget_id: str, text: str) -> None:
    """Replace a field's text by typing it, key by key, as a person would."""
    field = app.query_one(f"#{widget_id}")
    field.focus()
    field.value = ""
    await pilot.pause()
    await pilot.press(*list(text))
    await pilot.pause()


def test_editing_a_parameter_redraws_what_lrviz_trace_gives():
    async def script(app: Any, pilot: Any) -> None:
        first = app.last_good
        expected = lrviz.trace("CyclicLR(base_lr=0.1, max_lr=0.2, step_size_up=30, step_size_down=10)", 120)
        assert np.array_equal(first.lr, expected.lr) and np.array_equal(first.momentum, expected.momentum)
        await type_into(app, pilot, "p-max_lr", "0.35")
        app.query_one("#p-mode").value = "triangular2"  # a choice: picked in its select
        await pilot.pause()
        now = lrviz.trace(
            "CyclicLR(base_lr=0.1, max_lr=0.35, step_size_up=30, step_size_down=10, mode='triangular2')", 120
        )
        assert np.array_equal(app.last_good.lr, now.lr)
        assert app.query_one("#chart").traces[-1] is app.last_good  # the chart shows it
        assert "peak 0.35" in str(app.query_one("#status").render())

    drive(cyclic(), script)


def test_a_rejected_value_shows_its_message_inline_and_keeps_the_last_curve():
    async def script(app: Any, pilot: Any) -> None:
        await type_into(app, pilot, "p-step_size_up", "3")
        good = app.last_good
        app.query_one("#p-step_size_up").value = "0"  # pasted: one edit, no empty field between
        await pilot.pause()
        error = str(app.query_one("#error").render())
        assert "step_size_up=0" in error and "✗" in error
        assert app.query_one("#p-step_size_up").has_class("-invalid")
        assert app.last_good is good  # the chart keeps the last good curve
        await type_into(app, pilot, "p-step_size_up", "abc")
        assert "step-size-up" in str(app.query_one("#error").render())
        await type_into(app, pilot, "p-step_size_up", "20")
        assert str(app.query_one("#error").render()) == ""
        assert not app.query_one("#p-step_size_up").has_class("-invalid")
        assert app.last_good.spec.args["step_size_up"] == 20

    drive(cyclic(), script)


def test_legal_but_suspicious_values_show_a_warning():
    async def script(app: Any, pilot: Any) -> None:
        await type_into(app, pilot, "p-base_lr", "-0.1")
        text = str(app.query_one("#error").render())
        assert "⚠" in text and "negative" in text
        assert app.last_good.spec.args["base_lr"] == -0.1  # drawn anyway

    drive(cyclic(), script)


def test_messages_with_brackets_are_shown_as_text():
    spec = lrviz.parse("MultiStepLR(milestones=[30, 80], gamma=0.5)")

    async def script(app: Any, pilot: Any) -> None:
        await type_into(app, pilot, "p-milestones", "[80, 30]")
        text = str(app.query_one("#error").render())
        assert "[80, 30]" in text or "80, 30" in text

    drive(explore.state_for(spec, {"steps": "100"}), script)


def test_torch_s_own_validation_message_is_shown():
    # a choice is picked from a select in the form, so a word torch rejects reaches it only
    # through the form's state (a spec or a config the explorer starts from)
    state = cyclic()
    state.fields["mode"] = "sideways"
    error = explore.draw(state).error or ""
    assert "sideways" in error and "triangular" in error  # what the choices are

    async def script(app: Any, pilot: Any) -> None:
        await type_into(app, pilot, "p-pct_start", "2")
        error = str(app.query_one("#error").render())
        assert "pct_start" in error and "2" in error and "✗" in error

    spec = lrviz.parse("OneCycleLR(max_lr=0.1, total_steps=100)")
    drive(explore.state_for(spec), script)


def test_search_and_pick_a_schedule():
    async def script(app: Any, pilot: Any) -> None:
        await pilot.press("ctrl+f")
        await pilot.press(*list("onecycle"))
        await pilot.pause()
        options = app.query_one("#schedules")
        ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
        assert "OneCycleLR" in ids and "StepLR" not in ids
        await pilot.press("enter")  # to the list
        await pilot.press("enter")  # pick the highlighted schedule
        await pilot.pause()
        assert app.state.entry.name == "OneCycleLR"
        assert app.query("#p-max_lr") and app.query("#p-three_phase")
        assert app.last_good.spec.entry.name == "OneCycleLR"
        assert app.query_one("#t-steps").value == "120"  # trace options are kept

    drive(cyclic(), script)


def test_pin_then_compare_against_it():
    async def script(app: Any, pilot: Any) -> None:
        await pilot.press("ctrl+p")
        await type_into(app, pilot, "p-max_lr", "0.4")
        traces = app.query_one("#chart").traces
        assert len(traces) == 2
        assert traces[0].label.startswith("pinned 1: CyclicLR") and traces[0].lr.max() == pytest.approx(0.2)
        assert traces[1].lr.max() == pytest.approx(0.4)
        await pilot.press("ctrl+r")
        assert len(app.query_one("#chart").traces) == 1

    drive(cyclic(), script)


def test_export_writes_png_and_svg(tmp_path):
    async def script(app: Any, pilot: Any) -> None:
        await pilot.press("ctrl+p")
        await type_into(app, pilot, "p-max_lr", "0.3")
        await pilot.press("ctrl+s")
        await pilot.pause()

    drive(cyclic(), script, export_dir=tmp_path)
    png, svg = tmp_path / "lrviz-CyclicLR.png", tmp_path / "lrviz-CyclicLR.svg"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = svg.read_text()
    assert "pinned 1" in text and "max_lr=0.3" in text  # both curves, labelled


def test_print_and_exit_gives_the_spec_and_runnable_code():
    async def script(app: Any, pilot: Any) -> None:
        await type_into(app, pilot, "p-max_lr", "0.25")
        await pilot.press("ctrl+x")

    app = drive(cyclic(), script)
    spec_line, code = app.return_value.split("\n\n", 1)
    assert lrviz.parse(spec_line).args["max_lr"] == 0.25
    namespace: dict[str, Any] = {}
    exec(compile(code, "<explore>", "exec"), namespace)  # the printed code runs as it stands
    expected = lrviz.trace(spec_line, 120)
    assert np.array_equal(np.asarray(namespace["lrs"]).reshape(len(expected.lr[0]), -1)[:, 0], expected.lr[0])


def test_help_screen_lists_the_keys():
    async def script(app: Any, pilot: Any) -> None:
        await pilot.press("f1")
        await pilot.pause()
        text = str(app.screen.query_one("#help").render())
        for key in ("ctrl+p", "ctrl+r", "ctrl+s", "ctrl+y", "ctrl+t", "ctrl+x", "ctrl+f"):
            assert key in text
        await pilot.press("escape")
        await pilot.pause()
        assert not app.screen.query("#help")

    drive(cyclic(), script)


def test_starts_at_cyclic_lr_by_default():
    async def script(app: Any, pilot: Any) -> None:
        assert app.state.entry.name == "CyclicLR" and app.last_good is not None

    drive(None, script)


@pytest.mark.parametrize("entry", registry.entries(), ids=lambda e: e.name)
def test_every_schedule_opens_and_draws(entry):
    if entry.unavailable():
        pytest.skip(entry.unavailable())
    state = explore.state_for_entry(entry)
    drawn = explore.draw(state)
    assert drawn.error is None, drawn.error
    assert drawn.trace is not None and drawn.trace.n_steps > 0
    # the form's texts parse back to the same schedule
    again = explore.state_for(drawn.trace.spec)
    assert again.spec().format() == drawn.trace.spec.format()


def test_explore_needs_a_terminal(capsys):
    code, _, err = run(capsys, "explore", "cycliclr")
    assert code == 2 and "needs an interactive terminal" in err and "lrviz show" in err


def drive_at(size: tuple[int, int], start: explore.State | None, script: Callable[[Any, Any], Awaitable[None]]) -> Any:
    app = explore.make_app(start)

    async def main() -> None:
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await script(app, pilot)

    asyncio.run(main())
    return app


def test_at_80x24_the_momentum_panel_makes_way_with_a_note_and_placeholders_fit():
    async def script(app: Any, pilot: Any) -> None:
        chart = app.query_one("#chart")
        text = str(chart.render())
        assert "learning rate" in text and "momentum moves too" in text  # not a panel too short to read
        assert "┤" in text and text.count("┌") == 1  # one panel
        for field in app.query("#form Input"):
            room = field.content_size.width
            placeholder = field.placeholder
            # whole or nothing: never a cut one ("default 200" for 2000)
            assert placeholder in field.hints or placeholder == ""
            assert len(placeholder) <= room, (field.id, placeholder, room)
        step_size_up = app.query_one("#p-step_size_up").placeholder
        assert step_size_up.endswith("2000") and step_size_up in app.query_one("#p-step_size_up").hints

    drive_at((80, 24), cyclic(), script)


def test_a_tall_window_shows_the_momentum_panel():
    async def script(app: Any, pilot: Any) -> None:
        text = str(app.query_one("#chart").render())
        assert "momentum" in text and "momentum moves too" not in text and text.count("┌") == 2

    drive(cyclic(), script)


def test_a_boolean_is_a_switch_and_a_choice_a_select():
    from textual.widgets import Select, Switch

    async def script(app: Any, pilot: Any) -> None:
        switch = app.query_one("#p-cycle_momentum")
        assert isinstance(switch, Switch) and switch.value is True
        assert str(app.query_one("#p-cycle_momentum-state").render()) == "true"
        switch.value = False
        await pilot.pause()
        assert app.last_good.spec.args["cycle_momentum"] is False
        assert not app.last_good.momentum_varies  # the momentum stays put
        assert str(app.query_one("#p-cycle_momentum-state").render()) == "false"
        select = app.query_one("#p-scale_mode")
        assert isinstance(select, Select)
        assert [value for _, value in select._options] == ["cycle", "iterations"]
        select.value = "iterations"
        await pilot.pause()
        assert app.last_good.spec.args["scale_mode"] == "iterations"

    drive(cyclic(), script)


def test_the_hint_line_names_the_field_in_focus():
    async def script(app: Any, pilot: Any) -> None:
        app.query_one("#p-step_size_up").focus()
        await pilot.pause()
        hint = str(app.query_one("#hint").render())
        assert "--step-size-up" in hint and "default 2000" in hint

    drive(cyclic(), script)


def test_a_library_not_yet_imported_is_announced(monkeypatch):
    hf = registry.get("linear")
    if hf.unavailable():
        pytest.skip(hf.unavailable())
    spec = lrviz.parse("linear(num_warmup_steps=10, num_training_steps=100)")
    library = registry.family(spec.entry.family).distribution
    monkeypatch.delitem(sys.modules, library, raising=False)
    assert explore.loading_note(spec) == f"loading {library} (its first import takes a few seconds)…"
    # computed without its library, or with it loaded: nothing to announce
    assert explore.loading_note(lrviz.parse("CyclicLR(base_lr=0.1, max_lr=0.2)")) is None
    monkeypatch.setitem(sys.modules, library, object())
    assert explore.loading_note(spec) is None


def test_an_export_has_short_labels_and_a_legend_that_hides_nothing(tmp_path):
    from layout import defects, legend_of

    from lrviz.config import FigureOptions
    from lrviz.runs import draw as draw_figure

    async def script(app: Any, pilot: Any) -> None:
        await pilot.press("ctrl+p")
        await type_into(app, pilot, "p-max_lr", "0.3")
        traces = app._traces_for_export()
        assert [t.label for t in traces] == ["pinned 1: CyclicLR(max_lr=0.2)", "CyclicLR(max_lr=0.3)"]
        fig = draw_figure(traces, FigureOptions())
        assert [t.get_text() for t in legend_of(fig).get_texts()] == [t.label for t in traces]
        assert defects(fig) == []

    drive(cyclic(), script, export_dir=tmp_path)


# --------------------------------------------------------------------------------------
# The real terminal, through tmux


def _tmux() -> str | None:
    found = shutil.which("tmux")
    if found is None and os.environ.get("CI") == "true":
        pytest.fail("tmux is not installed (.ci/run installs it)")
    return found


def _capture(session: str) -> str:
    return subprocess.run(["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True).stdout


def _wait_for(session: str, text: str, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = _capture(session)
        if text in screen:
            return screen
        time.sleep(0.2)
    raise AssertionError(f"{text!r} never appeared; the screen:\n{screen}")


@pytest.mark.slow
def test_tmux_smoke(tmp_path):
    if _tmux() is None:
        pytest.skip("tmux is not installed")
    session = f"lrviz-explore-{os.getpid()}"
    done = tmp_path / "done"
    command = (
        f"cd {tmp_path} && {sys.executable} -m lrviz explore cycliclr --base-lr 0.1 --max-lr 0.2 -n 120; touch {done}"
    )
    env = {**os.environ, "TERM": "xterm-256color"}
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "140", "-y", "45", command], check=True, env=env)
    try:
        screen = _wait_for(session, "learning rate")
        assert "CyclicLR" in screen and "peak" in screen and "min 0.1" in screen
        for key in ["C-f", *list("onecycle"), "Enter", "Enter"]:
            subprocess.run(["tmux", "send-keys", "-t", session, key], check=True)
            time.sleep(0.05)
        screen = _wait_for(session, "OneCycleLR:")  # its summary line under the chart
        assert "max_lr" in screen and "total_steps" in screen  # its form
        subprocess.run(["tmux", "send-keys", "-t", session, "C-q"], check=True)
        deadline = time.monotonic() + 20
        while not done.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert done.exists(), "lrviz explore did not quit on ctrl+q"
        assert "Traceback" not in _capture(session)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)


def test_module_import_does_not_import_textual():
    code = "import sys, lrviz.explore; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=Path(__file__).parent)
    assert out.stdout.strip() == "False"


FIELD_TEXT = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["0", "-1", "1e400", "nan", "inf", "None", "true", "[1, 2]", "lambda e: 1/0", "999999999"]),
)

# What an adversary types: integers of 1024 bits and more, power towers, a lambda that is not
# one, Euler's e where a variable was meant, markup, terminal escapes, deep nesting
HOSTILE_TEXT = st.sampled_from(
    [
        str(2**1024 - 1),
        "2**1024-1",
        "9**9**9",
        "max(epoch)",
        "min()",
        "0.95 ** e",
        "epoch ** epoch ** epoch",
        "1 / (1 + epoch ** 4)",
        "4.3",
        "2.5",
        "-5",
        "1e-320",
        "[/]",
        "[bold]x",
        "\x1b[2Jx",
        "\u202ex",
        "(" * 100,
        "[" * 60 + "]" * 60,
        "1," * 3000,
        "os:system",
        "__import__('os')",
        "StepLR(step_size=3), " * 3,
    ]
)


@pytest.fixture(scope="module")
def hostile_files(tmp_path_factory: Any) -> list[str]:
    """Metric files an adversary names: a named pipe, a device, a log of commas, a huge
    log, a folder, a missing file (absolute paths: the explorer reads from its own folder)."""
    folder = tmp_path_factory.mktemp("hostile")
    os.mkfifo(folder / "pipe.csv")
    os.symlink("/dev/zero", folder / "zero.csv")
    (folder / "commas.csv").write_text(",,,\n,,,\n")
    with open(folder / "huge.csv", "wb") as fh:
        fh.truncate(200 << 20)
    (folder / "dir.csv").mkdir()
    names = ["pipe.csv", "zero.csv", "commas.csv", "huge.csv", "dir.csv", "missing.csv"]
    return [str(folder / name) for name in names] + ["synthetic:plateau,noise=1e400", "synthetic:nope"]


def _draw_within(state: explore.State, seconds: float = 30) -> explore.Drawn:
    """explore.draw on a thread: a redraw that blocks (a named pipe read) fails the test."""
    import threading

    out: list[explore.Drawn] = []
    worker = threading.Thread(target=lambda: out.append(explore.draw(state)), daemon=True)
    worker.start()
    worker.join(seconds)
    assert out, "the explorer's redraw did not return: the app would freeze"
    return out[0]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(["CyclicLR", "OneCycleLR", "StepLR", "LambdaLR", "SequentialLR", "ReduceLROnPlateau"]),
    st.data(),
)
def test_no_input_raises(name, data):
    """Whatever is typed into any field, a redraw gives a curve or a one-line error."""
    state = explore.state_for_entry(registry.get(name))
    for key in list(state.fields)[:4]:
        state.fields[key] = data.draw(FIELD_TEXT, label=key)
    for key in ("steps", "lr", "group_lr", "optimizer"):
        state.trace[key] = data.draw(FIELD_TEXT, label=key)
    drawn = explore.draw(state)
    assert (drawn.trace is None) == (drawn.error is not None)
    if drawn.error is not None:
        assert "\n" not in drawn.error and "Traceback" not in drawn.error


TRACE_FIELDS = ("steps", "optimizer", "lr", "group_lr", "steps_per_epoch", "metric")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([e.name for e in registry.entries() if not e.unavailable()]), st.data())
def test_no_input_kills_or_freezes_the_explorer(hostile_files, name, data):
    """Every field of every schedule's form, and every trace field, the metric's included:
    typed text, hostile text or a hostile file gives a curve or a one-line error under the
    chart, at once, never lrviz's "internal error"."""
    entry = registry.get(name)
    state = explore.state_for_entry(entry)
    text = st.one_of(FIELD_TEXT, HOSTILE_TEXT)
    for key in state.fields:
        if data.draw(st.booleans(), label=f"edit {key}"):
            state.fields[key] = data.draw(text, label=key)
    for key in TRACE_FIELDS:
        if data.draw(st.booleans(), label=f"edit {key}"):
            values = st.one_of(text, st.sampled_from(hostile_files)) if key == "metric" else text
            state.trace[key] = data.draw(values, label=key)
    if not data.draw(st.booleans(), label="any steps"):
        state.trace["steps"] = "50"  # keep most draws quick; the others pick their own length
    drawn = _draw_within(state)
    assert (drawn.trace is None) == (drawn.error is not None)
    if drawn.error is not None:
        assert "\n" not in drawn.error and "Traceback" not in drawn.error
        assert "internal error" not in drawn.error, drawn.error
        assert not re.search("[\x00-\x1f\x7f]", drawn.error), drawn.error


@pytest.mark.parametrize(
    ("name", "fields", "trace", "says"),
    [
        ("CosineAnnealingLR", {"T_max": str(2**1024 - 1)}, {"steps": "10"}, "OverflowError"),
        ("LambdaLR", {"lr_lambda": "max(epoch)"}, {"steps": "10"}, "max(epoch)"),
        ("ReduceLROnPlateau", {}, {"metric": "pipe.csv"}, "named pipe"),
        ("ReduceLROnPlateau", {}, {"metric": "commas.csv"}, "holds no values"),
    ],
)
def test_the_issue_s_inputs_show_their_error_under_the_chart(hostile_files, name, fields, trace, says):
    folder = Path(hostile_files[0]).parent
    state = explore.state_for_entry(registry.get(name))
    state.fields.update(fields)
    state.trace.update({k: str(folder / v) if k == "metric" else v for k, v in trace.items()})
    drawn = _draw_within(state)
    assert drawn.error is not None and says in drawn.error and "internal error" not in drawn.error, drawn.error

    async def script(app: Any, pilot: Any) -> None:
        error = str(app.query_one("#error").render())
        assert says in error and "✗" in error

    drive(state, script)


def test_too_many_steps_for_the_explorer_is_an_error_not_a_freeze():
    state = explore.state_for(lrviz.parse("StepLR(step_size=30)"), {"steps": "5000000"})
    drawn = explore.draw(state)
    assert drawn.error is not None and "at most 200,000" in drawn.error
    big = explore.state_for(lrviz.parse("OneCycleLR(max_lr=0.1, total_steps=5000000)"))
    assert "5,000,000 steps" in (explore.draw(big).error or "")


@pytest.mark.slow
def test_tmux_starts_from_a_config_file(tmp_path):
    if _tmux() is None:
        pytest.skip("tmux is not installed")
    config = Path(__file__).resolve().parent.parent / "docs" / "examples" / "warmups.toml"
    session = f"lrviz-explore-config-{os.getpid()}"
    command = f"cd {tmp_path} && {sys.executable} -m lrviz explore --config {config}"
    env = {**os.environ, "TERM": "xterm-256color"}
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "160", "-y", "45", command], check=True, env=env)
    try:
        screen = _wait_for(session, "linear warmup + cosine")
        assert "lrviz explore — OneCycleLR" in screen  # the file's first schedule is the one to edit
        assert "cyclic (triangular2)" in screen and "linear warmup + cosine" in screen  # the others, pinned
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)


@pytest.mark.slow
def test_tmux_at_80x24(tmp_path):
    if _tmux() is None:
        pytest.skip("tmux is not installed")
    session = f"lrviz-explore-small-{os.getpid()}"
    command = f"cd {tmp_path} && {sys.executable} -m lrviz explore cycliclr --base-lr 0.1 --max-lr 0.2 -n 120"
    # the terminal's own size: COLUMNS (the tests' 120) would override it
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")} | {"TERM": "xterm-256color"}
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "80", "-y", "24", command], check=True, env=env)
    try:
        screen = _wait_for(session, "momentum moves too")  # the LR panel alone, and why
        time.sleep(0.5)
        screen = _capture(session)
        lines = screen.splitlines()
        assert len(lines) <= 24 and max(len(line) for line in lines) <= 80
        assert "learning rate" in screen and "momentum moves too" in screen
        assert "default 2000" in screen or "2000" in screen
        assert not re.search(r"default 20(?!00)", screen)  # no placeholder cut into another number
        assert "cycle_momentum" in screen and "true" in screen  # the switch, in words
        assert "Traceback" not in screen
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
