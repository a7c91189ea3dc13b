"""Families of runs in one engine call: hyperparameter maps, basins of attraction, noise
ensembles.

Each is one batched `optim_core.run` (rows = grid cells, starts or seeds) that keeps only
what it needs: a map by final loss or a basin map keeps the last point of each run
(`record_path=False`), a map by steps to a tolerance keeps the losses.  A diverged run is
reported as diverged (`diverged_at`, NaN in `values`), never as a large loss.

>>> import numpy as np, optim_core
>>> result = optim_core.sweep("sgd", "bowl", grid={"lr": [0.1, 0.5, 1.5]}, start=(-7, 2),
...                           steps=50)
>>> result.diverged_at.tolist()
[-1, -1, 10]
>>> bool(np.isnan(result.values[2]))
True
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from foundation.params import Param, ParameterError
from optim_core.engine import MAX_BATCH, run
from optim_core.registry import spec

CRITERIA = ("final_loss", "steps_to_tol")
CRITERION = Param(
    "criterion", "final_loss",
    "What a cell shows: the final loss above the lowest known minimum, or the first step "
    "within the tolerance of it.", kind="choice", choices=CRITERIA,
)  # fmt: skip
TOLERANCE = Param(
    "tolerance", 1e-6, "Loss gap that counts as converged.", low=0.0, low_open=True, log=True,
    ui_low=1e-12, ui_high=1.0,
)  # fmt: skip
MAX_GRID_AXES = 2
MAX_RESOLUTION = 400  # basin maps: 160,000 runs
# Progress is reported after each of this many chunks (one engine call each).
PROGRESS_CHUNKS = 8
Progress = Callable[[int, int], None]

STALLED = -2  # basin label: finite, but not at any minimum (a saddle, a plateau, still moving)
DIVERGED = -1


def target_value(surface) -> float:
    """The loss a run aims for: the lowest known minimum of `surface`, else 0."""
    return min((m.value for m in surface.minima), default=0.0)


@dataclass(frozen=True)
class Evaluation:
    """Per row of a batch of settings: the criterion's value (NaN where diverged or never
    reached), the step it diverged at (-1 where not) and the final loss gap (NaN where
    diverged)."""

    values: np.ndarray
    diverged_at: np.ndarray
    final_loss: np.ndarray


def evaluate(
    optimizer: str,
    surface: Any,
    rows: Mapping[str, np.ndarray],
    *,
    start: Any = None,
    steps: int = 100,
    criterion: str = "final_loss",
    tolerance: float = 1e-6,
    progress: Progress | None = None,
    **fixed: Any,
) -> Evaluation:
    """Run `optimizer` once per row of `rows` (hyperparameter name -> (B,) values) with the
    other settings `fixed`, and score each run by `criterion`."""
    import surfaces

    criterion = CRITERION.validate(criterion, owner="sweep")
    tolerance = TOLERANCE.validate(tolerance, owner="sweep")
    surf = surfaces.get(surface, **dict(fixed.pop("surface_params", None) or {}))
    sizes = {len(v) for v in rows.values()}
    if len(sizes) != 1:
        raise ParameterError("grid", sorted(sizes), "axes whose cells make one batch")
    batch = sizes.pop()
    if batch > MAX_BATCH:
        raise ParameterError("grid", batch, f"at most {MAX_BATCH} cells")
    target = target_value(surf)
    keep_losses = criterion == "steps_to_tol"
    values, diverged, final = np.empty(batch), np.empty(batch, np.int64), np.empty(batch)
    chunks = PROGRESS_CHUNKS if progress is not None and batch >= PROGRESS_CHUNKS else 1
    bounds = np.linspace(0, batch, chunks + 1).astype(int)
    for k, (lo, hi) in enumerate(itertools.pairwise(bounds)):
        cells = slice(lo, hi)
        traj = run(
            optimizer, surf, start=start, steps=steps, record_state=False,
            record_path=keep_losses, **fixed, **{n: np.asarray(v[cells], float) for n, v in rows.items()},
        )  # fmt: skip
        gap = traj.losses - target  # (T+1 or 1, B)
        ok = traj.diverged_rows < 0
        final[cells] = np.where(ok, gap[-1], np.nan)
        diverged[cells] = traj.diverged_rows
        if keep_losses:
            hit = gap <= tolerance
            first = np.where(hit.any(0), hit.argmax(0), -1)
            # A diverged run is frozen at its last finite point: only hits before it count.
            values[cells] = np.where((first >= 0) & (ok | (first < traj.diverged_rows)),
                                     first, np.nan)  # fmt: skip
        else:
            values[cells] = final[cells]
        if progress is not None:
            progress(k + 1, chunks)
    return Evaluation(values, diverged, final)


@dataclass(frozen=True)
class SweepResult:
    """A hyperparameter map.  `values` and `diverged_at` have one axis per grid entry, in
    the grid's order: values[i, j] belongs to grid[names[0]][i], grid[names[1]][j]."""

    optimizer: str
    surface: Any
    grid: dict[str, np.ndarray]
    values: np.ndarray  # criterion per cell; NaN where diverged (or never within tolerance)
    diverged_at: np.ndarray  # first diverging update per cell, -1 where it stayed finite
    final_loss: np.ndarray  # f(θ_T) − f* per cell, NaN where diverged
    criterion: str
    tolerance: float
    steps: int
    start: tuple[float, float]
    fixed: dict[str, Any] = field(default_factory=dict)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.grid)

    def settings_at(self, index: Sequence[int]) -> dict[str, float]:
        """The hyperparameters of one cell (grid values at `index`, one per axis)."""
        return {n: float(self.grid[n][i]) for n, i in zip(self.names, index, strict=True)}

    def best(self) -> tuple[tuple[int, ...], float] | None:
        """The cell with the lowest value (ties: the lower final loss), or None."""
        if np.all(np.isnan(self.values)):
            return None
        order = np.lexsort((np.nan_to_num(self.final_loss, nan=np.inf).ravel(),
                            np.nan_to_num(self.values, nan=np.inf).ravel()))  # fmt: skip
        index = tuple(int(i) for i in np.unravel_index(order[0], self.values.shape))
        return index, float(self.values[index])


