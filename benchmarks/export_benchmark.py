"""Export speed budgets on this 2-core machine, measured and compared.

    python benchmarks/export_benchmark.py

1. A GIF of 4 optimizers x 100 frames (Rastrigin gallery, 500 steps subsampled to 100
   frames, 960 x 540): budget 10 s.
2. A PNG at slide resolution (2x, 1920 x 1080) of the same runs: budget 1 s.
Also printed, without a budget: MP4 (1920 x 1080), the offline HTML page, the CSV, and
the GIF again with one panel per run.

Times are the best of a few repeats after a warm-up (the machines are shared and noisy);
the trajectories are computed once beforehand, as in the app.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import exports  # noqa: E402
from experiments import presets  # noqa: E402

REPEATS = 3
PRESET = "rastrigin_gallery"  # 4 optimizers, 500 steps
BUDGETS = {"gif": 10.0, "png": 1.0}


def best_of(fn, repeats: int = REPEATS) -> tuple[float, float, object]:
    """(first call, best later call, result): the first pays for fonts and caches."""
    start = time.perf_counter()
    result = fn()
    first = time.perf_counter() - start
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return first, min(times), result


def main() -> None:
    experiment = presets.get(PRESET).experiment
    trajectories = experiment.run()
    cases = [
        ("gif", "gif", exports.ExportOptions(max_frames=100)),
        ("png", "png", exports.ExportOptions(scale=2)),
        ("gif, one panel per run", "gif", exports.ExportOptions(max_frames=100, layout="grid")),
        ("mp4 1920x1080", "mp4", exports.ExportOptions(max_frames=100)),
        ("html", "html", exports.ExportOptions(max_frames=100)),
        ("csv", "csv", exports.ExportOptions()),
        ("svg", "svg", exports.ExportOptions()),
        ("pdf", "pdf", exports.ExportOptions()),
    ]
    print(f"{PRESET}: {len(experiment.runs)} optimizers x {experiment.steps} steps")
    for name, fmt, options in cases:
        first, seconds, result = best_of(
            lambda fmt=fmt, options=options: exports.export(
                experiment, fmt, options, trajectories=trajectories
            )
        )
        size = len(result.data) / 2**20
        line = f"{name:24} {seconds:6.2f} s (first call {first:5.2f} s) {size:6.2f} MB"
        if name in BUDGETS:
            budget = BUDGETS[name]
            line += f"  budget {budget:g} s, {seconds / budget:.0%} of it"
            line += "  OK" if seconds <= budget else "  OVER BUDGET"
        print(line)


if __name__ == "__main__":
    main()
