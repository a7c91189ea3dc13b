"""Figures of families of runs: hyperparameter maps, basins of attraction, random search,
fair tuning, noise ensembles and the theory of quadratics.

A diverged cell is drawn in its own colour and named in the legend; it is never given a
colour of the loss scale.  Axes are logarithmic where the registry's `Param.log` says so.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

import optim_core
from i18n import t
from viz import style
from viz.layout import base_layout

DIVERGED_COLOR = "#D55E00"  # Okabe-Ito vermillion: outside Viridis, so never read as a loss
NOT_REACHED_COLOR = "#BDBDBD"
STALLED_COLOR = "#9E9E9E"
BASIN_COLORS = ("#56B4E9", "#009E73", "#F0E442", "#0072B2", "#CC79A7", "#E69F00", "#8DD3C7",
                "#BEBADA", "#80B1D3", "#FDB462", "#B3DE69", "#FCCDE5")  # fmt: skip
ROUND_COLORS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#000000")
MAX_LEGEND_MINIMA = 8
BAND_CIRCLES = 12  # circles of the path band, at evenly spaced steps


def param_of(optimizer: str, name: str):
    return next(p for p in optim_core.spec(optimizer).params if p.name == name)


def optimizer_title(name: str) -> str:
    return t(f"optimizer.{name}.title", default=optim_core.spec(name).title)


def param_title(name: str, optimizer: str | None = None) -> str:
    """A hyperparameter's concept name and symbol, as the widgets show it."""
    label = t(f"param.{name}.label", default=name)
    if optimizer is not None:
        symbol = param_of(optimizer, name).symbol
        if symbol:
            return f"{label} {symbol_text(symbol)}"
    return label


_SYMBOLS = {r"\eta": "η", r"\mu": "μ", r"\beta_1": "β₁", r"\beta_2": "β₂", r"\alpha": "α",
            r"\rho": "ρ", r"\epsilon": "ε", r"\varepsilon": "ε", r"\lambda": "λ",
            r"\gamma": "γ", r"\psi": "ψ"}  # fmt: skip


def symbol_text(symbol: str) -> str:
    """A registry symbol (LaTeX) as plain text for axis titles."""
    return _SYMBOLS.get(symbol, symbol.replace("\\", ""))


def number(value: float) -> str:
    return "—" if value is None or not np.isfinite(value) else f"{value:.4g}"


def criterion_title(criterion: str, tolerance: float) -> str:
    return t(f"sweeps.criterion.{criterion}", tolerance=f"{tolerance:g}")


def _legend_square(name: str, color: str, symbol: str = "square") -> go.Scatter:
    return go.Scatter(x=[None], y=[None], mode="markers", name=name, showlegend=True,
                      marker=dict(symbol=symbol, size=12, color=color))  # fmt: skip


def _axis(optimizer: str, name: str) -> dict:
    return dict(title=param_title(name, optimizer),
                type="log" if param_of(optimizer, name).log else "linear")  # fmt: skip


def _cell_texts(result) -> np.ndarray:
    """Hover text per cell (grid order)."""
    texts = np.empty(result.values.shape, dtype=object)
    for index in np.ndindex(result.values.shape):
        settings = ", ".join(
            f"{param_title(n, result.optimizer)} = {v:.4g}"
            for n, v in result.settings_at(index).items()
        )
        k = int(result.diverged_at[index])
        if k >= 0:
            outcome = t("sweeps.hover.diverged", step=k)
        elif result.criterion == "steps_to_tol":
            reached = np.isfinite(result.values[index])
            outcome = (t("sweeps.hover.steps", steps=int(result.values[index])) if reached
                       else t("sweeps.hover.not_reached", steps=result.steps))  # fmt: skip
            outcome += "<br>" + t("sweeps.hover.final_loss", value=number(result.final_loss[index]))
        else:
            outcome = t("sweeps.hover.final_loss", value=number(result.final_loss[index]))
        texts[index] = f"{settings}<br>{outcome}"
    return texts


