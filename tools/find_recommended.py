"""Find the settings each surface recommends per optimizer, and write them as data.

Writes `experiments/recommended.json`: for every built-in surface a step budget and, for
every optimizer of the registry and each of its conventions, the learning rate that the
app applies when a person switches to that surface (Explore and Compare).  Every other
hyperparameter stays at the convention's default, so the run differs from the textbook
form in one number only.

Rerun:  python tools/find_recommended.py            (about a minute on two cores)
        python tools/find_recommended.py --check    (exit 1 if the file is out of date)

The criterion, for one surface, optimizer and convention over the learning rates of
`lr_candidates` (1, 2, 3 and 5 per decade inside the slider's range, so a recommendation
is a position the slider can show):

1. a rate is *safe* when the run with `steps` updates from the surface's default start
   never diverges and never leaves the view box (the chart shows every step of it);
2. a safe rate is *kept* when the next larger candidate is safe too, so one notch up on
   the slider does not blow the run up (no recommendation sits on a cliff edge);
3. each kept rate scores its *progress*: how far the loss went from the start's towards
   the target, (f(θ₀) − f(θ_t)) / (f(θ₀) − f*), where f* is the lowest value of the
   surface's stationary points (its minima and saddles, and `LESSON_POINTS`), else the
   lowest value in view; a run that ends on one of those stationary points (within
   `AT_POINT` of the view's size) has shown the surface's lesson and scores at least 1
   (Newton's method jumping onto the saddle), and a run that comes to rest anywhere
   else (its gradient shrunk to `AT_REST` of the start's: a ripple of Ackley's, the
   maximum Newton's method finds on Himmelblau) scores at least `REST_SCORE`, less
   than real progress;
4. among the kept rates whose progress is within `TIE` of the best, the recommendation
   is the one that settles first (the first step from which progress stays within
   `TIE` of its final value), the smaller rate on a tie: a run that gets as far as any
   and shows how it gets there without dragging on.

An optimizer without a learning rate (L-BFGS) gets its defaults.  Where no rate is kept
(none exists here today) the script says so and stores the convention's defaults; the
test `tests/test_recommended.py` then fails for that entry.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import optim_core  # noqa: E402
import surfaces  # noqa: E402
from experiments.recommended import DATA_PATH  # noqa: E402

# Updates per run on each surface: enough for the surface's lesson to play out and short
# enough to watch (the chart has a frame per step up to 120 steps).  Rosenbrock's and
# Beale's curved valleys need the longest runs; saddles are escaped (or not) quickly.
STEPS = {
    "bowl": 100,
    "rotated_quadratic": 100,
    "saddle": 60,
    "monkey_saddle": 60,
    "rosenbrock": 300,
    "local_minima": 150,
    "beale": 300,
    "himmelblau": 100,
    "rastrigin": 100,
    "ackley": 150,
    "booth": 100,
}
# Stationary points a lesson is about that the surface does not classify: the monkey
# saddle's origin is degenerate (zero Hessian), so it is neither a minimum nor a saddle.
LESSON_POINTS = {"monkey_saddle": ((0.0, 0.0),)}
AT_POINT = 0.01
AT_REST = 1e-3
REST_SCORE = 0.1
MANTISSAS = (1.0, 2.0, 3.0, 5.0)
TIE = 0.02  # progress this close to the best counts as "as far"


def lr_candidates(param) -> list[float]:
    """1, 2, 3, 5 x 10^k inside the learning rate's slider range."""
    low, high = param.ui_low, param.ui_high
    values = []
    for exponent in range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1):
        for mantissa in MANTISSAS:
            value = float(f"{mantissa * 10.0**exponent:.6g}")
            if low <= value <= high:
                values.append(value)
    return values


def stationary_points(surface) -> np.ndarray:
    """(N, 2): the surface's minima and saddles and its `LESSON_POINTS`."""
    points = [p.xy for p in surface.critical_points] + list(LESSON_POINTS.get(surface.name, ()))
    return np.array(points, dtype=float).reshape(-1, 2)


def target_value(surface) -> float:
    """f*: the lowest stationary value, else the lowest value on a grid over the view."""
    points = stationary_points(surface)
    if len(points):
        return float(np.min(surface.value(points)))
    (x0, x1), (y0, y1) = surface.domain
    xx, yy = np.meshgrid(np.linspace(x0, x1, 301), np.linspace(y0, y1, 301))
    with np.errstate(all="ignore"):
        return float(np.nanmin(surface.value(np.stack([xx, yy], -1))))


