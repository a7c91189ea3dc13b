"""Properties of the engine over random inputs (Hypothesis), NumPy's test_clip_property style.

Each property draws inputs, computes the expected answer by a simpler trusted route (one
run at a time, a closed form, a sign, a scaled surface) and compares.  Counterexamples
Hypothesis has found are pinned as explicit `@example`s.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

import optim_core
from optim_core import engine

# No example database: the suite must not write into the repository.
PROPERTIES = settings(max_examples=40, deadline=None, database=None)
CHEAP = settings(max_examples=25, deadline=None, database=None)

FIRST_ORDER = [n for n in optim_core.names() if optim_core.spec(n).family == "first_order"]
BATCHABLE = [*FIRST_ORDER, "newton"]

# A few bound surfaces, reused so that Hypothesis does not compile a new one per example.
BOWL_SHAPES = [(0.05, 1.0), (0.3, 1.7), (1.0, 1.0), (2.0, 0.25)]
SCALES = [1e-3, 0.5, 40.0, 1e3]  # each scaled bowl compiles its callbacks once


def coordinate(low: float = 1e-3, high: float = 5.0) -> st.SearchStrategy[float]:
    """A float with magnitude in [low, high] and either sign."""
    magnitude = st.floats(low, high, allow_nan=False, allow_infinity=False)
    return st.tuples(magnitude, st.booleans()).map(lambda p: -p[0] if p[1] else p[0])


# --- (a) a batch equals its rows, state and divergence included --------------------------------


@st.composite
def batch_case(draw):
    name = draw(st.sampled_from(BATCHABLE))
    convention = draw(st.sampled_from([c.name for c in optim_core.spec(name).conventions]))
    surface = draw(st.sampled_from(["bowl", "booth", "himmelblau", "rosenbrock"]))
    rows = draw(st.integers(1, 4))
    starts = draw(
        st.lists(st.tuples(coordinate(0, 3), coordinate(0, 3)), min_size=rows, max_size=rows)
    )
    rates = draw(
        st.lists(st.floats(1e-4, 0.5), min_size=rows, max_size=rows)
        if name != "newton"
        else st.lists(st.floats(0.1, 1.0), min_size=rows, max_size=rows)
    )
    seeds = draw(st.lists(st.integers(0, 2**32 - 1), min_size=rows, max_size=rows))
    noise = draw(st.sampled_from([0.0, 0.05, 1.0]))
    extra = {}
    spec = optim_core.spec(name)
    if "beta1" in [p.name for p in spec.params] and draw(st.booleans()):
        extra["beta1"] = draw(st.lists(st.floats(0.0, 0.99), min_size=rows, max_size=rows))
    if "momentum" in [p.name for p in spec.params] and draw(st.booleans()):
        extra["momentum"] = draw(st.lists(st.floats(0.0, 0.99), min_size=rows, max_size=rows))
    steps = draw(st.integers(0, 30))
    mode = draw(st.sampled_from(["absolute", "relative"]))
    return name, convention, surface, starts, rates, seeds, noise, extra, steps, mode


@PROPERTIES
@given(batch_case())
@example(("adam", "torch", "rosenbrock", [(2.5, 2.5), (-0.5, 1.0)], [0.5, 0.01], [0, 7], 1.0,
          {"beta1": [0.0, 0.9]}, 30, "absolute"))  # fmt: skip
@example(("sgd", "torch", "himmelblau", [(3.0, 3.0), (0.1, 0.1)], [0.5, 0.001], [1, 2], 0.0,
          {}, 30, "absolute"))  # one row diverges, the other does not  # fmt: skip
@example(("newton", "newton", "rosenbrock", [(0.0, 0.0), (1.0, -1.0)], [1.0, 0.5], [3, 4],
          0.05, {}, 10, "relative"))  # fmt: skip
def test_batch_equals_its_rows_run_one_by_one(case):
    name, convention, surface, starts, rates, seeds, noise, extra, steps, mode = case
    common = dict(steps=steps, convention=convention, noise=noise, noise_mode=mode)
    batch = optim_core.run(
        name, surface, start=np.array(starts), lr=np.array(rates), seed=np.array(seeds),
        **common, **{k: np.array(v) for k, v in extra.items()},
    )  # fmt: skip
    assert batch.path.shape == (steps + 1, len(starts), 2)
    for b, start in enumerate(starts):
        single = optim_core.run(
            name, surface, start=start, lr=rates[b], seed=seeds[b], **common,
            **{k: v[b] for k, v in extra.items()},
        )  # fmt: skip
        row = batch.row(b)
        np.testing.assert_array_equal(row.path, single.path)
        np.testing.assert_array_equal(row.loss, single.loss)
        np.testing.assert_array_equal(row.lr, single.lr)
        assert row.state.keys() == single.state.keys()
        for key in single.state:
            np.testing.assert_array_equal(row.state[key], single.state[key], err_msg=key)
        assert row.diverged_at == single.diverged_at
        assert batch.diverged_at[b] == (-1 if single.diverged_at is None else single.diverged_at)
        np.testing.assert_array_equal(row.grad_evals, single.grad_evals)


# --- (b) Adam's first step is −η·sign(g) when ε = 0 ----------------------------------------


SIGN_STEP = [("adam", "torch"), ("adam", "folded"), ("adam", "eps_inside"), ("amsgrad", "torch"),
             ("adamw", "torch"), ("adamax", "torch"), ("adamax", "keras")]  # fmt: skip


@PROPERTIES
@given(
    pair=st.sampled_from(SIGN_STEP),
    start=st.tuples(coordinate(1e-6, 50.0), coordinate(1e-6, 50.0)),
    lr=st.floats(1e-6, 10.0),
    beta1=st.floats(0.0, 0.999),
    beta2=st.floats(0.0, 0.999),
)
@example(pair=("adam", "torch"), start=(-7.0, 2.0), lr=0.3, beta1=0.9, beta2=0.999)
def test_adam_first_step_is_minus_lr_sign_of_gradient(pair, start, lr, beta1, beta2):
    """m̂₁ = g and v̂₁ = g², so with ε = 0 the first step is η·g/|g| in each coordinate."""
    name, convention = pair
    extra = {"weight_decay": 0.0} if name == "adamw" else {}
    traj = optim_core.run(name, "bowl", start=start, steps=1, convention=convention, lr=lr,
                          eps=0.0, beta1=beta1, beta2=beta2, **extra)  # fmt: skip
    g = np.array([0.1 * start[0], 2.0 * start[1]])
    expected = -lr * np.sign(g)
    # the recorded update is θ₁ − θ₀: exact up to the rounding of that subtraction
    slack = 4e-16 * lr + 2 * np.spacing(np.abs(start) + lr)
    assert np.all(np.abs(traj.state["update"][1] - expected) <= slack)
    assert traj.diverged_at is None


# --- (c) adaptive methods with ε = 0 ignore the gradient's scale -----------------------------


SCALE_FREE = [
    ("adagrad", "torch"), ("adagrad", "dlfs"), ("adagrad", "eps_inside"),
    ("rmsprop", "torch"), ("rmsprop", "eps_inside"), ("adam", "torch"), ("adam", "folded"),
    ("adam", "eps_inside"), ("amsgrad", "torch"), ("adamax", "torch"), ("adamax", "keras"),
    ("nadam", "torch"), ("nadam", "dozat"),
]  # fmt: skip


@PROPERTIES
@given(
    pair=st.sampled_from(SCALE_FREE),
    shape=st.sampled_from(BOWL_SHAPES[:2]),
    scale=st.sampled_from(SCALES),
    start=st.tuples(coordinate(0.05, 4.0), coordinate(0.05, 4.0)),
    lr=st.floats(1e-3, 0.3),
)
# The first AdaGrad step is η·sign(g): here it lands exactly on x = 0 in one run and on a
# rounding error away (1e-37) in the other, so losses compare absolutely near zero.
@example(pair=("adagrad", "torch"), shape=(0.05, 1.0), scale=1e-3, start=(0.09375, 0.09375),
         lr=0.09375)  # fmt: skip
def test_adaptive_methods_are_invariant_to_gradient_scale(pair, shape, scale, start, lr):
    """Scaling f by c scales g by c; with ε = 0 every one of these steps divides it out."""
    name, convention = pair
    a, b = shape
    common = dict(start=start, steps=15, convention=convention, lr=lr, eps=0.0)
    plain = optim_core.run(name, "bowl", surface_params={"a": a, "b": b}, **common)
    scaled = optim_core.run(name, "bowl", surface_params={"a": scale * a, "b": scale * b},
                            **common)  # fmt: skip
    assert plain.diverged_at is None and scaled.diverged_at is None
    np.testing.assert_allclose(scaled.path, plain.path, rtol=1e-9,
                               atol=1e-9 * np.abs(plain.path).max())  # fmt: skip
    np.testing.assert_allclose(scaled.loss, scale * plain.loss, rtol=1e-8,
                               atol=1e-15 * scale * plain.loss.max())  # fmt: skip


def test_scale_invariance_needs_eps_zero():
    """Sanity check of the property above: with Adam's default ε a tiny scale shows."""
    common = dict(start=(-2.0, 1.0), steps=15, lr=0.1, eps=1e-3)
    plain = optim_core.run("adam", "bowl", **common)
    scaled = optim_core.run("adam", "bowl", surface_params={"a": 5e-5, "b": 1e-3}, **common)
    assert np.abs(scaled.path - plain.path).max() > 1e-3


