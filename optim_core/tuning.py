"""Random search in rounds, and fair tuning of several optimizers with one budget.

Random search as the seeds teach it: sample the hyperparameters (log-uniformly where the
registry's `Param.log` says so), keep the best, then sample a narrower box around it.
Fair tuning gives every optimizer the same number of quasi-random trials (a scrambled
Halton sequence over the registry's slider ranges), scores them by one stated criterion,
and compares each at its best.  Both are reproducible by seed; every round of trials is
one batched engine call.

>>> result = tune(["sgd", "momentum"], "bowl", budget=8, start=(-7, 2), steps=50, seed=1)
>>> [r.optimizer for r in result.results], result.budget
(['sgd', 'momentum'], 8)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from foundation.params import Param, ParameterError
from optim_core.registry import spec
from optim_core.sweeps import Progress, evaluate

# What fair tuning tunes: the learning rate and each optimizer's averaging coefficient;
# the rest (ε, weight decay, ...) keep their defaults, as most tuning studies do.
TUNED = ("lr", "momentum", "beta1", "alpha", "rho", "damping")
BUDGET = Param("budget", 32, "Trials per optimizer.", kind="int", low=1, high=4096)
ROUNDS = Param("rounds", 2, "Rounds of random search.", kind="int", low=1, high=6)
SHRINK = Param(
    "shrink", 0.25, "Each round searches this fraction of the previous range (in log units "
    "on log axes).", low=0.0, high=1.0, low_open=True,
)  # fmt: skip


@dataclass(frozen=True)
class Range:
    """A search range of one hyperparameter (log-uniform when `log`)."""

    name: str
    low: float
    high: float
    log: bool

    def place(self, unit: np.ndarray) -> np.ndarray:
        """Map numbers in [0, 1] into the range."""
        if self.log:
            return np.exp(np.log(self.low) + unit * (np.log(self.high) - np.log(self.low)))
        return self.low + unit * (self.high - self.low)

    def around(self, center: float, shrink: float, bounds: Range) -> Range:
        """A range `shrink` times as wide, centred on `center`, inside `bounds`."""
        if self.log:
            half = shrink * (np.log(self.high) - np.log(self.low)) / 2
            low, high = center * np.exp(-half), center * np.exp(half)
        else:
            half = shrink * (self.high - self.low) / 2
            low, high = center - half, center + half
        return Range(self.name, max(low, bounds.low), min(high, bounds.high), self.log)


def registry_range(optimizer: str, name: str) -> Range:
    """The slider range of a hyperparameter, from its registry `Param`."""
    param = next((p for p in spec(optimizer).params if p.name == name), None)
    if param is None or param.ui_low is None or param.ui_high is None:
        raise ParameterError("hyperparameter", name, "one with a range in the registry", optimizer)
    return Range(name, float(param.ui_low), float(param.ui_high), bool(param.log))


def tuned_ranges(optimizer: str) -> list[Range]:
    """What fair tuning searches for `optimizer`: its entries of TUNED."""
    names = [p.name for p in spec(optimizer).params if p.name in TUNED and p.kind == "float"]
    return [registry_range(optimizer, n) for n in names]


@dataclass(frozen=True)
class Round:
    """One round of trials: the box searched, the samples and their scores."""

    ranges: tuple[Range, ...]
    samples: dict[str, np.ndarray]  # name -> (N,)
    values: np.ndarray  # (N,) criterion, NaN where diverged or never within tolerance
    diverged_at: np.ndarray  # (N,)
    final_loss: np.ndarray  # (N,)

    def best_index(self) -> int | None:
        if np.all(np.isnan(self.values)):
            return None
        return int(np.lexsort((np.nan_to_num(self.final_loss, nan=np.inf),
                               np.nan_to_num(self.values, nan=np.inf)))[0])  # fmt: skip


@dataclass(frozen=True)
class Search:
    """The rounds of one optimizer's search and its best trial over all of them."""

    optimizer: str
    rounds: tuple[Round, ...]
    criterion: str

    def best(self) -> tuple[dict[str, float], float, float] | None:
        """(settings, value, final loss) of the best trial, or None if all diverged."""
        best = None
        for r in self.rounds:
            i = r.best_index()
            if i is None:
                continue
            key = (r.values[i], np.nan_to_num(r.final_loss[i], nan=np.inf))
            if best is None or key < best[0]:
                best = (key, {n: float(v[i]) for n, v in r.samples.items()}, r.final_loss[i])
        if best is None:
            return None
        return best[1], float(best[0][0]), float(best[2])


