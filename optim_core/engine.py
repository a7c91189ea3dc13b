"""`run`: step an optimizer over a surface and return the whole trajectory.

Everything is batched: a start of shape (B, 2) or any hyperparameter of shape (B,) runs B
independent trajectories in one call, and one row of a batch equals the same run made on
its own.  Runs that blow up stop cleanly at their last finite point (`diverged_at`); no NaN
or infinity reaches the caller.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

import numpy as np

from foundation.params import Param, ParameterError, real_array
from optim_core import schedules
from optim_core.registry import OptimizerSpec, spec
from optim_core.trajectory import Trajectory, assemble

MAX_STEPS = 20_000
MAX_BATCH = 100_000
# Recording the optimizer state costs N_SLOTS extra vectors per point.
MAX_POINTS = 20_000_000
MAX_STATE_POINTS = 2_000_000
# Work bounds of the methods that are not compiled loops (measured with
# benchmarks/engine_benchmark.py-style timing on the 2-core machine, shared and busy):
# L-BFGS runs one SciPy minimize per row, 8 ms a row on an idle core and up to 40 ms
# busy, whatever the steps (it converges in tens of iterations on every built-in
# surface), so the old bound of 100,000 rows meant 13 to 60 minutes; 256 rows stay
# within a few seconds.  Damped Newton steps the batch in NumPy at about 1.5 µs a point
# (20,000 steps x 100 rows: 3 s); the compiled loops take 0.05 µs a point.
MAX_LBFGS_ROWS = 256
MAX_NEWTON_POINTS = 2_000_000
DEFAULT_FD_STEP = 1e-4  # Deep Learning from Scratch's numerical_gradient uses h = 1e-4
# From this many rows the compiled loop splits the batch across threads: waking a second
# thread costs more than a small run, and milliseconds when the machine is busy.
PARALLEL_MIN_BATCH = 256

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


def _resolve_surface(surface: Any, surface_params: Mapping[str, float] | None):
    import surfaces  # the engine depends on surfaces only through this interface

    return surfaces.get(surface, **dict(surface_params or {}))


def validate_hyperparameters(
    opt: OptimizerSpec, convention: str, given: dict[str, Any]
) -> dict[str, float | np.ndarray]:
    """Every hyperparameter of `opt` under `convention`: defaults, `betas` split, checked."""
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
    with np.errstate(over="ignore"):
        table = np.asarray(factors, dtype=np.float64)[:, None] * lr_row[None, :]
    if not np.all(np.isfinite(table)):
        raise ParameterError("lr", lr, "a rate whose product with the schedule stays finite")
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
    record_path: bool = True,
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
      record_path: keep every iterate; False keeps only the last point, its loss and
        state (path (1, [B,] 2)): a sweep or basin map of many long runs needs no more.
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
    fd_step = FD_STEP.validate_one(fd_step, owner="run")  # a number the compiled loop takes
    seed = _validate_seed(seed)
    hyper = validate_hyperparameters(opt, conv.name, dict(hyperparameters))
    start_arr = validate_start(surf.default_start if start is None else start)

    batch = _batch_size(start_arr, [*hyper.values(), noise, seed])
    batched = batch is not None
    batch = batch or 1
    if batch > MAX_BATCH:
        raise ParameterError("batch", batch, f"at most {MAX_BATCH} rows")
    kept = steps + 1 if record_path else min(steps + 1, 2)
    if batch * kept > MAX_POINTS:
        raise ParameterError(
            "steps", steps, f"at most {MAX_POINTS // batch - 1} for a batch of {batch}"
        )
    if record_state and batch * kept > MAX_STATE_POINTS:
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
            opt, conv, surf, starts, hyper, lr_table, plateau,
            _noise(steps, batch, seed, noisy), noise, noise_mode, gradient, fd_step,
            record_state, record_path, common,
        )  # fmt: skip
    if opt.family == "lbfgs" and batch > MAX_LBFGS_ROWS:
        raise ParameterError("batch", batch, f"at most {MAX_LBFGS_ROWS} rows for lbfgs", opt.name)
    if opt.family == "newton" and batch * (steps + 1) > MAX_NEWTON_POINTS:
        allowed = f"at most {MAX_NEWTON_POINTS // batch - 1} for a batch of {batch}"
        raise ParameterError("steps", steps, allowed + " (steps x batch bounds Newton's work)")
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
        trajectory = second_order.run_newton(
            surf, starts, hyper, lr_table, _noise(steps, batch, seed, noisy), noise,
            noise_mode, common,
        )  # fmt: skip
    else:
        trajectory = second_order.run_lbfgs(surf, starts, hyper, steps, common)
    return trajectory if record_path else last_point(trajectory)


def last_point(trajectory: Trajectory) -> Trajectory:
    """`trajectory` keeping only its last iterate (what `record_path=False` returns)."""
    return replace(
        trajectory,
        paths=trajectory.paths[-1:],
        losses=trajectory.losses[-1:],
        states={k: v[-1:] for k, v in trajectory.states.items()},
        evals={k: v[-1:] if isinstance(v, np.ndarray) else v for k, v in trajectory.evals.items()},
    )


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


def validate_start(start: Any) -> np.ndarray:
    """`start` as a float array of shape (2,) or (B, 2), or `ParameterError`."""
    arr = real_array(start)
    if arr is None:
        raise ParameterError("start", start, "a point (x, y) or an array of shape (B, 2)")
    if arr.shape[-1:] != (2,) or arr.ndim > 2 or arr.size == 0 or not np.all(np.isfinite(arr)):
        raise ParameterError("start", start, "finite numbers of shape (2,) or (B, 2)")
    return arr


def _run_first_order(
    opt, conv, surf, starts, hyper, lr_table, plateau, noise_draws, noise, noise_mode,
    gradient, fd_step, record_state, record_path, common,
) -> Trajectory:  # fmt: skip
    """Step a first-order optimizer with its compiled loop (`optim_core._loops`)."""
    from optim_core import _loops  # loads Numba: only when a run needs it

    rule = opt.rule
    steps, batch = lr_table.shape[0], starts.shape[0]
    table = np.zeros((batch, len(rule.Hyper._fields)))
    for column, name in enumerate(rule.Hyper._fields):
        table[:, column] = hyper[name]
    # Weight decay enters the gradient (L2), or shrinks θ before the step (AdamW, Keras).
    decay = np.broadcast_to(np.asarray(hyper.get("weight_decay", 0.0), float), (batch,))
    none = np.zeros(batch)
    weight_decay, decoupled_decay = (
        (none, decay.copy()) if conv.decoupled_weight_decay else (decay.copy(), none)
    )
    plateau_options = np.zeros(6)
    if plateau:
        plateau_options[:] = (1.0, plateau["factor"], plateau["patience"], plateau["threshold"],
                              plateau["cooldown"], plateau["min_lr"])  # fmt: skip
    lr_rows = np.ascontiguousarray(lr_table.T)
    noise_sigma = np.broadcast_to(np.asarray(noise, float), (batch,)).copy()
    kernels = surf.kernels
    # Without the path the loop writes step t to row t % 2 of two-row buffers.
    kept = steps + 1 if record_path else min(steps + 1, 2)
    path = np.empty((kept, batch, 2))
    loss = np.empty((kept, batch))
    # Only reduce-on-plateau changes the rates inside the run; otherwise they are lr_rows.
    lr_used = np.empty((steps, batch) if plateau else (1, 1))
    n_slots = len(opt.state)
    records = np.zeros((kept, batch, n_slots, 2) if record_state else (1, 1, n_slots, 2))
    diverged = np.full(batch, -1, dtype=np.int64)
    loop = getattr(_loops, f"run_{opt.name}")

    def run_rows(rows: slice) -> None:
        loop(
            conv.form, kernels.value_grad, kernels.value, kernels.params, starts, table,
            weight_decay, decoupled_decay, lr_rows, plateau_options, noise_draws, noise_sigma,
            noise_mode == "relative", fd_step if gradient == "numerical" else 0.0,
            surf.escape_radius, bool(record_state), path, loss, lr_used, records, diverged,
            rows.start, rows.stop,
        )  # fmt: skip

    _in_chunks(run_rows, batch)
    if not plateau:
        lr_used = lr_rows.T
    if not record_path:  # the buffers' row of step T
        last = slice(steps % kept, steps % kept + 1)
        path, loss, records = path[last], loss[last], records[last] if record_state else records
    recorded = (
        {slot.name: records[:, :, k, :] for k, slot in enumerate(opt.state)} if record_state else {}
    )
    numerical = gradient == "numerical"
    evals = {"grad": 0 if numerical else 1, "func": 4 if numerical else 0, "hess": 0}
    return assemble(path, loss, lr_used, recorded, diverged, evals=evals, common=common)


def _in_chunks(run_rows: Callable[[slice], None], batch: int) -> None:
    """Run the compiled loop over row chunks, one per core for a big batch.

    The loops release the GIL (`nogil=True`), so plain threads run them in parallel; a
    small batch runs in the calling thread, where waking a second one would cost more.
    """
    workers = (os.cpu_count() or 1) if batch >= PARALLEL_MIN_BATCH else 1
    if workers == 1:
        run_rows(slice(0, batch))
        return
    bounds = [batch * k // workers for k in range(workers + 1)]
    with ThreadPoolExecutor(workers) as pool:
        for done in [pool.submit(run_rows, slice(lo, hi)) for lo, hi in itertools.pairwise(bounds)]:
            done.result()
