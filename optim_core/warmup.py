"""Fill Numba's on-disk cache, so the first page load does not compile anything.

    python -m optim_core.warmup

Each optimizer's compiled loop (`optim_core._loops`), each built-in surface's compiled
value and gradient, and the interpreter typed functions run on (`surfaces.interpreted`)
compile once per machine and then load from the cache in milliseconds.
"""

from __future__ import annotations

import time

from optim_core import registry
from optim_core.engine import run


def warm_up() -> float:
    """Run every optimizer for one step on every built-in surface; returns the seconds."""
    import surfaces

    start = time.perf_counter()
    for name in registry.names():
        run(name, "bowl", steps=1)
    for name in surfaces.names():
        run("sgd", name, steps=1)
    run("sgd", surfaces.from_formula("x^2 + y^2"), steps=1)  # the typed functions' interpreter
    return time.perf_counter() - start


if __name__ == "__main__":
    print(f"optim_core: engine and surfaces ready ({warm_up():.1f} s)")
