"""The compiled step loop for every first-order optimizer.

One Numba function steps a whole batch, row by row, and records path, loss, gradient,
learning rate and optimizer state.  It is compiled once and cached on disk.  Both the
optimizer's update and the surface arrive as C callbacks (`STEPS` below and
`surfaces._codegen`): each is a small function compiled on its own, so the loop stays fast
(one large function with every optimizer inlined ran three times slower) and new surfaces
never trigger a recompile.  Arithmetic follows torch.optim's order of operations (lerp, addcmul, addcdiv)
and powers β^t come from libm's pow like torch's Python floats, so the default conventions
agree with torch to the last few ulps.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from numba import carray, cfunc, njit, prange, types

(
    SGD,
    MOMENTUM,
    NESTEROV,
    ADAGRAD,
    RMSPROP,
    ADADELTA,
    ADAM,
    AMSGRAD,
    ADAMW,
    ADAMAX,
    NADAM,
) = range(11)
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
(
    H_MOMENTUM,
    H_BETA1,
    H_BETA2,
    H_EPS,
    H_ALPHA,
    H_RHO,
    H_WD,
    H_PSI,
    H_LR_DECAY,
    H_INIT_ACC,
) = range(10)
# Columns of the per-step power table: β1^t, β2^t, 0.96^(tψ), 0.96^((t+1)ψ).
POW_B1, POW_B2, POW_MU, POW_MU_NEXT = range(4)
N_SLOTS = 8
# A gradient component this large squares to infinity inside the adaptive optimizers' state
# (while m/√v = 0 would keep the point finite): the run has left the representable range.
GRADIENT_LIMIT = 1e150
# Plateau options: enabled, factor, patience, threshold, cooldown, min_lr.
P_ENABLED, P_FACTOR, P_PATIENCE, P_THRESHOLD, P_COOLDOWN, P_MIN_LR = range(6)


def power_table(hyper: np.ndarray, n_steps: int) -> np.ndarray:
    """β1^t, β2^t and NAdam's 0.96 powers for t = 1..T: (R, T, 4), R = 1 when every row
    shares its β's.  NumPy's power calls the same libm pow as Python's float `**`."""
    columns = [H_BETA1, H_BETA2, H_PSI]
    rows = hyper[:1] if np.all(hyper[:, columns] == hyper[:1, columns]) else hyper
    t = np.arange(1, n_steps + 1, dtype=np.float64)[None, :]
    table = np.empty((rows.shape[0], n_steps, 4))
    with np.errstate(under="ignore"):  # 0.9**7000 underflowing to 0 is the right answer
        _fill_powers(table, rows, t)
    return table


def _fill_powers(table: np.ndarray, rows: np.ndarray, t: np.ndarray) -> None:
    table[..., POW_B1] = np.power(rows[:, H_BETA1, None], t)
    table[..., POW_B2] = np.power(rows[:, H_BETA2, None], t)
    table[..., POW_MU] = np.power(0.96, t * rows[:, H_PSI, None])
    table[..., POW_MU_NEXT] = np.power(0.96, (t + 1.0) * rows[:, H_PSI, None])


@njit(cache=True, inline="always")
def _state_is_finite(w, b, n_slots):
    """Whether row b's state slots are all finite (a sum propagates any inf or NaN).

    A squared gradient can overflow while the step stays finite (m/√inf = 0): that run has
    left the representable range too, and must not report infinite state.  Indexing the
    row, not slicing it, keeps reference counting out of the hot loop.
    """
    total = 0.0
    for k in range(n_slots):
        total += w[b, k, 0] + w[b, k, 1]
    return math.isfinite(total)


@njit(cache=True, inline="always")
def _lerp(start, end, weight):
    # torch.lerp's two-branch formula, so moments match torch bit for bit.
    if weight < 0.5:
        return start + weight * (end - start)
    return end - (end - start) * (1.0 - weight)


@njit(cache=True, inline="always")
def _sgd(opt, conv, record, w, g, h, p, lr, t, theta, new, aux):
    """SGD, θ ← θ − ηg: matches torch.optim.SGD (momentum=0) and Deep Learning from
    Scratch's `SGD`.  LaTeX: `registry.OPTIMIZERS["sgd"]`."""
    for i in range(2):
        w[1, i] = lr
        new[i] = theta[i] + (-lr) * g[i]


