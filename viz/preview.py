"""The Home gallery's thumbnails: a coarse contour, every path, and a legend below them.

A thumbnail keeps the preset surface's view box (`Surface.domain`), so a path that
diverges leaves the picture instead of stretching it.  Two rules keep the lesson legible
at thumbnail size:

- a path that leaves the view for good is drawn up to the box's edge, where a cross
  marks the exit (its later iterates, thousands of units away, would only cross the
  view as straight stripes);
- every run is drawn up to the same step, the last one at which no path has drawn more
  than `PREVIEW_INK_DIAGONALS` view diagonals of line (the Distill momentum run rings
  about 25 diagonals in 150 steps: a scribble at 250 px).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.colors import get_colorscale

from viz import style
from viz.layout import (
    SpecFigure,
    Trajectory,
    base_layout,
    coordinate_decimals,
    float32,
    inside_legend,
    last_valid_index,
    rounded,
    run_colors,
    run_labels,
    scatter,
    view_axes,
)

PREVIEW_RESOLUTION = 48
PREVIEW_POINTS = 300
PREVIEW_INK_DIAGONALS = 4.0  # most line one path may draw, in view diagonals
LEGEND_FONT_SIZE = 10
LEGEND_ROW_HEIGHT = 17  # px per legend row at LEGEND_FONT_SIZE
LEGEND_PADDING = 6  # px between the legend's rows and the figure's edges
TWO_COLUMN_LABEL_WIDTH = 16  # labels up to this many narrow characters share a row


def drawn_path(path: np.ndarray, last: int, domain) -> tuple[np.ndarray, bool]:
    """The part of a path a thumbnail draws: up to `last`, cut where it leaves the view box
    for the last time (ending on the box's edge); and whether it was cut there.

    >>> drawn_path(np.array([[0.0, 0.0], [3.0, 0.0], [0.5, 0.0], [9.0, 0.0]]), 3, ((-1, 1), (-1, 1)))
    (array([[0. , 0. ],
           [3. , 0. ],
           [0.5, 0. ],
           [1. , 0. ]]), True)
    """
    (x0, x1), (y0, y1) = domain
    pts = np.asarray(path, dtype=float)[: last + 1]
    with np.errstate(invalid="ignore"):
        inside = (pts[:, 0] >= x0) & (pts[:, 0] <= x1) & (pts[:, 1] >= y0) & (pts[:, 1] <= y1)
    inside_steps = np.flatnonzero(inside)
    if inside_steps.size == 0:  # a start outside the view: nothing of it is in the picture
        return pts[:0], True
    final = int(inside_steps[-1])
    if final == len(pts) - 1:
        return pts, False
    a, b = pts[final], pts[final + 1]
    d = b - a
    s = 1.0  # the largest fraction of a -> b inside the box
    for axis, (lo, hi) in enumerate(((x0, x1), (y0, y1))):
        if d[axis] > 0 and b[axis] > hi:
            s = min(s, (hi - a[axis]) / d[axis])
        elif d[axis] < 0 and b[axis] < lo:
            s = min(s, (lo - a[axis]) / d[axis])
    s = s if np.isfinite(s) else 0.0
    return np.vstack([pts[: final + 1], a + s * d]), True


def preview_steps(paths: Sequence[np.ndarray], domain) -> int:
    """The last step every thumbnail path is drawn to: no path draws more than
    `PREVIEW_INK_DIAGONALS` view diagonals of line (each segment counted at most one
    diagonal, the most of it a view can show)."""
    (x0, x1), (y0, y1) = domain
    diagonal = float(np.hypot(x1 - x0, y1 - y0))
    steps = max((len(p) - 1 for p in paths), default=0)
    for path in paths:
        segments = np.minimum(np.hypot(*np.diff(path, axis=0).T), diagonal) / diagonal
        ink = np.cumsum(segments)
        steps = min(steps, int(np.searchsorted(ink, PREVIEW_INK_DIAGONALS, side="right")))
    return steps


def _label_width(label: str) -> int:
    """Width of a label in narrow characters (Hangul and other wide characters count 2)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in label)


