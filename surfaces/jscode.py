"""A surface's value, gradient and Hessian as JavaScript, for the browser engine.

The JavaScript is translated from the very Python the server evaluates, not printed again
from the expression: the compiled point functions the engine's loop calls (value, ∂x,
∂y) and the NumPy functions Newton's method and the charts use (value, gradient,
Hessian), all derived from the surface's one SymPy expression (`surfaces.derive`).  Each
Python operation becomes one parenthesised JavaScript operation in the same order, so
both sides round alike; `x**2` is `x * x` as Numba and NumPy compute it, other powers call
`Math.pow` (libm's `pow` and V8's may differ in the last bit).  Parameters are runtime
arguments (`p`, in the definition's order), so one text serves every value bound later;
typed formulas go through the same path (`derive.compiled_source`, `numpy_source`).

>>> print(javascript("a*x**2 + b*y**2", ("a", "b")).splitlines()[3])
    const a = p[0], b = p[1];
"""

from __future__ import annotations

import ast
import json
from functools import lru_cache
from pathlib import Path

from surfaces import _generated_numpy, syntax

MAX_TRANSLATED = 64  # expressions whose JavaScript is kept
_HERE = Path(__file__).parent
_FUNCTIONS = {"exp", "log", "sqrt", "sin", "cos", "tan", "sinh", "cosh", "tanh", "asin",
              "acos", "atan", "atan2", "log1p", "expm1", "hypot", "sign", "abs", "fabs",
              "floor", "ceil"}  # fmt: skip
_RENAMED = {"fabs": "abs", "absolute": "abs", "arcsin": "asin", "arccos": "acos",
            "arctan": "atan", "arctan2": "atan2"}  # fmt: skip
_CONSTANTS = {"pi": "Math.PI", "e": "Math.E"}
_OPERATORS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
# The JavaScript names of what the engine needs, and the Python functions they come from.
COMPILED_SUFFIXES = ("value", "dx", "dy")
NUMPY_SUFFIXES = ("value", "dx", "dy", "dxx", "dxy", "dyy")


def _expression(node: ast.expr) -> str:
    """One Python expression of the generated code as fully parenthesised JavaScript."""
    if isinstance(node, ast.BinOp):
        left, right = _expression(node.left), _expression(node.right)
        if isinstance(node.op, ast.Pow):
            exponent = node.right
            if (
                isinstance(exponent, ast.Constant)
                and exponent.value == 2
                and isinstance(exponent.value, int)
            ):
                return f"({left} * {left})"
            return f"Math.pow({left}, {right})"
        if type(node.op) not in _OPERATORS:
            raise ValueError(f"no JavaScript for {ast.unparse(node)}")
        return f"({left} {_OPERATORS[type(node.op)]} {right})"
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        sign = "-" if isinstance(node.op, ast.USub) else "+"
        return f"({sign}{_expression(node.operand)})"
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        text = repr(node.value)
        return {"inf": "Infinity", "nan": "NaN"}.get(text, text)
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and node.attr in _CONSTANTS:
        return _CONSTANTS[node.attr]
    if isinstance(node, ast.Call) and not node.keywords:
        function = node.func
        name = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")
        name = _RENAMED.get(name, name)
        if name in _FUNCTIONS:
            return f"Math.{name}({', '.join(_expression(a) for a in node.args)})"
    raise ValueError(f"no JavaScript for {ast.unparse(node)}")


def _function(definition: ast.FunctionDef, js_name: str, parameter_names: tuple[str, ...]) -> str:
    lines = [f"  {js_name}(x, y, p) {{"]
    if parameter_names:
        unpack = ", ".join(f"{n} = p[{i}]" for i, n in enumerate(parameter_names))
        lines.append(f"    const {unpack};")
    for statement in definition.body:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target = statement.targets[0]
            if isinstance(target, ast.Name):
                lines.append(f"    const {target.id} = {_expression(statement.value)};")
                continue
        if isinstance(statement, ast.Return) and statement.value is not None:
            lines.append(f"    return {_expression(statement.value)};")
            continue
        raise ValueError(f"no JavaScript for {ast.unparse(statement)}")
    lines.append("  },")
    return "\n".join(lines)


@lru_cache(maxsize=2)
def _module_functions(filename: str) -> dict[str, ast.FunctionDef]:
    tree = syntax.parse((_HERE / filename).read_text(encoding="utf-8"))
    return {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}


def _source_functions(source: str) -> dict[str, ast.FunctionDef]:
    return {n.name: n for n in syntax.parse(source).body if isinstance(n, ast.FunctionDef)}


@lru_cache(maxsize=MAX_TRANSLATED)
def javascript(expression: str, parameter_names: tuple[str, ...]) -> str:
    """A JavaScript object literal: `value`, `dx`, `dy` as the engine's compiled loop
    computes them and `nvalue`, `ndx` … `ndyy` as the NumPy functions do, each
    `(x, y, p)` with `p` the parameter values in `parameter_names` order."""
    builtin = _generated_numpy.FUNCTIONS.get((expression, parameter_names))
    if builtin is not None:
        prefix = builtin[0].__name__.removesuffix("_value")
        numpy_defs, compiled_defs = (
            _module_functions("_generated_numpy.py"),
            _module_functions("_generated_compiled.py"),
        )
    else:
        from surfaces.derive import compiled_source, numpy_source

        prefix = "f"
        numpy_defs = _source_functions(numpy_source(expression, parameter_names, prefix))
        compiled_defs = _source_functions(compiled_source(expression, parameter_names, prefix))
    parts = [f"  params: {json.dumps(list(parameter_names))},"]
    parts += [
        _function(compiled_defs[f"{prefix}_point_{s}"], s, parameter_names)
        for s in COMPILED_SUFFIXES
    ]
    parts += [
        _function(numpy_defs[f"{prefix}_{s}"], "n" + s, parameter_names) for s in NUMPY_SUFFIXES
    ]
    return "({\n" + "\n".join(parts) + "\n})"