def _grid_axes(optimizer: str, grid: Mapping[str, Sequence[float]]) -> dict[str, np.ndarray]:
    opt = spec(optimizer)
    if not isinstance(grid, Mapping) or not 1 <= len(grid) <= MAX_GRID_AXES:
        raise ParameterError("grid", grid, "a mapping of one or two hyperparameters to values")
    axes = {}
    for name, values in grid.items():
        param = next((p for p in opt.params if p.name == name), None)
        if param is None:
            allowed = "one of " + ", ".join(p.name for p in opt.params)
            raise ParameterError("grid", name, allowed, opt.name)
        arr = np.atleast_1d(np.asarray(values, dtype=float))
        if arr.ndim != 1 or arr.size == 0:
            raise ParameterError(name, values, "a non-empty list of numbers", "grid")
        param.validate(arr, owner=opt.name)
        axes[name] = arr
    return axes


def sweep(
    optimizer: str,
    surface: Any,
    grid: Mapping[str, Sequence[float]],
    *,
    start: Any = None,
    steps: int = 100,
    criterion: str = "final_loss",
    tolerance: float = 1e-6,
    progress: Progress | None = None,
    **fixed: Any,
) -> SweepResult:
    """A map of `criterion` over one or two hyperparameters, every cell one row of a batch.

    Args:
      grid: hyperparameter name -> values, e.g. {"lr": np.geomspace(1e-3, 1, 64),
        "momentum": np.linspace(0, 0.99, 64)}; the result's axes follow its order.
      criterion: "final_loss" (f(θ_T) minus the lowest known minimum) or "steps_to_tol"
        (first step within `tolerance` of it; NaN if never).
      progress: called with (done, total) chunks while it runs.
      **fixed: every other `run` setting (convention, noise, seed, schedule, other
        hyperparameters, surface_params ...).
    """
    import surfaces

    axes = _grid_axes(optimizer, grid)
    mesh = np.meshgrid(*axes.values(), indexing="ij")
    rows = {name: m.ravel() for name, m in zip(axes, mesh, strict=True)}
    surf = surfaces.get(surface, **dict(fixed.get("surface_params") or {}))
    result = evaluate(
        optimizer, surface, rows, start=start, steps=steps, criterion=criterion,
        tolerance=tolerance, progress=progress, **fixed,
    )  # fmt: skip
    shape = mesh[0].shape
    start_point = tuple(float(v) for v in (surf.default_start if start is None else start))
    return SweepResult(
        optimizer=optimizer, surface=surf, grid=axes, values=result.values.reshape(shape),
        diverged_at=result.diverged_at.reshape(shape), final_loss=result.final_loss.reshape(shape),
        criterion=criterion, tolerance=float(tolerance), steps=int(steps), start=start_point,
        fixed={k: v for k, v in fixed.items() if k != "surface_params"},
    )  # fmt: skip