@njit(cache=True, inline="always")
def _momentum(opt, conv, record, w, g, h, p, lr, t, theta, new, aux):
    """Heavy-ball momentum and Nesterov (NAG).

    conv 0 (default) matches torch.optim.SGD(momentum=μ[, nesterov=True]): b ← μb + g,
    θ ← θ − η·b (NAG: θ ← θ − η(g + μb)).  conv 1 is the velocity form of Hands-On ML
    eq. 11-4/11-5, Deep Learning from Scratch and Keras: v ← μv − ηg, θ ← θ + v, with NAG's
    gradient taken at θ + μv.  conv 2 (momentum only) is the EMA form m ← μm + (1−μ)g.
    .. note:: torch and velocity forms agree at a constant learning rate and part under a
       schedule (torch rescales the whole buffer by today's η).  LaTeX: the registry.
    """
    mu = h[H_MOMENTUM]
    for i in range(2):
        w[2, i] = lr
        if conv == 1:  # velocity form (for NAG: g was taken at the look-ahead point)
            w[1, i] = mu * w[1, i] - lr * g[i]
            new[i] = theta[i] + w[1, i]
        elif opt == MOMENTUM and conv == 2:  # EMA form
            w[1, i] = mu * w[1, i] + (1.0 - mu) * g[i]
            new[i] = theta[i] + (-lr) * w[1, i]
        else:  # torch: the buffer starts as g itself
            w[1, i] = w[1, i] * mu + g[i] if t > 1 else g[i]
            direction = g[i] + mu * w[1, i] if opt == NESTEROV else w[1, i]
            new[i] = theta[i] + (-lr) * direction


@njit(cache=True, inline="always")
def _adagrad(opt, conv, record, w, g, h, p, lr, t, theta, new, aux):
    """AdaGrad: conv 0 matches torch.optim.Adagrad (ε outside the root, lr_decay,
    initial accumulator); conv 1 is Deep Learning from Scratch's `AdaGrad` (ε = 1e-7,
    p −= lr·g/(√h + ε) in that order); conv 2 is Dive into Deep Learning §12.7 (ε inside
    the root).  LaTeX: `registry.OPTIMIZERS["adagrad"]`."""
    eps = h[H_EPS]
    clr = lr / (1.0 + (t - 1.0) * h[H_LR_DECAY]) if conv == 0 else lr
    for i in range(2):
        w[1, i] = w[1, i] + g[i] * g[i]
        if conv == 2:  # eps inside the root (Dive into Deep Learning)
            w[2, i] = clr / math.sqrt(w[1, i] + eps)
            new[i] = theta[i] - w[2, i] * g[i]
        else:
            denom = math.sqrt(w[1, i]) + eps
            w[2, i] = clr / denom
            if conv == 1:  # Deep Learning from Scratch: p -= lr * g / (sqrt(h) + eps)
                new[i] = theta[i] - clr * g[i] / denom
            else:
                new[i] = theta[i] + (-clr) * g[i] / denom


@njit(cache=True, inline="always")
def _rmsprop(opt, conv, record, w, g, h, p, lr, t, theta, new, aux):
    """RMSProp: conv 0 matches torch.optim.RMSprop (centered=False, momentum=0); conv 1 is
    Dive into Deep Learning §12.8 / Hands-On ML eq. 11-7 (ε inside the root).  LaTeX:
    `registry.OPTIMIZERS["rmsprop"]`."""
    alpha, eps = h[H_ALPHA], h[H_EPS]
    for i in range(2):
        w[1, i] = w[1, i] * alpha + (1.0 - alpha) * g[i] * g[i]
        if conv == 1:  # eps inside the root (Dive into Deep Learning)
            w[2, i] = lr / math.sqrt(w[1, i] + eps)
            new[i] = theta[i] - w[2, i] * g[i]
        else:
            denom = math.sqrt(w[1, i]) + eps
            w[2, i] = lr / denom
            new[i] = theta[i] + (-lr) * g[i] / denom


@njit(cache=True, inline="always")
def _adadelta(opt, conv, record, w, g, h, p, lr, t, theta, new, aux):
    """AdaDelta: matches torch.optim.Adadelta (Zeiler 2012 with η = 1).  LaTeX:
    `registry.OPTIMIZERS["adadelta"]`."""
    rho, eps = h[H_RHO], h[H_EPS]
    for i in range(2):
        w[1, i] = w[1, i] * rho + (1.0 - rho) * g[i] * g[i]
        ratio = math.sqrt(w[2, i] + eps) / math.sqrt(w[1, i] + eps)
        delta = ratio * g[i]
        w[2, i] = w[2, i] * rho + (1.0 - rho) * delta * delta
        w[3, i] = lr * ratio
        new[i] = theta[i] + (-lr) * delta


