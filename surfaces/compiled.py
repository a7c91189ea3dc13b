"""The C callbacks the engine's compiled step loop calls for a surface.

Both evaluate a whole batch of points per call, so a large batch pays one indirect call
per step, and take the bound parameter values as an array, so a definition is compiled
once whatever values are bound (`Surface.kernels` pairs the callbacks with that array):

- ``value(xy, n, params, f_out)``: f at the n points ``xy`` (n×2, C order) into ``f_out``;
- ``value_grad(xy, n, params, f_out, g_out)``: f into ``f_out`` and ∇f into ``g_out`` (n×2).

``params`` holds the values in the definition's ``params`` order; a surface without
parameters is passed a one-element dummy array.  Arithmetic is IEEE (`error_model="numpy"`):
1/0 is inf, which the engine reports as divergence; an exception could not cross the C
boundary.  The built-ins' callbacks come from the checked-in `surfaces._generated_compiled`
and are cached on disk by Numba; any other surface runs its generated source on the shared
interpreter (`surfaces.interpreted`), or, when the source uses something the interpreter
has no instruction for, is compiled in memory, once per expression (the most recent few
are kept).
"""

from __future__ import annotations

import math
import threading
from functools import lru_cache
from typing import NamedTuple

import numpy as np
from numba import cfunc, njit, types
from numba.core.ccallback import CFunc

from surfaces import _generated_compiled

_PTR = types.CPointer(types.float64)
# (xy, n, params, f_out, g_out)
VALUE_GRAD_BATCH_SIGNATURE = types.void(_PTR, types.int64, _PTR, _PTR, _PTR)
# (xy, n, params, f_out)
VALUE_BATCH_SIGNATURE = types.void(_PTR, types.int64, _PTR, _PTR)

# Surfaces that are not built in whose compiled callbacks are kept (Numba never frees the
# machine code of a dropped callback, so this bounds what a session can add).
MAX_RUNTIME_KERNELS = 8
# More than there are built-in surfaces: none of theirs is ever compiled twice.
MAX_BUILTIN_KERNELS = 64


class SurfaceKernels(NamedTuple):
    """What the engine needs to evaluate a bound surface in compiled code."""

    value: CFunc  # VALUE_BATCH_SIGNATURE
    value_grad: CFunc  # VALUE_GRAD_BATCH_SIGNATURE
    params: np.ndarray  # (max(P, 1),) float64, C-contiguous: the bound parameter values


_LOCK = threading.Lock()  # two threads asking for the same callbacks compile them once


def surface_kernels(
    expression: str, parameter_names: tuple[str, ...], parameters: tuple[float, ...]
) -> SurfaceKernels:
    """The callbacks of an expression with these parameter values bound.

    A built-in's are its own compiled code; any other surface runs on the shared
    interpreter (`surfaces.interpreted`: nothing new is compiled, so memory does not grow
    with every typed function), or, for printed code the interpreter lacks an instruction
    for, is compiled like a built-in."""
    from surfaces import interpreted

    if (expression, parameter_names) not in _generated_compiled.BATCH_FUNCTIONS:
        try:
            program = interpreted.program_array(expression, parameter_names)
        except interpreted.Untranslatable:
            pass
        else:
            value, value_grad = interpreted.callbacks()
            return SurfaceKernels(
                value, value_grad, interpreted.with_parameters(program, parameters)
            )
    value, value_grad = compiled_kernels(expression, parameter_names)
    # A surface without parameters still passes a (dummy) array.
    values = np.array(parameters or (0.0,), dtype=np.float64)
    return SurfaceKernels(value=value, value_grad=value_grad, params=values)


def compiled_kernels(expression: str, parameter_names: tuple[str, ...]) -> tuple[CFunc, CFunc]:
    """(value, value_grad) callbacks of an expression, the same objects for every call."""
    with _LOCK:
        if (expression, parameter_names) in _generated_compiled.BATCH_FUNCTIONS:
            return _builtin_kernels(expression, parameter_names)
        return _runtime_kernels(expression, parameter_names)


@lru_cache(maxsize=MAX_BUILTIN_KERNELS)
def _builtin_kernels(expression: str, parameter_names: tuple[str, ...]) -> tuple[CFunc, CFunc]:
    value, value_grad = _generated_compiled.BATCH_FUNCTIONS[expression, parameter_names]
    return _cached_cfunc(VALUE_BATCH_SIGNATURE, value), _cached_cfunc(
        VALUE_GRAD_BATCH_SIGNATURE, value_grad
    )


def _cached_cfunc(signature, function) -> CFunc:
    try:
        return cfunc(signature, error_model="numpy", cache=True)(function)
    except RuntimeError:  # no writable cache folder: compile without one
        return cfunc(signature, error_model="numpy")(function)


@lru_cache(maxsize=MAX_RUNTIME_KERNELS)
def _runtime_kernels(expression: str, parameter_names: tuple[str, ...]) -> tuple[CFunc, CFunc]:
    from surfaces.derive import compiled_source, load

    namespace = load(
        compiled_source(expression, parameter_names, "f"),
        expression,
        {"math": math, "njit": njit},
    )
    return (
        cfunc(VALUE_BATCH_SIGNATURE, error_model="numpy")(namespace["f_value_batch"]),
        cfunc(VALUE_GRAD_BATCH_SIGNATURE, error_model="numpy")(namespace["f_value_grad_batch"]),
    )
