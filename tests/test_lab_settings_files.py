"""A training lab settings file opened from Home's uploader: the lab page opens with every
control set to the file's settings (in both languages), what the page exports opens back
to the same settings, and a bad or hostile lab file is a short, plain message on Home."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import i18n
from app_ui import lab as lab_ui
from experiments import settings_data
from exports import lab as lab_exports
from foundation.params import ParameterError
from netlab import experiments as ex

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 180

# Every hyperparameter spelled out, as the page's controls fill them in.
OPTIMIZERS = (
    ex.OptimizerRun("sgd", {"lr": 0.05, "weight_decay": 0.0}, "torch"),
    ex.OptimizerRun("adam", {"lr": 0.002, "beta1": 0.8, "beta2": 0.99, "eps": 1e-8,
                             "weight_decay": 0.0}, "folded"),
)  # fmt: skip
# One non-default record per experiment: every control away from its default.
CUSTOM = {
    "compare": ex.OptimizerComparison(
        OPTIMIZERS,
        steps=77,
        seed=5,
        hidden=(40, 40),
        activation="tanh",
        init="xavier",
        batch_size=32,
    ),
    "where": ex.WhereTheyWent(
        ex.OptimizerComparison(OPTIMIZERS[::-1], steps=50, seed=2, hidden=(30,), init=0.01),
        "random",
        11,
    ),
    "init": ex.Initialisation(
        ex.ActivationHistograms(seed=9),
        ex.InitComparison(activation="sigmoid", steps=123, lr=0.05, seed=9),
    ),
    "batch_norm": ex.BatchNormComparison(6, 45, 0.02, 3),
    "overfitting": ex.Overfitting(0.05, 0.3, 7, steps=222, seed=4),
    "search": ex.RandomSearch("adam", 2, 5, 2, (-5.0, -1.5), (-9.0, -5.0), steps=88, seed=6),
}


@pytest.fixture
def shown(monkeypatch):
    """The (kind, settings) the lab page built from its controls (training not started)."""
    calls = []
    monkeypatch.setattr(lab_ui, "show", lambda page, kind, settings: calls.append((kind, settings)))
    return calls


def upload(text: str, lang: str = "en", name: str = "lab.settings.json") -> AppTest:
    with i18n.use_language(lang):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
        at.query_params["lang"] = lang
        at.run()
        at.file_uploader[0].set_value((name, text.encode(), "application/json"))
        return at.run()


@pytest.mark.parametrize("kind", list(CUSTOM))
def test_lab_params_rebuild_the_record_in_the_page(kind, shown):
    params, state = lab_ui.lab_params(kind, CUSTOM[kind])
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.switch_page("pages/5_Training_lab.py")
    at.query_params = params
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception and not at.warning, [w.value for w in at.warning]
    assert shown[-1] == (kind, CUSTOM[kind])


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("kind", ["compare", "search"])
def test_home_upload_of_a_lab_file_opens_the_lab_with_its_settings(kind, lang, shown):
    at = upload(lab_exports.settings_json(kind, CUSTOM[kind]), lang)
    assert not at.exception and not at.error, [e.value for e in [*at.exception, *at.error]]
    with i18n.use_language(lang):
        assert at.title[0].value == i18n.t("app.page.lab.title")
        assert at.subheader[0].value == i18n.t(f"lab.exp.{kind}.title")
    assert shown[-1] == (kind, CUSTOM[kind])
    steps = {"compare": "77", "search": "88"}[kind]
    assert at.query_params["steps"] == steps  # the page's link now shares these settings


@pytest.mark.parametrize("kind", lab_ui.KINDS)
def test_what_the_page_exports_opens_back_to_the_same_settings(kind, shown):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.switch_page("pages/5_Training_lab.py")
    at.query_params = {"exp": kind, "steps": "42", "seed": "3"}
    at.run()
    exported = lab_exports.settings_json(*shown[-1])
    assert shown[-1][1].__class__ is ex.KINDS[kind]
    at = upload(exported)
    assert not at.exception and not at.error
    assert lab_exports.settings_json(*shown[-1]) == exported
    assert len(shown) == 2


HOSTILE = {
    "unknown_kind": {"lab_experiment": "![x](http://example.invalid/x.png)", "settings": {}},
    "steps_text": {"lab_experiment": "batch_norm", "settings": {"steps": "many"}},
    "steps_huge": {"lab_experiment": "overfitting", "settings": {"steps": 10**500}},
    "seed_float": {"lab_experiment": "compare", "settings": {"seed": 1.5}},
    "hidden_nested": {"lab_experiment": "compare", "settings": {"hidden": [[[1]]]}},
    "hidden_unequal": {"lab_experiment": "compare", "settings": {"hidden": [10, 20]}},
    "units_past_range": {"lab_experiment": "compare", "settings": {"hidden": [5000]}},
    "init_odd": {"lab_experiment": "where", "settings": {"comparison": {"init": 0.5}}},
    "optimizers_text": {"lab_experiment": "compare", "settings": {"optimizers": "adam"}},
    "optimizer_unknown": {"lab_experiment": "compare",
                          "settings": {"optimizers": [{"optimizer": "nope"}]}},
    "lr_nan_text": {"lab_experiment": "compare", "settings": {"optimizers": [
        {"optimizer": "sgd", "hyperparameters": {"lr": "1e999"}}]}},
    "settings_list": {"lab_experiment": "init", "settings": [1, 2]},
    "histograms_changed": {"lab_experiment": "init", "settings": {"histograms": {"bins": 7}}},
    "range_off_grid": {"lab_experiment": "search", "settings": {"lr_range": [-4.2, 0]}},
    "range_text": {"lab_experiment": "search", "settings": {"decay_range": "wide"}},
    "unknown_field": {"lab_experiment": "search", "settings": {"turbo": True}},
    "lr_bool": {"lab_experiment": "batch_norm", "settings": {"lr": True}},
}  # fmt: skip
HOSTILE_TEXT = {name: json.dumps(data) for name, data in HOSTILE.items()}
HOSTILE_TEXT["nested_10000"] = '{"lab_experiment": "compare", "settings": ' + "[" * 10000 + "]" * 10000 + "}"  # fmt: skip
HOSTILE_TEXT["int_5000_digits"] = '{"lab_experiment": "compare", "settings": {"steps": ' + "9" * 5000 + "}}"  # fmt: skip


@pytest.mark.parametrize("name", HOSTILE_TEXT)
def test_a_hostile_lab_file_raises_parameter_error(name):
    with pytest.raises(ParameterError) as error:
        lab_ui.file_params(settings_data(HOSTILE_TEXT[name]))
    assert len(str(error.value)) < 400


@pytest.mark.parametrize("name", ["unknown_kind", "steps_huge", "hidden_nested", "nested_10000",
                                  "lr_nan_text", "range_off_grid"])  # fmt: skip
def test_home_upload_of_a_hostile_lab_file_is_a_clear_message(name, shown):
    at = upload(HOSTILE_TEXT[name], name="![x](http://example.invalid/x.png).json")
    assert not at.exception
    assert len(at.error) == 1
    message = at.error[0].value
    assert "](http" not in message and len(message) < 800 and "Traceback" not in message
    assert at.title[0].value == i18n.t("common.app_name") and not shown  # Home stays


def test_a_search_range_in_the_file_reaches_the_sliders(shown):
    record = dataclasses.replace(CUSTOM["search"], lr_range=(-7.5, 1.0))
    upload(lab_exports.settings_json("search", record))
    assert shown[-1][1].lr_range == (-7.5, 1.0)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_command_line_says_how_to_open_a_lab_file(lang, tmp_path, capsys):
    from exports import cli

    path = tmp_path / "lab.settings.json"
    path.write_text(lab_exports.settings_json("batch_norm", CUSTOM["batch_norm"]), encoding="utf-8")
    with pytest.raises(SystemExit) as stop:
        cli.main(["settings", str(path), "--format", "png", "csv", "--out", str(tmp_path / "out"),
                  "--lang", lang])  # fmt: skip
    assert stop.value.code == 2
    err = capsys.readouterr().err
    with i18n.use_language(lang):
        expected = i18n.t("lab.cli.open_in_app", file=str(path))
    assert err.count("\n") == 1 and expected in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()
    # A surfaces settings file still exports as before.
    surfaces_file = tmp_path / "bowl.settings.json"
    from experiments import presets

    surfaces_file.write_text(presets.get("dlfs_ch6").experiment.to_json(), encoding="utf-8")
    assert cli.main(["settings", str(surfaces_file), "-f", "csv", "-o", str(tmp_path / "csv")]) == 0
    assert list((tmp_path / "csv").iterdir())
