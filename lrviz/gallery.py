"""The docs gallery: figures declared in one TOML file, rendered to SVG and PNG thumbnails
with a Markdown page and a self-contained HTML page, byte for byte the same on every run.

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

This module returns values (file names and bytes, problems found); the CLI writes files.
"""

from __future__ import annotations

import html
import re
import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from .config import TOP_KEYS, Config, TraceOptions, from_dict, parse_toml, read_toml
from .errors import LrvizError, did_you_mean

PAGES = ("README.md", "index.html")
THUMB_WIDTH = 640  # pixels: sharp in a two-column grid on a phone's 2x screen, ~40 KB each
GENERATOR = "lrviz gallery"
DEFAULT_SOURCE = "gallery.toml"  # packaged with lrviz

_GALLERY_KEYS = {"title": "page title", "intro": "a paragraph under the title", "every_schedule": "true/false"}
_SECTION_KEYS = {"id": "section id", "title": "section heading", "text": "a paragraph under the heading"}
_FIGURE_ONLY_KEYS = {
    "id": "file name stem: lower-case letters, digits, - and _",
    "section": "the id of a [[section]]",
    "caption": "the card's title",
    "note": "one sentence: what to notice",
}
_FIGURE_KEYS = {**{k: v for k, v in TOP_KEYS.items() if k != "out"}, **_FIGURE_ONLY_KEYS}
_TOP = {"gallery": "", "section": "", "figure": ""}
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


@dataclass(frozen=True)
class Problem:
    """A file of a committed gallery that differs from what lrviz generates now."""

    kind: str  # "stale", "missing" or "extra"
    path: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.path}"


@dataclass
class Output:
    """The rendered gallery: relative file name -> bytes, in a fixed order."""

    files: dict[str, bytes] = field(default_factory=dict)
    skipped: list[Figure] = field(default_factory=list)
    versions: dict[str, str] = field(default_factory=dict)  # what the pages say the figures were made with
    sizes: dict[str, tuple[int, int]] = field(default_factory=dict)  # figure id -> thumbnail (width, height)

    @property
    def figure_files(self) -> dict[str, bytes]:
        """The SVGs and thumbnails: the content (the pages only describe them)."""
        return {name: data for name, data in self.files.items() if name not in PAGES}


# --------------------------------------------------------------------------------------
# Reading a gallery file


def load(path: str | Path | None = None) -> Plan:
    """Read and check a gallery file (lrviz's own when ``path`` is None)."""
    if path is None:
        name = f"lrviz/{DEFAULT_SOURCE}"
        text = resources.files("lrviz").joinpath(DEFAULT_SOURCE).read_text(encoding="utf-8")
        return from_data(parse_toml(text, name), name=name, folder=Path("."))
    return from_data(read_toml(path, "gallery file"), name=Path(path).name, folder=Path(path).parent)


def from_data(data: Mapping[str, Any], *, name: str = "gallery", folder: Path = Path(".")) -> Plan:
    _keys(data, _TOP, name, "")
    head = data.get("gallery", {})
    if not isinstance(head, Mapping):
        raise LrvizError(f"{name}: gallery must be a table ([gallery])")
    _keys(head, _GALLERY_KEYS, name, "gallery.")
    title = _str(head, "title", name, "gallery.") or "lrviz gallery"
    intro = _str(head, "intro", name, "gallery.") or ""
    every = head.get("every_schedule", False)
    if not isinstance(every, bool):
        raise LrvizError(f"{name}: gallery.every_schedule must be true or false, got {every!r}")

    sections: list[Section] = []
    for k, table in enumerate(_tables(data, "section", name)):
        where = f"section[{k + 1}]"
        _keys(table, _SECTION_KEYS, name, where + ".")
        sid = _id(table, name, where)
        if any(s.id == sid for s in sections):
            raise LrvizError(f"{name}: {where}: a section '{sid}' already exists", "give each section its own id")
        sections.append(
            Section(sid, _str(table, "title", name, where + ".") or sid, _str(table, "text", name, where + ".") or "")
        )

    figures: list[Figure] = []
    for k, table in enumerate(_tables(data, "figure", name)):
        figures.append(_figure(table, f"figure[{k + 1}]", name, folder, sections))
    seen: dict[str, str] = {}
    for fig in figures:
        if fig.id in seen:
            raise LrvizError(f"{name}: two figures have the id '{fig.id}'", "ids name the files; make them unique")
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


