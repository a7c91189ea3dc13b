"""Damped Newton's method: θ ← θ − η(∇²f + λI)⁻¹∇f.

Not an elementwise rule (it solves with the 2×2 Hessian), so it is stepped by
`optim_core.second_order.run_newton` with `update` below, and its LaTeX is written out.
"""

from __future__ import annotations

import numpy as np

from foundation.params import Param
from optim_core.definition import (
    GRADIENT_SLOT,
    UPDATE_SLOT,
    Card,
    Convention,
    OptimizerSpec,
    StateSlot,
)

DAMPED = 0


def update(g: np.ndarray, hessian: np.ndarray, theta: np.ndarray, lr, damping):
    """θ_t and the Newton direction for points (B, 2), gradients (B, 2), Hessians
    (B, 2, 2); the 2×2 system is solved in closed form (Cramer's rule), so a singular
    Hessian gives an infinite step that the engine reports as divergence."""
    a = hessian[:, 0, 0] + damping
    b, c = hessian[:, 0, 1], hessian[:, 1, 0]
    d = hessian[:, 1, 1] + damping
    determinant = a * d - b * c
    direction = np.stack([d * g[:, 0] - b * g[:, 1], -c * g[:, 0] + a * g[:, 1]], -1)
    direction /= determinant[:, None]
    return theta - lr[:, None] * direction, direction


SPEC = OptimizerSpec(
    name="newton",
    title="Newton's method",
    family="newton",
    params=(
        Param(
            "lr",
            1.0,
            "Step factor: 1 is the full Newton step; smaller values damp it.",
            symbol=r"\eta",
            low=0.0,
            ui_low=0.01,
            ui_high=2.0,
        ),
        Param(
            "damping",
            0.0,
            "Levenberg damping λ added to the Hessian's diagonal: large λ turns Newton "
            "into gradient descent with step η/λ.",
            symbol=r"\lambda",
            low=0.0,
            ui_low=0.0,
            ui_high=10.0,
        ),
    ),
    conventions=(
        Convention(
            "newton",
            "Damped Newton",
            DAMPED,
            (),
            "Newton's method with Levenberg damping (Nocedal & Wright, Numerical "
            "Optimization, §3.3)",
            note="Pure Newton (η = 1, λ = 0) jumps to the nearest stationary point, "
            "saddle points included.",
            latex_text=r"\theta_t = \theta_{t-1} - \eta\, \big(\nabla^2 f(\theta_{t-1}) "
            r"+ \lambda I\big)^{-1} \nabla f(\theta_{t-1})",
        ),
    ),
    state=(
        GRADIENT_SLOT,
        StateSlot("newton_step", r"H^{-1}g", "The Newton direction (H + λI)⁻¹g."),
        UPDATE_SLOT,
    ),
    card=Card(
        idea="Fit a quadratic to the surface at the current point and jump to its "
        "stationary point.",
        fixes="Exact in one step on a quadratic bowl, however badly scaled.",
        fails="Needs the Hessian, and is attracted to saddle points and maxima: on x² − "
        "y² it jumps straight onto the saddle.",
    ),
)
