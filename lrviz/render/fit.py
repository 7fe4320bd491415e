"""Phase two of a figure: what must not cover the data, placed once matplotlib has laid the
figure out, and text fitted to the room it has.

:mod:`lrviz.render.figure` draws the data and collects, per cell (one schedule, or one
overlay), what is to be placed: the legend, ``--annotate``'s labels, a composite's segment
names and notes. :func:`place` lays the figure out and puts each where
:mod:`lrviz.render.placement` finds room (a label that finds none goes into a key beside the
legend), fits the axis labels to their panels and wraps the subtitle, round after round
until nothing moves. The text helpers measure and wrap text in points, with matplotlib's
own font metrics.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from lrviz.errors import printable

from .ticks import count_text

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from lrviz.tracing import Trace

    from .placement import Obstacles

MARK_FONTSIZE = 7.5
# Where a mark's label may go, in points from its point: nearest first. From LEADER_FROM
# on, a thin line joins label and point.
MARK_RADII = (3.0, 8.0, 15.0, 24.0, 36.0, 52.0, 72.0)
LEADER_FROM = 14.0
FARTHEST = 150.0  # points: a label this far from its point is no longer its label
PAD = 1.5  # points of room kept around every placed box
TEXT_SLACK = 1.06  # placed text is taken this much wider than measured (hinting at low dpi)

MAX_PIXELS = 80_000_000
"""The largest PNG lrviz draws (width x height in pixels: 320 MB of RGBA while drawing)."""


@dataclass(eq=False)
class Label:
    """Something to place in an LR panel once the figure is laid out: a mark's label next
    to its point, a composite's segment name, or a note."""

    text: str
    color: Any
    kind: str  # "mark", "segment" or "note"
    x: float = 0.0  # the mark's point (data), or the segment's middle
    y: float = 0.0
    span: tuple[float, float] = (0.0, 0.0)  # a segment's x range (data)
    symbol: str = ""  # the mark's marker, for the key
    fontsize: float = MARK_FONTSIZE


@dataclass
class Cell:
    """One schedule's (or one overlay's) panels, with what is placed in its LR panel."""

    panels: dict[str, Axes]
    items: list[Trace]
    legend: list[tuple[Any, str]] = field(default_factory=list)  # (handle, label) of the series
    labels: list[Label] = field(default_factory=list)
    keyed: list[Label] = field(default_factory=list)  # labels that found no room: in the key
    outside: bool = False  # the legend (with the key) stands beside the panel
    placed: list[Any] = field(default_factory=list)  # artists of the last placement
    ylabels: dict[str, str] = field(default_factory=dict)  # each panel's y label in full
    outside_texts: tuple[str, ...] = ()  # the entries of the legend outside the panel

    @property
    def lr(self) -> Axes:
        return self.panels["lr"]


# --------------------------------------------------------------------------------------
# Placing what must not cover the data, once the figure is laid out

_LEGEND_SPOTS = (
    "upper right",
    "upper left",
    "lower left",
    "lower right",
    "center right",
    "center left",
    "upper center",
    "lower center",
    "center",
)
_MAX_ROUNDS = 8


def place(fig: Figure, cells: list[Cell], subtitle: Sequence[tuple[str, str]] = ()) -> None:
    """Axis labels fitted to their panels; legends, labels and notes where they cover no
    line, marker or each other.

    Each round lays the figure out and places everything afresh. A label with no room joins
    its panel's key (legend entries under the series); a legend with no room inside its panel
    moves beside it. Both only ever grow, so the rounds end; the last round placed everything
    on the layout the figure is saved with (placed boxes take no part in the layout)."""
    anything = any(c.legend or c.labels for c in cells)
    refits = 3  # fitting texts to a new layout changes the layout a little: a few times at most
    with _layout_dpi(fig):
        for _ in range(_MAX_ROUNDS):
            _lay_out(fig)
            if refits and _fit_axis_labels(fig, cells) | _fit_subtitle(fig, subtitle):
                refits -= 1
                continue  # laid out again before anything is placed
            changed = False
            for cell in cells if anything else []:
                changed |= _place_cell(fig, cell)
            if not changed:
                return


def _lay_out(fig: Figure) -> None:
    """Where everything goes, as the saved figure will have it: the layout engine's pass
    (text measured, panels positioned), without drawing every artist as a full draw would."""
    engine = fig.get_layout_engine()
    if engine is None:
        fig.draw_without_rendering()
    else:
        engine.execute(fig)


