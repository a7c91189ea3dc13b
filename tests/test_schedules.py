"""Learning-rate schedules against independent references.

Each schedule is compared with its published formula transcribed here in its simplest
scalar form (a Python loop over `math`), or with numbers worked out by hand from the
Keras / torch.optim.lr_scheduler / Hands-On ML definitions (the arithmetic is in the
comments).  Hypothesis checks the properties over random parameters; validation tests
are driven by the registry, so a new schedule is covered by adding its entry.
"""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from foundation.params import Param, ParameterError
from optim_core import schedules

# No example database: the suite must not write into the repository; counterexamples
# worth keeping are pinned below as explicit cases instead.
PROPERTIES = settings(max_examples=150, deadline=None, database=None)

ALL_NAMES = [
    "constant",
    "piecewise",
    "exponential",
    "power",
    "cosine",
    "cosine_restarts",
    "one_cycle",
    "plateau",
]
MAX_STEP = 10**6
EVERY_STEP = np.arange(MAX_STEP + 1)
RTOL = 1e-12


def curve(schedule, steps):
    return np.asarray(schedule(np.asarray(steps)), dtype=np.float64)


# --- references: the published formulas, one scalar step at a time ------------------


def reference_piecewise(lr, boundaries, values, t):
    for boundary, value in zip(boundaries, values, strict=False):
        if t < boundary:
            return lr * value
    return lr * values[-1]


def reference_exponential(lr, decay_rate, decay_steps, staircase, t):
    exponent = math.floor(t / decay_steps) if staircase else t / decay_steps
    return lr * decay_rate**exponent


def reference_power(lr, decay_steps, power, t):
    return lr / (1 + t / decay_steps) ** power


def reference_cosine(lr, decay_steps, alpha, t):
    t = min(t, decay_steps)
    return lr * ((1 - alpha) * 0.5 * (1 + math.cos(math.pi * t / decay_steps)) + alpha)


def reference_sgdr(lr, first_decay_steps, t_mul, m_mul, alpha, t):
    """SGDR by walking the periods one by one: no logarithm, unlike Keras."""
    start, length, i_restart = 0.0, float(first_decay_steps), 0
    while t >= start + length:
        start += length
        length *= t_mul
        i_restart += 1
    fraction = (t - start) / length
    cosine = 0.5 * m_mul**i_restart * (1 + math.cos(math.pi * fraction))
    return lr * ((1 - alpha) * cosine + alpha)


class HandsOnOneCycle:
    """Hands-On ML (Géron, ch. 11) `OneCycleScheduler`, transcribed without Keras."""

    def __init__(
        self,
        iterations,
        max_rate,
        start_rate=None,
        last_iterations=None,
        last_rate=None,
    ):
        self.iterations = iterations
        self.max_rate = max_rate
        self.start_rate = start_rate or max_rate / 10
        self.last_iterations = last_iterations or iterations // 10 + 1
        self.half_iteration = (iterations - self.last_iterations) // 2
        self.last_rate = last_rate or self.start_rate / 1000
        self.iteration = 0

    def _interpolate(self, iter1, iter2, rate1, rate2):
        return (rate2 - rate1) * (self.iteration - iter1) / (iter2 - iter1) + rate1

    def on_batch_begin(self):
        if self.iteration < self.half_iteration:
            rate = self._interpolate(0, self.half_iteration, self.start_rate, self.max_rate)
        elif self.iteration < 2 * self.half_iteration:
            rate = self._interpolate(
                self.half_iteration,
                2 * self.half_iteration,
                self.max_rate,
                self.start_rate,
            )
        else:
            rate = self._interpolate(
                2 * self.half_iteration,
                self.iterations,
                self.start_rate,
                self.last_rate,
            )
        self.iteration += 1
        return rate


def hands_on_rates(*args, **kwargs):
    scheduler = HandsOnOneCycle(*args, **kwargs)
    return [scheduler.on_batch_begin() for _ in range(scheduler.iterations)]


# --- strategies ----------------------------------------------------------------------

learning_rates = st.floats(1e-6, 10.0)
step_counts = st.integers(1, 2000)


def values_of(param: Param):
    """Valid values of one registry parameter, including its extreme corners."""
    if param.kind == "bool":
        return st.booleans()
    if param.kind == "int":
        return st.integers(int(param.low), 10**6 if param.high is None else param.high)
    return st.floats(
        min_value=param.low,
        max_value=1e3 if param.high is None else param.high,
        exclude_min=param.low_open,
        exclude_max=param.high_open,
    )


