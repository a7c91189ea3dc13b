"""End-to-end checks in real Chromium against a running app (see `harness`)."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest

from tests.browser import harness

PAGES = ["", "Explore", "Compare", "Schedules"]
MAIN_PLOT = '[data-testid="stMain"] .js-plotly-plot'


def open_page(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector(MAIN_PLOT, timeout=60_000)
    page.wait_for_load_state("networkidle")


def exception_boxes(page) -> int:
    return page.locator('[data-testid="stException"]').count()


SIGNATURE_JS = """() => { const gd = document.querySelector('[data-testid="stMain"] .js-plotly-plot');
                           return gd ? JSON.stringify(gd.data.map(t => [t.x, t.y])) : null; }"""


def path_signature(page) -> str:
    """The trajectories the first chart draws: changes when the chart is redrawn with new
    data, not when Plotly merely repaints."""
    return page.evaluate(SIGNATURE_JS)


def wait_for_redraw(page, before: str) -> None:
    page.wait_for_function(f"(before) => ({SIGNATURE_JS})() !== before", arg=before,
                           timeout=30_000)  # fmt: skip


def sidebar_slider(page, label: str):
    """The range input of the sidebar slider whose label starts with `label`."""
    return page.locator(f'[data-testid="stSidebar"] input[type="range"][aria-label^="{label}"]')


def test_deep_link_works_on_the_first_request_after_server_start(browser):
    # A server of its own, so the deep link really is its first request.
    with harness.streamlit_server() as url:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        open_page(page, f"{url}/Compare?surface=rosenbrock&steps=40")
        assert page.get_by_role("heading", name=re.compile("Compare")).count() >= 1
        # Rosenbrock's view box, not the default bowl's: the link's settings were applied.
        y_range = live_chart(page, "c.data.surface.domain[1]")
        assert y_range == pytest.approx([-1.0, 3.0], abs=0.2)
        # The shared sidebar (page links) is there: the app ran in one navigation model.
        assert page.locator('[data-testid="stSidebar"] [data-testid="stPageLink"]').count() >= 4
        assert exception_boxes(page) == 0
        page.close()


@pytest.mark.parametrize("path", PAGES)
def test_every_page_shows_a_chart_and_no_exception(page, app_url, path):
    open_page(page, f"{app_url}/{path}")
    assert exception_boxes(page) == 0
    assert page.js_errors == []


def test_slider_change_redraws_the_chart_and_lands_in_the_url(page, app_url):
    open_page(page, f"{app_url}/Compare")
    before = path_signature(page)
    slider = sidebar_slider(page, "gradient noise")
    slider.focus()
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    wait_for_redraw(page, before)
    assert "noise" in parse_qs(urlparse(page.url).query)
    assert exception_boxes(page) == 0


def live_chart(page, expression: str):
    """`expression` evaluated on the live chart object `c` (app_ui/live/chart.js)."""
    page.wait_for_selector("[data-testid=live-canvas]")
    return page.locator(".lc").first.evaluate(
        f"(root) => {{ const c = root.liveChart; return {expression}; }}"
    )


@pytest.mark.parametrize("path", ["Explore", "Compare"])
def test_clicking_the_chart_picks_the_start_point(page, app_url, path):
    open_page(page, f"{app_url}/{path}")
    canvas = page.locator("[data-testid=live-canvas]").first
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    plot = live_chart(page, "c.plot")
    px, py = plot["left"] + 0.8 * plot["width"], plot["top"] + 0.2 * plot["height"]
    x, y = live_chart(page, f"c.fromPixel({px}, {py}).map(v => Number(v.toFixed(4)))")
    page.mouse.click(box["x"] + px, box["y"] + py)
    page.wait_for_function(
        "([x, y]) => { const q = new URLSearchParams(location.search);"
        " return Number(q.get('x0')) === x && Number(q.get('y0')) === y; }",
        arg=[x, y],
        timeout=30_000,
    )
    page.wait_for_function(
        "(x) => [...document.querySelectorAll('*')].some(e => e.shadowRoot &&"
        " e.shadowRoot.querySelector('.lc') &&"
        " e.shadowRoot.querySelector('.lc').liveChart.data.start[0] === x)",
        arg=x,
    )
    assert live_chart(page, "c.data.runs.map(r => r.server.path.slice(0, 2))") == (
        [[x, y]] * live_chart(page, "c.data.runs.length")
    )
    assert exception_boxes(page) == 0 and page.js_errors == []


def test_play_keeps_the_surface_visible_during_and_after_playback(page, app_url):
    open_page(page, f"{app_url}/Compare?steps=60")

    def surface_drawn() -> bool:  # a pixel of the contour image, away from every path
        return live_chart(
            page,
            """(() => { const p = c.plot, r = window.devicePixelRatio || 1;
                 const px = c.canvas.getContext('2d').getImageData(
                   Math.round((p.left + 3) * r), Math.round((p.top + 3) * r), 1, 1).data;
                 return px[3] === 255; })()""",
        )

    assert surface_drawn()
    page.locator("[data-testid=live-play]").first.click()
    page.wait_for_timeout(600)
    during = live_chart(page, "c.step")
    assert surface_drawn(), "the surface vanished during playback"
    page.wait_for_timeout(600)
    assert live_chart(page, "c.step") != during, "the animation did not advance"
    assert surface_drawn()
    page.wait_for_timeout(3_000)  # 60 steps at 30 a second play out
    assert live_chart(page, "c.step") == 60
    assert surface_drawn(), "the surface vanished after playback"
    assert page.js_errors == []


def test_a_copied_link_reopens_the_exact_settings(page, app_url, browser):
    open_page(page, f"{app_url}/Compare")
    before = path_signature(page)
    field = page.get_by_role("spinbutton", name="Steps", exact=True)
    field.fill("57")
    field.press("Enter")
    page.wait_for_function("() => window.location.search.includes('steps=57')", timeout=30_000)
    wait_for_redraw(page, before)
    link = page.url
    signature = path_signature(page)
    other = browser.new_page(viewport={"width": 1400, "height": 1000})
    open_page(other, link)
    other_field = other.get_by_role("spinbutton", name="Steps", exact=True)
    assert other_field.input_value() == "57"
    assert path_signature(other) == signature
    other.close()


def test_a_hostile_link_is_refused_politely(page, app_url):
    hostile = (
        "Compare?surface=%3Cscript%3Ealert(1)%3C/script%3E&steps=-5&o1_lr=nan&n=999"
        "&o1_opt=rm%20-rf&x0=1e999"
    )
    open_page(page, f"{app_url}/{hostile}")
    warning = page.locator('[data-testid="stAlert"]').first
    text = warning.inner_text()
    for name in ("surface", "steps"):
        assert name in text
    assert exception_boxes(page) == 0
    assert page.js_errors == []
    assert page.evaluate("() => window.__xss === undefined")


def test_a_saved_settings_file_reopens_its_experiment(page, app_url, tmp_path):
    from experiments import presets

    experiment = presets.get("d2l_ch12").experiment
    saved = tmp_path / "d2l.settings.json"
    saved.write_text(experiment.to_json(), encoding="utf-8")
    open_page(page, app_url)
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(saved))
    page.wait_for_url(re.compile(r"/Compare\?"), timeout=30_000)
    page.wait_for_selector(MAIN_PLOT)
    query = parse_qs(urlparse(page.url).query)
    # The link keeps what differs from the page's defaults: D2L's bowl, 20 steps, 7 runs.
    assert query["bowl_a"] == ["0.1"] and query["bowl_b"] == ["2"], query
    assert query["steps"] == ["20"] and query["n"] == ["7"], query
    assert query["o7_opt"] == ["rmsprop"] and query["o7_conv"] == ["eps_inside"], query
    assert exception_boxes(page) == 0


def test_a_broken_settings_file_is_refused_with_a_message(page, app_url, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{"surface": "bowl", "runs": [{"optimizer": "adam", "hyper": {"lr": -1}}]}')
    open_page(page, app_url)
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(broken))
    error = page.locator('[data-testid="stAlert"]').filter(has_text="broken.json")
    error.wait_for(timeout=30_000)
    assert "lr" in error.inner_text()
    assert exception_boxes(page) == 0
