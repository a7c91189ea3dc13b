"""Every experiment's result as a table of curves: what the page draws, what the CSV and
JSON exports hold, and what the image exports draw, from one definition.

A `Curve` belongs to a panel (one small plot), a run (its colour and legend label) and a
series (how it is drawn: the raw loss faint, the smoothed loss solid, train accuracy
dashed, ...).  Panel and series names are keys the figure layers translate.

>>> from netlab.training import Result
>>> import numpy as np
>>> r = Result("SGD", "sgd", "torch", {}, "he", 0, np.ones(3), np.array([0, 3]),
...            np.array([.1, .5]), np.array([.1, .4]))
>>> [(c.panel, c.series) for c in training_curves([r])]
[('loss', 'loss'), ('loss', 'smoothed_loss'), ('accuracy', 'train_accuracy'), ('accuracy', 'test_accuracy')]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from netlab.training import Result


@dataclass(frozen=True)
class Curve:
    panel: str
    label: str
    series: str
    x: np.ndarray
    y: np.ndarray
    run: int = 0  # the run's index: its colour


def training_curves(results: Sequence[Result], *, loss: bool = True) -> list[Curve]:
    """The book's two plots: the mini-batch loss (raw and smoothed) and the accuracies."""
    out = []
    for k, r in enumerate(results):
        if loss:
            steps = np.arange(len(r.loss))
            out.append(Curve("loss", r.label, "loss", steps, r.loss, k))
            out.append(Curve("loss", r.label, "smoothed_loss", steps, r.smoothed_loss, k))
        out += accuracy_curves(r, "accuracy", k)
    return out


def accuracy_curves(r: Result, panel: str, run: int) -> list[Curve]:
    out = [Curve(panel, r.label, "train_accuracy", r.eval_steps, r.train_accuracy, run),
           Curve(panel, r.label, "test_accuracy", r.eval_steps, r.test_accuracy, run)]  # fmt: skip
    if r.validation_accuracy is not None:
        out.append(Curve(panel, r.label, "validation_accuracy", r.eval_steps,
                         r.validation_accuracy, run))  # fmt: skip
    return out


def batch_norm_curves(grid) -> list[Curve]:
    """One panel per init std: training accuracy with (run 0) and without (run 1) BN."""
    out = []
    for scale, with_bn, without in zip(grid.scales, grid.with_bn, grid.without_bn, strict=True):
        panel = f"{scale:.3g}"
        out.append(Curve(panel, "batch_norm", "train_accuracy", with_bn.eval_steps,
                         with_bn.train_accuracy, 0))  # fmt: skip
        out.append(Curve(panel, "no_batch_norm", "train_accuracy", without.eval_steps,
                         without.train_accuracy, 1))  # fmt: skip
    return out


def overfitting_curves(results: Sequence[Result]) -> list[Curve]:
    """One panel per regularisation: train, test (and validation) accuracy."""
    return [c for k, r in enumerate(results) for c in accuracy_curves(r, r.label, k)]


def search_curves(rounds) -> list[Curve]:
    """One panel per round: every trial's validation accuracy, best first."""
    return [
        Curve(f"{i + 1}", r.label, "validation_accuracy", r.eval_steps, r.validation_accuracy, k)
        for i, one in enumerate(rounds)
        for k, r in enumerate(one.results)
    ]


def histogram_curves(histograms, init) -> list[Curve]:
    """One panel per activation and layer: the count of each bin for `init`."""
    out = []
    for activation in histograms.activations:
        edges = histograms.edges[activation]
        centers = (edges[:-1] + edges[1:]) / 2
        for layer, counts in enumerate(histograms.counts[init][activation], 1):
            out.append(Curve(f"{activation}/{layer}", str(init), "histogram", centers,
                             counts.astype(float), 0))  # fmt: skip
    return out


def landscape_curves(landscape) -> list[Curve]:
    """Each optimizer's path in plane coordinates (a, b), and the loss along it."""
    out = []
    for k, (label, path) in enumerate(landscape.paths.items()):
        out.append(Curve("plane", label, "path", path[:, 0], path[:, 1], k))
        steps = landscape.results[k].path_steps
        out.append(Curve("path_loss", label, "loss", steps, landscape.path_loss[label], k))
    return out