def _figure(table: Mapping[str, Any], where: str, name: str, folder: Path, sections: Sequence[Section]) -> Figure:
    if not isinstance(table, Mapping):
        raise LrvizError(f"{name}: {where} must be a table")
    _keys(table, _FIGURE_KEYS, name, where + ".")
    fid = _id(table, name, where)
    where = f"figure '{fid}'"
    section = _str(table, "section", name, where + ".")
    if section is None:
        raise LrvizError(f'{name}: {where} needs section = "..."', "one of: " + ", ".join(s.id for s in sections))
    if all(s.id != section for s in sections):
        hint = did_you_mean(section, [s.id for s in sections]) or "declare it in a [[section]] table"
        raise LrvizError(f"{name}: {where}: unknown section '{section}'", hint)
    caption = _str(table, "caption", name, where + ".")
    note = _str(table, "note", name, where + ".") or ""
    missing = _missing_extra(table)
    if missing is not None:  # its schedules cannot even be parsed here: skipped, with a note
        shows = _schedule_names(table)[0] if len(_schedule_tables(table)) == 1 else None
        return Figure(fid, section, caption or fid, note, None, missing_extra=missing, shows=shows)
    config = from_dict(
        {k: v for k, v in table.items() if k not in _FIGURE_ONLY_KEYS}, where=f"{name}: {where}", folder=folder
    )
    for k, run in enumerate(config.runs):
        if run.options != TraceOptions():
            raise LrvizError(
                f"{name}: {where}: schedule[{k + 1}] has its own trace options",
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
    from . import registry

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
    from . import registry

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
    from . import registry
    from . import spec as spec_mod

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


def _tables(data: Mapping[str, Any], key: str, name: str) -> list[Mapping[str, Any]]:
    value = data.get(key, [])
    if isinstance(value, Mapping):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        raise LrvizError(f"{name}: {key} must be [[{key}]] tables")
    return value


def _keys(table: Mapping[str, Any], allowed: Mapping[str, str], name: str, prefix: str) -> None:
    for k in table:
        if k not in allowed:
            hint = did_you_mean(k, allowed) or "known keys: " + ", ".join(sorted(allowed))
            raise LrvizError(f"{name}: unknown key '{prefix}{k}'", hint)


def _str(table: Mapping[str, Any], key: str, name: str, prefix: str) -> str | None:
    value = table.get(key)
    if value is not None and not isinstance(value, str):
        raise LrvizError(f"{name}: {prefix}{key} must be a string, got {value!r}")
    return value


def _id(table: Mapping[str, Any], name: str, where: str) -> str:
    value = table.get("id")
    if not isinstance(value, str) or not _ID.match(value):
        raise LrvizError(
            f'{name}: {where} needs id = "..." of lower-case letters, digits, - and _, got {value!r}',
            'e.g. id = "steplr"',
        )
    return value


# --------------------------------------------------------------------------------------
# The command that reproduces a figure


def _quote(text: str) -> str:
    """Shell quoting that keeps a spec readable: double quotes when they suffice."""
    if re.fullmatch(r"[A-Za-z0-9_.,:=+/@%-]+", text):
        return text
    if not re.search(r'["$`\\!]', text):
        return f'"{text}"'
    return shlex.quote(text)


def _number(value: float) -> str:
    return repr(int(value)) if float(value).is_integer() and abs(value) < 1e16 else repr(value)


def command(config: Config, out: str) -> str:
    """``lrviz plot``/``lrviz compare`` with every schedule, option and label of ``config``."""
    from .runs import labels as default_labels

    runs = config.runs
    words = ["lrviz", "plot" if len(runs) == 1 else "compare"]
    words += [_quote(" ".join(run.spec.format().split())) for run in runs]
    t, f = config.trace, config.figure
    if t.steps is not None:
        words += ["-n", str(t.steps)]
    if t.steps_per_epoch is not None:
        words += ["--steps-per-epoch", str(t.steps_per_epoch)]
    if t.optimizer is not None:
        words += ["--optimizer", t.optimizer]
    if t.lr is not None:
        words += ["--lr", _number(t.lr)]
    for lr in t.group_lr or ():
        words += ["--group-lr", _number(lr)]
    if t.momentum is not None:
        words += ["--momentum", _number(t.momentum)]
    if t.betas is not None:
        words += ["--betas", ",".join(_number(b) for b in t.betas)]
    if t.metric is not None:
        words += ["--metric", _quote(t.metric)]
    given = [run.label for run in runs]
    if any(given):
        last = max(i for i, g in enumerate(given) if g)
        shown = default_labels([run.spec for run in runs], given)
        for label in shown[: last + 1]:
            words += ["--label", _quote(label)]
    if f.title is not None:
        words += ["--title", _quote(f.title)]
    if f.layout is not None and len(runs) > 1:
        words += ["--layout", f.layout]
    if f.log:
        words.append("--log")
    if f.size is not None:
        words += ["--size", f.size]
    if f.dpi is not None:
        words += ["--dpi", str(f.dpi)]
    if f.style is not None:
        words += ["--style", _quote(f.style)]
    if f.annotate:
        words.append("--annotate")
    words += ["-o", _quote(out)]
    return " ".join(words)


# --------------------------------------------------------------------------------------
# Rendering


def versions() -> dict[str, str]:
    """The versions a gallery's bytes depend on."""
    from importlib import metadata

    out = {}
    for dist in ("torch", "matplotlib", "numpy", "transformers"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    return out


def render_figure(fig: Figure, exact: bool = False) -> tuple[bytes, bytes]:
    """(SVG, PNG thumbnail) of one figure, as its command would draw it."""
    from .render.figure import to_bytes
    from .runs import draw, labels, shared_args, trace_all

    config = fig.config
    if config is None:
        raise LrvizError(f"gallery figure '{fig.id}' cannot be drawn here: {fig.missing_extra}")
    specs = [shared_args(run.spec, config.trace) for run in config.runs]
    names = labels(specs, [run.label for run in config.runs])
    try:
        traces = trace_all(specs, [config.trace] * len(specs), names, [config.folder] * len(specs), exact=exact)
        drawn = draw(traces, config.figure)
    except LrvizError as exc:
        raise LrvizError(f"gallery figure '{fig.id}': {exc.message}", exc.hint) from None
    svg = to_bytes(drawn, "svg")
    thumb = to_bytes(drawn, "png", THUMB_WIDTH / drawn.get_figwidth())
    return svg, thumb


def render(
    plan: Plan,
    progress: Callable[[Figure], None] | None = None,
    exact: bool = False,
) -> Output:
    """Every file of the gallery, in memory. ``progress`` is called before each figure;
    ``exact`` steps torch for every schedule (the same bytes, only slower)."""
    out = Output(skipped=plan.skipped, versions=versions())
    for fig in plan.drawable:
        if progress is not None:
            progress(fig)
        svg, thumb = render_figure(fig, exact)
        svg_name, thumb_name = fig.files
        out.files[svg_name] = svg
        out.files[thumb_name] = thumb
        out.sizes[fig.id] = png_size(thumb)
    return stamped(plan, out, out.versions)


def stamped(plan: Plan, out: Output, made_with: Mapping[str, str]) -> Output:
    """``out`` with its two pages (re)written to say the figures were made with ``made_with``."""
    result = Output(files=dict(out.figure_files), skipped=out.skipped, versions=dict(made_with), sizes=out.sizes)
    result.files["README.md"] = markdown(plan, result).encode()
    result.files["index.html"] = page(plan, result).encode()
    return result


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def _versions_text(found: Mapping[str, str]) -> str:
    return ", ".join(f"{name} {version}" for name, version in found.items())


def skipped_text(skipped: Sequence[Figure]) -> str:
    reasons: dict[str, list[str]] = {}
    for fig in skipped:
        reasons.setdefault(fig.missing_extra or "", []).append(fig.caption)
    return "; ".join(
        f"{len(names)} figure{'s' if len(names) != 1 else ''} skipped ({reason})" for reason, names in reasons.items()
    )


def github_anchor(title: str) -> str:
    """The anchor GitHub gives a Markdown heading."""
    text = re.sub(r"[^\w\- ]", "", title.lower())
    return text.replace(" ", "-")


def markdown(plan: Plan, out: Output) -> str:
    """The gallery's README.md: a contents list, then a two-column grid per section."""
    esc = html.escape
    lines = [
        f"# {plan.title}",
        "",
        f"<!-- Generated by `lrviz gallery` from {plan.source}: edit that file, not this one. -->",
        "",
    ]
    if plan.intro:
        lines += [" ".join(plan.intro.split()), ""]
    lines += ["Open [index.html](index.html) for the same gallery as one page. Click a thumbnail for its SVG.", ""]
    if out.skipped:
        lines += [f"> **Note:** {skipped_text(out.skipped)}.", ""]
    drawn = {f.id for f in plan.drawable}
    for section in plan.sections:
        figs = [f for f in plan.figures if f.section == section.id and f.id in drawn]
        if figs:
            lines.append(f"- [{section.title}](#{github_anchor(section.title)}) ({len(figs)})")
    lines.append("")
    for section in plan.sections:
        figs = [f for f in plan.figures if f.section == section.id and f.id in drawn]
        if not figs:
            continue
        lines += [f"## {section.title}", ""]
        if section.text:
            lines += [" ".join(section.text.split()), ""]
        lines.append("<table>")
        for row in range(0, len(figs), 2):
            lines.append("<tr>")
            for fig in figs[row : row + 2]:
                svg, thumb = fig.files
                lines += [
                    '<td width="50%" valign="top">',
                    f'<a href="{svg}"><img src="{thumb}" alt="{esc(fig.caption)}" width="100%"></a><br>',
                    f"<b>{esc(fig.caption)}</b>. {esc(fig.note)}",
                    f"<pre>{esc(fig.command())}</pre>",
                    "</td>",
                ]
            lines.append("</tr>")
        lines += ["</table>", ""]
    lines += [
        "---",
        "",
        f"Made with {_versions_text(out.versions)}. Regenerate with `lrviz gallery`; "
        "`lrviz gallery --check` says which figures differ.",
        "",
    ]
    return "\n".join(lines)


_CSS = """
:root{color-scheme:light dark;--bg:#fff;--fg:#1f2328;--muted:#59636e;--card:#f6f8fa;--line:#d1d9e0;
--code:#eaeef2;--accent:#0062a0}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--card:#151b23;
--line:#3d444d;--code:#212830;--accent:#56b4e9}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);
font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
header,main,footer{max-width:1500px;margin:0 auto;padding:0 16px}
header{padding-top:24px}
h1{font-size:1.9rem;margin:0 0 8px}
h2{font-size:1.35rem;margin:28px 0 4px;padding-top:12px;border-top:1px solid var(--line)}
a{color:var(--accent)}
.intro,.section-text{color:var(--muted);max-width:80ch;margin:4px 0 12px}
nav{display:flex;flex-wrap:wrap;gap:6px 14px;margin:12px 0}
nav a{text-decoration:none;white-space:nowrap}
nav a span{color:var(--muted);font-size:.85em}
.filter{display:none;width:100%;max-width:420px;font:inherit;padding:8px 10px;margin:8px 0 4px;
border:1px solid var(--line);border-radius:6px;background:var(--card);color:var(--fg)}
.js .filter{display:block}
.count{color:var(--muted);font-size:.9rem;min-height:1.5em}
.count:empty{min-height:0}
.note-box{border-left:4px solid var(--accent);background:var(--card);padding:8px 12px;margin:12px 0}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,380px),1fr));gap:16px;margin-top:12px}
.card{margin:0;background:var(--card);border:1px solid var(--line);border-radius:8px;overflow:hidden;
display:flex;flex-direction:column;min-width:0}
.card>a{display:block;background:#fff}
.card img{display:block;width:100%;height:auto}
figcaption{padding:10px 12px 12px;display:flex;flex-direction:column;gap:6px;min-width:0}
figcaption b{font-size:1.05rem}
figcaption p{margin:0}
.cmd{display:flex;align-items:flex-start;gap:6px;min-width:0}
pre{flex:1;min-width:0;margin:0;padding:8px 10px;background:var(--code);border-radius:6px;
white-space:pre-wrap;overflow-wrap:anywhere;font:12.5px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
button.copy{display:none;font:inherit;font-size:.8rem;padding:4px 8px;border:1px solid var(--line);
border-radius:6px;background:var(--bg);color:var(--fg);cursor:pointer}
.js button.copy{display:block}
.hidden{display:none}
footer{color:var(--muted);font-size:.9rem;margin-top:40px;padding-bottom:32px;border-top:1px solid var(--line)}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.92em}
"""

_JS = """
(function () {
  document.documentElement.classList.add("js");
  var cards = Array.prototype.slice.call(document.querySelectorAll(".card"));
  var sections = Array.prototype.slice.call(document.querySelectorAll("section"));
  var input = document.getElementById("filter");
  var count = document.getElementById("count");
  function filter() {
    var words = input.value.toLowerCase().split(/\\s+/).filter(Boolean);
    var shown = 0;
    cards.forEach(function (card) {
      var text = card.textContent.toLowerCase();
      var ok = words.every(function (w) { return text.indexOf(w) >= 0; });
      card.classList.toggle("hidden", !ok);
      if (ok) { shown += 1; }
    });
    sections.forEach(function (s) {
      s.classList.toggle("hidden", !s.querySelector(".card:not(.hidden)"));
    });
    count.textContent = words.length ? shown + " of " + cards.length + " figures" : "";
  }
  input.addEventListener("input", filter);
  function copied(button) {
    button.textContent = "Copied";
    setTimeout(function () { button.textContent = "Copy"; }, 1200);
  }
  function fallback(button, pre) {
    var range = document.createRange();
    range.selectNodeContents(pre);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
    try { if (document.execCommand("copy")) { copied(button); return; } } catch (e) { /* selected: copy by hand */ }
    button.textContent = "Selected";
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button.copy") : null;
    if (!button) { return; }
    var pre = button.parentNode.querySelector("pre");
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(pre.textContent).then(
        function () { copied(button); }, function () { fallback(button, pre); });
    } else {
      fallback(button, pre);
    }
  });
})();
"""


def page(plan: Plan, out: Output) -> str:
    """The gallery as one static page: inline CSS and script, images beside it, no network."""
    esc = html.escape
    sizes = out.sizes
    drawn = [f for f in plan.figures if f.id in sizes]
    parts = [
        "<!doctype html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta name="generator" content="{GENERATOR}">',
        '<link rel="icon" href="data:,">',  # no /favicon.ico request (a 404 on most servers)
        f"<title>{esc(plan.title)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        "<header>",
        f"<h1>{esc(plan.title)}</h1>",
    ]
    if plan.intro:
        parts.append(f'<p class="intro">{esc(" ".join(plan.intro.split()))}</p>')
    if out.skipped:
        parts.append(f'<p class="note-box">Note: {esc(skipped_text(out.skipped))}.</p>')
    parts.append("<nav>")
    for section in plan.sections:
        n = sum(1 for f in drawn if f.section == section.id)
        if n:
            parts.append(f'<a href="#{esc(section.id)}">{esc(section.title)} <span>{n}</span></a>')
    parts += [
        "</nav>",
        '<input id="filter" class="filter" type="search" placeholder="Filter: cosine, warmup, adam…" '
        'aria-label="Filter figures">',
        '<div id="count" class="count" aria-live="polite"></div>',
        "</header>",
        "<main>",
    ]
    for section in plan.sections:
        figs = [f for f in drawn if f.section == section.id]
        if not figs:
            continue
        parts.append(f'<section id="{esc(section.id)}">')
        parts.append(f"<h2>{esc(section.title)}</h2>")
        if section.text:
            parts.append(f'<p class="section-text">{esc(" ".join(section.text.split()))}</p>')
        parts.append('<div class="grid">')
        for fig in figs:
            svg, thumb = fig.files
            width, height = sizes[fig.id]
            parts += [
                f'<figure class="card" id="fig-{esc(fig.id)}">',
                f'<a href="{svg}" title="Open the SVG"><img src="{thumb}" width="{width}" height="{height}" '
                f'alt="{esc(fig.caption)}: {esc(fig.note)}"></a>',
                "<figcaption>",
                f"<b>{esc(fig.caption)}</b>",
                f"<p>{esc(fig.note)}</p>" if fig.note else "",
                f'<div class="cmd"><pre>{esc(fig.command())}</pre>'
                '<button class="copy" type="button" aria-label="Copy the command">Copy</button></div>',
                "</figcaption>",
                "</figure>",
            ]
        parts += ["</div>", "</section>"]
    parts += [
        "</main>",
        "<footer>",
        f"<p>Generated by <code>lrviz gallery</code> from <code>{esc(plan.source)}</code>. "
        f"Made with {esc(_versions_text(out.versions))}. Each command draws its figure; run it anywhere lrviz is "
        "installed. Regenerate with <code>lrviz gallery</code>; <code>lrviz gallery --check</code> names the "
        "figures that differ.</p>",
        "</footer>",
        f"<script>{_JS}</script>",
        "</body>",
        "</html>",
        "",
    ]
    return "\n".join(p for p in parts if p)


# --------------------------------------------------------------------------------------
# Comparing with a gallery on disk


def is_gallery(folder: Path) -> bool:
    """Whether ``folder`` holds a gallery lrviz made (its index.html says so)."""
    index = folder / "index.html"
    try:
        head = index.read_bytes()[:2000]
    except OSError:
        return False
    return f'<meta name="generator" content="{GENERATOR}">'.encode() in head


def owned_files(folder: Path) -> set[str]:
    """The files in ``folder`` that a gallery writes: figures, thumbnails and the two pages."""
    found = {p.name for p in folder.glob("*.svg")}
    found |= {f"thumbs/{p.name}" for p in (folder / "thumbs").glob("*.png")}
    found |= {name for name in ("README.md", "index.html") if (folder / name).is_file()}
    return found


# "Made with torch 2.13.0+cpu, matplotlib 3.11.2. " on both pages: information, not content
_STAMP = re.compile(r"Made with (.*?)\. (?=Regenerate|Each command)")


def _unstamped(data: bytes) -> bytes:
    return _STAMP.sub("Made with (versions). ", data.decode("utf-8", "replace")).encode()


def compare(folder: Path, out: Output) -> list[Problem]:
    """How the gallery in ``folder`` differs from ``out``: stale, missing and extra files.
    The pages' version stamp is not compared: a new matplotlib, numpy or transformers that
    draws the same figures leaves a gallery up to date."""
    problems = []
    for name, data in out.files.items():
        path = folder / name
        if not path.is_file():
            problems.append(Problem("missing", str(path)))
            continue
        old = path.read_bytes()
        if name in PAGES:
            old, data = _unstamped(old), _unstamped(data)
        if old != data:
            problems.append(Problem("stale", str(path)))
    for name in sorted(owned_files(folder) - set(out.files)):
        problems.append(Problem("extra", str(folder / name)))
    return problems


def figures_unchanged(folder: Path, out: Output) -> bool:
    """Whether every figure in ``out`` is already in ``folder``, byte for byte."""
    for name, data in out.figure_files.items():
        try:
            if (folder / name).read_bytes() != data:
                return False
        except OSError:
            return False
    return True


def for_folder(folder: Path, plan: Plan, out: Output) -> Output:
    """``out`` as it should be written into ``folder``: when no figure changed, the pages keep
    the versions the gallery there says its figures were made with (they still are), so a
    dependency's new release that draws the same figures rewrites nothing."""
    recorded = recorded_versions(folder)
    if recorded and figures_unchanged(folder, out):
        return stamped(plan, out, recorded)
    return out


def recorded_versions(folder: Path) -> dict[str, str]:
    """The versions a committed gallery says it was made with (from its README.md)."""
    try:
        text = (folder / "README.md").read_text(encoding="utf-8")
    except OSError:
        return {}
    match = _STAMP.search(text)
    if not match:
        return {}
    pairs = (item.strip().rsplit(" ", 1) for item in match.group(1).split(","))
    return {p[0]: p[1] for p in pairs if len(p) == 2}
