"""The elementwise operations every update rule is written with.

An update rule is one plain Python function.  The same function runs on NumPy arrays of
any shape, is compiled by Numba for the fast loop (`optim_core._numba_ops` registers these
names with Numba), and is traced with SymPy symbols to derive the LaTeX the app shows
(`optim_core.definition`).  These helpers pick the right operation for each, so the rule
itself never branches on what it is given.  SymPy is only imported when a symbol arrives.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def _symbolic(*values: Any) -> bool:
    # Every SymPy object has `free_symbols`; checking for it avoids importing SymPy.
    return any(hasattr(v, "free_symbols") for v in values)


def sqrt(x: Any) -> Any:
    """√x, elementwise."""
    if _symbolic(x):
        import sympy

        return sympy.sqrt(x)
    return np.sqrt(x)


def maximum(a: Any, b: Any) -> Any:
    """max(a, b), elementwise."""
    if _symbolic(a, b):
        import sympy

        return sympy.Max(a, b)
    return np.maximum(a, b)


def absolute(x: Any) -> Any:
    """|x|, elementwise."""
    if _symbolic(x):
        import sympy

        return sympy.Abs(x)
    return np.abs(x)


def named(key: str, value: Any, shown: bool = True) -> Any:
    """`value`, given the name `key` in the rule's LaTeX.

    Numerically this is the identity.  While a rule is traced (`definition.trace`), the
    value is recorded as one line of the displayed rule (unless `shown` is False, for
    bookkeeping such as β₁ᵗ) and the symbol of `key` stands for it from then on.
    """
    if _symbolic(value):
        from optim_core.definition import record_line

        return record_line(key, value, shown)
    return value