@contextmanager
def layout_pass_only(fig: Figure) -> Iterator[None]:
    """``savefig`` lays out a figure that has a layout engine by drawing it once with the
    renderer's drawing turned off (the engine runs at the output's resolution), then draws it
    for real with the engine off. Only the layout of that first draw is kept, so here it runs
    the engine alone: the same bytes, about a third less time for each file. A renderer that
    is not switched off in matplotlib's way is drawn to as usual."""
    from matplotlib.backend_bases import RendererBase

    full_draw = type(fig).draw

    def draw(renderer: Any) -> None:
        switched_off = getattr(getattr(renderer, "draw_path", None), "__wrapped__", None) is RendererBase.draw_path
        engine = fig.get_layout_engine()
        if not (switched_off and engine is not None and fig.get_visible()):
            full_draw(fig, renderer)
            return
        if fig.axes:
            with suppress(ValueError):  # as Figure.draw: raised when a window is resized
                engine.execute(fig)
        fig.stale = False

    fig.draw = draw  # type: ignore[method-assign]
    try:
        yield
    finally:
        del fig.draw


@contextmanager
def _layout_dpi(fig: Figure) -> Iterator[None]:
    """Laying a figure out draws it into a pixel buffer of its full size: one too big to
    draw (an SVG of 100x100 in at 1200 dpi needs no pixels, a PNG that big is refused when
    saved) is laid out at the largest resolution that can be, which places everything in
    points as at its own."""
    dpi = fig.dpi
    width, height = fig.get_size_inches()
    most = math.sqrt(MAX_PIXELS / max(float(width * height), 1e-9))
    if dpi <= most:
        yield
        return
    fig.set_dpi(most)
    try:
        yield
    finally:
        fig.set_dpi(dpi)


def _fit_subtitle(fig: Figure, atoms: Sequence[tuple[str, str]]) -> bool:
    """The subtitle (centred on the LR panel, not on the figure) wrapped again, narrower,
    when a line reaches past the figure's edge. True when it changed."""
    if not atoms:
        return False
    title = fig.axes[0].title
    box = title.get_window_extent(fig._get_renderer())  # type: ignore[attr-defined]
    middle = (box.x0 + box.x1) / 2
    room = 2 * min(middle, fig.bbox.width - middle) * 0.97
    if box.width <= room:
        return False
    title.set_text(wrap_atoms(atoms, float(title.get_fontsize()), room * 72 / fig.dpi))
    return True


def _fit_axis_labels(fig: Figure, cells: list[Cell]) -> bool:
    """Y labels no taller than their panels (wrapped onto two lines, or shortened), so labels
    of neighbouring panels never meet. True when one changed."""
    renderer = fig._get_renderer()  # type: ignore[attr-defined]
    changed = False
    for cell in cells:
        for name, ax in cell.panels.items():
            label = ax.yaxis.label
            full = cell.ylabels.setdefault(name, label.get_text())
            if not full:
                continue
            room = ax.bbox.height * 0.98
            before = label.get_text()
            for candidate in (full, *_shorter(full)):
                label.set_text(candidate)
                if label.get_window_extent(renderer).height <= room:
                    break
            changed |= label.get_text() != before
    return changed


_SHORT_LABELS = {"learning rate": "LR", "momentum": "mom.", "β₁ (beta1)": "β₁", "momentum / β₁": "mom./β₁"}


def _shorter(text: str) -> Iterator[str]:
    """Ever shorter forms of an axis label: on two lines, its abbreviation, then cut with an ellipsis."""
    breaks = [i for i, c in enumerate(text) if c in " :"]
    if breaks:
        middle = min(breaks, key=lambda i: abs(i - len(text) / 2))
        keep = text[middle] == ":"
        yield text[: middle + keep].rstrip() + "\n" + text[middle + 1 :].lstrip()
    if text in _SHORT_LABELS:
        yield _SHORT_LABELS[text]
    for n in range(len(text) - 1, 2, -1):
        yield text[: n - 1].rstrip() + "…"


