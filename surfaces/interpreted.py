"""Compiled callbacks for surfaces that are not built in, without compiling anything new.

Numba never frees the machine code it compiles, so compiling each typed function would
let a public server's memory grow with every formula (about a megabyte each).  Instead,
one pair of C callbacks, compiled once and cached on disk, runs a small register
program: the very code `surfaces.derive.compiled_source` prints for the surface (same
operations, same order, same libm calls), translated instruction by instruction.  The
program travels in the callbacks' ``params`` array after the parameter values, so the
engine calls these callbacks exactly as it calls a built-in's.

``params`` layout: a header ``[P, S, (start, count, out) x 3]`` for the value, ∂f/∂x and
∂f/∂y programs, the P parameter values, then 5 numbers per instruction
``(op, dst, a, b, c)``.  Slots 0 and 1 hold x and y, slots 2 .. P+1 the parameters, the
rest constants and intermediate results (S slots in all).

>>> program = translate("f_point_value", "def f_point_value(x, y, a):\\n    return a*x**2 + y")
>>> [OPS[int(op)] for op in program.instructions[:, 0]]
['square', 'mul', 'add']
"""

from __future__ import annotations

import ast
import math
import threading
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numba import carray, cfunc, njit

from surfaces import syntax
from surfaces.compiled import VALUE_BATCH_SIGNATURE, VALUE_GRAD_BATCH_SIGNATURE

OPS = (
    "const", "add", "sub", "mul", "div", "pow", "square", "neg", "sin", "cos", "tan", "asin",
    "acos", "atan", "atan2", "sinh", "cosh", "tanh", "exp", "log", "sqrt", "abs", "max",
    "min", "copysign", "lt", "le", "gt", "eq", "select",
)  # fmt: skip
OP = {name: index for index, name in enumerate(OPS)}
HEADER = 11  # P, S, and (start, count, out) for the value, dx and dy programs
MAX_PROGRAMS = 64  # translated expressions kept (a few kilobytes each)

_BINARY = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Pow: "pow"}
_COMPARE = {ast.Lt: "lt", ast.LtE: "le", ast.Gt: "gt", ast.Eq: "eq"}
_MATH = {"sin", "cos", "tan", "asin", "acos", "atan", "atan2", "sinh", "cosh", "tanh", "exp",
         "log", "sqrt", "copysign"}  # fmt: skip
_CONSTANTS = {"pi": math.pi, "e": math.e}


class Untranslatable(ValueError):
    """Printed code this interpreter has no instruction for (the surface is compiled)."""


@dataclass(frozen=True)
class Program:
    """One printed function as instructions: (op, dst, a, b, c) rows, result in `out`."""

    instructions: np.ndarray  # (n, 5) float64
    out: int
    slots: int


def translate(name: str, source: str, first_free: int | None = None) -> Program:
    """The function `name` of `source` (printed by `surfaces.derive`) as a program."""
    function = next(
        node for node in syntax.parse(source).body if isinstance(node, ast.FunctionDef)
        and node.name == name
    )  # fmt: skip
    arguments = [a.arg for a in function.args.args]
    builder = _Builder({n: i for i, n in enumerate(arguments)}, first_free or len(arguments))
    out = None
    for statement in function.body:
        if isinstance(statement, ast.Assign) and isinstance(statement.targets[0], ast.Name):
            builder.names[statement.targets[0].id] = builder.emit(statement.value)
        elif isinstance(statement, ast.Return) and statement.value is not None:
            out = builder.emit(statement.value)
        else:
            raise Untranslatable(ast.dump(statement)[:80])
    if out is None:
        raise Untranslatable(f"{name} returns nothing")
    rows = np.array(builder.rows, dtype=np.float64).reshape(-1, 5)
    return Program(rows, out, builder.next_slot)