# --- (d) SGD on a convex quadratic: monotone below 2/L, divergent above -----------------------


def quadratic_case(draw_surface: str, params: tuple[float, float]):
    if draw_surface == "bowl":
        a, b = params
        hessian = np.diag([2 * a, 2 * b])
        return {"a": a, "b": b}, hessian
    kappa, angle = params
    c, s = np.cos(np.radians(angle)), np.sin(np.radians(angle))
    rotation = np.array([[c, s], [-s, c]])  # (u, v) = R (x, y)
    hessian = rotation.T @ np.diag([1.0, kappa]) @ rotation
    return {"kappa": kappa, "angle": angle}, hessian


QUADRATICS = [("bowl", s) for s in BOWL_SHAPES] + [
    ("rotated_quadratic", (10.0, 30.0)),
    ("rotated_quadratic", (50.0, 20.0)),
    ("rotated_quadratic", (3.0, -60.0)),
]


@PROPERTIES
@given(
    quadratic=st.sampled_from(QUADRATICS),
    fraction=st.floats(1e-3, 0.98),
    start=st.tuples(coordinate(0.1, 2.5), coordinate(0.1, 2.5)),
)
def test_sgd_decreases_a_convex_quadratic_every_step_below_two_over_l(quadratic, fraction, start):
    surface, shape = quadratic
    params, hessian = quadratic_case(surface, shape)
    lipschitz = np.linalg.eigvalsh(hessian).max()
    traj = optim_core.run("sgd", surface, start=start, steps=200, lr=fraction * 2 / lipschitz,
                          surface_params=params)  # fmt: skip
    assert traj.diverged_at is None
    loss = traj.loss
    assert np.all(np.diff(loss) <= 0)
    meaningful = loss[:-1] > 1e-250
    assert np.all(np.diff(loss)[meaningful] < 0)


