"""AdaDelta (Zeiler, 2012): RMSProp whose step is a running average of past updates.

Matches torch.optim.Adadelta, keras.optimizers.Adadelta, optax.adadelta and Dive into
Deep Learning §12.9 (which has no η: η = 1).
"""

from __future__ import annotations

import sys
from typing import Any, NamedTuple

from optim_core.definition import Card, Convention, first_order
from optim_core.ops import named, sqrt
from optim_core.optimizers import _shared

STANDARD = 0


class State(NamedTuple):
    v: Any  # v_t: running average of squared gradients; shape of θ
    u: Any  # u_t: running average of squared updates


class Hyper(NamedTuple):
    rho: Any  # ρ
    eps: Any  # ε


class Shown(NamedTuple):
    step_size: Any  # η √(u_{t−1} + ε) / √(v_t + ε)


BOOKKEEPING = ()
SYMBOLS = {
    "v": ("v_{t-1}", "v_t"),
    "u": ("u_{t-1}", "u_t"),
    "delta": (r"\Delta_t",),
    "rho": (r"\rho",),
    "eps": (r"\epsilon",),
    "step_size": (_shared.STEP_SIZE_SYMBOL,),
}
HELP = {
    "v": "Running average of squared gradients.",
    "u": "Running average of squared updates.",
    "step_size": _shared.STEP_SIZE_HELP,
}


def init(theta, h):
    zero = theta * 0.0
    return State(zero, zero)


def update(g, s, theta, lr, h, form):
    """One AdaDelta step."""
    rho, eps = h.rho, h.eps
    v = named("v", rho * s.v + (1 - rho) * g * g)
    ratio = sqrt(s.u + eps) / sqrt(v + eps)
    delta = named("delta", ratio * g)
    u = named("u", rho * s.u + (1 - rho) * delta * delta)
    return theta - lr * delta, State(v, u), Shown(lr * ratio)


SPEC = first_order(
    sys.modules[__name__],
    name="adadelta",
    title="AdaDelta",
    params=(
        _shared.learning_rate(1.0),
        _shared.decay_rate("rho", 0.9, r"\rho", "Decay of both running averages."),
        _shared.epsilon(1e-6),
        _shared.WEIGHT_DECAY,
    ),
    conventions=(
        Convention(
            "torch",
            "torch.optim",
            STANDARD,
            ("torch", "optax", "d2l"),
            "torch.optim.Adadelta; optax.adadelta; Dive into Deep Learning §12.9 (η = 1); "
            "Zeiler (2012)",
        ),
        Convention(
            "keras",
            "Keras",
            STANDARD,
            ("keras",),
            "keras.optimizers.Adadelta",
            defaults={"lr": 1e-3, "rho": 0.95, "eps": 1e-7},
            note="The torch rule; weight decay shrinks θ directly, as in every Keras optimizer.",
            decoupled_weight_decay=True,
        ),
    ),
    card=Card(
        idea="RMSProp whose step size is itself a running average of past updates, so "
        "the units match and no learning rate is needed.",
        fixes="Removes AdaGrad's shrinking steps and the need to tune η.",
        fails="Starts very slowly: the update average begins at ε, so the first steps "
        "are about √ε.",
    ),
)