@st.composite
def configs(draw, name):
    """A random valid config for schedule `name`, with random warm-up."""
    config = {"name": name}
    if name == "piecewise":
        boundaries = sorted(draw(st.sets(st.integers(1, 3000), max_size=5)))
        config["boundaries"] = boundaries
        config["values"] = draw(
            st.lists(st.floats(0.0, 10.0), min_size=len(boundaries) + 1).map(
                lambda v: v[: len(boundaries) + 1]
            )
        )
    else:
        for param in schedules.spec(name).params:
            if draw(st.booleans()):  # leave some parameters to their defaults
                config[param.name] = draw(values_of(param))
    if draw(st.booleans()):
        config["warmup_steps"] = draw(st.integers(0, 500))
    return config


any_config = st.sampled_from(ALL_NAMES).flatmap(configs)


# --- the step-function contract ------------------------------------------------------


@pytest.mark.parametrize("name", ALL_NAMES)
def test_scalar_step_gives_float64_scalar_and_array_keeps_shape(name):
    schedule = schedules.make({"name": name}, 0.1, 100)
    scalar = schedule(7)
    assert isinstance(scalar, np.float64) and np.ndim(scalar) == 0
    assert isinstance(schedule(np.int32(7)), np.float64)
    grid = np.arange(12, dtype=np.uint16).reshape(3, 4)
    rates = schedule(grid)
    assert rates.shape == (3, 4) and rates.dtype == np.float64
    assert rates[1, 3] == scalar


@pytest.mark.parametrize("bad_step", [1.5, -1, np.array([0, -3]), np.array([0.0, 1.0])])
def test_steps_must_be_non_negative_integers(bad_step):
    with pytest.raises(ParameterError, match="step must be a non-negative integer"):
        schedules.constant(0.1)(bad_step)


def corner_configs():
    """Every schedule at its defaults and with each parameter at its extremes."""
    for name in ALL_NAMES:
        yield {"name": name}
        for param in schedules.spec(name).params:
            if param.kind not in ("float", "int"):
                continue
            corners = {param.ui_low, param.ui_high, param.low, param.high}
            if param.high is None:
                corners.add(10**6 if param.kind == "int" else 1e3)
            for corner in corners - {None}:
                config = {"name": name, param.name: corner}
                try:
                    schedules.normalize(config)
                except ParameterError:  # an open bound itself
                    continue
                yield config
    yield {"name": "piecewise", "boundaries": [1, MAX_STEP], "values": [0, 1e3, 0]}
    yield {"name": "cosine_restarts", "first_decay_steps": 1, "t_mul": 1.0}
    yield {"name": "one_cycle", "warmup_steps": 10**6}


@pytest.mark.parametrize("config", list(corner_configs()), ids=str)
def test_rates_are_finite_and_non_negative_for_a_million_steps(config):
    rates = schedules.make(config, 1.0, MAX_STEP)(EVERY_STEP)
    assert np.all(np.isfinite(rates)) and np.all(rates >= 0.0)


@PROPERTIES
@given(config=any_config, lr=learning_rates, total_steps=step_counts)
def test_random_configs_are_finite_non_negative_and_proportional_to_lr(config, lr, total_steps):
    # Steps spread over 0..10**6: the start, the sparse tail and the very end.
    steps = np.unique(np.r_[np.arange(3000), np.geomspace(1, MAX_STEP, 500).astype(int)])
    rates = schedules.make(config, lr, total_steps)(steps)
    assert np.all(np.isfinite(rates)) and np.all(rates >= 0.0)
    # Every rate in the registry is a factor of lr, so the lr slider scales the curve.
    unit = schedules.make(config, 1.0, total_steps)(steps)
    # Below the smallest normal float a product is rounded to an absolute 5e-324, so
    # proportionality can hold only down to there.
    np.testing.assert_allclose(rates, lr * unit, rtol=1e-9, atol=np.finfo(float).tiny)


# --- constant and piecewise ----------------------------------------------------------


def test_constant_is_lr_everywhere():
    np.testing.assert_array_equal(curve(schedules.constant(0.3), [0, 5, MAX_STEP]), 0.3)


