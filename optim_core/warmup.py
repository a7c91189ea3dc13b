"""Fill the on-disk caches the first page load would otherwise pay for.

    python -m optim_core.warmup

The engine's step loop compiles once per machine (about ten seconds) and is then loaded
from Numba's cache in milliseconds.  Each surface's generated code and stationary points
(`surfaces._codegen`) are derived once too: every built-in surface and the presets'
surfaces are prepared here, so a freshly started app imports neither SymPy nor SciPy's
optimizers before its first chart.
"""

from __future__ import annotations

import time

from optim_core import presets, registry
from optim_core.engine import run


def warm_up() -> float:
    """Run every optimizer for one step and prepare every built-in and preset surface;
    returns the seconds it took."""
    import surfaces

    start = time.perf_counter()
    for name in registry.names():
        run(name, "bowl", steps=1)
    prepared = [surfaces.get(name) for name in surfaces.names()]
    prepared += [presets.get(key).experiment.surface_object() for key in presets.names()]
    for surface in prepared:  # each is derived once, then kept on disk
        _ = surface.kernels, surface.critical_points
    return time.perf_counter() - start


if __name__ == "__main__":
    print(f"optim_core: engine and surfaces ready ({warm_up():.1f} s)")
