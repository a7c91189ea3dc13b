"""Every surface: value against its textbook formula, gradient and Hessian against finite
differences, one broadcasting rule, and stationary points that are what they claim.

Rosenbrock is also pinned to `scipy.optimize.rosen`, `rosen_der` and `rosen_hess`.  The
reference formulas are keyed by name and checked against `surfaces.names()`, so a new
surface without a reference here fails a test.
"""

from __future__ import annotations

import dataclasses
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from numba import njit
from scipy.optimize import rosen, rosen_der, rosen_hess

import optim_core
import surfaces
from optim_core import ParameterError
from surfaces import compiled, core, derive, generate
from surfaces.core import bind, find_critical_points, hints_at

N_POINTS = 25
FD_STEP = 1e-3  # fourth-order central differences: error ~ h⁴ f⁽⁵⁾/30, rounding ~ ε|f|/h
FD_RTOL = 1e-5

WELLS = ((2.0, 2.0, 1.5, 0.9), (1.4, -2.2, 1.0, 0.8), (1.0, 0.5, -2.3, 0.7))


def _local_minima(x, y):
    bowl = 0.05 * (x**2 + y**2)
    return bowl - sum(
        d * np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * w**2)) for d, cx, cy, w in WELLS
    )


def _rotated(x, y, kappa=10.0, angle=30.0):
    c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    u, v = c * x + s * y, -s * x + c * y
    return (u**2 + kappa * v**2) / 2


def _ackley(x, y):
    r = np.sqrt(0.5 * (x**2 + y**2))
    waves = 0.5 * (np.cos(2 * np.pi * x) + np.cos(2 * np.pi * y))
    return -20 * np.exp(-0.2 * r) - np.exp(waves) + math.e + 20