def test_piecewise_by_hand():
    # lr 0.1 with multipliers 1, 0.5, 0.1 switching at steps 10 and 20: updates 1..10
    # (steps 0..9) use 0.1, steps 10..19 use 0.05, from step 20 on 0.01.
    schedule = schedules.piecewise_constant(0.1, [10, 20], [1.0, 0.5, 0.1])
    rates = curve(schedule, [0, 9, 10, 19, 20, MAX_STEP])
    np.testing.assert_allclose(rates, [0.1, 0.1, 0.05, 0.05, 0.01, 0.01], rtol=RTOL)


def test_piecewise_matches_torch_multistep_milestones():
    # torch MultiStepLR(lr=0.1, milestones=[10, 20], gamma=0.5) after `epoch` steps:
    # 0.1 for epochs 0..9, 0.05 for 10..19, 0.025 from 20: multipliers 1, 1/2, 1/4.
    schedule = schedules.piecewise_constant(0.1, [10, 20], [1.0, 0.5, 0.25])
    rates = curve(schedule, [9, 10, 20])
    np.testing.assert_allclose(rates, [0.1, 0.05, 0.025], rtol=RTOL)


@PROPERTIES
@given(config=configs("piecewise"), lr=learning_rates, steps=st.lists(st.integers(0, 4000)))
def test_piecewise_matches_loop_reference(config, lr, steps):
    boundaries = config["boundaries"]
    values = config["values"]
    schedule = schedules.piecewise_constant(lr, boundaries, values)
    expected = [reference_piecewise(lr, boundaries, values, t) for t in steps]
    np.testing.assert_allclose(curve(schedule, steps), expected, rtol=RTOL)


# --- exponential and power -----------------------------------------------------------


def test_exponential_by_hand():
    # Keras ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5): 0.1 * 0.5**(t/10).
    smooth = schedules.exponential_decay(0.1, 0.5, 10)
    expected = [0.1, 0.1 / math.sqrt(2), 0.05, 0.025]  # t = 0, 5, 10, 20
    np.testing.assert_allclose(curve(smooth, [0, 5, 10, 20]), expected, rtol=RTOL)
    # staircase: the exponent is floor(t / 10), so step 19 still uses 0.5**1.
    stairs = schedules.exponential_decay(0.1, 0.5, 10, staircase=True)
    expected = [0.1, 0.1, 0.05, 0.05, 0.025]  # t = 0, 9, 10, 19, 20
    np.testing.assert_allclose(curve(stairs, [0, 9, 10, 19, 20]), expected, rtol=RTOL)


def test_exponential_with_unit_decay_steps_is_torch_exponential_lr():
    # torch ExponentialLR(lr=1, gamma=0.9) after 3 epochs: 0.9**3 = 0.729.
    assert schedules.exponential_decay(1.0, 0.9, 1)(3) == pytest.approx(0.729, rel=RTOL)


def test_hands_on_exponential_scheduling_is_tenfold_per_period():
    # Hands-On ML: eta_0 * 0.1**(t / s); with s = 20, step 40 is 100 times smaller.
    schedule = schedules.make({"name": "exponential", "decay_steps": 20}, 0.01, 100)
    assert schedule(40) == pytest.approx(1e-4, rel=RTOL)


@PROPERTIES
@given(
    lr=learning_rates,
    decay_rate=st.floats(1e-6, 1.0),
    decay_steps=st.integers(1, 500),
    staircase=st.booleans(),
    total=step_counts,
)
def test_exponential_matches_formula_and_never_increases(
    lr, decay_rate, decay_steps, staircase, total
):
    schedule = schedules.exponential_decay(lr, decay_rate, decay_steps, staircase)
    rates = curve(schedule, np.arange(total))
    expected = [
        reference_exponential(lr, decay_rate, decay_steps, staircase, t) for t in range(total)
    ]
    np.testing.assert_allclose(rates, expected, rtol=1e-9, atol=1e-300)
    assert np.all(np.diff(rates) <= 0.0)


def test_power_by_hand():
    # Hands-On ML power scheduling eta_0 / (1 + t/s)**c with eta_0 = 0.01, s = 20:
    # c = 1 halves the rate at t = 20 and quarters it at t = 60; c = 2 at t = 20 gives
    # 0.01 / 4; c = 0.5 at t = 60 gives 0.01 / sqrt(4).
    cases = [(1.0, 20, 0.005), (1.0, 60, 0.0025), (2.0, 20, 0.0025), (0.5, 60, 0.005)]
    for power, step, expected in cases:
        rate = schedules.power_decay(0.01, 20, power)(step)
        assert rate == pytest.approx(expected, rel=RTOL)


