"""A typed function's speed, measured against a built-in surface in the same run.

    python benchmarks/formula_benchmark.py

1. From a new formula's text to the first chart figure (Explore's: one run of 60
   momentum steps, the animated contour with its background, stationary points):
   parse, derive, compile included; each repeat types a formula never seen before.
   Goal: within 1 s.  Reference: the same chart for a built-in (its code is generated
   ahead of time and its callbacks cached on disk).
2. A parameter slider on a typed formula (`a x^2 + b y^2`, a new value of a each time)
   against the same slider on the built-in bowl (`a x^2 + b y^2`): rebind, run, redraw.
   Nearly all of it is the contour image, whose cost grows with its pixels: the bowl is
   drawn in equal aspect (900 x 450 for its 20 x 10 box) with log levels, a typed function
   at 3:2 (900 x 600) with linear levels.  So the bowl is also timed drawn the same way
   ("drawn alike"): that ratio is the typed function's own cost (a new value is not
   parsed, derived or compiled again: `tests/test_formula_speed.py`).  Goal: ratio about
   1 (at most 1.2) against the bowl drawn alike.
3. The same slider on a kinked formula (`abs(x - a) + abs(y + 0.7)`), whose minimum
   at the corner is found by Nelder-Mead from the grid: against the smooth one of 2.
   Goal: ratio about 1.
4. The whole page rerun after a slider change (Streamlit's AppTest, Explore and
   Compare): the typed formula's parameter against the bowl's.  Goal: at most 1.2.

Times are the best of several repeats (in 4, the median of 15 reruns; the machines are
shared and noisy); the ratios are what to compare.
"""

from __future__ import annotations

import dataclasses
import itertools
import sys
import time
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
SLIDER_GOAL = 1.2  # typed / built-in
PAGE_RERUNS = 15  # slider changes per page and surface (the median is reported)
_fresh = itertools.count(1)


def chart(surface: surfaces.Surface):
    """Explore's first chart: one run, its contour figure, the stationary points."""
    trajectory = optim_core.run("momentum", surface, steps=STEPS, lr=0.05, momentum=0.9)
    return contour.contour_figure(surface, [trajectory], ["Momentum"], arrows=True, clickable=True)


def best_of(fn, repeats: int = REPEATS, warm: bool = True) -> float:
    return timing.best_of(fn, repeats, warm)


def best_in_turns(fns, repeats: int = 3 * REPEATS) -> list[float]:
    """The best time of each of `fns`, called in turns (one warm call each first), so that
    all of them see the same load on a shared machine."""
    for fn in fns:
        fn()
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(repeats):
        for fn, taken in zip(fns, times, strict=True):
            began = time.perf_counter()
            fn()
            taken.append(time.perf_counter() - began)
    return [min(taken) for taken in times]


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

    def slide_builtin_drawn_alike() -> None:
        bowl = surfaces.get("bowl", a=0.05 + next(values) * 1e-4)
        drawn_alike = dataclasses.replace(bowl.definition, equal_aspect=False,
                                          level_scale="linear")  # fmt: skip
        chart(surfaces.Surface(drawn_alike, bowl.param_values))

    def slide_typed() -> None:
        chart(surfaces.from_formula(typed_text, domain=((-10, 10), (-5, 5)),
                                    a=0.05 + next(values) * 1e-4))  # fmt: skip

    builtin_slide, alike_slide, typed_slide = best_in_turns(
        [slide_builtin, slide_builtin_drawn_alike, slide_typed]
    )
    alike = typed_slide / alike_slide
    print("2. parameter slider: rebind, run, redraw")
    print(f"   built-in bowl  {builtin_slide * 1e3:8.1f} ms   (900 x 450 image, log levels)")
    print(f"   ... drawn alike{alike_slide * 1e3:8.1f} ms   (900 x 600, linear: as a typed one)")
    print(f"   typed formula  {typed_slide * 1e3:8.1f} ms   ratio "
          f"{typed_slide / builtin_slide:5.2f}x to the bowl, {alike:5.2f}x to the bowl drawn "
          f"alike   goal <= {SLIDER_GOAL:g}: {'met' if alike <= SLIDER_GOAL else 'NOT met'}")  # fmt: skip

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

    print("4. page rerun after a slider change (AppTest): typed formula against the bowl")
    typed_query = {"surface": "formula", "formula": typed_text,
                   "xmin": "-10", "xmax": "10", "ymin": "-5", "ymax": "5"}  # fmt: skip
    for page in ("1_Explore", "2_Compare"):
        bowl_rerun, typed_rerun = page_reruns(
            page, [({"surface": "bowl"}, "bowl_a"), (typed_query, "formula_a")]
        )
        ratio = typed_rerun / bowl_rerun
        print(f"   {page[2:]:8s} bowl {bowl_rerun * 1e3:6.1f} ms   typed {typed_rerun * 1e3:6.1f} ms"
              f"   ratio {ratio:5.2f}x   goal <= {SLIDER_GOAL:g}: "
              f"{'met' if ratio <= SLIDER_GOAL else 'NOT met'}")  # fmt: skip


def page_reruns(page: str, sessions: list[tuple[dict[str, str], str]]) -> list[float]:
    """For each (link query, slider key): the median time of a page rerun after moving
    the slider to its next value.  The sessions take turns, so that all of them see the
    same load on a shared machine."""
    from streamlit.testing.v1 import AppTest

    apps = []
    for query, slider in sessions:
        app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        app.switch_page(f"pages/{page}.py")
        app.query_params = query
        app.run()
        apps.append((app, slider, list(app.select_slider(key=slider).options)))
    times: list[list[float]] = [[] for _ in sessions]
    for k in range(1, PAGE_RERUNS + 2):  # the first rerun warms the page's caches
        for (app, slider, options), taken in zip(apps, times, strict=True):
            app.select_slider(key=slider).set_value(options[(len(options) // 2 + k) % len(options)])
            began = time.perf_counter()
            app.run()
            taken.append(time.perf_counter() - began)
            if app.exception:
                raise RuntimeError(app.exception[0].value)
    return [sorted(taken[1:])[PAGE_RERUNS // 2] for taken in times]


if __name__ == "__main__":
    main()
