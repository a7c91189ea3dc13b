"""The live chart in real Chromium against a running app: a drag recomputes the paths in
the browser without a server request, a release lands in the URL with the same numbers
the server then computes, the player reaches every iteration, and it speaks Korean."""

from __future__ import annotations

import base64
import io
import re
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from i18n import t, use_language
from tests.browser import harness

CHART = ".lc"


def open_live(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("[data-testid=live-canvas]", timeout=90_000)
    page.wait_for_load_state("networkidle")
    page.wait_for_function(
        "() => [...document.querySelectorAll('*')].some(e => e.shadowRoot && "
        "e.shadowRoot.querySelector('.lc') && e.shadowRoot.querySelector('.lc').liveChart.results)",
        timeout=30_000,
    )


def chart_state(page, expression: str):
    """`expression` evaluated on the chart object (`c`) inside the component."""
    return page.locator(CHART).first.evaluate(
        f"(root) => {{ const c = root.liveChart; return {expression}; }}"
    )


def drawn_paths(page) -> list:
    return chart_state(page, "c.results.map(r => r ? Array.from(r.path) : null)")


def server_paths(page) -> list:
    return chart_state(page, "c.data.runs.map(r => r.server.path)")


def count_sent_frames(page) -> list[int]:
    """A list whose length is the number of websocket messages the page sent since."""
    sent: list[int] = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(1)))
    return sent


def drag_slider(page, key: str, fraction: float):
    """Press the slider `key`'s thumb, move it to `fraction` of the track in small steps
    and return (mouse-up function, the slider's box)."""
    slider = page.locator(f'{CHART} input[data-key="{key}"]').first
    slider.scroll_into_view_if_needed()
    box = slider.bounding_box()
    value = float(slider.input_value()) / float(slider.get_attribute("max"))
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + 8 + value * (box["width"] - 16), y)
    page.mouse.down()
    for k in range(1, 11):
        share = value + (fraction - value) * k / 10
        page.mouse.move(box["x"] + 8 + share * (box["width"] - 16), y)
        page.wait_for_timeout(30)
    return page.mouse.up


def release_and_wait(page, release, key: str, on_screen: float) -> None:
    """Release a drag, then wait until the URL holds the value on screen and the chart
    has taken the server's answer to that release."""
    release()
    page.wait_for_function(
        "([key, value]) => Number(new URLSearchParams(location.search).get(key)) === value",
        arg=[key, on_screen],
    )
    page.wait_for_function(
        "(seq) => [...document.querySelectorAll('*')].some(e => e.shadowRoot &&"
        " e.shadowRoot.querySelector('.lc') &&"
        " e.shadowRoot.querySelector('.lc').liveChart.data.commitSeq >= seq)",
        arg=chart_state(page, "c.sentSeq"),
    )


def url_params(page) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlparse(page.url).query).items()}


@pytest.fixture
def live_page(browser):
    with harness.new_page(browser, viewport={"width": 1440, "height": 1000}) as page:
        yield page


# The slider's URL key and where its value lives in the chart's state.
HOT_CONTROLS = {
    "o1_lr": "c.values.runs[0].lr",  # SGD's learning rate (run 1 of Compare's default)
    "noise": "c.values.noise",  # seeded gradient noise: the server's draws
    "bowl_b": "c.values.surface.b",  # a surface parameter
    "steps": "c.values.steps",
}


@pytest.mark.parametrize("key", list(HOT_CONTROLS))
def test_dragging_a_slider_redraws_in_the_browser_and_release_lands_in_the_url(
    live_page, app_url, key
):
    page = live_page
    open_live(page, f"{app_url}/Compare")
    sent = count_sent_frames(page)
    page.wait_for_timeout(500)
    sent.clear()
    before = drawn_paths(page)
    release = drag_slider(page, key, 0.3 if key == "o1_lr" else 0.55)
    during = drawn_paths(page)
    if key == "o1_lr":
        assert during[0] != before[0], "the path did not follow the slider"
        assert during[1:] == before[1:], "only the dragged run changes"
    else:
        assert all(a != b for a, b in zip(during, before, strict=True)), "a path stood still"
    assert sent == [], f"{len(sent)} messages went to the server during the drag"
    on_screen = chart_state(page, HOT_CONTROLS[key])
    release_and_wait(page, release, key, on_screen)
    # The server's run of the released value is the path that was on screen.
    assert server_paths(page) == during
    assert drawn_paths(page) == during
    assert page.js_errors == []


