"""Trajectories as CSV and JSON, every number at full precision.

One row per run and iterate t = 0 … T.  Row t describes iterate θ_t and the update that
produced it: `lr` is the learning rate of update t (empty at t = 0) and the `state_*`
columns are the optimizer's internal vectors after update t (`optim_core.spec(opt).state`
names them; `state_g` is the gradient the optimizer received, noise included, while
`grad_x`, `grad_y` are the exact ∇f(θ_t)).  A run that diverged stays frozen at its last
finite point from step `diverged_at` on; the `diverged` column marks those rows.

Numbers are written with Python's `repr`, the shortest text that reads back to the same
float64, so `float(cell)` recovers the engine's value exactly.

>>> from experiments import presets
>>> experiment = presets.get("dlfs_ch6").experiment
>>> text = trajectories_csv(experiment, experiment.run())
>>> text.splitlines()[1].split(",")[:9]
['0', 'SGD', 'sgd', 'torch', '0', '-7.0', '2.0', '6.45', '']
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from experiments import Experiment
from i18n import label_text, t
from optim_core import Trajectory, spec

TRAJECTORIES_FORMAT = "optimizer-playground/trajectories"
TRAJECTORIES_VERSION = 1
BASE_COLUMNS = ("step", "x", "y", "loss", "lr", "grad_x", "grad_y", "diverged")


def run_label(run) -> str:
    """A run's legend label: its own label, else the optimizer's title (as the app's
    chart, `viz.layout.run_labels`)."""
    return label_text(run.label) or t(
        f"optimizer.{run.optimizer}.title", default=spec(run.optimizer).title
    )


def _state_columns(name: str, values: np.ndarray) -> dict[str, np.ndarray]:
    values = values.reshape(values.shape[0], -1)
    if values.shape[1] == 2:
        return {f"state_{name}_x": values[:, 0], f"state_{name}_y": values[:, 1]}
    if values.shape[1] == 1:
        return {f"state_{name}": values[:, 0]}
    return {f"state_{name}_{i}": values[:, i] for i in range(values.shape[1])}


def trajectory_columns(traj: Trajectory) -> dict[str, np.ndarray]:
    """Every column of one run, each of length T+1 (`lr` is NaN at step 0)."""
    if traj.batched:
        raise ValueError("export one row of a batched trajectory at a time")
    steps = traj.path.shape[0]
    lr = np.full(steps, np.nan)
    lr[1:] = traj.lr
    diverged = np.zeros(steps, dtype=int)
    if traj.diverged_at is not None:
        diverged[traj.diverged_at :] = 1
    columns = {
        "step": np.arange(steps),
        "x": traj.path[:, 0],
        "y": traj.path[:, 1],
        "loss": traj.loss,
        "lr": lr,
        "grad_x": traj.grad[:, 0],
        "grad_y": traj.grad[:, 1],
        "diverged": diverged,
    }
    for name, values in traj.state.items():
        columns.update(_state_columns(name, np.asarray(values)))
    return columns


def _cell(value: Any) -> str:
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    value = float(value)
    return "" if math.isnan(value) else repr(value)


def trajectories_csv(experiment: Experiment, trajectories: Sequence[Trajectory]) -> str:
    """All runs in one long table: run, label, optimizer, convention, then the columns of
    `trajectory_columns` (state columns a run lacks are left empty)."""
    per_run = [trajectory_columns(traj) for traj in trajectories]
    state_names = list(
        dict.fromkeys(name for cols in per_run for name in cols if name not in BASE_COLUMNS)
    )
    header = ["run", "label", "optimizer", "convention", *BASE_COLUMNS, *state_names]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for index, (run, traj, cols) in enumerate(
        zip(experiment.runs, trajectories, per_run, strict=True)
    ):
        names = [*BASE_COLUMNS, *state_names]
        # Format column by column: one list comprehension per column is much faster
        # than formatting cell by cell across a row.
        text_columns = [
            [_cell(v) for v in cols[name].tolist()] if name in cols else None for name in names
        ]
        label = run_label(run)
        blank = [""] * len(cols["step"])
        for row in zip(*(col if col is not None else blank for col in text_columns), strict=True):
            writer.writerow([index, label, traj.optimizer, traj.convention, *row])
    return out.getvalue()


def _finite_or_none(values: np.ndarray) -> list:
    return [v if isinstance(v, int) or math.isfinite(v) else None for v in values.tolist()]


def _plain(value: Any) -> Any:
    """NumPy scalars and arrays as JSON numbers and lists."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def trajectories_dict(experiment: Experiment, trajectories: Sequence[Trajectory]) -> dict:
    """The settings and, per run, its resolved hyperparameters and every column."""
    runs = []
    for index, (run, traj) in enumerate(zip(experiment.runs, trajectories, strict=True)):
        columns = trajectory_columns(traj)
        runs.append(
            {
                "run": index,
                "label": run_label(run),
                "optimizer": traj.optimizer,
                "convention": traj.convention,
                "hyper": _plain(dict(traj.hyper)),
                "schedule": _plain(dict(traj.schedule)) if traj.schedule else None,
                "diverged_at": traj.diverged_at,
                "columns": {name: _finite_or_none(values) for name, values in columns.items()},
            }
        )
    return {
        "format": TRAJECTORIES_FORMAT,
        "version": TRAJECTORIES_VERSION,
        "settings": experiment.to_dict(),
        "runs": runs,
    }


def trajectories_json(
    experiment: Experiment, trajectories: Sequence[Trajectory], *, indent: int | None = 1
) -> str:
    """`trajectories_dict` as JSON (non-finite numbers as null)."""
    return json.dumps(
        trajectories_dict(experiment, trajectories),
        indent=indent,
        ensure_ascii=False,
        allow_nan=False,
        default=_plain,
    )


def settings_json(experiment: Experiment) -> str:
    """The experiment's settings file: what `Experiment.from_json` and
    ``python -m exports settings FILE`` load to reproduce the figure."""
    return experiment.to_json() + "\n"