def map_figure(
    result,
    *,
    theory=None,
    convention: str | None = None,
    dark: bool = False,
    font_size: int | None = None,
    height: int = 560,
) -> go.Figure:
    """The map of a 1- or 2-axis `optim_core.sweep` result.

    Two axes: a heat-map (x = the grid's first axis), diverged cells in DIVERGED_COLOR,
    cells that never reached the tolerance in grey, an invisible point per cell whose
    click selects it (customdata = the cell's grid index).  One axis: the criterion
    against the hyperparameter, diverged settings marked on the axis.  `theory`, an
    `optim_core.theory.Quadratic`, adds the stability limit and the optimal settings of
    gradient descent and momentum where they apply.
    """
    fig = go.Figure()
    log_color = result.criterion == "final_loss"
    values = np.asarray(result.values, float)
    with np.errstate(all="ignore"):
        shown = np.log10(np.maximum(values, 1e-300)) if log_color else values
    texts = _cell_texts(result)
    diverged = result.diverged_at >= 0
    not_reached = ~diverged & ~np.isfinite(values)
    names = result.names
    criterion = criterion_title(result.criterion, result.tolerance)
    colorbar = dict(title=dict(text=criterion, side="right"))
    if log_color and np.any(np.isfinite(shown)):
        lo, hi = np.floor(np.nanmin(shown)), np.ceil(np.nanmax(shown))
        ticks = np.arange(lo, hi + 1, max(1, int(np.ceil((hi - lo + 1) / 8))))
        colorbar.update(tickvals=ticks.tolist(), ticktext=[f"1e{int(v)}" for v in ticks])
    if len(names) == 2:
        xs, ys = result.grid[names[0]], result.grid[names[1]]
        common = dict(x=xs, y=ys, hoverinfo="skip", showscale=False, xgap=0, ygap=0)
        fig.add_trace(go.Heatmap(z=shown.T, colorscale=style.CONTOUR_COLORSCALE,
                                 **{**common, "showscale": True}, colorbar=colorbar,
                                 name=criterion))  # fmt: skip
        for mask, color in ((diverged, DIVERGED_COLOR), (not_reached, NOT_REACHED_COLOR)):
            if mask.any():
                fig.add_trace(go.Heatmap(z=np.where(mask, 1.0, np.nan).T,
                                         colorscale=[[0, color], [1, color]], **common))  # fmt: skip
        gx, gy = np.meshgrid(np.arange(len(xs)), np.arange(len(ys)), indexing="ij")
        fig.add_trace(go.Scatter(
            x=xs[gx.ravel()], y=ys[gy.ravel()], mode="markers", name=t("sweeps.fig.open_cell"),
            customdata=np.stack([gx.ravel(), gy.ravel()], -1), text=texts.ravel(),
            hovertemplate="%{text}<extra></extra>", showlegend=False,
            marker=dict(size=10, color="rgba(0,0,0,0)", opacity=0, maxdisplayed=1),
        ))  # fmt: skip
        fig.update_xaxes(**_axis(result.optimizer, names[0]))
        fig.update_yaxes(**_axis(result.optimizer, names[1]))
    else:
        xs = result.grid[names[0]]
        fig.add_trace(go.Scatter(x=xs, y=values, mode="lines+markers", name=criterion,
                                 text=texts, hovertemplate="%{text}<extra></extra>",
                                 line=dict(color=style.OKABE_ITO["blue"])))  # fmt: skip
        if diverged.any():
            fig.add_trace(go.Scatter(
                x=xs[diverged], y=np.zeros(int(diverged.sum())), yaxis="y2", mode="markers",
                text=texts[diverged], hovertemplate="%{text}<extra></extra>", showlegend=False,
                marker=dict(symbol="square", size=9, color=DIVERGED_COLOR),
            ))  # fmt: skip
        fig.update_xaxes(**_axis(result.optimizer, names[0]))
        fig.update_yaxes(title=criterion, type="log" if log_color else "linear")
        fig.update_layout(yaxis2=dict(overlaying="y", range=[0, 1], visible=False))
    if diverged.any():
        fig.add_trace(_legend_square(t("sweeps.fig.diverged"), DIVERGED_COLOR))
    if not_reached.any():
        fig.add_trace(_legend_square(t("sweeps.fig.not_reached"), NOT_REACHED_COLOR))
    if theory is not None:
        _theory_marks(fig, result, theory, convention, dark)
    fig.update_layout(**base_layout(dark, font_size), height=height,
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
                      margin=dict(l=60, r=20, t=40, b=50), clickmode="event+select",
                      hovermode="closest", dragmode="zoom")  # fmt: skip
    return fig