def _place_cell(fig: Figure, cell: Cell) -> bool:
    """Place one cell's legend, notes and labels; True when its key or legend had to grow
    or move (the figure must be laid out and placed again)."""
    from . import placement

    for artist in cell.placed:
        artist.remove()
    cell.placed = []
    ax = cell.lr
    px = fig.dpi / 72.0
    pad = PAD * px
    free = placement.obstacles(ax, margin=2 * px)
    changed = False
    todo = [label for label in cell.labels if label not in cell.keyed]
    # segment names and notes first: they have few places to go
    for label in [lb for lb in todo if lb.kind != "mark"]:
        if not _place_floating(ax, label, free, pad, cell):
            cell.keyed.append(label)
            changed = True
    if cell.legend or cell.keyed:
        changed |= _place_legend(fig, cell, free, pad)
    for label in [lb for lb in todo if lb.kind == "mark"]:
        if not _place_mark(ax, label, free, pad, cell):
            cell.keyed.append(label)
            changed = True
    return changed


def _text_size(ax: Axes, text: str, fontsize: float) -> tuple[float, float]:
    """(width, height) in pixels of ``text`` as matplotlib lays it out, with some room to
    spare: glyphs are hinted to whole pixels, so text is a little wider at a thumbnail's dpi."""
    from matplotlib.text import Text

    probe = Text(0, 0, text, fontsize=fontsize, figure=ax.figure)
    box = probe.get_window_extent(ax.figure._get_renderer())  # type: ignore[union-attr]
    return float(box.width) * TEXT_SLACK, float(box.height)


def _place_mark(ax: Axes, label: Label, free: Obstacles, pad: float, cell: Cell) -> bool:
    from . import placement

    x, y = ax.transData.transform((label.x, label.y))
    area = free.area
    fx = (x - area.x0) / ((area.x1 - area.x0) or 1.0)
    fy = (y - area.y0) / ((area.y1 - area.y0) or 1.0)
    px = ax.get_figure(root=True).dpi / 72.0  # type: ignore[union-attr]
    spot = placement.find_spot(
        free,
        x,
        y,
        _text_size(ax, label.text, label.fontsize),
        [r * px for r in MARK_RADII],
        _directions(fx, fy),
        pad,
        LEADER_FROM * px,
    )
    if spot is None:
        spot = placement.find_spot_farther(
            free, x, y, _text_size(ax, label.text, label.fontsize), pad, 6 * px, FARTHEST * px
        )
    if spot is None:
        return False
    arrow = None
    if spot.leader:
        arrow = {"arrowstyle": "-", "color": label.color, "linewidth": 0.6, "alpha": 0.8, "shrinkA": 0, "shrinkB": 3}
    text = ax.annotate(
        label.text,
        (label.x, label.y),
        xytext=(spot.dx / px, spot.dy / px),
        textcoords="offset points",
        fontsize=label.fontsize,
        color=label.color,
        ha=spot.ha,
        va=spot.va,
        zorder=6,
        arrowprops=arrow,
        annotation_clip=False,
    )
    text.set_in_layout(False)
    cell.placed.append(text)
    free.add(spot.box, (x, y, *spot.box.center) if spot.leader else None)
    return True


def _directions(fx: float, fy: float) -> list[str]:
    """Directions from a point to its label, those towards the middle of the panel first."""
    v = "S" if fy > 0.5 else "N"
    w = "N" if v == "S" else "S"
    h = "W" if fx > 0.5 else "E"
    a = "E" if h == "W" else "W"
    return [v + h, v, h, v + a, w + h, w, a, w + a]


def _place_floating(ax: Axes, label: Label, free: Obstacles, pad: float, cell: Cell) -> bool:
    """A segment's name inside its x range, at the top of the panel or else at the bottom;
    a note in a corner, on one line or else on a few."""
    from . import placement

    area = free.area
    variants = [label.text]
    if label.kind == "note":
        dpi = ax.get_figure(root=True).dpi  # type: ignore[union-attr]
        variants.append(wrap_words(label.text, label.fontsize, (area.x1 - area.x0) * 72 / dpi * 0.5))
    for text in variants:
        width, height = _text_size(ax, text, label.fontsize)
        for x, y, ha, va in _floating_spots(ax, label, area, width, pad):
            box = placement.box_at(x, y, width, height, ha, va)
            if free.free(box, pad):
                ax_x, ax_y = ax.transAxes.inverted().transform((x, y))
                artist = ax.text(
                    ax_x, ax_y, text, transform=ax.transAxes, ha=ha, va=va, fontsize=label.fontsize, color=label.color
                )
                artist.set_in_layout(False)
                cell.placed.append(artist)
                free.add(box)
                return True
    return False


