"""The Sweeps page in real Chromium, in both languages: the map is drawn with its
diverged legend, and a click on a cell opens that exact run on Explore."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest

import i18n
import optim_core
from i18n import t
from tests.browser import harness
from tests.browser.test_e2e import MAIN_PLOT, exception_boxes, open_page
from tests.browser.test_live import open_live, server_paths

CELL_JS = """(index) => {
    const gd = document.querySelector('[data-testid="stMain"] .js-plotly-plot');
    const cells = gd._fullData.find(t => t.customdata && t.customdata.length > 1);
    const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
    const x = cells.x[index], y = cells.y[index];
    return [xa._offset + xa.d2p(x),
            ya._offset + ya.d2p(y), x, y]; }"""
LEGEND_JS = """() => [...document.querySelectorAll('[data-testid="stMain"] .js-plotly-plot .legendtext')]
    .map(node => node.textContent)"""
RESOLUTION = 8


@pytest.mark.parametrize("language", ["en", "ko"])
def test_map_click_opens_that_run_on_explore(page, app_url, language):
    # Explore first, with another learning rate: the session keeps it by key, and the
    # click's run must win over it.
    open_live(page, f"{app_url}/Explore?lang={language}&o1_lr=0.002")
    open_page(page, f"{app_url}/Sweeps?lang={language}&res={RESOLUTION}")
    assert exception_boxes(page) == 0
    with i18n.use_language(language):
        assert t("sweeps.fig.diverged") in page.evaluate(LEGEND_JS)
    # Cell (5, 2): lr = geomspace(1e-4, 10, 8)[5], momentum = linspace(0, 0.999, 8)[2].
    i, j = 5, 2
    px, py, x, y = page.evaluate(CELL_JS, i * RESOLUTION + j)
    assert x == np.geomspace(1e-4, 10.0, RESOLUTION)[i]
    assert y == np.linspace(0.0, 0.999, RESOLUTION)[j]
    chart = page.locator(MAIN_PLOT).first
    chart.evaluate("gd => gd.scrollIntoView({block: 'center'})")
    box = chart.bounding_box()
    page.mouse.move(box["x"] + px, box["y"] + py)
    page.wait_for_timeout(200)  # plotly.js selects on click from the point under the hover
    page.mouse.click(box["x"] + px, box["y"] + py)
    # One click: Explore opens on that cell's run.
    page.wait_for_function("() => location.pathname.endsWith('/Explore')", timeout=90_000)
    page.wait_for_selector("[data-testid=live-canvas]", timeout=90_000)
    page.wait_for_load_state("networkidle")
    # The page writes the run's settings into its link as it renders.
    page.wait_for_function("() => location.search.includes('o1_momentum=')", timeout=60_000)
    query = {k: v[-1] for k, v in parse_qs(urlparse(page.url).query).items()}
    # Explore keeps only what differs from its defaults (momentum on the bowl) in the link.
    assert query.get("o1_opt", "momentum") == "momentum" and query.get("surface", "bowl") == "bowl"
    assert float(query["o1_lr"]) == x and float(query["o1_momentum"]) == y
    assert query["lang"] == language
    assert exception_boxes(page) == 0
    # What the live chart got from the server is that run: same surface, start and steps.
    (path,) = server_paths(page)
    expected = optim_core.run("momentum", "bowl", start=(-7.0, 2.0), steps=100, lr=x, momentum=y)
    np.testing.assert_allclose(np.asarray(path, dtype=float).reshape(-1, 2), expected.path,
                               rtol=1e-12, atol=1e-12)  # fmt: skip


@pytest.mark.parametrize("view", ["map", "tune", "basins", "ensemble", "theory", "challenge"])
def test_korean_sweeps_page_shows_no_english(browser, app_url, view):
    from tests.browser.test_korean import VISIBLE_TEXT_JS, english_words

    with harness.new_page(
        browser, timeout_ms=30_000, viewport={"width": 1400, "height": 1000}, locale="ko-KR"
    ) as page:
        page.goto(f"{app_url}/Sweeps?lang=ko&view={view}")
        page.wait_for_selector('[data-testid="stSidebar"]', timeout=60_000)
        if view != "challenge":
            page.wait_for_selector(MAIN_PLOT, timeout=60_000)
        page.wait_for_load_state("networkidle")
        assert exception_boxes(page) == 0
        # Halton (the quasi-random sequence) is a person's name: Latin script, as the
        # glossary keeps names.
        assert not english_words(page.evaluate(VISIBLE_TEXT_JS)) - {"Halton"}
