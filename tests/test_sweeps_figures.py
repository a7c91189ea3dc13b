"""The Sweeps page's figures and exports, tested through their builders: a diverged cell
is drawn as diverged (its own colour, a legend entry, never a value on the loss scale),
axes are logarithmic where the registry says so, theory lines sit at the closed forms."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest

import i18n
import optim_core
from exports import sweeps as sweep_exports
from i18n import t
from optim_core import theory
from viz import sweeps as figures

GRID = {"lr": np.geomspace(1e-2, 3.0, 9), "momentum": np.linspace(0.0, 0.95, 5)}


@pytest.fixture(scope="module")
def result():
    return optim_core.sweep("momentum", "bowl", GRID, start=(-7, 2), steps=80)


def traces(fig, kind):
    return [tr for tr in fig.data if tr.type == kind]


def test_diverged_cells_are_drawn_as_diverged_never_as_a_loss(result):
    diverged = result.diverged_at >= 0
    assert diverged.any() and (~diverged).any()
    fig = figures.map_figure(result)
    loss_map, diverged_map = traces(fig, "heatmap")[:2]
    z = np.asarray(loss_map.z, float).T  # rows of a heat-map are y: back to grid order
    assert np.array_equal(np.isnan(z), diverged)
    overlay = np.asarray(diverged_map.z, float).T
    assert np.array_equal(~np.isnan(overlay), diverged)
    assert diverged_map.colorscale[0][1] == figures.DIVERGED_COLOR
    legend = [tr for tr in fig.data if tr.showlegend and tr.name == t("sweeps.fig.diverged")]
    assert legend and legend[0].marker.color == figures.DIVERGED_COLOR
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "linear"


def test_every_cell_is_clickable_and_says_its_numbers(result):
    fig = figures.map_figure(result)
    (cells,) = [tr for tr in traces(fig, "scatter") if tr.customdata is not None]
    index = np.asarray(cells.customdata)
    assert len(index) == result.values.size
    for k in (0, 17, len(index) - 1):
        i, j = index[k]
        assert (cells.x[k], cells.y[k]) == (GRID["lr"][i], GRID["momentum"][j])
        text = cells.text[k]
        if result.diverged_at[i, j] >= 0:
            assert t("sweeps.hover.diverged", step=int(result.diverged_at[i, j])) in text
        else:
            assert figures.number(result.final_loss[i, j]) in text


def test_not_reached_cells_have_their_own_colour():
    res = optim_core.sweep("sgd", "bowl", {"lr": np.geomspace(1e-3, 1.5, 7), "weight_decay": [0.0, 0.5]},
                           start=(-7, 2), steps=40, criterion="steps_to_tol", tolerance=1e-8)  # fmt: skip
    fig = figures.map_figure(res)
    names = [tr.name for tr in fig.data if tr.showlegend]
    assert t("sweeps.fig.not_reached") in names and t("sweeps.fig.diverged") in names


def test_gradient_descent_theory_lines_sit_at_the_closed_forms():
    res = optim_core.sweep(
        "sgd", "bowl", {"lr": np.geomspace(0.05, 2, 30)}, start=(-7, 2), steps=100
    )
    quad = theory.quadratic("bowl")
    fig = figures.map_figure(res, theory=quad)
    lines = sorted(shape.x0 for shape in fig.layout.shapes)
    assert lines == pytest.approx(sorted([1.0, 2 / 2.1]))
    # Every setting past the stability limit diverged, every one below converged.
    assert np.all((res.diverged_at >= 0) == (res.grid["lr"] > quad.gd_stability_limit))


@pytest.mark.parametrize("convention", ["torch", "ema"])
def test_the_momentum_map_marks_distills_optimum_in_the_convention(convention):
    res = optim_core.sweep("momentum", "bowl", GRID, start=(-7, 2), steps=20, convention=convention)
    quad = theory.quadratic("bowl")
    fig = figures.map_figure(res, theory=quad, convention=convention)
    (star,) = [tr for tr in fig.data if tr.name == t("sweeps.theory.momentum_optimal")]
    expected = theory.momentum_hyper(*quad.momentum_optimal(), convention)
    assert (star.x[0], star.y[0]) == pytest.approx((expected["lr"], expected["momentum"]))


def test_basins_figure_names_minima_diverged_and_stalled():
    maps = [
        optim_core.basins("sgd", "himmelblau", resolution=20, steps=200, lr=lr)
        for lr in (0.01, 0.05)
    ]
    fig = figures.basins_figure(maps, ["SGD 0.01", "SGD 0.05"])
    names = [tr.name for tr in fig.data if tr.showlegend]
    assert t("sweeps.fig.diverged") in names and t("sweeps.basins.stalled") in names
    assert (
        sum(name.startswith(t("sweeps.basins.minimum", index=1, x="", y="")[:7]) for name in names)
        == 4
    )
    for heat, bmap in zip(traces(fig, "heatmap"), maps, strict=True):
        z = np.asarray(heat.z)
        assert np.array_equal(z == -1, bmap.labels == -1)


def test_tuning_figure_prints_budget_ranges_and_criterion():
    tuning = optim_core.tune(["sgd", "adam"], "rosenbrock", budget=8, steps=30, seed=4)
    caption = figures.tuning_caption(tuning, (-1.5, 2.0), "Rosenbrock")
    for text in ("8", "seed 4", "SGD", "Adam", "[0.0001, 10] (log)", "[0, 0.999]",
                 t("sweeps.criterion.final_loss")):  # fmt: skip
        assert text in caption
    fig = figures.tuning_figure(tuning, caption)
    assert caption.replace("\n", "<br>") in [a.text for a in fig.layout.annotations]


def test_korean_figures_speak_korean(result):
    with i18n.use_language("ko"):
        fig = figures.map_figure(result)
        assert "발산" in [tr.name for tr in fig.data if tr.showlegend]
        assert "학습률" in fig.layout.xaxis.title.text


def test_map_exports(result):
    rows = list(csv.reader(io.StringIO(sweep_exports.sweep_csv(result))))
    assert rows[0] == ["lr", "momentum", "final_loss", "final_loss_gap", "diverged_at"]
    assert len(rows) == 1 + result.values.size
    for row in rows[1:]:
        i = int(np.argmin(np.abs(GRID["lr"] - float(row[0]))))
        j = int(np.argmin(np.abs(GRID["momentum"] - float(row[1]))))
        assert float(row[0]) == GRID["lr"][i]
        if result.diverged_at[i, j] >= 0:
            assert row[2] == "" and int(row[4]) == result.diverged_at[i, j]
        else:
            assert float(row[2]) == result.values[i, j] and row[4] == ""
    assert sweep_exports.sweep_image(result, "png")[:8] == b"\x89PNG\r\n\x1a\n"
    assert sweep_exports.sweep_image(result, "pdf")[:5] == b"%PDF-"
    assert b"<svg" in sweep_exports.sweep_image(result, "svg")[:2000]


def test_ensemble_band_holds_the_stated_share_of_the_runs():
    ens = optim_core.ensemble("momentum", "bowl", runs=40, noise=1.0, seed=2, start=(-7, 2), steps=60,
                              lr=0.1, momentum=0.5)  # fmt: skip
    fig = figures.ensemble_figure(ens)
    circles = [s for s in fig.layout.shapes if s.type == "circle"]
    assert len(circles) == figures.BAND_CIRCLES
    mean = ens.paths.mean(1)
    for circle in circles:
        center = np.array([(circle.x0 + circle.x1) / 2, (circle.y0 + circle.y1) / 2])
        k = int(np.argmin(np.linalg.norm(mean - center, axis=-1)))
        radius = (circle.x1 - circle.x0) / 2
        inside = np.linalg.norm(ens.paths[k] - mean[k], axis=-1) <= radius * (1 + 1e-12)
        assert inside.mean() >= 0.9 - 1 / 40
        assert inside.mean() < 1.0 or radius == 0.0  # the band is a quantile, not the hull
