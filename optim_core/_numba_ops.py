"""Numba implementations of `optim_core.ops`, so compiled loops can call update rules.

Imported by the compiled loops only: importing `optim_core` never loads Numba.
"""

from __future__ import annotations

import inspect

import numpy as np
from numba.extending import overload

from optim_core import ops


@overload(ops.sqrt, inline="always")
def _sqrt(x):
    return lambda x: np.sqrt(x)


@overload(ops.maximum, inline="always")
def _maximum(a, b):
    return lambda a, b: np.maximum(a, b)


@overload(ops.absolute, inline="always")
def _absolute(x):
    return lambda x: np.abs(x)


@overload(ops.named, inline="always")
def _named(key, value, shown=True):
    return lambda key, value, shown=True: value


def teach(module) -> None:
    """Let compiled code call every function defined in an optimizer `module`.

    Numba cannot call plain Python functions, so each one (init, update, and helpers such
    as `adam.moments` that other rules reuse) is registered as its own implementation.
    """
    for value in vars(module).values():
        if inspect.isfunction(value) and value.__module__ == module.__name__:
            _register(value)


def _register(function) -> None:
    if function in _TAUGHT:
        return
    _TAUGHT.add(function)

    def typer(*args, **kwargs):
        return function

    typer.__signature__ = inspect.signature(function)
    overload(function)(typer)


_TAUGHT: set = set()
