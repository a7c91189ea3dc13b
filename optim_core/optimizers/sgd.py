"""SGD: step straight downhill, θ ← θ − ηg.

Matches torch.optim.SGD (momentum=0), keras.optimizers.SGD, optax.sgd, and the `SGD`
classes of Deep Learning from Scratch and Dive into Deep Learning.
"""

from __future__ import annotations

import sys
from typing import Any, NamedTuple

from optim_core.definition import Card, Convention, first_order
from optim_core.optimizers import _shared

STANDARD = 0


class State(NamedTuple):
    """SGD keeps no state."""


class Hyper(NamedTuple):
    """SGD has no hyperparameter besides η."""


class Shown(NamedTuple):
    step_size: Any  # η, per coordinate


BOOKKEEPING = ()
SYMBOLS = {"step_size": (_shared.STEP_SIZE_SYMBOL,)}
HELP = {"step_size": _shared.STEP_SIZE_HELP}


def init(theta, h):
    return State()


def update(g, s, theta, lr, h, form):
    """θ_t = θ_{t−1} − η g_t."""
    return theta - lr * g, State(), Shown(lr)


SPEC = first_order(
    sys.modules[__name__],
    name="sgd",
    title="SGD",
    params=(_shared.learning_rate(1e-3), _shared.WEIGHT_DECAY),
    conventions=(
        Convention(
            "torch",
            "torch.optim",
            STANDARD,
            ("torch", "keras", "optax", "dlfs", "d2l", "homl"),
            "torch.optim.SGD (momentum=0); keras.optimizers.SGD; optax.sgd; Deep Learning "
            "from Scratch ch. 6 `SGD`; Dive into Deep Learning §12.4",
        ),
    ),
    card=Card(
        idea="Step straight downhill, a fixed fraction η of the gradient.",
        fixes="The baseline: simple, cheap, and with a small enough rate it converges "
        "well on smooth problems.",
        fails="Slow: zig-zags across narrow valleys (the x²/20 + y² bowl) because the "
        "steep direction limits η, and crawls along the flat one.",
    ),
)
