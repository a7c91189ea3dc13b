"""What a lecturer saw in the first hour, measured in Chromium on the live chart (the canvas
component that replaced the Plotly overlay): the chart above the fold at 1440 x 900
(presenter view included), the dark theme's player controls, and a phone's layout at
390 x 844; and Plotly's toolbar over the small multiples' titles (still a Plotly figure)."""

from __future__ import annotations

import pytest

from tests.browser.harness import new_page
from tests.browser.test_e2e import MAIN_PLOT, exception_boxes, open_page
from tests.browser.test_live import open_live

PHONE_AGENT = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)
LIVE = ".lc"
LIVE_CANVAS = "[data-testid=live-canvas]"

BOXES_JS = """(selector) => {
  const plot = document.querySelector(selector);
  const box = e => { const r = e.getBoundingClientRect();
                     return {left: r.left, top: r.top, right: r.right, bottom: r.bottom}; };
  const all = css => [...plot.querySelectorAll(css)].map(box);
  return {plot: box(plot), buttons: all('.updatemenu-button'),
          images: all('.layer-below image, image'), titles: all('.annotation'),
          modebar: all('.modebar'),
          xticks: [...plot.querySelectorAll('.xaxislayer-above')].map(layer =>
                    [...layer.querySelectorAll('.xtick text')].map(box)),
          yticks: [...plot.querySelectorAll('.yaxislayer-above')].map(layer =>
                    [...layer.querySelectorAll('.ytick text')].map(box))};
}"""

# The live chart's parts, measured inside its root (`.lc`, in the component's shadow root).
LIVE_BOXES_JS = """(root) => {
  const box = e => { const r = e.getBoundingClientRect();
                     return {left: r.left, top: r.top, right: r.right, bottom: r.bottom}; };
  const all = css => [...root.querySelectorAll(css)].map(box);
  const canvas = root.querySelector('.lc-canvas');
  const c = box(canvas), p = root.liveChart.plot;  // the contour's rectangle on the canvas
  return {root: box(root), canvas: c, legend: all('.lc-legend'), panel: all('.lc-panel'),
          contour: {left: c.left + p.left, top: c.top + p.top,
                    right: c.left + p.left + p.width, bottom: c.top + p.top + p.height},
          buttons: all('.lc-player button, .lc-player select'),
          scrub: all('.lc-scrub'), label: all('.lc-step-label'),
          viewport: document.documentElement.clientWidth};
}"""


def overlap(a: dict, b: dict) -> bool:
    """Whether two boxes share more than a pixel in both directions."""
    return (
        min(a["right"], b["right"]) - max(a["left"], b["left"]) > 1
        and min(a["bottom"], b["bottom"]) - max(a["top"], b["top"]) > 1
    )


def inside(a: dict, b: dict) -> bool:
    return (
        a["left"] >= b["left"] - 1
        and a["right"] <= b["right"] + 1
        and a["top"] >= b["top"] - 1
        and a["bottom"] <= b["bottom"] + 1
    )


# --- 1440 x 900: the chart above the fold --------------------------------------------------------


@pytest.mark.parametrize("present", [False, True], ids=["normal", "presenter"])
@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("path", ["Explore", "Compare"])
def test_the_chart_starts_in_the_upper_half_at_1440x900(browser, app_url, path, lang, present):
    with new_page(browser, viewport={"width": 1440, "height": 900}) as page:
        open_live(page, f"{app_url}/{path}?lang={lang}" + ("&present=1" if present else ""))
        chart = page.locator(LIVE_CANVAS).first.bounding_box()
        # Its top in the upper half of the screen, so most of the contour shows at once.
        assert 0 <= chart["y"] <= 450, chart
        if present:
            button = page.locator(".st-key-present_exit button").first
            box = button.bounding_box()
            assert box["y"] >= 0 and box["y"] + box["height"] <= 900, box
            # Nothing covers it (it sat under Streamlit's header): the point at its
            # centre belongs to the button.
            on_top = page.evaluate(
                """([x, y]) => !!document.elementFromPoint(x, y).closest('.st-key-present_exit')""",
                [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
            )
            assert on_top
        assert exception_boxes(page) == 0


# --- dark theme --------------------------------------------------------------------------------------


def _relative_luminance(rgb: tuple[int, ...]) -> float:
    c = [v / 255 for v in rgb[:3]]
    c = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in c]
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]


def _rgb(css: str) -> tuple[int, ...]:
    css = css.strip()
    if css.startswith("#"):
        return tuple(int(css[i : i + 2], 16) for i in (1, 3, 5))
    return tuple(int(float(v)) for v in css[css.index("(") + 1 : -1].split(",")[:3])


