"""The optimizer registry: every definition in `optim_core.optimizers`, by name.

It drives the engine, the widgets, the docs and the test matrix.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module

from foundation.params import ParameterError
from optim_core.definition import Card, Convention, OptimizerSpec, StateSlot
from optim_core.optimizers import TEACHING_ORDER

__all__ = ["Card", "Convention", "OptimizerSpec", "StateSlot", "names", "spec"]


def names() -> list[str]:
    """Every optimizer name, in teaching order."""
    return list(TEACHING_ORDER)


@cache
def _load(name: str) -> OptimizerSpec:
    return import_module(f"optim_core.optimizers.{name}").SPEC


def spec(name: str) -> OptimizerSpec:
    """The registry entry for `name`; an unknown name raises `ParameterError`."""
    if not isinstance(name, str) or name not in TEACHING_ORDER:
        raise ParameterError("optimizer", name, "one of " + ", ".join(TEACHING_ORDER))
    return _load(name)