@njit(cache=True, inline="always")
def _adam(opt, conv, record, w, g, h, p, lr, t, theta, new, aux):
    """Adam, AMSGrad, AdamW.

    conv 0 matches torch.optim.Adam / Adam(amsgrad=True) / AdamW (lerp first moment, ε
    added after the bias-corrected root, AdamW's decay θ(1 − ηλ) first).  conv 1 is Deep
    Learning from Scratch's / Keras's Adam: the bias correction folded into η_t and ε added
    to the uncorrected root.  conv 2 is Hands-On ML eq. 11-8 (ε inside the root).
    .. note:: the forms differ only through where ε enters, so their paths part visibly
       only when ε matters (tiny gradients).  LaTeX: the registry.
    """
    b1, b2, eps = h[H_BETA1], h[H_BETA2], h[H_EPS]
    bc1, bc2 = 1.0 - p[POW_B1], 1.0 - p[POW_B2]
    hat = 4 if opt == AMSGRAD else 3  # slot of m_hat; v_hat, step_size, update follow
    for i in range(2):
        start = theta[i] * (1.0 - lr * h[H_WD]) if opt == ADAMW else theta[i]
        if conv == 1:  # folded bias correction (Deep Learning from Scratch, Keras)
            w[1, i] = w[1, i] + (1.0 - b1) * (g[i] - w[1, i])
            w[2, i] = w[2, i] + (1.0 - b2) * (g[i] * g[i] - w[2, i])
            lr_t = lr * math.sqrt(bc2) / bc1
            new[i] = start - lr_t * w[1, i] / (math.sqrt(w[2, i]) + eps)
            if record:
                w[hat + 2, i] = lr_t * bc1 / (math.sqrt(w[2, i]) + eps)
        elif conv == 2:  # eps inside the root (Hands-On ML)
            w[1, i] = b1 * w[1, i] + (1.0 - b1) * g[i]
            w[2, i] = b2 * w[2, i] + (1.0 - b2) * g[i] * g[i]
            w[hat + 2, i] = lr / math.sqrt(w[2, i] / bc2 + eps)
            new[i] = start - w[hat + 2, i] * (w[1, i] / bc1)
        else:
            w[1, i] = _lerp(w[1, i], g[i], 1.0 - b1)
            w[2, i] = w[2, i] * b2 + (1.0 - b2) * g[i] * g[i]
            second = w[2, i]
            if opt == AMSGRAD:
                w[3, i] = max(w[3, i], w[2, i])
                second = w[3, i]
            denom = math.sqrt(second) / math.sqrt(bc2) + eps
            new[i] = start + (-(lr / bc1)) * w[1, i] / denom
            if record:
                w[hat + 2, i] = lr / denom
        if record:
            w[hat, i] = w[1, i] / bc1
            w[hat + 1, i] = w[2, i] / bc2


@njit(cache=True, inline="always")
def _adamax(opt, conv, record, w, g, h, p, lr, t, theta, new, aux):
    """AdaMax: conv 0 matches torch.optim.Adamax (u ← max(β₂u, |g| + ε)); conv 1 is Keras
    (ε added to u in the step).  LaTeX: `registry.OPTIMIZERS["adamax"]`."""
    b1, b2, eps = h[H_BETA1], h[H_BETA2], h[H_EPS]
    bc1 = 1.0 - p[POW_B1]
    clr = lr / bc1
    for i in range(2):
        w[1, i] = _lerp(w[1, i], g[i], 1.0 - b1)
        if conv == 1:  # Keras: eps in the step
            w[2, i] = max(w[2, i] * b2, abs(g[i]))
            denom = w[2, i] + eps
        else:
            w[2, i] = max(w[2, i] * b2, abs(g[i]) + eps)
            denom = w[2, i]
        w[3, i] = w[1, i] / bc1
        w[4, i] = lr / denom
        new[i] = theta[i] + (-clr) * w[1, i] / denom


