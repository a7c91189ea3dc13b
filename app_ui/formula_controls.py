"""The "Your own function" controls: a formula box (sending as the user types), its
typeset echo, a slider per free name, and the view box.  A formula that is refused shows its message, pointing at the
column, and the last good function stays on screen.

URL names: ``formula`` (the text as typed), ``formula_<parameter>``, and ``xmin``,
``xmax``, ``ymin``, ``ymax`` (the view box, `app_ui.links.VIEW_KEYS`).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import streamlit as st

from app_ui import fields
from app_ui.controls import FORMULA_KEY, SurfaceChoice
from app_ui.links import VIEW_KEYS
from app_ui.page import Page
from foundation.params import ParameterError
from i18n import error_text, t
from surfaces import FORMULA, formula

DEFAULT_FORMULA = "sin(x) cos(y) + 0.1(x^2 + y^2)"
TEXT_KEY = "formula"
LAST_GOOD_KEY = "_formula_last_good"  # the last formula that parsed, drawn while one fails
ERROR_KEY = "formula_error"  # the message's box: `.st-key-formula_error` in the page
BOX_KEY = "formula_box"  # the typing box (a v2 component); its text goes to TEXT_KEY
BOX_ASSETS = Path(__file__).with_name("formula_box")
PLACEHOLDER = "(1 - x)^2 + 100(y - x^2)^2"


@cache
def _box_component():
    """A text box that sends its text as the user types (debounced), and at once on Enter
    or blur: `st.text_input` sends only on Enter or blur."""
    return st.components.v2.component(
        "optimizer_playground.formula_box",
        html='<div class="formula-box"></div>',
        css=(BOX_ASSETS / "box.css").read_text(encoding="utf-8"),
        js=(BOX_ASSETS / "box.js").read_text(encoding="utf-8"),
    )


def _take_typed_text() -> None:
    """`on_text_change`: what the box sent becomes the formula (and so the URL's)."""
    state = st.session_state.get(BOX_KEY) or {}
    text = state.get("text") if hasattr(state, "get") else None
    if isinstance(text, str):
        st.session_state[TEXT_KEY] = text[: formula.MAX_LENGTH]


def formula_error_text(error: ParameterError) -> str:
    """A refused formula's reason in the reader's language, with its column."""
    if isinstance(error, formula.FormulaError):
        return t(f"formula.error.{error.problem}", **error.details)
    return error_text(error)


def _last_good() -> str:
    return st.session_state.get(LAST_GOOD_KEY, DEFAULT_FORMULA)


def default_start() -> tuple[float, float]:
    """Where a run on the current formula starts by default (for a change of surface)."""
    text = st.session_state.get(TEXT_KEY) or st.query_params.get(TEXT_KEY) or _last_good()
    try:
        return formula.formula_definition(text, domain=_view_box_state()).default_start
    except ParameterError:
        return formula.formula_definition(DEFAULT_FORMULA).default_start


def _view_box_state():
    values = [st.session_state.get(key) for key in VIEW_KEYS]
    if any(v is None for v in values):
        return None
    try:
        return formula.validate_domain(((values[0], values[1]), (values[2], values[3])))
    except ParameterError:
        return None


def formula_surface_controls(page: Page, container) -> SurfaceChoice:
    """The formula box, its echo or its error, its parameters and its view box."""
    link_text = page.url_values(TEXT_KEY) if page.from_link(TEXT_KEY) else []
    if link_text and len(link_text[-1]) <= formula.MAX_LENGTH:  # a link's formula wins
        st.session_state[TEXT_KEY] = link_text[-1]
    if not isinstance(st.session_state.get(TEXT_KEY), str):
        shared = st.query_params.get(TEXT_KEY)
        st.session_state[TEXT_KEY] = (shared or DEFAULT_FORMULA)[: formula.MAX_LENGTH]
    text = st.session_state[TEXT_KEY]
    fields.sync_url(page, TEXT_KEY, text, DEFAULT_FORMULA)
    with container:
        _box_component()(
            key=BOX_KEY,
            data={"value": text, "label": t("formula.input"), "help": t("formula.input_help"),
                  "placeholder": PLACEHOLDER, "maxLength": formula.MAX_LENGTH},
            on_text_change=_take_typed_text,
        )  # fmt: skip
    try:
        parsed = formula.cached_parse(text)
        st.session_state[LAST_GOOD_KEY] = text
        error = None
    except ParameterError as refused:
        error = refused
        parsed = formula.cached_parse(_last_good())
    _echo(parsed, container)
    if error is not None:
        _show_error(text, error, container)
    params = {}
    for name in parsed.parameters:
        param = formula.parameter(name)
        params[name] = fields.param_control(
            page, f"{FORMULA}_{name}", param, param.default,
            label=t("formula.param_label", symbol=param.symbol),
            help=t("formula.param_help", name=name), owner=FORMULA, container=container,
        )  # fmt: skip
    return SurfaceChoice(FORMULA, params, parsed.text, view_box_controls(page, container))


def _echo(parsed: formula.ParsedFormula, container) -> None:
    """The function that is drawn, as typeset LaTeX."""
    container.container(key=FORMULA_KEY).latex("f(x, y) = " + parsed.latex)


def _show_error(text: str, error: ParameterError, container) -> None:
    box = container.container(key=ERROR_KEY)
    box.error(t("formula.refused", reason=formula_error_text(error)), icon="⚠️")
    column = getattr(error, "column", None)
    if isinstance(column, int) and 0 < column <= len(text):
        box.code(text + "\n" + " " * (column - 1) + "^", language=None)
    box.caption(t("formula.still_drawn"))


def view_box_controls(page: Page, container):
    """x from xmin to xmax, y from ymin to ymax; an empty box keeps the default one."""
    (x_low, x_high), (y_low, y_high) = formula.DEFAULT_DOMAIN
    limit = formula.MAX_DOMAIN
    container.caption(t("formula.view"))
    columns = container.columns(2)
    defaults = (x_low, x_high, y_low, y_high)
    values = []
    for index, (key, default) in enumerate(zip(VIEW_KEYS, defaults, strict=True)):
        values.append(
            fields.float_input(
                page,
                key,
                t(f"formula.{key}"),
                default,
                -limit,
                limit,
                container=columns[index % 2],
                step=0.5,
            )
        )
    try:
        return formula.validate_domain(((values[0], values[1]), (values[2], values[3])))
    except ParameterError:
        container.error(t("formula.bad_view"))
        return formula.DEFAULT_DOMAIN
