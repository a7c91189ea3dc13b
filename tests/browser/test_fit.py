"""What a lecturer saw in the first hour, measured in Chromium: the chart above the fold at
1440 x 900 (presenter view included), the dark theme's selected speed button, Plotly's
toolbar over the small multiples' titles, and a phone's layout at 390 x 844."""

from __future__ import annotations

import contextlib

import pytest

from tests.browser.test_e2e import MAIN_PLOT, exception_boxes, open_page

PHONE_AGENT = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)

BOXES_JS = """(selector) => {
  const plot = document.querySelector(selector);
  const box = e => { const r = e.getBoundingClientRect();
                     return {left: r.left, top: r.top, right: r.right, bottom: r.bottom}; };
  const all = css => [...plot.querySelectorAll(css)].map(box);
  return {plot: box(plot), buttons: all('.updatemenu-button'), legend: all('.legend'),
          slider: all('.slider-container'), images: all('.layer-below image, image'),
          titles: all('.annotation'), modebar: all('.modebar'),
          xticks: [...plot.querySelectorAll('.xaxislayer-above')].map(layer =>
                    [...layer.querySelectorAll('.xtick text')].map(box)),
          yticks: [...plot.querySelectorAll('.yaxislayer-above')].map(layer =>
                    [...layer.querySelectorAll('.ytick text')].map(box))};
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


@contextlib.contextmanager
def new_page(browser, **context):
    ctx = browser.new_context(**context)
    page = ctx.new_page()
    page.set_default_timeout(30_000)
    try:
        yield page
    finally:
        ctx.close()


# --- 1440 x 900: the chart above the fold --------------------------------------------------------


@pytest.mark.parametrize("present", [False, True], ids=["normal", "presenter"])
@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("path", ["Explore", "Compare"])
def test_the_chart_starts_in_the_upper_half_at_1440x900(browser, app_url, path, lang, present):
    with new_page(browser, viewport={"width": 1440, "height": 900}) as page:
        open_page(page, f"{app_url}/{path}?lang={lang}" + ("&present=1" if present else ""))
        chart = page.locator(MAIN_PLOT).first.bounding_box()
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


SPEED_BUTTONS_JS = """(selector) => {
  const plot = document.querySelector(selector);
  const menus = [...plot.querySelectorAll('.updatemenu-container g.updatemenu-button')];
  return menus.map(b => ({rect: getComputedStyle(b.querySelector('rect')).fill,
                          text: getComputedStyle(b.querySelector('text')).fill,
                          label: b.querySelector('text').textContent}));
}"""


@pytest.mark.parametrize("scheme", ["dark", "light"])
def test_every_animation_button_label_is_readable(browser, app_url, scheme):
    with new_page(browser, viewport={"width": 1440, "height": 900}, color_scheme=scheme) as page:
        open_page(page, f"{app_url}/Compare")
        buttons = page.evaluate(SPEED_BUTTONS_JS, MAIN_PLOT)
        assert len(buttons) == 8
        for button in buttons:  # the selected speed (1x) among them
            fill, ink = (
                _relative_luminance(_rgb(button["rect"])),
                _relative_luminance(_rgb(button["text"])),
            )
            contrast = (max(fill, ink) + 0.05) / (min(fill, ink) + 0.05)
            assert contrast >= 4.5, button
        # ... and the selected one is told apart from the others.
        fills = {b["label"]: b["rect"] for b in buttons}
        assert len({fills[label] for label in fills if "×" in label}) == 2


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
        open_page(page, f"{app_url}/{path}?lang={lang}")
        boxes = page.evaluate(BOXES_JS, MAIN_PLOT)
        assert len(boxes["buttons"]) == 8
        _pairwise_apart(boxes["buttons"])  # speeds no longer cover Pause and the steps
        (legend,) = boxes["legend"]
        assert inside(legend, boxes["plot"]), (legend, boxes["plot"])  # not cut off
        assert legend["right"] <= 390
        for other in [*boxes["buttons"], *boxes["slider"], boxes["images"][0]]:
            assert not overlap(legend, other), (legend, other)
        contour = boxes["images"][0]
        assert contour["bottom"] - contour["top"] >= 250, contour  # was 130 in a 600 px block
        # The contour fills most of the figure's drawing area above the controls.
        assert (contour["bottom"] - contour["top"]) >= 0.45 * (
            boxes["plot"]["bottom"] - boxes["plot"]["top"]
        )
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
