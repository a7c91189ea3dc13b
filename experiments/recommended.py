"""The settings each built-in surface recommends: a step budget and, per optimizer and
convention, a learning rate that shows the surface's lesson without diverging.

The numbers are data (`recommended.json`), found by `tools/find_recommended.py` with the
criterion stated there and checked against the engine by `tests/test_recommended.py`.
Explore and Compare apply them when a person switches surface (`app_ui.controls`).

>>> hyper("rosenbrock", "sgd")["lr"], steps("rosenbrock")
(0.001, 300)
>>> hyper("my_typed_surface", "sgd") is None  # no recommendation: keep what is set
True
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from optim_core.registry import spec

DATA_PATH = Path(__file__).with_name("recommended.json")


@functools.cache
def _data() -> dict[str, Any]:
    return json.loads(DATA_PATH.read_text(encoding="utf-8"))["surfaces"]


def surfaces() -> list[str]:
    """The surfaces that have recommendations."""
    return list(_data())


def steps(surface: str) -> int | None:
    """The recommended number of updates on `surface` (None: no recommendation)."""
    entry = _data().get(surface)
    return None if entry is None else int(entry["steps"])


def hyper(surface: str, optimizer: str, convention: str | None = None) -> dict[str, Any] | None:
    """Every hyperparameter of `optimizer` (in `convention`, default its first) as
    `surface` recommends them: the convention's defaults with the recommended values
    over them.  None when the surface or optimizer has no recommendation."""
    entry = _data().get(surface)
    if entry is None or optimizer not in entry["runs"]:
        return None
    opt = spec(optimizer)
    name = opt.convention(convention).name
    return {**opt.defaults(name), **entry["runs"][optimizer].get(name, {})}
