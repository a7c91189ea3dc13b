"""A typed function through the app (AppTest), settings files, links and the command line.

The parser, the numbers and the engine are tested in `test_formula.py`; here the formula
travels: typed on a page, echoed as LaTeX, refused with its column while the last good
function keeps being drawn, and carried by a link, a settings file and ``python -m exports``.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import i18n
import optim_core
import surfaces
from app_ui import links
from experiments import Experiment, RunConfig
from exports import cli
from i18n import t
from tests.test_app import PAGES, assert_clean, link_notes, open_page, ran

TYPED = Experiment(
    surface=surfaces.FORMULA,
    formula="a x^2 + 3y^2 + log(1 + x^2)",
    domain=((-4.0, 2.0), (-1.5, 2.5)),
    surface_params={"a": 0.5},
    start=(-3.0, 2.0),
    steps=40,
    runs=(RunConfig("adam", {"lr": 0.2}), RunConfig("newton")),
)


# --- settings files and links -------------------------------------------------------------------


def test_settings_file_round_trip():
    text = TYPED.to_json()
    data = json.loads(text)
    assert data["surface"] == "formula" and data["formula"] == TYPED.formula
    assert data["domain"] == [[-4.0, 2.0], [-1.5, 2.5]]
    again = Experiment.from_json(text)
    assert again == TYPED
    assert again.to_json() == text
    for expected, got in zip(TYPED.run(), again.run(), strict=True):
        np.testing.assert_array_equal(got.path, expected.path)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"formula": "x +* y"}, "unexpected '*' at column 4"),
        ({"formula": None}, "formula must be text"),
        ({"domain": [[1, 0], [0, 1]]}, "domain must be"),
        ({"surface_params": {"zz": 1}}, "surface parameter must be one of a"),
    ],
)
def test_settings_with_a_bad_formula_are_refused(change, message):
    data = {**TYPED.to_dict(), **change}
    with pytest.raises(optim_core.ParameterError, match=message.replace("*", r"\*")):
        Experiment.from_dict(data)


def test_a_builtin_surface_takes_no_formula():
    data = {**TYPED.to_dict(), "surface": "bowl", "surface_params": {}}
    with pytest.raises(optim_core.ParameterError, match="formula must be absent"):
        Experiment.from_dict(data)


def test_link_carries_the_formula_its_parameters_and_view():
    params = links.experiment_params(TYPED)
    assert params["surface"] == "formula" and params["formula"] == TYPED.formula
    assert (params["xmin"], params["xmax"], params["ymin"], params["ymax"]) == (
        "-4", "2", "-1.5", "2.5",
    )  # fmt: skip
    assert params["formula_a"] == "0.5"


# --- the pages ----------------------------------------------------------------------------------


def formula_latex(at) -> list[str]:
    return [e.value for e in at.sidebar.latex]


def test_explore_types_a_formula_echoes_it_and_runs_it():
    at = open_page(PAGES["explore"])
    at.selectbox(key="surface").set_value("formula").run()
    assert_clean(at)
    at.session_state["formula"] = "a x^2 + 3y^2"
    at.run()
    assert_clean(at)
    assert formula_latex(at) == ["$$\nf(x, y) = a x^{2} + 3 y^{2}\n$$"]
    # The free name a has its own slider, and what ran is the typed function.
    at.select_slider(key="formula_a").set_value(2.0).run()
    assert_clean(at)
    experiment = ran(at)
    assert (experiment.surface, experiment.formula) == ("formula", "a x^2 + 3y^2")
    assert experiment.surface_params == {"a": 2.0}
    surface = experiment.surface_object()
    np.testing.assert_array_equal(surface.grad([[1.0, 1.0]]), [[4.0, 6.0]])


def test_a_mistake_points_at_its_column_and_the_last_good_function_stays():
    at = open_page(PAGES["explore"], {"surface": "formula", "formula": "x^2 + 3y^2"})
    assert_clean(at)
    good = ran(at)
    at.session_state["formula"] = "sin(x) + )"
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        t("formula.refused", reason="unexpected ')' at column 10")
    ]
    assert [c.value for c in at.sidebar.code] == ["sin(x) + )\n         ^"]
    # The chart keeps drawing the last good function: the same settings ran.
    assert formula_latex(at) == ["$$\nf(x, y) = x^{2} + 3 y^{2}\n$$"]
    assert ran(at) == good
    at.session_state["formula"] = "sin(x) + y^2"
    at.run()
    assert_clean(at)
    assert ran(at).formula == "sin(x) + y^2"


def test_a_refusal_in_korean():
    at = open_page(PAGES["explore"], {"surface": "formula", "formula": "cοs(x)", "lang": "ko"})
    assert not at.exception
    with i18n.use_language("ko"):
        reason = t("formula.error.lookalike", char="'ο'", ascii="o", column=2,
                   code="U+03BF GREEK SMALL LETTER OMICRON")  # fmt: skip
        assert at.error[0].value == t("formula.refused", reason=reason)


def test_a_link_reopens_the_typed_function_on_compare():
    at = open_page(PAGES["compare"], links.experiment_params(TYPED))
    assert_clean(at)
    assert not link_notes(at)
    experiment = ran(at)
    assert experiment.formula == TYPED.formula and experiment.domain == TYPED.domain
    assert experiment.surface_params == {"a": 0.5}
    assert experiment.start_point == (-3.0, 2.0)
    assert [r.optimizer for r in experiment.runs] == ["adam", "newton"]


def test_leaving_the_domain_is_announced_with_its_step_and_point():
    query = {"surface": "formula", "formula": "log(x) + y^2", "x0": "0.5", "y0": "1",
             "o1_opt": "sgd", "o1_lr": "2", "steps": "20"}  # fmt: skip
    at = open_page(PAGES["explore"], query)
    assert_clean(at)
    expected = t("formula.run.left_domain", label="SGD", step=1, x="0.5", y="1")
    assert expected in [w.value for w in at.warning]


def test_the_chart_shows_no_nan_outside_the_functions_domain():
    from viz import contour

    surface = surfaces.from_formula("log(x) + y^2", domain=((-2, 2), (-2, 2)))
    trajectory = optim_core.run("sgd", surface, start=(0.5, 1.0), steps=5, lr=2.0)
    figure = contour.contour_figure(surface, [trajectory], ["SGD"], clickable=True)
    grid = next(trace for trace in figure.data if trace.name == t("app.fig.pick_start"))
    assert 0 < len(grid.x) < contour.CLICK_GRID_POINTS**2 and np.all(np.asarray(grid.x) > 0)
    assert np.all(np.isfinite(np.asarray(grid.customdata, dtype=float)))
    for trace in figure.data:
        for values in (trace.x, trace.y):
            if values is not None and np.asarray(values).dtype.kind == "f":
                assert np.all(np.isfinite(values))


# --- the command line ---------------------------------------------------------------------------


def test_command_line_exports_a_typed_function(tmp_path, capsys):
    code = cli.main([
        "formula", "a x^2 + 3y^2 + log(1 + x^2)", "--optimizer", "adam", "newton",
        "--lr", "0.2", "--steps", "40", "--start", "-3", "2", "--view", "-4", "2", "-1.5",
        "2.5", "--param", "a=0.5", "--format", "settings", "csv", "--out", str(tmp_path),
        "--quiet",
    ])  # fmt: skip
    assert code == 0
    written = Experiment.from_json((tmp_path / "formula.settings.json").read_text())
    assert written.formula == TYPED.formula and written.domain == TYPED.domain
    assert written.surface_params == {"a": 0.5} and written.start == (-3.0, 2.0)
    assert [(r.optimizer, r.hyper) for r in written.runs] == [
        ("adam", {"lr": 0.2}), ("newton", {"lr": 0.2}),
    ]  # fmt: skip
    assert (tmp_path / "formula.trajectories.csv").read_text().count("\n") > 40


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["formula", "x^2 + )"], "unexpected ')' at column 7"),
        (["formula", "a x^2", "--param", "a=big"], "--param must be NAME=NUMBER"),
        (["formula", "x^2", "--view", "1", "0", "0", "1"], "domain must be"),
    ],
)
def test_command_line_refuses_in_one_line(argv, message, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main([*argv, "--format", "csv", "--out", str(tmp_path)])
    assert exit_.value.code == cli.USAGE_ERROR
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


@pytest.mark.parametrize(
    "hostile", ["__import__('os').system('true')", "x" * 5000, "9**9**9", "(" * 60 + "x"]
)
def test_a_hostile_formula_in_the_url_is_refused_on_the_page(hostile):
    from app_ui.formula_controls import DEFAULT_FORMULA

    at = open_page(PAGES["explore"], {"surface": "formula", "formula": hostile})
    assert not at.exception, [e.value for e in at.exception]
    assert at.error and t("formula.refused", reason="")[:20] in at.error[0].value
    assert ran(at).formula == DEFAULT_FORMULA  # the page still draws a function
