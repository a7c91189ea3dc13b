"""The layers of Deep Learning from Scratch (ch. 5-6), in NumPy, with a leading run axis.

Every array carries K independent networks along axis 0: weights (K, in, out), activations
(K, N, features).  K = 1 is one network; K > 1 trains several at once in one pass (an
optimizer comparison, a grid of init scales), and row k equals the same network run alone.
Each layer keeps what its backward pass needs from the last forward pass, as the book's
classes do.
"""

from __future__ import annotations

import numpy as np

BATCH_NORM_MOMENTUM = 0.9  # the book's running-average momentum for test-time statistics
BATCH_NORM_EPS = 1e-7  # the book's ε: 10e-7 in `BatchNormalization`


class Affine:
    """y = xW + b, per run: x (K, N, in), W (K, in, out), b (K, out)."""

    def __init__(self, weight: str, bias: str) -> None:
        self.weight, self.bias = weight, bias

    def forward(self, params, x, train):
        weight = params[self.weight]
        # Inputs shared by the runs arrive as (1, N, in); an explicit broadcast keeps the
        # stacked matmul on BLAS (4x faster than letting matmul broadcast, measured).
        self.x = np.broadcast_to(x, (weight.shape[0], *x.shape[1:]))
        return np.matmul(self.x, weight) + params[self.bias][:, None, :]

    def backward(self, params, grads, dout):
        # Contiguous transposes: NumPy's stacked matmul calls BLAS only on contiguous
        # operands (measured 5x faster for (4, 100, 100) stacks).
        grads[self.weight] = np.matmul(_transposed(self.x), dout)
        grads[self.bias] = dout.sum(axis=1)
        return np.matmul(dout, _transposed(params[self.weight]))


def _transposed(stack: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(stack.transpose(0, 2, 1))


class Relu:
    def forward(self, params, x, train):
        self.mask = x > 0
        return np.maximum(x, 0.0)

    def backward(self, params, grads, dout):
        return dout * self.mask


class Sigmoid:
    def forward(self, params, x, train):
        self.out = 1.0 / (1.0 + np.exp(-x))
        return self.out

    def backward(self, params, grads, dout):
        return dout * (1.0 - self.out) * self.out


class Tanh:
    def forward(self, params, x, train):
        self.out = np.tanh(x)
        return self.out

    def backward(self, params, grads, dout):
        return dout * (1.0 - self.out * self.out)


ACTIVATIONS = {"relu": Relu, "sigmoid": Sigmoid, "tanh": Tanh}


class BatchNorm:
    """Ioffe & Szegedy (2015) as the book's `BatchNormalization`: normalise each feature
    over the mini-batch, then scale by γ and shift by β; at test time use running averages.
    """

    def __init__(self, gamma: str, beta: str, features: int, runs: int) -> None:
        self.gamma, self.beta = gamma, beta
        self.running_mean = np.zeros((runs, 1, features))
        self.running_var = np.zeros((runs, 1, features))

    def forward(self, params, x, train):
        gamma, beta = params[self.gamma][:, None, :], params[self.beta][:, None, :]
        if not train:
            xn = (x - self.running_mean) / np.sqrt(self.running_var + BATCH_NORM_EPS)
            return gamma * xn + beta
        mu = x.mean(axis=1, keepdims=True)
        self.xc = x - mu
        var = np.mean(self.xc**2, axis=1, keepdims=True)
        self.std = np.sqrt(var + BATCH_NORM_EPS)
        self.xn = self.xc / self.std
        m = BATCH_NORM_MOMENTUM
        self.running_mean = m * self.running_mean + (1 - m) * mu
        self.running_var = m * self.running_var + (1 - m) * var
        return gamma * self.xn + beta

    def backward(self, params, grads, dout):
        n = dout.shape[1]
        grads[self.beta] = dout.sum(axis=1)
        grads[self.gamma] = np.sum(self.xn * dout, axis=1)
        dxn = params[self.gamma][:, None, :] * dout
        dxc = dxn / self.std
        dstd = -np.sum((dxn * self.xc) / (self.std * self.std), axis=1, keepdims=True)
        dvar = 0.5 * dstd / self.std
        dxc += (2.0 / n) * self.xc * dvar
        dmu = np.sum(dxc, axis=1, keepdims=True)
        return dxc - dmu / n


class Dropout:
    """Srivastava et al. (2014) as the book's `Dropout`: drop each unit with probability
    `ratio` while training; at test time keep all and scale by (1 − ratio).  Each run draws
    its masks from its own generator, so a run in a batch equals the same run alone."""

    def __init__(self, ratio: float, rngs: list[np.random.Generator]) -> None:
        self.ratio, self.rngs = ratio, rngs

    def forward(self, params, x, train):
        if not train:
            return x * (1.0 - self.ratio)
        self.mask = np.stack([rng.random(x.shape[1:]) > self.ratio for rng in self.rngs])
        return x * self.mask

    def backward(self, params, grads, dout):
        return dout * self.mask


class SoftmaxWithLoss:
    """Softmax and the mean cross-entropy, per run: scores (K, N, classes), labels (N,)
    shared by the runs; loss (K,)."""

    def forward(self, scores, labels):
        shifted = scores - scores.max(axis=-1, keepdims=True)
        exp = np.exp(shifted)
        total = exp.sum(axis=-1, keepdims=True)
        self.y = exp / total
        self.labels = labels
        n = scores.shape[1]
        # log-softmax, not the book's log(y + 1e-7): the same value wherever y ≫ 1e-7, and
        # (y − t)/N below is then its exact gradient (the gradient check needs that).
        log_y = shifted[:, np.arange(n), labels] - np.log(total[..., 0])
        return -np.mean(log_y, axis=1)

    def backward(self):
        n = self.y.shape[1]
        dx = self.y.copy()
        dx[:, np.arange(n), self.labels] -= 1.0
        return dx / n
