"""Reading a gallery file: its sections and figures, checked, as a :class:`Plan`.

A gallery file is a list of figures, each written in the config-file format of
``lrviz compare --config`` plus four gallery keys::

    [gallery]
    title = "lrviz gallery"
    intro = "..."
    every_schedule = true   # also a figure for each registry schedule no figure shows alone

    [[section]]
    id = "torch"
    title = "torch.optim.lr_scheduler"
    text = "..."

    [[figure]]
    id = "steplr"           # file names: steplr.svg, thumbs/steplr.png
    section = "torch"
    caption = "StepLR"      # the card's title (default: the figure's title or schedule name)
    note = "One sentence on what to notice."
    steps = 100             # ...and any config key: title, layout, annotate, optimizer, lr, metric...
    [[figure.schedule]]
    spec = "StepLR(step_size=30, gamma=0.1)"

Every figure must be reproducible by one ``lrviz plot``/``lrviz compare`` command, which the
gallery prints under it; so trace options are the figure's, not a single schedule's.

"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from lrviz.config import TOP_KEYS, Config, TraceOptions, from_dict, from_table
from lrviz.errors import LrvizError, did_you_mean
from lrviz.toml_schema import Table, parse_toml, read_toml

from .shell import command

DEFAULT_SOURCE = "gallery.toml"  # lrviz's own, packaged beside this module

_GALLERY_KEYS = {"title": "page title", "intro": "a paragraph under the title", "every_schedule": "true/false"}
_SECTION_KEYS = {"id": "section id", "title": "section heading", "text": "a paragraph under the heading"}
_FIGURE_ONLY_KEYS = {
    "id": "file name stem: lower-case letters, digits, - and _",
    "section": "the id of a [[section]]",
    "caption": "the card's title",
    "note": "one sentence: what to notice",
}
_FIGURE_KEYS = {**{k: v for k, v in TOP_KEYS.items() if k != "out"}, **_FIGURE_ONLY_KEYS}
_TOP_KEYS = {"gallery": "", "section": "", "figure": ""}
_ID = re.compile(r"[a-z0-9][a-z0-9_-]*\Z")


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    text: str = ""


@dataclass(frozen=True)
class Figure:
    """One gallery figure: its config (schedules, trace and figure options) and its card."""

    id: str
    section: str
    caption: str
    note: str
    config: Config | None  # None when it cannot be drawn here (see missing_extra)
    auto: bool = False  # added for a registry schedule that no declared figure shows
    missing_extra: str | None = None  # why it cannot be drawn here: an extra to install
    shows: str | None = None  # the registry name of its schedule when it shows one alone

    @property
    def files(self) -> tuple[str, str]:
        return f"{self.id}.svg", f"thumbs/{self.id}.png"

    def command(self) -> str:
        """The one ``lrviz`` command that draws this figure to ``<id>.svg``."""
        if self.config is None:
            raise LrvizError(f"gallery figure '{self.id}' cannot be drawn here: {self.missing_extra}")
        return command(self.config, f"{self.id}.svg")


@dataclass(frozen=True)
class Plan:
    """A gallery file, read and checked: what ``render`` will draw."""

    title: str
    intro: str
    sections: tuple[Section, ...]
    figures: tuple[Figure, ...]
    source: str  # the gallery file's name, as shown on the pages

    @property
    def drawable(self) -> list[Figure]:
        return [f for f in self.figures if f.missing_extra is None]

    @property
    def skipped(self) -> list[Figure]:
        return [f for f in self.figures if f.missing_extra is not None]


def load(path: str | Path | None = None) -> Plan:
    """Read and check a gallery file (lrviz's own when ``path`` is None)."""
    if path is None:
        name = f"lrviz/gallery/{DEFAULT_SOURCE}"
        text = resources.files(__package__).joinpath(DEFAULT_SOURCE).read_text(encoding="utf-8")
        return from_data(parse_toml(text, name), name=name, folder=Path("."))
    return from_data(read_toml(path, "gallery file"), name=Path(path).name, folder=Path(path).parent)


def from_data(data: Mapping[str, Any], *, name: str = "gallery", folder: Path = Path(".")) -> Plan:
    """A Plan from already-parsed TOML data (paths relative to ``folder``); errors name the
    file as ``name``."""
    top = Table(data, name)
    top.check_keys(_TOP_KEYS)
    top.check_sizes()
    head = top.table("gallery") or Table({}, name, "gallery")
    head.check_keys(_GALLERY_KEYS)
    title = head.text("title") or "lrviz gallery"
    intro = head.text("intro") or ""
    every = head.flag("every_schedule") or False

    sections: list[Section] = []
    for table in top.tables("section"):
        table.check_keys(_SECTION_KEYS)
        sid = _id(table)
        if any(s.id == sid for s in sections):
            raise table.error(f"{table.path}: a section '{sid}' already exists", "give each section its own id")
        sections.append(Section(sid, table.text("title") or sid, table.text("text") or ""))

    figures = [_figure(table, folder, sections) for table in top.tables("figure")]
    seen: dict[str, str] = {}
    for fig in figures:
        if fig.id in seen:
            raise top.error(f"two figures have the id '{fig.id}'", "ids name the files; make them unique")
        seen[fig.id] = fig.caption
    if every:
        figures.extend(_every_schedule(figures, sections, seen))
    used = {f.section for f in figures}
    sections = [s for s in sections if s.id in used]
    for fig in figures:  # sections that no [[section]] declares (a new family's auto figures)
        if all(s.id != fig.section for s in sections):
            sections.append(Section(fig.section, fig.section))
    order = {s.id: i for i, s in enumerate(sections)}
    figures.sort(key=lambda f: order[f.section])  # stable: file order within a section
    if not figures:
        raise LrvizError(f"{name} declares no figure", "add a [[figure]] table")
    return Plan(title, intro, tuple(sections), tuple(figures), name)


def _figure(table: Table, folder: Path, sections: Sequence[Section]) -> Figure:
    table.check_keys(_FIGURE_KEYS)
    fid = _id(table)
    section = table.text("section")
    if section is None:
        raise table.error(f'{table.path} needs section = "..."', "one of: " + ", ".join(s.id for s in sections))
    if all(s.id != section for s in sections):
        hint = did_you_mean(section, [s.id for s in sections]) or "declare it in a [[section]] table"
        raise table.error(f"{table.key('section')}: unknown section '{section}'", hint)
    caption = table.text("caption")
    note = table.text("note") or ""
    missing = _missing_extra(table.data)
    if missing is not None:  # its schedules cannot even be parsed here: skipped, with a note
        shows = _schedule_names(table.data)[0] if len(_schedule_tables(table.data)) == 1 else None
        return Figure(fid, section, caption or fid, note, None, missing_extra=missing, shows=shows)
    options = Table({k: v for k, v in table.data.items() if k not in _FIGURE_ONLY_KEYS}, table.file, table.path)
    config = from_table(options, folder=folder)
    for k, run in enumerate(config.runs):
        if run.options != TraceOptions():
            raise table.error(
                f"{table.key(f'schedule[{k + 1}]')} has its own trace options",
                "a gallery figure is one lrviz command: set steps, optimizer, lr... on the figure",
            )
    caption = caption or config.figure.title or _default_caption(config)
    shows = config.runs[0].spec.entry.name if len(config.runs) == 1 else None
    return Figure(fid, section, caption, note, config, shows=shows)


def _schedule_tables(table: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    schedules = table.get("schedule")
    if isinstance(schedules, Mapping):
        return [schedules]
    return [s for s in schedules if isinstance(s, Mapping)] if isinstance(schedules, list) else []


def _schedule_names(table: Mapping[str, Any]) -> list[str]:
    """The registry names a figure's schedules mention (children too), read from the text
    alone: a family whose extra is missing cannot parse its own specs."""
    from lrviz import registry

    found = []
    for schedule in _schedule_tables(table):
        name = schedule.get("name")
        texts: list[str] = [name] if isinstance(name, str) else []
        spec = schedule.get("spec")
        if isinstance(spec, str):
            texts += [spec.strip(), *re.findall(r"([A-Za-z_][\w.]*)\s*\(", spec)]
        for text in texts:
            entry = registry.listed(text)  # never import a user's module here
            if entry is not None and entry.name not in found:
                found.append(entry.name)
    return found


def _missing_extra(table: Mapping[str, Any]) -> str | None:
    from lrviz import registry

    for name in _schedule_names(table):
        reason = registry.get(name).unavailable()
        if reason:
            return reason
    return None


def _default_caption(config: Config) -> str:
    return " vs ".join(run.label or run.spec.name for run in config.runs)


def _every_schedule(figures: Sequence[Figure], sections: Sequence[Section], ids: dict[str, str]) -> list[Figure]:
    """A figure for every registry schedule that no declared figure shows alone, from its
    example: a new family's schedules reach the gallery with no edit here."""
    from lrviz import registry
    from lrviz import spec as spec_mod

    shown = {f.shows for f in figures}
    out = []
    for entry in registry.entries():
        if entry.name in shown or not entry.example:
            continue
        fid = re.sub(r"[^a-z0-9_-]+", "-", entry.name.lower()).strip("-")
        while fid in ids:
            fid += "-1"
        ids[fid] = entry.name
        summary = entry.summary.split(". ")[0].rstrip(".") + "."
        missing = entry.unavailable()
        if missing:
            out.append(Figure(fid, entry.family, entry.name, summary, None, True, missing, entry.name))
            continue
        config = from_dict({"schedule": [{"spec": spec_mod.parse(entry.example).format()}]})
        out.append(Figure(fid, entry.family, entry.name, summary, config, auto=True, shows=entry.name))
    return out


def _id(table: Table) -> str:
    value = table.data.get("id")
    if not isinstance(value, str) or not _ID.match(value):
        raise table.error(
            f'{table.path} needs id = "..." of lower-case letters, digits, - and _, got {value!r}',
            'e.g. id = "steplr"',
        )
    return value
