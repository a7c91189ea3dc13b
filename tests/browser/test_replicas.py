"""README "Serve a class" in a real browser: two replicas behind nginx with
deploy/nginx.conf.  Tabs with different affinity cookies get the live chart and download
an export, which only the replica holding the tab's session can serve."""

from __future__ import annotations

import contextlib

import pytest

from benchmarks import load_benchmark
from i18n import t
from tests.browser import harness

LIVE_CANVAS = (
    "() => [...document.querySelectorAll('*')]"
    ".some(e => e.shadowRoot && e.shadowRoot.querySelector('.lc canvas'))"
)


@pytest.fixture(scope="module")
def front():
    harness.require_nginx()
    with contextlib.ExitStack() as stack:
        urls = [stack.enter_context(harness.streamlit_server()) for _ in range(2)]
        yield stack.enter_context(load_benchmark.balancer(urls))


def test_tabs_behind_nginx_keep_their_replica_for_downloads(browser, front):
    cookies = set()
    for _ in range(3):
        with harness.new_page(browser, viewport={"width": 1440, "height": 900}) as page:
            page.goto(f"{front}/Compare?lang=en")
            page.wait_for_function(LIVE_CANVAS)
            tab_cookies = page.context.cookies()
            cookies |= {c["value"] for c in tab_cookies if c["name"] == "app_replica"}
            page.get_by_text(t("export.panel.title")).click()
            page.get_by_role("button", name=t("export.panel.render")).click()
            with page.expect_download() as download:
                page.locator("[data-testid='stDownloadButton'] button").first.click()
            assert download.value.failure() is None
            with open(download.value.path(), "rb") as file:
                assert file.read(4) == b"\x89PNG"
            assert page.js_errors == []
    assert len(cookies) == 3  # each tab got its own affinity cookie
