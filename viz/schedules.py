"""Learning-rate curves: the rates a run used, and the gallery of every schedule."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import plotly.graph_objects as go

from i18n import t
from optim_core import schedules
from viz import style
from viz.layout import (
    FONT_SIZE,
    SpecFigure,
    axis_key,
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


def gallery_rates(
    lr: float,
    steps: int,
    *,
    selected: Mapping | None = None,
    plateau_rates: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Every schedule's rates η_1 … η_T for a run of `steps` at base rate `lr`, by name:
    at its default settings (the `selected` config at its own), with step counts that
    fall beyond the run moved inside it, so each curve shows its shape.  Reduce-on-plateau
    depends on the loss: it is drawn from `plateau_rates` (a run's rates), when given.

    >>> rates = gallery_rates(1.0, 30)
    >>> rates["piecewise"][[0, 9, 10, 19, 20]].round(2).tolist()  # drops at 10 and 20
    [1.0, 1.0, 0.5, 0.5, 0.1]
    """
    steps = max(int(steps), 1)
    curves = {}
    for name in schedules.names():
        if schedules.spec(name).performance_based:
            if plateau_rates is not None:
                curves[name] = np.asarray(plateau_rates, dtype=float)
            continue
        if selected is not None and selected["name"] == name:
            config = dict(selected)
        else:
            config = _within_run(schedules.normalize({"name": name}), steps)
        curves[name] = schedules.make(config, lr, steps)(np.arange(steps))
    return curves


def _within_run(config: dict, steps: int) -> dict:
    """A default config whose piecewise boundaries all lie beyond the run: the same drops
    at even fractions of the run instead (the defaults, 100 and 200, suit 300 steps)."""
    boundaries = config.get("boundaries")
    if boundaries and min(boundaries) >= steps and steps > len(boundaries):
        count = len(boundaries) + 1  # pieces; steps >= count keeps the boundaries apart
        config = {**config, "boundaries": [round(steps * k / count) for k in range(1, count)]}
    return config


def schedule_gallery_figure(
    curves: Mapping[str, np.ndarray],
    *,
    highlight: str | None = None,
    notes: Mapping[str, str] | None = None,
    columns: int = 4,
    dark: bool = False,
    font_size: int | None = None,
    panel_height: int = 170,
) -> go.Figure:
    """Small multiples: one learning-rate curve per schedule, the selected one emphasised.
    Every panel has its own scale (step on x, η on y, from 0); `notes` writes a line into
    a panel (say, why a curve is flat)."""
    names = list(curves)
    rows = max(1, math.ceil(len(names) / columns))
    layout = json_copy(
        subplot_layout(rows, columns, tuple(names), vertical_spacing=0.2, horizontal_spacing=0.06)
    )
    size = font_size or FONT_SIZE
    for annotation in layout.get("annotations", []):
        annotation["font"] = dict(size=size)
    pen = "#FFFFFF" if dark else "#000000"
    tick_font = dict(size=max(size - 3, 9))
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
        finite = rates[np.isfinite(rates)]
        top = float(finite.max()) if finite.size else 1.0
        layout[axis_key(y_id)].update(
            range=[0, top * 1.15 or 1.0], nticks=3, tickfont=tick_font, exponentformat="power",
        )  # fmt: skip
        layout[axis_key(x_id)].update(
            range=[1, max(len(rates), 2)], nticks=4, tickfont=tick_font, ticks="outside"
        )
        if notes and name in notes:
            layout.setdefault("annotations", []).append(
                dict(text=notes[name], xref=f"{x_id} domain", yref=f"{y_id} domain", x=0.5, y=0.5,
                     showarrow=False, font=dict(size=tick_font["size"], color=pen))
            )  # fmt: skip
    layout.update(
        base_layout(
            dark, font_size, height=panel_height * rows + 40, margin=dict(l=10, r=10, t=30, b=10)
        )
    )
    return SpecFigure(dict(data=data, layout=layout))
