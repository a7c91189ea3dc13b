"""The engine is honest: divergence is reported, never leaked as NaN or infinity, and every
bad input fails with a `ParameterError` that names the parameter.

The fuzz test at the end throws random names, hyperparameters, steps, starts, schedules
and surface parameters at `optim_core.run`: the only acceptable outcomes are an all-finite
trajectory or a `ParameterError`.  Each bug it found has a regression test of its own and
its counterexample pinned as an `@example`.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

import optim_core
import surfaces
from optim_core import ParameterError, schedules

FIRST_ORDER = [n for n in optim_core.names() if optim_core.spec(n).family == "first_order"]
WITH_LR = [n for n in optim_core.names() if "lr" in {p.name for p in optim_core.spec(n).params}]


def trajectory_arrays(traj) -> dict[str, np.ndarray]:
    arrays = {"path": traj.path, "loss": traj.loss, "grad": traj.grad, "lr": traj.lr,
              "grad_evals": traj.grad_evals, "func_evals": traj.func_evals,
              "hess_evals": traj.hess_evals}  # fmt: skip
    return arrays | {f"state[{k}]": np.asarray(v) for k, v in traj.state.items()}


def non_finite(traj) -> list[str]:
    return [k for k, v in trajectory_arrays(traj).items() if not np.all(np.isfinite(v))]


def strict_run(*args, **kwargs):
    """`optim_core.run` with every warning an error and NumPy raising on any FP event."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            traj = optim_core.run(*args, **kwargs)
            arrays = trajectory_arrays(traj)  # lazily computed arrays too
    return traj, arrays


def assert_frozen_after_divergence(traj) -> None:
    """From the diverging update on, the row stays at its last finite point."""
    at = traj.diverged_at
    assert isinstance(at, int) and at >= 1, at
    for array in (traj.path, traj.loss, *traj.state.values()):
        tail = array[at - 1 :]
        assert np.all(tail == tail[0])


# --- divergence is reported ------------------------------------------------------------------


def test_sgd_past_two_over_l_on_the_bowl_diverges_where_it_leaves_the_escape_radius():
    """lr = 1.5 on x²/20 + y²: y_t = 2·(1 − 2·1.5)^t = 2·(−2)^t first exceeds the escape
    radius 100·20 = 2000 at t = 10 (2·2¹⁰ = 2048)."""
    traj, _ = strict_run("sgd", "bowl", start=(-7.0, 2.0), steps=40, lr=1.5)
    assert surfaces.get("bowl").escape_radius == 2000.0
    assert traj.diverged_at == 10
    assert not non_finite(traj)
    assert_frozen_after_divergence(traj)
    np.testing.assert_allclose(traj.path[9], [-7.0 * 0.85**9, 2.0 * (-2.0) ** 9], rtol=1e-13)
    assert traj.grad_evals[-1] <= 10


@pytest.mark.parametrize(
    ("surface", "start"), [("saddle", (-1.8, 0.01)), ("monkey_saddle", (0.8, 0.05))]
)
@pytest.mark.parametrize("name", ["sgd", "momentum", "adam", "rmsprop"])
def test_runs_that_slide_off_a_saddle_report_diverged_at(surface, start, name):
    lr = {"sgd": 0.1, "momentum": 0.05, "adam": 0.5, "rmsprop": 0.5}[name]
    traj, _ = strict_run(name, surface, start=start, steps=2000, lr=lr)
    assert not non_finite(traj)
    assert_frozen_after_divergence(traj)
    last = traj.path[traj.diverged_at - 1]
    assert np.abs(last).max() > 1.0, "diverged while still near the saddle"


OVERFLOW_CASES = [("rosenbrock", 1.0), ("beale", 1.0), ("himmelblau", 1.0), ("bowl", 1e300),
                  ("rastrigin", 5.0), ("ackley", 1e6), ("booth", 10.0)]  # fmt: skip


@pytest.mark.parametrize(("surface", "lr"), OVERFLOW_CASES)
@pytest.mark.parametrize("name", WITH_LR)
def test_overflowing_runs_leak_no_nan_inf_or_warning(name, surface, lr):
    traj, arrays = strict_run(name, surface, steps=200, lr=lr)
    bad = [k for k, v in arrays.items() if not np.all(np.isfinite(v))]
    assert not bad, f"non-finite {bad}; diverged_at={traj.diverged_at}"
    if traj.diverged_at is not None:
        assert_frozen_after_divergence(traj)


