"""What the benchmark scripts share: the best of several timed calls."""

from __future__ import annotations

import time
from collections.abc import Callable


def best_of(fn: Callable[[], object], repeats: int, warm: bool = True) -> float:
    """The shortest of `repeats` timed calls of `fn`, in seconds; `warm` makes one untimed
    call first (compilation, caches) — leave it off where one call takes seconds."""
    if warm:
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)
