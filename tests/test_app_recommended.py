"""Switching surface on Explore and Compare applies the surface's recommended settings
(`experiments.recommended`): every built-in surface opens with runs that neither diverge
nor leave the view, and a value the person sets stays until the next switch."""

from __future__ import annotations

import pytest

import surfaces
from app_ui import links, runs
from experiments import recommended
from tests.test_app import PAGES, assert_clean, open_page, ran


def announced(experiment) -> list[tuple[int | None, int | None]]:
    """(diverged at, left the view at) of every run the page would announce."""
    return [
        runs.run_events(trajectory)
        for trajectory in experiment.run()
        if runs.run_events(trajectory) != (None, None)
    ]


@pytest.mark.parametrize("page", ["explore", "compare"])
def test_every_surface_opens_without_diverged_runs(page):
    at = open_page(PAGES[page])
    names = surfaces.names()
    for name in names[1:] + names[:1]:  # the page opens on the first: switch back to it last
        at.selectbox(key="surface").set_value(name).run()
        assert_clean(at)
        experiment = ran(at)
        assert experiment.surface == name
        assert experiment.steps == recommended.steps(name)
        for run in experiment.runs:
            assert run.resolved_hyper() == recommended.hyper(name, run.optimizer, run.convention)
        assert announced(experiment) == [], name


def test_a_changed_value_stays_until_the_surface_changes_again():
    at = open_page(PAGES["compare"])
    at.selectbox(key="surface").set_value("rosenbrock").run()
    advised = recommended.hyper("rosenbrock", "adam", "folded")["lr"]
    assert ran(at).runs[3].resolved_hyper()["lr"] == advised
    at.select_slider(key="o4_lr").set_value(0.05).run()
    at.number_input(key="steps").set_value(50).run()
    at.select_slider(key="noise").set_value(0.1).run()  # not advised: never touched
    assert ran(at).runs[3].resolved_hyper()["lr"] == 0.05 and ran(at).steps == 50
    at.select_slider(key="o1_lr").set_value(0.0005).run()  # another control: 0.05 stays
    assert ran(at).runs[3].resolved_hyper()["lr"] == 0.05
    at.selectbox(key="surface").set_value("beale").run()
    assert_clean(at)
    experiment = ran(at)
    assert (
        experiment.runs[3].resolved_hyper()["lr"]
        == recommended.hyper("beale", "adam", "folded")["lr"]
    )
    assert experiment.steps == recommended.steps("beale")
    assert experiment.noise == 0.1


def test_a_link_that_names_only_the_surface_opens_its_recommendation():
    at = open_page(PAGES["explore"], {"surface": "himmelblau"})
    assert_clean(at)
    experiment = ran(at)
    assert experiment.steps == recommended.steps("himmelblau")
    assert experiment.runs[0].resolved_hyper() == recommended.hyper("himmelblau", "momentum")
    # ... and the link written back reopens exactly that.
    again = open_page(PAGES["explore"], links.explore_params(experiment))
    assert ran(again).runs[0].resolved_hyper() == experiment.runs[0].resolved_hyper()


def test_changing_the_optimizer_on_another_surface_takes_its_advice():
    at = open_page(PAGES["explore"], {"surface": "rosenbrock"})
    at.selectbox(key="o1_opt").set_value("rmsprop").run()
    assert ran(at).runs[0].resolved_hyper() == recommended.hyper("rosenbrock", "rmsprop")
    at.selectbox(key="o1_conv").set_value("eps_inside").run()
    assert ran(at).runs[0].resolved_hyper() == recommended.hyper(
        "rosenbrock", "rmsprop", "eps_inside"
    )