def _theory_marks(fig: go.Figure, result, quad, convention: str | None, dark: bool) -> None:
    """Lines of what theory predicts, in the grid's own hyperparameters."""
    names = result.names
    if not quad.positive_definite or names[0] != "lr":
        return
    line = dict(color="#FFFFFF" if dark else "#000000", width=2, dash="dash")
    if result.optimizer == "sgd":
        for x, key in ((quad.gd_stability_limit, "limit"), (quad.gd_optimal_lr, "optimal")):
            fig.add_vline(x=x, line=dict(line, dash="dash" if key == "limit" else "dot"))
            fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name=t(
                f"sweeps.theory.gd_{key}", value=f"{x:.4g}"), line=dict(line, dash="dash" if key == "limit" else "dot")))  # fmt: skip
        return
    if result.optimizer != "momentum" or len(names) != 2 or names[1] != "momentum":
        return
    convention = optim_core.spec("momentum").convention(convention).name
    betas = np.linspace(0.0, float(result.grid["momentum"].max()), 60)
    # Distill: converges iff 0 < αλmax < 2 + 2β; α is lr (torch, velocity), lr(1 − β) (EMA).
    alpha_limit = (2 + 2 * betas) / quad.eigenvalues[1]
    lr_limit = [optim_core.theory.momentum_hyper(a, b, convention)["lr"]
                for a, b in zip(alpha_limit, betas, strict=True)]  # fmt: skip
    fig.add_trace(go.Scatter(x=lr_limit, y=betas, mode="lines", line=line, hoverinfo="skip",
                             name=t("sweeps.theory.momentum_limit")))  # fmt: skip
    alpha, beta = quad.momentum_optimal()
    best = optim_core.theory.momentum_hyper(alpha, beta, convention)
    fig.add_trace(go.Scatter(
        x=[best["lr"]], y=[best["momentum"]], mode="markers", hoverinfo="text",
        text=[t("sweeps.theory.momentum_optimal_hover", lr=f"{best['lr']:.4g}",
                momentum=f"{best['momentum']:.4g}", rate=f"{quad.momentum_rate(alpha, beta):.4g}")],
        marker=dict(symbol="star", size=16, color="#FFFFFF", line=dict(color="#000000", width=2)),
        name=t("sweeps.theory.momentum_optimal"),
    ))  # fmt: skip