@PROPERTIES
@given(
    lr=learning_rates,
    decay_steps=st.integers(1, 500),
    power=st.floats(0.0, 20.0),
    steps=st.lists(st.integers(0, MAX_STEP)),
)
def test_power_matches_formula(lr, decay_steps, power, steps):
    schedule = schedules.power_decay(lr, decay_steps, power)
    expected = [reference_power(lr, decay_steps, power, t) for t in steps]
    np.testing.assert_allclose(curve(schedule, steps), expected, rtol=1e-9)


# --- cosine --------------------------------------------------------------------------


def test_cosine_by_hand_matches_keras_and_torch():
    # Keras CosineDecay(0.1, decay_steps=10, alpha=0.1) = torch CosineAnnealingLR(
    # lr=0.1, T_max=10, eta_min=0.01) for t <= 10:
    #   t = 2:  0.01 + 0.09 * (1 + cos(pi/5)) / 2 = 0.01 + 0.045 * 1.809017 = 0.0914058
    #   t = 5:  0.01 + 0.09 * 0.5 = 0.055;  t = 10: 0.01;  Keras clips later steps.
    schedule = schedules.cosine_decay(0.1, 10, alpha=0.1)
    rates = curve(schedule, [0, 2, 5, 10, 25])
    expected = [0.1, 0.09140576474687263, 0.055, 0.01, 0.01]
    np.testing.assert_allclose(rates, expected, rtol=1e-12)


@PROPERTIES
@given(
    lr=learning_rates,
    decay_steps=st.integers(1, 2000),
    alpha=st.floats(0.0, 1.0),
    total=st.integers(1, 3000),
)
def test_cosine_matches_formula_stays_in_band_and_never_increases(lr, decay_steps, alpha, total):
    rates = curve(schedules.cosine_decay(lr, decay_steps, alpha), np.arange(total))
    expected = [reference_cosine(lr, decay_steps, alpha, t) for t in range(total)]
    np.testing.assert_allclose(rates, expected, rtol=1e-12, atol=1e-15 * lr)
    band = 1e-12 * lr
    assert np.all(rates >= alpha * lr - band) and np.all(rates <= lr + band)
    assert np.all(np.diff(rates) <= band)


# --- cosine with restarts ------------------------------------------------------------


def test_restarts_by_hand_match_torch_warm_restarts():
    # torch CosineAnnealingWarmRestarts(lr=1, T_0=10, T_mult=2, eta_min=0): periods
    # [0, 10), [10, 30), [30, 70).  t = 5: halfway, 0.5; t = 10, 30, 70: restarts, 1;
    # t = 20: 10 of 20 steps, 0.5; t = 29: 19/20 done, (1 + cos(0.95 pi)) / 2.
    schedule = schedules.cosine_decay_restarts(1.0, 10, t_mul=2.0)
    rates = curve(schedule, [0, 5, 10, 20, 29, 30, 70])
    expected = [1.0, 0.5, 1.0, 0.5, 0.00615582970243117, 1.0, 1.0]
    np.testing.assert_allclose(rates, expected, rtol=1e-12, atol=1e-15)


def test_restarts_by_hand_with_m_mul_and_alpha():
    # Keras CosineDecayRestarts(1, 10, t_mul=2, m_mul=0.5, alpha=0.1):
    #   t = 10: restart 1, 0.9 * 0.5 + 0.1 = 0.55
    #   t = 20: restart 1 at half its length, 0.9 * 0.5 * 0.5 + 0.1 = 0.325
    #   t = 30: restart 2, 0.9 * 0.25 + 0.1 = 0.325
    schedule = schedules.cosine_decay_restarts(1.0, 10, 2.0, m_mul=0.5, alpha=0.1)
    rates = curve(schedule, [10, 20, 30])
    np.testing.assert_allclose(rates, [0.55, 0.325, 0.325], rtol=1e-12)


def test_restart_where_the_keras_logarithm_rounds_down():
    # Pinned counterexample: with t_mul = 3 and s = 1, period 5 starts at
    # 1 + 3 + 9 + 27 + 81 = 121, but log(243) / log(3) = 4.999..., so the bare Keras
    # formula puts step 121 at the very end of period 4 (rate alpha * lr = 0).
    schedule = schedules.cosine_decay_restarts(1.0, 1, t_mul=3.0)
    np.testing.assert_allclose(curve(schedule, [40, 121, 364]), 1.0, rtol=1e-12)


