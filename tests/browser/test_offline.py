"""A lecture hall without internet: no page asks the browser for anything that is not
on the app's own server (Streamlit loads a `:material/...:` page icon from
fonts.gstatic.com, for instance)."""

from __future__ import annotations

from urllib.parse import urlparse

from tests.browser.test_e2e import PAGES, open_page

LOCAL_SCHEMES = ("data", "blob", "about", "chrome-extension")


def test_no_page_requests_an_external_host(browser, app_url):
    own_host = urlparse(app_url).netloc
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    external: list[str] = []

    def record(request) -> None:
        url = urlparse(request.url)
        if url.scheme not in LOCAL_SCHEMES and url.netloc != own_host:
            external.append(request.url)

    context.on("request", record)
    # Answer every external request with an error, as an offline room would.
    context.route(lambda url: urlparse(url).netloc not in ("", own_host), lambda r: r.abort())
    page = context.new_page()
    try:
        for name in PAGES:
            open_page(page, f"{app_url}/{name}?lang=en")
            page.wait_for_timeout(500)  # icons and fonts load after the chart
        # The sidebar and the page's icons are drawn by now (popovers, buttons, links).
        assert page.locator('[data-testid="stSidebar"] [data-testid="stPageLink"]').count() >= 4
    finally:
        context.close()
    assert external == []
