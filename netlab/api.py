"""The notebook API: `train` one network, `compare` several optimizers on the same one.

>>> results = compare(["sgd", "adam"], steps=10, hidden=(20,))
>>> [r.label for r in results], results[0].loss.shape
(['sgd', 'adam'], (10,))
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from netlab.training import NetSpec, Result, RunSpec, train_runs

DEFAULT_HIDDEN = (100,) * 4  # the book's 5-layer network


def train(
    optimizer: str = "sgd",
    steps: int = 300,
    *,
    seed: int = 0,
    init: str | float = "he",
    activation: str = "relu",
    hidden: Sequence[int] = DEFAULT_HIDDEN,
    batch_norm: bool = False,
    weight_decay: float = 0.0,
    dropout: float = 0.0,
    convention: str | None = None,
    schedule: Mapping[str, Any] | None = None,
    batch_size: int = 100,
    train_size: int | None = None,
    validation: float = 0.0,
    patience: int = 0,
    eval_every: int | None = None,
    data: Any = None,
    **hyperparameters: Any,
) -> Result:
    """Train one network on the digits (or `data`) with `optimizer` from the registry.

    `weight_decay` is the optimizer's own (L2 into the gradient, or decoupled for AdamW
    and the Keras forms), applied to the weights only as in the book; `init` is "he",
    "xavier" or a weight std; `**hyperparameters` are the optimizer's (`lr`, `momentum`,
    `betas`, ...).  Every argument is checked and a bad one raises `ParameterError`.
    """
    run = RunSpec(optimizer, {**hyperparameters, "weight_decay": weight_decay}, convention,
                  schedule, init, seed)  # fmt: skip
    net = NetSpec(tuple(hidden) if _sequence(hidden) else hidden, activation, batch_norm, dropout)
    return train_runs(net, [run], steps=steps, data=data, batch_size=batch_size,
                      batch_seed=seed, eval_every=eval_every, validation=validation,
                      patience=patience, train_size=train_size)[0]  # fmt: skip


def compare(
    optimizers: Sequence[str | RunSpec],
    steps: int = 300,
    *,
    seed: int = 0,
    init: str | float = "he",
    activation: str = "relu",
    hidden: Sequence[int] = DEFAULT_HIDDEN,
    batch_norm: bool = False,
    dropout: float = 0.0,
    batch_size: int = 100,
    eval_every: int | None = None,
    data: Any = None,
) -> list[Result]:
    """Several optimizers from the same initialisation on the same mini-batches, in one
    batched pass.  A name uses the optimizer's defaults; a `RunSpec` sets the rest."""
    runs = [
        o if isinstance(o, RunSpec) else RunSpec(o, {}, init=init, seed=seed) for o in optimizers
    ]
    runs = [RunSpec(r.optimizer, r.hyperparameters, r.convention, r.schedule, init, seed,
                    r.label) for r in runs]  # fmt: skip
    net = NetSpec(tuple(hidden) if _sequence(hidden) else hidden, activation, batch_norm, dropout)
    return train_runs(net, runs, steps=steps, data=data, batch_size=batch_size,
                      batch_seed=seed, eval_every=eval_every)  # fmt: skip


def _sequence(value: Any) -> bool:
    return isinstance(value, (list, tuple))
