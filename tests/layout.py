"""A layout check for matplotlib figures: what a reader would call a collision, measured.

:func:`defects` lays a figure out and draws it without rendering, then measures, in display
pixels, every text a reader sees (titles, subtitles, tick labels that are drawn, axis
labels, offset texts such as ``×10⁻⁴``, annotations, notes, legend boxes) and every plotted
line's drawn path (its step form included, clipped where it is clipped, markers as little
squares), and reports:

- ``outside``: a text that reaches past the figure's canvas (it is cut off);
- ``overlap``: two texts whose boxes overlap;
- ``crossed``: a text or legend box that a plotted line (or an axes' spine, or a label's
  leader line) passes through, or that covers one of its markers.

Boxes are shrunk by :data:`SHRINK_PT` on each side first, so texts that merely touch (the
box of a glyph run includes a little air) are not reported. Segment-box tests are exact
(Liang-Barsky clipping, vectorised over every segment of a line), so a sweep over the
whole gallery, envelopes of a million steps included, takes a few seconds.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

SHRINK_PT = 1.0
"""Each box loses this much (in points) on every side before boxes are compared."""

OUTSIDE_TOLERANCE_PX = 0.5


@dataclass(frozen=True)
class Box:
    what: str
    x0: float
    y0: float
    x1: float
    y1: float
    owner: Any = None  # the artist, so that a text is never tested against its own leader line

    def shrunk(self, d: float) -> Box:
        return Box(self.what, self.x0 + d, self.y0 + d, self.x1 - d, self.y1 - d, self.owner)

    @property
    def empty(self) -> bool:
        return self.x1 <= self.x0 or self.y1 <= self.y0


@dataclass(frozen=True)
class Stroke:
    """A drawn line: its segments in display pixels, where it is clipped, and its markers."""

    what: str
    segments: np.ndarray  # (n, 4): x0, y0, x1, y1
    clip: tuple[float, float, float, float] | None
    markers: np.ndarray  # (m, 2) centres
    marker_half: float
    owner: Any = None


def _short(text: str) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _box(what: str, bbox: Any, owner: Any = None) -> Box:
    return Box(what, float(bbox.x0), float(bbox.y0), float(bbox.x1), float(bbox.y1), owner)


def _visible_children(artist: Any) -> Iterator[Any]:
    """Every visible artist under ``artist`` (an invisible parent hides its children), with
    an axis reduced to what it draws: its label, its offset text and its drawn tick labels."""
    from matplotlib.axis import Axis

    if not artist.get_visible():
        return
    yield artist
    if isinstance(artist, Axis):
        yield from (a for a in (artist.label, artist.offsetText) if a.get_visible())
        for tick in artist._update_ticks():  # the ticks inside the view: those drawn
            for label in (tick.label1, tick.label2):
                if label.get_visible() and tick.get_visible():
                    yield label
        return
    for child in artist.get_children():
        yield from _visible_children(child)


def _text_kind(text: Any, fig: Any) -> str:
    from matplotlib.text import Annotation

    parent = text.axes
    if isinstance(text, Annotation):
        return "annotation"
    for ax in fig.get_axes():
        if text in (ax.title, ax._left_title, ax._right_title):
            return "axes title"
        if text is ax.xaxis.label or text is ax.yaxis.label:
            return "axis label"
        if text is ax.xaxis.offsetText or text is ax.yaxis.offsetText:
            return "offset text"
        for axis, name in ((ax.xaxis, "x"), (ax.yaxis, "y")):
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                if text is tick.label1 or text is tick.label2:
                    return f"{name} tick label"
    if parent is None:
        return "figure text"
    return "text"


def measure(fig: Any) -> tuple[list[Box], list[Stroke], tuple[float, float]]:
    """(texts and legend boxes, strokes, canvas size in pixels) of a laid-out figure."""
    from matplotlib.legend import Legend
    from matplotlib.lines import Line2D
    from matplotlib.spines import Spine
    from matplotlib.text import Annotation, Text

    fig.draw_without_rendering()
    renderer = fig._get_renderer()
    texts: list[Box] = []
    strokes: list[Stroke] = []
    px_per_pt = fig.dpi / 72.0
    in_legend: set[int] = set()
    artists = list(_visible_children(fig))
    for artist in artists:
        if isinstance(artist, Legend):
            texts.append(_box("legend", artist.get_window_extent(renderer), artist))
            in_legend.update(id(a) for a in _visible_children(artist) if a is not artist)
    for artist in artists:
        if id(artist) in in_legend:
            continue
        if isinstance(artist, Text):
            if not artist.get_text().strip():
                continue
            if isinstance(artist, Annotation) and not artist._check_xy(renderer):
                continue
            if isinstance(artist, Annotation):
                artist.update_positions(renderer)
            bbox = Text.get_window_extent(artist, renderer)
            patch = artist.get_bbox_patch()
            if patch is not None:
                artist.update_bbox_position_size(renderer)
                from matplotlib.transforms import Bbox

                bbox = Bbox.union([bbox, patch.get_window_extent(renderer)])
            what = f"{_text_kind(artist, fig)} {_short(artist.get_text())}"
            texts.append(_box(what, bbox, artist))
            if isinstance(artist, Annotation) and artist.arrow_patch is not None:
                path = artist.arrow_patch.get_path()  # already in display coordinates
                strokes.append(_stroke(f"leader of {what}", path.vertices, None, np.empty((0, 2)), 0.0, artist))
        elif isinstance(artist, Line2D) and artist.axes is not None:
            strokes.append(_line_stroke(artist, px_per_pt))
        elif isinstance(artist, Spine):
            path = artist.get_transform().transform_path(artist.get_path())
            strokes.append(
                _stroke(f"the {artist.spine_type} spine", path.vertices, None, np.empty((0, 2)), 0.0, artist)
            )
    return texts, strokes, (float(fig.bbox.width), float(fig.bbox.height))


def _line_stroke(line: Any, px_per_pt: float) -> Stroke:
    label = line.get_label()
    what = f"line {_short(label)}" if label and not label.startswith("_") else "a plotted line"
    transform = line.get_transform()
    vertices = np.empty((0, 2))
    if line.get_linestyle() not in ("None", "none", "", " ") and line.get_linewidth() > 0:
        vertices = transform.transform_path(line.get_path()).vertices
    clip = None
    if line.get_clip_on() and line.get_clip_box() is not None:
        b = line.get_clip_box()
        clip = (float(b.x0), float(b.y0), float(b.x1), float(b.y1))
    markers = np.empty((0, 2))
    half = 0.0
    if line.get_marker() not in (None, "None", "none", "", " ") and line.get_markersize() > 0:
        markers = _marker_points(line)
        half = line.get_markersize() * px_per_pt / 2
    return _stroke(what, vertices, clip, markers, half, line)


def _marker_points(line: Any) -> np.ndarray:
    """Where matplotlib draws the line's markers: at its data points (whatever the drawstyle),
    every one or the ``markevery`` subset, in display pixels."""
    from matplotlib.lines import _mark_every_path
    from matplotlib.path import Path

    xy = np.column_stack([np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float)])
    if not len(xy):
        return np.empty((0, 2))
    transform = line.get_transform()
    points = Path(transform.transform_non_affine(xy))
    affine = transform.get_affine()
    every = line.get_markevery()
    if every is not None:
        points = _mark_every_path(every, points, affine, line.axes)
    return affine.transform(points.vertices)


def _stroke(what: str, vertices: np.ndarray, clip: Any, markers: np.ndarray, half: float, owner: Any) -> Stroke:
    v = np.asarray(vertices, dtype=float)
    if len(v) >= 2:
        seg = np.column_stack([v[:-1], v[1:]])
        seg = seg[np.isfinite(seg).all(axis=1)]  # a NaN breaks the line there
    else:
        seg = np.empty((0, 4))
    m = np.asarray(markers, dtype=float).reshape(-1, 2)
    m = m[np.isfinite(m).all(axis=1)]
    if clip is not None and len(m):
        x0, y0, x1, y1 = clip
        m = m[(m[:, 0] >= x0) & (m[:, 0] <= x1) & (m[:, 1] >= y0) & (m[:, 1] <= y1)]
    return Stroke(what, seg, clip, m, half, owner)


def segments_hit(seg: np.ndarray, box: Box) -> bool:
    """Whether any segment (rows of x0, y0, x1, y1) meets the closed box (Liang-Barsky)."""
    if box.empty or not len(seg):
        return False
    x0, y0, x1, y1 = seg.T
    # cheap rejection first: segments whose bounding box misses the box
    near = (
        (np.maximum(x0, x1) >= box.x0)
        & (np.minimum(x0, x1) <= box.x1)
        & (np.maximum(y0, y1) >= box.y0)
        & (np.minimum(y0, y1) <= box.y1)
    )
    if not near.any():
        return False
    x0, y0, x1, y1 = x0[near], y0[near], x1[near], y1[near]
    dx, dy = x1 - x0, y1 - y0
    t0 = np.zeros_like(x0)
    t1 = np.ones_like(x0)
    ok = np.ones_like(x0, dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        for p, q in ((-dx, x0 - box.x0), (dx, box.x1 - x0), (-dy, y0 - box.y0), (dy, box.y1 - y0)):
            parallel = p == 0
            ok &= ~(parallel & (q < 0))
            r = q / p
            t0 = np.where(~parallel & (p < 0), np.maximum(t0, r), t0)
            t1 = np.where(~parallel & (p > 0), np.minimum(t1, r), t1)
    return bool(np.any(ok & (t0 <= t1)))


def _intersect(box: Box, clip: tuple[float, float, float, float] | None) -> Box:
    if clip is None:
        return box
    return Box(box.what, max(box.x0, clip[0]), max(box.y0, clip[1]), min(box.x1, clip[2]), min(box.y1, clip[3]))


def _overlap(a: Box, b: Box) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


def defects(fig: Any, shrink_pt: float = SHRINK_PT, dpi: float | None = None) -> list[str]:
    """Every layout defect of ``fig``, one line each (see the module's docstring), as it is
    drawn at its own dpi or at ``dpi`` (a thumbnail's: text does not scale exactly)."""
    if dpi is not None and dpi != fig.dpi:
        saved = fig.dpi
        fig.set_dpi(dpi)
        try:
            return defects(fig, shrink_pt)
        finally:
            fig.set_dpi(saved)
    texts, strokes, (width, height) = measure(fig)
    shrink = shrink_pt * fig.dpi / 72.0
    out: list[str] = []
    tol = OUTSIDE_TOLERANCE_PX
    for t in texts:
        if t.x0 < -tol or t.y0 < -tol or t.x1 > width + tol or t.y1 > height + tol:
            out.append(
                f"outside: {t.what} at ({t.x0:.0f}, {t.y0:.0f})-({t.x1:.0f}, {t.y1:.0f}) "
                f"on a {width:.0f}x{height:.0f} canvas"
            )
    small = [t.shrunk(shrink) for t in texts]
    for i, a in enumerate(small):
        for b in small[i + 1 :]:
            if not a.empty and not b.empty and _overlap(a, b):
                out.append(f"overlap: {a.what} and {b.what}")
    for t in small:
        if t.empty:
            continue
        for s in strokes:
            if s.owner is t.owner:
                continue
            box = _intersect(t, s.clip)
            if box.empty:
                continue
            if segments_hit(s.segments, box):
                out.append(f"crossed: {t.what} by {s.what}")
                continue
            if len(s.markers):
                m = s.markers
                h = s.marker_half
                hit = (m[:, 0] + h > box.x0) & (m[:, 0] - h < box.x1) & (m[:, 1] + h > box.y0) & (m[:, 1] - h < box.y1)
                if hit.any():
                    out.append(f"crossed: {t.what} covers a marker of {s.what}")
    return out


def legend_of(fig: Any) -> Any:
    """An overlay's legend, wherever lrviz put it: in or beside its LR panel, or under the figure."""
    found = fig.axes[0].get_legend()
    if found is None and fig.legends:
        (found,) = fig.legends
    assert found is not None, "the figure has no legend"
    return found
