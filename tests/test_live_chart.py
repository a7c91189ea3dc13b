"""The live chart's server side: what it sends the browser and how a release comes back
(the browser side is checked in Chromium: tests/browser/test_live*.py)."""

from __future__ import annotations

import numpy as np
import pytest
import streamlit as st

import optim_core
import surfaces
from app_ui import live_chart
from app_ui.page import Page
from experiments import Experiment, RunConfig, presets
from optim_core import jscodegen
from surfaces import jscode

COMPARE = presets.get("dlfs_ch6").experiment


@pytest.fixture(autouse=True)
def fresh_state():
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    yield


def commit(values: dict, experiment: Experiment = COMPARE) -> dict:
    st.session_state["live"] = {"commit": values}
    live_chart.apply_commit("live", experiment.to_json())
    return {k: v for k, v in st.session_state.items() if k != "live"}


def test_a_release_becomes_the_widgets_values():
    state = commit({"seq": 3, "start": [1.5, -0.25], "steps": 40, "noise": 0.2,
                    "surface": {"a": 0.1}, "runs": [{"slot": 2, "values": {"lr": 0.05, "momentum": 0.8}}]})  # fmt: skip
    assert state == {"_live_seq": 3, "x0": 1.5, "y0": -0.25, "steps": 40, "noise": 0.2,
                     "bowl_a": 0.1, "o2_lr": 0.05, "o2_momentum": 0.8}  # fmt: skip


@pytest.mark.parametrize(
    "bad",
    [
        {"runs": [{"slot": 1, "values": {"lr": -1.0}}]},  # out of range
        {"runs": [{"slot": 1, "values": {"nope": 1.0}}]},  # no such hyperparameter
        {"runs": [{"slot": 9, "values": {"lr": 0.1}}]},  # no such run
        {"start": ["x", 1]},
        {"steps": 10**9},
        {"surface": {"a": "wide"}},
    ],
)
def test_a_release_no_control_accepts_changes_nothing_but_is_acknowledged(bad):
    assert commit({"seq": 7, "noise": 0.3, **bad}) == {"_live_seq": 7}


def test_every_run_but_lbfgs_is_recomputed_in_the_browser_with_the_sidebar_keys():
    page = Page("compare", dark=False, presenter=False)
    runs = tuple(RunConfig(name) for name in optim_core.names())
    experiment = Experiment(surface="rosenbrock", runs=runs, steps=20)
    trajectories = experiment.run()
    data = live_chart.live_data(
        page, experiment, trajectories, [r.optimizer for r in runs], mode="compare"
    )
    for slot, (run, sent) in enumerate(zip(runs, data["runs"], strict=True), start=1):
        spec = optim_core.spec(run.optimizer)
        assert (sent["browser"] is None) == (spec.family == "lbfgs")
        keys = {c["key"] for c in sent["controls"]}
        expected = set() if spec.family == "lbfgs" else {f"o{slot}_{p.name}" for p in spec.params}
        assert keys == expected
        assert np.array_equal(
            live_chart.unpacked(sent["server"]["path"]).reshape(-1, 2), trajectories[slot - 1].path
        )
        assert np.array_equal(
            live_chart.unpacked(sent["server"]["loss"]), trajectories[slot - 1].loss
        )
    assert {c["key"] for c in data["surface"]["controls"]} == {"rosenbrock_a", "rosenbrock_b"}
    assert all(data["strings"].values())


def test_the_inspector_shows_no_tex_source():
    for name in optim_core.names():
        for slot in optim_core.spec(name).state:
            text = live_chart.plain_symbol(slot.symbol)
            assert not set(text) & set("\\{}^"), (name, slot.symbol, text)


def test_a_rule_that_branches_on_a_value_cannot_be_traced():
    recorder = jscodegen._Recorder()
    value = jscodegen.Traced("g", recorder)
    with pytest.raises(TypeError, match="branch"):
        bool(value)
    with pytest.raises(TypeError):
        _ = value > 0
    with pytest.raises(TypeError, match=r"numpy\.exp"):
        np.exp(value)


def test_a_typed_formula_is_translated_from_the_code_the_server_derives():
    text = jscode.javascript("c*exp(-x**2) + log(1 + y**2)", ("c",))
    assert "Math.exp(" in text and "Math.log(" in text and "const c = p[0];" in text
    with pytest.raises(ValueError, match="no JavaScript"):
        jscode.javascript("erf(x) + y**2", ())


def test_the_built_in_surfaces_are_translated_from_their_checked_in_code():
    for name in surfaces.names():
        definition = surfaces.definition(name)
        text = jscode.javascript(definition.expression, definition.parameter_names)
        for function in ("value", "dx", "dy", "nvalue", "ndx", "ndy", "ndxx", "ndxy", "ndyy"):
            assert f"\n  {function}(x, y, p) {{" in text, (name, function)
