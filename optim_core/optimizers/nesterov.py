"""Nesterov accelerated gradient (NAG) in its three published forms.

.. note:: torch.optim and optax rewrite NAG for the look-ahead variable (b ← μb + g,
   θ ← θ − η(g + μb)); Keras and Deep Learning from Scratch keep a velocity
   (v ← μv − ηg, θ ← θ + μv − ηg), which equals the torch form at a constant learning
   rate; Hands-On ML eq. 11-5 and CS231n take the gradient at the look-ahead point θ + μv,
   the same method seen from the other variable, so its path is shifted by μv.
"""

from __future__ import annotations

import sys

from optim_core.definition import Card, Convention, first_order
from optim_core.ops import named
from optim_core.optimizers import _shared, momentum

BUFFER, VELOCITY, LOOKAHEAD = range(3)
# Forms whose gradient is taken somewhere else than θ (see `gradient_point`).
PROBED_FORMS = (LOOKAHEAD,)


# NAG keeps the same state as heavy-ball momentum: one velocity per coordinate.
State, Hyper, Shown = momentum.State, momentum.Hyper, momentum.Shown
BOOKKEEPING, SYMBOLS, HELP = momentum.BOOKKEEPING, momentum.SYMBOLS, momentum.HELP
init = momentum.init


def gradient_point(theta, s, h, form):
    """Where the gradient of the next step is taken: θ + μv for the look-ahead form."""
    if form == LOOKAHEAD:
        return theta + h.momentum * s.velocity
    return theta


def update(g, s, theta, lr, h, form):
    """One NAG step under `form`; `g` was taken at `gradient_point`."""
    mu = h.momentum
    if form == LOOKAHEAD:  # the velocity step of heavy-ball momentum, g from the look-ahead
        return momentum.update(g, s, theta, lr, h, momentum.VELOCITY)
    if form == VELOCITY:
        v = named("velocity", mu * s.velocity - lr * g)
        return theta + (mu * v - lr * g), State(v), Shown(lr)
    v = named("velocity", mu * s.velocity + g)
    return theta - lr * (g + mu * v), State(v), Shown(lr)


SPEC = first_order(
    sys.modules[__name__],
    name="nesterov",
    title="Nesterov (NAG)",
    params=(_shared.learning_rate(1e-3), _shared.MOMENTUM, _shared.WEIGHT_DECAY),
    conventions=(
        Convention(
            "torch",
            "torch.optim (Sutskever form)",
            BUFFER,
            ("torch", "optax"),
            "torch.optim.SGD(momentum=μ, nesterov=True); optax.sgd(momentum=μ, nesterov=True)",
        ),
        Convention(
            "velocity",
            "Velocity form",
            VELOCITY,
            ("keras", "dlfs"),
            "keras.optimizers.SGD(momentum=μ, nesterov=True); Deep Learning from Scratch "
            "ch. 6 `Nesterov`",
            note="Same path as the torch form at a constant learning rate (v = −ηb).",
            decoupled_weight_decay=True,
        ),
        Convention(
            "lookahead",
            "Look-ahead gradient",
            LOOKAHEAD,
            ("homl",),
            "Hands-On ML eq. 11-5; CS231n; Nesterov (1983)",
            note="Evaluates the gradient at the look-ahead point; the torch form is "
            "the same method rewritten for the look-ahead variable, so the two paths "
            "differ by that shift.",
        ),
    ),
    card=Card(
        idea="Momentum that looks before it leaps: the gradient is taken where the "
        "velocity is about to carry the parameters.",
        fixes="Brakes earlier than plain momentum, so it overshoots less and often "
        "converges faster.",
        fails="Still a single global learning rate: badly scaled coordinates stay slow.",
    ),
)
