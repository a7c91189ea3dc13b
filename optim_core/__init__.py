"""Gradient-descent optimizers over 2-D surfaces: exact, batched, honest about divergence.

>>> import optim_core
>>> traj = optim_core.run("adam", "rosenbrock", start=(-1.5, 2.0), steps=3, lr=0.1)
>>> traj.path.shape, traj.diverged_at
((4, 2), None)
>>> optim_core.spec("adam").param("lr").default
0.001
"""

from optim_core import presets, schedules
from optim_core.engine import MAX_STEPS, Trajectory, run
from optim_core.experiment import Experiment, RunConfig
from optim_core.params import Param, ParameterError
from optim_core.registry import Convention, OptimizerSpec, names, spec

__all__ = [
    "MAX_STEPS",
    "Convention",
    "Experiment",
    "OptimizerSpec",
    "Param",
    "ParameterError",
    "RunConfig",
    "Trajectory",
    "names",
    "presets",
    "run",
    "schedules",
    "spec",
]  # fmt: skip