def test_step_before_a_restart_where_the_keras_logarithm_rounds_up():
    # Pinned counterexample the other way: with t_mul = 2 and s = 1, period 48 starts at
    # 2**48 - 1, yet log2(1 + (2**48 - 2)) rounds to 48.0, so the bare formula would
    # restart one step early.  Step 2**48 - 2 ends period 47: 1 - 2**-47 of it is done.
    schedule = schedules.cosine_decay_restarts(1.0, 1, t_mul=2.0)
    last_of_period, restart = schedule(np.array([2**48 - 2, 2**48 - 1]))
    assert last_of_period == pytest.approx(reference_sgdr(1.0, 1, 2.0, 1.0, 0.0, 2**48 - 2))
    assert last_of_period < 1e-20 and restart == 1.0


@PROPERTIES
@given(
    first=st.integers(1, 50),
    t_mul=st.sampled_from([1.0, 1.5, 2.0, 3.0]),
    m_mul=st.floats(0.01, 1.0),
    alpha=st.floats(0.0, 1.0),
    steps=st.lists(st.integers(0, 5000), max_size=20),
)
def test_restarts_match_period_walking_reference(first, t_mul, m_mul, alpha, steps):
    schedule = schedules.cosine_decay_restarts(1.0, first, t_mul, m_mul, alpha)
    expected = [reference_sgdr(1.0, first, t_mul, m_mul, alpha, t) for t in steps]
    np.testing.assert_allclose(curve(schedule, steps), expected, rtol=1e-9, atol=1e-12)


@PROPERTIES
@given(first=st.integers(1, 200), cycles=st.integers(1, 12), t_mul=st.sampled_from([1, 2]))
def test_restarts_happen_at_the_right_steps(first, cycles, t_mul):
    # t_mul = 1: restarts every `first` steps; t_mul = 2: at first * (2**k - 1).
    restarts = [first * (k if t_mul == 1 else 2**k - 1) for k in range(1, cycles + 1)]
    schedule = schedules.cosine_decay_restarts(1.0, first, float(t_mul), alpha=0.0)
    np.testing.assert_allclose(curve(schedule, restarts), 1.0, rtol=1e-12)
    if first > 1:  # a one-step period is at its peak at every step
        before = curve(schedule, np.array(restarts) - 1)
        assert np.all(before < 1.0)
    # Between restarts the rate only falls.
    rates = curve(schedule, np.arange(restarts[-1] + 1))
    rises = np.flatnonzero(np.diff(rates) > 1e-12) + 1
    assert set(rises.tolist()) <= set(restarts)


# --- one cycle -----------------------------------------------------------------------


def test_one_cycle_hands_on_by_hand():
    # Hands-On ML OneCycleScheduler(iterations=100, max_rate=0.05): start_rate 0.005,
    # last_iterations 100 // 10 + 1 = 11, half = (100 - 11) // 2 = 44, last_rate 5e-6.
    #   t = 22: 0.005 + 0.045 * 22/44 = 0.0275;  t = 44: 0.05;  t = 66: 0.0275
    #   t = 87: 0.05 - 0.045 * 43/44 = 0.0060227;  t = 88: back at 0.005
    #   t = 94: 0.005 + (5e-6 - 0.005) * 6/12 = 0.0025025
    #   t = 99: 0.005 + (5e-6 - 0.005) * 11/12 = 0.00042125;  from t = 100: 5e-6
    schedule = schedules.one_cycle(0.05, 100)
    steps = [0, 22, 44, 66, 87, 88, 94, 99, 100, 5000]
    expected = [
        0.005,
        0.0275,
        0.05,
        0.0275,
        0.006022727272727273,
        0.005,
        0.0025025,
        0.00042125,
        5e-6,
        5e-6,
    ]
    np.testing.assert_allclose(curve(schedule, steps), expected, rtol=1e-12)


