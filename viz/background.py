"""The filled contour behind the contour view, as a PNG in data coordinates.

Drawn with NumPy and Pillow: the bands of `viz.style.contour_grid`'s levels in the colour
map, blended with the page colour so the paths of every optimizer stay readable, and a
faint line where one band meets the next (as the Matplotlib exports draw them,
`exports.render`).  No Matplotlib here: the app's server never loads it for a chart.

>>> import surfaces
>>> contour_background(surfaces.get("bowl"), width=40).startswith("data:image/png;base64,")
True
"""

from __future__ import annotations

import base64
import io

import numpy as np
from PIL import Image

from viz import style

BACKGROUND_WIDTH = 900  # pixels of the contour image for one panel
PANEL_BACKGROUND_WIDTH = 480  # ... for a panel of the small-multiples grid
SUPERSAMPLING = 2  # drawn at twice the size and reduced: smooth band edges and lines
IMAGE_COLORS = 64  # flat bands need few colours, and the PNG shrinks about five times
_LINE = {False: ((0, 0, 0), 0.22), True: ((255, 255, 255), 0.3)}  # colour, opacity


def _resample(grid: style.ContourGrid, width: int, height: int) -> np.ndarray:
    """The grid's z at the centre of each pixel (row 0 at the top: the largest y),
    interpolated bilinearly: along y on the grid's columns first, then along x, so that
    each pass gathers from an array the size of the image once (a third of the time of
    gathering the four corners of every pixel)."""
    (nx,), (ny,) = grid.x.shape, grid.y.shape
    fx = (np.arange(width) + 0.5) / width * (nx - 1)
    fy = (1.0 - (np.arange(height) + 0.5) / height) * (ny - 1)
    x0 = np.clip(np.floor(fx).astype(int), 0, nx - 2)
    y0 = np.clip(np.floor(fy).astype(int), 0, ny - 2)
    wx, wy = (fx - x0)[None, :], (fy - y0)[:, None]
    z = np.asarray(grid.z, dtype=float)
    rows = z[y0] * (1 - wy) + z[y0 + 1] * wy
    return rows[:, x0] * (1 - wx) + rows[:, x0 + 1] * wx


LIVE_CONTOUR_WIDTH = 300  # pixels of the contour the live chart redraws while a surface moves


def image_height(surface, width: int) -> int:
    """The contour image's height for `width` pixels (the view box's shape, or 3:2)."""
    (x0, x1), (y0, y1) = surface.domain
    return round(width * (y1 - y0) / (x1 - x0)) if surface.equal_aspect else round(width * 2 / 3)


def band_palette(level_count: int, dark: bool) -> tuple[np.ndarray, np.ndarray]:
    """RGB of each band (`level_count + 1` of them), and of the same bands under a band edge."""
    # Each band takes the colour of its middle; the bands beyond the ends take the ends'.
    shade = np.clip((np.arange(level_count + 1) - 0.5) / max(level_count - 1, 1), 0.0, 1.0)
    fill = style.contour_fill(shade, dark)
    line, opacity = _LINE[dark]
    return fill, opacity * np.array(line, dtype=float) + (1 - opacity) * fill


def contour_background(surface, *, dark: bool = False, width: int = BACKGROUND_WIDTH) -> str:
    """The filled contour of `surface` over its view box as a PNG data URI."""
    grid = style.contour_grid(surface)
    height = image_height(surface, width)
    z = _resample(grid, width * SUPERSAMPLING, height * SUPERSAMPLING)
    levels = np.asarray(grid.levels, dtype=float)
    band = np.searchsorted(levels, z)  # 0 below the first level, len(levels) above the last
    fill, lined = band_palette(len(levels), dark)
    edge = np.zeros(band.shape, dtype=bool)
    edge[:, 1:] |= band[:, 1:] != band[:, :-1]
    edge[1:, :] |= band[1:, :] != band[:-1, :]
    palette = np.round(np.concatenate([fill, lined])).astype(np.uint8)
    # Colour indices (2 x (LEVEL_COUNT + 1) colours: one byte each), coloured by Pillow in C.
    indexed = Image.fromarray((band + edge * len(fill)).astype(np.uint8), "P")
    indexed.putpalette(palette.ravel().tolist())
    image = indexed.convert("RGB").reduce(SUPERSAMPLING)
    packed = io.BytesIO()
    # zlib's default level: a tenth larger than `optimize=True`'s level 9, five times faster.
    image.quantize(IMAGE_COLORS).save(packed, format="PNG")
    return "data:image/png;base64," + base64.b64encode(packed.getvalue()).decode("ascii")


def browser_rule(surface, dark: bool) -> dict:
    """What the live chart needs to draw `contour_background`'s image itself while a
    surface parameter moves (`app_ui/live/chart.js`, `contourImage`): the grid, the
    level rule of `style.contour_grid` and the band colours, as JSON-ready data."""
    fill, lined = band_palette(style.LEVEL_COUNT, dark)
    palette = np.round(np.concatenate([fill, lined])).astype(int)
    return {
        "resolution": style.GRID_RESOLUTION,
        "levelCount": style.LEVEL_COUNT,
        "log": surface.level_scale == "log",
        "quantile": style.LEVEL_QUANTILE,
        "palette": palette.tolist(),
        "width": LIVE_CONTOUR_WIDTH,
        "height": image_height(surface, LIVE_CONTOUR_WIDTH),
        "supersampling": SUPERSAMPLING,
    }
