"""The surface in 3-D with each run's path lying on it (Explore's optional view)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.colors import get_colorscale

from i18n import t
from viz import style
from viz.layout import (
    SpecFigure,
    Trajectory,
    base_layout,
    float32,
    inside_legend,
    last_valid_index,
    path_indices,
    rounded,
    run_colors,
    run_labels,
)

SURFACE_3D_RESOLUTION = 60


def surface_3d_figure(
    surface,
    trajectories: Sequence[Trajectory] = (),
    labels: Sequence[str] | None = None,
    *,
    dark: bool = False,
    font_size: int | None = None,
    height: int = 560,
    resolution: int = SURFACE_3D_RESOLUTION,
) -> go.Figure:
    """The surface in 3-D (log-scaled like the contour where the surface asks for it) with
    each run's path lying on it."""
    grid = style.contour_grid(surface, resolution=resolution)
    labels = run_labels(trajectories, labels)
    colors = run_colors(trajectories, dark)
    top = float(grid.levels[-1])
    z = np.minimum(np.asarray(grid.z, dtype=float), top)
    data = [
        dict(
            type="surface", x=rounded(grid.x, 6), y=rounded(grid.y, 6),
            z=float32(np.round(z, 5)), colorscale=get_colorscale(style.CONTOUR_COLORSCALE),
            showscale=False, opacity=0.9, name=t("app.fig.surface"), hoverinfo="skip",
        )
    ]  # fmt: skip
    (x0, x1), (y0, y1) = surface.domain
    for i, tr in enumerate(trajectories):
        idx = path_indices(last_valid_index(tr))
        path = np.asarray(tr.path, dtype=float)[idx]
        inside = (path[:, 0] >= x0) & (path[:, 0] <= x1) & (path[:, 1] >= y0) & (path[:, 1] <= y1)
        zs = np.minimum(grid.transform(np.asarray(tr.loss, dtype=float)[idx]), top)
        zs = np.where(inside, zs, np.nan)
        data.append(
            dict(
                type="scatter3d", x=path[:, 0], y=path[:, 1], z=zs, mode="lines+markers",
                name=labels[i], line=dict(color=colors[i], width=5),
                marker=dict(size=2, color=colors[i]),
            )
        )  # fmt: skip
    z_title = t("app.fig.log_gap") if grid.log_scale else "f(x, y)"
    layout = base_layout(
        dark,
        font_size,
        height=height,
        margin=dict(l=0, r=0, t=10, b=0),
        scene=dict(
            xaxis=dict(title=dict(text="x"), range=[x0, x1]),
            yaxis=dict(title=dict(text="y"), range=[y0, y1]),
            zaxis=dict(title=dict(text=z_title)),
            aspectmode="cube",
        ),
        legend=inside_legend(dark, x=0.0),
    )
    return SpecFigure(dict(data=data, layout=layout))
