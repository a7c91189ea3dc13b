"""A test surface built from one SymPy expression.

The expression is the single source of truth: SymPy differentiates it once, with the
parameters left as symbols, and prints (1) vectorized NumPy value, gradient and Hessian
with the broadcasting rule ``(..., 2) -> (...), (..., 2), (..., 2, 2)`` and (2) Numba C
callbacks the engine's compiled step loop calls (`surfaces.derive`).  Parameter values are
bound at run time, as arguments, so each definition is compiled once.  The built-in
surfaces' code is generated ahead of time and checked in (`surfaces.generate`), so neither
SymPy nor Numba is imported to evaluate them; a surface that is not built in is derived
and compiled in memory on first use.
"""

from __future__ import annotations

import functools
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Literal

import numpy as np

from foundation.params import Param, ParameterError
from surfaces import _generated_numpy

if TYPE_CHECKING:
    import sympy

    from surfaces.compiled import SurfaceKernels

LevelScale = Literal["linear", "log"]

# The surface name of every function typed as text (`surfaces.formula`).
FORMULA = "formula"
# Coordinates beyond this many view-box widths count as "left any reasonable range".
ESCAPE_FACTOR = 100.0


@dataclass(frozen=True)
class CriticalPoint:
    """A stationary point: `kind` is "global minimum", "local minimum" or "saddle"."""

    xy: tuple[float, float]
    value: float
    kind: str


@dataclass(frozen=True)
class SurfaceDef:
    """Everything that describes a surface family before its parameters are bound."""

    name: str
    title: str
    expression: str
    latex: str
    description: str
    domain: tuple[tuple[float, float], tuple[float, float]]
    default_start: tuple[float, float]
    params: tuple[Param, ...] = ()
    # Starting guesses for stationary points, refined numerically and classified by the
    # Hessian; a callable receives the bound parameter values.
    critical_hints: object = ()
    level_scale: LevelScale = "linear"
    equal_aspect: bool = False
    lesson: str = ""
    # The text a person typed (`surfaces.from_formula`); empty for the built-ins.
    formula: str = ""

    @property
    def parameter_names(self) -> tuple[str, ...]:
        """The parameters in the order the generated code takes them."""
        return tuple(p.name for p in self.params)


# Expressions not built in whose NumPy functions are kept; compiling one takes SymPy a
# tenth of a second, keeping it a few tens of kilobytes.
MAX_RUNTIME_FUNCTIONS = 32
# (definition, parameter values) pairs whose stationary points are kept.
MAX_CRITICAL_POINT_SETS = 256
NumpyFunctions = tuple[Callable[..., np.ndarray], ...]  # f, fx, fy, fxx, fxy, fyy
_RUNTIME_LOCK = threading.Lock()  # two threads binding a new surface derive it once


