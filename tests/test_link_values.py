"""A page opened from a link shows the link's values, in one session that had set other
values on that page before (Streamlit keeps a URL-bound widget's value by key across
pages; `app_ui.page` makes the link's value win).  Every kind of cross-page link: Home's
presets, Explore and Compare to Sweeps, Sweeps' "use the best setting" and challenge
links, Fair tuning's "compare them at their best"; a plain visit keeps the session's."""

from __future__ import annotations

from urllib.parse import parse_qs

from streamlit.testing.v1 import AppTest

import optim_core
from app_ui import links
from experiments import presets
from tests.test_app import PAGES, ROOT, TIMEOUT, assert_clean, link_notes, ran, same_settings


def session(page: str, query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.run()
    return follow(at, page, query or {})


def follow(at: AppTest, page: str, query: dict[str, str]) -> AppTest:
    """Open `page` with `query` in the same session, as a link does."""
    at.switch_page(page)
    at.query_params = dict(query)
    return at.run()


def query_of(link) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(link.proto.query_string, keep_blank_values=True).items()}


def slider(at: AppTest, key: str):
    (widget,) = [w for w in at.select_slider if w.key == key]
    return widget


def test_a_preset_link_beats_the_values_set_on_compare_before():
    at = session(links.COMPARE_PAGE)
    slider(at, "o1_lr").set_value(0.002).run()
    assert ran(at).runs[0].hyper["lr"] == 0.002
    at = follow(at, "app.py", {"lang": "en"})
    preset = presets.get("dlfs_ch6")
    at = follow(at, links.preset_page(preset), links.preset_params(preset))
    assert_clean(at)
    assert not link_notes(at)
    same_settings(ran(at), preset.experiment)
    # and a plain visit (the sidebar's link) keeps the session's values
    at = follow(at, "app.py", {"lang": "en"})
    at = follow(at, links.COMPARE_PAGE, {"lang": "en"})
    same_settings(ran(at), preset.experiment)


def page_link(at: AppTest, target: str, contains: str):
    (link,) = [
        x
        for x in at.get("page_link")
        if x.proto.page.endswith(target) and contains in x.proto.query_string
    ]
    return query_of(link)


def test_compare_to_explore_beats_the_lr_set_on_explore_before():
    at = session(PAGES["explore"])
    slider(at, "o1_lr").set_value(0.002).run()
    assert ran(at).runs[0].hyper["lr"] == 0.002
    preset = presets.get("dlfs_ch6")
    at = follow(at, links.COMPARE_PAGE, links.preset_params(preset))
    first = preset.experiment.runs[0]
    convention = optim_core.spec(first.optimizer).convention(first.convention).name
    at.session_state[f"_card_{first.optimizer}_{convention}"] = True  # open its card
    query = page_link(at.run(), "Explore", f"o1_opt={first.optimizer}")
    at = follow(at, PAGES["explore"], query)
    assert_clean(at)
    assert not link_notes(at)
    assert ran(at).runs[0].optimizer == first.optimizer
    assert ran(at).runs[0].hyper["lr"] == first.resolved_hyper()["lr"] != 0.002
    same_settings(ran(at), preset.experiment.with_runs((first,)))


def test_explore_and_compare_to_sweeps_beat_the_values_set_on_sweeps_before():
    at = session(links.SWEEPS_PAGE, {"res": "4"})
    slider(at, "o1_lr").set_value(0.002).run()
    at = follow(at, PAGES["explore"], {"surface": "himmelblau", "o1_opt": "adam", "o1_lr": "0.05"})
    at = follow(at, links.SWEEPS_PAGE, page_link(at, "Sweeps", "surface="))
    assert_clean(at)
    assert not link_notes(at)
    assert ran(at).surface == "himmelblau"
    assert ran(at).runs[0].optimizer == "adam" and ran(at).runs[0].hyper["lr"] == 0.05

    preset = presets.get("dlfs_ch6")
    at = follow(at, links.COMPARE_PAGE, links.preset_params(preset))
    at = follow(at, links.SWEEPS_PAGE, page_link(at, "Sweeps", "tune_opts="))
    assert_clean(at)
    first = preset.experiment.runs[0]
    same_settings(ran(at), preset.experiment.with_runs((first,)))


def test_use_best_then_its_link_opens_that_setting_on_explore_visited_before():
    at = session(PAGES["explore"])
    slider(at, "o1_lr").set_value(0.002).run()
    at = follow(at, links.SWEEPS_PAGE, {"res": "6"})
    (button,) = [b for b in at.button if b.key == "_use_map_best"]
    button.click().run()
    expected = ran(at).runs[0].resolved_hyper()
    assert expected["lr"] != 0.002
    at = follow(at, PAGES["explore"], page_link(at, "Explore", "o1_lr="))
    assert_clean(at)
    assert ran(at).runs[0].resolved_hyper() == expected


def test_the_challenge_link_beats_the_values_set_on_explore_before():
    at = session(PAGES["explore"])
    slider(at, "o1_lr").set_value(0.002).run()
    at = follow(at, links.SWEEPS_PAGE, {"view": "challenge", "goal": "0.001", "within": "40"})
    query = page_link(at, "Explore", "goal=")
    at = follow(at, PAGES["explore"], query)
    assert_clean(at)
    assert not link_notes(at)
    assert ran(at).runs[0].hyper["lr"] == float(query["o1_lr"]) != 0.002


def test_compare_them_at_their_best_opens_every_optimizer_at_its_best():
    at = session(links.COMPARE_PAGE)
    slider(at, "o1_lr").set_value(0.002).run()
    at = follow(at, links.SWEEPS_PAGE, {"view": "tune", "budget": "8", "steps": "40"})
    assert_clean(at)
    query = page_link(at, "Compare", "o1_opt=")
    at = follow(at, links.COMPARE_PAGE, query)
    assert_clean(at)
    assert not link_notes(at)
    experiment = ran(at)
    tuned = optim_core.tune(("sgd", "momentum", "rmsprop", "adam"), experiment.surface_object(),
                            budget=8, seed=experiment.seed, start=experiment.start_point,
                            steps=40)  # fmt: skip
    assert [r.optimizer for r in experiment.runs] == [s.optimizer for s in tuned.results]
    for run, search in zip(experiment.runs, tuned.results, strict=True):
        for name, value in search.best()[0].items():
            assert run.resolved_hyper()[name] == value
