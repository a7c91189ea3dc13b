"""Learning-rate schedules as pure functions of the step.

A schedule is a plain function ``schedule(step) -> lr`` (optax style): no counters,
no optimizer objects.  ``step`` is a non-negative int or an integer array and is
0-based: ``schedule(t)`` is the rate used for update number ``t + 1``.  The result is
float64 with the shape of ``step``, so ``schedule(np.arange(T))`` draws the whole curve.

Conventions worth knowing:

- ``lr`` is always the base (initial or peak) learning rate.  Every other knob that is
  a rate is a *multiplier* of ``lr`` in the registry (piecewise values, one-cycle start
  and end), so every schedule built by `make` is proportional to ``lr``: the
  learning-rate slider keeps working, and a sweep over ``lr`` can build the curve once
  with ``lr=1`` and scale it.
- Reduce-on-plateau depends on the loss, not on the step.  Its registry entry carries
  the options (`plateau_options`); the engine applies them inside its step loop, and its
  step function here is the constant ``lr``.

`SCHEDULES` drives the UI, the docs and the tests: one `ScheduleSpec` per schedule with
its `Param` objects (defaults, ranges, help), LaTeX formula and reference.  `make`
turns a JSON-friendly config such as ``{"name": "cosine", "decay_steps": 100}`` into a
step function; `normalize` fills in and validates that config.

References: Keras ``keras.optimizers.schedules``; Géron, *Hands-On Machine Learning*
(2nd/3rd ed., ch. 11, "Learning Rate Scheduling"); Loshchilov & Hutter, "SGDR:
Stochastic Gradient Descent with Warm Restarts" (ICLR 2017); optax ``join_schedules``;
``torch.optim.lr_scheduler.ReduceLROnPlateau``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from foundation.params import Param, ParameterError

__all__ = [
    "SCHEDULES",
    "WARMUP",
    "WARMUP_LATEX",
    "NumpyOps",
    "Schedule",
    "ScheduleSpec",
    "constant",
    "cosine_decay",
    "cosine_decay_restarts",
    "exponential_decay",
    "make",
    "names",
    "normalize",
    "one_cycle",
    "piecewise_constant",
    "plateau_options",
    "power_decay",
    "spec",
    "warmup_rule",
    "with_warmup",
]

Steps = int | np.integer | npt.NDArray[np.integer]
Rates = np.float64 | npt.NDArray[np.float64]
Schedule = Callable[[Steps], Rates]

# The largest step count a schedule takes (warm-up, decay steps, boundaries, patience...):
# far past any run (the engine's MAX_STEPS is 20,000), small enough that step arithmetic
# stays exact in int64 and float64 (1e300 boundaries overflowed a C long).
MAX_SCHEDULE_STEPS = 10**9
# The largest step a schedule is evaluated at: every integer up to 2**53 is a float64, which
# the rates are computed in.  (NumPy reads 2**63 as uint64, and its int64 cast wrapped to a
# negative step: a negative or NaN rate.)
MAX_STEP = 2**53

WARMUP = Param(
    "warmup_steps",
    0,
    "Steps of linear warm-up before the schedule starts: the rate climbs from 1/W of "
    "the schedule's first value to the full value, then the schedule runs as usual. "
    "0 turns warm-up off.",
    symbol="W",
    kind="int",
    low=0,
    high=MAX_SCHEDULE_STEPS,
    ui_low=0,
    ui_high=200,
)
"""Common parameter of every schedule: the warm-up length ``W`` of `with_warmup`."""

WARMUP_LATEX = (
    r"\eta^{\mathrm{warm}}_t = \begin{cases} \eta_0 \, \dfrac{t + 1}{W} & t < W \\"
    r" \eta_{t - W} & t \ge W \end{cases}"
)
"""The rule `with_warmup` applies, for the UI (``eta_0`` = the schedule at step 0)."""

_LEARNING_RATE = Param("lr", 0.01, "Base learning rate.", symbol=r"\eta", low=0.0)
_TOTAL_STEPS = Param(
    "total_steps", 100, "Steps in the run.", symbol="T", kind="int", low=1, high=MAX_SCHEDULE_STEPS
)
# one_cycle's absolute arguments; the registry exposes them as factors of lr instead.
_START_LR = Param("start_lr", None, "First rate of the cycle.", symbol=r"\eta_0", low=0.0)
_LAST_LR = Param("last_lr", None, "Final rate.", symbol=r"\eta_{\mathrm{end}}", low=0.0)
_LAST_STEPS = Param(
    "last_steps", None, "Length of the final phase.", kind="int", low=1, high=MAX_SCHEDULE_STEPS
)
# Slack for floor(last_fraction * T): 0.29 * 100 must count as 29 although the product
# rounds to 28.999999999999996.
_ROUNDING_SLACK = 1e-9


# --- helpers ------------------------------------------------------------------------


def _checked(param: Param, value: Any, owner: str = "") -> Any:
    """`Param.validate`, but a schedule takes one number per parameter, not a batch."""
    return param.validate_one(value, owner)


def _validated(schedule_name: str, lr: Any, **values: Any) -> dict[str, Any]:
    """Validate a constructor's arguments against the registry's `Param` objects."""
    owner = f"{schedule_name} schedule"
    by_name = {p.name: p for p in SCHEDULES[schedule_name].params}
    checked = {"lr": _checked(_LEARNING_RATE, lr, owner)}
    for name, value in values.items():
        checked[name] = _checked(by_name[name], value, owner)
    return checked


def _as_steps(step: Steps) -> npt.NDArray[np.integer]:
    """The step(s) as an integer array; floats, negative steps and steps past `MAX_STEP`
    are rejected."""
    allowed = "a non-negative integer up to 2**53, or an array of them"
    try:
        steps = np.asarray(step)
    except (TypeError, ValueError):  # ragged lists
        raise ParameterError("step", step, allowed) from None
    if steps.size == 0:  # np.asarray([]) is float64, but no steps is no error
        steps = steps.astype(np.int64)
    if not np.issubdtype(steps.dtype, np.integer) or np.any(steps < 0) or np.any(steps > MAX_STEP):
        raise ParameterError("step", step, allowed)
    # int64 whatever came in: step arithmetic on an int8 step (t - W with W = 492)
    # raised OverflowError in NumPy 2.
    return steps.astype(np.int64, copy=False)


def _shaped(values: Any) -> Rates:
    """float64 result: a NumPy scalar for a scalar step, an array otherwise."""
    rates = np.asarray(values, dtype=np.float64)
    return rates[()] if rates.ndim == 0 else rates


class NumpyOps:
    """What a step rule may call besides ``+ - * /`` and comparisons, on NumPy arrays.

    Each schedule's formula is written once as a rule ``rule(t, p, ops)``: ``t`` the
    step(s), ``p`` its arguments by name, ``ops`` this namespace.  The NumPy step
    functions pass this class; `optim_core.schedulejs` passes one that prints the same
    operations as JavaScript for the browser.  A rule never branches in Python on ``t``
    or ``p``: it computes every branch and picks with ``where``.
    """

    pi = math.pi
    where = staticmethod(np.where)
    floor = staticmethod(np.floor)
    cos = staticmethod(np.cos)
    log = staticmethod(np.log)
    log1p = staticmethod(np.log1p)
    minimum = staticmethod(np.minimum)
    maximum = staticmethod(np.maximum)
    clip = staticmethod(np.clip)

    @staticmethod
    def power(base: Any, exponent: Any) -> Any:
        return np.power(base, exponent, dtype=np.float64)

    @staticmethod
    def constant(t: Any, value: float) -> Any:
        """``value`` at every step of ``t``."""
        return np.full(np.shape(t), value, dtype=np.float64)

    @staticmethod
    def piece(t: Any, boundaries: Sequence[float], values: Sequence[float]) -> Any:
        """``values[k]`` for ``boundaries[k-1] <= t < boundaries[k]``."""
        # side="right": a step equal to a boundary already belongs to the next piece.
        index = np.searchsorted(np.asarray(boundaries, dtype=np.float64), t, side="right")
        return np.asarray(values, dtype=np.float64)[index]


class _ScalarOps:
    """The few operations argument rules need, on plain Python numbers (exact ints)."""

    floor = staticmethod(math.floor)
    minimum = staticmethod(min)
    maximum = staticmethod(max)


def _stepwise(rule: Callable[..., Any], arguments: Mapping[str, Any]) -> Schedule:
    """The NumPy step function of `rule` with validated `arguments`."""

    def schedule(step: Steps) -> Rates:
        steps = _as_steps(step)
        # Every branch of the rule is evaluated; `where` keeps the one that applies, so
        # overflow or 0/0 in a discarded branch is no error.
        with np.errstate(all="ignore"):
            return _shaped(rule(steps, arguments, NumpyOps))

    return schedule


# --- schedules ----------------------------------------------------------------------


def constant(lr: float) -> Schedule:
    """The same rate at every step: ``eta_t = lr``.

    >>> constant(0.1)(np.arange(3)).tolist()
    [0.1, 0.1, 0.1]
    """
    return _stepwise(_constant_rule, {"lr": _checked(_LEARNING_RATE, lr, "constant schedule")})


def _constant_rule(t: Any, p: Mapping[str, Any], ops: Any) -> Any:
    return ops.constant(t, p["lr"])


def piecewise_constant(lr: float, boundaries: Sequence[int], values: Sequence[float]) -> Schedule:
    """Step-wise constant: ``lr * values[k]`` while ``b[k-1] <= t < b[k]``.

    ``len(values) == len(boundaries) + 1``; boundaries are strictly increasing integers
    ``>= 1``; values are multipliers of ``lr`` (not rates) so the lr slider still works.

    .. note:: Keras ``PiecewiseConstantDecay`` takes absolute values and gives the
       boundary step itself to the earlier piece (``values[0]`` while
       ``t <= boundaries[0]``).  Here the new value starts *at* the boundary, as torch
       ``MultiStepLR`` milestones and optax ``piecewise_constant_schedule`` do, so
       ``boundaries=[10]`` means "the first 10 updates use ``values[0]``".

    >>> s = piecewise_constant(0.1, boundaries=[2, 4], values=[1.0, 0.5, 0.1])
    >>> s(np.arange(6)).round(4).tolist()
    [0.1, 0.1, 0.05, 0.05, 0.01, 0.01]
    """
    owner = "piecewise schedule"
    args = _validated("piecewise", lr, boundaries=boundaries, values=values)
    lr, steps, multipliers = args["lr"], args["boundaries"], args["values"]
    if any(b != int(b) for b in steps) or any(b >= c for b, c in itertools.pairwise(steps)):
        raise ParameterError(
            "boundaries", boundaries, "strictly increasing integers in [1, inf)", owner
        )
    if len(multipliers) != len(steps) + 1:
        raise ParameterError(
            "values",
            values,
            f"a list of {len(steps) + 1} multipliers (one more than boundaries)",
            owner,
        )
    with np.errstate(over="ignore"):
        rates = lr * np.asarray(multipliers, dtype=np.float64)
    if not np.all(np.isfinite(rates)):
        allowed = f"multipliers whose product with the learning rate {lr:g} is finite"
        raise ParameterError("values", values, allowed, owner)
    return _stepwise(_piecewise_rule, {"lr": lr, "boundaries": steps, "values": multipliers})


def _piecewise_rule(t: Any, p: Mapping[str, Any], ops: Any) -> Any:
    return p["lr"] * ops.piece(t, p["boundaries"], p["values"])


def exponential_decay(
    lr: float, decay_rate: float, decay_steps: int, staircase: bool = False
) -> Schedule:
    """Rate multiplied by ``decay_rate`` every ``s`` steps: ``lr * decay_rate**(t/s)``.

    With ``staircase`` the exponent is ``floor(t / s)``, so the rate drops in steps.
    Matches Keras ``ExponentialDecay``; Hands-On ML "exponential scheduling" is
    ``decay_rate=0.1`` (the rate falls tenfold every ``s`` steps).

    >>> s = exponential_decay(0.1, decay_rate=0.5, decay_steps=2)
    >>> s(np.arange(0, 7, 2)).tolist()
    [0.1, 0.05, 0.025, 0.0125]
    >>> float(exponential_decay(0.1, 0.5, 2, staircase=True)(3))
    0.05
    """
    args = _validated(
        "exponential",
        lr,
        decay_rate=decay_rate,
        decay_steps=decay_steps,
        staircase=staircase,
    )
    return _stepwise(_exponential_rule, args)


def _exponential_rule(t: Any, p: Mapping[str, Any], ops: Any) -> Any:
    # t and s are whole numbers far below 2**52: floor(t / s) is exactly t // s.
    exponent = ops.where(p["staircase"], ops.floor(t / p["decay_steps"]), t / p["decay_steps"])
    return p["lr"] * ops.power(p["decay_rate"], exponent)


def power_decay(lr: float, decay_steps: int, power: float) -> Schedule:
    """Rate divided by ``(1 + t/s)**c``: Hands-On ML "power scheduling".

    After ``s`` steps the rate is ``lr / 2**c``, after ``3s`` steps ``lr / 4**c``: it
    drops fast at first, then more and more slowly.  ``power=1`` is inverse-time decay
    (Keras ``InverseTimeDecay`` with ``decay_rate=1``).

    >>> power_decay(0.1, decay_steps=10, power=1.0)(np.array([0, 10, 30])).tolist()
    [0.1, 0.05, 0.025]
    """
    return _stepwise(_power_rule, _validated("power", lr, decay_steps=decay_steps, power=power))


def _power_rule(t: Any, p: Mapping[str, Any], ops: Any) -> Any:
    # A negative exponent underflows to 0 for huge powers instead of overflowing.
    return p["lr"] * ops.power(1.0 + t / p["decay_steps"], -p["power"])


def cosine_decay(lr: float, decay_steps: int, alpha: float = 0.0) -> Schedule:
    """Half a cosine from ``lr`` down to ``alpha * lr`` over ``decay_steps``, then flat.

    ``lr * ((1 - alpha) * 0.5 * (1 + cos(pi * min(t, s) / s)) + alpha)``.  Matches Keras
    ``CosineDecay`` (without its built-in warm-up; use `with_warmup`) and, for
    ``t <= s``, ``torch.optim.lr_scheduler.CosineAnnealingLR`` with
    ``T_max=s, eta_min=alpha*lr``.

    >>> s = cosine_decay(1.0, decay_steps=4, alpha=0.2)
    >>> s(np.array([0, 2, 4, 9])).round(3).tolist()
    [1.0, 0.6, 0.2, 0.2]
    """
    return _stepwise(_cosine_rule, _validated("cosine", lr, decay_steps=decay_steps, alpha=alpha))


def _cosine_rule(t: Any, p: Mapping[str, Any], ops: Any) -> Any:
    completed = ops.minimum(t, p["decay_steps"]) / p["decay_steps"]
    cosine = 0.5 * (1.0 + ops.cos(ops.pi * completed))
    return p["lr"] * ((1.0 - p["alpha"]) * cosine + p["alpha"])


def _period_start(i_restart: Any, t_mul: Any, ops: Any) -> Any:
    """Start of period ``i`` in units of the first period: ``sum_{k<i} t_mul**k``."""
    return (ops.power(t_mul, i_restart) - 1.0) / (t_mul - 1.0)


def cosine_decay_restarts(
    lr: float,
    first_decay_steps: int,
    t_mul: float = 2.0,
    m_mul: float = 1.0,
    alpha: float = 0.0,
) -> Schedule:
    """Cosine decay that restarts ("warm restarts"), each period ``t_mul`` times longer.

    Period ``i`` lasts ``s * t_mul**i`` steps and starts at ``m_mul**i * lr``; within
    it the rate is ``lr * ((1 - alpha) * m_mul**i * 0.5 * (1 + cos(pi * f)) + alpha)``
    with ``f`` the fraction of the period completed.  Matches Keras
    ``CosineDecayRestarts`` and SGDR (Loshchilov & Hutter 2017); with integer ``t_mul``
    and ``m_mul=1`` also ``torch.optim.lr_scheduler.CosineAnnealingWarmRestarts``.

    .. note:: Keras finds the period with ``floor(log(1 + f (t_mul - 1)) / log t_mul)``.
       Next to a restart that logarithm can round to the wrong side of an integer:
       ``log(243) / log(3) = 4.999...`` puts the restart at step 121 (``t_mul=3``,
       ``s=1``) at the very end of the old period (rate ``alpha * lr``), and for
       ``t_mul=2`` step ``2**48 - 2`` restarts one step early.  This version applies
       the same formula, then moves the period by one where rounding misplaced it.

    >>> s = cosine_decay_restarts(1.0, first_decay_steps=2, t_mul=2.0)
    >>> s(np.arange(8)).round(3).tolist()
    [1.0, 0.5, 1.0, 0.854, 0.5, 0.146, 1.0, 0.962]
    """
    args = _validated(
        "cosine_restarts",
        lr,
        first_decay_steps=first_decay_steps,
        t_mul=t_mul,
        m_mul=m_mul,
        alpha=alpha,
    )
    return _stepwise(_cosine_restarts_rule, args)


def _cosine_restarts_rule(t: Any, p: Mapping[str, Any], ops: Any) -> Any:
    t_mul, alpha = p["t_mul"], p["alpha"]
    completed = t / p["first_decay_steps"]
    # t_mul > 1: Keras's logarithm, then the period moved by one where it rounded wrong.
    i_restart = ops.floor(ops.log1p(completed * (t_mul - 1.0)) / ops.log(t_mul))
    i_restart = ops.where(
        _period_start(i_restart, t_mul, ops) > completed, i_restart - 1, i_restart
    )
    i_restart = ops.where(
        _period_start(i_restart + 1, t_mul, ops) <= completed, i_restart + 1, i_restart
    )
    in_period = (completed - _period_start(i_restart, t_mul, ops)) / ops.power(t_mul, i_restart)
    # t_mul = 1: every period lasts s steps (the logarithm above is 0 / 0).
    equal = t_mul == 1.0
    i_restart = ops.where(equal, ops.floor(completed), i_restart)
    in_period = ops.where(equal, completed - i_restart, in_period)
    in_period = ops.clip(in_period, 0.0, 1.0)
    cosine = 0.5 * ops.power(p["m_mul"], i_restart) * (1.0 + ops.cos(ops.pi * in_period))
    return p["lr"] * ((1.0 - alpha) * cosine + alpha)


def one_cycle(
    lr: float,
    total_steps: int,
    start_lr: float | None = None,
    last_steps: int | None = None,
    last_lr: float | None = None,
) -> Schedule:
    """1cycle: linear up to ``lr``, linear back down, then a short final anneal.

    Exactly the ``OneCycleScheduler`` of Hands-On ML (Géron, 2nd/3rd ed., ch. 11) with
    ``iterations=total_steps`` and ``max_rate=lr``:

    - ``start_lr`` defaults to ``lr / 10``, ``last_steps`` to ``total_steps // 10 + 1``,
      ``last_lr`` to ``start_lr / 1000``; ``half = (total_steps - last_steps) // 2``;
    - ``start_lr -> lr`` over ``[0, half)``, ``lr -> start_lr`` over ``[half, 2 half)``,
      ``start_lr -> last_lr`` over ``[2 half, total_steps]``, then ``last_lr`` for ever.

    The book tests ``start_rate or ...``, so there ``start_lr=0`` means "default"; here
    only ``None`` does.  The idea is Smith, "A disciplined approach to neural network
    hyper-parameters" (2018).

    >>> s = one_cycle(0.05, total_steps=100)
    >>> s(np.array([0, 22, 44, 66, 88, 100])).round(6).tolist()
    [0.005, 0.0275, 0.05, 0.0275, 0.005, 5e-06]
    """
    owner = "one_cycle schedule"
    lr = _checked(_LEARNING_RATE, lr, owner)
    total_steps = _checked(_TOTAL_STEPS, total_steps, owner)
    start_lr = lr / 10 if start_lr is None else _checked(_START_LR, start_lr, owner)
    if last_steps is None:
        last_steps = total_steps // 10 + 1
    elif _checked(_LAST_STEPS, last_steps, owner) > total_steps:
        raise ParameterError(
            "last_steps",
            last_steps,
            f"an integer in [1, {total_steps}] (total_steps)",
            owner,
        )
    last_steps = int(last_steps)
    last_lr = start_lr / 1000 if last_lr is None else _checked(_LAST_LR, last_lr, owner)
    arguments = {
        "lr": lr,
        "total_steps": total_steps,
        "start_lr": start_lr,
        "last_steps": last_steps,
        "last_lr": last_lr,
    }
    return _stepwise(_one_cycle_rule, arguments)


def _one_cycle_rule(t: Any, p: Mapping[str, Any], ops: Any) -> Any:
    lr, total_steps, start_lr, last_lr = p["lr"], p["total_steps"], p["start_lr"], p["last_lr"]
    half = ops.floor((total_steps - p["last_steps"]) / 2)

    def interpolate(step1: Any, step2: Any, rate1: Any, rate2: Any) -> Any:
        # The book's _interpolate; the maximum only guards empty pieces (half = 0).
        return (rate2 - rate1) * (t - step1) / ops.maximum(step2 - step1, 1) + rate1

    # Every piece is evaluated at every step; only the pieces `where` drops can overflow
    # (a huge rate times a step far outside them).
    last_piece = ops.where(
        t < total_steps, interpolate(2 * half, total_steps, start_lr, last_lr), last_lr
    )
    down = ops.where(t < 2 * half, interpolate(half, 2 * half, lr, start_lr), last_piece)
    return ops.where(t < half, interpolate(0, half, start_lr, lr), down)


def with_warmup(schedule: Schedule, warmup_steps: int) -> Schedule:
    """Prepend ``W`` steps of linear warm-up to any schedule (optax ``join_schedules``).

    For ``t < W`` the rate is ``schedule(0) * (t + 1) / W``, so the first update already
    moves and step ``W - 1`` reaches ``schedule(0)``; from ``t = W`` on it is
    ``schedule(t - W)``: the wrapped schedule starts its own clock after the warm-up.
    ``W = 0`` returns ``schedule`` itself.

    >>> s = with_warmup(constant(0.1), warmup_steps=4)
    >>> s(np.arange(6)).round(4).tolist()
    [0.025, 0.05, 0.075, 0.1, 0.1, 0.1]
    """
    warmup_steps = _checked(WARMUP, warmup_steps, "warm-up")
    if warmup_steps == 0:
        return schedule
    arguments = {
        "warmup_steps": warmup_steps,
        "schedule": schedule,
        "first_rate": float(schedule(0)),
    }
    return _stepwise(warmup_rule, arguments)


def warmup_rule(t: Any, p: Mapping[str, Any], ops: Any) -> Any:
    """The rule of `with_warmup`: ``p["schedule"]`` is the wrapped step function and
    ``p["first_rate"]`` its rate at step 0."""
    warmup_steps = p["warmup_steps"]
    after = p["schedule"](ops.maximum(t - warmup_steps, 0))
    # A fraction in (0, 1] first: first_rate * (t + 1) overflowed near the float limit.
    ramp = p["first_rate"] * (ops.minimum(t + 1, warmup_steps) / warmup_steps)
    return ops.where(t < warmup_steps, ramp, after)


# --- registry -----------------------------------------------------------------------


@dataclass(frozen=True)
class ScheduleSpec:
    """One schedule for the UI, the docs and the tests.

    `params` excludes ``lr`` (every schedule has it) and `WARMUP` (every schedule
    accepts it too); `all_params` includes the latter.  `latex` renders with KaTeX and
    ``st.latex``.  `build(config, lr, total_steps)` turns a `normalize`-d config into a
    step function, so adding a schedule is one entry here.  `performance_based` is True
    when the rate depends on the loss (plateau): the engine then runs the logic and the
    step function is only the starting rate.

    `rule(t, p, ops)` is the formula itself (see `NumpyOps`), with ``p`` the config plus
    ``lr`` and ``total_steps``: `build`'s step functions evaluate it with NumPy and
    `optim_core.schedulejs` prints it as JavaScript, so the browser's rates are the same.
    """

    name: str
    title: str
    description: str
    params: tuple[Param, ...]
    latex: str
    reference: str
    performance_based: bool
    build: Callable[[Mapping[str, Any], float, int], Schedule]
    rule: Callable[[Any, Mapping[str, Any], Any], Any]

    @property
    def all_params(self) -> tuple[Param, ...]:
        """`params` plus the common `WARMUP`, in the order a config lists them."""
        return (*self.params, WARMUP)


def _decay_steps(default: int, help_text: str) -> Param:
    return Param(
        "decay_steps",
        default,
        help_text,
        symbol="s",
        kind="int",
        low=1,
        high=MAX_SCHEDULE_STEPS,
        log=True,
        ui_low=1,
        ui_high=1000,
    )


def _alpha(help_text: str) -> Param:
    return Param(
        "alpha",
        0.0,
        help_text,
        symbol=r"\alpha",
        low=0.0,
        high=1.0,
        ui_low=0.0,
        ui_high=0.5,
    )


def _one_cycle_arguments(
    config: Mapping[str, Any], lr: Any, total_steps: Any, ops: Any
) -> dict[str, Any]:
    """`one_cycle`'s arguments for the registry's config (factors of ``lr``)."""
    # The cycle fills what is left of the run after the warm-up.
    cycle_steps = ops.maximum(total_steps - config["warmup_steps"], 1)
    # last_fraction < 1, so floor(fraction * T) <= T - 1 however the slack rounds.
    last_phase = ops.floor(config["last_fraction"] * cycle_steps + _ROUNDING_SLACK)
    return {
        "lr": lr,
        "total_steps": cycle_steps,
        "start_lr": config["start_factor"] * lr,
        "last_steps": ops.minimum(last_phase, cycle_steps - 1) + 1,
        "last_lr": config["last_factor"] * lr,
    }


def _build_one_cycle(config: Mapping[str, Any], lr: float, total_steps: int) -> Schedule:
    return one_cycle(**_one_cycle_arguments(config, lr, total_steps, _ScalarOps))


def _one_cycle_config_rule(t: Any, p: Mapping[str, Any], ops: Any) -> Any:
    return _one_cycle_rule(t, _one_cycle_arguments(p, p["lr"], p["total_steps"], ops), ops)


SCHEDULES: dict[str, ScheduleSpec] = {
    s.name: s
    for s in [
        ScheduleSpec(
            name="constant",
            title="Constant",
            description="The learning rate never changes. The simplest choice, and the "
            "baseline every other schedule is compared with.",
            params=(),
            latex=r"\eta_t = \eta",
            reference="Plain gradient descent; Keras/torch default (no scheduler).",
            performance_based=False,
            build=lambda config, lr, total_steps: constant(lr),
            rule=_constant_rule,
        ),
        ScheduleSpec(
            name="piecewise",
            title="Piecewise constant",
            description="The rate stays fixed, then drops to a new level at chosen "
            "steps (for example 10x smaller after step 100). A classic hand-tuned "
            "recipe: go fast early, then take smaller steps to settle into the "
            "minimum.",
            params=(
                Param(
                    "boundaries",
                    (100, 200),
                    "Steps at which the rate switches to the next multiplier "
                    "(strictly increasing whole numbers, at least 1).",
                    symbol="b_k",
                    kind="floats",
                    low=1.0,
                    high=MAX_SCHEDULE_STEPS,
                ),
                Param(
                    "values",
                    (1.0, 0.5, 0.1),
                    "Multipliers of the learning rate, one more than there are "
                    "boundaries: the first applies before the first boundary.",
                    symbol="v_k",
                    kind="floats",
                    low=0.0,
                ),
            ),
            latex=r"\eta_t = \eta\, v_k \quad \text{for } b_k \le t < b_{k+1},"
            r" \quad b_0 = 0,\ b_{K+1} = \infty",
            reference="Keras PiecewiseConstantDecay with values as multipliers of lr; "
            "the boundary step starts the next piece, as in torch MultiStepLR.",
            performance_based=False,
            build=lambda config, lr, total_steps: piecewise_constant(
                lr, config["boundaries"], config["values"]
            ),
            rule=_piecewise_rule,
        ),
        ScheduleSpec(
            name="exponential",
            title="Exponential decay",
            description="The rate is multiplied by the same factor every few steps, so "
            "it shrinks smoothly and never stops shrinking. Big steps explore at "
            "first, small steps fine-tune later.",
            params=(
                Param(
                    "decay_rate",
                    0.1,
                    "Factor the rate is multiplied by every decay_steps steps "
                    "(0.1: ten times smaller).",
                    symbol=r"\gamma",
                    low=0.0,
                    high=1.0,
                    low_open=True,
                    log=True,
                    ui_low=0.01,
                    ui_high=1.0,
                ),
                _decay_steps(100, "Steps it takes for the rate to shrink by decay_rate."),
                Param(
                    "staircase",
                    False,
                    "Drop in whole steps every decay_steps instead of smoothly.",
                    kind="bool",
                ),
            ),
            latex=r"\eta_t = \eta\, \gamma^{t/s}"
            r" \qquad \text{(staircase: } \gamma^{\lfloor t/s \rfloor}\text{)}",
            reference="Keras ExponentialDecay; Hands-On ML (Géron, ch. 11) exponential "
            "scheduling is decay_rate = 0.1.",
            performance_based=False,
            build=lambda config, lr, total_steps: exponential_decay(
                lr, config["decay_rate"], config["decay_steps"], config["staircase"]
            ),
            rule=_exponential_rule,
        ),
        ScheduleSpec(
            name="power",
            title="Power decay",
            description="The rate is divided by a slowly growing number: it drops "
            "quickly at first, then more and more slowly, but keeps decreasing. A "
            "gentler alternative to exponential decay.",
            params=(
                _decay_steps(100, "Steps after which the rate is divided by 2^power."),
                Param(
                    "power",
                    1.0,
                    "How sharply the rate falls; 1 is inverse-time decay "
                    "(half the rate after decay_steps, a third after twice that).",
                    symbol="c",
                    low=0.0,
                    ui_low=0.0,
                    ui_high=4.0,
                ),
            ),
            latex=r"\eta_t = \dfrac{\eta}{(1 + t/s)^{c}}",
            reference="Hands-On ML (Géron, ch. 11) power scheduling (s, c); power = 1 "
            "is Keras InverseTimeDecay with decay_rate = 1.",
            performance_based=False,
            build=lambda config, lr, total_steps: power_decay(
                lr, config["decay_steps"], config["power"]
            ),
            rule=_power_rule,
        ),
        ScheduleSpec(
            name="cosine",
            title="Cosine decay",
            description="The rate glides down along half a cosine wave, from the full "
            "rate to a small floor, then stays there. It stays high for a while, falls "
            "fastest in the middle and lands softly at the end.",
            params=(
                _decay_steps(100, "Steps the cosine takes to reach its floor."),
                _alpha("Floor as a fraction of the learning rate (0: decay to zero)."),
            ),
            latex=r"\eta_t = \eta\left[(1-\alpha)\,\tfrac{1}{2}\left(1 + "
            r"\cos\dfrac{\pi \min(t, s)}{s}\right) + \alpha\right]",
            reference="Keras CosineDecay; torch CosineAnnealingLR(T_max=s, "
            "eta_min=alpha*lr) for t <= s; Loshchilov & Hutter 2017.",
            performance_based=False,
            build=lambda config, lr, total_steps: cosine_decay(
                lr, config["decay_steps"], config["alpha"]
            ),
            rule=_cosine_rule,
        ),
        ScheduleSpec(
            name="cosine_restarts",
            title="Cosine with warm restarts",
            description="Cosine decay that jumps back up to a high rate when it "
            "reaches the bottom, each cycle longer than the last. The jumps can kick "
            "the optimizer out of a poor valley to look for a better one.",
            params=(
                Param(
                    "first_decay_steps",
                    20,
                    "Length of the first cycle in steps.",
                    symbol="s",
                    kind="int",
                    low=1,
                    high=MAX_SCHEDULE_STEPS,
                    log=True,
                    ui_low=1,
                    ui_high=1000,
                ),
                Param(
                    "t_mul",
                    2.0,
                    "Each cycle is this many times longer than the one before (1: all equal).",
                    symbol=r"t_{\mathrm{mul}}",
                    low=1.0,
                    high=MAX_SCHEDULE_STEPS,  # a longer second cycle never restarts
                    ui_low=1.0,
                    ui_high=4.0,
                ),
                Param(
                    "m_mul",
                    1.0,
                    "Each restart begins at this fraction of the previous peak.",
                    symbol=r"m_{\mathrm{mul}}",
                    low=0.0,
                    high=1.0,
                    low_open=True,
                    ui_low=0.1,
                    ui_high=1.0,
                ),
                _alpha("Floor as a fraction of the learning rate (0: decay to zero)."),
            ),
            latex=r"\eta_t = \eta\left[(1-\alpha)\, m_{\mathrm{mul}}^{\,i}\,"
            r"\tfrac{1}{2}\bigl(1 + \cos(\pi f)\bigr) + \alpha\right],"
            r" \quad \text{cycle } i \text{ lasts } s\, t_{\mathrm{mul}}^{\,i}"
            r" \text{ steps, } f \in [0, 1) \text{ of it is done}",
            reference="Keras CosineDecayRestarts; SGDR (Loshchilov & Hutter 2017); "
            "torch CosineAnnealingWarmRestarts for integer t_mul and m_mul = 1.",
            performance_based=False,
            build=lambda config, lr, total_steps: cosine_decay_restarts(
                lr,
                config["first_decay_steps"],
                config["t_mul"],
                config["m_mul"],
                config["alpha"],
            ),
            rule=_cosine_restarts_rule,
        ),
        ScheduleSpec(
            name="one_cycle",
            title="One cycle (1cycle)",
            description="The rate climbs from a low value up to the learning rate, "
            "comes back down, and in the last few steps drops far below where it "
            "started. The high middle covers ground fast; the final drop lets the "
            "optimizer settle.",
            params=(
                Param(
                    "start_factor",
                    0.1,
                    "Starting rate as a fraction of the learning rate (the peak). "
                    "0.1 is the Hands-On ML default.",
                    symbol="f_0",
                    low=0.0,
                    high=1.0,
                    log=True,
                    ui_low=0.01,
                    ui_high=1.0,
                ),
                Param(
                    "last_factor",
                    1e-4,
                    "Final rate as a fraction of the learning rate. 1e-4 (the start "
                    "divided by 1000) is the Hands-On ML default.",
                    symbol=r"f_{\mathrm{end}}",
                    low=0.0,
                    high=1.0,
                    log=True,
                    ui_low=1e-6,
                    ui_high=1.0,
                ),
                Param(
                    "last_fraction",
                    0.1,
                    "Share of the run spent on the final drop: floor(fraction x steps) "
                    "+ 1 steps. 0.1 is the Hands-On ML default (steps // 10 + 1).",
                    symbol="p",
                    low=0.0,
                    high=1.0,
                    high_open=True,
                    ui_low=0.0,
                    ui_high=0.5,
                ),
            ),
            latex=r"\eta_t = \begin{cases}"
            r" \eta_0 + (\eta - \eta_0)\,\dfrac{t}{h} & 0 \le t < h \\"
            r" \eta + (\eta_0 - \eta)\,\dfrac{t - h}{h} & h \le t < 2h \\"
            r" \eta_0 + (\eta_{\mathrm{end}} - \eta_0)\,\dfrac{t - 2h}{T - 2h}"
            r" & 2h \le t < T \\"
            r" \eta_{\mathrm{end}} & t \ge T \end{cases}"
            r" \quad \eta_0 = f_0\,\eta,\ \eta_{\mathrm{end}} = f_{\mathrm{end}}\,\eta,"
            r"\ h = \left\lfloor \tfrac{T - L}{2} \right\rfloor,"
            r"\ L = \lfloor p\,T \rfloor + 1",
            reference="Hands-On ML (Géron, 2nd/3rd ed., ch. 11) OneCycleScheduler; the "
            "default factors reproduce its defaults. Smith 2018. T is the run's length "
            "minus warm-up.",
            performance_based=False,
            build=_build_one_cycle,
            rule=_one_cycle_config_rule,
        ),
        ScheduleSpec(
            name="plateau",
            title="Reduce on plateau",
            description="Watches the loss and cuts the rate (for example in half) when "
            "it has stopped improving for a while. It adapts to the problem instead of "
            "following a fixed timetable.",
            params=(
                Param(
                    "factor",
                    0.5,
                    "The rate is multiplied by this when the loss stalls.",
                    symbol=r"\phi",
                    low=0.0,
                    high=1.0,
                    low_open=True,
                    high_open=True,
                    ui_low=0.05,
                    ui_high=0.95,
                ),
                Param(
                    "patience",
                    10,
                    "Steps without improvement tolerated before cutting the rate.",
                    symbol="P",
                    kind="int",
                    low=0,
                    high=MAX_SCHEDULE_STEPS,
                    ui_low=0,
                    ui_high=100,
                ),
                Param(
                    "threshold",
                    1e-4,
                    "Relative improvement that counts: the loss must fall below "
                    "(1 - threshold) x its best value so far.",
                    symbol=r"\theta",
                    low=0.0,
                    log=True,
                    ui_low=1e-6,
                    ui_high=0.1,
                ),
                Param(
                    "cooldown",
                    0,
                    "Steps to wait after a cut before watching the loss again.",
                    symbol="C",
                    kind="int",
                    low=0,
                    high=MAX_SCHEDULE_STEPS,
                    ui_low=0,
                    ui_high=50,
                ),
                Param(
                    "min_lr",
                    0.0,
                    "The rate is never cut below this value.",
                    symbol=r"\eta_{\min}",
                    low=0.0,
                    ui_low=0.0,
                    ui_high=0.01,
                ),
            ),
            latex=r"\eta \leftarrow \max(\phi\,\eta,\ \eta_{\min})"
            r" \text{ once more than } P \text{ steps in a row fail }"
            r" \mathcal{L}_t < (1 - \theta)\,\mathcal{L}_{\mathrm{best}};"
            r" \text{ then wait } C \text{ steps}",
            reference="torch.optim.lr_scheduler.ReduceLROnPlateau(mode='min', "
            "threshold_mode='rel'); Keras ReduceLROnPlateau. Applied by the engine.",
            performance_based=True,
            build=lambda config, lr, total_steps: constant(lr),
            rule=_constant_rule,
        ),
    ]
}
"""Every schedule by name, in the order the UI lists them."""


def names() -> list[str]:
    """Schedule names in display order.

    >>> names()[:3]
    ['constant', 'piecewise', 'exponential']
    """
    return list(SCHEDULES)


def spec(name: str) -> ScheduleSpec:
    """The registry entry for ``name``; `ParameterError` for an unknown name.

    >>> spec("cosine").title
    'Cosine decay'
    """
    if not isinstance(name, str) or name not in SCHEDULES:
        raise ParameterError("schedule", name, "one of " + ", ".join(SCHEDULES))
    return SCHEDULES[name]


def normalize(config: Mapping[str, Any] | None) -> dict[str, Any]:
    """The full, validated config with defaults filled in; plain JSON types only.

    ``None`` means the constant schedule.  Unknown keys and out-of-range values raise
    `ParameterError` naming the parameter, the value and the allowed range.

    >>> normalize({"name": "cosine", "decay_steps": 50})
    {'name': 'cosine', 'decay_steps': 50, 'alpha': 0.0, 'warmup_steps': 0}
    """
    if config is None:
        config = {"name": "constant"}
    if not isinstance(config, Mapping) or "name" not in config:
        raise ParameterError(
            "schedule",
            config,
            "None or a dict with a 'name' key, e.g. {'name': 'cosine'}",
        )
    schedule_spec = spec(config["name"])
    owner = f"{schedule_spec.name} schedule"
    params = {p.name: p for p in schedule_spec.all_params}
    for key in config:
        if key != "name" and key not in params:
            raise ParameterError("parameter", key, "one of " + ", ".join(params), owner)
    normalized: dict[str, Any] = {"name": schedule_spec.name}
    for name, param in params.items():
        value = _checked(param, config.get(name, param.default), owner)
        normalized[name] = list(value) if isinstance(value, tuple) else value
    if schedule_spec.name == "piecewise":
        # Boundaries are steps: store them as ints (a fractional one fails just below).
        normalized["boundaries"] = [int(b) if b == int(b) else b for b in normalized["boundaries"]]
    # Building once runs the constructor's checks that span several parameters.
    schedule_spec.build(normalized, 1.0, 1)
    return normalized


def plateau_options(config: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The validated reduce-on-plateau options, or None for any other schedule.

    >>> plateau_options({"name": "plateau", "patience": 3})
    {'factor': 0.5, 'patience': 3, 'threshold': 0.0001, 'cooldown': 0, 'min_lr': 0.0}
    >>> plateau_options(None) is None
    True
    """
    normalized = normalize(config)
    if normalized["name"] != "plateau":
        return None
    return {p.name: normalized[p.name] for p in SCHEDULES["plateau"].params}


def make(config: Mapping[str, Any] | None, lr: float, total_steps: int) -> Schedule:
    """The step function for ``config`` (see `normalize`), warm-up included.

    ``total_steps`` is the run's length; only one-cycle uses it (the cycle spans the run
    minus the warm-up).  For plateau this is the constant ``lr`` the engine starts from.

    >>> s = make({"name": "cosine", "decay_steps": 4, "warmup_steps": 2}, 1.0, 10)
    >>> s(np.arange(7)).round(3).tolist()
    [0.5, 1.0, 1.0, 0.854, 0.5, 0.146, 0.0]
    """
    normalized = normalize(config)
    lr = _checked(_LEARNING_RATE, lr, "schedule")
    total_steps = _checked(_TOTAL_STEPS, total_steps, "schedule")
    schedule = SCHEDULES[normalized["name"]].build(normalized, lr, total_steps)
    return with_warmup(schedule, normalized["warmup_steps"])
