"""Python source derived from a surface's SymPy expression, its parameters kept as symbols.

SymPy differentiates the expression once; the printed functions take the parameter values
as arguments, so one definition is compiled once whatever values are bound later.  Two
flavours are printed from the same derivatives:

- NumPy functions ``<prefix>_value(x, y, *params)`` and ``<prefix>_dx``, ``_dy``,
  ``_dxx``, ``_dxy``, ``_dyy`` for the gradient and Hessian entries, vectorized over any
  shape;
- Numba functions for the engine: scalar ``<prefix>_point_value``, ``_point_dx`` and
  ``_point_dy``, printed like the NumPy ones, and the batch loops ``<prefix>_value_batch(xy, n, params, f_out)`` and
  ``<prefix>_value_grad_batch(xy, n, params, f_out, g_out)`` that read the parameters from
  the ``params`` array once (`surfaces.compiled` turns the loops into C callbacks).

`surfaces.generate` writes these for the built-in surfaces into checked-in modules;
a surface that is not built in is printed and compiled from the same source in memory.

>>> print(numpy_source("a*x**2 + b*y**2", ("a", "b"), "bowl").split("\\n\\n\\n")[1])
def bowl_dx(x, y, a, b):
    return 2*a*x
"""

from __future__ import annotations

import keyword
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

import sympy
from sympy.printing.numpy import NumPyPrinter
from sympy.printing.pycode import PythonCodePrinter

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

# Derivatives of this many distinct expressions are kept (each is a few SymPy trees).
MAX_DERIVED = 32
# The NumPy functions printed per surface: f, ∂f/∂x, ∂f/∂y, ∂²f/∂x², ∂²f/∂x∂y, ∂²f/∂y².
NUMPY_SUFFIXES = ("value", "dx", "dy", "dxx", "dxy", "dyy")
# Names the generated code itself uses: a parameter may not shadow them.
_RESERVED = {"x", "y", "xy", "n", "k", "params", "f_out", "g_out", "numpy", "math", "njit"}


@cache
def xy_symbols() -> tuple[sympy.Symbol, sympy.Symbol]:
    """The coordinates x, y (real) every surface expression is written in."""
    return sympy.symbols("x y", real=True)


def parse(expression: str, parameter_names: Sequence[str]) -> sympy.Expr:
    """The expression with x, y and each parameter as real symbols.

    >>> sorted(str(s) for s in parse("a*x**2 + b*y**2", ("a", "b")).free_symbols)
    ['a', 'b', 'x', 'y']
    """
    for name in parameter_names:
        if not name.isidentifier() or keyword.iskeyword(name) or name.startswith("_"):
            raise ValueError(f"surface parameter {name!r} is not a plain Python name")
        if name in _RESERVED:
            raise ValueError(f"surface parameter {name!r} clashes with a generated name")
    x, y = xy_symbols()
    symbols = {name: sympy.Symbol(name, real=True) for name in parameter_names}
    expr = sympy.sympify(expression, locals={"x": x, "y": y, **symbols})
    unknown = expr.free_symbols - {x, y, *symbols.values()}
    if unknown:
        raise ValueError(f"{expression!r}: unknown symbols {sorted(map(str, unknown))}")
    return expr


@lru_cache(maxsize=MAX_DERIVED)
def derivatives(expression: str, parameter_names: tuple[str, ...]) -> tuple[sympy.Expr, ...]:
    """f, ∂f/∂x, ∂f/∂y, ∂²f/∂x², ∂²f/∂x∂y, ∂²f/∂y², parameters left as symbols."""
    x, y = xy_symbols()
    f = parse(expression, parameter_names)
    fx, fy = _without_point_masses(sympy.diff(f, x)), _without_point_masses(sympy.diff(f, y))
    second = (sympy.diff(fx, x), sympy.diff(fx, y), sympy.diff(fy, y))
    return (f, fx, fy, *(_without_point_masses(d) for d in second))


def _without_point_masses(expr: sympy.Expr) -> sympy.Expr:
    """The derivative away from kinks: the Dirac deltas that differentiating abs, sign or
    Heaviside leaves (on a set of measure zero) are dropped, so the Hessian of |x| at 0 is 0.

    >>> x, _ = xy_symbols()
    >>> _without_point_masses(sympy.diff(sympy.Abs(x), x, 2))
    0
    """
    if not expr.has(sympy.DiracDelta):
        return expr
    return expr.replace(sympy.DiracDelta, lambda *_: sympy.S.Zero)