def test_dragging_the_start_marker_moves_every_path_and_commits_the_start(live_page, app_url):
    page = live_page
    open_live(page, f"{app_url}/Compare")
    sent = count_sent_frames(page)
    page.wait_for_timeout(500)
    sent.clear()
    canvas = page.locator(f"{CHART} canvas.lc-canvas").first
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    sx, sy = chart_state(page, "c.toPixel(c.values.start)")
    before = drawn_paths(page)
    page.mouse.move(box["x"] + sx, box["y"] + sy)
    page.mouse.down()
    for k in range(1, 9):
        page.mouse.move(box["x"] + sx + 6 * k, box["y"] + sy + 3 * k)
        page.wait_for_timeout(30)
    during = drawn_paths(page)
    start = chart_state(page, "c.values.start")
    assert all(a[:2] != b[:2] for a, b in zip(during, before, strict=True))
    assert [p[:2] for p in during] == [start] * len(during)
    assert sent == []
    page.mouse.up()
    page.wait_for_function(
        "([x, y]) => { const q = new URLSearchParams(location.search);"
        " return Number(q.get('x0')) === x && Number(q.get('y0')) === y; }",
        arg=start,
    )
    page.wait_for_function(
        "(x) => [...document.querySelectorAll('*')].some(e => e.shadowRoot &&"
        " e.shadowRoot.querySelector('.lc') &&"
        " e.shadowRoot.querySelector('.lc').liveChart.data.start[0] === x)",
        arg=start[0],
    )
    assert server_paths(page) == drawn_paths(page) == during
    assert page.js_errors == []


def test_play_step_and_scrub_reach_every_iteration_and_the_inspector_follows(live_page, app_url):
    page = live_page
    open_live(page, f"{app_url}/Explore?steps=150")
    inspector_title = page.locator(f"{CHART} [data-testid=live-inspector-title]").first
    expect(inspector_title).to_have_text(re.compile(r" 5$"))  # Explore opens on step 5
    page.locator(f"{CHART} .lc-next").first.click()
    expect(inspector_title).to_have_text(re.compile(r" 6$"))
    page.wait_for_function("() => new URLSearchParams(location.search).get('k') === '6'")
    page.wait_for_load_state("networkidle")
    scrub = page.locator(f"{CHART} [data-testid=live-scrub]").first
    assert scrub.get_attribute("max") == "150"  # one position per iteration
    scrub.fill("137")
    expect(inspector_title).to_have_text(re.compile(r" 137$"))
    assert chart_state(page, "c.step") == 137
    page.locator(f"{CHART} [data-testid=live-play]").first.click()
    page.wait_for_function(
        "() => [...document.querySelectorAll('*')].some(e => e.shadowRoot &&"
        " e.shadowRoot.querySelector('.lc') && e.shadowRoot.querySelector('.lc').liveChart.step === 150)",
        timeout=20_000,
    )
    expect(inspector_title).to_have_text(re.compile(r" 150$"))
    theta = chart_state(page, "[c.results[0].path[300], c.results[0].path[301]]")
    assert theta == server_paths(page)[0][300:302]  # the last iteration, as the server has it
    rows = page.locator(f"{CHART} [data-testid=live-inspector] tr").all_inner_texts()
    (row,) = [r for r in rows if r.startswith("θ_t\t")]
    shown = [float(v) for v in row.split("\t")[1:3]]
    assert shown == pytest.approx(theta, rel=1e-3, abs=1e-9)
    # The released step is Explore's `k`, in the link.
    page.wait_for_function("() => new URLSearchParams(location.search).get('k') === '150'")
    assert page.js_errors == []


def test_the_live_chart_speaks_korean(live_page, app_url):
    page = live_page
    open_live(page, f"{app_url}/Explore?lang=ko")
    with use_language("ko"):
        play, inspector, steps = t("live.play"), t("live.inspector"), t("live.steps")
    chart = page.locator(CHART).first
    assert chart.locator("[data-testid=live-play]").inner_text() == play
    assert chart.locator("[data-testid=live-inspector-title]").inner_text().startswith(inspector)
    assert steps in chart.inner_text()
    assert "Play" not in chart.inner_text() and "Step" not in chart.inner_text()