@dataclass(frozen=True)
class BasinMap:
    """Which minimum each start reaches.  labels[i, j] is the run from (xs[j], ys[i]) (rows
    are y, as in an image): an index into `minima`, DIVERGED (-1) or STALLED (-2)."""

    optimizer: str
    surface: Any
    xs: np.ndarray
    ys: np.ndarray
    labels: np.ndarray
    minima: tuple[tuple[float, float], ...]
    diverged_at: np.ndarray
    final_points: np.ndarray  # (res, res, 2)
    steps: int
    hyper: dict[str, Any]
    capture_radius: float

    def share(self, label: int) -> float:
        """Fraction of the starts with this label."""
        return float(np.mean(self.labels == label))


def basins(
    optimizer: str,
    surface: Any,
    resolution: int = 200,
    steps: int = 500,
    *,
    domain: tuple[tuple[float, float], tuple[float, float]] | None = None,
    capture: float = 0.01,
    **hyperparameters: Any,
) -> BasinMap:
    """Run `optimizer` from every point of a resolution x resolution grid over the view
    and label where each run ends.

    A run has reached a minimum when its last point lies within `capture` x the view's
    diagonal of it.  The minima are the surface's known ones, plus any other point where
    runs came to rest with a vanishing gradient and a positive-definite Hessian (typed
    formulas need no hints).  Every other finite end is STALLED: a saddle, a plateau, a
    run still on its way.
    """
    import surfaces

    resolution = Param("resolution", 200, "Grid points per axis.", kind="int", low=2,
                       high=MAX_RESOLUTION).validate(resolution, owner="basins")  # fmt: skip
    surf = surfaces.get(surface, **dict(hyperparameters.pop("surface_params", None) or {}))
    (x0, x1), (y0, y1) = domain or surf.domain
    xs, ys = np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution)
    gx, gy = np.meshgrid(xs, ys)
    starts = np.stack([gx.ravel(), gy.ravel()], -1)
    traj = run(optimizer, surf, start=starts, steps=steps, record_state=False, record_path=False,
               **hyperparameters)  # fmt: skip
    ends = traj.paths[-1]
    diverged = traj.diverged_rows
    radius = capture * float(np.hypot(x1 - x0, y1 - y0))
    with np.errstate(all="ignore"):
        slopes = np.linalg.norm(surf.grad(starts), axis=-1)
    typical_slope = float(np.nanmedian(np.where(np.isfinite(slopes), slopes, np.nan)))
    minima = _minima_reached(surf, ends[diverged < 0], radius, REST_SLOPE * typical_slope)
    labels = np.full(len(ends), STALLED, dtype=np.int64)
    if minima:
        points = np.asarray(minima)
        distance = np.linalg.norm(ends[:, None, :] - points[None], axis=-1)
        nearest = distance.argmin(1)
        labels = np.where(distance[np.arange(len(ends)), nearest] <= radius, nearest, STALLED)
    labels[diverged >= 0] = DIVERGED
    shape = (resolution, resolution)
    return BasinMap(
        optimizer=optimizer, surface=surf, xs=xs, ys=ys, labels=labels.reshape(shape),
        minima=tuple(minima), diverged_at=diverged.reshape(shape),
        final_points=ends.reshape(*shape, 2), steps=int(steps),
        hyper={k: v for k, v in hyperparameters.items()}, capture_radius=radius,
    )  # fmt: skip