def basins_figure(
    maps: Sequence, labels: Sequence[str], *, dark: bool = False, font_size: int | None = None,
    height: int = 460,
) -> go.Figure:  # fmt: skip
    """One panel per `optim_core.basins` map: each start coloured by the minimum its run
    reached, DIVERGED_COLOR where it diverged, grey where it stalled."""
    cols = len(maps)
    fig = make_subplots(rows=1, cols=cols, subplot_titles=list(labels), horizontal_spacing=0.04)
    minima = maps[0].minima if maps else ()
    n_colors = len(BASIN_COLORS)
    for c, bmap in enumerate(maps, start=1):
        # Discrete colours: -2 stalled, -1 diverged, k minimum k (cycling the palette).
        z = np.where(bmap.labels >= 0, bmap.labels % n_colors, bmap.labels).astype(float)
        colors = [STALLED_COLOR, DIVERGED_COLOR, *BASIN_COLORS]
        scale = []
        for k, color in enumerate(colors):
            scale += [[k / len(colors), color], [(k + 1) / len(colors), color]]
        kinds = np.unique(bmap.labels)
        names = np.array([_basin_label(int(v), bmap.minima) for v in kinds], dtype=object)
        hover = names[np.searchsorted(kinds, bmap.labels)]
        fig.add_trace(go.Heatmap(
            x=bmap.xs, y=bmap.ys, z=z, zmin=-2.5, zmax=n_colors - 0.5, colorscale=scale,
            showscale=False, text=hover,
            hovertemplate="x=%{x:.3g}, y=%{y:.3g}<br>%{text}<extra></extra>",
        ), row=1, col=c)  # fmt: skip
        if bmap.minima:
            points = np.asarray(bmap.minima)
            fig.add_trace(go.Scatter(
                x=points[:, 0], y=points[:, 1], mode="markers", showlegend=False, hoverinfo="skip",
                marker=dict(symbol=style.MINIMUM_SYMBOL, size=12, color="#FFFFFF",
                            line=dict(color="#000000", width=1.5)),
            ), row=1, col=c)  # fmt: skip
        fig.update_xaxes(range=[bmap.xs[0], bmap.xs[-1]], row=1, col=c, constrain="domain")
        fig.update_yaxes(range=[bmap.ys[0], bmap.ys[-1]], row=1, col=c,
                         scaleanchor=f"x{'' if c == 1 else c}", showticklabels=c == 1)  # fmt: skip
    for k, point in enumerate(minima[:MAX_LEGEND_MINIMA]):
        fig.add_trace(_legend_square(t("sweeps.basins.minimum", index=k + 1, x=f"{point[0]:.3g}",
                                       y=f"{point[1]:.3g}"), BASIN_COLORS[k % n_colors]))  # fmt: skip
    fig.add_trace(_legend_square(t("sweeps.fig.diverged"), DIVERGED_COLOR))
    fig.add_trace(_legend_square(t("sweeps.basins.stalled"), STALLED_COLOR))
    fig.update_layout(**base_layout(dark, font_size), height=height,
                      legend=dict(orientation="h", yanchor="top", y=-0.08, x=0),
                      margin=dict(l=40, r=10, t=40, b=40))  # fmt: skip
    return fig


def _basin_label(label: int, minima) -> str:
    if label == -1:
        return t("sweeps.fig.diverged")
    if label == -2:
        return t("sweeps.basins.stalled")
    x, y = minima[label]
    return t("sweeps.basins.minimum", index=label + 1, x=f"{x:.3g}", y=f"{y:.3g}")


def search_figure(search, *, dark: bool = False, font_size: int | None = None,
                  height: int = 480) -> go.Figure:  # fmt: skip
    """Every trial of a random search on the plane of its (first two) hyperparameters,
    one colour per round, the box each round searched, the best trial as a star."""
    fig = go.Figure()
    names = list(search.rounds[0].samples)
    two = len(names) >= 2
    for k, rnd in enumerate(search.rounds):
        color = ROUND_COLORS[k % len(ROUND_COLORS)]
        x = rnd.samples[names[0]]
        y = rnd.samples[names[1]] if two else rnd.values
        diverged = rnd.diverged_at >= 0
        text = [t("sweeps.hover.diverged", step=int(d)) if d >= 0
                else t("sweeps.hover.value", value=number(v))
                for v, d in zip(rnd.values, rnd.diverged_at, strict=True)]  # fmt: skip
        fig.add_trace(go.Scatter(
            x=x, y=y, mode="markers", name=t("sweeps.search.round", index=k + 1), text=text,
            hovertemplate="%{x:.4g}, %{y:.4g}<br>%{text}<extra></extra>",
            marker=dict(color=color, size=9, symbol=np.where(diverged, "x-thin-open", "circle"),
                        line=dict(color=color, width=2)),
        ))  # fmt: skip
        if two:
            a, b = rnd.ranges[0], rnd.ranges[1]
            fig.add_shape(type="rect", x0=a.low, x1=a.high, y0=b.low, y1=b.high,
                          line=dict(color=color, width=1.5, dash="dot"))  # fmt: skip
    best = search.best()
    if best is not None:
        settings, value, _ = best
        y = settings[names[1]] if two else value
        fig.add_trace(go.Scatter(
            x=[settings[names[0]]], y=[y], mode="markers", name=t("sweeps.search.best"),
            marker=dict(symbol="star", size=18, color="#FFFFFF", line=dict(color="#000000", width=2)),
        ))  # fmt: skip
    if any((r.diverged_at >= 0).any() for r in search.rounds):
        fig.add_trace(_legend_square(t("sweeps.fig.diverged"), "#444444", "x-thin-open"))
    fig.update_xaxes(**_axis(search.optimizer, names[0]))
    if two:
        fig.update_yaxes(**_axis(search.optimizer, names[1]))
    else:
        fig.update_yaxes(title=criterion_title(search.criterion, 1e-6), type="log")
    fig.update_layout(**base_layout(dark, font_size), height=height,
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
                      margin=dict(l=60, r=20, t=40, b=50))  # fmt: skip
    return fig


