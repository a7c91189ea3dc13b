"""Training-lab speed, each figure against a reference measured in the same run.

    python benchmarks/lab_benchmark.py

The reference is a plain NumPy loop: forward and backward passes of the lab's default
network (64-100-100-100-100-10, ReLU, mini-batches of 100, float32, one BLAS thread) with
an SGD step, written inline with no layer classes.  `REFERENCE_STEPS` of it are one
"reference unit".

1. Each experiment's default (the page's Train button) in seconds and in reference units;
   goal: every default within 10 s on a 2-core machine.
2. The optimizer comparison (4 optimizers x 300 steps): one batched pass (the networks
   stacked along a leading axis) against the same runs one after another.

Times are the best of a few repeats (the machines are shared and noisy); only the ratios
are meaningful.
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import netlab  # noqa: E402
from netlab import experiments  # noqa: E402
from netlab.training import NetSpec, single_threaded_blas, train_runs  # noqa: E402

REFERENCE_STEPS = 1000
import timing  # noqa: E402  (benchmarks/timing.py, next to this script)

REPEATS = 3
GOAL_SECONDS = 10.0


def best_of(fn, repeats: int = REPEATS) -> float:
    return timing.best_of(fn, repeats, warm=False)


def plain_numpy_loop(steps: int = REFERENCE_STEPS) -> None:
    """The same network's forward/backward pass and SGD step, inline."""
    data = netlab.digits()
    rng = np.random.default_rng(0)
    sizes = (64, 100, 100, 100, 100, 10)
    weights = [(rng.standard_normal((a, b)) * np.sqrt(2 / a)).astype(np.float32)
               for a, b in itertools.pairwise(sizes)]  # fmt: skip
    biases = [np.zeros(b, np.float32) for b in sizes[1:]]
    x_all, t_all = data.x_train.astype(np.float32), data.t_train
    with single_threaded_blas():
        for _ in range(steps):
            batch = rng.choice(len(x_all), 100)
            x, labels = x_all[batch], t_all[batch]
            outs = [x]
            for w, b in zip(weights[:-1], biases[:-1], strict=True):
                outs.append(np.maximum(outs[-1] @ w + b, 0))
            scores = outs[-1] @ weights[-1] + biases[-1]
            y = np.exp(scores - scores.max(1, keepdims=True))
            y /= y.sum(1, keepdims=True)
            y[np.arange(100), labels] -= 1
            grad = y / 100
            for i in range(len(weights) - 1, -1, -1):
                dw, db = outs[i].T @ grad, grad.sum(0)
                if i:
                    grad = (grad @ weights[i].T) * (outs[i] > 0)
                weights[i] -= 0.01 * dw
                biases[i] -= 0.01 * db


DEFAULTS = {
    "compare": experiments.OptimizerComparison(),
    "where": experiments.WhereTheyWent(),
    "init": experiments.Initialisation(),
    "batch_norm": experiments.BatchNormComparison(),
    "overfitting": experiments.Overfitting(),
    "search": experiments.RandomSearch(),
}


def main() -> None:
    netlab.digits()  # scikit-learn's import and the file read are not what is measured
    reference = best_of(plain_numpy_loop)
    print(
        f"reference: {REFERENCE_STEPS} plain NumPy forward/backward/SGD steps = {reference:.3f} s"
    )
    print("\n1. Each experiment's default")
    for name, settings in DEFAULTS.items():
        seconds = best_of(settings.run, repeats=1 if name in ("batch_norm", "search") else 2)
        flag = "ok" if seconds <= GOAL_SECONDS else "OVER 10 s"
        print(
            f"  {name:12s} {seconds:6.2f} s = {seconds / reference:5.1f} reference units  [{flag}]"
        )
    print("\n2. Batched against sequential (4 optimizers x 300 steps, the comparison)")
    comparison = DEFAULTS["compare"]
    runs = [o.spec(comparison.init, comparison.seed) for o in comparison.optimizers]
    net = NetSpec(comparison.hidden, comparison.activation)
    batched = best_of(lambda: train_runs(net, runs, steps=300, batched=True))
    sequential = best_of(lambda: train_runs(net, runs, steps=300, batched=False))
    print(f"  batched {batched:.2f} s, one by one {sequential:.2f} s: "
          f"batched is {sequential / batched:.2f}x as fast")  # fmt: skip
    grid = DEFAULTS["batch_norm"]
    from netlab.training import RunSpec

    scale_runs = [RunSpec("sgd", {"lr": 0.01}, init=float(s)) for s in np.logspace(0, -4, 16)]
    bn_net = NetSpec(grid.hidden, "relu", True)
    kwargs = dict(steps=60, train_size=1000, eval_every=10)
    batched = best_of(lambda: train_runs(bn_net, scale_runs, batched=True, **kwargs), 2)
    sequential = best_of(lambda: train_runs(bn_net, scale_runs, batched=False, **kwargs), 2)
    print(f"  16 init scales x 60 steps with batch norm: batched {batched:.2f} s, one by one "
          f"{sequential:.2f} s: {sequential / batched:.2f}x")  # fmt: skip


if __name__ == "__main__":
    main()
