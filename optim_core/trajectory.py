"""`Trajectory`: the whole record of a run, always batched inside.

Every array is stored with a batch axis, (T+1, B, 2) for the path; an unbatched run is a
batch of one whose properties are views without that axis.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import numpy as np


@dataclass(frozen=True, eq=False)
class Trajectory:
    """A run's full record.  Leading axis: step; a batched run adds a batch axis after it.

    path (T+1, [B,] 2)      iterates θ_0 … θ_T (θ_0 is the start); only θ_T, (1, [B,] 2),
                            when run with `record_path=False` (and so for every array)
    loss (T+1, [B])         f(θ_t)
    grad (T+1, [B,] 2)      exact ∇f(θ_t), computed on first use (what the optimizer
                            received is `state["g"]`)
    lr   (T, [B])           learning rate used by update t+1
    state {name: (T+1, [B,] 2)}  the optimizer's internal vectors after each update
    grad_evals, func_evals, hess_evals (T+1, [B])  cumulative evaluations the method used
    diverged_at             first update that overflowed or left the escape radius (the row
                            is frozen at its last finite point from then on); `None` or -1
                            where the run stayed finite

    `paths`, `losses`, `lrs` and `states` hold the same arrays with the batch axis always.
    """

    optimizer: str
    convention: str
    surface: Any
    hyper: Mapping[str, Any]
    schedule: Mapping[str, Any] | None
    steps: int
    paths: np.ndarray
    losses: np.ndarray
    lrs: np.ndarray
    states: Mapping[str, np.ndarray]
    # Per kind ("grad", "func", "hess"): a (T+1, B) cumulative array, or the constant
    # cost of one update, expanded on first use (a big sweep rarely asks for it).
    evals: Mapping[str, np.ndarray | int] = field(repr=False)
    diverged_rows: np.ndarray = field(repr=False)
    batched: bool = False
    noise: Any = 0.0
    noise_mode: str = "absolute"
    seed: Any = 0
    gradient: str = "analytic"

    def _view(self, array: np.ndarray) -> np.ndarray:
        return array if self.batched else array[:, 0]

    @property
    def path(self) -> np.ndarray:
        return self._view(self.paths)

    @property
    def loss(self) -> np.ndarray:
        return self._view(self.losses)

    @property
    def lr(self) -> np.ndarray:
        return self._view(self.lrs)

    @cached_property
    def state(self) -> Mapping[str, np.ndarray]:
        return {name: self._view(values) for name, values in self.states.items()}

    @cached_property
    def grad(self) -> np.ndarray:
        """Exact ∇f at every iterate, (T+1, [B,] 2): computed from the path on first use, so
        large sweeps that never look at it do not pay for it."""
        with np.errstate(all="ignore"):
            return self.surface.grad(self.path)

    def _evals(self, kind: str) -> np.ndarray:
        count = self.evals[kind]
        if not isinstance(count, np.ndarray):
            last = np.where(self.diverged_rows < 0, self.steps, self.diverged_rows)
            kept_steps = np.arange(self.steps + 1)[-self.paths.shape[0] :]
            taken = np.minimum(kept_steps[:, None], last[None, :])
            count = count * taken
        return self._view(count)

    @cached_property
    def grad_evals(self) -> np.ndarray:
        """Cumulative gradient evaluations the method used, (T+1, [B])."""
        return self._evals("grad")

    @cached_property
    def func_evals(self) -> np.ndarray:
        """Cumulative function evaluations the method used (line searches, numerical
        gradients), (T+1, [B]); recording the loss is bookkeeping and not counted."""
        return self._evals("func")

    @cached_property
    def hess_evals(self) -> np.ndarray:
        """Cumulative Hessian evaluations, (T+1, [B])."""
        return self._evals("hess")

    @property
    def diverged_at(self) -> int | np.ndarray | None:
        """First diverging update: an int or None; for a batch, an array with -1 for none."""
        if self.batched:
            return self.diverged_rows
        value = int(self.diverged_rows[0])
        return None if value < 0 else value

    @property
    def batch_size(self) -> int:
        return self.paths.shape[1]

    def row(self, index: int) -> Trajectory:
        """Row `index` of a batched run as an unbatched trajectory (views, no copies)."""
        if not self.batched:
            raise ValueError("row() needs a batched trajectory")
        rows = slice(index, index + 1 if index != -1 else None)

        def hyper_row(v: Any) -> Any:
            return float(v[index]) if isinstance(v, np.ndarray) else v

        return replace(
            self,
            paths=self.paths[:, rows],
            losses=self.losses[:, rows],
            lrs=self.lrs[:, rows],
            states={k: v[:, rows] for k, v in self.states.items()},
            evals={
                k: v[:, rows] if isinstance(v, np.ndarray) else v for k, v in self.evals.items()
            },
            diverged_rows=self.diverged_rows[rows],
            batched=False,
            hyper={k: hyper_row(v) for k, v in self.hyper.items()},
            noise=hyper_row(self.noise),
            seed=hyper_row(self.seed),
        )

    @property
    def keeps_path(self) -> bool:
        """Whether every iterate was kept (False after `run(..., record_path=False)`)."""
        return self.paths.shape[0] == self.steps + 1

    def steps_to_tolerance(self, tolerance: float, target: float | None = None) -> int | None:
        """First step whose loss is within `tolerance` of `target` (default: the surface's
        lowest known minimum, else 0); `None` if never reached.  Unbatched runs only."""
        if not self.keeps_path:
            raise ValueError("steps_to_tolerance needs the whole path (record_path=True)")
        if target is None:
            minima = getattr(self.surface, "minima", ())
            target = min((m.value for m in minima), default=0.0)
        hits = np.flatnonzero(self.loss - target <= tolerance)
        return int(hits[0]) if hits.size else None

    def distance_to_nearest_minimum(self) -> np.ndarray | None:
        """Euclidean distance from each iterate to the nearest known minimum."""
        minima = getattr(self.surface, "minima", ())
        if not minima:
            return None
        points = np.array([m.xy for m in minima])
        diff = self.path[..., None, :] - points
        return np.sqrt((diff**2).sum(-1)).min(-1)


def assemble(path, loss, lr, state, diverged, *, evals, common) -> Trajectory:
    """A `Trajectory` from time-major, batched arrays: path (T+1, B, 2), loss (T+1, B),
    lr broadcastable to (T, B), state {name: (T+1, B, 2)}; `common` holds the settings.
    A run that kept only its last point has path (1, B, 2), loss (1, B), state (1, B, 2)."""
    lr = np.broadcast_to(lr, (common["steps"], path.shape[1]))
    return Trajectory(
        paths=path, losses=loss, lrs=lr, states=state, diverged_rows=diverged, evals=evals,
        **common,
    )  # fmt: skip
