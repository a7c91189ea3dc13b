"""Figures of the training lab: a grid of small plots from a table of curves
(`netlab.report`), and the loss landscape with every optimizer's path on it."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from i18n import t
from viz import style
from viz.layout import FONT_SIZE, base_layout

# How each series is drawn: the raw mini-batch loss faint under its smoothed curve (the
# book's figures show only the smoothed one), train accuracy dashed, test solid.
SERIES_STYLE = {
    "loss": dict(width=1, dash="solid", opacity=0.25),
    "smoothed_loss": dict(width=2.2, dash="solid", opacity=1.0),
    "train_accuracy": dict(width=2, dash="dash", opacity=1.0),
    "test_accuracy": dict(width=2.2, dash="solid", opacity=1.0),
    "validation_accuracy": dict(width=2, dash="dot", opacity=1.0),
    "path": dict(width=2.2, dash="solid", opacity=1.0),
}
LEGEND_SERIES = ("smoothed_loss", "test_accuracy", "path")


def palette(count: int, optimizers: Sequence[str] | None = None) -> list[str]:
    """The optimizers' own colours, or the shared cycle for runs of one optimizer."""
    if optimizers is not None:
        return style.run_colors(list(optimizers))
    return [style.optimizer_color("", k) for k in range(count)]


def curves_figure(
    curves: Sequence,
    *,
    titles: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
    colors: Sequence[str] | None = None,
    columns: int = 2,
    x_title: str | None = None,
    y_titles: Mapping[str, str] | None = None,
    log_y: Sequence[str] = (),
    y_range: tuple[float, float] | None = None,
    markers: Mapping[str, Sequence[tuple[float, str]]] | None = None,
    dark: bool = False,
    font_size: int | None = None,
    panel_height: int = 300,
) -> go.Figure:
    """One small plot per panel of `curves` (in order of appearance); `labels` translate
    run labels, `markers[panel]` draws dotted vertical lines (x, text)."""
    panels = list(dict.fromkeys(c.panel for c in curves))
    titles, labels, y_titles = titles or {}, labels or {}, y_titles or {}
    columns = max(1, min(columns, len(panels)))
    rows = max(1, math.ceil(len(panels) / columns))
    colors = list(colors or palette(1 + max((c.run for c in curves), default=0)))
    figure = make_subplots(
        rows=rows, cols=columns, subplot_titles=[titles.get(p, p) for p in panels],
        horizontal_spacing=0.08 if columns < 4 else 0.04,
        vertical_spacing=min(0.2, 0.6 / rows) if rows > 1 else 0.1,
    )  # fmt: skip
    # One legend entry per run, on its main series (the smoothed loss, test accuracy or
    # path) where it has one, else on its first curve.
    legend_series: dict[str, str] = {}
    for curve in curves:
        main = legend_series.get(curve.label) in LEGEND_SERIES
        if not main and (curve.series in LEGEND_SERIES or curve.label not in legend_series):
            legend_series[curve.label] = curve.series
    shown = set()
    for curve in curves:
        index = panels.index(curve.panel)
        row, col = index // columns + 1, index % columns + 1
        color = colors[curve.run % len(colors)]
        name = labels.get(curve.label, curve.label)
        if curve.series == "histogram":
            figure.add_trace(go.Bar(x=curve.x, y=curve.y, marker_color=color, showlegend=False,
                                    name=name), row=row, col=col)  # fmt: skip
            continue
        look = SERIES_STYLE[curve.series]
        legend = name not in shown and curve.series == legend_series[curve.label]
        if legend:
            shown.add(name)
        figure.add_trace(
            go.Scatter(
                x=curve.x, y=curve.y, mode="lines", name=name, legendgroup=name,
                showlegend=legend, opacity=look["opacity"],
                line=dict(color=color, width=look["width"], dash=look["dash"]),
                hovertemplate=f"{name} · {t('lab.series.' + curve.series)}<br>%{{x}}: %{{y:.4g}}<extra></extra>",
            ),
            row=row, col=col,
        )  # fmt: skip
    for panel, lines in (markers or {}).items():
        if panel not in panels:
            continue
        index = panels.index(panel)
        for x, text in lines:
            figure.add_vline(x=x, line_dash="dot", line_width=1, annotation_text=text,
                             row=index // columns + 1, col=index % columns + 1)  # fmt: skip
    for index, panel in enumerate(panels):
        row, col = index // columns + 1, index % columns + 1
        figure.update_xaxes(title_text=x_title, row=row, col=col)
        figure.update_yaxes(title_text=y_titles.get(panel), row=row, col=col,
                            type="log" if panel in log_y else None, range=y_range)  # fmt: skip
    figure.update_layout(
        **base_layout(dark, font_size or FONT_SIZE),
        height=max(320, panel_height * rows + 80),
        margin=dict(l=50, r=20, t=60, b=40),
        legend=dict(orientation="h", y=1.02 + 0.25 / rows, x=0, yanchor="bottom"),
        bargap=0.05,
    )
    return figure


def landscape_figure(
    landscape, *, colors: Sequence[str] | None = None, labels: Mapping[str, str] | None = None,
    dark: bool = False, font_size: int | None = None, height: int = 560,
) -> go.Figure:  # fmt: skip
    """The loss on the plane (log-scaled contour) with each optimizer's projected path:
    a circle at the shared start, a cross where each run ended."""
    labels = labels or {}
    colors = list(colors or palette(len(landscape.paths)))
    z = np.log10(np.maximum(landscape.loss, 1e-12))
    figure = go.Figure(
        go.Contour(
            x=landscape.a, y=landscape.b, z=z, colorscale=style.CONTOUR_COLORSCALE,
            ncontours=25, contours=dict(coloring="heatmap"), line=dict(width=0.5),
            colorbar=dict(title=dict(text=t("lab.fig.log_loss"))),
            hovertemplate="a=%{x:.3g}, b=%{y:.3g}<br>log₁₀ loss=%{z:.3f}<extra></extra>",
        )
    )  # fmt: skip
    ink = "#FFFFFF" if dark else "#000000"
    for k, (label, path) in enumerate(landscape.paths.items()):
        name = labels.get(label, label)
        color = colors[k % len(colors)]
        figure.add_trace(go.Scatter(x=path[:, 0], y=path[:, 1], mode="lines+markers", name=name,
                                    line=dict(color=color, width=2.5), marker=dict(size=4)))  # fmt: skip
        figure.add_trace(go.Scatter(x=path[-1:, 0], y=path[-1:, 1], mode="markers",
                                    showlegend=False, hoverinfo="skip",
                                    marker=dict(symbol="x", size=13, color=color,
                                                line=dict(width=1, color=ink))))  # fmt: skip
    figure.add_trace(go.Scatter(x=[0.0], y=[0.0], mode="markers", name=t("lab.fig.start"),
                                marker=dict(symbol=style.START_SYMBOL, size=11, color=ink)))  # fmt: skip
    figure.update_layout(
        **base_layout(dark, font_size or FONT_SIZE), height=height,
        xaxis=dict(title=dict(text=t("lab.fig.direction", number=1))),
        yaxis=dict(title=dict(text=t("lab.fig.direction", number=2))),
        margin=dict(l=50, r=20, t=30, b=40),
        legend=dict(orientation="h", y=1.02, x=0, yanchor="bottom"),
    )  # fmt: skip
    return figure


def search_figure(rounds, *, dark: bool = False, font_size: int | None = None) -> go.Figure:
    """Every trial of every round at (η, λ) on log axes, coloured by its final validation
    accuracy; each round's box is the range it drew from."""
    figure = go.Figure()
    symbols = ("circle", "square", "diamond", "triangle-up", "cross", "x")
    for i, one in enumerate(rounds):
        lr = [r.hyperparameters["lr"] for r in one.results]
        wd = [r.hyperparameters["weight_decay"] for r in one.results]
        accuracy = [float(r.validation_accuracy[-1]) if len(r.validation_accuracy) else 0.0
                    for r in one.results]  # fmt: skip
        name = t("lab.search.round", number=i + 1)
        figure.add_trace(go.Scatter(
            x=lr, y=wd, mode="markers", name=name,
            marker=dict(size=12, symbol=symbols[i % len(symbols)], color=accuracy, cmin=0,
                        cmax=1, colorscale=style.CONTOUR_COLORSCALE, showscale=i == 0,
                        colorbar=dict(title=dict(text=t("lab.series.validation_accuracy"))),
                        line=dict(width=1, color="#000000")),
            text=[f"{a:.3f}" for a in accuracy],
            hovertemplate="η=%{x:.3g}, λ=%{y:.3g}<br>%{text}<extra>" + name + "</extra>",
        ))  # fmt: skip
        figure.add_shape(type="rect", x0=10 ** one.lr_range[0], x1=10 ** one.lr_range[1],
                         y0=10 ** one.decay_range[0], y1=10 ** one.decay_range[1],
                         line=dict(dash="dot", width=1), fillcolor="rgba(0,0,0,0)")  # fmt: skip
    figure.update_layout(
        **base_layout(dark, font_size or FONT_SIZE), height=460,
        xaxis=dict(type="log", title=dict(text=t("lab.search.lr"))),
        yaxis=dict(type="log", title=dict(text=t("lab.search.weight_decay"))),
        margin=dict(l=60, r=20, t=30, b=40),
        legend=dict(orientation="h", y=1.02, x=0, yanchor="bottom"),
    )  # fmt: skip
    return figure
