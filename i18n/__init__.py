"""Every user-facing string goes through `t`, so the interface can be translated.

Strings live in `i18n/locales/<lang>/*.json` (one file per area: app, export, ...), keyed
by dotted names.  A missing key in a translation falls back to English; a key missing in
English is a bug and returns the key itself so it shows up on screen.

>>> t("common.app_name")
'Optimizer Playground'
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

LOCALES_DIR = Path(__file__).parent / "locales"
DEFAULT_LANGUAGE = "en"
_language = DEFAULT_LANGUAGE


@cache
def _catalog(language: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    folder = LOCALES_DIR / language
    for path in sorted(folder.glob("*.json")):
        merged.update(json.loads(path.read_text(encoding="utf-8")))
    return merged


def languages() -> list[str]:
    """Languages with at least one catalogue file."""
    return sorted(p.name for p in LOCALES_DIR.iterdir() if p.is_dir() and any(p.glob("*.json")))


def set_language(language: str) -> None:
    global _language
    _language = language if language in languages() else DEFAULT_LANGUAGE


def t(key: str, default: str | None = None, **values: object) -> str:
    """The translation of `key` in the current language, formatted with `values`.

    `default` is the English text for strings that live with their data (registry help
    texts, optimizer cards): they are translatable by key without being copied here.
    """
    text = _catalog(_language).get(key) or _catalog(DEFAULT_LANGUAGE).get(key) or default or key
    return text.format(**values) if values else text