# Each player control's text colour and the colour behind it: its own background or, where
# that is transparent, the first opaque one among its ancestors (across the shadow root).
PLAYER_COLOURS_JS = """(root) => {
  const opaque = c => c && c !== 'transparent' && !/rgba\\(.*,\\s*0\\)$/.test(c);
  const behind = e => {
    for (let node = e; node; ) {
      const colour = getComputedStyle(node).backgroundColor;
      if (opaque(colour)) return colour;
      node = node.parentElement || (node.getRootNode() && node.getRootNode().host) || null;
    }
    return getComputedStyle(document.body).backgroundColor;
  };
  return [...root.querySelectorAll('.lc-player button, .lc-player select, .lc-tab')].map(e =>
    ({label: e.textContent.trim().slice(0, 20), ink: getComputedStyle(e).color, fill: behind(e),
      app: behind(root)}));
}"""


@pytest.mark.parametrize("scheme", ["dark", "light"])
@pytest.mark.parametrize("path", ["Explore", "Compare"])
def test_every_player_control_is_readable(browser, app_url, scheme, path):
    with new_page(browser, viewport={"width": 1440, "height": 900}, color_scheme=scheme) as page:
        open_live(page, f"{app_url}/{path}")
        controls = page.locator(LIVE).first.evaluate(PLAYER_COLOURS_JS)
        # First, previous, play, next, last and the speed (and Compare's run tabs).
        assert len(controls) >= 6, controls
        app = _relative_luminance(_rgb(controls[0]["app"]))
        assert (app < 0.2) == (scheme == "dark"), controls[0]  # the theme followed the system
        for control in controls:
            fill, ink = (
                _relative_luminance(_rgb(control["fill"])),
                _relative_luminance(_rgb(control["ink"])),
            )
            contrast = (max(fill, ink) + 0.05) / (min(fill, ink) + 0.05)
            assert contrast >= 4.5, control


def test_plotly_toolbar_leaves_the_panel_titles_free(browser, app_url):
    with new_page(browser, viewport={"width": 1440, "height": 900}) as page:
        open_page(page, f"{app_url}/Compare?layout=grid")
        page.locator(MAIN_PLOT).first.hover()
        page.wait_for_timeout(300)
        boxes = page.evaluate(BOXES_JS, MAIN_PLOT)
        assert boxes["modebar"] and len(boxes["titles"]) == 4
        for title in boxes["titles"]:
            assert not overlap(title, boxes["modebar"][0]), (title, boxes["modebar"])


# --- a phone -------------------------------------------------------------------------------------


PHONE = dict(viewport={"width": 390, "height": 844}, user_agent=PHONE_AGENT, is_mobile=True,
             has_touch=True)  # fmt: skip


def _pairwise_apart(boxes: list[dict]) -> None:
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not overlap(a, b), (a, b)


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("path", ["Explore", "Compare"])
def test_a_phone_sees_every_control_and_a_tall_contour(browser, app_url, path, lang):
    with new_page(browser, **PHONE) as page:
        open_live(page, f"{app_url}/{path}?lang={lang}")
        boxes = page.locator(LIVE).first.evaluate(LIVE_BOXES_JS)
        width = boxes["viewport"]
        # Six player controls (first, previous, play, next, last, speed), the scrubber and
        # the step label: none covers another, none leaves the screen.
        controls = [*boxes["buttons"], *boxes["scrub"], *boxes["label"]]
        assert len(boxes["buttons"]) == 6
        _pairwise_apart(controls)
        for control in controls:
            assert control["left"] >= 0 and control["right"] <= width, control
        # The canvas fills the screen's width (the page's own padding aside) ...
        canvas, contour = boxes["canvas"], boxes["contour"]
        assert canvas["right"] <= width and canvas["right"] - canvas["left"] >= 0.85 * width, boxes
        # ... with a contour at least 250 px tall (it was 130) filling most of it.
        assert contour["bottom"] - contour["top"] >= 250, contour
        assert contour["bottom"] - contour["top"] >= 0.6 * (canvas["bottom"] - canvas["top"])
        # The legend is whole and inside the chart, and covers no control or the contour.
        (legend,) = boxes["legend"]
        assert inside(legend, boxes["root"]) and legend["right"] <= width, (legend, boxes["root"])
        for other in [*controls, contour]:
            assert not overlap(legend, other), (legend, other)
        # The controls panel goes under the chart, not beside it.
        (panel,) = boxes["panel"]
        assert panel["top"] >= canvas["bottom"] - 1, (panel, canvas)
        assert exception_boxes(page) == 0


def test_a_phone_gets_one_column_of_readable_panels(browser, app_url):
    with new_page(browser, **PHONE) as page:
        open_page(page, f"{app_url}/Compare?layout=grid")
        boxes = page.evaluate(BOXES_JS, MAIN_PLOT)
        assert len(boxes["images"]) == 4
        lefts = {round(image["left"]) for image in boxes["images"]}
        assert len(lefts) == 1  # one column
        for image in boxes["images"]:
            assert image["bottom"] - image["top"] >= 150
            assert image["right"] - image["left"] >= 250
        for labels in boxes["xticks"] + boxes["yticks"]:  # tick labels do not collide
            _pairwise_apart(labels)
        for title in boxes["titles"]:
            for image in boxes["images"]:
                assert not overlap(title, image)
        _pairwise_apart(boxes["buttons"])
