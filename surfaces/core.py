"""A test surface built from one SymPy expression.

The expression is the single source of truth: SymPy differentiates it once, then generates
(1) vectorized NumPy value, gradient and Hessian with the broadcasting rule
``(..., 2) -> (...), (..., 2), (..., 2, 2)`` and (2) Numba C callbacks the engine's compiled
step loop calls, so a surface typed in by a user later runs through the very same path.
The generated code is cached on disk (`surfaces._codegen`), so SymPy is imported only when
a surface's code is derived for the first time, or when its expression is asked for.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import TYPE_CHECKING, Literal

import numpy as np

from foundation.params import Param, ParameterError

if TYPE_CHECKING:
    import sympy

LevelScale = Literal["linear", "log"]

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

    # --- symbolic ----------------------------------------------------------------------
    @cached_property
    def expression(self) -> sympy.Expr:
        """The SymPy expression with parameters substituted."""
        import sympy

        x, y = xy_symbols()
        symbols = {p.name: sympy.Symbol(p.name, real=True) for p in self.definition.params}
        expr = sympy.sympify(self.definition.expression, locals={"x": x, "y": y, **symbols})
        return expr.subs(
            {
                symbols[k]: sympy.nsimplify(v, rational=True) if float(v).is_integer() else v
                for k, v in self.param_values.items()
            }
        )

    @cached_property
    def _derivatives(self) -> tuple[sympy.Expr, ...]:
        import sympy

        x, y = xy_symbols()
        f = self.expression
        fx, fy = sympy.diff(f, x), sympy.diff(f, y)
        return f, fx, fy, sympy.diff(fx, x), sympy.diff(fx, y), sympy.diff(fy, y)

    @cached_property
    def _code(self):
        """The generated NumPy functions and Numba callbacks (`surfaces._codegen`)."""
        from surfaces._codegen import generated_code

        return generated_code(self)

    # --- numeric (vectorized) -------------------------------------------------------------
    def _eval(self, index: int, xy: np.ndarray) -> np.ndarray:
        xy = np.asarray(xy, dtype=np.float64)
        if xy.shape[-1:] != (2,):
            raise ValueError(f"points must have shape (..., 2), got {xy.shape}")
        with np.errstate(all="ignore"):
            out = self._code.numpy[index](xy[..., 0], xy[..., 1])
        return np.broadcast_to(np.asarray(out, dtype=np.float64), xy.shape[:-1]).copy()

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
    def kernels(self):
        """Numba C callbacks `(value, value_grad)` for `optim_core`'s compiled step loop."""
        return self._code.callbacks()

    @cached_property
    def batch_kernel(self):
        """A Numba C callback evaluating f and ∇f at a whole batch of points per call."""
        return self._code.batch_callback()

    # --- stationary points --------------------------------------------------------------------
    @cached_property
    def critical_points(self) -> tuple[CriticalPoint, ...]:
        """Minima and saddles, refined from the definition's hints and classified.

        The search imports SciPy's optimizers (a tenth of a second) and runs a root finder
        per hint, so what it finds is kept on disk next to the generated code, keyed on
        that code, the hints and the libraries' versions (`surfaces._codegen`).
        """
        hints = self.definition.critical_hints
        if callable(hints):
            hints = hints(**self.param_values)
        hints = [[float(c) for c in hint] for hint in hints]
        found = self._code.stored(
            "critical_points",
            {"hints": hints, "libraries": library_versions("numpy", "scipy")},
            lambda: self._find_critical_points(hints),
        )
        return tuple(CriticalPoint((x, y), value, kind) for x, y, value, kind in found)

    def _find_critical_points(self, hints: list[list[float]]) -> list[list]:
        """[x, y, f, kind] of each stationary point found from `hints`."""
        from scipy.optimize import root

        found: list[tuple[np.ndarray, float, str]] = []
        for hint in hints:
            sol = root(
                lambda p: self.grad(p),
                np.asarray(hint, float),
                jac=lambda p: self.hess(p),
            )
            point = sol.x
            if not (sol.success and np.all(np.isfinite(point))):
                continue
            if any(np.allclose(point, q, atol=1e-6) for q, _, _ in found):
                continue
            kind = self._classify(point)
            if kind:
                found.append((point, float(self.value(point)), kind))
        lowest = min((v for _, v, k in found if k == "minimum"), default=math.inf)
        points = []
        for point, value, kind in found:
            if kind == "minimum":
                kind = "global minimum" if value <= lowest + 1e-9 else "local minimum"
            points.append([float(point[0]), float(point[1]), value, kind])
        return points

    def _classify(self, point: np.ndarray) -> str:
        hessian = self.hess(point)
        if np.all(np.isfinite(hessian)):
            eig = np.linalg.eigvalsh(hessian)
            return "minimum" if eig.min() > 0 else ("saddle" if eig.min() < 0 < eig.max() else "")
        # A kink (Ackley's funnel tip): compare with a small ring of neighbours instead.
        angles = np.linspace(0, 2 * np.pi, 16, endpoint=False)
        ring = point + 1e-6 * np.stack([np.cos(angles), np.sin(angles)], -1)
        return "minimum" if np.all(self.value(ring) > self.value(point)) else ""

    @property
    def minima(self) -> tuple[CriticalPoint, ...]:
        return tuple(p for p in self.critical_points if p.kind.endswith("minimum"))

    @property
    def saddles(self) -> tuple[CriticalPoint, ...]:
        return tuple(p for p in self.critical_points if p.kind == "saddle")

    def __repr__(self) -> str:
        return f"Surface({self.name!r}, {self.param_values})"


def _exact(value: float) -> sympy.Expr:
    # Whole numbers stay exact (b = 100, not 100.0) while they fit a machine integer; beyond
    # that the generated code could not hold them.
    import sympy

    if float(value).is_integer() and abs(value) < 2**31:
        return sympy.Integer(int(value))
    return sympy.Float(value)


@cache
def library_versions(*names: str) -> dict[str, str]:
    """Installed versions, read without importing the packages where their metadata says."""
    from importlib import import_module, metadata

    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = import_module(name).__version__
    return versions


@cache
def xy_symbols() -> tuple[sympy.Symbol, sympy.Symbol]:
    """The coordinates x, y (real) every surface expression is written in."""
    import sympy

    return sympy.symbols("x y", real=True)


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