REFERENCE = {  # name -> f(x, y) with the surface's default parameters
    "bowl": lambda x, y: 0.05 * x**2 + 1.0 * y**2,
    "rotated_quadratic": _rotated,
    "saddle": lambda x, y: x**2 - y**2,
    "monkey_saddle": lambda x, y: x**3 - 3 * x * y**2,
    "rosenbrock": lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2,
    "local_minima": _local_minima,
    "beale": lambda x, y: (
        (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2
    ),
    "himmelblau": lambda x, y: (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2,
    "rastrigin": lambda x, y: (
        20 + x**2 - 10 * np.cos(2 * np.pi * x) + y**2 - 10 * np.cos(2 * np.pi * y)
    ),
    "ackley": _ackley,
    "booth": lambda x, y: (x + 2 * y - 7) ** 2 + (2 * x + y - 5) ** 2,
}
KINKS = {"ackley": (0.0, 0.0)}  # not differentiable there: finite differences stay away


def random_points(name: str, n: int = N_POINTS, seed: int = 0) -> np.ndarray:
    """Points spread over the surface's domain, (n, 2), away from any kink."""
    surf = surfaces.get(name)
    (x0, x1), (y0, y1) = surf.domain
    rng = np.random.default_rng([seed, len(name)])
    points = np.stack([rng.uniform(x0, x1, 4 * n), rng.uniform(y0, y1, 4 * n)], -1)
    if name in KINKS:
        points = points[np.linalg.norm(points - KINKS[name], axis=-1) > 0.1]
    return points[:n]


def central_difference(fn, points: np.ndarray, h: float = FD_STEP) -> np.ndarray:
    """∂fn/∂x and ∂fn/∂y stacked on a new last axis, fourth-order accurate."""
    columns = []
    for axis in range(2):
        e = np.zeros(2)
        e[axis] = h
        columns.append(
            (-fn(points + 2 * e) + 8 * fn(points + e) - 8 * fn(points - e) + fn(points - 2 * e))
            / (12 * h)
        )
    return np.stack(columns, axis=-1)


NAMES = surfaces.names()


def test_every_surface_has_a_reference_formula():
    assert sorted(REFERENCE) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_value_matches_the_textbook_formula(name):
    surf = surfaces.get(name)
    points = random_points(name)
    expected = REFERENCE[name](points[:, 0], points[:, 1])
    np.testing.assert_allclose(surf.value(points), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_gradient_matches_finite_differences(name):
    surf = surfaces.get(name)
    points = random_points(name)
    fd = central_difference(surf.value, points)
    grad = surf.grad(points)
    scale = 1.0 + np.linalg.norm(grad, axis=-1, keepdims=True)
    assert np.all(np.abs(fd - grad) <= FD_RTOL * scale), np.abs(fd - grad).max()


@pytest.mark.parametrize("name", NAMES)
def test_hessian_matches_finite_differences_of_the_gradient(name):
    surf = surfaces.get(name)
    points = random_points(name)
    fd = np.stack([central_difference(lambda p, i=i: surf.grad(p)[..., i], points)
                   for i in range(2)], axis=-2)  # fmt: skip
    hess = surf.hess(points)
    np.testing.assert_array_equal(hess, np.swapaxes(hess, -1, -2))
    scale = 1.0 + np.linalg.norm(hess, axis=(-2, -1))[:, None, None]
    assert np.all(np.abs(fd - hess) <= FD_RTOL * scale), np.abs(fd - hess).max()


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("shape", [(), (5,), (3, 4)])
def test_one_broadcasting_rule_for_value_gradient_hessian(name, shape):
    surf = surfaces.get(name)
    points = random_points(name, n=int(np.prod(shape, dtype=int))).reshape(*shape, 2)
    value, grad, hess = surf.value(points), surf.grad(points), surf.hess(points)
    assert value.shape == shape and grad.shape == (*shape, 2) and hess.shape == (*shape, 2, 2)
    flat = points.reshape(-1, 2)
    for k, point in enumerate(flat):  # the same numbers as one point at a time
        index = np.unravel_index(k, shape) if shape else ()
        assert surf.value(point) == value[index]
        np.testing.assert_array_equal(surf.grad(point), grad[index])
        np.testing.assert_array_equal(surf.hess(point), hess[index])


@pytest.mark.parametrize("name", NAMES)
def test_listed_minima_and_saddles_are_what_they_claim(name):
    surf = surfaces.get(name)
    assert set(surf.critical_points) == set(surf.minima) | set(surf.saddles)
    for point in surf.minima:
        xy = np.array(point.xy)
        assert np.linalg.norm(surf.grad(xy)) < 1e-8, point
        assert surf.value(xy) == pytest.approx(point.value, abs=1e-12)
        if point.xy == KINKS.get(name):
            ring = xy + 1e-3 * np.array([[1, 0], [0, 1], [-1, 0], [0, -1], [0.6, 0.8]])
            assert np.all(surf.value(ring) > point.value)
        else:
            assert np.linalg.eigvalsh(surf.hess(xy)).min() > 0, point
    for point in surf.saddles:
        xy = np.array(point.xy)
        assert np.linalg.norm(surf.grad(xy)) < 1e-8, point
        eigenvalues = np.linalg.eigvalsh(surf.hess(xy))
        assert eigenvalues.min() < 0 < eigenvalues.max(), point
    if surf.minima:
        lowest = min(p.value for p in surf.minima)
        for point in surf.minima:
            expected = "global minimum" if point.value <= lowest + 1e-9 else "local minimum"
            assert point.kind == expected


def test_known_stationary_points():
    assert [p.xy for p in surfaces.get("bowl").minima] == [(0.0, 0.0)]
    assert [p.xy for p in surfaces.get("rosenbrock").minima] == [(1.0, 1.0)]
    assert [p.xy for p in surfaces.get("booth").minima] == [(1.0, 3.0)]
    beale = surfaces.get("beale").minima
    np.testing.assert_allclose([p.xy for p in beale], [(3.0, 0.5)], atol=1e-12)
    assert [p.xy for p in surfaces.get("saddle").saddles] == [(0.0, 0.0)]
    assert surfaces.get("ackley").minima[0].value == pytest.approx(0.0, abs=1e-14)
    assert surfaces.get("rastrigin").minima[0].value == pytest.approx(0.0, abs=1e-14)
    # the monkey saddle's Hessian vanishes at the origin: no curvature to classify
    np.testing.assert_array_equal(surfaces.get("monkey_saddle").hess(np.zeros(2)), 0.0)


def test_himmelblau_has_four_minima_with_value_zero():
    minima = surfaces.get("himmelblau").minima
    assert len(minima) == 4
    assert all(p.kind == "global minimum" and abs(p.value) < 1e-18 for p in minima)
    # the published coordinates (Himmelblau 1972) to six decimals
    published = [(3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)]
    found = sorted(p.xy for p in minima)
    np.testing.assert_allclose(found, sorted(published), atol=1e-6)


def test_local_minima_has_one_global_and_at_least_two_local_minima():
    minima = surfaces.get("local_minima").minima
    kinds = [p.kind for p in minima]
    assert kinds.count("global minimum") == 1 and kinds.count("local minimum") >= 2
    best = min(minima, key=lambda p: p.value)
    assert best.kind == "global minimum"
    assert all(p.value > best.value + 1e-3 for p in minima if p is not best)


def test_rosenbrock_matches_scipy():
    surf = surfaces.get("rosenbrock")
    for point in np.random.default_rng(9).uniform([-2, -1], [2, 3], size=(N_POINTS, 2)):
        assert surf.value(point) == pytest.approx(rosen(point), rel=1e-13, abs=1e-13)
        np.testing.assert_allclose(surf.grad(point), rosen_der(point), rtol=1e-13, atol=1e-12)
        np.testing.assert_allclose(surf.hess(point), rosen_hess(point), rtol=1e-13, atol=1e-12)


@pytest.mark.parametrize(
    ("name", "params", "minimum"),
    [
        ("rosenbrock", {"a": 2.0, "b": 10.0}, (2.0, 4.0)),
        ("rosenbrock", {"a": -0.5}, (-0.5, 0.25)),
        ("bowl", {"a": 3.0, "b": 0.01}, (0.0, 0.0)),
        ("rastrigin", {"A": 0.0}, (0.0, 0.0)),
    ],
)
def test_parameters_move_the_minimum(name, params, minimum):
    surf = surfaces.get(name, **params)
    np.testing.assert_allclose([p.xy for p in surf.minima], [minimum], atol=1e-12)


def test_rotated_quadratic_has_curvatures_one_and_kappa_along_the_rotated_axes():
    kappa, angle = 25.0, 20.0
    surf = surfaces.get("rotated_quadratic", kappa=kappa, angle=angle)
    eigenvalues, vectors = np.linalg.eigh(surf.hess(np.array([0.3, -0.2])))
    np.testing.assert_allclose(eigenvalues, [1.0, kappa], rtol=1e-12)
    steep = np.array([-math.sin(math.radians(angle)), math.cos(math.radians(angle))])
    assert abs(abs(vectors[:, 1] @ steep) - 1) < 1e-12


@pytest.mark.parametrize("name", NAMES)
def test_default_start_lies_in_the_domain_inside_the_escape_radius(name):
    surf = surfaces.get(name)
    (x0, x1), (y0, y1) = surf.domain
    x, y = surf.default_start
    assert x0 <= x <= x1 and y0 <= y <= y1
    assert surf.escape_radius > max(abs(x0), abs(x1), abs(y0), abs(y1))
    assert surf.title and surf.latex and surf.description and surf.definition.lesson


@pytest.mark.parametrize("name", NAMES)
def test_engine_loss_and_gradient_use_the_same_function(name):
    """The compiled callbacks that step a run agree with the NumPy value and gradient."""
    surf = surfaces.get(name)
    traj = optim_core.run("sgd", name, steps=5, lr=1e-4)
    np.testing.assert_allclose(traj.loss, surf.value(traj.path), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(traj.state["g"][1:], surf.grad(traj.path[:-1]), rtol=1e-13,
                               atol=1e-15)  # fmt: skip


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        ("rosenbrock", {"b": -1.0}, "b"),
        ("rosenbrock", {"b": math.nan}, "b"),
        ("bowl", {"a": 0.0}, "a"),
        ("rotated_quadratic", {"kappa": 0.5}, "kappa"),
        ("rotated_quadratic", {"angle": 270.0}, "angle"),
        ("rosenbrock", {"c": 1.0}, "surface parameter"),
        ("saddle", {"a": 1.0}, "surface parameter"),
        ("bowl", {"a": "steep"}, "a"),
    ],
)
def test_invalid_parameters_raise_parameter_error(name, params, message):
    with pytest.raises(ParameterError) as error:
        surfaces.get(name, **params)
    assert message in str(error.value)


def test_unknown_surface_raises_parameter_error():
    with pytest.raises(ParameterError, match="surface"):
        surfaces.get("nope")


# --- parameters bound at run time: generated code, compiled callbacks, caches ------------

BEFORE = Path(__file__).parent / "golden" / "surfaces_before_runtime_params.npz"
# Surfaces whose printed terms changed when parameters became symbols (or, for
# local_minima, when constants stopped being printed with 15 digits): the same maths,
# summed or multiplied in another order.  Largest differences measured against the
# recorded numbers: a few ulps of the values, ≤ 1e-13 absolute.  Checked against 40-digit
# arithmetic the new numbers are as accurate or better (local_minima ten times better).
REASSOCIATED = {"local_minima", "rastrigin", "rosenbrock", "rotated_quadratic"}


def _recorded_cases() -> list[str]:
    with np.load(BEFORE) as before:
        return sorted({key.rsplit("/", 1)[0] for key in before.files})


@pytest.mark.parametrize("case", _recorded_cases())
def test_numbers_equal_those_recorded_before_runtime_parameters(case):
    """Values, gradients and Hessians recorded (256 points per case, at default and other
    parameters) from the implementation that substituted parameter values into the code."""
    name = case.split("/")[0]
    with np.load(BEFORE) as before:
        recorded = {what: before[f"{case}/{what}"] for what in ("points", "params", "value", "grad", "hess")}  # fmt: skip
    params = dict(zip(surfaces.definition(name).parameter_names, recorded["params"], strict=True))
    surf = surfaces.get(name, **params)
    points = recorded["points"]
    for what, got in (("value", surf.value(points)), ("grad", surf.grad(points)),
                      ("hess", surf.hess(points))):  # fmt: skip
        if name in REASSOCIATED:
            expected = recorded[what]
            np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12, err_msg=what)
        else:
            np.testing.assert_array_equal(got, recorded[what], err_msg=what)


def test_the_checked_in_generated_code_is_current():
    for file_name, text in generate.generated_modules().items():
        path = Path(generate.__file__).with_name(file_name)
        assert path.read_text(encoding="utf-8") == text, (
            f"surfaces/{file_name} is out of date: run `{generate.COMMAND}` and commit it"
        )


@pytest.mark.parametrize("name", NAMES)
def test_stored_stationary_points_equal_a_fresh_search(name):
    surf = surfaces.get(name)
    fresh = find_critical_points(surf, hints_at(surf.definition, surf.parameters))
    assert surf.critical_points == fresh


def test_evaluating_a_built_in_loads_neither_numba_scipy_sympy_nor_the_ui():
    script = (
        "import sys, surfaces\n"
        "s = surfaces.get('himmelblau')\n"
        "_ = s.value([[0.0, 1.0]]), s.grad([[0.0, 1.0]]), s.hess([[0.0, 1.0]]), s.minima\n"
        "_ = surfaces.get('bowl', a=0.5).grad([1.0, 2.0])\n"
        "heavy = ('numba', 'llvmlite', 'scipy', 'sympy', 'streamlit', 'plotly', 'matplotlib')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('optim_core', 'surfaces')))\n"
    )
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=root, env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    heavy, ours = done.stdout.strip().split("\n")
    assert heavy == "[]"
    # Surfaces import only the bottom layer (`foundation`), never the engine.
    assert set(eval(ours)) <= {
        "surfaces", "surfaces.catalog", "surfaces.core", "surfaces._generated_numpy",
    }  # fmt: skip


@njit
def _call_value_grad(callback, xy, params, f_out, g_out):
    callback(xy.ctypes, xy.shape[0], params.ctypes, f_out.ctypes, g_out.ctypes)


@njit
def _call_value(callback, xy, params, f_out):
    callback(xy.ctypes, xy.shape[0], params.ctypes, f_out.ctypes)


def assert_kernels_match_numpy(surf: surfaces.Surface, points: np.ndarray) -> None:
    """The callbacks equal the NumPy value and gradient to 1e-15 relative.  They print the
    same terms in the same order; libm's exp, cos and pow and NumPy's vectorized ones may
    round one ulp apart, which cancellation can amplify, so the tolerance has a floor of a
    few ulps of the batch's largest magnitude."""
    kernels = surf.kernels
    f, g, f_only = np.empty(len(points)), np.empty_like(points), np.empty(len(points))
    _call_value_grad(kernels.value_grad, points, kernels.params, f, g)
    _call_value(kernels.value, points, kernels.params, f_only)
    value, grad = surf.value(points), surf.grad(points)
    for got, expected in ((f, value), (f_only, value), (g, grad)):
        floor = 8 * np.finfo(float).eps * np.abs(expected).max()
        np.testing.assert_allclose(got, expected, rtol=1e-15, atol=floor)


PARAMETER_CASES = [(name, {}) for name in NAMES] + [
    ("bowl", {"a": 0.3, "b": 2.7}),
    ("rotated_quadratic", {"kappa": 3.7, "angle": -45.3}),
    ("rosenbrock", {"a": 1.3, "b": 37.5}),
    ("rastrigin", {"A": 7.25}),
]


@pytest.mark.parametrize(("name", "params"), PARAMETER_CASES)
def test_compiled_callbacks_match_the_numpy_functions(name, params):
    surf = surfaces.get(name, **params)
    points = np.ascontiguousarray(random_points(name, n=500, seed=3))
    assert_kernels_match_numpy(surf, points)
    assert surf.kernels.params.tolist() == (list(surf.parameters) or [0.0])


def test_the_callbacks_are_compiled_once_per_definition():
    bound = [surfaces.get("bowl", a=a) for a in np.linspace(0.01, 2.0, 300)]
    first = bound[0].kernels
    for surf in bound:
        kernels = surf.kernels
        assert kernels.value is first.value and kernels.value_grad is first.value_grad
        assert kernels.params.dtype == np.float64 and kernels.params.flags.c_contiguous
        assert kernels.params.tolist() == [surf.param_values["a"], 1.0]
    assert compiled._builtin_kernels.cache_info().currsize <= len(NAMES)


def test_a_surface_without_parameters_passes_a_dummy_array():
    kernels = surfaces.get("saddle").kernels
    assert kernels.params.shape == (1,)
    assert kernels.value_grad._sig == compiled.VALUE_GRAD_BATCH_SIGNATURE
    assert kernels.value._sig == compiled.VALUE_BATCH_SIGNATURE


def custom(expression: str, **params: float) -> surfaces.Surface:
    """A surface that is not built in: the bowl's parameters over another expression."""
    quartic = dataclasses.replace(surfaces.definition("bowl"), name="custom", expression=expression)
    return bind(quartic, params)


def test_a_surface_that_is_not_built_in_is_derived_and_compiled_in_memory():
    surf = custom("a*x**2 + b*y**4 + cos(a*x*y)", a=0.7, b=1.5)
    points = np.ascontiguousarray(random_points("bowl", n=200, seed=5))
    x, y = points[:, 0], points[:, 1]
    expected = 0.7 * x**2 + 1.5 * y**4 + np.cos(0.7 * x * y)
    np.testing.assert_allclose(surf.value(points), expected, rtol=1e-14)
    np.testing.assert_allclose(surf.hess(points)[:, 1, 1], 18 * y**2 - (0.7 * x) ** 2 * np.cos(0.7 * x * y), rtol=1e-12, atol=1e-12)  # fmt: skip
    assert_kernels_match_numpy(surf, points)
    again = custom("a*x**2 + b*y**4 + cos(a*x*y)", a=0.2, b=3.0)
    assert again.kernels.value_grad is surf.kernels.value_grad  # once per expression
    assert again._functions is surf._functions


def test_compiled_callbacks_follow_ieee_arithmetic():
    surf = custom("a/x + b*y", a=1.0, b=1.0)
    f, g = np.empty(1), np.empty((1, 2))
    _call_value_grad(surf.kernels.value_grad, np.array([[0.0, 1.0]]), surf.kernels.params, f, g)
    assert f[0] == math.inf and g[0, 0] == -math.inf and g[0, 1] == 1.0


def test_every_cache_is_bounded():
    caches = [
        surfaces._get_cached, core._critical_points, core._runtime_numpy_functions,
        derive.derivatives, compiled._builtin_kernels, compiled._runtime_kernels,
    ]  # fmt: skip
    for cached in caches:
        assert cached.cache_info().maxsize is not None, cached
    assert compiled.MAX_RUNTIME_KERNELS <= 16


def test_expression_substitutes_the_bound_parameters():
    import sympy

    x, y = derive.xy_symbols()
    assert surfaces.get("rosenbrock", b=10).expression == (1 - x) ** 2 + 10 * (y - x**2) ** 2
    assert surfaces.get("bowl", a=0.5).expression == sympy.Float(0.5) * x**2 + y**2


def test_a_parameter_name_the_generated_code_uses_is_refused():
    with pytest.raises(ValueError, match="clashes"):
        derive.parse("params*x", ("params",))
