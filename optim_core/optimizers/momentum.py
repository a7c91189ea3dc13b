"""Heavy-ball momentum (Polyak, 1964) in its three published forms.

.. note:: "Momentum" means three formulas.  torch.optim, optax and Dive into Deep Learning
   keep a buffer b ← μb + g and step θ ← θ − ηb; Keras, Deep Learning from Scratch and
   Hands-On ML keep a velocity v ← μv − ηg and step θ ← θ + v; the EMA form averages,
   m ← μm + (1 − μ)g.  The first two agree at a constant learning rate (v = −ηb) and part
   under a schedule; the EMA form equals the buffer form with η scaled by 1 − μ.
"""

from __future__ import annotations

import sys
from typing import Any, NamedTuple

from optim_core.definition import Card, Convention, first_order
from optim_core.ops import named
from optim_core.optimizers import _shared

BUFFER, VELOCITY, EMA = range(3)


class State(NamedTuple):
    velocity: Any  # v_t: the momentum buffer, in the convention's meaning; shape of θ


class Hyper(NamedTuple):
    momentum: Any  # μ


class Shown(NamedTuple):
    step_size: Any  # η


BOOKKEEPING = ()
SYMBOLS = {
    "velocity": ("v_{t-1}", "v_t"),
    "momentum": (r"\mu",),
    "step_size": (_shared.STEP_SIZE_SYMBOL,),
}
HELP = {
    "velocity": "The momentum buffer, in this convention's meaning.",
    "step_size": _shared.STEP_SIZE_HELP,
}


def init(theta, h):
    return State(theta * 0.0)


def update(g, s, theta, lr, h, form):
    """One momentum step under `form` (BUFFER, VELOCITY or EMA)."""
    mu = h.momentum
    if form == VELOCITY:
        v = named("velocity", mu * s.velocity - lr * g)
        return theta + v, State(v), Shown(lr)
    if form == EMA:
        v = named("velocity", mu * s.velocity + (1 - mu) * g)
        return theta - lr * v, State(v), Shown(lr)
    # torch starts the buffer as g itself: μ·0 + g is exactly g.
    v = named("velocity", mu * s.velocity + g)
    return theta - lr * v, State(v), Shown(lr)


SPEC = first_order(
    sys.modules[__name__],
    name="momentum",
    title="Momentum",
    params=(_shared.learning_rate(1e-3), _shared.MOMENTUM, _shared.WEIGHT_DECAY),
    conventions=(
        Convention(
            "torch",
            "torch.optim (buffer)",
            BUFFER,
            ("torch", "optax", "d2l"),
            "torch.optim.SGD(momentum=μ, dampening=0); optax.sgd(momentum=μ); Dive into "
            "Deep Learning §12.6",
        ),
        Convention(
            "velocity",
            "Textbook velocity form",
            VELOCITY,
            ("keras", "dlfs", "homl"),
            "keras.optimizers.SGD(momentum=μ); Deep Learning from Scratch ch. 6 `Momentum`; "
            "Hands-On ML eq. 11-4",
            note="Same path as the torch form at a constant learning rate (v = −ηb); "
            "under a schedule they part: torch rescales the whole buffer by today's η, "
            "the velocity form only the newest gradient.",
            decoupled_weight_decay=True,
        ),
        Convention(
            "ema",
            "Exponential moving average",
            EMA,
            (),
            "EMA form of Andrew Ng's Deep Learning Specialization (no library among "
            "torch.optim, Keras and optax uses it)",
            note="Equals the torch form with η scaled by (1 − μ).",
        ),
    ),
    card=Card(
        idea="A heavy ball: keep a running velocity and let gradients accelerate it.",
        fixes="Builds speed along consistent directions and cancels the zig-zag across "
        "narrow valleys.",
        fails="Overshoots: with μ near 1 it sails past the minimum and spirals in.",
    ),
)
