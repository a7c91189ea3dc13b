"""Gradient-descent optimizers over 2-D surfaces: exact, batched, honest about divergence.

Importing the package loads nothing heavy: the engine, the definitions and Numba load
when first used (PEP 562 `__getattr__`).

>>> import optim_core
>>> traj = optim_core.run("adam", "rosenbrock", start=(-1.5, 2.0), steps=3, lr=0.1)
>>> traj.path.shape, traj.diverged_at
((4, 2), None)
>>> optim_core.spec("adam").param("lr").default
0.001
"""

from __future__ import annotations

from foundation.lazy import lazy_getattr
from foundation.params import Param, ParameterError

# Public name -> the module that defines it, imported on first use.
_LAZY = {
    "MAX_STEPS": "optim_core.engine",
    "run": "optim_core.engine",
    "Trajectory": "optim_core.trajectory",
    "Convention": "optim_core.definition",
    "OptimizerSpec": "optim_core.definition",
    "names": "optim_core.registry",
    "spec": "optim_core.registry",
    "sweep": "optim_core.sweeps",
    "basins": "optim_core.sweeps",
    "ensemble": "optim_core.sweeps",
    "random_search": "optim_core.tuning",
    "tune": "optim_core.tuning",
}
_SUBMODULES = (
    "engine", "registry", "schedules", "definition", "trajectory", "sweeps", "tuning", "theory",
)  # fmt: skip

__all__ = ["Param", "ParameterError", *_LAZY, *_SUBMODULES]


__getattr__ = lazy_getattr(__name__, _LAZY, _SUBMODULES)
