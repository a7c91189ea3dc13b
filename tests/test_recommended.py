"""Each surface's recommended settings (experiments/recommended.json) show its lesson: for
every surface x optimizer x convention the recommended run, computed here with the engine,
does not diverge, stays in view and makes visible progress."""

from __future__ import annotations

import importlib.util
import json

import numpy as np
import pytest

import optim_core
import surfaces
from experiments import recommended
from tests.test_layers import ROOT

# L-BFGS has no learning rate to recommend, and on the two saddles (unbounded below) its
# line search follows the falling direction out to the escape radius within a few steps
# whatever its history size: the one pairing the data cannot tame, pinned so that a
# change in the engine that fixes (or widens) it is noticed.
UNTAMED = {("saddle", "lbfgs"), ("monkey_saddle", "lbfgs")}
VISIBLE = 0.05  # fraction of the way from f(θ₀) to f* that counts as visible progress
AT_POINT = 0.01  # of the view's size: "on" a stationary point
AT_REST = 1e-3  # gradient norm against the start's: "came to rest"

CASES = [
    (surface, name, convention.name)
    for surface in surfaces.names()
    for name in optim_core.names()
    for convention in optim_core.spec(name).conventions
]


def stationary(surface) -> np.ndarray:
    """Known stationary points: minima, saddles, and the monkey saddle's flat origin."""
    points = [p.xy for p in surface.critical_points]
    if surface.name == "monkey_saddle":
        points.append((0.0, 0.0))  # grad and Hessian vanish there (checked below)
    return np.array(points, dtype=float).reshape(-1, 2)


def test_monkey_saddle_origin_is_flat_to_second_order():
    surface = surfaces.get("monkey_saddle")
    origin = np.zeros((1, 2))
    assert np.abs(surface.grad(origin)).max() == 0.0
    assert np.abs(surface.hess(origin)).max() == 0.0


def test_every_surface_optimizer_and_convention_has_an_entry():
    assert recommended.surfaces() == surfaces.names()
    for surface, name, convention in CASES:
        hyper = recommended.hyper(surface, name, convention)
        assert hyper is not None
        # Every hyperparameter is valid for the convention (the engine's own check).
        optim_core.engine.validate_hyperparameters(optim_core.spec(name), convention, hyper)
        assert recommended.steps(surface) >= 30


def test_unknown_surface_has_no_recommendation():
    assert recommended.hyper("typed_surface_xyz", "sgd") is None
    assert recommended.steps("typed_surface_xyz") is None


@pytest.mark.parametrize("surface_name", surfaces.names())
def test_recommended_runs_show_progress_without_diverging(surface_name):
    surface = surfaces.get(surface_name)
    (x0, x1), (y0, y1) = surface.domain
    size = max(x1 - x0, y1 - y0)
    points = stationary(surface)
    target = float(np.min(surface.value(points))) if len(points) else None
    failures, progresses = [], []
    for surface_, name, convention in CASES:
        if surface_ != surface_name:
            continue
        hyper = recommended.hyper(surface_name, name, convention)
        run = optim_core.run(name, surface, steps=recommended.steps(surface_name),
                             convention=convention, **hyper)  # fmt: skip
        path, loss = np.asarray(run.path), np.asarray(run.loss)
        if (surface_name, name) in UNTAMED:
            assert run.diverged_at is not None, (name, convention)
            continue
        inside = bool(
            (
                (path[:, 0] >= x0) & (path[:, 0] <= x1) & (path[:, 1] >= y0) & (path[:, 1] <= y1)
            ).all()
        )
        if target is None:  # no stationary point known: the lowest value seen on a fine grid
            xx, yy = np.meshgrid(np.linspace(x0, x1, 401), np.linspace(y0, y1, 401))
            target = float(surface.value(np.stack([xx, yy], -1)).min())
        progress = (loss[0] - loss[-1]) / (loss[0] - target)
        grads = np.linalg.norm(surface.grad(path[[0, -1]]), axis=-1)
        on_point = (
            len(points) and np.linalg.norm(points - path[-1], axis=-1).min() <= AT_POINT * size
        )
        at_rest = grads[1] <= AT_REST * grads[0]
        progresses.append(progress)
        if run.diverged_at is not None or not inside:
            failures.append((name, convention, "diverged" if run.diverged_at else "left view"))
        elif not (progress >= VISIBLE or on_point or at_rest):
            failures.append((name, convention, f"progress {progress:.3f}"))
    assert failures == []
    # Most runs get far, not just visibly somewhere.
    assert np.median(progresses) >= 0.15, progresses


def test_the_data_is_what_the_search_script_finds():
    """The committed numbers are the script's output, not hand-typed."""
    path = ROOT / "tools" / "find_recommended.py"
    module_spec = importlib.util.spec_from_file_location("find_recommended", path)
    tool = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(tool)
    committed = json.loads(recommended.DATA_PATH.read_text(encoding="utf-8"))
    assert tool.build() == committed


def test_search_prefers_rates_with_headroom():
    """A recommended rate never sits on a cliff: one notch up is still safe."""
    path = ROOT / "tools" / "find_recommended.py"
    module_spec = importlib.util.spec_from_file_location("find_recommended", path)
    tool = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(tool)
    rates = [0.1, 0.2, 0.3, 0.5]
    safe = np.array([True, True, True, False])
    progress = np.array([[0.0] * 4, [0.5, 0.9, 1.0, -np.inf]])
    assert tool.choose(rates, safe, progress) == 0.2  # 0.3 is best but 0.5 is unsafe
