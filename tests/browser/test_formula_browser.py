"""Your own function in real Chromium: type a formula on Explore, see it typeset and drawn,
type a mistake, see its column while the chart keeps the last good function."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from tests.browser.test_e2e import (
    exception_boxes,
    open_page,
    path_signature,
    sidebar_slider,
    wait_for_redraw,
)

FORMULA_LABEL = "f(x, y) ="
ECHO_TEX = '.st-key-surface_formula annotation[encoding="application/x-tex"]'
ERROR_BOX = ".st-key-formula_error"


def formula_box(page):
    # Found by its <label>: the box is a real, labelled input for keyboards and readers.
    return page.locator('[data-testid="stSidebar"]').get_by_label(FORMULA_LABEL, exact=True)


def type_formula(page, text: str) -> None:
    """Type as a person does, one key at a time, and never press Enter: the box sends
    what it holds once typing pauses."""
    box = formula_box(page)
    box.click()
    box.press("Control+a")
    box.press("Backspace")
    box.press_sequentially(text, delay=40)


def test_typed_formula_is_echoed_drawn_and_a_mistake_keeps_it(page, app_url):
    open_page(page, f"{app_url}/Explore?surface=formula")
    before = path_signature(page)
    type_formula(page, "a x^2")
    # Echoed and drawn while the user is still in the box: a pause is enough.
    page.wait_for_function(
        "(sel) => (document.querySelector(sel) || {}).textContent?.trim() === 'f(x, y) = a x^{2}'",
        arg=ECHO_TEX,
    )
    wait_for_redraw(page, before)
    before = path_signature(page)
    formula_box(page).press_sequentially(" + 3y^2", delay=40)
    wait_for_redraw(page, before)
    page.wait_for_function(
        "(sel) => (document.querySelector(sel) || {}).textContent?.includes('a x^{2}')",
        arg=ECHO_TEX,
    )
    assert page.locator(ECHO_TEX).text_content().strip() == "f(x, y) = a x^{2} + 3 y^{2}"
    assert sidebar_slider(page, "parameter").count() == 1  # the free name's own slider
    assert parse_qs(urlparse(page.url).query)["formula"] == ["a x^2 + 3y^2"]
    drawn = path_signature(page)

    type_formula(page, "sin(x) + )")
    page.wait_for_selector(ERROR_BOX, timeout=30_000)
    page.wait_for_load_state("networkidle")
    assert "unexpected ')' at column 10" in page.locator(ERROR_BOX).inner_text()
    # The last good function stays: its echo and the very same chart.
    assert page.locator(ECHO_TEX).text_content().strip() == "f(x, y) = a x^{2} + 3 y^{2}"
    assert path_signature(page) == drawn
    assert exception_boxes(page) == 0
    assert page.js_errors == []


def test_a_shared_link_opens_with_its_formula(page, app_url):
    open_page(page, f"{app_url}/Explore?surface=formula&formula=x%5E2%20%2B%202y%5E2")
    assert page.locator(ECHO_TEX).text_content().strip() == "f(x, y) = x^{2} + 2 y^{2}"
    assert formula_box(page).input_value() == "x^2 + 2y^2"
    assert page.js_errors == []
