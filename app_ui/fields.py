"""Controls whose values live in the URL, generated from `Param` objects.

Two mechanisms, one rule: a control's URL value is a stable, language-free string.

- Floats, switches and free text use Streamlit 1.67's ``bind="query-params"``: the
  widget's key is the parameter name and Streamlit keeps the URL in sync.  Streamlit
  *silently* drops a URL value it cannot use (wrong type, out of range, not an option:
  ``SessionState._seed_widget_from_url``), so every bound control first checks the raw
  value here, with the same acceptance rule as the widget, and records a `Note` that the
  page shows.  Floats use a ``select_slider`` over a (log-)spaced grid; a valid value
  from the URL is inserted into the grid under its own spelling, so any value the
  engine accepts survives a round trip exactly.
- Choices (surface, optimizer, convention, schedule, ...) show translated titles, but a
  bound selectbox would put the title into the URL.  They are plain widgets instead,
  read their first value from the URL and write their id back (`choice`).  So are
  integers (`int_control`): Streamlit's own seeding of a bound integer input fails on
  "inf" with an exception it does not catch.

URL values are strings: everything is parsed and validated here, at the edge.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import streamlit as st

from app_ui.page import Page
from foundation.params import Param, ParameterError
from i18n import allowed_text, t

BIND = "query-params"
MAX_LABEL_CHARS = 60
_LOG_MANTISSAS = (1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0)
_BETA_GRID = (
    *np.round(np.arange(0.0, 0.9, 0.05), 2),
    *np.round(np.arange(0.9, 0.99, 0.01), 2),
    0.99,
    0.995,
    0.999,
)


# --- numbers as URL strings ------------------------------------------------------------------


def number_text(value: float) -> str:
    """The shortest spelling that reads back as exactly `value`.

    >>> number_text(0.001), number_text(100.0), number_text(0.1 + 0.2)
    ('0.001', '100', '0.30000000000000004')
    """
    value = float(value)
    short = f"{value:g}"
    return short if float(short) == value else repr(value)


def _nice_step(span: float, count: int) -> float:
    raw = span / max(count, 1)
    exponent = math.floor(math.log10(raw))
    for mantissa in (1, 2, 2.5, 5, 10):
        if mantissa * 10**exponent >= raw:
            return mantissa * 10**exponent
    return 10 ** (exponent + 1)


def _log_values(low: float, high: float) -> list[float]:
    values = []
    for exponent in range(math.floor(math.log10(low)) - 1, math.ceil(math.log10(high)) + 1):
        for mantissa in _LOG_MANTISSAS:
            v = float(f"{mantissa * 10.0**exponent:.6g}")
            if low * (1 - 1e-12) <= v <= high * (1 + 1e-12):
                values.append(v)
    return values


@functools.lru_cache(maxsize=512)  # bounded: typed formulas make Params of their own
def _grid_labels(param: Param) -> dict[float, str]:
    return {value: number_text(value) for value in grid(param)}


def grid(param: Param) -> list[float]:
    """The slider positions for a float `Param`: log-spaced for `log` params, fine near 1
    for decay rates in [0, 1), linear (with a few small values) otherwise.

    >>> grid(Param("lr", 0.01, "", low=0.0, log=True, ui_low=1e-3, ui_high=1.0))[:4]
    [0.001, 0.0015, 0.002, 0.003]
    """
    low = param.ui_low if param.ui_low is not None else (param.low or 0.0)
    high = param.ui_high if param.ui_high is not None else max(low * 10, 1.0)
    if param.log and low > 0:
        values = _log_values(low, high)
    elif param.high == 1.0 and param.high_open:
        values = [float(v) for v in _BETA_GRID if low <= v <= high]
    else:
        step = _nice_step(high - low, 40)
        values = [float(f"{v:.10g}") for v in np.arange(low, high + step / 2, step)]
        if low == 0.0 and high > 0:
            values += _log_values(high * 1e-4, step)
    values += [low, high]
    return sorted({float(v) for v in values})


# --- checks at the edge ------------------------------------------------------------------------


def take_link_value(page: Page, key: str, value: Any) -> None:
    """A valid value of the link this page was entered from becomes the widget's, over
    the value the session kept for the key (`app_ui.page`)."""
    if page.from_link(key):
        st.session_state[key] = value


def check_param_text(param: Param, text: str, owner: str = "") -> float | int | bool | None:
    """`text` parsed and validated as `param`, or None."""
    try:
        if param.kind == "int":
            return param.validate(int(text.strip()), owner)
        if param.kind == "bool":
            lowered = text.strip().lower()
            if lowered not in ("true", "false"):
                return None
            return lowered == "true"
        value = param.validate(float(text), owner)
        return value if not isinstance(value, np.ndarray) else None
    except (ValueError, TypeError, ParameterError):
        return None


def _help(text: str | None, param: Param | None = None) -> str | None:
    if param is None:
        return text
    allowed = t("app.field.allowed", allowed=param.allowed())
    return f"{text}\n\n{allowed}" if text else allowed


# --- bound controls ----------------------------------------------------------------------------


def param_control(
    page: Page,
    key: str,
    param: Param,
    default: Any,
    *,
    label: str,
    help: str | None = None,
    owner: str = "",
    container=None,
    disabled: bool = False,
) -> Any:
    """A URL-bound control for `param` (key = URL name); returns a valid value."""
    where = container or st
    if param.kind == "bool":
        return toggle_control(
            page, key, label, bool(default), help=_help(help, param), container=where
        )
    if param.kind == "int":
        low = int(param.low) if param.low is not None else -(2**31)
        high = int(param.high) if param.high is not None else 2**31 - 1
        return int_control(page, key, label, int(default), low, high, help=_help(help, param), container=where,
                           disabled=disabled, allowed=param.allowed())  # fmt: skip
    if param.kind == "floats":
        return floats_control(
            page, key, param, default, label=label, help=help, owner=owner, container=where
        )
    return float_control(page, key, param, float(default), label=label, help=help, owner=owner, container=where,
                         disabled=disabled)  # fmt: skip


def float_control(
    page: Page,
    key: str,
    param: Param,
    default: float,
    *,
    label: str,
    help: str | None = None,
    owner: str = "",
    container=None,
    disabled: bool = False,
) -> float:
    """A select_slider over `grid(param)`; exact values from the URL or code are kept."""
    page.url_keys.add(key)
    where = container or st
    labels = dict(_grid_labels(param))
    labels.setdefault(float(default), number_text(default))
    current = st.session_state.get(key)
    if isinstance(current, (int, float)) and not isinstance(current, bool):
        labels.setdefault(float(current), number_text(current))
    raw = page.url_values(key)
    if raw:
        text = raw[-1]
        value = check_param_text(param, text, owner) if len(raw) == 1 else None
        if value is None:
            page.note(key, text, allowed_text(param.allowed()))
        else:
            labels[float(value)] = text  # the widget matches the URL string exactly
            take_link_value(page, key, float(value))
    options = sorted(labels)
    chosen = where.select_slider(
        label,
        options=options,
        value=float(default),
        format_func=lambda v: labels[v] if v in labels else number_text(v),
        key=key,
        help=_help(help, param),
        bind=BIND,
        disabled=disabled,
    )
    return float(chosen)


def int_control(
    page: Page,
    key: str,
    label: str,
    default: int,
    low: int,
    high: int,
    *,
    help: str | None = None,
    container=None,
    disabled: bool = False,
    allowed: str | None = None,
) -> int:
    """An integer input in [low, high] whose URL value is kept like a choice's (`choice`).

    Not bound with ``bind="query-params"``: Streamlit 1.67 seeds a bound integer
    `number_input` with int(float(text)), and the OverflowError of "inf" or "1e400" escapes
    its own check (`SessionState._seed_widget_from_url` catches ValueError and TypeError),
    ending the page in a traceback before any of our code could note the value."""
    page.url_keys.add(key)
    where = container or st
    default = min(max(int(default), low), high)
    raw = page.url_values(key)
    initial = default
    if raw:
        used = _check_int_text(page, key, raw[-1], low, high, allowed)
        if used is not None:
            initial = used
            take_link_value(page, key, used)
    value = int(
        where.number_input(
            label, min_value=low, max_value=high, value=initial, step=1, key=key, help=help,
            disabled=disabled,
        )
    )  # fmt: skip
    sync_url(page, key, str(value), str(default))
    return value


def _check_int_text(
    page: Page, key: str, text: str, low: int, high: int, allowed: str | None
) -> int | None:
    """Note an unusable integer from the URL; the integer used, or None.  A finite
    in-range number is used, truncated as Streamlit reads a bound integer (int(float(text)));
    a fractional one says so."""
    allowed = allowed or t("app.field.int_range", low=low, high=high)
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and low <= value <= high):
        page.note(key, text, allowed)
        return None
    if value != int(value):
        page.note(key, text, allowed, used=str(int(value)))
    return int(value)


def float_input(
    page: Page,
    key: str,
    label: str,
    default: float,
    low: float,
    high: float,
    *,
    help: str | None = None,
    container=None,
    fmt: str = "%.4g",
    step: float | None = None,
) -> float:
    """A URL-bound float input in [low, high] (start coordinates)."""
    page.url_keys.add(key)
    where = container or st
    raw = page.url_values(key)
    if raw:
        text = raw[-1]
        try:
            value = float(text)
            ok = math.isfinite(value) and low <= value <= high
        except ValueError:
            ok = False
        if not ok:
            page.note(
                key, text, t("app.field.float_range", low=number_text(low), high=number_text(high))
            )
        else:
            take_link_value(page, key, value)
    return float(
        where.number_input(
            label, min_value=float(low), max_value=float(high), value=float(default), step=step,
            format=fmt, key=key, help=help, bind=BIND,
        )
    )  # fmt: skip


def toggle_control(page: Page, key: str, label: str, default: bool, *, help: str | None = None,
                   container=None) -> bool:  # fmt: skip
    """A URL-bound switch (URL values true / false)."""
    page.url_keys.add(key)
    where = container or st
    raw = page.url_values(key)
    if raw and raw[-1].strip().lower() not in ("true", "false"):
        page.note(key, raw[-1], t("app.field.bool"))
    elif raw:
        take_link_value(page, key, raw[-1].strip().lower() == "true")
    return bool(where.toggle(label, value=default, key=key, help=help, bind=BIND))


def text_control(page: Page, key: str, label: str, default: str = "", *, help: str | None = None,
                 container=None, max_chars: int = MAX_LABEL_CHARS) -> str:  # fmt: skip
    """A URL-bound short text (a run's label)."""
    page.url_keys.add(key)
    where = container or st
    raw = page.url_values(key)
    if raw and len(raw[-1]) > max_chars:
        page.note(key, raw[-1], t("app.field.text_length", count=max_chars))
    elif raw:
        take_link_value(page, key, raw[-1])
    value = where.text_input(
        label, value=default, max_chars=max_chars, key=key, help=help, bind=BIND
    )
    return (value or "").strip()[:max_chars]


def floats_control(
    page: Page,
    key: str,
    param: Param,
    default: Sequence[float],
    *,
    label: str,
    help: str | None = None,
    owner: str = "",
    container=None,
    check: Callable[[tuple[float, ...]], None] | None = None,
) -> tuple[float, ...]:
    """A URL-bound comma-separated list of numbers; an invalid list falls back to
    `default` with a note (`check` may add cross-value rules and raise ParameterError)."""
    page.url_keys.add(key)
    where = container or st
    default_text = ", ".join(number_text(v) for v in default)
    raw = page.url_values(key)
    if raw:
        take_link_value(page, key, raw[-1])  # checked below, as typed text is
    text = where.text_input(label, value=default_text, key=key, help=_help(help, param), bind=BIND)
    try:
        values = tuple(float(part) for part in text.replace(";", ",").split(",") if part.strip())
        values = param.validate(values, owner)
        if check is not None:
            check(values)
        return tuple(values)
    except (ValueError, ParameterError):
        page.note(key, text, allowed_text(param.allowed()))
        return tuple(float(v) for v in default)


# --- choices (ids in the URL, titles on screen) -------------------------------------------------


def choice(
    page: Page,
    key: str,
    label: str,
    options: Sequence[str],
    default: str,
    *,
    titles: Callable[[str], str] | None = None,
    help: str | None = None,
    container=None,
    on_change: Callable | None = None,
    args: tuple = (),
    horizontal: bool = False,
) -> str:
    """A choice whose URL value is the option's id, shown with its (translated) title.

    The first value comes from the URL (an unknown id falls back to `default` with a
    note); afterwards the widget's own state wins, and the URL is written back: the id
    when it differs from `default`, nothing otherwise.
    """
    page.url_keys.add(key)
    where = container or st
    options = list(options)
    if default not in options:
        default = options[0]
    raw_values = page.url_values(key)
    raw = raw_values[-1] if raw_values else None
    initial = default
    if raw is not None:
        if raw in options:
            initial = raw
            take_link_value(page, key, raw)
        else:
            page.note(key, raw, t("app.field.one_of", options=", ".join(options)))
    titles = titles or (lambda option: option)
    if horizontal:
        value = where.segmented_control(
            label, options, default=initial, format_func=titles, key=key, help=help,
            on_change=on_change, args=args, required=True,
        )  # fmt: skip
    else:
        value = where.selectbox(
            label, options, index=options.index(initial), format_func=titles, key=key,
            help=help, on_change=on_change, args=args,
        )  # fmt: skip
    if value not in options:
        value = default
    sync_url(page, key, value, default)
    return value


def sync_url(page: Page, key: str, value: str, default: str) -> None:
    """Write an unbound control's value into the URL (only when it differs)."""
    page.manual_keys.add(key)
    if value == default:
        if key in st.query_params:
            del st.query_params[key]
    elif st.query_params.get(key) != value:
        st.query_params[key] = value
