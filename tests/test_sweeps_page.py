"""The Sweeps page through `AppTest` in both languages, the links that lead to it, and
the challenge banner a link puts on Explore.  (The map's figure is tested through its
builder in `tests/test_sweeps_figures.py`; the click on a cell in a real browser in
`tests/browser/test_sweeps_browser.py`.)"""

from __future__ import annotations

import json
from urllib.parse import parse_qs

import numpy as np
import pytest

import i18n
import optim_core
from app_ui import links
from experiments import Experiment, presets
from i18n import t
from surfaces import FORMULA
from tests.test_app import PAGES, assert_clean, link_notes, open_page, ran, same_settings

SWEEPS = links.SWEEPS_PAGE
VIEWS = ["map", "search", "tune", "basins", "ensemble", "theory", "challenge"]


def query_of(link) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(link.proto.query_string, keep_blank_values=True).items()}


@pytest.mark.parametrize("language", ["en", "ko"])
def test_the_map_opens_by_default_in_both_languages(language):
    at = open_page(SWEEPS, {"lang": language})
    assert_clean(at)
    assert not at.warning, [w.value for w in at.warning]
    with i18n.use_language(language):
        assert at.title[0].value == t("app.page.sweeps.title")
        assert at.caption[1].value == t("sweeps.map.hint")
        # The bowl is quadratic: the theory box states its spectrum.
        assert t("sweeps.theory.spectrum", low="0.1", high="2", kappa="20") in at.info[0].value
    assert len(at.get("plotly_chart")) == 1
    assert at.query_params == {"lang": language}  # defaults stay out of the link


@pytest.mark.parametrize("view", VIEWS)
def test_every_view_runs(view):
    at = open_page(SWEEPS, {"view": view, "surface": "himmelblau", "steps": "60"})
    assert_clean(at)
    assert not link_notes(at)
    assert len(at.get("plotly_chart")) == (0 if view == "challenge" else 1)


def test_links_from_explore_and_compare_carry_the_settings():
    preset = presets.get("dlfs_ch6")
    compare = open_page(links.COMPARE_PAGE, links.preset_params(preset))
    (link,) = [
        x
        for x in compare.get("page_link")
        if x.proto.page.endswith("Sweeps") and "surface=" in x.proto.query_string
    ]
    query = query_of(link)
    assert query["view"] == "tune"
    assert query["tune_opts"].split(",") == [r.optimizer for r in preset.experiment.runs]
    at = open_page(SWEEPS, query)
    assert_clean(at)
    assert not link_notes(at)
    assert at.multiselect[0].value == [r.optimizer for r in preset.experiment.runs]
    first = Experiment.from_dict(
        {**preset.experiment.to_dict(), "runs": [preset.experiment.runs[0].to_dict()]}
    )
    same_settings(ran(at), first)

    explore = open_page(
        PAGES["explore"], {"surface": "himmelblau", "o1_opt": "adam", "o1_lr": "0.05"}
    )
    (link,) = [
        x
        for x in explore.get("page_link")
        if x.proto.page.endswith("Sweeps") and "surface=" in x.proto.query_string
    ]
    at = open_page(SWEEPS, query_of(link))
    assert_clean(at)
    assert not link_notes(at)
    assert ran(at).surface == "himmelblau"
    assert ran(at).runs[0].optimizer == "adam" and ran(at).runs[0].hyper["lr"] == 0.05


def test_the_challenge_link_opens_explore_with_a_live_check():
    at = open_page(SWEEPS, {"view": "challenge", "goal": "0.001", "within": "40"})
    (link,) = [
        x
        for x in at.get("page_link")
        if x.proto.page.endswith("Explore") and "goal=" in x.proto.query_string
    ]
    query = query_of(link)
    assert (query["goal"], query["within"]) == ("0.001", "40")
    explore = open_page(PAGES["explore"], query)
    assert_clean(explore)
    assert not link_notes(explore)  # goal and within are read, not dropped as unknown
    banner = t("sweeps.challenge.goal", goal="0.001", within=40)
    # The default run (momentum, lr 0.1, μ 0.9 on the bowl) does not get there in 40 steps.
    (box,) = [w.value for w in explore.warning if banner in w.value]
    assert t("sweeps.challenge.hint.lower_lr_or_momentum") in box
    assert explore.query_params["goal"] == "0.001"

    solved = open_page(PAGES["explore"], {**query, "o1_momentum": "0.4", "o1_lr": "1.2"})
    assert any(
        banner in s.value and t("sweeps.challenge.reached", step="")[:8] in s.value
        for s in solved.success
    )


def test_a_bad_challenge_in_a_link_is_named_and_the_page_still_runs():
    explore = open_page(PAGES["explore"], {"goal": "-1"})
    assert_clean(explore)
    assert any("goal" in w.value for w in explore.warning)


def test_the_best_cell_can_be_taken_into_the_sidebar_and_opened_on_explore():
    at = open_page(SWEEPS, {"res": "6"})
    (button,) = [b for b in at.button if b.key == "_use_map_best"]
    button.click().run()
    assert_clean(at)
    grid = {"lr": np.geomspace(1e-4, 10.0, 6), "momentum": np.linspace(0.0, 0.999, 6)}
    best = optim_core.sweep("momentum", "bowl", grid, start=(-7, 2), steps=100)
    expected = best.settings_at(best.best()[0])
    assert (at.session_state["o1_lr"], at.session_state["o1_momentum"]) == (
        expected["lr"],
        expected["momentum"],
    )
    (link,) = [
        x
        for x in at.get("page_link")
        if x.proto.page.endswith("Explore") and "o1_lr" in x.proto.query_string
    ]
    explore = open_page(PAGES["explore"], query_of(link))
    assert_clean(explore)
    assert ran(explore).runs[0].hyper["lr"] == expected["lr"]
    assert ran(explore).runs[0].hyper["momentum"] == expected["momentum"]


QUADRATIC = {"surface": FORMULA, "formula": "x^2 + 10y^2", "o1_opt": "sgd"}


def test_a_typed_quadratic_gets_its_map_with_the_theory_lines():
    at = open_page(SWEEPS, {**QUADRATIC, "res": "8"})
    assert_clean(at)
    assert not link_notes(at)
    assert at.selectbox(key="surface").value == FORMULA
    assert ran(at).formula == "x^2 + 10y^2"
    (chart,) = at.get("plotly_chart")
    figure = json.loads(chart.proto.spec)
    # Hessian diag(2, 20): GD is stable for lr < 2/20 = 0.1, fastest at 2/(2 + 20) = 1/11.
    lines = sorted(s["x0"] for s in figure["layout"]["shapes"] if s["type"] == "line")
    assert lines == pytest.approx([1 / 11, 0.1], rel=1e-12)
    names = [trace.get("name") or "" for trace in figure["data"]]
    assert any("2/λ" in name and "0.1" in name for name in names)


VIEW_SIZES = {"map": {"res": "8"}, "tune": {"budget": "4"}, "basins": {"bres": "10"}}


@pytest.mark.parametrize("view", VIEWS)
def test_every_view_runs_on_a_typed_formula(view):
    at = open_page(SWEEPS, {**QUADRATIC, "view": view, "steps": "40", **VIEW_SIZES.get(view, {})})
    assert_clean(at)
    assert not link_notes(at)
    assert len(at.get("plotly_chart")) == (0 if view == "challenge" else 1)