@pytest.mark.parametrize(
    "surface", ["rosenbrock", "beale", "himmelblau", "ackley", "monkey_saddle"]
)
def test_lbfgs_and_newton_leak_nothing(surface):
    for name in ("lbfgs", "newton"):
        _, arrays = strict_run(name, surface, start=(1.5, -1.5), steps=100)
        assert not [k for k, v in arrays.items() if not np.all(np.isfinite(v))], name


def test_newton_on_a_singular_hessian_reports_divergence_not_nan():
    """The monkey saddle's Hessian vanishes at the origin: the Newton step is undefined."""
    traj, _ = strict_run("newton", "monkey_saddle", start=(0.0, 0.0), steps=5)
    assert traj.diverged_at == 1
    assert not non_finite(traj)


def test_batch_rows_diverge_independently():
    traj, _ = strict_run("sgd", "bowl", start=[(-7.0, 2.0)] * 3, steps=40,
                         lr=np.array([0.5, 1.5, 1.2]))  # fmt: skip
    assert traj.diverged_at.tolist()[0] == -1 and traj.diverged_at[1] == 10
    assert traj.diverged_at[2] > 10
    assert not non_finite(traj)


@pytest.mark.parametrize("name", FIRST_ORDER)
def test_wide_batches_leak_nothing_either(name):
    """Batches from 256 rows take the engine's whole-batch path: same honesty required."""
    rows = 300
    rates = np.logspace(-4, 0, rows)  # the top rates overflow on Rosenbrock
    traj, arrays = strict_run(name, "rosenbrock", start=np.tile((-1.5, 2.0), (rows, 1)),
                              steps=60, lr=rates, noise=0.01)  # fmt: skip
    assert not [k for k, v in arrays.items() if not np.all(np.isfinite(v))]
    diverged = np.flatnonzero(traj.diverged_at >= 0)
    for b in diverged[:5]:
        assert_frozen_after_divergence(traj.row(int(b)))


# --- regressions: bugs this file found, fixed in e806661 ------------------------------------


@pytest.mark.parametrize("name", ["sgd", "adam", "newton", "lbfgs"])
@pytest.mark.parametrize("start", [(1e200, 1e200), (3000.0, 0.0)])
def test_start_where_f_overflows_or_beyond_the_escape_radius_is_refused(name, start):
    """Was: rosenbrock from (1e200, 1e200) returned diverged_at=0 with loss[0] = grad[0] = inf."""
    with pytest.raises(ParameterError, match="start"):
        optim_core.run(name, "rosenbrock", start=start, steps=3)
    with pytest.raises(ParameterError, match="start"):  # one bad row refuses the batch
        optim_core.run(name, "rosenbrock", start=[(0.0, 0.0), start], steps=3)


@pytest.mark.parametrize(
    "name", ["adagrad", "rmsprop", "adadelta", "adam", "amsgrad", "adamw", "nadam"]
)
@pytest.mark.parametrize("cause", [{"noise": 1e200}, {"weight_decay": 1e300}])
def test_squared_gradient_overflow_is_divergence_not_infinite_state(name, cause):
    """Was: g² overflowed, the step m/√inf = 0 kept θ finite, and v / v_hat / sum_sq held inf
    with diverged_at=None."""
    traj, arrays = strict_run(name, "bowl", steps=5, **cause)
    assert not [k for k, v in arrays.items() if not np.all(np.isfinite(v))]
    assert traj.diverged_at == 1
    assert_frozen_after_divergence(traj)


