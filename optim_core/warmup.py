"""Compile the engine's step loop into Numba's on-disk cache.

    python -m optim_core.warmup

The loop compiles once per machine (about ten seconds) and is then loaded from the cache
in milliseconds; running this after installing keeps that cost out of the first page load.
"""

from __future__ import annotations

import time

from optim_core import registry
from optim_core.engine import run


def warm_up() -> float:
    """Run every optimizer for one step; returns the seconds it took."""
    start = time.perf_counter()
    for name in registry.names():
        run(name, "bowl", steps=1)
    return time.perf_counter() - start


if __name__ == "__main__":
    print(f"optim_core: engine ready ({warm_up():.1f} s)")
