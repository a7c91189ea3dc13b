"""The pieces every compiled optimizer loop shares (`optim_core._loops` calls them).

Numba functions over one row or one chunk of rows; they hold nothing specific to an
optimizer, so a new optimizer needs none of them changed.
"""

from __future__ import annotations

import math

from numba import njit

# A gradient component this large squares to infinity inside the adaptive optimizers'
# state (while m/√v = 0 would keep the point finite): the run has left the representable
# range.
GRADIENT_LIMIT = 1e150
# Plateau options: enabled, factor, patience, threshold, cooldown, min_lr.
P_ENABLED, P_FACTOR, P_PATIENCE, P_THRESHOLD, P_COOLDOWN, P_MIN_LR = range(6)


@njit(cache=True, error_model="numpy", inline="always")
def central_difference(value, xy, n, params, fd_step, shifted, values, out):
    """Central-difference gradient at the n points xy (Deep Learning from Scratch's
    `numerical_gradient`, h = fd_step): four value calls for the whole chunk."""
    for axis in range(2):
        for sign in (1.0, -1.0):
            for k in range(n):
                shifted[k, 0], shifted[k, 1] = xy[k, 0], xy[k, 1]
                shifted[k, axis] += sign * fd_step
            value(shifted.ctypes, n, params.ctypes, values.ctypes)
            for k in range(n):
                if sign > 0:
                    out[k, axis] = values[k]
                else:
                    out[k, axis] = (out[k, axis] - values[k]) / (2.0 * fd_step)


@njit(cache=True, error_model="numpy", inline="always")
def received_gradient(gx, gy, px, py, sigma, relative, z0, z1, decay):
    """The gradient the optimizer receives: plus noise σ·z (σ·‖g‖·z when relative), plus
    the L2 term λθ at the point where the gradient was taken."""
    scale = sigma * math.sqrt(gx * gx + gy * gy) if relative else sigma
    gx, gy = gx + scale * z0, gy + scale * z1
    if decay != 0.0:
        gx, gy = gx + px * decay, gy + py * decay
    return gx, gy


@njit(cache=True, error_model="numpy", inline="always")
def plateau_step(value, lr, base, best, bad, cooldown, multiplier, plateau):
    """torch.optim.lr_scheduler.ReduceLROnPlateau (mode "min", relative threshold) fed the
    loss after each update; returns the new (best, bad, cooldown, multiplier)."""
    if value < best * (1.0 - plateau[P_THRESHOLD]):
        best, bad = value, 0
    else:
        bad += 1
    if cooldown > 0:
        cooldown, bad = cooldown - 1, 0
    if bad > plateau[P_PATIENCE]:
        reduced = max(lr * plateau[P_FACTOR], plateau[P_MIN_LR])
        if base > 0.0 and lr - reduced > 1e-8:  # torch's eps: never raise the rate
            multiplier = reduced / base
        cooldown, bad = int(plateau[P_COOLDOWN]), 0
    return best, bad, cooldown, multiplier


@njit(cache=True, error_model="numpy", inline="always")
def freeze(now, before, b, path, loss, records, record):
    """Row b keeps its last finite point, loss and state: row `now` of the buffers gets
    row `before`'s (consecutive steps)."""
    path[now, b, 0] = path[before, b, 0]
    path[now, b, 1] = path[before, b, 1]
    loss[now, b] = loss[before, b]
    if record:
        records[now, b] = records[before, b]


@njit(cache=True, error_model="numpy", inline="always")
def point_is_finite(loss, gx, gy, x, y, escape_radius):
    return (
        math.isfinite(loss) and math.isfinite(gx) and math.isfinite(gy)
        and abs(x) <= escape_radius and abs(y) <= escape_radius
    )  # fmt: skip
