"""Every optimizer and convention against its published update rule, written out inline.

scikit-learn style: the expected iterates and state are computed here in plain NumPy from
the formula in the registry's LaTeX (the text the app renders), from random starts and
random hyperparameters, over a few steps so that bias corrections and accumulated state
are exercised.  The gradients come from hand-written formulas for the test surfaces, not
from `surfaces`.  The rule table is checked against the registry, so a new convention
without a reference rule here fails a test.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
from scipy.optimize import minimize

import optim_core
import surfaces
from optim_core import schedules

RTOL = 1e-11  # a few ulps per step: the engine uses torch's operation order (lerp, addcdiv)
ATOL = 1e-13
SEEDS = range(4)

Vector = np.ndarray
GradFn = Callable[[Vector], Vector]


# --- test surfaces with hand-written gradients --------------------------------------------

BOWL_A, BOWL_B = 0.3, 1.7


def bowl_value(p: Vector, a: float = BOWL_A, b: float = BOWL_B) -> float:
    return a * p[0] ** 2 + b * p[1] ** 2


def bowl_grad(p: Vector, a: float = BOWL_A, b: float = BOWL_B) -> Vector:
    return np.array([2 * a * p[0], 2 * b * p[1]])


def booth_grad(p: Vector) -> Vector:
    u, w = p[0] + 2 * p[1] - 7, 2 * p[0] + p[1] - 5
    return np.array([2 * u + 4 * w, 4 * u + 2 * w])


def himmelblau_grad(p: Vector) -> Vector:
    u, w = p[0] ** 2 + p[1] - 11, p[0] + p[1] ** 2 - 7
    return np.array([4 * p[0] * u + 2 * w, 2 * u + 4 * p[1] * w])


# name -> (engine surface, its parameters, gradient, largest rate that stays stable)
SURFACES: dict[str, tuple[str, dict[str, float], GradFn, float]] = {
    "bowl": ("bowl", {"a": BOWL_A, "b": BOWL_B}, bowl_grad, 0.3),
    "booth": ("booth", {}, booth_grad, 0.05),
    "himmelblau": ("himmelblau", {}, himmelblau_grad, 0.005),
}


# --- the published rules, one step at a time ------------------------------------------------
# A rule gets θ_{t-1}, the gradient function (weight decay folded in), its state dict, the
# step t (1-based), the rate η_t and the hyperparameters; it returns θ_t and writes every
# recorded slot into the state dict.


def sgd_torch(theta, grad, s, t, lr, h):
    g = grad(theta)
    s.update(g=g, step_size=np.full(2, lr))
    return theta - lr * g


def momentum_torch(theta, grad, s, t, lr, h):
    g = grad(theta)
    b = g if t == 1 else h["momentum"] * s["velocity"] + g  # torch seeds the buffer with g
    s.update(g=g, velocity=b, step_size=np.full(2, lr))
    return theta - lr * b


def momentum_velocity(theta, grad, s, t, lr, h):
    g = grad(theta)
    v = h["momentum"] * s["velocity"] - lr * g
    s.update(g=g, velocity=v, step_size=np.full(2, lr))
    return theta + v


def momentum_ema(theta, grad, s, t, lr, h):
    g = grad(theta)
    m = h["momentum"] * s["velocity"] + (1 - h["momentum"]) * g
    s.update(g=g, velocity=m, step_size=np.full(2, lr))
    return theta - lr * m


def nesterov_torch(theta, grad, s, t, lr, h):
    g = grad(theta)
    b = g if t == 1 else h["momentum"] * s["velocity"] + g
    s.update(g=g, velocity=b, step_size=np.full(2, lr))
    return theta - lr * (g + h["momentum"] * b)


def nesterov_lookahead(theta, grad, s, t, lr, h):
    g = grad(theta + h["momentum"] * s["velocity"])  # the gradient at the look-ahead point
    v = h["momentum"] * s["velocity"] - lr * g
    s.update(g=g, velocity=v, step_size=np.full(2, lr))
    return theta + v


def nesterov_velocity(theta, grad, s, t, lr, h):
    # Keras SGD(nesterov=True) and Deep Learning from Scratch's `Nesterov`:
    # v = μv − ηg; θ += μv − ηg.
    g = grad(theta)
    v = h["momentum"] * s["velocity"] - lr * g
    s.update(g=g, velocity=v, step_size=np.full(2, lr))
    return theta + h["momentum"] * v - lr * g


def adagrad_torch(theta, grad, s, t, lr, h):
    g = grad(theta)
    total = s["sum_sq"] + g**2
    step = lr / (1 + (t - 1) * h["lr_decay"]) / (np.sqrt(total) + h["eps"])
    s.update(g=g, sum_sq=total, step_size=step)
    return theta - step * g


def adagrad_dlfs(theta, grad, s, t, lr, h):
    g = grad(theta)
    total = s["sum_sq"] + g**2  # h += g*g
    s.update(g=g, sum_sq=total, step_size=lr / (np.sqrt(total) + h["eps"]))
    return theta - lr * g / (np.sqrt(total) + h["eps"])


def adagrad_eps_inside(theta, grad, s, t, lr, h):
    g = grad(theta)
    total = s["sum_sq"] + g**2
    step = lr / np.sqrt(total + h["eps"])
    s.update(g=g, sum_sq=total, step_size=step)
    return theta - step * g


def rmsprop_torch(theta, grad, s, t, lr, h):
    g = grad(theta)
    v = h["alpha"] * s["v"] + (1 - h["alpha"]) * g**2
    step = lr / (np.sqrt(v) + h["eps"])
    s.update(g=g, v=v, step_size=step)
    return theta - step * g


def rmsprop_eps_inside(theta, grad, s, t, lr, h):
    g = grad(theta)
    v = h["alpha"] * s["v"] + (1 - h["alpha"]) * g**2
    step = lr / np.sqrt(v + h["eps"])
    s.update(g=g, v=v, step_size=step)
    return theta - step * g


def rmsprop_dlfs(theta, grad, s, t, lr, h):
    # Deep Learning from Scratch's `RMSprop`: h *= ρ; h += (1 − ρ)g²; θ −= ηg/(√h + 1e-7).
    g = grad(theta)
    v = h["alpha"] * s["v"] + (1 - h["alpha"]) * g**2
    s.update(g=g, v=v, step_size=lr / (np.sqrt(v) + h["eps"]))
    return theta - lr * g / (np.sqrt(v) + h["eps"])


def adadelta_torch(theta, grad, s, t, lr, h):
    g = grad(theta)
    rho, eps = h["rho"], h["eps"]
    v = rho * s["v"] + (1 - rho) * g**2
    ratio = np.sqrt(s["u"] + eps) / np.sqrt(v + eps)
    delta = ratio * g
    u = rho * s["u"] + (1 - rho) * delta**2
    s.update(g=g, v=v, u=u, step_size=lr * ratio)
    return theta - lr * delta


def _moments(s, g, h, t):
    b1, b2 = h["beta1"], h["beta2"]
    m = b1 * s["m"] + (1 - b1) * g
    v = b2 * s["v"] + (1 - b2) * g**2
    bc1, bc2 = 1 - b1**t, 1 - b2**t
    s.update(g=g, m=m, v=v, m_hat=m / bc1, v_hat=v / bc2)
    return m, v, bc1, bc2


def adam_torch(theta, grad, s, t, lr, h):
    _, v, _, bc2 = _moments(s, grad(theta), h, t)
    step = lr / (np.sqrt(v / bc2) + h["eps"])
    s["step_size"] = step
    return theta - step * s["m_hat"]


def adam_folded(theta, grad, s, t, lr, h):
    m, v, bc1, bc2 = _moments(s, grad(theta), h, t)
    lr_t = lr * math.sqrt(bc2) / bc1
    s["step_size"] = lr * math.sqrt(bc2) / (np.sqrt(v) + h["eps"])  # the factor of m̂
    return theta - lr_t * m / (np.sqrt(v) + h["eps"])


def adam_eps_inside(theta, grad, s, t, lr, h):
    _, v, _, bc2 = _moments(s, grad(theta), h, t)
    step = lr / np.sqrt(v / bc2 + h["eps"])
    s["step_size"] = step
    return theta - step * s["m_hat"]


def amsgrad_torch(theta, grad, s, t, lr, h):
    _, v, _, bc2 = _moments(s, grad(theta), h, t)
    s["v_max"] = np.maximum(s["v_max"], v)
    step = lr / (np.sqrt(s["v_max"] / bc2) + h["eps"])
    s["step_size"] = step
    return theta - step * s["m_hat"]


def adamw_torch(theta, grad, s, t, lr, h):
    decayed = theta * (1 - lr * h["weight_decay"])  # decoupled: not through the gradient
    return adam_torch(decayed, lambda _: grad(theta), s, t, lr, h)


def amsgrad_folded(theta, grad, s, t, lr, h):
    # Keras Adam(amsgrad=True): max of the raw second moment, bias correction folded in η_t.
    m, v, bc1, bc2 = _moments(s, grad(theta), h, t)
    s["v_max"] = np.maximum(s["v_max"], v)
    s["step_size"] = lr * math.sqrt(bc2) / (np.sqrt(s["v_max"]) + h["eps"])
    return theta - lr * math.sqrt(bc2) / bc1 * m / (np.sqrt(s["v_max"]) + h["eps"])


def amsgrad_optax(theta, grad, s, t, lr, h):
    # optax.amsgrad: the running maximum of the bias-corrected second moment.
    _moments(s, grad(theta), h, t)
    s["v_max"] = np.maximum(s["v_max"], s["v_hat"])
    step = lr / (np.sqrt(s["v_max"]) + h["eps"])
    s["step_size"] = step
    return theta - step * s["m_hat"]


def adamw_folded(theta, grad, s, t, lr, h):
    decayed = theta * (1 - lr * h["weight_decay"])  # Keras: θ −= θλη, then its Adam step
    return adam_folded(decayed, lambda _: grad(theta), s, t, lr, h)


def adamax_torch(theta, grad, s, t, lr, h):
    g = grad(theta)
    m = h["beta1"] * s["m"] + (1 - h["beta1"]) * g
    u = np.maximum(h["beta2"] * s["u"], np.abs(g) + h["eps"])
    bc1 = 1 - h["beta1"] ** t
    s.update(g=g, m=m, u=u, m_hat=m / bc1, step_size=lr / u)
    return theta - lr / bc1 * m / u


def adamax_keras(theta, grad, s, t, lr, h):
    g = grad(theta)
    m = h["beta1"] * s["m"] + (1 - h["beta1"]) * g
    u = np.maximum(h["beta2"] * s["u"], np.abs(g))
    bc1 = 1 - h["beta1"] ** t
    s.update(g=g, m=m, u=u, m_hat=m / bc1, step_size=lr / (u + h["eps"]))
    return theta - lr / bc1 * m / (u + h["eps"])


def _nadam(theta, g, s, lr, h, v_hat, mu, mu_next, product, product_next):
    m_bar = (1 - mu) * g / (1 - product) + mu_next * s["m"] / (1 - product_next)
    step = lr / (np.sqrt(v_hat) + h["eps"])
    s.update(m_bar=m_bar, step_size=step)
    return theta - step * m_bar


def nadam_torch(theta, grad, s, t, lr, h):
    g = grad(theta)
    b1, psi = h["beta1"], h["momentum_decay"]
    mu = b1 * (1 - 0.5 * 0.96 ** (t * psi))
    mu_next = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * psi))
    s["mu_product"] = s.get("mu_product", 1.0) * mu
    _moments(s, g, h, t)
    product = s["mu_product"]
    return _nadam(theta, g, s, lr, h, s["v_hat"], mu, mu_next, product, product * mu_next)


def nadam_keras(theta, grad, s, t, lr, h):
    # Keras Nadam: μ_t = β1(1 − ½·0.96^t), the torch form with ψ = 1.
    return nadam_torch(theta, grad, s, t, lr, {**h, "momentum_decay": 1.0})


def nadam_dozat(theta, grad, s, t, lr, h):
    # m̄ = β1 m/(1−β1^{t+1}) + (1−β1) g/(1−β1^t): the torch form with μ_t = β1 for all t
    g = grad(theta)
    b1 = h["beta1"]
    _moments(s, g, h, t)
    return _nadam(theta, g, s, lr, h, s["v_hat"], b1, b1, b1**t, b1 ** (t + 1))


RULES = {
    ("sgd", "torch"): sgd_torch,
    ("momentum", "torch"): momentum_torch,
    ("momentum", "velocity"): momentum_velocity,
    ("momentum", "ema"): momentum_ema,
    ("nesterov", "torch"): nesterov_torch,
    ("nesterov", "velocity"): nesterov_velocity,
    ("nesterov", "lookahead"): nesterov_lookahead,
    ("adagrad", "torch"): adagrad_torch,
    ("adagrad", "dlfs"): adagrad_dlfs,
    ("adagrad", "eps_inside"): adagrad_eps_inside,
    ("rmsprop", "torch"): rmsprop_torch,
    ("rmsprop", "dlfs"): rmsprop_dlfs,
    ("rmsprop", "eps_inside"): rmsprop_eps_inside,
    ("adadelta", "torch"): adadelta_torch,
    ("adadelta", "keras"): adadelta_torch,  # the same rule; Keras's decay is decoupled
    ("adam", "torch"): adam_torch,
    ("adam", "folded"): adam_folded,
    ("adam", "eps_inside"): adam_eps_inside,
    ("amsgrad", "torch"): amsgrad_torch,
    ("amsgrad", "folded"): amsgrad_folded,
    ("amsgrad", "optax"): amsgrad_optax,
    ("adamw", "torch"): adamw_torch,
    ("adamw", "folded"): adamw_folded,
    ("adamax", "torch"): adamax_torch,
    ("adamax", "keras"): adamax_keras,
    ("nadam", "torch"): nadam_torch,
    ("nadam", "keras"): nadam_keras,
    ("nadam", "dozat"): nadam_dozat,
}
# Hyperparameters a convention's formula does not contain (the registry notes say so).
IGNORED = {
    ("adagrad", "dlfs"): {"lr_decay"},
    ("adagrad", "eps_inside"): {"lr_decay"},
    ("nadam", "dozat"): {"momentum_decay"},
    ("nadam", "keras"): {"momentum_decay"},
}


def first_order_conventions() -> list[tuple[str, str]]:
    return [
        (name, conv.name)
        for name in optim_core.names()
        if optim_core.spec(name).family == "first_order"
        for conv in optim_core.spec(name).conventions
    ]


def random_hyper(
    name: str, convention: str, rng: np.random.Generator, max_lr: float = 0.3
) -> dict[str, float]:
    """Random values inside each parameter's range: log-uniform rates, β's up to 0.999."""
    draws = {
        "lr": lambda: max_lr * 10 ** rng.uniform(-2.5, 0),
        "eps": lambda: 10 ** rng.uniform(-10, -1),
        "weight_decay": lambda: rng.choice([0.0, rng.uniform(0, 0.3)]),
        "momentum": lambda: rng.uniform(0, 0.99),
        "beta1": lambda: rng.uniform(0, 0.99),
        "beta2": lambda: rng.uniform(0.5, 0.999),
        "alpha": lambda: rng.uniform(0, 0.999),
        "rho": lambda: rng.uniform(0, 0.99),
        "lr_decay": lambda: rng.uniform(0, 1),
        "initial_accumulator_value": lambda: rng.choice([0.0, rng.uniform(0, 1)]),
        "momentum_decay": lambda: rng.uniform(0, 0.1),
    }
    return {p.name: float(draws[p.name]()) for p in optim_core.spec(name).params}


def reference_run(
    name: str,
    convention: str,
    grad: GradFn,
    start: Vector,
    rates: list[float],
    hyper: dict[str, float],
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """θ_0 … θ_T and every recorded slot (row 0 = the initial state) from the rule."""
    rule = RULES[name, convention]
    slots = [s.name for s in optim_core.spec(name).state]
    # Weight decay: L2 through the gradient (torch), or θ ← θ − θλη before the step (the
    # Keras forms); AdamW's rules decay θ themselves.
    decoupled = optim_core.spec(name).convention(convention).decoupled_weight_decay
    wd = hyper.get("weight_decay", 0.0) if name != "adamw" else 0.0
    shrink = wd if decoupled else 0.0
    wd = 0.0 if decoupled else wd
    state = {k: np.zeros(2) for k in slots}
    if name == "adagrad":
        state["sum_sq"] = np.full(2, hyper["initial_accumulator_value"])
    path, record = [np.array(start, float)], {k: [state[k].copy()] for k in slots}
    for t, lr in enumerate(rates, start=1):
        theta = path[-1]

        def fed(point):  # L2 weight decay: ∇(f + λ‖θ‖²/2) where the gradient is taken
            return grad(point) + wd * point

        if shrink:
            new = rule(theta - theta * (lr * shrink), lambda _, at=theta: grad(at), state, t,
                       lr, hyper)  # fmt: skip
        else:
            new = rule(theta, fed, state, t, lr, hyper)
        state["update"] = new - theta
        path.append(new)
        for k in slots:
            record[k].append(np.array(state[k], float))
    return np.array(path), {k: np.array(v) for k, v in record.items()}


def test_every_first_order_convention_has_a_reference_rule():
    assert sorted(first_order_conventions()) == sorted(RULES)


@pytest.mark.parametrize("surface", sorted(SURFACES))
@pytest.mark.parametrize("steps", [1, 3])
@pytest.mark.parametrize(("name", "convention"), first_order_conventions())
def test_update_matches_published_formula(name, convention, steps, surface):
    surface_name, params, grad, max_lr = SURFACES[surface]
    for seed in SEEDS:
        rng = np.random.default_rng([seed, steps, len(surface)])
        start = rng.uniform(-3, 3, size=2)
        hyper = random_hyper(name, convention, rng, max_lr)
        traj = optim_core.run(
            name, surface_name, start=start, steps=steps, convention=convention,
            surface_params=params, **hyper,
        )  # fmt: skip
        path, slots = reference_run(name, convention, grad, start, [hyper["lr"]] * steps, hyper)
        context = f"seed {seed}, start {start.tolist()}, hyper {hyper}"
        assert traj.diverged_at is None, context
        np.testing.assert_allclose(traj.path, path, rtol=RTOL, atol=ATOL, err_msg=context)
        assert set(traj.state) == set(slots)
        for key, expected in slots.items():
            np.testing.assert_allclose(
                traj.state[key], expected, rtol=RTOL, atol=ATOL, err_msg=f"slot {key}; {context}"
            )
        # The recorded update is exactly the path difference; lr is the constant rate.
        np.testing.assert_array_equal(traj.state["update"][1:], np.diff(traj.path, axis=0))
        np.testing.assert_array_equal(traj.lr, np.full(steps, hyper["lr"]))


@pytest.mark.parametrize(("name", "convention"), first_order_conventions())
def test_scheduled_rate_enters_the_formula_as_eta_t(name, convention):
    """Under cosine decay η_t = η·½(1 + cos(π t/s)) every rule uses the rate of its step
    (the momentum forms part here: torch rescales the whole buffer, velocity only g)."""
    steps, decay_steps = 6, 4
    rng = np.random.default_rng(7)
    hyper = random_hyper(name, convention, rng)
    rates = [
        hyper["lr"] * 0.5 * (1 + math.cos(math.pi * min(t, decay_steps) / decay_steps))
        for t in range(steps)
    ]
    start = np.array([-2.0, 1.5])
    traj = optim_core.run(
        name, "bowl", start=start, steps=steps, convention=convention,
        schedule={"name": "cosine", "decay_steps": decay_steps},
        surface_params={"a": BOWL_A, "b": BOWL_B}, **hyper,
    )  # fmt: skip
    path, _ = reference_run(name, convention, bowl_grad, start, rates, hyper)
    np.testing.assert_allclose(traj.lr, rates, rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(traj.path, path, rtol=RTOL, atol=ATOL)


def test_momentum_forms_agree_at_constant_rate_and_part_under_a_schedule():
    """The registry's note: velocity = torch at constant η (v = −ηb); a schedule parts them."""
    common = dict(start=(-2.0, 1.5), steps=8, lr=0.05, momentum=0.8)
    torch_form = optim_core.run("momentum", "booth", **common)
    velocity = optim_core.run("momentum", "booth", convention="velocity", **common)
    np.testing.assert_allclose(velocity.path, torch_form.path, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(
        velocity.state["velocity"][1:],
        -0.05 * torch_form.state["velocity"][1:],
        rtol=1e-12,
        atol=1e-14,
    )
    decay = {"name": "exponential", "decay_rate": 0.5, "decay_steps": 1}
    torch_form = optim_core.run("momentum", "booth", schedule=decay, **common)
    velocity = optim_core.run("momentum", "booth", convention="velocity", schedule=decay, **common)
    assert np.abs(velocity.path[-1] - torch_form.path[-1]).max() > 1e-3


# --- schedules, plateau, noise and numerical gradients as the engine applies them ------------


def test_plateau_reduces_rate_like_torch_reduce_lr_on_plateau():
    """torch.optim.lr_scheduler.ReduceLROnPlateau (mode="min", threshold_mode="rel"),
    stepped with the loss after each update, transcribed from its `step`/`_reduce_lr`."""
    factor, patience, threshold, cooldown, min_lr = 0.5, 1, 1e-4, 1, 0.3
    lr, steps = 1.3, 25  # y factor 1 − 2·1.7·η < −1 until η is halved twice
    config = {"name": "plateau", "factor": factor, "patience": patience,
              "threshold": threshold, "cooldown": cooldown, "min_lr": min_lr}  # fmt: skip
    theta, rates, path = np.array([-2.0, 1.0]), [], [np.array([-2.0, 1.0])]
    best, bad_epochs, cooldown_counter = math.inf, 0, 0
    for _ in range(steps):
        rates.append(lr)
        theta = theta - lr * bowl_grad(theta)
        path.append(theta)
        current = bowl_value(theta)
        if current < best * (1 - threshold):
            best, bad_epochs = current, 0
        else:
            bad_epochs += 1
        if cooldown_counter > 0:
            cooldown_counter -= 1
            bad_epochs = 0
        if bad_epochs > patience:
            new_lr = max(lr * factor, min_lr)
            if lr - new_lr > 1e-8:
                lr = new_lr
            cooldown_counter, bad_epochs = cooldown, 0
    traj = optim_core.run(
        "sgd", "bowl", start=(-2.0, 1.0), steps=steps, lr=1.3, schedule=config,
        surface_params={"a": BOWL_A, "b": BOWL_B},
    )  # fmt: skip
    assert len(set(rates)) >= 3, "the reference never reduced the rate: the test is vacuous"
    np.testing.assert_array_equal(traj.lr, rates)
    np.testing.assert_allclose(traj.path, np.array(path), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("name", ["newton", "lbfgs"])
def test_plateau_schedule_is_refused_for_second_order_methods(name):
    """Reduce-on-plateau lives in the first-order loop; Newton once ignored it silently."""
    config = {"name": "plateau", "factor": 0.1, "patience": 0}
    hyper = {"lr": 0.5} if name == "newton" else {}
    with pytest.raises(optim_core.ParameterError, match="schedule"):
        optim_core.run(name, "saddle", start=(0.5, 1.0), steps=5, schedule=config, **hyper)


@pytest.mark.parametrize("mode", ["absolute", "relative"])
def test_noise_streams_are_the_documented_generators(mode):
    """Row b with one seed s draws default_rng([s, b]); with a seed array, default_rng([s_b, 0])."""
    steps, sigma, lr = 5, 0.3, 0.1
    starts = np.array([[-2.0, 1.0], [1.5, -0.5], [0.5, 2.5]])
    for seed, keys in ((11, [[11, b] for b in range(3)]), (np.array([4, 9, 2]), None)):
        keys = keys or [[int(s), 0] for s in seed]
        traj = optim_core.run(
            "sgd", "bowl", start=starts, steps=steps, lr=lr, noise=sigma, noise_mode=mode,
            seed=seed, surface_params={"a": BOWL_A, "b": BOWL_B},
        )  # fmt: skip
        for b, key in enumerate(keys):
            draws = np.random.default_rng(key).standard_normal((steps, 2))
            theta = starts[b]
            for t in range(steps):
                g = bowl_grad(theta)
                scale = sigma * (np.linalg.norm(g) if mode == "relative" else 1.0)
                fed = g + scale * draws[t]
                np.testing.assert_allclose(traj.state["g"][t + 1, b], fed, rtol=1e-13)
                theta = theta - lr * fed
                np.testing.assert_allclose(traj.path[t + 1, b], theta, rtol=1e-13, atol=1e-15)


def test_numerical_gradient_is_central_differences_with_step_h():
    h, start = 1e-3, np.array([1.3, -0.7])
    traj = optim_core.run("sgd", "himmelblau", start=start, steps=3, lr=0.01,
                          gradient="numerical", fd_step=h)  # fmt: skip

    def f(p):
        return (p[0] ** 2 + p[1] - 11) ** 2 + (p[0] + p[1] ** 2 - 7) ** 2

    for t in range(3):
        p = traj.path[t]
        expected = [(f(p + e) - f(p - e)) / (2 * h) for e in np.eye(2) * h]
        np.testing.assert_allclose(traj.state["g"][t + 1], expected, rtol=1e-9)
    assert traj.func_evals.tolist() == [0, 4, 8, 12]  # four values per central difference
    assert traj.grad_evals.tolist() == [0, 0, 0, 0]


# --- second-order methods ----------------------------------------------------------------


@pytest.mark.parametrize(("surface", "minimum"), [("bowl", (0.0, 0.0)), ("booth", (1.0, 3.0))])
def test_newton_lands_on_a_quadratic_minimum_in_one_step(surface, minimum):
    rng = np.random.default_rng(3)
    for start in rng.uniform(-8, 8, size=(5, 2)):
        traj = optim_core.run("newton", surface, start=start, steps=1, lr=1.0, damping=0.0)
        np.testing.assert_allclose(traj.path[1], minimum, rtol=0, atol=1e-12)
        assert traj.hess_evals.tolist() == [0, 1] and traj.grad_evals.tolist() == [0, 1]


def test_damped_newton_step_is_a_linear_solve():
    """θ_t = θ_{t−1} − η (H + λI)⁻¹ g on Rosenbrock, H and g written out by hand."""

    def grad(p, a=1.0, b=100.0):
        x, y = p
        return np.array([-2 * (a - x) - 4 * b * x * (y - x**2), 2 * b * (y - x**2)])

    def hess(p, b=100.0):
        x, y = p
        return np.array([[2 - 4 * b * y + 12 * b * x**2, -4 * b * x], [-4 * b * x, 2 * b]])

    rng = np.random.default_rng(5)
    for _ in range(4):
        start, lr, damping = rng.uniform(-1.5, 1.5, 2), rng.uniform(0.2, 1), rng.uniform(1, 50)
        traj = optim_core.run("newton", "rosenbrock", start=start, steps=4, lr=lr,
                              damping=damping)  # fmt: skip
        theta = start
        for t in range(4):
            direction = np.linalg.solve(hess(theta) + damping * np.eye(2), grad(theta))
            np.testing.assert_allclose(traj.state["newton_step"][t + 1], direction, rtol=1e-10)
            theta = theta - lr * direction
            np.testing.assert_allclose(traj.path[t + 1], theta, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize(("surface", "minimum"), [("bowl", (0.0, 0.0)), ("booth", (1.0, 3.0))])
def test_lbfgs_reaches_the_minimum(surface, minimum):
    traj = optim_core.run("lbfgs", surface, steps=100)
    np.testing.assert_allclose(traj.path[-1], minimum, rtol=0, atol=1e-8)
    assert traj.diverged_at is None


@pytest.mark.parametrize("surface", ["rosenbrock", "himmelblau", "beale"])
def test_lbfgs_counts_every_evaluation_scipy_makes(surface):
    """Iteration i of the path is SciPy's i-th callback point, and the cumulative counts
    are the objective calls SciPy had made by then (line-search calls included)."""
    surf = surfaces.get(surface)
    steps, history = 40, 5
    points, counts, calls = [np.array(surf.default_start, float)], [0], [0]

    def fun(p):
        calls[0] += 1
        return float(surf.value(p)), surf.grad(p)

    def callback(xk):
        points.append(np.array(xk, float))
        counts.append(calls[0])

    minimize(fun, points[0], jac=True, method="L-BFGS-B", callback=callback,
             options={"maxcor": history, "maxiter": steps, "ftol": 1e-15, "gtol": 1e-10})  # fmt: skip
    traj = optim_core.run("lbfgs", surface, steps=steps, history_size=history)
    n = min(len(points), steps + 1)
    np.testing.assert_allclose(traj.path[:n], np.array(points[:n]), rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(traj.grad_evals[:n], counts[:n])
    np.testing.assert_array_equal(traj.func_evals[:n], counts[:n])
    assert np.all(np.diff(traj.grad_evals) >= 0)
    assert np.all(traj.grad_evals[1:n] >= np.arange(1, n)), "fewer evaluations than iterations"
    assert traj.hess_evals.max() == 0


def test_schedule_curve_is_make_times_lr():
    """The engine's rates are `schedules.make(config, 1, T)(arange(T))` times lr."""
    config = {"name": "one_cycle", "warmup_steps": 3}
    traj = optim_core.run("adam", "bowl", steps=30, lr=0.2, schedule=config)
    expected = 0.2 * np.asarray(schedules.make(config, 1.0, 30)(np.arange(30)))
    np.testing.assert_allclose(traj.lr, expected, rtol=1e-15)


@pytest.mark.parametrize(
    ("name", "convention"),
    [
        (name, convention)
        for name, convention in first_order_conventions()
        if not optim_core.spec(name).convention(convention).decoupled_weight_decay
    ],
)
def test_weight_decay_is_the_gradient_of_an_l2_penalty(name, convention):
    """weight_decay λ adds λθ to the gradient: on a x² + b y² that is the bowl
    (a + λ/2) x² + (b + λ/2) y² without decay, whatever the optimizer does with g.
    (Look-ahead NAG once added λθ at θ instead of at its look-ahead point θ + μv.)"""
    decay, start, steps = 0.4, (-2.5, 1.5), 12
    hyper = {"lr": 0.02} | ({"momentum": 0.9} if name in ("momentum", "nesterov") else {})
    decayed = optim_core.run(
        name, "bowl", start=start, steps=steps, convention=convention, weight_decay=decay,
        surface_params={"a": BOWL_A, "b": BOWL_B}, **hyper,
    )  # fmt: skip
    penalised = optim_core.run(
        name, "bowl", start=start, steps=steps, convention=convention,
        surface_params={"a": BOWL_A + decay / 2, "b": BOWL_B + decay / 2}, **hyper,
    )  # fmt: skip
    np.testing.assert_allclose(decayed.path, penalised.path, rtol=1e-10, atol=1e-12)
