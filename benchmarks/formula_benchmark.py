"""A typed function's speed, measured against a built-in surface in the same run.

    python benchmarks/formula_benchmark.py

1. From a new formula's text to the first chart figure (Explore's: one run of 60
   momentum steps, the animated contour with its background, stationary points):
   parse, derive, compile included; each repeat types a formula never seen before.
   Goal: within 1 s.  Reference: the same chart for a built-in (its code is generated
   ahead of time and its callbacks cached on disk).
2. A parameter slider on a typed formula (`a x^2 + b y^2`, a new value of a each time)
   against the same slider on the built-in bowl (`a x^2 + b y^2`): rebind, run, redraw.
   Goal: ratio about 1.
3. The same slider on a kinked formula (`abs(x - a) + abs(y + 0.7)`), whose minimum
   at the corner is found by Nelder-Mead from the grid: against the smooth one of 2.
   Goal: ratio about 1.

Times are the best of several repeats (the machines are shared and noisy); the ratios
are what to compare.
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import timing  # noqa: E402  (benchmarks/timing.py, next to this script)

import optim_core  # noqa: E402
import surfaces  # noqa: E402
from surfaces import formula  # noqa: E402
from viz import contour  # noqa: E402

REPEATS = 5
STEPS = 60
FIRST_CHART_GOAL = 1.0  # seconds
_fresh = itertools.count(1)


def chart(surface: surfaces.Surface):
    """Explore's first chart: one run, its contour figure, the stationary points."""
    trajectory = optim_core.run("momentum", surface, steps=STEPS, lr=0.05, momentum=0.9)
    return contour.contour_figure(surface, [trajectory], ["Momentum"], arrows=True, clickable=True)


def best_of(fn, repeats: int = REPEATS, warm: bool = True) -> float:
    return timing.best_of(fn, repeats, warm)


def new_formula_chart() -> None:
    k = next(_fresh)  # a formula never typed before: nothing of it is cached
    chart(surfaces.from_formula(f"sin(x) cos(y) + 0.{k:04d}1(x^2 + y^2) + {k}/1000 x y"))


def main() -> None:
    chart(surfaces.get("local_minima"))  # load SymPy, Numba, Plotly and the loops once
    new_formula_chart()
    builtin = best_of(lambda: chart(surfaces.get("local_minima")))
    typed = best_of(new_formula_chart, warm=False)
    print("1. new formula text -> first chart figure (parse, derive, compile, run, draw)")
    print(f"   built-in chart {builtin * 1e3:8.1f} ms")
    print(f"   typed formula  {typed * 1e3:8.1f} ms   ratio {typed / builtin:5.1f}x   "
          f"goal <= {FIRST_CHART_GOAL:g} s: {'met' if typed <= FIRST_CHART_GOAL else 'NOT met'}")  # fmt: skip

    values = itertools.count(1)
    typed_text = "a x^2 + b y^2"

    def slide_builtin() -> None:
        chart(surfaces.get("bowl", a=0.05 + next(values) * 1e-4))

    def slide_typed() -> None:
        chart(surfaces.from_formula(typed_text, domain=((-10, 10), (-5, 5)),
                                    a=0.05 + next(values) * 1e-4))  # fmt: skip

    builtin_slide = best_of(slide_builtin)
    typed_slide = best_of(slide_typed)
    print("2. parameter slider: rebind, run, redraw")
    print(f"   built-in bowl  {builtin_slide * 1e3:8.1f} ms")
    print(f"   typed formula  {typed_slide * 1e3:8.1f} ms   ratio "
          f"{typed_slide / builtin_slide:5.2f}x")  # fmt: skip

    def slide_kinked() -> None:
        chart(surfaces.from_formula("abs(x - a) + abs(y + 0.7)",
                                    a=0.3 + next(values) * 1e-4))  # fmt: skip

    kinked_slide = best_of(slide_kinked)
    print("3. parameter slider on a kinked formula (minimum found by Nelder-Mead)")
    print(f"   smooth formula {typed_slide * 1e3:8.1f} ms")
    print(f"   kinked formula {kinked_slide * 1e3:8.1f} ms   ratio "
          f"{kinked_slide / typed_slide:5.2f}x")  # fmt: skip

    def kinked_stationary_points() -> int:
        return len(surfaces.from_formula("abs(x - a) + abs(y + 0.7)",
                                         a=0.3 + next(values) * 1e-4).critical_points)  # fmt: skip

    with_search = best_of(kinked_stationary_points, repeats=15)
    kinked_names = formula._KINKED
    formula._KINKED = ()  # the same search without Nelder-Mead: Newton and SciPy only
    newton_only = best_of(kinked_stationary_points, repeats=15)
    formula._KINKED = kinked_names
    print(f"   of which stationary points {with_search * 1e3:.1f} ms "
          f"(Newton only: {newton_only * 1e3:.1f} ms, which misses the corner)")  # fmt: skip


if __name__ == "__main__":
    main()
