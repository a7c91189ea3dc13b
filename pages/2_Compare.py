"""Compare: any set of optimizers from one start with the same noise, overlaid on one
contour or as small multiples sharing one step slider; loss, distance and a summary."""

from dataclasses import dataclass

import streamlit as st

from app_ui import controls, fields, links, live_chart, runs, sections
from app_ui import text as user_text
from app_ui.page import Page, setup_page
from experiments import Experiment, RunConfig, presets
from experiments.experiment import MAX_RUNS
from exports.options import LAYOUTS
from foundation.params import Param
from i18n import t
from viz import contour, curves
from viz.background import PANEL_BACKGROUND_WIDTH

DEFAULT = presets.get("dlfs_ch6").experiment  # the page opens on Figure 6-8 of DLfS
TOLERANCE = Param(
    "tol",
    1e-3,
    "Loss gap f − f* that counts as 'reached' in the summary table.",
    symbol=r"\varepsilon",
    low=0.0,
    low_open=True,
    log=True,
    ui_low=1e-10,
    ui_high=10.0,
)


def _add_run() -> None:
    st.session_state["n"] = min(int(st.session_state.get("n", len(DEFAULT.runs))) + 1, MAX_RUNS)


def _remove_run(slot: int) -> None:
    """Remove run `slot`: later runs move up one place, keeping their settings."""
    count = int(st.session_state.get("n", len(DEFAULT.runs)))
    if count <= 1:
        return
    for i in range(slot, count):
        here, there = f"o{i}_", f"o{i + 1}_"
        for key in [k for k in st.session_state if k.startswith(here)]:
            del st.session_state[key]
        for key in [k for k in st.session_state if k.startswith(there)]:
            st.session_state[here + key[len(there) :]] = st.session_state[key]
    for key in [k for k in st.session_state if k.startswith(f"o{count}_")]:
        del st.session_state[key]
    st.session_state["n"] = count - 1


@dataclass(frozen=True)
class CompareControls:
    """Everything the sidebar sets."""

    surface: controls.SurfaceChoice
    start: tuple[float, float]
    settings: controls.RunSettings
    layout: str
    tolerance: float
    runs: tuple[RunConfig, ...]


def read_controls(page: Page, side) -> CompareControls:
    """The sidebar's controls, drawn into `side`."""
    surface_choice, start, settings = controls.experiment_controls(page, DEFAULT, side)
    layout = fields.choice(
        page, "layout", t("app.compare.layout"), LAYOUTS, "overlay",
        titles=lambda v: t(f"app.compare.layout.{v}"), help=t("app.compare.layout_help"),
        container=side, horizontal=True,
    )  # fmt: skip
    tolerance = fields.float_control(
        page, "tol", TOLERANCE, TOLERANCE.default, label=t("app.compare.tolerance") + r" $\varepsilon$",
        help=t("app.compare.tolerance_help"), container=side,
    )  # fmt: skip
    count = fields.int_control(
        page, "n", t("app.compare.count"), len(DEFAULT.runs), 1, MAX_RUNS,
        help=t("app.compare.count_help"), container=side,
    )  # fmt: skip
    # One popover per run: the sidebar lists the runs, and a run's optimizer, convention,
    # hyperparameters and schedule open on a click.  Hidden, its controls are not laid out
    # by the browser, which kept the chart waiting on every rerun (benchmarks/).
    side.caption(t("app.compare.runs_help"))
    run_configs = []
    for slot in range(1, count + 1):
        current = controls.slot_optimizer(slot, DEFAULT.runs)
        box = side.popover(
            t("app.compare.slot", slot=slot, title=controls.optimizer_title(current)),
            key=f"_slot_{slot}",  # keyed: a new title (another optimizer) keeps it open
            icon=":material/tune:", width="stretch",
        )  # fmt: skip
        run_configs.append(controls.optimizer_controls(page, slot, DEFAULT.runs, box))
        if count > 1:
            box.button(t("app.compare.remove"), key=f"_remove_{slot}", on_click=_remove_run, args=(slot,),
                       icon=":material/delete:")  # fmt: skip
    if count < MAX_RUNS:
        side.button(
            t("app.compare.add"), key="_add_run", on_click=_add_run, icon=":material/add:",
            width="stretch",
        )  # fmt: skip
    return CompareControls(surface_choice, start, settings, layout, tolerance, tuple(run_configs))


