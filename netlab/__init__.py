"""The training lab: Deep Learning from Scratch's network experiments (ch. 6) on real
data, stepped by the very same optimizer definitions as the 2-D surfaces.

Importing the package loads nothing heavy; the digits load on first use.

>>> import netlab
>>> result = netlab.train("adam", steps=20, seed=0, hidden=(50, 50), lr=0.01)
>>> result.loss.shape, result.diverged_at
((20,), None)
"""

from __future__ import annotations

from foundation.lazy import lazy_getattr

_LAZY = {
    "train": "netlab.api",
    "compare": "netlab.api",
    "Result": "netlab.training",
    "RunSpec": "netlab.training",
    "NetSpec": "netlab.training",
    "train_runs": "netlab.training",
    "smooth_curve": "netlab.training",
    "digits": "netlab.data",
    "mnist": "netlab.data",
    "first_order_names": "netlab.optim",
}
_SUBMODULES = ("api", "data", "experiments", "layers", "network", "optim", "training")

__all__ = [*_LAZY, *_SUBMODULES]


__getattr__ = lazy_getattr(__name__, _LAZY, _SUBMODULES)
