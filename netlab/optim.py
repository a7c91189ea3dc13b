"""The optimizer step of the lab: the registry's own definitions over weight arrays.

Every first-order optimizer in `optim_core.optimizers` defines `init` and `update` over
arrays of any shape, so the lab steps a (100, 100) weight matrix with the same function
the 2-D engine compiles.  Conventions (`spec(name).conventions`: the update form, the
defaults it overrides and whether weight decay is decoupled), schedules and warm-up come
from `optim_core` as they are; nothing is restated here.

>>> import numpy as np
>>> step = Stepper("sgd", steps=1, lr=0.1)
>>> params = {"W": np.array([1.0, -2.0])}
>>> state = step.init(params)
>>> step.step(0, params, {"W": np.array([1.0, 1.0])}, state)["W"].tolist()
[0.9, -2.1]
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

import optim_core
from foundation.params import ParameterError
from optim_core import schedules
from optim_core.engine import validate_hyperparameters

SECOND_ORDER_MESSAGE = (
    "a first-order optimizer: {name} is 2-D only, it needs the Hessian (Newton) or a line "
    "search over the exact loss (L-BFGS), which a mini-batch network does not give"
)


def first_order_names() -> list[str]:
    """The registry's optimizers that step a network (every one but Newton and L-BFGS)."""
    return [n for n in optim_core.names() if optim_core.spec(n).family == "first_order"]


class Stepper:
    """One optimizer under one convention, hyperparameters and schedule, for `steps`
    updates.  `init(params)` makes the state, `gradient_points` says where the next
    gradient is taken (Nesterov's look-ahead form), `step` applies one update in place."""

    def __init__(
        self,
        optimizer: str,
        *,
        steps: int,
        convention: str | None = None,
        schedule: Mapping[str, Any] | None = None,
        decays: Callable[[str], bool] = lambda name: True,
        **hyperparameters: Any,
    ) -> None:
        spec = optim_core.spec(optimizer)
        if spec.family != "first_order":
            raise ParameterError(
                "optimizer", optimizer, SECOND_ORDER_MESSAGE.format(name=spec.title)
            )
        self.spec, self.convention = spec, spec.convention(convention)
        self.hyper = validate_hyperparameters(spec, self.convention.name, dict(hyperparameters))
        for name, value in self.hyper.items():
            if np.ndim(value) != 0:
                raise ParameterError(name, value, "one number per run", spec.name)
        config = schedules.normalize(schedule) if schedule is not None else None
        if schedules.plateau_options(config):
            raise ParameterError(
                "schedule",
                "plateau",
                "a schedule of the step (reduce-on-plateau is not in the lab)",
            )
        self.schedule = config
        rate = float(self.hyper.get("lr", 1.0))
        self.rates = np.asarray(
            schedules.make(config, rate, max(steps, 1))(np.arange(steps)), float
        )
        self.rule, self.form = spec.rule, self.convention.form
        self.h = self.rule.Hyper(**{f: float(self.hyper[f]) for f in self.rule.Hyper._fields})
        self.weight_decay = float(self.hyper.get("weight_decay", 0.0))
        self.decays = decays

    def init(self, params: Mapping[str, np.ndarray]) -> dict[str, Any]:
        return {name: self.rule.init(value, self.h) for name, value in params.items()}

    def gradient_points(self, params: Mapping[str, np.ndarray], state: Mapping[str, Any]):
        """Where the gradient is taken: θ, or the rule's `gradient_point` (look-ahead)."""
        if self.form not in getattr(self.rule, "PROBED_FORMS", ()):
            return params
        return {
            name: self.rule.gradient_point(value, state[name], self.h, self.form)
            for name, value in params.items()
        }

    def step(
        self,
        t: int,
        params: Mapping[str, np.ndarray],
        grads: Mapping[str, np.ndarray],
        state: dict[str, Any],
        points: Mapping[str, np.ndarray] | None = None,
    ) -> dict[str, np.ndarray]:
        """Update `t` (0-based): the new parameters; `state` is replaced entry by entry.

        As in the engine: L2 weight decay adds λθ at the gradient's point to the gradient;
        a decoupled form shrinks θ ← θ − θ·ηλ first (AdamW, the Keras forms)."""
        rate = self.rates[t]
        points = params if points is None else points
        decoupled = self.convention.decoupled_weight_decay
        new = {}
        for name, theta in params.items():
            g, decay = grads[name], self.weight_decay if self.decays(name) else 0.0
            if decay and not decoupled:
                g = g + decay * points[name]
            shrunk = theta - theta * (rate * decay) if decay and decoupled else theta
            new[name], state[name], _ = self.rule.update(g, state[name], shrunk, rate, self.h,
                                                         self.form)  # fmt: skip
        return new
