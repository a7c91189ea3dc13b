"""A run's learning-rate schedule is live in the chart: dragging one of its parameters
(or the warm-up, or the steps of a one-cycle run, which spans the run) recomputes the
paths in the browser with no server request; the release lands in the widget and the
URL, and the server's path of the released values is the one that was drawn."""

from __future__ import annotations

import pytest

from i18n import t, use_language
from tests.browser.test_live import (
    CHART,
    chart_state,
    count_sent_frames,
    drag_slider,
    drawn_paths,
    open_live,
    release_and_wait,
    server_paths,
)

# (the schedule of Compare's run 1, in the URL; the slider dragged; where its value lives)
CASES = {
    "cosine alpha": ("o1_sched=cosine&o1_sched_decay_steps=20", "o1_sched_alpha",
                     "c.values.runs[0].sched_alpha"),
    "cosine decay steps": ("o1_sched=cosine", "o1_sched_decay_steps",
                           "c.values.runs[0].sched_decay_steps"),
    "restarts t_mul": ("o1_sched=cosine_restarts&o1_sched_first_decay_steps=5", "o1_sched_t_mul",
                       "c.values.runs[0].sched_t_mul"),
    "warm-up": ("o1_sched=exponential&o1_sched_decay_steps=30", "o1_sched_warmup_steps",
                "c.values.runs[0].sched_warmup_steps"),
    "one-cycle steps": ("o1_sched=one_cycle", "steps", "c.values.steps"),
    # reduce-on-plateau's options go to the engine's loss-driven logic, not to the factors
    "plateau factor": ("o1_sched=plateau&o1_sched_patience=0&o1_sched_threshold=0.3",
                       "o1_sched_factor", "c.values.runs[0].sched_factor"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(CASES))
def test_dragging_a_schedule_parameter_is_live_and_the_release_commits_it(page, app_url, case):
    query, key, where = CASES[case]
    open_live(page, f"{app_url}/Compare?{query}")
    assert chart_state(page, "c.results[0] !== null")
    sent = count_sent_frames(page)
    page.wait_for_timeout(500)
    sent.clear()
    before = drawn_paths(page)
    factors_before = chart_state(page, "Array.from(c.results[0].lr)")
    release = drag_slider(page, key, 0.35)
    during = drawn_paths(page)
    on_screen = chart_state(page, where)
    assert sent == [], f"{len(sent)} messages went to the server during the drag"
    assert during[0] != before[0], "the scheduled run's path did not follow the slider"
    assert chart_state(page, "Array.from(c.results[0].lr)") != factors_before
    if key != "steps":
        assert during[1:] == before[1:], "only the dragged run changes"
    release_and_wait(page, release, key, on_screen)
    # The widget took the value: the server ran it, and its path is the one drawn.
    assert chart_state(page, where) == on_screen
    assert server_paths(page) == during
    assert drawn_paths(page) == during
    assert page.js_errors == []


def test_the_schedule_controls_speak_korean(page, app_url):
    open_live(page, f"{app_url}/Compare?lang=ko&o1_sched=cosine")
    heading = page.locator(f"{CHART} .lc-schedule-title").first
    with use_language("ko"):
        expected = t("live_schedule.heading", name=t("schedule.cosine.title"))
        label = t("param.decay_steps.label")
    assert heading.text_content() == expected
    row = page.locator(f'{CHART} label:has(input[data-key="o1_sched_decay_steps"])').first
    assert label in row.text_content()