# A surface parameter moved in the browser: (surface, its parameters there, colour scheme).
MOVED_SURFACES = [
    ("rosenbrock", {"a": 1.5, "b": 60.0}, "light"),  # log-scaled levels, the minimum moves
    ("rastrigin", {"A": 4.0}, "dark"),  # linear levels up to the 98th percentile
    ("bowl", {"a": 0.3, "b": 3.0}, "dark"),
]
CONTOUR_PIXELS_JS = """([values]) => {
  Object.assign(c.values.surface, values);
  const canvas = c.liveContour();
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  return {width: canvas.width, height: canvas.height, rgba: Array.from(data),
          minima: c.followed.minima};
}"""


@pytest.mark.parametrize(("name", "values", "scheme"), MOVED_SURFACES, ids=lambda v: str(v))
def test_the_browser_redraws_the_servers_contour_while_a_surface_moves(
    browser, app_url, name, values, scheme
):
    """The image the browser draws while a surface parameter moves is the server's
    `contour_background` for those parameters (pixel by pixel, within the PNG's 64-colour
    quantisation), and the minima markers are where the server puts them."""
    import numpy as np
    from PIL import Image

    import surfaces
    from viz import background

    viewport = {"width": 1440, "height": 1000}
    with harness.new_page(browser, viewport=viewport, color_scheme=scheme) as page:
        open_live(page, f"{app_url}/Explore?surface={name}")
        assert chart_state(page, "c.data.dark") == (scheme == "dark")
        drawn = page.locator(CHART).first.evaluate(
            "(root, args) => { const c = root.liveChart; return ("
            + CONTOUR_PIXELS_JS
            + ")(args); }",
            [values],
        )
    surface = surfaces.get(name, **values)
    uri = background.contour_background(
        surface, dark=scheme == "dark", width=background.LIVE_CONTOUR_WIDTH
    )
    server = np.asarray(
        Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))).convert("RGB")
    )
    browser_rgb = np.asarray(drawn["rgba"], dtype=float).reshape(drawn["height"], drawn["width"], 4)
    assert browser_rgb.shape[:2] == server.shape[:2]
    difference = np.abs(browser_rgb[..., :3] - server).max(axis=-1)
    # The server's PNG keeps 64 colours: a few units off everywhere, more only where a
    # band edge's antialiased pixel met a rounding of the levels.
    assert np.quantile(difference, 0.99) <= 12, np.quantile(difference, [0.5, 0.9, 0.99])
    assert np.mean(difference <= 12) >= 0.99
    # An unmoved image would not pass: the parameters change the picture.
    unmoved = surfaces.get(name)
    old = background.contour_background(
        unmoved, dark=scheme == "dark", width=background.LIVE_CONTOUR_WIDTH
    )
    old_rgb = np.asarray(
        Image.open(io.BytesIO(base64.b64decode(old.split(",", 1)[1]))).convert("RGB")
    )
    assert np.mean(np.abs(old_rgb.astype(float) - server).max(axis=-1) > 12) > 0.05
    expected = sorted(tuple(m.xy) for m in surface.minima)
    followed = sorted(tuple(m) for m in drawn["minima"])
    assert np.allclose(followed, expected, atol=1e-9), (followed, expected)


def test_a_typed_formulas_parameter_is_dragged_in_the_browser(live_page, app_url):
    """Issue 9 with issue 10: a typed function's parameter moves the paths within the frame,
    as a built-in's does, from the JavaScript the server derived from the formula."""
    page = live_page
    open_live(page, f"{app_url}/Explore?surface=formula&formula=a*x%5E2%20%2B%20y%5E2")
    (key,) = chart_state(page, "c.data.surface.controls.map(c => c.key)")
    sent = count_sent_frames(page)
    page.wait_for_timeout(500)
    sent.clear()
    before = drawn_paths(page)
    release = drag_slider(page, key, 0.9)
    during = drawn_paths(page)
    assert during != before, (
        "the path did not follow the formula's parameter",
        chart_state(page, "[c.data.surface.controls, c.values.surface]"),
    )
    assert sent == [], f"{len(sent)} messages went to the server during the drag"
    on_screen = chart_state(page, "c.values.surface.a")
    release_and_wait(page, release, key, on_screen)
    assert server_paths(page) == during
    assert page.js_errors == []