@PROPERTIES
@given(
    quadratic=st.sampled_from(QUADRATICS),
    fraction=st.floats(1.05, 3.0),
    start=st.tuples(coordinate(0.1, 2.5), coordinate(0.1, 2.5)),
)
def test_sgd_diverges_on_a_convex_quadratic_above_two_over_l(quadratic, fraction, start):
    surface, shape = quadratic
    params, hessian = quadratic_case(surface, shape)
    eigenvalues, vectors = np.linalg.eigh(hessian)
    assume(abs(np.dot(start, vectors[:, -1])) > 0.05)  # the unstable direction is present
    traj = optim_core.run("sgd", surface, start=start, steps=2000,
                          lr=fraction * 2 / eigenvalues.max(), surface_params=params)  # fmt: skip
    assert isinstance(traj.diverged_at, int) and traj.diverged_at > 0
    assert np.all(np.isfinite(traj.path)) and np.all(np.isfinite(traj.loss))
    frozen = traj.path[traj.diverged_at - 1 :]
    assert np.all(frozen == frozen[0]), "the path must stop at its last finite point"


# --- (e) gradient descent on a x² + b y² in closed form ------------------------------------


@PROPERTIES
@given(
    shape=st.sampled_from(BOWL_SHAPES),
    lr_fraction=st.floats(0.0, 1.0, exclude_min=True),
    start=st.tuples(coordinate(1e-3, 9.0), coordinate(1e-3, 4.5)),
    steps=st.integers(1, 50),
)
@example(shape=(0.05, 1.0), lr_fraction=0.95, start=(-7.0, 2.0), steps=29)
def test_gradient_descent_on_a_bowl_is_geometric(shape, lr_fraction, start, steps):
    """x_t = x₀(1 − 2aη)^t, y_t = y₀(1 − 2bη)^t."""
    a, b = shape
    lr = lr_fraction / max(a, b)  # |1 − 2aη| ≤ 1 and |1 − 2bη| ≤ 1
    factors = np.array([1 - 2 * a * lr, 1 - 2 * b * lr])
    # Near a zero factor θ − ηg cancels: the closed form then holds only absolutely.
    assume(np.all(np.abs(factors) >= 0.1))
    traj = optim_core.run("sgd", "bowl", start=start, steps=steps, lr=lr,
                          surface_params={"a": a, "b": b})  # fmt: skip
    t = np.arange(steps + 1)[:, None]
    np.testing.assert_allclose(traj.path, np.array(start) * factors**t, rtol=1e-12, atol=0)