def _floating_spots(ax: Axes, label: Label, area: Any, width: float, pad: float) -> list[tuple[float, float, str, str]]:
    """Candidate anchors (x, y in pixels, ha, va) of a segment's name or of a note."""
    out: list[tuple[float, float, str, str]] = []
    rows = ((area.y1 - pad, "top"), (area.y0 + pad, "bottom"))
    if label.kind == "segment":
        left = float(ax.transData.transform((label.span[0], 0))[0])
        right = float(ax.transData.transform((label.span[1], 0))[0])
        xs = [(left + right) / 2, left + width / 2 + pad, right - width / 2 - pad]
        xs += [left + (right - left) * f for f in (0.25, 0.75)]
        for y, va in rows:
            out += [(x, y, "center", va) for x in xs if left <= x - width / 2 and x + width / 2 <= right + pad]
        return out
    for y, va in rows:
        for x, ha in ((area.x1 - pad, "right"), (area.x0 + pad, "left"), ((area.x0 + area.x1) / 2, "center")):
            out.append((x, y, ha, va))
    return out


def _key_entry(label: Label) -> tuple[Any, str]:
    """A label with no room as a legend entry: its marker (none for a note) and its text."""
    from matplotlib.lines import Line2D

    if label.kind == "mark":
        handle = Line2D([], [], marker=label.symbol, color=label.color, linestyle="none", markersize=5)
        return handle, label.text
    handle = Line2D([], [], linestyle="none")
    if label.kind == "segment":
        low, high = label.span
        return handle, f"{label.text}: {count_text(low, 1)}–{count_text(high, 1)}"
    return handle, label.text


def _color_key(legend: Any, keyed: Sequence[Label], first: int) -> None:
    """The key's entries (after the series') in the colours of what they name."""
    for text, label in zip(legend.get_texts()[first:], keyed, strict=True):
        text.set_color(label.color)


