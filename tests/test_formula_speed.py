"""Why a parameter slider on a typed function costs what it costs on a built-in.

A new parameter value only rebinds numbers: the formula is not parsed, derived, printed,
translated or compiled again, and the engine runs the same shared callbacks with a new
``params`` array.  The mechanism is asserted (calls and cache misses), not wall time;
`benchmarks/formula_benchmark.py` measures the time.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.interpolate import RegularGridInterpolator

import optim_core
import surfaces
from surfaces import compiled, core, derive, formula, interpreted
from viz import background, contour, style

TEXT = "a x^2 + b y^2 + sin(x y)/7"  # typed by no other test: its first use is here


def chart(surface: surfaces.Surface):
    trajectory = optim_core.run("momentum", surface, steps=20, lr=0.05, momentum=0.9)
    return trajectory, contour.contour_figure(surface, [trajectory], ["Momentum"], arrows=True)


def counted(monkeypatch, module, name: str, calls: dict[str, int]) -> None:
    original = getattr(module, name)

    def wrapper(*args, **kwargs):
        calls[name] = calls.get(name, 0) + 1
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapper)


def cache_misses() -> dict[str, int]:
    cached = {
        "definition": formula._definition,
        "derivatives": derive.derivatives,
        "numpy functions": core._runtime_numpy_functions,
        "register program": interpreted.program_array,
        "compiled kernels": compiled._runtime_kernels,
    }
    return {name: function.cache_info().misses for name, function in cached.items()}


def test_a_new_parameter_value_is_not_parsed_derived_or_compiled_again(monkeypatch):
    domain = ((-4.0, 4.0), (-3.0, 3.0))
    first, _ = chart(surfaces.from_formula(TEXT, domain=domain, a=1.0))
    calls: dict[str, int] = {}
    for module, name in [(formula, "parse_formula"), (derive, "parse"),
                         (derive, "numpy_source"), (derive, "compiled_source"),
                         (interpreted, "translate")]:  # fmt: skip
        counted(monkeypatch, module, name, calls)
    misses = cache_misses()
    for a in (1.5, 2.0, 2.5):
        surface = surfaces.from_formula(TEXT, domain=domain, a=a)
        trajectory, figure = chart(surface)
        # What ran is the new value: ∂f/∂x at (1, 0) is 2a + 0/7 cos(0) = 2a.
        np.testing.assert_allclose(surface.grad([[1.0, 0.0]]), [[2 * a, 1 / 7]], rtol=1e-15)
        assert not np.array_equal(trajectory.path, first.path)
        assert figure.data
        kernels = surface.kernels
        # The same shared callbacks as for the first value: only the numbers differ.
        assert (kernels.value, kernels.value_grad) == interpreted.callbacks()
        assert kernels.params[interpreted.HEADER] == a
        assert surface.definition is first.surface.definition
    assert calls == {}, f"a new parameter value redid {calls}"
    assert cache_misses() == misses


def test_the_first_value_of_a_new_formula_does_derive_it(monkeypatch):
    """The counters above can fail: a formula never seen before is parsed and derived."""
    calls: dict[str, int] = {}
    counted(monkeypatch, formula, "parse_formula", calls)
    counted(monkeypatch, derive, "parse", calls)
    misses = cache_misses()
    chart(surfaces.from_formula(TEXT + " + x/1000", a=1.0))
    assert calls["parse_formula"] == 1 and calls["parse"] >= 1
    after = cache_misses()
    assert after["derivatives"] == misses["derivatives"] + 1
    assert after["register program"] == misses["register program"] + 1


@pytest.mark.parametrize("name", ["bowl", "rosenbrock", "himmelblau"])
def test_the_contour_image_interpolates_the_grid_bilinearly(name):
    """`background._resample` (y first, then x) against SciPy's bilinear interpolation
    at every pixel centre."""
    grid = style.contour_grid(surfaces.get(name), resolution=41)
    width, height = 120, 80
    got = background._resample(grid, width, height)
    px = (np.arange(width) + 0.5) / width
    py = 1.0 - (np.arange(height) + 0.5) / height  # row 0 at the top
    xs = grid.x[0] + px * (grid.x[-1] - grid.x[0])
    ys = grid.y[0] + py * (grid.y[-1] - grid.y[0])
    interpolate = RegularGridInterpolator((grid.y, grid.x), grid.z, method="linear")
    yy, xx = np.meshgrid(ys, xs, indexing="ij")
    expected = interpolate(np.stack([yy, xx], -1))
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12 * np.ptp(grid.z))
