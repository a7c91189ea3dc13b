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
import time
import weakref
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import rosen, rosen_der, rosen_hess

import optim_core
import surfaces
from optim_core import ParameterError, engine
from surfaces import _codegen
from surfaces.core import bind

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


# --- generated code kept on disk (surfaces._codegen) --------------------------------------


@pytest.fixture
def code_folder(tmp_path, monkeypatch):
    """An empty folder for generated code, and none shared from earlier in this process."""
    monkeypatch.setattr(_codegen, "_cache_dir", lambda: tmp_path)
    monkeypatch.setattr(_codegen, "_LOADED", weakref.WeakValueDictionary())
    return tmp_path


def fresh(name: str, **params: float) -> surfaces.Surface:
    """A new `Surface` (not the lru-cached one), so its code is looked up again."""
    return bind(surfaces.definition(name), params)


def forget_loaded_code(monkeypatch) -> None:
    monkeypatch.setattr(_codegen, "_LOADED", weakref.WeakValueDictionary())


def everything_computed(surf: surfaces.Surface, points: np.ndarray) -> tuple:
    big = np.tile(surf.default_start, (engine.BATCH_KERNEL_MIN, 1))  # the whole-batch callback
    return (
        surf.value(points), surf.grad(points), surf.hess(points), surf.critical_points,
        optim_core.run("adam", surf, steps=20, lr=0.05).path,
        optim_core.run("sgd", surf, start=big, steps=5, lr=1e-3).path,
    )  # fmt: skip


@pytest.mark.parametrize("name", NAMES)
def test_code_read_back_from_disk_equals_the_code_derived_with_sympy(
    code_folder, name, monkeypatch
):
    points = random_points(name)
    derived = fresh(name)
    expected = everything_computed(derived, points)
    assert derived._code.path.parent == code_folder
    forget_loaded_code(monkeypatch)

    def no_sympy(*args):
        raise AssertionError("derived again")

    monkeypatch.setattr(_codegen, "_generate", no_sympy)
    monkeypatch.setattr(surfaces.Surface, "_find_critical_points", no_sympy)
    loaded = fresh(name)
    got = everything_computed(loaded, points)
    assert loaded._code is not derived._code
    for a, b in zip(got, expected, strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_new_process_needs_neither_sympy_nor_scipy_optimize_for_a_known_surface():
    if _codegen._cache_dir() is None:
        pytest.skip("no writable folder for generated code")
    surf = surfaces.get("himmelblau")
    _ = surf.kernels, surf.critical_points  # written to the folder, if not there yet
    script = (
        "import sys, surfaces\n"
        "s = surfaces.get('himmelblau')\n"
        "_ = s.value([[0.0, 1.0]]), s.hess([[0.0, 1.0]]), s.kernels, s.minima\n"
        "print([m for m in ('sympy', 'scipy.optimize') if m in sys.modules])\n"
    )
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=root, env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    assert done.stdout.strip() == "[]"


def test_cache_key_tells_every_input_apart():
    bowl = surfaces.definition("bowl")
    quartic = dataclasses.replace(bowl, expression="a*x**2 + b*y**4")
    only_a = dataclasses.replace(bowl, params=bowl.params[:1])  # b becomes a plain symbol
    key = _codegen.cache_key(bowl, {"a": 0.05, "b": 1.0})
    assert _codegen.cache_key(bowl, {"b": 1.0, "a": 0.05}) == key
    others = [
        _codegen.cache_key(bowl, {"a": 0.05, "b": 2.0}),
        _codegen.cache_key(bowl, {"a": math.nextafter(0.05, 1.0), "b": 1.0}),
        _codegen.cache_key(bowl, {"a": 0.05, "b": 1}),  # an int is substituted exactly
        _codegen.cache_key(quartic, {"a": 0.05, "b": 1.0}),
        _codegen.cache_key(only_a, {"a": 0.05, "b": 1.0}),
    ]
    assert len({key, *others}) == 1 + len(others)


def test_a_damaged_or_foreign_module_is_derived_again(code_folder, monkeypatch):
    points = random_points("booth")
    expected = fresh("booth").value(points)
    (path,) = code_folder.glob("booth_*.py")
    for text in ("KEY = 'another surface'\nNUMPY = ()\n", "def value(x, y:\n"):
        path.write_text(text)
        forget_loaded_code(monkeypatch)
        np.testing.assert_array_equal(fresh("booth").value(points), expected)
        assert "KEY = 'another surface'" not in path.read_text()


def test_without_a_writable_folder_the_code_lives_in_memory(monkeypatch):
    monkeypatch.setattr(_codegen, "_cache_dir", lambda: None)
    forget_loaded_code(monkeypatch)
    points = random_points("beale")
    surf = fresh("beale")
    assert surf._code.path is None
    for a, b in zip(
        everything_computed(surf, points),
        everything_computed(surfaces.get("beale"), points),
        strict=True,
    ):
        np.testing.assert_array_equal(a, b)


def test_the_folder_keeps_the_newest_modules_only(code_folder, monkeypatch):
    monkeypatch.setattr(_codegen, "MAX_CACHED_MODULES", 2)
    made = []
    for age, a in ((300, 0.1), (200, 0.2), (0, 0.3)):
        surf = fresh("bowl", a=a)
        _ = surf.critical_points  # stored next to the module, pruned with it
        stamp = time.time() - age
        os.utime(surf._code.path, (stamp, stamp))
        made.append(surf)
    assert sorted(code_folder.glob("*.py")) == sorted(s._code.path for s in made[1:])
    assert not list(code_folder.glob(f"{made[0]._code.path.stem}.*"))
    # code whose file was pruned still compiles its callbacks (without Numba's disk cache)
    assert optim_core.run("sgd", made[0], steps=3, lr=0.1).diverged_at is None
