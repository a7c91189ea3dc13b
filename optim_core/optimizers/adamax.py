"""AdaMax (Kingma & Ba, 2015, Alg. 2): Adam with a decaying maximum of |g| as its scale.

.. note:: torch.optim and optax add ε inside the maximum, u ← max(β₂u, |g| + ε); Keras
   keeps u ← max(β₂u, |g|) and adds ε in the step.
"""

from __future__ import annotations

import sys
from typing import Any, NamedTuple

from optim_core.definition import Card, Convention, first_order
from optim_core.ops import absolute, maximum, named
from optim_core.optimizers import _shared

EPS_IN_MAX, EPS_IN_STEP = range(2)


class State(NamedTuple):
    m: Any  # m_t: first moment; shape of θ
    u: Any  # u_t: decaying infinity norm of the gradients
    beta1_power: Any  # β₁ᵗ


class Hyper(NamedTuple):
    beta1: Any
    beta2: Any
    eps: Any


class Shown(NamedTuple):
    m_hat: Any  # m_t / (1 − β₁ᵗ)
    step_size: Any  # η / u_t


BOOKKEEPING = ("beta1_power",)
SYMBOLS = {**_shared.MOMENT_SYMBOLS, "u": ("u_{t-1}", "u_t")}
HELP = {**_shared.MOMENT_HELP, "u": "Exponentially weighted infinity norm of the gradients.",
        "m_hat": "Bias-corrected first moment."}  # fmt: skip


def init(theta, h):
    zero = theta * 0.0
    return State(zero, zero, zero + 1.0)


def update(g, s, theta, lr, h, form):
    """One AdaMax step under `form`."""
    beta1_power = named("beta1_power", s.beta1_power * h.beta1, shown=False)
    m = named("m", h.beta1 * s.m + (1 - h.beta1) * g)
    if form == EPS_IN_STEP:
        u = named("u", maximum(h.beta2 * s.u, absolute(g)))
        denominator = u + h.eps
    else:
        u = named("u", maximum(h.beta2 * s.u, absolute(g) + h.eps))
        denominator = u
    m_hat = m / (1 - beta1_power)
    new_theta = theta - lr / (1 - beta1_power) * m / denominator
    return new_theta, State(m, u, beta1_power), Shown(m_hat, lr / denominator)


SPEC = first_order(
    sys.modules[__name__],
    name="adamax",
    title="AdaMax",
    params=_shared.moment_params(2e-3),
    conventions=(
        Convention(
            "torch",
            "torch.optim",
            EPS_IN_MAX,
            ("torch", "optax"),
            "torch.optim.Adamax; optax.adamax; Kingma & Ba (2015) Alg. 2",
        ),
        Convention(
            "keras",
            "Keras",
            EPS_IN_STEP,
            ("keras",),
            "keras.optimizers.Adamax (ε added to u in the step)",
            defaults={"eps": 1e-7},
            decoupled_weight_decay=True,
        ),
    ),
    card=Card(
        idea="Adam with the root-mean-square replaced by a decaying maximum of |g|.",
        fixes="The scale cannot be dragged down by many tiny gradients: robust to "
        "sparse or noisy gradients.",
        fails="A single huge gradient keeps the steps small for a long time.",
    ),
)