@dataclass(frozen=True, eq=False)
class Surface:
    """A surface with bound parameters: value, gradient, Hessian and metadata.

    >>> from surfaces import get
    >>> s = get("rosenbrock")
    >>> float(s.value(np.array([1.0, 1.0]))), s.grad(np.array([0.0, 0.0])).tolist()
    (0.0, [-2.0, 0.0])
    """

    definition: SurfaceDef
    param_values: dict[str, float] = field(default_factory=dict)

    # --- metadata ----------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.definition.name

    @property
    def title(self) -> str:
        return self.definition.title

    @property
    def latex(self) -> str:
        return self.definition.latex

    @property
    def description(self) -> str:
        return self.definition.description

    @property
    def domain(self) -> tuple[tuple[float, float], tuple[float, float]]:
        return self.definition.domain

    @property
    def default_start(self) -> tuple[float, float]:
        return self.definition.default_start

    @property
    def level_scale(self) -> LevelScale:
        return self.definition.level_scale

    @property
    def equal_aspect(self) -> bool:
        return self.definition.equal_aspect

    @property
    def escape_radius(self) -> float:
        (x0, x1), (y0, y1) = self.domain
        return ESCAPE_FACTOR * max(abs(x0), abs(x1), abs(y0), abs(y1), x1 - x0, y1 - y0)

    @cached_property
    def parameters(self) -> tuple[float, ...]:
        """The bound values in the definition's parameter order (the generated code's)."""
        return tuple(float(self.param_values[name]) for name in self.definition.parameter_names)

    # --- symbolic ----------------------------------------------------------------------
    @cached_property
    def expression(self) -> sympy.Expr:
        """The SymPy expression with parameters substituted."""
        import sympy

        from surfaces.derive import parse

        expr = parse(self.definition.expression, self.definition.parameter_names)
        symbols = {s.name: s for s in expr.free_symbols}
        return expr.subs(
            {
                symbols[k]: sympy.nsimplify(v, rational=True) if float(v).is_integer() else v
                for k, v in self.param_values.items()
                if k in symbols
            }
        )

    # --- numeric (vectorized) -------------------------------------------------------------
    @cached_property
    def _functions(self) -> NumpyFunctions:
        return numpy_functions(self.definition.expression, self.definition.parameter_names)

    def _eval(self, index: int, xy: np.ndarray) -> np.ndarray:
        xy = np.asarray(xy, dtype=np.float64)
        if xy.shape[-1:] != (2,):
            raise ValueError(f"points must have shape (..., 2), got {xy.shape}")
        # Always at least one row: NumPy's scalar exp, cos... round differently from its
        # vectorized loops, and one point must give the numbers it gets in a batch.
        rows = xy.reshape(-1, 2)
        with np.errstate(all="ignore"):
            out = self._functions[index](rows[:, 0], rows[:, 1], *self.parameters)
        out = np.broadcast_to(np.asarray(out, dtype=np.float64), rows.shape[:1])
        return out.reshape(xy.shape[:-1]).copy()

    def value(self, xy: np.ndarray) -> np.ndarray:
        """f at points of shape (..., 2); returns shape (...)."""
        return self._eval(0, xy)

    def grad(self, xy: np.ndarray) -> np.ndarray:
        """∇f at points of shape (..., 2); returns shape (..., 2)."""
        return np.stack([self._eval(1, xy), self._eval(2, xy)], axis=-1)

    def hess(self, xy: np.ndarray) -> np.ndarray:
        """∇²f at points of shape (..., 2); returns shape (..., 2, 2)."""
        hxx, hxy, hyy = self._eval(3, xy), self._eval(4, xy), self._eval(5, xy)
        return np.stack([np.stack([hxx, hxy], -1), np.stack([hxy, hyy], -1)], -2)

    # --- compiled callbacks for the engine --------------------------------------------------
    @cached_property
    def kernels(self) -> SurfaceKernels:
        """Numba C callbacks and this surface's parameter array (`surfaces.compiled`).

        The callbacks belong to the definition (every parameter value shares them), or,
        for a surface that is not built in, to the shared interpreter.
        """
        from surfaces.compiled import surface_kernels

        return surface_kernels(
            self.definition.expression, self.definition.parameter_names, self.parameters
        )

    # --- stationary points --------------------------------------------------------------------
    @property
    def critical_points(self) -> tuple[CriticalPoint, ...]:
        """Minima and saddles, refined from the definition's hints and classified.

        The built-ins' points at their default parameters were found when their code was
        generated; others are searched with SciPy (a tenth of a second) and kept in memory.
        """
        return _critical_points(self.definition, self.parameters)

    @property
    def minima(self) -> tuple[CriticalPoint, ...]:
        return tuple(p for p in self.critical_points if p.kind.endswith("minimum"))

    @property
    def saddles(self) -> tuple[CriticalPoint, ...]:
        return tuple(p for p in self.critical_points if p.kind == "saddle")

    def __repr__(self) -> str:
        return f"Surface({self.name!r}, {self.param_values})"


def hints_at(
    definition: SurfaceDef, parameters: tuple[float, ...]
) -> tuple[tuple[float, float], ...]:
    """The definition's starting guesses for stationary points at these parameter values."""
    hints = definition.critical_hints
    if callable(hints):
        hints = hints(**dict(zip(definition.parameter_names, parameters, strict=True)))
    return tuple((float(x), float(y)) for x, y in hints)


def stationary_points_key(definition: SurfaceDef, parameters: tuple[float, ...]) -> tuple:
    """What the stationary points depend on: the code, the parameter values and the hints."""
    return (
        definition.expression,
        definition.parameter_names,
        parameters,
        hints_at(definition, parameters),
    )


@lru_cache(maxsize=MAX_CRITICAL_POINT_SETS)
def _critical_points(
    definition: SurfaceDef, parameters: tuple[float, ...]
) -> tuple[CriticalPoint, ...]:
    key = stationary_points_key(definition, parameters)
    stored = _generated_numpy.STATIONARY_POINTS.get(key)
    if stored is None:
        surface = Surface(
            definition, dict(zip(definition.parameter_names, parameters, strict=True))
        )
        return find_critical_points(surface, key[-1])
    return tuple(CriticalPoint((x, y), value, kind) for x, y, value, kind in stored)


