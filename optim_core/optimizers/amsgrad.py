"""AMSGrad (Reddi, Kale & Kumar, 2018): Adam dividing by the largest second moment seen.

.. note:: torch.optim and Keras keep the maximum of the raw second moment v_t (Keras with
   its folded bias correction); optax keeps the maximum of the bias-corrected v̂_t, which
   differs because 1 − β₂ᵗ changes with t.
"""

from __future__ import annotations

import sys
from typing import Any, NamedTuple

from optim_core.definition import Card, Convention, first_order
from optim_core.ops import maximum, named, sqrt
from optim_core.optimizers import adam

RAW_MAX, FOLDED, CORRECTED_MAX = adam.CORRECTED, adam.FOLDED, 2


class State(NamedTuple):
    m: Any  # m_t: first moment; shape of θ
    v: Any  # v_t: second moment
    v_max: Any  # ṽ_t: the largest second moment so far (raw or corrected, by form)
    beta1_power: Any  # β₁ᵗ
    beta2_power: Any  # β₂ᵗ


Hyper = adam.Hyper
Shown = adam.Shown
BOOKKEEPING = adam.BOOKKEEPING
SYMBOLS = {
    **adam.SYMBOLS,
    "v_max": (r"\tilde v_{t-1}", r"\tilde v_t"),
    "v_max_hat": (r"\hat{\tilde v}_t",),
}
HELP = {**adam.HELP, "v_max": "Largest second moment seen so far."}


def init(theta, h):
    zero = theta * 0.0
    return State(zero, zero, zero, zero + 1.0, zero + 1.0)


def update(g, s, theta, lr, h, form):
    """One AMSGrad step under `form`."""
    beta1_power, beta2_power, m, v = adam.moments(g, s, h)
    if form == CORRECTED_MAX:
        v_hat = named("v_hat", v / (1 - beta2_power))
        v_max = named("v_max", maximum(s.v_max, v_hat))
        m_hat = named("m_hat", m / (1 - beta1_power))
        denominator = sqrt(v_max) + h.eps
        new_theta = theta - lr * m_hat / denominator
        shown = Shown(m_hat, v_hat, lr / denominator)
    else:
        v_max = named("v_max", maximum(s.v_max, v))
        new_theta, shown = adam.adam_step(
            theta, m, v, v_max, beta1_power, beta2_power, lr, h.eps, form, "v_max_hat"
        )
    return new_theta, State(m, v, v_max, beta1_power, beta2_power), shown


SPEC = first_order(
    sys.modules[__name__],
    name="amsgrad",
    title="AMSGrad",
    params=adam.SPEC.params,
    conventions=(
        Convention(
            "torch",
            "torch.optim",
            RAW_MAX,
            ("torch",),
            "torch.optim.Adam(amsgrad=True); Reddi, Kale & Kumar (2018)",
        ),
        Convention(
            "folded",
            "Keras (bias correction in the step)",
            FOLDED,
            ("keras",),
            "keras.optimizers.Adam(amsgrad=True)",
            defaults={"eps": 1e-7},
            decoupled_weight_decay=True,
        ),
        Convention(
            "optax",
            "Maximum of the corrected moment",
            CORRECTED_MAX,
            ("optax",),
            "optax.amsgrad",
        ),
    ),
    card=Card(
        idea="Adam that never lets its per-coordinate scale shrink: it divides by the "
        "largest second moment seen so far.",
        fixes="Repairs Adam's convergence proof: step sizes can only decrease.",
        fails="Often no better than Adam in practice, and slower when the gradient scale drops.",
    ),
)
