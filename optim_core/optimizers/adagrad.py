"""AdaGrad (Duchi, Hazan & Singer, 2011): one learning rate per coordinate.

.. note:: torch.optim and Deep Learning from Scratch add ε after the root, Keras, optax,
   Dive into Deep Learning and Hands-On ML inside it; torch alone decays η with
   `lr_decay`.  Keras and optax start the accumulator at 0.1.
"""

from __future__ import annotations

import sys
from typing import Any, NamedTuple

from foundation.params import Param
from optim_core.definition import Card, Convention, first_order
from optim_core.ops import named, sqrt
from optim_core.optimizers import _shared

EPS_OUTSIDE, EPS_OUTSIDE_NO_DECAY, EPS_INSIDE = range(3)


class State(NamedTuple):
    sum_sq: Any  # s_t: sum of squared gradients; shape of θ
    step: Any  # t, the number of updates so far


class Hyper(NamedTuple):
    lr_decay: Any  # δ (torch form only)
    initial_accumulator_value: Any  # s_0
    eps: Any  # ε


class Shown(NamedTuple):
    step_size: Any  # η_t / (√s_t + ε), per coordinate


BOOKKEEPING = ("step",)
SYMBOLS = {
    "sum_sq": ("s_{t-1}", "s_t"),
    "step": (r"\left(t - 1\right)", "t"),
    "lr_decay": (r"\delta",),
    "initial_accumulator_value": ("s_0",),
    "eps": (r"\epsilon",),
    "step_size": (_shared.STEP_SIZE_SYMBOL,),
}
HELP = {
    "sum_sq": "Sum of all squared gradients so far (never shrinks).",
    "step_size": _shared.STEP_SIZE_HELP,
}


def init(theta, h):
    return State(theta * 0.0 + h.initial_accumulator_value, theta * 0.0)


def update(g, s, theta, lr, h, form):
    """One AdaGrad step under `form`."""
    step = named("step", s.step + 1, shown=False)
    sum_sq = named("sum_sq", s.sum_sq + g * g)
    if form == EPS_OUTSIDE:  # torch's learning-rate decay
        lr = lr / (1 + (step - 1) * h.lr_decay)
    if form == EPS_INSIDE:
        # Dive into Deep Learning's order, η/√(s+ε)·g: where the step cancels θ almost
        # exactly, another order differs from the book by more than rounding.
        step_size = lr / sqrt(sum_sq + h.eps)
        return theta - step_size * g, State(sum_sq, step), Shown(step_size)
    denominator = sqrt(sum_sq) + h.eps
    return theta - lr * g / denominator, State(sum_sq, step), Shown(lr / denominator)


SPEC = first_order(
    sys.modules[__name__],
    name="adagrad",
    title="AdaGrad",
    params=(
        _shared.learning_rate(1e-2),
        Param(
            "lr_decay",
            0.0,
            "torch's learning-rate decay: η/(1 + (t−1)·decay).",
            symbol=r"\delta",
            low=0.0,
            ui_low=0.0,
            ui_high=1.0,
        ),
        _shared.WEIGHT_DECAY,
        Param(
            "initial_accumulator_value",
            0.0,
            "Starting value of the sum of squared gradients (Keras and optax use 0.1).",
            symbol=r"s_0",
            low=0.0,
            ui_low=0.0,
            ui_high=1.0,
        ),
        _shared.epsilon(1e-10),
    ),
    conventions=(
        Convention(
            "torch",
            "torch.optim",
            EPS_OUTSIDE,
            ("torch",),
            "torch.optim.Adagrad",
        ),
        Convention(
            "dlfs",
            "Deep Learning from Scratch",
            EPS_OUTSIDE_NO_DECAY,
            ("dlfs",),
            "Deep Learning from Scratch ch. 6 `AdaGrad` (h += g², ε = 1e-7)",
            defaults={"eps": 1e-7},
            note="The torch formula with ε = 1e-7 (and no learning-rate decay).",
        ),
        Convention(
            "eps_inside",
            "ε inside the root",
            EPS_INSIDE,
            ("keras", "optax", "d2l", "homl"),
            "keras.optimizers.Adagrad; optax.adagrad; Dive into Deep Learning §12.7; "
            "Hands-On ML eq. 11-6",
            defaults={"eps": 1e-6},
            decoupled_weight_decay=True,
        ),
    ),
    card=Card(
        idea="Give every coordinate its own learning rate: divide by the root of the sum "
        "of all its past squared gradients.",
        fixes="Steep coordinates get small steps and flat ones large steps, so the "
        "anisotropic bowl is no longer a zig-zag.",
        fails="The sum only grows, so the steps shrink towards zero and it can stop "
        "before reaching the minimum.",
    ),
)
