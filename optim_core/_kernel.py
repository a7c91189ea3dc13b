"""The compiled step loop for every first-order optimizer.

One Numba function steps a whole batch (time outer, rows inner) and records path, loss,
gradient, learning rate and optimizer state.  It is compiled once and cached on disk; the
surface arrives as two C callbacks (see `surfaces._codegen`), so new surfaces never trigger
a recompile.  Arithmetic follows torch.optim's order of operations (lerp, addcmul, addcdiv)
so the default conventions agree with it to the last few ulps.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, types

SGD, MOMENTUM, NESTEROV, ADAGRAD, RMSPROP, ADADELTA, ADAM, AMSGRAD, ADAMW, ADAMAX, NADAM = range(11)
KERNEL_IDS = {
    "sgd": SGD, "momentum": MOMENTUM, "nesterov": NESTEROV, "adagrad": ADAGRAD,
    "rmsprop": RMSPROP, "adadelta": ADADELTA, "adam": ADAM, "amsgrad": AMSGRAD,
    "adamw": ADAMW, "adamax": ADAMAX, "nadam": NADAM,
}  # fmt: skip

# Columns of the per-row hyperparameter table.
HYPER_COLUMNS = (
    "momentum", "beta1", "beta2", "eps", "alpha", "rho", "weight_decay",
    "momentum_decay", "lr_decay", "initial_accumulator_value",
)  # fmt: skip
H_MOMENTUM, H_BETA1, H_BETA2, H_EPS, H_ALPHA, H_RHO, H_WD, H_PSI, H_LR_DECAY, H_INIT_ACC = range(10)
N_SLOTS = 8
# Plateau options: enabled, factor, patience, threshold, cooldown, min_lr.
P_ENABLED, P_FACTOR, P_PATIENCE, P_THRESHOLD, P_COOLDOWN, P_MIN_LR = range(6)

_PTR = types.CPointer(types.float64)
VALUE_FN = types.FunctionType(types.float64(types.float64, types.float64))
GRAD_FN = types.FunctionType(types.void(types.float64, types.float64, _PTR))


@njit(cache=True, inline="always")
def _lerp(start, end, weight):
    # torch.lerp's two-branch formula, so moments match torch bit for bit.
    if weight < 0.5:
        return start + weight * (end - start)
    return end - (end - start) * (1.0 - weight)


@njit(cache=True)
def _gradient(value_fn, grad_fn, x, y, fd_step, out):
    if fd_step > 0.0:
        out[0] = (value_fn(x + fd_step, y) - value_fn(x - fd_step, y)) / (2.0 * fd_step)
        out[1] = (value_fn(x, y + fd_step) - value_fn(x, y - fd_step)) / (2.0 * fd_step)
    else:
        grad_fn(x, y, out.ctypes)


@njit(cache=True)
def _step(opt, conv, s, g, h, lr, t, theta, new, aux):
    """One update of one row: reads g, updates state slots `s`, writes θ_t into `new`."""
    tf = float(t)
    if opt == SGD:
        for i in range(2):
            s[1, i] = lr
            new[i] = theta[i] + (-lr) * g[i]
    elif opt == MOMENTUM or opt == NESTEROV:
        mu = h[H_MOMENTUM]
        for i in range(2):
            s[2, i] = lr
            if opt == MOMENTUM and conv == 1:  # velocity form
                s[1, i] = mu * s[1, i] - lr * g[i]
                new[i] = theta[i] + s[1, i]
            elif opt == MOMENTUM and conv == 2:  # EMA form
                s[1, i] = mu * s[1, i] + (1.0 - mu) * g[i]
                new[i] = theta[i] + (-lr) * s[1, i]
            elif opt == NESTEROV and conv == 1:  # look-ahead: g was taken at θ + μv
                s[1, i] = mu * s[1, i] - lr * g[i]
                new[i] = theta[i] + s[1, i]
            else:
                s[1, i] = s[1, i] * mu + g[i] if t > 1 else g[i]
                direction = g[i] + mu * s[1, i] if opt == NESTEROV else s[1, i]
                new[i] = theta[i] + (-lr) * direction
    elif opt == ADAGRAD:
        eps = h[H_EPS]
        clr = lr / (1.0 + (tf - 1.0) * h[H_LR_DECAY]) if conv == 0 else lr
        for i in range(2):
            s[1, i] = s[1, i] + g[i] * g[i]
            if conv == 2:
                s[2, i] = clr / math.sqrt(s[1, i] + eps)
                new[i] = theta[i] - s[2, i] * g[i]
            elif conv == 1:
                denom = math.sqrt(s[1, i]) + eps
                s[2, i] = clr / denom
                new[i] = theta[i] - clr * g[i] / denom
            else:
                denom = math.sqrt(s[1, i]) + eps
                s[2, i] = clr / denom
                new[i] = theta[i] + (-clr) * g[i] / denom
    elif opt == RMSPROP:
        alpha, eps = h[H_ALPHA], h[H_EPS]
        for i in range(2):
            s[1, i] = s[1, i] * alpha + (1.0 - alpha) * g[i] * g[i]
            if conv == 1:
                s[2, i] = lr / math.sqrt(s[1, i] + eps)
                new[i] = theta[i] - s[2, i] * g[i]
            else:
                denom = math.sqrt(s[1, i]) + eps
                s[2, i] = lr / denom
                new[i] = theta[i] + (-lr) * g[i] / denom
    elif opt == ADADELTA:
        rho, eps = h[H_RHO], h[H_EPS]
        for i in range(2):
            s[1, i] = s[1, i] * rho + (1.0 - rho) * g[i] * g[i]
            ratio = math.sqrt(s[2, i] + eps) / math.sqrt(s[1, i] + eps)
            delta = ratio * g[i]
            s[2, i] = s[2, i] * rho + (1.0 - rho) * delta * delta
            s[3, i] = lr * ratio
            new[i] = theta[i] + (-lr) * delta
    elif opt == ADAM or opt == AMSGRAD or opt == ADAMW:
        b1, b2, eps = h[H_BETA1], h[H_BETA2], h[H_EPS]
        bc1 = 1.0 - math.pow(b1, tf)
        bc2 = 1.0 - math.pow(b2, tf)
        hat = 4 if opt == AMSGRAD else 3  # slot of m_hat; v_hat, step_size, update follow
        for i in range(2):
            start = theta[i]
            if opt == ADAMW:
                start = theta[i] * (1.0 - lr * h[H_WD])
            if conv == 1:  # folded bias correction (Deep Learning from Scratch, Keras)
                s[1, i] = s[1, i] + (1.0 - b1) * (g[i] - s[1, i])
                s[2, i] = s[2, i] + (1.0 - b2) * (g[i] * g[i] - s[2, i])
                lr_t = lr * math.sqrt(bc2) / bc1
                s[hat + 2, i] = lr_t * bc1 / (math.sqrt(s[2, i]) + eps)
                new[i] = start - lr_t * s[1, i] / (math.sqrt(s[2, i]) + eps)
            elif conv == 2:  # eps inside the root (Hands-On ML)
                s[1, i] = b1 * s[1, i] + (1.0 - b1) * g[i]
                s[2, i] = b2 * s[2, i] + (1.0 - b2) * g[i] * g[i]
                s[hat + 2, i] = lr / math.sqrt(s[2, i] / bc2 + eps)
                new[i] = start - s[hat + 2, i] * (s[1, i] / bc1)
            else:
                s[1, i] = _lerp(s[1, i], g[i], 1.0 - b1)
                s[2, i] = s[2, i] * b2 + (1.0 - b2) * g[i] * g[i]
                second = s[2, i]
                if opt == AMSGRAD:
                    s[3, i] = max(s[3, i], s[2, i])
                    second = s[3, i]
                denom = math.sqrt(second) / math.sqrt(bc2) + eps
                s[hat + 2, i] = lr / denom
                new[i] = start + (-(lr / bc1)) * s[1, i] / denom
            s[hat, i] = s[1, i] / bc1
            s[hat + 1, i] = s[2, i] / bc2
    elif opt == ADAMAX:
        b1, b2, eps = h[H_BETA1], h[H_BETA2], h[H_EPS]
        bc1 = 1.0 - math.pow(b1, tf)
        clr = lr / bc1
        for i in range(2):
            s[1, i] = _lerp(s[1, i], g[i], 1.0 - b1)
            if conv == 1:  # Keras: eps in the step
                s[2, i] = max(s[2, i] * b2, abs(g[i]))
                denom = s[2, i] + eps
            else:
                s[2, i] = max(s[2, i] * b2, abs(g[i]) + eps)
                denom = s[2, i]
            s[3, i] = s[1, i] / bc1
            s[4, i] = lr / denom
            new[i] = theta[i] + (-clr) * s[1, i] / denom
    elif opt == NADAM:
        b1, b2, eps, psi = h[H_BETA1], h[H_BETA2], h[H_EPS], h[H_PSI]
        bc2 = 1.0 - math.pow(b2, tf)
        if conv == 1:  # constant beta1 (Dozat's simplified form, optax)
            mu, mu_next = b1, b1
            aux[0] = math.pow(b1, tf)
        else:
            mu = b1 * (1.0 - 0.5 * math.pow(0.96, tf * psi))
            mu_next = b1 * (1.0 - 0.5 * math.pow(0.96, (tf + 1.0) * psi))
            aux[0] = (aux[0] if t > 1 else 1.0) * mu
        mu_product_next = aux[0] * mu_next
        coef_g = -lr * (1.0 - mu) / (1.0 - aux[0])
        coef_m = (-lr * mu_next) / (1.0 - mu_product_next)
        for i in range(2):
            s[1, i] = _lerp(s[1, i], g[i], 1.0 - b1)
            s[2, i] = s[2, i] * b2 + (1.0 - b2) * g[i] * g[i]
            denom = math.sqrt(s[2, i] / bc2) + eps
            s[3, i] = (1.0 - mu) / (1.0 - aux[0]) * g[i] + mu_next / (1.0 - mu_product_next) * s[1, i]
            s[4, i] = s[2, i] / bc2
            s[5, i] = lr / denom
            new[i] = theta[i] + coef_g * g[i] / denom
            new[i] = new[i] + coef_m * s[1, i] / denom


@njit(cache=True)
def run_first_order(
    opt, conv, value_fn, grad_fn, start, hyper, lr_table, plateau, noise, noise_sigma,
    noise_relative, fd_step, escape_radius, n_slots, path, loss, grad, lr_used, state,
    diverged_at,
):  # fmt: skip
    """Step every row of the batch for `lr_table.shape[0]` updates, filling the outputs.

    Shapes: start (B, 2); hyper (B, len(HYPER_COLUMNS)); lr_table (T, B); noise (T, B, 2)
    or empty; noise_sigma (B,); path, grad (T+1, B, 2); loss (T+1, B); lr_used (T, B);
    state (T+1, B, N_SLOTS, 2) or (1, 1, N_SLOTS, 2) when not recorded; diverged_at (B,).
    """
    n_steps, batch = lr_table.shape
    record = state.shape[0] == n_steps + 1
    work = np.zeros((batch, N_SLOTS, 2))
    aux = np.zeros((batch, 1))
    alive = np.ones(batch, dtype=np.bool_)
    best = np.full(batch, np.inf)
    bad = np.zeros(batch, dtype=np.int64)
    cooldown = np.zeros(batch, dtype=np.int64)
    multiplier = np.ones(batch)
    g = np.zeros(2)
    exact = np.zeros(2)
    theta = np.zeros(2)
    new = np.zeros(2)
    probe = np.zeros(2)
    slot_update = n_slots - 1
    for b in range(batch):
        path[0, b, 0] = start[b, 0]
        path[0, b, 1] = start[b, 1]
        loss[0, b] = value_fn(start[b, 0], start[b, 1])
        grad_fn(start[b, 0], start[b, 1], exact.ctypes)
        grad[0, b, 0] = exact[0]
        grad[0, b, 1] = exact[1]
        if opt == ADAGRAD:
            work[b, 1, 0] = hyper[b, H_INIT_ACC]
            work[b, 1, 1] = hyper[b, H_INIT_ACC]
        if not (math.isfinite(loss[0, b]) and math.isfinite(exact[0]) and math.isfinite(exact[1])):
            alive[b] = False
            diverged_at[b] = 0
        if record:
            for k in range(N_SLOTS):
                state[0, b, k, 0] = work[b, k, 0]
                state[0, b, k, 1] = work[b, k, 1]
    for t in range(1, n_steps + 1):
        for b in range(batch):
            lr = lr_table[t - 1, b] * multiplier[b]
            lr_used[t - 1, b] = lr
            if not alive[b]:
                path[t, b, 0] = path[t - 1, b, 0]
                path[t, b, 1] = path[t - 1, b, 1]
                loss[t, b] = loss[t - 1, b]
                grad[t, b, 0] = grad[t - 1, b, 0]
                grad[t, b, 1] = grad[t - 1, b, 1]
                if record:
                    state[t, b] = state[t - 1, b]
                continue
            theta[0] = path[t - 1, b, 0]
            theta[1] = path[t - 1, b, 1]
            probe[0] = theta[0]
            probe[1] = theta[1]
            if opt == NESTEROV and conv == 1:
                probe[0] += hyper[b, H_MOMENTUM] * work[b, 1, 0]
                probe[1] += hyper[b, H_MOMENTUM] * work[b, 1, 1]
            _gradient(value_fn, grad_fn, probe[0], probe[1], fd_step, g)
            if noise.shape[0] > 0:
                scale = noise_sigma[b]
                if noise_relative:
                    scale *= math.sqrt(g[0] * g[0] + g[1] * g[1])
                g[0] += scale * noise[t - 1, b, 0]
                g[1] += scale * noise[t - 1, b, 1]
            if opt != ADAMW and hyper[b, H_WD] != 0.0:
                g[0] = g[0] + theta[0] * hyper[b, H_WD]
                g[1] = g[1] + theta[1] * hyper[b, H_WD]
            work[b, 0, 0] = g[0]
            work[b, 0, 1] = g[1]
            _step(opt, conv, work[b], g, hyper[b], lr, t, theta, new, aux[b])
            value = value_fn(new[0], new[1])
            grad_fn(new[0], new[1], exact.ctypes)
            ok = (
                math.isfinite(value) and math.isfinite(exact[0]) and math.isfinite(exact[1])
                and abs(new[0]) <= escape_radius and abs(new[1]) <= escape_radius
            )  # fmt: skip
            if not ok:
                alive[b] = False
                diverged_at[b] = t
                path[t, b, 0] = theta[0]
                path[t, b, 1] = theta[1]
                loss[t, b] = loss[t - 1, b]
                grad[t, b, 0] = grad[t - 1, b, 0]
                grad[t, b, 1] = grad[t - 1, b, 1]
                if record:
                    state[t, b] = state[t - 1, b]
                continue
            work[b, slot_update, 0] = new[0] - theta[0]
            work[b, slot_update, 1] = new[1] - theta[1]
            path[t, b, 0] = new[0]
            path[t, b, 1] = new[1]
            loss[t, b] = value
            grad[t, b, 0] = exact[0]
            grad[t, b, 1] = exact[1]
            if record:
                for k in range(N_SLOTS):
                    state[t, b, k, 0] = work[b, k, 0]
                    state[t, b, k, 1] = work[b, k, 1]
            if plateau[P_ENABLED] > 0.0:
                # torch.optim.lr_scheduler.ReduceLROnPlateau, mode="min", threshold_mode="rel"
                if value < best[b] * (1.0 - plateau[P_THRESHOLD]):
                    best[b] = value
                    bad[b] = 0
                else:
                    bad[b] += 1
                if cooldown[b] > 0:
                    cooldown[b] -= 1
                    bad[b] = 0
                if bad[b] > plateau[P_PATIENCE]:
                    base = lr_table[min(t, n_steps - 1), b]
                    reduced = max(lr * plateau[P_FACTOR], plateau[P_MIN_LR])
                    if base > 0.0 and lr - reduced > 1e-8:  # torch's eps: never raise the rate
                        multiplier[b] = reduced / base
                    cooldown[b] = int(plateau[P_COOLDOWN])
                    bad[b] = 0
