"""Fill the on-disk caches the first page load would otherwise pay for.

    python -m optim_core.warmup

The engine's step loop compiles once per machine (about ten seconds) and is then loaded
from Numba's cache in milliseconds.  So are the built-in surfaces' callbacks
(`surfaces.compiled`), compiled here once each; their code and stationary points are
checked in (`surfaces.generate`), so a freshly started app imports neither SymPy nor
SciPy's optimizers for them.
"""

from __future__ import annotations

import time

from optim_core import registry
from optim_core.engine import run


def warm_up() -> float:
    """Run every optimizer for one step and compile every built-in surface's callbacks;
    returns the seconds it took."""
    import surfaces

    start = time.perf_counter()
    for name in registry.names():
        run(name, "bowl", steps=1)
    for name in surfaces.names():  # every parameter value shares these callbacks
        _ = surfaces.get(name).kernels
    return time.perf_counter() - start


if __name__ == "__main__":
    print(f"optim_core: engine and surfaces ready ({warm_up():.1f} s)")