@njit(cache=True, inline="always")
def _nadam(opt, conv, record, w, g, h, p, lr, t, theta, new, aux):
    """NAdam: conv 0 matches torch.optim.NAdam and Keras Nadam (momentum schedule
    μ_t = β₁(1 − ½·0.96^{tψ})); conv 1 is Dozat's constant-β₁ form (optax.nadam).  LaTeX:
    `registry.OPTIMIZERS["nadam"]`."""
    b1, b2, eps = h[H_BETA1], h[H_BETA2], h[H_EPS]
    bc2 = 1.0 - p[POW_B2]
    if conv == 1:  # constant beta1 (Dozat's simplified form, optax)
        mu, mu_next = b1, b1
        aux[0] = p[POW_B1]
    else:
        mu = b1 * (1.0 - 0.5 * p[POW_MU])
        mu_next = b1 * (1.0 - 0.5 * p[POW_MU_NEXT])
        aux[0] = (aux[0] if t > 1 else 1.0) * mu
    mu_product_next = aux[0] * mu_next
    coef_g = -lr * (1.0 - mu) / (1.0 - aux[0])
    coef_m = (-lr * mu_next) / (1.0 - mu_product_next)
    for i in range(2):
        w[1, i] = _lerp(w[1, i], g[i], 1.0 - b1)
        w[2, i] = w[2, i] * b2 + (1.0 - b2) * g[i] * g[i]
        denom = math.sqrt(w[2, i] / bc2) + eps
        w[3, i] = (1.0 - mu) / (1.0 - aux[0]) * g[i] + mu_next / (1.0 - mu_product_next) * w[1, i]
        w[4, i] = w[2, i] / bc2
        w[5, i] = lr / denom
        new[i] = theta[i] + coef_g * g[i] / denom
        new[i] = new[i] + coef_m * w[1, i] / denom


_PTR = types.CPointer(types.float64)
# step(opt, conv, record, w, g, h, p, lr, t, theta, new, aux): w (N_SLOTS, 2) state slots, g (2,)
# gradient, h hyperparameter row, p the row's powers at step t, theta/new (2,), aux (1,).
STEP_SIGNATURE = types.void(
    types.int64, types.int64, types.boolean, _PTR, _PTR, _PTR, _PTR, types.float64,
    types.int64, _PTR, _PTR, _PTR,
)  # fmt: skip


@njit(cache=True, inline="always")
def _rows(w, g, h, p, theta, new, aux):
    """Arrays over a step callback's raw pointers (no reference counting)."""
    return (
        carray(w, (N_SLOTS, 2)), carray(g, 2), carray(h, len(HYPER_COLUMNS)), carray(p, 4),
        carray(theta, 2), carray(new, 2), carray(aux, 1),
    )  # fmt: skip


# One module-level callback per update family, so Numba caches them on disk (closures made
# by a factory cannot be cached, and compiling eleven of them cost 2.4 s per server start).
# The arrays go through `_rows`; `opt` and `conv` select the variant at run time.
_CALLBACK = dict(cache=True, error_model="numpy")


@cfunc(STEP_SIGNATURE, **_CALLBACK)
def _step_sgd(opt, conv, record, w, g, h, p, lr, t, theta, new, aux):
    W, G, H, P, TH, NW, A = _rows(w, g, h, p, theta, new, aux)
    _sgd(opt, conv, record, W, G, H, P, lr, t, TH, NW, A)


@cfunc(STEP_SIGNATURE, **_CALLBACK)
def _step_momentum(opt, conv, record, w, g, h, p, lr, t, theta, new, aux):
    W, G, H, P, TH, NW, A = _rows(w, g, h, p, theta, new, aux)
    _momentum(opt, conv, record, W, G, H, P, lr, t, TH, NW, A)


@cfunc(STEP_SIGNATURE, **_CALLBACK)
def _step_adagrad(opt, conv, record, w, g, h, p, lr, t, theta, new, aux):
    W, G, H, P, TH, NW, A = _rows(w, g, h, p, theta, new, aux)
    _adagrad(opt, conv, record, W, G, H, P, lr, t, TH, NW, A)


@cfunc(STEP_SIGNATURE, **_CALLBACK)
def _step_rmsprop(opt, conv, record, w, g, h, p, lr, t, theta, new, aux):
    W, G, H, P, TH, NW, A = _rows(w, g, h, p, theta, new, aux)
    _rmsprop(opt, conv, record, W, G, H, P, lr, t, TH, NW, A)


