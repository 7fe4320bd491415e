"""Where a label, a note or a legend has room: geometry in display pixels after layout.

A laid-out axes is read as obstacles (every drawn line as its segments, every marker as a
small square, the boxes already placed); a label then takes the first candidate position,
nearest first, whose box stays inside the axes and meets none of them. The figure module
decides what to place and what to do when nothing fits (collect it in a key); this module
only answers "is this box free?" and "which of these boxes is free?".

Segment-box tests are exact (Liang-Barsky clipping, vectorised with numpy over every
segment of a line), so the envelope of a million-step line costs a few milliseconds.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    from matplotlib.axes import Axes


@dataclass(frozen=True)
class Box:
    """An axis-aligned box in display pixels."""

    x0: float
    y0: float
    x1: float
    y1: float

    def grown(self, d: float) -> Box:
        return Box(self.x0 - d, self.y0 - d, self.x1 + d, self.y1 + d)

    def overlaps(self, other: Box) -> bool:
        return self.x0 < other.x1 and other.x0 < self.x1 and self.y0 < other.y1 and other.y0 < self.y1

    def inside(self, other: Box) -> bool:
        return self.x0 >= other.x0 and self.y0 >= other.y0 and self.x1 <= other.x1 and self.y1 <= other.y1

    @property
    def center(self) -> tuple[float, float]:
        return (self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2

    @staticmethod
    def of(bbox: Any) -> Box:
        return Box(float(bbox.x0), float(bbox.y0), float(bbox.x1), float(bbox.y1))


def segments_hit(seg: np.ndarray, box: Box) -> bool:
    """Whether any of the segments (rows of x0, y0, x1, y1) meets the closed box."""
    import numpy as np

    if not len(seg) or box.x1 < box.x0 or box.y1 < box.y0:
        return False
    x0, y0, x1, y1 = seg[:, 0], seg[:, 1], seg[:, 2], seg[:, 3]
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
    ok = np.ones(len(x0), dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        for p, q in ((-dx, x0 - box.x0), (dx, box.x1 - x0), (-dy, y0 - box.y0), (dy, box.y1 - y0)):
            parallel = p == 0
            ok &= ~(parallel & (q < 0))
            r = q / p
            t0 = np.where(~parallel & (p < 0), np.maximum(t0, r), t0)
            t1 = np.where(~parallel & (p > 0), np.minimum(t1, r), t1)
    return bool(np.any(ok & (t0 <= t1)))


def line_segments(line: Any) -> np.ndarray:
    """A Line2D's drawn path (its step form included) as segments in display pixels, NaN gaps dropped."""
    import numpy as np

    if line.get_linestyle() in ("None", "none", "", " ") or line.get_linewidth() <= 0:
        return np.empty((0, 4))
    v = line.get_transform().transform_path(line.get_path()).vertices
    if len(v) < 2:
        return np.empty((0, 4))
    seg = np.column_stack([v[:-1], v[1:]])
    out: np.ndarray = seg[np.isfinite(seg).all(axis=1)]
    return out


def marker_points(line: Any) -> np.ndarray:
    """Where a Line2D draws its markers (every point, or its markevery subset), in display pixels."""
    import numpy as np
    from matplotlib import lines
    from matplotlib.path import Path

    if line.get_marker() in (None, "None", "none", "", " ") or line.get_markersize() <= 0:
        return np.empty((0, 2))
    xy = np.column_stack([np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float)])
    if not len(xy):
        return np.empty((0, 2))
    transform = line.get_transform()
    points = Path(transform.transform_non_affine(xy))
    affine = transform.get_affine()
    every = line.get_markevery()
    if every is not None:
        # matplotlib's own choice of the points that get a marker
        points = lines._mark_every_path(every, points, affine, line.axes)  # type: ignore[attr-defined]
    shown = affine.transform(points.vertices)
    out: np.ndarray = shown[np.isfinite(shown).all(axis=1)]
    return out


@dataclass
class Obstacles:
    """What a box placed in one axes must keep clear of."""

    area: Box  # the axes, less a margin: boxes stay inside it
    segments: np.ndarray
    markers: np.ndarray  # (n, 4) boxes: x0, y0, x1, y1
    boxes: list[Box] = field(default_factory=list)
    leaders: list[tuple[float, float, float, float]] = field(default_factory=list)

    def free(self, box: Box, pad: float = 0.0) -> bool:
        import numpy as np

        grown = box.grown(pad)
        if not grown.inside(self.area):
            return False
        if any(grown.overlaps(b) for b in self.boxes):
            return False
        if self.leaders and segments_hit(np.asarray(self.leaders, dtype=float), grown):
            return False
        if len(self.markers):
            m = self.markers
            hit = (m[:, 2] > grown.x0) & (m[:, 0] < grown.x1) & (m[:, 3] > grown.y0) & (m[:, 1] < grown.y1)
            if hit.any():
                return False
        return not segments_hit(self.segments, grown)

    def leader_free(self, x0: float, y0: float, x1: float, y1: float) -> bool:
        """Whether a leader line from (x0, y0) to (x1, y1) misses every placed box."""
        import numpy as np

        seg = np.array([[x0, y0, x1, y1]], dtype=float)
        return not any(segments_hit(seg, b) for b in self.boxes)

    def add(self, box: Box, leader: tuple[float, float, float, float] | None = None) -> None:
        self.boxes.append(box)
        if leader is not None:
            self.leaders.append(leader)