@pytest.mark.parametrize("convention", ["torch", "keras"])
def test_shown_step_size_past_the_float_range_is_divergence(convention):
    """Fuzz finding: with ε = 0 AdaMax's u₁ = |g₁| is subnormal (4e-318), so its shown step
    size η/u₁ overflowed to inf while θ and the state stayed finite (diverged_at=None).  A
    shown quantity outside the float range ends the run like a state that leaves it: the
    other adaptive methods on this start already stop at step 1 (their g² underflows)."""
    call = dict(start=(-5, 1e-320), steps=200, beta2=3.4e-12, eps=0, convention=convention)
    traj, arrays = strict_run("adamax", "rastrigin", **call)
    assert not [k for k, v in arrays.items() if not np.all(np.isfinite(v))]
    assert traj.diverged_at == 1
    assert_frozen_after_divergence(traj)
    for name in ("adam", "rmsprop", "adagrad", "nadam"):
        other = optim_core.run(name, "rastrigin", start=(-5, 1e-320), steps=200, eps=0)
        assert other.diverged_at == 1
    # The same u₁ a little above the overflow threshold keeps the run going.
    fine = optim_core.run("adamax", "rastrigin", start=(-5, 1e-300), steps=200, eps=0,
                          beta2=3.4e-12, convention=convention)  # fmt: skip
    assert fine.diverged_at is None and np.all(np.isfinite(fine.state["step_size"]))


@pytest.mark.parametrize(
    ("surface", "params"),
    [("rosenbrock", {"b": 1e19}), ("rosenbrock", {"b": 4.7e18}), ("bowl", {"a": 1e300})],
)
def test_huge_integer_valued_surface_parameter_is_usable(surface, params):
    """Was: SymPy made 1e19 an Integer and Numba failed with 'Int value is too large'."""
    surf = surfaces.get(surface, **params)
    point = np.array([0.5, 0.25])
    traj = optim_core.run("sgd", surf, start=point, steps=2, lr=1e-30)
    assert traj.path.shape == (3, 2)
    assert traj.loss[0] == pytest.approx(float(surf.value(point)), rel=1e-14)
    name = next(iter(params))
    assert surf.param_values[name] == params[name]


def test_long_adam_run_survives_a_callers_strict_errstate():
    """Was: β^t underflowing in the power table raised FloatingPointError under the
    caller's np.errstate(all="raise")."""
    traj, _ = strict_run("adam", "bowl", steps=optim_core.MAX_STEPS)
    assert traj.path.shape == (optim_core.MAX_STEPS + 1, 2)


def test_betas_for_an_optimizer_without_betas_names_betas():
    """Was: the message named 'beta1', which the caller never passed."""
    with pytest.raises(ParameterError) as error:
        optim_core.run("sgd", "bowl", steps=1, betas=(0.9, 0.999))
    assert "betas" in str(error.value) and "beta1" not in str(error.value)


@pytest.mark.parametrize("value", [[0.5], [], {"x": 1}, "steep", None, True])
def test_non_number_surface_parameter_raises_parameter_error(value):
    """Was: a list raised TypeError 'unhashable type' from the surface cache."""
    with pytest.raises(ParameterError) as error:
        optim_core.run("sgd", "bowl", steps=1, surface_params={"a": value})
    assert "a" in str(error.value)


@pytest.mark.parametrize("seed", [[[], [0.0]], [[1, 2], [3]], [1.5, 2.0], [-1, 3]])
def test_malformed_seed_list_raises_parameter_error(seed):
    """Was: a ragged list raised NumPy's plain ValueError ('inhomogeneous shape')."""
    with pytest.raises(ParameterError, match="seed"):
        optim_core.run("sgd", "bowl", steps=1, seed=seed)


# --- error messages --------------------------------------------------------------------------

BAD_CALLS = {
    "optimizer": dict(optimizer="adamm"),
    "surface": dict(surface="nope"),
    "lr": dict(lr=-1.0),
    "eps": dict(eps=math.nan),
    "beta1": dict(beta1=1.0),
    "steps": dict(steps=10**9),
    "start": dict(start=(math.nan, 0.0)),
    "noise": dict(noise=-0.1),
    "noise_mode": dict(noise_mode="loud"),
    "seed": dict(seed=-1),
    "gradient": dict(gradient="symbolic"),
    "fd_step": dict(fd_step=0.0),
    "convention": dict(convention="keras"),
    "schedule": dict(schedule={"name": "zigzag"}),
    "decay_steps": dict(schedule={"name": "cosine", "decay_steps": -3}),
    "hyperparameter": dict(momentum=0.9),
    "surface parameter": dict(surface_params={"zz": 1.0}),
    "b": dict(surface="rosenbrock", surface_params={"b": -1.0}),
    "batch": dict(start=np.zeros((3, 2)), lr=np.array([0.1, 0.2])),
}


