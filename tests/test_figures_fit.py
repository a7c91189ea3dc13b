"""The contour figures' markers, drawing order and phone layout (the browser checks are
in tests/browser/test_fit.py)."""

from __future__ import annotations

import optim_core
import surfaces
from i18n import t as t_
from viz import contour, style


def _runs(surface, *names, steps=20):
    return [optim_core.run(name, surface, steps=steps, lr=0.1) for name in names]


def test_saddles_and_diverged_runs_have_different_markers():
    assert style.SADDLE_SYMBOL != style.DIVERGED_SYMBOL
    assert "x" not in style.SADDLE_SYMBOL and "cross" not in style.SADDLE_SYMBOL
    surface = surfaces.get("himmelblau")
    fig = contour.contour_figure(surface, _runs(surface, "sgd")).to_dict()
    saddle = [t for t in fig["data"] if t.get("name") == t_("app.fig.saddle")]
    assert saddle and saddle[0]["marker"]["symbol"] == style.SADDLE_SYMBOL


def _order(data, name):
    return [i for i, t in enumerate(data) if t.get("name") == name]


def test_the_minimum_and_start_are_drawn_over_the_runs():
    surface = surfaces.get("bowl")
    runs = _runs(surface, "sgd", "adam")
    for fig in (
        contour.contour_figure(surface, runs, arrows=True).to_dict(),
        contour.small_multiples_figure(surface, runs).to_dict(),
    ):
        data = fig["data"]
        run_traces = [i for i, t in enumerate(data) if t.get("legendgroup", "").startswith("run")]
        minima = _order(data, t_("app.fig.minimum"))
        starts = _order(data, t_("app.fig.start"))
        assert minima and starts
        # In every panel the star comes after that panel's run traces (plotly.js draws
        # later traces on top).
        for axis in {t.get("xaxis", "x") for t in data}:
            panel = [i for i in run_traces if data[i].get("xaxis", "x") == axis]
            star = [i for i in minima if data[i].get("xaxis", "x") == axis]
            assert panel and star and min(star) > max(panel), axis


def test_compact_contour_fills_the_width_and_moves_speeds_and_legend_down():
    surface = surfaces.get("bowl")  # a 2:1 view box with equal aspect on a wide screen
    runs = _runs(surface, "sgd", "momentum", "adagrad", "adam")
    wide = contour.contour_figure(surface, runs).to_dict()["layout"]
    phone = contour.contour_figure(surface, runs, compact=True).to_dict()["layout"]
    assert wide["yaxis"].get("scaleanchor") == "x" and "scaleanchor" not in phone["yaxis"]
    plot_height = phone["height"] - phone["margin"]["t"] - phone["margin"]["b"]
    assert plot_height == contour.COMPACT_PLOT_HEIGHT
    play, speeds = phone["updatemenus"]
    assert speeds["x"] == 0.0 and speeds["pad"]["t"] >= play["pad"]["t"] + contour.COMPACT_ROW
    assert phone["sliders"][0]["pad"]["t"] > speeds["pad"]["t"]
    legend = phone["legend"]
    assert legend["yref"] == "container" and legend["y"] == 0 and legend["orientation"] == "h"
    # The bottom margin holds the controls and both legend rows (4 short names, 2 a row).
    assert (
        phone["margin"]["b"]
        >= wide["margin"]["b"] + contour.COMPACT_ROW + 2 * contour.COMPACT_LEGEND_ROW
    )


def test_compact_legend_takes_one_column_for_long_or_wide_names():
    surface = surfaces.get("bowl")
    runs = _runs(surface, "sgd", "adam")
    short = contour.contour_figure(surface, runs, labels=["SGD", "Adam"], compact=True)
    hangul = contour.contour_figure(
        surface, runs, labels=["모멘텀으로 이어진 부분", "SGD"], compact=True
    )
    assert short.to_dict()["layout"]["legend"]["entrywidth"] > 0.4
    assert hangul.to_dict()["layout"]["legend"]["entrywidth"] > 0.9


def test_compact_small_multiples_are_one_column():
    surface = surfaces.get("bowl")
    runs = _runs(surface, "sgd", "momentum", "adagrad", "adam")
    layout = contour.small_multiples_figure(surface, runs, compact=True).to_dict()["layout"]
    domains = {tuple(layout[key]["domain"]) for key in layout if key.startswith("xaxis")}
    assert len(domains) == 1  # every panel spans the width
    assert all("scaleanchor" not in layout[k] for k in layout if k.startswith("yaxis"))