class _Builder:
    def __init__(self, names: dict[str, int], first_free: int) -> None:
        self.names = names
        self.next_slot = first_free
        self.rows: list[tuple[float, ...]] = []

    def instruction(self, op: str, a: float = 0.0, b: float = 0.0, c: float = 0.0) -> int:
        dst = self.next_slot
        self.next_slot += 1
        self.rows.append((OP[op], dst, a, b, c))
        return dst

    def emit(self, node: ast.AST) -> int:
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return self.instruction("const", float(node.value))
        if isinstance(node, ast.Name) and node.id in self.names:
            return self.names[node.id]
        if isinstance(node, ast.Attribute) and node.attr in _CONSTANTS:
            return self.instruction("const", _CONSTANTS[node.attr])
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return self.instruction("neg", self.emit(node.operand))
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            return self.binary(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _COMPARE:
            left, right = self.emit(node.left), self.emit(node.comparators[0])
            return self.instruction(_COMPARE[type(node.ops[0])], left, right)
        if isinstance(node, ast.IfExp):
            test, body, orelse = self.emit(node.test), self.emit(node.body), self.emit(node.orelse)
            return self.instruction("select", test, body, orelse)
        raise Untranslatable(ast.dump(node)[:80])

    def binary(self, node: ast.BinOp) -> int:
        exponent = node.right
        if (
            isinstance(node.op, ast.Pow)
            and isinstance(exponent, ast.Constant)
            and type(exponent.value) is int
        ):
            # Numba multiplies an int power out (x**2 is x*x); the printer writes every
            # power but squares with a float exponent (libm's pow, the "pow" instruction).
            if exponent.value != 2:
                raise Untranslatable(f"x**{exponent.value}")
            return self.instruction("square", self.emit(node.left))
        left, right = self.emit(node.left), self.emit(node.right)
        return self.instruction(_BINARY[type(node.op)], left, right)

    def call(self, node: ast.Call) -> int:
        function = node.func
        if isinstance(function, ast.Attribute) and function.attr in _MATH:
            name = function.attr
        elif isinstance(function, ast.Name) and function.id in ("abs", "max", "min"):
            name = function.id
        else:
            raise Untranslatable(ast.dump(node)[:80])
        args = [self.emit(a) for a in node.args]
        if name in ("max", "min"):  # max(a, b, c) as max(max(a, b), c)
            result = args[0]
            for other in args[1:]:
                result = self.instruction(name, result, other)
            return result
        return self.instruction(name, *args)


@lru_cache(maxsize=MAX_PROGRAMS)
def program_array(expression: str, parameter_names: tuple[str, ...]) -> np.ndarray:
    """Header and instructions of an expression's value, ∂f/∂x and ∂f/∂y (parameter
    values left as zeros: `with_parameters` fills them); `Untranslatable` if the printed
    code uses something the interpreter does not have."""
    from surfaces.derive import compiled_source

    source = compiled_source(expression, parameter_names, "f")
    first = 2 + len(parameter_names)
    programs = []
    for suffix in ("value", "dx", "dy"):
        program = translate(f"f_point_{suffix}", source, first)
        programs.append(program)
        first = program.slots
    header = [float(len(parameter_names)), float(first)]
    start = HEADER + len(parameter_names)
    for program in programs:
        header += [float(start), float(len(program.instructions)), float(program.out)]
        start += program.instructions.size
    body = np.concatenate([p.instructions.ravel() for p in programs])
    out = np.concatenate([header, np.zeros(len(parameter_names)), body])
    out.setflags(write=False)
    return out


def with_parameters(program: np.ndarray, parameters: tuple[float, ...]) -> np.ndarray:
    """The callbacks' ``params`` array: the program with these parameter values."""
    out = program.copy()
    out[HEADER : HEADER + len(parameters)] = parameters
    return out


@njit(error_model="numpy", inline="always")
def _run(program, start, count, slots):
    for i in range(count):
        row = start + 5 * i
        op = int(program[row])
        dst = int(program[row + 1])
        a = program[row + 2]
        if op == 0:
            slots[dst] = a
            continue
        u = slots[int(a)]
        v = slots[int(program[row + 3])]
        if op == 1:  # add
            r = u + v
        elif op == 2:  # sub
            r = u - v
        elif op == 3:  # mul
            r = u * v
        elif op == 4:  # div
            r = u / v
        elif op == 5:  # pow
            r = u**v
        elif op == 6:  # square
            r = u * u
        elif op == 7:  # neg
            r = -u
        elif op == 8:  # sin
            r = math.sin(u)
        elif op == 9:  # cos
            r = math.cos(u)
        elif op == 10:  # tan
            r = math.tan(u)
        elif op == 11:  # asin
            r = math.asin(u)
        elif op == 12:  # acos
            r = math.acos(u)
        elif op == 13:  # atan
            r = math.atan(u)
        elif op == 14:  # atan2
            r = math.atan2(u, v)
        elif op == 15:  # sinh
            r = math.sinh(u)
        elif op == 16:  # cosh
            r = math.cosh(u)
        elif op == 17:  # tanh
            r = math.tanh(u)
        elif op == 18:  # exp
            r = math.exp(u)
        elif op == 19:  # log
            r = math.log(u)
        elif op == 20:  # sqrt
            r = math.sqrt(u)
        elif op == 21:  # abs
            r = abs(u)
        elif op == 22:  # max
            r = max(u, v)
        elif op == 23:  # min
            r = min(u, v)
        elif op == 24:  # copysign
            r = math.copysign(u, v)
        elif op == 25:  # lt
            r = 1.0 if u < v else 0.0
        elif op == 26:  # le
            r = 1.0 if u <= v else 0.0
        elif op == 27:  # gt
            r = 1.0 if u > v else 0.0
        elif op == 28:  # eq
            r = 1.0 if u == v else 0.0
        else:  # select: b if a else c
            r = v if u != 0.0 else slots[int(program[row + 4])]
        slots[dst] = r
    return 0


@njit(error_model="numpy", inline="always")
def _load(params_pointer):
    head = carray(params_pointer, (HEADER,))
    size = HEADER + int(head[0])
    for k in range(3):
        size += 5 * int(head[3 + 3 * k + 1])
    program = carray(params_pointer, (size,))
    slots = np.zeros(int(head[1]))
    for p in range(int(head[0])):
        slots[2 + p] = program[HEADER + p]
    return program, slots


def _value_batch(xy, n, params, f_out):
    program, slots = _load(params)
    for k in range(n):
        slots[0] = xy[2 * k]
        slots[1] = xy[2 * k + 1]
        _run(program, int(program[2]), int(program[3]), slots)
        f_out[k] = slots[int(program[4])]


def _value_grad_batch(xy, n, params, f_out, g_out):
    program, slots = _load(params)
    for k in range(n):
        slots[0] = xy[2 * k]
        slots[1] = xy[2 * k + 1]
        for j in range(3):
            _run(program, int(program[2 + 3 * j]), int(program[3 + 3 * j]), slots)
        f_out[k] = slots[int(program[4])]
        g_out[2 * k] = slots[int(program[7])]
        g_out[2 * k + 1] = slots[int(program[10])]


_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def callbacks():
    """The (value, value_grad) callbacks every interpreted surface shares."""
    with _LOCK:
        try:
            return (
                cfunc(VALUE_BATCH_SIGNATURE, error_model="numpy", cache=True)(_value_batch),
                cfunc(VALUE_GRAD_BATCH_SIGNATURE, error_model="numpy", cache=True)(
                    _value_grad_batch
                ),
            )
        except RuntimeError:  # no writable cache folder: compile without one
            return (
                cfunc(VALUE_BATCH_SIGNATURE, error_model="numpy")(_value_batch),
                cfunc(VALUE_GRAD_BATCH_SIGNATURE, error_model="numpy")(_value_grad_batch),
            )