@pytest.mark.parametrize("name", sorted(BAD_CALLS))
def test_bad_input_raises_parameter_error_naming_it(name):
    call = {"optimizer": "adam", "surface": "bowl", "steps": 3} | BAD_CALLS[name]
    with pytest.raises(ParameterError) as error:
        optim_core.run(call.pop("optimizer"), call.pop("surface"), **call)
    message = str(error.value)
    assert name in message
    assert "must be" in message and "got" in message, message


# --- fuzz ------------------------------------------------------------------------------------

ALL_HYPER = sorted({p.name for n in optim_core.names() for p in optim_core.spec(n).params})
SURFACE_PARAMS = sorted({p.name for n in surfaces.names() for p in surfaces.definition(n).params})
SCHEDULE_PARAMS = sorted({p.name for n in schedules.names() for p in schedules.spec(n).all_params})
# Names a ParameterError may legitimately carry: what the caller passed, or a generic role.
ERROR_NAMES = {
    *ALL_HYPER, *SURFACE_PARAMS, *SCHEDULE_PARAMS, "betas", "optimizer", "surface",
    "convention", "schedule", "steps", "start", "noise", "noise_mode", "seed", "gradient",
    "fd_step", "record_state", "batch", "hyperparameter", "surface parameter", "parameter",
}  # fmt: skip

weird_numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([-1.0, 0.0, 1e-300, 0.5, 0.999, 1.0, 2.0, 1e300, 10**9, -(10**20)]),
    st.integers(-5, 5),
)
weird_values = st.one_of(
    weird_numbers,
    st.text(max_size=4),
    st.none(),
    st.booleans(),
    st.lists(st.floats(-2, 2), max_size=3),
    st.lists(st.lists(st.floats(0, 1), max_size=2), max_size=2),
)
# Valid surface parameters come from a short list so that few surfaces get compiled.
surface_values = st.one_of(
    st.sampled_from([0.5, 2.0, 10.0, 45.0, -1.0, 0.0, 1e16]),
    st.sampled_from([math.nan, math.inf, -math.inf, 1e300, 10**20, "x", None, True, [1.0]]),
)


def sometimes(draw, chances_in_16: int = 1) -> bool:
    return draw(st.integers(0, 15)) < chances_in_16


def in_range_value(param) -> st.SearchStrategy:
    """A value the parameter accepts (roughly where the UI puts it)."""
    if param.kind == "int":
        return st.integers(int(param.low or 0), int(min(param.high or 50, 50)))
    low = param.ui_low if param.ui_low is not None else (param.low or 0.0)
    high = param.ui_high if param.ui_high is not None else low + 10.0
    return st.floats(low, high)


