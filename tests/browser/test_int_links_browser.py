"""A link whose integer settings are past the float range (inf, 1e400, 10**400) opens the
page with a note and the controls' defaults, in a real browser: Streamlit 1.67's own
seeding of a URL-bound integer input raised an OverflowError there (`app_ui.fields`)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from tests.browser.test_e2e import exception_boxes, open_page

HOSTILE = {"steps": "inf", "seed": "1e400", "n": "1" + "0" * 400}


@pytest.mark.parametrize("path", ["Explore", "Compare"])
def test_a_link_with_integers_past_the_float_range_opens_with_a_note(page, app_url, path):
    keys = ["steps", "seed"] + (["n"] if path == "Compare" else [])
    open_page(page, f"{app_url}/{path}?lang=en")
    steps_default = page.get_by_role("spinbutton", name="Steps", exact=True).input_value()
    query = "&".join(f"{key}={HOSTILE[key]}" for key in keys)
    open_page(page, f"{app_url}/{path}?lang=en&{query}")
    note = page.locator('[data-testid="stAlert"]').first.inner_text()
    for key in keys:
        assert f"{key} = {HOSTILE[key][:20]}" in note
    assert "an integer in [1, " in note
    assert page.get_by_role("spinbutton", name="Steps", exact=True).input_value() == steps_default
    assert not set(keys) & set(parse_qs(urlparse(page.url).query))
    assert exception_boxes(page) == 0
    assert page.js_errors == []
