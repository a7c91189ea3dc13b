"""The shared interpreter that evaluates surfaces which are not built in
(`surfaces.interpreted`): it must give the numbers Numba's compiled code gives for the
same printed source, bit for bit, and compile nothing new per surface."""

from __future__ import annotations

import numpy as np
import pytest

import surfaces
from surfaces import compiled, interpreted
from tests.test_surfaces import PARAMETER_CASES, _call_value, _call_value_grad, random_points

# Every instruction: powers (square, reciprocal, float and variable exponents), the
# functions, max/min folding, and the selects of sign and Heaviside.
EVERY_OP = (
    "abs(x) + max(x, y, 0.5)^2 - min(x, y) + a log(1 + y^2) + atan2(y, x) + x^3 + exp(-x^2)"
    " + sqrt(x + 6) + e^x + 2^x + sin(x) cos(y) tan(y/3) + asin(x/9) + acos(y/9) + atan(x)"
    " + sinh(x/4) cosh(y/4) + tanh(x y) + log10(3 + x^2) - log2(2 + y^2) + x^(1/3)"
)


def evaluate(kernels, points: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    f, g, f_only = np.empty(len(points)), np.empty_like(points), np.empty(len(points))
    _call_value_grad(kernels.value_grad, points, kernels.params, f, g)
    _call_value(kernels.value, points, kernels.params, f_only)
    return f, g, f_only


def interpreted_kernels(surface: surfaces.Surface) -> compiled.SurfaceKernels:
    program = interpreted.program_array(
        surface.definition.expression, surface.definition.parameter_names
    )
    value, value_grad = interpreted.callbacks()
    return compiled.SurfaceKernels(
        value, value_grad, interpreted.with_parameters(program, surface.parameters)
    )


@pytest.mark.parametrize(("name", "params"), PARAMETER_CASES)
def test_the_interpreter_equals_each_builtins_compiled_code_bit_for_bit(name, params):
    surface = surfaces.get(name, **params)
    points = np.ascontiguousarray(random_points(name, n=300, seed=11))
    expected = evaluate(surface.kernels, points)  # the built-in's own compiled code
    for got, want in zip(evaluate(interpreted_kernels(surface), points), expected, strict=True):
        np.testing.assert_array_equal(got, want)


def test_every_instruction_equals_numba_compiling_the_same_source():
    surface = surfaces.from_formula(EVERY_OP, a=1.7)
    rng = np.random.default_rng(5)
    points = np.concatenate([
        rng.uniform(-3, 3, (400, 2)),
        [[0.0, 0.0], [0.0, 1.0], [1.0, 1.0], [-1.0, -1.0], [2.0, 2.0], [-2.0, 0.5]],  # kinks
    ])  # fmt: skip
    used = {interpreted.OPS[int(op)] for op in interpreted_ops(surface)}
    assert used == set(interpreted.OPS), set(interpreted.OPS) - used
    value, value_grad = compiled._runtime_kernels(
        surface.definition.expression, surface.definition.parameter_names
    )
    numba_kernels = compiled.SurfaceKernels(value, value_grad, np.array(surface.parameters))
    assert surface.kernels.value_grad is interpreted.callbacks()[1]
    for got, want in zip(
        evaluate(surface.kernels, points), evaluate(numba_kernels, points), strict=True
    ):
        np.testing.assert_array_equal(got, want)  # NaN where x^(1/3) has no real value


def interpreted_ops(surface: surfaces.Surface) -> np.ndarray:
    program = interpreted.program_array(
        surface.definition.expression, surface.definition.parameter_names
    )
    header = program[: interpreted.HEADER]
    body = program[interpreted.HEADER + int(header[0]) :]
    return body.reshape(-1, 5)[:, 0]


def test_typed_functions_share_one_pair_of_callbacks_and_memory_stays_bounded():
    def resident_megabytes() -> float:
        with open("/proc/self/status") as status:
            line = next(line for line in status if line.startswith("VmRSS"))
        return int(line.split()[1]) / 1024

    def type_some(first: int, count: int) -> None:
        for k in range(first, first + count):
            surface = surfaces.from_formula(f"sin(x) cos(y) + 0.{k:04d}1(x^2 + y^2)")
            assert surface.kernels.value_grad is interpreted.callbacks()[1]
            surface.value([[1.0, 1.0]])

    type_some(1, 120)  # past every bounded cache (parse 64, derivatives 32, programs 64)
    before = resident_megabytes()
    type_some(1000, 80)
    # Compiling each with Numba costs about a megabyte that is never freed (80 MB here).
    assert resident_megabytes() - before < 16


def test_printed_code_without_an_instruction_is_compiled_instead():
    with pytest.raises(interpreted.Untranslatable):
        interpreted.translate("f", "def f(x, y):\n    return math.gamma(x)")


def test_a_batch_split_across_threads_equals_one_run_at_a_time():
    import optim_core

    surface = surfaces.from_formula("(1 - x)^2 + b(y - x^2)^2 + abs(x y)", b=20)
    starts = np.random.default_rng(3).uniform(-2, 2, (300, 2))  # >= PARALLEL_MIN_BATCH
    batch = optim_core.run("adam", surface, start=starts, steps=50, lr=0.05)
    for row in (0, 151, 299):
        one = optim_core.run("adam", surface, start=starts[row], steps=50, lr=0.05)
        np.testing.assert_array_equal(batch.path[:, row], one.path)
