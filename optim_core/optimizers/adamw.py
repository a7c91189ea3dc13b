"""AdamW (Loshchilov & Hutter, 2019): Adam with decoupled weight decay.

The decay shrinks θ directly, θ ← θ(1 − ηλ), outside the adaptive scaling, so the engine
does not add λθ to the gradient (`DECOUPLED_WEIGHT_DECAY`).
"""

from __future__ import annotations

import sys
from typing import Any, NamedTuple

from foundation.params import Param
from optim_core.definition import Card, Convention, first_order
from optim_core.ops import named
from optim_core.optimizers import _shared, adam

DECOUPLED_WEIGHT_DECAY = True
CORRECTED, FOLDED = adam.CORRECTED, adam.FOLDED

State = adam.State
Shown = adam.Shown
BOOKKEEPING = adam.BOOKKEEPING
SYMBOLS = {**adam.SYMBOLS, "weight_decay": (r"\lambda",), "decayed": (r"\theta'_{t}",)}
HELP = adam.HELP
init = adam.init


class Hyper(NamedTuple):
    beta1: Any
    beta2: Any
    eps: Any
    weight_decay: Any  # λ, applied to θ directly


def update(g, s, theta, lr, h, form):
    """One AdamW step under `form`: decay θ, then Adam's step from there."""
    decayed = named("decayed", theta * (1 - lr * h.weight_decay))
    beta1_power, beta2_power, m, v = adam.moments(g, s, h)
    new_theta, shown = adam.adam_step(decayed, m, v, v, beta1_power, beta2_power, lr, h.eps, form)
    return new_theta, State(m, v, beta1_power, beta2_power), shown


SPEC = first_order(
    sys.modules[__name__],
    name="adamw",
    title="AdamW",
    params=(
        _shared.learning_rate(1e-3),
        _shared.BETA1,
        _shared.BETA2,
        _shared.epsilon(1e-8),
        Param(
            "weight_decay",
            1e-2,
            "Decoupled weight decay: shrinks θ by ηλ each step, outside the adaptive scaling.",
            symbol=r"\lambda",
            low=0.0,
            ui_low=0.0,
            ui_high=1.0,
        ),
    ),
    conventions=(
        Convention(
            "torch",
            "torch.optim",
            CORRECTED,
            ("torch", "optax"),
            "torch.optim.AdamW; optax.adamw; Loshchilov & Hutter (2019)",
        ),
        Convention(
            "folded",
            "Keras (bias correction in the step)",
            FOLDED,
            ("keras",),
            "keras.optimizers.AdamW",
            defaults={"eps": 1e-7},
        ),
    ),
    card=Card(
        idea="Adam with weight decay applied directly to the parameters instead of "
        "through the gradient.",
        fixes="Regularisation that is not undone by the adaptive scaling.",
        fails="On a 2-D surface the decay pulls every path towards the origin: the "
        "minimum it finds is of f + decay, not of f.",
    ),
)