def _run_round(optimizer, surface, ranges, unit, criterion, tolerance, start, steps, fixed,
               progress) -> Round:  # fmt: skip
    samples = {r.name: r.place(unit[:, k]) for k, r in enumerate(ranges)}
    result = evaluate(optimizer, surface, samples, start=start, steps=steps, criterion=criterion,
                      tolerance=tolerance, progress=progress, **fixed)  # fmt: skip
    return Round(tuple(ranges), samples, result.values, result.diverged_at, result.final_loss)


def random_search(
    optimizer: str,
    surface: Any,
    ranges: Mapping[str, tuple[float, float]] | None = None,
    *,
    trials: int = 32,
    rounds: int = 2,
    shrink: float = 0.25,
    seed: int = 0,
    start: Any = None,
    steps: int = 100,
    criterion: str = "final_loss",
    tolerance: float = 1e-6,
    **fixed: Any,
) -> Search:
    """Rounds of `trials` random samples: uniform, or log-uniform on the registry's log
    axes; each round after the first searches `shrink` times the previous box around
    the best trial so far.

    Args:
      ranges: name -> (low, high); default: the learning rate over its slider range.
    """
    trials = BUDGET.validate(trials, owner="random search")
    rounds = ROUNDS.validate(rounds, owner="random search")
    shrink = SHRINK.validate(shrink, owner="random search")
    names = list(ranges or {"lr": None})
    bounds = []
    for name in names:
        base = registry_range(optimizer, name)
        if ranges and ranges[name] is not None:
            low, high = (float(v) for v in ranges[name])
            param = next(p for p in spec(optimizer).params if p.name == name)
            param.validate(np.array([low, high]), owner=optimizer)
            if not low < high or (base.log and low <= 0):
                raise ParameterError(name, (low, high), "low < high (and low > 0 on a log axis)")
            base = Range(name, low, high, base.log)
        bounds.append(base)
    rng = np.random.default_rng(seed)
    current, done = list(bounds), []
    for _ in range(rounds):
        unit = rng.random((trials, len(current)))
        done.append(_run_round(optimizer, surface, current, unit, criterion, tolerance, start,
                               steps, fixed, None))  # fmt: skip
        best = Search(optimizer, tuple(done), criterion).best()
        if best is None:
            break
        settings = best[0]
        current = [
            r.around(settings[r.name], shrink, b) for r, b in zip(current, bounds, strict=True)
        ]
    return Search(optimizer, tuple(done), criterion)


@dataclass(frozen=True)
class Tuning:
    """Every optimizer of a comparison tuned with the same budget and criterion."""

    results: tuple[Search, ...]
    budget: int
    criterion: str
    tolerance: float
    steps: int
    seed: int


def tune(
    optimizers: Sequence[str],
    surface: Any,
    *,
    budget: int = 32,
    criterion: str = "final_loss",
    tolerance: float = 1e-6,
    seed: int = 0,
    start: Any = None,
    steps: int = 100,
    progress: Progress | None = None,
    **fixed: Any,
) -> Tuning:
    """Tune each optimizer with `budget` quasi-random trials (scrambled Halton points,
    seeded by `seed`, placed in its `tuned_ranges`) and keep each one's best.

    Every optimizer gets the same points of the unit cube, so none is luckier than the
    others; `fixed` settings (start, noise, surface_params ...) are shared.
    """
    from scipy.stats import qmc

    budget = BUDGET.validate(budget, owner="tune")
    if not optimizers:
        raise ParameterError("optimizers", optimizers, "at least one optimizer name")
    results = []
    for k, name in enumerate(optimizers):
        ranges = tuned_ranges(name)
        unit = qmc.Halton(d=max(len(ranges), 1), scramble=True, seed=seed).random(budget)
        results.append(Search(name, (_run_round(name, surface, ranges, unit, criterion, tolerance,
                                                start, steps, fixed, None),), criterion))  # fmt: skip
        if progress is not None:
            progress(k + 1, len(optimizers))
    return Tuning(tuple(results), budget, criterion, float(tolerance), int(steps), int(seed))