@cfunc(STEP_SIGNATURE, **_CALLBACK)
def _step_adadelta(opt, conv, record, w, g, h, p, lr, t, theta, new, aux):
    W, G, H, P, TH, NW, A = _rows(w, g, h, p, theta, new, aux)
    _adadelta(opt, conv, record, W, G, H, P, lr, t, TH, NW, A)


@cfunc(STEP_SIGNATURE, **_CALLBACK)
def _step_adam(opt, conv, record, w, g, h, p, lr, t, theta, new, aux):
    W, G, H, P, TH, NW, A = _rows(w, g, h, p, theta, new, aux)
    _adam(opt, conv, record, W, G, H, P, lr, t, TH, NW, A)


@cfunc(STEP_SIGNATURE, **_CALLBACK)
def _step_adamax(opt, conv, record, w, g, h, p, lr, t, theta, new, aux):
    W, G, H, P, TH, NW, A = _rows(w, g, h, p, theta, new, aux)
    _adamax(opt, conv, record, W, G, H, P, lr, t, TH, NW, A)


@cfunc(STEP_SIGNATURE, **_CALLBACK)
def _step_nadam(opt, conv, record, w, g, h, p, lr, t, theta, new, aux):
    W, G, H, P, TH, NW, A = _rows(w, g, h, p, theta, new, aux)
    _nadam(opt, conv, record, W, G, H, P, lr, t, TH, NW, A)


_STEP_CALLBACKS = {
    SGD: _step_sgd, MOMENTUM: _step_momentum, NESTEROV: _step_momentum,
    ADAGRAD: _step_adagrad, RMSPROP: _step_rmsprop, ADADELTA: _step_adadelta, ADAM: _step_adam,
    AMSGRAD: _step_adam, ADAMW: _step_adam, ADAMAX: _step_adamax, NADAM: _step_nadam,
}  # fmt: skip
_UPDATES = {
    SGD: _sgd, MOMENTUM: _momentum, NESTEROV: _momentum, ADAGRAD: _adagrad,
    RMSPROP: _rmsprop, ADADELTA: _adadelta, ADAM: _adam, AMSGRAD: _adam, ADAMW: _adam,
    ADAMAX: _adamax, NADAM: _nadam,
}  # fmt: skip


def step_callback(kernel_id: int):
    """The C callback for one optimizer's update (cached on disk with the loop)."""
    return _STEP_CALLBACKS[kernel_id]


@njit(cache=True, inline="always")
def _perturbed(gx, gy, x, y, sigma, relative, z0, z1, decay):
    """The gradient the optimizer receives: plus noise σ·z (σ·‖g‖·z when relative), plus
    the L2 term λθ (`decay` = λ; AdamW passes 0 and decays θ itself)."""
    scale = sigma * math.sqrt(gx * gx + gy * gy) if relative else sigma
    gx, gy = gx + scale * z0, gy + scale * z1
    if decay != 0.0:
        gx, gy = gx + x * decay, gy + y * decay
    return gx, gy


@njit(cache=True, inline="always")
def _plateau(value, lr, base, best, bad, cooldown, multiplier, plateau):
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


@njit(cache=True, inline="always")
def _probe_gradient(value_fn, value_grad_fn, x, y, fd_step, out, out_ptr):
    """The gradient the optimizer sees: exact, or central differences with step h."""
    if fd_step > 0.0:
        out[0] = (value_fn(x + fd_step, y) - value_fn(x - fd_step, y)) / (2.0 * fd_step)
        out[1] = (value_fn(x, y + fd_step) - value_fn(x, y - fd_step)) / (2.0 * fd_step)
    else:
        value_grad_fn(x, y, out_ptr)


