"""Gradient-descent optimizers over 2-D surfaces: exact, batched, honest about divergence.

>>> import optim_core
>>> traj = optim_core.run("adam", "rosenbrock", start=(-1.5, 2.0), steps=3, lr=0.1)
>>> traj.path.shape, traj.diverged_at
((4, 2), None)
>>> optim_core.spec("adam").param("lr").default
0.001
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from optim_core import presets, schedules
    from optim_core.engine import MAX_STEPS, Trajectory, run
    from optim_core.experiment import Experiment, RunConfig
    from optim_core.params import Param, ParameterError
    from optim_core.registry import Convention, OptimizerSpec, names, spec

# Each exported name and the module it lives in: loaded on first use (PEP 562), so that
# importing one leaf (`optim_core.params`) does not load the engine and Numba.
_EXPORTS = {
    "MAX_STEPS": "optim_core.engine",
    "Trajectory": "optim_core.engine",
    "run": "optim_core.engine",
    "Experiment": "optim_core.experiment",
    "RunConfig": "optim_core.experiment",
    "Param": "optim_core.params",
    "ParameterError": "optim_core.params",
    "Convention": "optim_core.registry",
    "OptimizerSpec": "optim_core.registry",
    "names": "optim_core.registry",
    "spec": "optim_core.registry",
    "presets": "optim_core.presets",
    "schedules": "optim_core.schedules",
}
__all__ = [
    "MAX_STEPS", "Convention", "Experiment", "OptimizerSpec", "Param", "ParameterError",
    "RunConfig", "Trajectory", "names", "presets", "run", "schedules", "spec",
]  # fmt: skip


def __getattr__(name: str) -> Any:
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module 'optim_core' has no attribute {name!r}")
    module = import_module(module_name)
    value = module if module_name == f"{__name__}.{name}" else getattr(module, name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
