"""The training lab's figures and files: built from the same table of curves, every curve
in the CSV and JSON, images that open as PNG, SVG and PDF, settings that read back."""

import csv
import io
import json

import numpy as np
import pytest

from exports import lab as lab_exports
from netlab import experiments, report
from viz import lab as lab_viz


@pytest.fixture(scope="module")
def comparison():
    settings = experiments.OptimizerComparison(steps=24, hidden=(16, 16))
    return settings, settings.run()


def test_the_csv_holds_every_point_of_every_curve(comparison):
    _settings, results = comparison
    curves = report.training_curves(results)
    rows = list(csv.DictReader(io.StringIO(lab_exports.curves_csv(curves))))
    assert len(rows) == sum(len(c.x) for c in curves)
    adam = [float(r["y"]) for r in rows if r["label"] == "Adam" and r["series"] == "loss"]
    np.testing.assert_allclose(adam, results[3].loss, rtol=1e-9)


def test_the_json_holds_the_settings_and_the_curves(comparison):
    settings, results = comparison
    curves = report.training_curves(results)
    data = json.loads(lab_exports.curves_json("compare", settings, curves))
    assert data["lab_experiment"] == "compare"
    assert data["settings"]["steps"] == 24 and data["settings"]["hidden"] == [16, 16]
    assert [o["optimizer"] for o in data["settings"]["optimizers"]] == ["sgd", "momentum",
                                                                        "adagrad", "adam"]  # fmt: skip
    first = data["curves"][0]
    assert first["y"] == pytest.approx(results[0].loss.tolist())
    settings_file = json.loads(lab_exports.settings_json("compare", settings))
    assert settings_file["settings"] == data["settings"]


@pytest.mark.parametrize(
    ("fmt", "magic"), [("png", b"\x89PNG"), ("svg", b"<?xml"), ("pdf", b"%PDF")]
)
def test_the_figure_exports_as_an_image(comparison, fmt, magic):
    _, results = comparison
    data = lab_exports.image(
        report.training_curves(results), fmt, titles={"loss": "Loss"}, labels={},
        colors=lab_viz.palette(4), series_styles=lab_viz.SERIES_STYLE, title="Training lab",
    )  # fmt: skip
    assert data.startswith(magic)


def test_the_curves_figure_draws_every_curve_in_its_panel(comparison):
    _, results = comparison
    curves = report.training_curves(results)
    figure = lab_viz.curves_figure(
        curves, colors=lab_viz.palette(4, [r.optimizer for r in results])
    )
    assert len(figure.data) == len(curves)
    losses = [trace for trace in figure.data if trace.xaxis == "x"]
    assert len(losses) == 2 * len(results)  # raw and smoothed
    legend = [trace.name for trace in figure.data if trace.showlegend]
    assert legend == ["SGD", "Momentum", "AdaGrad", "Adam"]


def test_the_landscape_figure_has_the_plane_and_every_path():
    plane = experiments.WhereTheyWent(
        experiments.OptimizerComparison(steps=12, hidden=(10,)), resolution=5
    ).run()
    figure = lab_viz.landscape_figure(plane)
    assert figure.data[0].type == "contour"
    np.testing.assert_allclose(np.asarray(figure.data[0].z), np.log10(plane.loss))
    drawn = [tr.name for tr in figure.data if getattr(tr, "mode", None) == "lines+markers"]
    assert drawn == list(plane.paths)
    image = lab_exports.image(report.landscape_curves(plane), "png", titles={}, labels={},
                              colors=lab_viz.palette(4), series_styles=lab_viz.SERIES_STYLE,
                              landscape=plane)  # fmt: skip
    assert image.startswith(b"\x89PNG")


@pytest.mark.parametrize("kind", sorted(experiments.KINDS))
def test_a_settings_file_reads_back_as_the_same_experiment(kind):
    settings = experiments.KINDS[kind]()
    assert (
        experiments.from_settings(json.loads(lab_exports.settings_json(kind, settings))) == settings
    )


@pytest.mark.parametrize(
    "data",
    [[], {"lab_experiment": "mnist"}, {"lab_experiment": "compare", "settings": {"speed": 1}},
     {"lab_experiment": "where", "settings": {"comparison": 3}},
     {"lab_experiment": "compare", "settings": {"optimizers": [{"name": "sgd"}]}}],
)  # fmt: skip
def test_a_bad_settings_file_raises_a_parameter_error(data):
    from foundation.params import ParameterError

    with pytest.raises(ParameterError):
        experiments.from_settings(data)