def tuning_caption(tuning, start, surface_title: str) -> str:
    """What the tuning figure states: budget, criterion, ranges, seed."""
    ranges = "\n".join(
        f"{optimizer_title(r.optimizer)}: " + ", ".join(
            f"{param_title(rg.name, r.optimizer)} ∈ [{rg.low:g}, {rg.high:g}]{' (log)' if rg.log else ''}"
            for rg in r.rounds[0].ranges
        )
        for r in tuning.results
    )  # fmt: skip
    return t("sweeps.tune.caption", budget=tuning.budget, seed=tuning.seed,
             criterion=criterion_title(tuning.criterion, tuning.tolerance), steps=tuning.steps,
             surface=surface_title, x=f"{start[0]:g}", y=f"{start[1]:g}", ranges=ranges)  # fmt: skip


def tuning_figure(tuning, caption: str, *, dark: bool = False, font_size: int | None = None,
                  height: int = 520) -> go.Figure:  # fmt: skip
    """Each optimizer's trials (dots; diverged ones on the top row) and its best (star),
    with the budget, ranges and criterion printed under the chart."""
    fig = go.Figure()
    titles = [optimizer_title(r.optimizer) for r in tuning.results]
    log = tuning.criterion == "final_loss"
    finite = np.concatenate([r.rounds[0].values[np.isfinite(r.rounds[0].values)]
                             for r in tuning.results] + [np.zeros(0)])  # fmt: skip
    positive = finite[finite > 0] if log else finite
    top = (np.log10(positive.max()) + 1 if positive.size else 1.0) if log else (
        positive.max() * 1.1 if positive.size else 1.0)  # fmt: skip
    ceiling = 10**top if log else top
    rng = np.random.default_rng(0)  # jitter only: fixed so the figure is reproducible
    for k, (res, title) in enumerate(zip(tuning.results, titles, strict=True)):
        rnd = res.rounds[0]
        color = style.optimizer_color(res.optimizer, k)
        jitter = k + rng.uniform(-0.25, 0.25, len(rnd.values))
        ok = np.isfinite(rnd.values)
        text = [", ".join(f"{n}={v[i]:.3g}" for n, v in rnd.samples.items())
                for i in range(len(rnd.values))]  # fmt: skip
        y = np.where(ok, np.maximum(rnd.values, 1e-300) if log else rnd.values, ceiling)
        fig.add_trace(go.Scatter(
            x=jitter, y=y, mode="markers", name=title, text=text, showlegend=False,
            hovertemplate="%{text}<br>%{y:.4g}<extra>" + title + "</extra>",
            marker=dict(color=np.where(ok, color, DIVERGED_COLOR).tolist(), size=7, opacity=0.7,
                        symbol=np.where(ok, "circle", "x-thin-open").tolist(),
                        line=dict(width=1.5, color=np.where(ok, color, DIVERGED_COLOR).tolist())),
        ))  # fmt: skip
        best = res.best()
        if best is not None:
            settings, value, _ = best
            fig.add_trace(go.Scatter(
                x=[k], y=[max(value, 1e-300) if log else value], mode="markers", showlegend=False,
                text=[", ".join(f"{n}={v:.3g}" for n, v in settings.items())],
                hovertemplate=t("sweeps.tune.best_hover") + ": %{text}<br>%{y:.4g}<extra></extra>",
                marker=dict(symbol="star", size=20, color=color, line=dict(color="#000000", width=1.5)),
            ))  # fmt: skip
    fig.add_trace(_legend_square(t("sweeps.tune.best"), "#888888", "star"))
    fig.add_trace(_legend_square(t("sweeps.fig.diverged_trial"), DIVERGED_COLOR, "x-thin-open"))
    fig.update_xaxes(
        tickvals=list(range(len(titles))), ticktext=titles, range=[-0.6, len(titles) - 0.4]
    )
    fig.update_yaxes(title=criterion_title(tuning.criterion, tuning.tolerance),
                     type="log" if log else "linear")  # fmt: skip
    fig.add_annotation(text=caption.replace("\n", "<br>"), xref="paper", yref="paper", x=0, y=-0.14, showarrow=False,
                       xanchor="left", yanchor="top", align="left",
                       font=dict(size=(font_size or 13) - 2))  # fmt: skip
    fig.update_layout(**base_layout(dark, font_size), height=height,
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
                      margin=dict(l=60, r=20, t=40, b=90 + 18 * caption.count("\n")))  # fmt: skip
    return fig


