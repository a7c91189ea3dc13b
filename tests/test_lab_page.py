"""The training lab page through AppTest: it opens in both languages, trains the default
comparison in a worker while the page streams, shows the curves and the exports, and
turns bad settings into a message."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import i18n
from app_ui import lab as lab_ui

ROOT = Path(__file__).resolve().parents[1]
PAGE = "pages/5_Training_lab.py"
TIMEOUT = 180


def open_lab(query: dict[str, str]) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.switch_page(PAGE)
    at.query_params = dict(query)
    return at.run()


def train_until_done(at: AppTest, seconds: float = 120) -> AppTest:
    """Press Train, then rerun as the polling fragment would until the job is finished."""
    at.button(key="lab_train").click().run()
    job = at.session_state[lab_ui._JOB_STATE]
    deadline = time.monotonic() + seconds
    while not job.finished and time.monotonic() < deadline:
        time.sleep(0.2)
    assert job.finished
    return at.run()


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_lab_trains_the_default_comparison_and_shows_curves(lang):
    steps = {"en": 60, "ko": 61}[lang]  # results are shared across languages: train twice
    # AppTest formats a widget's options in the test's thread: in the page's language.
    with i18n.use_language(lang):
        at = open_lab({"lang": lang, "steps": str(steps)})
        assert not at.exception, [e.value for e in at.exception]
        assert at.title[0].value == i18n.t("app.page.lab.title")
        assert at.button(key="lab_train").label == i18n.t("lab.run.train")
        assert not at.get("plotly_chart")
        at = train_until_done(at)
        texts = " ".join(m.value for m in at.markdown)
        assert i18n.t("lab.exp.compare.about")[:40] in texts
    assert not at.exception and not at.error, [e.value for e in [*at.exception, *at.error]]
    assert len(at.get("plotly_chart")) >= 1
    job = at.session_state[lab_ui._JOB_STATE]
    assert [r.label for r in job.result] == ["SGD", "Momentum", "AdaGrad", "Adam"]
    assert all(len(r.loss) == steps for r in job.result)
    # The same settings again come from the shared cache, without training.
    with i18n.use_language(lang):
        again = open_lab({"lang": lang, "steps": str(steps)})
    assert len(again.get("plotly_chart")) >= 1


@pytest.mark.parametrize("experiment", ["where", "init", "batch_norm", "overfitting", "search"])
def test_every_experiment_opens_and_trains_small(experiment):
    small = {"where": {"steps": "20", "res": "5", "units": "20"},
             "init": {"steps": "20"}, "batch_norm": {"steps": "10", "scales": "2"},
             "overfitting": {"steps": "12"}, "search": {"steps": "10", "rounds": "2", "trials": "2", "keep": "1"}}  # fmt: skip
    at = open_lab({"lang": "en", "exp": experiment, **small[experiment]})
    assert not at.exception, [e.value for e in at.exception]
    at = train_until_done(at)
    assert not at.exception and not at.error, [e.value for e in [*at.exception, *at.error]]
    assert len(at.get("plotly_chart")) >= 1


def test_a_second_order_optimizer_gets_a_clear_message():
    at = open_lab({"lang": "en", "o1_opt": "newton", "steps": "5"})
    at = train_until_done(at)
    assert not at.exception
    assert any("2-D only" in e.value for e in at.error)
