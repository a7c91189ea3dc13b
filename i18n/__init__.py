"""Every user-facing string goes through `t`, so the interface can be translated.

Strings live in `i18n/locales/<lang>/*.json` (one file per area: app, export, ...), keyed
by dotted names.  A missing key in a translation falls back to English; a key missing in
English is a bug and returns the key itself so it shows up on screen.  The terms the
Korean catalogue uses are fixed in `i18n/glossary.md`.

The current language belongs to the running context, not to the process: Streamlit runs
many sessions in threads at once, so each script run sets its own (`set_language` stores
it in a `ContextVar`), and a worker thread that renders for a session must be started
with that session's context (`contextvars.copy_context().run`).

>>> t("common.app_name")
'Optimizer Playground'
>>> with use_language("ko"):
...     t("app.page.compare.nav")
'비교'
>>> language_from_locale("ko-KR"), language_from_locale("en-US"), language_from_locale(None)
('ko', 'en', 'en')
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from contextvars import ContextVar
from functools import cache
from pathlib import Path

LOCALES_DIR = Path(__file__).parent / "locales"
DEFAULT_LANGUAGE = "en"
LANGUAGE_NAMES = {"ko": "한국어", "en": "English"}  # each in its own language, switch order
_language: ContextVar[str] = ContextVar("i18n_language", default=DEFAULT_LANGUAGE)


@cache
def _catalog(language: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    folder = LOCALES_DIR / language
    for path in sorted(folder.glob("*.json")):
        merged.update(json.loads(path.read_text(encoding="utf-8")))
    return merged


def catalog(language: str) -> dict[str, str]:
    """Every key of `language`'s catalogue files with its text (a copy)."""
    return dict(_catalog(language))


@cache
def languages() -> tuple[str, ...]:
    """Languages with at least one catalogue file, in `LANGUAGE_NAMES` order."""
    found = {p.name for p in LOCALES_DIR.iterdir() if p.is_dir() and any(p.glob("*.json"))}
    order = list(LANGUAGE_NAMES)
    return tuple(
        sorted(found, key=lambda name: (order.index(name) if name in order else len(order), name))
    )


def normalize(language: str | None) -> str | None:
    """`language` as a catalogue name ("KO", "ko-KR" -> "ko"), or None if there is none."""
    if not isinstance(language, str):
        return None
    code = language.strip().lower().replace("_", "-").split("-", 1)[0]
    return code if code in languages() else None


def language_from_locale(locale: str | None) -> str:
    """The language for a browser locale (`navigator.language`, e.g. "ko-KR")."""
    return normalize(locale) or DEFAULT_LANGUAGE


def set_language(language: str | None) -> str:
    """Make `language` current for this context (thread, script run); returns what was
    set: an unknown language gives English."""
    chosen = normalize(language) or DEFAULT_LANGUAGE
    _language.set(chosen)
    return chosen


def get_language() -> str:
    """The current language of this context."""
    return _language.get()


@contextlib.contextmanager
def use_language(language: str | None) -> Iterator[str]:
    """Make `language` current inside a ``with`` block, then restore the previous one."""
    token = _language.set(normalize(language) or DEFAULT_LANGUAGE)
    try:
        yield _language.get()
    finally:
        _language.reset(token)


def t(key: str, default: str | None = None, **values: object) -> str:
    """The translation of `key` in the current language, formatted with `values`.

    `default` is the English text for strings that live with their data (registry help
    texts, optimizer cards): they are translatable by key without being copied here.
    A language's catalogue wins over `default`; English falls back to `default`.
    """
    language = _language.get()
    text = _catalog(language).get(key)
    if text is None:
        text = _catalog(DEFAULT_LANGUAGE).get(key) or default or key
    return text.format(**values) if values else text


# How `foundation.params.Param.allowed` words a range, and the key that says it here.
_ALLOWED_FORMS = (
    (re.compile(r"^an integer in (?P<range>.+)$"), "error.allowed.int_range"),
    (re.compile(r"^a list of numbers in (?P<range>.+)$"), "error.allowed.list_range"),
    (re.compile(r"^a single number in (?P<range>.+)$"), "error.allowed.single_range"),
    (re.compile(r"^in (?P<range>[\[(].+)$"), "error.allowed.range"),
    (re.compile(r"^one of (?P<options>.+)$"), "error.allowed.one_of"),
    (re.compile(r"^true or false$"), "error.allowed.bool"),
)


def allowed_text(allowed: str) -> str:
    """An allowed-range phrase ("an integer in [1, 50]") in the current language; a
    phrase of another form is returned as it is.

    >>> with use_language("ko"):
    ...     allowed_text("an integer in [1, 50]"), allowed_text("one of 'a', 'b'")
    ('[1, 50] 범위의 정수', "'a', 'b' 중 하나")
    """
    for pattern, key in _ALLOWED_FORMS:
        match = pattern.match(allowed)
        if match:
            return t(key, **match.groupdict())
    return allowed


def error_text(error: Exception) -> str:
    """A parameter error (anything with `name`, `value`, `allowed` and `owner`, as
    `optim_core.ParameterError`) in the current language; English is ``str(error)``.
    An error that names its `problem` by key (a refused formula) is said with the
    catalogue's ``<name>.error.<problem>`` text, filled with its `details`."""
    problem = getattr(error, "problem", None)
    if isinstance(problem, str) and get_language() != DEFAULT_LANGUAGE:
        name = getattr(error, "name", "")
        reason = t(f"{name}.error.{problem}", **getattr(error, "details", {}))
        return t(f"{name}.error", reason=reason, value=repr(getattr(error, "value", "")))
    fields = [getattr(error, name, None) for name in ("name", "value", "allowed")]
    if get_language() == DEFAULT_LANGUAGE or not all(isinstance(f, str) for f in fields[::2]):
        return str(error)
    owner = getattr(error, "owner", "")
    return t(
        "error.parameter",
        where=f"{owner}: " if owner else "",
        name=fields[0],
        value=getattr(error, "value_text", None) or repr(fields[1]),
        allowed=allowed_text(fields[2]),
    )


def label_text(label: str) -> str:
    """A run's own label in the current language: the textbook presets' labels have
    translations (`run_label.<English label>`); any other label is shown as typed."""
    return t(f"run_label.{label}", default=label) if label else label