def _surface_contour(surface, dark: bool) -> go.Contour:
    grid = style.contour_grid(surface, resolution=120)
    return go.Contour(x=grid.x, y=grid.y, z=grid.z, contours=dict(coloring="lines"),
                      colorscale=style.CONTOUR_COLORSCALE, showscale=False, hoverinfo="skip",
                      line=dict(width=1), ncontours=style.LEVEL_COUNT)  # fmt: skip


def ensemble_figure(ens, *, dark: bool = False, font_size: int | None = None,
                    height: int = 760) -> go.Figure:  # fmt: skip
    """Top: the runs' density over the contour, the mean path and the band of the given
    quantile of distance around it; bottom: the loss quantile band and median."""
    fig = make_subplots(rows=2, cols=1, row_heights=[0.64, 0.36], vertical_spacing=0.08)
    surface = ens.surface
    fig.add_trace(_surface_contour(surface, dark), row=1, col=1)
    points = ens.paths.reshape(-1, 2)
    (x0, x1), (y0, y1) = surface.domain
    inside = (
        (points[:, 0] >= x0) & (points[:, 0] <= x1) & (points[:, 1] >= y0) & (points[:, 1] <= y1)
    )
    fig.add_trace(go.Histogram2dContour(
        x=points[inside, 0], y=points[inside, 1], colorscale=[[0, "rgba(213,94,0,0)"], [1, "rgba(213,94,0,0.55)"]],
        showscale=False, contours=dict(coloring="fill", showlines=False), ncontours=8,
        name=t("sweeps.ensemble.density"), hoverinfo="skip", nbinsx=60, nbinsy=60,
    ), row=1, col=1)  # fmt: skip
    mean = ens.mean_path
    radius = ens.distance_quantiles[-1]
    fig.add_trace(go.Scatter(
        x=mean[:, 0], y=mean[:, 1], mode="lines", name=t("sweeps.ensemble.mean_path"),
        line=dict(color="#000000" if not dark else "#FFFFFF", width=2.5),
        customdata=np.stack([np.arange(len(mean)), radius], -1),
        hovertemplate=t("sweeps.ensemble.mean_hover", share=f"{100 * ens.quantiles[-1]:g}")
        + "<extra></extra>",
    ), row=1, col=1)  # fmt: skip
    # The quantile band around the mean path: at evenly spaced steps, the circle that
    # holds the given share of the runs.
    ink = "#FFFFFF" if dark else "#000000"
    for k in np.unique(np.linspace(0, len(mean) - 1, BAND_CIRCLES).round().astype(int)):
        (cx, cy), r = mean[k], radius[k]
        fig.add_shape(type="circle", x0=cx - r, x1=cx + r, y0=cy - r, y1=cy + r, xref="x", yref="y",
                      line=dict(color=ink, width=1, dash="dot"), fillcolor="rgba(128,128,128,0.12)")  # fmt: skip
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", line=dict(color=ink, width=1, dash="dot"),
                             name=t("sweeps.ensemble.circle", share=f"{100 * ens.quantiles[-1]:g}")),
                  row=1, col=1)  # fmt: skip
    fig.update_xaxes(range=[x0, x1], row=1, col=1)
    fig.update_yaxes(range=[y0, y1], row=1, col=1)
    steps = np.arange(ens.losses.shape[0])
    q = np.maximum(ens.loss_quantiles, 1e-300)
    lo_label, hi_label = (f"{100 * ens.quantiles[0]:g}", f"{100 * ens.quantiles[-1]:g}")
    fig.add_trace(go.Scatter(x=steps, y=q[-1], mode="lines", line=dict(width=0), showlegend=False,
                             hoverinfo="skip"), row=2, col=1)  # fmt: skip
    fig.add_trace(go.Scatter(
        x=steps, y=q[0], mode="lines", line=dict(width=0), fill="tonexty",
        fillcolor="rgba(0,114,178,0.25)", name=t("sweeps.ensemble.band", low=lo_label, high=hi_label),
        hoverinfo="skip",
    ), row=2, col=1)  # fmt: skip
    fig.add_trace(go.Scatter(x=steps, y=np.quantile(ens.losses, 0.5, axis=1), mode="lines",
                             name=t("sweeps.ensemble.median_loss"),
                             line=dict(color=style.OKABE_ITO["blue"], width=2)), row=2, col=1)  # fmt: skip
    fig.update_xaxes(title=t("sweeps.axis.step"), row=2, col=1)
    fig.update_yaxes(title=t("sweeps.axis.loss"), type="log", row=2, col=1)
    fig.update_layout(**base_layout(dark, font_size), height=height,
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
                      margin=dict(l=60, r=20, t=40, b=50))  # fmt: skip
    return fig