def obstacles(ax: Axes, margin: float, lines: Iterable[Any] | None = None) -> Obstacles:
    """The obstacles of a laid-out axes: its lines (or ``lines``) and their markers."""
    import numpy as np

    px_per_pt = ax.get_figure(root=True).dpi / 72.0  # type: ignore[union-attr]
    segs = []
    marks = []
    for line in ax.get_lines() if lines is None else lines:
        if not line.get_visible():
            continue
        segs.append(line_segments(line))
        points = marker_points(line)
        if len(points):
            half = line.get_markersize() * px_per_pt / 2
            marks.append(np.column_stack([points - half, points + half]))
    area = Box.of(ax.bbox).grown(-margin)
    return Obstacles(
        area=area,
        segments=np.concatenate(segs) if segs else np.empty((0, 4)),
        markers=np.concatenate(marks) if marks else np.empty((0, 4)),
    )


# Directions from a point to a label's nearest corner or edge: (dx, dy, ha, va).
DIRECTIONS: dict[str, tuple[int, int, str, str]] = {
    "N": (0, 1, "center", "bottom"),
    "NE": (1, 1, "left", "bottom"),
    "E": (1, 0, "left", "center"),
    "SE": (1, -1, "left", "top"),
    "S": (0, -1, "center", "top"),
    "SW": (-1, -1, "right", "top"),
    "W": (-1, 0, "right", "center"),
    "NW": (-1, 1, "right", "bottom"),
}


def box_at(x: float, y: float, width: float, height: float, ha: str, va: str) -> Box:
    """The box of a ``width`` x ``height`` text aligned (ha, va) at (x, y)."""
    left = x - {"left": 0.0, "center": 0.5, "right": 1.0}[ha] * width
    bottom = y - {"bottom": 0.0, "center": 0.5, "top": 1.0}[va] * height
    return Box(left, bottom, left + width, bottom + height)


@dataclass(frozen=True)
class Spot:
    """A free position for a label: its box, its offset from the point (pixels), its alignment."""

    box: Box
    dx: float
    dy: float
    ha: str
    va: str
    leader: bool


def find_spot(
    free: Obstacles,
    x: float,
    y: float,
    size: tuple[float, float],
    radii: Sequence[float],
    directions: Sequence[str],
    pad: float,
    leader_from: float,
) -> Spot | None:
    """The nearest free position for a ``size`` label around the point (x, y): each radius
    (pixels) in turn, each direction in the order given. Beyond ``leader_from`` a leader
    line joins label and point; it must miss every placed box too."""
    width, height = size
    diagonal = 0.7071
    for r in radii:
        for name in directions:
            ux, uy, ha, va = DIRECTIONS[name]
            scale = diagonal if ux and uy else 1.0
            dx, dy = ux * r * scale, uy * r * scale
            box = box_at(x + dx, y + dy, width, height, ha, va)
            if not free.free(box, pad):
                continue
            leader = r >= leader_from
            if leader:
                cx, cy = box.center
                if not free.leader_free(x, y, cx, cy):
                    continue
            return Spot(box, dx, dy, ha, va, leader)
    return None


def find_spot_farther(
    free: Obstacles,
    x: float,
    y: float,
    size: tuple[float, float],
    pad: float,
    step: float,
    reach: float,
) -> Spot | None:
    """The free position nearest to the point (x, y) among boxes centred on a grid of
    ``step`` pixels within ``reach`` of it, joined to the point by a leader line: for a
    point whose neighbourhood is full of lines."""
    width, height = size
    n = int(reach // step)
    centres = [(x + i * step, y + j * step) for i in range(-n, n + 1) for j in range(-n, n + 1)]

    def distance(c: tuple[float, float]) -> float:
        # from the point to the box's nearest edge
        gx = max(abs(c[0] - x) - width / 2, 0.0)
        gy = max(abs(c[1] - y) - height / 2, 0.0)
        return float((gx * gx + gy * gy) ** 0.5)

    for cx, cy in sorted(centres, key=lambda c: (distance(c), c[1], c[0])):
        if distance((cx, cy)) > reach:
            break
        box = Box(cx - width / 2, cy - height / 2, cx + width / 2, cy + height / 2)
        if box.x0 <= x <= box.x1 and box.y0 <= y <= box.y1:
            continue
        if free.free(box, pad) and free.leader_free(x, y, cx, cy):
            return Spot(box, cx - x, cy - y, "center", "center", True)
    return None