# --- (f) gradient noise -----------------------------------------------------------------------


@CHEAP
@given(
    name=st.sampled_from(BATCHABLE),
    seed=st.integers(0, 2**32 - 1),
    other=st.integers(0, 2**32 - 1),
    sigma=st.floats(0.01, 2.0),
    mode=st.sampled_from(["absolute", "relative"]),
)
def test_noise_is_reproducible_and_depends_on_the_seed(name, seed, other, sigma, mode):
    assume(seed != other)
    common = dict(start=(-2.0, 1.5), steps=20, noise=sigma, noise_mode=mode)
    first = optim_core.run(name, "booth", seed=seed, **common)
    again = optim_core.run(name, "booth", seed=seed, **common)
    different = optim_core.run(name, "booth", seed=other, **common)
    np.testing.assert_array_equal(first.path, again.path)
    for key in first.state:
        np.testing.assert_array_equal(first.state[key], again.state[key])
    assert not np.array_equal(first.path, different.path)


@CHEAP
@given(
    name=st.sampled_from(BATCHABLE),
    sigma=st.floats(0.01, 100.0),
    seed=st.integers(0, 2**32 - 1),
    surface=st.sampled_from(["bowl", "saddle", "booth"]),
)
# AdamW's default decoupled decay (λ = 0.01) pulls towards the origin, away from (1, 3).
@example(name="adamw", sigma=1.0, seed=0, surface="booth")
def test_relative_noise_adds_nothing_where_the_gradient_vanishes(name, sigma, seed, surface):
    """σ‖g‖ is 0 at a stationary point (minimum or saddle): the run never moves."""
    point = {"bowl": (0.0, 0.0), "saddle": (0.0, 0.0), "booth": (1.0, 3.0)}[surface]
    decay = {"weight_decay": 0.0} if name == "adamw" else {}
    traj = optim_core.run(name, surface, start=point, steps=10, noise=sigma,
                          noise_mode="relative", seed=seed, **decay)  # fmt: skip
    assert traj.diverged_at is None
    np.testing.assert_array_equal(traj.path, np.broadcast_to(point, (11, 2)))
    np.testing.assert_array_equal(traj.state["g"], 0.0)


# --- (g) numerical gradients -------------------------------------------------------------------


@PROPERTIES
@given(
    start=st.tuples(st.floats(-5, 5), st.floats(-5, 5)),
    h=st.floats(1e-4, 1e-2),
)
def test_numerical_gradient_error_is_the_h_squared_term(start, h):
    """On Himmelblau (quartic) the central difference is exact up to its h² term:
    (f(x+h) − f(x−h))/2h = ∂f/∂x + h² f'''/6 = ∂f/∂x + 4x·h² (likewise 4y·h² for y)."""
    x, y = start
    traj = optim_core.run("sgd", "himmelblau", start=start, steps=1, lr=1e-6,
                          gradient="numerical", fd_step=h)  # fmt: skip
    u, w = x**2 + y - 11, x + y**2 - 7
    exact = np.array([4 * x * u + 2 * w, 2 * u + 4 * y * w])
    rounding = 1e-15 * 2000 / h  # ε·|f| / h with |f| ≲ 2000 on the domain
    np.testing.assert_allclose(
        traj.state["g"][1], exact + 4 * np.array(start) * h**2, rtol=0, atol=rounding + 1e-12
    )