def theory_figure(surface, model, *, quad=None, order: int = 2, dark: bool = False,
                  font_size: int | None = None, height: int = 560) -> go.Figure:  # fmt: skip
    """The surface's contour with a Taylor model at `model.point` drawn over it (dashed
    level sets of the same values), and for a quadratic its eigen-directions."""
    fig = go.Figure()
    grid = style.contour_grid(surface, resolution=120)
    fig.add_trace(_surface_contour(surface, dark))
    xx, yy = np.meshgrid(grid.x, grid.y)
    approx = model(np.stack([xx, yy], -1), order=order)
    fig.add_trace(go.Contour(
        x=grid.x, y=grid.y, z=grid.transform(approx) if grid.log_scale else approx,
        contours=dict(coloring="none", start=float(grid.levels[0]), end=float(grid.levels[-1]),
                      size=float(np.diff(grid.levels[:2])[0]) if len(grid.levels) > 1 else 1.0),
        line=dict(color=DIVERGED_COLOR, width=1.5, dash="dash"), showscale=False, hoverinfo="skip",
        name=t(f"sweeps.theory.taylor{order}"), showlegend=True,
    ))  # fmt: skip
    fig.add_trace(go.Scatter(x=[model.point[0]], y=[model.point[1]], mode="markers",
                             name=t("sweeps.theory.point"),
                             marker=dict(size=11, color=DIVERGED_COLOR, line=dict(color="#000", width=1))))  # fmt: skip
    if quad is not None and quad.center is not None:
        (x0, x1), (y0, y1) = surface.domain
        reach = 0.35 * min(x1 - x0, y1 - y0)
        for k, (lam, vec) in enumerate(zip(quad.eigenvalues, quad.eigenvectors.T, strict=True)):
            end = quad.center + reach * vec
            fig.add_annotation(x=end[0], y=end[1], ax=quad.center[0], ay=quad.center[1],
                               xref="x", yref="y", axref="x", ayref="y", showarrow=True,
                               arrowhead=3, arrowwidth=2.5, arrowcolor=ROUND_COLORS[k],
                               text=t("sweeps.theory.eigen", value=f"{lam:.4g}"),
                               font=dict(color=ROUND_COLORS[k]))  # fmt: skip
    (x0, x1), (y0, y1) = surface.domain
    fig.update_xaxes(range=[x0, x1])
    fig.update_yaxes(range=[y0, y1], scaleanchor="x" if surface.equal_aspect else None)
    fig.update_layout(**base_layout(dark, font_size), height=height,
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
                      margin=dict(l=50, r=20, t=40, b=40))  # fmt: skip
    return fig
