"""``lrviz explore``: a full-screen terminal app to find a schedule, edit every parameter and
watch its LR and momentum redraw as you type, pin a curve to compare against, and export.

The app only arranges widgets; what it draws comes from the same functions as the rest of
lrviz: :func:`lrviz.spec.from_options` (the command line's option texts), :func:`lrviz.trace`
and :func:`lrviz.render.terminal.chart`. Textual is imported only when the app starts.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from . import optimizers, registry
from . import spec as spec_mod
from .errors import LrvizError, exc_line, printable
from .schedule import Entry, Kind, Param
from .schedule import horizon as schedule_horizon
from .spec import Spec

if TYPE_CHECKING:
    from .tracing import Trace

MAX_STEPS = 200_000  # the app redraws on every keystroke; longer schedules are for lrviz plot


@dataclass
class State:
    """What the form says: a schedule, its parameters as option texts, and trace options."""

    entry: Entry
    fields: dict[str, str] = field(default_factory=dict)  # parameter -> option text ("" = default)
    trace: dict[str, str] = field(default_factory=dict)  # steps, optimizer, lr, group_lr, ...

    def spec(self) -> Spec:
        given = {k: v for k, v in self.fields.items() if v.strip()}
        return spec_mod.from_options(self.entry.name, given)


@dataclass
class Drawn:
    """The result of one redraw: the trace, or the one-line error that stopped it."""

    trace: Trace | None
    error: str | None
    field: str | None  # the parameter the error is about, when it names one
    millis: float


def field_text(value: Any, param: Param) -> str:
    """A parsed argument as the option text the form shows (and parses back)."""
    if value is None:
        return "None"
    if param.kind == Kind.BOOL:
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ", ".join(v.format() if isinstance(v, Spec) else _text(v) for v in value)
    if isinstance(value, Spec):
        return value.format()
    return _text(value)


def _text(value: Any) -> str:
    return repr(value) if isinstance(value, float) else str(value)


def state_for(spec: Spec, trace_fields: Mapping[str, str] | None = None) -> State:
    """The form for a parsed spec: every argument it sets, as option text."""
    fields = {p.name: "" for p in spec.entry.user_params}
    for name, value in spec.args.items():
        param = spec.entry.param(name)
        if param is not None and name in fields:
            fields[name] = field_text(value, param)
    return State(spec.entry, fields, dict(trace_fields or {}))


def state_for_entry(entry: Entry) -> State:
    """A fresh form for ``entry``: its example's arguments (meaningful values), else defaults."""
    if entry.example and entry.unavailable() is None:
        try:
            return state_for(spec_mod.parse(entry.example))
        except LrvizError:
            pass
    return State(entry, {p.name: "" for p in entry.user_params}, {})


def draw(state: State, label: str = "current") -> Drawn:
    """Trace the form's schedule; a rejected value gives its one-line error instead."""
    from .config import TraceOptions
    from .runs import trace_all

    started = time.perf_counter()
    try:
        spec = state.spec()
        t = state.trace
        steps = _int(t.get("steps"), "steps")
        planned = steps if steps is not None else schedule_horizon(spec)[0]
        if planned > MAX_STEPS:
            raise LrvizError(
                f"{planned:,} steps is more than the explorer redraws as you type (at most {MAX_STEPS:,})",
                "set steps lower here, or draw it with lrviz plot or lrviz show",
            )
        options = TraceOptions(
            steps=steps,
            steps_per_epoch=_int(t.get("steps_per_epoch"), "steps per epoch"),
            optimizer=t.get("optimizer") or None,
            lr=float(t["lr"]) if t.get("lr", "").strip() else None,
            group_lr=tuple(float(v) for v in t.get("group_lr", "").replace(",", " ").split()) or None,
            metric=t.get("metric") or None,
        )
        (result,) = trace_all([spec], [options], [label], [Path.cwd()])
    except LrvizError as exc:
        return Drawn(None, exc.one_line(), _field_of(exc.one_line(), state.entry), _ms(started))
    except ValueError as exc:
        return Drawn(None, printable(f"not a number: {exc_line(exc)}"), None, _ms(started))
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # whatever was typed, the explorer stays up and says what happened
        return Drawn(None, printable(f"internal error: {type(exc).__name__}: {exc_line(exc)}"), None, _ms(started))
    return Drawn(result, None, None, _ms(started))


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def _int(text: str | None, what: str) -> int | None:
    if text is None or not text.strip():
        return None
    try:
        return int(text.replace(",", "").replace("_", ""))
    except ValueError:
        raise LrvizError(f"{what} must be a whole number, got {text!r}") from None