def _place_legend(fig: Figure, cell: Cell, free: Obstacles, pad: float) -> bool:
    """The series legend (and the key) at the first corner or side of the panel where it
    covers nothing, else outside the panel: beside it when it is narrow enough, under the
    whole figure (or grid cell) when not. True when it had to move out."""
    from .placement import Box

    ax = cell.lr
    renderer = fig._get_renderer()  # type: ignore[attr-defined]
    keyed = sorted(cell.keyed, key=cell.labels.index)  # in the order of the labels, not of the failures
    entries = list(cell.legend) + [_key_entry(label) for label in keyed]
    handles = [h for h, _ in entries]
    container = ax.get_figure(root=False)
    assert container is not None
    room_pt = container.bbox.width * 72 / fig.dpi
    moved = False
    if not cell.outside:
        texts = [wrap_words(text, 9, max(120.0, ax.bbox.width * 72 / fig.dpi * 0.45)) for _, text in entries]
        legend = ax.legend(handles, texts)
        legend.set_in_layout(False)
        for spot in _LEGEND_SPOTS:
            legend.set_loc(cast(Any, spot))
            box = Box.of(legend.get_window_extent(renderer))
            if free.free(box, pad):
                _color_key(legend, keyed, len(cell.legend))
                cell.placed.append(legend)
                free.add(box)
                return False
        legend.remove()
        cell.outside = moved = True
    # beside the panel when it is narrow enough as it is, else under the whole figure (or
    # grid cell), where labels wrap only if wider than the figure
    texts = [text for _, text in entries]
    legend = ax.legend(handles, texts, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    if legend.get_window_extent(renderer).width > container.bbox.width * 0.32:
        legend.remove()
        texts = [wrap_words(text, 9, room_pt * 0.9) for text in texts]
        for ncols in range(min(3, len(entries)), 0, -1):
            legend = container.legend(handles, texts, loc="outside lower center", ncols=ncols)
            if ncols == 1 or legend.get_window_extent(renderer).width <= container.bbox.width * 0.95:
                break
            legend.remove()
    _color_key(legend, keyed, len(cell.legend))
    cell.placed.append(legend)
    # beside or under the panel the legend takes part in the layout: when its entries
    # changed, the layout just used is not the one the figure will have
    shown = tuple(texts)
    moved |= shown != cell.outside_texts
    cell.outside_texts = shown
    return moved


# --------------------------------------------------------------------------------------
# Titles


def _text_width(text: str, fontsize: float, bold: bool = False) -> float:
    """The width of one line of ``text`` in points."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import text_to_path

    prop = FontProperties(size=fontsize, weight="bold" if bold else "normal")
    text = printable(text, keep="\n")  # as drawn (see _drawable_text)
    return max(
        (float(text_to_path.get_text_width_height_descent(line, prop, ismath=False)[0]) for line in text.split("\n")),
        default=0.0,
    )


def wrap_atoms(atoms: Sequence[tuple[str, str]], fontsize: float, width_pt: float, bold: bool = False) -> str:
    """Atoms joined by their separators, a line broken before an atom that would overflow
    (its separator dropped there). An atom is never split. Control characters come out as
    their escapes (text from data: no font has a glyph for ESC)."""
    atoms = [(sep, printable(atom)) for sep, atom in atoms]
    lines: list[str] = []
    line = ""
    for sep, atom in atoms:
        candidate = f"{line}{sep}{atom}" if line else atom
        if line and _text_width(candidate, fontsize, bold) > width_pt:
            lines.append(line)
            line = atom
        else:
            line = candidate
    if line:
        lines.append(line)
    return "\n".join(lines)


def wrap_words(text: str, fontsize: float, width_pt: float, bold: bool = False) -> str:
    words = text.split(" ")
    return wrap_atoms([(" " if i else "", w) for i, w in enumerate(words)], fontsize, width_pt, bold)


def spec_atoms(text: str) -> list[tuple[str, str]]:
    """A spec's text cut after each ``", "``: lines break between arguments, never inside
    ``momentum=0.9`` or a number like ``1,000``."""
    pieces = text.split(", ")
    return [("" if i == 0 else " ", p + ("," if i < len(pieces) - 1 else "")) for i, p in enumerate(pieces)]


def fit_text(text: str, fontsize: float, where: Any, lines: int = 1, bold: bool = False) -> str:
    """``text`` wrapped between words to the width of ``where`` (a figure or subfigure) on
    at most ``lines`` lines, the last cut with an ellipsis when it still does not fit."""
    width_pt = _width_of(where) * 0.96
    wrapped = wrap_words(text, fontsize, width_pt, bold).split("\n")
    if len(wrapped) > lines:
        wrapped = wrapped[: lines - 1] + [" ".join(wrapped[lines - 1 :])]
    last = wrapped[-1]
    while len(last) > 4 and _text_width(last, fontsize, bold) > width_pt:
        last = last[:-2].rstrip() + "…"
        last = last.replace("……", "…")
    wrapped[-1] = last
    return "\n".join(wrapped)


def _width_of(where: Any) -> float:
    """The width in points of a figure or of a subfigure."""
    root = where.get_figure(root=True)
    return float(where.bbox.width * 72 / root.dpi)


def math_error(text: str) -> str | None:
    """Why matplotlib cannot draw ``text``'s ``$...$`` math, or None when it can (or it
    has none)."""
    from matplotlib import cbook

    if "$" not in text or not cbook.is_math_text(text):
        return None
    from matplotlib.mathtext import MathTextParser

    try:
        MathTextParser("path").parse(text)
    except ValueError as exc:
        lines = [line for line in str(exc).splitlines() if line.strip()]
        found = re.search(r"Exception: (.*?)(?:, found .*|\s+\(at char.*)?$", lines[-1] if lines else "")
        reason = found.group(1) if found else ""
        return reason if reason and len(reason) <= 80 else "it does not parse"
    return None


def drawable_text(fig: Figure) -> None:
    """Text that came from data (a label, a metric's name, a warning) is drawn as written:
    control characters as their escapes (no font has a glyph for ESC), and math that
    matplotlib cannot parse with its dollar signs escaped."""
    from matplotlib.text import Text

    for artist in fig.findobj(Text):
        text = artist.get_text()
        shown = printable(text, keep="\n")
        if "$" in shown and math_error(shown):
            shown = re.sub(r"(?<!\\)\$", r"\\$", shown)
        if shown != text:
            artist.set_text(shown)
