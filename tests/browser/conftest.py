"""Fixtures for the end-to-end tests: one app server and one browser per test session.

Without Debian's `chromium` these tests are skipped locally, but fail in CI (CI=true),
where `.ci/run` installs it: a browser check that silently does not run is a defect.
"""

from __future__ import annotations

import os

import pytest

from tests.browser import harness


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if harness.chromium_path() is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (apt-get install chromium)")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    with harness.chromium() as browser:
        yield browser


@pytest.fixture(scope="session")
def app_url(browser):
    with harness.streamlit_server() as url:
        yield url


@pytest.fixture
def page(browser):
    with harness.new_page(
        browser, timeout_ms=30_000, viewport={"width": 1400, "height": 1000}
    ) as page:
        yield page
