"""Data that works offline: scikit-learn's digits (8x8 images shipped inside its wheel),
and an optional MNIST loader from a local file.

>>> data = digits()
>>> data.x_train.shape, data.x_test.shape, data.classes
((1297, 64), (500, 64), 10)
>>> float(data.x_train.max())
1.0
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from foundation.params import ParameterError

DIGITS_TEST_SIZE = 500
SPLIT_SEED = 0  # the train/test split never changes: seeds vary the runs, not the data


@dataclass(frozen=True)
class Dataset:
    """Inputs scaled to [0, 1], integer labels; `name` says where they came from."""

    name: str
    x_train: np.ndarray
    t_train: np.ndarray
    x_test: np.ndarray
    t_test: np.ndarray

    @property
    def classes(self) -> int:
        return int(max(self.t_train.max(), self.t_test.max())) + 1

    @property
    def features(self) -> int:
        return self.x_train.shape[1]

    def head(self, train_size: int | None) -> Dataset:
        """The same data with only the first `train_size` training samples (the book's
        overfitting and search experiments cut the training set)."""
        if train_size is None:
            return self
        return Dataset(self.name, self.x_train[:train_size], self.t_train[:train_size],
                       self.x_test, self.t_test)  # fmt: skip

    def split_validation(self, fraction: float) -> tuple[Dataset, np.ndarray, np.ndarray]:
        """Carve the last `fraction` of the training data off as a validation split (the
        book's `shuffle_dataset` comes first; our training order is already shuffled)."""
        n_val = max(1, round(len(self.x_train) * fraction))
        rest = len(self.x_train) - n_val
        kept = Dataset(self.name, self.x_train[:rest], self.t_train[:rest],
                       self.x_test, self.t_test)  # fmt: skip
        return kept, self.x_train[rest:], self.t_train[rest:]


@cache
def digits() -> Dataset:
    """scikit-learn's 1,797 digits, 64 pixels in [0, 1]; a fixed shuffled split of 500 test
    images and 1,297 training images."""
    from sklearn.datasets import load_digits  # imported on first use: about 2 s

    bunch = load_digits()
    order = np.random.default_rng(SPLIT_SEED).permutation(len(bunch.target))
    x = (bunch.data / 16.0)[order]
    t = bunch.target.astype(np.int64)[order]
    n = len(t) - DIGITS_TEST_SIZE
    return _frozen(Dataset("digits", x[:n], t[:n], x[n:], t[n:]))


def mnist(path: str | Path) -> Dataset:
    """MNIST from a local `mnist.npz` (Keras's file: x_train, y_train, x_test, y_test);
    nothing is downloaded, a missing or malformed file raises `ParameterError`."""
    file = Path(path)
    if not file.is_file():
        raise ParameterError("mnist path", str(path), "an existing mnist.npz file (Keras's)")
    try:
        with np.load(file) as archive:
            arrays = [archive[k] for k in ("x_train", "y_train", "x_test", "y_test")]
    except (KeyError, ValueError, OSError):
        raise ParameterError(
            "mnist path", str(path), "an .npz with x_train, y_train, x_test, y_test"
        ) from None
    x_train, t_train, x_test, t_test = arrays
    flat = [a.reshape(len(a), -1).astype(np.float64) / 255.0 for a in (x_train, x_test)]
    return _frozen(
        Dataset("mnist", flat[0], t_train.astype(np.int64), flat[1], t_test.astype(np.int64))
    )


def _frozen(data: Dataset) -> Dataset:
    for array in (data.x_train, data.t_train, data.x_test, data.t_test):
        array.flags.writeable = False
    return data
