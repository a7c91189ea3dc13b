"""The book's `MultiLayerNetExtend`: Affine → [BatchNorm] → activation → [Dropout] per
hidden layer, then Affine → SoftmaxWithLoss, for K networks at once (leading run axis).

>>> import numpy as np
>>> net = Network(64, (20, 20), 10, runs=2)
>>> params = init_params(net.sizes, ["he", 0.01], seeds=[0, 0], batch_norm=False)
>>> params["W1"].shape, params["b3"].shape
((2, 64, 20), (2, 10))
>>> loss, grads = net.gradient(params, np.ones((2, 5, 64)), np.zeros(5, dtype=int))
>>> loss.shape, grads["W1"].shape
((2,), (2, 64, 20))
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from foundation.params import ParameterError
from netlab import layers

INITS = ("he", "xavier")


def init_std(init: str | float, fan_in: int) -> float:
    """The weight scale: He √(2/n), Xavier √(1/n) (the book's forms), or a fixed std."""
    if init == "he":
        return float(np.sqrt(2.0 / fan_in))
    if init == "xavier":
        return float(np.sqrt(1.0 / fan_in))
    return float(init)


def validate_init(init: object) -> str | float:
    if isinstance(init, str) and init in INITS:
        return init
    if isinstance(init, (int, float)) and not isinstance(init, bool) and 0 < init <= 100:
        return float(init)
    raise ParameterError("init", init, "'he', 'xavier' or a weight std in (0, 100]")


def init_params(
    sizes: Sequence[int],
    inits: Sequence[str | float],
    seeds: Sequence[int],
    batch_norm: bool,
    dtype: type = np.float64,
) -> dict[str, np.ndarray]:
    """Initial parameters of len(inits) networks, run k drawn from default_rng(seeds[k])
    with scale `inits[k]`; biases and β start at 0, γ at 1."""
    runs = len(inits)
    params: dict[str, list[np.ndarray]] = {}
    for k in range(runs):
        rng = np.random.default_rng(seeds[k])
        for i, (fan_in, fan_out) in enumerate(itertools.pairwise(sizes), 1):
            std = init_std(inits[k], fan_in)
            params.setdefault(f"W{i}", []).append(std * rng.standard_normal((fan_in, fan_out)))
            params.setdefault(f"b{i}", []).append(np.zeros(fan_out))
            if batch_norm and i < len(sizes) - 1:
                params.setdefault(f"gamma{i}", []).append(np.ones(fan_out))
                params.setdefault(f"beta{i}", []).append(np.zeros(fan_out))
    return {name: np.stack(values).astype(dtype) for name, values in params.items()}


def decayed(name: str) -> bool:
    """Weight decay acts on the weights only, as in the book (not on biases, γ or β)."""
    return name.startswith("W")


class Network:
    """K fully connected networks of the same shape; parameters live outside, in a dict of
    stacked arrays, so an optimizer steps them as plain data."""

    def __init__(
        self,
        inputs: int,
        hidden: Sequence[int],
        outputs: int,
        *,
        runs: int = 1,
        activation: str = "relu",
        batch_norm: bool = False,
        dropout: float = 0.0,
        dropout_seeds: Sequence[int] | None = None,
    ) -> None:
        self.sizes = (inputs, *hidden, outputs)
        self.runs = runs
        self.hidden_layers: list[list] = []
        seeds = list(dropout_seeds) if dropout_seeds is not None else list(range(runs))
        for i in range(1, len(self.sizes) - 1):
            stage: list = [layers.Affine(f"W{i}", f"b{i}")]
            if batch_norm:
                stage.append(layers.BatchNorm(f"gamma{i}", f"beta{i}", self.sizes[i], runs))
            stage.append(layers.ACTIVATIONS[activation]())
            if dropout > 0:
                # Its own stream per run and layer, apart from the init's.
                rngs = [np.random.default_rng([seed, 1, i]) for seed in seeds]
                stage.append(layers.Dropout(dropout, rngs))
            self.hidden_layers.append(stage)
        last = len(self.sizes) - 1
        self.output = layers.Affine(f"W{last}", f"b{last}")
        self.loss_layer = layers.SoftmaxWithLoss()

    def forward(self, params, x, train=False, activations=None):
        """Scores (K, N, classes); `activations` collects each hidden layer's output."""
        for stage in self.hidden_layers:
            for layer in stage:
                x = layer.forward(params, x, train)
            if activations is not None:
                activations.append(x)
        return self.output.forward(params, x, train)

    def loss(self, params, x, labels, train=False):
        """The mean cross-entropy of each run, (K,)."""
        return self.loss_layer.forward(self.forward(params, x, train), labels)

    def gradient(self, params, x, labels, train=True):
        """Loss (K,) and its gradient for every parameter, by backpropagation."""
        loss = self.loss(params, x, labels, train)
        grads: dict[str, np.ndarray] = {}
        dout = self.output.backward(params, grads, self.loss_layer.backward())
        for stage in reversed(self.hidden_layers):
            for layer in reversed(stage):
                dout = layer.backward(params, grads, dout)
        return loss, grads

    def accuracy(self, params, x, labels):
        """The fraction of correct predictions of each run, (K,), in test mode."""
        scores = self.forward(params, x, train=False)
        return np.mean(scores.argmax(axis=-1) == labels, axis=-1)
