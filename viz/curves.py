"""Curves against the step: Explore's loss gap / learning rate / gradient norm rows and
Compare's loss gap and distance panels.  Built as dicts (see `viz.layout`)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from i18n import t
from viz import style
from viz.layout import (
    FONT_SIZE,
    SpecFigure,
    Trajectory,
    base_layout,
    inside_legend,
    json_copy,
    last_valid_index,
    loss_gap,
    loss_target,
    run_colors,
    run_labels,
    scatter,
    subplot_axes,
    subplot_layout,
)


def _step_marker(layout: dict, step: int | None, dark: bool, axes: Sequence[str]) -> None:
    """A dotted vertical line at `step` on each x axis in `axes`."""
    if step is None:
        return
    line = dict(color="#FFFFFF" if dark else "#000000", width=1, dash="dot")
    layout.setdefault("shapes", []).extend(
        dict(type="line", x0=step, x1=step, xref=x_id, y0=0, y1=1, yref=f"y{x_id[1:]} domain",
             line=line, opacity=0.6)
        for x_id in axes
    )  # fmt: skip


def curves_figure(
    trajectories: Sequence[Trajectory],
    labels: Sequence[str] | None = None,
    *,
    step: int | None = None,
    target: float | None = None,
    dark: bool = False,
    font_size: int | None = None,
    height: int = 520,
) -> go.Figure:
    """Loss gap f − f* (log), learning rate and ‖∇f‖ (log) against the step, with a
    marker at `step` on every row."""
    labels = run_labels(trajectories, labels)
    colors = run_colors(trajectories, dark)
    target = loss_target(trajectories) if target is None else target
    titles = (t("app.fig.loss_gap"), t("app.fig.learning_rate"), t("app.fig.grad_norm"))
    layout = json_copy(subplot_layout(3, 1, titles, shared_xaxes=True, vertical_spacing=0.06))
    rows = [subplot_axes(row, 1, 1) for row in (1, 2, 3)]
    data: list[dict] = []
    for i, tr in enumerate(trajectories):
        last = last_valid_index(tr)
        steps = np.arange(last + 1)
        gap = loss_gap(tr, target)[: last + 1]
        rates = np.asarray(tr.lr, dtype=float)[:last]
        with np.errstate(all="ignore"):
            grad = np.asarray(tr.grad, dtype=float)[: last + 1]
            norm = np.maximum(np.sqrt((grad**2).sum(-1)), 1e-16)
        common = dict(
            line=dict(color=colors[i], dash=style.optimizer_dash(tr.optimizer)),
            legendgroup=f"run{i}",
            name=labels[i],
        )
        for (x_id, y_id), x, y, legend in (
            (rows[0], steps, gap, True), (rows[1], steps[1:], rates, False), (rows[2], steps, norm, False)
        ):  # fmt: skip
            data.append(
                scatter(x=x, y=y, mode="lines", showlegend=legend, xaxis=x_id, yaxis=y_id, **common)
            )
        if step is not None:
            k = int(min(max(step, 0), last))
            marks = [(rows[0], k, gap[k]), (rows[2], k, norm[k])]
            if k >= 1:
                marks.append((rows[1], k, rates[k - 1]))
            for (x_id, y_id), x, y in marks:
                data.append(
                    scatter(
                        x=[x], y=[float(y)], mode="markers", marker=dict(size=10, color=colors[i], line=dict(color="#FFFFFF", width=1)),
                        showlegend=False, legendgroup=f"run{i}", name=labels[i],
                        hovertemplate=t("app.fig.step") + " %{x}: %{y:.4g}<extra></extra>", xaxis=x_id, yaxis=y_id,
                    )
                )  # fmt: skip
        if tr.diverged_at is not None:
            data.append(_diverged_marker(last, gap[last], colors[i], tr.diverged_at))
    log = dict(type="log", exponentformat="power", dtick=1)
    layout["yaxis"].update(log)
    layout["yaxis3"].update(log)
    layout["yaxis2"].update(rangemode="tozero")
    layout["xaxis3"]["title"] = dict(text=t("app.fig.step"))
    _step_marker(layout, step, dark, [x_id for x_id, _ in rows])
    return _finish_curves(data, layout, dark, font_size, height, top=36)


def _finish_curves(
    data: list[dict], layout: dict, dark: bool, font_size, height: int, top: float
) -> go.Figure:
    """The layout every curve panel shares: theme, the legend inside the top-right corner
    (where falling curves leave room), `top` px above the subplot titles, unified hover."""
    font_size = font_size or FONT_SIZE
    for annotation in layout.get("annotations", []):
        annotation["font"] = dict(size=font_size)
    margin = dict(l=round(4 * font_size), r=round(2 * font_size), t=round(top),
                  b=round(4 * font_size + 2), autoexpand=False)  # fmt: skip
    layout.update(
        base_layout(
            dark, font_size, height=height, margin=margin, legend=inside_legend(dark),
            hovermode="x unified",
        )
    )  # fmt: skip
    return SpecFigure(dict(data=data, layout=layout))


def _diverged_marker(step: int, value: float, color: str, diverged_at: int) -> dict:
    """The cross that marks where a run's curve stops because the run diverged."""
    return scatter(
        x=[int(step)], y=[float(value)], mode="markers",
        marker=dict(symbol=style.DIVERGED_SYMBOL, size=16, color=color, line=dict(color=color, width=3)),
        showlegend=False, name=t("app.fig.diverged_at", step=int(diverged_at)),
        hovertemplate="%{fullData.name}<extra></extra>", xaxis="x", yaxis="y",
    )  # fmt: skip