def safe_and_progress(trajectory, surface, f_target: float) -> tuple[np.ndarray, np.ndarray]:
    """Per batch row: safe (no divergence, always in view) and progress at every step,
    shape (T+1, B) (see above)."""
    path = np.asarray(trajectory.path)  # (T+1, B, 2)
    loss = np.asarray(trajectory.loss)  # (T+1, B)
    (x0, x1), (y0, y1) = surface.domain
    with np.errstate(invalid="ignore"):
        inside = (
            (path[..., 0] >= x0)
            & (path[..., 0] <= x1)
            & (path[..., 1] >= y0)
            & (path[..., 1] <= y1)
        ).all(axis=0)
    diverged = np.atleast_1d(trajectory.diverged_at)
    safe = inside & (diverged < 0) & np.isfinite(loss).all(axis=0)
    progress = (loss[0] - loss) / max(loss[0, 0] - f_target, 1e-300)
    with np.errstate(all="ignore"):
        grads = np.linalg.norm(surface.grad(path[[0, -1]]), axis=-1)  # (2, B)
    at_rest = grads[1] <= AT_REST * grads[0]
    progress[-1] = np.where(at_rest, np.maximum(progress[-1], REST_SCORE), progress[-1])
    points = stationary_points(surface)
    if len(points):
        size = max(x1 - x0, y1 - y0)
        gaps = np.linalg.norm(path[-1][:, None, :] - points[None], axis=-1).min(axis=1)
        progress[-1] = np.where(
            gaps <= AT_POINT * size, np.maximum(progress[-1], 1.0), progress[-1]
        )
    return safe, progress


def settle_step(progress: np.ndarray) -> int:
    """The first step from which `progress` (T+1,) stays within `TIE` of its last value."""
    away = np.flatnonzero(np.abs(progress - progress[-1]) > TIE)
    return 0 if away.size == 0 else int(away[-1]) + 1


def choose(rates: list[float], safe: np.ndarray, progress: np.ndarray) -> float | None:
    kept = [i for i in range(len(rates)) if safe[i] and i + 1 < len(rates) and safe[i + 1]]
    if not kept:
        return None
    best = max(progress[-1, i] for i in kept)
    near = [i for i in kept if progress[-1, i] >= best - TIE]
    return rates[min(near, key=lambda i: (settle_step(progress[:, i]), rates[i]))]


def recommend(surface_name: str) -> dict:
    surface = surfaces.get(surface_name)
    steps = STEPS[surface_name]
    f_target = target_value(surface)
    runs: dict[str, dict[str, dict[str, float]]] = {}
    for name in optim_core.names():
        spec = optim_core.spec(name)
        lr_param = next((p for p in spec.params if p.name == "lr"), None)
        runs[name] = {}
        for convention in spec.conventions:
            if lr_param is None:
                runs[name][convention.name] = {}
                continue
            rates = lr_candidates(lr_param)
            trajectory = optim_core.run(name, surface, steps=steps, convention=convention.name,
                                        record_state=False, lr=rates)  # fmt: skip
            safe, progress = safe_and_progress(trajectory, surface, f_target)
            lr = choose(rates, safe, progress)
            if lr is None:
                print(f"no safe rate: {surface_name} {name} {convention.name}", file=sys.stderr)
                runs[name][convention.name] = {}
            else:
                runs[name][convention.name] = {"lr": lr}
    return {"steps": steps, "runs": runs}


def build() -> dict:
    return {
        "made_by": "tools/find_recommended.py",
        "surfaces": {name: recommend(name) for name in surfaces.names()},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with the file, write nothing")
    args = parser.parse_args()
    text = json.dumps(build(), indent=1, sort_keys=False) + "\n"
    if args.check:
        current = DATA_PATH.read_text(encoding="utf-8") if DATA_PATH.exists() else ""
        if current != text:
            print(f"{DATA_PATH} is out of date: rerun tools/find_recommended.py", file=sys.stderr)
            return 1
        return 0
    DATA_PATH.write_text(text, encoding="utf-8")
    print(f"wrote {DATA_PATH.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
