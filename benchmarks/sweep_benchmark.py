"""Sweep speed goals, each measured against a plain NumPy loop in the same run.

    python benchmarks/sweep_benchmark.py

1. A 64 x 64 hyperparameter map (learning rate x momentum) of 300 momentum steps on the
   bowl, scored by final loss: `optim_core.sweep`.  Goal: <= 0.3 s and >= 1.5x faster
   than the vectorized NumPy loop doing the same work (the same 4,096 runs, the loss and a
   divergence check at every step, keeping the final point).
2. A 200 x 200 basin map of 500 SGD steps on Himmelblau: `optim_core.basins` (the runs
   and the labelling).  Goal: <= 1 s and >= 1.5x faster than the NumPy loop that only
   runs the 40,000 starts (no labelling).
3. The Sweeps page's first map: a new session opening the page (AppTest, server warm,
   the map not cached), next to Explore's first run measured the same way.  Goal: <= 2 s.

Times are the best of several repeats (the machine is shared and noisy); the ratios are
what the goals are about.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import timing  # noqa: E402  (benchmarks/timing.py, next to this script)

import optim_core  # noqa: E402
import surfaces  # noqa: E402

REPEATS = 5
MAP_CELLS, MAP_STEPS = 64, 300
BASIN_RESOLUTION, BASIN_STEPS = 200, 500


def best_of(fn, repeats: int = REPEATS) -> float:
    return timing.best_of(fn, repeats, warm=True)


def map_grid() -> dict[str, np.ndarray]:
    return {"lr": np.geomspace(1e-3, 3.0, MAP_CELLS), "momentum": np.linspace(0.0, 0.99, MAP_CELLS)}


def numpy_map(grid: dict[str, np.ndarray], start=(-7.0, 2.0)) -> np.ndarray:
    """Momentum (torch form) over every cell, vectorized over the cells."""
    surface = surfaces.get("bowl")
    lr, mu = (m.ravel()[:, None] for m in np.meshgrid(grid["lr"], grid["momentum"], indexing="ij"))
    theta = np.broadcast_to(np.asarray(start, float), (lr.shape[0], 2)).copy()
    velocity = np.zeros_like(theta)
    alive = np.ones(lr.shape[0], bool)
    radius = surface.escape_radius
    with np.errstate(all="ignore"):
        for _ in range(MAP_STEPS):
            velocity = mu * velocity + surface.grad(theta)
            new = theta - lr * velocity
            loss = surface.value(new)
            alive &= np.isfinite(loss) & np.all(np.abs(new) <= radius, -1)
            theta = np.where(alive[:, None], new, theta)
    return np.where(alive, surface.value(theta), np.nan)


def numpy_basins(lr: float = 0.01) -> np.ndarray:
    surface = surfaces.get("himmelblau")
    (x0, x1), (y0, y1) = surface.domain
    gx, gy = np.meshgrid(
        np.linspace(x0, x1, BASIN_RESOLUTION), np.linspace(y0, y1, BASIN_RESOLUTION)
    )
    theta = np.stack([gx.ravel(), gy.ravel()], -1)
    alive = np.ones(len(theta), bool)
    radius = surface.escape_radius
    with np.errstate(all="ignore"):
        for _ in range(BASIN_STEPS):
            new = theta - lr * surface.grad(theta)
            loss = surface.value(new)
            alive &= np.isfinite(loss) & np.all(np.abs(new) <= radius, -1)
            theta = np.where(alive[:, None], new, theta)
    return theta


def first_view_seconds(page: str, query: dict[str, str]) -> float:
    """A new session's first run of `page` (the whole script: controls, runs, figures)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.switch_page(page)
    at.query_params = query
    start = time.perf_counter()
    at.run()
    elapsed = time.perf_counter() - start
    assert not at.exception, [e.value for e in at.exception]
    return elapsed


def main() -> None:
    grid = map_grid()
    engine_map = best_of(lambda: optim_core.sweep("momentum", "bowl", grid, start=(-7.0, 2.0),
                                                  steps=MAP_STEPS))  # fmt: skip
    reference_map = best_of(lambda: numpy_map(grid), repeats=3)
    values = optim_core.sweep("momentum", "bowl", grid, start=(-7.0, 2.0), steps=MAP_STEPS).values
    assert np.allclose(values.ravel(), numpy_map(grid), rtol=1e-6, atol=1e-300, equal_nan=True)
    print(f"{MAP_CELLS}x{MAP_CELLS} map, {MAP_STEPS} momentum steps: sweep {engine_map:.3f} s "
          f"(goal <= 0.3 s), NumPy loop {reference_map:.3f} s, "
          f"speed-up {reference_map / engine_map:.1f}x (goal >= 1.5x)")  # fmt: skip

    engine_basins = best_of(lambda: optim_core.basins("sgd", "himmelblau", BASIN_RESOLUTION,
                                                      BASIN_STEPS, lr=0.01), repeats=3)  # fmt: skip
    reference_basins = best_of(numpy_basins, repeats=2)
    print(f"{BASIN_RESOLUTION}x{BASIN_RESOLUTION} basin map, {BASIN_STEPS} SGD steps: basins "
          f"{engine_basins:.3f} s (goal <= 1 s), NumPy loop {reference_basins:.3f} s, "
          f"speed-up {reference_basins / engine_basins:.1f}x (goal >= 1.5x)")  # fmt: skip

    first_view_seconds("pages/4_Sweeps.py", {})  # warm: imports, compiled loops, fonts
    first_view_seconds("pages/1_Explore.py", {})
    # New settings each time, so neither the map nor the run comes from a cache.
    sweeps = min(first_view_seconds("pages/4_Sweeps.py", {"steps": str(100 + k)}) for k in range(3))
    explore = min(
        first_view_seconds("pages/1_Explore.py", {"steps": str(60 + k)}) for k in range(3)
    )
    print(f"Sweeps page, first map (40x40 x 100 steps, new session): {sweeps:.2f} s (goal <= 2 s); "
          f"Explore's first run the same way: {explore:.2f} s (ratio {sweeps / explore:.1f})")  # fmt: skip


if __name__ == "__main__":
    main()
