"""Explore: one optimizer in depth: its path, the gradient / momentum / update arrows at
a chosen step, its internal state next to its update rule, and its curves."""

import numpy as np
import streamlit as st

import optim_core
from app_ui import controls, fields, links, runs, sections
from app_ui.page import setup_page
from app_ui.sweeps import challenge_banner
from experiments import Experiment, RunConfig
from i18n import t
from viz import contour, curves, surface3d

DEFAULT = Experiment(
    surface="bowl",
    start=(-7.0, 2.0),
    steps=60,
    runs=(RunConfig("momentum", {"lr": 0.1, "momentum": 0.9}),),
)
DEFAULT_STEP = 5


def _nudge(delta: int, high: int) -> None:
    st.session_state["k"] = int(
        min(max(int(st.session_state.get("k", DEFAULT_STEP)) + delta, 0), high)
    )


def _vector(values) -> str:
    x, y = (float(v) for v in values)
    return rf"\begin{{pmatrix}} {x:.4g} \\ {y:.4g} \end{{pmatrix}}"


def state_numbers(trajectory, step: int) -> str:
    """The update's numbers at `step` as LaTeX, in the registry's symbols."""
    spec = optim_core.spec(trajectory.optimizer)
    lines = [rf"t &= {step}"]
    if step >= 1:
        lines.append(rf"\eta_t &= {float(trajectory.lr[step - 1]):.4g}")
        lines.append(rf"\theta_{{t-1}} &= {_vector(trajectory.path[step - 1])}")
        for slot in spec.state:
            lines.append(rf"{slot.symbol} &= {_vector(trajectory.state[slot.name][step])}")
    lines.append(rf"\theta_t &= {_vector(trajectory.path[step])}")
    return r"\begin{aligned}" + r" \\ ".join(lines) + r"\end{aligned}"


def state_table(trajectory, step: int) -> str:
    """The state inspector as a Markdown table (symbols rendered as math)."""
    spec = optim_core.spec(trajectory.optimizer)
    head = [t("app.explore.table.state"), "x", "y", t("app.explore.table.meaning")]
    rows = [f"| {' | '.join(head)} |", "|" + "---|" * len(head)]
    for slot in spec.state:
        x, y = (float(v) for v in trajectory.state[slot.name][step])
        meaning = sections.with_math(
            t(f"optimizer.{spec.name}.state.{slot.name}.help", default=slot.help)
        )
        rows.append(f"| ${slot.symbol}$ | {x:.4g} | {y:.4g} | {meaning} |")
    grad = np.asarray(trajectory.grad[step], dtype=float)
    rows.append(
        rf"| $\nabla f(\theta_t)$ | {grad[0]:.4g} | {grad[1]:.4g} | {sections.with_math(t('app.explore.table.exact_grad'))} |"
    )
    return "\n".join(rows)


@st.fragment
def step_inspector(experiment_: Experiment, trajectories: list) -> None:
    """The step slider and everything drawn at that step (the chart's arrows, the update's
    numbers, the state table, the curves' markers): moving the step reruns only this."""
    start = (st.session_state.get("x0"), st.session_state.get("y0"))
    if start != tuple(experiment_.start_point):  # a click on the chart picked a new start
        st.rerun(scope="app")
    trajectory = trajectories[0]
    label = controls.optimizer_title(trajectory.optimizer)
    steps = experiment_.steps
    if int(st.session_state.get("k", DEFAULT_STEP)) > steps:
        st.session_state["k"] = steps
    back, slider, forward = st.columns([1, 10, 1], vertical_alignment="bottom")
    back.button("◀", key="_k_back", on_click=_nudge, args=(-1, steps), help=t("app.explore.prev"))
    forward.button("▶", key="_k_next", on_click=_nudge, args=(1, steps), help=t("app.explore.next"))
    step = fields.step_slider(page, "k", t("app.explore.step"), min(DEFAULT_STEP, steps), steps,
                              help=t("app.explore.step_help"), container=slider)  # fmt: skip

    figure = contour.contour_figure(
        experiment_.surface_object(), trajectories, [label], step=step, arrows=True, clickable=True,
        dark=page.dark, font_size=page.font_size, height=720 if page.presenter else 600,
        background=runs.background_for(experiment_, page.dark),
    )  # fmt: skip
    st.caption(t("app.chart.hint_explore"))
    sections.show_chart(figure, "explore_chart", clickable=True)
    rule, table = st.columns([2, 3])
    with rule:
        convention = optim_core.spec(trajectory.optimizer).convention(trajectory.convention)
        convention_title = t(
            f"optimizer.{trajectory.optimizer}.convention.{convention.name}.title",
            default=convention.title,
        )
        st.markdown(f"**{t('app.explore.rule', convention=convention_title)}**")
        st.latex(convention.latex)
        st.markdown(f"**{t('app.explore.numbers')}**")
        st.latex(state_numbers(trajectory, step))
    with table:
        st.markdown(f"**{t('app.explore.inspector', step=step)}**")
        st.markdown(state_table(trajectory, step))

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
with st.expander(t("app.explore.card", title=label), expanded=not page.presenter):
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
