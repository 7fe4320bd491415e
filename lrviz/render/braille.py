"""A character canvas for terminal charts: lines rasterised into braille dots, quadrant
half blocks or plain characters, with an xterm-256 colour per character.

Each series draws at its glyph's own resolution: a braille character holds 2 x 4 dots, a
half-block character 2 x 2 quadrants, a plain character (``•``, ``x``, ...) one cell. A line
is drawn through consecutive points (a DDA in that resolution, vectorised with numpy: every
cell a segment crosses, a vertical jump included, is set), so a StepLR drop or a CyclicLR
restart shows as a stroke. A later series takes over the characters it touches, and its
colour with them.

Pure numpy and Python; numpy is imported inside the functions. The canvas returns text;
printing it is the caller's business.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

BRAILLE = "braille"
HALF_BLOCKS = "hd"

# Braille dot bits (Unicode U+2800 block): dot (column, row from the top) -> bit.
BRAILLE_BITS = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))  # [row][column]
# Quadrant characters by bits: 1 top left, 2 top right, 4 bottom left, 8 bottom right.
QUADRANTS = " ▘▝▀▖▌▞▛▗▚▐▜▄▙▟█"
HALF_BLOCK_BITS = ((1, 2), (4, 8))

# What the legend shows for a series drawn with each glyph (two of them).
BRAILLE_SWATCH = "⢕"
HALF_BLOCK_SWATCH = "▞"


def resolution(marker: str) -> tuple[int, int]:
    """Sub-character points across and down of one character cell for ``marker``."""
    if marker == BRAILLE:
        return 2, 4
    if marker == HALF_BLOCKS:
        return 2, 2
    return 1, 1


def swatch(marker: str) -> str:
    """The character that stands for ``marker`` in a legend."""
    if marker == BRAILLE:
        return BRAILLE_SWATCH
    if marker == HALF_BLOCKS:
        return HALF_BLOCK_SWATCH
    return marker


def raster(x: np.ndarray, y: np.ndarray, columns: int, rows: int) -> np.ndarray:
    """A boolean ``rows`` x ``columns`` grid (row 0 at the top) with the line through the points
    (``x``, ``y``) set: ``x`` runs 0..columns-1 left to right, ``y`` 0..rows-1 bottom to top,
    both in grid units (floats, rounded to the nearest point). Each segment sets
    ``max(|dx|, |dy|) + 1`` points, so consecutive points are always joined, steep jumps
    included. Points off the grid are clipped to its edge."""
    import numpy as np

    grid = np.zeros((rows, columns), dtype=bool)
    if len(x) == 0:
        return grid
    xi = np.clip(np.floor(np.asarray(x, dtype=float) + 0.5), 0, columns - 1).astype(np.int64)
    yi = np.clip(np.floor(np.asarray(y, dtype=float) + 0.5), 0, rows - 1).astype(np.int64)
    dx, dy = np.diff(xi), np.diff(yi)
    n = np.maximum(np.abs(dx), np.abs(dy))
    steps = int(n.sum())
    if steps:
        segment = np.repeat(np.arange(len(n)), n)
        k = np.arange(steps) - np.repeat(np.cumsum(n) - n, n)  # 0..n-1 within each segment
        share = k / n[segment]
        px = xi[segment] + np.floor(share * dx[segment] + 0.5).astype(np.int64)
        py = yi[segment] + np.floor(share * dy[segment] + 0.5).astype(np.int64)
        grid[rows - 1 - py, px] = True
    grid[rows - 1 - yi[-1], xi[-1]] = True  # the last point (each segment sets its start only)
    grid[rows - 1 - yi[0], xi[0]] = True  # a single point draws too
    return grid


class Canvas:
    """``columns`` x ``rows`` characters that series and text are drawn on, then read as lines."""

    def __init__(self, columns: int, rows: int) -> None:
        import numpy as np

        self.columns, self.rows = columns, rows
        self.chars = np.full((rows, columns), ord(" "), dtype=np.uint32)
        self.colors = np.full((rows, columns), -1, dtype=np.int16)

    def line(
        self,
        x: np.ndarray,
        y: np.ndarray,
        *,
        xlim: tuple[float, float],
        ylim: tuple[float, float],
        marker: str = BRAILLE,
        color: int | None = None,
    ) -> None:
        """The line through (``x``, ``y``), data from ``xlim`` left to right and ``ylim`` bottom
        to top, drawn with ``marker`` (:data:`BRAILLE`, :data:`HALF_BLOCKS` or one character)."""
        import numpy as np

        sx, sy = resolution(marker)
        columns, rows = self.columns * sx, self.rows * sy
        gx = scale(np.asarray(x, dtype=float), xlim, columns)
        gy = scale(np.asarray(y, dtype=float), ylim, rows)
        dots = raster(gx, gy, columns, rows)
        blocks = dots.reshape(self.rows, sy, self.columns, sx)
        if marker == BRAILLE:
            weights = np.array(BRAILLE_BITS, dtype=np.uint32)
            codes = np.einsum("ryxc,yc->rx", blocks.astype(np.uint32), weights)
            glyphs = np.where(codes > 0, 0x2800 + codes, 0)
        elif marker == HALF_BLOCKS:
            weights = np.array(HALF_BLOCK_BITS, dtype=np.uint32)
            codes = np.einsum("ryxc,yc->rx", blocks.astype(np.uint32), weights)
            table = np.array([0] + [ord(c) for c in QUADRANTS[1:]], dtype=np.uint32)
            glyphs = table[codes]
        else:
            glyphs = np.where(blocks[:, 0, :, 0], ord(marker[0]), 0).astype(np.uint32)
        drawn = glyphs > 0
        self.chars[drawn] = glyphs[drawn]
        self.colors[drawn] = -1 if color is None else color

    def emptiest_corner(self, rows: int, columns: int) -> tuple[int, int]:
        """(row, column) of the corner box of ``rows`` x ``columns`` characters with the fewest
        drawn: top left, top right, bottom left, bottom right, the first of them on a tie."""
        rows, columns = min(rows, self.rows), min(columns, self.columns)
        corners = [
            (0, 0),
            (0, self.columns - columns),
            (self.rows - rows, 0),
            (self.rows - rows, self.columns - columns),
        ]
        blank = ord(" ")
        ink = [int((self.chars[r : r + rows, c : c + columns] != blank).sum()) for r, c in corners]
        return corners[ink.index(min(ink))]

    def text(self, row: int, column: int, text: str, color: int | None = None) -> None:
        """``text`` written from (``row``, ``column``), cut at the canvas's right edge."""
        if not 0 <= row < self.rows or column >= self.columns:
            return
        text = text[: self.columns - column]
        for i, ch in enumerate(text):
            self.chars[row, column + i] = ord(ch)
            self.colors[row, column + i] = -1 if color is None else color

    def lines(self, *, color: bool = True) -> list[str]:
        """The canvas's rows as text, each ``columns`` characters wide; with xterm-256 colour
        escapes around coloured runs when ``color``."""
        import numpy as np

        out = []
        # a lone surrogate (a label from undecodable bytes) comes back as it went in
        rows = np.ascontiguousarray(self.chars).astype("<u4")
        text = [row.tobytes().decode("utf-32-le", errors="surrogatepass") for row in rows]
        for r, line in enumerate(text):
            row_colors = self.colors[r]
            if not color or not (row_colors >= 0).any():
                out.append(line)
                continue
            cuts = [0, *(np.flatnonzero(np.diff(row_colors)) + 1).tolist(), self.columns]
            parts = []
            for a, b in zip(cuts, cuts[1:], strict=False):
                c = int(row_colors[a])
                parts.append(line[a:b] if c < 0 else f"\x1b[38;5;{c}m{line[a:b]}\x1b[0m")
            out.append("".join(parts))
        return out


def scale(values: np.ndarray, limits: tuple[float, float], points: int) -> np.ndarray:
    """``values`` from ``limits`` onto grid units -0.5..points-0.5: point i holds the values of
    the i-th of ``points`` equal parts of the range (the top value the last part's), the same
    columns :func:`lrviz.render.envelope.envelope` reduces a line to, so a column's lowest and
    highest point land in that column. The middle point when the limits are equal."""
    low, high = limits
    if not high > low:
        return values * 0 + (points - 1) / 2
    return (values - low) / (high - low) * points - 0.5


def position(value: float, limits: tuple[float, float], cells: int, per_cell: int) -> int:
    """The cell (0..cells-1, from the low end) that ``value`` falls in when ``cells`` cells of
    ``per_cell`` points each span ``limits``: where a tick belongs next to a line drawn there."""
    import math

    low, high = limits
    points = cells * per_cell
    point = (value - low) / (high - low) * points - 0.5 if high > low else (points - 1) / 2
    return min(max(math.floor(point + 0.5) // per_cell, 0), cells - 1)
