"""The training lab in real Chromium: Train streams the curves while a worker trains (a
progress bar and a stop button above them), Stop keeps what was trained, a short run ends
in the final figure; in Korean without English words."""

from __future__ import annotations

import re

from tests.browser import harness
from tests.browser.test_korean import CHART_TEXT_JS, VISIBLE_TEXT_JS, english_words

MAIN_PLOT = '[data-testid="stMain"] .js-plotly-plot'
# Proper names and symbols the lab's Korean text keeps (the glossary's rule).
LAB_NAMES = {"ReLU", "He", "Xavier", "PCA", "tanh", "NumPy", "scikit-learn", "Li", "MNIST",
             "Hands-On", "log"}  # fmt: skip


def test_train_streams_curves_and_stop_keeps_them_in_korean(browser, app_url):
    with harness.new_page(
        browser, viewport={"width": 1400, "height": 1000}, locale="ko-KR"
    ) as page:
        page.goto(f"{app_url}/Training_lab?lang=ko&steps=3000")
        page.get_by_role("button", name="학습").click()
        # Curves while it trains: the stop button and the progress bar are still there.
        page.wait_for_selector(MAIN_PLOT, timeout=120_000)
        assert page.get_by_role("button", name="멈추기").is_visible()
        assert page.locator('[data-testid="stProgress"]').count() == 1
        text = page.evaluate(VISIBLE_TEXT_JS) + "\n" + page.evaluate(CHART_TEXT_JS)
        assert re.search(r"[\uac00-\ud7a3]", text)
        assert not english_words(text) - LAB_NAMES, sorted(english_words(text) - LAB_NAMES)
        page.get_by_role("button", name="멈추기").click()
        page.get_by_text("멈췄습니다").wait_for()
        page.wait_for_selector(MAIN_PLOT)  # the curves trained so far, drawn again
        assert page.locator(MAIN_PLOT).count() == 1
        assert page.locator('[data-testid="stException"]').count() == 0


def test_a_short_run_ends_in_the_final_figure_and_the_exports(browser, app_url):
    with harness.new_page(
        browser, timeout_ms=120_000, viewport={"width": 1400, "height": 1000}, locale="en-US"
    ) as page:
        page.goto(f"{app_url}/Training_lab?lang=en&steps=30&units=20")
        page.get_by_role("button", name="Train").click()
        export = page.get_by_text("Export the figure")
        export.wait_for()
        page.wait_for_selector(MAIN_PLOT)
        assert page.locator(MAIN_PLOT).count() == 1
        assert page.locator('[data-testid="stProgress"]').count() == 0
        legend = page.evaluate(CHART_TEXT_JS)
        for name in ("SGD", "Momentum", "AdaGrad", "Adam"):
            assert name in legend
        export.click()  # the panel builds its contents when opened
        page.get_by_role("button", name="PNG").wait_for()
        for label in ("PNG", "SVG", "PDF", "Curves (CSV)", "Curves (JSON)", "Settings file"):
            assert page.get_by_role("button", name=label).is_visible()
        with page.expect_download() as download:
            page.get_by_role("button", name="PNG").click()
        with open(download.value.path(), "rb") as file:
            assert file.read(4) == b"\x89PNG"
        assert download.value.suggested_filename == "training-lab-compare.png"