def legend_columns(labels: Sequence[str]) -> int:
    """Two legend entries per row when every label is short, else one."""
    short = all(_label_width(label) <= TWO_COLUMN_LABEL_WIDTH for label in labels)
    return 2 if short and len(labels) > 1 else 1


def preview_figure(
    surface,
    trajectories: Sequence[Trajectory],
    labels: Sequence[str] | None = None,
    *,
    dark: bool = False,
    height: int = 200,
) -> go.Figure:
    """A small static thumbnail: a coarse contour over the surface's view box, every path
    (see the module docstring for how much of it), and a legend in a strip below the view
    (no animation, so a plain contour trace is safe here).

    `height` is the contour's; the legend strip adds one row per one or two runs.
    """
    labels = run_labels(trajectories, labels)
    grid = style.contour_grid(surface, resolution=PREVIEW_RESOLUTION)
    levels = grid.levels
    size = float((levels[-1] - levels[0]) / max(len(levels) - 1, 1)) or 1.0
    data = [
        dict(
            type="contour", x=rounded(grid.x, 4), y=rounded(grid.y, 4),
            z=float32(grid.z), autocontour=False,
            contours=dict(start=float(levels[0]), end=float(levels[-1]), size=size),
            colorscale=get_colorscale(style.CONTOUR_COLORSCALE), opacity=0.6, showscale=False,
            hoverinfo="skip", line=dict(width=0.4, color="rgba(0,0,0,0.2)"), showlegend=False,
        )
    ]  # fmt: skip
    decimals = coordinate_decimals(surface.domain)
    cuts = [drawn_path(tr.path, last_valid_index(tr), surface.domain) for tr in trajectories]
    steps = preview_steps([path for path, _ in cuts], surface.domain)
    colors = run_colors(trajectories, dark)
    for tr, (path, left), label, color in zip(trajectories, cuts, labels, colors, strict=True):
        left = left and len(path) - 1 <= steps  # the exit is within the steps drawn
        path = path[: steps + 1]
        last = len(path) - 1
        idx = np.unique(np.round(np.linspace(0, last, min(last + 1, PREVIEW_POINTS))).astype(int))
        path = path[idx] if len(path) else path
        data.append(
            scatter(
                x=rounded(path[:, 0], decimals), y=rounded(path[:, 1], decimals), mode="lines",
                line=dict(color=color, width=2, dash=style.optimizer_dash(tr.optimizer)),
                name=label, hoverinfo="skip", showlegend=True,
            )
        )  # fmt: skip
        if left:  # a cross where the path leaves the view for good
            data.append(
                scatter(
                    x=rounded(path[-1:, 0], decimals), y=rounded(path[-1:, 1], decimals),
                    mode="markers", cliponaxis=False,
                    marker=dict(symbol=style.DIVERGED_SYMBOL, size=10, color=color,
                                line=dict(color=color, width=2.5)),
                    name=label, hoverinfo="skip", showlegend=False,
                )
            )  # fmt: skip
    columns = legend_columns(labels)
    rows = -(-len(labels) // columns)
    strip = rows * LEGEND_ROW_HEIGHT + 2 * LEGEND_PADDING if labels else 0
    total = height + strip
    xaxis, yaxis = view_axes(surface)
    legend = dict(
        inside_legend(dark, x=0.0, y=0.0), orientation="h", entrywidthmode="fraction",
        entrywidth=1.0 / columns, font=dict(size=LEGEND_FONT_SIZE), itemwidth=30,
        itemclick=False, itemdoubleclick=False, bgcolor="rgba(0,0,0,0)",
    )  # fmt: skip
    layout = base_layout(
        dark, LEGEND_FONT_SIZE, height=total, margin=dict(l=0, r=0, t=0, b=0),
        showlegend=bool(labels), legend=legend,
        xaxis=dict(xaxis, visible=False),
        yaxis=dict(yaxis, visible=False, domain=[strip / total, 1.0]),
    )  # fmt: skip
    return SpecFigure(dict(data=data, layout=layout))
