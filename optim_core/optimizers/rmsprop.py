"""RMSProp (Tieleman & Hinton, 2012): AdaGrad with a fading memory.

.. note:: torch.optim and Deep Learning from Scratch add ε after the root (DLfS with
   ε = 1e-7); Keras, optax (`eps_in_sqrt=True`), Dive into Deep Learning and Hands-On ML
   inside it.
"""

from __future__ import annotations

import sys
from typing import Any, NamedTuple

from optim_core.definition import Card, Convention, first_order
from optim_core.ops import named, sqrt
from optim_core.optimizers import _shared

EPS_OUTSIDE, EPS_INSIDE = range(2)


class State(NamedTuple):
    v: Any  # v_t: running average of squared gradients; shape of θ


class Hyper(NamedTuple):
    alpha: Any  # α, the average's decay
    eps: Any  # ε


class Shown(NamedTuple):
    step_size: Any  # η / (√v_t + ε)


BOOKKEEPING = ()
SYMBOLS = {
    "v": ("v_{t-1}", "v_t"),
    "alpha": (r"\alpha",),
    "eps": (r"\epsilon",),
    "step_size": (_shared.STEP_SIZE_SYMBOL,),
}
HELP = {"v": "Running average of squared gradients.", "step_size": _shared.STEP_SIZE_HELP}


def init(theta, h):
    return State(theta * 0.0)


def update(g, s, theta, lr, h, form):
    """One RMSProp step under `form`."""
    v = named("v", h.alpha * s.v + (1 - h.alpha) * g * g)
    if form == EPS_INSIDE:
        step_size = lr / sqrt(v + h.eps)  # Dive into Deep Learning's order (see AdaGrad)
        return theta - step_size * g, State(v), Shown(step_size)
    denominator = sqrt(v) + h.eps
    return theta - lr * g / denominator, State(v), Shown(lr / denominator)


SPEC = first_order(
    sys.modules[__name__],
    name="rmsprop",
    title="RMSProp",
    params=(
        _shared.learning_rate(1e-2),
        _shared.decay_rate(
            "alpha",
            0.99,
            r"\alpha",
            "Decay of the running average of squared gradients: smaller forgets faster.",
        ),
        _shared.epsilon(1e-8),
        _shared.WEIGHT_DECAY,
    ),
    conventions=(
        Convention(
            "torch",
            "torch.optim",
            EPS_OUTSIDE,
            ("torch",),
            "torch.optim.RMSprop (centered=False, momentum=0)",
        ),
        Convention(
            "dlfs",
            "Deep Learning from Scratch",
            EPS_OUTSIDE,
            ("dlfs",),
            "Deep Learning from Scratch ch. 6 `RMSprop` (decay 0.99, ε = 1e-7)",
            defaults={"eps": 1e-7},
            note="The torch formula with ε = 1e-7.",
        ),
        Convention(
            "eps_inside",
            "ε inside the root",
            EPS_INSIDE,
            ("keras", "optax", "d2l", "homl"),
            "keras.optimizers.RMSprop; optax.rmsprop; Dive into Deep Learning §12.8 "
            "(γ = 0.9, ε = 1e-6); Hands-On ML eq. 11-7",
            defaults={"alpha": 0.9, "eps": 1e-6},
            decoupled_weight_decay=True,
        ),
    ),
    card=Card(
        idea="AdaGrad with a memory that fades: a running average of squared gradients "
        "instead of their sum.",
        fixes="Keeps AdaGrad's per-coordinate scaling without the steps dying out.",
        fails="No momentum and no bias correction: the first steps are large (v starts "
        "at 0) and it can hover around the minimum.",
    ),
)