@PROPERTIES
@given(
    total=st.integers(1, 3000),
    lr=learning_rates,
    start_factor=st.none() | st.floats(0.001, 1.0),
    last_fraction=st.none() | st.floats(0.0, 0.999),
    last_factor=st.none() | st.floats(1e-6, 1.0),
)
def test_one_cycle_equals_the_hands_on_class(total, lr, start_factor, last_fraction, last_factor):
    start_lr = None if start_factor is None else start_factor * lr
    last_lr = None if last_factor is None else last_factor * lr
    last_steps = None if last_fraction is None else int(last_fraction * total) + 1
    schedule = schedules.one_cycle(lr, total, start_lr, last_steps, last_lr)
    expected = hands_on_rates(total, lr, start_lr, last_steps, last_lr)
    np.testing.assert_array_equal(curve(schedule, np.arange(total)), expected)
    end_rate = HandsOnOneCycle(total, lr, start_lr, last_steps, last_lr).last_rate
    assert curve(schedule, [total, total + 7, MAX_STEP]).tolist() == [end_rate] * 3


@PROPERTIES
@given(total=st.integers(1, 3000), lr=learning_rates)
def test_registry_one_cycle_defaults_reproduce_hands_on_defaults(total, lr):
    schedule = schedules.make({"name": "one_cycle"}, lr, total)
    expected = hands_on_rates(total, lr)
    np.testing.assert_allclose(curve(schedule, np.arange(total)), expected, rtol=1e-12)


def test_one_cycle_last_fraction_is_not_lost_to_rounding():
    # 0.29 * 100 = 28.999999999999996 in floating point; the final phase must still be
    # floor(29) + 1 = 30 steps, so half = (100 - 30) // 2 = 35 and the peak is step 35.
    config = {"name": "one_cycle", "last_fraction": 0.29}
    schedule = schedules.make(config, 1.0, 100)
    expected = schedules.one_cycle(1.0, 100, start_lr=0.1, last_steps=30, last_lr=1e-4)
    np.testing.assert_array_equal(curve(schedule, np.arange(101)), expected(np.arange(101)))
    assert np.argmax(curve(schedule, np.arange(100))) == 35


def test_one_cycle_last_fraction_near_one_keeps_a_valid_last_phase():
    # Pinned counterexample: 0.9999999999999998 * 1 plus the rounding slack floors to 1,
    # which would ask for a 2-step final phase in a 1-step run.
    config = {"name": "one_cycle", "last_fraction": 0.9999999999999998}
    schedule = schedules.make(config, 1.0, 1)
    assert schedule(0) == pytest.approx(0.1) and schedule(1) == pytest.approx(1e-4)


def test_one_cycle_with_warmup_fits_the_cycle_in_the_rest_of_the_run():
    # 10 warm-up steps + a 90-step cycle = a 100-step run ending at the final rate.
    schedule = schedules.make({"name": "one_cycle", "warmup_steps": 10}, 1.0, 100)
    cycle = schedules.one_cycle(1.0, 90, start_lr=0.1, last_lr=1e-4)
    np.testing.assert_allclose(curve(schedule, np.arange(10, 120)), cycle(np.arange(110)))


# --- warm-up -------------------------------------------------------------------------


def test_warmup_by_hand():
    # W = 4 before cosine(lr=1, s=4): 1/4, 2/4, 3/4, 4/4, then the cosine from step 0:
    # 1, (1 + cos(pi/4)) / 2 = 0.853553, 0.5, (1 + cos(3 pi/4)) / 2 = 0.146447.
    schedule = schedules.with_warmup(schedules.cosine_decay(1.0, 4), 4)
    expected = [0.25, 0.5, 0.75, 1.0, 1.0, 0.8535533905932737, 0.5, 0.14644660940672624]
    np.testing.assert_allclose(curve(schedule, np.arange(8)), expected, rtol=1e-12)


def test_zero_warmup_returns_the_schedule_itself():
    schedule = schedules.cosine_decay(1.0, 10)
    assert schedules.with_warmup(schedule, 0) is schedule


@PROPERTIES
@given(config=any_config, warmup=st.integers(1, 300), lr=learning_rates)
def test_warmup_ramps_linearly_then_hands_over(config, warmup, lr):
    config = {**config, "warmup_steps": 0}
    base = schedules.make(config, lr, 1000)
    warmed = schedules.with_warmup(base, warmup)
    ramp = curve(warmed, np.arange(warmup))
    first = float(base(0))
    expected = [first * (t + 1) / warmup for t in range(warmup)]
    np.testing.assert_allclose(ramp, expected, rtol=1e-12)
    np.testing.assert_allclose(np.diff(ramp), first / warmup, rtol=1e-9, atol=1e-300)
    after = np.arange(warmup, warmup + 400)
    np.testing.assert_array_equal(curve(warmed, after), curve(base, after - warmup))
    via_make = schedules.make({**config, "warmup_steps": warmup}, lr, 1000)
    if config["name"] != "one_cycle":  # one-cycle shortens itself to fit the run
        np.testing.assert_array_equal(curve(via_make, after), curve(warmed, after))