def comparison_curves_figure(
    trajectories: Sequence[Trajectory],
    labels: Sequence[str] | None = None,
    *,
    target: float | None = None,
    tolerance: float | None = None,
    dark: bool = False,
    font_size: int | None = None,
    height: int = 380,
) -> go.Figure:
    """Loss gap f − f* on a log axis and the distance to the nearest minimum, per run;
    a diverged run ends in a marker at its last finite step."""
    labels = run_labels(trajectories, labels)
    colors = run_colors(trajectories, dark)
    target = loss_target(trajectories) if target is None else target
    titles = (t("app.fig.loss_gap"), t("app.fig.distance"))
    layout = json_copy(subplot_layout(1, 2, titles, horizontal_spacing=0.1))
    data: list[dict] = []
    for i, tr in enumerate(trajectories):
        last = last_valid_index(tr)
        steps = np.arange(last + 1)
        gap = loss_gap(tr, target)[: last + 1]
        common = dict(
            line=dict(color=colors[i], dash=style.optimizer_dash(tr.optimizer), width=2),
            legendgroup=f"run{i}",
            name=labels[i],
        )
        data.append(
            scatter(x=steps, y=gap, mode="lines", showlegend=True, xaxis="x", yaxis="y", **common)
        )
        distance = (
            tr.distance_to_nearest_minimum() if hasattr(tr, "distance_to_nearest_minimum") else None
        )
        if distance is not None:
            data.append(
                scatter(x=steps, y=np.maximum(np.asarray(distance)[: last + 1], 1e-16), mode="lines",
                         showlegend=False, xaxis="x2", yaxis="y2", **common)
            )  # fmt: skip
        if tr.diverged_at is not None:
            data.append(_diverged_marker(last, gap[last], colors[i], tr.diverged_at))
    if tolerance is not None:
        layout["shapes"] = [
            dict(type="line", xref="x domain", x0=0, x1=1, yref="y", y0=tolerance, y1=tolerance,
                 line=dict(dash="dash", width=1, color="#888888"))
        ]  # fmt: skip
    for axis in ("yaxis", "yaxis2"):
        layout[axis].update(type="log", exponentformat="power", dtick=1)
    for axis in ("xaxis", "xaxis2"):
        layout[axis]["title"] = dict(text=t("app.fig.step"))
    return _finish_curves(data, layout, dark, font_size, height, top=46)