@st.composite
def fuzz_call(draw):
    """A plausible call with a few fields replaced by junk: most calls get past validation
    of some fields, so the check reaches the numerics as well as the messages."""
    optimizer = draw(st.sampled_from(optim_core.names()))
    if sometimes(draw):
        optimizer = draw(st.one_of(st.text(max_size=6), st.none(), st.integers(),
                                   st.just(["adam"])))  # fmt: skip
    surface = draw(st.sampled_from(surfaces.names()))
    if sometimes(draw):
        surface = draw(st.one_of(st.text(max_size=6), st.none(), st.just(3)))
    kwargs = {}
    if sometimes(draw, 6):
        kwargs["surface_params"] = draw(
            st.dictionaries(st.sampled_from([*SURFACE_PARAMS, "zz"]), surface_values, max_size=2)
        )
    params = optim_core.spec(optimizer).params if optimizer in optim_core.names() else ()
    for param in params:
        if sometimes(draw, 8):
            kwargs[param.name] = draw(in_range_value(param))
        if sometimes(draw):
            kwargs[param.name] = draw(weird_values)
    if sometimes(draw):
        hyper_keys = st.one_of(
            st.sampled_from([*ALL_HYPER, "betas"]), st.text(min_size=1, max_size=5)
        )
        kwargs |= draw(st.dictionaries(hyper_keys, weird_values, max_size=3))
    kwargs["steps"] = draw(st.integers(0, 60))
    if sometimes(draw):
        kwargs["steps"] = draw(st.sampled_from([-1, 2.5, 10**9, 20.0, "5", None, True]))
    if sometimes(draw, 8):
        kwargs["start"] = draw(
            st.one_of(
                st.tuples(st.floats(-6, 6), st.floats(-6, 6)),
                st.lists(st.tuples(st.floats(-6, 6), st.floats(-6, 6)), min_size=1, max_size=3),
            )
        )
    if sometimes(draw):
        kwargs["start"] = draw(
            st.one_of(
                st.tuples(weird_numbers, weird_numbers),
                st.lists(st.floats(-3, 3), max_size=4),
                st.text(max_size=3),
            )
        )
    if sometimes(draw, 6):
        name = st.sampled_from(schedules.names())
        if sometimes(draw):
            name = st.text(max_size=5)
        keys = st.sampled_from([*SCHEDULE_PARAMS, "bogus"])
        kwargs["schedule"] = draw(
            st.one_of(
                st.none(),
                st.builds(
                    lambda n, extra: {"name": n, **extra},
                    name,
                    st.dictionaries(keys, weird_values, max_size=2),
                ),
                st.builds(lambda n: {"name": n}, name),
                st.text(max_size=5),
            )
        )
    conventions = [c.name for c in optim_core.spec(optimizer).conventions] if params else []
    for key, (valid, junk) in {
        "convention": (st.sampled_from([None, *conventions]), st.sampled_from(["keras", "x", 1])),
        "noise": (st.floats(0, 3), weird_values),
        "noise_mode": (st.sampled_from(["absolute", "relative"]), st.just("other")),
        "seed": (st.integers(0, 2**32 - 1),
                 st.one_of(st.integers(-2, 2**70), st.lists(st.integers(-1, 9), max_size=3),
                           weird_values)),
        "gradient": (st.sampled_from(["analytic", "numerical"]), st.just("exact")),
        "fd_step": (st.floats(1e-8, 0.1), weird_values),
        "record_state": (st.booleans(), weird_values),
    }.items():  # fmt: skip
        if sometimes(draw, 6):
            kwargs[key] = draw(valid)
        if sometimes(draw):
            kwargs[key] = draw(junk)
    return optimizer, surface, kwargs


@settings(max_examples=200, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])  # fmt: skip
@given(fuzz_call())
@example(("adam", "bowl", {"steps": 5, "betas": "ab"}))
@example(("sgd", "bowl", {"steps": 5, "lr": True}))
@example(("adagrad", "rosenbrock", {"steps": 40, "lr": 1e300}))
@example(("lbfgs", "beale", {"steps": 40, "start": (4.0, 4.0)}))
@example(("newton", "monkey_saddle", {"steps": 3, "start": (0.0, 0.0)}))
@example(("adam", "bowl", {"steps": 3, "seed": [1, 2], "start": [(0.0, 1.0)] * 2}))
@example(("sgd", "bowl", {"steps": 3, "schedule": {"name": "plateau", "patience": -1}}))
# Counterexamples it found (each was a bug, see the regression tests above):
@example(("sgd", "bowl", {"steps": 0, "start": (0.0, 0.0), "seed": [[], [0.0]]}))
@example(("sgd", "bowl", {"steps": 0, "surface_params": {"A": []}}))
@example(("sgd", "rosenbrock", {"steps": 3, "surface_params": {"b": 1e300}}))
@example(("adam", "rosenbrock", {"steps": 3, "start": (1e200, 1e200)}))
@example(("adam", "bowl", {"steps": 5, "noise": 1e200}))
def test_fuzz_returns_finite_trajectory_or_parameter_error(call):
    optimizer, surface, kwargs = call
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            traj = optim_core.run(optimizer, surface, **kwargs)
            arrays = trajectory_arrays(traj)
    except ParameterError as error:
        event(f"ParameterError: {error.name}")
        assert isinstance(error.name, str) and error.name in str(error)
        passed = {*kwargs, *(kwargs.get("surface_params") or {})}
        if isinstance(kwargs.get("schedule"), dict):
            passed |= set(kwargs["schedule"])
        assert error.name in ERROR_NAMES | passed, error.name
        return
    event("trajectory" + (" (diverged)" if np.any(np.asarray(traj.diverged_rows) >= 0) else ""))
    bad = [k for k, v in arrays.items() if not np.all(np.isfinite(v))]
    assert not bad, f"non-finite {bad}"
    steps = traj.steps
    assert traj.path.shape[0] == steps + 1 and traj.lr.shape[0] == steps
