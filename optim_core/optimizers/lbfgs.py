"""L-BFGS: a quasi-Newton method with a line search, run by SciPy's L-BFGS-B.

`optim_core.second_order.run_lbfgs` calls `scipy.optimize.minimize` rather than a
hand-written copy; this module holds what the UI, the docs and the tests read.
"""

from __future__ import annotations

from foundation.params import Param
from optim_core.definition import GRADIENT_SLOT, UPDATE_SLOT, Card, Convention, OptimizerSpec

SCIPY = 0

SPEC = OptimizerSpec(
    name="lbfgs",
    title="L-BFGS",
    family="lbfgs",
    params=(
        Param(
            "history_size",
            10,
            "How many past (step, gradient-change) pairs build the curvature estimate.",
            symbol="m",
            kind="int",
            low=1,
            high=100,
            ui_low=1,
            ui_high=30,
        ),
    ),
    conventions=(
        Convention(
            "scipy",
            "SciPy L-BFGS-B",
            SCIPY,
            (),
            "scipy.optimize.minimize(method='L-BFGS-B') (Byrd, Lu, Nocedal & Zhu 1995), "
            "with its Moré–Thuente line search",
            note="One iteration may evaluate f and ∇f several times (line search): "
            "compare it per evaluation as well as per iteration.",
            latex_text=r"""\begin{aligned}
d_t &= -H_t\, g_t \quad (H_t \text{ from the last } m \text{ pairs } s_i = \Delta\theta_i,\ y_i = \Delta g_i) \\
\theta_t &= \theta_{t-1} + \alpha_t\, d_t \quad (\alpha_t \text{ from a line search})
\end{aligned}""",
        ),
    ),
    state=(GRADIENT_SLOT, UPDATE_SLOT),
    card=Card(
        idea="Build a cheap curvature model from the last few steps and gradients, then "
        "search along its direction.",
        fixes="Newton-like speed without a Hessian.",
        fails="Needs exact, noise-free gradients; stochastic gradients break its curvature pairs.",
    ),
)