def _field_of(message: str, entry: Entry) -> str | None:
    """The parameter an error message names (its option or its name), if any."""
    message = message.split("): ", 1)[-1]  # past the echoed spec, which names every argument
    for p in sorted(entry.user_params, key=lambda p: -len(p.name)):
        if p.option in message or f"{p.name}=" in message or f" {p.name} " in f" {message} ":
            return p.name
    return None


def matches(entry: Entry, query: str) -> bool:
    text = f"{entry.name} {entry.family} {entry.summary}".lower()
    return all(word in text for word in query.lower().split())


def _on_off(on: bool) -> str:
    return "true" if on else "false"


def widget_kind(param: Param) -> str:
    """How the form edits a parameter: "switch" for a true/false, "select" for a choice of
    a few words, "input" (text) for everything else."""
    if param.kind == Kind.BOOL and not param.nullable:
        return "switch"
    if param.kind == Kind.STR and param.choices:
        return "select"
    return "input"


def placeholders(param: Param) -> list[str]:
    """An empty field's placeholder, longest first: the field shows the longest that fits
    its width whole (a cut one could read as another number: "default 200" for 2000), or
    none; the hint line under the form always has it all."""
    default = "required" if param.required else param.default_text
    full = f"{param.type_text}, {'required' if param.required else f'default {default}'}"
    return list(dict.fromkeys([full, default if param.required else f"default {default}", default]))


def hint_text(param: Param) -> str:
    """The line under the form for the field in focus: option, type, default and help."""
    default = "required" if param.required else f"default {param.default_text}"
    help_text = f": {param.help}" if param.help else ""
    return f"{param.option}  {param.type_text}, {default}{help_text}"


def loading_note(spec: Spec) -> str | None:
    """What to say while a schedule's library is imported for the first time (transformers
    takes seconds), or None when nothing is to be imported: the library is loaded already,
    or lrviz computes this schedule without it."""
    import sys

    from . import fast_path

    if fast_path.covers(spec):
        return None
    library = registry.family(spec.entry.family).distribution
    if not library or library in sys.modules:
        return None
    return f"loading {library} (its first import takes a few seconds)…"


def export_labels(traces: Sequence[Trace], pinned: int) -> list[str]:
    """Legend labels for an exported view: each schedule's short distinct label (the name,
    with the arguments that tell it from the others), the first ``pinned`` marked as pinned."""
    from .analysis import short_labels

    short = short_labels([t.spec for t in traces])
    return [f"pinned {i + 1}: {label}" if i < pinned else label for i, label in enumerate(short)]


# --------------------------------------------------------------------------------------
# The app


