"""The live chart's schedule controls on the server side: which it sends (the sidebar's
`o<slot>_sched_<param>` keys) and how a released schedule value becomes a widget value
(the browser side: tests/browser/test_live_schedule*.py)."""

from __future__ import annotations

import pytest
import streamlit as st

from app_ui import controls, live_chart
from app_ui.page import Page
from experiments import Experiment, RunConfig
from optim_core import schedules

EXPERIMENT = Experiment(
    surface="bowl",
    runs=(
        RunConfig("sgd", {"lr": 0.1}, schedule={"name": "cosine", "decay_steps": 30}),
        RunConfig("adam", {"lr": 0.1}),
        RunConfig("lbfgs"),
    ),
    steps=40,
)


@pytest.fixture(autouse=True)
def fresh_state():
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    yield


def commit(runs: list) -> dict:
    st.session_state["live"] = {"commit": {"seq": 5, "runs": runs}}
    live_chart.apply_commit("live", EXPERIMENT.to_json())
    return {k: v for k, v in st.session_state.items() if k != "live"}


def test_each_run_sends_its_schedules_number_parameters_under_the_sidebar_keys():
    page = Page("compare", dark=False, presenter=False)
    data = live_chart.live_data(page, EXPERIMENT, EXPERIMENT.run(), ["a", "b", "c"], mode="compare")
    sgd, adam, lbfgs = (run["schedule"] for run in data["runs"])
    number_params = [p for p in controls.schedule_params("cosine") if p.kind in ("float", "int")]
    assert [c["key"] for c in sgd["controls"]] == [f"o1_sched_{p.name}" for p in number_params]
    assert {c["name"]: c["value"] for c in sgd["controls"]} == {
        "sched_decay_steps": 30, "sched_alpha": 0.0, "sched_warmup_steps": 0
    }  # fmt: skip
    assert data["runs"][0]["browser"]["schedule"] == schedules.normalize(
        {"name": "cosine", "decay_steps": 30}
    )
    assert adam["controls"] == [] and lbfgs["controls"] == []  # constant rate; server only


def test_a_released_schedule_value_becomes_the_widgets_value():
    state = commit(
        [{"slot": 1, "values": {"lr": 0.05, "sched_alpha": 0.25, "sched_decay_steps": 12.0}}]
    )
    assert state == {
        "_live_seq": 5,
        "o1_lr": 0.05,
        "o1_sched_alpha": 0.25,
        "o1_sched_decay_steps": 12,
    }
    assert isinstance(state["o1_sched_decay_steps"], int)


@pytest.mark.parametrize(
    "values",
    [
        {"sched_alpha": 1.5},  # out of [0, 1]
        {"sched_decay_steps": 0},  # below 1
        {"sched_t_mul": 2.0},  # not a parameter of cosine decay
        {"sched_alpha": "half"},
    ],
)
def test_a_schedule_value_no_control_accepts_changes_nothing(values):
    assert commit([{"slot": 1, "values": {"lr": 0.05, **values}}]) == {"_live_seq": 5}


@pytest.mark.parametrize("name", ["decay_steps", "warmup_steps"])
def test_a_run_at_a_constant_rate_takes_no_schedule_value(name):
    assert commit([{"slot": 2, "values": {f"sched_{name}": 10}}]) == {"_live_seq": 5}
