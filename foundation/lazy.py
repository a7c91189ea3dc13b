"""Packages that import nothing heavy until a name is used (PEP 562)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Mapping
from importlib import import_module
from typing import Any


def lazy_getattr(
    package: str, lazy: Mapping[str, str], submodules: Iterable[str]
) -> Callable[[str], Any]:
    """A module `__getattr__` for `package`: a name of `lazy` comes from the module it
    maps to, a name of `submodules` is that submodule; each is imported on first use and
    then kept in the package, so the next lookup is a plain attribute."""
    submodules = frozenset(submodules)

    def __getattr__(name: str) -> Any:
        if name in lazy:
            value = getattr(import_module(lazy[name]), name)
        elif name in submodules:
            value = import_module(f"{package}.{name}")
        else:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__