def find_critical_points(
    surface: Surface, hints: tuple[tuple[float, float], ...]
) -> tuple[CriticalPoint, ...]:
    """Each stationary point SciPy's root finder reaches from `hints`, classified by the
    Hessian (or, at a kink, by a ring of neighbours)."""
    from scipy.optimize import root

    found: list[tuple[np.ndarray, float, str]] = []
    for hint in hints:
        sol = root(surface.grad, np.asarray(hint, float), jac=surface.hess)
        point = sol.x
        # At a degenerate root (x^4) SciPy reports failure while |∇f| is already ~1e-40.
        reached = sol.success or bool(np.all(np.abs(surface.grad(point)) < 1e-12))
        if not reached and _classify(surface, np.asarray(hint, float)) == "minimum":
            # A corner of a kink (|x - 1| + |y|): no zero gradient for the root finder,
            # but the hint (a derivative-free descent's end) is lower than its neighbours.
            point, reached = np.asarray(hint, float), True
        if not (reached and np.all(np.isfinite(point))):
            continue
        if np.any(np.abs(point) > surface.escape_radius):  # "at infinity": no run gets there
            continue
        if any(np.allclose(point, q, atol=1e-6) for q, _, _ in found):
            continue
        kind = _classify(surface, point)
        if kind:
            found.append((point, float(surface.value(point)), kind))
    lowest = min((v for _, v, k in found if k == "minimum"), default=math.inf)
    points = []
    for point, value, kind in found:
        if kind == "minimum":
            kind = "global minimum" if value <= lowest + 1e-9 else "local minimum"
        points.append(CriticalPoint((float(point[0]), float(point[1])), value, kind))
    return tuple(points)


def _classify(surface: Surface, point: np.ndarray) -> str:
    hessian = surface.hess(point)
    if np.all(np.isfinite(hessian)):
        eig = np.linalg.eigvalsh(hessian)
        if eig.min() > 0:
            return "minimum"
        if eig.min() < 0 < eig.max():
            return "saddle"
    # A kink (Ackley's funnel tip, |x| whose Hessian is 0) or a degenerate point (x^4):
    # compare with a small ring of neighbours instead.
    angles = np.linspace(0, 2 * np.pi, 16, endpoint=False)
    ring = point + 1e-6 * np.stack([np.cos(angles), np.sin(angles)], -1)
    return "minimum" if np.all(surface.value(ring) > surface.value(point)) else ""


def numpy_functions(expression: str, parameter_names: tuple[str, ...]) -> NumpyFunctions:
    """f, fx, fy, fxx, fxy, fyy of an expression, each `(x, y, *parameters) -> array`:
    generated ahead of time for the built-ins, else derived once and kept in memory."""
    functions = _generated_numpy.FUNCTIONS.get((expression, parameter_names))
    if functions is None:
        with _RUNTIME_LOCK:
            functions = _runtime_numpy_functions(expression, parameter_names)
    return functions


@lru_cache(maxsize=MAX_RUNTIME_FUNCTIONS)
def _runtime_numpy_functions(expression: str, parameter_names: tuple[str, ...]) -> NumpyFunctions:
    from surfaces.derive import NUMPY_SUFFIXES, load, numpy_source

    source = numpy_source(expression, parameter_names, "f")
    # NumPy's printer writes max and min as functools.reduce(numpy.maximum, [...]).
    namespace = load(source, expression, {"numpy": np, "functools": functools})
    return tuple(namespace[f"f_{suffix}"] for suffix in NUMPY_SUFFIXES)


def bind(definition: SurfaceDef, values: dict[str, float] | None = None) -> Surface:
    """Validate parameter values against the definition and bind them."""
    values = dict(values or {})
    known = {p.name for p in definition.params}
    for key in values:
        if key not in known:
            allowed = ("one of " + ", ".join(sorted(known))) if known else "none (no parameters)"
            raise ParameterError("surface parameter", key, allowed, definition.name)
    bound = {}
    for p in definition.params:
        value = p.validate(values.get(p.name, p.default), owner=definition.name)
        if isinstance(value, np.ndarray):
            raise ParameterError(p.name, values.get(p.name), "a single number", definition.name)
        bound[p.name] = value
    return Surface(definition, bound)