@njit(cache=True, parallel=True)
def run_first_order(
    opt, conv, step_fn, value_fn, value_grad_fn, start, hyper, powers, lr_table, plateau, noise,
    noise_sigma, noise_relative, fd_step, escape_radius, n_slots, path, loss, lr_used, state,
    diverged_at,
):  # fmt: skip
    batch, n_steps = start.shape[0], lr_table.shape[1]
    record = state.shape[1] == n_steps + 1
    adapt_lr = plateau[P_ENABLED] > 0.0  # otherwise the rates used are lr_table itself
    # The gradient at θ_{t-1} was computed with the loss at θ_{t-1}: reuse it unless the
    # optimizer asks elsewhere (look-ahead) or for another kind (numerical, noisy).
    reuse = not (opt == NESTEROV and conv == 1) and fd_step == 0.0
    for b in prange(batch):
        w = np.zeros((N_SLOTS, 2))
        aux = np.zeros(1)
        g = np.empty(2)
        exact = np.empty(2)
        theta = np.empty(2)
        new = np.empty(2)
        p = np.empty(4)
        h = hyper[b]
        # Pointers taken once per row: `.ctypes` inside the step loop costs reference
        # counting on every call and made the loop four times slower.
        w_ptr, g_ptr, h_ptr, p_ptr = w.ctypes, g.ctypes, h.ctypes, p.ctypes
        theta_ptr, new_ptr, aux_ptr, exact_ptr = (
            theta.ctypes,
            new.ctypes,
            aux.ctypes,
            exact.ctypes,
        )
        pw = powers[b] if powers.shape[0] > 1 else powers[0]
        lr_row = lr_table[b] if lr_table.shape[0] > 1 else lr_table[0]
        path[b, 0, 0] = start[b, 0]
        path[b, 0, 1] = start[b, 1]
        loss[b, 0] = value_grad_fn(start[b, 0], start[b, 1], exact_ptr)
        g[0] = exact[0]
        g[1] = exact[1]
        if opt == ADAGRAD:
            w[1, 0] = h[H_INIT_ACC]
            w[1, 1] = h[H_INIT_ACC]
        if record:
            state[b, 0] = w
        alive = math.isfinite(loss[b, 0]) and math.isfinite(exact[0]) and math.isfinite(exact[1])
        if not alive:
            diverged_at[b] = 0
        best, bad, cooldown, multiplier = np.inf, 0, 0, 1.0
        for t in range(1, n_steps + 1):
            lr = lr_row[t - 1] * multiplier
            if adapt_lr:
                lr_used[b, t - 1] = lr
            if not alive:  # frozen at the last finite point
                path[b, t] = path[b, t - 1]
                loss[b, t] = loss[b, t - 1]
                if record:
                    state[b, t] = state[b, t - 1]
                continue
            theta[0] = path[b, t - 1, 0]
            theta[1] = path[b, t - 1, 1]
            # Where the gradient is taken: θ, or the look-ahead point θ + μv (NAG).
            px, py = theta[0], theta[1]
            if opt == NESTEROV and conv == 1:
                px += h[H_MOMENTUM] * w[1, 0]
                py += h[H_MOMENTUM] * w[1, 1]
            if reuse:
                g[0] = exact[0]
                g[1] = exact[1]
            else:
                _probe_gradient(value_fn, value_grad_fn, px, py, fd_step, g, g_ptr)
            if noise.shape[0] > 0 or (opt != ADAMW and h[H_WD] != 0.0):
                z0, z1 = (
                    (noise[b, t - 1, 0], noise[b, t - 1, 1]) if noise.shape[0] > 0 else (0.0, 0.0)
                )
                # L2 at the point where the gradient was taken (θ, or NAG's look-ahead).
                g[0], g[1] = _perturbed(g[0], g[1], px, py, noise_sigma[b], noise_relative, z0, z1,
                                        0.0 if opt == ADAMW else h[H_WD])  # fmt: skip
            if not (abs(g[0]) < GRADIENT_LIMIT and abs(g[1]) < GRADIENT_LIMIT):
                alive = False
                diverged_at[b] = t
                path[b, t] = path[b, t - 1]
                loss[b, t] = loss[b, t - 1]
                if record:
                    state[b, t] = state[b, t - 1]
                continue
            w[0, 0] = g[0]
            w[0, 1] = g[1]
            for k in range(4):
                p[k] = pw[t - 1, k]
            step_fn(
                opt,
                conv,
                record,
                w_ptr,
                g_ptr,
                h_ptr,
                p_ptr,
                lr,
                t,
                theta_ptr,
                new_ptr,
                aux_ptr,
            )
            value = value_grad_fn(new[0], new[1], exact_ptr)
            slot_sum = 0.0  # any inf or NaN in the state propagates (see _state_is_finite)
            for k in range(n_slots):
                slot_sum += w[k, 0] + w[k, 1]
            alive = (
                math.isfinite(value) and math.isfinite(exact[0]) and math.isfinite(exact[1])
                and abs(new[0]) <= escape_radius and abs(new[1]) <= escape_radius
                and math.isfinite(slot_sum)
            )  # fmt: skip
            if not alive:
                diverged_at[b] = t
                path[b, t] = path[b, t - 1]
                loss[b, t] = loss[b, t - 1]
                if record:
                    state[b, t] = state[b, t - 1]
                continue
            w[n_slots - 1, 0] = new[0] - theta[0]
            w[n_slots - 1, 1] = new[1] - theta[1]
            path[b, t, 0] = new[0]
            path[b, t, 1] = new[1]
            loss[b, t] = value
            if record:
                state[b, t] = w
            if plateau[P_ENABLED] > 0.0:
                best, bad, cooldown, multiplier = _plateau(
                    value, lr, lr_row[min(t, n_steps - 1)], best, bad, cooldown, multiplier, plateau
                )


