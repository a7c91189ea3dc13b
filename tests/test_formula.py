"""Typed formulas (`surfaces.formula`): the safe parser, the built-ins typed by hand, the
function's domain, and the formula in settings, links and the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import optim_core
import surfaces
from foundation.params import ParameterError
from surfaces import formula
from surfaces.catalog import _WELLS

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("name", "text"),
    [("bowl", "a x^2 + b y^2"), ("rosenbrock", "(a - x)^2 + b(y - x^2)^2"),
     ("rastrigin", "2A + x^2 - A cos(2pi x) + y^2 - A cos(2pi y)")],
)  # fmt: skip
def test_builtin_typed_with_its_parameters_is_bit_for_bit(name, text):
    builtin = surfaces.get(name)
    typed = surfaces.from_formula(text, domain=builtin.domain, **builtin.param_values)
    for optimizer in ("adam", "newton", "lbfgs"):
        expected = optim_core.run(optimizer, builtin, steps=60)
        got = optim_core.run(optimizer, typed, start=builtin.default_start, steps=60)
        np.testing.assert_array_equal(got.path, expected.path)


# --- the parser refuses everything that is not a formula ------------------------------------

HOSTILE = {
    "x.real": "'.' at column 2",
    "x.__class__": "'.' at column 2",
    "__import__('os')": "'_' ('__import__' at column 1)",
    "__builtins__": "'_'",
    "lambda: 1": "'lambda' at column 1",
    "import os": "'import' at column 1",
    "exec('1')": 'unexpected character "\'" at column 6',
    "eval(x)": "unknown function 'eval' at column 1",
    "'x'": "column 1",
    '"x" * 9': "column 1",
    "open(x)": "unknown function 'open' at column 1",
    "getattr(x, y)": "unknown function 'getattr' at column 1",
    "fn(x)": "unknown function 'fn' at column 1",
    "sympify(x)": "unknown function 'sympify'",
    "9**9**9": "tower) at column 5",
    "9^9^9": "tower) at column 4",
    "x^x^x": "tower",
    "2^exp(x)": "tower",
    "x^1000": "at most 64 at column 3",
    "(10^15)^64": "not a finite real number at column 8",
    "exp(exp(exp(exp(100))))": "not a finite real number at column 9",
    "1e400 * x": "at most 1e+15",
    "(" * 100 + "x" + ")" * 100: "nested parentheses at column 25",
    "sin(" * 30 + "x" + ")" * 30: "nested parentheses at column 100",
    "-(" * 30 + "x" + ")" * 30: "nested parentheses at column 50",
    "-" * 300 + "x": "nested more than 24",
    "+".join(["x"] * 180): "more than 160 numbers, names and operations at column",
    "x" * 1_000_000: "at most 400 characters",
    "x + " * 1_000_000: "at most 400 characters",
    "cοs(x)": "U+03BF GREEK SMALL LETTER OMICRON, did you mean 'o'?) at column 2",
    "ｘ^2": "U+FF58 FULLWIDTH LATIN SMALL LETTER X, did you mean 'x'?) at column 1",
    "x + у": "U+0443 CYRILLIC SMALL LETTER U) at column 5",
    "x\u200b + y": "U+200B ZERO WIDTH SPACE) at column 2",
    "x²": "U+00B2 SUPERSCRIPT TWO, did you mean '2'?) at column 2",
    "1٣": "(U+0663 ARABIC-INDIC DIGIT THREE) at column 2",
    "x\u00a0+ y": "U+00A0 NO-BREAK SPACE, did you mean ' '?) at column 2",
    "[x for x in y]": "'[' at column 1",
    "{x}": "'{' at column 1",
    "x if y else 1": "'if' at column 3",
    "x == y": "'=' at column 3",
    "x < y": "'<' at column 3",
    "x; y": "';' at column 2",
    "x @ y": "'@' at column 3",
    "x % 2": "'%' at column 3",
    "x // 2": "'/' at column 4",
    "not x": "'not' at column 1",
    "x and y": "'and' at column 3",
    "True": "'True' at column 1",
    "None": "'None' at column 1",
    "sin(x=1)": "'=' at column 6",
    "sin(*x)": "sin takes plain arguments at column 1",
    "sin x": "sin at column 1 needs its argument in parentheses",
    "sin": "sin at column 1 needs its argument in parentheses",
    "atan2(x)": "atan2 takes 2 arguments at column 1",
    "sin(x, y)": "sin takes one argument at column 1",
    "min(x)": "min takes 2 to 4 arguments at column 1",
    "sin(x) + )": "unexpected ')' at column 10",
    "(x + y": "'(' at column 1 is never closed",
    "x +": "ends too early (after '+' at column 3)",
    "2 3": "unexpected '3' at column 3",
    "": "empty",
    "   ": "empty",
    "1/0": "division by zero at column 2",
    "x/(y - y)": "division by zero at column 2",
    "sqrt(-1) * x": "not a finite real number",
    "log(0) + x": "not a finite real number",
    "xy * x": "'xy' is reserved",
    "numpy * x": "'numpy' is reserved",
    "E * x": "'E' is reserved",
    "a + b + c + d + f + g + h": "more than 6 parameters ('h' at column 25)",
    "averyveryverylongname * x": "longer than 12",
}


@pytest.mark.parametrize("text", list(HOSTILE), ids=lambda t: repr(t[:24]))
def test_hostile_text_is_refused_naming_the_place(text):
    with pytest.raises(ParameterError) as error:
        formula.parse_formula(text)
    assert error.value.name == "formula"
    assert HOSTILE[text] in str(error.value)
    assert len(str(error.value)) < 300  # a megabyte input is not echoed back


def test_hostile_text_is_refused_before_sympy_is_loaded(tmp_path):
    """Nothing ran: refusing the whole corpus (bar the few refused from SymPy's own
    folding, which pass the check) never imports SymPy, let alone evaluates anything."""
    folded = {"1/0", "x/(y - y)", "sqrt(-1) * x", "log(0) + x", "E * x"}
    corpus = [t for t in HOSTILE if t not in folded and len(t) < 10_000]
    script = (
        "import json, sys\n"
        "from surfaces.formula import parse_formula\n"
        "from foundation.params import ParameterError\n"
        "refused = 0\n"
        "for text in json.loads(sys.stdin.read()):\n"
        "    try:\n"
        "        parse_formula(text)\n"
        "    except ParameterError:\n"
        "        refused += 1\n"
        "print(refused, 'sympy' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], input=json.dumps(corpus), capture_output=True,
        text=True, cwd=ROOT, check=True, timeout=60,
    )  # fmt: skip
    assert done.stdout.split() == [str(len(corpus)), "False"]


def test_every_refusal_is_said_in_english_and_korean():
    import i18n

    english = i18n.catalog("en")
    for problem, text in formula.PROBLEMS.items():
        assert english[f"formula.error.{problem}"] == text  # one English text, two places
        assert f"formula.error.{problem}" in i18n.catalog("ko")
    with pytest.raises(ParameterError) as error, i18n.use_language("ko"):
        formula.parse_formula("x + )")
    with i18n.use_language("ko"):
        assert (
            i18n.error_text(error.value)
            == "수식: 5번째 칸의 ')'가 올 자리가 아닙니다 (입력: 'x + )')"
        )
    assert i18n.error_text(error.value) == str(error.value)


def test_refusal_is_quick_even_for_a_megabyte():
    import time

    start = time.perf_counter()
    for text in HOSTILE:
        with pytest.raises(ParameterError):
            formula.parse_formula(text)
    # Generous on a busy machine: the whole corpus is refused in milliseconds.
    assert (time.perf_counter() - start) / len(HOSTILE) < 0.1


def test_derived_size_is_bounded_before_compiling():
    text = "*".join(f"sin({k}x + y^{k % 3 + 1})" for k in range(1, 10))
    assert len(formula.parse_formula(text).sympy_expression.args) == 9  # the text is fine
    with pytest.raises(ParameterError, match="gradient and Hessian have"):
        surfaces.from_formula(text)


TOKENS = ["x", "y", "a", "2", "0.5", "1e3", "pi", "e", "sin", "max", "abs", "log", "sqrt",
          "(", ")", "+", "-", "*", "/", "^", "**", ",", " ", "."]  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=30).map("".join))
@example("max(x,(x,y))")
@example("0^-0.5")
def test_parse_raises_only_parameter_error(text):
    try:
        parsed = formula.parse_formula(text)
    except ParameterError as error:
        assert error.name == "formula"
        return
    assert all(name in text for name in parsed.parameters)
    # What is accepted reads back as the same expression along the derivation path.
    from surfaces.derive import parse

    assert parse(parsed.key, parsed.parameters) == parsed.sympy_expression


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=16).map("".join))
@example("max(x,y)^e/sqrt(abs(a))")
def test_an_accepted_formula_builds_a_surface_the_interpreter_runs(text):
    from surfaces import interpreted

    try:
        surface = surfaces.from_formula(text)
    except ParameterError as error:
        assert error.name == "formula"
        return
    assert surface.kernels.value_grad is interpreted.callbacks()[1]  # nothing compiled
    start = np.array(surface.default_start)
    if np.isfinite(surface.value(start)) and np.all(np.isfinite(surface.grad(start))):
        path = optim_core.run("sgd", surface, steps=3, lr=0.01).path
        assert np.all(np.isfinite(path))  # a step out of the domain freezes, never NaN


# --- what is accepted -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "python"),
    [
        ("2x", "2 * x"),
        ("100(y-x^2)^2", "100 * (y - x ** 2) ** 2"),
        ("x y", "x * y"),
        ("2 sin(x)", "2 * sin(x)"),
        ("x(y + 1)", "x * (y + 1)"),
        ("(x+1)(y-1)", "(x + 1) * (y - 1)"),
        ("2pi x", "2 * pi * x"),
        ("-x^2", "-x ** 2"),
        ("x^-2", "x ** (-2)"),
        ("e^x", "e ** x"),
        ("3 x^2 y", "3 * x ** 2 * y"),
        ("x − y × 2 · y", "x - y * 2 * y"),
    ],
)
def test_implicit_products_and_powers(text, python):
    assert formula.parse_formula(text).expression == python


def test_the_expression_is_the_mathematics_typed():
    import sympy

    x, y = sympy.symbols("x y", real=True)
    parsed = formula.parse_formula("-x^2 + 2^-1 y + e^x + log10(x) + atan2(y, x) + abs(x)")
    expected = -(x**2) + y / 2 + sympy.exp(x) + sympy.log(x) / sympy.log(10) + sympy.atan2(y, x)
    assert parsed.sympy_expression == expected + sympy.Abs(x)
    assert parsed.latex == sympy.latex(parsed.sympy_expression)


def test_free_names_become_parameters_with_sliders():
    s = surfaces.from_formula("a*x^2 + b y^2 + c", a=2.0, b=0.5)
    assert [p.name for p in s.definition.params] == ["a", "b", "c"]
    assert s.param_values == {"a": 2.0, "b": 0.5, "c": 1.0}
    a = s.definition.params[0]
    assert (a.default, a.ui_low, a.ui_high) == (1.0, -10.0, 10.0)
    np.testing.assert_allclose(s.grad([[1.0, 2.0]]), [[4.0, 2.0]])
    np.testing.assert_allclose(s.hess([[0.0, 0.0]]), [[[4.0, 0.0], [0.0, 1.0]]])
    with pytest.raises(ParameterError, match="surface parameter"):
        surfaces.from_formula("a*x^2", z=1.0)
    with pytest.raises(ParameterError, match="a must be in"):
        surfaces.from_formula("a*x^2", a=1e9)


def test_the_formula_surface_exposes_its_sympy_expression():
    import sympy

    x, y = sympy.symbols("x y", real=True)
    s = surfaces.from_formula("a x^2 + y^2", a=3)
    assert s.expression == 3 * x**2 + y**2
    assert s.definition.formula == "a x^2 + y^2"


def test_domain_start_and_name():
    s = surfaces.from_formula("x^2 + y^2", domain=((0, 2), (-1, 3)), start=(1.5, 2.5), name="cup")
    assert s.domain == ((0.0, 2.0), (-1.0, 3.0))
    assert s.default_start == (1.5, 2.5)
    assert s.title == "cup"
    assert surfaces.from_formula("  a x^2 +\n 3y^2").title == "f(x, y) = a x^2 + 3y^2"
    for bad in (((1, 0), (0, 1)), ((0, 1),), ((0, np.inf), (0, 1)), "box"):
        with pytest.raises(ParameterError, match="domain"):
            surfaces.from_formula("x", domain=bad)
    with pytest.raises(ParameterError, match="start"):
        surfaces.from_formula("x", start=(np.nan, 0))
    # The default start avoids points outside the function's domain.
    assert surfaces.from_formula("log(x) + y^2").default_start[0] > 0


def test_subgradients_at_kinks_are_the_stated_ones():
    s = surfaces.from_formula("abs(x) + y^2")
    np.testing.assert_array_equal(s.grad([[0.0, 1.0]]), [[0.0, 2.0]])  # sign(0) = 0
    np.testing.assert_array_equal(s.hess([[0.0, 0.0]]), [[[0.0, 0.0], [0.0, 2.0]]])
    m = surfaces.from_formula("max(x, y)")
    np.testing.assert_array_equal(m.grad([[1.0, 1.0], [2.0, 1.0]]), [[0.5, 0.5], [1.0, 0.0]])
    low = surfaces.from_formula("min(x, y)")
    np.testing.assert_array_equal(low.grad([[1.0, 1.0], [2.0, 1.0]]), [[0.5, 0.5], [0.0, 1.0]])
    # The compiled path the engine uses takes the same subgradient: one SGD step from the
    # kink of |x| moves only y.
    path = optim_core.run("sgd", s, start=(0.0, 1.0), steps=1, lr=0.25).path
    np.testing.assert_array_equal(path[-1], [0.0, 0.5])


def test_stationary_points_are_found_and_classified():
    s = surfaces.from_formula("(x^2 - 1)^2 + y^2", domain=((-2, 2), (-2, 2)))
    kinds = sorted((round(p.xy[0], 6) + 0.0, p.kind) for p in s.critical_points)
    assert kinds == [(-1.0, "global minimum"), (0.0, "saddle"), (1.0, "global minimum")]
    tilted = surfaces.from_formula("(x^2 - 1)^2 + y^2 + 0.3x", domain=((-2, 2), (-2, 2)))
    assert sorted(p.kind for p in tilted.minima) == ["global minimum", "local minimum"]
    assert tilted.minima[0].xy[0] < 0 if tilted.minima[0].kind == "global minimum" else True
    # At a kink (|x|, Hessian 0 in x) and a degenerate point (x^4) the neighbours decide.
    kink = surfaces.from_formula("abs(x) + y^2").critical_points
    assert kink == (surfaces.CriticalPoint((0.0, 0.0), 0.0, "global minimum"),)
    flat = surfaces.from_formula("x^4 + y^2").minima
    assert [p.kind for p in flat] == ["global minimum"] and np.allclose(flat[0].xy, 0, atol=1e-3)
    # Points "at infinity" (atan2's gradient vanishes only far away) are not reported.
    assert surfaces.from_formula("atan2(y, x) + x^2").critical_points == ()


@pytest.mark.parametrize(
    ("text", "minima"),
    [
        # Corners and creases that no grid start (x, y = 0, ±1.11, ±2.22...) hits.
        ("abs(x-1)+y^2", [((1.0, 0.0), 0.0, "global minimum")]),
        ("abs(x-0.3)+abs(y+0.7)", [((0.3, -0.7), 0.0, "global minimum")]),
        ("max(abs(x), abs(y))", [((0.0, 0.0), 0.0, "global minimum")]),
        ("max(abs(x-0.3), abs(y+0.7))", [((0.3, -0.7), 0.0, "global minimum")]),
        # Two funnels: the deeper one is the global minimum, the other a local one.
        (
            "min(abs(x-2)+abs(y), abs(x+2)+abs(y)+1)",
            [((-2.0, 0.0), 1.0, "local minimum"), ((2.0, 0.0), 0.0, "global minimum")],
        ),
        # A kink plus a smooth pull: f = 0.4 at (1, 0), the corner, since |f'| of the
        # quadratic there (0.4) is below the kink's slope 1.
        ("abs(x-1)+abs(y)+0.1*(x+1)^2", [((1.0, 0.0), 0.4, "global minimum")]),
    ],
)
def test_minima_at_kinks_off_the_grid_are_found(text, minima):
    found = sorted(surfaces.from_formula(text).critical_points, key=lambda p: p.xy)
    assert [p.kind for p in found] == [kind for _, _, kind in minima]
    for point, (xy, value, _) in zip(found, minima, strict=True):
        np.testing.assert_allclose(point.xy, xy, atol=1e-8)
        assert point.value == pytest.approx(value, abs=1e-8)


# --- leaving the function's domain -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "optimizer", "hyper", "start"),
    [
        ("log(x) + y^2", "sgd", {"lr": 2.0}, (0.5, 1.0)),  # x = 0.5 - 2/0.5 < 0
        ("sqrt(x) + y^2", "adam", {"lr": 3.0}, (0.5, 1.0)),
        ("x log(x) - 2x + y^2", "newton", {}, (20.0, 1.0)),  # x(2 - log x) < 0
    ],
)
def test_leaving_the_domain_ends_the_run_at_its_last_finite_point(text, optimizer, hyper, start):
    s = surfaces.from_formula(text, domain=((0.1, 30), (-2, 2)))
    trajectory = optim_core.run(optimizer, s, start=start, steps=30, **hyper)
    assert trajectory.diverged_at is not None
    assert np.all(np.isfinite(trajectory.path)) and np.all(np.isfinite(trajectory.loss))
    last = trajectory.path[-1]
    assert np.array_equal(last, trajectory.path[trajectory.diverged_at - 1])
    assert last[0] > 0  # frozen inside the domain


def test_division_by_zero_on_the_path_is_a_divergence_not_a_nan():
    s = surfaces.from_formula("1/x + y^2")
    # x1 = -1 - 1 * (-1/x0^2) = 0 exactly: f and its gradient are infinite there.
    trajectory = optim_core.run("sgd", s, start=(-1.0, 1.0), steps=5, lr=1.0)
    assert trajectory.diverged_at == 1
    np.testing.assert_array_equal(trajectory.path, np.tile([-1.0, 1.0], (6, 1)))


def test_runtime_caches_are_bounded():
    from surfaces import interpreted

    for k in range(formula.MAX_FORMULAS + 5):
        formula.cached_parse(f"x^2 + {k} y^2")
    assert len(formula._PARSED) == formula.MAX_FORMULAS
    for cached in (formula._definition, interpreted.program_array, interpreted.callbacks):
        assert cached.cache_info().maxsize is not None, cached


# --- the eleven built-ins, typed as a person would ------------------------------------------

_WELLS_TYPED = "0.05(x^2 + y^2)" + "".join(
    f" - {d} exp(-((x - ({cx}))^2 + (y - ({cy}))^2)/(2*{w}^2))" for d, cx, cy, w in _WELLS
)
TYPED_BUILTINS = {
    "bowl": "x^2/20 + y^2",
    "rotated_quadratic": "((cos(pi/6) x + sin(pi/6) y)^2 + 10(-sin(pi/6) x + cos(pi/6) y)^2)/2",
    "saddle": "x^2 - y^2",
    "monkey_saddle": "x^3 - 3x y^2",
    "rosenbrock": "(1 - x)^2 + 100(y - x^2)^2",
    "local_minima": _WELLS_TYPED,
    "beale": "(1.5 - x + x y)^2 + (2.25 - x + x y^2)^2 + (2.625 - x + x y^3)^2",
    "himmelblau": "(x^2 + y - 11)^2 + (x + y^2 - 7)^2",
    "rastrigin": "20 + x^2 - 10cos(2pi x) + y^2 - 10cos(2pi y)",
    "ackley": "-20exp(-0.2sqrt(0.5(x^2 + y^2))) - exp(0.5(cos(2pi x) + cos(2pi y))) + e + 20",
    "booth": "(x + 2y - 7)^2 + (2x + y - 5)^2",
}


def test_every_builtin_is_typed_here():
    assert set(TYPED_BUILTINS) == set(surfaces.names())


@pytest.mark.parametrize("name", sorted(TYPED_BUILTINS))
def test_typed_builtin_gives_the_builtins_numbers(name):
    builtin = surfaces.get(name)
    typed = surfaces.from_formula(TYPED_BUILTINS[name], domain=builtin.domain)
    (x0, x1), (y0, y1) = builtin.domain
    grid = np.stack(np.meshgrid(np.linspace(x0, x1, 13), np.linspace(y0, y1, 11)), -1)
    grid = grid + 0.01  # off the origin, where Ackley's gradient is 0/0 without its 1e-300
    np.testing.assert_allclose(typed.value(grid), builtin.value(grid), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(typed.grad(grid), builtin.grad(grid), rtol=1e-12, atol=1e-11)
    np.testing.assert_allclose(typed.hess(grid), builtin.hess(grid), rtol=1e-12, atol=1e-10)
    # The compiled path the engine steps (Adam) and the second-order one (Newton).
    for optimizer, hyper in (("adam", {"lr": 0.05}), ("newton", {})):
        expected = optim_core.run(optimizer, builtin, steps=40, **hyper)
        got = optim_core.run(optimizer, typed, start=builtin.default_start, steps=40, **hyper)
        np.testing.assert_allclose(got.path, expected.path, rtol=1e-12, atol=1e-12)
        assert got.diverged_at == expected.diverged_at