# --- registry ------------------------------------------------------------------------


def test_names_and_spec():
    assert schedules.names() == ALL_NAMES
    assert schedules.spec("one_cycle").name == "one_cycle"
    with pytest.raises(ParameterError, match="schedule must be one of constant, "):
        schedules.spec("cosine_annealing")


@pytest.mark.parametrize("name", ALL_NAMES)
def test_spec_is_complete_and_consistent(name):
    spec = schedules.spec(name)
    assert spec.title and len(spec.title) <= 30
    assert 1 <= spec.description.count(". ") + 1 <= 3  # one or two plain sentences
    assert spec.reference
    assert spec.performance_based == (name == "plateau")
    assert spec.all_params == (*spec.params, schedules.WARMUP)
    assert "lr" not in [p.name for p in spec.params]
    for param in spec.all_params:
        assert param.help
        param.validate(param.default)  # defaults are valid
        if param.symbol:  # the formula on the page uses the parameter's symbol
            assert param.symbol in (spec.latex + schedules.WARMUP_LATEX), param.name
        for ui_bound in (param.ui_low, param.ui_high):
            if ui_bound is not None:
                param.validate(ui_bound)  # the slider never offers an invalid value


@pytest.mark.parametrize("name", [*ALL_NAMES, "warmup"])
def test_latex_is_balanced(name):
    latex = schedules.WARMUP_LATEX if name == "warmup" else schedules.spec(name).latex
    depth = 0
    for position, char in enumerate(latex):
        if char in "{}" and latex[position - 1] != "\\":
            depth += 1 if char == "{" else -1
            assert depth >= 0
    assert depth == 0
    # \leftarrow is an arrow, not a delimiter: count \left and \right as whole words.
    delimiters = re.findall(r"\\(left|right)(?![a-z])", latex)
    assert delimiters.count("left") == delimiters.count("right")
    assert latex.count(r"\begin{") == latex.count(r"\end{")


def test_warmup_param():
    assert schedules.WARMUP.name == "warmup_steps"
    assert schedules.WARMUP.default == 0 and schedules.WARMUP.kind == "int"
    assert schedules.WARMUP.low == 0 and not schedules.WARMUP.low_open


# --- normalize, make, plateau options ------------------------------------------------


def test_normalize_fills_defaults():
    assert schedules.normalize(None) == {"name": "constant", "warmup_steps": 0}
    assert schedules.normalize({"name": "cosine_restarts", "t_mul": 1}) == {
        "name": "cosine_restarts",
        "first_decay_steps": 20,
        "t_mul": 1.0,
        "m_mul": 1.0,
        "alpha": 0.0,
        "warmup_steps": 0,
    }
    config = {"name": "piecewise", "boundaries": [5.0], "values": [1, 0.5]}
    assert schedules.normalize(config) == {
        "name": "piecewise",
        "boundaries": [5],
        "values": [1.0, 0.5],
        "warmup_steps": 0,
    }


def test_normalize_checks_pieces_fit_together():
    with pytest.raises(ParameterError, match=r"values must be a list of 2 multipliers"):
        schedules.normalize({"name": "piecewise", "boundaries": [5]})


@PROPERTIES
@given(config=any_config)
def test_normalize_round_trips_through_json(config):
    normalized = schedules.normalize(config)
    assert json.loads(json.dumps(normalized)) == normalized
    assert schedules.normalize(normalized) == normalized
    assert set(normalized) == {"name"} | {p.name for p in schedules.spec(config["name"]).all_params}
    for key, value in normalized.items():
        assert type(value) in (str, int, float, bool, list), key
    steps = np.arange(300)
    np.testing.assert_array_equal(
        schedules.make(normalized, 0.1, 200)(steps),
        schedules.make(config, 0.1, 200)(steps),
    )


def test_make_none_is_constant():
    np.testing.assert_array_equal(schedules.make(None, 0.2, 10)(np.arange(5)), 0.2)


