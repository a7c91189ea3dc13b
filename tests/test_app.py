"""The Streamlit pages through `streamlit.testing.v1.AppTest`: every page runs, the main
controls change what runs, links (presets, deep links) reopen exact settings, and
hostile URL values end in a visible note, never an exception.

AppTest sees a Plotly chart as an opaque element, so these tests assert on widgets,
messages, the URL and the settings the page ran (`sections.EXPERIMENT_STATE`); the
figures themselves are tested in `test_figures.py`.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlencode

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import i18n
import optim_core
from app_ui import links, sections
from experiments import Experiment, presets, recommended
from i18n import t

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 180  # the first run of a process loads the compiled kernels
PAGES = {
    "explore": "pages/1_Explore.py",
    "compare": "pages/2_Compare.py",
    "schedules": "pages/3_Schedules.py",
}


def open_page(page: str | None = None, query: dict[str, str] | None = None) -> AppTest:
    """A fresh session on `page` (None: Home), as if the link were opened directly."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    if page is not None:
        at.switch_page(page)
    if query:
        at.query_params = dict(query)
    return at.run()


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def link_notes(at: AppTest) -> list[str]:
    """The warnings about unusable URL values (runs that diverge warn separately)."""
    return [w.value for w in at.warning if w.value.startswith(t("app.url.notes_title"))]


def ran(at: AppTest) -> Experiment:
    return Experiment.from_json(at.session_state[sections.EXPERIMENT_STATE])


def same_settings(a: Experiment, b: Experiment) -> None:
    """`a` and `b` run the same thing (defaults filled in on both sides)."""
    assert a.surface_object().name == b.surface_object().name
    assert a.surface_object().param_values == b.surface_object().param_values
    assert a.start_point == pytest.approx(b.start_point)
    assert (a.steps, a.noise, a.noise_mode, a.seed, a.gradient) == (
        b.steps,
        b.noise,
        b.noise_mode,
        b.seed,
        b.gradient,
    )
    assert len(a.runs) == len(b.runs)
    for x, y in zip(a.runs, b.runs, strict=True):
        assert x.optimizer == y.optimizer
        spec = optim_core.spec(x.optimizer)
        assert spec.convention(x.convention).name == spec.convention(y.convention).name
        assert x.resolved_hyper() == pytest.approx(y.resolved_hyper())
        assert (x.schedule or None) == (y.schedule or None)
        assert x.display_label == y.display_label


# --- smoke ---------------------------------------------------------------------------------------------


def test_home_runs_and_links_every_preset():
    at = open_page()
    assert_clean(at)
    assert at.title[0].value == "Optimizer Playground"
    preset_links = [link for link in at.get("page_link") if "surface=" in link.proto.query_string]
    assert len(preset_links) == len(presets.names())
    assert len(at.get("plotly_chart")) == len(presets.names())


@pytest.mark.parametrize("page", PAGES.values())
def test_every_page_runs_with_its_defaults(page):
    at = open_page(page)
    assert_clean(at)
    assert not at.warning, [w.value for w in at.warning]
    assert at.title and at.get("plotly_chart")
    # Defaults are not written into the link; the language always is (a shared link keeps it).
    assert at.query_params == {"lang": "en"}


# --- presets and deep links -------------------------------------------------------------------------------


@pytest.mark.parametrize("key", presets.names())
def test_preset_link_from_home_opens_its_exact_settings(key):
    home = open_page()
    preset = presets.get(key)
    expected = urlencode(links.preset_params(preset))
    (link,) = [link for link in home.get("page_link") if link.proto.query_string == expected]
    target = links.preset_page(preset)
    query = {k: v[-1] for k, v in parse_qs(link.proto.query_string, keep_blank_values=True).items()}
    at = open_page(target, query)  # what a click (or a shared copy of that link) does
    assert_clean(at)
    assert not link_notes(at)
    same_settings(ran(at), preset.experiment)
    if target == links.COMPARE_PAGE:
        assert at.session_state["layout"] == preset.layout


def test_copied_link_reopens_the_same_view():
    """Change settings, take the link for them, open it in a new session.

    In a browser, Streamlit's frontend writes bound widgets into the URL as they change
    (AppTest has no frontend), and the app writes the choices itself; the link here is
    the app's own encoding of the settings it ran, which is what the gallery uses.
    """
    at = open_page(PAGES["compare"])
    at.selectbox(key="surface").set_value("rosenbrock").run()
    at.selectbox(key="o2_opt").set_value("adam").run()
    at.select_slider(key="o2_lr").set_value(0.05).run()
    at.number_input(key="steps").set_value(250).run()
    at.segmented_control(key="layout").set_value("grid").run()
    assert_clean(at)
    before = ran(at)
    assert at.query_params["surface"] == "rosenbrock" and at.query_params["o2_opt"] == "adam"
    assert at.query_params["layout"] == "grid"
    copied = links.experiment_params(before, layout="grid")
    again = open_page(PAGES["compare"], copied)
    assert_clean(again)
    assert not link_notes(again)
    same_settings(ran(again), before)
    assert again.session_state["layout"] == "grid"


