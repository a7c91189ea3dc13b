"""Sweeps, basins, ensembles, random search and fair tuning against single runs of the
engine; the theory of quadratics against closed forms (gradient descent's stability limit,
Distill's optimal momentum)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import optim_core
import surfaces
from experiments.challenges import Challenge
from foundation.params import ParameterError
from optim_core import theory, tuning
from optim_core.sweeps import DIVERGED, STALLED
from surfaces.core import SurfaceDef, bind

BOWL_START = (-7.0, 2.0)


# --- the engine keeps only the last point when asked ---------------------------------------


@pytest.mark.parametrize(
    ("optimizer", "surface", "hyper"),
    [
        ("momentum", "bowl", {"lr": [0.05, 0.5, 1.9], "momentum": [0.9, 0.5, 0.9]}),
        ("adam", "rosenbrock", {"lr": [1e-3, 0.1, 50.0]}),
        ("nesterov", "himmelblau", {"lr": [1e-3, 0.02, 0.5], "momentum": [0.9, 0.9, 0.9]}),
        ("newton", "rosenbrock", {"lr": [0.5, 1.0, 1.0]}),
    ],
)
@pytest.mark.parametrize("steps", [1, 2, 77])
def test_last_point_run_equals_the_end_of_the_full_run(optimizer, surface, hyper, steps):
    hyper = {k: np.array(v) for k, v in hyper.items()}
    full = optim_core.run(optimizer, surface, steps=steps, **hyper)
    last = optim_core.run(optimizer, surface, steps=steps, record_path=False, **hyper)
    assert last.paths.shape == (1, 3, 2) and not last.keeps_path
    np.testing.assert_array_equal(last.paths, full.paths[-1:])
    np.testing.assert_array_equal(last.losses, full.losses[-1:])
    np.testing.assert_array_equal(last.diverged_rows, full.diverged_rows)
    for name, values in full.states.items():
        np.testing.assert_array_equal(last.states[name], values[-1:])
    np.testing.assert_array_equal(last.grad_evals, full.grad_evals[-1:])
    with pytest.raises(ValueError, match="record_path"):
        last.row(0).steps_to_tolerance(1e-3)


def test_a_diverging_row_keeps_its_last_finite_point_without_the_path():
    full = optim_core.run("sgd", "bowl", start=BOWL_START, steps=400, lr=[0.5, 1.5])
    last = optim_core.run("sgd", "bowl", start=BOWL_START, steps=400, lr=[0.5, 1.5],
                          record_path=False)  # fmt: skip
    assert full.diverged_at[1] > 0
    np.testing.assert_array_equal(last.paths[0], full.paths[-1])
    assert np.all(np.isfinite(last.paths))


# --- sweep ------------------------------------------------------------------------------------


def test_sweep_axes_follow_the_grid_and_each_cell_is_its_own_run():
    grid = {"lr": [0.01, 0.3, 2.5], "momentum": [0.0, 0.9]}
    result = optim_core.sweep("momentum", "bowl", grid, start=BOWL_START, steps=60)
    assert result.values.shape == result.diverged_at.shape == (3, 2)
    assert result.names == ("lr", "momentum")
    for i, lr in enumerate(grid["lr"]):
        for j, mu in enumerate(grid["momentum"]):
            single = optim_core.run(
                "momentum", "bowl", start=BOWL_START, steps=60, lr=lr, momentum=mu
            )
            assert result.settings_at((i, j)) == {"lr": lr, "momentum": mu}
            if single.diverged_at is None:
                assert result.diverged_at[i, j] == -1
                assert result.values[i, j] == pytest.approx(single.loss[-1], rel=1e-12, abs=1e-300)
            else:
                assert result.diverged_at[i, j] == single.diverged_at
                assert np.isnan(result.values[i, j]) and np.isnan(result.final_loss[i, j])
    assert (result.diverged_at[2] >= 0).all()  # lr 2.5 > 2/λmax = 1 for both momenta


def test_steps_to_tolerance_matches_the_trajectory_and_is_nan_when_never_reached():
    grid = {"lr": [0.05, 0.5, 0.95, 1.2]}
    result = optim_core.sweep("sgd", "bowl", grid, start=BOWL_START, steps=150,
                              criterion="steps_to_tol", tolerance=1e-4)  # fmt: skip
    for i, lr in enumerate(grid["lr"]):
        single = optim_core.run("sgd", "bowl", start=BOWL_START, steps=150, lr=lr)
        expected = single.steps_to_tolerance(1e-4)
        if expected is None or single.diverged_at is not None:
            assert np.isnan(result.values[i])
        else:
            assert result.values[i] == expected
    assert result.diverged_at[3] >= 0 and np.isnan(result.values[3])


def test_sweep_reports_progress_and_rejects_bad_grids():
    seen = []
    optim_core.sweep("sgd", "bowl", {"lr": np.geomspace(1e-3, 1, 16)}, steps=5,
                     progress=lambda done, total: seen.append((done, total)))  # fmt: skip
    assert seen[-1] == (8, 8)
    with pytest.raises(ParameterError, match="momentum"):
        optim_core.sweep("sgd", "bowl", {"momentum": [0.9]})
    with pytest.raises(ParameterError, match="lr"):
        optim_core.sweep("sgd", "bowl", {"lr": [-1.0]})
    with pytest.raises(ParameterError, match="criterion"):
        optim_core.sweep("sgd", "bowl", {"lr": [0.1]}, criterion="best")


# --- theory on quadratics: closed forms ------------------------------------------------------------


@pytest.mark.parametrize(
    ("surface", "params"),
    [("bowl", {}), ("bowl", {"a": 0.3, "b": 4.0}), ("rotated_quadratic", {"kappa": 25.0, "angle": 30.0}),
     ("booth", {})],
)  # fmt: skip
def test_gradient_descent_converges_exactly_below_two_over_lambda_max(surface, params):
    quad = theory.quadratic(surface, **params)
    limit = quad.gd_stability_limit
    surf = surfaces.get(surface, **params)
    start = np.asarray(surf.default_start, float)
    lrs = np.array([0.97, 0.995, 1.005, 1.03]) * limit
    traj = optim_core.run("sgd", surf, start=start, steps=3000, lr=lrs, record_path=False)
    distance = np.linalg.norm(traj.paths[-1] - quad.center, axis=-1)
    initial = np.linalg.norm(start - quad.center)
    converged = (traj.diverged_rows < 0) & (distance < 1e-3 * initial)
    assert converged.tolist() == [True, True, False, False]


def test_condition_number_and_rates_of_the_bowl():
    quad = theory.quadratic("bowl")  # f = x²/20 + y²: curvatures 0.1 and 2
    np.testing.assert_allclose(quad.eigenvalues, [0.1, 2.0])
    assert quad.condition_number == pytest.approx(20.0)
    assert quad.gd_optimal_lr == pytest.approx(2 / 2.1)
    assert quad.gd_rate(quad.gd_optimal_lr) == pytest.approx(19 / 21)  # (κ − 1)/(κ + 1)


def test_rotated_quadratic_eigenvectors_follow_the_angle():
    quad = theory.quadratic("rotated_quadratic", kappa=10.0, angle=30.0)
    steep = quad.eigenvectors[:, 1]
    angle = np.radians(30.0)
    assert abs(steep @ np.array([-np.sin(angle), np.cos(angle)])) == pytest.approx(1.0)


def test_optimal_momentum_is_distills_formula_and_the_fastest_of_its_neighbours():
    quad = theory.quadratic("bowl")
    lo, hi = 0.1, 2.0
    kappa = hi / lo
    alpha, beta = quad.momentum_optimal()
    assert alpha == pytest.approx((2 / (np.sqrt(lo) + np.sqrt(hi))) ** 2)
    assert beta == pytest.approx(((np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1)) ** 2)
    best = quad.momentum_rate(alpha, beta)
    assert best == pytest.approx((np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1), rel=1e-6)
    for da in (0.9, 1.0, 1.1):
        for db in (0.9, 1.0, 1.1):
            if (da, db) != (1.0, 1.0):
                assert quad.momentum_rate(alpha * da, beta * db) > best
    # The engine agrees: after 200 steps the optimum is closest to the minimum.
    factors = [(a, b) for a in (0.8, 1.0, 1.2) for b in (0.8, 1.0, 1.2)]
    lrs = np.array([alpha * a for a, _ in factors])
    mus = np.array([beta * b for _, b in factors])
    traj = optim_core.run("momentum", "bowl", start=BOWL_START, steps=200, lr=lrs, momentum=mus,
                          record_path=False)  # fmt: skip
    distance = np.linalg.norm(traj.paths[-1], axis=-1)
    assert int(np.argmin(distance)) == factors.index((1.0, 1.0))


@pytest.mark.parametrize("convention", ["torch", "velocity", "ema"])
def test_distills_momentum_converts_to_every_update_form(convention):
    alpha, beta = theory.quadratic("bowl").momentum_optimal()
    reference = optim_core.run(
        "momentum", "bowl", start=BOWL_START, steps=50, lr=alpha, momentum=beta
    )
    hyper = theory.momentum_hyper(alpha, beta, convention)
    converted = optim_core.run(
        "momentum", "bowl", start=BOWL_START, steps=50, convention=convention, **hyper
    )
    np.testing.assert_allclose(converted.path, reference.path, rtol=1e-9, atol=1e-12)


def test_quadratic_detection_is_exact_for_any_surface():
    assert theory.quadratic("rosenbrock") is None
    assert theory.quadratic("himmelblau") is None
    assert theory.quadratic("rastrigin") is None
    assert theory.quadratic("saddle").positive_definite is False
    np.testing.assert_allclose(theory.quadratic("booth").center, [1.0, 3.0])
    typed = bind(SurfaceDef(name="typed", title="typed", expression="3*x**2 + x*y + y**2 - 2*x + 5",
                            latex="", description="", domain=((-3, 3), (-3, 3)), default_start=(2, 2)))  # fmt: skip
    quad = theory.quadratic(typed)
    np.testing.assert_allclose(quad.hessian, [[6.0, 1.0], [1.0, 2.0]])
    np.testing.assert_allclose(quad.hessian @ quad.center, [2.0, 0.0], atol=1e-12)
    cubic = bind(SurfaceDef(name="cubic", title="cubic", expression="x**2*y + y**2", latex="",
                            description="", domain=((-3, 3), (-3, 3)), default_start=(1, 1)))  # fmt: skip
    assert theory.quadratic(cubic) is None


def test_taylor_models():
    point = np.array([-1.0, 1.5])
    model = theory.taylor("rosenbrock", point)
    surf = surfaces.get("rosenbrock")
    for h in (1e-2, 1e-3):
        d = np.array([0.6, -0.8]) * h
        exact = float(surf.value(point + d))
        # f − (f + gᵀd) = ½ dᵀHd + O(‖d‖³)
        assert exact - model(point + d, order=1) == pytest.approx(
            0.5 * d @ surf.hess(point) @ d, rel=0.05
        )
        assert abs(model(point + d, order=2) - exact) < 50 * h**3
    booth = theory.taylor("booth", (0.3, -2.0))
    xy = np.random.default_rng(0).uniform(-5, 5, (20, 2))
    np.testing.assert_allclose(booth(xy), surfaces.get("booth").value(xy), rtol=1e-12)
    with pytest.raises(ParameterError):
        theory.taylor("bowl", (np.nan, 0.0))


# --- basins ---------------------------------------------------------------------------------------


def test_basins_on_himmelblau_find_its_four_minima():
    result = optim_core.basins("sgd", "himmelblau", resolution=60, steps=400, lr=0.01)
    assert result.labels.shape == (60, 60)
    expected = [(3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848127)]
    assert len(result.minima) == 4
    for point in expected:
        assert min(np.hypot(point[0] - m[0], point[1] - m[1]) for m in result.minima) < 1e-4
    for label in range(4):
        assert result.share(label) > 0.1
    # A start's label is the minimum its own run ends at.
    surf = surfaces.get("himmelblau")
    for i, j in [(5, 7), (30, 30), (50, 12)]:
        start = (result.xs[j], result.ys[i])
        end = optim_core.run("sgd", surf, start=start, steps=400, lr=0.01).path[-1]
        assert (
            np.hypot(*(end - np.asarray(result.minima[result.labels[i, j]])))
            < result.capture_radius
        )


def test_basins_mark_diverged_and_stalled_starts():
    # x² − y²: starts on the x axis slide into the saddle, the others run away.
    result = optim_core.basins("sgd", "saddle", resolution=21, steps=300, lr=0.1)
    assert result.minima == ()
    middle = 10  # ys[10] == 0
    assert result.ys[middle] == 0.0
    assert (result.labels[middle] == STALLED).all()
    others = np.delete(result.labels, middle, axis=0)
    assert (others == DIVERGED).all()
    assert (result.diverged_at[result.labels == DIVERGED] >= 0).all()


def test_basins_find_minima_of_a_typed_formula_without_hints():
    surf = bind(SurfaceDef(name="wells", title="wells", expression="(x**2 - 1)**2 + y**2", latex="",
                           description="", domain=((-2, 2), (-2, 2)), default_start=(0.5, 1)))  # fmt: skip
    result = optim_core.basins("adam", surf, resolution=24, steps=600, lr=0.05)
    found = sorted(round(m[0], 2) for m in result.minima)
    assert found == [-1.0, 1.0]
    left = result.labels[:, result.xs < -0.2]
    assert np.all(np.asarray(result.minima)[left[left >= 0]][:, 0] < 0)


# --- ensembles, random search, fair tuning: reproducible by seed ------------------------------------


def test_ensemble_rows_are_single_runs_with_their_own_seed():
    ens = optim_core.ensemble(
        "sgd", "bowl", runs=6, noise=0.3, seed=11, start=BOWL_START, steps=40, lr=0.1
    )
    for k in (0, 5):
        single = optim_core.run("sgd", "bowl", start=BOWL_START, steps=40, lr=0.1, noise=0.3,
                                seed=[11 + k])  # fmt: skip
        np.testing.assert_array_equal(ens.paths[:, k], single.paths[:, 0])
    q = ens.loss_quantiles
    assert q.shape == (3, 41) and np.all(q[0] <= q[1]) and np.all(q[1] <= q[2])
    np.testing.assert_allclose(ens.mean_path, ens.paths.mean(1))


def test_random_search_narrows_around_the_best_and_is_reproducible():
    kwargs = dict(trials=40, rounds=3, seed=5, start=BOWL_START, steps=80)
    ranges = {"lr": (1e-3, 3.0), "momentum": (0.0, 0.99)}
    first = optim_core.random_search("momentum", "bowl", ranges, **kwargs)
    again = optim_core.random_search("momentum", "bowl", ranges, **kwargs)
    other = optim_core.random_search("momentum", "bowl", ranges, **{**kwargs, "seed": 6})
    for a, b in zip(first.rounds, again.rounds, strict=True):
        np.testing.assert_array_equal(a.samples["lr"], b.samples["lr"])
    assert not np.array_equal(first.rounds[0].samples["lr"], other.rounds[0].samples["lr"])
    assert len(first.rounds) == 3
    for before, after in itertools.pairwise(first.rounds):
        best = best_settings_until(first, before)
        lr_before, lr_after = before.ranges[0], after.ranges[0]
        assert lr_after.low <= best["lr"] <= lr_after.high
        assert (
            np.log(lr_after.high / lr_after.low)
            <= 0.25 * np.log(lr_before.high / lr_before.low) + 1e-12
        )
        for r in after.ranges:
            assert np.all((after.samples[r.name] >= r.low) & (after.samples[r.name] <= r.high))
    assert first.best()[1] <= np.nanmin(first.rounds[0].values)


def best_settings_until(search, last_round):
    index = search.rounds.index(last_round)
    return tuning.Search(search.optimizer, search.rounds[: index + 1], search.criterion).best()[0]


def test_log_axes_are_sampled_log_uniformly():
    search = optim_core.random_search("sgd", "bowl", {"lr": (1e-4, 1.0)}, trials=4000, rounds=1,
                                      start=BOWL_START, steps=1)  # fmt: skip
    decades = np.log10(search.rounds[0].samples["lr"])
    counts = np.histogram(decades, bins=4, range=(-4, 0))[0]
    assert np.all(np.abs(counts - 1000) < 120)  # four decades, a quarter each


def test_fair_tuning_gives_every_optimizer_the_same_budget_and_is_reproducible():
    lineup = ["sgd", "momentum", "adam"]
    first = optim_core.tune(lineup, "rosenbrock", budget=16, steps=100, seed=3)
    again = optim_core.tune(lineup, "rosenbrock", budget=16, steps=100, seed=3)
    assert [len(r.rounds[0].values) for r in first.results] == [16, 16, 16]
    assert [r.name for r in first.results[2].rounds[0].ranges] == ["lr", "beta1"]
    for a, b in zip(first.results, again.results, strict=True):
        assert a.best() == b.best()
        for rng in a.rounds[0].ranges:
            values = a.rounds[0].samples[rng.name]
            assert np.all((values >= rng.low) & (values <= rng.high))
    lr = first.results[0].rounds[0].ranges[0]
    assert (lr.low, lr.high, lr.log) == (1e-4, 10.0, True)  # the registry's slider range
    # Each best is its optimizer's own best trial, scored like a single run.
    settings, value, _ = first.results[1].best()
    single = optim_core.run("momentum", "rosenbrock", steps=100, **settings)
    assert value == pytest.approx(single.loss[-1], rel=1e-12)


# --- challenges ---------------------------------------------------------------------------------------


def test_challenge_verdicts_name_the_lever():
    goal = Challenge(goal=1e-6, within=100)
    run = optim_core.run
    assert goal.check(run("sgd", "bowl", start=BOWL_START, steps=100, lr=1.2)).hint == "lower_lr"
    assert goal.check(run("sgd", "bowl", start=BOWL_START, steps=100, lr=0.05)).hint == "raise_lr"
    reached = goal.check(run("momentum", "bowl", start=BOWL_START, steps=100, lr=0.5, momentum=0.5))
    assert reached.status == "reached" and reached.step <= 100
    # Resting in the local minimum near (-2.1, 0.96) of the bowl with local minima.
    stuck = Challenge(goal=1e-3, within=300).check(
        run("sgd", "local_minima", start=(-2.5, 1.5), steps=300, lr=0.5)
    )
    assert stuck.status == "not_reached" and stuck.hint == "escape"
    assert Challenge.from_params({}) is None
    assert Challenge.from_params({"goal": "1e-3", "within": "50"}) == Challenge(1e-3, 50)
    with pytest.raises(ParameterError, match="goal"):
        Challenge.from_params({"goal": "soon"})
    with pytest.raises(ParameterError, match="within"):
        Challenge.from_params({"within": "0"})


def test_basins_on_rastrigin_label_every_one_of_its_many_minima():
    surf = surfaces.get("rastrigin")
    result = optim_core.basins("momentum", surf, resolution=66, steps=400, lr=0.002, momentum=0.9)
    (x0, x1), (y0, y1) = surf.domain
    lattice = (np.floor(x1) - np.ceil(x0) + 1) * (np.floor(y1) - np.ceil(y0) + 1)
    assert len(result.minima) == lattice  # one local minimum near each integer point
    points = np.asarray(result.minima)
    assert np.all(np.linalg.norm(surf.grad(points), axis=-1) < 1e-2)
    assert np.all(np.linalg.eigvalsh(surf.hess(points))[:, 0] > 0)
    assert result.share(STALLED) < 0.05 and result.share(DIVERGED) == 0.0


# --- properties -----------------------------------------------------------------------------------

FIRST_ORDER = [n for n in optim_core.names() if optim_core.spec(n).family == "first_order"]


@settings(max_examples=15, deadline=None, database=None)
@given(
    optimizer=st.sampled_from(FIRST_ORDER),
    surface=st.sampled_from(["bowl", "rosenbrock", "himmelblau", "beale"]),
    log_lr=st.lists(st.floats(-4, 1), min_size=1, max_size=4),
    steps=st.integers(0, 60),
)
def test_a_sweep_cell_is_the_single_run_with_its_settings(optimizer, surface, log_lr, steps):
    """Sweep (last point only) against one full run per cell: same final loss, same
    divergence step, for any first-order optimizer, surface, rates and length."""
    lrs = 10.0 ** np.asarray(log_lr)
    result = optim_core.sweep(optimizer, surface, {"lr": lrs}, steps=steps)
    target = min((m.value for m in surfaces.get(surface).minima), default=0.0)
    for i, lr in enumerate(lrs):
        single = optim_core.run(optimizer, surface, steps=steps, lr=float(lr))
        if single.diverged_at is None:
            assert result.diverged_at[i] == -1
            assert result.values[i] == single.loss[-1] - target
        else:
            assert result.diverged_at[i] == single.diverged_at and np.isnan(result.values[i])
