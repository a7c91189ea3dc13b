"""The Home gallery's thumbnails: a coarse contour and every path, static."""

from __future__ import annotations

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
    last_valid_index,
    rounded,
    run_colors,
    scatter,
    view_axes,
)

PREVIEW_RESOLUTION = 48
PREVIEW_POINTS = 300


def preview_figure(
    surface,
    trajectories: Sequence[Trajectory],
    *,
    dark: bool = False,
    height: int = 200,
) -> go.Figure:
    """A small static thumbnail: a coarse contour and every path (no animation, so a
    plain contour trace is safe here)."""
    grid = style.contour_grid(surface, resolution=PREVIEW_RESOLUTION)
    levels = grid.levels
    size = float((levels[-1] - levels[0]) / max(len(levels) - 1, 1)) or 1.0
    data = [
        dict(
            type="contour", x=rounded(grid.x, 4), y=rounded(grid.y, 4),
            z=np.asarray(grid.z, dtype=np.float32), autocontour=False,
            contours=dict(start=float(levels[0]), end=float(levels[-1]), size=size),
            colorscale=get_colorscale(style.CONTOUR_COLORSCALE), opacity=0.6, showscale=False,
            hoverinfo="skip", line=dict(width=0.4, color="rgba(0,0,0,0.2)"),
        )
    ]  # fmt: skip
    decimals = coordinate_decimals(surface.domain)
    for tr, color in zip(trajectories, run_colors(trajectories, dark), strict=True):
        last = last_valid_index(tr)
        idx = np.unique(np.round(np.linspace(0, last, min(last + 1, PREVIEW_POINTS))).astype(int))
        path = np.asarray(tr.path, dtype=float)[idx]
        data.append(
            scatter(
                x=rounded(path[:, 0], decimals), y=rounded(path[:, 1], decimals), mode="lines",
                line=dict(color=color, width=2, dash=style.optimizer_dash(tr.optimizer)),
                hoverinfo="skip", showlegend=False,
            )
        )  # fmt: skip
    xaxis, yaxis = view_axes(surface)
    layout = base_layout(
        dark, 10, height=height, margin=dict(l=0, r=0, t=0, b=0), showlegend=False,
        xaxis=dict(xaxis, visible=False), yaxis=dict(yaxis, visible=False),
    )  # fmt: skip
    return SpecFigure(dict(data=data, layout=layout))