# --- controls -------------------------------------------------------------------------------------------------


def test_changing_the_surface_moves_the_start_to_its_default():
    at = open_page(PAGES["explore"])
    at.selectbox(key="surface").set_value("rosenbrock").run()
    assert_clean(at)
    experiment = ran(at)
    assert experiment.surface == "rosenbrock"
    assert experiment.start_point == surfacedefault("rosenbrock")
    assert at.query_params["surface"] == "rosenbrock"


def surfacedefault(name: str) -> tuple[float, float]:
    import surfaces

    return tuple(float(v) for v in surfaces.definition(name).default_start)


def test_changing_the_learning_rate_reruns_with_it():
    at = open_page(PAGES["explore"])
    at.select_slider(key="o1_lr").set_value(0.05).run()
    assert_clean(at)
    assert ran(at).runs[0].resolved_hyper()["lr"] == 0.05
    assert links.experiment_params(ran(at))["o1_lr"] == "0.05"


def test_changing_the_optimizer_starts_from_its_defaults():
    at = open_page(PAGES["explore"])
    at.selectbox(key="o1_opt").set_value("adam").run()
    assert_clean(at)
    run = ran(at).runs[0]
    assert run.optimizer == "adam"  # the registry's defaults with the bowl's advised rate
    assert run.resolved_hyper() == recommended.hyper("bowl", "adam")
    at.selectbox(key="o1_opt").set_value("momentum").run()
    assert ran(at).runs[0].resolved_hyper()["lr"] == 0.1  # the page's default momentum run


def test_changing_the_convention_moves_untouched_defaults():
    at = open_page(PAGES["explore"], {"o1_opt": "adagrad"})
    assert ran(at).runs[0].resolved_hyper()["eps"] == 1e-10
    at.selectbox(key="o1_conv").set_value("dlfs").run()
    assert_clean(at)
    run = ran(at).runs[0]
    assert run.convention == "dlfs" and run.resolved_hyper()["eps"] == 1e-7


def test_add_and_remove_an_optimizer_on_compare():
    at = open_page(PAGES["compare"])
    assert [r.optimizer for r in ran(at).runs] == ["sgd", "momentum", "adagrad", "adam"]
    at.button(key="_add_run").click().run()
    assert_clean(at)
    assert [r.optimizer for r in ran(at).runs] == ["sgd", "momentum", "adagrad", "adam", "rmsprop"]
    at.button(key="_remove_2").click().run()
    assert_clean(at)
    runs = ran(at).runs
    assert [r.optimizer for r in runs] == ["sgd", "adagrad", "adam", "rmsprop"]
    # The runs that moved up kept their own settings (AdaGrad in the DLfS form, lr 1.5).
    assert runs[1].convention == "dlfs" and runs[1].resolved_hyper()["lr"] == 1.5
    assert runs[2].convention == "folded" and runs[2].resolved_hyper()["lr"] == 0.3
    assert "o5_opt" not in at.query_params


def test_schedule_settings_reach_the_run():
    at = open_page(PAGES["schedules"])
    at.selectbox(key="o1_sched").set_value("exponential").run()
    at.number_input(key="o1_sched_decay_steps").set_value(20).run()
    assert_clean(at)
    scheduled, constant = ran(at).runs
    assert scheduled.schedule["name"] == "exponential" and scheduled.schedule["decay_steps"] == 20
    assert constant.schedule is None


def test_schedules_opens_on_paths_that_differ():
    at = open_page(PAGES["schedules"])
    experiment = ran(at)
    scheduled, constant = experiment.run()
    (x0, x1), (y0, y1) = experiment.surface_object().domain
    view = np.array([x1 - x0, y1 - y0])

    def drawn(path):  # the polyline, densely sampled, in fractions of the view
        path = np.asarray(path) / view
        steps = np.linspace(0, 1, 20)[:, None, None]
        return (path[:-1] + steps * (path[1:] - path[:-1])).reshape(-1, 2)

    a, b = drawn(scheduled.path), drawn(constant.path)
    gaps = np.linalg.norm(a[:, None] - b[None], axis=-1)
    hausdorff = max(gaps.min(axis=1).max(), gaps.min(axis=0).max())
    assert hausdorff > 0.02  # one line does not hide the other


def schedule_fields(at: AppTest, slot: int = 1) -> set[str]:
    """The URL names of the schedule parameter controls slot `slot` shows."""
    prefix = f"o{slot}_sched_"
    widgets = [*at.number_input, *at.select_slider, *at.text_input, *at.toggle]
    return {w.key[len(prefix) :] for w in widgets if w.key and w.key.startswith(prefix)}