def test_plateau_options():
    assert schedules.plateau_options({"name": "plateau", "patience": 3.0}) == {
        "factor": 0.5,
        "patience": 3,
        "threshold": 1e-4,
        "cooldown": 0,
        "min_lr": 0.0,
    }
    assert schedules.plateau_options(None) is None
    assert schedules.plateau_options({"name": "cosine"}) is None
    with pytest.raises(ParameterError, match="cooldown"):
        schedules.plateau_options({"name": "plateau", "cooldown": -1})
    # The step function is the starting rate; the engine does the reducing.
    rates = schedules.make({"name": "plateau"}, 0.3, 10)(np.arange(50))
    np.testing.assert_array_equal(rates, 0.3)


# --- validation ----------------------------------------------------------------------


def bad_values(param: Param):
    """Values just outside `param`'s documented range, and of the wrong kind."""
    if param.kind == "bool":
        return [1, "yes", None]
    if param.kind == "floats":
        return [[0.5 * (param.low or 0) - 1.0], "many", [[1.0]]]
    bad = [float("nan"), "fast", None]
    if param.low is not None:
        bad.append(param.low if param.low_open else param.low - 1)
    if param.high is not None:
        bad.append(param.high if param.high_open else param.high + 1)
    else:
        bad.append(float("inf"))
    if param.kind == "int":
        bad.append(param.low + 2.5)  # integer-valued parameters reject 2.5
    else:
        bad.append([param.default, param.default])  # one value, not a batch
    return bad


VALIDATION_CASES = [
    (name, param, value)
    for name in ALL_NAMES
    for param in schedules.spec(name).all_params
    for value in bad_values(param)
]


@pytest.mark.parametrize(
    ("name", "param", "value"),
    VALIDATION_CASES,
    ids=[f"{n}-{p.name}-{v!r}" for n, p, v in VALIDATION_CASES],
)
def test_each_bad_value_names_the_parameter_and_range(name, param, value):
    with pytest.raises(ParameterError) as caught:
        schedules.make({"name": name, param.name: value}, 0.1, 100)
    error = caught.value
    assert error.name == param.name
    assert f"{name} schedule: {param.name} must be" in str(error)
    assert param.allowed().removeprefix("a list of numbers ") in str(error)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            {"name": "cosine", "decay_steps": 2.5},
            r"decay_steps must be an integer in \[1",
        ),
        (
            {"name": "exponential", "decay_steps": 0},
            r"decay_steps must be an integer in \[1",
        ),
        ({"name": "exponential", "decay_rate": 1.5}, r"decay_rate must be in \(0, 1\]"),
        ({"name": "cosine_restarts", "t_mul": 0.5}, r"t_mul must be in \[1, 1e\+09\]"),
        ({"name": "plateau", "factor": 1.0}, r"factor must be in \(0, 1\)"),
        ({"name": "cosine", "lr": 0.1}, "parameter must be one of decay_steps, alpha"),
        ({"name": "nope"}, "schedule must be one of constant"),
        ({"decay_steps": 10}, "a dict with a 'name' key"),
        (
            {"name": "piecewise", "boundaries": [0, 5], "values": [1, 1, 1]},
            "boundaries",
        ),
        (
            {"name": "piecewise", "boundaries": [5, 5], "values": [1, 1, 1]},
            "increasing",
        ),
        ({"name": "piecewise", "boundaries": [1.5], "values": [1, 1]}, "integers"),
        ({"name": "piecewise", "boundaries": [5], "values": [1, 1, 1]}, "list of 2"),
    ],
)
def test_specific_bad_configs(config, message):
    with pytest.raises(ParameterError, match=message):
        schedules.make(config, 0.1, 100)


def test_make_validates_lr_and_total_steps():
    with pytest.raises(ParameterError, match=r"lr must be in \[0, inf\) \(got -0.1\)"):
        schedules.make(None, -0.1, 100)
    with pytest.raises(ParameterError, match="lr must be a single number"):
        schedules.make(None, [0.1, 0.2], 100)
    with pytest.raises(ParameterError, match=r"total_steps must be an integer in \[1"):
        schedules.make(None, 0.1, 0)


def test_constructors_validate_their_arguments():
    with pytest.raises(ParameterError, match="cosine schedule: decay_steps"):
        schedules.cosine_decay(0.1, 0)
    with pytest.raises(ParameterError, match="power schedule: power"):
        schedules.power_decay(0.1, 10, -1.0)
    with pytest.raises(ParameterError, match=r"last_steps must be an integer in \[1, 50\]"):
        schedules.one_cycle(0.1, 50, last_steps=51)
    with pytest.raises(ParameterError, match="warmup_steps"):
        schedules.with_warmup(schedules.constant(0.1), -1)
