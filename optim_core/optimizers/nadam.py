"""NAdam (Dozat, 2016): Adam with Nesterov's look-ahead folded into the momentum term.

.. note:: torch.optim schedules the momentum, μ_t = β₁(1 − ½·0.96^{tψ}) with ψ =
   `momentum_decay`; Keras uses 0.96^t (ψ = 1, fixed); optax keeps β₁ constant (Dozat's
   simplified form).  All three divide by √v̂_t + ε.
"""

from __future__ import annotations

import sys
from typing import Any, NamedTuple

from foundation.params import Param
from optim_core.definition import Card, Convention, first_order
from optim_core.ops import named, sqrt
from optim_core.optimizers import _shared

SCHEDULED, KERAS_SCHEDULE, CONSTANT = range(3)


class State(NamedTuple):
    m: Any  # m_t: first moment; shape of θ
    v: Any  # v_t: second moment
    mu_product: Any  # Π_t = μ_1 ⋯ μ_t
    step: Any  # t
    beta2_power: Any  # β₂ᵗ


class Hyper(NamedTuple):
    beta1: Any
    beta2: Any
    eps: Any
    momentum_decay: Any  # ψ


class Shown(NamedTuple):
    m_bar: Any  # the Nesterov-corrected first moment the step uses
    v_hat: Any  # v_t / (1 − β₂ᵗ)
    step_size: Any  # η / (√v̂_t + ε)


BOOKKEEPING = ("step", "beta2_power", "mu_product")
SYMBOLS = {
    **_shared.MOMENT_SYMBOLS,
    "mu_product": (r"\Pi_{t-1}", r"\Pi_t"),
    "step": (r"\left(t - 1\right)", "t"),
    "mu": (r"\mu_t",),
    "mu_next": (r"\mu_{t+1}",),
    "m_bar": (r"\bar m_t",),
    "momentum_decay": (r"\psi",),
}
HELP = {**_shared.MOMENT_HELP, "m_bar": "Nesterov-corrected first moment used in the step."}


def init(theta, h):
    zero = theta * 0.0
    return State(zero, zero, zero + 1.0, zero, zero + 1.0)


def update(g, s, theta, lr, h, form):
    """One NAdam step under `form`."""
    b1 = h.beta1
    step = named("step", s.step + 1, shown=False)
    beta2_power = named("beta2_power", s.beta2_power * h.beta2, shown=False)
    if form == CONSTANT:
        mu, mu_next = b1, b1
    else:
        exponent = h.momentum_decay if form == SCHEDULED else 1.0
        mu = named("mu", b1 * (1 - 0.5 * 0.96 ** (step * exponent)))
        mu_next = named("mu_next", b1 * (1 - 0.5 * 0.96 ** ((step + 1) * exponent)))
    mu_product = named("mu_product", s.mu_product * mu, shown=form != CONSTANT)
    m = named("m", b1 * s.m + (1 - b1) * g)
    v = named("v", h.beta2 * s.v + (1 - h.beta2) * g * g)
    v_hat = named("v_hat", v / (1 - beta2_power))
    m_bar = named(
        "m_bar", (1 - mu) * g / (1 - mu_product) + mu_next * m / (1 - mu_product * mu_next)
    )
    denominator = sqrt(v_hat) + h.eps
    new_theta = theta - lr * m_bar / denominator
    state = State(m, v, mu_product, step, beta2_power)
    return new_theta, state, Shown(m_bar, v_hat, lr / denominator)


SPEC = first_order(
    sys.modules[__name__],
    name="nadam",
    title="NAdam",
    params=(
        _shared.learning_rate(2e-3),
        _shared.BETA1,
        _shared.BETA2,
        _shared.epsilon(1e-8),
        Param(
            "momentum_decay",
            4e-3,
            "ψ in torch's momentum schedule μ_t = β₁(1 − ½·0.96^{tψ}).",
            symbol=r"\psi",
            low=0.0,
            ui_low=0.0,
            ui_high=0.1,
        ),
        _shared.WEIGHT_DECAY,
    ),
    conventions=(
        Convention(
            "torch",
            "torch.optim",
            SCHEDULED,
            ("torch",),
            "torch.optim.NAdam; Dozat (2016) with a momentum schedule",
        ),
        Convention(
            "keras",
            "Keras",
            KERAS_SCHEDULE,
            ("keras",),
            "keras.optimizers.Nadam (momentum schedule with 0.96ᵗ)",
            defaults={"eps": 1e-7},
            note="momentum_decay is ignored: Keras's schedule uses 0.96ᵗ.",
            decoupled_weight_decay=True,
        ),
        Convention(
            "dozat",
            "Constant β₁ (Dozat, optax)",
            CONSTANT,
            ("optax",),
            "Dozat (2016) simplified form; optax.nadam",
            note="momentum_decay is ignored: β₁ is used at every step.",
        ),
    ),
    card=Card(
        idea="Adam with Nesterov's look-ahead folded into the momentum term.",
        fixes="Reacts a step earlier than Adam when the gradient turns.",
        fails="Shares Adam's failure modes; the momentum schedule makes it differ "
        "between libraries.",
    ),
)