# --- large batches: one callback call per step for all rows ---------------------------------
# batch_step(opt, conv, record, n, t, n_steps, power_rows, lr, w, g, h, p, theta, new, aux,
# active): the update of every active row at step t; lr (n,), active (n,) as 1.0/0.0, the
# rest as in STEP_SIGNATURE with a leading row axis.  The row loop runs inside the
# callback, where each update is inlined and the rows' dependency chains overlap.
BATCH_STEP_SIGNATURE = types.void(
    types.int64, types.int64, types.boolean, types.int64, types.int64, types.int64, types.int64,
    _PTR, _PTR, _PTR, _PTR, _PTR, _PTR, _PTR, _PTR, _PTR,
)  # fmt: skip


@functools.cache
def batch_step_callback(kernel_id: int, conv: int, record: bool):
    """The C callback stepping all rows of a batch once, specialised to one optimizer,
    convention and recording mode so its row loop is branch-free (compiled on first use)."""
    update = _UPDATES[kernel_id]

    def step(opt, _conv, _record, n, t, n_steps, power_rows, lr, w, g, h, p, theta, new, aux,
             active):  # fmt: skip
        works, grads = carray(w, (n, N_SLOTS, 2)), carray(g, (n, 2))
        hypers, powers = carray(h, (n, len(HYPER_COLUMNS))), carray(p, (power_rows, n_steps, 4))
        thetas, news, auxes = carray(theta, (n, 2)), carray(new, (n, 2)), carray(aux, (n, 1))
        rates, alive = carray(lr, n), carray(active, n)
        for b in range(n):
            if alive[b] > 0.0:
                update(
                    kernel_id, conv, record, works[b], grads[b], hypers[b],
                    powers[min(b, power_rows - 1), t - 1], rates[b], t, thetas[b], news[b],
                    auxes[b],
                )  # fmt: skip

    return cfunc(BATCH_STEP_SIGNATURE, error_model="numpy")(step)


