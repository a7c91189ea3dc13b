"""Learning-rate curves: the rates a run used, and the gallery of every schedule."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import plotly.graph_objects as go

from i18n import t
from viz import style
from viz.layout import (
    FONT_SIZE,
    SpecFigure,
    base_layout,
    ink,
    inside_legend,
    json_copy,
    scatter,
    subplot_axes,
    subplot_layout,
)


def schedule_figure(
    curves: Mapping[str, np.ndarray],
    *,
    colors: Mapping[str, str] | None = None,
    dashes: Mapping[str, str] | None = None,
    highlight: str | None = None,
    log_y: bool = False,
    dark: bool = False,
    font_size: int | None = None,
    height: int = 320,
    title: str | None = None,
) -> go.Figure:
    """Learning rate against the step for each named curve (η_t for t = 1 … T)."""
    palette = [style.optimizer_color("", i) for i in range(len(curves))]  # the cycle colours
    data = []
    for i, (name, rates) in enumerate(curves.items()):
        rates = np.asarray(rates, dtype=float)
        color = ink((colors or {}).get(name, palette[i % len(palette)]), dark)
        emphasis = highlight is None or name == highlight
        data.append(
            scatter(
                x=np.arange(1, len(rates) + 1), y=rates, mode="lines", name=name,
                line=dict(color=color, width=3 if emphasis else 1.5, dash=(dashes or {}).get(name, "solid")),
                opacity=1.0 if emphasis else 0.45,
            )
        )  # fmt: skip
    yaxis = dict(title=dict(text=t("app.fig.learning_rate")))
    if log_y:
        yaxis.update(type="log", exponentformat="power")
    layout = base_layout(
        dark, font_size, height=height, margin=dict(l=10, r=10, t=40 if title else 20, b=10),
        xaxis=dict(title=dict(text=t("app.fig.step"))), yaxis=yaxis,
        legend=inside_legend(dark), hovermode="x unified",
    )  # fmt: skip
    if title:
        layout["title"] = dict(text=title)
    return SpecFigure(dict(data=data, layout=layout))


def schedule_gallery_figure(
    curves: Mapping[str, np.ndarray],
    *,
    highlight: str | None = None,
    columns: int = 4,
    dark: bool = False,
    font_size: int | None = None,
    panel_height: int = 150,
) -> go.Figure:
    """Small multiples: one learning-rate curve per schedule, the selected one emphasised."""
    names = list(curves)
    rows = max(1, math.ceil(len(names) / columns))
    layout = json_copy(
        subplot_layout(rows, columns, tuple(names), vertical_spacing=0.16, horizontal_spacing=0.05)
    )
    for annotation in layout.get("annotations", []):
        annotation["font"] = dict(size=font_size or FONT_SIZE)
    pen = "#FFFFFF" if dark else "#000000"
    data = []
    for i, name in enumerate(names):
        x_id, y_id = subplot_axes(i // columns + 1, i % columns + 1, columns)
        rates = np.asarray(curves[name], dtype=float)
        emphasis = name == highlight
        data.append(
            scatter(
                x=np.arange(1, len(rates) + 1), y=rates, mode="lines", name=name, showlegend=False,
                line=dict(color=style.OKABE_ITO["vermillion"] if emphasis else pen, width=3 if emphasis else 1.5),
                fill="tozeroy", fillcolor="rgba(213,94,0,0.15)" if emphasis else "rgba(128,128,128,0.1)",
                xaxis=x_id, yaxis=y_id,
            )
        )  # fmt: skip
    for key in list(layout):
        if key.startswith("yaxis"):
            layout[key].update(rangemode="tozero", showticklabels=False)
        elif key.startswith("xaxis"):
            layout[key].update(showticklabels=False)
    layout.update(
        base_layout(
            dark, font_size, height=panel_height * rows + 40, margin=dict(l=10, r=10, t=30, b=10)
        )
    )
    return SpecFigure(dict(data=data, layout=layout))
