"""Second-order baselines: damped Newton (batched NumPy) and L-BFGS (SciPy, row by row).

They need no compiled loop: a Newton step is a 2x2 solve, and L-BFGS comes from
`scipy.optimize.minimize(method="L-BFGS-B")` rather than a hand-written copy.
"""

from __future__ import annotations

import contextlib
import warnings

import numpy as np
from scipy.optimize import minimize

from optim_core.optimizers import newton
from optim_core.trajectory import assemble


def run_newton(surf, starts, hyper, lr_table, noise_draws, noise, noise_mode, common):
    """θ_t = θ_{t−1} − η (H + λI)⁻¹ g, frozen at the last finite point on divergence."""
    steps, batch = lr_table.shape[0], starts.shape[0]
    damping = np.broadcast_to(np.asarray(hyper["damping"], float), (batch,))
    sigma = np.broadcast_to(np.asarray(noise, float), (batch,))
    path = np.empty((steps + 1, batch, 2))
    loss = np.empty((steps + 1, batch))
    grad = np.empty((steps + 1, batch, 2))
    names = ("g", "newton_step", "update")
    state = {k: np.zeros((steps + 1, batch, 2)) for k in names}
    diverged = np.full(batch, -1, dtype=np.int64)
    path[0], loss[0], grad[0] = starts, surf.value(starts), surf.grad(starts)
    diverged[~(np.isfinite(loss[0]) & np.all(np.isfinite(grad[0]), -1))] = 0
    with np.errstate(all="ignore"):
        for t in range(1, steps + 1):
            theta = path[t - 1]
            g = grad[t - 1].copy()
            if noise_draws.shape[0]:
                scale = sigma * (np.linalg.norm(g, axis=-1) if noise_mode == "relative" else 1.0)
                g += scale[:, None] * noise_draws[:, t - 1]
            new, direction = newton.update(g, surf.hess(theta), theta, lr_table[t - 1], damping)
            value, new_grad = surf.value(new), surf.grad(new)
            ok = (
                np.isfinite(value) & np.all(np.isfinite(new_grad), -1)
                & np.all(np.abs(new) <= surf.escape_radius, -1) & (diverged < 0)
            )  # fmt: skip
            diverged[(diverged < 0) & ~ok] = t
            path[t] = np.where(ok[:, None], new, theta)
            loss[t] = np.where(ok, value, loss[t - 1])
            grad[t] = np.where(ok[:, None], new_grad, grad[t - 1])
            for key, fresh in zip(names, (g, direction, new - theta), strict=True):
                state[key][t] = np.where(ok[:, None], fresh, state[key][t - 1])
    return assemble(
        path, loss, lr_table, state, diverged, evals={"grad": 1, "func": 0, "hess": 1},
        common=common,
    )  # fmt: skip


def run_lbfgs(surf, starts, hyper, steps, common):
    """One SciPy L-BFGS-B run per row; an iteration is one path point, and every function
    and gradient evaluation (line search included) is counted."""
    batch = starts.shape[0]
    path = np.empty((steps + 1, batch, 2))
    evals = np.zeros((steps + 1, batch), dtype=np.int64)
    diverged = np.full(batch, -1, dtype=np.int64)
    history = np.broadcast_to(np.asarray(hyper["history_size"]), (batch,))
    for b in range(batch):
        points, counts = _lbfgs_row(surf, starts[b], int(history[b]), steps)
        n = len(points)
        path[:n, b], evals[:n, b] = points, counts
        path[n:, b], evals[n:, b] = points[-1], counts[-1]
    with np.errstate(all="ignore"):
        loss, grad = surf.value(path), surf.grad(path)
    bad = ~(np.isfinite(loss) & np.all(np.isfinite(grad), -1)
            & np.all(np.abs(path) <= surf.escape_radius, -1))  # fmt: skip
    for b in np.flatnonzero(bad.any(0)):
        first = int(np.argmax(bad[:, b]))
        diverged[b] = first
        keep = max(first - 1, 0)
        path[first:, b], evals[first:, b] = path[keep, b], evals[keep, b]
        loss[first:, b], grad[first:, b] = loss[keep, b], grad[keep, b]
    update = np.zeros_like(path)
    update[1:] = np.diff(path, axis=0)
    lr = np.ones((steps, batch))
    return assemble(
        path, loss, lr, {"g": grad.copy(), "update": update}, diverged,
        evals={"grad": evals, "func": evals.copy(), "hess": 0}, common=common,
    )  # fmt: skip


def _lbfgs_row(surf, start, history_size, steps):
    points, counts = [np.array(start, float)], [0]
    calls = 0

    def fun(p):
        nonlocal calls
        calls += 1
        with np.errstate(all="ignore"):
            return float(surf.value(p)), surf.grad(p)

    def record(xk):
        points.append(np.array(xk, float))
        counts.append(calls)

    if steps > 0:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # A blown-up line search ends the recorded points where it failed.
            with contextlib.suppress(ValueError, FloatingPointError, OverflowError):
                minimize(fun, start, jac=True, method="L-BFGS-B", callback=record,
                         options={"maxcor": history_size, "maxiter": steps, "ftol": 1e-15,
                                  "gtol": 1e-10})  # fmt: skip
    return np.array(points[: steps + 1]), np.array(counts[: steps + 1])