def build(chosen: CompareControls) -> Experiment:
    return sections.build_experiment(chosen.surface, chosen.start, chosen.settings, chosen.runs)


def draw_chart(chosen: CompareControls, experiment_: Experiment, trajectories) -> list[str]:
    """Title, the surface's lesson, divergence messages and the main chart; the labels."""
    st.title(t("app.page.compare.title"))
    sections.surface_header(chosen.surface)
    labels = sections.run_labels(experiment_.runs)
    sections.show_events(trajectories, labels)
    surface = experiment_.surface_object()
    common = dict(dark=page.dark, font_size=page.font_size, clickable=True, compact=page.compact)
    if chosen.layout == "grid":
        background = runs.background_for(experiment_, page.dark, PANEL_BACKGROUND_WIDTH)
        figure = contour.small_multiples_figure(surface, trajectories, labels, background=background,
                                                panel_height=420 if page.presenter else 340, **common)  # fmt: skip
    else:  # one contour: the live chart, recomputed in the browser while a control moves
        st.caption(t("live.hint"))
        live_chart.live_chart(page, experiment_, trajectories, labels, mode="compare",
                              key="compare_live")  # fmt: skip
        return labels
    sections.show_chart(figure, "compare_chart", clickable=True)
    st.caption(t("app.chart.hint"))
    return labels


page = setup_page("compare")
chosen = read_controls(page, st.sidebar)
experiment_, trajectories = sections.run_or_stop(page, lambda: build(chosen))
labels = draw_chart(chosen, experiment_, trajectories)
layout, tolerance = chosen.layout, chosen.tolerance
curves_slot = st.container()  # filled last: see the end of the page
st.subheader(t("app.compare.summary"))
st.dataframe(runs.summary_rows(trajectories, labels, tolerance), hide_index=True, width="stretch")

st.subheader(t("app.compare.cards"))
seen = set()
columns = st.columns(min(len(experiment_.runs), 4))
for i, run in enumerate(experiment_.runs):
    key = (run.optimizer, run.convention)
    if key in seen:
        continue
    seen.add(key)
    # Built only while open: four closed cards would otherwise cost every rerun.
    card = sections.lazy_expander(user_text.plain(labels[i]), key=f"_card_{run.optimizer}_{run.convention}",
                                  container=columns[(len(seen) - 1) % len(columns)])  # fmt: skip
    if card.open:
        with card:
            sections.optimizer_card(run)
            single = Experiment.from_dict({**experiment_.to_dict(), "runs": [run.to_dict()]})
            st.page_link(links.EXPLORE_PAGE, label=t("app.compare.explore_run"), icon=":material/search:",
                         query_params=links.explore_params(single))  # fmt: skip
tuned = ",".join(dict.fromkeys(r.optimizer for r in experiment_.runs))
st.page_link(links.SWEEPS_PAGE, label=t("sweeps.from_compare"), icon=":material/grid_on:",
             query_params={**links.sweeps_params(experiment_), "view": "tune", "tune_opts": tuned})  # fmt: skip

sections.export_panel(experiment_, trajectories, key="compare", layout=layout)
# The second chart goes out last, so the browser has drawn the main one before it starts
# on this one (two charts arriving together are drawn in one long task).
target = runs.target_value(trajectories)
curves_slot.plotly_chart(
    curves.comparison_curves_figure(trajectories, labels, target=target, tolerance=tolerance,
                                     dark=page.dark, font_size=page.font_size),
    key="compare_curves", theme=None, config=sections.PLOTLY_CONFIG,
)  # fmt: skip
page.finish()
