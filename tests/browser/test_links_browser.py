"""Cross-page links in one browser session: a page opened from a link shows the link's
values even when the session set other values on that page before (Streamlit keeps a
URL-bound widget's value by key across pages; `app_ui.page` lets the link win), and a
plain visit from the sidebar keeps the session's values."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from app_ui import links
from experiments import presets
from tests.browser.test_e2e import MAIN_PLOT, exception_boxes, open_page

LINK_WAIT_SECONDS = 90


def url_query(page) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlparse(page.url).query).items()}


def wait_for_page(page, path: str) -> None:
    page.wait_for_function(f"() => location.pathname.endsWith('/{path}')", timeout=90_000)
    page.wait_for_selector(MAIN_PLOT, timeout=90_000)
    page.wait_for_load_state("networkidle")


def click_link_to(page, expected: dict[str, str]) -> None:
    """Click the page link whose query parameters are exactly `expected`."""
    anchors = page.locator('[data-testid="stPageLink"] a')
    for _ in range(LINK_WAIT_SECONDS):  # the gallery's cards render one after another
        hrefs = [anchors.nth(i).get_attribute("href") or "" for i in range(anchors.count())]
        for index, href in enumerate(hrefs):
            if {k: v[-1] for k, v in parse_qs(urlparse(href).query).items()} == expected:
                anchors.nth(index).scroll_into_view_if_needed()
                anchors.nth(index).click()
                return
        page.wait_for_timeout(1000)
    raise AssertionError(f"no link with {expected} in {hrefs}")


def test_a_preset_opens_with_its_values_after_compare_was_changed(page, app_url):
    open_page(page, f"{app_url}/Compare?lang=en&o1_lr=0.002")
    changed = url_query(page)["o1_lr"]
    assert changed == "0.002"
    # Explore binds the same keys: Streamlit then drops them from a link to Compare.
    page.locator('[data-testid="stSidebar"] a').filter(has_text="Explore").first.click()
    wait_for_page(page, "Explore")
    page.locator('[data-testid="stSidebar"] a').filter(has_text="Home").first.click()
    wait_for_page(page, "")
    preset = presets.get("distill_momentum")
    expected = links.preset_params(preset)
    click_link_to(page, expected)
    wait_for_page(page, "Compare")
    page.wait_for_function(
        f"() => location.search.includes('o1_lr={expected['o1_lr']}')", timeout=60_000
    )
    query = url_query(page)
    # The link keeps only what differs from Compare's defaults; all of it is the preset's.
    assert query["o1_lr"] == expected["o1_lr"] != changed
    assert {k: v for k, v in query.items() if k != "lang"}.items() <= expected.items()
    assert exception_boxes(page) == 0
    # A plain visit (the sidebar's link, no settings in it) keeps what the session has.
    page.locator('[data-testid="stSidebar"] a').filter(has_text="Explore").first.click()
    wait_for_page(page, "Explore")
    page.locator('[data-testid="stSidebar"] a').filter(has_text="Compare").first.click()
    wait_for_page(page, "Compare")
    page.wait_for_function(
        f"() => location.search.includes('o1_lr={expected['o1_lr']}')", timeout=60_000
    )
    assert url_query(page)["o1_lr"] == expected["o1_lr"]