# Rastrigin shows 121 minima in its view; a cap keeps a pathological formula bounded
# (starts that end at minima beyond it are labelled STALLED).
MAX_FOUND_MINIMA = 1024
REST_SLOPE = 1e-3  # a run rests where |∇f| is this small a part of the view's median slope


def _minima_reached(
    surf, ends: np.ndarray, radius: float, rest_slope: float
) -> list[tuple[float, float]]:
    """The surface's known minima, then the other resting points that are minima (a
    positive-definite Hessian), one per cluster of ends closer than `radius`."""
    minima = [tuple(float(v) for v in m.xy) for m in surf.minima]
    if len(ends) == 0:
        return minima
    with np.errstate(all="ignore"):
        grad_norm = np.linalg.norm(surf.grad(ends), axis=-1)
        candidates = ends[np.isfinite(grad_norm) & (grad_norm <= rest_slope)]
        if minima and len(candidates):
            far = np.linalg.norm(candidates[:, None] - np.asarray(minima)[None], axis=-1).min(1)
            candidates = candidates[far > radius]
        if len(candidates):
            eig = np.linalg.eigvalsh(surf.hess(candidates))
            candidates = candidates[np.all(np.isfinite(eig), -1) & (eig[:, 0] > 0)]
    # One representative per cell of half the capture radius, then merge the neighbours.
    _, first = np.unique(np.round(candidates / (radius / 2)), axis=0, return_index=True)
    for point in candidates[np.sort(first)]:
        if len(minima) >= MAX_FOUND_MINIMA:
            break
        if not minima or np.min(np.linalg.norm(np.asarray(minima) - point, axis=-1)) > radius:
            minima.append((float(point[0]), float(point[1])))
    return minima


@dataclass(frozen=True)
class Ensemble:
    """N runs that differ only in the seed of their gradient noise."""

    optimizer: str
    surface: Any
    seeds: np.ndarray  # (N,)
    paths: np.ndarray  # (T+1, N, 2)
    losses: np.ndarray  # (T+1, N), frozen at the last finite value after divergence
    diverged_at: np.ndarray  # (N,)
    quantiles: tuple[float, ...]
    noise: float

    @property
    def mean_path(self) -> np.ndarray:
        """(T+1, 2) mean iterate over the runs that stayed finite."""
        kept = self.paths[:, self.diverged_at < 0] if np.any(self.diverged_at < 0) else self.paths
        return kept.mean(1)

    @property
    def loss_quantiles(self) -> np.ndarray:
        """(len(quantiles), T+1) loss quantiles per step."""
        return np.quantile(self.losses, self.quantiles, axis=1)

    @property
    def distance_quantiles(self) -> np.ndarray:
        """(len(quantiles), T+1) quantiles of each run's distance from the mean path."""
        distance = np.linalg.norm(self.paths - self.mean_path[:, None], axis=-1)
        return np.quantile(distance, self.quantiles, axis=1)


def ensemble(
    optimizer: str,
    surface: Any,
    *,
    runs: int = 32,
    noise: float = 0.5,
    seed: int = 0,
    start: Any = None,
    steps: int = 100,
    quantiles: Sequence[float] = (0.1, 0.5, 0.9),
    **fixed: Any,
) -> Ensemble:
    """`runs` noisy runs with seeds seed, seed+1, ...: row k equals
    `run(..., noise=noise, seed=[seed + k])` made alone."""
    runs = Param("runs", 32, "Runs in the ensemble.", kind="int", low=2, high=10_000).validate(
        runs, owner="ensemble"
    )
    seeds = np.arange(seed, seed + runs, dtype=np.int64)
    traj = run(optimizer, surface, start=start, steps=steps, noise=noise, seed=seeds,
               record_state=False, **fixed)  # fmt: skip
    return Ensemble(optimizer, traj.surface, seeds, traj.paths, traj.losses, traj.diverged_rows,
                    tuple(float(q) for q in quantiles), float(noise))  # fmt: skip
