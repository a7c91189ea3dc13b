"""Schedules: the learning-rate curve of every schedule, and what the chosen one does to a
trajectory next to the same optimizer at a constant rate."""

import dataclasses

import numpy as np
import streamlit as st

import optim_core
from app_ui import controls, runs, sections
from app_ui.page import setup_page
from experiments import Experiment, RunConfig
from i18n import t
from optim_core import ParameterError, schedules
from viz import contour, curves, layout
from viz.schedules import gallery_rates, schedule_figure, schedule_gallery_figure

# A rate just under what the bowl's steep direction allows (2 / curvature = 1): at a
# constant rate SGD zig-zags across the valley to the last step, while cosine decay
# lowers the rate and the zig-zag dies out.
DEFAULT = Experiment(
    surface="bowl",
    start=(-7.0, 2.0),
    steps=50,
    runs=(RunConfig("sgd", {"lr": 0.98}, schedule={"name": "cosine", "decay_steps": 50}),),
)


page = setup_page("schedules")
side = st.sidebar
surface_choice, start, settings = controls.experiment_controls(page, DEFAULT, side)
side.subheader(t("app.schedules.optimizer"))
run_config = controls.optimizer_controls(page, 1, DEFAULT.runs, side, show_label=False)

st.title(t("app.page.schedules.title"))
schedule = run_config.schedule
name = schedule["name"] if schedule else "constant"
spec = schedules.spec(name)
title = controls.schedule_title(name)
constant_label = t("app.schedules.constant_label")
scheduled = dataclasses.replace(run_config, label=title)
baseline = dataclasses.replace(run_config, schedule=None, label=constant_label)
experiment_, trajectories = sections.run_or_stop(
    page, lambda: sections.build_experiment(surface_choice, start, settings, [scheduled, baseline])
)

left, right = st.columns([2, 3])
with left:
    st.subheader(title)
    st.markdown(t(f"schedule.{name}.description", default=spec.description))
    st.latex(spec.latex)
    if schedule and schedule.get("warmup_steps"):
        st.latex(schedules.WARMUP_LATEX)
    st.caption(
        t("app.card.reference", reference=t(f"schedule.{name}.reference", default=spec.reference))
    )
    if schedule is None:
        st.info(t("app.schedules.pick"))
colors = dict(zip([title, constant_label], layout.run_colors(trajectories, page.dark), strict=True))
with right:
    st.markdown(f"**{t('app.schedules.actual_rates')}**")
    rates = {title: trajectories[0].lr, constant_label: trajectories[1].lr}
    st.plotly_chart(
        schedule_figure(rates, colors=colors, dashes={constant_label: "dash"}, dark=page.dark,
                                font_size=page.font_size),
        key="schedule_rates", theme=None, config=sections.PLOTLY_CONFIG,
    )  # fmt: skip

labels = [title, constant_label]
sections.show_events(trajectories, labels)
st.subheader(t("app.schedules.effect"))
figure = contour.contour_figure(
    experiment_.surface_object(), trajectories, labels, clickable=True, dark=page.dark,
    font_size=page.font_size, height=720 if page.presenter else 560,
    background=runs.background_for(experiment_, page.dark),
)  # fmt: skip
sections.show_chart(figure, "schedules_chart", clickable=True)
st.plotly_chart(
    curves.comparison_curves_figure(trajectories, labels, dark=page.dark, font_size=page.font_size),
    key="schedules_curves", theme=None, config=sections.PLOTLY_CONFIG,
)  # fmt: skip

st.subheader(t("app.schedules.gallery"))
st.caption(t("app.schedules.gallery_help"))
plateau_rates = None
if name != "plateau" and optim_core.spec(run_config.optimizer).family == "first_order":
    try:
        plateau_run = dataclasses.replace(run_config, schedule={"name": "plateau"}, label="")
        plateau_rates = runs.run_experiment(experiment_.with_runs((plateau_run,)))[0].lr
    except ParameterError:
        plateau_rates = None
elif name == "plateau":
    plateau_rates = trajectories[0].lr
gallery = gallery_rates(
    float(run_config.resolved_hyper().get("lr", 1.0)), experiment_.steps, selected=schedule,
    plateau_rates=plateau_rates,
)  # fmt: skip
notes = {}
if plateau_rates is not None and np.ptp(plateau_rates) == 0:
    notes[controls.schedule_title("plateau")] = t("app.schedules.plateau_no_cut")
st.plotly_chart(
    schedule_gallery_figure({controls.schedule_title(n): r for n, r in gallery.items()},
                            highlight=title, notes=notes, dark=page.dark, font_size=page.font_size),
    key="schedule_gallery", theme=None, config=sections.PLOTLY_CONFIG,
)  # fmt: skip
sections.export_panel(experiment_, trajectories, key="schedules")
page.finish()