def make_app(
    start: State | None = None, pinned: Sequence[Trace] = (), export_dir: Path | None = None
) -> Any:  # an ExplorerApp; typed Any so that importing this module never imports Textual
    from textual import on
    from textual.app import App, ComposeResult
    from textual.binding import Binding
    from textual.containers import Horizontal, Vertical, VerticalScroll
    from textual.screen import ModalScreen
    from textual.widgets import Footer, Header, Input, Label, OptionList, Select, Static, Switch
    from textual.widgets.option_list import Option

    from .render.terminal import MIN_HEIGHT, chart

    # a momentum panel needs this many rows of chart to be read (with the LR panel above it)
    momentum_rows = 18

    keys = (
        ("ctrl+f", "search", "Search schedules"),
        ("ctrl+p", "pin", "Pin the current curve (compare against it)"),
        ("ctrl+r", "unpin", "Remove the pinned curves"),
        ("ctrl+s", "export", "Export the view to PNG and SVG"),
        ("ctrl+y", "copy_spec", "Copy the spec string"),
        ("ctrl+t", "copy_code", "Copy the equivalent torch code"),
        ("ctrl+x", "print_exit", "Quit and print the spec and torch code"),
        ("f1", "help", "This help"),
        ("ctrl+q", "quit", "Quit"),
    )

    class Chart(Static):
        """The chart, redrawn to the widget's size."""

        traces: list[Trace] = []

        def set_traces(self, traces: list[Trace]) -> None:
            self.traces = traces
            self.redraw()

        def redraw(self) -> None:
            from rich.text import Text

            width, height = self.size.width, self.size.height
            if not self.traces or width < 30 or height < MIN_HEIGHT:
                self.update("")
                return
            moves = any(t.momentum_varies for t in self.traces)
            if not moves or height >= momentum_rows:
                self.update(Text.from_ansi(chart(self.traces, width=width, height=height, color=True).rstrip("\n")))
                return
            # too short for two panels: the LR alone, and a line that says where momentum went
            drawn = Text.from_ansi(
                chart(self.traces, width=width, height=height - 1, color=True, momentum=False).rstrip("\n") + "\n"
            )
            names = {t.momentum_name for t in self.traces if t.momentum_varies}
            what = "β1" if names == {"beta1"} else "momentum"
            drawn.append(f"{what} moves too: a taller terminal shows its panel", "dim")
            self.update(drawn)

        def on_resize(self) -> None:
            self.redraw()

    class Field(Input):
        """A parameter's text field: its placeholder the longest of its forms that fits."""

        def __init__(self, value: str, hints: Sequence[str], **kwargs: Any) -> None:
            super().__init__(value, placeholder=hints[0], **kwargs)
            self.hints = list(hints)

        def on_resize(self) -> None:
            room = self.content_size.width
            self.placeholder = next((h for h in self.hints if len(h) <= room), "")

    class HelpScreen(ModalScreen[None]):
        BINDINGS: ClassVar[list[Any]] = [Binding("escape,f1,q", "dismiss", "Close")]

        def compose(self) -> ComposeResult:
            rows = "\n".join(f"  [b]{key:<8}[/b] {text}" for key, _, text in keys)
            yield Static(
                "[b]lrviz explore[/b]: keys\n\n"
                f"{rows}\n\n"
                "  Type in any field: the chart redraws as you type. An empty field is the default.\n"
                "  Tab / shift+tab move between fields; Enter in the list picks a schedule.\n\n"
                "  [dim]Esc closes this help.[/dim]",
                id="help",
            )

    class ExplorerApp(App[str]):
        TITLE = "lrviz explore"
        ENABLE_COMMAND_PALETTE = False
        CSS = """
        #left { width: 36; border-right: solid $primary-background; }
        #search { margin: 0 0 1 0; }
        #schedules { height: 1fr; text-wrap: nowrap; text-overflow: ellipsis; }
        #description { height: auto; max-height: 6; padding: 0 1; color: $text-muted; }
        #main { width: 1fr; }
        #chart { width: 1fr; height: 1fr; min-height: 8; }
        #status { height: auto; max-height: 2; padding: 0 1; color: $text-muted; }
        #error { height: auto; max-height: 4; padding: 0 1; color: $error; display: none; }
        #error.shown { display: block; }
        #hint { height: auto; max-height: 2; padding: 0 1; color: $text-muted; }
        #form { height: 12; border-top: solid $primary-background; }
        .row { height: 1; margin: 0 0 1 0; }
        .row Label { width: 24; padding: 0 1; }
        .row Input { width: 1fr; height: 1; border: none; padding: 0 1; background: $boost; }
        .row Input:focus { background: $primary 30%; }
        .row Input.-invalid { background: $error 35%; }
        .row .switch { width: 1fr; height: 1; }
        .row Switch { height: 1; border: none; padding: 0 1; background: $boost; }
        .row .switch Label { width: auto; padding: 0 1; }
        .row Switch:focus { background: $primary 30%; }
        .row Select { width: 1fr; height: 1; }
        .row Select.-invalid > SelectCurrent { background: $error 35%; }
        Screen.-narrow #left { width: 24; }
        Screen.-narrow #description { display: none; }
        Screen.-narrow .row Label { width: 21; }
        Screen.-short #form { height: 1fr; min-height: 4; max-height: 10; }
        Screen.-short .row { margin: 0; }
        Screen.-short #hint { max-height: 1; }
        HelpScreen { align: center middle; }
        #help { width: 76; max-width: 100%; height: auto; padding: 1 2; border: thick $primary; background: $surface; }
        """
        # 80x24 and the like: a narrower schedule list, a compact form
        HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]  # noqa: RUF012 (typed by App)
        VERTICAL_BREAKPOINTS = [(0, "-short"), (36, "-tall")]  # noqa: RUF012
        # priority: the keys work while a field has focus (over the field's own ctrl+x "cut")
        BINDINGS: ClassVar[list[Any]] = [Binding(k, a, d, priority=True) for k, a, d in keys]

        def __init__(self) -> None:
            super().__init__()
            self.state = start or state_for_entry(registry.get("CyclicLR"))
            self.pinned: list[Trace] = list(pinned)
            self.drawn: Drawn | None = None
            self.last_good: Trace | None = None
            self.good_millis = 0.0
            self.printed: str | None = None
            self.export_dir = export_dir or Path.cwd()
            self._entries = list(registry.entries())

        # ---- layout

        def compose(self) -> ComposeResult:
            yield Header()
            with Horizontal():
                with Vertical(id="left"):
                    yield Input(placeholder="search: cyclic, warmup, cosine…", id="search")
                    yield OptionList(*self._options(""), id="schedules")
                    yield Static("", id="description")
                with Vertical(id="main"):
                    yield Chart(id="chart")
                    yield Static("", id="status")
                    yield Static("", id="error")
                    yield VerticalScroll(id="form")
                    yield Static("", id="hint")
            yield Footer()

        def on_mount(self) -> None:
            self._build_form()
            self._highlight_current()
            self._redraw_soon()

        def _redraw_soon(self) -> None:
            """Redraw now, or, when the schedule's library is still to be imported (seconds,
            for transformers), say so first and redraw once the note is on screen."""
            try:
                note = loading_note(self.state.spec())
            except LrvizError:
                note = None
            if note is None:
                self.redraw()
                return
            self.query_one("#status", Static).update(note)
            self.call_after_refresh(self.redraw)

        def _options(self, query: str) -> list[Any]:
            out: list[Any] = []
            family = None
            for e in self._entries:
                if not matches(e, query):
                    continue
                if e.family != family:
                    family = e.family
                    out.append(Option(f"[b $accent]{family}[/]", disabled=True, id=f"family:{family}"))
                note = "  [dim](not installed)[/dim]" if e.unavailable() else ""
                out.append(Option(f"  {e.name}{note}", id=e.name))
            return out

        def _highlight_current(self) -> None:
            options = self.query_one("#schedules", OptionList)
            try:
                options.highlighted = options.get_option_index(self.state.entry.name)
            except Exception:  # filtered out by the search
                pass

        def _build_form(self) -> None:
            from rich.markup import escape

            form = self.query_one("#form", VerticalScroll)
            form.remove_children()
            rows = []
            self._hints: dict[str, str] = {}
            for p in self.state.entry.user_params:
                key = f"p-{p.name}"
                self._hints[key] = hint_text(p)
                rows.append(Horizontal(Label(p.name), self._editor(p, key), classes="row"))
            trace_rows: list[tuple[str, str]] = [
                ("steps", "steps (default: the whole shape)"),
                ("optimizer", "optimizer: " + ", ".join(optimizers.KNOWN[:3]) + ", ..."),
                ("lr", "the optimizer's lr (default 0.1)"),
                ("group_lr", "per-group LRs, e.g. 0.01, 0.0001"),
                ("steps_per_epoch", "x axis in epochs of K steps"),
            ]
            if self.state.entry.needs_metric:
                trace_rows.append(("metric", "synthetic:plateau, FILE.csv[:COLUMN]"))
            for key, hint in trace_rows:
                self._hints[f"t-{key}"] = hint
                short = hint.split(" (")[0].split(": ")[-1]
                rows.append(
                    Horizontal(
                        Label(f"[i]{key}[/i]"),
                        Field(self.state.trace.get(key, ""), [hint, short], id=f"t-{key}"),
                        classes="row",
                    )
                )
            form.mount(*rows)
            description = self.query_one("#description", Static)
            description.update(f"[b]{self.state.entry.name}[/b]\n{escape(self.state.entry.summary)}")
            self.query_one("#hint", Static).update("")
            self.sub_title = self.state.entry.name

        def _editor(self, p: Param, key: str) -> Any:
            """A switch for a true/false, a select for a choice, a text field otherwise."""
            text = self.state.fields.get(p.name, "")
            kind = widget_kind(p)
            if kind == "switch":
                on = text.strip().lower() in ("true", "1", "yes") if text.strip() else bool(p.default)
                # the switch's state in words too: its colours alone say nothing without colour
                return Horizontal(
                    Switch(on, animate=False, id=key), Label(_on_off(on), id=f"{key}-state"), classes="switch"
                )
            if kind == "select":
                choices = list(p.choices) + (["None"] if p.nullable else [])
                current = text.strip().strip("'\"") or (str(p.default) if not p.required else choices[0])
                if current not in choices:
                    choices.append(current)
                return Select([(c, c) for c in choices], value=current, allow_blank=False, compact=True, id=key)
            return Field(text, placeholders(p), id=key)

        # ---- events

        @on(Input.Changed, "#search")
        def _search(self, event: Any) -> None:
            options = self.query_one("#schedules", OptionList)
            options.clear_options()
            options.add_options(self._options(event.value))

        @on(Input.Submitted, "#search")
        def _search_enter(self) -> None:
            options = self.query_one("#schedules", OptionList)
            for index in range(options.option_count):
                if not options.get_option_at_index(index).disabled:  # past the family headings
                    options.highlighted = index
                    options.focus()
                    return

        @on(OptionList.OptionSelected, "#schedules")
        def _pick(self, event: Any) -> None:
            self.select(str(event.option.id))

        @on(Input.Changed, "#form Input")
        def _edited(self, event: Any) -> None:
            key = str(event.input.id)
            if key.startswith("p-"):
                self.state.fields[key[2:]] = event.value
            elif key.startswith("t-"):
                self.state.trace[key[2:]] = event.value
            self.redraw()

        @on(Switch.Changed, "#form Switch")
        def _switched(self, event: Any) -> None:
            key = str(event.switch.id)
            self.query_one(f"#{key}-state", Label).update(_on_off(event.value))
            self._set_choice(key, "true" if event.value else "false")

        @on(Select.Changed, "#form Select")
        def _selected(self, event: Any) -> None:
            self._set_choice(str(event.select.id), str(event.value))

        def _set_choice(self, key: str, text: str) -> None:
            name = key[2:]
            param = self.state.entry.param(name)
            if param is None:
                return
            given = self.state.fields.get(name, "")
            if not given.strip() and param is not None and not param.required:
                # the default, as it was: the field stays empty (the spec names only what changed)
                if text == field_text(param.default, param):
                    return
            self.state.fields[name] = text
            self.redraw()

        def on_descendant_focus(self, event: Any) -> None:
            key = str(getattr(event.widget, "id", "") or "")
            hint = getattr(self, "_hints", {}).get(key)
            if hint is not None:
                from rich.markup import escape

                self.query_one("#hint", Static).update(escape(hint))

        # ---- what the app does

        def select(self, name: str) -> None:
            """Switch to a schedule, with its example's arguments; trace options are kept."""
            entry = registry.get(name)
            trace_fields = self.state.trace
            self.state = replace(state_for_entry(entry), trace=dict(trace_fields))
            self._build_form()
            self._highlight_current()
            self._redraw_soon()

        def redraw(self) -> None:
            from rich.markup import escape

            self.drawn = draw(self.state, label="")
            error = self.query_one("#error", Static)
            for widget in self.query("#form Input, #form Select, #form Switch"):
                widget.remove_class("-invalid")
            if self.drawn.error is not None:
                error.update(f"✗ {escape(self.drawn.error)}")
                error.add_class("shown")
                if self.drawn.field:
                    for widget in self.query(f"#p-{self.drawn.field}"):
                        widget.add_class("-invalid")
            else:
                assert self.drawn.trace is not None
                warnings = self.drawn.trace.warnings
                error.update("\n".join(f"[$warning]⚠ {escape(w)}[/]" for w in warnings[:3]))
                error.set_class(bool(warnings), "shown")
                self.last_good = replace(self.drawn.trace, label=self.drawn.trace.spec.format())
                self.good_millis = self.drawn.millis
            self._show()

        def _show(self) -> None:
            from rich.markup import escape

            from .analysis import summary_line

            current = self.last_good
            traces = [*self.pinned, *([current] if current is not None else [])]
            self.query_one("#chart", Chart).set_traces(traces)
            status = self.query_one("#status", Static)
            if current is None:
                status.update("")
                return
            took = f"  ·  traced in {self.good_millis:.0f} ms"
            pins = f"  ·  {len(self.pinned)} pinned" if self.pinned else ""
            # the name, not the whole spec (the form shows the arguments): the numbers fit
            status.update(escape(printable(summary_line(replace(current, label=current.name)))) + took + pins)

        def current_spec(self) -> Spec | None:
            return self.last_good.spec if self.last_good is not None else None

        def action_search(self) -> None:
            self.query_one("#search", Input).focus()

        def action_pin(self) -> None:
            if self.last_good is None:
                self.notify("nothing to pin: fix the error first", severity="warning")
                return
            label = f"pinned {len(self.pinned) + 1}: {self.last_good.spec.format()}"
            self.pinned.append(replace(self.last_good, label=label))
            self.notify(f"pinned {self.last_good.spec.format()}")
            self._show()

        def action_unpin(self) -> None:
            self.pinned.clear()
            self._show()

        def action_export(self) -> None:
            try:
                paths = export(self._traces_for_export(), self.export_dir)
            except LrvizError as exc:
                self.notify(exc.one_line(), severity="error")
                return
            self.notify("wrote " + ", ".join(str(p) for p in paths))

        def _traces_for_export(self) -> list[Trace]:
            traces = [*self.pinned, *([self.last_good] if self.last_good is not None else [])]
            if len(traces) < 2:
                return traces
            labels = export_labels(traces, len(self.pinned))
            return [replace(t, label=label) for t, label in zip(traces, labels, strict=True)]

        def action_copy_spec(self) -> None:
            spec = self.current_spec()
            if spec is not None:
                self.copy_to_clipboard(spec.format())
                self.notify(f"copied: {spec.format()}  (through your terminal's clipboard, OSC 52)")

        def action_copy_code(self) -> None:
            code = self.code()
            if code:
                self.copy_to_clipboard(code)
                self.notify("copied the torch code (through your terminal's clipboard, OSC 52)")

        def code(self) -> str | None:
            from .codegen import torch_code

            t = self.last_good
            if t is None:
                return None
            metric = None if t.metric is None else t.metric.tolist()
            return torch_code(t.spec, t.optimizer_spec, t.n_steps, metric)

        def action_print_exit(self) -> None:
            spec, code = self.current_spec(), self.code()
            self.exit("" if spec is None else f"{spec.format()}\n\n{code}")

        def action_help(self) -> None:
            self.push_screen(HelpScreen())

    return ExplorerApp()


def export(traces: Sequence[Trace], folder: Path) -> list[Path]:
    """The view as PNG and SVG in ``folder`` (``lrviz-<schedule>.png``/``.svg``), written
    via temporary files; returns the paths."""
    from .config import FigureOptions
    from .files import write_atomic
    from .render.figure import to_bytes
    from .runs import draw

    if not traces:
        raise LrvizError("nothing to export: the schedule has an error")
    stem = "lrviz-" + "".join(c if c.isalnum() or c in "-_" else "_" for c in traces[-1].name)  # keeps CyclicLR's case
    fig = draw(traces, FigureOptions())
    paths = [folder / f"{stem}.png", folder / f"{stem}.svg"]
    write_atomic([(p, to_bytes(fig, p.suffix[1:])) for p in paths])
    return paths
