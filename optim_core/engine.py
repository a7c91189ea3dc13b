"""`run`: step an optimizer over a surface and return the whole trajectory.

Everything is batched: a start of shape (B, 2) or any hyperparameter of shape (B,) runs B
independent trajectories in one call, and one row of a batch equals the same run made on
its own.  Runs that blow up stop cleanly at their last finite point (`diverged_at`); no NaN
or infinity reaches the caller.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import numba
import numpy as np

from optim_core import _kernel, schedules
from optim_core.params import Param, ParameterError
from optim_core.registry import OptimizerSpec, spec

MAX_STEPS = 20_000
MAX_BATCH = 100_000
# Recording the optimizer state costs N_SLOTS extra vectors per point.
MAX_POINTS = 20_000_000
MAX_STATE_POINTS = 2_000_000
DEFAULT_FD_STEP = 1e-4
PARALLEL_MIN_BATCH = 256
# From this many rows, one callback call per step for the whole batch beats one per row.
BATCH_KERNEL_MIN = 256  # Deep Learning from Scratch's numerical_gradient uses h = 1e-4

STEPS = Param("steps", 100, "Number of updates.", kind="int", low=0, high=MAX_STEPS)
NOISE = Param(
    "noise",
    0.0,
    "Standard deviation σ of Gaussian noise added to every gradient component (absolute, "
    "or relative to ‖g‖): stochastic gradient descent in miniature.",
    symbol=r"\sigma",
    low=0.0,
    ui_low=0.0,
    ui_high=5.0,
)
NOISE_MODE = Param(
    "noise_mode", "absolute", "Noise scale: absolute σ, or σ·‖g‖.", kind="choice",
    choices=("absolute", "relative"),
)  # fmt: skip
SEED = Param("seed", 0, "Seed of the gradient noise.", kind="int", low=0, high=2**32 - 1)
GRADIENT = Param(
    "gradient", "analytic", "Exact gradient, or central differences with step h.",
    kind="choice", choices=("analytic", "numerical"),
)  # fmt: skip
FD_STEP = Param(
    "fd_step", DEFAULT_FD_STEP, "Step h of the central-difference gradient.", symbol="h",
    low=0.0, low_open=True, log=True, ui_low=1e-8, ui_high=1e-1,
)  # fmt: skip


@dataclass(frozen=True, eq=False)
class Trajectory:
    """A run's full record.  Leading axis: step; a batched run adds a batch axis after it.

    path (T+1, [B,] 2)      iterates θ_0 … θ_T (θ_0 is the start)
    loss (T+1, [B])         f(θ_t)
    grad (T+1, [B,] 2)      exact ∇f(θ_t), computed on first use (what the optimizer
                            received is `state["g"]`)
    lr   (T, [B])           learning rate used by update t+1
    state {name: (T+1, [B,] 2)}  the optimizer's internal vectors after each update
    grad_evals, func_evals, hess_evals (T+1, [B])  cumulative evaluations the method used
    diverged_at             first update that overflowed or left the escape radius (the row
                            is frozen at its last finite point from then on); `None` or -1
                            where the run stayed finite
    """

    optimizer: str
    convention: str
    surface: Any
    hyper: Mapping[str, Any]
    schedule: Mapping[str, Any] | None
    steps: int
    path: np.ndarray
    loss: np.ndarray
    lr: np.ndarray
    state: Mapping[str, np.ndarray]
    # Per kind ("grad", "func", "hess"): a (T+1, [B]) cumulative array, or the constant
    # cost of one update, expanded on first use (a big sweep rarely asks for it).
    evals: Mapping[str, np.ndarray | int] = field(repr=False)
    diverged_rows: np.ndarray = field(repr=False)
    batched: bool = False
    noise: Any = 0.0
    noise_mode: str = "absolute"
    seed: Any = 0
    gradient: str = "analytic"

    @cached_property
    def grad(self) -> np.ndarray:
        """Exact ∇f at every iterate, (T+1, [B,] 2): computed from the path on first use, so
        large sweeps that never look at it do not pay for it."""
        with np.errstate(all="ignore"):
            return self.surface.grad(self.path)

    def _evals(self, kind: str) -> np.ndarray:
        count = self.evals[kind]
        if isinstance(count, np.ndarray):
            return count
        last = np.where(self.diverged_rows < 0, self.steps, self.diverged_rows)
        taken = np.minimum(np.arange(self.steps + 1)[:, None], last[None, :])
        return count * (taken if self.batched else taken[:, 0])

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
        return self.path.shape[1] if self.batched else 1

    def row(self, index: int) -> Trajectory:
        """Row `index` of a batched run as an unbatched trajectory."""
        if not self.batched:
            raise ValueError("row() needs a batched trajectory")

        def pick(a: np.ndarray) -> np.ndarray:
            return a[:, index]

        def hyper_row(v: Any) -> Any:
            return float(v[index]) if isinstance(v, np.ndarray) else v

        return replace(
            self,
            path=pick(self.path),
            loss=pick(self.loss),
            lr=pick(self.lr),
            state={k: pick(v) for k, v in self.state.items()},
            evals={k: pick(v) if isinstance(v, np.ndarray) else v for k, v in self.evals.items()},
            diverged_rows=self.diverged_rows[index : index + 1],
            batched=False,
            hyper={k: hyper_row(v) for k, v in self.hyper.items()},
            noise=hyper_row(self.noise),
            seed=hyper_row(self.seed),
        )

    def steps_to_tolerance(self, tolerance: float, target: float | None = None) -> int | None:
        """First step whose loss is within `tolerance` of `target` (default: the surface's
        lowest known minimum, else 0); `None` if never reached.  Unbatched runs only."""
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


def _resolve_surface(surface: Any, surface_params: Mapping[str, float] | None):
    import surfaces  # the engine depends on surfaces only through this interface

    return surfaces.get(surface, **dict(surface_params or {}))


def _hyperparameters(
    opt: OptimizerSpec, convention: str, given: dict[str, Any]
) -> dict[str, float | np.ndarray]:
    if "betas" in given:
        if "beta1" not in {p.name for p in opt.params}:
            allowed = "one of " + ", ".join(p.name for p in opt.params)
            raise ParameterError("hyperparameter", "betas", allowed, opt.name)
        betas = given.pop("betas")
        try:
            beta1, beta2 = betas
        except (TypeError, ValueError):
            raise ParameterError("betas", betas, "a pair (beta1, beta2)", opt.name) from None
        given.setdefault("beta1", beta1)
        given.setdefault("beta2", beta2)
    known = {p.name for p in opt.params}
    for key in given:
        if key not in known:
            allowed = "one of " + ", ".join(
                sorted(known | ({"betas"} if "beta1" in known else set()))
            )
            raise ParameterError("hyperparameter", key, allowed, opt.name)
    values = opt.defaults(convention)
    values.update(given)
    return {p.name: p.validate(values[p.name], owner=opt.name) for p in opt.params}


def _batch_size(start: np.ndarray, arrays: list[Any]) -> int | None:
    sizes = {a.shape[0] for a in arrays if isinstance(a, np.ndarray)}
    if start.ndim == 2:
        sizes.add(start.shape[0])
    if len(sizes) > 1:
        raise ParameterError(
            "batch",
            sorted(sizes),
            "one common batch size B for start (B, 2) and every (B,) hyperparameter",
        )
    return sizes.pop() if sizes else None


def _learning_rates(
    schedule: Any, lr: Any, steps: int, batch: int
) -> tuple[np.ndarray, dict | None, dict | None]:
    """The (T, B) table of scheduled rates, the normalized config and plateau options."""
    # One shared column unless the rates differ per row; the kernel broadcasts it.
    lr_row = np.atleast_1d(np.asarray(lr, dtype=np.float64))
    if callable(schedule):
        with np.errstate(all="ignore"):
            curve = np.asarray(schedule(np.arange(steps)), dtype=np.float64)
        if curve.shape != (steps,) or not np.all(np.isfinite(curve)) or np.any(curve < 0):
            raise ParameterError("schedule", schedule, "a function returning T finite rates >= 0")
        return curve[:, None], None, None
    config = schedules.normalize(schedule) if schedule is not None else None
    factors = schedules.make(config, 1.0, max(steps, 1))(np.arange(steps))
    table = np.asarray(factors, dtype=np.float64)[:, None] * lr_row[None, :]
    return np.ascontiguousarray(table), config, schedules.plateau_options(config)


def _noise(steps: int, batch: int, seed: Any, enabled: bool) -> np.ndarray:
    """Standard normal draws (B, T, 2): row b uses stream [seed_b, 0] for a per-row seed
    array, [seed, b] for one seed, so a row run alone with its own seed sees the same noise."""
    if not enabled:
        return np.zeros((0, steps, 2))
    out = np.empty((batch, steps, 2))
    for b in range(batch):
        key = [int(seed[b]), 0] if isinstance(seed, np.ndarray) else [int(seed), b]
        out[b] = np.random.default_rng(key).standard_normal((steps, 2))
    return out


def run(
    optimizer: str,
    surface: Any,
    start: Any = None,
    steps: int = 100,
    *,
    convention: str | None = None,
    schedule: Mapping[str, Any] | Callable[[np.ndarray], np.ndarray] | None = None,
    noise: float | np.ndarray = 0.0,
    noise_mode: str = "absolute",
    seed: int | np.ndarray = 0,
    gradient: str = "analytic",
    fd_step: float = DEFAULT_FD_STEP,
    surface_params: Mapping[str, float] | None = None,
    record_state: bool = True,
    **hyperparameters: Any,
) -> Trajectory:
    """Run `optimizer` on `surface` from `start` for `steps` updates.

    Args:
      optimizer: a name from `optim_core.names()`.
      surface: a name from `surfaces.names()` or a `surfaces.Surface`.
      start: (2,) or (B, 2); default: the surface's default start.
      steps: number of updates; the path holds steps + 1 points.
      convention: the update form (`spec(optimizer).conventions`); default matches torch.
      schedule: `None`, a schedule config dict (`optim_core.schedules`), or a function of
        the step returning absolute learning rates.
      noise, noise_mode, seed: Gaussian gradient noise σ, "absolute" or "relative" to ‖g‖.
      gradient: "analytic" or "numerical" (central differences with step `fd_step`).
      record_state: keep the optimizer's internal vectors per step.
      **hyperparameters: torch.optim names (`lr`, `betas`, `eps`, ...), scalars or (B,).

    >>> traj = run("sgd", "bowl", start=(-7.0, 2.0), steps=2, lr=0.95)
    >>> traj.path.round(4).tolist()
    [[-7.0, 2.0], [-6.335, -1.8], [-5.7332, 1.62]]
    """
    opt = spec(optimizer)
    conv = opt.convention(convention)
    surf = _resolve_surface(surface, surface_params)
    steps = STEPS.validate(steps, owner="run")
    noise = NOISE.validate(noise, owner="run")
    noise_mode = NOISE_MODE.validate(noise_mode, owner="run")
    gradient = GRADIENT.validate(gradient, owner="run")
    fd_step = FD_STEP.validate(fd_step, owner="run")
    seed = _validate_seed(seed)
    hyper = _hyperparameters(opt, conv.name, dict(hyperparameters))
    start_arr = _validate_start(surf.default_start if start is None else start)

    batch = _batch_size(start_arr, [*hyper.values(), noise, seed])
    batched = batch is not None
    batch = batch or 1
    if batch > MAX_BATCH:
        raise ParameterError("batch", batch, f"at most {MAX_BATCH} rows")
    if batch * (steps + 1) > MAX_POINTS:
        raise ParameterError(
            "steps", steps, f"at most {MAX_POINTS // batch - 1} for a batch of {batch}"
        )
    if record_state and batch * (steps + 1) > MAX_STATE_POINTS:
        raise ParameterError(
            "record_state",
            True,
            f"False for more than {MAX_STATE_POINTS} points (steps × batch)",
        )
    starts = np.ascontiguousarray(np.broadcast_to(start_arr, (batch, 2)), dtype=np.float64)
    _check_start_on_surface(starts, surf)
    noisy = bool(np.any(np.asarray(noise) > 0))
    lr = hyper.get("lr", 1.0)
    lr_table, schedule_config, plateau = _learning_rates(schedule, lr, steps, batch)

    common = dict(
        optimizer=opt.name, convention=conv.name, surface=surf, hyper=hyper,
        schedule=schedule_config, steps=steps, batched=batched, noise=noise,
        noise_mode=noise_mode, seed=seed, gradient=gradient,
    )  # fmt: skip
    if opt.family == "first_order":
        return _run_first_order(
            opt, conv.name, surf, starts, hyper, lr_table, plateau,
            _noise(steps, batch, seed, noisy), noise, noise_mode, gradient, fd_step,
            record_state, common,
        )  # fmt: skip
    if plateau and opt.family != "first_order":
        raise ParameterError(
            "schedule", "plateau",
            f"a step schedule for {opt.name} (reduce-on-plateau is for first-order optimizers)",
        )  # fmt: skip
    if schedule is not None and opt.family == "lbfgs":
        raise ParameterError("schedule", schedule, "None for lbfgs (its line search sets the step)")
    if noisy and opt.family == "lbfgs":
        raise ParameterError("noise", noise, "0 for lbfgs (its line search needs exact gradients)")
    if gradient == "numerical" and opt.family != "first_order":
        raise ParameterError("gradient", gradient, f"'analytic' for {opt.name}")
    from optim_core import second_order

    if opt.family == "newton":
        return second_order.run_newton(
            surf, starts, hyper, lr_table, _noise(steps, batch, seed, noisy), noise,
            noise_mode, common,
        )  # fmt: skip
    return second_order.run_lbfgs(surf, starts, hyper, steps, common)


def _validate_seed(seed: Any) -> int | np.ndarray:
    if isinstance(seed, (list, tuple, np.ndarray)):
        try:
            arr = np.asarray(seed)
        except (TypeError, ValueError):
            raise ParameterError("seed", seed, "an integer >= 0 or a (B,) array of them") from None
        if (
            arr.ndim != 1
            or arr.size == 0
            or not np.issubdtype(arr.dtype, np.integer)
            or np.any(arr < 0)
        ):
            raise ParameterError("seed", seed, "an integer >= 0 or a (B,) array of them")
        return arr.astype(np.int64)
    return SEED.validate(seed, owner="run")


def _check_start_on_surface(starts: np.ndarray, surf: Any) -> None:
    """A start must lie inside the escape radius where f and ∇f are finite."""
    radius = surf.escape_radius
    with np.errstate(all="ignore"):
        finite = np.isfinite(surf.value(starts)) & np.all(np.isfinite(surf.grad(starts)), -1)
    inside = np.all(np.abs(starts) <= radius, -1)
    if not np.all(finite & inside):
        bad = starts[np.flatnonzero(~(finite & inside))[0]].tolist()
        raise ParameterError(
            "start", bad, f"a point with |x|, |y| <= {radius:g} where f and its gradient are finite"
        )


def _validate_start(start: Any) -> np.ndarray:
    try:
        arr = np.asarray(start, dtype=np.float64)
    except (TypeError, ValueError):
        raise ParameterError("start", start, "a point (x, y) or an array of shape (B, 2)") from None
    if arr.shape[-1:] != (2,) or arr.ndim > 2 or arr.size == 0 or not np.all(np.isfinite(arr)):
        raise ParameterError("start", start, "finite numbers of shape (2,) or (B, 2)")
    return arr


def _run_first_order(
    opt, convention, surf, starts, hyper, lr_table, plateau, noise_draws, noise, noise_mode,
    gradient, fd_step, record_state, common,
) -> Trajectory:  # fmt: skip
    steps, batch = lr_table.shape[0], starts.shape[0]
    table = np.zeros((batch, len(_kernel.HYPER_COLUMNS)))
    for column, name in enumerate(_kernel.HYPER_COLUMNS):
        if name in hyper:
            table[:, column] = hyper[name]
    plateau_arr = np.zeros(6)
    if plateau:
        plateau_arr[:] = (1.0, plateau["factor"], plateau["patience"], plateau["threshold"],
                          plateau["cooldown"], plateau["min_lr"])  # fmt: skip
    lr_rows = np.ascontiguousarray(lr_table.T)
    noise_sigma = np.broadcast_to(np.asarray(noise, float), (batch,)).copy()
    conv_index = [c.name for c in opt.conventions].index(convention)
    kernel_id = _kernel.KERNEL_IDS[opt.name]
    powers = _kernel.power_table(table, steps)
    diverged = np.full(batch, -1, dtype=np.int64)
    # Large batches with exact gradients at θ step all rows at once (time-major arrays);
    # everything else goes row by row (row-major arrays, seen through transposed views).
    lookahead = opt.name == "nesterov" and convention == "lookahead"
    whole_batch = batch >= BATCH_KERNEL_MIN and gradient == "analytic" and not lookahead
    rows_first = not whole_batch
    path = np.empty((batch, steps + 1, 2) if rows_first else (steps + 1, batch, 2))
    loss = np.empty((batch, steps + 1) if rows_first else (steps + 1, batch))
    # Only reduce-on-plateau changes the rates inside the run; otherwise they are lr_rows.
    lr_used = np.empty(((batch, steps) if rows_first else (steps, batch)) if plateau else (1, 1))
    state_shape = (batch, steps + 1) if rows_first else (steps + 1, batch)
    state = np.zeros(
        (*state_shape, _kernel.N_SLOTS, 2) if record_state else (1, 1, _kernel.N_SLOTS, 2)
    )
    with _KERNEL_LOCK:
        if whole_batch:
            _kernel.run_first_order_batch(
                kernel_id, conv_index, _kernel.batch_step_callback(kernel_id, conv_index, bool(record_state)), surf.batch_kernel,
                starts, table, powers, lr_rows, plateau_arr, noise_draws, noise_sigma,
                noise_mode == "relative", surf.escape_radius, len(opt.state), path, loss,
                lr_used, state, diverged, min(numba.get_num_threads(), batch),
            )  # fmt: skip
        else:
            value_fn, value_grad_fn = surf.kernels
            _call_kernel(batch, lambda: _kernel.run_first_order(
                kernel_id, conv_index, _kernel.step_callback(kernel_id), value_fn, value_grad_fn,
                starts, table, powers, lr_rows, plateau_arr, noise_draws, noise_sigma,
                noise_mode == "relative", fd_step if gradient == "numerical" else 0.0,
                surf.escape_radius, len(opt.state), path, loss, lr_used, state, diverged,
            ))  # fmt: skip
    if rows_first:
        path, loss, lr_used, state = (a.swapaxes(0, 1) for a in (path, loss, lr_used, state))
    if not plateau:
        lr_used = lr_rows.T
    recorded = (
        {slot.name: state[:, :, k, :] for k, slot in enumerate(opt.state)} if record_state else {}
    )
    numerical = gradient == "numerical"
    evals = {"grad": 0 if numerical else 1, "func": 4 if numerical else 0, "hess": 0}
    return finish(path, loss, lr_used, recorded, diverged, evals=evals, common=common)


# Numba's default threading layer (workqueue) must not be entered from two threads at
# once, and Streamlit runs every session in its own thread: kernel calls take turns.
_KERNEL_LOCK = threading.Lock()


def _call_kernel(batch: int, kernel: Callable[[], None]) -> None:
    """Run the compiled loop, in parallel only for big batches: waking a second thread
    costs more than a small run, and milliseconds when the machine is busy."""
    threads = numba.get_num_threads()
    numba.set_num_threads(threads if batch >= PARALLEL_MIN_BATCH else 1)
    try:
        kernel()
    finally:
        numba.set_num_threads(threads)


def finish(path, loss, lr, state, diverged, *, evals, common) -> Trajectory:
    """Assemble a `Trajectory`, dropping the batch axis of an unbatched run."""
    lr = np.broadcast_to(lr, (path.shape[0] - 1, path.shape[1]))
    if not common["batched"]:
        path, loss, lr = path[:, 0], loss[:, 0], lr[:, 0]
        state = {k: v[:, 0] for k, v in state.items()}
        evals = {k: v[:, 0] if isinstance(v, np.ndarray) else v for k, v in evals.items()}
    return Trajectory(
        path=path,
        loss=loss,
        lr=lr,
        state=state,
        diverged_rows=diverged,
        evals=evals,
        **common,
    )
