"""AdamW (Loshchilov & Hutter, 2019): Adam with decoupled weight decay.

The update is Adam's; the decay shrinks θ directly before it, θ' = θ − ηλθ, outside the
adaptive scaling, which the engine does for every convention marked
`decoupled_weight_decay` (Keras decays every optimizer this way).
"""

from __future__ import annotations

import sys

from foundation.params import Param
from optim_core.definition import Card, Convention, first_order
from optim_core.optimizers import _shared, adam

CORRECTED, FOLDED = adam.CORRECTED, adam.FOLDED
State, Hyper, Shown = adam.State, adam.Hyper, adam.Shown
BOOKKEEPING, SYMBOLS, HELP = adam.BOOKKEEPING, adam.SYMBOLS, adam.HELP
init, update = adam.init, adam.update


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
            decoupled_weight_decay=True,
        ),
        Convention(
            "folded",
            "Keras (bias correction in the step)",
            FOLDED,
            ("keras",),
            "keras.optimizers.AdamW",
            defaults={"eps": 1e-7},
            decoupled_weight_decay=True,
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
