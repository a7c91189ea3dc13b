"""Engine runs for the pages: cached per run, keyed by the settings JSON.

`st.cache_data` pickles what it returns, and a `Trajectory` holds a `Surface` whose
compiled callbacks do not pickle; the cache therefore keeps the trajectory's arrays and
plain fields, and `run_experiment` puts them back around the (lru-cached) surface.  One
entry per run, so changing one optimizer of four reruns only that one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np
import streamlit as st

from experiments import Experiment
from foundation.params import ParameterError
from i18n import t
from optim_core import Trajectory
from viz import background, layout

# Bounded in count and age: a run is a few hundred kB at most (5,000 steps x state), a
# contour image ~100 kB; entries idle for CACHE_TTL go at the next cache access, so a
# quiet server gives back what a busy lesson held (benchmarks/soak.py).
RUN_CACHE_ENTRIES = 256
BACKGROUND_CACHE_ENTRIES = 32
CACHE_TTL = "15m"


@st.cache_data(max_entries=RUN_CACHE_ENTRIES, ttl=CACHE_TTL, show_spinner=False)
def _run_fields(settings_json: str) -> dict[str, Any]:
    """The arrays and fields of the single run described by `settings_json`."""
    experiment = Experiment.from_json(settings_json)
    trajectory = experiment.run_one(0)
    out = {f.name: getattr(trajectory, f.name) for f in dataclasses.fields(trajectory)}
    out.pop("surface")
    return out


def run_experiment(experiment: Experiment) -> list[Trajectory]:
    """Every run of `experiment` (cached); raises `ParameterError` for bad settings."""
    results = run_each(experiment)
    for result in results:
        if isinstance(result, ParameterError):
            raise result
    return results


def run_each(experiment: Experiment) -> list[Trajectory | ParameterError]:
    """Every run of `experiment` (cached), or the error that one run alone raised (L-BFGS
    refuses gradient noise, say), so the other runs can still be drawn."""
    surface = experiment.surface_object()
    out: list[Trajectory | ParameterError] = []
    for run in experiment.runs:
        single = experiment.with_runs((dataclasses.replace(run, label=""),))
        try:
            out.append(Trajectory(surface=surface, **_run_fields(single.to_json())))
        except ParameterError as error:
            out.append(error)
    return out


@st.cache_data(max_entries=BACKGROUND_CACHE_ENTRIES, ttl=CACHE_TTL, show_spinner=False)
def contour_background(surface_json: str, dark: bool, width: int) -> str:
    """The contour image of a surface (a PNG data URI): data, not a figure.  The key is
    the surface's settings (name, parameters and, for a typed function, its text and view)."""
    import json

    keys = ("surface", "surface_params", "formula", "domain")
    settings = {key: value for key, value in json.loads(surface_json).items() if key in keys}
    surface = Experiment(runs=(), **settings).surface_object()
    return background.contour_background(surface, dark=dark, width=width)


def background_for(
    experiment: Experiment, dark: bool, width: int = background.BACKGROUND_WIDTH
) -> str:
    import json

    settings = {
        "surface": experiment.surface,
        "surface_params": dict(experiment.surface_params),
        "formula": experiment.formula,
        "domain": experiment.domain,
    }
    return contour_background(json.dumps(settings, sort_keys=True), dark, width)


# --- what the tables and messages say -----------------------------------------------------------


def target_value(trajectories: Sequence[Trajectory]) -> float:
    """f*: the surface's lowest known minimum (else the lowest loss reached)."""
    return layout.loss_target(trajectories)


def run_events(trajectory: Trajectory) -> tuple[int | None, int | None]:
    """(diverged at step, left the view at step) of one run."""
    last = layout.last_valid_index(trajectory)
    exit_ = layout.view_exit(np.asarray(trajectory.path)[: last + 1], trajectory.surface.domain)
    diverged = trajectory.diverged_at
    return (None if diverged is None else int(diverged)), (None if exit_ is None else exit_[0])


def event_messages(trajectories: Sequence[Trajectory], labels: Sequence[str]) -> list[str]:
    """One sentence per run that diverged or left the view (never clipped silently)."""
    messages = []
    for trajectory, label in zip(trajectories, labels, strict=True):
        diverged, left = run_events(trajectory)
        if diverged is not None and trajectory.surface.definition.formula:
            # A typed function's divergence is mostly a step out of its domain: say where.
            x, y = (f"{float(v):.4g}" for v in trajectory.path[diverged - 1])
            messages.append(t("formula.run.left_domain", label=label, step=diverged, x=x, y=y))
        elif diverged is not None and left is not None:
            messages.append(t("app.run.diverged_left", label=label, step=diverged, left=left))
        elif diverged is not None:
            messages.append(t("app.run.diverged", label=label, step=diverged))
        elif left is not None:
            messages.append(t("app.run.left_view", label=label, left=left))
    return messages


def _number(value: float | None) -> str:
    if value is None or not np.isfinite(value):
        return "—"
    return f"{value:.4g}"


def summary_rows(
    trajectories: Sequence[Trajectory], labels: Sequence[str], tolerance: float
) -> list[dict[str, str]]:
    """The Compare table: final loss, steps (and gradient evaluations) to reach f* +
    tolerance, where it diverged or left the view, final distance to a minimum."""
    target = target_value(trajectories)
    rows = []
    for trajectory, label in zip(trajectories, labels, strict=True):
        last = layout.last_valid_index(trajectory)
        diverged, left = run_events(trajectory)
        reached = trajectory.steps_to_tolerance(tolerance, target)
        if reached is not None and reached > last:
            reached = None
        evals = None
        if reached is not None:
            grad_evals = np.asarray(trajectory.grad_evals)
            evals = int(grad_evals[reached]) if grad_evals.ndim else None
        distance = trajectory.distance_to_nearest_minimum()
        rows.append(
            {
                t("app.table.run"): label,
                t("app.table.final_loss"): _number(float(trajectory.loss[last])),
                t("app.table.gap"): _number(float(trajectory.loss[last]) - target),
                t("app.table.steps_to_tol"): "—" if reached is None else str(reached),
                t("app.table.grad_evals"): "—" if evals is None else str(evals),
                t("app.table.diverged"): "—" if diverged is None else str(diverged),
                t("app.table.left_view"): "—" if left is None else str(left),
                t("app.table.distance"): "—"
                if distance is None
                else _number(float(distance[last])),
            }
        )
    return rows