def numpy_source(expression: str, parameter_names: Sequence[str], prefix: str) -> str:
    """NumPy `<prefix>_value`, `_dx`, `_dy`, `_dxx`, `_dxy`, `_dyy` (needs `import numpy`).

    One function per derivative, each with its own common subexpressions, as
    `sympy.lambdify` prints them.
    """
    arguments = ", ".join(("x", "y", *parameter_names))
    printer = _numpy_printer()
    return (
        "\n\n\n".join(
            _function(f"{prefix}_{suffix}", arguments, [e], printer, "return {0}")
            for suffix, e in zip(
                NUMPY_SUFFIXES, derivatives(expression, tuple(parameter_names)), strict=True
            )
        )
        + "\n"
    )


def compiled_source(expression: str, parameter_names: Sequence[str], prefix: str) -> str:
    """Numba point functions and batch loops (needs `import math` and `njit`).

    Each derivative is printed as in `numpy_source` (same terms, same order), so compiled
    and NumPy results differ only where libm and NumPy's own exp, cos, pow... round
    differently; inlined, LLVM computes their shared terms once.  IEEE arithmetic
    (`error_model="numpy"`): 1/0 is inf, which the engine reports as divergence; an
    exception could not cross the C boundary.
    """
    names = tuple(parameter_names)
    f, fx, fy = derivatives(expression, names)[:3]
    arguments = ", ".join(("x", "y", *names))
    printer = _compiled_printer()
    decorator = '@njit(error_model="numpy", inline="always")\n'
    parts = [
        decorator + _function(f"{prefix}_point_{suffix}", arguments, [e], printer, "return {0}")
        for suffix, e in zip(NUMPY_SUFFIXES, (f, fx, fy), strict=False)
    ]
    head = "".join(f"    {name} = params[{i}]\n" for i, name in enumerate(names))
    head += "    for k in range(n):\n        x = xy[2 * k]\n        y = xy[2 * k + 1]\n"
    parts += [
        f"def {prefix}_value_batch(xy, n, params, f_out):\n"
        + head
        + f"        f_out[k] = {prefix}_point_value({arguments})",
        f"def {prefix}_value_grad_batch(xy, n, params, f_out, g_out):\n"
        + head
        + f"        f_out[k] = {prefix}_point_value({arguments})\n"
        + f"        g_out[2 * k] = {prefix}_point_dx({arguments})\n"
        + f"        g_out[2 * k + 1] = {prefix}_point_dy({arguments})",
    ]
    return "\n\n\n".join(parts) + "\n"


def _function(
    name: str, arguments: str, exprs: list[sympy.Expr], printer: PythonCodePrinter, body: str
) -> str:
    """`def name(arguments)` computing `exprs` with shared temporaries, returned by `body`."""
    assignments, reduced = sympy.cse(exprs, symbols=_temporaries(arguments))
    lines = [f"def {name}({arguments}):"]
    lines += [f"    {sym} = {printer.doprint(e)}" for sym, e in assignments]
    results = [printer.doprint(e) for e in reduced]
    lines += ["    " + line for line in body.format(*results).split("\n")]
    return "\n".join(lines)


def _temporaries(arguments: str) -> Iterator[sympy.Symbol]:
    # Named like `sympy.lambdify`'s (x0, x1, ...): the names decide the order in which the
    # printer writes a product's factors, hence its rounding.
    taken = {a.strip() for a in arguments.split(",")}
    return (s for s in sympy.numbered_symbols("x", real=True) if s.name not in taken)


def _float_literal(printer: type) -> type:
    class Printer(printer):
        """Numbers as exact float64 literals (repr round-trips; SymPy's default prints 15
        digits) and integers beyond 2**53 as floats, which compiled code can hold."""

        def _print_Float(self, expr: sympy.Float) -> str:
            return repr(float(expr))

        def _print_Integer(self, expr: sympy.Integer) -> str:
            value = int(expr)
            return str(value) if abs(value) < 2**53 else repr(float(value))

    return Printer


@cache
def _numpy_printer() -> PythonCodePrinter:
    return _float_literal(NumPyPrinter)({"fully_qualified_modules": True})


@cache
def _compiled_printer() -> PythonCodePrinter:
    class CompiledPrinter(_float_literal(PythonCodePrinter)):
        """Integer powers other than squares with a float exponent: Numba then calls libm's
        pow, as NumPy does, instead of multiplying (x**3 would round differently)."""

        def _print_Pow(self, expr: sympy.Pow, rational: bool = False) -> str:
            if expr.exp.is_Integer and expr.exp not in (-1, 1, 2):
                expr = sympy.Pow(expr.base, sympy.Float(expr.exp), evaluate=False)
            return super()._print_Pow(expr, rational=rational)

    return CompiledPrinter({"fully_qualified_modules": True, "standard": "python3"})


def load(source: str, label: str, namespace: dict[str, Any]) -> dict[str, Any]:
    """`namespace` (the modules the source names) with `source` executed in it, in memory."""
    exec(compile(source, f"<surfaces.derive: {label}>", "exec"), namespace)
    return namespace
