"""What theory predicts on a quadratic, and the local models of any surface.

On f(θ) = ½ θᵀHθ + bᵀθ + c with eigenvalues 0 < λmin ≤ λmax of H, gradient descent
converges exactly when 0 < η < 2/λmax, fastest at η = 2/(λmin + λmax) with rate
(κ − 1)/(κ + 1), κ = λmax/λmin.  Heavy-ball momentum in Distill's form
(z ← βz + ∇f, θ ← θ − αz; "Why Momentum Really Works", Goh 2017) is fastest at
α = (2/(√λmin + √λmax))², β = ((√κ − 1)/(√κ + 1))², with rate (√κ − 1)/(√κ + 1).

>>> q = quadratic("bowl")
>>> q.eigenvalues.tolist(), q.condition_number
([0.1, 2.0], 20.0)
>>> round(q.gd_stability_limit, 6), round(q.gd_optimal_lr, 6)
(1.0, 0.952381)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from foundation.params import ParameterError


@dataclass(frozen=True)
class Quadratic:
    """A quadratic surface f(θ) = ½ (θ − θ*)ᵀ H (θ − θ*) + f(θ*) (θ* when H is invertible)."""

    hessian: np.ndarray  # (2, 2), constant
    gradient_at_origin: np.ndarray  # (2,)
    eigenvalues: np.ndarray  # ascending
    eigenvectors: np.ndarray  # columns, matching `eigenvalues`
    center: np.ndarray | None  # the stationary point, None when H is singular

    @property
    def positive_definite(self) -> bool:
        return bool(self.eigenvalues[0] > 0)

    @property
    def condition_number(self) -> float:
        """λmax/λmin, infinite unless H is positive definite."""
        lo, hi = self.eigenvalues
        return float(hi / lo) if lo > 0 else float("inf")

    @property
    def gd_stability_limit(self) -> float:
        """2/λmax: gradient descent converges for 0 < η below it (needs λmin > 0)."""
        return 2.0 / float(self.eigenvalues[1]) if self.eigenvalues[1] > 0 else float("inf")

    @property
    def gd_optimal_lr(self) -> float | None:
        """2/(λmin + λmax), the rate that balances the two extreme directions."""
        return 2.0 / float(self.eigenvalues.sum()) if self.positive_definite else None

    def gd_rate(self, lr: float) -> float:
        """Contraction factor per step of gradient descent: max_i |1 − ηλ_i|."""
        return float(np.max(np.abs(1.0 - lr * self.eigenvalues)))

    def momentum_optimal(self) -> tuple[float, float] | None:
        """Distill's optimal (α, β) for z ← βz + ∇f, θ ← θ − αz."""
        if not self.positive_definite:
            return None
        lo, hi = np.sqrt(self.eigenvalues)
        kappa_root = hi / lo
        return float((2.0 / (lo + hi)) ** 2), float(((kappa_root - 1) / (kappa_root + 1)) ** 2)

    def momentum_rate(self, alpha: float, beta: float) -> float:
        """Convergence rate of momentum (Distill's form): the largest spectral radius of
        the per-eigendirection iteration matrix [[β, λ], [−αβ, 1 − αλ]]."""
        radii = [
            np.max(
                np.abs(np.linalg.eigvals(np.array([[beta, lam], [-alpha * beta, 1 - alpha * lam]])))
            )
            for lam in self.eigenvalues
        ]
        return float(max(radii))


def momentum_hyper(alpha: float, beta: float, convention: str = "torch") -> dict[str, float]:
    """Distill's (α, β) as `momentum` hyperparameters under the project's conventions.

    torch's buffer form b ← μb + g, θ ← θ − ηb is Distill's form with η = α, μ = β; the
    velocity form (v = −ηb) takes the same numbers; the EMA form m ← μm + (1 − μ)g steps
    η·m = η(1 − μ)·b, so it needs η = α/(1 − β).

    >>> momentum_hyper(0.5, 0.75, "ema")
    {'lr': 2.0, 'momentum': 0.75}
    """
    if convention in ("torch", "velocity"):
        return {"lr": float(alpha), "momentum": float(beta)}
    if convention == "ema":
        return {"lr": float(alpha / (1.0 - beta)), "momentum": float(beta)}
    raise ParameterError("convention", convention, "one of 'torch', 'velocity', 'ema'", "momentum")


def quadratic(surface: Any, **surface_params: float) -> Quadratic | None:
    """The quadratic form of `surface` when its expression has total degree ≤ 2 in x and
    y (decided exactly by SymPy), else None.  Works for any `surfaces.Surface`."""
    import surfaces

    surf = surfaces.get(surface, **surface_params)
    return _quadratic_of(surf.expression)


@lru_cache(maxsize=64)
def _quadratic_of(expr: Any) -> Quadratic | None:
    import sympy

    by_name = {s.name: s for s in expr.free_symbols}
    x, y = by_name.get("x", sympy.Symbol("x")), by_name.get("y", sympy.Symbol("y"))
    if expr.free_symbols - {x, y} or not expr.is_polynomial(x, y):
        return None
    poly = sympy.Poly(sympy.expand(expr), x, y)
    if poly.total_degree() > 2:
        return None
    hessian = np.array(sympy.hessian(expr, (x, y)).evalf(), dtype=float)
    gradient = sympy.Matrix([expr.diff(x), expr.diff(y)]).subs({x: 0, y: 0}).evalf()
    gradient = np.array(gradient, dtype=float).ravel()
    eigenvalues, eigenvectors = np.linalg.eigh(hessian)
    center = None
    if abs(np.linalg.det(hessian)) > 1e-12 * max(1.0, np.abs(hessian).max() ** 2):
        center = np.linalg.solve(hessian, -gradient)
    return Quadratic(hessian, gradient, eigenvalues, eigenvectors, center)


@dataclass(frozen=True)
class Taylor:
    """First- and second-order Taylor models of a surface at `point`."""

    point: np.ndarray  # (2,)
    value: float
    gradient: np.ndarray  # (2,)
    hessian: np.ndarray  # (2, 2)

    def __call__(self, xy: np.ndarray, order: int = 2) -> np.ndarray:
        """The model's value at points (..., 2)."""
        if order not in (1, 2):
            raise ParameterError("order", order, "1 or 2", "taylor")
        d = np.asarray(xy, float) - self.point
        out = self.value + d @ self.gradient
        if order == 2:
            out = out + 0.5 * np.einsum("...i,ij,...j->...", d, self.hessian, d)
        return out


def taylor(surface: Any, point: Any, **surface_params: float) -> Taylor:
    """Taylor models of `surface` at `point`: f + gᵀd and f + gᵀd + ½ dᵀHd.

    >>> model = taylor("rosenbrock", (0.0, 0.0))
    >>> float(model(np.array([0.1, 0.0]), order=1))
    0.8
    """
    import surfaces

    surf = surfaces.get(surface, **surface_params)
    p = np.asarray(point, dtype=float)
    if p.shape != (2,) or not np.all(np.isfinite(p)):
        raise ParameterError("point", point, "a finite point (x, y)", "taylor")
    with np.errstate(all="ignore"):
        value, grad, hess = float(surf.value(p)), surf.grad(p), surf.hess(p)
    if not (np.isfinite(value) and np.all(np.isfinite(grad)) and np.all(np.isfinite(hess))):
        raise ParameterError("point", point, "a point where f, ∇f and ∇²f are finite", "taylor")
    return Taylor(p, value, grad, hess)