@njit(cache=True, parallel=True)
def run_first_order_batch(
    opt, conv, batch_step_fn, value_grad_batch_fn, start, hyper, powers, lr_table, plateau,
    noise, noise_sigma, noise_relative, escape_radius, n_slots, path, loss, lr_used, state,
    diverged_at, n_chunks,
):  # fmt: skip
    """`run_first_order` for large batches, time outer: per step, one gradient call and one
    update call for a whole chunk of rows (`n_chunks` chunks, one per thread).  Exact gradients at θ
    only (no look-ahead, no numerical gradient), which is what makes the gradient at θ_t
    reusable from the loss evaluation.

    Time-major shapes: path (T+1, B, 2); loss (T+1, B); lr_used (T, B) under plateau, else
    (1, 1); state (T+1, B, N_SLOTS, 2) or (1, 1, N_SLOTS, 2); noise (B, T, 2) or empty;
    the rest as in `run_first_order`.
    """
    batch, n_steps = start.shape[0], lr_table.shape[1]
    record = state.shape[0] == n_steps + 1
    adapt_lr = plateau[P_ENABLED] > 0.0
    shared_powers = powers.shape[0] == 1
    work = np.zeros((batch, N_SLOTS, 2))
    aux = np.zeros((batch, 1))
    g = np.zeros((batch, 2))
    exact = np.zeros((batch, 2))
    active = np.ones(batch)
    rates = np.empty(batch)
    best = np.full(batch, np.inf)
    bad = np.zeros(batch, dtype=np.int64)
    cooldown = np.zeros(batch, dtype=np.int64)
    multiplier = np.ones(batch)
    for chunk in prange(n_chunks):
        lo = np.int64(chunk) * batch // n_chunks
        hi = (np.int64(chunk) + 1) * batch // n_chunks
        n = hi - lo
        chunk_powers = powers if shared_powers else powers[lo:hi]
        path[0, lo:hi] = start[lo:hi]
        value_grad_batch_fn(path[0, lo:hi].ctypes, n, loss[0, lo:hi].ctypes, exact[lo:hi].ctypes)
        for b in range(lo, hi):
            if opt == ADAGRAD:
                work[b, 1, 0] = hyper[b, H_INIT_ACC]
                work[b, 1, 1] = hyper[b, H_INIT_ACC]
            if record:
                state[0, b] = work[b]
            if not (math.isfinite(loss[0, b]) and math.isfinite(exact[b, 0])
                    and math.isfinite(exact[b, 1])):  # fmt: skip
                active[b] = 0.0
                diverged_at[b] = 0
        for t in range(1, n_steps + 1):
            for b in range(lo, hi):
                rates[b] = lr_table[b if lr_table.shape[0] > 1 else 0, t - 1] * multiplier[b]
                if adapt_lr:
                    lr_used[t - 1, b] = rates[b]
                if active[b] == 0.0:  # frozen earlier: keeps its last point
                    path[t, b, 0] = path[t - 1, b, 0]
                    path[t, b, 1] = path[t - 1, b, 1]
                    continue
                g[b, 0] = exact[b, 0]
                g[b, 1] = exact[b, 1]
                if noise.shape[0] > 0 or (opt != ADAMW and hyper[b, H_WD] != 0.0):
                    z0, z1 = (
                        (noise[b, t - 1, 0], noise[b, t - 1, 1])
                        if noise.shape[0] > 0
                        else (0.0, 0.0)
                    )
                    g[b, 0], g[b, 1] = _perturbed(
                        g[b, 0], g[b, 1], path[t - 1, b, 0], path[t - 1, b, 1], noise_sigma[b],
                        noise_relative, z0, z1, 0.0 if opt == ADAMW else hyper[b, H_WD],
                    )  # fmt: skip
                if not (abs(g[b, 0]) < GRADIENT_LIMIT and abs(g[b, 1]) < GRADIENT_LIMIT):
                    active[b] = 0.0  # skipped by the update, frozen by the checks below
                    diverged_at[b] = t
                    path[t, b, 0] = path[t - 1, b, 0]
                    path[t, b, 1] = path[t - 1, b, 1]
                    continue
                work[b, 0, 0] = g[b, 0]
                work[b, 0, 1] = g[b, 1]
            batch_step_fn(
                opt, conv, record, n, t, n_steps, chunk_powers.shape[0], rates[lo:hi].ctypes,
                work[lo:hi].ctypes, g[lo:hi].ctypes, hyper[lo:hi].ctypes, chunk_powers.ctypes,
                path[t - 1, lo:hi].ctypes, path[t, lo:hi].ctypes, aux[lo:hi].ctypes,
                active[lo:hi].ctypes,
            )  # fmt: skip
            value_grad_batch_fn(
                path[t, lo:hi].ctypes, n, loss[t, lo:hi].ctypes, exact[lo:hi].ctypes
            )
            for b in range(lo, hi):
                nx, ny = path[t, b, 0], path[t, b, 1]
                if active[b] == 0.0 or not (
                    math.isfinite(loss[t, b]) and math.isfinite(exact[b, 0])
                    and math.isfinite(exact[b, 1]) and abs(nx) <= escape_radius
                    and abs(ny) <= escape_radius
                    and (not record or _state_is_finite(work, b, n_slots))
                ):  # fmt: skip
                    if active[b] > 0.0:
                        active[b] = 0.0
                        diverged_at[b] = t
                    path[t, b, 0] = path[t - 1, b, 0]
                    path[t, b, 1] = path[t - 1, b, 1]
                    loss[t, b] = loss[t - 1, b]
                    if record:
                        state[t, b] = state[t - 1, b]
                    continue
                work[b, n_slots - 1, 0] = nx - path[t - 1, b, 0]
                work[b, n_slots - 1, 1] = ny - path[t - 1, b, 1]
                if record:
                    state[t, b] = work[b]
                if adapt_lr:
                    base = lr_table[b if lr_table.shape[0] > 1 else 0, min(t, n_steps - 1)]
                    best[b], bad[b], cooldown[b], multiplier[b] = _plateau(
                        loss[t, b], rates[b], base, best[b], bad[b], cooldown[b], multiplier[b],
                        plateau,
                    )  # fmt: skip
