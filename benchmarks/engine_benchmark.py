"""Engine speed goals, each measured against a reference in the same run.

    python benchmarks/engine_benchmark.py

1. One trajectory, 1000 Adam steps on Rosenbrock, against the seed-style loop: a Deep
   Learning from Scratch dict-based `Adam` class stepped from Python.  Goal: >= 30x.
2. A batch of 10,000 starts x 300 Adam steps keeping every path (and loss), against a
   plain vectorized NumPy loop that keeps nothing.  Goal: ratio >= 1.5.
3. What the engine adds to a page's first load: importing it and the first run, with the
   on-disk compile cache warm (the normal case; goal <= 1 s) and cold (first ever use on a
   machine).

Times are the best of several repeats (the machines are shared and noisy); only the
ratios are meaningful.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import timing  # noqa: E402  (benchmarks/timing.py, next to this script)

import optim_core  # noqa: E402
import surfaces  # noqa: E402

REPEATS = 7


def best_of(fn, repeats: int = REPEATS) -> float:
    return timing.best_of(fn, repeats, warm=True)


class SeedAdam:
    """Deep Learning from Scratch, common/optimizer.py `Adam`, verbatim in spirit."""

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999):
        self.lr, self.beta1, self.beta2 = lr, beta1, beta2
        self.iter, self.m, self.v = 0, None, None

    def update(self, params, grads):
        if self.m is None:
            self.m = {k: np.zeros_like(v) for k, v in params.items()}
            self.v = {k: np.zeros_like(v) for k, v in params.items()}
        self.iter += 1
        lr_t = self.lr * np.sqrt(1.0 - self.beta2**self.iter) / (1.0 - self.beta1**self.iter)
        for key in params:
            self.m[key] += (1 - self.beta1) * (grads[key] - self.m[key])
            self.v[key] += (1 - self.beta2) * (grads[key] ** 2 - self.v[key])
            params[key] -= lr_t * self.m[key] / (np.sqrt(self.v[key]) + 1e-7)


def seed_loop(steps: int = 1000, lr: float = 0.01) -> list:
    def df(x, y):
        return -2.0 * (1.0 - x) - 400.0 * x * (y - x**2), 200.0 * (y - x**2)

    params = {"x": np.array(-1.5), "y": np.array(2.0)}
    optimizer = SeedAdam(lr=lr)
    history = []
    for _ in range(steps):
        history.append((float(params["x"]), float(params["y"])))
        gx, gy = df(params["x"], params["y"])
        optimizer.update(params, {"x": gx, "y": gy})
    return history


def numpy_batch_loop(starts: np.ndarray, steps: int, lr: float) -> np.ndarray:
    """Adam over a (B, 2) batch, vectorized, keeping only the final point."""
    surface = surfaces.get("rosenbrock")
    x, m, v = starts.copy(), np.zeros_like(starts), np.zeros_like(starts)
    for t in range(1, steps + 1):
        g = surface.grad(x)
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        x = x - lr * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
    return x


FIRST_LOAD = (
    "import time; t=time.perf_counter(); import optim_core, surfaces; "
    "optim_core.run('adam', 'rosenbrock', steps=300, lr=0.01); "
    "print(time.perf_counter()-t)"
)


def first_load_seconds(cache_dir: str | None) -> float:
    env = None
    if cache_dir is not None:
        import os

        env = {**os.environ, "NUMBA_CACHE_DIR": cache_dir}
    out = subprocess.run(
        [sys.executable, "-c", FIRST_LOAD], cwd=ROOT, env=env, capture_output=True, text=True,
        check=True,
    )  # fmt: skip
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    engine = best_of(
        lambda: optim_core.run("adam", "rosenbrock", start=(-1.5, 2.0), steps=1000, lr=0.01)
    )
    seed = best_of(seed_loop, repeats=3)
    print(f"single trajectory, 1000 Adam steps: engine {engine * 1e3:.2f} ms, "
          f"seed loop {seed * 1e3:.2f} ms, speed-up {seed / engine:.1f}x (goal >= 30x)")  # fmt: skip

    starts = np.random.default_rng(0).uniform(-2, 2, (10_000, 2))
    batch = best_of(lambda: optim_core.run("adam", "rosenbrock", start=starts, steps=300,
                                           lr=1e-3, record_state=False))  # fmt: skip
    plain = best_of(lambda: numpy_batch_loop(starts, 300, 1e-3))
    print(f"batch 10,000 x 300 Adam steps: engine (every path kept) {batch * 1e3:.1f} ms, "
          f"NumPy loop (keeps none) {plain * 1e3:.1f} ms, ratio {plain / batch:.2f} (goal >= 1.5)")  # fmt: skip

    warm = min(first_load_seconds(None) for _ in range(3))
    with tempfile.TemporaryDirectory() as cold_cache:
        cold = first_load_seconds(cold_cache)
    print(f"first page load, engine import + first run: {warm:.2f} s with the compile cache "
          f"warm (goal <= 1 s), {cold:.2f} s on a machine's very first use")  # fmt: skip


if __name__ == "__main__":
    main()
