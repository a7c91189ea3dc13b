"""Adam (Kingma & Ba, 2015): momentum plus a per-coordinate scale, bias-corrected.

.. note:: The forms differ only in where ε enters.  torch.optim, optax and Dive into Deep
   Learning add ε to the bias-corrected root; Keras and Deep Learning from Scratch fold the
   bias correction into η_t = η√(1−β₂ᵗ)/(1−β₁ᵗ) and add ε to the uncorrected root (so ε
   acts as ε√(1−β₂ᵗ)); Hands-On ML eq. 11-8 puts ε inside the root.  The paths part
   visibly only where ε matters (tiny gradients).
"""

from __future__ import annotations

import sys
from typing import Any, NamedTuple

from optim_core.definition import Card, Convention, first_order
from optim_core.ops import named, sqrt
from optim_core.optimizers import _shared

CORRECTED, FOLDED, EPS_INSIDE = range(3)


class State(NamedTuple):
    m: Any  # m_t: first moment; shape of θ
    v: Any  # v_t: second moment
    beta1_power: Any  # β₁ᵗ
    beta2_power: Any  # β₂ᵗ


class Hyper(NamedTuple):
    beta1: Any
    beta2: Any
    eps: Any


class Shown(NamedTuple):
    m_hat: Any  # m_t / (1 − β₁ᵗ)
    v_hat: Any  # v_t / (1 − β₂ᵗ)
    step_size: Any  # what multiplies m̂_t in the step


BOOKKEEPING = ("beta1_power", "beta2_power")
SYMBOLS = {**_shared.MOMENT_SYMBOLS, "lr_t": (r"\eta_t",)}
HELP = _shared.MOMENT_HELP


def init(theta, h):
    zero = theta * 0.0
    return State(zero, zero, zero + 1.0, zero + 1.0)


def moments(g, s, h):
    """β₁ᵗ, β₂ᵗ and the moments m_t, v_t every Adam form shares."""
    beta1_power = named("beta1_power", s.beta1_power * h.beta1, shown=False)
    beta2_power = named("beta2_power", s.beta2_power * h.beta2, shown=False)
    m = named("m", h.beta1 * s.m + (1 - h.beta1) * g)
    v = named("v", h.beta2 * s.v + (1 - h.beta2) * g * g)
    return beta1_power, beta2_power, m, v


def adam_step(theta, m, v, second, beta1_power, beta2_power, lr, eps, form, second_hat="v_hat"):
    """θ_t and what the inspector shows, from the moments; `second` is the second moment
    the step divides by (v_t, or AMSGrad's running maximum), named `second_hat` once
    bias-corrected."""
    if form == FOLDED:
        lr_t = named("lr_t", lr * sqrt(1 - beta2_power) / (1 - beta1_power))
        denominator = sqrt(second) + eps
        shown = Shown(m / (1 - beta1_power), v / (1 - beta2_power),
                      lr_t * (1 - beta1_power) / denominator)  # fmt: skip
        return theta - lr_t * m / denominator, shown
    m_hat = named("m_hat", m / (1 - beta1_power))
    v_hat = named(second_hat, second / (1 - beta2_power))
    denominator = sqrt(v_hat + eps) if form == EPS_INSIDE else sqrt(v_hat) + eps
    return theta - lr * m_hat / denominator, Shown(m_hat, v / (1 - beta2_power), lr / denominator)


def update(g, s, theta, lr, h, form):
    """One Adam step under `form`."""
    beta1_power, beta2_power, m, v = moments(g, s, h)
    new_theta, shown = adam_step(theta, m, v, v, beta1_power, beta2_power, lr, h.eps, form)
    return new_theta, State(m, v, beta1_power, beta2_power), shown


SPEC = first_order(
    sys.modules[__name__],
    name="adam",
    title="Adam",
    params=_shared.moment_params(1e-3),
    conventions=(
        Convention(
            "torch",
            "torch.optim",
            CORRECTED,
            ("torch", "optax", "d2l"),
            "torch.optim.Adam; optax.adam; Dive into Deep Learning §12.10; Kingma & Ba "
            "(2015) Alg. 1",
        ),
        Convention(
            "folded",
            "Bias correction in the step",
            FOLDED,
            ("keras", "dlfs"),
            "keras.optimizers.Adam; Deep Learning from Scratch ch. 6 `Adam`; Kingma & Ba "
            "§2 (last paragraph)",
            defaults={"eps": 1e-7},
            note="ε is added to the uncorrected root, so it acts as ε√(1−β₂ᵗ) in the "
            "torch form: the paths part visibly only when ε matters.",
            decoupled_weight_decay=True,
        ),
        Convention(
            "eps_inside",
            "ε inside the root",
            EPS_INSIDE,
            ("homl",),
            "Hands-On ML eq. 11-8",
            defaults={"eps": 1e-7},
        ),
    ),
    card=Card(
        idea="Momentum on the gradient plus an RMSProp-style per-coordinate scale, with bias "
        "correction so the first steps are not tiny.",
        fixes="Works out of the box on badly scaled problems: the first step is about η in "
        "every coordinate, whatever the gradient's size.",
        fails="Can settle in a worse solution than plain or Nesterov momentum SGD on some "
        "problems and may not converge at all without a decaying rate (AMSGrad's motivation).",
    ),
)
