"""Read a page's control values before drawing the controls, so the chart is sent first.

Streamlit sends elements in the order the script creates them.  Compare's sidebar holds
some seventy controls, and each one is a message the server sends and the browser
renders before the chart can follow: about 30 ms of every redraw (measured with
`benchmarks/browser_benchmark.py`).  On a rerun every control's value is already in
session state, so a page can run its own control code once against `DryContainer`,
which hands back those values and draws nothing, draw the chart, and only then draw
the controls for real.

The real controls stay the single source of truth: the page compares what they return
with the prediction and, if they differ, reruns once without predicting.  The first run
of a session, or a control that is new in this run, simply takes the ordinary order.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st

from app_ui.page import Page

T = TypeVar("T")
_SKIP_ONCE = "_prediction_skip"  # set after a wrong prediction: the next run draws in order
USED = "_prediction_used"  # whether this run predicted its controls (for tests and tools)


class NotKnownYet(Exception):
    """A control has no value in session state yet (first run, or new this run)."""


class DryContainer:
    """Stands in for `st` / a container: widgets return their session-state value,
    everything else draws nothing."""

    def _widget(self, *args: Any, key: str | None = None, **kwargs: Any) -> Any:
        if key is None or key not in st.session_state:
            raise NotKnownYet(key)
        return st.session_state[key]

    selectbox = select_slider = slider = number_input = text_input = toggle = _widget
    checkbox = radio = segmented_control = pills = _widget

    def button(self, *args: Any, **kwargs: Any) -> bool:
        return False  # a click runs its callback before the script, never during it

    def columns(self, spec: int | list, **kwargs: Any) -> list[DryContainer]:
        return [self] * (spec if isinstance(spec, int) else len(spec))

    def expander(self, *args: Any, **kwargs: Any) -> DryContainer:
        return self

    container = popover = expander

    def __enter__(self) -> DryContainer:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def __getattr__(self, name: str) -> Callable[..., None]:
        return lambda *args, **kwargs: None  # markdown, caption, latex, error, divider...


def predict(page: Page, read: Callable[[Page, Any], T]) -> T | None:
    """What ``read(page, container)`` will return when the controls are drawn, or None
    when that cannot be known before drawing them.  Nothing is drawn, no URL parameter
    is written and no note is recorded on `page`."""
    st.session_state[USED] = False
    if st.session_state.pop(_SKIP_ONCE, False):
        return None
    dry = dataclasses.replace(page, notes=[], manual_keys=set(), dry=True)
    try:
        predicted = read(dry, DryContainer())
    except Exception:  # any surprise: draw in the ordinary order, the real controls decide
        return None
    st.session_state[USED] = True
    return predicted


def confirm(predicted: object, actual: object) -> None:
    """Rerun (once, in the ordinary order) when the drawn controls disagree with the
    prediction the chart was drawn from."""
    if predicted is not None and predicted != actual:
        st.session_state[_SKIP_ONCE] = True
        st.rerun()