def dlfs_numerical_gradient(f, x):
    """Deep Learning from Scratch ch. 4 `numerical_gradient` (common/gradient.py)."""
    h = 1e-4  # 0.0001
    grad = np.zeros_like(x)
    for idx in range(x.size):
        tmp_val = x[idx]
        x[idx] = float(tmp_val) + h
        fxh1 = f(x)  # f(x+h)
        x[idx] = tmp_val - h
        fxh2 = f(x)  # f(x-h)
        grad[idx] = (fxh1 - fxh2) / (2 * h)
        x[idx] = tmp_val
    return grad


def test_numerical_gradient_reproduces_dlfs_chapter_4():
    def function_2(x):
        return x[0] ** 2 + x[1] ** 2

    book = dlfs_numerical_gradient(function_2, np.array([3.0, 4.0]))
    traj = optim_core.run("sgd", "bowl", start=(3.0, 4.0), steps=1, gradient="numerical",
                          surface_params={"a": 1.0, "b": 1.0})  # default h = 1e-4  # fmt: skip
    np.testing.assert_allclose(traj.state["g"][1], book, rtol=1e-10)
    np.testing.assert_allclose(traj.state["g"][1], [6.0, 8.0], rtol=1e-9)


@pytest.mark.parametrize("name", FIRST_ORDER)
def test_numerical_and_analytic_gradients_give_nearby_paths(name):
    """Every first-order method accepts gradient="numerical"; with h = 1e-5 on a smooth
    surface the path differs from the analytic one by O(h²) per step."""
    common = dict(start=(-1.0, 2.5), steps=10, lr=0.01)
    analytic = optim_core.run(name, "himmelblau", **common)
    numerical = optim_core.run(name, "himmelblau", gradient="numerical", fd_step=1e-5, **common)
    assert analytic.diverged_at is None
    np.testing.assert_allclose(numerical.path, analytic.path, rtol=0, atol=1e-6)


# --- (a') the wide-batch fast path equals its rows too --------------------------------------

# From this many rows the engine steps the whole batch per callback (and in parallel).
WIDE = max(getattr(engine, "BATCH_KERNEL_MIN", 256), getattr(engine, "PARALLEL_MIN_BATCH", 256))
WIDE += 44
PLATEAU = {"name": "plateau", "factor": 0.5, "patience": 2}
WIDE_CASES = [
    (name, convention.name, schedule)
    for name in BATCHABLE
    for convention in optim_core.spec(name).conventions
    for schedule in ([None] if name == "newton" else [None, PLATEAU])
]


@pytest.mark.parametrize(("name", "convention", "schedule"), WIDE_CASES)
def test_wide_batch_equals_its_rows_run_one_by_one(name, convention, schedule):
    """torch's test_foreach_matches_forloop: the fast path, state included, is the slow one."""
    rng = np.random.default_rng(len(name) + len(convention))
    starts = rng.uniform(-4, 4, size=(WIDE, 2))
    rates = 10 ** rng.uniform(-3.5, -0.5, WIDE)  # the largest rates blow up on Himmelblau
    if name == "newton":
        rates = rng.uniform(0.1, 1.0, WIDE)
    seeds = rng.integers(0, 2**32, WIDE)
    common = dict(steps=25, convention=convention, schedule=schedule, noise=0.05)
    batch = optim_core.run(name, "himmelblau", start=starts, lr=rates, seed=seeds, **common)
    diverged = np.flatnonzero(batch.diverged_at >= 0)
    rows = [*diverged[:3], *rng.choice(WIDE, 10, replace=False)]
    for b in rows:
        single = optim_core.run(name, "himmelblau", start=starts[b], lr=rates[b],
                                seed=int(seeds[b]), **common)  # fmt: skip
        row = batch.row(b)
        np.testing.assert_array_equal(row.path, single.path, err_msg=f"row {b}")
        np.testing.assert_array_equal(row.loss, single.loss, err_msg=f"row {b}")
        np.testing.assert_array_equal(row.lr, single.lr, err_msg=f"row {b}")
        for key in single.state:
            np.testing.assert_array_equal(row.state[key], single.state[key], err_msg=key)
        assert row.diverged_at == single.diverged_at
