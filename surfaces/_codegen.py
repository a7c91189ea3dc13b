"""Turn SymPy expressions into Numba C callbacks for the engine's compiled loop.

The engine's step loop is compiled once (and cached on disk) against these signatures, so
any surface, built-in or typed in by a user, plugs in without recompiling the loop: only
its small callbacks are compiled, which takes a fraction of a second.  Callbacks use IEEE
arithmetic (`error_model="numpy"`): 1/0 is inf, which the engine reports as divergence; an
exception could not cross the C boundary.
"""

from __future__ import annotations

import math

import sympy
from numba import cfunc, njit, types
from sympy.printing.pycode import PythonCodePrinter

from surfaces.core import X, Y

VALUE_SIGNATURE = types.float64(types.float64, types.float64)
_PTR = types.CPointer(types.float64)
# Writes ∇f into `out` and returns f: one call per step, sharing subexpressions.
VALUE_GRAD_SIGNATURE = types.float64(types.float64, types.float64, _PTR)
# value_grad_batch(xy, n, f, g): f[k], g[k] at the n points xy[k] ((n, 2) arrays) in one call,
# so a large batch pays one indirect call per step instead of one per row.
VALUE_GRAD_BATCH_SIGNATURE = types.void(_PTR, types.int64, _PTR, _PTR)


class _FloatPrinter(PythonCodePrinter):
    """Numbers as float64 literals: an integer-valued constant beyond int64 (b = 1e19)
    must not become an integer literal that the compiled code cannot hold."""

    def _print_Float(self, expr: sympy.Float) -> str:
        return repr(float(expr))

    def _print_Integer(self, expr: sympy.Integer) -> str:
        value = int(expr)
        return str(value) if abs(value) < 2**53 else repr(float(value))


def _source(name: str, args: str, exprs: list[sympy.Expr], body: str) -> str:
    temps, reduced = sympy.cse(exprs, symbols=sympy.numbered_symbols("_c"))
    printer = _FloatPrinter({"fully_qualified_modules": True, "standard": "python3"})
    lines = [f"def {name}({args}):"]
    lines += [f"    {printer.doprint(sym)} = {printer.doprint(e)}" for sym, e in temps]
    results = [f"float({printer.doprint(e)})" for e in reduced]
    lines += ["    " + line for line in body.format(*results).split("\n")]
    return "\n".join(lines)


def compile_callbacks(f: sympy.Expr, fx: sympy.Expr, fy: sympy.Expr):
    """Compile `value(x, y) -> f` and `value_grad(x, y, out) -> f` as Numba cfuncs."""
    assert f.free_symbols <= {X, Y}, f"unbound symbols in {f}"
    namespace: dict = {"math": math}
    exec(_source("value", "x, y", [f], "return {0}"), namespace)
    exec(
        _source(
            "value_grad",
            "x, y, out",
            [f, fx, fy],
            "out[0] = {1}\nout[1] = {2}\nreturn {0}",
        ),
        namespace,
    )
    return (
        cfunc(VALUE_SIGNATURE, error_model="numpy")(namespace["value"]),
        cfunc(VALUE_GRAD_SIGNATURE, error_model="numpy")(namespace["value_grad"]),
    )


def compile_batch_callback(f: sympy.Expr, fx: sympy.Expr, fy: sympy.Expr):
    """Compile `value_grad_batch(xy, n, f, g)` as a Numba cfunc (large batches only)."""
    namespace: dict = {"math": math}
    exec(_source("point", "x, y", [f, fx, fy], "return {0}, {1}, {2}"), namespace)
    point = njit(inline="always", error_model="numpy")(namespace["point"])

    def value_grad_batch(xy, n, values, grads):
        for k in range(n):
            values[k], grads[2 * k], grads[2 * k + 1] = point(xy[2 * k], xy[2 * k + 1])

    return cfunc(VALUE_GRAD_BATCH_SIGNATURE, error_model="numpy")(value_grad_batch)