def test_a_schedule_shows_only_the_parameters_it_uses():
    at = open_page(PAGES["explore"])
    assert at.selectbox(key="o1_sched").value == "constant"
    assert schedule_fields(at) == set()  # a constant rate has no knobs, no warm-up either
    from optim_core import schedules

    for name in schedules.names():
        at.selectbox(key="o1_sched").set_value(name).run()
        assert_clean(at)
        spec = schedules.spec(name)
        expected = {p.name for p in spec.params} | (
            {"warmup_steps"} if name != "constant" else set()
        )
        assert schedule_fields(at) == expected, name


def test_presenter_view_from_the_url():
    at = open_page(PAGES["compare"], {"present": "1"})
    assert_clean(at)
    assert at.button(key="_present_exit")
    at.button(key="_present_exit").click().run()
    assert "present" not in at.query_params
    assert not [b for b in at.button if b.key == "_present_exit"]
    assert [b for b in at.button if b.key == "_present_enter"]


# --- bad input ----------------------------------------------------------------------------------------------------

HOSTILE = {
    "surface": "nope",
    "x0": "abc",
    "y0": "1e999",
    "steps": "-5",
    "noise": "nan",
    "seed": "-1",
    "o1_opt": "zzz",
    "o1_lr": "-1",
    "o1_momentum": "2",
    "o1_sched": "cosine",
    "o1_sched_decay_steps": "0",
    "present": "maybe",
    "k": "1e9",
    "n": "99",
    "layout": "<script>",
    "tol": "0",
}


@pytest.mark.parametrize("page", PAGES.values())
def test_hostile_url_values_fall_back_with_a_note(page):
    at = open_page(page, HOSTILE)
    assert_clean(at)
    (note,) = link_notes(at)
    for key in ("surface", "x0", "y0", "steps", "noise", "o1_opt", "o1_lr", "present"):
        assert f"`{key}`" in note
    assert "[0, 1)" in note or page != PAGES["explore"]  # o1_momentum's range, where momentum runs
    experiment = ran(at)
    assert experiment.surface == "bowl" and experiment.noise == 0.0
    assert experiment.runs[0].resolved_hyper()["lr"] > 0
    # The unusable values are gone from the link; the next rerun is quiet.
    for key in ("surface", "x0", "steps", "o1_lr", "present"):
        assert key not in at.query_params
    at.run()
    assert_clean(at)
    assert not link_notes(at)


@pytest.mark.parametrize("page", [None, *PAGES.values()])
def test_an_unknown_parameter_is_named_and_removed(page):
    # `lr` alone is no control's name (the rate is `o1_lr`); `k` is Explore's step only.
    query = (
        {"foo": "1", "lr": "3", "k": "4"} if page != PAGES["explore"] else {"foo": "1", "lr": "3"}
    )
    at = open_page(page, {"lang": "ko", **query})
    assert_clean(at)
    with i18n.use_language("ko"):
        (note,) = link_notes(at)
        for key, value in query.items():
            assert t("app.url.unknown", name=key, value=value) in note
            assert key not in at.query_params
        assert at.query_params["lang"] == "ko"
        at.run()
        assert not link_notes(at)


def test_every_hostile_value_is_named_on_compare():
    at = open_page(PAGES["compare"], HOSTILE)
    (note,) = link_notes(at)
    for key in ("n", "layout", "tol", "seed", "o1_sched_decay_steps"):
        assert f"`{key}`" in note
    experiment = ran(at)
    assert len(experiment.runs) == 4 and at.session_state["layout"] == "overlay"


def test_settings_the_engine_refuses_show_an_error_not_a_crash():
    # L-BFGS needs exact gradients: noise is refused by the engine (ParameterError).
    at = open_page(PAGES["explore"], {"o1_opt": "lbfgs", "noise": "0.5"})
    assert not at.exception
    assert at.error and "noise" in at.error[0].value
    # The other settings are kept; fixing the bad one runs again.
    at.select_slider(key="noise").set_value(0.0).run()
    assert_clean(at)
    assert ran(at).runs[0].optimizer == "lbfgs"


def test_a_diverging_run_is_announced():
    at = open_page(PAGES["explore"], {"o1_opt": "sgd", "o1_lr": "1.5", "steps": "40"})
    assert_clean(at)
    assert any("diverged at step 10" in w.value for w in at.warning)


def test_closed_panels_cost_nothing_and_open_on_demand():
    at = open_page(PAGES["compare"])
    assert_clean(at)
    formats = [s for s in at.selectbox if s.key == "compare-format"]
    assert formats == []  # closed: the export panel's controls are not built
    cards = [m for m in at.markdown if m.value.startswith("**" + t("app.card.idea"))]
    assert cards == []
    at.session_state["_export_compare"] = True  # what opening the panel sets
    at.session_state["_card_momentum_velocity"] = True
    at.run()
    assert_clean(at)
    assert [s.key for s in at.selectbox if s.key == "compare-format"] == ["compare-format"]
    assert any(m.value.startswith("**" + t("app.card.idea")) for m in at.markdown)
