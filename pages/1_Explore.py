"""Explore: one optimizer in depth: its path, the gradient / momentum / update arrows at
a chosen step, its internal state next to its update rule, and its curves."""

import streamlit as st

import optim_core
from app_ui import controls, fields, links, live_chart, sections
from app_ui.page import setup_page
from app_ui.sweeps import challenge_banner
from experiments import Experiment, RunConfig
from i18n import t
from viz import curves, surface3d

DEFAULT = Experiment(
    surface="bowl",
    start=(-7.0, 2.0),
    steps=60,
    runs=(RunConfig("momentum", {"lr": 0.1, "momentum": 0.9}),),
)
DEFAULT_STEP = 5


def inspected_step(steps: int) -> int:
    """The step the live chart opens on: the last one released there (``k``, in the URL)."""
    for raw in (st.session_state.get(live_chart.LIVE_STEP_KEY), st.query_params.get("k")):
        try:
            return min(max(int(raw), 0), steps)
        except (TypeError, ValueError):
            continue
    return min(DEFAULT_STEP, steps)


def step_inspector(experiment_: Experiment, trajectories: list) -> None:
    """The live chart (paths, arrows, player and state inspector at the step on screen),
    the update rule, and the curves."""
    trajectory = trajectories[0]
    label = controls.optimizer_title(trajectory.optimizer)
    step = inspected_step(experiment_.steps)
    fields.sync_url(
        page, live_chart.LIVE_STEP_KEY, str(step), str(min(DEFAULT_STEP, experiment_.steps))
    )
    st.caption(t("live.hint"))
    live_chart.live_chart(page, experiment_, trajectories, [label], mode="explore", key="explore_live",
                          step=step)  # fmt: skip
    convention = optim_core.spec(trajectory.optimizer).convention(trajectory.convention)
    convention_title = t(
        f"optimizer.{trajectory.optimizer}.convention.{convention.name}.title",
        default=convention.title,
    )
    st.markdown(f"**{t('app.explore.rule', convention=convention_title)}**")
    st.latex(convention.latex)
    st.plotly_chart(
        curves.curves_figure(trajectories, [label], step=step, dark=page.dark, font_size=page.font_size),
        key="explore_curves", theme=None, config=sections.PLOTLY_CONFIG,
    )  # fmt: skip


page = setup_page("explore")
side = st.sidebar
surface_choice, start, settings = controls.experiment_controls(page, DEFAULT, side)
side.subheader(t("app.explore.optimizer"))
run_config = controls.optimizer_controls(page, 1, DEFAULT.runs, side, show_label=False)

st.title(t("app.page.explore.title"))
sections.surface_header(surface_choice)
experiment_, trajectories = sections.run_or_stop(
    page, lambda: sections.build_experiment(surface_choice, start, settings, [run_config])
)
trajectory = trajectories[0]
label = controls.optimizer_title(trajectory.optimizer)
with st.expander(t("app.explore.card", title=label)):  # closed: the chart fits above the fold
    sections.optimizer_card(experiment_.runs[0])
sections.show_events(trajectories, [label])
challenge_banner(page, trajectory)
step_inspector(experiment_, trajectories)

if fields.toggle_control(
    page, "surface3d", t("app.explore.show_3d"), False, help=t("app.explore.show_3d_help")
):
    st.plotly_chart(
        surface3d.surface_3d_figure(experiment_.surface_object(), trajectories, [label], dark=page.dark,
                                  font_size=page.font_size),
        key="explore_3d", theme=None, config=sections.PLOTLY_CONFIG,
    )  # fmt: skip
st.page_link(links.COMPARE_PAGE, label=t("app.explore.to_compare"), icon=":material/compare_arrows:",
             query_params=links.experiment_params(experiment_))  # fmt: skip
st.page_link(links.SWEEPS_PAGE, label=t("sweeps.from_explore"), icon=":material/grid_on:",
             query_params=links.sweeps_params(experiment_))  # fmt: skip
sections.export_panel(experiment_, trajectories, key="explore")
page.finish()
